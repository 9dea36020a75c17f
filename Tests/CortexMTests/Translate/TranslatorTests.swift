import BoardProfiles
import CycleTiming
import ELFFile
import Foundation
import Testing
import ThumbISA
@testable import CortexM

/// The block translator against the interpreter: every firmware fixture, run by each
/// engine, must end in the same state (registers, flags, output, exit, instruction and
/// cycle counts, statistics, function profile). On a difference, the two machines are
/// run again side by side to find where they first part.
@Suite struct TranslatorTests {
    /// The placeholder model, the board core's own, and the Cortex-M4's rules (the
    /// richest of the scalar ones) on every core.
    static func models(_ board: String) -> [TimingModelKind] {
        guard let b = FirmwareFixtureTests.board(board) else { return [] }
        var list: [TimingModelKind] = [.placeholder]
        for k in [TimingModelKind.forCore(b.core.kind), .cortexM4] where !list.contains(k) { list.append(k) }
        return list
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var fixture: FirmwareFixtureTests.Fixture
        var model: TimingModelKind
        var testDescription: String { "\(fixture.elf) \(model.rawValue)" }
    }

    static var cases: [Case] {
        // A debug build runs guest code slowly: here a few -O2 programs on every board
        // (the QEMU memory maps included); `sersim-bench --check-engines`, in CI, runs every
        // fixture on every board the same way in a release build.
        FirmwareFixtureTests.manifest.fixtures.filter {
            $0.long != true && $0.opt == "O2" && ["crc", "dsp", "handlers", "fault-bus", "matmul"].contains($0.program)
        }.flatMap { f in
            models(f.board).map { Case(fixture: f, model: $0) }
        }
    }

    static func machine(_ c: Case, _ engine: ExecutionEngine) throws -> Machine {
        let board = try #require(FirmwareFixtureTests.board(c.fixture.board))
        let image = try ELFReader.read(path: FirmwareFixtureTests.directory.appendingPathComponent(c.fixture.elf).path)
        var options = MachineOptions(timing: c.model)
        options.engine = engine
        options.translateAfter = 0  // every block translated at once: the translator is what is compared
        let m = try Machine(board: board, options: options)
        try m.load(image)
        return m
    }

    /// What a run leaves behind, for comparison.
    static func state(_ m: Machine) -> String {
        let regs = (0..<16).map { String(m.register($0), radix: 16) }.joined(separator: " ")
        return "regs \(regs) xpsr \(String(m.xpsr, radix: 16)) cycles \(m.cycles) instructions \(m.instructions)"
    }

    static func outcome(_ m: Machine, _ body: () throws -> StopReason) -> String {
        let stop: String
        do { stop = "\(try body())" } catch { stop = "error \(error)" }
        return stop + "\n" + state(m) + "\nstdout " + String(decoding: m.semihosting.stdout, as: UTF8.self)
            + "\nstats \(m.timer.statistics)\nprofile \(m.functionProfile.map { "\($0.name)=\($0.cycles)" })"
    }

    @Test(arguments: cases)
    func sameRunAsTheInterpreter(_ c: Case) throws {
        let a = try Self.machine(c, .interpret), b = try Self.machine(c, .translate)
        let ra = Self.outcome(a) { try a.run(maxCycles: 200_000_000) }
        let rb = Self.outcome(b) { try b.run(maxCycles: 200_000_000) }
        if ra != rb {
            Issue.record("\(c.fixture.elf): the engines differ\ninterpret: \(ra)\ntranslate: \(rb)\n\(try Self.firstDifference(c))")
        }
    }

    /// A host that refuses executable memory runs the interpreter with the machine's own
    /// timing model (not the placeholder's).
    @Test func withoutExecutableMemoryTheInterpreterRuns() throws {
        let f = try #require(FirmwareFixtureTests.manifest.fixtures.first { $0.elf == "crc-m4-O2-nrf52840.elf" })
        let c = Case(fixture: f, model: .cortexM4)
        let a = try Self.machine(c, .interpret), b = try Self.machine(c, .translate)
        b.translationUnavailable = true
        let ra = Self.outcome(a) { try a.run(maxCycles: 200_000_000) }
        let rb = Self.outcome(b) { try b.run(maxCycles: 200_000_000) }
        #expect(ra == rb)
        #expect(b.translations == nil)
    }

    /// `translatedRetire` writes an execution record's beats, bits, beat bytes and region
    /// with one store; the context's fetch path fits its space.
    @Test func layoutsTheTranslatorRelieson() {
        let beats = Machine.recordShapeOffset
        #expect(MemoryLayout<ExecutionRecord>.offset(of: \ExecutionRecord.bits) == beats + 1)
        #expect(MemoryLayout<ExecutionRecord>.offset(of: \ExecutionRecord.beatBytes) == beats + 2)
        #expect(MemoryLayout<ExecutionRecord>.offset(of: \ExecutionRecord.region) == beats + 3)
        #expect(MemoryLayout<CoreTimer.TranslatedFetchPath>.size <= Int(TranslatedContext.fetchHits - TranslatedContext.fetchPath))
        #expect(MemoryLayout<CoreTimer.TranslatedDataPath>.size <= Int(TranslatedContext.dataHits - TranslatedContext.dataPath))
        #expect(TranslatedContext.dataHits + 8 <= TranslatedContext.bytes)
    }

    /// An IT block whose instructions alternate between executed and skipped, one of
    /// them a load from the SCS (the interpreter's, so the block leaves mid-IT), stopped by
    /// the cycle limit at every cycle of the run: the engines agree at each stop, and the
    /// program computes what it should.
    @Test(arguments: ["nano33ble", "stm32f746", "nano-rp2040"])
    func itBlocksLeftAtEveryCycle(_ boardName: String) throws {
        let board = TestBoards.named(boardName)
        let v6m = board.core.kind == .cortexM0plus
        let flash = try #require(board.memory.first { $0.executable && !$0.writable && $0.usable }?.base)
        let start = flash + 0x2000
        // r3 = 5 ... 1; r2 counts the even values; r0 = SysTick CVR on odd ones.
        var code: [UInt16] = [
            0x4905,  //    ldr   r1, =0xE000E018     (SysTick CVR)
            0x2200,  //    movs  r2, #0
            0x2305,  //    movs  r3, #5
            0x2401,  // 6: movs  r4, #1
            0x4223,  //    tst   r3, r4
            0xBF14,  //    ite   ne
            0x6808,  //    ldrne r0, [r1]
            0x3201,  //    addeq r2, #1
            0x3B01,  //    subs  r3, #1
            0xD1F8,  //    bne   6
            0xBE01,  //    bkpt  #1
            0x0000,
            0xE018, 0xE000,  // the literal
        ]
        if v6m {
            // ARMv6-M has no IT: the same loop with a branch (and no SCS load).
            code[5] = 0xD100  // bne over the next instruction
            code[6] = 0x3201  // adds r2, #1
            code[7] = 0xBF00  // nop
        }
        let bytes = code.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        func run(_ engine: ExecutionEngine, _ model: TimingModelKind, limit: UInt64) throws -> (String, Machine) {
            var options = MachineOptions(timing: model, profileFunctions: false)
            options.engine = engine
        options.translateAfter = 0  // every block translated at once: the translator is what is compared
            let m = try Machine(board: board, options: options)
            #expect(m.poke(start, bytes))
            m.setRegister(13, 0x2000_8000)
            m.setRegister(15, start)
            return (Self.outcome(m) { try m.run(maxCycles: limit) }, m)
        }
        for model in Self.models(boardName) {
            let (full, m) = try run(.translate, model, limit: 10_000)
            #expect(full.hasPrefix("breakpoint(1)"), "\(full)")
            #expect(m.register(2) == 2)
            for limit in UInt64(1)...m.cycles {
                let (a, _) = try run(.interpret, model, limit: limit), (b, _) = try run(.translate, model, limit: limit)
                #expect(a == b, "\(boardName) \(model.rawValue), cycle limit \(limit)")
                if a != b { break }
            }
        }
    }

    /// Run both engines to the same cycle limits, narrowing down to the first limit at
    /// which their states differ; describe the interpreter's instruction there.
    static func firstDifference(_ c: Case) throws -> String {
        var lo: UInt64 = 0, hi: UInt64 = 1
        func differs(_ limit: UInt64) throws -> Bool {
            let a = try machine(c, .interpret), b = try machine(c, .translate)
            let sa = outcome(a) { try a.run(maxCycles: limit) }, sb = outcome(b) { try b.run(maxCycles: limit) }
            return sa != sb
        }
        while try !differs(hi) {
            lo = hi
            hi *= 2
            if hi > 400_000_000 { return "no difference found by cycle limit" }
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if try differs(mid) { hi = mid } else { lo = mid }
        }
        let a = try machine(c, .interpret), b = try machine(c, .translate)
        _ = try? a.run(maxCycles: lo)
        _ = try? b.run(maxCycles: lo)
        let at = a.register(15)
        var text = "?"
        if let bytes = a.peek(at, count: 4) {
            let hw1 = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
            let hw2 = UInt16(bytes[2]) | UInt16(bytes[3]) << 8
            text = "\(ThumbDecoder.shared.decode(hw1, hw2, arch: a.arch))"
        }
        let sa = outcome(a) { try a.run(maxCycles: hi) }, sb = outcome(b) { try b.run(maxCycles: hi) }
        return "states agree at cycle limit \(lo) (pc 0x\(String(at, radix: 16)): \(text)), differ at \(hi):\n  interpret: \(sa)\n  translate: \(sb)"
    }
}
