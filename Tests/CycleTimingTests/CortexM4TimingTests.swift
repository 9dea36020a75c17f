import BoardProfiles
import CycleTiming
import Testing
import ThumbISA
@testable import CortexM

/// Cortex-M4 micro-benchmarks: each expected count follows from the Cortex-M4 TRM
/// (DDI 0439B) Table 3-1 and section 3.3.2 "Load/store timings", code in zero-wait SRAM.
@Suite struct CortexM4TimingTests {
    let board = TimingRig.board(.cortexM4)
    let d = TimingRig.data

    func rig(_ code: [Instruction], regs: [Int: UInt32] = [:], board: Board? = nil) throws -> TimingRig {
        let r = try TimingRig(board ?? self.board, code: code)
        for (k, v) in regs { r.machine.setRegister(k, v) }
        r.jump(to: 0)
        return r
    }

    @Test func aluAndMultiplyAreSingleCycle() throws {
        // MOV, ADD, MUL, MLA, SMLAL, SMLAD: 1 each.
        let r = try rig([movs(.r0, 3), add(.r1, .r0, .r0), Instruction(.mul, rd: .r2, rn: .r1, rm: .r0),
                         Instruction(.mla, rd: .r3, rn: .r1, rm: .r0, ra: .r2),
                         Instruction(.smlal, rd: .r4, rn: .r1, rm: .r0, ra: .r5),
                         Instruction(.smlad, rd: .r6, rn: .r1, rm: .r0, ra: .r6)])
        #expect(try r.cycles(6) == 6)
    }

    @Test func trmLoadStorePipeliningExamples() throws {
        // 3.3.2: "LDR R0,[R1]; LDR R1,[R2] - normally three cycles total".
        var r = try rig([ldr(.r0, .r1), ldr(.r1, .r2)], regs: [1: d, 2: d + 4])
        #expect(try r.cycles(2) == 3)
        // "LDR R0,[R1,R2]; STR R0,[R3,#20] - normally three cycles total".
        r = try rig([ldrReg(.r0, .r1, .r2), str(.r0, .r3, 20)], regs: [1: d, 2: 0, 3: d + 0x100])
        #expect(try r.cycles(2) == 3)
        // "LDR R0,[R1,R2]; STR R1,[R3,R2] - normally three cycles total".
        r = try rig([ldrReg(.r0, .r1, .r2), strReg(.r1, .r3, .r2)], regs: [1: d, 2: 0, 3: d + 0x100])
        #expect(try r.cycles(2) == 3)
        // "LDR R0,[R1,R5]; LDR R1,[R2]; LDR R2,[R3,#4] - normally four cycles total".
        r = try rig([ldrReg(.r0, .r1, .r5), ldr(.r1, .r2), ldr(.r2, .r3, 4)], regs: [1: d, 5: 0, 2: d, 3: d])
        #expect(try r.cycles(3) == 4)
    }

    @Test func loadWhoseAddressDependsOnThePreviousLoadIsNotPipelined() throws {
        let r = try rig([ldr(.r0, .r1), ldr(.r2, .r0)], regs: [1: d])
        r.poke32(d, d + 8)
        #expect(try r.cycles(2) == 4)  // 2 + 2
    }

    @Test func addressFromPrecedingDataProcessingStallsOneCycle() throws {
        // "Any load or store that generates an address dependent on the result of a
        // preceding data processing operation stalls the pipeline for an additional cycle."
        var r = try rig([adds(.r1, .r1, 4), ldr(.r0, .r1)], regs: [1: d])
        #expect(try r.cycles(2) == 4)  // 1 + (2 + 1)
        r = try rig([adds(.r3, .r3, 4), ldr(.r0, .r1)], regs: [1: d])
        #expect(try r.cycles(2) == 3)
    }

    @Test func storeWithImmediateOffsetIsOneCycle() throws {
        // "STR Rx,[Ry,#imm] is always one cycle"; nothing pipelines after a store.
        var r = try rig([str(.r0, .r1), str(.r0, .r1, 4), str(.r0, .r1, 8)], regs: [1: d])
        #expect(try r.cycles(3) == 3)
        r = try rig([str(.r0, .r1), ldr(.r2, .r1, 4)], regs: [1: d])
        #expect(try r.cycles(2) == 3)
    }

    @Test func doublewordAndMultipleTransfers() throws {
        // LDRD/STRD 1 + N = 3; LDM 1 + N; PUSH 1 + N.
        var r = try rig([Instruction(.ldrd, rd: .r2, rn: .r1, ra: .r3, flags: [.index, .add])], regs: [1: d])
        #expect(try r.cycles(1) == 3)
        r = try rig([Instruction(.ldm, rn: .r1, list: 0b1111_0000)], regs: [1: d])
        #expect(try r.cycles(1) == 5)
        r = try rig([Instruction(.stmdb, rn: .sp, list: 0b0100_0000_1111_0000, flags: [.wback])])
        #expect(try r.cycles(1) == 6)
    }

    @Test func unalignedAccessesAddCycles() throws {
        // "A halfword aligned word load ... adds one extra cycle ... A byte-aligned word
        // load ... adds two extra cycles."
        var r = try rig([ldr(.r0, .r1)], regs: [1: d + 2])
        #expect(try r.cycles(1) == 3)
        r = try rig([ldr(.r0, .r1)], regs: [1: d + 1])
        #expect(try r.cycles(1) == 4)
    }

    @Test func branchesCostOnePlusP() throws {
        // B: 1 + P; the target of a direct branch is fetched speculatively from decode, so
        // P = 1 for a 16-bit or word-aligned target.
        var r = try rig([Instruction(.b, imm: 0), nop, nop])
        #expect(try r.cycles(1) == 2)
        // B<cond> not taken: 1; taken: 1 + P.
        r = try rig([Instruction(.b, imm: 0, cond: .eq), nop, nop])
        r.machine.setFlags(n: false, z: false, c: false, v: false)
        #expect(try r.cycles(1) == 1)
        r = try rig([Instruction(.b, imm: 0, cond: .eq), nop, nop])
        r.machine.setFlags(n: false, z: true, c: false, v: false)
        #expect(try r.cycles(1) == 2)
        // A 32-bit target that is not word-aligned needs one more fetch.
        r = try rig([Instruction(.b, imm: UInt32(bitPattern: -2)), addw(.r0, .r0, 1)])  // ADDW at +2
        #expect(try r.cycles(2) == 2 + 2)
        r = try rig([Instruction(.b, imm: 0), nop, addw(.r0, .r0, 1)])  // ADDW at +4
        #expect(try r.cycles(2) == 2 + 1)
    }

    @Test func callAndReturn() throws {
        // BL 1 + P (speculated, P = 1); BX LR 1 + P with P = 2 (indirect: not speculated).
        let r = try rig([Instruction(.bl, imm: 0), Instruction(.bx, rm: .lr)])
        #expect(try r.cycles(1) == 2)
        #expect(try r.cycles(1) == 3)
        #expect(r.machine.programCounter == r.addresses[1])
    }

    @Test func popWithPCCostsOnePlusNPlusP() throws {
        let r = try rig([Instruction(.ldm, rn: .sp, list: 0b1000_0000_0001_0000, flags: [.wback]), nop])
        let sp = r.machine.register(13)
        r.poke32(sp, 0)
        r.poke32(sp + 4, r.addresses[1] | 1)
        #expect(try r.cycles(1) == 1 + 2 + 2)
    }

    @Test func tableBranchIsSixCycles() throws {
        // TBB: two cycles for the load, one for the add, three for the reload.
        let r = try rig([Instruction(.tbb, rn: .r0, rm: .r1), nop, nop], regs: [0: d, 1: 0])
        r.machine.poke(d, [1])  // to the second NOP
        #expect(try r.cycles(1) == 6)
    }

    @Test func divideTakesTwoToTwelveCyclesByQuotientSize() throws {
        let udiv = Instruction(.udiv, rd: .r0, rn: .r1, rm: .r2)
        var r = try rig([udiv], regs: [1: 0xFFFF_FFFF, 2: 1])
        #expect(try r.cycles(1) == 12)
        r = try rig([udiv], regs: [1: 7, 2: 100])
        #expect(try r.cycles(1) == 2)
        r = try rig([udiv], regs: [1: 1000, 2: 10])  // quotient 100: 7 bits
        #expect(try r.cycles(1) == 4)
        let s = r.machine.timer.statistics.stalls
        #expect(s.divide == 2)
    }

    @Test func itFoldsOntoAPreceding16BitInstruction() throws {
        // Table 3-1: "IT instructions can be folded onto a preceding 16-bit Thumb
        // instruction, enabling execution in zero cycles."
        let it = Instruction(.it, cond: .eq, list: 0b1000)
        let moveq = Instruction(.movReg, rd: .r1, rm: .r2)
        var r = try rig([movs(.r0, 0), it, moveq])
        #expect(try r.cycles(3) == 2)
        r = try rig([addw(.r0, .r0, 0), it, moveq])
        r.machine.setFlags(n: false, z: false, c: false, v: false)
        #expect(try r.cycles(3) == 3)  // not folded after a 32-bit instruction; skipped MOV 1
        #expect(r.machine.timer.statistics.skipped == 1)
    }

    @Test func exceptionEntryAndReturn() throws {
        // Entry 12 cycles, exit 10 (Arm KA 103489845 / Cortex-M4 TRM), zero wait states.
        let r = try TimingRig(board, code: [Instruction(.svc), nop, Instruction(.bx, rm: .lr)])
        let table = TimingRig.data
        r.poke32(table, TimingRig.sram + 0xF000)
        r.poke32(table + 4, r.addresses[0] | 1)
        r.poke32(table + 11 * 4, r.addresses[2] | 1)
        try r.machine.reset(vectorTable: table)
        #expect(try r.cycles(1) == 1 + 12)  // SVC, then entry
        #expect(r.machine.programCounter == r.addresses[2])
        #expect(try r.cycles(1) == 1 + 10)  // BX LR, then exit
        #expect(r.machine.programCounter == r.addresses[1])
        #expect(r.machine.timer.statistics.stalls.exception == 22)
    }

    @Test func cyccntReadsTheModelledCyclesOfABlock() throws {
        // Firmware measuring itself: enable DWT CYCCNT, read it around a block.
        let code: [Instruction] = [
            str(.r6, .r7),              // DWT_CTRL = 1
            ldr(.r0, .r5),              // t0 = CYCCNT
            ldr(.r2, .r1), ldr(.r3, .r1, 4), adds(.r2, .r2, 1), Instruction(.udiv, rd: .r4, rn: .r2, rm: .r6),
            ldr(.r1, .r5),              // t1 = CYCCNT
        ]
        let r = try rig(code, regs: [5: 0xE000_1004, 6: 1, 7: 0xE000_1000, 1: d])
        r.poke32(d, 999)
        try r.cycles(1)
        let before = r.machine.cycles
        try r.cycles(5)
        let host = r.machine.cycles - before
        try r.cycles(1)
        #expect(r.machine.register(1) &- r.machine.register(0) == UInt32(host))
        // LDR(PPB) 2, LDR pipelined? no: address r1 not from a load → 1, LDR 1 (pipelined),
        // ADDS 1, UDIV (1000: 10 quotient bits) 2 + 3.
        #expect(host == 2 + 1 + 1 + 1 + 5)
    }

    /// The unlock Cortex-M7 firmware does before enabling CYCCNT (DWT_LAR = 0xC5ACCE55, then
    /// DWT_LSR read) is accepted: sersim's DWT has no software lock, LSR reads 0.
    @Test func dwtLockAccessIsAccepted() throws {
        let code: [Instruction] = [str(.r6, .r7), ldr(.r0, .r5)]
        let r = try rig(code, regs: [7: 0xE000_1FB0, 6: 0xC5AC_CE55, 5: 0xE000_1FB4, 0: 0xFFFF_FFFF])
        try r.cycles(2)
        #expect(r.machine.register(0) == 0)
    }

    @Test func sysTickCountsTheModelledCycles() throws {
        // SysTick on the processor clock (CSR = ENABLE | CLKSOURCE): the current value read
        // before and after a block differs by the block's modelled cycles.
        let code: [Instruction] = [
            str(.r6, .r7),              // SYST_RVR = 0xFFFFFF
            str(.r4, .r5),              // SYST_CSR = 5
            ldr(.r0, .r3),              // v0 = SYST_CVR
            adds(.r2, .r2, 1), Instruction(.udiv, rd: .r2, rn: .r6, rm: .r4), ldr(.r2, .r1),
            ldr(.r1, .r3),              // v1 = SYST_CVR
        ]
        let r = try rig(code, regs: [3: 0xE000_E018, 4: 5, 5: 0xE000_E010, 6: 0x00FF_FFFF, 7: 0xE000_E014, 1: d])
        try r.cycles(2)
        let before = r.machine.cycles
        try r.cycles(4)
        let host = r.machine.cycles - before
        try r.cycles(1)
        #expect(r.machine.register(0) &- r.machine.register(1) == UInt32(host))
        // LDR 2, ADDS 1, UDIV (0xFFFFFF / 5: 22 quotient bits) 2 + 7, LDR 2 (not pipelined:
        // the previous instruction is not a load).
        #expect(host == 2 + 1 + 9 + 2)
    }

    @Test func interruptEntryIsTimedAndNotCountedAsAnInstruction() throws {
        // SysTick every 100 cycles with TICKINT: the core spins in `b .` until the handler
        // (BKPT #1) runs. The entry costs 12 cycles and is no instruction.
        let code: [Instruction] = [
            str(.r6, .r7),                                  // SYST_RVR = 99
            str(.r4, .r5),                                  // SYST_CSR = ENABLE | TICKINT | CLKSOURCE
            Instruction(.b, imm: UInt32(bitPattern: -4)),   // b .
            Instruction(.bkpt, imm: 1),                     // SysTick handler
        ]
        let r = try TimingRig(board, code: code)
        let table = TimingRig.data
        r.poke32(table, TimingRig.sram + 0xF000)
        r.poke32(table + 4, r.addresses[0] | 1)
        r.poke32(table + 15 * 4, r.addresses[3] | 1)
        try r.machine.reset(vectorTable: table)
        for (k, v) in [4: UInt32(7), 5: 0xE000_E010, 6: 99, 7: 0xE000_E014] { r.machine.setRegister(k, v) }
        #expect(try r.machine.run(maxCycles: 10_000) == .breakpoint(1))
        let s = r.machine.timer.statistics
        #expect(s.exceptionEntries == 1)
        #expect(s.stalls.exception == 12)
        #expect(s.instructions == r.machine.instructions)
        #expect(s.count(.exception) == 1)  // the BKPT; the entry is not an instruction
    }

    @Test func postIncrementLoadsOnOnePointerPipeline() throws {
        // The base write-back is not "the destination of the first LDR": it is updated at
        // address generation, so the second load still pipelines (2 + 1).
        let post: InstructionFlags = [.add, .wback]
        let r = try rig([Instruction(.ldrImm, rd: .r0, rn: .r1, imm: 4, flags: post),
                         Instruction(.ldrImm, rd: .r2, rn: .r1, imm: 4, flags: post)], regs: [1: d])
        #expect(try r.cycles(2) == 3)
    }
}
