import BoardProfiles

/// Something a deployment must place in memory.
public struct MemoryItem: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Vector table, start-up code, the layer schedule, compiled kernels.
        case code
        /// Constant weights and biases.
        case weights
        /// Per-layer parameter blocks (pointers, multipliers, shifts, lookup tables).
        case constants
        /// The input sample baked into the image (copied into the input tensor at start).
        case input
        /// The tensor arena (activations, scratch), planned with lifetime-based reuse.
        case arena
        /// LSTM state and other variable tensors (persist across inferences).
        case state
        /// The stack: the deepest kernel frame chain plus an exception frame.
        case stack
        /// Fixed overhead of a real deployment (see docs/deployment.md).
        case runtime
    }

    /// Where an item may go.
    public enum Placement: String, Sendable, Codable {
        /// At the board's reset vector-table address (the vector table).
        case vectorTable
        /// Non-volatile, executable memory (on-chip or XIP flash).
        case flash
        /// Non-volatile memory for constants: a data-only flash mapping when the board has
        /// one (ESP32's DROM), else the code flash.
        case flashData
        /// Read-write memory; prefer zero-wait data memory (DTCM) when it fits.
        case fastRAM
        /// Read-write memory, any.
        case ram
    }

    public var name: String
    public var kind: Kind
    public var bytes: Int
    public var alignment: Int
    public var placement: Placement

    public init(name: String, kind: Kind, bytes: Int, alignment: Int = 4, placement: Placement) {
        self.name = name
        self.kind = kind
        self.bytes = bytes
        self.alignment = alignment
        self.placement = placement
    }
}

/// Where each item went, and per region how full it is.
public struct MemoryPlan: Sendable, Equatable, Codable {
    public struct Placed: Sendable, Equatable, Codable {
        public var name: String
        public var kind: MemoryItem.Kind
        public var bytes: Int
        /// nil when it could not be placed.
        public var region: String?
        public var address: UInt32?
    }

    public struct RegionUsage: Sendable, Equatable, Codable {
        public var name: String
        public var kind: String
        public var base: UInt32
        public var size: Int
        public var used: Int
        public var free: Int { size - used }
        public var fits: Bool { used <= size }
        public var items: [String]

        enum CodingKeys: String, CodingKey { case name, kind, base, size, used, free, fits, items }

        public init(name: String, kind: String, base: UInt32, size: Int, used: Int, items: [String]) {
            self.name = name
            self.kind = kind
            self.base = base
            self.size = size
            self.used = used
            self.items = items
        }

        // `free` and `fits` are written for readers of the JSON report and ignored when
        // read back (they follow from size and used).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(name: try c.decode(String.self, forKey: .name), kind: try c.decode(String.self, forKey: .kind),
                      base: try c.decode(UInt32.self, forKey: .base), size: try c.decode(Int.self, forKey: .size),
                      used: try c.decode(Int.self, forKey: .used), items: try c.decode([String].self, forKey: .items))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(kind, forKey: .kind)
            try c.encode(base, forKey: .base)
            try c.encode(size, forKey: .size)
            try c.encode(used, forKey: .used)
            try c.encode(free, forKey: .free)
            try c.encode(fits, forKey: .fits)
            try c.encode(items, forKey: .items)
        }
    }

    /// An item that does not fit, and by how much.
    public struct Overflow: Sendable, Equatable, Codable {
        public var item: String
        public var bytes: Int
        /// The memory it needed (flash or RAM) and the most any single region could offer.
        public var memory: String
        public var largestAvailable: Int
        public var overBy: Int
        public var message: String
    }

    /// When something does not fit: per memory (flash, RAM), everything the deployment
    /// asks for against everything the board has.
    public struct Shortfall: Sendable, Equatable, Codable {
        public var memory: String
        public var needed: Int
        public var available: Int
        /// `needed - available`, or 0 when the total would fit but a buffer finds no region
        /// with room for it in one piece.
        public var overBy: Int
        public var message: String
    }

    public var placed: [Placed]
    public var regions: [RegionUsage]
    public var overflows: [Overflow]
    public var shortfalls: [Shortfall]
    public var fits: Bool { overflows.isEmpty }

    public init(placed: [Placed], regions: [RegionUsage], overflows: [Overflow], shortfalls: [Shortfall] = []) {
        self.placed = placed
        self.regions = regions
        self.overflows = overflows
        self.shortfalls = shortfalls
    }

    public func address(of name: String) -> UInt32? { placed.first { $0.name == name }?.address }

    /// A region's usage by name ("DTCM", "FLASH"; as in the board file), for tests such as
    /// `#expect(report.memory.region("DTCM")?.items.contains("tensor arena") == true)`.
    public func region(_ name: String) -> RegionUsage? { regions.first { $0.name == name } }

    /// Where an item went ("tensor arena", "weights", "stack", ...).
    public func item(_ name: String) -> Placed? { placed.first { $0.name == name } }

    /// Total bytes of flash and of RAM the deployment uses (items placed in flash
    /// regions, and in RAM regions).
    public var flashBytes: Int { bytes { $0 == "flash" || $0 == "xip-flash" } }
    public var ramBytes: Int { bytes { $0 == "sram" || $0 == "dtcm" } }

    func bytes(inRegionsOfKind isKind: (String) -> Bool) -> Int {
        let names = Set(regions.filter { isKind($0.kind) }.map(\.name))
        return placed.filter { $0.region.map(names.contains) == true }.reduce(0) { $0 + $1.bytes }
    }
}

extension MemoryItem.Placement {
    /// The memory an item with this placement needs: "flash" or "RAM".
    var memory: String {
        switch self {
        case .vectorTable, .flash, .flashData: "flash"
        case .fastRAM, .ram: "RAM"
        }
    }
}

/// Places items into a board's regions like a careful deployment would: code and
/// constants in the boot flash; the arena, state and stack in zero-wait data memory
/// (DTCM on STM32F7) when they fit, else the largest SRAM; each item contiguous.
public struct MemoryPlacer {
    public let board: Board

    public init(board: Board) { self.board = board }

    public func place(_ items: [MemoryItem]) -> MemoryPlan {
        var cursor: [Int: UInt32] = [:]  // region index → next free address
        var used: [Int: Int] = [:]
        var names: [Int: [String]] = [:]
        for (i, r) in board.memory.enumerated() { cursor[i] = r.base; used[i] = 0; names[i] = [] }

        let flashRegions = board.memory.indices.filter { isFlash(board.memory[$0]) }
        let codeFlash = flashRegions.first { board.memory[$0].contains(board.vectorTable) }
            ?? flashRegions.first { board.memory[$0].executable }
        let dataFlash = flashRegions.first { !board.memory[$0].executable } ?? codeFlash
        let vectorRegion = board.memory.indices.first { board.memory[$0].contains(board.vectorTable) }
        let ramRegions = board.memory.indices.filter { isRAM(board.memory[$0]) }
        let fastRAM = ramRegions.filter { board.memory[$0].kind == .dtcm }
        let otherRAM = ramRegions.filter { board.memory[$0].kind != .dtcm }
            .sorted { board.memory[$0].size > board.memory[$1].size }

        var placed: [MemoryPlan.Placed] = []
        var overflows: [MemoryPlan.Overflow] = []
        var shortfalls: [MemoryPlan.Shortfall] = []
        var failed: [(item: Int, candidates: [Int])] = []

        func free(_ i: Int, alignment: Int) -> Int {
            let r = board.memory[i]
            let aligned = align(cursor[i]!, alignment)
            return Int(UInt64(r.base) + UInt64(r.size)) - Int(aligned)
        }
        func take(_ i: Int, _ item: MemoryItem) -> UInt32 {
            let a = align(cursor[i]!, item.alignment)
            let padding = Int(a - cursor[i]!)
            cursor[i] = a + UInt32(item.bytes)
            used[i]! += item.bytes + padding
            names[i]!.append(item.name)
            return a
        }

        // Largest items first within each class, so that big contiguous buffers get the
        // room they need; the report keeps the caller's order.
        let order = items.indices.sorted { a, b in
            let pa = rank(items[a].placement), pb = rank(items[b].placement)
            return pa != pb ? pa < pb : items[a].bytes > items[b].bytes
        }
        var result = [MemoryPlan.Placed?](repeating: nil, count: items.count)
        for k in order {
            let item = items[k]
            let candidates: [Int]
            switch item.placement {
            case .vectorTable:
                // Fixed address: the vector table must start exactly there.
                if let i = vectorRegion, cursor[i]! <= board.vectorTable {
                    cursor[i] = board.vectorTable
                }
                candidates = vectorRegion.map { [$0] } ?? []
            case .flash: candidates = codeFlash.map { [$0] } ?? []
            case .flashData: candidates = dataFlash.map { [$0] } ?? []
            case .fastRAM: candidates = fastRAM + otherRAM
            case .ram: candidates = otherRAM + fastRAM
            }
            if let i = candidates.first(where: { free($0, alignment: item.alignment) >= item.bytes }) {
                let address = take(i, item)
                result[k] = .init(name: item.name, kind: item.kind, bytes: item.bytes, region: board.memory[i].name,
                                  address: address)
            } else {
                result[k] = .init(name: item.name, kind: item.kind, bytes: item.bytes, region: nil, address: nil)
                failed.append((k, candidates))
            }
        }
        // What did not fit, measured against the room left once everything else that fits
        // is placed: the shortfall a user has to make up.
        for (k, candidates) in failed {
            let item = items[k]
            let best = candidates.map { max(0, free($0, alignment: item.alignment)) }.max() ?? 0
            let memory = item.placement.memory
            let regionText: String
            if candidates.isEmpty {
                regionText = "\(board.name) has no \(memory) region"
            } else if candidates.count == 1 {
                regionText = "\(board.memory[candidates[0]].name) has \(Format.bytes(UInt64(best))) left"
            } else {
                regionText = "the largest \(memory) region has \(Format.bytes(UInt64(best))) left"
                    + (memory == "RAM" ? " (a buffer must be contiguous)" : "")
            }
            overflows.append(.init(
                item: item.name, bytes: item.bytes, memory: memory, largestAvailable: best,
                overBy: item.bytes - best,
                message: "\(item.name) needs \(Format.bytes(UInt64(item.bytes))) of \(memory) but \(regionText): "
                    + "over by \(Format.bytes(UInt64(item.bytes - best)))"))
        }
        // Per memory, the total asked for against the total the board has.
        for memory in ["flash", "RAM"] where overflows.contains(where: { $0.memory == memory }) {
            let regionIndices = memory == "flash" ? flashRegions : ramRegions
            let available = regionIndices.reduce(0) { $0 + Int(board.memory[$1].size) }
            let needed = regionIndices.reduce(0) { $0 + used[$1]! }
                + overflows.filter { $0.memory == memory }.reduce(0) { $0 + $1.bytes }
            let over = needed - available
            let names = regionIndices.map { board.memory[$0].name }.joined(separator: " + ")
            shortfalls.append(.init(
                memory: memory, needed: needed, available: available, overBy: max(0, over),
                message: "\(memory): the deployment needs \(Format.bytes(UInt64(needed))), \(board.name) has "
                    + "\(Format.bytes(UInt64(available)))" + (regionIndices.count > 1 ? " (\(names))" : "")
                    + (over > 0 ? ": over by \(Format.bytes(UInt64(over)))"
                                : ": enough in all, but not in one piece where each buffer must go")))
        }
        placed = result.compactMap { $0 }
        let regions = board.memory.indices.compactMap { i -> MemoryPlan.RegionUsage? in
            let r = board.memory[i]
            guard r.usable, isFlash(r) || isRAM(r) else { return nil }
            return .init(name: r.name, kind: r.kind.rawValue, base: r.base, size: Int(r.size), used: used[i]!,
                         items: names[i]!)
        }
        return MemoryPlan(placed: placed, regions: regions, overflows: overflows, shortfalls: shortfalls)
    }

    func isFlash(_ r: MemoryRegion) -> Bool {
        r.usable && !r.writable && (r.kind == .flash || r.kind == .xipFlash)
    }

    func isRAM(_ r: MemoryRegion) -> Bool {
        r.usable && r.writable && (r.kind == .sram || r.kind == .dtcm)
    }

    func rank(_ p: MemoryItem.Placement) -> Int {
        switch p {
        case .vectorTable: 0
        case .flash, .flashData: 1
        case .fastRAM: 2
        case .ram: 3
        }
    }
}

@inline(__always) func align(_ v: UInt32, _ a: Int) -> UInt32 {
    let a = UInt32(max(1, a))
    return (v + a - 1) / a * a
}
