import KernelIR
import Testing

/// The compiler's own machinery: spills, long branches, literal pools, calls, memory
/// addressing — each against the IR interpreter on all three cores.
@Suite struct CompilerTests {
    static let boards = TestBoards.all.map(\.name)

    /// 24 values live across a loop: more than any core has registers.
    @Test(arguments: boards)
    func registerPressureSpillsAndStaysCorrect(board: String) throws {
        var s = "kernel pressure(p: ptr<i32>, n: i32) -> i32 {\n"
        for k in 0..<24 { s += "  v\(k) = load p[\(k)]\n" }
        s += "  for i in 0 ..< n {\n"
        for k in 0..<24 { s += "    v\(k) = mla v\(k), v\((k + 7) % 24), \(k + 1)\n" }
        s += "  }\n  r = 0\n"
        for k in 0..<24 { s += "  r = xor r, v\(k)\n  store p[\(k)], v\(k)\n" }
        s += "  return r\n}\n"
        let d = try Differential(board: TestBoards.named(board), source: s)
        var rng = Rng(7)
        let p = d.put((0..<24).map { _ in rng.word() })
        try d.check("pressure", [p, 5])
        #expect((d.runner.compiled.frames["pressure"]?.spillSlots ?? 0) > 0, "expected spills on \(board)")
    }

    /// A loop body longer than every short branch (B<c> T1 ±256 B, B T2 ±2 KiB).
    @Test(arguments: boards)
    func longBranchesReachAcrossLargeBodies(board: String) throws {
        var s = "kernel long(p: ptr<i32>, n: i32) -> i32 {\n  a = load p[0]\n  b = load p[1]\n  for i in 0 ..< n {\n"
        s += "    if a > b {\n"
        for k in 0..<700 { s += "      a = add a, \(k % 5 + 1)\n      b = xor b, a\n" }
        s += "    } else {\n      b = sub b, 3\n    }\n  }\n  r = add a, b\n  return r\n}\n"
        let d = try Differential(board: TestBoards.named(board), source: s)
        let p = d.put([UInt32(5), 1000])
        try d.check("long", [p, 40])
        #expect((d.runner.compiled.symbol("long")?.size ?? 0) > 2048)
    }

    /// Hundreds of distinct 32-bit constants: on ARMv6-M they come from literal pools,
    /// which must be placed within 1 KiB of their loads, inside the function.
    @Test(arguments: boards)
    func literalPoolsAcrossALargeFunction(board: String) throws {
        var s = "kernel consts(p: ptr<i32>) -> i32 {\n  r = load p[0]\n"
        var rng = Rng(99)
        for _ in 0..<400 {
            let k = 0x0100_0000 | (rng.word() & 0x00FF_FFF0) | 0x0303
            s += "  r = xor r, \(k)\n  r = add r, 0x\(String(k &* 3 | 0x1001, radix: 16))\n"
        }
        s += "  return r\n}\n"
        let d = try Differential(board: TestBoards.named(board), source: s)
        let p = d.put([UInt32(0x1234_5678)])
        try d.check("consts", [p])
    }

    /// Calls with stack-passed arguments, values live across calls, nested calls.
    @Test(arguments: boards)
    func callsFollowTheProcedureCallStandard(board: String) throws {
        let s = """
        kernel six(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32) -> i32 {
          r = mul a, 1
          r = add r, b
          r = mul r, 3
          r = sub r, c
          r = xor r, d
          r = add r, e
          t = shl f, 4
          r = sub r, t
          return r
        }
        kernel twice(x: i32) -> i32 {
          y = call six(x, x, 1, 2, 3, 4)
          z = call six(y, x, y, x, y, x)
          return z
        }
        kernel outer(p: ptr<i32>, n: i32) -> i32 {
          keep1 = load p[0]
          keep2 = load p[1]
          acc = 0
          for i in 0 ..< n {
            v = call twice(i)
            w = call six(v, keep1, keep2, i, v, 7)
            acc = add acc, w
            store p[i + 2], w
          }
          acc = add acc, keep1
          acc = xor acc, keep2
          return acc
        }
        """
        let d = try Differential(board: TestBoards.named(board), source: s)
        let p = d.put([UInt32(11), 0xDEAD_BEEF] + [UInt32](repeating: 0, count: 10))
        try d.check("outer", [p, 10])
    }

    /// Loads and stores of every element type and addressing form, including unaligned
    /// packed loads, post-increment, struct fields and a table.
    @Test(arguments: boards)
    func memoryAddressingForms(board: String) throws {
        let s = """
        const table: i16[5] = [-32768, -1, 0, 1, 32767]
        struct blk {
          src: ptr<i8>
          src16: ptr<i16>
          dst: ptr<i32>
          n: i32
        }
        kernel mem(b: ptr<blk>) {
          src = b.src
          s16 = b.src16
          dst = b.dst
          n = b.n
          k = 0
          x = 0
          h = 0
          for i in 0 ..< n {
            x = load src[i]
            store dst[k], x
            u = cast src as ptr<u8>
            y = load u[i + 3]
            store dst[k + 1], y
            h = load s16[i]
            store dst[k + 2], h
            hu = cast s16 as ptr<u16>
            z = load hu[i - 0]
            store dst[k + 3], z
            w = ldpack src[i]
            store dst[k + 4], w
            w2 = ldpack s16[i + 1]
            store dst[k + 5], w2
            t = zext8 i
            t = and t, 3
            tv = load table[t]
            store dst[k + 6], tv
            k = add k, 7
          }
          q = src
          acc = 0
          for _ in 0 ..< n {
            v = load q++
            acc = add acc, v
            pv = ldpack q++
            acc = xor acc, pv
          }
          store dst[-0 + 0], acc
          far = load src[700]
          store dst[k + 1000], far
          neg = offset src, 300
          nv = load neg[-200]
          store dst[k + 1001], nv
          o = cast dst as ptr<i8>
          store o[5], x
          o16 = cast dst as ptr<i16>
          store o16[9], h
          pp = dst
          store pp++, n
          store pp++, k
          b.n = k
        }
        """
        let d = try Differential(board: TestBoards.named(board), source: s)
        var rng = Rng(3)
        let src = d.put(rng.int8s(1024))
        let s16 = d.put((0..<64).map { _ in Int16(truncatingIfNeeded: rng.next()) })
        let dst = d.allocate(4 * 1200)
        let blk = d.put([src, s16, dst, UInt32(13)])
        try d.check("mem", [blk])
    }

    /// Comparisons of every kind against registers and constants, in ifs and loops with
    /// register bounds and steps.
    @Test(arguments: boards)
    func comparisonsAndLoops(board: String) throws {
        var s = "kernel cmp(p: ptr<i32>, out: ptr<i32>, n: i32, st: i32) {\n  k = 0\n  for i in 0 ..< n {\n    a = load p[i]\n    b = load p[i + 1]\n"
        let ops = ["==", "!=", "<", "<=", ">", ">=", "<u", "<=u", ">u", ">=u"]
        for o in ops {
            for rhs in ["b", "0", "1", "255", "-1", "4096", "0x7FFFFFFF"] {
                s += "    r = 0\n    if a \(o) \(rhs) {\n      r = 1\n    } else {\n      r = 2\n    }\n    store out[k], r\n    k = add k, 1\n"
            }
            s += "    r = 0\n    if 5 \(o) a {\n      r = 3\n    }\n    store out[k], r\n    k = add k, 1\n"
        }
        s += "  }\n  total = 0\n  for j in 3 ..< n step st {\n    total = add total, j\n  }\n  store out[k], total\n"
        s += "  neg = sub 0, n\n  for m in neg ..< 0 {\n    total = add total, m\n  }\n  store out[k + 1], total\n}\n"
        let d = try Differential(board: TestBoards.named(board), source: s)
        var rng = Rng(11)
        let vals: [UInt32] = (0..<41).map { _ in rng.interestingWord() } + [5, 5, 0, 0, 255, 256]
        let p = d.put(vals)
        let out = d.allocate(4 * 47 * ops.count * 8 + 64)
        try d.check("cmp", [p, out, UInt32(vals.count - 1), 3])
    }
}
