import BoardProfiles
import Testing
import ThumbISA
@testable import CortexM

/// Semihosting (Arm's "Semihosting for AArch32 and AArch64" v2.0) and the DWT cycle
/// counter, driven one BKPT / one load at a time.
@Suite struct SystemTests {
    static let ram: UInt32 = 0x2000_0200

    /// Run `bkpt 0xab` with r0 = operation, r1 = parameter; returns r0.
    @discardableResult
    func semihost(_ core: TestCore, _ op: UInt32, _ param: UInt32) throws -> UInt32 {
        let m = core.machine
        m.poke(core.codeStart, TestCore.bytes([0xBEAB]))  // bkpt 0x00ab
        m.setRegister(0, op)
        m.setRegister(1, param)
        m.setRegister(15, core.codeStart)
        try m.step()
        return m.register(0)
    }

    /// Put bytes or words in RAM and return their address.
    func put(_ core: TestCore, _ bytes: [UInt8], at offset: UInt32) -> UInt32 {
        core.machine.poke(SystemTests.ram + offset, bytes)
        return SystemTests.ram + offset
    }

    func words(_ w: [UInt32]) -> [UInt8] { w.flatMap { TestCore.bytes(word: $0) } }

    @Test func consoleOutput() throws {
        let core = try TestCore(arch: .v7em)
        let m = core.machine
        try semihost(core, 0x03, put(core, [UInt8(ascii: "A")], at: 0))                  // SYS_WRITEC
        try semihost(core, 0x04, put(core, Array("hello\n\0".utf8), at: 0x10))           // SYS_WRITE0
        let tt = put(core, Array(":tt\0".utf8), at: 0x20)
        let out = try semihost(core, 0x01, put(core, words([tt, 4, 3]), at: 0x30))       // SYS_OPEN ":tt", "w"
        let err = try semihost(core, 0x01, put(core, words([tt, 8, 3]), at: 0x40))       // SYS_OPEN ":tt", "a"
        #expect(out != err && out != 0xFFFF_FFFF && err != 0xFFFF_FFFF)
        let text = put(core, Array("outerr".utf8), at: 0x50)
        #expect(try semihost(core, 0x05, put(core, words([out, text, 3]), at: 0x60)) == 0)  // SYS_WRITE: 0 left
        #expect(try semihost(core, 0x05, put(core, words([err, text + 3, 3]), at: 0x70)) == 0)
        #expect(try semihost(core, 0x09, put(core, words([out]), at: 0x80)) == 1)       // SYS_ISTTY
        #expect(String(decoding: m.semihosting.stdout, as: UTF8.self) == "Ahello\nout")
        #expect(String(decoding: m.semihosting.stderr, as: UTF8.self) == "err")
        // No host files: other names fail to open.
        let name = put(core, Array("data.bin\0".utf8), at: 0x90)
        #expect(try semihost(core, 0x01, put(core, words([name, 0, 8]), at: 0xA0)) == 0xFFFF_FFFF)
    }

    @Test func consoleInput() throws {
        let core = try TestCore(arch: .v7em)
        core.machine.semihosting.stdin = Array("xyz".utf8)
        let tt = put(core, Array(":tt\0".utf8), at: 0x20)
        let input = try semihost(core, 0x01, put(core, words([tt, 0, 3]), at: 0x30))    // SYS_OPEN ":tt", "r"
        let buffer = SystemTests.ram + 0x100
        // SYS_READ returns the number of bytes NOT read.
        #expect(try semihost(core, 0x06, put(core, words([input, buffer, 8]), at: 0x40)) == 5)
        #expect(core.machine.peek(buffer, count: 3) == Array("xyz".utf8))
        #expect(try semihost(core, 0x06, put(core, words([input, buffer, 8]), at: 0x40)) == 8, "end of input")
        #expect(try semihost(core, 0x07, 0) == 0xFFFF_FFFF, "SYS_READC at end of input")
    }

    /// ":semihosting-features": "SHFB" and a byte with EXIT_EXTENDED and STDOUT_STDERR.
    @Test func featuresFile() throws {
        let core = try TestCore(arch: .v7em)
        let name = put(core, Array(":semihosting-features\0".utf8), at: 0x20)
        let h = try semihost(core, 0x01, put(core, words([name, 0, 21]), at: 0x40))
        #expect(try semihost(core, 0x0C, put(core, words([h]), at: 0x50)) == 5)         // SYS_FLEN
        let buffer = SystemTests.ram + 0x100
        #expect(try semihost(core, 0x06, put(core, words([h, buffer, 5]), at: 0x60)) == 0)
        #expect(core.machine.peek(buffer, count: 5) == [0x53, 0x48, 0x46, 0x42, 0x03])
    }

    /// Time is simulated time: SYS_CLOCK in centiseconds, SYS_ELAPSED in cycles,
    /// SYS_TICKFREQ the core clock.
    @Test func simulatedTime() throws {
        let core = try TestCore(arch: .v7em)  // nano33ble: 64 MHz
        let m = core.machine
        m.timer.advance(idle: 64_000_000 / 100 * 7)
        let cycles = m.cycles
        #expect(try semihost(core, 0x10, 0) == 7)                                        // SYS_CLOCK
        let block = put(core, [UInt8](repeating: 0xFF, count: 8), at: 0)
        #expect(try semihost(core, 0x30, block) == 0)                                    // SYS_ELAPSED
        let elapsed = UInt64(m.peek32(block) ?? 0) | UInt64(m.peek32(block + 4) ?? 0) << 32
        #expect(elapsed >= cycles && elapsed <= m.cycles)
        #expect(try semihost(core, 0x31, 0) == 64_000_000)                               // SYS_TICKFREQ
    }

    /// SYS_EXIT (the reason code in r1 on AArch32) and SYS_EXIT_EXTENDED (reason, code).
    @Test func exits() throws {
        let core = try TestCore(arch: .v7em)
        let m = core.machine
        m.poke(core.codeStart, TestCore.bytes([0xBEAB]))
        func run(_ op: UInt32, _ param: UInt32) throws -> StopReason {
            m.setRegister(0, op)
            m.setRegister(1, param)
            m.setRegister(15, core.codeStart)
            return try m.run(maxCycles: m.cycles + 100)
        }
        #expect(try run(0x18, 0x20026) == .exited(code: 0))
        #expect(try run(0x18, 0x20023) == .exited(code: 1), "ADP_Stopped_RunTimeErrorUnknown")
        #expect(try run(0x20, put(core, words([0x20026, 42]), at: 0)) == .exited(code: 42))
    }

    @Test func unsupportedOperationFaults() throws {
        let core = try TestCore(arch: .v7em)
        let f = #expect(throws: FaultReport.self) { try semihost(core, 0x99, 0) }
        #expect(f?.detail.contains("semihosting operation 0x99 is not supported") == true)
    }

    /// DWT CYCCNT counts the cycles the timing model counts (C1.8.8): two reads differ by
    /// exactly the cycles between them. The Cortex-M0+ has no cycle counter (reads 0).
    @Test(arguments: [ArchLevel.v7em, .v6m])
    func dwtCycleCounter(_ arch: ArchLevel) throws {
        let core = try TestCore(arch: arch)
        let m = core.machine
        // Enable tracing (DEMCR.TRCENA) and the counter (DWT_CTRL.CYCCNTENA) as CMSIS does.
        m.poke(0x2000_0400, TestCore.bytes(word: 0xE000_1004))
        // ldr r0, [r1, #0]; ldr r2, [r0, #0]; nop; nop; nop; ldr r3, [r0, #0]
        m.poke(core.codeStart, TestCore.bytes([0x6808, 0x6802, 0xBF00, 0xBF00, 0xBF00, 0x6803]))
        try m.writeSystem(0xE000_EDFC, 1 << 24, 4)
        try m.writeSystem(0xE000_1000, 1, 4)
        m.setRegister(1, 0x2000_0400)
        m.setRegister(15, core.codeStart)
        try m.step()
        let first = m.cycles
        for _ in 0..<4 { try m.step() }
        let second = m.cycles
        try m.step()
        if arch == .v6m {
            #expect(m.register(2) == 0 && m.register(3) == 0)
        } else {
            #expect(UInt64(m.register(3) &- m.register(2)) == second - first)
            #expect(m.register(3) != 0)
        }
    }
}
