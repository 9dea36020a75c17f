import ThumbISA

/// What a run did, as the timing model counted it: instructions by class, memory traffic
/// per region, cache look-ups, and where the cycles beyond one per instruction went. The
/// energy model and the per-layer report consume it; take one before and one after a
/// stretch of the run and subtract to get that stretch's figures.
public struct TimingStatistics: Sendable, Equatable {
    public var cycles: UInt64 = 0
    /// Instructions retired, including those skipped by a failed IT condition.
    public var instructions: UInt64 = 0
    /// Instructions skipped by a failed IT condition.
    public var skipped: UInt64 = 0
    /// Cortex-M7: instructions issued in the same cycle as the one before them.
    public var dualIssued: UInt64 = 0
    /// Exceptions entered (tail-chained ones included).
    public var exceptionEntries: UInt64 = 0
    /// Instructions per `OpClass` (indexed by raw value; see `count(_:)`).
    public var classCounts: [UInt64] = Array(repeating: 0, count: OpClass.allCases.count)
    public var regions: [RegionStatistics] = []
    public var caches: [CacheStatistics] = []
    public var stalls = StallStatistics()

    public init() {}

    /// Instructions of one class.
    public func count(_ c: OpClass) -> UInt64 { classCounts[Int(c.rawValue)] }

    /// Statistics of one region by name, if it exists.
    public func region(_ name: String) -> RegionStatistics? { regions.first { $0.name == name } }

    /// Statistics of one cache by name ("icache", "dcache", "art", "xipCache").
    public func cache(_ name: String) -> CacheStatistics? { caches.first { $0.name == name } }

    /// Cycles per instruction.
    public var cpi: Double { instructions == 0 ? 0 : Double(cycles) / Double(instructions) }

    /// The figures of the stretch between `earlier` and this snapshot.
    public func delta(since earlier: TimingStatistics) -> TimingStatistics {
        var d = self
        d.cycles = cycles &- earlier.cycles
        d.instructions = instructions &- earlier.instructions
        d.skipped = skipped &- earlier.skipped
        d.dualIssued = dualIssued &- earlier.dualIssued
        d.exceptionEntries = exceptionEntries &- earlier.exceptionEntries
        d.classCounts = zip(classCounts, earlier.classCounts).map { $0 &- $1 }
        d.regions = regions.map { r in
            guard let e = earlier.regions.first(where: { $0.name == r.name }) else { return r }
            return RegionStatistics(name: r.name, fetches: r.fetches &- e.fetches, reads: r.reads &- e.reads,
                                    writes: r.writes &- e.writes)
        }
        d.caches = caches.map { c in
            guard let e = earlier.caches.first(where: { $0.name == c.name }) else { return c }
            return CacheStatistics(name: c.name, accesses: c.accesses &- e.accesses, misses: c.misses &- e.misses)
        }
        d.stalls = stalls.subtracting(earlier.stalls)
        return d
    }
}

/// Memory traffic of one region (or "PPB", the System Control Space).
public struct RegionStatistics: Sendable, Equatable {
    public var name: String
    /// Instruction fetch look-ups that reached the region's memory system (one per flash
    /// line, cache line or 32-bit fetch entered; zero-wait regions are not counted).
    public var fetches: UInt64
    /// Data transfers read and written (an LDM of four registers is four).
    public var reads: UInt64
    public var writes: UInt64

    public init(name: String, fetches: UInt64, reads: UInt64, writes: UInt64) {
        self.name = name
        self.fetches = fetches
        self.reads = reads
        self.writes = writes
    }
}

/// Look-ups of one cache (or cache-like buffer).
public struct CacheStatistics: Sendable, Equatable {
    public var name: String
    public var accesses: UInt64
    public var misses: UInt64

    public init(name: String, accesses: UInt64, misses: UInt64) {
        self.name = name
        self.accesses = accesses
        self.misses = misses
    }

    public var hits: UInt64 { accesses &- misses }
    public var hitRate: Double { accesses == 0 ? 0 : Double(hits) / Double(accesses) }
}

/// Cycles beyond the cores' base costs, by cause.
public struct StallStatistics: Sendable, Equatable {
    /// Waiting for instructions: flash wait states, XIP and I-cache misses.
    public var fetch: UInt64 = 0
    /// Waiting for data: wait states, uncached bus reads, D-cache and XIP misses.
    public var data: UInt64 = 0
    /// Pipeline refills after taken branches and other writes to PC.
    public var branch: UInt64 = 0
    /// Cortex-M7: mispredicted branches.
    public var mispredict: UInt64 = 0
    /// Operand interlocks: M3/M4 address generation, M7 result latencies.
    public var interlock: UInt64 = 0
    /// Divide cycles beyond the shortest divide.
    public var divide: UInt64 = 0
    /// Exception entry, return and tail-chaining.
    public var exception: UInt64 = 0
    /// The core asleep in WFI/WFE.
    public var sleep: UInt64 = 0

    public init() {}

    public var total: UInt64 { fetch &+ data &+ branch &+ mispredict &+ interlock &+ divide &+ exception &+ sleep }

    func subtracting(_ e: StallStatistics) -> StallStatistics {
        var s = StallStatistics()
        s.fetch = fetch &- e.fetch
        s.data = data &- e.data
        s.branch = branch &- e.branch
        s.mispredict = mispredict &- e.mispredict
        s.interlock = interlock &- e.interlock
        s.divide = divide &- e.divide
        s.exception = exception &- e.exception
        s.sleep = sleep &- e.sleep
        return s
    }
}
