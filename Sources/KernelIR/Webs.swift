// Web splitting: an IR variable that is reassigned holds several unrelated values over
// its life (`w = load a[i]` here, `w = load b[i]` further on). Each set of definitions
// that reach common uses — a web — gets its own virtual register, so that the allocator
// sees short, separate intervals instead of one that spans them all. Definitions that
// reach one use are merged (reaching definitions, union–find). An instruction that must
// write the register it reads keeps its definition in the web of what it read: on
// ARMv7-M an operand slot both read and written (SMLAL's pair, a post-incremented
// pointer, a conditional move); on ARMv6-M every read-and-write of one variable, since
// its two-address forms (ADDS, MULS, …) name the register in two slots. Elsewhere a
// three-address `a = shl a, n` starts a new web, so that a long-lived value that is
// spilled does not take its short-lived successor onto the stack; the two webs are
// recorded as a register preference instead.

import ThumbISA

struct WebSplitter {
    var code: [MInst]
    var nextVReg: VReg

    /// ARMv6-M ties every read-and-write of one variable (see above).
    var tieAllReadWrites = true
    /// Webs split at a three-address read-and-write: the allocator prefers to give them
    /// one register (no move, the same register as before the split).
    var preferences: [(VReg, VReg)] = []

    static func split(_ fn: MFunction, arch: ArchLevel) -> MFunction {
        var s = WebSplitter(code: fn.code, nextVReg: fn.nextVReg)
        s.tieAllReadWrites = arch == .v6m
        s.run()
        var out = fn
        out.code = s.code
        out.nextVReg = s.nextVReg
        out.preferences = s.preferences
        return out
    }

    mutating func run() {
        var untied: [(site: Int, read: Int)] = []  // definition sites not tied to what they read
        // Definition sites of virtual registers: (instruction, vreg).
        var sites: [(inst: Int, v: VReg)] = []
        var sitesOf: [VReg: [Int]] = [:]
        var siteAt: [Int: [Int]] = [:]  // instruction → its def sites
        for (i, m) in code.enumerated() {
            for v in m.defs where v >= firstVirtual {
                sitesOf[v, default: []].append(sites.count)
                siteAt[i, default: []].append(sites.count)
                sites.append((i, v))
            }
        }
        // Only registers defined more than once can have several webs.
        let multi = Set(sitesOf.filter { $0.value.count > 1 }.keys)
        guard !multi.isEmpty else { return }

        let ra = RegisterAllocator(arch: .v7em, code: code, nextVReg: nextVReg, kernelName: "")
        let (ranges, succ) = ra.blocks()
        let n = sites.count
        var gen = [BitSet](repeating: BitSet(count: n), count: ranges.count)
        var kill = gen
        for (b, r) in ranges.enumerated() {
            for i in r {
                for s in siteAt[i] ?? [] {
                    let v = sites[s].v
                    for other in sitesOf[v]! { gen[b].remove(other); kill[b].insert(other) }
                    gen[b].insert(s)
                }
            }
        }
        var preds = [[Int]](repeating: [], count: ranges.count)
        for (b, ss) in succ.enumerated() { for s in ss { preds[s].append(b) } }
        var inSet = [BitSet](repeating: BitSet(count: n), count: ranges.count)
        var outSet = inSet
        var changed = true
        while changed {
            changed = false
            for b in ranges.indices {
                var inn = BitSet(count: n)
                for p in preds[b] { inn.formUnion(outSet[p]) }
                var out = inn
                for k in out.words.indices { out.words[k] = (out.words[k] & ~kill[b].words[k]) | gen[b].words[k] }
                if inn != inSet[b] || out != outSet[b] {
                    inSet[b] = inn
                    outSet[b] = out
                    changed = true
                }
            }
        }

        var parent = Array(0..<n)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        func union(_ a: Int, _ b: Int) { parent[find(a)] = find(b) }

        // Walk each block with the current reaching definitions per register.
        var useWeb: [Int: [Int: Int]] = [:]  // instruction → (vreg → representative site)
        for (b, r) in ranges.enumerated() {
            var current: [VReg: [Int]] = [:]
            inSet[b].forEach { s in
                let v = sites[s].v
                if multi.contains(v) { current[v, default: []].append(s) }
            }
            for i in r {
                let m = code[i]
                var reached: [VReg: Int] = [:]
                for v in m.uses.uniqued() where multi.contains(v) {
                    guard let defs = current[v], let first = defs.first else { continue }
                    for d in defs.dropFirst() { union(first, d) }
                    reached[v] = first
                }
                if !reached.isEmpty { useWeb[i] = reached }
                for s in siteAt[i] ?? [] {
                    let v = sites[s].v
                    guard multi.contains(v) else { continue }
                    if let u = reached[v] {
                        if tieAllReadWrites || m.readsAndWritesOneSlot(v) {
                            union(s, u)  // read-and-write: one web
                        } else {
                            untied.append((s, u))
                        }
                    }
                    current[v] = [s]
                }
            }
        }

        // A fresh register per web (the first web of a register keeps its number).
        var webRegister: [Int: VReg] = [:]
        var firstWebOf: [VReg: Int] = [:]
        func register(forSite s: Int) -> VReg {
            let root = find(s)
            if let r = webRegister[root] { return r }
            let v = sites[s].v
            let r: VReg
            if firstWebOf[v] == nil {
                firstWebOf[v] = root
                r = v
            } else {
                r = nextVReg
                nextVReg += 1
            }
            webRegister[root] = r
            return r
        }
        for (i, m) in code.enumerated() {
            var rewritten = m
            let reached = useWeb[i] ?? [:]
            var defSite: [VReg: Int] = [:]
            for s in siteAt[i] ?? [] where multi.contains(sites[s].v) { defSite[sites[s].v] = s }
            for k in 0..<4 {
                let v = m.regs[k]
                guard v >= firstVirtual, multi.contains(v) else { continue }
                let isDef = m.defMask & (1 << UInt8(k)) != 0
                let isUse = m.useMask & (1 << UInt8(k)) != 0
                if isDef, let s = defSite[v] {
                    rewritten.regs[k] = register(forSite: s)
                } else if isUse, let s = reached[v] {
                    rewritten.regs[k] = register(forSite: s)
                }
            }
            code[i] = rewritten
        }
        for (s, u) in untied {
            let a = register(forSite: s), b = register(forSite: u)
            if a != b { preferences.append((a, b)) }
        }
    }
}

extension MInst {
    /// Whether some operand slot holding `v` is both read and written: a tied operand
    /// (SMLAL's pair, a post-incremented pointer, a conditional move that may keep the old
    /// value).
    func readsAndWritesOneSlot(_ v: VReg) -> Bool {
        (0..<4).contains { k in regs[k] == v && defMask & useMask & (1 << UInt8(k)) != 0 }
    }
}
