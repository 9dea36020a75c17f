import Foundation
import Testing
@testable import ThumbISA

/// The encoder must choose what GNU as chooses (16-bit where an encoding exists and the
/// flag-setting rule allows it, T3 before T4 for immediates, ...): the kernel compiler
/// relies on it for code size. Reference: Fixtures/encoder-*.txt, produced by GNU as 2.40
/// (scripts/isa/build-encoder-fixture.sh).
@Suite struct EncoderChoiceTests {
    struct Entry {
        var halfwords: [UInt16]
        var statement: String
        var objdump: String
        var inIT: Bool
    }

    static func fixture(_ name: String) throws -> [Entry] {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/encoder-\(name).txt")
        var entries: [Entry] = []
        var itLeft = 0
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", maxSplits: 2).map(String.init)
            let hex = parts[0]
            let hws = stride(from: 0, to: hex.count, by: 4).map { k -> UInt16 in
                let s = hex.index(hex.startIndex, offsetBy: k)
                return UInt16(hex[s..<hex.index(s, offsetBy: 4)], radix: 16) ?? 0
            }
            entries.append(Entry(halfwords: hws, statement: parts[1], objdump: parts[2], inIT: itLeft > 0))
            if itLeft > 0 { itLeft -= 1 }
            // An IT instruction covers 4 - (trailing zeros of its mask) instructions.
            if hws.count == 1 && hws[0] & 0xFF00 == 0xBF00 && hws[0] & 0xF != 0 {
                itLeft = 4 - (hws[0] & 0xF).trailingZeroBitCount
            }
        }
        return entries
    }

    /// What a compiler would ask for: the decoded operation without its encoding, with
    /// the 16-bit "flags outside IT" rule resolved to the flags actually wanted.
    static func request(_ decoded: Instruction, inIT: Bool) -> Instruction {
        var r = decoded
        r.row = EncodingTable.auto
        r.size = 0
        if r.flags.contains(.setFlagsOutsideIT) {
            r.flags.remove(.setFlagsOutsideIT)
            if !inIT { r.flags.insert(.setFlags) }
        }
        r.flags.subtract([.immCarryValid, .immCarry])
        return r
    }

    @Test(arguments: [("v7em", ArchLevel.v7em), ("v6m", ArchLevel.v6m)])
    func encoderChoosesWhatGasChooses(_ name: String, _ arch: ArchLevel) throws {
        let entries = try Self.fixture(name)
        #expect(entries.count > 60)
        var failures: [String] = []
        for e in entries {
            let decoded = ThumbDecoder.shared.decode(e.halfwords[0], e.halfwords.count > 1 ? e.halfwords[1] : 0, arch: arch)
            guard decoded.op != .undefined else {
                failures.append("\(e.statement): gas's encoding does not decode on \(arch)")
                continue
            }
            do {
                let encoded = try ThumbEncoder.encode(Self.request(decoded, inIT: e.inIT), arch: arch, inITBlock: e.inIT)
                if encoded.halfwords != e.halfwords {
                    failures.append("\(e.statement): gas \(e.halfwords.map { String($0, radix: 16) }) sersim \(encoded.halfwords.map { String($0, radix: 16) }) (\(EncodingTable.rows[Int(encoded.row)].name))")
                }
            } catch {
                failures.append("\(e.statement): \(error)")
            }
        }
        #expect(failures.isEmpty, Comment(rawValue: failures.joined(separator: "\n")))
    }

    /// Instructions built by hand, as the kernel compiler builds them, encode to gas's bytes.
    @Test func handBuiltInstructions() throws {
        let gas = Dictionary(try Self.fixture("v7em").map { ($0.statement, $0) }, uniquingKeysWith: { a, _ in a })
        let cases: [(String, Instruction)] = [
            ("adds r0, r0, #1", Instruction(.addImm, rd: .r0, rn: .r0, imm: 1, flags: .setFlags)),
            ("add r0, r0, #1", Instruction(.addImm, rd: .r0, rn: .r0, imm: 1)),
            ("add r0, r1, #4095", Instruction(.addImm, rd: .r0, rn: .r1, imm: 4095)),
            ("add r0, sp, #16", Instruction(.addImm, rd: .r0, rn: .sp, imm: 16)),
            ("add sp, sp, #16", Instruction(.addImm, rd: .sp, rn: .sp, imm: 16)),
            ("sub sp, sp, #4096", Instruction(.subImm, rd: .sp, rn: .sp, imm: 4096)),
            ("add r0, r0, r1", Instruction(.addReg, rd: .r0, rn: .r0, rm: .r1)),
            ("adds r0, r1, r2", Instruction(.addReg, rd: .r0, rn: .r1, rm: .r2, flags: .setFlags)),
            ("add r0, r1, r2, lsl #2", Instruction(.addReg, rd: .r0, rn: .r1, rm: .r2, shift: .lsl, shiftAmount: 2)),
            ("mov r0, #0x1234", Instruction(.movImm, rd: .r0, imm: 0x1234)),
            ("movs r0, #255", Instruction(.movImm, rd: .r0, imm: 255, flags: .setFlags)),
            ("movt r0, #0xABCD", Instruction(.movt, rd: .r0, imm: 0xABCD)),
            ("mov r0, r1", Instruction(.movReg, rd: .r0, rm: .r1)),
            ("lsl r0, r1, #2", Instruction(.movReg, rd: .r0, rm: .r1, shift: .lsl, shiftAmount: 2)),
            ("lsls r0, r1, #2", Instruction(.movReg, rd: .r0, rm: .r1, shift: .lsl, shiftAmount: 2, flags: .setFlags)),
            ("cmp r0, #256", Instruction(.cmpImm, rn: .r0, imm: 256)),
            ("cmp r0, r1", Instruction(.cmpReg, rn: .r0, rm: .r1)),
            ("mul r0, r1, r2", Instruction(.mul, rd: .r0, rn: .r1, rm: .r2)),
            ("muls r0, r1, r0", Instruction(.mul, rd: .r0, rn: .r1, rm: .r0, flags: .setFlags)),
            ("mla r0, r1, r2, r3", Instruction(.mla, rd: .r0, rn: .r1, rm: .r2, ra: .r3)),
            ("smlad r0, r1, r2, r3", Instruction(.smlad, rd: .r0, rn: .r1, rm: .r2, ra: .r3)),
            ("smmulr r0, r1, r2", Instruction(.smmul, rd: .r0, rn: .r1, rm: .r2, flags: .round)),
            ("ssat r0, #16, r1, asr #15", Instruction(.ssat, rd: .r0, rn: .r1, imm2: 16, shift: .asr, shiftAmount: 15)),
            ("usat r0, #8, r1", Instruction(.usat, rd: .r0, rn: .r1, imm2: 8)),
            ("sxtb r0, r1", Instruction(.sxtb, rd: .r0, rm: .r1)),
            ("sxtb16 r0, r1, ror #8", Instruction(.sxtb16, rd: .r0, rm: .r1, imm2: 8)),
            ("ubfx r0, r1, #4, #8", Instruction(.ubfx, rd: .r0, rn: .r1, imm: 4, imm2: 7)),
            ("ldr r0, [r1, #124]", Instruction(.ldrImm, rd: .r0, rn: .r1, imm: 124, flags: [.index, .add])),
            ("ldr r0, [r1, #128]", Instruction(.ldrImm, rd: .r0, rn: .r1, imm: 128, flags: [.index, .add])),
            ("ldr r0, [r1, #-4]", Instruction(.ldrImm, rd: .r0, rn: .r1, imm: 4, flags: [.index])),
            ("ldr r0, [r1], #4", Instruction(.ldrImm, rd: .r0, rn: .r1, imm: 4, flags: [.add, .wback])),
            ("ldr r0, [sp, #8]", Instruction(.ldrImm, rd: .r0, rn: .sp, imm: 8, flags: [.index, .add])),
            ("ldr r0, [r1, r2, lsl #2]", Instruction(.ldrReg, rd: .r0, rn: .r1, rm: .r2, shiftAmount: 2, flags: [.index, .add])),
            ("ldrsb r0, [r1, #1]", Instruction(.ldrsbImm, rd: .r0, rn: .r1, imm: 1, flags: [.index, .add])),
            ("strb r0, [r1, #31]", Instruction(.strbImm, rd: .r0, rn: .r1, imm: 31, flags: [.index, .add])),
            ("ldrd r0, r1, [r2, #8]", Instruction(.ldrd, rd: .r0, rn: .r2, ra: .r1, imm: 8, flags: [.index, .add])),
            ("push {r4, lr}", Instruction(.stmdb, rn: .sp, list: 1 << 4 | 1 << 14, flags: .wback)),
            ("push {r4-r11, lr}", Instruction(.stmdb, rn: .sp, list: 0x4FF0, flags: .wback)),
            ("pop {r4, pc}", Instruction(.ldm, rn: .sp, list: 1 << 4 | 1 << 15, flags: .wback)),
            ("ldm r0!, {r1, r2}", Instruction(.ldm, rn: .r0, list: 0b110, flags: .wback)),
            // One high register: the architecture's PUSH T3 / POP T3 are STR/LDR encodings,
            // so the compiler asks for the store/load with writeback.
            ("push {r8}", Instruction(.strImm, rd: .r8, rn: .sp, imm: 4, flags: [.index, .wback])),
            ("pop {r8}", Instruction(.ldrImm, rd: .r8, rn: .sp, imm: 4, flags: [.add, .wback])),
            ("bx lr", Instruction(.bx, rm: .lr)),
        ]
        for (statement, inst) in cases {
            guard let want = gas[statement] else {
                Issue.record("no fixture line for \(statement)")
                continue
            }
            let got = try ThumbEncoder.encode(inst, arch: .v7em)
            #expect(got.halfwords == want.halfwords, "\(statement)")
        }
        // Inside an IT block the 16-bit forms do not set flags, so a non-flag-setting ADD
        // is 16-bit there.
        let inIT = try ThumbEncoder.encode(Instruction(.addReg, rd: .r0, rn: .r0, rm: .r1), arch: .v7em, inITBlock: true)
        #expect(inIT.size == 2 && inIT.hw1 == 0x1840)
    }

    /// objdump's text of each fixture instruction equals sersim's.
    @Test(arguments: ["v7em", "v6m"])
    func disassemblyOfFixtureMatchesObjdump(_ name: String) throws {
        var failures: [String] = []
        var it = ITTracker()
        for e in try Self.fixture(name) {
            let inst = ThumbDecoder.shared.decode(e.halfwords[0], e.halfwords.count > 1 ? e.halfwords[1] : 0, arch: .v7em)
            let position = it.current
            it.advance()
            if inst.op == .it { it.enter(inst) }
            // Addresses are not in the fixture; compare everything but branch targets.
            let ours = Disassembler.format(inst, address: 0, it: position).description
            let strip: (String) -> String = { s in
                if let r = s.range(of: "\t@") { return String(s[..<r.lowerBound]) }
                return s
            }
            let branchy = [Op.b, .bl, .cbz, .cbnz, .adr, .ldrLit].contains(inst.op)
            let a = branchy ? String(strip(ours).prefix { $0 != "\t" }) : strip(ours)
            let b = branchy ? String(strip(e.objdump).prefix { $0 != "\t" }) : strip(e.objdump)
            if a != b { failures.append("\(e.statement): sersim `\(a)` objdump `\(b)`") }
        }
        #expect(failures.isEmpty, Comment(rawValue: failures.joined(separator: "\n")))
    }
}
