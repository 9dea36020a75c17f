// Which registers an instruction reads and writes, for timing models: load-use and
// address-generation interlocks (Cortex-M3/M4 TRM 3.3.2), and the operand-ready rules of
// a dual-issue pipeline (Cortex-M7). Derived from the operand meaning documented on each
// `Op` case and the pseudocode of the ARMv7-M ARM (DDI 0403E) chapter A7. Semantics never
// use this; it describes, it does not execute.

/// Registers an instruction reads and writes, as bit masks (bit n = rn; bit 15 = PC).
public struct RegisterUsage: Hashable, Sendable {
    /// Every general-purpose register the instruction reads (including `address` and
    /// `late`).
    public var reads: UInt16 = 0
    /// Registers read to form a memory address (base, index; PC for literals). Cortex-M
    /// pipelines need these a stage earlier than ALU operands.
    public var address: UInt16 = 0
    /// Registers read late: store data, and the accumulator of multiply-accumulates
    /// (LLVM ARMScheduleM7.td reads them one stage after EX2).
    public var late: UInt16 = 0
    /// Operands of a shift by immediate or register, read one stage early (ARMScheduleM7.td
    /// "Shifted ALU operands are read a cycle early").
    public var shifted: UInt16 = 0
    /// Registers written (including the base of a write-back, and PC for branches).
    public var writes: UInt16 = 0
    /// Reads APSR.NZCV/GE (conditional branch, ADC/SBC, RRX, SEL).
    public var readsFlags = false
    /// Writes APSR (flag-setting forms, compares, MSR APSR, saturation/GE setters).
    public var writesFlags = false

    public init() {}

    @inlinable static func bit(_ r: Reg) -> UInt16 { 1 << UInt16(r.rawValue) }
}

extension Instruction {
    /// The registers this instruction reads and writes (see `RegisterUsage`). Flag-setting
    /// 16-bit forms (`setFlagsOutsideIT`) count as writing flags: whether they do depends
    /// on the IT state, which a static description cannot know.
    public var registerUsage: RegisterUsage {
        var u = RegisterUsage()
        func r(_ x: Reg) { u.reads |= RegisterUsage.bit(x) }
        func a(_ x: Reg) { u.reads |= RegisterUsage.bit(x); u.address |= RegisterUsage.bit(x) }
        func late(_ x: Reg) { u.reads |= RegisterUsage.bit(x); u.late |= RegisterUsage.bit(x) }
        func w(_ x: Reg) { u.writes |= RegisterUsage.bit(x) }
        let sets = flags.contains(.setFlags) || flags.contains(.setFlagsOutsideIT)
        let hasShift = shiftType == .rrx || shiftAmount != 0 || shiftType != .lsl
        switch op {
        case .undefined, .nop, .yield, .wfe, .wfi, .sev, .dmb, .dsb, .isb, .clrex, .cps, .svc, .bkpt, .udf:
            break
        case .it:
            break
        case .andImm, .eorImm, .orrImm, .ornImm, .bicImm, .addImm, .subImm, .rsbImm:
            r(rn); w(rd); u.writesFlags = sets
        case .adcImm, .sbcImm:
            r(rn); w(rd); u.readsFlags = true; u.writesFlags = sets
        case .tstImm, .teqImm, .cmpImm, .cmnImm:
            r(rn); u.writesFlags = true
        case .movImm, .mvnImm:
            w(rd); u.writesFlags = sets
        case .movt:
            r(rd); w(rd)
        case .adr:
            r(.pc); w(rd)
        case .andReg, .eorReg, .orrReg, .ornReg, .bicReg, .addReg, .subReg, .rsbReg:
            r(rn); r(rm); w(rd); u.writesFlags = sets
            if hasShift { u.shifted |= RegisterUsage.bit(rm) }
            if shiftType == .rrx { u.readsFlags = true }
        case .adcReg, .sbcReg:
            r(rn); r(rm); w(rd); u.readsFlags = true; u.writesFlags = sets
            if hasShift { u.shifted |= RegisterUsage.bit(rm) }
        case .tstReg, .teqReg, .cmpReg, .cmnReg:
            r(rn); r(rm); u.writesFlags = true
            if hasShift { u.shifted |= RegisterUsage.bit(rm) }
            if shiftType == .rrx { u.readsFlags = true }
        case .movReg, .mvnReg:
            r(rm); w(rd); u.writesFlags = sets
            if hasShift { u.shifted |= RegisterUsage.bit(rm) }
            if shiftType == .rrx { u.readsFlags = true }
        case .shiftReg:
            r(rn); r(rm); w(rd); u.writesFlags = sets
            u.shifted |= RegisterUsage.bit(rn) | RegisterUsage.bit(rm)
        case .mul:
            r(rn); r(rm); w(rd); u.writesFlags = sets
        case .mla, .mls, .smlaxy, .smlawy, .smlad, .smlsd, .smmla, .smmls, .usada8:
            r(rn); r(rm); late(ra); w(rd)
            u.writesFlags = op == .smlaxy || op == .smlawy || op == .smlad || op == .smlsd
        case .smulxy, .smulwy, .smuad, .smusd, .smmul, .usad8:
            r(rn); r(rm); w(rd)
            u.writesFlags = op == .smuad || op == .smusd
        case .smull, .umull:
            r(rn); r(rm); w(rdLo); w(rdHi)
        case .smlal, .umlal, .umaal, .smlalxy, .smlald, .smlsld:
            r(rn); r(rm); late(rdLo); late(rdHi); w(rdLo); w(rdHi)
        case .sdiv, .udiv:
            r(rn); r(rm); w(rd)
        case .parallel:
            r(rn); r(rm); w(rd)
            let p = ParallelOp(rawValue: imm2).prefix
            u.writesFlags = p == .s || p == .u  // GE bits
        case .sel:
            r(rn); r(rm); w(rd); u.readsFlags = true
        case .ssat, .usat:
            r(rn); w(rd); u.writesFlags = true
            if shiftAmount != 0 { u.shifted |= RegisterUsage.bit(rn) }
        case .ssat16, .usat16:
            r(rn); w(rd); u.writesFlags = true
        case .qadd, .qsub, .qdadd, .qdsub:
            r(rn); r(rm); w(rd); u.writesFlags = true
        case .sxtb, .sxth, .uxtb, .uxth, .sxtb16, .uxtb16, .clz, .rbit, .rev, .rev16, .revsh:
            r(rm); w(rd)
        case .sxtab, .sxtah, .uxtab, .uxtah, .sxtab16, .uxtab16, .pkh:
            r(rn); r(rm); w(rd)
        case .bfc:
            r(rd); w(rd)
        case .bfi:
            r(rd); r(rn); w(rd)
        case .sbfx, .ubfx:
            r(rn); w(rd)

        // Single loads: Rt from [Rn, #imm]{!}, [Rn, Rm, LSL #s] or [PC, #imm].
        case .ldrImm, .ldrbImm, .ldrhImm, .ldrsbImm, .ldrshImm, .ldrt, .ldrbt, .ldrht, .ldrsbt, .ldrsht:
            a(rn); w(rt)
            if flags.contains(.wback) { w(rn) }
        case .ldrReg, .ldrbReg, .ldrhReg, .ldrsbReg, .ldrshReg:
            a(rn); a(rm); w(rt)
        case .ldrLit, .ldrbLit, .ldrhLit, .ldrsbLit, .ldrshLit:
            a(.pc); w(rt)
        case .strImm, .strbImm, .strhImm, .strt, .strbt, .strht:
            a(rn); late(rt)
            if flags.contains(.wback) { w(rn) }
        case .strReg, .strbReg, .strhReg:
            a(rn); a(rm); late(rt)
        case .ldrd:
            a(rn); w(rt); w(rt2)
            if flags.contains(.wback) { w(rn) }
        case .ldrdLit:
            a(.pc); w(rt); w(rt2)
        case .strd:
            a(rn); late(rt); late(rt2)
            if flags.contains(.wback) { w(rn) }
        case .ldrex, .ldrexb, .ldrexh:
            a(rn); w(rt)
        case .strex, .strexb, .strexh:
            a(rn); late(rt); w(rm)  // rm holds the status register Rd
        case .pld, .pli:
            a(rn)
            if encodingRow?.name.contains("register") == true { a(rm) }

        // Load/store multiple: the list, and the base (written back with W).
        case .ldm, .ldmdb:
            a(rn); u.writes |= list
            if flags.contains(.wback) { w(rn) }
        case .stm, .stmdb:
            a(rn); u.reads |= list; u.late |= list
            if flags.contains(.wback) { w(rn) }

        case .b:
            w(.pc); u.readsFlags = cond != .al
        case .bl:
            w(.pc); w(.lr)
        case .bx:
            r(rm); w(.pc)
        case .blx:
            r(rm); w(.pc); w(.lr)
        case .cbz, .cbnz:
            r(rn); w(.pc)
        case .tbb, .tbh:
            a(rn); a(rm); w(.pc)
        case .mrs:
            w(rd); u.readsFlags = imm2 <= 3
        case .msr:
            r(rn); u.writesFlags = imm2 <= 3
        }
        return u
    }
}
