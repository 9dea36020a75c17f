/// What the Cortex-M7 rules do over a run of instructions of a translated block (a
/// segment) from one pipeline state, so that translated code can time the whole run with
/// one comparison instead of a memo look-up per instruction (`TimingMemo`).
///
/// A segment's instructions are those whose only dynamic input to the rules is the
/// pipeline state when their fetch makes no bubble and their data transfer no stall
/// (inside a block, not a branch, not conditional). From a state token `entry`,
/// `CoreTimer.buildSegment` applies the rules to them with zero bubble and stall and
/// keeps, for each instruction, the token before it and the cycles added before it, and
/// at the end the token out and the total. Translated code checks the token and that the
/// run ends before the next event, runs the instructions with their fetch and data
/// look-ups only, and adds the total. When a look-up finds a bubble or a stall (or an
/// instruction must be left to the interpreter), it takes the state before that
/// instruction from its step and goes on one by one with the rules; when the one-by-one
/// state meets a step's token again (the pipeline has forgotten the stall), it goes back
/// to the whole-run timing from there. The figures are the rules' own: `CortexMTests`
/// compares every statistic with the interpreter's.
///
/// A segment has two memos (variants) for two entry states, side by side: a loop whose
/// pipeline state alternates between two states at a segment's start (the common case
/// when a loop's iterations do not end alike) finds both. Each variant is one `Header`
/// followed by `count` `Step`s, `variantBytes` long, at a fixed address (translated code
/// holds the first): `SegmentMemo.allocate`. A new entry state replaces the variant
/// built before the other (`nextVictim`, kept in the first).
public enum SegmentMemo {
    public struct Header {
        /// Token in; `UInt32.max` (never given out) while the segment has no memo.
        public var entry: UInt32 = .max
        public var out: UInt32 = 0
        /// Cycles the whole run adds, and those before its last instruction (the event test).
        public var total: UInt32 = 0
        public var lastPrefix: UInt32 = 0
        /// Whole runs completed since the counters were last handed to the timer.
        public var hits: UInt64 = 0
        /// Per whole run.
        public var counters = Counters()
        public var count: UInt32 = 0
        /// The token of the last entry that found another memo: a second miss with the same
        /// token builds the memo for it (a token seen once may never come back).
        public var lastMiss: UInt32 = .max
        /// The variant the next build replaces (0 or 1; the first variant's is used).
        public var nextVictim: UInt32 = 0
    }

    /// The statistics a run of the rules adds: dual issues, skipped instructions, interlock
    /// and divide stall cycles.
    public struct Counters {
        public var dual: UInt32 = 0
        public var skipped: UInt32 = 0
        public var interlock: UInt32 = 0
        public var divide: UInt32 = 0
    }

    public struct Step {
        /// The instruction's static timing and transfer count (what the rules read).
        public var timing: StaticTiming
        public var beats: UInt8
        /// The token before the instruction (`UInt32.max`: none), and the cycles the run
        /// added before it.
        public var token: UInt32 = .max
        public var prefix: UInt32 = 0
        /// Runs left at this instruction (a bubble, a stall, a bail) and runs that came back
        /// at it, not yet handed over. Every run left here counts the instruction's
        /// execution elsewhere (the interpreter runs it after a bail; the one-by-one code
        /// counts it after a bubble or stall, with its memo, whose counters are flushed with
        /// the execution count).
        public var left: UInt64 = 0
        public var rejoined: UInt64 = 0
        /// The counters of the instructions before it.
        public var counters = Counters()
    }

    public static let stepsOffset = (MemoryLayout<Header>.stride + 15) & ~15
    public static let stepStride = MemoryLayout<Step>.stride

    /// The bytes of one variant of a segment of `count` instructions (the second variant
    /// lies this far after the first).
    public static func variantBytes(_ count: Int) -> Int { (stepsOffset + count * stepStride + 15) & ~15 }

    /// Field offsets for translated code.
    public static let header: (entry: Int, out: Int, total: Int, lastPrefix: Int, hits: Int, lastMiss: Int) = (
        MemoryLayout<Header>.offset(of: \Header.entry)!, MemoryLayout<Header>.offset(of: \Header.out)!,
        MemoryLayout<Header>.offset(of: \Header.total)!, MemoryLayout<Header>.offset(of: \Header.lastPrefix)!,
        MemoryLayout<Header>.offset(of: \Header.hits)!, MemoryLayout<Header>.offset(of: \Header.lastMiss)!)
    public static let step: (token: Int, prefix: Int, left: Int, rejoined: Int) = (
        MemoryLayout<Step>.offset(of: \Step.token)!, MemoryLayout<Step>.offset(of: \Step.prefix)!,
        MemoryLayout<Step>.offset(of: \Step.left)!, MemoryLayout<Step>.offset(of: \Step.rejoined)!)

    /// A segment of instructions with these static timings and transfer counts, with no
    /// memo yet (both variants).
    public static func allocate(_ steps: [(timing: StaticTiming, beats: UInt8)]) -> UnsafeMutableRawPointer {
        let size = variantBytes(steps.count)
        let p = UnsafeMutableRawPointer.allocate(byteCount: 2 * size, alignment: 16)
        for v in [p, p + size] {
            var h = Header()
            h.count = UInt32(steps.count)
            v.initializeMemory(as: Header.self, repeating: h, count: 1)
            for (k, s) in steps.enumerated() {
                (v + stepsOffset + k * stepStride).initializeMemory(as: Step.self, repeating: Step(timing: s.timing, beats: s.beats),
                                                                    count: 1)
            }
        }
        return p
    }

    /// The second variant of the segment at `p`.
    public static func secondVariant(_ p: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        p + variantBytes(Int(header(p).pointee.count))
    }

    public static func header(_ p: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Header> { p.assumingMemoryBound(to: Header.self) }

    public static func steps(_ p: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Step> {
        (p + stepsOffset).assumingMemoryBound(to: Step.self)
    }
}

extension CoreTimer {
    /// Hand a segment's counters (both variants') to the statistics, the retired
    /// instructions among them (before they are read, and before the segment is dropped).
    public func foldSegment(_ p: UnsafeMutableRawPointer) {
        foldVariant(p)
        foldVariant(SegmentMemo.secondVariant(p))
    }

    /// Make a memo for state token `entry` in the variant of the segment at `p` that was
    /// built longer ago (`buildVariant`).
    public func buildSegment(_ p: UnsafeMutableRawPointer, entry: UInt32) -> UInt32 {
        let h = SegmentMemo.header(p)
        let victim = h.pointee.nextVictim
        h.pointee.nextVictim = victim ^ 1
        return buildVariant(victim == 0 ? p : SegmentMemo.secondVariant(p), entry: entry)
    }

    /// Hand one variant's counters to the statistics (`foldSegment`; before its memo is
    /// replaced).
    private func foldVariant(_ p: UnsafeMutableRawPointer) {
        let h = SegmentMemo.header(p)
        let steps = SegmentMemo.steps(p), count = Int(h.pointee.count)
        // Whole runs count no executions themselves. Runs begin at the first instruction
        // or come back at k, and end at the last or leave at k, which they do not count:
        // runs that began = completed + left - came back.
        var running = h.pointee.hits, any = running != 0
        for k in 0..<count {
            running = running &+ steps[k].left &- steps[k].rejoined
            any = any || steps[k].left | steps[k].rejoined != 0
        }
        guard any else { return }
        if h.pointee.hits != 0 {
            let n = h.pointee.hits
            h.pointee.hits = 0
            credit(n, h.pointee.counters)
        }
        for k in 0..<count {
            let s = steps[k]
            // Instruction k ran in the runs under way at it that did not leave there.
            running = running &+ s.rejoined &- s.left
            if running != 0 { countRetired(opClass: s.timing.opClass, running) }
            guard s.left | s.rejoined != 0 else { continue }
            // A run that left at k made the instructions before k; one that came back at k
            // made none of them (its whole-run or leaving credit counts them: take them off).
            steps[k].left = 0
            steps[k].rejoined = 0
            credit(s.left &- s.rejoined, s.counters)
        }
    }

    /// Counters `n` times over (modulo 2^64: `foldSegment` credits a difference).
    private func credit(_ n: UInt64, _ c: SegmentMemo.Counters) {
        dualIssuedCount &+= n &* UInt64(c.dual)
        skippedCount &+= n &* UInt64(c.skipped)
        stalls.interlock &+= n &* UInt64(c.interlock)
        stalls.divide &+= n &* UInt64(c.divide)
    }

    /// What the counters gained since `saved` (`buildSegment`'s what-if run).
    private func countedSince(_ saved: (UInt64, UInt64, UInt64, UInt64, UInt64)) -> SegmentMemo.Counters {
        SegmentMemo.Counters(dual: UInt32(truncatingIfNeeded: dualIssuedCount &- saved.1),
                             skipped: UInt32(truncatingIfNeeded: skippedCount &- saved.2),
                             interlock: UInt32(truncatingIfNeeded: stalls.interlock &- saved.3),
                             divide: UInt32(truncatingIfNeeded: stalls.divide &- saved.4))
    }

    /// Make the variant's memo for state token `entry`, the current state of translated
    /// code (its fields are then not in use, `materializeM7`). Returns the token of that
    /// state to go on with: `entry`, or a new token for the same state if the state table
    /// started again meanwhile (the memo is then not made).
    private func buildVariant(_ p: UnsafeMutableRawPointer, entry: UInt32) -> UInt32 {
        let h = SegmentMemo.header(p), steps = SegmentMemo.steps(p)
        guard entry != 0 && entry != .max && memoize else { return entry }
        let count = Int(h.pointee.count)
        let entryKey = states.key(entry), generation = states.base
        foldVariant(p)  // before the counters are saved: the what-if run's are thrown away
        let saved = (now, dualIssuedCount, skippedCount, stalls.interlock, stalls.divide)
        h.pointee.entry = .max
        // The rules from the entry state, at an arbitrary time (they see only differences).
        now = 1 << 32
        token = entry
        materializeM7()
        let start = now
        var tokens = [UInt32](repeating: 0, count: count)
        var ok = true
        for k in 0..<count {
            let t = k == 0 ? entry : relativeStateToken()
            guard t != 0 && now &- start <= UInt64(UInt32.max) else { ok = false; break }
            tokens[k] = t
            steps[k].prefix = UInt32(now &- start)
            steps[k].counters = countedSince(saved)
            issueRulesM7(steps[k].timing, executed: true, beats: steps[k].beats, bubble: 0, stall: 0)
        }
        let out = ok ? relativeStateToken() : 0
        let total = now &- start
        h.pointee.counters = countedSince(saved)
        (now, dualIssuedCount, skippedCount, stalls.interlock, stalls.divide) = saved
        guard states.base == generation else {
            // Tokens given out before the table started again can no longer be read.
            for k in 0..<count { steps[k].token = .max }
            token = states.token(entryKey)
            return token
        }
        token = entry  // the fields hold the what-if state, not the machine's
        for k in 0..<count { steps[k].token = ok ? tokens[k] : .max }
        guard ok, out != 0, total <= UInt64(UInt32.max) else { return entry }
        h.pointee.out = out
        h.pointee.total = UInt32(total)
        h.pointee.lastPrefix = steps[count - 1].prefix
        h.pointee.entry = entry
        return entry
    }
}
