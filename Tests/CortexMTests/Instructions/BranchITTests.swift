import Testing
@testable import CortexM

/// Branches (A7.7.12...), writes to the PC, TBB/TBH, and IT blocks (A7.3.3).
@Suite struct BranchITTests {
    static let branchCases: [InsnCase] = [
        InsnCase(asm: "beq.n .+8", hw: [0xD002], flags: "nZcv", expectBranch: 8),
        InsnCase(asm: "beq.n .+8", hw: [0xD002], flags: "nzcv"),
        InsnCase(asm: "bne.n .+8", hw: [0xD102], flags: "nzcv", expectBranch: 8),
        InsnCase(asm: "b.n .+100", hw: [0xE030], expectBranch: 100),
        // BL: LR = the next instruction with the Thumb bit.
        InsnCase(asm: "bl .+0x1000", hw: [0xF000, 0xFFFE], expect: [14: 0x1005], expectBranch: 0x1000),
        InsnCase(asm: "bne.w .-0x100", hw: [0xF47F, 0xAF7E], flags: "nzcv", expectBranch: -0x100),
        InsnCase(asm: "b.w .+0x100000", hw: [0xF0FF, 0xBFFE], expectBranch: 0x10_0000),
        InsnCase(asm: "bx r1", hw: [0x4708], regs: [1: 0x1201], expectBranch: 0x200),
        InsnCase(asm: "blx r1", hw: [0x4788], regs: [1: 0x1201], expect: [14: 0x1003], expectBranch: 0x200),
        InsnCase(asm: "cbz r0, .+20", hw: [0xB140], regs: [0: 0], expectBranch: 20),
        InsnCase(asm: "cbz r0, .+20", hw: [0xB140], regs: [0: 1]),
        InsnCase(asm: "cbnz r0, .+20", hw: [0xB940], regs: [0: 5], expectBranch: 20),
        // MOV/ADD to PC are BranchWritePC: bit 0 is ignored, not an interworking bit.
        InsnCase(asm: "mov pc, r1", hw: [0x468F], regs: [1: 0x1200], expectBranch: 0x200),
        InsnCase(asm: "add pc, r1", hw: [0x448F], regs: [1: 0x100], expectBranch: 0x104),
        InsnCase(asm: "ldr.w pc, [r1]", hw: [0xF8D1, 0xF000], regs: [1: 0x2000_0100], memory: [0x2000_0100: 0x1301],
                 expectBranch: 0x300),
        // TBB/TBH: PC + 2 * entry; the byte at 0x20000102 is 0x22, the halfword 0x1122.
        InsnCase(asm: "tbb [r0, r1]", hw: [0xE8D0, 0xF001], regs: [0: 0x2000_0100, 1: 2], memory: LoadStoreTests.data,
                 expectBranch: 4 + 0x44),
        InsnCase(asm: "tbh [r0, r1, lsl #1]", hw: [0xE8D0, 0xF011], regs: [0: 0x2000_0100, 1: 1], memory: LoadStoreTests.data,
                 expectBranch: 4 + 0x2244),
    ]

    @Test(arguments: branchCases) func branch(_ c: InsnCase) throws { try check(c) }

    /// BX to an even address would switch to ARM state: INVSTATE on M-profile cores.
    @Test func interworkingToARMStateFaults() throws {
        let f = #expect(throws: FaultReport.self) {
            try check(InsnCase(asm: "bx r1", hw: [0x4708], regs: [1: 0x1200]))
        }
        #expect(f?.kind == .invalidState)
    }

    /// ittet ne: then, then, else, then. 16-bit ADDs inside the block do not set flags;
    /// the ADDS after it does.
    func runITTET(z: Bool) throws -> (TestCore, [UInt32]) {
        let core = try TestCore(arch: .v7em)
        let m = core.machine
        // ittet ne; addne r0, #1; addne r1, #1; addeq r2, #1; addne r3, #1; adds r4, #1
        m.poke(core.codeStart, TestCore.bytes([0xBF1B, 0x3001, 0x3101, 0x3201, 0x3301, 0x3401]))
        for k in 0..<5 { m.setRegister(k, 0xFFFF_FFFF) }
        m.setRegister(15, core.codeStart)
        m.setFlags(n: false, z: z, c: false, v: false)
        var itBits: [UInt32] = []
        for _ in 0..<6 {
            try m.step()
            itBits.append(m.xpsr & 0x0600_FC00)
        }
        return (core, itBits)
    }

    @Test func itBlockConditionsAndFlags() throws {
        let (ne, itBits) = try runITTET(z: false)
        #expect((0..<5).map { ne.machine.register($0) } == [0, 0, 0xFFFF_FFFF, 0, 0])
        // The in-block ADDs wrapped to 0 without setting Z; the ADDS after the block did.
        #expect(Flags.text(ne.machine) == "nZCvq")
        // ITSTATE after IT = firstcond:mask = 0001:1011, then shifted left per instruction
        // (ITAdvance, A7.3.2): IT[7:2] in xPSR[15:10], IT[1:0] in xPSR[26:25].
        func xpsrIT(_ it: UInt32) -> UInt32 { (it & 3) << 25 | (it >> 2) << 10 }
        #expect(itBits == [xpsrIT(0x1B), xpsrIT(0x16), xpsrIT(0x0C), xpsrIT(0x18), 0, 0])
        let (eq, _) = try runITTET(z: true)
        #expect((0..<5).map { eq.machine.register($0) } == [0xFFFF_FFFF, 0xFFFF_FFFF, 0, 0xFFFF_FFFF, 0])
    }

    /// A branch may end an IT block and is then conditional (B T2 under IT: "bne.n").
    @Test func branchLastInITBlock() throws {
        for z in [false, true] {
            let core = try TestCore(arch: .v7em)
            let m = core.machine
            m.poke(core.codeStart, TestCore.bytes([0xBF18, 0xE008]))  // it ne; bne.n .+20
            m.setRegister(15, core.codeStart)
            m.setFlags(n: false, z: z, c: false, v: false)
            try m.step()
            try m.step()
            #expect(m.register(15) == core.codeStart + (z ? 4 : 2 + 20))
        }
    }

    /// IT is an ARMv7-M instruction: undefined on the Cortex-M0+.
    @Test func itIsUndefinedOnARMv6M() throws {
        let f = #expect(throws: FaultReport.self) {
            try check(InsnCase(asm: "it ne", hw: [0xBF18], arch: .v6m))
        }
        #expect(f?.kind == .undefinedInstruction)
        let w = #expect(throws: FaultReport.self) {
            try check(InsnCase(asm: "smlad r0, r1, r2, r3", hw: [0xFB21, 0x3002], arch: .v6m))
        }
        #expect(w?.kind == .undefinedInstruction)
        #expect(w?.detail.contains("ARMv7E-M") == true)
    }
}
