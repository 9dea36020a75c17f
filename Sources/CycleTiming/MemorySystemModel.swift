import BoardProfiles

/// The memory system between the core and a board's memories, as wait-state and stall
/// cycles: flash wait states from the clock (the reference manual's latency table), the
/// flash line buffer and prefetch, STM32's ART accelerator (or another vendor flash cache),
/// XIP flash behind its cache, the Cortex-M7 L1 caches (only while CCR.IC / CCR.DC enable
/// them, as on the chip), TCMs and SRAM at zero wait states.
///
/// Everything here is a model of *when* data arrives, not of the data: the machine's
/// memories hold the bytes. Approximations are listed in docs/timing.md.
@usableFromInline struct MemorySystemModel {
    /// How an access to a region is timed.
    enum Path: UInt8 {
        /// TCM, SRAM, ROM: zero wait states (or the region's fixed wait states).
        case direct
        /// On-chip flash: wait states from the latency table; fetches through the line
        /// buffer / prefetch / ART.
        case flash
        /// External flash behind the XIP cache (RP2040, ESP32).
        case xip
    }

    struct Region {
        var base: UInt32
        var size: UInt32
        var kind: RegionKind
        var path: Path
        /// Wait states of one access to the memory itself.
        var waitStates: Int
        /// Behind the Cortex-M7 AXI master (not a TCM): cacheable by the L1 caches.
        var l1Cacheable: Bool
    }

    let regions: [Region]
    let system: MemorySystem
    let flashWait: Int
    let flashLineBytes: UInt32
    let prefetch: Bool
    /// Flash instruction cache in front of flash: STM32's ART accelerator, or another
    /// vendor's equivalent given as `MemorySystem.art`.
    var art: CacheModel?
    /// The ART's data cache (STM32F4/L4: literal pools and other data the core reads from
    /// flash), looked up per flash read.
    var artData: CacheModel?
    @usableFromInline var xip: CacheModel?
    /// Cortex-M7 L1 caches (nil on cores without them).
    @usableFromInline var icache: CacheModel?
    var dcache: CacheModel?
    /// The D-cache line of the last cached data access (and its region), `.max` when none.
    /// It is the newest line of its set, so another access within it is a hit that leaves
    /// the LRU order as it is: `data` counts it without the look-up (weights streamed from
    /// flash hit the same line 7 times in 8).
    private var dcacheMRURegion = Int.max
    private var dcacheMRULine: UInt32 = .max
    private var dcacheLineShift: UInt32 = 0
    /// `regions` as raw storage for the hot path.
    private let regionTable: UnsafeMutablePointer<Region>
    private let regionCount: Int
    var icacheEnabled = false
    var dcacheEnabled = false
    /// Changes whenever a cache is switched on or off (`setL1`).
    var l1Generation: UInt32 = 0
    /// The board has core L1 caches governed by CCR.IC/DC (Cortex-M7).
    let hasL1: Bool

    // Statistics (per region index; index `regions.count` collects System Control Space).
    let regionFetches: UnsafeMutablePointer<UInt64>
    @usableFromInline var fetchStallCycles: UInt64 = 0
    var dataStallCycles: UInt64 = 0
    var prefetchHits: UInt64 = 0
    var prefetchAccesses: UInt64 = 0

    // Fetch state: instructions inside [fetchLo, fetchLo + fetchSpan) need no new look-up.
    var fetchLo: UInt32 = 1
    var fetchSpan: UInt32 = 0
    /// The flash line last fetched and the cycle its data was (or will be) ready; the
    /// prefetch buffer fetches the next line from then on.
    @usableFromInline var lastFlashLine: UInt32 = .max
    @usableFromInline var flashReadyAt: UInt64 = 0

    /// The fetch fast path (`CoreTimer.fetchStall`): the region of the last fetch,
    /// [fastLo, fastLo + fastSpan), when every line fetch there follows one simple rule
    /// that `fetch` would also apply, so that crossing into the next line needs no call.
    @usableFromInline enum FastFetch: UInt8 {
        /// No fast rule: call `fetch`.
        case none
        /// A flash line without ART or prefetch in the way: always `fastStall` cycles.
        case flash
        /// A fixed-wait fetch unit (32-bit fetches from a memory with wait states).
        case fixed
        /// A line of the XIP cache.
        case xip
        /// A line of the Cortex-M7 I-cache (enabled, region behind AXI).
        case icache
    }
    @usableFromInline var fastLo: UInt32 = 1
    @usableFromInline var fastSpan: UInt32 = 0
    @usableFromInline var fastMode = FastFetch.none
    /// Fetch unit (line) size of the fast region minus one.
    @usableFromInline var fastLineMask: UInt32 = 0
    @usableFromInline var fastStall: UInt64 = 0
    /// `regionFetches` of the fast region.
    @usableFromInline var fastCounter: UnsafeMutablePointer<UInt64>
    /// Changes whenever the fast path may have (for translated code's copy of it).
    var fastGeneration: UInt32 = 0

    init(board: Board, clockHz: Double, hasL1: Bool) throws {
        let ms = board.memorySystem
        system = ms
        self.hasL1 = hasL1
        flashWait = ms.flashWaitStates(atHz: clockHz)
        guard ms.flashLineBytes >= 2, ms.flashLineBytes.nonzeroBitCount == 1 else {
            throw TimingError.badMemorySystem(
                "\(board.name): memorySystem.flashLineBytes = \(ms.flashLineBytes) must be a power of two >= 2")
        }
        flashLineBytes = UInt32(ms.flashLineBytes)
        // Negative cycle counts would make no sense (and could not be added to a cycle count).
        for (field, value) in [("xipMissCycles", ms.xipMissCycles), ("busLatencyCycles", ms.busLatencyCycles)]
            where value < 0 {
            throw TimingError.badMemorySystem("\(board.name): memorySystem.\(field) = \(value) must not be negative")
        }
        guard ms.busWidthBytes >= 1 else {
            throw TimingError.badMemorySystem(
                "\(board.name): memorySystem.busWidthBytes = \(ms.busWidthBytes) must be at least 1")
        }
        if let step = ms.flashLatency.first(where: { $0.waitStates < 0 }) {
            throw TimingError.badMemorySystem(
                "\(board.name): memorySystem.flashLatency has \(step.waitStates) wait states up to \(step.maxHz) Hz")
        }
        if let region = board.memory.first(where: { $0.waitStates < 0 }) {
            throw TimingError.badMemorySystem(
                "\(board.name): memory region \(region.name) has waitStates = \(region.waitStates)")
        }
        prefetch = ms.prefetch
        func cache(_ name: String, _ spec: CacheSpec?, sectored: Bool = false) throws -> CacheModel? {
            guard let spec else { return nil }
            guard spec.sectorBytes == spec.lineBytes || sectored else {
                throw TimingError.badMemorySystem(
                    "\(board.name): memorySystem.\(name).sectorBytes: lines that fill a sector at a time are "
                        + "modelled for the XIP cache only")
            }
            guard let c = CacheModel(spec: spec) else {
                throw TimingError.badMemorySystem(
                    "\(board.name): memorySystem.\(name) (\(spec.sizeBytes) bytes, \(spec.ways) ways, "
                        + "\(spec.lineBytes)-byte lines) is not a power-of-two set-associative geometry")
            }
            return c
        }
        /// The ART's caches fill one flash read at a time (`MemorySystem.artAsTimed`).
        func artCache(_ name: String, given: CacheSpec?, timed: CacheSpec?) throws -> CacheModel? {
            if let a = given, a.sectorBytes != a.lineBytes {
                throw TimingError.badMemorySystem(
                    "\(board.name): memorySystem.\(name).sectorBytes: the ART fills one flash read at a time, "
                        + "so its sectors follow from the read width (memorySystem.flash.readBytes)")
            }
            guard let spec = timed, spec.sectorBytes < spec.lineBytes else { return try cache(name, given) }
            if let sectored = CacheModel(spec: spec) { return sectored }
            _ = try cache(name, given)  // an unusable geometry is named as such
            throw TimingError.badMemorySystem(
                "\(board.name): memorySystem.\(name): \(spec.lineBytes)-byte lines filled one \(spec.sectorBytes)-byte "
                    + "flash read at a time: sersim needs reads of at least 4 bytes and at most 8 reads per line")
        }
        let artModel = try artCache("art", given: ms.art, timed: ms.artAsTimed)
        artData = try artCache("artData", given: ms.artData, timed: ms.artDataAsTimed)
        let xipModel = try cache("xipCache", ms.xipCache, sectored: true)  // looked up with accessSector
        let icacheModel = hasL1 ? try cache("icache", ms.icache) : nil
        let dcacheModel = hasL1 ? try cache("dcache", ms.dcache) : nil
        art = artModel
        xip = xipModel
        icache = icacheModel
        dcache = dcacheModel
        dcacheLineShift = dcacheModel?.lineShift ?? 0
        regions = board.memory.map { r in
            let path: Path
            switch r.kind {
            case .flash: path = .flash
            case .xipFlash: path = ms.xipCache != nil ? .xip : .direct
            case .rom, .sram, .itcm, .dtcm: path = .direct
            }
            var wait = r.usesFlashLatency || r.kind == .flash ? ms.flashWaitStates(atHz: clockHz) : r.waitStates
            if r.kind == .xipFlash && ms.xipCache == nil { wait = max(wait, ms.xipMissCycles) }
            return Region(base: r.base, size: r.size, kind: r.kind, path: path, waitStates: wait,
                          l1Cacheable: hasL1 && r.kind != .itcm && r.kind != .dtcm)
        }
        regionCount = regions.count
        regionTable = .allocate(capacity: max(1, regions.count))
        regionTable.initialize(from: regions, count: regions.count)
        let n = regions.count + 1
        regionFetches = .allocate(capacity: n)
        regionFetches.initialize(repeating: 0, count: n)
        fastCounter = regionFetches
    }

    /// Free the raw storage (the owning `CoreTimer` calls this from its deinit).
    func deallocate() {
        regionTable.deinitialize(count: regionCount)
        regionTable.deallocate()
        regionFetches.deallocate()
        for c in caches { c.model.deallocate() }
    }

    /// The caches in the statistics' order (icache, dcache, art, xipCache).
    var caches: [(name: String, model: CacheModel)] {
        [("icache", icache), ("dcache", dcache), ("art", art), ("artData", artData), ("xipCache", xip)].compactMap { name, c in c.map { (name, $0) } }
    }

    /// Whether the D-cache serves a region's transfers (per region index).
    func dataIsCached(_ index: Int) -> Bool {
        index < regions.count && regions[index].l1Cacheable && dcacheEnabled
    }

    /// Whether every data access of a region costs nothing beyond the core's own cycles,
    /// so `CoreTimer.retire` can skip the call (per region index; 0xFF = SCS).
    func dataIsFree(_ index: Int) -> Bool {
        guard index < regions.count else { return true }
        let r = regions[index]
        if r.l1Cacheable { return false }
        return r.path == .direct && r.waitStates == 0
    }

    // MARK: Caches enabled by CCR (Cortex-M7 TRM 4.1: CCR.IC bit 17, CCR.DC bit 16)

    mutating func setL1(instruction: Bool, data: Bool) {
        // Firmware invalidates before enabling (CMSIS SCB_EnableICache/DCache); a cache
        // that is switched on starts empty.
        if instruction && !icacheEnabled { icache?.invalidate() }
        if data && !dcacheEnabled { dcache?.invalidate() }
        dcacheMRURegion = .max
        dcacheMRULine = .max
        icacheEnabled = instruction && icache != nil
        dcacheEnabled = data && dcache != nil
        l1Generation &+= 1
        fetchSpan = 0  // re-evaluate the fetch path
        fastSpan = 0
        fastGeneration &+= 1
    }

    // MARK: Instruction fetch

    /// The region of the last fetch (most fetches stay in it).
    private var lastFetchRegion = 0

    /// Find the region of an address (few regions: a linear scan after the last region).
    @inline(__always)
    mutating func regionIndex(_ address: UInt32) -> Int? {
        let rs = regionTable
        if lastFetchRegion < regionCount && address &- rs[lastFetchRegion].base < rs[lastFetchRegion].size {
            return lastFetchRegion
        }
        for i in 0..<regionCount where address &- rs[i].base < rs[i].size {
            lastFetchRegion = i
            return i
        }
        return nil
    }

    /// Stall cycles to fetch the instruction at `pc`, which lies outside the current fetch
    /// window; `now` is the cycle the fetch is needed. Sets the new window.
    mutating func fetch(_ pc: UInt32, now: UInt64) -> UInt64 {
        fastSpan = 0
        fastGeneration &+= 1
        guard let ri = regionIndex(pc) else {
            fetchLo = pc; fetchSpan = 2
            return 0
        }
        let r = regionTable[ri]
        setFastPath(r, ri)
        // Cortex-M7 with the I-cache on: every non-TCM fetch goes through it.
        if r.l1Cacheable && icacheEnabled, let spec = icache?.spec {
            let line = UInt32(spec.lineBytes)
            fetchLo = pc & ~(line - 1); fetchSpan = line
            regionFetches[ri] &+= 1
            if icache?.access(pc) == true { return 0 }
            let stall = lineFill(r, bytes: line)
            fetchStallCycles &+= stall
            return stall
        }
        switch r.path {
        case .direct:
            if r.waitStates == 0 && !r.l1Cacheable {
                // Zero wait states: nothing to time until the PC leaves the region.
                fetchLo = r.base; fetchSpan = r.size
                return 0
            }
            // Fixed wait states per 32-bit fetch (M0+/M4 fetch 32 bits at a time).
            fetchLo = pc & ~3; fetchSpan = 4
            regionFetches[ri] &+= 1
            let stall = UInt64(r.waitStates + (r.l1Cacheable ? system.busLatencyCycles : 0))
            fetchStallCycles &+= stall
            return stall
        case .xip:
            guard let spec = xip?.spec else { return 0 }
            let sector = UInt32(spec.sectorBytes)  // the unit a miss fills
            fetchLo = pc & ~(sector - 1); fetchSpan = sector
            regionFetches[ri] &+= 1
            if xip?.accessSector(pc) == true { return 0 }
            let stall = UInt64(system.xipMissCycles)
            fetchStallCycles &+= stall
            return stall
        case .flash:
            let line = pc & ~(flashLineBytes - 1)
            fetchLo = line; fetchSpan = flashLineBytes
            regionFetches[ri] &+= 1
            let stall = flashLineFetch(line, now: now, wait: r.waitStates, onAXI: r.l1Cacheable)
            fetchStallCycles &+= stall
            return stall
        }
    }

    /// Enable the fetch fast path for region `r` when its fetches follow one simple rule
    /// (the same the branches of `fetch` below would apply).
    private mutating func setFastPath(_ r: Region, _ ri: Int) {
        if r.l1Cacheable && icacheEnabled {
            guard let spec = icache?.spec else { return }
            fastMode = .icache
            fastLineMask = UInt32(spec.lineBytes) - 1
            fastStall = lineFill(r, bytes: UInt32(spec.lineBytes))
            fastLo = r.base
            fastSpan = r.size
            fastCounter = regionFetches + ri
            return
        }
        switch r.path {
        case .direct:
            guard r.waitStates != 0 || r.l1Cacheable else { return }  // whole region is one window
            fastMode = .fixed
            fastLineMask = 3
            fastStall = UInt64(r.waitStates + (r.l1Cacheable ? system.busLatencyCycles : 0))
        case .xip:
            guard let spec = xip?.spec else { return }
            fastMode = .xip
            fastLineMask = UInt32(spec.sectorBytes) - 1
            fastStall = UInt64(system.xipMissCycles)
        case .flash:
            // ART and prefetch make the stall depend on history; only plain lines are fast.
            guard r.l1Cacheable || (art == nil && !prefetch) else { return }
            fastMode = .flash
            fastLineMask = flashLineBytes - 1
            fastStall = UInt64(r.waitStates)
        }
        fastLo = r.base
        fastSpan = r.size
        fastCounter = regionFetches + ri
    }

    /// One flash line for the instruction stream: an ART hit costs nothing (a line of the
    /// ART is present a flash read at a time: `MemorySystem.artAsTimed`); a sequential
    /// line the prefetch buffer has been reading since the previous line arrived costs the
    /// rest of its access time; any other line costs the full wait states (the access's
    /// first cycle overlaps the core's own fetch cycle).
    private mutating func flashLineFetch(_ line: UInt32, now: UInt64, wait: Int, onAXI: Bool) -> UInt64 {
        let access = UInt64(wait) + 1
        if !onAXI {
            // ART serves the instruction bus (STM32: the ITCM/I-Code path, not AXI).
            if art?.accessSector(line) == true {
                lastFlashLine = line
                flashReadyAt = now
                return 0
            }
        }
        var stall = UInt64(wait)
        if prefetch && !onAXI && lastFlashLine != .max && line == lastFlashLine &+ flashLineBytes {
            prefetchAccesses &+= 1
            let ready = flashReadyAt &+ access
            stall = ready > now ? min(ready - now, UInt64(wait)) : 0
            if stall == 0 { prefetchHits &+= 1 }
        }
        lastFlashLine = line
        flashReadyAt = now &+ stall
        return stall
    }

    /// Cycles to fill a cache line of `bytes` from a region (Cortex-M7 L1 miss): the bus
    /// latency, then one memory access per flash line or bus beat.
    func lineFill(_ r: Region, bytes: UInt32) -> UInt64 {
        let width: UInt32 = r.path == .flash ? flashLineBytes : UInt32(max(1, system.busWidthBytes))
        let accesses = UInt64(max(1, (bytes + width - 1) / width))
        return UInt64(system.busLatencyCycles) + accesses * UInt64(r.waitStates + 1)
    }

    // MARK: Data

    /// Stall cycles of a data transfer (`beats` of `beatBytes` from `address`) in region
    /// `ri`, beyond the core's own cycle per transfer. Stores complete through the write
    /// buffer and never stall here.
    @usableFromInline mutating func data(region ri: Int, address: UInt32, beats: Int, beatBytes: Int, write: Bool) -> UInt64 {
        if ri == dcacheMRURegion && address &>> dcacheLineShift == dcacheMRULine
            && (address &+ UInt32(truncatingIfNeeded: beats &* beatBytes) &- 1) &>> dcacheLineShift == dcacheMRULine {
            dcache?.accesses &+= 1  // counted as `CacheModel.access` counts a hit
            return 0
        }
        return dataLookup(region: ri, address: address, beats: beats, beatBytes: beatBytes, write: write)
    }

    private mutating func dataLookup(region ri: Int, address: UInt32, beats: Int, beatBytes: Int, write: Bool) -> UInt64 {
        guard ri < regionCount else { return 0 }
        let r = regionTable[ri]
        if r.l1Cacheable {
            if dcacheEnabled, let spec = dcache?.spec {
                // Look up each line the transfer touches.
                let lineBytes = UInt32(spec.lineBytes)
                var stall: UInt64 = 0
                var a = address & ~(lineBytes - 1)
                let end = address &+ UInt32(beats * beatBytes)
                repeat {
                    // Reads allocate; writes allocate too in the SRAM region's default
                    // write-back write-allocate attributes (ARMv7-M B3.1 Table B3-1), but
                    // do not stall (store buffer).
                    let hit = dcache?.access(a, allocate: true) == true
                    if !hit && !write { stall &+= lineFill(r, bytes: lineBytes) }
                    a &+= lineBytes
                } while a < end
                // The last line looked up is now the most recently used (reads and writes
                // both allocate).
                dcacheMRURegion = ri
                dcacheMRULine = (a &- lineBytes) &>> dcacheLineShift
                dataStallCycles &+= stall
                return stall
            }
            if write { return 0 }
            // Uncached AXI read: bus latency plus the memory's wait states per beat.
            let stall = UInt64(system.busLatencyCycles) + UInt64(beats * r.waitStates)
            dataStallCycles &+= stall
            return stall
        }
        if write { return 0 }
        let bytes = beats * beatBytes
        let stall: UInt64
        switch r.path {
        case .flash where artData != nil:
            // Each flash read the transfer touches: a hit in the ART's data cache costs
            // nothing, a miss the wait states, and copies the read.
            stall = artData!.sectorMisses(address, bytes: bytes) * UInt64(r.waitStates)
        case .direct, .flash:
            stall = UInt64(beats * r.waitStates)
        case .xip:
            guard xip != nil else { return 0 }
            stall = xip!.sectorMisses(address, bytes: bytes) * UInt64(system.xipMissCycles)
        }
        dataStallCycles &+= stall
        return stall
    }

}

/// A board whose memory-system parameters the timing model cannot use.
public enum TimingError: Error, CustomStringConvertible, Sendable {
    case badMemorySystem(String)

    public var description: String {
        switch self {
        case let .badMemorySystem(s): s
        }
    }
}
