import BoardProfiles

/// A set-associative cache as a timing model sees it: tags only (the machine's memories
/// hold the data), least-recently-used replacement, hit/miss counters. Used for the
/// Cortex-M7 L1 caches, STM32's ART accelerator, vendor flash caches and XIP caches.
///
/// Approximation: LRU replacement everywhere (the Cortex-M7 L1 caches and the RP2040 XIP
/// cache do not document LRU; docs/timing.md says so).
///
/// No name or other reference-counted field: the models sit in optionals on the timing
/// model's hot paths, whose nil test stays an inline pointer test only while the struct
/// holds plain values (a `String` field made it an out-of-line call).
@usableFromInline struct CacheModel {
    let spec: CacheSpec
    @usableFromInline let lineShift: UInt32
    @usableFromInline let setMask: UInt32
    @usableFromInline let ways: Int
    /// Tag per (set, way); `invalidTag` when empty.
    @usableFromInline let tags: UnsafeMutablePointer<UInt32>
    /// Last-use stamp per (set, way), for LRU.
    @usableFromInline let stamps: UnsafeMutablePointer<UInt64>
    /// The most recently used way of each set (as a (set, way) index). A hit there needs
    /// neither the search nor a new stamp: that way already holds the set's newest stamp,
    /// and replacement compares stamps within a set only.
    @usableFromInline let mru: UnsafeMutablePointer<Int32>
    /// Sectored caches (`accessSector`): a valid flag per sector of each (set, way), bit k
    /// for sector k of the line; set for the sector filled when a line is allocated.
    @usableFromInline let valid: UnsafeMutablePointer<UInt8>
    @usableFromInline let sectorShift: UInt32
    /// Sectors per line − 1 (0 when the line fills whole).
    @usableFromInline let sectorIndexMask: UInt32
    @usableFromInline var clock: UInt64 = 0
    @usableFromInline var accesses: UInt64 = 0
    @usableFromInline var misses: UInt64 = 0

    static let invalidTag: UInt32 = .max

    /// nil when the geometry is unusable (checked by `MemorySystemModel`).
    init?(spec: CacheSpec) {
        guard spec.lineBytes >= 4, spec.lineBytes.nonzeroBitCount == 1, spec.ways >= 1,
              spec.sizeBytes >= spec.lineBytes * spec.ways,
              spec.sizeBytes % (spec.lineBytes * spec.ways) == 0 else { return nil }
        let sets = spec.sizeBytes / (spec.lineBytes * spec.ways)
        guard sets.nonzeroBitCount == 1, spec.sectorBytes >= 4, spec.sectorBytes.nonzeroBitCount == 1,
              spec.sectorBytes <= spec.lineBytes, spec.lineBytes / spec.sectorBytes <= 8 else { return nil }
        self.spec = spec
        lineShift = UInt32(spec.lineBytes.trailingZeroBitCount)
        setMask = UInt32(sets - 1)
        ways = spec.ways
        tags = .allocate(capacity: sets * spec.ways)
        tags.initialize(repeating: CacheModel.invalidTag, count: sets * spec.ways)
        stamps = .allocate(capacity: sets * spec.ways)
        stamps.initialize(repeating: 0, count: sets * spec.ways)
        mru = .allocate(capacity: sets)
        for set in 0..<sets { mru[set] = Int32(set * spec.ways) }
        valid = .allocate(capacity: sets * spec.ways)
        valid.initialize(repeating: 0, count: sets * spec.ways)
        sectorShift = UInt32(spec.sectorBytes.trailingZeroBitCount)
        sectorIndexMask = UInt32(spec.lineBytes / spec.sectorBytes - 1)
    }

    /// Free the tag storage (the owner calls this once; the model is a value type so
    /// that the hot path needs no reference counting).
    func deallocate() {
        tags.deallocate()
        stamps.deallocate()
        mru.deallocate()
        valid.deallocate()
    }

    var hits: UInt64 { accesses &- misses }

    /// Look up the line holding `address`; on a miss, allocate it when `allocate` (the
    /// least recently used way is replaced). Returns whether it hit. A hit in the set's
    /// most recently used way is decided here (inline in the timing models' hot loops);
    /// everything else is `lookUp`.
    @inlinable @inline(__always)
    mutating func access(_ address: UInt32, allocate: Bool = true) -> Bool {
        let line = address &>> lineShift  // lineShift < 32: the masking shift, no test for wider shifts
        if tags[Int(mru[Int(line & setMask)])] == line {
            accesses &+= 1
            return true
        }
        return lookUp(line, allocate: allocate)
    }

    @usableFromInline @inline(never)
    mutating func lookUp(_ line: UInt32, allocate: Bool) -> Bool {
        accesses &+= 1
        clock &+= 1
        let set = Int(line & setMask)
        let (w, found) = search(line, set: set)
        if found {
            stamps[w] = clock
            mru[set] = Int32(truncatingIfNeeded: w)
            return true
        }
        misses &+= 1
        if allocate {
            tags[w] = line
            stamps[w] = clock
            mru[set] = Int32(truncatingIfNeeded: w)
        }
        return false
    }

    /// The way of `set` that holds `line`, else its least recently used way (the one to
    /// replace).
    @inline(__always)
    func search(_ line: UInt32, set: Int) -> (way: Int, found: Bool) {
        let base = set &* ways
        var victim = base
        var oldest = UInt64.max
        for w in base..<(base &+ ways) {
            if tags[w] == line { return (w, true) }
            if stamps[w] < oldest {
                oldest = stamps[w]
                victim = w
            }
        }
        return (victim, false)
    }

    /// Look up the sector holding `address` in a cache whose lines have a valid flag per
    /// sector (`CacheSpec.sectorBytes`): a hit needs the line's tag and the sector's flag.
    /// A miss fills that sector only, into the line's way when the tag is present (no
    /// replacement), else into the least recently used way, whose other sectors become
    /// invalid. Every call counts one access; `misses` counts sector fills. With one
    /// sector per line it decides exactly as `access` does.
    @inlinable @inline(__always)
    mutating func accessSector(_ address: UInt32) -> Bool {
        let line = address &>> lineShift
        let bit = UInt8(truncatingIfNeeded: 1 &<< ((address &>> sectorShift) & sectorIndexMask))
        let w = Int(mru[Int(line & setMask)])
        if tags[w] == line && valid[w] & bit != 0 {
            accesses &+= 1
            return true
        }
        return lookUpSector(line, bit)
    }

    @usableFromInline @inline(never)
    mutating func lookUpSector(_ line: UInt32, _ bit: UInt8) -> Bool {
        accesses &+= 1
        clock &+= 1
        let set = Int(line & setMask)
        let (w, found) = search(line, set: set)
        stamps[w] = clock
        mru[set] = Int32(truncatingIfNeeded: w)
        if found && valid[w] & bit != 0 { return true }
        misses &+= 1
        if found {
            valid[w] |= bit
        } else {
            tags[w] = line
            valid[w] = bit
        }
        return false
    }

    /// Look up every sector that [address, address + bytes) touches (`accessSector`);
    /// returns how many missed, each of which filled its sector.
    mutating func sectorMisses(_ address: UInt32, bytes: Int) -> UInt64 {
        let sector = UInt32(spec.sectorBytes)
        var misses: UInt64 = 0
        var a = address & ~(sector - 1)
        let end = address &+ UInt32(bytes)
        repeat {
            if !accessSector(a) { misses &+= 1 }
            a &+= sector
        } while a < end
        return misses
    }

    /// Empty the cache (ICIALLU / DCISW, or enabling it after reset).
    mutating func invalidate() {
        tags.update(repeating: CacheModel.invalidTag, count: Int(setMask + 1) * ways)
    }
}
