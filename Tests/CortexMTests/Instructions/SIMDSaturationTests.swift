import Testing
@testable import CortexM

/// Saturation and Q (A2.2.3, A7.7.145...), SIMD add/subtract with GE flags and SEL
/// (A7.4.5/A7.4.6, A7.7.128), sum of absolute differences.
@Suite struct SIMDSaturationTests {
    static let saturationCases: [InsnCase] = [
        InsnCase(asm: "ssat r0, #8, r1", hw: [0xF301, 0x0007], regs: [1: 200], flags: "nzcvq", expect: [0: 127], expectFlags: "nzcvQ"),
        // In range: the value passes and Q is left alone (clear here).
        InsnCase(asm: "ssat r0, #8, r1", hw: [0xF301, 0x0007], regs: [1: 0xFFFF_FF9C], expect: [0: 0xFFFF_FF9C]),
        // The shift applies first: 0x1000 << 4 = 65536 > 32767.
        InsnCase(asm: "ssat r0, #16, r1, lsl #4", hw: [0xF301, 0x100F], regs: [1: 0x1000], expect: [0: 0x7FFF], expectFlags: "nzcvQ"),
        InsnCase(asm: "usat r0, #8, r1", hw: [0xF381, 0x0008], regs: [1: 0xFFFF_FFFB], expect: [0: 0], expectFlags: "nzcvQ"),
        InsnCase(asm: "usat r0, #8, r1", hw: [0xF381, 0x0008], regs: [1: 300], expect: [0: 255], expectFlags: "nzcvQ"),
        InsnCase(asm: "usat r0, #31, r1, asr #1", hw: [0xF3A1, 0x005F], regs: [1: 0x7FFF_FFFE], expect: [0: 0x3FFF_FFFF]),
        // Q is sticky: an in-range result does not clear it.
        InsnCase(asm: "usat r0, #8, r1", hw: [0xF381, 0x0008], regs: [1: 7], flags: "NZCVQ", expect: [0: 7]),
        InsnCase(asm: "ssat16 r0, #8, r1", hw: [0xF321, 0x0007], regs: [1: 0x0100_FF00], expect: [0: 0x007F_FF80], expectFlags: "nzcvQ"),
        InsnCase(asm: "usat16 r0, #4, r1", hw: [0xF3A1, 0x0004], regs: [1: 0x0020_FFFF], expect: [0: 0x000F_0000], expectFlags: "nzcvQ"),
        // QADD/QSUB <Rd>, <Rm>, <Rn>: sat(Rm ± Rn).
        InsnCase(asm: "qadd r0, r1, r2", hw: [0xFA82, 0xF081], regs: [1: 0x7FFF_FFFF, 2: 1], expect: [0: 0x7FFF_FFFF], expectFlags: "nzcvQ"),
        InsnCase(asm: "qsub r0, r1, r2", hw: [0xFA82, 0xF0A1], regs: [1: 0x8000_0000, 2: 1], expect: [0: 0x8000_0000], expectFlags: "nzcvQ"),
        // QDADD: the doubling saturates (Q) before the add: -1 + 0x7FFFFFFF.
        InsnCase(asm: "qdadd r0, r1, r2", hw: [0xFA82, 0xF091], regs: [1: 0xFFFF_FFFF, 2: 0x4000_0000],
                 expect: [0: 0x7FFF_FFFE], expectFlags: "nzcvQ"),
        InsnCase(asm: "qdsub r0, r1, r2", hw: [0xFA82, 0xF0B1], regs: [1: 0x100, 2: 0x10], expect: [0: 0xE0]),
    ]

    static let simdCases: [InsnCase] = [
        // Signed lanes: GE per lane = result >= 0 (before wrapping).
        InsnCase(asm: "sadd16 r0, r1, r2", hw: [0xFA91, 0xF002], regs: [1: 0x8000_0003, 2: 0xFFFF_FFFE], ge: 0b1111,
                 expect: [0: 0x7FFF_0001], expectGE: 0b0011),
        // Unsigned add: GE per lane = carry out of the lane.
        InsnCase(asm: "uadd8 r0, r1, r2", hw: [0xFA81, 0xF042], regs: [1: 0xFF80_0100, 2: 0x0180_FF00],
                 expect: [0: 0], expectGE: 0b1110),
        // Unsigned subtract: GE = no borrow.
        InsnCase(asm: "usub16 r0, r1, r2", hw: [0xFAD1, 0xF042], regs: [1: 0x0005_0003, 2: 0x0003_0005],
                 expect: [0: 0x0002_FFFE], expectGE: 0b1100),
        InsnCase(asm: "ssub8 r0, r1, r2", hw: [0xFAC1, 0xF002], regs: [1: 0x807F_0005, 2: 0x01FF_0105],
                 expect: [0: 0x7F80_FF00], expectGE: 0b0101),
        // SEL picks byte k from Rn when GE[k], else from Rm.
        InsnCase(asm: "sel r0, r1, r2", hw: [0xFAA1, 0xF082], regs: [1: 0x1122_3344, 2: 0xAABB_CCDD], ge: 0b0101,
                 expect: [0: 0xAA22_CC44]),
        // Saturating and halving lanes leave GE and Q alone.
        InsnCase(asm: "qadd8 r0, r1, r2", hw: [0xFA81, 0xF012], regs: [1: 0x7F80_10F0, 2: 0x01FF_10F0], ge: 0b1010,
                 expect: [0: 0x7F80_20E0]),
        InsnCase(asm: "uqsub16 r0, r1, r2", hw: [0xFAD1, 0xF052], regs: [1: 0x0005_FFFF, 2: 0x0006_0001], expect: [0: 0x0000_FFFE]),
        InsnCase(asm: "shadd16 r0, r1, r2", hw: [0xFA91, 0xF022], regs: [1: 0x0003_FFFF, 2: 0], expect: [0: 0x0001_FFFF]),
        InsnCase(asm: "shadd16 r0, r1, r2", hw: [0xFA91, 0xF022], regs: [1: 0x7FFF_8000, 2: 0x7FFF_8000], expect: [0: 0x7FFF_8000]),
        InsnCase(asm: "uhsub8 r0, r1, r2", hw: [0xFAC1, 0xF062], regs: [1: 0x00FF_1005, 2: 0x0101_2003], expect: [0: 0xFF7F_F801]),
        // ASX: top = Rn.hi + Rm.lo, bottom = Rn.lo - Rm.hi; SAX the other way round.
        InsnCase(asm: "sasx r0, r1, r2", hw: [0xFAA1, 0xF002], regs: [1: 0x0001_0001, 2: 0x0003_0002],
                 expect: [0: 0x0003_FFFE], expectGE: 0b1100),
        InsnCase(asm: "ssax r0, r1, r2", hw: [0xFAE1, 0xF002], regs: [1: 0x0001_0001, 2: 0x0003_0002],
                 expect: [0: 0xFFFF_0004], expectGE: 0b0011),
        InsnCase(asm: "uasx r0, r1, r2", hw: [0xFAA1, 0xF042], regs: [1: 0xFFFF_0001, 2: 0x0003_0001],
                 expect: [0: 0x0000_FFFE], expectGE: 0b1100),
        InsnCase(asm: "usad8 r0, r1, r2", hw: [0xFB71, 0xF002], regs: [1: 0x01FF_1005, 2: 0xFF01_2003], expect: [0: 526]),
        InsnCase(asm: "usada8 r0, r1, r2, r3", hw: [0xFB71, 0x3002], regs: [1: 0x01FF_1005, 2: 0xFF01_2003, 3: 1000], expect: [0: 1526]),
    ]

    static let extendCases: [InsnCase] = [
        InsnCase(asm: "sxtb r0, r1", hw: [0xB248], regs: [1: 0x1234_5680], expect: [0: 0xFFFF_FF80]),
        InsnCase(asm: "sxth.w r0, r1, ror #8", hw: [0xFA0F, 0xF091], regs: [1: 0x00AB_CD00], expect: [0: 0xFFFF_ABCD]),
        InsnCase(asm: "uxtb.w r0, r1, ror #24", hw: [0xFA5F, 0xF0B1], regs: [1: 0x1234_5678], expect: [0: 0x12]),
        InsnCase(asm: "uxth r0, r1", hw: [0xB288], regs: [1: 0xFFFF_8001], expect: [0: 0x8001]),
        InsnCase(asm: "sxtab r0, r1, r2, ror #16", hw: [0xFA41, 0xF0A2], regs: [1: 100, 2: 0x00F0_0000], expect: [0: 84]),
        InsnCase(asm: "uxtah r0, r1, r2", hw: [0xFA11, 0xF082], regs: [1: 0xFFFF_FFFF, 2: 0x0002_0001], expect: [0: 0]),
        InsnCase(asm: "sxtb16 r0, r1", hw: [0xFA2F, 0xF081], regs: [1: 0x1280_347F], expect: [0: 0xFF80_007F]),
        InsnCase(asm: "uxtb16 r0, r1, ror #8", hw: [0xFA3F, 0xF091], regs: [1: 0x1122_3344], expect: [0: 0x0011_0033]),
        // The 16-bit lanes wrap independently.
        InsnCase(asm: "sxtab16 r0, r1, r2", hw: [0xFA21, 0xF082], regs: [1: 0x0001_FFFF, 2: 0x00FF_0001], expect: [0: 0]),
        InsnCase(asm: "uxtab16 r0, r1, r2", hw: [0xFA31, 0xF082], regs: [1: 0x0001_FF80, 2: 0xAAFF_BB80], expect: [0: 0x0100_0000]),
        InsnCase(asm: "bfi r0, r1, #4, #8", hw: [0xF361, 0x100B], regs: [0: 0xFFFF_FFFF, 1: 0xA5], expect: [0: 0xFFFF_FA5F]),
        InsnCase(asm: "bfc r0, #28, #4", hw: [0xF36F, 0x701F], regs: [0: 0xFFFF_FFFF], expect: [0: 0x0FFF_FFFF]),
        InsnCase(asm: "ubfx r0, r1, #28, #4", hw: [0xF3C1, 0x7003], regs: [1: 0xA000_0000], expect: [0: 0xA]),
        InsnCase(asm: "sbfx r0, r1, #4, #8", hw: [0xF341, 0x1007], regs: [1: 0xF80], expect: [0: 0xFFFF_FFF8]),
        InsnCase(asm: "clz r0, r1", hw: [0xFAB1, 0xF081], regs: [1: 0x0001_0000], expect: [0: 15]),
        InsnCase(asm: "clz r0, r1", hw: [0xFAB1, 0xF081], regs: [1: 0], expect: [0: 32]),
        InsnCase(asm: "rbit r0, r1", hw: [0xFA91, 0xF0A1], regs: [1: 0x1234_5678], expect: [0: 0x1E6A_2C48]),
        InsnCase(asm: "rev r0, r1", hw: [0xBA08], regs: [1: 0x1234_5678], expect: [0: 0x7856_3412]),
        InsnCase(asm: "rev16 r0, r1", hw: [0xBA48], regs: [1: 0x1234_5678], expect: [0: 0x3412_7856]),
        InsnCase(asm: "revsh r0, r1", hw: [0xBAC8], regs: [1: 0x1234_5680], expect: [0: 0xFFFF_8056]),
        InsnCase(asm: "pkhbt r0, r1, r2, lsl #16", hw: [0xEAC1, 0x4002], regs: [1: 0x1111_2222, 2: 0x3333_4444], expect: [0: 0x4444_2222]),
        InsnCase(asm: "pkhtb r0, r1, r2, asr #16", hw: [0xEAC1, 0x4022], regs: [1: 0x1111_2222, 2: 0x3333_4444], expect: [0: 0x1111_3333]),
    ]

    @Test(arguments: saturationCases) func saturation(_ c: InsnCase) throws { try check(c) }
    @Test(arguments: simdCases) func simd(_ c: InsnCase) throws { try check(c) }
    @Test(arguments: extendCases) func extendAndBitfield(_ c: InsnCase) throws { try check(c) }

    /// The 16-bit extends and REV exist on ARMv6-M too.
    @Test func armv6mExtends() throws {
        try check(InsnCase(asm: "sxtb r0, r1", hw: [0xB248], arch: .v6m, regs: [1: 0x1234_5680], expect: [0: 0xFFFF_FF80]))
        try check(InsnCase(asm: "revsh r0, r1", hw: [0xBAC8], arch: .v6m, regs: [1: 0x1234_5680], expect: [0: 0xFFFF_8056]))
    }
}
