import Testing
@testable import CortexM

/// Data processing: AddWithCarry flags (A2.2.1), ThumbExpandImm_C carry (A5.3.2),
/// Shift_C (A7.4.2), and which encodings set flags.
@Suite struct DataProcessingTests {
    static let arithmeticCases: [InsnCase] = [
        // -2 + 3 = 1: unsigned carry out, no signed overflow.
        InsnCase(asm: "adds r0, r1, #3", hw: [0x1CC8], regs: [1: 0xFFFF_FFFE], expect: [0: 1], expectFlags: "nzCv"),
        // INT_MIN - 1 overflows; no borrow.
        InsnCase(asm: "subs r0, r1, #1", hw: [0x1E48], regs: [1: 0x8000_0000], expect: [0: 0x7FFF_FFFF], expectFlags: "nzCV"),
        // MOVS sets N and Z only.
        InsnCase(asm: "movs r2, #0", hw: [0x2200], flags: "NzCV", expect: [2: 0], expectFlags: "nZCV"),
        InsnCase(asm: "cmp r3, #200", hw: [0x2BC8], regs: [3: 100], expectFlags: "Nzcv"),
        InsnCase(asm: "adds r4, #255", hw: [0x34FF], regs: [4: 0x7FFF_FF01], expect: [4: 0x8000_0000], expectFlags: "NzcV"),
        InsnCase(asm: "subs r5, #1", hw: [0x3D01], regs: [5: 1], expect: [5: 0], expectFlags: "nZCv"),
        InsnCase(asm: "adds r0, r1, r2", hw: [0x1888], regs: [1: 0x8000_0000, 2: 0x8000_0000], expect: [0: 0], expectFlags: "nZCV"),
        InsnCase(asm: "subs r0, r1, r2", hw: [0x1A88], regs: [1: 5, 2: 5], expect: [0: 0], expectFlags: "nZCv"),
        InsnCase(asm: "adcs r0, r1", hw: [0x4148], regs: [0: 0xFFFF_FFFF, 1: 0], flags: "nzCv", expect: [0: 0], expectFlags: "nZCv"),
        // SBC with C clear subtracts one more: 10 - 3 - 1.
        InsnCase(asm: "sbcs r2, r3", hw: [0x419A], regs: [2: 10, 3: 3], flags: "nzcv", expect: [2: 6], expectFlags: "nzCv"),
        // 0 - INT_MIN = INT_MIN, overflow, borrow.
        InsnCase(asm: "negs r1, r2", hw: [0x4251], regs: [2: 0x8000_0000], expect: [1: 0x8000_0000], expectFlags: "NzcV"),
        InsnCase(asm: "negs r1, r2", hw: [0x4251], regs: [2: 0], expect: [1: 0], expectFlags: "nZCv"),
        InsnCase(asm: "cmn r0, r1", hw: [0x42C8], regs: [0: 0x7FFF_FFFF, 1: 1], expectFlags: "NzcV"),
        InsnCase(asm: "cmp r0, r1", hw: [0x4288], regs: [0: 0, 1: 1], expectFlags: "Nzcv"),
        // 16-bit ADD (register) T2 and MOV (register) T1 with high registers never set flags.
        InsnCase(asm: "add r8, r9", hw: [0x44C8], regs: [8: 0xFFFF_FFFF, 9: 2], flags: "NZCV", expect: [8: 1]),
        InsnCase(asm: "mov r8, r0", hw: [0x4680], regs: [0: 0x1234_5678], flags: "NZCV", expect: [8: 0x1234_5678]),
        InsnCase(asm: "add r0, sp, #16", hw: [0xA804], expect: [0: 0x2000_1010]),
        InsnCase(asm: "add sp, #8", hw: [0xB002], expect: [13: 0x2000_1008]),
        InsnCase(asm: "sub sp, #8", hw: [0xB082], expect: [13: 0x2000_0FF8]),
        InsnCase(asm: "adds.w r0, r1, #65536", hw: [0xF511, 0x3080], regs: [1: 0xFFFF_0000], flags: "Nzcv",
                 expect: [0: 0], expectFlags: "nZCv"),
        // ADDW/SUBW: 12-bit immediates, never set flags.
        InsnCase(asm: "addw r0, r1, #4095", hw: [0xF601, 0x70FF], regs: [1: 1], expect: [0: 0x1000]),
        InsnCase(asm: "subw r0, r1, #4095", hw: [0xF6A1, 0x70FF], regs: [1: 0], expect: [0: 0xFFFF_F001]),
        InsnCase(asm: "movw r0, #43981", hw: [0xF64A, 0x30CD], regs: [0: 0xFFFF_FFFF], expect: [0: 0x0000_ABCD]),
        InsnCase(asm: "movt r0, #4660", hw: [0xF2C1, 0x2034], regs: [0: 0xFFFF_ABCD], expect: [0: 0x1234_ABCD]),
        InsnCase(asm: "sbc.w r0, r1, #1", hw: [0xF161, 0x0001], regs: [1: 10], flags: "nzcv", expect: [0: 8]),
        InsnCase(asm: "rsb r0, r1, #100", hw: [0xF1C1, 0x0064], regs: [1: 30], expect: [0: 70]),
        InsnCase(asm: "adc.w r0, r1, #0", hw: [0xF141, 0x0000], regs: [1: 5], flags: "nzCv", expect: [0: 6]),
        // Shifted register operands: the shifter's carry never reaches an arithmetic result.
        InsnCase(asm: "adds.w r0, r1, r2, lsl #31", hw: [0xEB11, 0x70C2], regs: [1: 0x8000_0000, 2: 3],
                 expect: [0: 0], expectFlags: "nZCV"),
        // ASR #32 of a negative value is -1: 5 - (-1) = 6 with a borrow (C clear).
        InsnCase(asm: "subs.w r0, r1, r2, asr #32", hw: [0xEBB1, 0x0022], regs: [1: 5, 2: 0x8000_0000], flags: "NZCV",
                 expect: [0: 6], expectFlags: "nzcv"),
        InsnCase(asm: "cmp.w r1, r2, lsl #1", hw: [0xEBB1, 0x0F42], regs: [1: 0, 2: 0x4000_0000], expectFlags: "NzcV"),
    ]

    static let logicalCases: [InsnCase] = [
        // Logical operations set N and Z, leave V, and (16-bit register forms) leave C.
        InsnCase(asm: "ands r0, r1", hw: [0x4008], regs: [0: 0xF0F0_F0F0, 1: 0x0FF0_0000], flags: "NZCV",
                 expect: [0: 0x00F0_0000], expectFlags: "nzCV"),
        InsnCase(asm: "eors r0, r1", hw: [0x4048], regs: [0: 0xFFFF_0000, 1: 0xFFFF_0000], flags: "NzcV",
                 expect: [0: 0], expectFlags: "nZcV"),
        InsnCase(asm: "orrs r0, r1", hw: [0x4308], regs: [0: 0x8000_0000, 1: 1], flags: "nZCv",
                 expect: [0: 0x8000_0001], expectFlags: "NzCv"),
        InsnCase(asm: "bics r0, r1", hw: [0x4388], regs: [0: 0xFF, 1: 0x0F], flags: "NZcv", expect: [0: 0xF0], expectFlags: "nzcv"),
        InsnCase(asm: "mvns r0, r1", hw: [0x43C8], regs: [1: 0], flags: "nZcv", expect: [0: 0xFFFF_FFFF], expectFlags: "Nzcv"),
        InsnCase(asm: "tst r0, r1", hw: [0x4208], regs: [0: 0x0F, 1: 0xF0], flags: "NzCV", expectFlags: "nZCV"),
        // MULS sets N and Z only (C and V unchanged on ARMv6-M and ARMv7-M).
        InsnCase(asm: "muls r0, r1", hw: [0x4348], regs: [0: 0x1_0000, 1: 0x1_0000], flags: "NzCV",
                 expect: [0: 0], expectFlags: "nZCV"),
        // Modified immediates: a rotated constant sets C to its bit 31 (ThumbExpandImm_C)...
        InsnCase(asm: "ands.w r0, r1, #2147483648", hw: [0xF011, 0x4000], regs: [1: 0x8000_0001], flags: "nZcV",
                 expect: [0: 0x8000_0000], expectFlags: "NzCV"),
        InsnCase(asm: "movs.w r0, #4026531840", hw: [0xF05F, 0x4070], flags: "nZcv", expect: [0: 0xF000_0000], expectFlags: "NzCv"),
        InsnCase(asm: "tst.w r1, #2147483648", hw: [0xF011, 0x4F00], regs: [1: 0x7FFF_FFFF], flags: "Nzcv", expectFlags: "nZCv"),
        // ...bit 31 clear after rotation clears C.
        InsnCase(asm: "teq r1, #65280", hw: [0xF491, 0x4F7F], regs: [1: 0x0000_FF00], flags: "NzCV", expectFlags: "nZcV"),
        // ...an unrotated constant (imm12<11:10> = 00) leaves C alone.
        InsnCase(asm: "ands.w r0, r1, #255", hw: [0xF011, 0x00FF], regs: [1: 0x100], flags: "NzCv", expect: [0: 0], expectFlags: "nZCv"),
        InsnCase(asm: "orrs.w r0, r1, #16711935", hw: [0xF051, 0x10FF], regs: [1: 0], flags: "NZcV",
                 expect: [0: 0x00FF_00FF], expectFlags: "nzcV"),
        InsnCase(asm: "mvns.w r0, #0", hw: [0xF07F, 0x0000], flags: "nZCV", expect: [0: 0xFFFF_FFFF], expectFlags: "NzCV"),
        InsnCase(asm: "orn r0, r1, #255", hw: [0xF061, 0x00FF], regs: [1: 0x12], expect: [0: 0xFFFF_FF12]),
        // Shifted register operands give logical operations the shifter's carry.
        InsnCase(asm: "ands.w r0, r1, r2, lsr #32", hw: [0xEA11, 0x0012], regs: [1: 0xFFFF_FFFF, 2: 0x8000_0000], flags: "Nzcv",
                 expect: [0: 0], expectFlags: "nZCv"),
        InsnCase(asm: "bics.w r0, r1, r2, ror #4", hw: [0xEA31, 0x1032], regs: [1: 0xFFFF_FFFF, 2: 0xF], flags: "NZcv",
                 expect: [0: 0x0FFF_FFFF], expectFlags: "nzCv"),
        // RRX shifts C in at the top and bit 0 out into C.
        InsnCase(asm: "orrs.w r0, r1, r2, rrx", hw: [0xEA51, 0x0032], regs: [1: 0, 2: 2], flags: "nzCv",
                 expect: [0: 0x8000_0001], expectFlags: "Nzcv"),
    ]

    static let shiftsCases: [InsnCase] = [
        // LSL #0 is MOVS: C unchanged.
        InsnCase(asm: "movs r0, r1", hw: [0x0008], regs: [1: 0x8000_0000], flags: "nZCv", expect: [0: 0x8000_0000], expectFlags: "NzCv"),
        InsnCase(asm: "lsls r0, r1, #1", hw: [0x0048], regs: [1: 0x8000_0001], flags: "NZcv", expect: [0: 2], expectFlags: "nzCv"),
        // LSR/ASR #32 are encoded as #0.
        InsnCase(asm: "lsrs r0, r1, #32", hw: [0x0808], regs: [1: 0x8000_0000], flags: "Nzcv", expect: [0: 0], expectFlags: "nZCv"),
        InsnCase(asm: "asrs r0, r1, #32", hw: [0x1008], regs: [1: 0x8000_0000], flags: "nZcv", expect: [0: 0xFFFF_FFFF], expectFlags: "NzCv"),
        InsnCase(asm: "asrs r0, r1, #1", hw: [0x1048], regs: [1: 0x8000_0001], expect: [0: 0xC000_0000], expectFlags: "NzCv"),
        // Register shifts use the bottom byte of Rm: 32 moves bit 0 into C, more gives 0/0,
        // 256 is a shift by 0 (C unchanged).
        InsnCase(asm: "lsls r0, r1", hw: [0x4088], regs: [0: 1, 1: 32], flags: "Nzcv", expect: [0: 0], expectFlags: "nZCv"),
        InsnCase(asm: "lsls r0, r1", hw: [0x4088], regs: [0: 1, 1: 33], flags: "NzCv", expect: [0: 0], expectFlags: "nZcv"),
        InsnCase(asm: "lsls r0, r1", hw: [0x4088], regs: [0: 1, 1: 0x100], flags: "nzCv", expect: [0: 1], expectFlags: "nzCv"),
        InsnCase(asm: "lsrs r0, r1", hw: [0x40C8], regs: [0: 0x8000_0000, 1: 32], flags: "Nzcv", expect: [0: 0], expectFlags: "nZCv"),
        InsnCase(asm: "asrs r0, r1", hw: [0x4108], regs: [0: 0x8000_0000, 1: 40], flags: "nZcv",
                 expect: [0: 0xFFFF_FFFF], expectFlags: "NzCv"),
        InsnCase(asm: "asrs r0, r1", hw: [0x4108], regs: [0: 0x7FFF_FFFF, 1: 40], flags: "NzCv", expect: [0: 0], expectFlags: "nZcv"),
        // ROR by 32: value unchanged, C = bit 31.
        InsnCase(asm: "rors r0, r1", hw: [0x41C8], regs: [0: 0x8000_0001, 1: 32], flags: "nZcv",
                 expect: [0: 0x8000_0001], expectFlags: "NzCv"),
        InsnCase(asm: "rors r0, r1", hw: [0x41C8], regs: [0: 0xF, 1: 4], expect: [0: 0xF000_0000], expectFlags: "NzCv"),
        InsnCase(asm: "lsl.w r0, r1, r2", hw: [0xFA01, 0xF002], regs: [1: 1, 2: 31], expect: [0: 0x8000_0000]),
        InsnCase(asm: "ror.w r0, r1, r2", hw: [0xFA61, 0xF002], regs: [1: 0x1234_5678, 2: 8], expect: [0: 0x7812_3456]),
        InsnCase(asm: "movs.w r0, r1, rrx", hw: [0xEA5F, 0x0031], regs: [1: 3], flags: "Nzcv", expect: [0: 1], expectFlags: "nzCv"),
        InsnCase(asm: "lsls.w r0, r1, r2", hw: [0xFA11, 0xF002], regs: [1: 0xFFFF_FFFF, 2: 255], flags: "NzCv",
                 expect: [0: 0], expectFlags: "nZcv"),
    ]

    @Test(arguments: arithmeticCases) func arithmetic(_ c: InsnCase) throws { try check(c) }
    @Test(arguments: logicalCases) func logical(_ c: InsnCase) throws { try check(c) }
    @Test(arguments: shiftsCases) func shifts(_ c: InsnCase) throws { try check(c) }

    /// The same 16-bit encodings on the Cortex-M0+ (ARMv6-M).
    @Test func armv6mArithmetic() throws {
        try check(InsnCase(asm: "adds r0, r1, #3", hw: [0x1CC8], arch: .v6m, regs: [1: 0xFFFF_FFFE], expect: [0: 1], expectFlags: "nzCv"))
        try check(InsnCase(asm: "negs r1, r2", hw: [0x4251], arch: .v6m, regs: [2: 0x8000_0000], expect: [1: 0x8000_0000],
                           expectFlags: "NzcV"))
        try check(InsnCase(asm: "rors r0, r1", hw: [0x41C8], arch: .v6m, regs: [0: 0x8000_0001, 1: 32], flags: "nZcv",
                           expect: [0: 0x8000_0001], expectFlags: "NzCv"))
        try check(InsnCase(asm: "muls r0, r1", hw: [0x4348], arch: .v6m, regs: [0: 0xFFFF, 1: 0xFFFF], flags: "nZCV",
                           expect: [0: 0xFFFE_0001], expectFlags: "NzCV"))
    }
}
