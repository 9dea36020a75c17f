import BoardProfiles
import CycleTiming
import Testing
import ThumbISA
@testable import CortexM

/// Cortex-M0+ micro-benchmarks: expected counts from the Cortex-M0+ TRM (DDI 0484C)
/// Table 3.1, code in zero-wait SRAM.
@Suite struct CortexM0PlusTimingTests {
    let d = TimingRig.data

    func rig(_ code: [Instruction], regs: [Int: UInt32] = [:], fastMultiplier: Bool = true) throws -> TimingRig {
        let r = try TimingRig(TimingRig.board(.cortexM0plus, fastMultiplier: fastMultiplier), code: code)
        for (k, v) in regs { r.machine.setRegister(k, v) }
        r.jump(to: 0)
        return r
    }

    @Test func theBoardsCoreModelIsTheDefault() throws {
        let r = try rig([nop])
        #expect(r.machine.timer.kind == .cortexM0plus)
        #expect(!r.machine.timer.isEstimate)
    }

    @Test func loadsAndStoresTakeTwoCycles() throws {
        // LDR, LDRB, STR, STRH: 2 each (no pipelining on the 2-stage M0+).
        let r = try rig([ldr(.r0, .r1), ldrb(.r2, .r1), str(.r0, .r1, 4), ldr(.r3, .r1, 8)], regs: [1: d])
        #expect(try r.cycles(4) == 8)
    }

    @Test func multipleTransfersAreOnePlusN() throws {
        // PUSH {r4-r7, lr}: 1 + 5; POP {r4, pc}: 3 + N = 5; LDM {r0-r2}: 1 + 3.
        let push = Instruction(.stmdb, rn: .sp, list: 0b0100_0000_1111_0000, flags: [.wback])
        var r = try rig([push])
        #expect(try r.cycles(1) == 6)
        r = try rig([Instruction(.ldm, rn: .sp, list: 0b1000_0000_0001_0000, flags: [.wback]), nop])
        let sp = r.machine.register(13)
        r.poke32(sp, 0)
        r.poke32(sp + 4, r.addresses[1] | 1)
        #expect(try r.cycles(1) == 5)
        r = try rig([Instruction(.ldm, rn: .r3, list: 0b0111, flags: [.wback])], regs: [3: d])
        #expect(try r.cycles(1) == 4)
    }

    @Test func branches() throws {
        // B 2; B<c> 1 not taken, 2 taken; BL 3; BX 2.
        var r = try rig([Instruction(.b, imm: 0), nop, nop])
        #expect(try r.cycles(1) == 2)
        r = try rig([Instruction(.b, imm: 0, cond: .ne), nop, nop])
        r.machine.setFlags(n: false, z: true, c: false, v: false)
        #expect(try r.cycles(1) == 1)
        r = try rig([Instruction(.bl, imm: 0), Instruction(.bx, rm: .lr)])
        #expect(try r.cycles(1) == 3)
        #expect(try r.cycles(1) == 2)
    }

    @Test func multiplierOptionSetsMULSCycles() throws {
        let muls = Instruction(.mul, rd: .r0, rn: .r1, rm: .r0, flags: [.setFlagsOutsideIT])
        #expect(try rig([muls]).cycles(1) == 1)
        #expect(try rig([muls], fastMultiplier: false).cycles(1) == 32)
    }

    @Test func systemInstructionsTakeThree() throws {
        // MRS 3, MSR 3, DMB/DSB/ISB 3, CPSID 1.
        let r = try rig([Instruction(.mrs, rd: .r0, imm2: 16), Instruction(.msr, rn: .r0, imm: 2, imm2: 16),
                         Instruction(.dmb, imm: 15), Instruction(.isb, imm: 15),
                         Instruction(.cps, imm: 1, flags: [.disable])])
        #expect(try r.cycles(5) == 3 + 3 + 3 + 3 + 1)
    }

    @Test func exceptionEntryIs15Cycles() throws {
        let r = try TimingRig(TimingRig.board(.cortexM0plus), code: [Instruction(.svc), nop, Instruction(.bx, rm: .lr)])
        let table = TimingRig.data
        r.poke32(table, TimingRig.sram + 0xF000)
        r.poke32(table + 4, r.addresses[0] | 1)
        r.poke32(table + 11 * 4, r.addresses[2] | 1)
        try r.machine.reset(vectorTable: table)
        #expect(try r.cycles(1) == 1 + 15)
        #expect(try r.cycles(1) == 1 + 11)
    }

    /// RP2040-like: a 16 KB 2-way XIP cache with 8-byte lines; a miss costs 20 cycles here.
    static func xipBoard(sectorBytes: Int?) -> Board {
        let spec = CacheSpec(sizeBytes: 16 << 10, ways: 2, lineBytes: 8, sectorBytes: sectorBytes)
        return TimingRig.board(.cortexM0plus, memorySystem: MemorySystem(xipCache: spec, xipMissCycles: 20), xip: true)
    }

    /// A loop of 7 NOPs and a branch back (two 8-byte lines) at the XIP base.
    func xipLoopRig(_ board: Board) throws -> TimingRig {
        let code = [nop, nop, nop, nop, nop, nop, nop, Instruction(.b, imm: UInt32(bitPattern: -18))]
        let r = try TimingRig(board, code: code, at: TimingRig.flash)
        r.jump(to: 0)
        return r
    }

    @Test func xipCacheMissesThenHits() throws {
        let r = try xipLoopRig(Self.xipBoard(sectorBytes: nil))
        #expect(try r.cycles(8) == 7 + 2 + 2 * 20)  // two 8-byte lines missed, B taken 2
        #expect(try r.cycles(8) == 7 + 2)           // all hits
        let s = r.machine.timer.statistics
        #expect(s.cache("xipCache") == CacheStatistics(name: "xipCache", accesses: 4, misses: 2))
        #expect(s.stalls.fetch == 40)
        #expect(s.region("XIP")?.fetches == 4)
    }

    /// The RP2040's XIP cache has a valid flag per 32-bit half of each 8-byte line (Pico
    /// SDK xip_cache.c), so code that runs through a line misses once per half.
    @Test func sectoredXIPCacheFillsHalfALineAtATime() throws {
        let board = Self.xipBoard(sectorBytes: 4)
        let r = try xipLoopRig(board)
        #expect(try r.cycles(8) == 7 + 2 + 4 * 20)  // four 4-byte halves missed, B taken 2
        #expect(try r.cycles(8) == 7 + 2)           // all hits
        let s = r.machine.timer.statistics
        #expect(s.cache("xipCache") == CacheStatistics(name: "xipCache", accesses: 8, misses: 4))
        #expect(s.stalls.fetch == 80)
        #expect(s.region("XIP")?.fetches == 8)

        // Data: a word load per half misses once each; the second load of a half hits.
        let d = try TimingRig(board, code: [ldr(.r0, .r1), ldr(.r0, .r1, 4), ldr(.r0, .r1, 4), ldr(.r0, .r1, 8)])
        d.machine.setRegister(1, TimingRig.flash + 0x100)
        d.jump(to: 0)
        #expect(try d.cycles(4) == 8 + 3 * 20)  // halves 0x100, 0x104 and 0x108
    }

    @Test func dataFromXIPGoesThroughTheCache() throws {
        let ms = MemorySystem(xipCache: CacheSpec(sizeBytes: 16 << 10, ways: 2, lineBytes: 8), xipMissCycles: 20)
        let board = TimingRig.board(.cortexM0plus, memorySystem: ms, xip: true)
        let r = try TimingRig(board, code: [ldr(.r0, .r1), ldr(.r0, .r1, 4), ldr(.r0, .r1, 8)])
        r.machine.setRegister(1, TimingRig.flash + 0x100)
        r.jump(to: 0)
        #expect(try r.cycles(3) == 6 + 2 * 20)  // lines 0x100 (twice) and 0x108
        #expect(r.machine.timer.statistics.region("XIP")?.reads == 3)
    }
}
