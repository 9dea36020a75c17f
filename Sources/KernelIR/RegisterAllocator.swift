import ThumbISA

// Linear-scan register allocation (Poletto & Sarkar) over liveness-derived intervals,
// with spilling to stack slots and reallocation until everything has a register.
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

    var thumb2: Bool { arch >= .v7m }

    static func allocate(_ fn: MFunction, arch: ArchLevel) throws(KernelIRError) -> Allocation {
        var ra = RegisterAllocator(arch: arch, code: fn.code, nextVReg: fn.nextVReg, kernelName: fn.name)
        for _ in 0..<64 {
            let (assignment, spilled) = try ra.scan()
            if spilled.isEmpty {
                return Allocation(registers: assignment, code: ra.code, spillSlots: ra.spillSlots)
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
        let n = nextVReg
        var use = [BitSet](repeating: BitSet(count: n), count: ranges.count)
        var def = use
        for (b, r) in ranges.enumerated() {
            for i in r {
                for v in code[i].uses where !def[b].contains(v) { use[b].insert(v) }
                for v in code[i].defs { def[b].insert(v) }
            }
        }
        var liveIn = [BitSet](repeating: BitSet(count: n), count: ranges.count)
        var liveOut = liveIn
        var changed = true
        while changed {
            changed = false
            for b in ranges.indices.reversed() {
                var out = BitSet(count: n)
                for s in succ[b] { out.formUnion(liveIn[s]) }
                var inn = out
                for k in inn.words.indices { inn.words[k] = (inn.words[k] & ~def[b].words[k]) | use[b].words[k] }
                if out != liveOut[b] || inn != liveIn[b] {
                    liveOut[b] = out
                    liveIn[b] = inn
                    changed = true
                }
            }
        }
        return (ranges, liveOut)
    }

    /// One allocation pass: assignments, and the virtual registers that must be spilled.
    mutating func scan() throws(KernelIRError) -> ([VReg: Int], [VReg]) {
        let (ranges, liveOut) = liveness()
        var start = [Int](repeating: .max, count: nextVReg)
        var end = [Int](repeating: -1, count: nextVReg)
        var fixed = [[Int]](repeating: [], count: 16)
        func mark(_ v: VReg, _ p: Int) {
            if v < firstVirtual {
                fixed[v].append(p)
            } else {
                start[v] = min(start[v], p)
                end[v] = max(end[v], p)
            }
        }
        for (b, r) in ranges.enumerated() {
            var live = liveOut[b]
            for i in r.reversed() {
                live.forEach { v in mark(v, 2 * i + 1); mark(v, 2 * i + 2) }
                for v in code[i].defs {
                    live.remove(v)
                    mark(v, 2 * i + 1)
                }
                for v in code[i].uses {
                    live.insert(v)
                    mark(v, 2 * i)
                }
            }
            // Live into the function's entry: parameters in r0–r3 (marked from 0).
            if b == 0 { live.forEach { v in mark(v, 0) } }
        }
        for k in 0..<16 { fixed[k].sort() }

        // Weights, classes, copy partners.
        var weight = [Double](repeating: 0, count: nextVReg)
        var low = [Bool](repeating: false, count: nextVReg)
        var partners = [[VReg]](repeating: [], count: nextVReg)
        for m in code {
            let w = pow10(min(m.depth, 6))
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

        var intervals: [Interval] = []
        for v in firstVirtual..<nextVReg where end[v] >= 0 {
            let length = Double(max(1, end[v] - start[v]))
            intervals.append(Interval(v: v, start: start[v], end: end[v], weight: weight[v] / length, low: low[v]))
        }
        intervals.sort { $0.start != $1.start ? $0.start < $1.start : $0.v < $1.v }

        func fixedConflict(_ r: Int, _ s: Int, _ e: Int) -> Bool {
            let pts = fixed[r]
            var lo = 0, hi = pts.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if pts[mid] < s { lo = mid + 1 } else { hi = mid }
            }
            return lo < pts.count && pts[lo] <= e
        }

        var assignment: [VReg: Int] = [:]
        var active: [Interval] = []
        var spilled: [VReg] = []
        for iv in intervals {
            active.removeAll { $0.end < iv.start }
            let order = thumb2 ? RegisterAllocator.thumb2Order
                : (iv.low ? RegisterAllocator.lowOrder : RegisterAllocator.v6mAnyOrder)
            var busy = Set<Int>()
            for a in active { if let r = assignment[a.v] { busy.insert(r) } }
            let free = order.filter { !busy.contains($0) && !fixedConflict($0, iv.start, iv.end) }
            var chosen: Int?
            for p in partners[iv.v] {
                let r = p < firstVirtual ? p : assignment[p]
                // ARMv6-M values that may live high go high: low registers are scarce.
                if let r, free.contains(r), thumb2 || iv.low || r >= 8 { chosen = r; break }
            }
            if chosen == nil { chosen = free.first }
            if let r = chosen {
                assignment[iv.v] = r
                active.append(iv)
                continue
            }
            // No register: spill the cheapest of this interval and the active ones whose
            // register it could take.
            let candidates = active.filter { a in
                guard let r = assignment[a.v], !unspillable.contains(a.v) else { return false }
                return order.contains(r) && !fixedConflict(r, iv.start, iv.end)
            }
            let victim = candidates.min { $0.weight < $1.weight }
            let canSpillSelf = !unspillable.contains(iv.v)
            if canSpillSelf && (victim == nil || iv.weight <= victim!.weight) {
                spilled.append(iv.v)
            } else if let victim, let r = assignment[victim.v] {
                assignment[victim.v] = nil
                active.removeAll { $0.v == victim.v }
                spilled.append(victim.v)
                assignment[iv.v] = r
                active.append(iv)
            } else {
                let line = code.first { $0.regs.contains(iv.v) }?.line ?? 0
                throw KernelIRError("'\(kernelName)': more values are needed at once than there are registers (IR line \(line))")
            }
        }
        return (assignment, spilled)
    }

    func pow10(_ n: Int) -> Double {
        var x = 1.0
        for _ in 0..<n { x *= 10 }
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
            let involved = Set(m.regs.filter { home[$0] != nil })
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
            let involved = Set(m.regs.filter { set.contains($0) })
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
}
