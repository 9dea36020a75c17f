import BoardProfiles

/// The System Control Space and the DWT (ARMv7-M B3.2, C1.8; ARMv6-M B3.2, C1.8):
/// SysTick, SCB, NVIC registers, and the DWT cycle counter.
struct SystemControlSpace {
    static let ccrUnalignTrap: UInt32 = 1 << 3
    static let ccrDiv0Trap: UInt32 = 1 << 4
    static let ccrStkAlign: UInt32 = 1 << 9

    let core: CoreKind
    let cpuid: UInt32
    var vtor: UInt32 = 0
    var ccr: UInt32
    var shpr1: UInt32 = 0, shpr2: UInt32 = 0, shpr3: UInt32 = 0
    var shcsr: UInt32 = 0
    var cfsr: UInt32 = 0, hfsr: UInt32 = 0, mmfar: UInt32 = 0, bfar: UInt32 = 0
    var aircr: UInt32 = 0xFA05_0000
    var scr: UInt32 = 0
    var cpacr: UInt32 = 0
    var demcr: UInt32 = 0
    var actlr: UInt32 = 0
    var csselr: UInt32 = 0
    var nvicEnabled = [UInt32](repeating: 0, count: 16)
    var nvicPriority = [UInt32](repeating: 0, count: 496)

    // DWT (C1.8): CYCCNT counts core cycles while DWT_CTRL.CYCCNTENA is set.
    var dwtCtrl: UInt32
    /// CYCCNT = cycles − cyccntBase while counting; the frozen value otherwise.
    var cyccntBase: UInt64 = 0
    var cyccntFrozen: UInt32 = 0
    var cyccntRunning = false

    // SysTick (B3.3): CSR, RVR; the counter is derived from the cycle count.
    var systickCSR: UInt32 = 0
    var systickRVR: UInt32 = 0
    /// While enabled: the counter held `anchorValue` at cycle `anchorCycle`.
    var systickAnchorCycle: UInt64 = 0
    var systickAnchorValue: UInt32 = 0
    var systickStoppedValue: UInt32 = 0
    /// Cycle at which the counter next reaches zero (nil when disabled).
    var nextSysTickFire: UInt64?

    init(core: CoreKind) {
        self.core = core
        switch core {
        case .cortexM0plus:
            cpuid = 0x410C_C601  // Cortex-M0+ r0p1 (Cortex-M0+ TRM, 4.2 Table 4-2)
            ccr = 0x0000_0208     // STKALIGN, UNALIGN_TRP read as one (ARMv6-M B3.2.8)
            dwtCtrl = 0x1000_0000 | 1 << 25  // NOCYCCNT: no cycle counter on Cortex-M0+
        case .cortexM7:
            cpuid = 0x411F_C272  // Cortex-M7 r1p2 (Cortex-M7 TRM, 3.2)
            ccr = 0x0000_0200
            dwtCtrl = 0x4000_0000
        default:
            cpuid = 0x410F_C241  // Cortex-M4 r0p1 (Cortex-M4 TRM, 4.3.1)
            ccr = 0x0000_0200
            dwtCtrl = 0x4000_0000
        }
    }

    /// SysTick counts the processor clock with CLKSOURCE = 1. With CLKSOURCE = 0 it
    /// counts an implementation-defined reference clock; sersim uses processor clock / 8
    /// (the STM32 choice, RM0385 5.2) and says so in docs/timing.md.
    var systickDivider: UInt64 { systickCSR & 4 != 0 ? 1 : 8 }

    func systickValue(now: UInt64) -> UInt32 {
        guard systickCSR & 1 != 0 else { return systickStoppedValue }
        let elapsed = (now &- systickAnchorCycle) / systickDivider
        let v = UInt64(systickAnchorValue)
        if elapsed <= v { return UInt32(v - elapsed) }
        let period = UInt64(systickRVR) + 1
        let after = (elapsed - v - 1) % period
        return UInt32(UInt64(systickRVR) - after)
    }

    mutating func restartSysTick(now: UInt64, value: UInt32) {
        systickAnchorCycle = now
        systickAnchorValue = value
        scheduleSysTick()
    }

    mutating func scheduleSysTick() {
        guard systickCSR & 1 != 0 else {
            nextSysTickFire = nil
            return
        }
        let v = UInt64(systickAnchorValue)
        if v > 0 {
            nextSysTickFire = systickAnchorCycle &+ v &* systickDivider
        } else if systickRVR > 0 {
            nextSysTickFire = systickAnchorCycle &+ (UInt64(systickRVR) + 1) &* systickDivider
        } else {
            nextSysTickFire = nil  // RVR = 0: the counter stays at zero (B3.3.3)
        }
    }

    /// The counter reached zero at `cycle`: COUNTFLAG, then reload and count again.
    mutating func sysTickFired(at cycle: UInt64) {
        systickCSR |= 1 << 16
        systickAnchorCycle = cycle
        systickAnchorValue = 0
        scheduleSysTick()
    }

    mutating func recordFault(_ f: GuestFault) {
        hfsr |= 1 << 30  // FORCED: escalated to HardFault
        switch f.kind {
        case .undefinedInstruction: cfsr |= 1 << 16  // UFSR.UNDEFINSTR
        case .invalidState: cfsr |= 1 << 17  // INVSTATE
        case .invalidExceptionReturn: cfsr |= 1 << 18  // INVPC
        case .unalignedAccess: cfsr |= 1 << 24  // UNALIGNED
        case .divideByZero: cfsr |= 1 << 25  // DIVBYZERO
        case .busError where f.onFetch:
            cfsr |= 1 << 8  // IBUSERR: no BFAR for instruction fetches
        case .busError, .writeToReadOnly, .stackOverflow:
            cfsr |= 1 << 9 | 1 << 15  // PRECISERR, BFARVALID
            if let a = f.address { bfar = a }
        case .executeNever:
            // Execute Never region of the default memory map: MemManage IACCVIOL (B3.1).
            cfsr |= 1 << 0
        default: break
        }
    }
}

extension Machine {
    /// Reads in the Private Peripheral Bus: SCS (0xE000E000–0xE000EFFF) and DWT
    /// (0xE0001000–0xE0001FFF).
    func readSystem(_ a: UInt32, _ bytes: UInt32) throws -> UInt32 {
        let word = try readSystemWord(a & ~3)
        let shift = (a & 3) * 8
        switch bytes {
        case 1: return (word >> shift) & 0xFF
        case 2: return (word >> shift) & 0xFFFF
        default: return word
        }
    }

    private func readSystemWord(_ a: UInt32) throws -> UInt32 {
        let now = timer.cycles
        switch a {
        case 0xE000_1000: return scs.dwtCtrl | (scs.cyccntRunning ? 1 : 0)
        case 0xE000_1004:
            guard board.core.kind != .cortexM0plus else { return 0 }  // NOCYCCNT
            return scs.cyccntRunning ? UInt32(truncatingIfNeeded: now &- scs.cyccntBase) : scs.cyccntFrozen
        // DWT_LSR (CoreSight lock status): 0, no software lock. Cortex-M7 parts implement
        // one (firmware writes 0xC5ACCE55 to DWT_LAR before enabling CYCCNT); sersim's DWT
        // is always unlocked, so such firmware and firmware that skips the unlock both run.
        case 0xE000_1FB4: return 0
        case 0xE000_E004: return arch == .v6m ? 0 : 0  // ICTR: interrupt lines in groups of 32
        case 0xE000_E008: return scs.actlr
        case 0xE000_E010:
            let v = scs.systickCSR
            // COUNTFLAG clears on read (B3.3.3).
            if v & (1 << 16) != 0 { scs.systickCSR &= ~(1 << 16) }
            if v & 1 != 0, let fire = scs.nextSysTickFire, fire <= now {
                return v | 1 << 16
            }
            return v
        case 0xE000_E014: return scs.systickRVR
        case 0xE000_E018: return scs.systickValue(now: now)
        case 0xE000_E01C: return 1 << 30  // CALIB: SKEW, no reference calibration value
        case 0xE000_E100..<0xE000_E140: return scs.nvicEnabled[Int((a - 0xE000_E100) / 4)]
        case 0xE000_E180..<0xE000_E1C0: return scs.nvicEnabled[Int((a - 0xE000_E180) / 4)]
        case 0xE000_E200..<0xE000_E240, 0xE000_E280..<0xE000_E2C0:
            let base = a >= 0xE000_E280 ? 0xE000_E280 : 0xE000_E200
            let k = UInt64((a - UInt32(base)) / 4)
            return k == 0 ? UInt32(truncatingIfNeeded: exceptions.pending >> 16) : 0
        case 0xE000_E300..<0xE000_E340: return 0
        case 0xE000_E400..<0xE000_E5F0:
            let k = Int(a - 0xE000_E400)
            return scs.nvicPriority[k] | scs.nvicPriority[k + 1] << 8 | scs.nvicPriority[k + 2] << 16
                | scs.nvicPriority[k + 3] << 24
        case 0xE000_ED00: return scs.cpuid
        case 0xE000_ED04:
            var v = ipsr & 0x1FF
            if exceptions.pending & (1 << 15) != 0 { v |= 1 << 26 }
            if exceptions.pending & (1 << 14) != 0 { v |= 1 << 28 }
            if exceptions.pending != 0 { v |= 1 << 22 }
            return v
        case 0xE000_ED08: return scs.vtor
        case 0xE000_ED0C: return scs.aircr
        case 0xE000_ED10: return scs.scr
        case 0xE000_ED14: return scs.ccr
        case 0xE000_ED18: return arch == .v6m ? 0 : scs.shpr1
        case 0xE000_ED1C: return scs.shpr2
        case 0xE000_ED20: return scs.shpr3
        case 0xE000_ED24: return scs.shcsr
        // ARMv6-M has no fault status registers (the Cortex-M0+ reads them as zero).
        case 0xE000_ED28: return arch == .v6m ? 0 : scs.cfsr
        case 0xE000_ED2C: return arch == .v6m ? 0 : scs.hfsr
        case 0xE000_ED30: return 0  // DFSR
        case 0xE000_ED34: return arch == .v6m ? 0 : scs.mmfar
        case 0xE000_ED38: return arch == .v6m ? 0 : scs.bfar
        case 0xE000_ED88: return scs.cpacr
        case 0xE000_ED78 where board.core.kind == .cortexM7: return 0x0900_0003  // CLIDR: L1 I and D
        case 0xE000_ED7C where board.core.kind == .cortexM7: return 0x8303_C003  // CTR: 32-byte lines
        case 0xE000_ED80 where board.core.kind == .cortexM7: return cacheSizeID(instruction: scs.csselr & 1 != 0)
        case 0xE000_ED84 where board.core.kind == .cortexM7: return scs.csselr
        case 0xE000_EDF0: return 0  // DHCSR: no debugger attached
        case 0xE000_EDFC: return scs.demcr
        case 0xE000_ED40..<0xE000_ED80: return idRegister(a)
        case 0xE000_EF34, 0xE000_EF38: return 0  // FPCCR, FPCAR: lazy stacking off
        default:
            throw GuestFault(.busError, address: a,
                             "read of system register 0x\(hex(a)), which sersim does not model "
                                 + "(it models SysTick, SCB, NVIC enables/priorities and DWT CYCCNT)")
        }
    }

    func writeSystem(_ a: UInt32, _ v: UInt32, _ bytes: UInt32) throws {
        var value = v
        if bytes < 4 {
            // Byte/halfword writes merge into the word (priority registers are byte-accessible).
            let old = (try? readSystemWord(a & ~3)) ?? 0
            let shift = (a & 3) * 8
            let mask: UInt32 = (bytes == 1 ? 0xFF : 0xFFFF) << shift
            value = (old & ~mask) | ((v << shift) & mask)
        }
        try writeSystemWord(a & ~3, value)
    }

    private func writeSystemWord(_ a: UInt32, _ v: UInt32) throws {
        let now = timer.cycles
        switch a {
        case 0xE000_1000:
            guard board.core.kind != .cortexM0plus else { return }
            let enable = v & 1 != 0
            if enable && !scs.cyccntRunning {
                scs.cyccntBase = now &- UInt64(scs.cyccntFrozen)
            } else if !enable && scs.cyccntRunning {
                scs.cyccntFrozen = UInt32(truncatingIfNeeded: now &- scs.cyccntBase)
            }
            scs.cyccntRunning = enable
        case 0xE000_1004:
            guard board.core.kind != .cortexM0plus else { return }
            scs.cyccntFrozen = v
            scs.cyccntBase = now &- UInt64(v)
        case 0xE000_1FB0: return  // DWT_LAR: accepted; no lock to open (see DWT_LSR above)
        case 0xE000_E008: scs.actlr = v
        case 0xE000_E010:
            let wasEnabled = scs.systickCSR & 1 != 0
            let current = scs.systickValue(now: now)
            scs.systickCSR = (scs.systickCSR & (1 << 16)) | (v & 7)
            if v & 1 != 0 && !wasEnabled {
                scs.restartSysTick(now: now, value: scs.systickStoppedValue)
            } else if v & 1 == 0 && wasEnabled {
                scs.systickStoppedValue = current
                scs.nextSysTickFire = nil
            } else if v & 1 != 0 {
                scs.restartSysTick(now: now, value: current)
            }
            requestEventCheck()
        case 0xE000_E014: scs.systickRVR = v & 0x00FF_FFFF
        case 0xE000_E018:
            // Any write clears the counter and COUNTFLAG (B3.3.4).
            scs.systickCSR &= ~(1 << 16)
            scs.systickStoppedValue = 0
            if scs.systickCSR & 1 != 0 { scs.restartSysTick(now: now, value: 0) }
            requestEventCheck()
        case 0xE000_E100..<0xE000_E140: scs.nvicEnabled[Int((a - 0xE000_E100) / 4)] |= v
        case 0xE000_E180..<0xE000_E1C0: scs.nvicEnabled[Int((a - 0xE000_E180) / 4)] &= ~v
        case 0xE000_E200..<0xE000_E240:
            if a == 0xE000_E200 { exceptions.pending |= UInt64(v) << 16; requestEventCheck() }
        case 0xE000_E280..<0xE000_E2C0:
            if a == 0xE000_E280 { exceptions.pending &= ~(UInt64(v) << 16) }
        case 0xE000_E400..<0xE000_E5F0:
            let k = Int(a - 0xE000_E400)
            for j in 0..<4 { scs.nvicPriority[k + j] = (v >> UInt32(8 * j)) & 0xFF }
        case 0xE000_ED04:  // ICSR: PENDSVSET/CLR, PENDSTSET/CLR, NMIPENDSET
            if v & (1 << 28) != 0 { pend(ExceptionNumber.pendSV) }
            if v & (1 << 27) != 0 { exceptions.pending &= ~(1 << 14) }
            if v & (1 << 26) != 0 { pend(ExceptionNumber.sysTick) }
            if v & (1 << 25) != 0 { exceptions.pending &= ~(1 << 15) }
            if v & (1 << 31) != 0 { pend(ExceptionNumber.nmi) }
        case 0xE000_ED08: scs.vtor = v & 0xFFFF_FF80
        case 0xE000_ED0C:
            guard v >> 16 == 0x05FA else { return }  // VECTKEY
            scs.aircr = 0xFA05_0000 | (v & 0x700)
            if v & 4 != 0 {
                // SYSRESETREQ: the firmware asked for a reset; stop like a debugger would.
                throw GuestFault(.lockup, "the firmware requested a system reset (AIRCR.SYSRESETREQ)")
            }
        case 0xE000_ED10: scs.scr = v & 0x16
        case 0xE000_ED14:
            // Writable: NONBASETHRDENA, USERSETMPEND, UNALIGN_TRP, DIV_0_TRP, BFHFNMIGN,
            // STKALIGN; on Cortex-M7 also DC, IC, BP (the cache enables, Cortex-M7 TRM 4.1).
            if arch != .v6m { scs.ccr = v & (board.core.kind == .cortexM7 ? 0x7_031B : 0x31B) }
            updateAlignment()
            timer.setCacheEnables(ccr: scs.ccr)
        case 0xE000_ED84: scs.csselr = v & 1
        case 0xE000_EF50...0xE000_EF78 where board.core.kind == .cortexM7:
            return  // cache and branch-predictor maintenance: no architectural state to change
        case 0xE000_ED18: scs.shpr1 = v
        case 0xE000_ED1C: scs.shpr2 = v; requestEventCheck()
        case 0xE000_ED20: scs.shpr3 = v; requestEventCheck()
        case 0xE000_ED24: scs.shcsr = v
        case 0xE000_ED28: scs.cfsr &= ~v  // write-one-to-clear
        case 0xE000_ED2C: scs.hfsr &= ~v
        case 0xE000_ED34: scs.mmfar = v
        case 0xE000_ED38: scs.bfar = v
        case 0xE000_ED88: scs.cpacr = v
        case 0xE000_EDF0, 0xE000_EDF4, 0xE000_EDF8: return  // debug registers: no debugger
        case 0xE000_EDFC: scs.demcr = v
        case 0xE000_EF00:  // STIR: software trigger interrupt
            pend(16 + (v & 0x1FF))
        case 0xE000_EF34, 0xE000_EF38: return
        case 0xE000_ED90..<0xE000_EDC0: return  // MPU: accepted, not enforced (no MPU model)
        default:
            throw GuestFault(.busError, address: a,
                             "write to system register 0x\(hex(a)), which sersim does not model "
                                 + "(it models SysTick, SCB, NVIC enables/priorities and DWT CYCCNT)")
        }
    }

    /// CCSIDR (Cortex-M7 TRM 4.1.4) from the board's cache geometry, so that CMSIS's
    /// SCB_EnableDCache/SCB_EnableICache loops run over the right sets and ways.
    private func cacheSizeID(instruction: Bool) -> UInt32 {
        guard let c = instruction ? board.memorySystem.icache : board.memorySystem.dcache,
              c.ways > 0, c.lineBytes >= 16 else { return 0 }
        let sets = UInt32(c.sizeBytes / (c.ways * c.lineBytes))
        let lineCode = UInt32((c.lineBytes / 4).trailingZeroBitCount - 2)
        let policy: UInt32 = instruction ? 0x2000_0000 : 0xF000_0000
        return policy | (sets - 1) << 13 | UInt32(c.ways - 1) << 3 | lineCode
    }

    private func idRegister(_ a: UInt32) -> UInt32 {
        // ID_PFR0 ... ID_ISAR4 (B4.2): values of the Cortex-M4/M7 TRMs.
        switch a {
        case 0xE000_ED40: return 0x0000_0030
        case 0xE000_ED44: return 0x0000_0200
        case 0xE000_ED48: return 0x0010_0000
        case 0xE000_ED4C: return 0
        case 0xE000_ED50: return 0x0010_0030
        case 0xE000_ED60: return board.core.dsp ? 0x0110_1110 : 0x0110_1110
        case 0xE000_ED64: return 0x0211_2000
        case 0xE000_ED68: return board.core.dsp ? 0x2123_2231 : 0x2111_2231
        case 0xE000_ED6C: return board.core.dsp ? 0x0111_1131 : 0x0111_0131
        case 0xE000_ED70: return 0x0131_0132
        default: return 0
        }
    }
}
