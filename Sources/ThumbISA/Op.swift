// The operations of Thumb code on ARMv6-M and ARMv7E-M (integer, no floating point).
//
// An `Op` names what an instruction does, not how it is encoded: ADD (immediate) has
// four encodings (T1–T4) that all decode to `.addImm`. The encoding that was used is kept
// in `Instruction.row`. Operand fields are documented per case in terms of the
// `Instruction` slots (rd, rn, rm, ra, imm, imm2, shift, list, cond, flags).

public enum Op: UInt8, Sendable, CaseIterable {
    /// Not a valid instruction (also: an empty decode-cache slot).
    case undefined = 0

    // MARK: Data processing, immediate operand (rd, rn, imm; setFlags; carry from ThumbExpandImm)
    case andImm, eorImm, orrImm, ornImm, bicImm
    case addImm, adcImm, subImm, sbcImm, rsbImm
    /// Compare/test, immediate: rn, imm.
    case tstImm, teqImm, cmpImm, cmnImm
    /// rd, imm (MOV: ThumbExpandImm or imm8; MOVW: imm16 — `.movImm` with row = MOVW).
    case movImm, mvnImm
    /// MOVT: rd, imm = imm16 (written to the top half).
    case movt
    /// ADR: rd, imm = signed offset from Align(PC, 4).
    case adr

    // MARK: Data processing, register operand (rd, rn, rm, shift; setFlags)
    case andReg, eorReg, orrReg, ornReg, bicReg
    case addReg, adcReg, subReg, sbcReg, rsbReg
    /// Compare/test, register: rn, rm, shift.
    case tstReg, teqReg, cmpReg, cmnReg
    /// MOV (register) and the immediate shifts LSL/LSR/ASR/ROR/RRX, which are MOV with a
    /// shifted register in the architecture: rd, rm, shift.
    case movReg
    /// MVN (register): rd, rm, shift.
    case mvnReg
    /// LSL/LSR/ASR/ROR (register): rd = rn shifted by rm; shift.type says which.
    case shiftReg

    // MARK: Multiply and divide
    /// MUL: rd = rn * rm.
    case mul
    /// MLA: rd = ra + rn * rm.  MLS: rd = ra - rn * rm.
    case mla, mls
    /// Long multiplies: rd = RdLo, ra = RdHi, rn, rm.
    case smull, umull, smlal, umlal, umaal
    /// Divide: rd = rn / rm.
    case sdiv, udiv

    // MARK: DSP multiplies (ARMv7E-M)
    /// SMLA<x><y>: rd = ra + rn.half * rm.half; flags.nHigh/mHigh pick halves. Sets Q.
    case smlaxy
    /// SMUL<x><y>: rd = rn.half * rm.half.
    case smulxy
    /// SMLAW<y>: rd = ra + (rn * rm.half) >> 16. SMULW<y>: rd = (rn * rm.half) >> 16.
    case smlawy, smulwy
    /// SMLAL<x><y>: rd = RdLo, ra = RdHi += rn.half * rm.half.
    case smlalxy
    /// Dual 16-bit multiply-accumulate: rd, rn, rm, ra; flags.swap = the X forms.
    case smlad, smlsd, smuad, smusd
    /// Dual 16-bit multiply, 64-bit accumulate: rd = RdLo, ra = RdHi.
    case smlald, smlsld
    /// Most-significant-word multiply: rd = (rn * rm [+/- ra<<32] [+ round]) >> 32; flags.round.
    case smmul, smmla, smmls
    /// Unsigned sum of absolute byte differences: rd = [ra +] Σ|rn.b - rm.b|.
    case usad8, usada8

    // MARK: SIMD add/subtract (ARMv7E-M, A7.4.5/A7.4.6)
    /// rd = rn (op) rm, lane-wise. imm2 holds a `ParallelOp` raw value.
    case parallel

    // MARK: Saturation
    /// SSAT/USAT: rd = sat(rn shifted, imm2 bits). SSAT16/USAT16: per halfword.
    case ssat, usat, ssat16, usat16
    /// Saturating add/subtract: QADD rd = sat(rm + rn), QDADD rd = sat(rm + sat(2*rn)), ...
    case qadd, qsub, qdadd, qdsub

    // MARK: Packing, extension, bitfields, bit operations
    /// Extends: rd = extend(rm ror imm2). Add-forms also add rn.
    case sxtb, sxth, uxtb, uxth, sxtb16, uxtb16
    case sxtab, sxtah, uxtab, uxtah, sxtab16, uxtab16
    /// BFC: rd, imm = lsb, imm2 = msb.  BFI: rd, rn, imm = lsb, imm2 = msb.
    case bfc, bfi
    /// SBFX/UBFX: rd = field of rn, imm = lsb, imm2 = width - 1.
    case sbfx, ubfx
    case clz, rbit, rev, rev16, revsh
    /// SEL: rd = bytes of rn or rm by APSR.GE.
    case sel
    /// PKHBT/PKHTB: rd = pack(rn, rm shifted); flags.tb selects PKHTB.
    case pkh

    // MARK: Loads and stores, single register (rd = Rt, rn = base)
    // Addressing: immediate offset imm with flags index/add/wback; register offset rm
    // with shift (LSL #0–3); literal: rn = PC, flags.add.
    case ldrImm, ldrbImm, ldrhImm, ldrsbImm, ldrshImm
    case strImm, strbImm, strhImm
    case ldrReg, ldrbReg, ldrhReg, ldrsbReg, ldrshReg
    case strReg, strbReg, strhReg
    case ldrLit, ldrbLit, ldrhLit, ldrsbLit, ldrshLit
    /// Unprivileged forms (LDRT...): immediate offset, always index, never writeback.
    case ldrt, ldrbt, ldrht, ldrsbt, ldrsht, strt, strbt, strht
    /// Doubleword: rd = Rt, ra = Rt2, rn, imm, index/add/wback. Literal: rn = PC.
    case ldrd, strd, ldrdLit
    /// Exclusives: LDREX rd = Rt, rn, imm. STREX rm = Rd (status), rd = Rt, rn, imm.
    case ldrex, ldrexb, ldrexh, strex, strexb, strexh, clrex
    /// Preload hints (no architectural effect): PLD/PLI with imm, register or literal.
    case pld, pli

    // MARK: Load/store multiple (rn = base, list, flags.wback)
    /// LDM/LDMIA (increment after), LDMDB (decrement before), and the store forms.
    /// PUSH and POP decode as STMDB/LDM with rn = SP and wback (GNU prints them as push/pop).
    case ldm, ldmdb, stm, stmdb

    // MARK: Branches
    /// B: imm = signed offset from PC (instruction address + 4); cond for B<c>.
    case b
    /// BL: imm = signed offset.
    case bl
    /// BX/BLX (register): rm.
    case bx, blx
    /// CBZ/CBNZ: rn, imm = unsigned offset.
    case cbz, cbnz
    /// TBB/TBH: rn = table base, rm = index.
    case tbb, tbh

    // MARK: Control, hints and system
    /// IT: cond = firstcond, list = mask (4 bits).
    case it
    case nop, yield, wfe, wfi, sev
    case dmb, dsb, isb
    /// MRS: rd = special register imm2 (SYSm). MSR: special register imm2 = rn; imm = mask.
    case mrs, msr
    /// CPSIE/CPSID: flags.disable, imm = affected bits (I = 2, F = 1).
    case cps
    /// SVC/BKPT/UDF: imm = the immediate.
    case svc, bkpt, udf
}

/// The SIMD add/subtract family (A7.4.5 parallel addition and subtraction, signed and
/// unsigned), packed as `prefix << 3 | kind` in `Instruction.imm2`.
public struct ParallelOp: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ prefix: Prefix, _ kind: Kind) { rawValue = prefix.rawValue << 3 | kind.rawValue }

    public enum Prefix: UInt8, Sendable, CaseIterable {
        /// S: signed modulo, sets GE. Q: signed saturating. SH: signed halving.
        /// U: unsigned modulo, sets GE. UQ: unsigned saturating. UH: unsigned halving.
        case s = 0, q, sh, u, uq, uh
        public var text: String { ["s", "q", "sh", "u", "uq", "uh"][Int(rawValue)] }
    }
    public enum Kind: UInt8, Sendable, CaseIterable {
        case add16 = 0, asx, sax, sub16, add8, sub8
        public var text: String { ["add16", "asx", "sax", "sub16", "add8", "sub8"][Int(rawValue)] }
    }

    public var prefix: Prefix { Prefix(rawValue: rawValue >> 3) ?? .s }
    public var kind: Kind { Kind(rawValue: rawValue & 7) ?? .add16 }
    public var mnemonic: String { prefix.text + kind.text }
}

/// What kind of work an operation is, for timing models (in the manner of gem5's
/// `op_class`). Semantics never look at this; timing tables key their costs on it, with
/// per-`Op` overrides where a core treats one operation specially.
public enum OpClass: UInt8, Sendable, CaseIterable {
    /// Single-cycle integer ALU (add, logic, moves, compares, extends, bitfields).
    case alu
    /// ALU with register-specified shift or a shifted-register operand.
    case aluShift
    /// 32-bit result multiply (MUL).
    case mul
    /// Multiply-accumulate with 32-bit result (MLA, MLS, SMLAxy, SMLAD, ...).
    case mac
    /// 64-bit result multiplies and accumulates (SMULL, UMLAL, SMLALD, ...).
    case mulLong
    /// SIMD add/subtract, saturation, SEL, USAD8: the DSP datapath.
    case simd
    /// SDIV/UDIV.
    case div
    /// Single loads, stores, their doubleword and exclusive forms.
    case load, store, loadDouble, storeDouble
    /// LDM/STM/PUSH/POP.
    case loadMultiple, storeMultiple
    /// Direct branches (B, B<c>, CBZ/CBNZ) and BL; indirect BX/BLX; TBB/TBH.
    case branch, branchLink, branchIndirect, tableBranch
    /// IT, hints (NOP, YIELD...), preloads.
    case it, hint
    /// Barriers DMB/DSB/ISB.
    case barrier
    /// MRS/MSR/CPS.
    case system
    /// SVC, BKPT, UDF: exception-generating.
    case exception
}

extension Op {
    /// The operation's class for the timing models.
    public var opClass: OpClass { Op.classTable[Int(rawValue)] }

    private static let classTable: [OpClass] = Op.allCases.map { $0.computeClass() }

    private func computeClass() -> OpClass {
        switch self {
        case .undefined, .svc, .bkpt, .udf: return .exception
        case .andImm, .eorImm, .orrImm, .ornImm, .bicImm, .addImm, .adcImm, .subImm, .sbcImm,
             .rsbImm, .tstImm, .teqImm, .cmpImm, .cmnImm, .movImm, .mvnImm, .movt, .adr,
             .andReg, .eorReg, .orrReg, .ornReg, .bicReg, .addReg, .adcReg, .subReg, .sbcReg,
             .rsbReg, .tstReg, .teqReg, .cmpReg, .cmnReg, .movReg, .mvnReg,
             .sxtb, .sxth, .uxtb, .uxth, .sxtab, .sxtah, .uxtab, .uxtah,
             .bfc, .bfi, .sbfx, .ubfx, .clz, .rbit, .rev, .rev16, .revsh, .pkh:
            return .alu
        case .shiftReg: return .aluShift
        case .mul: return .mul
        case .mla, .mls, .smlaxy, .smulxy, .smlawy, .smulwy, .smlad, .smlsd, .smuad, .smusd,
             .smmul, .smmla, .smmls:
            return .mac
        case .smull, .umull, .smlal, .umlal, .umaal, .smlalxy, .smlald, .smlsld: return .mulLong
        case .usad8, .usada8, .parallel, .ssat, .usat, .ssat16, .usat16, .qadd, .qsub, .qdadd,
             .qdsub, .sxtb16, .uxtb16, .sxtab16, .uxtab16, .sel:
            return .simd
        case .sdiv, .udiv: return .div
        case .ldrImm, .ldrbImm, .ldrhImm, .ldrsbImm, .ldrshImm, .ldrReg, .ldrbReg, .ldrhReg,
             .ldrsbReg, .ldrshReg, .ldrLit, .ldrbLit, .ldrhLit, .ldrsbLit, .ldrshLit,
             .ldrt, .ldrbt, .ldrht, .ldrsbt, .ldrsht, .ldrex, .ldrexb, .ldrexh:
            return .load
        case .strImm, .strbImm, .strhImm, .strReg, .strbReg, .strhReg, .strt, .strbt, .strht,
             .strex, .strexb, .strexh:
            return .store
        case .ldrd, .ldrdLit: return .loadDouble
        case .strd: return .storeDouble
        case .ldm, .ldmdb: return .loadMultiple
        case .stm, .stmdb: return .storeMultiple
        case .b, .cbz, .cbnz: return .branch
        case .bl, .blx: return .branchLink
        case .bx: return .branchIndirect
        case .tbb, .tbh: return .tableBranch
        case .it: return .it
        case .nop, .yield, .wfe, .wfi, .sev, .pld, .pli, .clrex: return .hint
        case .dmb, .dsb, .isb: return .barrier
        case .mrs, .msr, .cps: return .system
        }
    }
}
