import CycleTiming
import ThumbISA

/// Exception numbers (ARMv7-M B1.5.2, Table B1-4).
public enum ExceptionNumber {
    public static let reset: UInt32 = 1
    public static let nmi: UInt32 = 2
    public static let hardFault: UInt32 = 3
    public static let memManage: UInt32 = 4
    public static let busFault: UInt32 = 5
    public static let usageFault: UInt32 = 6
    public static let svcall: UInt32 = 11
    public static let debugMonitor: UInt32 = 12
    public static let pendSV: UInt32 = 14
    public static let sysTick: UInt32 = 15
}

/// Pending and active exceptions.
struct ExceptionState {
    /// Bit n: exception n is pending (system exceptions 1–15 and IRQs 16–63).
    var pending: UInt64 = 0
    /// Active exceptions, innermost last (nesting by pre-emption).
    var active: [UInt32] = []
    /// Exceptions entered since reset, and how many were tail-chained.
    var entries: UInt64 = 0
    var tailChains: UInt64 = 0
}

extension Machine {
    // MARK: Priorities (B1.5.4)

    /// Priority of an exception: negative for the fixed ones, else its SHPR/NVIC byte
    /// masked to the implemented bits.
    func priority(of n: UInt32) -> Int {
        switch n {
        case ExceptionNumber.reset: return -3
        case ExceptionNumber.nmi: return -2
        case ExceptionNumber.hardFault: return -1
        default:
            let mask: UInt32 = arch == .v6m ? 0xC0 : 0xF0
            let byte: UInt32
            switch n {
            case 4...7: byte = (scs.shpr1 >> ((n - 4) * 8)) & 0xFF
            case 8...11: byte = (scs.shpr2 >> ((n - 8) * 8)) & 0xFF
            case 12...15: byte = (scs.shpr3 >> ((n - 12) * 8)) & 0xFF
            default: byte = scs.nvicPriority[Int(n - 16) % scs.nvicPriority.count]
            }
            return Int(byte & mask)
        }
    }

    /// The current execution priority: the highest-priority active exception, boosted by
    /// PRIMASK, FAULTMASK and BASEPRI.
    var executionPriority: Int {
        var p = 256
        for n in exceptions.active { p = min(p, priority(of: n)) }
        if basepri != 0 { p = min(p, Int(basepri & (arch == .v6m ? 0xC0 : 0xF0))) }
        if primask { p = min(p, 0) }
        if faultmask { p = min(p, -1) }
        return p
    }

    /// The pending exception that would pre-empt now, if any (lowest number wins ties).
    func preemptingException() -> UInt32? {
        guard exceptions.pending != 0 else { return nil }
        var best: UInt32?
        var bestPriority = executionPriority
        var bits = exceptions.pending
        while bits != 0 {
            let n = UInt32(bits.trailingZeroBitCount)
            bits &= bits &- 1
            let p = priority(of: n)
            if p < bestPriority {
                best = n
                bestPriority = p
            }
        }
        return best
    }

    func pend(_ n: UInt32) {
        exceptions.pending |= 1 << UInt64(n)
        requestEventCheck()
    }

    /// End the hot loop after the current instruction so that `serviceEvents` runs.
    @inline(__always)
    func requestEventCheck() {
        nextEventCycle = 0
    }

    // MARK: Entry (B1.5.6) and return (B1.5.8)

    /// Stack the context and enter exception `n`; returns the handler's address.
    func enterException(_ n: UInt32, returnAddress: UInt32) throws -> UInt32 {
        let vectorAddress = scs.vtor &+ 4 &* n
        guard let vector = peek32(vectorAddress) else {
            throw GuestFault(.badVectorTable, address: vectorAddress,
                             "vector \(n) at 0x\(hex(vectorAddress)) is not in memory")
        }
        guard vector & 1 == 1, let region = board.region(containing: vector & ~1), region.executable else {
            throw GuestFault(.badVectorTable, address: vectorAddress,
                             "vector \(n) at 0x\(hex(vectorAddress)) holds 0x\(hex(vector)), not a Thumb address in executable memory")
        }
        let threadMode = ipsr == 0
        let usingPSP = threadMode && control & 2 != 0
        // 8-byte stack alignment: always on ARMv6-M, CCR.STKALIGN on ARMv7-M.
        let forceAlign = arch == .v6m || scs.ccr & SystemControlSpace.ccrStkAlign != 0
        let sp = r[13]
        let alignPad: UInt32 = forceAlign && sp & 4 != 0 ? 4 : 0
        let frame = (sp &- 0x20) & (forceAlign ? ~UInt32(7) : ~UInt32(3))
        var psr = xpsr & ~UInt32(1 << 9)
        if alignPad != 0 { psr |= 1 << 9 }
        let words: [UInt32] = [r[0], r[1], r[2], r[3], r[12], r[14], returnAddress, psr]
        do {
            for (k, w) in words.enumerated() { try write32Aligned(frame &+ UInt32(k * 4), w) }
        } catch let f as GuestFault {
            throw GuestFault(.stackOverflow, address: f.address,
                             "exception \(n) entry could not stack its frame at 0x\(hex(frame)) (\(f.detail))")
        }
        r[13] = frame
        r[14] = threadMode ? (usingPSP ? 0xFFFF_FFFD : 0xFFFF_FFF9) : 0xFFFF_FFF1
        if usingPSP {
            // Handlers run on MSP.
            let psp = r[13]
            r[13] = bankedSP
            bankedSP = psp
        }
        ipsr = n
        itState = 0
        exclusiveMonitor = false
        exceptions.pending &= ~(1 << UInt64(n))
        exceptions.active.append(n)
        exceptions.entries &+= 1
        record.exceptionEntry = true
        record.branched = true
        return vector & ~1
    }

    /// Return from the current exception with an EXC_RETURN value; returns the address
    /// execution continues at (or the next handler's, when tail-chaining).
    func exceptionReturn(_ excReturn: UInt32) throws -> UInt32 {
        let kind = excReturn & 0xF
        guard excReturn | 0xF == 0xFFFF_FFFF, kind == 0x1 || kind == 0x9 || kind == 0xD else {
            throw GuestFault(.invalidExceptionReturn, address: excReturn,
                             "EXC_RETURN 0x\(hex(excReturn)) is not 0xFFFFFFF1, 0xFFFFFFF9 or 0xFFFFFFFD")
        }
        guard let finished = exceptions.active.popLast() else {
            throw GuestFault(.invalidExceptionReturn, address: excReturn, "exception return with no active exception")
        }
        _ = finished
        let toThread = kind != 0x1
        let toPSP = kind == 0xD
        // Tail-chaining (B1.5.12): a pending exception that would pre-empt the context we
        // return to is entered at once, reusing the stacked frame.
        let savedIPSR = ipsr
        ipsr = exceptions.active.last ?? 0
        if let n = preemptingException() {
            let vectorAddress = scs.vtor &+ 4 &* n
            if let vector = peek32(vectorAddress), vector & 1 == 1 {
                ipsr = n
                exceptions.pending &= ~(1 << UInt64(n))
                exceptions.active.append(n)
                exceptions.entries &+= 1
                exceptions.tailChains &+= 1
                r[14] = excReturn
                record.exceptionEntry = true
                record.tailChained = true
                return vector & ~1
            }
        }
        ipsr = savedIPSR
        // Unstack from the stack EXC_RETURN names.
        if toThread && toPSP {
            // Switch r[13] to PSP for thread mode.
            let msp = r[13]
            r[13] = bankedSP
            bankedSP = msp
            control |= 2
        } else if toThread {
            control &= ~2
        }
        let frame = r[13]
        var words = [UInt32](repeating: 0, count: 8)
        for k in 0..<8 { words[k] = try read32Aligned(frame &+ UInt32(k * 4)) }
        r[0] = words[0]; r[1] = words[1]; r[2] = words[2]; r[3] = words[3]
        r[12] = words[4]; r[14] = words[5]
        let psr = words[7]
        r[13] = frame &+ 0x20 &+ (psr & (1 << 9) != 0 ? 4 : 0)
        flagN = psr & (1 << 31) != 0
        flagZ = psr & (1 << 30) != 0
        flagC = psr & (1 << 29) != 0
        flagV = psr & (1 << 28) != 0
        flagQ = psr & (1 << 27) != 0
        ge = (psr >> 16) & 0xF
        itState = UInt8((psr >> 25) & 3) | UInt8(((psr >> 10) & 0x3F) << 2)
        ipsr = toThread ? 0 : (psr & 0x1FF)
        if toThread && ipsr != 0 {
            throw GuestFault(.invalidExceptionReturn, address: excReturn, "return to thread mode with IPSR = \(ipsr)")
        }
        exclusiveMonitor = false
        record.exceptionReturn = true
        requestEventCheck()
        return words[6] & ~1
    }

    // MARK: Events between instructions

    func scheduleNextEvent() {
        var next = cycleLimit
        if let fire = scs.nextSysTickFire, fire < next { next = fire }
        if stop != nil || preemptingException() != nil { next = 0 }
        nextEventCycle = next
    }

    /// SysTick wraps, the cycle limit, and taking pending exceptions.
    func serviceEvents() throws {
        if stop != nil { return }
        let now = timer.cycles
        while let fire = scs.nextSysTickFire, fire <= now {
            scs.sysTickFired(at: fire)
            if scs.systickCSR & 2 != 0 { exceptions.pending |= 1 << UInt64(ExceptionNumber.sysTick) }
        }
        if now >= cycleLimit {
            throw report(GuestFault(.runaway, "stopped after \(now) cycles (--max-cycles \(cycleLimit)); "
                                     + "the firmware did not exit"))
        }
        if let n = preemptingException() {
            record.reset(pc: pc)
            do {
                pc = try enterException(n, returnAddress: pc)
            } catch let f as GuestFault {
                throw report(f)
            }
            timer.retire(exceptionTiming, record)
        }
    }

    /// Sleep until an interrupt or event (WFI/WFE): skip to the next SysTick wrap, or
    /// report a hang when nothing can wake the core.
    func sleep(untilEvent: Bool) throws {
        if preemptingException() != nil { return }
        if let fire = scs.nextSysTickFire, scs.systickCSR & 2 != 0 {
            let now = timer.cycles
            if fire > now { timer.advance(idle: fire - now) }
            requestEventCheck()
            return
        }
        throw GuestFault(.hang, "\(untilEvent ? "WFE" : "WFI") with no enabled interrupt source: the core would sleep forever")
    }

    /// A branch to itself: a hang unless an interrupt can still arrive.
    func checkSelfLoop() throws {
        if scs.nextSysTickFire != nil && scs.systickCSR & 2 != 0 && !primask { return }
        if preemptingException() != nil { return }
        throw GuestFault(.hang, "branch to itself with no interrupt enabled that could leave the loop")
    }

    // MARK: Faults

    /// A fault in guest code: delivered to the guest's HardFault handler when it has one,
    /// otherwise (or on a fault inside HardFault: lockup) the run stops with a report.
    func handle(_ fault: GuestFault) throws {
        let architectural: Bool
        switch fault.kind {
        case .runaway, .hang, .badVectorTable, .lockup: architectural = false
        default: architectural = true
        }
        let inHardFault = exceptions.active.contains(ExceptionNumber.hardFault)
        if architectural && options.deliverFaultsToGuest && !inHardFault, hasHandler(ExceptionNumber.hardFault) {
            deliveredFault = "\(fault.kind.rawValue) at pc 0x\(hex(pc))"
                + (symbols.describe(pc).map { " <\($0)>" } ?? "")
                + (fault.detail.isEmpty ? "" : " — \(fault.detail)")
                + ", delivered to the HardFault handler"
            scs.recordFault(fault)
            record.reset(pc: pc)
            do {
                // The faulting instruction's IT state is stacked with it (B1.5.6).
                pc = try enterException(ExceptionNumber.hardFault, returnAddress: pc)
            } catch var entry as GuestFault {
                // Stacking for the handler failed too (the stack is gone): on the chip a
                // lockup; the stack overflow is the useful diagnosis.
                entry.detail += "; while entering HardFault for: \(fault.kind.rawValue)"
                    + (fault.detail.isEmpty ? "" : " — \(fault.detail)")
                throw report(entry)
            }
            timer.retire(exceptionTiming, record)
            return
        }
        var f = fault
        if architectural && inHardFault {
            f.detail = "\(fault.kind.rawValue) inside the HardFault handler (the core locks up)"
                + (fault.detail.isEmpty ? "" : ": \(fault.detail)")
            f.kind = .lockup
        }
        throw report(f)
    }

    func hasHandler(_ n: UInt32) -> Bool {
        guard let v = peek32(scs.vtor &+ 4 &* n), v & 1 == 1, v > 1 else { return false }
        return board.region(containing: v & ~1)?.executable == true
    }

    /// Full context for a fault that stops the run.
    func report(_ f: GuestFault) -> FaultReport {
        var enc: [UInt16] = []
        var text = ""
        if let b = memory.peek(pc, count: 2) {
            let hw1 = UInt16(b[0]) | UInt16(b[1]) << 8
            enc.append(hw1)
            var hw2: UInt16 = 0
            if ThumbDecoder.is32Bit(hw1), let b2 = memory.peek(pc &+ 2, count: 2) {
                hw2 = UInt16(b2[0]) | UInt16(b2[1]) << 8
                enc.append(hw2)
            }
            let inst = decoder.decode(hw1, hw2, arch: .v7em)
            text = disassemble(inst, at: pc)
            if decoder.decode(hw1, hw2, arch: arch).op == .undefined && inst.op != .undefined {
                text += "   (not available on \(arch))"
            }
        }
        var regs = (0..<16).map { r[$0] }
        regs[15] = pc
        return FaultReport(
            kind: f.kind, detail: f.detail, pc: pc, encoding: enc, disassembly: text, registers: regs,
            xpsr: xpsr, symbol: symbols.describe(pc), dataAddress: f.address, cycles: timer.cycles,
            instructions: instructions, earlierFault: deliveredFault)
    }

    /// Static timing for exception entries between instructions: the entry's cost comes
    /// from the timing model's handling of `record.exceptionEntry`.
    var exceptionTiming: StaticTiming { StaticTiming(cycles: 0, skippedCycles: 0) }
}
