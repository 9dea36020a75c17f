// Placing buffers with known lifetimes in one arena, as TFLite Micro does
// (tensorflow/lite/micro/memory_planner/micro_memory_planner.h): a client adds buffers
// with a size and the first and last time they are used, and asks where each goes and how
// big the arena must be. Two planners: greedy (TFLM's default, reuse by lifetime) and
// linear (no reuse, for comparison). The deployment stream can supply its own.

/// A buffer request that cannot be planned.
public struct PlanningError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// One buffer to place: `size` bytes live from time `firstUse` to `lastUse` inclusive.
public struct BufferRequest: Sendable, Equatable {
    public var size: Int
    public var firstUse: Int
    public var lastUse: Int
    /// A fixed offset decided elsewhere (TFLM's offline-planned buffers), or nil.
    public var fixedOffset: Int?

    public init(size: Int, firstUse: Int, lastUse: Int, fixedOffset: Int? = nil) {
        self.size = size
        self.firstUse = firstUse
        self.lastUse = lastUse
        self.fixedOffset = fixedOffset
    }

    /// Whether two buffers are live at the same time (inclusive ranges).
    public func overlapsInTime(_ other: BufferRequest) -> Bool {
        !(firstUse > other.lastUse || other.firstUse > lastUse)
    }
}

/// The swappable planner interface, after TFLM's `MicroMemoryPlanner`
/// (`AddBuffer(size, first, last)`, `GetMaximumMemorySize()`, `GetOffsetForBuffer()`).
public protocol MemoryPlanner: Sendable {
    /// Records a buffer; buffers are numbered in the order they are added.
    mutating func addBuffer(_ request: BufferRequest) throws(PlanningError)
    var buffers: [BufferRequest] { get }
    /// Offset of every buffer, in the order added.
    func offsets() -> [Int]
}

extension MemoryPlanner {
    public mutating func addBuffer(size: Int, firstUse: Int, lastUse: Int) throws(PlanningError) {
        try addBuffer(BufferRequest(size: size, firstUse: firstUse, lastUse: lastUse))
    }

    /// The high-water mark: the smallest arena that holds every buffer at its offset.
    public func maximumMemorySize() -> Int {
        zip(buffers, offsets()).map { $0.size + $1 }.max() ?? 0
    }

    static func check(_ r: BufferRequest) throws(PlanningError) {
        guard r.size >= 0 else { throw PlanningError("buffer size \(r.size) is negative") }
        guard r.firstUse <= r.lastUse else {
            throw PlanningError("buffer used first at \(r.firstUse) but last at \(r.lastUse)")
        }
        if let f = r.fixedOffset, f < 0 { throw PlanningError("fixed offset \(f) is negative") }
    }
}

/// TFLM's `GreedyMemoryPlanner`: buffers with fixed offsets first, then the others from
/// largest to smallest (a stable sort, so equal sizes keep the order they were added);
/// each goes into the lowest gap, among the buffers already placed that are live at the
/// same time, that is large enough, or after the last of them.
public struct GreedyMemoryPlanner: MemoryPlanner {
    public private(set) var buffers: [BufferRequest] = []

    public init() {}

    public mutating func addBuffer(_ request: BufferRequest) throws(PlanningError) {
        try Self.check(request)
        buffers.append(request)
    }

    public func offsets() -> [Int] {
        guard !buffers.isEmpty else { return [] }
        let fixed = buffers.indices.filter { buffers[$0].fixedOffset != nil }
        // Stable descending sort by size (TFLM ReverseSortInPlace is a stable bubble sort).
        let online = buffers.indices.filter { buffers[$0].fixedOffset == nil }
            .enumerated().sorted { a, b in
                let (sa, sb) = (buffers[a.element].size, buffers[b.element].size)
                return sa != sb ? sa > sb : a.offset < b.offset
            }.map(\.element)
        var offsets = [Int](repeating: 0, count: buffers.count)
        // Placed buffers ordered by offset; a new entry goes after entries with an equal
        // offset, as in TFLM's linked list.
        var placed: [(offset: Int, id: Int)] = []
        for id in fixed + online {
            let want = buffers[id]
            var candidate = 0
            if let f = want.fixedOffset {
                candidate = f
            } else {
                for entry in placed where buffers[entry.id].overlapsInTime(want) {
                    if entry.offset - candidate >= want.size { break }
                    candidate = max(candidate, entry.offset + buffers[entry.id].size)
                }
            }
            offsets[id] = candidate
            let at = placed.firstIndex { $0.offset > candidate } ?? placed.count
            placed.insert((candidate, id), at: at)
        }
        return offsets
    }
}

/// TFLM's `LinearMemoryPlanner`: every buffer after the previous one, no reuse.
public struct LinearMemoryPlanner: MemoryPlanner {
    public private(set) var buffers: [BufferRequest] = []

    public init() {}

    public mutating func addBuffer(_ request: BufferRequest) throws(PlanningError) {
        try Self.check(request)
        buffers.append(request)
    }

    public func offsets() -> [Int] {
        var next = 0
        return buffers.map { b in
            defer { next += b.size }
            return next
        }
    }
}
