import ThumbISA

// Per-core timing tables: what each model precomputes for a decoded instruction. Every
// entry names its source. Dynamic effects (taken branches, memory transfers and wait
// states, pipelining, interlocks, divide operand sizes) are applied in `CoreTimer.retire`.
//
// Sources:
// - [M0+] Cortex-M0+ Technical Reference Manual, DDI 0484C, Table 3.1 "Cortex-M0+
//   instruction summary" (zero wait states).
// - [M4] Cortex-M4 Technical Reference Manual, DDI 0439B, Table 3-1 "Processor instruction
//   set summary" (P = pipeline refill, 1 to 3; N = registers transferred) and 3.3.2
//   "Load/store timings".
// - [M7] LLVM `llvm/lib/Target/ARM/ARMScheduleM7.td` (CortexM7Model: IssueWidth 2, two ALU,
//   two load, one store, one MAC, one branch pipe; per-instruction latencies, SingleIssue
//   and BeginGroup). Arm publishes no cycle table for the Cortex-M7; LLVM's description is
//   the citable one, and sersim's M7 figures are labelled estimates.

/// Cortex-M4: `StaticTiming.unit` bits marking the instructions with the rarely applied
/// rules (divide, IT folding), so that the M4 loop finds both with one test.
@usableFromInline enum M4Rare {
    @usableFromInline static let divide: UInt8 = 1 << 0
    @usableFromInline static let it: UInt8 = 1 << 1
}

/// Cortex-M7 single-instance units (`StaticTiming.unit` bits). The ALU and load pipes
/// have two instances each, so two instructions issued together never run out of them.
@usableFromInline enum M7Unit {
    static let store: UInt8 = 1 << 0
    static let mac: UInt8 = 1 << 1
    @usableFromInline static let branch: UInt8 = 1 << 2
    static let shift1: UInt8 = 1 << 3
    static let simd: UInt8 = 1 << 4
}

extension CoreTimer {
    /// Register masks and flags every model shares.
    static func common(_ i: Instruction) -> StaticTiming {
        let u = i.registerUsage
        var st = StaticTiming()
        st.opClass = i.op.opClass.rawValue
        if i.size == 4 { st.flags |= TimingFlags.wide }
        st.reads = u.reads & ~u.late & 0x7FFF
        st.early = (u.address | u.shifted) & 0x7FFF
        st.writes = u.writes & 0x7FFF
        if i.flags.contains(.wback) && i.op.opClass.rawValue >= OpClass.load.rawValue
            && i.op.opClass.rawValue <= OpClass.storeMultiple.rawValue && i.rn != .pc {
            st.base = i.rn.rawValue
        }
        return st
    }

    /// Does the instruction write PC other than as a branch (data processing, loads)?
    static func writesPC(_ i: Instruction) -> Bool {
        i.registerUsage.writes & 0x8000 != 0
    }

    static func isStoreImmediate(_ op: Op) -> Bool {
        switch op {
        case .strImm, .strbImm, .strhImm, .strt, .strbt, .strht: true
        default: false
        }
    }

    // MARK: Cortex-M0+

    /// [M0+] Table 3.1. Loads/stores are 1 + one cycle per transfer (2; LDM/STM/PUSH/POP
    /// 1+N); the transfer cycles are added from the record.
    static func describeM0plus(_ i: Instruction, fastMultiplier: Bool) -> StaticTiming {
        var st = common(i)
        st.skippedCycles = 1
        switch i.op.opClass {
        case .mul:
            st.cycles = fastMultiplier ? 1 : 32  // MULS: "1 or 32" by the multiplier option
        case .load, .store, .loadMultiple, .storeMultiple, .loadDouble, .storeDouble:
            st.cycles = 1  // + N transfers: LDR/STR 2, LDM/STM/PUSH/POP 1+N
            if i.op == .ldm && i.list & 0x8000 != 0 { st.extra = 2 }  // POP {..., PC}: 3+N
        case .branch:
            st.cycles = 1; st.extra = 1  // B<c> 1 or 2 (taken), B 2
        case .branchLink:
            if i.op == .bl { st.cycles = 2; st.extra = 1 } else { st.cycles = 1; st.extra = 1 }  // BL 3, BLX 2
        case .branchIndirect:
            st.cycles = 1; st.extra = 1  // BX 2
        case .barrier:
            st.cycles = 3  // DMB, DSB, ISB: 3
        case .system:
            st.cycles = i.op == .cps ? 1 : 3  // MRS 3, MSR 3, CPSIE/CPSID 1
        case .hint:
            st.cycles = (i.op == .wfi || i.op == .wfe) ? 2 : 1  // WFE/WFI 2 (+ sleep); NOP/SEV/YIELD 1
        default:
            st.cycles = 1
            if writesPC(i) { st.extra = 1 }  // MOV PC, Rm / ADD PC, PC, Rm: 2
        }
        return st
    }

    // MARK: Cortex-M4

    /// [M4] Table 3-1 and 3.3.2. P is 2 here (a refill to a 32-bit target that is not
    /// word-aligned adds one, in `retire`); loads that write PC and TBB/TBH are the
    /// "blocking" operations of 3.3.2 with a three-cycle reload.
    static func describeM4(_ i: Instruction) -> StaticTiming {
        var st = common(i)
        st.skippedCycles = 1  // a failed IT condition still takes its issue cycle
        let p: UInt8 = 2
        switch i.op.opClass {
        case .alu, .aluShift, .mul, .mac, .mulLong, .simd:
            st.cycles = 1  // MOV/ADD/..., MUL, MLA, MLS, SMULL, SMLAL, DSP: 1
            if writesPC(i) { st.extra = p }  // MOV PC / ADD PC: 1 + P
        case .div:
            st.cycles = 2  // SDIV/UDIV 2 to 12: + early termination, in retire
        case .load:
            st.cycles = 1  // LDR 2 = 1 + the transfer
            st.flags |= TimingFlags.memSingle | TimingFlags.loadLike
            if writesPC(i) {
                // LDR PC: "always a blocking operation ... two cycles for the load, and
                // three cycles for the pipeline reload" (3.3.2).
                st.extra = 3
                st.flags &= ~(TimingFlags.memSingle | TimingFlags.loadLike)
            }
        case .store:
            if i.op == .strex || i.op == .strexb || i.op == .strexh {
                st.cycles = 1  // STREX "is treated more like an LDR" (3.3.2)
                st.flags |= TimingFlags.memSingle | TimingFlags.loadLike
            } else if isStoreImmediate(i.op) {
                st.cycles = 0  // STR Rx,[Ry,#imm] "is always one cycle" (3.3.2)
                st.flags |= TimingFlags.memSingle | TimingFlags.storeImmediate
            } else {
                st.cycles = 1  // STR register offset: 2, 1 when pipelined after an LDR
                st.flags |= TimingFlags.memSingle
            }
        case .loadDouble, .storeDouble:
            st.cycles = 1  // LDRD/STRD 1+N = 3, never pipelined with neighbours (3.3.2)
            st.flags |= TimingFlags.multiple
        case .loadMultiple, .storeMultiple:
            st.cycles = 1  // LDM/STM/PUSH/POP 1+N; with PC 1+N+P
            st.flags |= TimingFlags.multiple
            if i.list & 0x8000 != 0 && i.op.opClass == .loadMultiple { st.extra = p }
        case .branch:
            // B, B<c>, CBZ/CBNZ: 1 + P, the target speculatively fetched from decode (P = 1).
            st.cycles = 1; st.extra = 1
        case .branchLink:
            st.cycles = 1; st.extra = i.op == .bl ? 1 : p  // BL speculated; BLX Rm: 1 + P
        case .branchIndirect:
            st.cycles = 1; st.extra = p  // BX: 1 + P
        case .tableBranch:
            // TBB/TBH: "two cycles for the load, one cycle for the add, and three cycles for
            // the pipeline reload" (3.3.2): 2 + the transfer + 3.
            st.cycles = 2; st.extra = 3
        case .it:
            st.cycles = 1  // IT: folded (0 cycles) after a 16-bit instruction (Table 3-1 note)
            st.flags |= TimingFlags.it
        case .barrier:
            st.cycles = i.op == .isb ? 1 + p : 1  // ISB 1+B with B >= P; DMB/DSB 1+B, B >= 0
        case .system, .hint, .exception:
            st.cycles = 1  // MRS, MSR, CPS, NOP, SEV, YIELD 1; WFI/WFE 1 + W (sleep)
        }
        // The M4 rules' two rare cases, in the field only the M7 rules use otherwise: one
        // test per instruction finds both.
        if st.opClass == OpClass.div.rawValue { st.unit |= M4Rare.divide }
        if st.flags & TimingFlags.it != 0 { st.unit |= M4Rare.it }
        return st
    }

    // MARK: Cortex-M7

    /// [M7] ARMScheduleM7.td: result latency (cycles after issue until a consumer reading
    /// at EX2 can issue), pipe units, SingleIssue and BeginGroup ("slot 0 only").
    static func describeM7(_ i: Instruction) -> StaticTiming {
        var st = common(i)
        st.skippedCycles = 1
        st.cycles = 1
        var latency: UInt8 = 1
        let u = i.registerUsage
        switch i.op {
        // WriteALU / WriteALUsi: latency 1; shifted forms also use Shift1.
        case .andReg, .eorReg, .orrReg, .ornReg, .bicReg, .addReg, .adcReg, .subReg, .sbcReg, .rsbReg,
             .tstReg, .teqReg, .cmpReg, .cmnReg, .movReg, .mvnReg:
            if u.shifted != 0 { st.unit = M7Unit.shift1 }
        case .shiftReg:
            st.unit = M7Unit.shift1
            st.early = 0  // "(LSL|LSR|ASR|ROR)r": WriteALUsi without an early read
        case .clz:
            st.flags |= TimingFlags.slot0  // t2CLZ: slot 0 only
        case .bfc, .bfi:
            st.unit = M7Unit.shift1; st.flags |= TimingFlags.slot0  // WriteALUsi, M7Slot0Only
        // Multiplies and MACs: WriteMUL*/WriteMAC* latency 2 on the single MAC pipe; the
        // accumulator is read one stage late (ReadMAC advance 1), so chained MACs do not stall.
        case .mul, .mla, .mls, .smull, .umull, .smlal, .umlal, .umaal, .smlaxy, .smulxy, .smlawy, .smulwy,
             .smlalxy, .smlad, .smlsd, .smuad, .smusd, .smlald, .smlsld, .smmul, .smmla, .smmls:
            st.unit = M7Unit.mac; latency = 2
        // WriteDIV: latency 7, single issue; "divides ... stall for their latency".
        case .sdiv, .udiv:
            st.cycles = 7; st.flags |= TimingFlags.singleIssue; latency = 1
        // DSP: M7WriteSIMD1/2, M7WriteShSIMD0/1/2, all BeginGroup (slot 0) on the SIMD pipe.
        case .sxtb, .sxth, .uxtb, .uxth, .sxtb16, .uxtb16, .sel:
            st.unit = M7Unit.simd; st.flags |= TimingFlags.slot0; latency = 1
        case .parallel:
            let prefix = ParallelOp(rawValue: i.imm2).prefix
            st.unit = M7Unit.simd; st.flags |= TimingFlags.slot0
            latency = (prefix == .q || prefix == .uq) ? 2 : 1  // (Q|UQ)* are SIMD2
        case .qadd, .qsub, .usad8, .usada8:
            st.unit = M7Unit.simd; st.flags |= TimingFlags.slot0; latency = 2
        case .qdadd, .qdsub, .ssat, .usat, .ssat16, .usat16:
            st.unit = M7Unit.simd | M7Unit.shift1; st.flags |= TimingFlags.slot0; latency = 2
            st.early |= st.reads
        case .rbit, .rev, .rev16, .revsh:
            st.unit = M7Unit.simd | M7Unit.shift1; st.flags |= TimingFlags.slot0; latency = 0  // ShSIMD0
            st.early |= st.reads
        case .sbfx, .ubfx:
            st.unit = M7Unit.simd | M7Unit.shift1; st.flags |= TimingFlags.slot0; latency = 1
            st.early |= st.reads
        case .pkh, .sxtab, .sxtah, .uxtab, .uxtah, .sxtab16, .uxtab16:
            st.unit = M7Unit.simd | M7Unit.shift1; st.flags |= TimingFlags.slot0; latency = 1
            st.early |= RegisterUsage.bitMask(i.rm)  // Rm read at EX1 (M7Read_ISS)
        // Loads: word loads latency 1 (WriteLd), byte/halfword 2 (M7SlowLoad); address
        // operands at EX1 (M7Read_ISS); LDREX slot 0; LDRD/LDM single issue.
        case .ldrImm, .ldrReg, .ldrLit, .ldrt:
            latency = 1
        case .ldrbImm, .ldrhImm, .ldrsbImm, .ldrshImm, .ldrbReg, .ldrhReg, .ldrsbReg, .ldrshReg,
             .ldrbLit, .ldrhLit, .ldrsbLit, .ldrshLit, .ldrbt, .ldrht, .ldrsbt, .ldrsht:
            latency = 2
        case .ldrex:
            st.flags |= TimingFlags.slot0; latency = 1
        case .ldrexb, .ldrexh:
            st.flags |= TimingFlags.slot0; latency = 2
        case .ldrd, .ldrdLit:
            st.flags |= TimingFlags.singleIssue; latency = 1  // M7LoadLatency1
        case .pld, .pli:
            latency = 2
        case .ldm, .ldmdb:
            st.flags |= TimingFlags.singleIssue | TimingFlags.multiple; latency = 1
        // Stores: the single store pipe; data read late (M7Read_EX2).
        case .strImm, .strbImm, .strhImm, .strReg, .strbReg, .strhReg, .strt, .strbt, .strht:
            st.unit = M7Unit.store
        case .strd:
            st.unit = M7Unit.store; st.flags |= TimingFlags.singleIssue
        case .strex, .strexb, .strexh:
            st.unit = M7Unit.store; st.flags |= TimingFlags.singleIssue
        case .stm, .stmdb:
            st.unit = M7Unit.store; st.flags |= TimingFlags.singleIssue | TimingFlags.multiple
        // Branches: the branch pipe (WriteBr latency 2 for the link register).
        case .b, .cbz, .cbnz, .bx:
            st.unit = M7Unit.branch
        case .bl, .blx:
            st.unit = M7Unit.branch; latency = 2
        case .tbb, .tbh:
            st.unit = M7Unit.branch; st.cycles = 2; st.flags |= TimingFlags.singleIssue  // M7TableLoad: 2 micro-ops
        case .it:
            st.cycles = 0; latency = 0  // no pipe; issues with its neighbour (folded)
        // M7NonGeneralPurpose: MRS, MSR, barriers, hints, SVC, BKPT, UDF, CLREX: latency 3,
        // single issue.
        case .mrs, .msr, .cps, .dmb, .dsb, .isb, .nop, .yield, .wfe, .wfi, .sev, .svc, .bkpt, .udf, .clrex, .undefined:
            st.flags |= TimingFlags.singleIssue; latency = 3
        default:
            break  // WriteALU: latency 1 on either ALU
        }
        st.extra = latency << 4
        return st
    }

    // MARK: Xtensa (estimate)

    /// ESTIMATE for ESP32 (LX6) and ESP32-S3 (LX7): sersim runs Thumb code on these
    /// boards, so this table answers "how long would an in-order 5-stage (LX6) / 7-stage
    /// (LX7) core take for this work", not "how long does this Xtensa code take". The
    /// shape follows the Xtensa LX pipelines (single issue, one-cycle ALU, a load-use
    /// bubble, a taken-branch penalty); the constants below are calibrated so that the
    /// cores' published CoreMark/MHz is reproduced (docs/timing-validation.md).
    static func describeXtensa(_ i: Instruction, lx7: Bool) -> StaticTiming {
        var st = common(i)
        st.skippedCycles = 1
        let cal = lx7 ? XtensaCalibration.lx7 : XtensaCalibration.lx6
        switch i.op.opClass {
        case .alu, .aluShift, .simd, .it, .hint, .system, .exception, .barrier:
            st.cycles = 1
            if writesPC(i) { st.extra = cal.takenPenalty }
        case .mul, .mac:
            st.cycles = cal.multiply
        case .mulLong:
            st.cycles = cal.multiply + 1
        case .div:
            st.cycles = 2  // + operand-dependent part, as on the M4 (in retire)
        case .load:
            st.cycles = cal.load  // + the transfer
            if writesPC(i) { st.extra = cal.takenPenalty }
        case .store:
            st.cycles = 0  // one cycle: the transfer
        case .loadDouble, .storeDouble, .loadMultiple, .storeMultiple:
            st.cycles = 1
            if i.op.opClass == .loadMultiple && i.list & 0x8000 != 0 { st.extra = cal.takenPenalty }
        case .branch, .branchLink, .branchIndirect:
            st.cycles = 1; st.extra = cal.takenPenalty
        case .tableBranch:
            st.cycles = 2; st.extra = cal.takenPenalty
        }
        return st
    }
}

/// The calibrated constants of the Xtensa estimates (see `describeXtensa`).
struct XtensaCalibration {
    /// Extra cycles of a load before the transfer (load-use bubble folded in).
    var load: UInt8
    /// Cycles of a 32-bit multiply / multiply-accumulate.
    var multiply: UInt8
    /// Refill cycles after a taken branch.
    var takenPenalty: UInt8

    static let lx6 = XtensaCalibration(load: 2, multiply: 2, takenPenalty: 3)
    static let lx7 = XtensaCalibration(load: 1, multiply: 1, takenPenalty: 2)
}

extension RegisterUsage {
    static func bitMask(_ r: Reg) -> UInt16 { 1 << UInt16(r.rawValue) }
}
