import BoardProfiles
import ThumbISA

/// Turns the executor's per-instruction records into cycles. One concrete class (no
/// protocol dispatch per instruction); the per-core behaviour lives in its tables
/// (`CoreTables.swift`) and in the few dynamic rules below, each citing its source.
///
/// `cycles` is what DWT CYCCNT and SysTick count: the machine reads it between and during
/// instructions, so firmware that reads CYCCNT before and after a block sees exactly the
/// cycles the model charged for that block.
public final class CoreTimer {
    public let kind: TimingModelKind
    public let clockHz: Double
    /// Cycles elapsed since reset.
    public var cycles: UInt64 { now }
    /// Cycles elapsed since reset (the storage behind `cycles`).
    @usableFromInline var now: UInt64 = 0

    /// Which per-instruction rules `retire` applies. Public so that the machine can run one
    /// hot loop per model, with the model's rules inlined and no switch per instruction.
    public enum Model: Sendable { case placeholder, m0plus, m4, m7, xtensa }
    public let model: Model
    let fastMultiplier: Bool
    let lx7: Bool
    /// The memory-system model (a value: calls on it need no reference counting).
    @usableFromInline var memory: MemorySystemModel
    /// Exception entry, return and tail-chain costs in cycles (zero wait states).
    @usableFromInline let exceptionEntryCycles: UInt64
    let exceptionReturnCycles: UInt64
    let tailChainCycles: UInt64
    /// Cortex-M7: cycles lost on a mispredicted branch (ARMScheduleM7.td MispredictPenalty).
    @usableFromInline let mispredictPenalty: UInt64 = 4

    // Counters (raw; `statistics` assembles them).
    /// Instructions retired and per-class counts, as far as `countRetired` has reported
    /// them. `retire` does not count: the machine counts executions per decoded
    /// instruction (one counter per instruction instead of two, and no per-class index)
    /// and hands the counts over when they are read (`collectCounts`) or dropped.
    @usableFromInline var instructionCount: UInt64 = 0
    /// Called before the counts are read, to hand over counts kept elsewhere.
    public var collectCounts: (() -> Void)?
    /// Instructions retired so far (IT-skipped ones included; exception entries between
    /// instructions are not instructions). `Machine.instructions` reads this.
    public var instructionsRetired: UInt64 {
        collectCounts?()
        return instructionCount
    }

    /// `n` more retired instructions of class `opClass` (`StaticTiming.opClass`).
    public func countRetired(opClass: UInt8, _ n: UInt64) {
        instructionCount &+= n
        classCounts[Int(opClass & 31)] &+= n
    }
    @usableFromInline var skippedCount: UInt64 = 0
    @usableFromInline var dualIssuedCount: UInt64 = 0
    @usableFromInline var exceptionCount: UInt64 = 0
    @usableFromInline var stalls = StallStatistics()
    @usableFromInline let classCounts: UnsafeMutablePointer<UInt64>
    /// Per region index (0xFF = System Control Space): data transfers read / written.
    @usableFromInline let regionReads: UnsafeMutablePointer<UInt64>
    @usableFromInline let regionWrites: UnsafeMutablePointer<UInt64>
    /// Per region index: whether data transfers there cost no extra cycles.
    @usableFromInline let dataFree: UnsafeMutablePointer<Bool>
    /// Per region index, for translated code: 1 where the D-cache serves it (`translatedDataPath`).
    let dataCached: UnsafeMutablePointer<UInt8>

    // Scalar-pipeline state (M0+, M4, Xtensa): the previous executed instruction.
    /// The previous instruction's class, flags, written and loaded registers: the first
    /// eight bytes of its `StaticTiming`, copied whole (`prevClass` ... read them).
    @usableFromInline var prevInfo: UInt64 = CoreTimer.packPrev(opClass: OpClass.hint.rawValue, flags: 0)
    @inlinable var prevClass: UInt8 { UInt8(truncatingIfNeeded: prevInfo) }
    @inlinable var prevFlags: UInt8 { UInt8(truncatingIfNeeded: prevInfo >> 8) }
    @inlinable var prevWrites: UInt16 { UInt16(truncatingIfNeeded: prevInfo >> 16) }
    @inlinable var prevLoaded: UInt16 { UInt16(truncatingIfNeeded: prevInfo >> 32) }
    /// `prevInfo` for an instruction (or event) that wrote no register.
    @inlinable static func packPrev(opClass: UInt8, flags: UInt8) -> UInt64 { UInt64(opClass) | UInt64(flags) << 8 }
    @usableFromInline var checkBranchTarget = false

    // Cortex-M7 state.
    /// Cycle from which each register's latest value can be read at EX2, plus one (0: the
    /// register was never written).
    @usableFromInline let ready: UnsafeMutablePointer<UInt64>
    /// Whether the current issue cycle (`cycles - 1`) still has its second slot free, and
    /// the single-instance units its first instruction took.
    @usableFromInline var slotFree = false
    @usableFromInline var usedUnits: UInt8 = 0
    @usableFromInline let predictor: BranchPredictor
    @usableFromInline var pendingBranchPC: UInt32 = 0
    @usableFromInline var pendingFallthrough: UInt32 = 0
    @usableFromInline var pendingKind: PendingBranch = .none
    /// The pipeline state (`slotFree`, `usedUnits`, `ready`) as a token of `states`, or 0
    /// when those fields themselves hold it. Memo hits move only the token;
    /// `materializeM7` writes the fields back before anything else reads them.
    @usableFromInline var token: UInt32 = 0
    @usableFromInline var states = M7StateTable()
    /// Whether `retireM7` records memos (tests turn it off to compare).
    public var memoize = true
    /// Instructions whose issue rules ran because no memo matched (tests read it).
    public internal(set) var memoMisses: UInt64 = 0

    /// A branch waiting for the next instruction to show where control went. The raw
    /// values are what translated code stores (`translatedPendingBranch`).
    @usableFromInline enum PendingBranch: UInt8 { case none = 0, direct = 1, indirect = 2 }

    /// The branch an instruction leaves to be resolved, if any: every instruction of the
    /// branch unit, and any other that wrote PC. Direct: B, and BL (no register read);
    /// the predictor's target table serves the rest. The branch classes (branch ...
    /// tableBranch) are exactly the instructions that occupy the branch unit
    /// (`describeM7`; pinned by a test): one bit test instead of two.
    @inlinable @inline(__always)
    static func pendingBranch(unit: UInt8, opClass cls: UInt8, reads: UInt16, branched: Bool) -> PendingBranch {
        guard unit & M7Unit.branch != 0 || branched else { return .none }
        return cls == OpClass.branch.rawValue || (cls == OpClass.branchLink.rawValue && reads == 0) ? .direct : .indirect
    }

    public init(kind: TimingModelKind, board: Board, clockHz: Double) throws {
        self.kind = kind
        self.clockHz = clockHz
        switch kind {
        case .placeholder: model = .placeholder
        case .cortexM0plus: model = .m0plus
        case .cortexM4: model = .m4
        case .cortexM7: model = .m7
        case .xtensaLX6, .xtensaLX7: model = .xtensa
        }
        fastMultiplier = board.core.fastMultiplier
        lx7 = kind == .xtensaLX7
        switch model {
        case .m0plus:
            // Cortex-M0+ TRM 3.6.1: 15 cycles worst-case latency with zero wait states.
            // Return and tail-chain are not published for the M0+; sersim estimates them
            // from the TRM's POP timing (unstacking 8 words, 1 + N, plus the refill) and
            // the entry latency less the stacking (docs/timing.md).
            exceptionEntryCycles = 15
            exceptionReturnCycles = 11
            tailChainCycles = 6
        default:
            // Arm knowledge article 103489845 / Cortex-M4 TRM: entry 12, exit 10 cycles;
            // tail-chaining 6 cycles. sersim uses the same figures for the M7 and the
            // Xtensa estimates.
            exceptionEntryCycles = 12
            exceptionReturnCycles = 10
            tailChainCycles = 6
        }
        memory = try MemorySystemModel(board: board, clockHz: clockHz, hasL1: kind == .cortexM7)
        // A page of its own: the counter's read-modify-write per instruction ran at very
        // different speeds depending on where the allocator put it (4 KiB aliasing with a
        // store in the executor, as far as measurements without hardware counters tell:
        // placeholder runs moved by up to 30 % with its address alone; docs/benchmarks.md).
        classCounts = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
            .bindMemory(to: UInt64.self, capacity: 32)
        classCounts.initialize(repeating: 0, count: 32)
        regionReads = .allocate(capacity: 256)
        regionReads.initialize(repeating: 0, count: 256)
        regionWrites = .allocate(capacity: 256)
        regionWrites.initialize(repeating: 0, count: 256)
        dataFree = .allocate(capacity: 256)
        dataFree.initialize(repeating: true, count: 256)
        dataCached = .allocate(capacity: 256)
        dataCached.initialize(repeating: 0, count: 256)
        ready = .allocate(capacity: 16)
        ready.initialize(repeating: 0, count: 16)
        predictor = BranchPredictor()
        regionNames = board.memory.map(\.name)
        if model != .placeholder {
            for i in 0..<min(255, memory.regions.count) { dataFree[i] = memory.dataIsFree(i) }
        }
    }

    deinit {
        memory.deallocate()
        predictor.deallocate()
        states.deallocate()
        classCounts.deallocate()
        regionReads.deallocate()
        regionWrites.deallocate()
        dataFree.deallocate()
        dataCached.deallocate()
        ready.deallocate()
    }

    /// Whether the figures are an approximation (see `TimingModelKind.isEstimate`).
    public var isEstimate: Bool { kind.isEstimate }

    // MARK: Per decode

    /// Precompute what the model needs about an instruction (once per decode).
    public func describe(_ inst: Instruction) -> StaticTiming {
        var st = describeForModel(inst)
        st.updateLoaded()
        return st
    }

    private func describeForModel(_ inst: Instruction) -> StaticTiming {
        switch model {
        case .placeholder:
            var st = StaticTiming(cycles: 1, skippedCycles: 1)
            st.opClass = inst.op.opClass.rawValue
            return st
        case .m0plus: return CoreTimer.describeM0plus(inst, fastMultiplier: fastMultiplier)
        case .m4: return CoreTimer.describeM4(inst)
        case .m7: return CoreTimer.describeM7(inst)
        case .xtensa: return CoreTimer.describeXtensa(inst, lx7: lx7)
        }
    }

    // MARK: Per instruction

    /// Account for one executed (or skipped) instruction, or an exception entry between
    /// instructions (`rec.exceptionEntry` with an all-zero `StaticTiming`). The caller
    /// counts the instruction (`countRetired`).
    @inlinable @inline(__always)
    public func retire(_ st: StaticTiming, _ rec: ExecutionRecord) {
        retire(st, rec, as: model)
    }

    /// `retire` for a caller that knows the model (`model` must be `self.model`): with a
    /// constant `m` the switch below folds away, leaving only that model's rules.
    @inlinable @inline(__always)
    public func retire(_ st: StaticTiming, _ rec: ExecutionRecord, as m: Model) {
        var st = st, rec = rec
        withUnsafePointer(to: &st) { s in
            withUnsafePointer(to: &rec) { r in retire(TimingRef(s), RecordRef(r), as: m) }
        }
    }

    /// `retire(_:_:as:)` reading the static timing and the record in place (the hot loops).
    @inlinable @inline(__always)
    public func retire(_ st: TimingRef, _ rec: RecordRef, as m: Model) {
        retire(st, rec, as: m, memo: nil)
    }

    /// `retire(_:_:as:)` with the instruction's memo (its decode-cache slot's `TimingMemo`),
    /// which the Cortex-M7 rules use and update (`TimingMemo`). `alwaysExecuted`: the
    /// caller knows the instruction was not skipped by an IT condition (a constant in the
    /// hot loops, which run no IT block), so the rules need not test it.
    @inlinable @inline(__always)
    public func retire(_ st: TimingRef, _ rec: RecordRef, as m: Model, memo: UnsafeMutablePointer<TimingMemo>?,
                       alwaysExecuted: Bool = false, knownDataStall: UInt64 = .max) {
        // Each model counts the transfers where it tests for them anyway (an instruction
        // with transfers has executed: a skipped one makes none).
        if rec.bits & ExecutionRecord.Bit.exception != 0 {
            if rec.beats != 0 { countTransfers(rec) }
            retireException(st.p.pointee, rec.p.pointee)
            return
        }
        switch m {
        case .placeholder:
            if rec.beats != 0 { countTransfers(rec) }
            now &+= alwaysExecuted || rec.executed ? UInt64(st.cycles) &+ UInt64(rec.beats) : UInt64(st.skippedCycles)
        case .m0plus, .m4, .xtensa:
            retireScalar(st, rec, m, alwaysExecuted: alwaysExecuted)
        case .m7:
            retireM7(st, rec, memo, alwaysExecuted: alwaysExecuted, knownDataStall: knownDataStall)
        }
    }

    @inlinable @inline(__always)
    func countTransfers(_ rec: RecordRef) {
        let r = Int(rec.region)
        if rec.write { regionWrites[r] &+= UInt64(rec.beats) } else { regionReads[r] &+= UInt64(rec.beats) }
    }

    /// The cycle count, for translated code that keeps it in a host register while it
    /// runs and hands it back after.
    public var translatedNow: UInt64 {
        get { now }
        set { now = newValue }
    }

    /// The per-region transfer counters (`countTransfers`), which translated code
    /// updates in place.
    public var transferCounters: (reads: UnsafeMutablePointer<UInt64>, writes: UnsafeMutablePointer<UInt64>) {
        (regionReads, regionWrites)
    }

    // MARK: For translated code (CortexM's block translator)
    //
    // Translated blocks apply the M0+, M4 and Xtensa rules themselves, with the static parts
    // worked out when a block is translated; they call these for the memory system.

    /// Whether the scalar rules (M0+, M4, Xtensa) are this timer's.
    public var isScalarModel: Bool { model == .m0plus || model == .m4 || model == .xtensa }

    /// The instruction-fetch window: a fetch outside it is timed by `translatedFetchStall`.
    public var fetchWindow: (lo: UInt32, span: UInt32) {
        get { (fetchLo, fetchSpan) }
        set { (fetchLo, fetchSpan) = newValue }
    }

    /// The fetch look-up translated code makes itself (`fetchStall`'s `.icache` and `.xip`
    /// cases when the line is in its set's most recently used way: no stall, no change to
    /// the cache but its access count). `span` 0: none, every fetch outside the window is
    /// the helper's. Valid until the next call into the timer that fetches.
    public struct TranslatedFetchPath {
        public var lo: UInt32 = 1
        public var span: UInt32 = 0
        public var lineShift: UInt32 = 0
        public var setMask: UInt32 = 0
        /// The window a hit opens: the line (I-cache) or sector (XIP) minus one.
        public var windowMask: UInt32 = 0
        public var sectorShift: UInt32 = 0
        public var sectorIndexMask: UInt32 = 0
        /// 1 for the XIP cache (a hit needs the sector's valid bit too), else 0.
        public var sectored: UInt32 = 0
        public var tags: UnsafeMutablePointer<UInt32>?
        public var mru: UnsafeMutablePointer<Int32>?
        public var valid: UnsafeMutablePointer<UInt8>?
        /// The region's fetch counter.
        public var counter: UnsafeMutablePointer<UInt64>?
        public init() {}
    }

    /// Changes whenever `translatedFetchPath` may have.
    public var translatedFetchPathGeneration: UInt32 { memory.fastGeneration }

    public var translatedFetchPath: TranslatedFetchPath {
        var p = TranslatedFetchPath()
        let cache: CacheModel?
        switch memory.fastMode {
        case .icache: cache = memory.icache
        case .xip: cache = memory.xip; p.sectored = 1
        default: cache = nil
        }
        guard let c = cache else { return p }
        p.lo = memory.fastLo
        p.span = memory.fastSpan
        p.lineShift = c.lineShift
        p.setMask = c.setMask
        p.windowMask = memory.fastLineMask
        p.sectorShift = c.sectorShift
        p.sectorIndexMask = c.sectorIndexMask
        p.tags = c.tags
        p.mru = c.mru
        p.valid = c.valid
        p.counter = memory.fastCounter
        return p
    }

    /// The D-cache look-up translated code makes itself: a transfer within one line that
    /// is the most recently used way of its set is a hit that changes nothing but the
    /// cache's access count (`MemorySystemModel.data`, `CacheModel.access`); anything else
    /// is the data helper's. `cached` 0 for a region: always the helper's.
    public struct TranslatedDataPath {
        public var tags: UnsafeMutablePointer<UInt32>?
        public var mru: UnsafeMutablePointer<Int32>?
        /// Per region index: 1 where the D-cache serves the region's transfers.
        public var cached: UnsafeMutablePointer<UInt8>?
        public var lineShift: UInt32 = 0
        public var setMask: UInt32 = 0
        public init() {}
    }

    /// Changes whenever `translatedDataPath` may have (a cache switched on or off).
    public var translatedDataPathGeneration: UInt32 { memory.l1Generation }

    public func translatedDataPath() -> TranslatedDataPath {
        var p = TranslatedDataPath()
        for i in 0..<255 { dataCached[i] = memory.dataIsCached(i) ? 1 : 0 }
        p.cached = dataCached
        guard let c = memory.dcache else { return p }
        p.tags = c.tags
        p.mru = c.mru
        p.lineShift = c.lineShift
        p.setMask = c.setMask
        return p
    }

    /// D-cache hits translated code counted in its own look-ups (`translatedDataPath`).
    public func addTranslatedDataHits(_ n: UInt64) {
        memory.dcache?.accesses &+= n
    }

    /// Accesses translated code counted in its own look-ups (`translatedFetchPath`).
    public func addTranslatedFetchHits(icache: UInt64, xip: UInt64) {
        if icache != 0 { memory.icache?.accesses &+= icache }
        if xip != 0 { memory.xip?.accesses &+= xip }
    }

    /// The fetch stall of an instruction outside the fetch window (`fetchStall`).
    public func translatedFetchStall(_ pc: UInt32) -> UInt64 { fetchStall(pc) }

    /// The data stall of a transfer to a region that is not free (`memory.data`), counted.
    public func translatedDataStall(region: Int, address: UInt32, beats: Int, beatBytes: Int, write: Bool) -> UInt64 {
        let s = memory.data(region: region, address: address, beats: beats, beatBytes: beatBytes, write: write)
        stalls.data &+= s
        return s
    }

    /// Per region index: whether its data transfers cost nothing extra.
    public var dataFreeFlags: UnsafeMutablePointer<Bool> { dataFree }

    /// The Cortex-M4 rules' memory of the previous instruction, and whether the next
    /// instruction is a branch target.
    public var scalarPipeline: (previous: UInt64, branchTarget: Bool) {
        get { (prevInfo, checkBranchTarget) }
        set { (prevInfo, checkBranchTarget) = newValue }
    }

    /// The Cortex-M7 pipeline-state token (`token`), which translated code carries between
    /// memo hits it applies itself.
    public var translatedToken: UInt32 {
        get { token }
        set { token = newValue }
    }

    /// The branch waiting to be resolved (`pendingKind`'s raw value, 0: none; its pc and
    /// fall-through address), which translated code carries between the instructions it
    /// retires itself, and resolves when the prediction was right.
    public var translatedPendingBranch: (kind: UInt32, pc: UInt32, fallthrough: UInt32) {
        get { (UInt32(pendingKind.rawValue), pendingBranchPC, pendingFallthrough) }
        set {
            pendingKind = PendingBranch(rawValue: UInt8(truncatingIfNeeded: newValue.kind)) ?? .none
            pendingBranchPC = newValue.pc
            pendingFallthrough = newValue.fallthrough
        }
    }

    /// The pending branch (`translatedPendingBranch`'s kind, 0: none) instruction `st`
    /// leaves when it retires, `branched` when it wrote PC.
    public static func translatedPendingKind(after st: StaticTiming, branched: Bool) -> UInt32 {
        UInt32(pendingBranch(unit: st.unit, opClass: st.opClass, reads: st.reads, branched: branched).rawValue)
    }

    /// `translatedPendingBranch`'s kinds.
    public static let translatedDirectBranch = UInt32(PendingBranch.direct.rawValue)

    /// The branch predictor's tables (`BranchPredictor`: per entry a tag, a 2-bit counter
    /// and a target; `index` picks the entry), for translated code's resolution of a
    /// correctly predicted branch.
    public var branchPredictorTables: (tags: UnsafeMutablePointer<UInt32>, counters: UnsafeMutablePointer<UInt8>,
                                       targets: UnsafeMutablePointer<UInt32>) {
        (predictor.tags, predictor.counters, predictor.targets)
    }

    /// The branch predictor's entry count (a power of two; the entry is (pc >> 1) mod it).
    public static let branchPredictorEntries = BranchPredictor.entries

    /// Where translated code finds a memo's two entries (byte offsets in a `TimingMemo`)
    /// and their fields (byte offsets in an entry).
    public static let memoLayout: (first: Int, second: Int, key: Int, out: Int, delta: Int, hits: Int) = (
        MemoryLayout<TimingMemo>.offset(of: \TimingMemo.first)!,
        MemoryLayout<TimingMemo>.offset(of: \TimingMemo.second)!,
        MemoryLayout<TimingMemo.Entry>.offset(of: \TimingMemo.Entry.key)!,
        MemoryLayout<TimingMemo.Entry>.offset(of: \TimingMemo.Entry.out)!,
        MemoryLayout<TimingMemo.Entry>.offset(of: \TimingMemo.Entry.delta)!,
        MemoryLayout<TimingMemo.Entry>.offset(of: \TimingMemo.Entry.hits)!)

    /// `StaticTiming.unit`'s Cortex-M7 branch-unit bit: instructions with it leave a branch
    /// for the next instruction to resolve.
    public static let m7BranchUnit: UInt8 = M7Unit.branch

    /// A memo entry's hit count wrapped to 0 in translated code (`entry` points at one of
    /// a `TimingMemo`'s entries).
    public func translatedHitsWrapped(_ entry: UnsafeMutableRawPointer) {
        creditWrapped(&entry.assumingMemoryBound(to: TimingMemo.Entry.self).pointee)
    }

    /// Stall cycles translated code counted itself.
    public func addTranslatedStalls(branch: UInt64, interlock: UInt64, skipped: UInt64) {
        stalls.branch &+= branch
        stalls.interlock &+= interlock
        skippedCount &+= skipped
    }

    /// [M4] The `StaticTiming.unit` bit of an IT instruction, which folds onto a preceding
    /// 16-bit instruction (`retireScalar`).
    public static let m4FoldingIT: UInt8 = M4Rare.it

    /// The scalar rules' memory of an instruction an IT condition skipped (`retireScalar`).
    public static func skippedPrevious(flags: UInt8) -> UInt64 {
        packPrev(opClass: OpClass.hint.rawValue, flags: flags & TimingFlags.wide)
    }

    /// Cycles spent with the core stalled or asleep (WFI waiting for an interrupt).
    public func advance(idle n: UInt64) {
        materializeM7()
        now &+= n
        stalls.sleep &+= n
        slotFree = false
    }

    // MARK: M0+, M4 and the Xtensa estimates: one instruction at a time

    @inlinable @inline(always)
    func retireScalar(_ st: TimingRef, _ rec: RecordRef, _ m: Model, alwaysExecuted: Bool = false) {
        var c: UInt64 = 0
        if rec.pc &- fetchLo >= fetchSpan {
            c &+= fetchStall(rec.pc)
        }
        // Only the Cortex-M4 rules look at a branch target's alignment: the other loops
        // neither test nor set the flag.
        if m == .m4 && checkBranchTarget {
            checkBranchTarget = false
            // [M4] P "ranges from 1 to 3 depending on the alignment and width of the target
            // instruction": a 32-bit target that is not word-aligned needs one more fetch.
            if m == .m4 && st.flags & TimingFlags.wide != 0 && rec.pc & 2 != 0 {
                c &+= 1
                stalls.branch &+= 1
            }
        }
        guard alwaysExecuted || rec.executed else {
            skippedCount &+= 1
            now &+= c &+ UInt64(st.skippedCycles)
            prevInfo = CoreTimer.packPrev(opClass: OpClass.hint.rawValue, flags: st.flags & TimingFlags.wide)
            return
        }
        var base = UInt64(st.cycles)
        if rec.beats != 0 {
            countTransfers(rec)
            base &+= UInt64(rec.beats)  // one cycle per transfer
            if m == .m4 { base = m4LoadStore(st, rec, base, &c) }
            let r = Int(rec.region)
            if !dataFree[r] {
                let s = memory.data(region: r, address: rec.address, beats: Int(rec.beats),
                                    beatBytes: Int(rec.beatBytes), write: rec.write)
                c &+= s
                stalls.data &+= s
            }
        }
        // The M4 finds its two rare cases with one test (`M4Rare`, set by `describeM4`);
        // the M0+ (ARMv6-M) has no divide instruction.
        if m == .m4 {
            if st.unit != 0 {
                if st.unit & M4Rare.divide != 0 { c &+= divideStall(rec) }
                if st.unit & M4Rare.it != 0 && prevFlags & TimingFlags.wide == 0
                    && prevClass != OpClass.hint.rawValue {
                    base = 0  // [M4] IT folded onto the preceding 16-bit instruction
                }
            }
        } else if m != .m0plus && st.opClass == OpClass.div.rawValue {
            c &+= divideStall(rec)
        }
        if rec.branched {
            let p = UInt64(st.refill)
            c &+= p
            stalls.branch &+= p
            if m == .m4 { checkBranchTarget = true }
        }
        now &+= base &+ c
        // Only the Cortex-M4 rules look at the previous instruction (IT folding and
        // m4LoadStore); the M0+ and Xtensa loops skip keeping it.
        if m == .m4 {
            prevInfo = UnsafeRawPointer(st.p).loadUnaligned(as: UInt64.self)  // a slot aligns it to 4
        }
    }

    /// [M4] SDIV/UDIV "2 to 12": "early termination ... based on the number of leading
    /// ones and zeroes in the input operands". sersim takes one cycle per 3 significant
    /// quotient bits beyond the minimum of 2, which spans exactly 2–12 (an approximation:
    /// Arm does not publish the rule). Returns the cycles beyond the table's 2.
    @inlinable @inline(always)
    func divideStall(_ rec: RecordRef) -> UInt64 {
        let extra = UInt64(rec.quotientBits) / 3
        stalls.divide &+= extra
        return extra
    }

    /// [M4] 3.3.2 load/store timings for single transfers, and the address-generation
    /// interlock. Returns the instruction's cycles; interlock stalls go to `c`.
    @inlinable @inline(always)
    func m4LoadStore(_ st: TimingRef, _ rec: RecordRef, _ base: UInt64, _ c: inout UInt64) -> UInt64 {
        var b = base
        let memOp = st.flags & (TimingFlags.memSingle | TimingFlags.multiple) != 0
        guard memOp || st.opClass == OpClass.tableBranch.rawValue else { return b }
        // "Any load or store that generates an address dependent on the result of a
        // preceding data processing operation stalls the pipeline for an additional cycle
        // ... There is no forwarding path for this scenario."
        if prevWrites & st.early != 0 && prevClass <= OpClass.div.rawValue {
            c &+= 1
            stalls.interlock &+= 1
        }
        guard st.flags & TimingFlags.memSingle != 0 else { return b }
        if st.flags & TimingFlags.storeImmediate != 0 {
            b = 1  // "STR Rx,[Ry,#imm] is always one cycle"
        } else if prevFlags & TimingFlags.loadLike != 0 && prevLoaded & st.early == 0 {
            // "LDR [any] are pipelined when possible ... if the next instruction is an LDR or
            // STR, and the destination of the first LDR is not used to compute the address
            // for the next instruction, then one cycle is removed from the cost of the next".
            b &-= 1
        }
        // "Unaligned word or halfword loads or stores add penalty cycles": +1 for a
        // halfword-aligned word or an odd halfword, +2 for a byte-aligned word.
        let mis = rec.address & UInt32(rec.beatBytes &- 1)
        if mis != 0 { b &+= (rec.beatBytes == 4 && mis & 1 != 0) ? 2 : 1 }
        return b
    }

    /// Exception entry (interrupt, fault, SVC), return, and tail-chaining.
    @usableFromInline @inline(never)
    func retireException(_ st: StaticTiming, _ rec: ExecutionRecord) {
        // An entry between instructions (interrupt, fault) comes with the machine's
        // all-zero StaticTiming; an instruction that returns from an exception with its own
        // (counted by the machine, as every instruction).
        if model == .placeholder {
            now &+= UInt64(st.cycles) &+ UInt64(rec.beats)
            exceptionCount &+= rec.exceptionEntry ? 1 : 0
            return
        }
        materializeM7()
        var c: UInt64 = 0
        var own = UInt64(st.cycles)
        if rec.tailChained {
            // Return straight into the next handler: no unstack, no restack.
            own &+= UInt64(rec.beats)
            c = tailChainCycles
        } else if rec.exceptionReturn {
            // The returning instruction's own transfers (a POP's registers) plus the
            // unstacking of 8 words, which the exit latency already covers.
            own &+= UInt64(rec.beats > 8 ? rec.beats - 8 : 0)
            c = exceptionReturnCycles
            if rec.exceptionEntry { c &+= exceptionEntryCycles }  // return, then a new entry
        } else {
            // Entry: the stacking (8 transfers) is part of the entry latency.
            c = exceptionEntryCycles
        }
        exceptionCount &+= rec.exceptionEntry ? 1 : 0
        stalls.exception &+= c
        now &+= own &+ c
        prevInfo = CoreTimer.packPrev(opClass: OpClass.exception.rawValue, flags: 0)
        checkBranchTarget = false
        slotFree = false
        pendingKind = .none
        fetchSpan = 0  // the handler's (or return address's) first fetch is timed
    }

    /// The instruction-fetch window of the memory system (copied here so the per-instruction
    /// check touches only this object).
    @usableFromInline var fetchLo: UInt32 = 1
    @usableFromInline var fetchSpan: UInt32 = 0

    /// Stall cycles of fetching the instruction at `pc`, which left the fetch window: the
    /// memory system's fast path inline (the next line of the same flash, XIP or
    /// I-cached region), else `fetch`. Both give the same cycles and statistics.
    @inlinable @inline(always)
    func fetchStall(_ pc: UInt32) -> UInt64 {
        guard pc &- memory.fastLo < memory.fastSpan else { return fetch(pc) }
        let mask = memory.fastLineMask
        let line = pc & ~mask
        var s = memory.fastStall
        switch memory.fastMode {
        case .none: return fetch(pc)
        case .fixed: break
        case .flash:
            memory.lastFlashLine = line
            memory.flashReadyAt = now &+ s
        case .xip:
            if memory.xip?.accessSector(pc) == true { s = 0 }
        case .icache:
            if memory.icache?.access(pc) == true { s = 0 }
        }
        fetchLo = line
        fetchSpan = mask &+ 1
        memory.fastCounter.pointee &+= 1
        memory.fetchStallCycles &+= s
        stalls.fetch &+= s
        return s
    }

    @usableFromInline @inline(never)
    func fetch(_ pc: UInt32) -> UInt64 {
        let s = memory.fetch(pc, now: now)
        fetchLo = memory.fetchLo
        fetchSpan = memory.fetchSpan
        stalls.fetch &+= s
        return s
    }

    // MARK: Cortex-M7: in-order dual issue (ARMScheduleM7.td)

    @inlinable @inline(always)
    /// `knownDataStall`: the data stall, already looked up and counted (translated code),
    /// or `.max` to look it up here.
    func retireM7(_ st: TimingRef, _ rec: RecordRef, _ memo: UnsafeMutablePointer<TimingMemo>?,
                  alwaysExecuted: Bool = false, knownDataStall: UInt64 = .max) {
        // The dynamic inputs: the bubble before the instruction (misprediction, fetch) and
        // the data-memory stall, each looked up as the rules below would.
        var bubble: UInt64 = 0
        if pendingKind != .none { bubble &+= resolveBranch(nextPC: rec.pc) }
        if rec.pc &- fetchLo >= fetchSpan {
            bubble &+= fetchStall(rec.pc)
        }
        let executed = alwaysExecuted || rec.executed
        var stall: UInt64 = 0
        if executed && rec.beats != 0 {
            countTransfers(rec)
            let r = Int(rec.region)
            if knownDataStall != .max {
                stall = knownDataStall
            } else if !dataFree[r] {
                stall = memory.data(region: r, address: rec.address, beats: Int(rec.beats),
                                    beatBytes: Int(rec.beatBytes), write: rec.write)
                stalls.data &+= stall
            }
        }
        // The record's transfer count and flag bits (executed among them) go into the key as
        // they lie in the record, one 16-bit load: the other flags (write, branched) are
        // fixed for most instructions, and a key finer than the rules need costs nothing.
        // Bubble and stall are added only when there are any (rarely), and when either
        // needs more than its 8 bits, the key is 0: no memo holds a key with no token
        // (`issueM7` stores only real tokens, an empty memo holds `Entry.empty`).
        var key = UInt64(token) | UInt64(rec.beatsAndBits) << 48
        let dynamic = bubble | stall
        if dynamic != 0 { key = dynamic < 256 ? key | bubble << 32 | stall << 40 : 0 }
        if let memo, memo.pointee.first.key == key {
            now &+= UInt64(memo.pointee.first.delta)
            token = memo.pointee.first.out
            memo.pointee.first.hits &+= 1
            if memo.pointee.first.hits == 0 { creditWrapped(&memo.pointee.first) }
        } else if let memo, memo.pointee.second.key == key {
            now &+= UInt64(memo.pointee.second.delta)
            token = memo.pointee.second.out
            memo.pointee.second.hits &+= 1
            if memo.pointee.second.hits == 0 { creditWrapped(&memo.pointee.second) }
        } else {
            issueM7(st.p, executed: executed, beats: rec.beats, bubble: bubble, stall: stall, key: key, memo)
        }
        // Branches are resolved when the next instruction shows where control went.
        let pending = CoreTimer.pendingBranch(unit: st.unit, opClass: st.opClass, reads: st.reads,
                                              branched: rec.branched)
        if pending != .none {
            pendingBranchPC = rec.pc
            pendingFallthrough = rec.pc &+ (st.flags & TimingFlags.wide != 0 ? 4 : 2)
            pendingKind = pending
        }
    }

    /// The Cortex-M7 issue rules for one instruction, given its bubble and data stall (a
    /// memo miss); records a memo when `memo` is given and the state fits one.
    @usableFromInline @inline(never)
    func issueM7(_ st: UnsafePointer<StaticTiming>, executed: Bool, beats: UInt8, bubble: UInt64, stall: UInt64,
                 key: UInt64, _ memo: UnsafeMutablePointer<TimingMemo>?) {
        memoMisses &+= 1
        let before = now
        let canMemo = memo != nil && memoize && before != 0 && (bubble | stall) < 256
        var tokenIn = token
        materializeM7()
        if canMemo && tokenIn == 0 { tokenIn = relativeStateToken() }
        let dual0 = dualIssuedCount, skipped0 = skippedCount, interlock0 = stalls.interlock, divide0 = stalls.divide
        issueRulesM7(st.pointee, executed: executed, beats: beats, bubble: bubble, stall: stall)
        guard canMemo, let memo, tokenIn != 0 else { return }
        let delta = now &- before, interlock = stalls.interlock &- interlock0, divide = stalls.divide &- divide0
        guard delta <= UInt64(UInt32.max), interlock < 256, divide < 256 else { return }
        let out = relativeStateToken()
        guard out != 0 else { return }
        let dual = UInt8(dualIssuedCount &- dual0), skipped = UInt8(skippedCount &- skipped0)
        flush(&memo.pointee.second)  // the counters of the memo it replaces
        memo.pointee.second = memo.pointee.first
        var e = TimingMemo.Entry()
        e.key = key & ~UInt64(UInt32.max) | UInt64(tokenIn)
        e.out = out
        e.delta = UInt32(delta)
        e.dual = dual
        e.skipped = skipped
        e.interlock = UInt8(interlock)
        e.divide = UInt8(divide)
        memo.pointee.first = e
        token = out
    }

    /// [M7] ARMScheduleM7.td: in-order issue of up to two instructions per cycle.
    @inline(__always)
    func issueRulesM7(_ st: StaticTiming, executed: Bool, beats: UInt8, bubble: UInt64, stall: UInt64) {
        if bubble != 0 {
            now &+= bubble
            slotFree = false
        }
        if st.cycles == 0 { return }  // IT: issued with its neighbour, no pipe of its own
        if !executed { skippedCount &+= 1 }
        let group = now &- 1
        let flags = st.flags
        var t = now
        if slotFree && flags & (TimingFlags.singleIssue | TimingFlags.slot0) == 0 && usedUnits & st.unit == 0 {
            t = group
        }
        if executed {
            // Operands: normal reads at EX2 (ReadAdvance 0), address and shifted operands
            // one stage earlier (M7Read_ISS, SchedReadAdvance<-1>).
            // `ready` holds (cycle the value is ready) + 1; 0 = never written.
            var need: UInt64 = 0
            var m = st.reads
            while m != 0 {
                let r = ready[m.trailingZeroBitCount]
                let c = r == 0 ? 0 : r &- 1
                if c > need { need = c }
                m &= m &- 1
            }
            m = st.early
            while m != 0 {
                let r = ready[m.trailingZeroBitCount]
                if r > need { need = r }
                m &= m &- 1
            }
            if need > t {
                if need > now { stalls.interlock &+= need &- max(t, now) }
                t = need
            }
        }
        var n: UInt64 = 1
        if t == group && t &+ 1 == now {
            // Dual issue with the previous instruction.
            slotFree = false
            usedUnits |= st.unit
            dualIssuedCount &+= 1
        } else {
            n = UInt64(st.cycles)
            if flags & TimingFlags.multiple != 0 {
                // LDM/STM/PUSH/POP: sersim moves two registers per cycle over the 64-bit
                // load/store path (approximation; ARMScheduleM7.td only marks them single
                // issue).
                n = max(1, (UInt64(beats) &+ 1) / 2)
            }
            if n > 1 && st.opClass == OpClass.div.rawValue { stalls.divide &+= n &- 1 }
            now = t &+ n
            slotFree = flags & TimingFlags.singleIssue == 0 && n == 1
            usedUnits = st.unit
        }
        if executed {
            if stall != 0 {
                now &+= stall
                slotFree = false
            }
            var w = st.writes
            if w != 0 {
                let at = t &+ n &+ UInt64(st.latency)  // ready + 1
                while w != 0 {
                    ready[w.trailingZeroBitCount] = at
                    w &= w &- 1
                }
                // A write-back base is "bypassable out of EX1" (M7BaseUpdate, latency 0).
                if st.base != StaticTiming.noBase { ready[Int(st.base & 15)] = t &+ 1 }
            }
        }
    }

    /// Write the pipeline state a token stands for back into `slotFree`, `usedUnits` and
    /// `ready` (relative to the current `now`), and drop the token.
    @usableFromInline
    func materializeM7() {
        guard token != 0 else { return }
        let k = states.key(token)
        token = 0
        let base = now &- 1
        for r in 0..<8 {
            let d = (k.lo >> UInt64(8 * r)) & 0xFF
            ready[r] = d == 0 ? 0 : base &+ d
            let e = (k.hi >> UInt64(8 * r)) & 0xFF
            ready[r + 8] = e == 0 ? 0 : base &+ e
        }
        slotFree = k.units & 0x100 != 0
        usedUnits = UInt8(truncatingIfNeeded: k.units)
    }

    /// The token of the current pipeline state (held in the fields), or 0 when a register's
    /// readiness lies too far ahead to be kept in a byte.
    func relativeStateToken() -> UInt32 {
        var lo: UInt64 = 0, hi: UInt64 = 0
        let base = now &- 1
        for r in 0..<16 {
            let x = ready[r]
            guard x != 0 && x > base else { continue }
            let d = x &- base
            guard d < 256 else { return 0 }
            if r < 8 { lo |= d << UInt64(8 * r) } else { hi |= d << UInt64(8 * (r - 8)) }
        }
        let units: UInt16 = slotFree ? 0x100 | UInt16(usedUnits) : 0
        return states.token(M7StateTable.Key(lo: lo, hi: hi, units: units))
    }

    /// Hand a memo's counters over (before it is replaced, and before the counts are read
    /// or its slot dropped: the machine calls this with the execution counts).
    public func flushMemo(_ memo: UnsafeMutablePointer<TimingMemo>) {
        flush(&memo.pointee.first)
        flush(&memo.pointee.second)
    }

    /// A memo's hit count wrapped to 0: it was applied 2^32 times since its last flush.
    /// (Testing for the wrap after the increment is one instruction fewer per hit than
    /// testing for the maximum.)
    @usableFromInline @inline(never)
    func creditWrapped(_ e: inout TimingMemo.Entry) {
        let n = UInt64(UInt32.max) + 1
        dualIssuedCount &+= n &* UInt64(e.dual)
        skippedCount &+= n &* UInt64(e.skipped)
        stalls.interlock &+= n &* UInt64(e.interlock)
        stalls.divide &+= n &* UInt64(e.divide)
    }

    func flush(_ e: inout TimingMemo.Entry) {
        let n = UInt64(e.hits)
        guard n != 0 else { return }
        e.hits = 0
        dualIssuedCount &+= n &* UInt64(e.dual)
        skippedCount &+= n &* UInt64(e.skipped)
        stalls.interlock &+= n &* UInt64(e.interlock)
        stalls.divide &+= n &* UInt64(e.divide)
    }

    /// The previous instruction was a branch; `nextPC` is where control went. Returns the
    /// misprediction penalty, if any, and trains the predictor.
    @usableFromInline @inline(never)
    func resolveBranch(nextPC: UInt32) -> UInt64 {
        let kind = pendingKind
        pendingKind = .none
        let taken = nextPC != pendingFallthrough
        let correct: Bool
        if kind == .direct {
            correct = predictor.direct(pc: pendingBranchPC, taken: taken)
        } else {
            correct = !taken || predictor.indirect(pc: pendingBranchPC, target: nextPC)
        }
        if correct { return 0 }
        stalls.mispredict &+= mispredictPenalty
        return mispredictPenalty
    }

    // MARK: Caches and statistics

    /// CCR.IC (bit 17) and CCR.DC (bit 16) changed (Cortex-M7 TRM 4.1). Caches act only
    /// while enabled, as on the chip.
    public func setCacheEnables(ccr: UInt32) {
        memory.setL1(instruction: ccr & (1 << 17) != 0, data: ccr & (1 << 16) != 0)
        fetchSpan = 0
    }

    /// Whether the Cortex-M7 L1 caches are on (CCR.IC, CCR.DC).
    public var cachesEnabled: (instruction: Bool, data: Bool) { (memory.icacheEnabled, memory.dcacheEnabled) }

    /// Flash wait states at this clock (from the board's latency table).
    public var flashWaitStates: Int { memory.flashWait }

    /// A snapshot of the run's statistics.
    public var statistics: TimingStatistics {
        collectCounts?()
        var s = TimingStatistics()
        s.cycles = cycles
        s.instructions = instructionCount
        s.skipped = skippedCount
        s.dualIssued = dualIssuedCount
        s.exceptionEntries = exceptionCount
        s.classCounts = (0..<OpClass.allCases.count).map { classCounts[$0] }
        s.regions = memory.regions.indices.map { i in
            RegionStatistics(name: regionName(i), fetches: memory.regionFetches[i], reads: regionReads[i],
                             writes: regionWrites[i])
        }
        s.regions.append(RegionStatistics(name: "PPB", fetches: 0, reads: regionReads[255], writes: regionWrites[255]))
        s.caches = memory.caches.map { CacheStatistics(name: $0.name, accesses: $0.model.accesses, misses: $0.model.misses) }
        if memory.prefetch {
            s.caches.append(CacheStatistics(name: "prefetch", accesses: memory.prefetchAccesses,
                                            misses: memory.prefetchAccesses &- memory.prefetchHits))
        }
        s.stalls = stalls
        return s
    }

    /// The board's region names, for the statistics.
    private let regionNames: [String]
    private func regionName(_ i: Int) -> String { i < regionNames.count ? regionNames[i] : "region\(i)" }
}

/// Cortex-M7 branch prediction as sersim approximates it: a 64-entry direct-mapped table
/// of tagged entries, each with a 2-bit counter (direct branches) and the last target
/// (indirect branches). A branch that is not in the table is predicted not taken. Arm
/// documents a branch target address cache but not its geometry; the size and policy here
/// are sersim's assumptions (docs/timing.md).
@usableFromInline struct BranchPredictor {
    @usableFromInline static let entries = 64
    @usableFromInline let tags: UnsafeMutablePointer<UInt32>
    @usableFromInline let counters: UnsafeMutablePointer<UInt8>
    @usableFromInline let targets: UnsafeMutablePointer<UInt32>

    init() {
        tags = .allocate(capacity: BranchPredictor.entries)
        tags.initialize(repeating: .max, count: BranchPredictor.entries)
        counters = .allocate(capacity: BranchPredictor.entries)
        counters.initialize(repeating: 0, count: BranchPredictor.entries)
        targets = .allocate(capacity: BranchPredictor.entries)
        targets.initialize(repeating: 0, count: BranchPredictor.entries)
    }

    func deallocate() {
        tags.deallocate()
        counters.deallocate()
        targets.deallocate()
    }

    @inlinable @inline(__always)
    static func index(_ pc: UInt32) -> Int { Int((pc >> 1) & UInt32(entries - 1)) }

    /// Predict and train a direct branch; returns whether the prediction was right.
    @usableFromInline
    func direct(pc: UInt32, taken: Bool) -> Bool {
        let i = BranchPredictor.index(pc)
        let hit = tags[i] == pc
        let predictedTaken = hit && counters[i] >= 2
        if taken {
            if hit { counters[i] = min(3, counters[i] &+ 1) } else { tags[i] = pc; counters[i] = 2 }
        } else if hit {
            counters[i] = counters[i] == 0 ? 0 : counters[i] &- 1
        }
        return predictedTaken == taken
    }

    /// Predict and train a taken indirect branch; returns whether the target was right.
    @usableFromInline
    func indirect(pc: UInt32, target: UInt32) -> Bool {
        let i = BranchPredictor.index(pc)
        let correct = tags[i] == pc && targets[i] == target
        tags[i] = pc
        targets[i] = target
        counters[i] = 3
        return correct
    }
}
