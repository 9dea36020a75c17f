import Testing
@testable import CortexM

/// Multiplies, long multiplies, divides, and the DSP extension's multiplies (A7.7).
@Suite struct MultiplyDSPTests {
    static let multiplyCases: [InsnCase] = [
        InsnCase(asm: "mul.w r0, r1, r2", hw: [0xFB01, 0xF002], regs: [1: 0xFFFF_FFFF, 2: 7], flags: "nzcv", expect: [0: 0xFFFF_FFF9]),
        InsnCase(asm: "mla r0, r1, r2, r3", hw: [0xFB01, 0x3002], regs: [1: 3, 2: 4, 3: 0xFFFF_FFFF], expect: [0: 11]),
        InsnCase(asm: "mls r0, r1, r2, r3", hw: [0xFB01, 0x3012], regs: [1: 3, 2: 4, 3: 100], expect: [0: 88]),
        // -2 * 2^30 = -2^31: RdHi is all ones.
        InsnCase(asm: "smull r0, r1, r2, r3", hw: [0xFB82, 0x0103], regs: [2: 0xFFFF_FFFE, 3: 0x4000_0000],
                 expect: [0: 0x8000_0000, 1: 0xFFFF_FFFF]),
        // (2^32 - 1)^2 = 0xFFFFFFFE_00000001.
        InsnCase(asm: "umull r0, r1, r2, r3", hw: [0xFBA2, 0x0103], regs: [2: 0xFFFF_FFFF, 3: 0xFFFF_FFFF],
                 expect: [0: 1, 1: 0xFFFF_FFFE]),
        InsnCase(asm: "smlal r0, r1, r2, r3", hw: [0xFBC2, 0x0103], regs: [0: 0xFFFF_FFFF, 1: 0, 2: 0xFFFF_FFFF, 3: 1],
                 expect: [0: 0xFFFF_FFFE, 1: 0]),
        InsnCase(asm: "umlal r0, r1, r2, r3", hw: [0xFBE2, 0x0103], regs: [0: 0xFFFF_FFFF, 1: 1, 2: 0xFFFF_FFFF, 3: 2],
                 expect: [0: 0xFFFF_FFFD, 1: 3]),
        // UMAAL's largest result fits exactly: (2^32-1)^2 + 2 * (2^32-1) = 2^64 - 1.
        InsnCase(asm: "umaal r0, r1, r2, r3", hw: [0xFBE2, 0x0163],
                 regs: [0: 0xFFFF_FFFF, 1: 0xFFFF_FFFF, 2: 0xFFFF_FFFF, 3: 0xFFFF_FFFF], expect: [0: 0xFFFF_FFFF, 1: 0xFFFF_FFFF]),
        // SDIV rounds towards zero; division by zero gives 0 (CCR.DIV_0_TRP clear);
        // INT_MIN / -1 gives INT_MIN.
        InsnCase(asm: "sdiv r0, r1, r2", hw: [0xFB91, 0xF0F2], regs: [1: 0xFFFF_FFF9, 2: 2], expect: [0: 0xFFFF_FFFD]),
        InsnCase(asm: "sdiv r0, r1, r2", hw: [0xFB91, 0xF0F2], regs: [1: 1234, 2: 0], expect: [0: 0]),
        InsnCase(asm: "sdiv r0, r1, r2", hw: [0xFB91, 0xF0F2], regs: [1: 0x8000_0000, 2: 0xFFFF_FFFF], expect: [0: 0x8000_0000]),
        InsnCase(asm: "udiv r0, r1, r2", hw: [0xFBB1, 0xF0F2], regs: [1: 0xFFFF_FFFF, 2: 0x10], expect: [0: 0x0FFF_FFFF]),
        InsnCase(asm: "udiv r0, r1, r2", hw: [0xFBB1, 0xF0F2], regs: [1: 7, 2: 0], expect: [0: 0]),
    ]

    static let dspMultiplyCases: [InsnCase] = [
        // (-32768)^2 + 2^30 = 2^31 overflows 32 bits: Q is set, the result wraps.
        InsnCase(asm: "smlabb r0, r1, r2, r3", hw: [0xFB11, 0x3002], regs: [1: 0x1234_8000, 2: 0x5678_8000, 3: 0x4000_0000],
                 flags: "nzcvq", expect: [0: 0x8000_0000], expectFlags: "nzcvQ"),
        InsnCase(asm: "smlatt r0, r1, r2, r3", hw: [0xFB11, 0x3032], regs: [1: 0xFFFF_0000, 2: 0x0003_0000, 3: 10], expect: [0: 7]),
        InsnCase(asm: "smulbt r0, r1, r2", hw: [0xFB11, 0xF012], regs: [1: 0x0000_FFFE, 2: 0x7FFF_0000], expect: [0: 0xFFFF_0002]),
        InsnCase(asm: "smultb r0, r1, r2", hw: [0xFB11, 0xF022], regs: [1: 0x8000_0000, 2: 0x0000_8000], expect: [0: 0x4000_0000]),
        // SMLAW: (Rn * Rm.lo + (Ra << 16)) >> 16 = (-131072 + 327680) >> 16.
        InsnCase(asm: "smlawb r0, r1, r2, r3", hw: [0xFB31, 0x3002], regs: [1: 0xFFFF_0000, 2: 2, 3: 5], expect: [0: 3]),
        InsnCase(asm: "smulwt r0, r1, r2", hw: [0xFB31, 0xF012], regs: [1: 0x4000_0000, 2: 0x0004_1234], expect: [0: 0x0001_0000]),
        InsnCase(asm: "smlalbb r0, r1, r2, r3", hw: [0xFBC2, 0x0183], regs: [0: 0, 1: 0, 2: 0x0000_FFFF, 3: 1],
                 expect: [0: 0xFFFF_FFFF, 1: 0xFFFF_FFFF]),
        InsnCase(asm: "smlad r0, r1, r2, r3", hw: [0xFB21, 0x3002], regs: [1: 0x0002_0003, 2: 0x0004_0005, 3: 100], expect: [0: 123]),
        // Two products of (-32768)^2 sum to 2^31: Q.
        InsnCase(asm: "smlad r0, r1, r2, r3", hw: [0xFB21, 0x3002], regs: [1: 0x8000_8000, 2: 0x8000_8000, 3: 0],
                 expect: [0: 0x8000_0000], expectFlags: "nzcvQ"),
        InsnCase(asm: "smladx r0, r1, r2, r3", hw: [0xFB21, 0x3012], regs: [1: 0x0002_0003, 2: 0x0004_0005, 3: 100], expect: [0: 122]),
        InsnCase(asm: "smuad r0, r1, r2", hw: [0xFB21, 0xF002], regs: [1: 0xFFFF_0002, 2: 0x0003_0004], expect: [0: 5]),
        InsnCase(asm: "smusd r0, r1, r2", hw: [0xFB41, 0xF002], regs: [1: 0xFFFF_0002, 2: 0x0003_0004], expect: [0: 11]),
        InsnCase(asm: "smlsd r0, r1, r2, r3", hw: [0xFB41, 0x3002], regs: [1: 0xFFFF_0002, 2: 0x0003_0004, 3: 100], expect: [0: 111]),
        // 2 * 32767^2 = 0x7FFE0002; + 0x80020000 carries into RdHi.
        InsnCase(asm: "smlald r0, r1, r2, r3", hw: [0xFBC2, 0x01C3], regs: [0: 0x8002_0000, 1: 0, 2: 0x7FFF_7FFF, 3: 0x7FFF_7FFF],
                 expect: [0: 2, 1: 1]),
        InsnCase(asm: "smlsldx r0, r1, r2, r3", hw: [0xFBD2, 0x01D3], regs: [0: 0xFFFF_FFFF, 1: 0xFFFF_FFFF, 2: 0x0001_0002, 3: 0x0003_0004],
                 expect: [0: 1, 1: 0]),
        // Most-significant-word multiplies: 6 * 2^30 = 0x1_80000000; R rounds up.
        InsnCase(asm: "smmul r0, r1, r2", hw: [0xFB51, 0xF002], regs: [1: 0x4000_0000, 2: 6], expect: [0: 1]),
        InsnCase(asm: "smmulr r0, r1, r2", hw: [0xFB51, 0xF012], regs: [1: 0x4000_0000, 2: 6], expect: [0: 2]),
        InsnCase(asm: "smmla r0, r1, r2, r3", hw: [0xFB51, 0x3002], regs: [1: 0xFFFF_FFFF, 2: 1, 3: 5], expect: [0: 4]),
        InsnCase(asm: "smmls r0, r1, r2, r3", hw: [0xFB61, 0x3002], regs: [1: 1, 2: 1, 3: 5], expect: [0: 4]),
        InsnCase(asm: "smmlsr r0, r1, r2, r3", hw: [0xFB61, 0x3012], regs: [1: 1, 2: 1, 3: 5], expect: [0: 5]),
    ]

    @Test(arguments: multiplyCases) func multiply(_ c: InsnCase) throws { try check(c) }
    @Test(arguments: dspMultiplyCases) func dspMultiply(_ c: InsnCase) throws { try check(c) }

    /// With CCR.DIV_0_TRP set, a divide by zero is a UsageFault (DIVBYZERO).
    @Test func divideByZeroTraps() throws {
        let core = try TestCore(arch: .v7em)
        let m = core.machine
        // ldr r3, [pc, #12] (=0xE000ED14, CCR); ldr r2, [r3]; orr.w r2, r2, #16; str r2, [r3];
        // udiv r0, r1, r4; nop; .word 0xE000ED14
        m.poke(core.codeStart, TestCore.bytes([0x4B03, 0x681A, 0xF042, 0x0210, 0x601A, 0xFBB1, 0xF0F4, 0xBF00]))
        m.poke(core.codeStart + 16, TestCore.bytes(word: 0xE000_ED14))
        m.setRegister(15, core.codeStart)
        m.setRegister(1, 10)
        m.setRegister(4, 0)
        for _ in 0..<4 { try m.step() }
        let fault = #expect(throws: FaultReport.self) { try m.step() }
        #expect(fault?.kind == .divideByZero)
        #expect(fault?.pc == core.codeStart + 10)
    }
}
