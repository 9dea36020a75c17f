/// What the Cortex-M7 model's rules did the last time a decoded instruction retired,
/// kept in the instruction's decode-cache slot so that the next time, from the same
/// pipeline state and with the same dynamic inputs, the rules need not run again.
///
/// The M7 rules (`CoreTimer.retireM7`) are a function of the pipeline state (`now`,
/// `slotFree`, `usedUnits`, `ready`), the instruction's static timing, and a few dynamic
/// inputs: the fetch/misprediction bubble before it, whether it executed, its transfer
/// count, and the data-memory stall. They depend on time only through differences to
/// `now`, so the state can be taken relative to `now` (`M7StateTable`) and given a small
/// number (a token). The memo maps (token in, dynamic inputs) to (token out, cycles
/// added, counters); a loop in steady state meets the same token at each instruction on
/// every iteration. The dynamic inputs are still computed per instruction (the fetch and
/// data look-ups, the branch predictor): only the issue rules are skipped, and the counts
/// come out identical (checked by `CortexMTests` against a run with memos off).
public struct TimingMemo: Sendable {
    /// The latest memo first; the one before it second (a loop whose body alternates
    /// between two paths, or meets two states at its head, keeps both).
    @usableFromInline var first = Entry()
    @usableFromInline var second = Entry()

    public init() {}

    @usableFromInline struct Entry: Sendable {
        /// Token in (low 32 bits), bubble (8 bits), data stall (8 bits), and the record's
        /// transfer count and flag bits (`RecordRef.beatsAndBits`, 16 bits; "executed" is
        /// one of the flags). `empty` matches no instruction: its token part is
        /// 0xFFFFFFFF, which `M7StateTable` never gives out (and the 0 of "no token", which
        /// a key with a real token in it would match, must not be an empty memo's).
        @usableFromInline var key: UInt64 = Entry.empty
        @usableFromInline static let empty: UInt64 = .max
        /// The state token after the instruction.
        @usableFromInline var out: UInt32 = 0
        /// Cycles added to `now` (bubble and data stall included).
        @usableFromInline var delta: UInt32 = 0
        /// Times the memo was applied since its counters were last handed over, modulo
        /// 2^32 (each wrap hands 2^32 applications over: `CoreTimer.creditWrapped`; 32 bits
        /// keep an entry at 24 bytes, two per 48-byte slot).
        @usableFromInline var hits: UInt32 = 0
        /// Per application: dual issued (0/1), skipped (0/1), interlock and divide stall cycles.
        @usableFromInline var dual: UInt8 = 0
        @usableFromInline var skipped: UInt8 = 0
        @usableFromInline var interlock: UInt8 = 0
        @usableFromInline var divide: UInt8 = 0

        init() {}
    }
}

/// Cortex-M7 pipeline states relative to `now`, each given a token (1, 2, ...).
///
/// A state is `slotFree`, `usedUnits` (only while the slot is free: otherwise no rule reads
/// it) and, per register, `ready - (now - 1)` when the register becomes readable at or
/// after `now`, else 0. A register ready at `now - 1` or earlier (or never written) can
/// neither delay an instruction nor pair with one any more, and `now` only grows, so
/// all such values behave alike (see `retireM7`: a normal read needs `ready - 1 > t`, an
/// early read `ready > t`, with `t >= now - 1`).
@usableFromInline struct M7StateTable {
    struct Key: Equatable {
        var lo: UInt64  // registers 0-7, one byte each
        var hi: UInt64  // registers 8-15
        var units: UInt16  // 0x100 | usedUnits when the slot is free, else 0
    }

    /// At most this many states between resets of the table (a loop needs a handful).
    static let capacity = 1 << 14
    static let hashSize = capacity * 2
    let keys: UnsafeMutablePointer<Key>
    let hash: UnsafeMutablePointer<UInt32>
    var count = 0
    /// Token of `keys[0]`: tokens are never reused, so a memo left from before a reset of
    /// the table can never match a later token.
    var base: UInt32 = 1

    init() {
        keys = .allocate(capacity: M7StateTable.capacity)
        hash = .allocate(capacity: M7StateTable.hashSize)
        hash.initialize(repeating: 0, count: M7StateTable.hashSize)
    }

    func deallocate() {
        keys.deallocate()
        hash.deallocate()
    }

    /// The token of a state, 0 when tokens ran out (memos are then no longer made).
    mutating func token(_ k: Key) -> UInt32 {
        var h = (k.lo &* 0x9E37_79B9_7F4A_7C15) ^ (k.hi &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(k.units)
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        let mask = M7StateTable.hashSize - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let t = hash[i]
            if t == 0 { break }
            if keys[Int(t &- base)] == k { return t }
            i = (i &+ 1) & mask
        }
        if count == M7StateTable.capacity {
            guard base <= UInt32.max - 2 * UInt32(M7StateTable.capacity) else { return 0 }
            base &+= UInt32(count)
            count = 0
            hash.update(repeating: 0, count: M7StateTable.hashSize)
            return token(k)
        }
        keys[count] = k
        let t = base &+ UInt32(count)
        count &+= 1
        hash[i] = t
        return t
    }

    /// The state of a token this table gave out since its last reset.
    func key(_ t: UInt32) -> Key { keys[Int(t &- base)] }
}
