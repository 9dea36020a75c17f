import KernelIR
import QuantModel
import Testing

/// fully_connected_s8 on the emulated M0+, M4 and M7 against the reference kernel
/// (QuantModel's Reference.FullyConnected, bit-exact with TFLM) on random shapes and
/// quantization parameters.
@Suite struct FullyConnectedKernelTests {
    static let boards = TestBoards.all.map(\.name)

    struct Case: CustomStringConvertible {
        var batches: Int, depth: Int, rows: Int
        var perChannel: Bool, int16Output: Bool, activation: FusedActivation
        var inputScale: Float, inputZero: Int64, weightScales: [Float], filterZero: Int64
        var outputScale: Float, outputZero: Int64
        var input: [Int8], weights: [Int8], bias: [Int32]?
        var description: String {
            "\(batches)x\(depth)->\(rows) perChannel=\(perChannel) int16=\(int16Output) act=\(activation) "
                + "in=(\(inputScale),\(inputZero)) w=\(weightScales.prefix(2))/\(filterZero) out=(\(outputScale),\(outputZero))"
        }
    }

    static func randomCase(_ rng: inout Rng, extreme: Bool) -> Case {
        let depth = rng.pick([1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 64])
        let rows = rng.pick([1, 2, 3, 4, 5, 6, 7, 9, 12, 16])
        let batches = rng.int(1...3)
        let perChannel = rng.int(0...2) == 0
        let int16Output = rng.int(0...5) == 0
        let activation: FusedActivation = int16Output ? .none : rng.pick([.none, .none, .relu, .relu6])
        let inputScale = rng.logUniform(0.005, 0.2)
        let weightScale = rng.logUniform(0.0005, 0.05)
        // The real multiplier input·weight/output, log-uniform over a wide range; `extreme`
        // pushes it to the ends (large right shifts, left shifts, saturation).
        let real = extreme ? rng.pick([rng.logUniform(1e-9, 1e-6), rng.logUniform(2, 60)]) : rng.logUniform(1e-4, 0.5)
        let outputScale = inputScale * weightScale / real
        let weightScales = perChannel ? (0..<rows).map { _ in weightScale * rng.logUniform(0.5, 2) } : [weightScale]
        var biasValues: [Int32]? = (0..<rows).map { _ in Int32(rng.int(-100_000...100_000)) }
        if rng.int(0...4) == 0 { biasValues = nil }
        return Case(batches: batches, depth: depth, rows: rows, perChannel: perChannel, int16Output: int16Output,
                    activation: activation, inputScale: inputScale, inputZero: Int64(rng.int(-128...127)),
                    weightScales: weightScales, filterZero: perChannel || rng.int(0...3) != 0 ? 0 : Int64(rng.int(-20...20)),
                    outputScale: outputScale, outputZero: int16Output ? 0 : Int64(rng.int(-128...127)),
                    input: rng.int8s(batches * depth), weights: rng.int8s(rows * depth), bias: biasValues)
    }

    func check(_ c: Case, on bench: KernelBench, layout: KernelABI.WeightLayout = .rowMajor) throws {
        let outType: ElementType = c.int16Output ? .int16 : .int8
        let input = OperandInfo(shape: [c.batches, c.depth], type: .int8,
                                quantization: Quantization(scale: c.inputScale, zeroPoint: c.inputZero))
        let filter = OperandInfo(shape: [c.rows, c.depth], type: .int8,
                                 quantization: Quantization(scales: c.weightScales,
                                                            zeroPoints: Array(repeating: c.filterZero, count: c.weightScales.count)))
        let bias = c.bias.map { _ in
            OperandInfo(shape: [c.rows], type: .int32, quantization: Quantization(scale: c.inputScale * c.weightScales[0], zeroPoint: 0))
        }
        let output = OperandInfo(shape: [c.batches, c.rows], type: outType,
                                 quantization: Quantization(scale: c.outputScale, zeroPoint: c.outputZero))
        let p = try Reference.FullyConnected.prepare(input: input, filter: filter, bias: bias, output: output,
                                                     activation: c.activation)
        let want: TensorValues = c.int16Output
            ? .int16(try Reference.FullyConnected.evalInt16(p, input: c.input, filter: c.weights, bias: c.bias))
            : .int8(try Reference.FullyConnected.eval(p, input: c.input, filter: c.weights, bias: c.bias))

        let x = bench.put(.int8(c.input))
        let w: UInt32
        switch layout {
        case .rowMajor: w = bench.put(.int8(c.weights))
        case .pairedRows:
            let packed = try #require(KernelABI.pairedRowWeights(c.weights, rows: c.rows, depth: c.depth), "\(c)")
            #expect(packed.count == KernelABI.pairedRowBytes(rows: c.rows, depth: c.depth))
            w = bench.runner.put(packed)
        }
        let out = bench.output(c.batches * c.rows, outType)
        let call = try KernelBindings.fullyConnected(p, input: x, output: out, weights: w, weightValues: c.weights,
                                                     bias: c.bias, outputBytes: outType.byteSize, layout: layout,
                                                     module: bench.module, place: bench.place)
        try bench.run(call)
        let got = bench.read(out, c.batches * c.rows, outType)
        #expect(got == want, "\(bench.board.name) \(layout): \(c)\n got \(got.integers)\nwant \(want.integers)")
    }

    @Test(arguments: boards)
    func randomLayersMatchTheReference(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0xFC01)
        for k in 0..<40 { try check(Self.randomCase(&rng, extreme: k % 5 == 4), on: bench) }
    }

    /// Accumulators far beyond the output range: every output saturates at one end.
    @Test(arguments: boards)
    func saturationAtBothEnds(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0xFC02)
        for sign in [Int8(127), Int8(-128)] {
            var c = Self.randomCase(&rng, extreme: false)
            c.depth = 33
            c.batches = 1
            c.input = Array(repeating: 127, count: c.depth)
            c.weights = Array(repeating: sign, count: c.rows * c.depth)
            c.inputZero = -128
            c.outputScale = c.inputScale * c.weightScales[0] / 0.9
            c.activation = .none
            try check(c, on: bench)
            if Self.dspBoards.contains(board) {
                // The paired-row layout holds TFLite's symmetric range, −127 … 127.
                c.weights = c.weights.map { max($0, -127) }
                try check(c, on: bench, layout: .pairedRows)
            }
        }
    }

    static let dspBoards = TestBoards.all.filter { TestBoards.arch($0) == .v7em }.map(\.name)

    /// The paired-row layout (fc_rows_paired, ARMv7E-M): six-row groups, single pairs, an
    /// odd last row, every depth % 4 tail, per-tensor and per-channel, asymmetric weights.
    @Test(arguments: dspBoards)
    func pairedRowLayoutMatchesTheReference(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0xFC03)
        for k in 0..<40 {
            var c = Self.randomCase(&rng, extreme: k % 5 == 4)
            c.rows = rng.pick([2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 18, 19])
            c.depth = rng.pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 31, 34, 64, 67])
            if c.perChannel { c.weightScales = (0..<c.rows).map { _ in c.weightScales[0] * rng.logUniform(0.5, 2) } }
            if c.bias != nil { c.bias = (0..<c.rows).map { _ in Int32(rng.int(-100_000...100_000)) } }
            c.input = rng.int8s(c.batches * c.depth)
            // TFLite's symmetric int8 weights, −127 … 127.
            c.weights = rng.int8s(c.rows * c.depth).map { max($0, -127) }
            try check(c, on: bench, layout: .pairedRows)
        }
    }

    /// The layout's bounds: depth 511 with every product at its largest (|Σ w·x| just under
    /// 2^23), and the second row's −127 under a negative first-row weight (its byte −128).
    @Test(arguments: dspBoards)
    func pairedRowLayoutAtItsLimits(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0xFC04)
        for (x, w0, w1) in [(Int8(-128), Int8(-127), Int8(-127)), (-128, 127, -127), (127, -1, -127), (-128, -128, 127)] {
            var c = Self.randomCase(&rng, extreme: false)
            c.batches = 1
            c.rows = 7
            c.depth = KernelABI.maxPairedRowDepth
            c.perChannel = false
            c.weightScales = [c.weightScales[0]]
            c.filterZero = 0
            c.bias = nil
            c.input = Array(repeating: x, count: c.depth)
            c.weights = (0..<c.rows).flatMap { r in Array(repeating: r % 2 == 0 ? w0 : w1, count: c.depth) }
            // Outputs in range: the real multiplier scaled to the accumulator's size.
            c.outputScale = c.inputScale * c.weightScales[0] * 9_000_000 / 100
            try check(c, on: bench, layout: .pairedRows)
        }
    }

    /// What the layout cannot hold is refused, so that the deployment keeps such a matrix
    /// row-major.
    @Test func pairedRowLayoutRefusesWhatItCannotHold() {
        #expect(KernelABI.pairedRowWeights([1, 2, 3], rows: 1, depth: 3) == nil)
        #expect(KernelABI.pairedRowWeights(Array(repeating: 1, count: 2 * 512), rows: 2, depth: 512) == nil)
        // Column 1: first row −1, second −128.
        #expect(KernelABI.pairedRowWeights([5, -1, 7, -128], rows: 2, depth: 2) == nil)
        // −128 under a non-negative weight fits.
        #expect(KernelABI.pairedRowWeights([5, 0, -128, -128], rows: 2, depth: 2) != nil)
    }
}
