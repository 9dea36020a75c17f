#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import CycleTiming
import ThumbISA

/// Translated blocks: host code in an executable arena, found by guest address through a
/// direct-mapped table. Dropped whole when decoded instructions change
/// (`MemoryMap.codeGeneration`) or the arena fills.
final class TranslationCache {
    struct Entry {
        /// The guest address the entry is for (1: none, addresses are even).
        var pc: UInt32 = 1
        /// Profile slot of the block's function.
        var function: UInt16 = 0
        /// Times the interpreter ran the block at `pc` before it is translated
        /// (`MachineOptions.translateAfter`); `.max` once translation was tried.
        var visits: UInt16 = 0
        /// nil: the interpreter runs the instruction at `pc` (or the block, while it is cold).
        var code: UnsafeRawPointer?
    }

    static let entryCount = 4096
    static let arenaBytes = 8 << 20
    let entries: UnsafeMutablePointer<Entry>
    let arena: UnsafeMutableRawPointer
    var used = 0
    var generation: UInt64
    /// The Cortex-M7 segment memos translated code holds (`SegmentMemo`), dropped with it.
    private(set) var segments: [UnsafeMutableRawPointer] = []
    /// The access sites translated code holds (`BlockTranslator.AccessSite`), dropped with it.
    private var siteBlocks: [UnsafeMutableRawPointer] = []

    /// Whether translated code can run on this host's architecture.
    static let hostSupported: Bool = {
        #if arch(x86_64)
        return true
        #else
        return false
        #endif
    }()

    init?(generation: UInt64) {
        let p = mmap(nil, TranslationCache.arenaBytes, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else { return nil }
        arena = p
        entries = .allocate(capacity: TranslationCache.entryCount)
        entries.initialize(repeating: Entry(), count: TranslationCache.entryCount)
        self.generation = generation
    }

    deinit {
        munmap(arena, TranslationCache.arenaBytes)
        entries.deallocate()
        for s in segments { s.deallocate() }
        for s in siteBlocks { s.deallocate() }
    }

    /// Drop every translation; the segments' counters go to `timer` first.
    func flush(generation: UInt64, timer: CoreTimer) {
        for k in 0..<TranslationCache.entryCount { entries[k] = Entry() }
        used = 0
        self.generation = generation
        foldSegments(timer)
        for s in segments { s.deallocate() }
        segments.removeAll()
        for s in siteBlocks { s.deallocate() }
        siteBlocks.removeAll()
    }

    func foldSegments(_ timer: CoreTimer) {
        for s in segments { timer.foldSegment(s) }
    }

    func allocateSegment(_ steps: [(timing: StaticTiming, beats: UInt8)]) -> UnsafeMutableRawPointer {
        let s = SegmentMemo.allocate(steps)
        segments.append(s)
        return s
    }

    func allocateSites(_ bytes: Int) -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        siteBlocks.append(p)
        return p
    }

    @inline(__always)
    func entry(_ pc: UInt32) -> UnsafeMutablePointer<Entry> {
        entries + Int((pc >> 1) & UInt32(TranslationCache.entryCount - 1))
    }

    /// Copy code into the arena; nil when it is full.
    func install(_ code: UnsafeRawBufferPointer) -> UnsafeRawPointer? {
        let size = (code.count + 15) & ~15
        guard used + size <= TranslationCache.arenaBytes, let from = code.baseAddress else { return nil }
        let at = arena + used
        at.copyMemory(from: from, byteCount: code.count)
        used += size
        return UnsafeRawPointer(at)
    }

    /// Where translations are assembled before they are installed: one buffer, reused.
    let scratch = CodeBuffer(capacity: 256 << 10)
}

extension Machine {
    typealias TranslatedBlock = @convention(c) (UnsafeMutableRawPointer) -> Void

    /// The translation cache, made on first use; nil where translated code cannot run
    /// (another host architecture, or no executable memory, tried once).
    func translationCache() -> TranslationCache? {
        if let translations { return translations }
        guard TranslationCache.hostSupported && !translationUnavailable else { return nil }
        translations = TranslationCache(generation: memory.codeGeneration)
        translationUnavailable = translations == nil
        return translations
    }

    /// The hot loop with translated blocks: each block runs to its end, to the next event
    /// or to an instruction the interpreter must run (`TranslatedContext.ExitReason`).
    @inline(never)
    func runToEventTranslated(_ cache: TranslationCache) throws {
        if itState != 0 { try runITBlock() }
        let model = timer.model
        let ctx = UnsafeMutableRawPointer(r)
        typealias C = TranslatedContext
        ctx.storeBytes(of: memory.pages, toByteOffset: Int(C.pages), as: UnsafeMutablePointer<UInt8>.self)
        ctx.storeBytes(of: memory.regions, toByteOffset: Int(C.regions), as: UnsafeMutablePointer<RegionInfo>.self)
        let counters = timer.transferCounters
        ctx.storeBytes(of: counters.reads, toByteOffset: Int(C.regionReads), as: UnsafeMutablePointer<UInt64>.self)
        ctx.storeBytes(of: counters.writes, toByteOffset: Int(C.regionWrites), as: UnsafeMutablePointer<UInt64>.self)
        ctx.storeBytes(of: timer.dataFreeFlags, toByteOffset: Int(C.dataFree), as: UnsafeMutablePointer<Bool>.self)
        ctx.storeBytes(of: Unmanaged.passUnretained(self).toOpaque(), toByteOffset: Int(C.machine), as: UnsafeMutableRawPointer.self)
        ctx.storeBytes(of: unsafeBitCast(translatedFetchHelper, to: UnsafeRawPointer.self), toByteOffset: Int(C.fetchHelper),
                       as: UnsafeRawPointer.self)
        ctx.storeBytes(of: unsafeBitCast(translatedDataHelper, to: UnsafeRawPointer.self), toByteOffset: Int(C.dataHelper),
                       as: UnsafeRawPointer.self)
        ctx.storeBytes(of: unsafeBitCast(translatedRetireHelper, to: UnsafeRawPointer.self), toByteOffset: Int(C.retireHelper),
                       as: UnsafeRawPointer.self)
        ctx.storeBytes(of: unsafeBitCast(translatedWrapHelper, to: UnsafeRawPointer.self), toByteOffset: Int(C.wrapHelper),
                       as: UnsafeRawPointer.self)
        ctx.storeBytes(of: unsafeBitCast(translatedSegmentHelper, to: UnsafeRawPointer.self), toByteOffset: Int(C.segmentHelper),
                       as: UnsafeRawPointer.self)
        let scalar = timer.isScalarModel, m7 = model == .m7
        let translateAfter = options.translateAfter
        if m7 {
            let tables = timer.branchPredictorTables
            ctx.storeBytes(of: tables.tags, toByteOffset: Int(C.predictorTags), as: UnsafeMutablePointer<UInt32>.self)
            ctx.storeBytes(of: tables.counters, toByteOffset: Int(C.predictorCounters), as: UnsafeMutablePointer<UInt8>.self)
            ctx.storeBytes(of: tables.targets, toByteOffset: Int(C.predictorTargets), as: UnsafeMutablePointer<UInt32>.self)
        }
        defer { foldTranslatedStalls() }
        fetchPathGeneration = timer.translatedFetchPathGeneration &- 1  // a new run, maybe a new timer
        dataPathGeneration = timer.translatedDataPathGeneration &- 1
        refreshFetchPath()
        while timer.cycles < nextEventCycle {
            if cache.generation != memory.codeGeneration { cache.flush(generation: memory.codeGeneration, timer: timer) }
            let e = cache.entry(pc)
            if e.pointee.pc != pc { e.pointee = TranslationCache.Entry(pc: pc) }
            if e.pointee.visits < translateAfter {
                // A cold block: translating it costs more than interpreting it a few times
                // (a block of the SER model takes some 35 µs to translate); a loop's body
                // reaches the count at once.
                e.pointee.visits &+= 1
                try interpretBlock(model)
                refreshFetchPath()
                continue
            }
            if e.pointee.visits == translateAfter {
                translateBlock(at: pc, into: e, cache)
                e.pointee.visits = .max
            }
            guard let code = e.pointee.code else {
                try stepOne(model, conditional: false)
                refreshFetchPath()
                continue
            }
            let start = pc, before = timer.translatedNow
            ctx.storeBytes(of: flagN, toByteOffset: Int(C.flagN), as: Bool.self)
            ctx.storeBytes(of: flagZ, toByteOffset: Int(C.flagZ), as: Bool.self)
            ctx.storeBytes(of: flagC, toByteOffset: Int(C.flagC), as: Bool.self)
            ctx.storeBytes(of: flagV, toByteOffset: Int(C.flagV), as: Bool.self)
            ctx.storeBytes(of: flagQ, toByteOffset: Int(C.flagQ), as: Bool.self)
            ctx.storeBytes(of: timer.translatedNow, toByteOffset: Int(C.now), as: UInt64.self)
            ctx.storeBytes(of: nextEventCycle, toByteOffset: Int(C.nextEvent), as: UInt64.self)
            ctx.storeBytes(of: alignMask32, toByteOffset: Int(C.alignMask32), as: UInt32.self)
            ctx.storeBytes(of: alignMask16, toByteOffset: Int(C.alignMask16), as: UInt32.self)
            if scalar || m7 {
                let window = timer.fetchWindow
                ctx.storeBytes(of: window.lo, toByteOffset: Int(C.fetchLo), as: UInt32.self)
                ctx.storeBytes(of: window.span, toByteOffset: Int(C.fetchSpan), as: UInt32.self)
            }
            if scalar {
                let pipeline = timer.scalarPipeline
                ctx.storeBytes(of: pipeline.previous, toByteOffset: Int(C.previous), as: UInt64.self)
                ctx.storeBytes(of: pipeline.branchTarget, toByteOffset: Int(C.branchTarget), as: Bool.self)
            } else if m7 {
                ctx.storeBytes(of: timer.translatedToken, toByteOffset: Int(C.token), as: UInt32.self)
                storePendingBranch(ctx)
            }
            unsafeBitCast(code, to: TranslatedBlock.self)(ctx)
            if scalar || m7 {
                // Translated code moves the window itself (`inlineFetch`).
                timer.fetchWindow = (ctx.load(fromByteOffset: Int(C.fetchLo), as: UInt32.self),
                                     ctx.load(fromByteOffset: Int(C.fetchSpan), as: UInt32.self))
            }
            if scalar {
                timer.scalarPipeline = (ctx.load(fromByteOffset: Int(C.previous), as: UInt64.self),
                                        ctx.load(fromByteOffset: Int(C.branchTarget), as: Bool.self))
            } else if m7 {
                timer.translatedToken = ctx.load(fromByteOffset: Int(C.token), as: UInt32.self)
                loadPendingBranch(ctx)
            }
            flagN = ctx.load(fromByteOffset: Int(C.flagN), as: Bool.self)
            flagZ = ctx.load(fromByteOffset: Int(C.flagZ), as: Bool.self)
            flagC = ctx.load(fromByteOffset: Int(C.flagC), as: Bool.self)
            flagV = ctx.load(fromByteOffset: Int(C.flagV), as: Bool.self)
            flagQ = ctx.load(fromByteOffset: Int(C.flagQ), as: Bool.self)
            timer.translatedNow = ctx.load(fromByteOffset: Int(C.now), as: UInt64.self)
            pc = ctx.load(fromByteOffset: Int(C.exitPC), as: UInt32.self)
            let interpret = ctx.load(fromByteOffset: Int(C.exitReason), as: UInt32.self) == C.ExitReason.interpret.rawValue
            let it = ctx.load(fromByteOffset: Int(C.itState), as: UInt8.self)
            if it != 0 {
                // The block left inside an IT block (an event, or an instruction the
                // interpreter must run): the interpreter goes on with it.
                itState = it
                ctx.storeBytes(of: 0, toByteOffset: Int(C.itState), as: UInt8.self)
            }
            // As `stepOne` does, the function profile changes with the first instruction
            // that completes in another function (a block that bails at its first
            // instruction completed none).
            if options.profileFunctions && Int(e.pointee.function) != profileCurrent && !(interpret && pc == start) {
                switchProfile(to: Int(e.pointee.function), now: before)
            }
            if interpret {
                if itState != 0 { try runITBlock() } else { try stepOne(model, conditional: false) }
                refreshFetchPath()
            }
        }
    }

    /// The timer's pending branch into the context, for translated code.
    @inline(__always)
    func storePendingBranch(_ ctx: UnsafeMutableRawPointer) {
        typealias C = TranslatedContext
        let p = timer.translatedPendingBranch
        ctx.storeBytes(of: p.kind, toByteOffset: Int(C.pendingKind), as: UInt32.self)
        ctx.storeBytes(of: p.pc, toByteOffset: Int(C.pendingPC), as: UInt32.self)
        ctx.storeBytes(of: p.fallthrough, toByteOffset: Int(C.pendingFallthrough), as: UInt32.self)
    }

    /// The context's pending branch back into the timer.
    @inline(__always)
    func loadPendingBranch(_ ctx: UnsafeMutableRawPointer) {
        typealias C = TranslatedContext
        timer.translatedPendingBranch = (ctx.load(fromByteOffset: Int(C.pendingKind), as: UInt32.self),
                                         ctx.load(fromByteOffset: Int(C.pendingPC), as: UInt32.self),
                                         ctx.load(fromByteOffset: Int(C.pendingFallthrough), as: UInt32.self))
    }

    /// Interpret from `pc` up to the next instruction that does not follow the one before
    /// it (a branch taken), the next event, or 64 instructions.
    @inline(never)
    func interpretBlock(_ model: CoreTimer.Model) throws {
        var n = 0
        while timer.cycles < nextEventCycle && n < 64 {
            let at = pc
            try stepOne(model, conditional: false)
            n += 1
            if pc != at &+ 2 && pc != at &+ 4 { return }
        }
    }

    /// Hand the stall counts translated code kept in the context to the timer.
    func foldTranslatedStalls() {
        guard translations != nil else { return }
        let ctx = UnsafeMutableRawPointer(r)
        typealias C = TranslatedContext
        let branch = ctx.load(fromByteOffset: Int(C.stallBranch), as: UInt64.self)
        let interlock = ctx.load(fromByteOffset: Int(C.stallInterlock), as: UInt64.self)
        let skipped = ctx.load(fromByteOffset: Int(C.skipped), as: UInt64.self)
        let dcacheHits = ctx.load(fromByteOffset: Int(C.dataHits), as: UInt64.self)
        if dcacheHits != 0 {
            timer.addTranslatedDataHits(dcacheHits)
            ctx.storeBytes(of: 0, toByteOffset: Int(C.dataHits), as: UInt64.self)
        }
        let icacheHits = ctx.load(fromByteOffset: Int(C.fetchHits), as: UInt64.self)
        let xipHits = ctx.load(fromByteOffset: Int(C.fetchHits) + 8, as: UInt64.self)
        if icacheHits | xipHits != 0 {
            timer.addTranslatedFetchHits(icache: icacheHits, xip: xipHits)
            ctx.storeBytes(of: 0, toByteOffset: Int(C.fetchHits), as: UInt64.self)
            ctx.storeBytes(of: 0, toByteOffset: Int(C.fetchHits) + 8, as: UInt64.self)
        }
        guard branch | interlock | skipped != 0 else { return }
        timer.addTranslatedStalls(branch: branch, interlock: interlock, skipped: skipped)
        ctx.storeBytes(of: 0, toByteOffset: Int(C.stallBranch), as: UInt64.self)
        ctx.storeBytes(of: 0, toByteOffset: Int(C.stallInterlock), as: UInt64.self)
        ctx.storeBytes(of: 0, toByteOffset: Int(C.skipped), as: UInt64.self)
    }

    /// The fetch stall of an instruction outside the fetch window (translated code calls
    /// this through `translatedFetchHelper` with the cycle count in the context).
    func translatedFetch(_ pc: UInt32) -> UInt64 {
        let ctx = UnsafeMutableRawPointer(r)
        typealias C = TranslatedContext
        timer.translatedNow = ctx.load(fromByteOffset: Int(C.now), as: UInt64.self)
        let s = timer.translatedFetchStall(pc)
        let window = timer.fetchWindow
        ctx.storeBytes(of: window.lo, toByteOffset: Int(C.fetchLo), as: UInt32.self)
        ctx.storeBytes(of: window.span, toByteOffset: Int(C.fetchSpan), as: UInt32.self)
        refreshFetchPath()
        return s
    }

    /// The memory system's fetch fast path, for translated code's own look-ups
    /// (`BlockTranslator.inlineFetch`): after anything that may have fetched elsewhere or
    /// switched a cache on or off. A path a little out of date is harmless: it describes a
    /// region with the caches as they are, and a hit there does what `CoreTimer.fetch`
    /// would. The D-cache path (`inlineDataCacheHit`) too, when a cache was switched.
    @inline(__always)
    func refreshFetchPath() {
        if timer.translatedDataPathGeneration != dataPathGeneration {
            dataPathGeneration = timer.translatedDataPathGeneration
            UnsafeMutableRawPointer(r).storeBytes(of: timer.translatedDataPath(), toByteOffset: Int(TranslatedContext.dataPath),
                                                  as: CoreTimer.TranslatedDataPath.self)
        }
        let generation = timer.translatedFetchPathGeneration
        guard generation != fetchPathGeneration else { return }
        fetchPathGeneration = generation
        let path = timer.translatedFetchPath
        UnsafeMutableRawPointer(r).storeBytes(of: path, toByteOffset: Int(TranslatedContext.fetchPath),
                                              as: CoreTimer.TranslatedFetchPath.self)
        // A window this path opens is whole fetch blocks (or it opens none): `wholeRun`.
        let blocks = path.span == 0 || (path.windowMask + 1) % BlockTranslator.fetchBlock == 0
        UnsafeMutableRawPointer(r).storeBytes(of: blocks ? UInt32.max : 0, toByteOffset: Int(TranslatedContext.fetchBlocks),
                                              as: UInt32.self)
    }

    /// Retire a translated instruction with the timing model's own rules (the Cortex-M7),
    /// from a record made of what the translated code knows: `shape` is region | beats << 8
    /// | beat bytes << 16 | record bits << 24. Returns the new cycle count.
    func translatedRetire(_ slot: UnsafeMutableRawPointer, pc: UInt32, address: UInt32, shape: UInt32,
                          dataStall: UInt64) -> UInt64 {
        let ctx = UnsafeMutableRawPointer(r)
        typealias C = TranslatedContext
        timer.translatedNow = ctx.load(fromByteOffset: Int(C.now), as: UInt64.self)
        timer.translatedToken = ctx.load(fromByteOffset: Int(C.token), as: UInt32.self)
        timer.fetchWindow = (ctx.load(fromByteOffset: Int(C.fetchLo), as: UInt32.self),
                             ctx.load(fromByteOffset: Int(C.fetchSpan), as: UInt32.self))
        loadPendingBranch(ctx)
        let rec = recordStorage
        rec.pointee.pc = pc
        rec.pointee.address = address
        // Beats, bits, beat bytes and region in one store, as they lie in the record: the
        // timing rules read beats and bits as one 16-bit field next, which four byte
        // stores would make wait (no store-to-load forwarding across them).
        let word = (shape >> 8) & 0xFF | (shape >> 24) << 8 | shape & 0xFF_0000 | (shape & 0xFF) << 24
        UnsafeMutableRawPointer(rec).storeBytes(of: word.littleEndian, toByteOffset: recordShapeOffset, as: UInt32.self)
        let s = slot.assumingMemoryBound(to: DecodedSlot.self)
        let timing = UnsafeRawPointer(slot).advanced(by: DecodedSlot.timingOffset).assumingMemoryBound(to: StaticTiming.self)
        // The Cortex-M7 is the only model translated code retires this way: its rules
        // specialised here, as in the interpreter's loop.
        timer.retire(TimingRef(timing), RecordRef(rec), as: .m7, memo: DecodedSlot.memo(s), alwaysExecuted: false,
                     knownDataStall: dataStall)
        ctx.storeBytes(of: timer.translatedToken, toByteOffset: Int(C.token), as: UInt32.self)
        storePendingBranch(ctx)
        let window = timer.fetchWindow
        ctx.storeBytes(of: window.lo, toByteOffset: Int(C.fetchLo), as: UInt32.self)
        ctx.storeBytes(of: window.span, toByteOffset: Int(C.fetchSpan), as: UInt32.self)
        // No `refreshFetchPath` here (it is the hottest helper): a fetch in these rules is
        // the block's own, in the region the context's fetch path already describes; a
        // path left describing another region only misses its range test.
        return timer.translatedNow
    }

    /// An IT instruction and the instructions of its block, each with the ITSTATE it runs
    /// under; nil unless all of them can be translated and none ends a block (a branch).
    func translatableITBlock(_ slot: UnsafeMutablePointer<DecodedSlot>, at start: UInt32,
                             function: UInt16) -> [TranslatableInstruction]? {
        let it = slot.pointee.inst
        var group = [TranslatableInstruction(inst: it, pc: start, slot: slot, timing: slot.pointee.timing,
                                             beats: 0, beatBytes: 0, write: false)]
        var state = it.cond.rawValue << 4 | UInt8(it.list & 0xF)
        var addr = start &+ UInt32(it.size)
        while state != 0 {
            if probes.contains(addr) || (callActive && addr == Machine.callReturnAddress) { return nil }
            guard let s = try? fetch(addr), s != probeSlot, s.pointee.function == function else { return nil }
            let inst = s.pointee.inst
            var last = false
            guard inst.op != .it, BlockTranslator.canTranslate(inst, pc: addr, endsBlock: &last), !last else { return nil }
            let transfer = BlockTranslator.transfers(inst)
            group.append(TranslatableInstruction(
                inst: inst, pc: addr, slot: s, timing: s.pointee.timing,
                beats: transfer.beats, beatBytes: transfer.bytes, write: transfer.write, itState: state))
            addr &+= UInt32(inst.size)
            state = Machine.itAdvance(state)
        }
        return group
    }

    /// Where an execution record's beats, bits, beat bytes and region lie, one byte each
    /// in that order (`translatedRetire`, which reads the copy in `recordShapeOffset`: a
    /// static's every use checks its initialisation; pinned by a test).
    static let recordShapeOffset = MemoryLayout<ExecutionRecord>.offset(of: \ExecutionRecord.beats)!

    /// The longest block translated: long enough that an unrolled kernel loop (the MAC
    /// loops run 70 to 130 instructions) is one block, whose segments then run whole and
    /// whose first instruction, timed by the helper, comes once per iteration.
    static let maxBlockInstructions = 256

    /// Translate the block at `start` into `e` (code nil when its first instruction is the
    /// interpreter's: an operation the translator lacks, a probe, an unmapped address).
    func translateBlock(at start: UInt32, into e: UnsafeMutablePointer<TranslationCache.Entry>, _ cache: TranslationCache) {
        e.pointee = TranslationCache.Entry(pc: start, function: 0, code: nil)
        var block: [TranslatableInstruction] = []
        var addr = start
        var function: UInt16?
        while block.count < Machine.maxBlockInstructions {
            // Probes and a call's return address are the slow fetch path's to handle.
            if probes.contains(addr) || (callActive && addr == Machine.callReturnAddress) { break }
            guard let slot = try? fetch(addr), slot != probeSlot else { break }
            let inst = slot.pointee.inst
            if let function, slot.pointee.function != function { break }
            if inst.op == .it {
                // An IT instruction and its whole block, or neither.
                guard let group = translatableITBlock(slot, at: addr, function: slot.pointee.function),
                      block.count + group.count <= Machine.maxBlockInstructions else { break }
                function = slot.pointee.function
                block += group
                addr = group.last!.pc &+ UInt32(group.last!.inst.size)
                continue
            }
            var last = false
            guard BlockTranslator.canTranslate(inst, pc: addr, endsBlock: &last) else { break }
            function = slot.pointee.function
            let transfer = BlockTranslator.transfers(inst)
            block.append(TranslatableInstruction(
                inst: inst, pc: addr, slot: slot, timing: slot.pointee.timing,
                beats: transfer.beats, beatBytes: transfer.bytes, write: transfer.write))
            addr &+= UInt32(inst.size)
            if last { break }
        }
        guard !block.isEmpty else { return }
        var code: UnsafeRawPointer?
        for _ in 0..<2 {
            let chaining = BlockTranslator.Chaining(entries: UnsafeMutableRawPointer(cache.entries),
                                                    entryMask: UInt32(TranslationCache.entryCount - 1),
                                                    function: function ?? 0)
            var translator = BlockTranslator(model: timer.model, allocateSegment: cache.allocateSegment,
                                             allocateSites: cache.allocateSites, chaining: chaining,
                                             fetchPath: timer.model == .m7 ? timer.translatedFetchPath : nil,
                                             code: cache.scratch)
            guard let bytes = translator.translate(block, fallthroughPC: addr) else { return }
            code = cache.install(bytes)
            if code != nil { break }
            // The arena is full: start again (every entry, this one included, is dropped,
            // and the segment memos this translation made with them: translate again).
            cache.flush(generation: cache.generation, timer: timer)
            e.pointee = TranslationCache.Entry(pc: start, function: 0, code: nil)
        }
        e.pointee.function = function ?? 0
        e.pointee.code = code
    }
}

/// The machine a context belongs to, without reference counting (the machine is running
/// the block that calls the helper; a retain and release per call cost more than the
/// helper's work, the machine's weak references making them the slow kind).
@inline(__always)
func translatedMachine(_ ctx: UnsafeMutableRawPointer) -> Unmanaged<Machine> {
    Unmanaged<Machine>.fromOpaque(ctx.load(fromByteOffset: Int(TranslatedContext.machine), as: UnsafeRawPointer.self))
}

/// Helpers translated code calls (System V ABI: the context in rdi).
let translatedFetchHelper: @convention(c) (UnsafeMutableRawPointer, UInt32) -> UInt64 = { ctx, pc in
    translatedMachine(ctx)._withUnsafeGuaranteedRef { $0.translatedFetch(pc) }
}

/// `shape`: region index | beats << 8 | beat bytes << 16 | write << 24.
let translatedDataHelper: @convention(c) (UnsafeMutableRawPointer, UInt32, UInt32) -> UInt64 = { ctx, address, shape in
    translatedMachine(ctx)._withUnsafeGuaranteedRef {
        $0.timer.translatedDataStall(region: Int(shape & 0xFF), address: address, beats: Int((shape >> 8) & 0xFF),
                                     beatBytes: Int((shape >> 16) & 0xFF), write: shape >> 24 != 0)
    }
}

/// `slot` is the instruction's decode-cache slot (`Machine.translatedRetire`).
/// `dataStall`: `UInt64.max`, or the data stall the code already looked up.
let translatedRetireHelper: @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer, UInt32, UInt32, UInt32,
                                            UInt64) -> UInt64 = {
    ctx, slot, pc, address, shape, dataStall in
    translatedMachine(ctx)._withUnsafeGuaranteedRef { $0.translatedRetire(slot, pc: pc, address: address, shape: shape, dataStall: dataStall) }
}

/// A segment's memo for the state token in the context (`CoreTimer.buildSegment`), which
/// may come back renumbered.
let translatedSegmentHelper: @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Void = { ctx, segment in
    translatedMachine(ctx)._withUnsafeGuaranteedRef {
        let offset = Int(TranslatedContext.token)
        let token = $0.timer.buildSegment(segment, entry: ctx.load(fromByteOffset: offset, as: UInt32.self))
        ctx.storeBytes(of: token, toByteOffset: offset, as: UInt32.self)
    }
}

/// A memo entry's hit count wrapped in translated code (`CoreTimer.translatedHitsWrapped`).
let translatedWrapHelper: @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Void = { ctx, entry in
    translatedMachine(ctx)._withUnsafeGuaranteedRef { $0.timer.translatedHitsWrapped(entry) }
}

