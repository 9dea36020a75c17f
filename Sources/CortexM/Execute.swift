import ThumbISA

// The executor: a switch over `Op` in two parts — `execute` for the operations compiled
// code runs most, `executeOther` for the rest. Each case names the instruction and the
// ARMv7-M ARM (DDI 0403E) section whose pseudocode it follows. Cases update registers,
// flags and memory and report what they did in `record`; they never count cycles.

extension Machine {
    /// Out of line on purpose: inlined into the hot loop, this switch made that function
    /// so large that the optimiser stopped inlining into it — the timing model's
    /// `retire` and the small helpers below became calls (docs/benchmarks.md: 142 → 194 M
    /// instructions/s when this moved out).
    ///
    /// Kept small on purpose too: the Swift optimiser stops inlining into a function that
    /// has grown past a few hundred blocks, even `@inline(__always)` helpers. With every
    /// operation in one switch, `shiftedValue`, `Condition.rawValue` and the record's
    /// `branched` setter stayed calls in the hottest cases. Before moving an operation
    /// here, check the release build's `execute` for calls to such helpers
    /// (docs/benchmarks.md, "Emulator speed").
    @inline(never)
    func execute(_ i: IRef, _ next: inout UInt32) throws {
        switch i.op {
        // MARK: Branches (A7.7.12, A7.7.18, A7.7.19, A7.7.20, A7.7.21, A7.7.185)
        case .b:
            if i.cond == .al || conditionPassed(i.condBits) {
                next = r[15] &+ i.imm
                noteBranched()
                if next == pc { try checkSelfLoop() }
            }
        case .bl:
            r[14] = next | 1
            next = r[15] &+ i.imm
            noteBranched()
        case .bx:
            try bxWritePC(reg(i.rm), &next)

        // MARK: Data processing, immediate (A7.7.x (immediate))
        case .andImm:  // AND{S} <Rd>, <Rn>, #<const>  (A7.7.8)
            try logicalImm(i, reg(i.rn) & i.imm, &next)
        case .eorImm:  // EOR{S} (A7.7.35)
            try logicalImm(i, reg(i.rn) ^ i.imm, &next)
        case .orrImm:  // ORR{S} (A7.7.87)
            try logicalImm(i, reg(i.rn) | i.imm, &next)
        case .ornImm:  // ORN{S} (A7.7.85)
            try logicalImm(i, reg(i.rn) | ~i.imm, &next)
        case .bicImm:  // BIC{S} (A7.7.15)
            try logicalImm(i, reg(i.rn) & ~i.imm, &next)
        case .movImm:  // MOV{S} <Rd>, #<const>; MOVW (A7.7.75)
            try logicalImm(i, i.imm, &next)
        case .mvnImm:  // MVN{S} (A7.7.84)
            try logicalImm(i, ~i.imm, &next)
        case .addImm:  // ADD{S} <Rd>, <Rn>, #<const>; ADDW; ADD SP (A7.7.3, A7.7.5)
            arith(i, reg(i.rn), i.imm, false, &next)
        case .adcImm:  // ADC{S} (A7.7.1)
            arith(i, reg(i.rn), i.imm, flagC, &next)
        case .subImm:  // SUB{S}; SUBW; SUB SP (A7.7.174, A7.7.176)
            arith(i, reg(i.rn), ~i.imm, true, &next)
        case .sbcImm:  // SBC{S} (A7.7.124)
            arith(i, reg(i.rn), ~i.imm, flagC, &next)
        case .rsbImm:  // RSB{S} <Rd>, <Rn>, #<const>; NEGS (A7.7.119)
            arith(i, ~reg(i.rn), i.imm, true, &next)
        case .tstImm:  // TST <Rn>, #<const> (A7.7.188)
            testImm(i, reg(i.rn) & i.imm)
        case .teqImm:  // TEQ (A7.7.186)
            testImm(i, reg(i.rn) ^ i.imm)
        case .cmpImm:  // CMP <Rn>, #<const> (A7.7.27)
            compare(reg(i.rn), ~i.imm, true)
        case .cmnImm:  // CMN (A7.7.25)
            compare(reg(i.rn), i.imm, false)
        case .movt:  // MOVT <Rd>, #<imm16> (A7.7.78)
            setReg(i.rd, i.imm << 16 | (reg(i.rd) & 0xFFFF), &next)
        case .adr:  // ADR <Rd>, <label> (A7.7.7): Align(PC, 4) ± imm
            setReg(i.rd, (r[15] & ~3) &+ i.imm, &next)

        // MARK: Data processing, register
        case .andReg:  // AND{S} <Rd>, <Rn>, <Rm>{, <shift>} (A7.7.9)
            let (op2, c) = shifted(i)
            try logicalReg(i, reg(i.rn) & op2, c, &next)
        case .eorReg:  // A7.7.36
            let (op2, c) = shifted(i)
            try logicalReg(i, reg(i.rn) ^ op2, c, &next)
        case .orrReg:  // A7.7.88
            let (op2, c) = shifted(i)
            try logicalReg(i, reg(i.rn) | op2, c, &next)
        case .ornReg:  // A7.7.86
            let (op2, c) = shifted(i)
            try logicalReg(i, reg(i.rn) | ~op2, c, &next)
        case .bicReg:  // A7.7.16
            let (op2, c) = shifted(i)
            try logicalReg(i, reg(i.rn) & ~op2, c, &next)
        case .movReg:  // MOV{S} <Rd>, <Rm>; LSL/LSR/ASR/ROR/RRX #imm (A7.7.76, A7.7.67...)
            if setsFlags(i) {
                let (op2, c) = shifted(i)
                try logicalReg(i, op2, c, &next)
            } else {
                setReg(i.rd, shiftedValue(i), &next)
            }
        case .mvnReg:  // A7.7.85
            let (op2, c) = shifted(i)
            try logicalReg(i, ~op2, c, &next)
        case .addReg:  // ADD{S} <Rd>, <Rn>, <Rm>{, <shift>} (A7.7.4, A7.7.6)
            arith(i, reg(i.rn), shiftedValue(i), false, &next)
        case .adcReg:  // A7.7.2
            arith(i, reg(i.rn), shiftedValue(i), flagC, &next)
        case .subReg:  // A7.7.175, A7.7.177
            arith(i, reg(i.rn), ~shiftedValue(i), true, &next)
        case .sbcReg:  // A7.7.125
            arith(i, reg(i.rn), ~shiftedValue(i), flagC, &next)
        case .rsbReg:  // A7.7.120
            arith(i, ~reg(i.rn), shiftedValue(i), true, &next)
        case .tstReg:  // A7.7.189
            let (op2, c) = shifted(i)
            let v = reg(i.rn) & op2
            setNZ(v)
            flagC = c
        case .teqReg:  // A7.7.187
            let (op2, c) = shifted(i)
            let v = reg(i.rn) ^ op2
            setNZ(v)
            flagC = c
        case .cmpReg:  // A7.7.28
            compare(reg(i.rn), ~shiftedValue(i), true)
        case .cmnReg:  // A7.7.26
            compare(reg(i.rn), shiftedValue(i), false)
        case .shiftReg:  // LSL/LSR/ASR/ROR{S} <Rd>, <Rn>, <Rm> (A7.7.68, A7.7.70, A7.7.11, A7.7.117)
            let (v, c) = shiftC(reg(i.rn), i.shiftType, reg(i.rm) & 0xFF, flagC)
            setReg(i.rd, v, &next)
            if setsFlags(i) {
                setNZ(v)
                flagC = c
            }

        // MARK: Multiply and divide (A7.7.74, A7.7.73, A7.7.79, A7.7.138...)
        case .mul:  // MUL{S} <Rd>, <Rn>, <Rm>: N, Z only
            let v = reg(i.rn) &* reg(i.rm)
            setReg(i.rd, v, &next)
            if setsFlags(i) { setNZ(v) }

        // MARK: DSP multiplies (ARMv7E-M)
        case .smlad, .smuad, .smlsd, .smusd:  // A7.7.132, A7.7.154, A7.7.139, A7.7.158
            let n = reg(i.rn)
            let m = i.flags.contains(.swap) ? ror(reg(i.rm), 16) : reg(i.rm)
            let p1 = Int64(sext16(n) &* sext16(m))
            let p2 = Int64(sext16(n >> 16) &* sext16(m >> 16))
            let sub = i.op == .smlsd || i.op == .smusd
            let acc = (i.op == .smlad || i.op == .smlsd) ? s32(reg(i.ra)) : 0
            let v = (sub ? p1 - p2 : p1 + p2) + acc
            setReg(i.rd, UInt32(truncatingIfNeeded: v), &next)
            if v != Int64(Int32(truncatingIfNeeded: v)) { flagQ = true }

        // MARK: Extend, bitfield, bit operations
        case .sxtb16, .sxtab16:  // A7.7.183, A7.7.180
            let v = ror(reg(i.rm), UInt32(i.imm2))
            var lo = UInt32(bitPattern: sext8(v)) & 0xFFFF
            var hi = UInt32(bitPattern: sext8(v >> 16)) & 0xFFFF
            if i.op == .sxtab16 {
                let n = reg(i.rn)
                lo = (lo &+ n) & 0xFFFF
                hi = (hi &+ (n >> 16)) & 0xFFFF
            }
            setReg(i.rd, hi << 16 | lo, &next)

        // MARK: Loads and stores
        case .ldrImm, .ldrt:  // LDR <Rt>, [<Rn>, #±imm]{!} / [<Rn>], #±imm (A7.7.43)
            let (addr, wb) = immAddress(i)
            let v = try read32(addr)
            writeBack(i, wb)
            try loadResult(i.rt, v, &next)
        case .ldrbImm, .ldrbt:
            let (addr, wb) = immAddress(i)
            let v = try read8(addr)
            writeBack(i, wb)
            r[Int(i.rt.rawValue)] = v
        case .ldrsbImm, .ldrsbt:
            let (addr, wb) = immAddress(i)
            let v = UInt32(bitPattern: sext8(try read8(addr)))
            writeBack(i, wb)
            r[Int(i.rt.rawValue)] = v
        case .strImm, .strt:  // STR (A7.7.161)
            let (addr, wb) = immAddress(i)
            try write32(addr, reg(i.rt))
            writeBack(i, wb)
        case .strbImm, .strbt:
            let (addr, wb) = immAddress(i)
            try write8(addr, reg(i.rt))
            writeBack(i, wb)
        case .ldrReg:  // LDR <Rt>, [<Rn>, <Rm>{, LSL #n}] (A7.7.45)
            try loadResult(i.rt, try read32(regAddress(i)), &next)
        case .ldrbReg:
            r[Int(i.rt.rawValue)] = try read8(regAddress(i))
        case .ldrsbReg:
            r[Int(i.rt.rawValue)] = UInt32(bitPattern: sext8(try read8(regAddress(i))))
        case .strbReg:
            try write8(regAddress(i), reg(i.rt))

        // MARK: More loads, stores and extends
        case .mla:
            setReg(i.rd, reg(i.ra) &+ reg(i.rn) &* reg(i.rm), &next)
        case .sxtb:  // A7.7.182
            setReg(i.rd, UInt32(bitPattern: sext8(ror(reg(i.rm), UInt32(i.imm2)))), &next)
        case .sxth:  // A7.7.184
            setReg(i.rd, UInt32(bitPattern: sext16(ror(reg(i.rm), UInt32(i.imm2)))), &next)
        case .uxtb:  // A7.7.221
            setReg(i.rd, ror(reg(i.rm), UInt32(i.imm2)) & 0xFF, &next)
        case .uxth:  // A7.7.223
            setReg(i.rd, ror(reg(i.rm), UInt32(i.imm2)) & 0xFFFF, &next)
        case .uxtab:
            setReg(i.rd, reg(i.rn) &+ (ror(reg(i.rm), UInt32(i.imm2)) & 0xFF), &next)
        case .ldrhImm, .ldrht:
            let (addr, wb) = immAddress(i)
            let v = try read16(addr)
            writeBack(i, wb)
            r[Int(i.rt.rawValue)] = v
        case .strhImm, .strht:
            let (addr, wb) = immAddress(i)
            try write16(addr, reg(i.rt))
            writeBack(i, wb)
        case .ldrhReg:
            r[Int(i.rt.rawValue)] = try read16(regAddress(i))
        case .strReg:
            try write32(regAddress(i), reg(i.rt))
        case .strhReg:
            try write16(regAddress(i), reg(i.rt))
        case .ldrLit:  // LDR <Rt>, <label> (A7.7.44): Align(PC, 4) ± imm
            try loadResult(i.rt, try read32(literalAddress(i)), &next)
        case .ldm:
            var a = reg(i.rn)
            let count = UInt32(i.list.nonzeroBitCount)
            if a & 3 != 0 { throw GuestFault(.unalignedAccess, address: a, "LDM from an unaligned address") }
            var list = i.list & 0x7FFF
            var values: (UInt32, Bool) = (0, false)
            while list != 0 {
                let k = list.trailingZeroBitCount
                r[k] = try read32(a)
                a &+= 4
                list &= list &- 1
            }
            if i.list & 0x8000 != 0 { values = (try read32(a), true) }
            if i.flags.contains(.wback) { r[Int(i.rn.rawValue)] = reg(i.rn) &+ 4 &* count }
            if values.1 { try loadWritePC(values.0, &next) }
        case .stm:
            var a = reg(i.rn)
            if a & 3 != 0 { throw GuestFault(.unalignedAccess, address: a, "STM to an unaligned address") }
            let count = UInt32(i.list.nonzeroBitCount)
            var list = i.list
            while list != 0 {
                let k = list.trailingZeroBitCount
                try write32(a, r[k])
                a &+= 4
                list &= list &- 1
            }
            if i.flags.contains(.wback) { r[Int(i.rn.rawValue)] = reg(i.rn) &+ 4 &* count }
        case .stmdb:  // STMDB; PUSH
            let count = UInt32(i.list.nonzeroBitCount)
            let start = reg(i.rn) &- 4 &* count
            if start & 3 != 0 { throw GuestFault(.unalignedAccess, address: start, "STMDB to an unaligned address") }
            var a = start
            var list = i.list
            while list != 0 {
                let k = list.trailingZeroBitCount
                try write32(a, r[k])
                a &+= 4
                list &= list &- 1
            }
            if i.flags.contains(.wback) { r[Int(i.rn.rawValue)] = start }
        case .blx:
            let target = reg(i.rm)
            r[14] = next | 1
            try bxWritePC(target, &next)
        case .cbz:
            if reg(i.rn) == 0 {
                next = r[15] &+ i.imm
                noteBranched()
            }
        case .cbnz:
            if reg(i.rn) != 0 {
                next = r[15] &+ i.imm
                noteBranched()
            }
        // Every other operation by name, not `default`: with the switch exhaustive the
        // dispatch is one jump-table look-up with no range test in front of it.
        case .undefined, .mls, .smull, .umull, .smlal, .umlal, .umaal, .sdiv, .udiv, .smlaxy, .smulxy,
             .smlawy, .smulwy, .smlalxy, .smlald, .smlsld, .smmul, .smmla, .smmls, .usad8, .usada8,
             .parallel, .ssat, .usat, .ssat16, .usat16, .qadd, .qsub, .qdadd, .qdsub, .uxtb16, .sxtab,
             .sxtah, .uxtah, .uxtab16, .bfc, .bfi, .sbfx, .ubfx, .clz, .rbit, .rev, .rev16, .revsh, .sel,
             .pkh, .ldrshImm, .ldrshReg, .ldrbLit, .ldrhLit, .ldrsbLit, .ldrshLit, .ldrsht, .ldrd, .strd,
             .ldrdLit, .ldrex, .ldrexb, .ldrexh, .strex, .strexb, .strexh, .clrex, .pld, .pli, .ldmdb,
             .tbb, .tbh, .it, .nop, .yield, .wfe, .wfi, .sev, .dmb, .dsb, .isb, .mrs, .msr, .cps, .svc,
             .bkpt, .udf:
            try executeOther(i, &next)
        }
    }

    /// The operations `execute` leaves out: rarely executed, or too large to keep
    /// `execute` small (see there).
    @inline(never)
    func executeOther(_ i: IRef, _ next: inout UInt32) throws {
        switch i.op {
        // MARK: Multiply and divide (A7.7.74, A7.7.73, A7.7.79, A7.7.138...)
        case .mls:
            setReg(i.rd, reg(i.ra) &- reg(i.rn) &* reg(i.rm), &next)
        case .smull:
            let p = UInt64(bitPattern: s32(reg(i.rn)) &* s32(reg(i.rm)))
            writeLong(i, p)
        case .umull:
            writeLong(i, UInt64(reg(i.rn)) &* UInt64(reg(i.rm)))
        case .smlal:
            let p = UInt64(bitPattern: s32(reg(i.rn)) &* s32(reg(i.rm)))
            writeLong(i, p &+ readLong(i))
        case .umlal:
            writeLong(i, UInt64(reg(i.rn)) &* UInt64(reg(i.rm)) &+ readLong(i))
        case .umaal:  // RdHi:RdLo = Rn * Rm + RdHi + RdLo (A7.7.203)
            writeLong(i, UInt64(reg(i.rn)) &* UInt64(reg(i.rm)) &+ UInt64(reg(i.rdHi)) &+ UInt64(reg(i.rdLo)))
        case .sdiv:  // A7.7.127: divide by zero gives 0 unless CCR.DIV_0_TRP
            let n = reg(i.rn), m = reg(i.rm)
            if m == 0 {
                if scs.ccr & SystemControlSpace.ccrDiv0Trap != 0 {
                    throw GuestFault(.divideByZero, "SDIV by zero with CCR.DIV_0_TRP set")
                }
                setReg(i.rd, 0, &next)
                record.quotientBits = 0
            } else if n == 0x8000_0000 && m == 0xFFFF_FFFF {
                setReg(i.rd, 0x8000_0000, &next)
                record.quotientBits = 32
            } else {
                let q = Int32(bitPattern: n) / Int32(bitPattern: m)
                setReg(i.rd, UInt32(bitPattern: q), &next)
                record.quotientBits = UInt8(32 - q.magnitude.leadingZeroBitCount)
            }
        case .udiv:  // A7.7.195
            let n = reg(i.rn), m = reg(i.rm)
            if m == 0 {
                if scs.ccr & SystemControlSpace.ccrDiv0Trap != 0 {
                    throw GuestFault(.divideByZero, "UDIV by zero with CCR.DIV_0_TRP set")
                }
                setReg(i.rd, 0, &next)
                record.quotientBits = 0
            } else {
                let q = n / m
                setReg(i.rd, q, &next)
                record.quotientBits = UInt8(32 - q.leadingZeroBitCount)
            }

        // MARK: DSP multiplies (ARMv7E-M)
        case .smlaxy:  // SMLA<x><y> (A7.7.131): sets Q on overflow
            let p = Int64(half(reg(i.rn), i.flags.contains(.nHigh))) * Int64(half(reg(i.rm), i.flags.contains(.mHigh)))
            let v = p + s32(reg(i.ra))
            setReg(i.rd, UInt32(truncatingIfNeeded: v), &next)
            if v != Int64(Int32(truncatingIfNeeded: v)) { flagQ = true }
        case .smulxy:  // SMUL<x><y> (A7.7.155)
            let p = half(reg(i.rn), i.flags.contains(.nHigh)) &* half(reg(i.rm), i.flags.contains(.mHigh))
            setReg(i.rd, UInt32(bitPattern: p), &next)
        case .smlawy:  // SMLAW<y> (A7.7.136)
            let v = s32(reg(i.rn)) * Int64(half(reg(i.rm), i.flags.contains(.mHigh))) + (s32(reg(i.ra)) << 16)
            let d = UInt32(truncatingIfNeeded: v >> 16)
            setReg(i.rd, d, &next)
            if (v >> 16) != Int64(Int32(bitPattern: d)) { flagQ = true }
        case .smulwy:  // SMULW<y> (A7.7.156)
            let v = s32(reg(i.rn)) * Int64(half(reg(i.rm), i.flags.contains(.mHigh)))
            setReg(i.rd, UInt32(truncatingIfNeeded: v >> 16), &next)
        case .smlalxy:  // SMLAL<x><y> (A7.7.134)
            let p = Int64(half(reg(i.rn), i.flags.contains(.nHigh)) &* half(reg(i.rm), i.flags.contains(.mHigh)))
            writeLong(i, readLong(i) &+ UInt64(bitPattern: p))
        case .smlald, .smlsld:  // A7.7.135, A7.7.140
            let n = reg(i.rn)
            let m = i.flags.contains(.swap) ? ror(reg(i.rm), 16) : reg(i.rm)
            let p1 = Int64(sext16(n) &* sext16(m))
            let p2 = Int64(sext16(n >> 16) &* sext16(m >> 16))
            let v = i.op == .smlald ? p1 &+ p2 : p1 &- p2
            writeLong(i, readLong(i) &+ UInt64(bitPattern: v))
        case .smmul, .smmla, .smmls:  // A7.7.143, A7.7.141, A7.7.142
            let p = s32(reg(i.rn)) &* s32(reg(i.rm))
            var v: Int64
            switch i.op {
            case .smmla: v = (s32(reg(i.ra)) << 32) &+ p
            case .smmls: v = (s32(reg(i.ra)) << 32) &- p
            default: v = p
            }
            if i.flags.contains(.round) { v = v &+ 0x8000_0000 }
            setReg(i.rd, UInt32(truncatingIfNeeded: v >> 32), &next)
        case .usad8, .usada8:  // A7.7.211, A7.7.212
            let n = reg(i.rn), m = reg(i.rm)
            var sum: UInt32 = i.op == .usada8 ? reg(i.ra) : 0
            for k in stride(from: UInt32(0), to: 32, by: 8) {
                let a = Int32((n >> k) & 0xFF), b = Int32((m >> k) & 0xFF)
                sum &+= UInt32(abs(a - b))
            }
            setReg(i.rd, sum, &next)

        // MARK: SIMD add/subtract (A7.4.5/A7.4.6)
        case .parallel:
            setReg(i.rd, parallelAddSub(ParallelOp(rawValue: i.imm2), reg(i.rn), reg(i.rm)), &next)

        // MARK: Saturation (A7.7.145, A7.7.213, A7.7.146, A7.7.214, A7.7.93...)
        case .ssat:
            let operand = shift(reg(i.rn), i.shiftType, UInt32(i.shiftAmount), flagC)
            let (v, sat) = signedSat(s32(operand), Int(i.imm2))
            setReg(i.rd, v, &next)
            if sat { flagQ = true }
        case .usat:
            let operand = shift(reg(i.rn), i.shiftType, UInt32(i.shiftAmount), flagC)
            let (v, sat) = unsignedSat(s32(operand), Int(i.imm2))
            setReg(i.rd, v, &next)
            if sat { flagQ = true }
        case .ssat16:
            let n = reg(i.rn)
            let (lo, s1) = signedSat(Int64(sext16(n)), Int(i.imm2))
            let (hi, s2) = signedSat(Int64(sext16(n >> 16)), Int(i.imm2))
            setReg(i.rd, (hi & 0xFFFF) << 16 | (lo & 0xFFFF), &next)
            if s1 || s2 { flagQ = true }
        case .usat16:
            let n = reg(i.rn)
            let (lo, s1) = unsignedSat(Int64(sext16(n)), Int(i.imm2))
            let (hi, s2) = unsignedSat(Int64(sext16(n >> 16)), Int(i.imm2))
            setReg(i.rd, hi << 16 | lo, &next)
            if s1 || s2 { flagQ = true }
        case .qadd:  // QADD <Rd>, <Rm>, <Rn>: sat(Rm + Rn)
            let (v, sat) = signedSat(s32(reg(i.rm)) + s32(reg(i.rn)), 32)
            setReg(i.rd, v, &next)
            if sat { flagQ = true }
        case .qsub:  // sat(Rm - Rn)
            let (v, sat) = signedSat(s32(reg(i.rm)) - s32(reg(i.rn)), 32)
            setReg(i.rd, v, &next)
            if sat { flagQ = true }
        case .qdadd:  // sat(Rm + sat(2 * Rn))
            let (d, s1) = signedSat(2 * s32(reg(i.rn)), 32)
            let (v, s2) = signedSat(s32(reg(i.rm)) + s32(d), 32)
            setReg(i.rd, v, &next)
            if s1 || s2 { flagQ = true }
        case .qdsub:  // sat(Rm - sat(2 * Rn))
            let (d, s1) = signedSat(2 * s32(reg(i.rn)), 32)
            let (v, s2) = signedSat(s32(reg(i.rm)) - s32(d), 32)
            setReg(i.rd, v, &next)
            if s1 || s2 { flagQ = true }

        // MARK: Extend, bitfield, bit operations
        case .sxtab:
            setReg(i.rd, reg(i.rn) &+ UInt32(bitPattern: sext8(ror(reg(i.rm), UInt32(i.imm2)))), &next)
        case .sxtah:
            setReg(i.rd, reg(i.rn) &+ UInt32(bitPattern: sext16(ror(reg(i.rm), UInt32(i.imm2)))), &next)
        case .uxtah:
            setReg(i.rd, reg(i.rn) &+ (ror(reg(i.rm), UInt32(i.imm2)) & 0xFFFF), &next)
        case .uxtb16, .uxtab16:  // A7.7.222, A7.7.219
            let v = ror(reg(i.rm), UInt32(i.imm2))
            var lo = v & 0xFF
            var hi = (v >> 16) & 0xFF
            if i.op == .uxtab16 {
                let n = reg(i.rn)
                lo = (lo &+ n) & 0xFFFF
                hi = (hi &+ (n >> 16)) & 0xFFFF
            }
            setReg(i.rd, hi << 16 | lo, &next)
        case .bfc:  // A7.7.13: clear bits msb..lsb
            let mask = bitMask(lsb: i.imm, msb: UInt32(i.imm2))
            setReg(i.rd, reg(i.rd) & ~mask, &next)
        case .bfi:  // A7.7.14
            let mask = bitMask(lsb: i.imm, msb: UInt32(i.imm2))
            setReg(i.rd, (reg(i.rd) & ~mask) | ((reg(i.rn) << i.imm) & mask), &next)
        case .sbfx:  // A7.7.126: move the field to the top, then shift it down arithmetically
            let width = UInt32(i.imm2) + 1
            let up = (32 &- i.imm &- width) & 31
            setReg(i.rd, UInt32(bitPattern: Int32(bitPattern: reg(i.rn) << up) >> Int32(32 - width)), &next)
        case .ubfx:  // A7.7.193
            let width = UInt32(i.imm2) + 1
            let mask: UInt32 = width >= 32 ? 0xFFFF_FFFF : (1 << width) - 1
            setReg(i.rd, (reg(i.rn) >> i.imm) & mask, &next)
        case .clz:  // A7.7.24
            setReg(i.rd, UInt32(reg(i.rm).leadingZeroBitCount), &next)
        case .rbit:  // A7.7.112
            var v = reg(i.rm), out: UInt32 = 0
            for _ in 0..<32 { out = out << 1 | (v & 1); v >>= 1 }
            setReg(i.rd, out, &next)
        case .rev:  // A7.7.113
            setReg(i.rd, reg(i.rm).byteSwapped, &next)
        case .rev16:  // A7.7.114
            let v = reg(i.rm)
            setReg(i.rd, (v & 0x00FF_00FF) << 8 | (v & 0xFF00_FF00) >> 8, &next)
        case .revsh:  // A7.7.115
            let v = reg(i.rm)
            let h = UInt16(truncatingIfNeeded: v).byteSwapped
            setReg(i.rd, UInt32(bitPattern: Int32(Int16(bitPattern: h))), &next)
        case .sel:  // A7.7.128: byte k from Rn if GE[k] else Rm
            let n = reg(i.rn), m = reg(i.rm)
            var out: UInt32 = 0
            for k in 0..<4 {
                let mask: UInt32 = 0xFF << UInt32(k * 8)
                out |= (ge >> UInt32(k)) & 1 != 0 ? n & mask : m & mask
            }
            setReg(i.rd, out, &next)
        case .pkh:  // PKHBT/PKHTB (A7.7.91)
            let op2 = shift(reg(i.rm), i.shiftType, UInt32(i.shiftAmount), flagC)
            let n = reg(i.rn)
            let v = i.flags.contains(.tb) ? (n & 0xFFFF_0000) | (op2 & 0xFFFF) : (op2 & 0xFFFF_0000) | (n & 0xFFFF)
            setReg(i.rd, v, &next)

        // MARK: Loads and stores
        case .ldrshImm, .ldrsht:
            let (addr, wb) = immAddress(i)
            let v = UInt32(bitPattern: sext16(try read16(addr)))
            writeBack(i, wb)
            r[Int(i.rt.rawValue)] = v
        case .ldrshReg:
            r[Int(i.rt.rawValue)] = UInt32(bitPattern: sext16(try read16(regAddress(i))))
        case .ldrbLit:
            r[Int(i.rt.rawValue)] = try read8(literalAddress(i))
        case .ldrhLit:
            r[Int(i.rt.rawValue)] = try read16(literalAddress(i))
        case .ldrsbLit:
            r[Int(i.rt.rawValue)] = UInt32(bitPattern: sext8(try read8(literalAddress(i))))
        case .ldrshLit:
            r[Int(i.rt.rawValue)] = UInt32(bitPattern: sext16(try read16(literalAddress(i))))
        case .ldrd:  // LDRD <Rt>, <Rt2>, [<Rn>, #±imm]{!} (A7.7.50): word-aligned
            let (addr, wb) = immAddress(i)
            let lo = try read32Aligned(addr)
            let hi = try read32Aligned(addr &+ 4)
            writeBack(i, wb)
            r[Int(i.rt.rawValue)] = lo
            r[Int(i.rt2.rawValue)] = hi
        case .ldrdLit:  // A7.7.51
            let addr = literalAddress(i)
            let lo = try read32Aligned(addr)
            let hi = try read32Aligned(addr &+ 4)
            r[Int(i.rt.rawValue)] = lo
            r[Int(i.rt2.rawValue)] = hi
        case .strd:  // A7.7.163
            let (addr, wb) = immAddress(i)
            try write32Aligned(addr, reg(i.rt))
            try write32Aligned(addr &+ 4, reg(i.rt2))
            writeBack(i, wb)
        case .ldrex:  // LDREX <Rt>, [<Rn>{, #imm}] (A7.7.52)
            r[Int(i.rt.rawValue)] = try read32Aligned(reg(i.rn) &+ i.imm)
            exclusiveMonitor = true
        case .ldrexb:
            r[Int(i.rt.rawValue)] = try read8(reg(i.rn))
            exclusiveMonitor = true
        case .ldrexh:
            let a = reg(i.rn)
            if a & 1 != 0 { throw GuestFault(.unalignedAccess, address: a, "LDREXH of an unaligned address") }
            r[Int(i.rt.rawValue)] = try read16(a)
            exclusiveMonitor = true
        case .strex, .strexb, .strexh:  // A7.7.167–169: Rd (in rm) = 0 on success
            let a = reg(i.rn) &+ i.imm
            if i.op == .strex && a & 3 != 0 || i.op == .strexh && a & 1 != 0 {
                throw GuestFault(.unalignedAccess, address: a, "store-exclusive to an unaligned address")
            }
            if exclusiveMonitor {
                switch i.op {
                case .strex: try write32(a, reg(i.rt))
                case .strexb: try write8(a, reg(i.rt))
                default: try write16(a, reg(i.rt))
                }
                r[Int(i.rm.rawValue)] = 0
            } else {
                r[Int(i.rm.rawValue)] = 1
            }
            exclusiveMonitor = false
        case .clrex:
            exclusiveMonitor = false
        case .pld, .pli:  // preload hints: no architectural effect
            break

        // MARK: Load/store multiple (A7.7.40, A7.7.41, A7.7.159, A7.7.160; PUSH/POP)
        case .ldmdb:
            let count = UInt32(i.list.nonzeroBitCount)
            let start = reg(i.rn) &- 4 &* count
            if start & 3 != 0 { throw GuestFault(.unalignedAccess, address: start, "LDMDB from an unaligned address") }
            var a = start
            var list = i.list & 0x7FFF
            while list != 0 {
                let k = list.trailingZeroBitCount
                r[k] = try read32(a)
                a &+= 4
                list &= list &- 1
            }
            let pcValue: UInt32? = i.list & 0x8000 != 0 ? try read32(a) : nil
            if i.flags.contains(.wback) { r[Int(i.rn.rawValue)] = start }
            if let pcValue { try loadWritePC(pcValue, &next) }
        // MARK: Branches (A7.7.12, A7.7.18, A7.7.19, A7.7.20, A7.7.21, A7.7.185)
        case .tbb:
            let offset = try read8(reg(i.rn) &+ reg(i.rm))
            next = r[15] &+ 2 &* offset
            noteBranched()
        case .tbh:
            let offset = try read16(reg(i.rn) &+ (reg(i.rm) << 1))
            next = r[15] &+ 2 &* offset
            noteBranched()

        // MARK: Control and system
        case .it:  // IT{x{y{z}}} <firstcond> (A7.7.38)
            itState = i.cond.rawValue << 4 | UInt8(i.list & 0xF)
            requestEventCheck()  // the block's instructions run outside the hot loop (runITBlock)
        case .nop, .yield, .dmb, .dsb, .isb:
            break
        case .sev:
            eventRegister = true
        case .wfe:
            if eventRegister {
                eventRegister = false
            } else {
                try sleep(untilEvent: true)
            }
        case .wfi:
            try sleep(untilEvent: false)
        case .mrs:
            setReg(i.rd, readSpecial(i.imm2), &next)
        case .msr:
            try writeSpecial(i.imm2, mask: i.imm, reg(i.rn))
        case .cps:  // CPSIE/CPSID (B5.2.1)
            let disable = i.flags.contains(.disable)
            if i.imm & 2 != 0 { primask = disable }
            if i.imm & 1 != 0 { faultmask = disable }
            requestEventCheck()
        case .svc:  // SVC #imm (A7.7.178)
            next = try enterException(ExceptionNumber.svcall, returnAddress: next)
        case .bkpt:  // BKPT #imm (A7.7.17): 0xAB is semihosting
            if i.imm == 0xAB {
                try semihostingCall()
            } else {
                stop = .breakpoint(i.imm)
                requestEventCheck()
            }
        case .udf:
            throw GuestFault(.undefinedInstruction, "UDF #\(i.imm) (permanently undefined)")
        case .undefined:
            throw GuestFault(.undefinedInstruction, undefinedDetail(i))
        default:
            preconditionFailure("\(i.op) is executed by execute")
        }
    }

    // MARK: Helpers for the cases above

    /// The shifted register operand and the shifter's carry (Shift_C, A7.4.2). Most
    /// register operands are unshifted (every 16-bit form): that case inline, the shifts
    /// in a small function of their own (keeping this one small enough to inline).
    @inline(__always)
    func shifted(_ i: IRef) -> (UInt32, Bool) {
        if i.shiftAmount == 0 && i.shiftType == .lsl { return (reg(i.rm), flagC) }
        return shiftedSlow(reg(i.rm), i.shiftType, i.shiftAmount)
    }

    /// The shifted operand without the carry (arithmetic, and logical forms that do
    /// not set flags): unshifted and LSL #n operands inline (immediate LSL amounts are
    /// 0–31), the other shifts in a small function of their own, so that each use adds
    /// few blocks to `execute` (the optimiser stops inlining into a function that has
    /// grown past a block limit, even `@inline(__always)` helpers).
    @inline(__always)
    func shiftedValue(_ i: IRef) -> UInt32 {
        if i.shiftType == .lsl { return reg(i.rm) &<< UInt32(i.shiftAmount) }
        return shiftedValueSlow(reg(i.rm), i.shiftType, UInt32(i.shiftAmount))
    }

    @inline(never)
    func shiftedValueSlow(_ v: UInt32, _ type: ShiftType, _ n: UInt32) -> UInt32 {
        switch type {
        case .lsl: return n >= 32 ? 0 : v << n
        case .lsr: return n >= 32 ? 0 : v >> n
        case .asr: return UInt32(bitPattern: Int32(bitPattern: v) >> Int32(min(n, 31)))
        case .ror: return ror(v, n)
        case .rrx: return (flagC ? 0x8000_0000 : 0) | v >> 1
        }
    }

    @inline(never)
    func shiftedSlow(_ v: UInt32, _ type: ShiftType, _ amount: UInt8) -> (UInt32, Bool) {
        shiftC(v, type, UInt32(amount), flagC)
    }

    @inline(__always)
    func logicalImm(_ i: IRef, _ v: UInt32, _ next: inout UInt32) throws {
        setReg(i.rd, v, &next)
        if setsFlags(i) {
            setNZ(v)
            if i.flags.contains(.immCarryValid) { flagC = i.flags.contains(.immCarry) }
        }
    }

    @inline(__always)
    func logicalReg(_ i: IRef, _ v: UInt32, _ carry: Bool, _ next: inout UInt32) throws {
        setReg(i.rd, v, &next)
        if setsFlags(i) {
            setNZ(v)
            flagC = carry
        }
    }

    @inline(__always)
    func arith(_ i: IRef, _ x: UInt32, _ y: UInt32, _ carry: Bool, _ next: inout UInt32) {
        let (v, c, o) = addWithCarry(x, y, carry)
        setReg(i.rd, v, &next)
        if setsFlags(i) {
            setNZ(v)
            flagC = c
            flagV = o
        }
    }

    @inline(__always)
    func compare(_ x: UInt32, _ y: UInt32, _ carry: Bool) {
        let (v, c, o) = addWithCarry(x, y, carry)
        setNZ(v)
        flagC = c
        flagV = o
    }

    @inline(__always)
    func testImm(_ i: IRef, _ v: UInt32) {
        setNZ(v)
        if i.flags.contains(.immCarryValid) { flagC = i.flags.contains(.immCarry) }
    }

    @inline(__always)
    func half(_ v: UInt32, _ high: Bool) -> Int32 { high ? sext16(v >> 16) : sext16(v) }

    @inline(__always)
    func readLong(_ i: IRef) -> UInt64 { UInt64(reg(i.rdHi)) << 32 | UInt64(reg(i.rdLo)) }

    @inline(__always)
    func writeLong(_ i: IRef, _ v: UInt64) {
        r[Int(i.rdLo.rawValue)] = UInt32(truncatingIfNeeded: v)
        r[Int(i.rdHi.rawValue)] = UInt32(truncatingIfNeeded: v >> 32)
    }

    @inline(__always)
    func bitMask(lsb: UInt32, msb: UInt32) -> UInt32 {
        guard msb >= lsb else { return 0 }
        let width = msb - lsb + 1
        return (width >= 32 ? 0xFFFF_FFFF : (1 << width) - 1) << lsb
    }

    /// Offset or pre/post-indexed immediate addressing: (address, write-back value).
    @inline(__always)
    func immAddress(_ i: IRef) -> (UInt32, UInt32) {
        let base = reg(i.rn)
        let offsetAddr = i.flags.contains(.add) ? base &+ i.imm : base &- i.imm
        return (i.flags.contains(.index) ? offsetAddr : base, offsetAddr)
    }

    @inline(__always)
    func writeBack(_ i: IRef, _ value: UInt32) {
        if i.flags.contains(.wback) { r[Int(i.rn.rawValue)] = value }
    }

    @inline(__always)
    func regAddress(_ i: IRef) -> UInt32 {
        reg(i.rn) &+ (reg(i.rm) << UInt32(i.shiftAmount))
    }

    @inline(__always)
    func literalAddress(_ i: IRef) -> UInt32 {
        let base = r[15] & ~3
        return i.flags.contains(.add) ? base &+ i.imm : base &- i.imm
    }

    /// A loaded word into Rt; into PC it is LoadWritePC (interworking, exception return).
    @inline(__always)
    func loadResult(_ t: Reg, _ v: UInt32, _ next: inout UInt32) throws {
        if t == .pc {
            try loadWritePC(v, &next)
        } else {
            r[Int(t.rawValue)] = v
        }
    }

    func loadWritePC(_ v: UInt32, _ next: inout UInt32) throws {
        try bxWritePC(v, &next)
    }

    /// BXWritePC (A2.3.1): EXC_RETURN in handler mode returns from the exception; an even
    /// address would switch to ARM state, which M-profile cores fault on (INVSTATE).
    @inline(__always)
    func bxWritePC(_ v: UInt32, _ next: inout UInt32) throws {
        noteBranched()
        if v >> 28 == 0xF && ipsr != 0 {
            next = try exceptionReturn(v)
            return
        }
        if v & 1 == 0 { throw invalidStateFault(v) }
        next = v & ~1
    }

    @inline(never)
    func invalidStateFault(_ v: UInt32) -> GuestFault {
        GuestFault(.invalidState, address: v, "interworking branch to 0x\(hex(v)) (bit 0 clear: ARM state)")
    }

    func undefinedDetail(_ i: IRef) -> String {
        if let row = i.encodingRow {
            return "\(row.name) needs \(row.arch), but \(board.name)'s \(board.core.kind.displayName) is \(arch)"
        }
        return "no \(arch) instruction has this encoding"
    }

    /// SIMD add/subtract, signed/unsigned, modulo/saturating/halving (A7.4.5, A7.4.6).
    func parallelAddSub(_ p: ParallelOp, _ n: UInt32, _ m: UInt32) -> UInt32 {
        let prefix = p.prefix
        let signed = prefix == .s || prefix == .q || prefix == .sh
        let halfword: Bool
        switch p.kind {
        case .add8, .sub8: halfword = false
        default: halfword = true
        }
        let width: UInt32 = halfword ? 16 : 8
        let lanes = halfword ? 2 : 4
        let laneMask: UInt32 = halfword ? 0xFFFF : 0xFF
        func lane(_ v: UInt32, _ k: Int) -> Int32 {
            let raw = (v >> (UInt32(k) * width)) & laneMask
            if !signed { return Int32(raw) }
            return halfword ? sext16(raw) : sext8(raw)
        }
        var result: UInt32 = 0
        var geBits: UInt32 = 0
        for k in 0..<lanes {
            // asx: lane 0 = n.lo - m.hi, lane 1 = n.hi + m.lo; sax: lane 0 = n.lo + m.hi, lane 1 = n.hi - m.lo.
            let a = lane(n, k)
            let isAdd: Bool
            let b: Int32
            switch p.kind {
            case .add16, .add8: isAdd = true; b = lane(m, k)
            case .sub16, .sub8: isAdd = false; b = lane(m, k)
            case .asx: isAdd = k == 1; b = lane(m, 1 - k)
            case .sax: isAdd = k == 0; b = lane(m, 1 - k)
            }
            let v = isAdd ? a + b : a - b
            var out: UInt32
            switch prefix {
            case .s, .u:
                out = UInt32(bitPattern: v) & laneMask
                let geSet: Bool = signed ? v >= 0 : (isAdd ? v >= Int32(1 << width) : v >= 0)
                if geSet { geBits |= (halfword ? 3 : 1) << UInt32(halfword ? 2 * k : k) }
            case .q:
                out = signedSat(Int64(v), Int(width)).0 & laneMask
            case .uq:
                out = unsignedSat(Int64(v), Int(width)).0 & laneMask
            case .sh, .uh:
                out = UInt32(bitPattern: v >> 1) & laneMask
            }
            result |= out << (UInt32(k) * width)
        }
        if prefix == .s || prefix == .u { ge = geBits }
        return result
    }
}
