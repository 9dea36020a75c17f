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
        // Definition sites of virtual registers, in instruction order: (instruction, vreg).
        // The sites of instruction i are siteStart[i]..<siteStart[i + 1].
        var sites: [(inst: Int, v: VReg)] = []
        var sitesOf = [[Int]](repeating: [], count: nextVReg)  // ascending
        var siteStart = [Int](repeating: 0, count: code.count + 1)
        for (i, m) in code.enumerated() {
            siteStart[i] = sites.count
            m.forEachDef { v in
                guard v >= firstVirtual else { return }
                sitesOf[v].append(sites.count)
                sites.append((i, v))
            }
        }
        siteStart[code.count] = sites.count
        // Only registers defined more than once can have several webs.
        let multi = sitesOf.map { $0.count > 1 }
        guard multi.contains(true) else { return }

        let ra = RegisterAllocator(arch: .v7em, code: code, nextVReg: nextVReg, kernelName: "")
        let (ranges, succ) = ra.blocks()
        // Reaching definitions, one row of site bits per block.
        let n = sites.count
        let w = (n + 63) / 64
        var gen = [UInt64](repeating: 0, count: ranges.count * w)
        var kill = gen
        for (b, r) in ranges.enumerated() {
            let row = b * w
            for s in siteStart[r.lowerBound]..<siteStart[r.upperBound] {
                for other in sitesOf[sites[s].v] {
                    gen[row + other >> 6] &= ~(1 << UInt64(other & 63))
                    kill[row + other >> 6] |= 1 << UInt64(other & 63)
                }
                gen[row + s >> 6] |= 1 << UInt64(s & 63)
            }
        }
        var preds = [[Int]](repeating: [], count: ranges.count)
        for (b, ss) in succ.enumerated() { for s in ss { preds[s].append(b) } }
        let inSet = dataflowFixedPoint(edges: preds, gen: gen, kill: kill, width: w, order: ranges.indices)

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

        // Walk each block with the current reaching definitions per register (ascending
        // site numbers), taken from the block's entry set when a register is first met.
        var useWeb = [[(v: VReg, site: Int)]](repeating: [], count: code.count)  // per instruction
        var current = [[Int]](repeating: [], count: nextVReg)
        var currentBlock = [Int](repeating: -1, count: nextVReg)
        for (b, r) in ranges.enumerated() {
            let row = b * w
            func reaching(_ v: VReg) -> [Int] {
                if currentBlock[v] != b {
                    currentBlock[v] = b
                    current[v] = sitesOf[v].filter { inSet[row + $0 >> 6] & (1 << UInt64($0 & 63)) != 0 }
                }
                return current[v]
            }
            for i in r {
                let m = code[i]
                var reached: [(v: VReg, site: Int)] = []
                var seen: [VReg] = []
                m.forEachUse { v in
                    guard !seen.contains(v) else { return }
                    seen.append(v)
                    guard multi[v] else { return }
                    let defs = reaching(v)
                    guard let first = defs.first else { return }
                    for d in defs.dropFirst() { union(first, d) }
                    reached.append((v, first))
                }
                if !reached.isEmpty { useWeb[i] = reached }
                for s in siteStart[i]..<siteStart[i + 1] {
                    let v = sites[s].v
                    guard multi[v] else { continue }
                    if let u = reached.first(where: { $0.v == v })?.site {
                        if tieAllReadWrites || m.readsAndWritesOneSlot(v) {
                            union(s, u)  // read-and-write: one web
                        } else {
                            untied.append((s, u))
                        }
                    }
                    currentBlock[v] = b
                    current[v] = [s]
                }
            }
        }

        // A fresh register per web (the first web of a register keeps its number).
        var webRegister = [VReg](repeating: noReg, count: n)  // by root site
        var hasFirstWeb = [Bool](repeating: false, count: nextVReg)
        func register(forSite s: Int) -> VReg {
            let root = find(s)
            if webRegister[root] != noReg { return webRegister[root] }
            let v = sites[s].v
            let r: VReg
            if !hasFirstWeb[v] {
                hasFirstWeb[v] = true
                r = v
            } else {
                r = nextVReg
                nextVReg += 1
            }
            webRegister[root] = r
            return r
        }
        for i in code.indices {
            let m = code[i]
            var rewritten = m
            for k in 0..<4 {
                let v = m.regs[k]
                guard v >= firstVirtual, multi[v] else { continue }
                let isDef = m.defMask & (1 << UInt8(k)) != 0
                let isUse = m.useMask & (1 << UInt8(k)) != 0
                // The instruction's last definition site of v.
                let defSite = (siteStart[i]..<siteStart[i + 1]).last { sites[$0].v == v }
                if isDef, let s = defSite {
                    rewritten.regs[k] = register(forSite: s)
                } else if isUse, let s = useWeb[i].first(where: { $0.v == v })?.site {
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
