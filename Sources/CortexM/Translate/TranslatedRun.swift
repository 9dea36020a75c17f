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
        /// nil: the interpreter runs the instruction at `pc`.
        var code: UnsafeRawPointer?
    }

    static let entryCount = 4096
    static let arenaBytes = 8 << 20
    let entries: UnsafeMutablePointer<Entry>
    let arena: UnsafeMutableRawPointer
    var used = 0
    var generation: UInt64

    /// Whether translated code can run for this timing model on this host.
    static func supported(model: CoreTimer.Model) -> Bool {
        #if arch(x86_64)
        return model == .placeholder
        #else
        return false
        #endif
    }

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
    }

    func flush(generation: UInt64) {
        for k in 0..<TranslationCache.entryCount { entries[k] = Entry() }
        used = 0
        self.generation = generation
    }

    @inline(__always)
    func entry(_ pc: UInt32) -> UnsafeMutablePointer<Entry> {
        entries + Int((pc >> 1) & UInt32(TranslationCache.entryCount - 1))
    }

    /// Copy code into the arena; nil when it is full.
    func install(_ code: [UInt8]) -> UnsafeRawPointer? {
        let size = (code.count + 15) & ~15
        guard used + size <= TranslationCache.arenaBytes else { return nil }
        let at = arena + used
        code.withUnsafeBytes { at.copyMemory(from: $0.baseAddress!, byteCount: code.count) }
        used += size
        return UnsafeRawPointer(at)
    }
}

extension Machine {
    typealias TranslatedBlock = @convention(c) (UnsafeMutableRawPointer) -> Void

    /// The hot loop with translated blocks: each block runs to its end, to the next event
    /// or to an instruction the interpreter must run (`TranslatedContext.ExitReason`).
    @inline(never)
    func runToEventTranslated() throws {
        if itState != 0 { try runITBlock() }
        if translations == nil { translations = TranslationCache(generation: memory.codeGeneration) }
        guard let cache = translations else {
            try runToEventPlaceholder()  // no executable memory on this host
            return
        }
        let model = timer.model
        let ctx = UnsafeMutableRawPointer(r)
        typealias C = TranslatedContext
        ctx.storeBytes(of: memory.pages, toByteOffset: Int(C.pages), as: UnsafeMutablePointer<UInt8>.self)
        ctx.storeBytes(of: memory.regions, toByteOffset: Int(C.regions), as: UnsafeMutablePointer<RegionInfo>.self)
        let counters = timer.transferCounters
        ctx.storeBytes(of: counters.reads, toByteOffset: Int(C.regionReads), as: UnsafeMutablePointer<UInt64>.self)
        ctx.storeBytes(of: counters.writes, toByteOffset: Int(C.regionWrites), as: UnsafeMutablePointer<UInt64>.self)
        while timer.cycles < nextEventCycle {
            if cache.generation != memory.codeGeneration { cache.flush(generation: memory.codeGeneration) }
            let e = cache.entry(pc)
            if e.pointee.pc != pc { translateBlock(at: pc, into: e, cache) }
            guard let code = e.pointee.code else {
                try stepOne(model, conditional: false)
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
            unsafeBitCast(code, to: TranslatedBlock.self)(ctx)
            flagN = ctx.load(fromByteOffset: Int(C.flagN), as: Bool.self)
            flagZ = ctx.load(fromByteOffset: Int(C.flagZ), as: Bool.self)
            flagC = ctx.load(fromByteOffset: Int(C.flagC), as: Bool.self)
            flagV = ctx.load(fromByteOffset: Int(C.flagV), as: Bool.self)
            flagQ = ctx.load(fromByteOffset: Int(C.flagQ), as: Bool.self)
            timer.translatedNow = ctx.load(fromByteOffset: Int(C.now), as: UInt64.self)
            pc = ctx.load(fromByteOffset: Int(C.exitPC), as: UInt32.self)
            let interpret = ctx.load(fromByteOffset: Int(C.exitReason), as: UInt32.self) == C.ExitReason.interpret.rawValue
            // As `stepOne` does, the function profile changes with the first instruction
            // that completes in another function (a block that bails at its first
            // instruction completed none).
            if options.profileFunctions && Int(e.pointee.function) != profileCurrent && !(interpret && pc == start) {
                switchProfile(to: Int(e.pointee.function), now: before)
            }
            if interpret { try stepOne(model, conditional: false) }
        }
    }

    /// Translate the block at `start` into `e` (code nil when its first instruction is the
    /// interpreter's: an operation the translator lacks, a probe, an unmapped address).
    func translateBlock(at start: UInt32, into e: UnsafeMutablePointer<TranslationCache.Entry>, _ cache: TranslationCache) {
        e.pointee = TranslationCache.Entry(pc: start, function: 0, code: nil)
        var block: [TranslatableInstruction] = []
        var addr = start
        var function: UInt16?
        let executionsOffset = MemoryLayout<DecodedSlot>.offset(of: \DecodedSlot.executions)!
        while block.count < 64 {
            // Probes and a call's return address are the slow fetch path's to handle.
            if probes.contains(addr) || (callActive && addr == Machine.callReturnAddress) { break }
            guard let slot = try? fetch(addr), slot != probeSlot else { break }
            let inst = slot.pointee.inst
            if let function, slot.pointee.function != function { break }
            var last = false
            guard BlockTranslator.canTranslate(inst, pc: addr, endsBlock: &last) else { break }
            function = slot.pointee.function
            let beats = BlockTranslator.transfers(inst)
            block.append(TranslatableInstruction(
                inst: inst, pc: addr,
                executions: (UnsafeMutableRawPointer(slot) + executionsOffset).assumingMemoryBound(to: UInt64.self),
                cycles: UInt32(slot.pointee.timing.cycles) + beats))
            addr &+= UInt32(inst.size)
            if last { break }
        }
        guard !block.isEmpty else { return }
        var translator = BlockTranslator()
        guard let bytes = translator.translate(block, fallthroughPC: addr) else { return }
        var code = cache.install(bytes)
        if code == nil {
            // The arena is full: start again (every entry, this one included, is dropped).
            cache.flush(generation: cache.generation)
            e.pointee = TranslationCache.Entry(pc: start, function: 0, code: nil)
            code = cache.install(bytes)
        }
        e.pointee.function = function ?? 0
        e.pointee.code = code
    }
}
