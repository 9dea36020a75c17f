import Foundation
import KernelIR
import QuantModel
import Testing

/// lstm_s8 on the emulated M0+, M4 and M7 against Reference.LSTM (TFLM's integer LSTM):
/// outputs, final hidden state and final cell state, byte for byte.
@Suite struct LSTMKernelTests {
    static let boards = TestBoards.all.map(\.name)

    struct Case: CustomStringConvertible {
        var batch: Int, steps: Int, inputSize: Int, stateSize: Int, timeMajor: Bool
        var cellClip: Float, cellScalePower: Int
        var seed: UInt64
        var description: String {
            "batch \(batch) steps \(steps) input \(inputSize) state \(stateSize) timeMajor \(timeMajor) "
                + "clip \(cellClip) cell 2^\(cellScalePower) seed \(seed)"
        }
    }

    /// `paired`: weights symmetric (−127 … 127, as TFLite's) and every gate matrix stored in
    /// the paired-row layout (ARMv7E-M), as the deployment stores them.
    func check(_ c: Case, on bench: KernelBench, randomState: Bool, paired: Bool = false) throws {
        var rng = Rng(c.seed)
        let inputQ = Quantization(scale: rng.logUniform(0.01, 0.1), zeroPoint: Int64(rng.int(-60...60)))
        let hiddenQ = Quantization(scale: rng.logUniform(0.004, 0.01), zeroPoint: Int64(rng.int(-10...10)))
        let cellScale = Float(pow(2.0, Double(c.cellScalePower)))
        let inShape = c.timeMajor ? [c.steps, c.batch, c.inputSize] : [c.batch, c.steps, c.inputSize]
        let outShape = c.timeMajor ? [c.steps, c.batch, c.stateSize] : [c.batch, c.steps, c.stateSize]
        func weight(_ rows: Int, _ cols: Int) -> (OperandInfo, [Int8]) {
            (OperandInfo(shape: [rows, cols], type: .int8, quantization: Quantization(scale: rng.logUniform(0.002, 0.02), zeroPoint: 0)),
             rng.int8s(rows * cols).map { paired ? max($0, -127) : $0 })
        }
        let inW = (0..<4).map { _ in weight(c.stateSize, c.inputSize) }
        let recW = (0..<4).map { _ in weight(c.stateSize, c.stateSize) }
        let biases = (0..<4).map { g in
            (OperandInfo(shape: [c.stateSize], type: .int32,
                         quantization: Quantization(scale: inputQ.scale * inW[g].0.scale, zeroPoint: 0)),
             (0..<c.stateSize).map { _ in Int32(rng.int(-20_000...20_000)) })
        }
        let operands = Reference.LSTM.Operands(
            input: OperandInfo(shape: inShape, type: .int8, quantization: inputQ),
            inputWeights: inW.map(\.0), recurrentWeights: recW.map(\.0), biases: biases.map(\.0),
            hiddenState: OperandInfo(shape: [c.batch, c.stateSize], type: .int8, quantization: hiddenQ),
            cellState: OperandInfo(shape: [c.batch, c.stateSize], type: .int16,
                                   quantization: Quantization(scale: cellScale, zeroPoint: 0)),
            output: OperandInfo(shape: outShape, type: .int8, quantization: hiddenQ))
        let p = try Reference.LSTM.prepare(operands, options: LSTMOptions(cellClip: c.cellClip, timeMajor: c.timeMajor))
        let weights = Reference.LSTM.Weights(input: inW.map(\.1), recurrent: recW.map(\.1), bias: biases.map(\.1))
        let input = rng.int8s(c.batch * c.steps * c.inputSize)
        var state = Reference.LSTM.State(resetFor: p)
        if randomState {
            state = Reference.LSTM.State(hidden: rng.int8s(c.batch * c.stateSize), cell: rng.int16s(c.batch * c.stateSize))
        }
        let hidden0 = state.hidden, cell0 = state.cell
        let want = try Reference.LSTM.eval(p, input: input, weights: weights, state: &state)

        let x = bench.put(.int8(input))
        let h = bench.put(.int8(hidden0))
        let cell = bench.put(.int16(cell0))
        let out = bench.output(want.count, .int8)
        let scratch = bench.runner.allocate(KernelBindings.lstmScratchBytes(p))
        func store(_ w: [Int8], rows: Int, depth: Int) throws -> (UInt32, KernelABI.WeightLayout) {
            guard paired, rows >= 2 else { return (bench.put(.int8(w)), .rowMajor) }
            return (bench.runner.put(try #require(KernelABI.pairedRowWeights(w, rows: rows, depth: depth))), .pairedRows)
        }
        let inS = try inW.map { try store($0.1, rows: c.stateSize, depth: c.inputSize) }
        let recS = try recW.map { try store($0.1, rows: c.stateSize, depth: c.stateSize) }
        let call = try KernelBindings.lstm(
            p, values: weights, inputWeights: inS.map(\.0), recurrentWeights: recS.map(\.0),
            inputLayouts: inS.map(\.1), recurrentLayouts: recS.map(\.1), input: x, output: out, hidden: h, cell: cell,
            scratch: scratch, module: bench.module, place: bench.place)
        try bench.run(call)
        #expect(bench.read(out, want.count, .int8) == .int8(want), "\(bench.board.name) output: \(c)")
        #expect(bench.read(h, state.hidden.count, .int8) == .int8(state.hidden), "\(bench.board.name) hidden: \(c)")
        #expect(bench.read(cell, state.cell.count, .int16) == .int16(state.cell), "\(bench.board.name) cell: \(c)")
    }

    @Test(arguments: boards)
    func randomLayersMatchTheReference(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0x157A)
        for k in 0..<10 {
            let c = Case(batch: rng.int(1...2), steps: rng.int(1...4), inputSize: rng.pick([1, 2, 3, 5, 8, 13]),
                         stateSize: rng.pick([1, 2, 3, 4, 7, 9, 16]), timeMajor: rng.bool(),
                         cellClip: rng.pick([0, 0, 1, 3]), cellScalePower: rng.pick([-15, -13, -12, -11, -10]),
                         seed: rng.next())
            try check(c, on: bench, randomState: k % 2 == 1)
            if TestBoards.arch(bench.board) == .v7em { try check(c, on: bench, randomState: k % 2 == 1, paired: true) }
        }
    }

    /// Edge shapes: one step, hidden size 1, input size 1, a longer sequence; a tight
    /// clip that saturates the cell.
    @Test(arguments: boards)
    func edgeShapes(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        let cases = [
            Case(batch: 1, steps: 1, inputSize: 4, stateSize: 4, timeMajor: false, cellClip: 0, cellScalePower: -11, seed: 1),
            Case(batch: 1, steps: 3, inputSize: 3, stateSize: 1, timeMajor: false, cellClip: 0, cellScalePower: -12, seed: 2),
            Case(batch: 2, steps: 3, inputSize: 1, stateSize: 5, timeMajor: true, cellClip: 0, cellScalePower: -15, seed: 3),
            Case(batch: 1, steps: 12, inputSize: 6, stateSize: 8, timeMajor: false, cellClip: 0.05, cellScalePower: -11, seed: 4),
        ]
        for c in cases { try check(c, on: bench, randomState: c.seed == 4) }
    }
}
