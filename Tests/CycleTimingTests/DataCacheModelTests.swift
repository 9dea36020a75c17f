import BoardProfiles
import Testing
@testable import CycleTiming

/// The Cortex-M7 D-cache as `MemorySystemModel.data` sees it, including the shortcut for
/// the most recently used line, against a plain LRU model written independently here: a
/// list of lines per set, most recent last.
@Suite struct DataCacheModelTests {
    /// The naive model; by default 4 KB, 4 ways, 32-byte lines (the STM32F7's D-cache).
    struct NaiveLRU {
        var ways = 4
        var lineBytes: UInt32 = 32
        var sets = [[UInt32]](repeating: [], count: 4096 / (4 * 32))
        var accesses = 0
        var misses = 0

        init() {}
        init(_ spec: CacheSpec) {
            ways = spec.ways
            lineBytes = UInt32(spec.lineBytes)
            sets = [[UInt32]](repeating: [], count: spec.sizeBytes / (spec.ways * spec.lineBytes))
        }

        mutating func access(_ address: UInt32, allocate: Bool = true) -> Bool {
            accesses += 1
            let line = address / lineBytes
            let set = Int(line % UInt32(sets.count))
            if let i = sets[set].firstIndex(of: line) {
                sets[set].remove(at: i)
                sets[set].append(line)
                return true
            }
            misses += 1
            guard allocate else { return false }
            if sets[set].count == ways { sets[set].removeFirst() }
            sets[set].append(line)
            return false
        }
    }

    /// `CacheModel` itself (which skips the search on a hit in a set's most recently used
    /// way) for the geometries sersim's boards use, hit for hit against the naive model.
    @Test(arguments: [CacheSpec(sizeBytes: 4096, ways: 4, lineBytes: 32), CacheSpec(sizeBytes: 4096, ways: 2, lineBytes: 32),
                      CacheSpec(sizeBytes: 16384, ways: 2, lineBytes: 8), CacheSpec(sizeBytes: 1024, ways: 1, lineBytes: 16),
                      CacheSpec(sizeBytes: 2048, ways: 8, lineBytes: 64)])
    func cacheModelMatchesANaiveLRUCache(spec: CacheSpec) throws {
        var cache = try #require(CacheModel(spec: spec))
        defer { cache.deallocate() }
        var naive = NaiveLRU(spec)
        var rng: UInt64 = 0xC0FFEE
        func next() -> UInt32 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return UInt32(truncatingIfNeeded: rng >> 33)
        }
        // Hot code and data within a few cache sizes, with loops (repeats) and fresh lines.
        let span = UInt32(spec.sizeBytes * 3)
        var hot: [UInt32] = (0..<8).map { _ in next() % span }
        for i in 0..<60_000 {
            let address: UInt32
            switch next() % 4 {
            case 0: address = next() % span
            case 1: address = hot[Int(next() % 8)] &+ UInt32(i % 3) * UInt32(spec.lineBytes)
            default: address = hot[i % 8] &+ UInt32(i % 5) * 4
            }
            if i % 997 == 0 { hot[Int(next() % 8)] = next() % span }
            let allocate = next() % 16 != 0
            if i % 20_000 == 19_999 {
                cache.invalidate()
                naive.sets = NaiveLRU(spec).sets
            }
            #expect(cache.access(address, allocate: allocate) == naive.access(address, allocate: allocate), "access \(i)")
            if Int(cache.misses) != naive.misses { return }
        }
        #expect(Int(cache.accesses) == naive.accesses)
        #expect(naive.misses > 1000 && naive.accesses - naive.misses > 10_000)
    }

    /// `CacheModel.accessSector` against a naive sectored LRU cache: lines with a valid flag
    /// per sector, a miss filling one sector (into the line's way when its tag is present).
    @Test(arguments: [CacheSpec(sizeBytes: 16384, ways: 2, lineBytes: 8, sectorBytes: 4),
                      CacheSpec(sizeBytes: 1024, ways: 4, lineBytes: 32, sectorBytes: 8),
                      CacheSpec(sizeBytes: 16384, ways: 2, lineBytes: 8)])
    func sectoredLookUpMatchesANaiveModel(spec: CacheSpec) throws {
        var cache = try #require(CacheModel(spec: spec))
        defer { cache.deallocate() }
        let sets = spec.sizeBytes / (spec.ways * spec.lineBytes)
        // Per set, the resident lines (least recent first) and their valid sectors.
        var resident = [[(line: UInt32, valid: Set<UInt32>)]](repeating: [], count: sets)
        var misses = 0
        func naive(_ address: UInt32) -> Bool {
            let line = address / UInt32(spec.lineBytes)
            let sector = address / UInt32(spec.sectorBytes)
            let set = Int(line % UInt32(sets))
            if let i = resident[set].firstIndex(where: { $0.line == line }) {
                var entry = resident[set].remove(at: i)
                let hit = entry.valid.contains(sector)
                if !hit { misses += 1; entry.valid.insert(sector) }
                resident[set].append(entry)
                return hit
            }
            misses += 1
            if resident[set].count == spec.ways { resident[set].removeFirst() }
            resident[set].append((line, [sector]))
            return false
        }
        var rng: UInt64 = 0xFACADE
        func next() -> UInt32 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return UInt32(truncatingIfNeeded: rng >> 33)
        }
        let span = UInt32(spec.sizeBytes * 3)
        var pc = next() % span
        for i in 0..<60_000 {
            let address: UInt32
            switch next() % 8 {
            case 0: address = next() % span                      // a scattered data read
            case 1: pc = next() % span; address = pc             // a branch
            default: pc &+= 2; address = pc                      // straight-line code, halfword steps
            }
            if i % 25_000 == 24_999 {
                cache.invalidate()
                resident = [[(line: UInt32, valid: Set<UInt32>)]](repeating: [], count: sets)
            }
            #expect(cache.accessSector(address) == naive(address), "access \(i)")
            if Int(cache.misses) != misses { return }
        }
        #expect(Int(cache.accesses) == 60_000)
        #expect(misses > 1000)
    }

    /// With one sector per line, `accessSector` decides exactly as `access` does.
    @Test func unsectoredLookUpIsTheLineLookUp() throws {
        let spec = CacheSpec(sizeBytes: 4096, ways: 4, lineBytes: 32)
        var a = try #require(CacheModel(spec: spec))
        var b = try #require(CacheModel(spec: spec))
        defer { a.deallocate(); b.deallocate() }
        var rng: UInt64 = 7
        for i in 0..<20_000 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            let address = UInt32(truncatingIfNeeded: rng >> 33) % 16384
            #expect(a.access(address) == b.accessSector(address), "access \(i)")
        }
        #expect(a.misses == b.misses && a.accesses == b.accesses)
    }

    static let system = MemorySystem(
        flashLatency: [LatencyStep(maxHz: 1e9, waitStates: 7)], flashLineBytes: 32,
        icache: CacheSpec(sizeBytes: 4096, ways: 2, lineBytes: 32),
        dcache: CacheSpec(sizeBytes: 4096, ways: 4, lineBytes: 32),
        busLatencyCycles: 4, busWidthBytes: 8)

    static let board = Board(
        name: "test-dcache", displayName: "D-cache test board", mcu: "none", vendor: "sersim",
        core: CoreSpec(kind: .cortexM7, architecture: .armv7em, dsp: true, fastMultiplier: true),
        clock: ClockSpec(defaultHz: 216e6, minHz: 1e6, maxHz: 1e9),
        memory: [MemoryRegion(name: "SRAM1", kind: .sram, base: 0x2001_0000, size: 192 << 10, writable: true, executable: true)],
        memorySystem: system)

    /// Streams (each line read eight times in a row), repeats of one word, conflicts within
    /// a set, transfers spanning two lines, writes, and the cache switched off and on: the
    /// hit/miss counts and every access's stall agree with the naive model.
    @Test func dataPathMatchesANaiveLRUCache() throws {
        var m = try MemorySystemModel(board: Self.board, clockHz: 216e6, hasL1: true)
        defer { m.deallocate() }
        m.setL1(instruction: false, data: true)
        var naive = NaiveLRU()
        var rng: UInt64 = 0x5EED
        func next() -> UInt32 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return UInt32(truncatingIfNeeded: rng >> 33)
        }
        let base: UInt32 = 0x2001_0000
        let fill: UInt64 = 4 + 4  // bus latency + 32 bytes over an 8-byte bus
        var checked = 0
        var last: UInt32 = base
        for round in 0..<4000 {
            var transfers: [(address: UInt32, beats: Int, write: Bool)] = []
            switch next() % 5 {
            case 0: // a stream of words
                let start = base + (next() % 0x8000) & ~3
                for k in 0..<UInt32(16) { transfers.append((start + 4 * k, 1, false)) }
            case 1: // the same word again and again
                let a = base + (next() % 0x8000) & ~3
                for _ in 0..<4 { transfers.append((a, 1, next() % 2 == 0)) }
            case 2: // five lines of one set, round robin (4 ways)
                let set = next() % 32
                for k in 0..<UInt32(10) { transfers.append((base + (k % 5) * 1024 + set * 32, 1, false)) }
            case 3: // an LDM of 4 words across a line boundary
                let a = base + (next() % 0x8000) & ~31
                transfers.append((a + 24, 4, false))
            default: // a random word, read or written
                transfers.append((base + (next() % 0x8000) & ~3, 1, next() % 4 == 0))
            }
            if round % 500 == 499 {
                // Off and on again: the cache starts empty (its counters run on).
                m.setL1(instruction: false, data: false)
                m.setL1(instruction: false, data: true)
                naive.sets = NaiveLRU().sets
                // The line read last before is not in the cache any more.
                transfers.insert((last, 1, false), at: 0)
            }
            for t in transfers {
                var expectedStall: UInt64 = 0
                var a = t.address & ~31
                let end = t.address + UInt32(t.beats * 4)
                while a < end {
                    if !naive.access(a) && !t.write { expectedStall += fill }
                    a += 32
                }
                let stall = m.data(region: 0, address: t.address, beats: t.beats, beatBytes: 4, write: t.write)
                #expect(stall == expectedStall, "round \(round): \(t)")
                checked += 1
                last = t.address
            }
            let d = try #require(m.dcache)
            #expect(Int(d.accesses) == naive.accesses && Int(d.misses) == naive.misses, "round \(round): \(d.accesses) \(d.misses) vs \(naive.accesses) \(naive.misses)")
            if Int(d.accesses) != naive.accesses { return }
        }
        #expect(checked > 20_000)
        #expect(naive.misses > 1000 && naive.accesses - naive.misses > 10_000)
    }
}
