import BoardProfiles
import ELFFile
import Foundation
import Testing
import ThumbISA
@testable import CortexM

/// No guest behaviour may trap the emulator: random code, random vector tables, random
/// memory, corrupted ELF files. Every run ends in a stop reason or a `FaultReport`
/// (a trap would crash the test process).
@Suite struct MachineFuzzTests {
    static let boards = ["nano-rp2040", "nano33ble", "stm32f746"]
    /// SERSIM_FUZZ_SCALE multiplies the number of runs (long local runs).
    static let scale = Int(ProcessInfo.processInfo.environment["SERSIM_FUZZ_SCALE"] ?? "") ?? 1

    /// Run until a stop or a report; anything else thrown is a failure.
    func runToEnd(_ m: Machine, maxCycles: UInt64) -> String {
        do {
            return "\(try m.run(maxCycles: maxCycles))"
        } catch let f as FaultReport {
            _ = f.description  // the report must render for any state
            return f.kind.rawValue
        } catch {
            Issue.record("unexpected error \(type(of: error)): \(error)")
            return "error"
        }
    }

    /// Random bytes as code, behind a valid reset vector and a random rest of the table.
    @Test(arguments: boards)
    func randomCode(_ boardName: String) throws {
        let board = TestBoards.named(boardName)
        let flash = try #require(board.memory.first { $0.executable && !$0.writable && $0.usable })
        let ram = try #require(board.memory.first { $0.writable && $0.kind == .sram || $0.kind == .dtcm })
        var rng = SeededRandom(seed: 0xF022 &+ UInt64(boardName.utf8.count))
        var outcomes: [String: Int] = [:]
        for _ in 0..<40 * MachineFuzzTests.scale {
            var bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // SP at the top of RAM, reset at 0x100; other vectors random (valid or not).
            let sp = ram.base &+ min(ram.size, 0x1_0000)
            bytes.replaceSubrange(0..<8, with: TestCore.bytes(word: sp) + TestCore.bytes(word: (flash.base + 0x100) | 1))
            if rng.next() % 2 == 0 {
                for v in 2..<16 {
                    let w = (flash.base + 0x100 + UInt32(rng.next() % 0xE00)) | UInt32(rng.next() % 2)
                    bytes.replaceSubrange(4 * v..<4 * v + 4, with: TestCore.bytes(word: w))
                }
            }
            let m = try Machine(board: board)
            let image = FirmwareImage(segments: [.init(address: flash.base, bytes: bytes, executable: true, writable: false, name: "#0")])
            try m.load(image)
            m.poke(ram.base, (0..<1024).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            for k in 0..<13 { m.setRegister(k, UInt32(truncatingIfNeeded: rng.next())) }
            outcomes[runToEnd(m, maxCycles: 20_000), default: 0] += 1
        }
        // Random code mostly faults quickly; it must never escape as anything else.
        #expect(outcomes["error"] == nil, "\(outcomes)")
    }

    /// Random instructions from the whole table (no policy), one step at a time, from
    /// random register values: each step either completes or reports.
    @Test(arguments: [ArchLevel.v6m, .v7em])
    func randomInstructions(_ arch: ArchLevel) throws {
        var gen = InstructionGenerator(arch: arch, seed: 0xBAD5EED)
        let core = try TestCore(arch: arch, deliverFaults: true)
        let m = core.machine
        var faults = 0
        for _ in 0..<3000 * MachineFuzzTests.scale {
            guard let g = gen.generate(rowFilter: { _ in true }, accept: { _ in true }) else { continue }
            m.poke(core.codeStart, g.encoded.bytes + [0x00, 0xBF, 0x00, 0xBF])
            for k in 0..<15 { m.setRegister(k, gen.interestingWord()) }
            m.setRegister(13, 0x2000_1000)
            m.setRegister(15, core.codeStart)
            m.setXPSR(UInt32(truncatingIfNeeded: gen.rng.next()) & 0xF80F_0000)
            do {
                try m.step()
            } catch is FaultReport {
                faults += 1
            }
        }
        #expect(faults > 0)
    }

    /// Corrupted ELF files: the reader and the loader throw their own errors or succeed.
    @Test func corruptedELF() throws {
        let path = FirmwareFixtureTests.directory.appendingPathComponent("crc-m4-O2-nrf52840.elf").path
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var rng = SeededRandom(seed: 0xE1F)
        var loaded = 0, rejected = 0
        let rounds = 300 * MachineFuzzTests.scale
        for round in 0..<rounds {
            var bytes = original
            // Mostly the headers (ELF, program and section headers), sometimes anywhere.
            let flips = 1 + Int(rng.next() % 8)
            for _ in 0..<flips {
                let limit = round % 3 == 0 ? bytes.count : min(bytes.count, 0x100)
                let at = round % 3 == 1 ? bytes.count - 1 - Int(rng.next() % UInt64(min(bytes.count, 0x400)))
                                        : Int(rng.next() % UInt64(limit))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if round % 7 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            do {
                let image = try ELFReader.read(bytes: bytes, origin: "fuzz.elf")
                let m = try Machine(board: TestBoards.named("nano33ble"))
                do {
                    try m.load(image)
                    _ = runToEnd(m, maxCycles: 5_000)
                    loaded += 1
                } catch is MachineError {
                    rejected += 1
                }
            } catch is ELFError {
                rejected += 1
            }
        }
        #expect(loaded + rejected == rounds)
        #expect(rejected > 0)
    }
}
