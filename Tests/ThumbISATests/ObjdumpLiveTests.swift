import Foundation
import Testing
@testable import ThumbISA

/// Random words of every encoding row, disassembled by sersim and by the installed
/// `arm-none-eabi-objdump` (run live; the test is skipped where binutils is missing, and
/// scripts/ensure-deps installs it for the test suite). This reaches encodings and operand
/// values gcc never emits.
@Suite struct ObjdumpLiveTests {
    static let objdump: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/arm-none-eabi-objdump"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// Runs objdump on raw Thumb bytes loaded at address 0; returns its instruction lines.
    static func objdumpLines(_ bytes: [UInt8]) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-objdump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("code.bin")
        try Data(bytes).write(to: file)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: objdump!)
        p.arguments = ["-D", "-b", "binary", "-marm", "-Mforce-thumb", "--no-show-raw-insn", file.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").map(String.init).filter { isInstructionLine($0) }
    }

    static func isInstructionLine(_ s: String) -> Bool {
        let t = s.drop { $0 == " " }
        guard let colon = t.firstIndex(of: ":") else { return s == "\t..." }
        return !t[..<colon].isEmpty && t[..<colon].allSatisfy(\.isHexDigit) && t[colon...].hasPrefix(":\t")
    }

    /// `count` random words per row (v7em), none UNPREDICTABLE by the row's rules.
    static func randomStream(perRow count: Int, seed: UInt64, rows: [Int]) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var bytes: [UInt8] = []
        for index in rows {
            let row = EncodingTable.rows[index]
            var made = 0
            for _ in 0..<(count * 20) where made < count {
                let word = (UInt32(truncatingIfNeeded: rng.next()) & ~row.mask | row.match)
                    & (row.size == 2 ? 0xFFFF : 0xFFFF_FFFF)
                guard row.matches(word) else { continue }
                let hw1 = UInt16(truncatingIfNeeded: row.size == 2 ? word : word >> 16)
                let inst = ThumbDecoder.shared.decode(hw1, UInt16(truncatingIfNeeded: word), arch: .v7em)
                guard Int(inst.row) == index, !row.isUnpredictable(word: word, decoded: inst),
                      !objdumpMisnames(inst, word: word) else { continue }
                if row.size == 4 {
                    bytes += [UInt8(hw1 & 0xFF), UInt8(hw1 >> 8), UInt8(word & 0xFF), UInt8(word >> 8 & 0xFF)]
                } else {
                    bytes += [UInt8(word & 0xFF), UInt8(word >> 8 & 0xFF)]
                }
                made += 1
            }
        }
        return bytes
    }

    /// Words binutils 2.40 names wrongly, left out of the comparison (docs/disassembler.md):
    /// a literal load with U = 0 and imm12<11:8> = 1110 (LDR (literal) T2 in A5.3.7: Rn =
    /// 1111 selects the literal form) is printed as the unprivileged LDRT family.
    static func objdumpMisnames(_ inst: Instruction, word: UInt32) -> Bool {
        switch inst.op {
        case .ldrLit, .ldrbLit, .ldrhLit, .ldrsbLit, .ldrshLit:
            return !inst.flags.contains(.add) && (word >> 8) & 0xF == 0xE
        default:
            return false
        }
    }

    static func compare(_ bytes: [UInt8]) throws -> [String] {
        let listing = Listing(section: CodeSection(name: ".data", address: 0, bytes: bytes))
        let ours = listing.lines().filter {
            if case .label = $0.content { return false }
            return true
        }.flatMap { $0.render(showRawBytes: false).split(separator: "\n").map(String.init) }
        let theirs = try objdumpLines(bytes)
        var mismatches: [String] = []
        for k in 0..<max(ours.count, theirs.count) {
            let x = k < ours.count ? ours[k] : "<missing>", y = k < theirs.count ? theirs[k] : "<missing>"
            if x != y { mismatches.append("sersim `\(x)` objdump `\(y)`") }
        }
        return mismatches
    }

    /// Every row but IT, so that each instruction is disassembled outside IT blocks.
    @Test(.enabled(if: objdump != nil))
    func everyRowOutsideITBlocks() throws {
        let rows = EncodingTable.rows.indices.filter { EncodingTable.rows[$0].op != .it }
        let bytes = Self.randomStream(perRow: 24, seed: 0xD15A_55E1, rows: rows)
        let mismatches = try Self.compare(bytes)
        #expect(mismatches.isEmpty, Comment(rawValue: "\(mismatches.count) differ:\n" + mismatches.prefix(60).joined(separator: "\n")))
    }

    /// Every row, IT included: instructions land inside IT blocks of random shapes.
    @Test(.enabled(if: objdump != nil))
    func everyRowWithITBlocks() throws {
        var rng = SplitMix64(seed: 0x17B1_0C55)
        var bytes: [UInt8] = []
        let rows = Array(EncodingTable.rows.indices)
        for _ in 0..<4 {
            for index in rows.shuffled(using: &rng) {
                // An IT instruction before roughly every third instruction.
                if rng.next() % 3 == 0 {
                    let firstcond = UInt16(rng.next() % 14), mask = UInt16(1 + rng.next() % 15)
                    bytes += [UInt8(firstcond << 4 | mask), 0xBF]
                }
                bytes += Self.randomStream(perRow: 1, seed: rng.next(), rows: [index])
            }
        }
        let mismatches = try Self.compare(bytes)
        #expect(mismatches.isEmpty, Comment(rawValue: "\(mismatches.count) differ:\n" + mismatches.prefix(60).joined(separator: "\n")))
    }
}
