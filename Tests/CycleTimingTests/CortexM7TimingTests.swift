import BoardProfiles
import CycleTiming
import Testing
import ThumbISA
@testable import CortexM

/// Cortex-M7 micro-benchmarks: dual issue, result latencies and pipe conflicts as LLVM's
/// ARMScheduleM7.td describes them, code in DTCM (zero wait states).
@Suite struct CortexM7TimingTests {
    let d = TimingRig.data

    func rig(_ code: [Instruction], regs: [Int: UInt32] = [:]) throws -> TimingRig {
        let r = try TimingRig(TimingRig.board(.cortexM7), code: code)
        for (k, v) in regs { r.machine.setRegister(k, v) }
        r.jump(to: 0)
        return r
    }

    func cycles(_ code: [Instruction], regs: [Int: UInt32] = [:]) throws -> UInt64 {
        try rig(code, regs: regs).cycles(code.count)
    }

    @Test func independentALUInstructionsDualIssue() throws {
        #expect(try cycles([addw(.r0, .r0, 1), addw(.r1, .r1, 1)]) == 1)
        #expect(try cycles([addw(.r0, .r0, 1), addw(.r1, .r1, 1), addw(.r2, .r2, 1), addw(.r3, .r3, 1)]) == 2)
        let r = try rig([addw(.r0, .r0, 1), addw(.r1, .r1, 1)])
        try r.cycles(2)
        #expect(r.machine.timer.statistics.dualIssued == 1)
    }

    @Test func dependentInstructionsDoNot() throws {
        #expect(try cycles([addw(.r0, .r0, 1), addw(.r1, .r0, 1)]) == 2)
    }

    @Test func loadUseLatencies() throws {
        // Word load latency 1 (WriteLd); byte load 2 (M7SlowLoad); a loaded address is
        // needed at EX1 (M7Read_ISS), one cycle earlier.
        #expect(try cycles([ldr(.r0, .r1), addw(.r2, .r0, 1)], regs: [1: d]) == 2)
        #expect(try cycles([ldrb(.r0, .r1), addw(.r2, .r0, 1)], regs: [1: d]) == 3)
        let r = try rig([ldr(.r0, .r1), ldr(.r2, .r0)], regs: [1: d])
        r.poke32(d, d + 8)
        #expect(try r.cycles(2) == 3)
    }

    @Test func multiplyLatencyIsTwoAndAccumulatorsChain() throws {
        // WriteMUL32 latency 2; MACs share the single MAC pipe; the accumulator is read late
        // (ReadMAC advance 1), so a chain of MLAs issues one per cycle.
        #expect(try cycles([Instruction(.mul, rd: .r0, rn: .r1, rm: .r2), addw(.r3, .r0, 1)]) == 3)
        let mla1 = Instruction(.mla, rd: .r0, rn: .r1, rm: .r2, ra: .r0)
        let mla2 = Instruction(.mla, rd: .r0, rn: .r3, rm: .r4, ra: .r0)
        #expect(try cycles([mla1, mla2, mla1, mla2]) == 4)
    }

    @Test func loadStorePipes() throws {
        // Two load pipes, one store pipe.
        #expect(try cycles([ldr(.r0, .r1), ldr(.r2, .r1, 4)], regs: [1: d]) == 1)
        #expect(try cycles([ldr(.r0, .r1), str(.r2, .r1, 4)], regs: [1: d]) == 1)
        #expect(try cycles([str(.r0, .r1), str(.r2, .r1, 4)], regs: [1: d]) == 2)
    }

    @Test func simdIssuesOnlyInTheOlderSlot() throws {
        let sadd16 = Instruction(.parallel, rd: .r1, rn: .r2, rm: .r3, imm2: ParallelOp(.s, .add16).rawValue)
        #expect(try cycles([addw(.r0, .r0, 1), sadd16]) == 2)
        #expect(try cycles([sadd16, addw(.r0, .r0, 1)]) == 1)
    }

    @Test func singleIssueInstructions() throws {
        // Divides: latency 7, single issue; LDM single issue, two registers per cycle.
        #expect(try cycles([Instruction(.sdiv, rd: .r0, rn: .r1, rm: .r2), addw(.r3, .r3, 1)], regs: [1: 100, 2: 7]) == 8)
        #expect(try cycles([Instruction(.ldm, rn: .r1, list: 0b0011_1100)], regs: [1: d]) == 2)
    }

    @Test func branchPredictionInALoop() throws {
        // loop: SUBS r0, #1 ; BNE loop ; then NOP. 10 iterations: SUBS and BNE issue
        // together (1 cycle each iteration); the first taken BNE is not yet in the
        // predictor and the last (not taken) is predicted taken: two mispredictions of 4
        // cycles (MispredictPenalty); the NOP is single issue.
        let code = [Instruction(.subImm, rd: .r0, rn: .r0, imm: 1, flags: [.setFlagsOutsideIT]),
                    Instruction(.b, imm: UInt32(bitPattern: -6), cond: .ne), nop]
        let r = try rig(code, regs: [0: 10])
        #expect(try r.cycles(21) == 10 + 2 * 4 + 1)
        #expect(r.machine.timer.statistics.stalls.mispredict == 8)
    }

    @Test func cacheEnablesFollowCCR() throws {
        let ms = MemorySystem(icache: CacheSpec(sizeBytes: 4096, ways: 2, lineBytes: 32),
                              dcache: CacheSpec(sizeBytes: 4096, ways: 4, lineBytes: 32))
        let r = try TimingRig(TimingRig.board(.cortexM7, memorySystem: ms),
                              code: [ldr(.r0, .r1), Instruction(.orrReg, rd: .r2, rn: .r2, rm: .r0), str(.r2, .r1)])
        r.machine.setRegister(1, 0xE000_ED14)
        r.machine.setRegister(2, 3 << 16)
        r.jump(to: 0)
        #expect(r.machine.timer.cachesEnabled == (false, false))
        try r.cycles(3)  // read CCR, write it back with IC and DC set
        #expect(r.machine.timer.cachesEnabled == (true, true))
    }

    @Test func writeBackBaseIsBypassedFromEX1() throws {
        // M7BaseUpdate: latency 0. Two post-increment loads on one pointer issue on
        // consecutive cycles (the second needs the base at EX1, so they do not pair).
        let post: InstructionFlags = [.add, .wback]
        let code = [Instruction(.ldrImm, rd: .r0, rn: .r1, imm: 4, flags: post),
                    Instruction(.ldrImm, rd: .r2, rn: .r1, imm: 4, flags: post)]
        #expect(try cycles(code, regs: [1: d]) == 2)
        // Without the write-back dependency they pair.
        #expect(try cycles([code[0], Instruction(.ldrImm, rd: .r2, rn: .r3, imm: 4, flags: post)], regs: [1: d, 3: d]) == 1)
    }
}
