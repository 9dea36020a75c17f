#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import BoardProfiles
import CycleTiming
import ELFFile
import ThumbISA

/// Why a run ended normally.
public enum StopReason: Sendable, Equatable {
    /// Semihosting SYS_EXIT / SYS_EXIT_EXTENDED with the firmware's exit code.
    case exited(code: Int32)
    /// A BKPT other than the semihosting one (a debugger would stop here).
    case breakpoint(UInt32)
    /// A function started with `call` returned (r0 holds its result).
    case returned
}

/// Options that shape a machine beyond its board.
public struct MachineOptions: Sendable {
    /// The timing model; `nil` picks the board core's model.
    public var timing: TimingModelKind?
    /// Core clock; `nil` = the board's default clock.
    public var clockHz: Double?
    /// Deliver faults to the guest's HardFault handler when the vector table has one
    /// (as the chip does); otherwise every fault stops the run with a report.
    public var deliverFaultsToGuest: Bool
    /// Keep per-function cycle counts (needs the image's symbols).
    public var profileFunctions: Bool
    /// How guest code runs: decoded and interpreted one instruction at a time, or
    /// translated block by block into host code (`Translate/`; the same results).
    /// The default is `SERSIM_ENGINE` from the environment when it names one.
    public var engine: ExecutionEngine = ExecutionEngine.fromEnvironment ?? .translate
    /// With the translating engine: how many times the interpreter runs a block before it
    /// is translated (0: at once; tests that compare the engines use it). Translation costs
    /// as much as interpreting a few thousand instructions, which a block met a few times
    /// does not repay.
    public var translateAfter: UInt16 = 16

    public init(timing: TimingModelKind? = nil, clockHz: Double? = nil, deliverFaultsToGuest: Bool = true,
                profileFunctions: Bool = true) {
        self.timing = timing
        self.clockHz = clockHz
        self.deliverFaultsToGuest = deliverFaultsToGuest
        self.profileFunctions = profileFunctions
    }
}

/// How a machine executes guest code.
public enum ExecutionEngine: String, Sendable, CaseIterable {
    /// One decoded instruction at a time (`Machine.execute`).
    case interpret
    /// Straight runs of instructions translated into x86-64 code, with the interpreter
    /// for what the translator does not handle. Falls back to `interpret` on hosts
    /// where it cannot run (not x86-64, or no executable memory).
    case translate

    /// `SERSIM_ENGINE=interpret|translate`.
    public static var fromEnvironment: ExecutionEngine? {
        getenv("SERSIM_ENGINE").flatMap { ExecutionEngine(rawValue: String(cString: $0)) }
    }
}

/// An emulated Cortex-M microcontroller: core, memories of its board, System Control
/// Space and semihosting. Not thread-safe; one machine per run.
public final class Machine {
    public let board: Board
    public let arch: ArchLevel
    public let clockHz: Double
    public let timer: CoreTimer
    let options: MachineOptions
    let memory: MemoryMap
    let decoder = ThumbDecoder.shared

    // MARK: Core registers (ARMv7-M B1.4)
    /// r0–r15. During an instruction r[15] holds the instruction's address + 4 (what
    /// reads of PC return); `pc` holds its address.
    let r: UnsafeMutablePointer<UInt32>
    var pc: UInt32 = 0
    var flagN = false, flagZ = false, flagC = false, flagV = false, flagQ = false
    /// APSR.GE[3:0] (ARMv7E-M).
    var ge: UInt32 = 0
    /// ITSTATE: firstcond:mask, advanced after each instruction of an IT block.
    var itState: UInt8 = 0
    /// The stack pointer that is not in r[13] (PSP in handler mode or with SPSEL = 0).
    var bankedSP: UInt32 = 0
    var primask = false, faultmask = false
    var basepri: UInt8 = 0
    /// CONTROL: bit 0 nPRIV, bit 1 SPSEL.
    var control: UInt32 = 0
    /// Current exception number (IPSR); 0 in thread mode.
    var ipsr: UInt32 = 0
    var exclusiveMonitor = false
    var eventRegister = false

    // MARK: Run state
    /// Instructions retired (IT-skipped ones included): the timing model's count, which
    /// `stepOne` feeds once per instruction (one counter per instruction, not two).
    public var instructions: UInt64 { timer.instructionsRetired }
    /// What the current instruction did, for the timing model (kept out of line so that
    /// `retire` reads it in place).
    var record: ExecutionRecord {
        unsafeAddress { UnsafePointer(recordStorage) }
        unsafeMutableAddress { recordStorage }
    }
    let recordStorage: UnsafeMutablePointer<ExecutionRecord> = {
        let p = UnsafeMutablePointer<ExecutionRecord>.allocate(capacity: 1)
        p.initialize(to: ExecutionRecord())
        return p
    }()
    var stop: StopReason?
    /// Run the hot loop until the cycle count reaches this; events (SysTick, the cycle
    /// limit, pending exceptions, a stop) lower it to end the loop early.
    var nextEventCycle: UInt64 = 0
    var cycleLimit: UInt64 = .max
    /// The decode-cache chunk the PC is in (fast path of `fetch`).
    var codeBase: UInt32 = 0
    var codeSize: UInt32 = 0
    /// With `codeSize` 0 (no chunk yet, or dropped) it points at `probeSlot` and is never
    /// read: not optional, so that the fast path needs no nil check.
    var codeSlots: UnsafeMutablePointer<DecodedSlot>
    /// UNALIGNED traps: 3 on ARMv6-M (every unaligned word access faults), else per CCR.
    var alignMask32: UInt32 = 0
    var alignMask16: UInt32 = 0

    // MARK: System and I/O
    var scs: SystemControlSpace
    var exceptions = ExceptionState()
    public var semihosting = SemihostingIO()
    /// The image's symbols, for fault reports and profiles.
    public private(set) var symbols = SymbolTable(symbols: [])
    /// Cycles per profile slot (`profileSlot`; the last collects code outside any symbol).
    /// A raw buffer: an Array's uniqueness check per instruction cost ~10 % of the run.
    var functionCycles: UnsafeMutablePointer<UInt64>
    var functionSlots = 1
    /// The profile slot now running and the cycle count when it started: cycles are
    /// charged when the slot changes (calls, returns, exceptions), not per instruction.
    var profileCurrent = 0
    var profileSince: UInt64 = 0
    /// A fault delivered to the guest's handler, kept for the report if the run then dies.
    var deliveredFault: String?
    /// Probe addresses and their handler (see `setProbes`), and the slot that holds a
    /// probed instruction while it executes.
    var probes: Set<UInt32> = []
    var probeHandler: ((UInt32) -> Void)?
    let probeSlot = DecodedSlot.allocate(count: 1)
    /// A `call` is running: fetching `callReturnAddress` ends it.
    var callActive = false
    /// Translated blocks (`options.engine == .translate`), made on first use.
    var translations: TranslationCache?
    /// The host gave no executable memory: the interpreter runs everything.
    var translationUnavailable = false
    /// The memory system's fetch fast path generation translated code last copied (`refreshFetchPath`).
    var fetchPathGeneration: UInt32 = 0
    var dataPathGeneration: UInt32 = 0
    /// `Machine.recordShapeOffset`, where the hottest helper reads it.
    let recordShapeOffset = Machine.recordShapeOffset

    public init(board: Board, options: MachineOptions = MachineOptions()) throws {
        guard board.core.kind.executes else {
            throw MachineError.cannotExecute(
                "\(board.name): sersim does not execute \(board.core.kind.displayName) code; "
                    + "it can report memory fit for this board, not run it")
        }
        self.board = board
        self.options = options
        switch board.core.architecture {
        case .armv6m: arch = .v6m
        case .armv7m: arch = .v7m
        case .armv7em, .xtensa: arch = .v7em
        case .avr: throw MachineError.cannotExecute("\(board.name): AVR is not executed")
        }
        clockHz = options.clockHz ?? board.clock.defaultHz
        timer = try CoreTimer(kind: options.timing ?? TimingModelKind.forCore(board.core.kind), board: board, clockHz: clockHz)
        memory = try MemoryMap(board: board)
        codeSlots = probeSlot
        // r0–r15 open the block translator's context (`TranslatedContext`).
        r = UnsafeMutableRawPointer.allocate(byteCount: TranslatedContext.bytes, alignment: 64)
            .initializeMemory(as: UInt32.self, repeating: 0, count: TranslatedContext.bytes / 4)
        functionCycles = .allocate(capacity: 1)
        functionCycles.initialize(to: 0)
        scs = SystemControlSpace(core: board.core.kind)
        alignMask32 = arch == .v6m ? 3 : 0
        alignMask16 = arch == .v6m ? 1 : 0
        timer.collectCounts = { [weak self] in self?.collectExecutionCounts() }
    }

    deinit {
        collectExecutionCounts()  // the timer may outlive the machine
        UnsafeMutableRawPointer(r).deallocate()
        functionCycles.deallocate()
        DecodedSlot.deallocate(probeSlot)
        recordStorage.deallocate()
    }

    // MARK: Loading

    /// Place an image's segments into the board's memories and, with `reset`, reset the
    /// core from the board's vector table (VTOR = that address).
    public func load(_ image: FirmwareImage, reset doReset: Bool = true) throws {
        for seg in image.segments where seg.memorySize > 0 {
            let end = UInt64(seg.address) + UInt64(seg.memorySize)
            guard let region = board.memory.first(where: { $0.contains(seg.address) }) else {
                throw MachineError.segmentOutsideMemory(
                    "\(image.origin): segment \(seg.name) at 0x\(hex(seg.address)) (\(seg.memorySize) bytes) "
                        + "is outside every memory region of \(board.name) ("
                        + board.memory.map { "\($0.name) 0x\(hex($0.base))–0x\(hex(UInt32(truncatingIfNeeded: $0.end - 1)))" }
                        .joined(separator: ", ") + ")")
            }
            guard end <= region.end else {
                throw MachineError.segmentOutsideMemory(
                    "\(image.origin): segment \(seg.name) at 0x\(hex(seg.address)) needs \(seg.memorySize) bytes "
                        + "but region \(region.name) ends at 0x\(hex(UInt32(truncatingIfNeeded: region.end - 1))) "
                        + "(\(end - region.end) bytes over its \(region.size)-byte size)")
            }
            var bytes = seg.bytes
            if UInt32(bytes.count) < seg.memorySize {
                bytes += [UInt8](repeating: 0, count: Int(seg.memorySize) - bytes.count)
            }
            _ = memory.load(bytes, at: seg.address)
        }
        symbols = SymbolTable(symbols: image.symbols)
        functionCycles.deallocate()
        functionSlots = profileSlot(nil) + 1
        functionCycles = .allocate(capacity: functionSlots)
        functionCycles.initialize(repeating: 0, count: functionSlots)
        profileCurrent = functionSlots - 1
        profileSince = timer.cycles
        collectExecutionCounts()
        memory.invalidateCode()
        codeSlots = probeSlot
        codeSize = 0
        if doReset { try reset(vectorTable: board.vectorTable) }
    }

    /// The return address `call` puts in LR: not in any memory, so returning to it ends
    /// the call (checked on the fetch slow path, at no cost to the hot loop).
    public static let callReturnAddress: UInt32 = 0xFFFF_FFFE

    /// Call a function as AAPCS does: r0–r3 hold the first four arguments (more go on the
    /// stack), LR a return address that ends the run, SP `stackTop` (8-byte aligned).
    /// Runs until the function returns and gives r0. Faults throw a `FaultReport`.
    @discardableResult
    public func call(_ function: UInt32, arguments: [UInt32] = [], stackTop: UInt32,
                     maxCycles: UInt64 = .max) throws -> UInt32 {
        var sp = stackTop & ~7
        let stacked = arguments.count > 4 ? Array(arguments[4...]) : []
        if !stacked.isEmpty {
            sp = (sp &- UInt32(stacked.count * 4)) & ~7
            for (k, v) in stacked.enumerated() {
                guard memory.load(withUnsafeBytes(of: v.littleEndian, Array.init), at: sp &+ UInt32(k * 4)) else {
                    throw MachineError.badVectorTable("stack at 0x\(hex(sp)) is not in memory")
                }
            }
        }
        for (k, v) in arguments.prefix(4).enumerated() { r[k] = v }
        r[13] = sp
        r[14] = Machine.callReturnAddress | 1
        pc = function & ~1
        itState = 0
        ipsr = 0
        stop = nil
        let before = timer.cycles
        let limit = maxCycles == .max ? UInt64.max : before &+ maxCycles
        callActive = true
        defer { callActive = false }
        let reason = try run(maxCycles: limit)
        guard reason == .returned else {
            throw MachineError.callDidNotReturn("function at 0x\(hex(function)) stopped with \(reason) instead of returning")
        }
        return r[0]
    }

    /// Reset: SP and PC from the vector table (B1.5.5 TakeReset).
    public func reset(vectorTable: UInt32) throws {
        guard let sp = peek32(vectorTable), let resetVector = peek32(vectorTable &+ 4) else {
            throw MachineError.badVectorTable("no vector table at 0x\(hex(vectorTable)): the address is not in memory")
        }
        for i in 0..<16 { r[i] = 0 }
        r[13] = sp & ~3
        bankedSP = 0
        r[14] = 0xFFFF_FFFF
        guard resetVector & 1 == 1, board.region(containing: resetVector & ~1)?.executable == true else {
            throw MachineError.badVectorTable(
                "reset vector 0x\(hex(resetVector)) at 0x\(hex(vectorTable &+ 4)) is not a Thumb address in "
                    + "executable memory (is the image linked for \(board.name)'s memory map?)")
        }
        pc = resetVector & ~1
        flagN = false; flagZ = false; flagC = false; flagV = false; flagQ = false
        ge = 0
        itState = 0
        primask = false; faultmask = false; basepri = 0
        control = 0
        ipsr = 0
        exclusiveMonitor = false
        scs = SystemControlSpace(core: board.core.kind)
        scs.vtor = vectorTable
        timer.setCacheEnables(ccr: scs.ccr)  // caches are off after reset (CCR.IC = CCR.DC = 0)
        exceptions = ExceptionState()
        updateAlignment()
        stop = nil
    }

    func updateAlignment() {
        alignMask32 = (arch == .v6m || scs.ccr & SystemControlSpace.ccrUnalignTrap != 0) ? 3 : 0
        alignMask16 = (arch == .v6m || scs.ccr & SystemControlSpace.ccrUnalignTrap != 0) ? 1 : 0
    }

    // MARK: Running

    /// Run until the firmware exits or breaks, or a fault or the cycle limit stops it
    /// (thrown as a `FaultReport`). `maxCycles` is an absolute cycle count.
    @discardableResult
    public func run(maxCycles: UInt64 = .max) throws -> StopReason {
        cycleLimit = maxCycles
        stop = nil  // resuming after a breakpoint (or an exit) runs on from the next instruction
        while true {
            scheduleNextEvent()
            do {
                try runToEvent()
            } catch let fault as GuestFault {
                try handle(fault)
            } catch is CallReturned {
                stop = .returned
            }
            if let stop { return stop }
            try serviceEvents()
            if let stop { return stop }
        }
    }

    /// Execute exactly one instruction (tests and debuggers).
    public func step() throws {
        do {
            try stepOne(conditional: true)
        } catch let fault as GuestFault {
            try handle(fault)
        }
    }

    /// The hot loop: one copy per timing model, so that each has its model's rules inlined
    /// and no model switch per instruction.
    func runToEvent() throws {
        if options.engine == .translate, let cache = translationCache() {
            try runToEventTranslated(cache)
            return
        }
        switch timer.model {
        case .placeholder: try runToEventPlaceholder()
        case .m0plus: try runToEventM0plus()
        case .m4: try runToEventM4()
        case .m7: try runToEventM7()
        case .xtensa: try runToEventXtensa()
        }
    }

    @inline(never) func runToEventPlaceholder() throws { try runLoop(.placeholder) }
    @inline(never) func runToEventM0plus() throws { try runLoop(.m0plus) }
    @inline(never) func runToEventM4() throws { try runLoop(.m4) }
    @inline(never) func runToEventM7() throws { try runLoop(.m7) }
    @inline(never) func runToEventXtensa() throws { try runLoop(.xtensa) }

    /// The hot loop runs no instruction of an IT block, so that it needs no test of the IT
    /// state per instruction: an IT instruction ends it (`requestEventCheck`, as does an
    /// exception return, which may restore an IT state), and `runITBlock` runs the block.
    /// Events between the IT instruction and its block are serviced exactly as they would
    /// be inside the loop: `serviceEvents` acts only on what is due, and anything due ends
    /// the loop at the same instruction either way.
    @inline(__always)
    func runLoop(_ model: CoreTimer.Model) throws {
        if itState != 0 { try runITBlock() }
        while timer.cycles < nextEventCycle {
            try stepOne(model, conditional: false)
        }
    }

    /// The instructions of an IT block, up to its end or the next event (rare enough to run
    /// out of the hot loops, with the timing model chosen per instruction; the Cortex-M7
    /// memos are used as in the loops, which keeps the loops' memos matching after it).
    @inline(never)
    func runITBlock() throws {
        let model = timer.model
        while itState != 0 && timer.cycles < nextEventCycle {
            try stepOne(model, conditional: true)
        }
    }

    /// Execute one instruction (`model` is `timer.model`; a constant in the hot loops).
    /// `conditional`: the IT state may be set (false only in the hot loops, which
    /// `runLoop` keeps out of IT blocks).
    @inline(__always)
    func stepOne(_ model: CoreTimer.Model? = nil, conditional: Bool) throws {
        // A local copy: stores through the record and register pointers could alias `pc`
        // as far as the optimiser knows, so it would load the property again after each.
        let at = pc
        let slot = try fetch(at)
        let before = timer.cycles
        // `inst` is the slot's first field (DecodedSlot.instOffset, checked by a test).
        let inst = IRef(p: UnsafeRawPointer(slot).assumingMemoryBound(to: Instruction.self))
        record.reset(pc: at)
        r[15] = at &+ 4
        var next = at &+ UInt32(inst.size)
        // One call site for execute, so that it is inlined once.
        let inIT = conditional && itState != 0
        if !inIT || conditionPassed(itState >> 4) {
            try execute(inst, &next)
        } else {
            record.executed = false
        }
        if inIT { advanceIT() }
        pc = next
        slot.pointee.executions &+= 1
        if let model {
            let timing = UnsafeRawPointer(slot).advanced(by: DecodedSlot.timingOffset).assumingMemoryBound(to: StaticTiming.self)
            timer.retire(TimingRef(timing), RecordRef(recordStorage), as: model, memo: DecodedSlot.memo(slot),
                         alwaysExecuted: !conditional)
        } else {
            timer.retire(slot.pointee.timing, record)
        }
        if options.profileFunctions {
            let f = Int(slot.pointee.function)
            if f != profileCurrent { switchProfile(to: f, now: before) }
        }
    }

    /// Charge the cycles since the last switch to the slot that ran them.
    @inline(never)
    func switchProfile(to f: Int, now: UInt64) {
        functionCycles[profileCurrent] &+= now &- profileSince
        profileCurrent = f
        profileSince = now
    }

    /// The decoded instruction at an address (decode-cache fast path).
    @inline(__always)
    func fetch(_ address: UInt32) throws -> UnsafeMutablePointer<DecodedSlot> {
        let off = address &- codeBase
        if off < codeSize {
            let slot = codeSlots + Int(off >> 1)
            if slot.pointee.inst.size != 0 { return slot }
        }
        return try fetchSlow(address)
    }

    @inline(never)
    func fetchSlow(_ address: UInt32) throws -> UnsafeMutablePointer<DecodedSlot> {
        if address == Machine.callReturnAddress && callActive { throw CallReturned() }
        guard let ri = memory.regionIndex(address, bytes: 2) else {
            // LR holds 0xFFFFFFFF at reset (B1.5.5): a reset handler that returns lands here.
            let hint = address == 0xFFFF_FFFE ? " (0xFFFFFFFF is LR at reset: did the reset handler return?)" : ""
            throw GuestFault(.busError, address: address, "instruction fetch from unmapped address 0x\(hex(address))" + hint,
                             onFetch: true)
        }
        let region = memory.regions[ri]
        guard region.executable else {
            throw GuestFault(.executeNever, address: address,
                             "instruction fetch from \(board.memory[ri].name), which is not executable")
        }
        let off = address &- region.base
        let chunk = memory.codeChunk(ri, offset: off)
        codeBase = region.base &+ chunk.start
        codeSize = chunk.bytes
        codeSlots = chunk.slots
        let slot = chunk.slots + Int((off &- chunk.start) >> 1)
        if !probes.isEmpty && probes.contains(address) {
            // A probe address is never cached, so every arrival comes through here.
            probeHandler?(address)
            collectExecutionCount(probeSlot)
            probeSlot.pointee = try decodeSlot(region, ri, off, address)
            DecodedSlot.memo(probeSlot).pointee = TimingMemo()  // memos of another instruction
            return probeSlot
        }
        if slot.pointee.inst.size == 0 {
            collectExecutionCount(slot)  // an invalidated slot still holds its count
            slot.pointee = try decodeSlot(region, ri, off, address)
            DecodedSlot.memo(slot).pointee = TimingMemo()  // the old instruction's memos
        }
        return slot
    }

    /// Hand every decode-cache slot's execution count to the timing model's instruction
    /// and per-class counts (before they are read, and before slots are dropped).
    func collectExecutionCounts() {
        foldTranslatedStalls()
        translations?.foldSegments(timer)
        memory.forEachCountedSlot { collectExecutionCount($0) }
        collectExecutionCount(probeSlot)
    }

    @inline(__always)
    func collectExecutionCount(_ slot: UnsafeMutablePointer<DecodedSlot>) {
        let n = slot.pointee.executions
        if n != 0 {
            timer.countRetired(opClass: slot.pointee.timing.opClass, n)
            slot.pointee.executions = 0
            timer.flushMemo(DecodedSlot.memo(slot))
        }
    }

    func decodeSlot(_ region: RegionInfo, _ ri: Int, _ off: UInt32, _ address: UInt32) throws -> DecodedSlot {
        let hw1 = region.memory.loadUnaligned(fromByteOffset: Int(off), as: UInt16.self)
        var hw2: UInt16 = 0
        if ThumbDecoder.is32Bit(hw1) {
            guard off &+ 4 <= region.size else {
                throw GuestFault(.busError, address: address &+ 2, "32-bit instruction runs past the end of \(board.memory[ri].name)",
                                 onFetch: true)
            }
            hw2 = region.memory.loadUnaligned(fromByteOffset: Int(off) + 2, as: UInt16.self)
        }
        var inst = decoder.decode(hw1, hw2, arch: arch)
        if inst.size == 0 { inst.size = ThumbDecoder.is32Bit(hw1) ? 4 : 2 }
        return DecodedSlot(inst: inst, timing: timer.describe(inst),
                           function: UInt16(profileSlot(symbols.functionIndex(containing: address))))
    }

    // MARK: Probes

    /// Call `handler` each time execution reaches one of `addresses` (before the
    /// instruction there runs; `cycles` and `instructions` then count everything before
    /// it). Probes cost nothing elsewhere: their addresses are kept out of the decode
    /// cache, so only the slow fetch path checks them. Deployments use them to time layers.
    public func setProbes(_ addresses: Set<UInt32>, _ handler: @escaping (UInt32) -> Void) {
        probes = addresses
        probeHandler = handler
        collectExecutionCounts()
        memory.invalidateCode()
        codeSlots = probeSlot
        codeSize = 0
    }

    /// The profile slot of a function index: one per symbol, and a last slot for code
    /// outside any symbol (and, in images with 65535 or more functions, for the rest, so
    /// that the slot fits the decode cache's 16-bit field).
    func profileSlot(_ function: Int?) -> Int {
        let other = min(symbols.count, Int(UInt16.max) - 1)
        guard let function, function < other else { return other }
        return function
    }

    // MARK: Register access

    /// Write a register from a data-processing result (ALUWritePC for PC, SP aligned).
    @inline(__always)
    func setReg(_ d: Reg, _ value: UInt32, _ next: inout UInt32) {
        let i = Int(d.rawValue)
        if i < 13 {
            r[i] = value
        } else if i == 13 {
            r[13] = value & ~3
        } else if i == 14 {
            r[14] = value
        } else {
            next = value & ~1  // ALUWritePC = BranchWritePC on ARMv7-M (A2.3.1)
            noteBranched()
        }
    }

    /// Mark the current instruction as a taken branch (a write to PC). A plain store into
    /// the record, not its `branched` setter: in `execute` the optimiser has reached its
    /// inlining limit and left such small accessors as calls.
    @inline(__always)
    func noteBranched() { recordStorage.pointee.bits |= ExecutionRecord.Bit.branched }

    /// Read a register; PC reads as the instruction address + 4.
    @inline(__always)
    func reg(_ n: Reg) -> UInt32 { r[Int(n.rawValue)] }

    // MARK: Host-side inspection (tools and tests)

    /// A register's value (r15 = address of the next instruction to execute).
    public func register(_ n: Int) -> UInt32 { n == 15 ? pc : r[n] }
    public func setRegister(_ n: Int, _ value: UInt32) {
        if n == 15 { pc = value & ~1 } else { r[n] = value }
    }
    public var programCounter: UInt32 { pc }
    public var cycles: UInt64 { timer.cycles }

    /// xPSR as MRS PSR reads it: N Z C V Q, IT bits, T, GE, exception number.
    public var xpsr: UInt32 {
        var v: UInt32 = 0
        if flagN { v |= 1 << 31 }
        if flagZ { v |= 1 << 30 }
        if flagC { v |= 1 << 29 }
        if flagV { v |= 1 << 28 }
        if flagQ { v |= 1 << 27 }
        v |= (ge & 0xF) << 16
        v |= UInt32(itState & 0x3) << 25 | UInt32(itState >> 2) << 10
        v |= 1 << 24
        v |= ipsr & 0x1FF
        return v
    }

    public var flags: (n: Bool, z: Bool, c: Bool, v: Bool, q: Bool, ge: UInt32) {
        (flagN, flagZ, flagC, flagV, flagQ, ge)
    }

    public func setFlags(n: Bool, z: Bool, c: Bool, v: Bool, q: Bool = false, ge: UInt32 = 0) {
        flagN = n; flagZ = z; flagC = c; flagV = v; flagQ = q; self.ge = ge & 0xF
    }

    /// Set N Z C V Q, GE and the IT state from an xPSR value (B1.4.2 layout: IT[1:0] in
    /// bits 26:25, IT[7:2] in bits 15:10). The exception number and T bit are not
    /// writable this way.
    public func setXPSR(_ v: UInt32) {
        flagN = v & (1 << 31) != 0
        flagZ = v & (1 << 30) != 0
        flagC = v & (1 << 29) != 0
        flagV = v & (1 << 28) != 0
        flagQ = v & (1 << 27) != 0
        ge = (v >> 16) & 0xF
        itState = UInt8((v >> 25) & 3) | UInt8(((v >> 10) & 0x3F) << 2)
    }

    /// Read guest memory without side effects; nil where unmapped.
    public func peek(_ address: UInt32, count: Int) -> [UInt8]? { memory.peek(address, count: count) }

    public func peek32(_ address: UInt32) -> UInt32? {
        guard let b = memory.peek(address, count: 4) else { return nil }
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    /// Write guest memory as a debugger would (ignores write protection).
    @discardableResult
    public func poke(_ address: UInt32, _ bytes: [UInt8]) -> Bool {
        memory.load(bytes, at: address)
    }

    /// Cycles per function, highest first (symbols from the loaded image).
    public var functionProfile: [(name: String, cycles: UInt64)] {
        var out: [(String, UInt64)] = []
        switchProfile(to: profileCurrent, now: timer.cycles)  // charge the running slot
        for i in 0..<functionSlots where functionCycles[i] > 0 {
            let c = functionCycles[i]
            out.append((i < profileSlot(nil) ? symbols.functions[i].name : "(no symbol)", c))
        }
        return out.sorted { $0.1 > $1.1 }
    }
}

/// Thrown by the fetch of `Machine.callReturnAddress`: the called function returned.
struct CallReturned: Error {}

public enum MachineError: Error, CustomStringConvertible, Sendable {
    case cannotExecute(String)
    case segmentOutsideMemory(String)
    case badVectorTable(String)
    case callDidNotReturn(String)

    public var description: String {
        switch self {
        case let .cannotExecute(s), let .segmentOutsideMemory(s), let .badVectorTable(s), let .callDidNotReturn(s): s
        }
    }
}
