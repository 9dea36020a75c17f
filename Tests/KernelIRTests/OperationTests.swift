import KernelIR
import Testing
import ThumbISA

/// Every IR operation, with register and constant operands, compiled for each core and
/// run on the emulated board, against the IR interpreter (the executable definition of
/// the IR) on random and edge-case inputs.
@Suite struct OperationTests {
    /// (IR expression over a, b, c, e (0–31), s (−31…30)) — one result each.
    static let expressions: [String] = {
        var e: [String] = []
        for op in ["add", "sub", "mul", "and", "or", "xor", "min", "max", "qadd", "qsub", "srdhm", "dmac_x", "dadd", "pack"] {
            if op == "dmac_x" { continue }
            e.append("\(op) a, b")
        }
        for k in ["0", "1", "7", "8", "255", "256", "4095", "4096", "0x12345678", "-1", "-8", "-255", "-256", "-4096", "0xFF00FF00", "0x7FFFFFFF", "-2147483648"] {
            e += ["add a, \(k)", "sub a, \(k)", "and a, \(k)", "or a, \(k)", "xor a, \(k)", "min a, \(k)", "max a, \(k)", "mul a, \(k)"]
        }
        e += ["sub 0, a", "sub 100, a", "sub 0x10000, a", "add 3, a", "neg a", "abs a", "not a", "clz a",
              "sext8 a", "sext16 a", "zext8 a", "zext16 a",
              "mla a, b, c", "clamp a, b, c", "clamp a, -128, 127", "dmac a, b, c",
              "shl a, e", "asr a, e", "lsr a, e", "shl a, b", "asr a, b", "lsr a, b",
              "rdivpot a, e", "mbqm a, b, s", "mbqm a, 0x40000000, s", "sxtb16 a", "srdhm a, a"]
        for k in [0, 1, 5, 16, 31] { e += ["shl a, \(k)", "asr a, \(k)", "lsr a, \(k)"] }
        for k in [0, 1, 2, 7, 8, 15, 16, 30, 31] { e.append("rdivpot a, \(k)") }
        for k in [-31, -20, -8, -1, 0, 1, 5, 30] { e.append("mbqm a, b, \(k)") }
        for k in [1, 8, 16, 31, 32] { e.append("sat a, \(k)") }
        for k in [0, 1, 8, 15, 31] { e.append("usat a, \(k)") }
        for k in [0, 8, 16, 24] { e.append("sxtb16 a, \(k)") }
        return e
    }()

    static var source: String {
        var s = """
        kernel ops(inp: ptr<i32>, out: ptr<i32>, n: i32) {
          for k in 0 ..< n {
            a = load inp[0]
            b = load inp[1]
            c = load inp[2]
            e = load inp[3]
            s = load inp[4]

        """
        for (i, expr) in expressions.enumerated() {
            s += "    r = \(expr)\n    store out[\(i)], r\n"
        }
        s += """
            inp = offset inp, 5
            out = offset out, \(expressions.count)
          }
        }
        """
        return s
    }

    static func vectors(_ count: Int, seed: UInt64) -> [UInt32] {
        var rng = Rng(seed)
        var v: [UInt32] = []
        for _ in 0..<count {
            v += [rng.interestingWord(), rng.interestingWord(), rng.interestingWord(),
                  UInt32(rng.int(0...31)), UInt32(bitPattern: Int32(rng.int(-31...30)))]
        }
        return v
    }

    /// Each board with its own core's code, and ARMv7-M code (Cortex-M3: Thumb-2 without
    /// the DSP extension) run on the Cortex-M4, whose architecture includes ARMv7-M.
    static let configurations: [(board: String, arch: String)] =
        TestBoards.all.map { ($0.name, "\(TestBoards.arch($0))") } + [(TestBoards.m4.name, "\(ArchLevel.v7m)")]

    @Test(arguments: configurations.map { "\($0.board) \($0.arch)" })
    func everyOperationMatchesTheInterpreter(configuration: String) throws {
        let (board, archName) = Self.configurations.first { "\($0.board) \($0.arch)" == configuration }!
        let arch = ArchLevel.allCases.first { "\($0)" == archName }!
        let source = Self.source
        let verified = try Verifier.verify(try Parser.parse(source, file: "ops.kir"))
        let n = 60
        let inputs = Self.vectors(n, seed: 0xC0FFEE)
        let outCount = n * Self.expressions.count

        let compiled = try KernelCompiler.compile(verified, arch: arch)
        let r = try KernelRunner(board: TestBoards.named(board), compiled: compiled)
        let inp = r.put(inputs)
        let out = r.allocate(outCount * 4)
        try r.call("ops", [inp, out, UInt32(n)])
        let got = r.read(out, count: outCount, as: UInt32.self)

        let mem = FlatMemory(base: r.dataBase, size: 256 << 10)
        _ = mem.load(KernelRunner.bytes(inputs), at: inp)
        let interp = try Interpreter(module: verified, memory: mem, tableBase: r.dataBase + (200 << 10), dsp: arch >= .v7em)
        _ = try interp.run("ops", [inp, out, UInt32(n)])
        var failures = 0
        for k in 0..<outCount {
            let want = mem.read(out + UInt32(4 * k), 4)!
            if got[k] != want {
                failures += 1
                if failures <= 12 {
                    let vec = k / Self.expressions.count, e = Self.expressions[k % Self.expressions.count]
                    let ins = inputs[(5 * vec)..<(5 * vec + 5)].map { "0x" + String($0, radix: 16) }
                    Issue.record("\(configuration): \(e) with a,b,c,e,s = \(ins): got 0x\(String(got[k], radix: 16)), want 0x\(String(want, radix: 16))")
                }
            }
        }
        #expect(failures == 0)
    }
}
