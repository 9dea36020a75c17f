import BoardProfiles
import CycleTiming
import Testing
import ThumbISA
@testable import CortexM

/// The memory system: flash wait states by clock, line buffer, prefetch, ART, the M7 L1
/// caches (acting only while CCR enables them), and the statistics.
@Suite struct MemorySystemTests {
    /// A latency table in the style of a reference manual: 0 WS up to 30 MHz, then one
    /// more per 30 MHz.
    static let latency = [LatencyStep(maxHz: 30e6, waitStates: 0), LatencyStep(maxHz: 60e6, waitStates: 1),
                          LatencyStep(maxHz: 90e6, waitStates: 2), LatencyStep(maxHz: 120e6, waitStates: 3)]
    /// 16 NOPs: two 16-byte flash lines.
    static let sixteenNops = [Instruction](repeating: nop, count: 16)

    func flashRig(_ ms: MemorySystem, clockHz: Double, code: [Instruction] = sixteenNops,
                  core: CoreKind = .cortexM4) throws -> TimingRig {
        let r = try TimingRig(TimingRig.board(core, memorySystem: ms, clockHz: clockHz), code: code, at: TimingRig.flash)
        r.jump(to: 0)
        return r
    }

    @Test func waitStatesFollowTheClock() throws {
        let ms = MemorySystem(flashLatency: Self.latency, flashLineBytes: 16)
        // At 100 MHz: 3 wait states per line (the table's last step covers the rest).
        var r = try flashRig(ms, clockHz: 100e6)
        #expect(r.machine.timer.flashWaitStates == 3)
        #expect(try r.cycles(16) == 16 + 2 * 3)
        r = try flashRig(ms, clockHz: 50e6)
        #expect(try r.cycles(16) == 16 + 2 * 1)
        r = try flashRig(ms, clockHz: 24e6)
        #expect(try r.cycles(16) == 16)
        #expect(r.machine.timer.statistics.region("FLASH")?.fetches == 2)
    }

    @Test func prefetchHidesSequentialLines() throws {
        // The second line is read while the first one's 8 instructions run (>= 4 cycles).
        let ms = MemorySystem(flashLatency: Self.latency, flashLineBytes: 16, prefetch: true)
        let r = try flashRig(ms, clockHz: 100e6)
        #expect(try r.cycles(16) == 16 + 3)
        let s = r.machine.timer.statistics
        #expect(s.cache("prefetch") == CacheStatistics(name: "prefetch", accesses: 1, misses: 0))
    }

    @Test func prefetchCannotHideALineConsumedTooFast() throws {
        // 7 wait states: line 2 is ready 8 cycles after line 1 arrived; 2 instructions
        // (one 32-bit line of 16-bit NOPs is 8 instructions, here lines are 4 bytes).
        let ms = MemorySystem(flashLatency: [LatencyStep(maxHz: 1e9, waitStates: 7)], flashLineBytes: 4, prefetch: true)
        let r = try flashRig(ms, clockHz: 100e6, code: [nop, nop, nop, nop])
        // Line 1: 7; line 2 ready at 7 + 8 = 15, needed at 7 + 2 = 9: stall 6.
        #expect(try r.cycles(4) == 4 + 7 + 6)
    }

    @Test func artServesRepeatedCode() throws {
        // A loop of 15 NOPs and a branch back spans two 16-byte lines. With the ART, later
        // passes hit; without it, every pass fetches both lines from flash again.
        let loop = [Instruction](repeating: nop, count: 15) + [Instruction(.b, imm: UInt32(bitPattern: -34))]
        let art = MemorySystem(flashLatency: Self.latency, flashLineBytes: 16,
                               art: CacheSpec(sizeBytes: 1024, ways: 4, lineBytes: 16))
        var r = try flashRig(art, clockHz: 100e6, code: loop)
        // A pass: 15 NOPs + B (1 + P = 2) = 17 cycles, + 3 wait states per line missed.
        #expect(try r.cycles(16) == 17 + 2 * 3)
        #expect(try r.cycles(16) == 17)
        #expect(r.machine.timer.statistics.cache("art") == CacheStatistics(name: "art", accesses: 4, misses: 2))
        r = try flashRig(MemorySystem(flashLatency: Self.latency, flashLineBytes: 16), clockHz: 100e6, code: loop)
        #expect(try r.cycles(16) == 17 + 2 * 3)
        #expect(try r.cycles(16) == 17 + 2 * 3)
    }

    @Test func artLineWiderThanAFlashReadFillsARead() throws {
        // The STM32L4 shape: 8-byte flash reads, 32-byte ART lines. A miss copies the read
        // that missed (MemorySystem.artAsTimed), so the first pass through the line pays
        // for four reads, as without the ART; later passes hit all four.
        let loop = [Instruction](repeating: nop, count: 15) + [Instruction(.b, imm: UInt32(bitPattern: -34))]
        let ms = MemorySystem(flashLatency: Self.latency, flashLineBytes: 8,
                              art: CacheSpec(sizeBytes: 1024, ways: 32, lineBytes: 32))
        #expect(ms.artAsTimed?.sectorBytes == 8)
        let r = try flashRig(ms, clockHz: 100e6, code: loop)
        #expect(try r.cycles(16) == 17 + 4 * 3)
        #expect(try r.cycles(16) == 17)
        #expect(r.machine.timer.statistics.cache("art") == CacheStatistics(name: "art", accesses: 8, misses: 4))
        // A board file cannot give the ART sectors of its own: they follow from the read.
        var given = ms
        given.art?.sectorBytes = 16
        #expect {
            _ = try CoreTimer(kind: .cortexM4, board: TimingRig.board(.cortexM4, memorySystem: given), clockHz: 100e6)
        } throws: { error in
            "\(error)".hasSuffix("memorySystem.art.sectorBytes: the ART fills one flash read at a time, "
                + "so its sectors follow from the read width (memorySystem.flash.readBytes)")
        }
    }

    @Test func dataReadsFromFlashPayWaitStates() throws {
        let ms = MemorySystem(flashLatency: Self.latency, flashLineBytes: 16)
        let r = try TimingRig(TimingRig.board(.cortexM4, memorySystem: ms, clockHz: 100e6),
                              code: [ldr(.r0, .r1), ldr(.r2, .r3)])
        r.machine.setRegister(1, TimingRig.flash + 0x1000)
        r.machine.setRegister(3, TimingRig.data)
        r.jump(to: 0)
        #expect(try r.cycles(1) == 2 + 3)
        #expect(try r.cycles(1) == 1)  // pipelined SRAM load
        let s = r.machine.timer.statistics
        #expect(s.stalls.data == 3)
        #expect(s.region("FLASH")?.reads == 1)
        #expect(s.region("SRAM")?.reads == 1)
    }

    @Test func artDataCacheServesTheRestOfAFlashRead() throws {
        // STM32L4 shape: 8-byte reads, the ART's data cache of 32-byte lines. Two loads of
        // the words of one read: the first pays the wait states, the second hits; a load
        // from the next read misses again; loading the first word again hits.
        let ms = MemorySystem(flashLatency: Self.latency, flashLineBytes: 8,
                              artData: CacheSpec(sizeBytes: 256, ways: 8, lineBytes: 32))
        let code = [ldr(.r0, .r1), ldr(.r2, .r1, 4), ldr(.r3, .r1, 8), ldr(.r4, .r1)]
        let r = try TimingRig(TimingRig.board(.cortexM4, memorySystem: ms, clockHz: 100e6), code: code)
        r.machine.setRegister(1, TimingRig.flash + 0x1000)
        r.jump(to: 0)
        try r.cycles(4)
        let s = r.machine.timer.statistics
        #expect(s.stalls.data == 2 * 3)
        #expect(s.cache("artData") == CacheStatistics(name: "artData", accesses: 4, misses: 2))
        #expect(s.region("FLASH")?.reads == 4)
    }

    // MARK: Cortex-M7 L1 caches

    static let m7System = MemorySystem(
        flashLatency: [LatencyStep(maxHz: 1e9, waitStates: 7)], flashLineBytes: 32,
        icache: CacheSpec(sizeBytes: 4096, ways: 2, lineBytes: 32),
        dcache: CacheSpec(sizeBytes: 4096, ways: 4, lineBytes: 32),
        busLatencyCycles: 4, busWidthBytes: 8)

    /// Lines that fill a sector at a time are modelled for the XIP cache only; elsewhere
    /// the board is refused with the field named rather than timed as if unsectored.
    @Test func sectoredLinesOnlyInTheXIPCache() {
        var ms = Self.m7System
        ms.icache = CacheSpec(sizeBytes: 4096, ways: 2, lineBytes: 32, sectorBytes: 16)
        let board = TimingRig.board(.cortexM7, memorySystem: ms)
        #expect {
            _ = try CoreTimer(kind: .cortexM7, board: board, clockHz: 100e6)
        } throws: { error in
            "\(error)".hasSuffix("memorySystem.icache.sectorBytes: lines that fill a sector at a time are modelled for the XIP cache only")
        }
    }

    @Test func instructionCacheActsOnlyWhenEnabled() throws {
        // 16 single-issue NOPs: one 32-byte line of flash behind AXI (7 wait states).
        var r = try flashRig(Self.m7System, clockHz: 216e6, core: .cortexM7)
        #expect(try r.cycles(16) == 16 + 7)  // cache off: the flash line's wait states
        #expect(r.machine.timer.statistics.cache("icache")?.accesses == 0)
        r = try flashRig(Self.m7System, clockHz: 216e6, core: .cortexM7)
        r.machine.timer.setCacheEnables(ccr: 1 << 17)
        #expect(try r.cycles(16) == 16 + 4 + 8)  // miss: bus latency + one flash line
        r.jump(to: 0)
        r.machine.timer.setCacheEnables(ccr: 0)  // off and on again: the cache starts empty
        r.machine.timer.setCacheEnables(ccr: 1 << 17)
        #expect(try r.cycles(16) == 16 + 4 + 8)
        // A branch back to the line from elsewhere hits.
        let loop = [Instruction](repeating: nop, count: 31) + [Instruction(.b, imm: UInt32(bitPattern: -66)), nop]
        r = try flashRig(Self.m7System, clockHz: 216e6, code: loop, core: .cortexM7)
        r.machine.timer.setCacheEnables(ccr: 1 << 17)
        try r.cycles(32)
        let before = r.machine.timer.statistics
        try r.cycles(32)
        let pass = r.machine.timer.statistics.delta(since: before)
        #expect(pass.stalls.fetch == 0)
        #expect(pass.cache("icache") == CacheStatistics(name: "icache", accesses: 2, misses: 0))
    }

    @Test func dataCacheActsOnlyWhenEnabled() throws {
        let sram1 = TimingRig.sram + 0x1_0000
        let code = [ldr(.r0, .r1), Instruction(.addImm, rd: .r5, rn: .r5, imm: 1), ldr(.r2, .r1, 4)]
        var r = try TimingRig(TimingRig.board(.cortexM7, memorySystem: Self.m7System, clockHz: 216e6), code: code)
        r.machine.setRegister(1, sram1)
        r.jump(to: 0)
        // Uncached AXI reads: bus latency 4 each.
        #expect(try r.cycles(3) == 2 + 4 + 4)
        r = try TimingRig(TimingRig.board(.cortexM7, memorySystem: Self.m7System, clockHz: 216e6), code: code)
        r.machine.setRegister(1, sram1)
        r.machine.timer.setCacheEnables(ccr: 1 << 16)
        r.jump(to: 0)
        // First read misses: 4 + (32 / 8) beats; the second hits the same line.
        #expect(try r.cycles(3) == 2 + 4 + 4)
        #expect(r.machine.timer.statistics.cache("dcache") == CacheStatistics(name: "dcache", accesses: 2, misses: 1))
    }

    @Test func tcmIsNeverCached() throws {
        let r = try TimingRig(TimingRig.board(.cortexM7, memorySystem: Self.m7System), code: [ldr(.r0, .r1)])
        r.machine.setRegister(1, TimingRig.data)  // DTCM
        r.machine.timer.setCacheEnables(ccr: 3 << 16)
        r.jump(to: 0)
        #expect(try r.cycles(1) == 1)
        #expect(r.machine.timer.statistics.cache("dcache")?.accesses == 0)
    }

    // MARK: Statistics

    @Test func snapshotsSubtractToAStretchOfTheRun() throws {
        let r = try TimingRig(TimingRig.board(.cortexM4), code: [ldr(.r0, .r1), str(.r0, .r1, 4), add(.r2, .r2, .r0),
                                                                 Instruction(.mul, rd: .r3, rn: .r2, rm: .r2)])
        r.machine.setRegister(1, TimingRig.data)
        r.jump(to: 0)
        try r.cycles(2)
        let a = r.machine.timer.statistics
        try r.cycles(2)
        let d = r.machine.timer.statistics.delta(since: a)
        #expect(d.instructions == 2)
        #expect(d.cycles == 2)
        #expect(d.count(.mul) == 1 && d.count(.alu) == 1 && d.count(.load) == 0)
        #expect(a.count(.load) == 1 && a.count(.store) == 1)
        #expect(a.region("SRAM")?.reads == 1 && a.region("SRAM")?.writes == 1)
        #expect(d.region("SRAM")?.reads == 0)
    }

    @Test func unusableCacheGeometryIsAClearError() throws {
        let ms = MemorySystem(icache: CacheSpec(sizeBytes: 3000, ways: 2, lineBytes: 32))
        #expect {
            _ = try Machine(board: TimingRig.board(.cortexM7, memorySystem: ms))
        } throws: { error in
            "\(error)".contains("memorySystem.icache") && "\(error)".contains("3000 bytes")
        }
    }

    @Test func negativeParametersAreClearErrors() throws {
        let cases: [(MemorySystem, String)] = [
            (MemorySystem(xipMissCycles: -1), "xipMissCycles = -1"),
            (MemorySystem(flashLatency: [LatencyStep(maxHz: 1e9, waitStates: -2)]), "-2 wait states"),
            (MemorySystem(busWidthBytes: 0), "busWidthBytes = 0"),
        ]
        for (ms, text) in cases {
            #expect {
                _ = try Machine(board: TimingRig.board(.cortexM4, memorySystem: ms))
            } throws: { error in
                "\(error)".contains(text)
            }
        }
    }

    @Test func placeholderStaysAvailableAndNamed() throws {
        let r = try TimingRig(TimingRig.board(.cortexM7), code: [ldr(.r0, .r1), nop], timing: .placeholder)
        r.machine.setRegister(1, TimingRig.data)
        r.jump(to: 0)
        #expect(try r.cycles(2) == 3)
        #expect(r.machine.timer.kind == .placeholder)
        #expect(r.machine.timer.kind.provenance.contains("PLACEHOLDER"))
    }
}
