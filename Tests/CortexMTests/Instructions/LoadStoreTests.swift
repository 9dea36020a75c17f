import Testing
@testable import CortexM

/// Loads and stores: addressing modes and write-back (A7.7.43...), literal addressing
/// from Align(PC, 4), doubleword, multiple (with the base in the list), PUSH/POP,
/// exclusives, alignment rules per architecture (A3.2).
@Suite struct LoadStoreTests {
    /// Words at 0x20000100... (little-endian: the byte at 0x20000102 is 0x22).
    static let data: [UInt32: UInt32] = [
        0x2000_0100: 0x1122_3344, 0x2000_0104: 0xDEAD_BEEF, 0x2000_0108: 0xCAFE_BABE, 0x2000_010C: 0x0BAD_F00D,
        0x2000_01FC: 0x8000_0000, 0x2000_1008: 0x5555_AAAA,
    ]

    static let singleCases: [InsnCase] = [
        InsnCase(asm: "ldr r0, [r1, #4]", hw: [0x6848], regs: [1: 0x2000_0100], memory: data, expect: [0: 0xDEAD_BEEF]),
        InsnCase(asm: "ldr.w r0, [r1, #4]!", hw: [0xF851, 0x0F04], regs: [1: 0x2000_0100], memory: data,
                 expect: [0: 0xDEAD_BEEF, 1: 0x2000_0104]),
        InsnCase(asm: "ldr.w r0, [r1], #-4", hw: [0xF851, 0x0904], regs: [1: 0x2000_0100], memory: data,
                 expect: [0: 0x1122_3344, 1: 0x2000_00FC]),
        InsnCase(asm: "ldrb.w r0, [r1, #255]", hw: [0xF891, 0x00FF], regs: [1: 0x2000_0100], memory: data, expect: [0: 0x80]),
        InsnCase(asm: "ldrsb r0, [r1, r2]", hw: [0x5688], regs: [1: 0x2000_0100, 2: 0xFF], memory: data, expect: [0: 0xFFFF_FF80]),
        InsnCase(asm: "ldrsh.w r0, [r1, #-2]", hw: [0xF931, 0x0C02], regs: [1: 0x2000_0200], memory: data, expect: [0: 0xFFFF_8000]),
        InsnCase(asm: "ldrh.w r0, [r1, r2, lsl #1]", hw: [0xF831, 0x0012], regs: [1: 0x2000_0100, 2: 2], memory: data,
                 expect: [0: 0xBEEF]),
        InsnCase(asm: "str.w r0, [r1, #-8]!", hw: [0xF841, 0x0D08], regs: [0: 0x1234_5678, 1: 0x2000_0108], memory: data,
                 expect: [1: 0x2000_0100], expectMemory: [0x2000_0100: 0x1234_5678, 0x2000_0104: 0xDEAD_BEEF]),
        InsnCase(asm: "strb.w r0, [r1], #1", hw: [0xF801, 0x0B01], regs: [0: 0xAABB_CCDD, 1: 0x2000_0100], memory: data,
                 expect: [1: 0x2000_0101], expectMemory: [0x2000_0100: 0x1122_33DD]),
        InsnCase(asm: "strh r0, [r1, #2]", hw: [0x8048], regs: [0: 0xAABB_CCDD, 1: 0x2000_0100], memory: data,
                 expectMemory: [0x2000_0100: 0xCCDD_3344]),
        InsnCase(asm: "ldrd r2, r3, [r1, #8]", hw: [0xE9D1, 0x2302], regs: [1: 0x2000_0100], memory: data,
                 expect: [2: 0xCAFE_BABE, 3: 0x0BAD_F00D]),
        InsnCase(asm: "strd r2, r3, [r1, #-8]!", hw: [0xE961, 0x2302], regs: [1: 0x2000_0110, 2: 1, 3: 2], memory: data,
                 expect: [1: 0x2000_0108], expectMemory: [0x2000_0108: 1, 0x2000_010C: 2]),
        // Literal loads address from Align(PC, 4): at 0x1000 and at 0x1002 the same word.
        InsnCase(asm: "ldr r0, [pc, #4]", hw: [0x4801], memory: [0x1008: 0x600D_F00D], expect: [0: 0x600D_F00D]),
        InsnCase(asm: "ldr r0, [pc, #4]", hw: [0x4801], memory: [0x1008: 0x600D_F00D], offset: 2, expect: [0: 0x600D_F00D]),
        // Align(PC, 4) - 4 is the instruction itself: hw2:hw1 read as a word.
        InsnCase(asm: "ldr.w r0, [pc, #-4]", hw: [0xF85F, 0x0004], expect: [0: 0x0004_F85F]),
        // LDRT in privileged thread mode behaves as LDR.
        InsnCase(asm: "ldrt r0, [r1, #4]", hw: [0xF851, 0x0E04], regs: [1: 0x2000_0100], memory: data, expect: [0: 0xDEAD_BEEF]),
        InsnCase(asm: "ldr r0, [sp, #8]", hw: [0x9802], memory: data, expect: [0: 0x5555_AAAA]),
        InsnCase(asm: "str r0, [sp, #4]", hw: [0x9001], regs: [0: 0x77], expectMemory: [0x2000_1004: 0x77]),
        // ARMv7-M allows unaligned LDR/STR/LDRH (A3.2.1).
        InsnCase(asm: "ldr r0, [r1, #0]", hw: [0x6808], regs: [1: 0x2000_0101], memory: data, expect: [0: 0xEF11_2233]),
    ]

    static let multipleCases: [InsnCase] = [
        InsnCase(asm: "ldmia r1!, {r2, r3}", hw: [0xC90C], regs: [1: 0x2000_0100], memory: data,
                 expect: [1: 0x2000_0108, 2: 0x1122_3344, 3: 0xDEAD_BEEF]),
        // LDM T1 with the base in the list does not write back: the loaded value wins.
        InsnCase(asm: "ldmia r1, {r1, r2}", hw: [0xC906], regs: [1: 0x2000_0100], memory: data,
                 expect: [1: 0x1122_3344, 2: 0xDEAD_BEEF]),
        // STM with the base lowest in the list stores its original value.
        InsnCase(asm: "stmia r1!, {r1, r2}", hw: [0xC106], regs: [1: 0x2000_0100, 2: 0x2222_2222], memory: data,
                 expect: [1: 0x2000_0108], expectMemory: [0x2000_0100: 0x2000_0100, 0x2000_0104: 0x2222_2222]),
        InsnCase(asm: "stmdb r1!, {r2, r3, r4}", hw: [0xE921, 0x001C], regs: [1: 0x2000_0110, 2: 2, 3: 3, 4: 4], memory: data,
                 expect: [1: 0x2000_0104],
                 expectMemory: [0x2000_0100: 0x1122_3344, 0x2000_0104: 2, 0x2000_0108: 3, 0x2000_010C: 4]),
        InsnCase(asm: "ldmdb r1, {r2, r3}", hw: [0xE911, 0x000C], regs: [1: 0x2000_0108], memory: data,
                 expect: [2: 0x1122_3344, 3: 0xDEAD_BEEF]),
        // PUSH stores the lowest register at the lowest address.
        InsnCase(asm: "push {r1, r2, lr}", hw: [0xB506], regs: [1: 1, 2: 2, 14: 0xE],
                 expect: [13: 0x2000_0FF4], expectMemory: [0x2000_0FF4: 1, 0x2000_0FF8: 2, 0x2000_0FFC: 0xE]),
        InsnCase(asm: "pop {r1, r2}", hw: [0xBC06], regs: [13: 0x2000_0FF8], memory: [0x2000_0FF8: 0xA, 0x2000_0FFC: 0xB],
                 expect: [1: 0xA, 2: 0xB, 13: 0x2000_1000]),
        // POP {pc} interworks: bit 0 of the loaded value is the Thumb bit.
        InsnCase(asm: "pop {r0, pc}", hw: [0xBD01], regs: [13: 0x2000_0FF8], memory: [0x2000_0FF8: 5, 0x2000_0FFC: 0x1101],
                 expect: [0: 5, 13: 0x2000_1000], expectBranch: 0x100),
        InsnCase(asm: "push.w {r1, r8, lr}", hw: [0xE92D, 0x4102], regs: [1: 1, 8: 8, 14: 0xE],
                 expect: [13: 0x2000_0FF4], expectMemory: [0x2000_0FF4: 1, 0x2000_0FF8: 8, 0x2000_0FFC: 0xE]),
        InsnCase(asm: "ldmia.w sp!, {r1, r8}", hw: [0xE8BD, 0x0102], regs: [13: 0x2000_0FF8],
                 memory: [0x2000_0FF8: 0xA, 0x2000_0FFC: 0xB], expect: [1: 0xA, 8: 0xB, 13: 0x2000_1000]),
    ]

    @Test(arguments: singleCases) func single(_ c: InsnCase) throws { try check(c) }
    @Test(arguments: multipleCases) func multiple(_ c: InsnCase) throws { try check(c) }

    func fault(_ c: InsnCase) throws -> FaultReport? {
        #expect(throws: FaultReport.self) { try check(c) }
    }

    /// ARMv6-M faults on every unaligned word or halfword access; ARMv7-M still requires
    /// alignment for LDRD/STRD, LDM/STM and exclusives (A3.2.1).
    @Test func alignmentFaults() throws {
        let v6 = try fault(InsnCase(asm: "ldr r0, [r1, #0]", hw: [0x6808], arch: .v6m, regs: [1: 0x2000_0102]))
        #expect(v6?.kind == .unalignedAccess)
        #expect(v6?.dataAddress == 0x2000_0102)
        let v6h = try fault(InsnCase(asm: "strh r0, [r1, #2]", hw: [0x8048], arch: .v6m, regs: [1: 0x2000_0101]))
        #expect(v6h?.kind == .unalignedAccess)
        let ldrd = try fault(InsnCase(asm: "ldrd r2, r3, [r1]", hw: [0xE9D1, 0x2300], regs: [1: 0x2000_0102]))
        #expect(ldrd?.kind == .unalignedAccess)
        let ldm = try fault(InsnCase(asm: "ldmia r1!, {r2, r3}", hw: [0xC90C], regs: [1: 0x2000_0102]))
        #expect(ldm?.kind == .unalignedAccess)
        let ldrex = try fault(InsnCase(asm: "ldrex r0, [r1]", hw: [0xE851, 0x0F00], regs: [1: 0x2000_0101]))
        #expect(ldrex?.kind == .unalignedAccess)
        // Byte accesses are never unaligned.
        try check(InsnCase(asm: "ldrsb r0, [r1, r2]", hw: [0x5688], arch: .v6m, regs: [1: 0x2000_0100, 2: 0xFF],
                           memory: LoadStoreTests.data, expect: [0: 0xFFFF_FF80]))
    }

    /// Flash is read-only while running; unmapped addresses are bus errors.
    @Test func accessFaults() throws {
        let flash = try fault(InsnCase(asm: "str r0, [r1, #0]", hw: [0x6008], regs: [1: 0x0000_4000]))
        #expect(flash?.kind == .writeToReadOnly)
        #expect(flash?.dataAddress == 0x4000)
        let hole = try fault(InsnCase(asm: "ldr r0, [r1, #0]", hw: [0x6808], regs: [1: 0x3000_0000]))
        #expect(hole?.kind == .busError)
        let peripheral = try fault(InsnCase(asm: "ldr r0, [r1, #0]", hw: [0x6808], regs: [1: 0x4000_0000]))
        #expect(peripheral?.kind == .busError)
        #expect(peripheral?.detail.contains("peripheral") == true)
    }

    /// LDREX/STREX: success stores and writes 0; without an open monitor (never opened,
    /// or closed by CLREX) the store does not happen and the status is 1.
    @Test func exclusives() throws {
        let core = try TestCore(arch: .v7em)
        let m = core.machine
        // ldrex r0, [r1]; adds r0, #1; strex r2, r0, [r1]; strex r2, r0, [r1];
        // ldrex r0, [r1]; clrex; strex r3, r0, [r1]
        m.poke(core.codeStart, TestCore.bytes([0xE851, 0x0F00, 0x3001, 0xE841, 0x0200, 0xE841, 0x0200,
                                               0xE851, 0x0F00, 0xF3BF, 0x8F2F, 0xE841, 0x0300]))
        m.poke(0x2000_0100, TestCore.bytes(word: 41))
        m.setRegister(1, 0x2000_0100)
        m.setRegister(15, core.codeStart)
        try m.step(); try m.step(); try m.step()
        #expect(m.register(2) == 0)
        #expect(core.word(0x2000_0100) == 42)
        m.setRegister(0, 99)
        try m.step()
        #expect(m.register(2) == 1, "a second STREX has no open monitor")
        #expect(core.word(0x2000_0100) == 42)
        try m.step(); try m.step(); try m.step()
        #expect(m.register(3) == 1, "CLREX closes the monitor")
        #expect(core.word(0x2000_0100) == 42)
    }
}
