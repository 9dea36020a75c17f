import ThumbISA

// Register allocation over precise live ranges: values are taken most expensive to spill
// first (uses weighted by 50 per loop level) and each gets the first register of its class
// free wherever it is live (priority-based assignment in the manner of Chow and
// Hennessy); values that find none are spilled — on ARMv6-M first to a "home" register
// among r8–r12, then to the stack — and allocation runs again until everything fits.
//
// Registers: ARMv7-M allocates r0–r12 and lr (lr is saved by the prologue). ARMv6-M
// allocates r0–r7 to values that 16-bit instructions touch, and r8–r12 to values only
// moved, added (ADD <Rdn>,<Rm>) or compared — accumulators, typically.
// Calls clobber r0–r3, r12 and lr (AAPCS), so values live across a call avoid them.

struct Allocation {
    /// Physical register of every virtual register.
    var registers: [VReg: Int]
    /// Code after spill rewriting.
    var code: [MInst]
    var spillSlots: Int
}

struct BitSet: Equatable {
    var words: [UInt64]
    init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) / 64) }
    func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    mutating func remove(_ i: Int) { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
    mutating func formUnion(_ o: BitSet) { for k in words.indices { words[k] |= o.words[k] } }
    func forEach(_ body: (Int) -> Void) {
        for (k, w) in words.enumerated() where w != 0 {
            var x = w
            while x != 0 {
                let b = x.trailingZeroBitCount
                body(k * 64 + b)
                x &= x - 1
            }
        }
    }
}

/// Live positions of registers: a row of bits per register, one bit per position.
struct LivePositions {
    let rowWords: Int
    var bits: [UInt64]

    init(registers: Int, instructions: Int) {
        rowWords = (2 * instructions + 1 + 63) / 64
        bits = [UInt64](repeating: 0, count: registers * rowWords)
    }

    /// Positions a...b of `v`.
    mutating func fill(_ v: VReg, _ a: Int, _ b: Int) {
        let row = v * rowWords
        for k in (a >> 6)...(b >> 6) {
            var x = UInt64.max
            if k == a >> 6 { x &= ~0 << UInt64(a & 63) }
            if k == b >> 6 && b & 63 != 63 { x &= (1 << UInt64(b & 63 + 1)) &- 1 }
            bits[row + k] |= x
        }
    }

    /// Whether `v` is live anywhere in positions a...b.
    func any(_ v: VReg, _ a: Int, _ b: Int) -> Bool {
        let first = a >> 6, last = b >> 6
        for k in first...last {
            var x = bits[v * rowWords + k]
            if k == first { x &= ~0 << UInt64(a & 63) }
            if k == last && b & 63 != 63 { x &= (1 << UInt64(b & 63 + 1)) &- 1 }
            if x != 0 { return true }
        }
        return false
    }

    /// The maximal runs of consecutive live positions of `v`, in order.
    func runs(_ v: VReg) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        var s = -1, e = -2
        for k in 0..<rowWords {
            var x = bits[v * rowWords + k]
            while x != 0 {
                let b = x.trailingZeroBitCount
                let length = (~(x >> UInt64(b))).trailingZeroBitCount
                let p = k << 6 + b
                if p == e + 1 {
                    e = p + length - 1
                } else {
                    if s >= 0 { out.append((s, e)) }
                    s = p
                    e = p + length - 1
                }
                x = b + length >= 64 ? 0 : x & ~((1 << UInt64(length) &- 1) << UInt64(b))
            }
        }
        if s >= 0 { out.append((s, e)) }
        return out
    }
}

struct RegisterAllocator {
    let arch: ArchLevel
    var code: [MInst]
    var nextVReg: VReg
    var spillSlotOf: [VReg: Int] = [:]
    var spillSlots = 0
    var unspillable: Set<VReg> = []
    /// ARMv6-M: spilled values first move to a "home" register that only MOVs and
    /// ADD <Rdn>,<Rm> touch, so it can live in r8–r12; homes that spill go to the stack.
    var homes: Set<VReg> = []
    let kernelName: String
    /// Pairs that should share a register where their ranges allow (MFunction.preferences).
    var preferences: [(VReg, VReg)] = []

    var thumb2: Bool { arch >= .v7m }

    static func allocate(_ fn: MFunction, arch: ArchLevel) throws(KernelIRError) -> Allocation {
        var ra = RegisterAllocator(arch: arch, code: fn.code, nextVReg: fn.nextVReg, kernelName: fn.name)
        ra.preferences = fn.preferences
        for _ in 0..<64 {
            let (assignment, spilled) = try ra.scan()
            if spilled.isEmpty {
                let code = RegisterAllocator.forwardSpillSlots(ra.code, assignment)
                return Allocation(registers: assignment, code: code, spillSlots: ra.spillSlots)
            }
            ra.rewrite(spilling: spilled)
        }
        throw KernelIRError("register allocation of '\(fn.name)' did not converge")
    }

    // MARK: Register classes

    static let thumb2Order = [0, 1, 2, 3, 4, 5, 6, 7, 12, 8, 9, 10, 11, 14]
    static let lowOrder = [0, 1, 2, 3, 4, 5, 6, 7]
    static let v6mAnyOrder = [12, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7]

    /// Kinds whose registers must be low on ARMv6-M whatever the masks say.
    static func alwaysLow(_ k: MInst.Kind) -> Bool {
        switch k {
        case .loadConst, .loadAddress, .spillLoad, .spillStore, .stackArg, .outArg: true
        default: false
        }
    }

    func needsLow(_ m: MInst, slot k: Int) -> Bool {
        guard !thumb2 else { return false }
        return RegisterAllocator.alwaysLow(m.kind) || m.lowMask & (1 << UInt8(k)) != 0
    }

    // MARK: Liveness and intervals

    struct Interval {
        var v: VReg
        var start: Int
        var end: Int
        var weight: Double
        var low: Bool
    }

    func labelIndex() -> [Int: Int] {
        var map: [Int: Int] = [:]
        for (i, m) in code.enumerated() { if case let .label(l) = m.kind { map[l] = i } }
        return map
    }

    /// Basic blocks as index ranges, and their successors.
    func blocks() -> (ranges: [Range<Int>], successors: [[Int]]) {
        var starts: [Int] = [0]
        for (i, m) in code.enumerated() {
            if m.isLabel && i != 0 && starts.last != i { starts.append(i) }
            if m.branchTarget != nil || m.isBarrier, i + 1 < code.count, starts.last != i + 1 { starts.append(i + 1) }
        }
        var ranges: [Range<Int>] = []
        for (k, s) in starts.enumerated() {
            ranges.append(s..<(k + 1 < starts.count ? starts[k + 1] : code.count))
        }
        var blockOf: [Int: Int] = [:]
        for (b, r) in ranges.enumerated() { blockOf[r.lowerBound] = b }
        let labels = labelIndex()
        var succ: [[Int]] = []
        for (b, r) in ranges.enumerated() {
            var s: [Int] = []
            guard let last = r.last else { succ.append([]); continue }
            let m = code[last]
            if let t = m.branchTarget, let i = labels[t], let tb = blockOf[i] { s.append(tb) }
            if !m.isBarrier && b + 1 < ranges.count { s.append(b + 1) }
            succ.append(s)
        }
        return (ranges, succ)
    }

    func liveness() -> (ranges: [Range<Int>], liveOut: [BitSet]) {
        let (ranges, succ) = blocks()
        let w = (nextVReg + 63) / 64
        var use = [UInt64](repeating: 0, count: ranges.count * w)
        var def = use
        for (b, r) in ranges.enumerated() {
            let row = b * w
            for i in r {
                code[i].forEachUse { v in
                    if def[row + v >> 6] & (1 << UInt64(v & 63)) == 0 { use[row + v >> 6] |= 1 << UInt64(v & 63) }
                }
                code[i].forEachDef { v in def[row + v >> 6] |= 1 << UInt64(v & 63) }
            }
        }
        let liveOut = dataflowFixedPoint(edges: succ, gen: use, kill: def, width: w, order: ranges.indices.reversed())
        let sets = ranges.indices.map { b in
            var set = BitSet(count: nextVReg)
            for k in 0..<w { set.words[k] = liveOut[b * w + k] }
            return set
        }
        return (ranges, sets)
    }

    /// Where every register is live (instruction i: uses at 2i, defs at 2i + 1, live
    /// across it at 2i + 1 and 2i + 2).
    func livePositions() -> LivePositions {
        let (ranges, liveOut) = liveness()
        var positions = LivePositions(registers: nextVReg, instructions: code.count)
        // Walking each block backwards, a value is live after every instruction from the one
        // that makes it live (a use below, or the block's end) up to `since[v]`: that stretch
        // is filled when its definition (or the block's start) is reached.
        var since = [Int](repeating: 0, count: nextVReg)
        for (b, r) in ranges.enumerated() {
            var live = liveOut[b]
            live.forEach { v in since[v] = r.upperBound - 1 }
            for i in r.reversed() {
                code[i].forEachDef { v in
                    if live.contains(v) {
                        positions.fill(v, 2 * i + 1, 2 * since[v] + 2)
                        live.remove(v)
                    }
                    positions.fill(v, 2 * i + 1, 2 * i + 1)
                }
                code[i].forEachUse { v in
                    if !live.contains(v) {
                        live.insert(v)
                        since[v] = i - 1
                    }
                    positions.fill(v, 2 * i, 2 * i)
                }
            }
            live.forEach { v in
                if since[v] >= r.lowerBound { positions.fill(v, 2 * r.lowerBound + 1, 2 * since[v] + 2) }
            }
            // Live into the function's entry: parameters in r0–r3 (marked from 0).
            if b == 0 { live.forEach { v in positions.fill(v, 0, 0) } }
        }
        return positions
    }

    /// One allocation pass: assignments, and the virtual registers that must be spilled.
    mutating func scan() throws(KernelIRError) -> ([VReg: Int], [VReg]) {
        let live = livePositions()
        // As runs of positions: a register is occupied only where the value is live.
        var liveRanges = [[(Int, Int)]](repeating: [], count: nextVReg)
        var start = [Int](repeating: .max, count: nextVReg)
        var end = [Int](repeating: -1, count: nextVReg)
        for v in firstVirtual..<nextVReg {
            liveRanges[v] = live.runs(v)
            if let first = liveRanges[v].first, let last = liveRanges[v].last {
                start[v] = first.0
                end[v] = last.1
            }
        }

        // Weights, classes, copy partners.
        var weight = [Double](repeating: 0, count: nextVReg)
        var low = [Bool](repeating: false, count: nextVReg)
        var partners = [[VReg]](repeating: [], count: nextVReg)
        for m in code {
            // A loop is assumed to run 50 times (kernels' inner loops run over 10s–100s).
            let w = loopWeight(min(m.depth, 5))
            for k in 0..<4 where m.regs[k] >= firstVirtual {
                weight[m.regs[k]] += w
                if needsLow(m, slot: k) { low[m.regs[k]] = true }
            }
            if m.kind == .copy {
                let d = m.regs[0], s = m.regs[1]
                if d >= firstVirtual { partners[d].append(s) }
                if s >= firstVirtual { partners[s].append(d) }
            }
        }

        for (a, b) in preferences where a < nextVReg && b < nextVReg {
            partners[a].append(b)
            partners[b].append(a)
        }

        var intervals: [Interval] = []
        for v in firstVirtual..<nextVReg where end[v] >= 0 {
            // Spill cost: how many loads and stores spilling would execute (uses weighted
            // by 50^loop depth); among equals, the longer interval frees more.
            let length = Double(max(1, liveRanges[v].reduce(0) { $0 + $1.1 - $1.0 + 1 }))
            intervals.append(Interval(v: v, start: start[v], end: end[v], weight: weight[v] + 1 / length, low: low[v]))
        }

        func fixedConflict(_ r: Int, _ v: VReg) -> Bool {
            liveRanges[v].contains { live.any(r, $0.0, $0.1) }
        }
        /// Whether two sorted range lists intersect.
        func overlap(_ a: [(Int, Int)], _ b: [(Int, Int)]) -> Bool {
            var i = 0, j = 0
            while i < a.count && j < b.count {
                if a[i].1 < b[j].0 { i += 1 } else if b[j].1 < a[i].0 { j += 1 } else { return true }
            }
            return false
        }

        // Most expensive to spill first; each takes the first register of its class that
        // is free over its whole interval (priority-based assignment, as in Chow and
        // Hennessy's allocator). Reload temporaries come first: they cannot be spilled.
        // Values that prefer one register (MFunction.preferences) are taken together, at
        // the weight of the heaviest, so that the first one's register is still free when
        // the others ask for it.
        var group = Array(0..<nextVReg)
        func root(_ x: Int) -> Int {
            var x = x
            while group[x] != x { group[x] = group[group[x]]; x = group[x] }
            return x
        }
        for (a, b) in preferences where a < nextVReg && b < nextVReg && end[a] >= 0 && end[b] >= 0 {
            group[root(a)] = root(b)
        }
        var groupWeight = [Double](repeating: 0, count: nextVReg)
        for iv in intervals { groupWeight[root(iv.v)] = max(groupWeight[root(iv.v)], iv.weight) }
        // The sort keys, computed once. The last two keys (start, then register number)
        // make the order total, so that it does not depend on the sort's stability.
        struct Priority {
            var unspillable: Bool
            var groupWeight: Double
            var group: Int
            var weight: Double
            var start: Int
            var v: VReg
            var interval: Int
        }
        var priorities: [Priority] = []
        priorities.reserveCapacity(intervals.count)
        for (k, iv) in intervals.enumerated() {
            let g = root(iv.v)
            priorities.append(Priority(unspillable: unspillable.contains(iv.v), groupWeight: groupWeight[g], group: g,
                                       weight: iv.weight, start: iv.start, v: iv.v, interval: k))
        }
        priorities.sort { a, b in
            if a.unspillable != b.unspillable { return a.unspillable }
            if a.group != b.group {
                if a.groupWeight != b.groupWeight { return a.groupWeight > b.groupWeight }
                return a.group < b.group
            }
            if a.weight != b.weight { return a.weight > b.weight }
            if a.start != b.start { return a.start < b.start }
            return a.v < b.v
        }
        var assignment: [VReg: Int] = [:]
        var taken = [[VReg]](repeating: [], count: 16)
        func free(_ r: Int, _ iv: Interval) -> Bool {
            if fixedConflict(r, iv.v) { return false }
            for other in taken[r] where start[other] <= iv.end && iv.start <= end[other] {
                if overlap(liveRanges[other], liveRanges[iv.v]) { return false }
            }
            return true
        }
        var spilled: [VReg] = []
        for priority in priorities {
            let iv = intervals[priority.interval]
            let regs = thumb2 ? RegisterAllocator.thumb2Order
                : (iv.low ? RegisterAllocator.lowOrder : RegisterAllocator.v6mAnyOrder)
            var chosen: Int?
            for p in partners[iv.v] {
                let r = p < firstVirtual ? p : assignment[p]
                // ARMv6-M values that may live high go high: low registers are scarce.
                if let r, regs.contains(r), free(r, iv), thumb2 || iv.low || r >= 8 { chosen = r; break }
            }
            if chosen == nil { chosen = regs.first { free($0, iv) } }
            if let r = chosen {
                assignment[iv.v] = r
                taken[r].append(iv.v)
                continue
            }
            guard !unspillable.contains(iv.v) else {
                let line = code.first { $0.regs.contains(iv.v) }?.line ?? 0
                throw KernelIRError("'\(kernelName)': more values are needed at once than there are registers (IR line \(line & 0xFFFFFF))")
            }
            spilled.append(iv.v)
        }
        return (assignment, spilled)
    }

    func loopWeight(_ depth: Int) -> Double {
        var x = 1.0
        for _ in 0..<depth { x *= 50 }
        return x
    }

    // MARK: Spill code

    mutating func slot(for v: VReg) -> Int {
        if let s = spillSlotOf[v] { return s }
        let s = spillSlots
        spillSlots += 1
        spillSlotOf[v] = s
        return s
    }

    mutating func temp() -> VReg {
        let t = nextVReg
        nextVReg += 1
        unspillable.insert(t)
        return t
    }

    /// Every use of a spilled register reloads it into a fresh short-lived register
    /// just before; every definition stores it just after. Loads and stores do not
    /// touch the flags, so compare/branch and ADDS/ADCS pairs stay intact.
    mutating func rewrite(spilling spilled: [VReg]) {
        if !thumb2 {
            let toHome = spilled.filter { !homes.contains($0) }
            if !toHome.isEmpty {
                rewriteToHomes(toHome)
                let rest = spilled.filter { homes.contains($0) }
                if !rest.isEmpty { rewriteToStack(rest) }
                return
            }
        }
        rewriteToStack(spilled)
    }

    /// Replace each spilled value by a home register; where an instruction needs a low
    /// register, copy through a short-lived one.
    mutating func rewriteToHomes(_ spilled: [VReg]) {
        var home: [VReg: VReg] = [:]
        for v in spilled {
            let h = nextVReg
            nextVReg += 1
            homes.insert(h)
            home[v] = h
        }
        var out: [MInst] = []
        for m in code {
            let involved = m.regs.filter { home[$0] != nil }.uniqued()
            if involved.isEmpty {
                out.append(m)
                continue
            }
            var rewritten = m
            var after: [MInst] = []
            for v in involved {
                let h = home[v]!
                var needsTemp = false
                for k in 0..<4 where m.regs[k] == v && needsLow(m, slot: k) { needsTemp = true }
                if !needsTemp {
                    for k in 0..<4 where rewritten.regs[k] == v { rewritten.regs[k] = h }
                    continue
                }
                let t = temp()
                var used = false, defined = false
                for k in 0..<4 where rewritten.regs[k] == v {
                    rewritten.regs[k] = t
                    if m.useMask & (1 << UInt8(k)) != 0 { used = true }
                    if m.defMask & (1 << UInt8(k)) != 0 { defined = true }
                }
                if used {
                    var c = MInst(.copy, line: m.line, depth: m.depth)
                    c.regs[0] = t
                    c.regs[1] = h
                    c.defMask = SlotBit.rd
                    c.useMask = SlotBit.rn
                    out.append(c)
                }
                if defined {
                    var c = MInst(.copy, line: m.line, depth: m.depth)
                    c.regs[0] = h
                    c.regs[1] = t
                    c.defMask = SlotBit.rd
                    c.useMask = SlotBit.rn
                    after.append(c)
                }
            }
            out.append(rewritten)
            out += after
        }
        code = out
    }

    mutating func rewriteToStack(_ spilled: [VReg]) {
        let set = Set(spilled)
        for v in spilled { _ = slot(for: v) }
        var out: [MInst] = []
        out.reserveCapacity(code.count + spilled.count * 4)
        for m in code {
            let involved = m.regs.filter { set.contains($0) }.uniqued()
            if involved.isEmpty {
                out.append(m)
                continue
            }
            if m.kind == .copy {
                let d = m.regs[0], s = m.regs[1]
                if set.contains(s) && !set.contains(d) {
                    var l = MInst(.spillLoad(spillSlotOf[s]!), line: m.line, depth: m.depth)
                    l.regs[0] = d
                    l.defMask = SlotBit.rd
                    out.append(l)
                    continue
                }
                if set.contains(d) && !set.contains(s) {
                    var st = MInst(.spillStore(spillSlotOf[d]!), line: m.line, depth: m.depth)
                    st.regs[1] = s
                    st.useMask = SlotBit.rn
                    out.append(st)
                    continue
                }
            }
            var rewritten = m
            var after: [MInst] = []
            for v in involved {
                let t = temp()
                var used = false, defined = false
                for k in 0..<4 where rewritten.regs[k] == v {
                    rewritten.regs[k] = t
                    if m.useMask & (1 << UInt8(k)) != 0 { used = true }
                    if m.defMask & (1 << UInt8(k)) != 0 { defined = true }
                }
                if used {
                    var l = MInst(.spillLoad(spillSlotOf[v]!), line: m.line, depth: m.depth)
                    l.regs[0] = t
                    l.defMask = SlotBit.rd
                    out.append(l)
                }
                if defined {
                    var st = MInst(.spillStore(spillSlotOf[v]!), line: m.line, depth: m.depth)
                    st.regs[1] = t
                    st.useMask = SlotBit.rn
                    after.append(st)
                }
            }
            out.append(rewritten)
            out += after
        }
        code = out
    }

    // MARK: Reload forwarding

    /// Spill code reloads a value before every use; within a basic block the value is often
    /// still in the register it was last loaded into or stored from. Such a reload becomes
    /// a register move (1 cycle instead of a 2-cycle load), or disappears when the value is
    /// already where it is needed. Works on physical registers after allocation, so it
    /// cannot change which values fit.
    static func forwardSpillSlots(_ code: [MInst], _ assignment: [VReg: Int]) -> [MInst] {
        func phys(_ v: VReg) -> Int? { v < firstVirtual ? (v == noReg ? nil : v) : assignment[v] }
        var holders: [Int: Set<Int>] = [:]  // stack slot → registers holding its value
        var out: [MInst] = []
        out.reserveCapacity(code.count)
        func clobber(_ r: Int) {
            for (slot, hs) in holders where hs.contains(r) {
                var h = hs
                h.remove(r)
                holders[slot] = h.isEmpty ? nil : h
            }
        }
        for m in code {
            switch m.kind {
            case .label:
                holders.removeAll()  // a join: other paths may hold other values
                out.append(m)
                continue
            case let .spillLoad(slot):
                guard let r = phys(m.regs[0]) else { out.append(m); continue }
                if let hs = holders[slot], !hs.isEmpty {
                    if !hs.contains(r) {
                        var c = MInst(.copy, line: m.line, depth: m.depth)
                        c.regs[0] = m.regs[0]
                        c.regs[1] = VReg(hs.min()!)
                        c.defMask = SlotBit.rd
                        c.useMask = SlotBit.rn
                        clobber(r)
                        out.append(c)
                        holders[slot, default: []].insert(r)
                    }
                    continue
                }
                clobber(r)
                holders[slot] = [r]
                out.append(m)
                continue
            case let .spillStore(slot):
                out.append(m)
                if let r = phys(m.regs[1]) { holders[slot] = [r] } else { holders[slot] = nil }
                continue
            default:
                break
            }
            out.append(m)
            // Defs include a call's implicit ones (AAPCS: r0–r3, r12, lr).
            for v in m.defs { if let r = phys(v) { clobber(r) } }
            if m.isBarrier { holders.removeAll() }
        }
        return out
    }
}

extension Array where Element: Hashable {
    /// The elements without repeats, in their first order. (Iterating a `Set` would number
    /// spill temporaries in a per-process random order, and the compiled code with them.)
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
