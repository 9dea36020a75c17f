// UNIDIRECTIONAL_SEQUENCE_LSTM, TFLM's integer scheme (8-bit activations and weights, 32-bit
// bias, 16-bit cell state): TFLM `kernels/unidirectional_sequence_lstm.cc` (prepare),
// `lstm_eval_common.cc` (gate, multiply and cell-state parameters), `lstm_eval.{h,cc}` (the
// step: CalculateLstmGate, UpdateLstmCell, UpdateLstmHidden; EvalLstm's loops).
//
// Per gate: FC(input) + FC(hidden) in Q3.12 (int16, scale 2^-12), saturating add, then
// sigmoid (or tanh for the cell gate) to Q0.15 by TFLM's int16 table. Cell state:
// forget * cell + input * cell_gate, int16 with a power-of-two scale, clipped to cell_clip.
// Hidden state: tanh(cell) * output gate, requantized to the int8 hidden-state scale.

extension Reference {
    public enum LSTM {
        /// The two matmuls of one gate (input and recurrent), both producing Q3.12.
        public struct GateParams: Sendable, Equatable {
            public var input: FullyConnected.Params
            public var recurrent: FullyConnected.Params

            public init(input: FullyConnected.Params, recurrent: FullyConnected.Params) {
                self.input = input
                self.recurrent = recurrent
            }
        }

        /// Everything TFLM's OpDataLSTM holds, for the int8 x int8 -> int16 cell variant.
        public struct Params: Sendable, Equatable {
            public var timeMajor: Bool
            public var batchSize: Int
            public var timeSteps: Int
            public var inputSize: Int
            public var stateSize: Int
            public var inputGate: GateParams
            public var forgetGate: GateParams
            public var cellGate: GateParams
            public var outputGate: GateParams
            /// forget gate (Q0.15) x cell state -> cell state.
            public var forgetCellMul: Mul.Params
            /// input gate (Q0.15) x cell gate (Q0.15) -> cell state.
            public var inputCellMul: Mul.Params
            /// tanh(cell) (Q0.15) x output gate (Q0.15) -> hidden state (int8, its zero point).
            public var hiddenMul: Mul.Params
            /// The cell gate's activation (TFLite allows TANH only; the other gates use sigmoid).
            public var cellGateActivation: FusedActivation
            /// Cell clip in real units (0 = none) and in cell-state units.
            public var cellClip: Float
            public var quantizedCellClip: Int16
            /// log2 of the cell-state scale (e.g. -15 for 2^-15).
            public var cellStateScalePower: Int32
            /// How tanh(cell) brings the cell state to the table's Q3.12 input.
            public var cellTanh: Int16Rescale
            /// Zero point of the hidden state: its value after a reset.
            public var hiddenZeroPoint: Int32

            public init(timeMajor: Bool, batchSize: Int, timeSteps: Int, inputSize: Int, stateSize: Int,
                        inputGate: GateParams, forgetGate: GateParams, cellGate: GateParams, outputGate: GateParams,
                        forgetCellMul: Mul.Params, inputCellMul: Mul.Params, hiddenMul: Mul.Params,
                        cellGateActivation: FusedActivation, cellClip: Float, quantizedCellClip: Int16,
                        cellStateScalePower: Int32, cellTanh: Int16Rescale, hiddenZeroPoint: Int32) {
                self.timeMajor = timeMajor
                self.batchSize = batchSize
                self.timeSteps = timeSteps
                self.inputSize = inputSize
                self.stateSize = stateSize
                self.inputGate = inputGate
                self.forgetGate = forgetGate
                self.cellGate = cellGate
                self.outputGate = outputGate
                self.forgetCellMul = forgetCellMul
                self.inputCellMul = inputCellMul
                self.hiddenMul = hiddenMul
                self.cellGateActivation = cellGateActivation
                self.cellClip = cellClip
                self.quantizedCellClip = quantizedCellClip
                self.cellStateScalePower = cellStateScalePower
                self.cellTanh = cellTanh
                self.hiddenZeroPoint = hiddenZeroPoint
            }

            /// Rows computed together in one step: the whole batch when time-major, otherwise
            /// one sequence at a time (EvalLstm's two loops).
            public var rowsPerStep: Int { timeMajor ? batchSize : 1 }
        }

        /// The operator's operands (TFLite input order: gates are input, forget, cell, output).
        public struct Operands: Sendable {
            public var input: OperandInfo
            public var inputWeights: [OperandInfo]      // 4, [state, input]
            public var recurrentWeights: [OperandInfo]  // 4, [state, state]
            public var biases: [OperandInfo]            // 4, [state]
            public var hiddenState: OperandInfo
            public var cellState: OperandInfo
            public var output: OperandInfo

            public init(input: OperandInfo, inputWeights: [OperandInfo], recurrentWeights: [OperandInfo],
                        biases: [OperandInfo], hiddenState: OperandInfo, cellState: OperandInfo, output: OperandInfo) {
                self.input = input
                self.inputWeights = inputWeights
                self.recurrentWeights = recurrentWeights
                self.biases = biases
                self.hiddenState = hiddenState
                self.cellState = cellState
                self.output = output
            }
        }

        /// Constant weights and biases, gates in the order input, forget, cell, output.
        public struct Weights: Sendable, Equatable {
            public var input: [[Int8]]
            public var recurrent: [[Int8]]
            public var bias: [[Int32]]

            public init(input: [[Int8]], recurrent: [[Int8]], bias: [[Int32]]) {
                self.input = input
                self.recurrent = recurrent
                self.bias = bias
            }
        }

        /// The variable tensors: hidden state (int8) and cell state (int16), [batch, state].
        public struct State: Sendable, Equatable {
            public var hidden: [Int8]
            public var cell: [Int16]

            public init(hidden: [Int8], cell: [Int16]) {
                self.hidden = hidden
                self.cell = cell
            }

            /// TFLM's reset: int8 variables are filled with their zero point, others with 0.
            public init(resetFor p: Params) {
                hidden = Array(repeating: Int8(truncatingIfNeeded: p.hiddenZeroPoint), count: p.batchSize * p.stateSize)
                cell = Array(repeating: 0, count: p.batchSize * p.stateSize)
            }
        }

        /// Gate activations of one step (Q0.15), for tests and kernel comparisons.
        public struct StepTrace: Sendable, Equatable {
            public var inputGate: [Int16]
            public var forgetGate: [Int16]
            public var cellGate: [Int16]
            public var outputGate: [Int16]
        }

        static let gateScale = Float(0.000244140625)           // 2^-12, Q3.12
        static let activationScale = Float(0.000030517578125)  // 2^-15, Q0.15

        public static func prepare(_ o: Operands, options: LSTMOptions) throws(ReferenceError) -> Params {
            try Check.type(o.input, [.int8], "input")
            guard o.output.type == .int8, o.hiddenState.type == .int8 else {
                throw ReferenceError("output and hidden state must be int8 like the input (got "
                    + "\(o.output.type.rawValue), \(o.hiddenState.type.rawValue))")
            }
            guard o.cellState.type == .int16 else {
                throw ReferenceError("cell state is \(o.cellState.type.rawValue); the quantized LSTM needs int16")
            }
            guard o.inputWeights.count == 4, o.recurrentWeights.count == 4, o.biases.count == 4 else {
                throw ReferenceError("all four gates need input weights, recurrent weights and a bias")
            }
            for w in o.inputWeights + o.recurrentWeights { try Check.type(w, [.int8], "weights") }
            for b in o.biases { try Check.type(b, [.int32], "bias") }
            guard options.activation == .tanh else {
                throw ReferenceError("cell activation \(options.activation.rawValue) is not supported (TFLM: TANH)")
            }
            guard options.projectionClip == 0 || options.projectionClip.isFinite else {
                throw ReferenceError("projection clip \(options.projectionClip)")
            }
            guard options.cellClip.isFinite, options.cellClip >= 0 else {
                throw ReferenceError("cell clip \(options.cellClip) must be a non-negative number")
            }

            // CreateLstmSizeInfo and ValidateTensorSize.
            guard o.input.shape.count == 3 else {
                throw ReferenceError("input has shape \(o.input.shape); expected 3 dimensions")
            }
            guard o.hiddenState.shape.count == 2 else {
                throw ReferenceError("hidden state has shape \(o.hiddenState.shape); expected [batch, units]")
            }
            let batch = options.timeMajor ? o.input.shape[1] : o.input.shape[0]
            let steps = options.timeMajor ? o.input.shape[0] : o.input.shape[1]
            let inputSize = o.input.shape[2]
            let stateSize = o.hiddenState.shape[1]
            guard batch > 0, steps > 0, inputSize > 0, stateSize > 0 else {
                throw ReferenceError("empty LSTM: input \(o.input.shape), hidden state \(o.hiddenState.shape)")
            }
            for (i, w) in o.inputWeights.enumerated() where w.shape != [stateSize, inputSize] {
                throw ReferenceError("input weights of gate \(i) have shape \(w.shape), expected [\(stateSize), \(inputSize)]")
            }
            for (i, w) in o.recurrentWeights.enumerated() where w.shape != [stateSize, stateSize] {
                throw ReferenceError("recurrent weights of gate \(i) have shape \(w.shape), expected [\(stateSize), \(stateSize)]")
            }
            for (i, b) in o.biases.enumerated() where b.shape != [stateSize] {
                throw ReferenceError("bias of gate \(i) has shape \(b.shape), expected [\(stateSize)]")
            }
            guard o.hiddenState.elementCount == batch * stateSize, o.cellState.elementCount == batch * stateSize else {
                throw ReferenceError("state tensors have \(o.hiddenState.elementCount) and \(o.cellState.elementCount) "
                    + "elements, expected \(batch * stateSize)")
            }
            guard o.output.shape.count == 3, o.output.shape[0] == o.input.shape[0], o.output.shape[1] == o.input.shape[1],
                  o.output.shape[2] == stateSize else {
                throw ReferenceError("output has shape \(o.output.shape); expected [\(o.input.shape[0]), "
                    + "\(o.input.shape[1]), \(stateSize)]")
            }
            try Check.perTensor(o.input, "input")
            try Check.perTensor(o.hiddenState, "hidden state")
            try Check.perTensor(o.cellState, "cell state")
            for w in o.inputWeights + o.recurrentWeights { try Check.perTensor(w, "LSTM weights") }

            // PrepareGateParametersInteger: every gate matmul produces int16 at scale 2^-12.
            let rows = options.timeMajor ? batch : 1
            let stepInput = OperandInfo(shape: [rows, inputSize], type: .int8, quantization: o.input.quantization)
            let stepHidden = OperandInfo(shape: [rows, stateSize], type: .int8, quantization: o.hiddenState.quantization)
            let gateOutput = OperandInfo(shape: [rows, stateSize], type: .int16,
                                         quantization: Quantization(scale: gateScale, zeroPoint: 0))
            var gates: [GateParams] = []
            for g in 0..<4 {
                // TFLM passes no bias to CalculateOpDataFullyConnected here (no bias-scale check).
                let fcIn = try FullyConnected.prepare(input: stepInput, filter: o.inputWeights[g], bias: nil,
                                                      output: gateOutput, activation: .none)
                let fcRec = try FullyConnected.prepare(input: stepHidden, filter: o.recurrentWeights[g], bias: nil,
                                                       output: gateOutput, activation: .none)
                gates.append(GateParams(input: fcIn, recurrent: fcRec))
            }

            // CreateLstmCellStateInfo.
            let cellScale = o.cellState.scale
            let power = Int32(FixedPoint.checkedLog2(cellScale).log2)
            let clip = min(max(Double(options.cellClip) / Double(cellScale), -32768.0), 32767.0)
            // UpdateLstmHidden's Tanh: (15 + power) - 3 as a left shift, or a right shift of the
            // input multiplied by 3 when negative.
            let tanhShift = (15 + power) - 3
            let cellTanh = tanhShift < 0 ? Int16Rescale(tflmMultiplier: 3, leftShift: -tanhShift)
                                         : Int16Rescale(tflmMultiplier: 0, leftShift: tanhShift)

            // CreateInterGateMulParams.
            func mul(_ s1: Float, _ s2: Float, _ out: Float, int8Output: Bool, zeroPoint: Int32) throws(ReferenceError) -> Mul.Params {
                let m = try Check.multiplier(Double(s1) * Double(s2) / Double(out), "gate product")
                return Mul.Params(input1Offset: 0, input2Offset: 0, outputOffset: zeroPoint, outputMultiplier: m.multiplier,
                                  outputShift: m.shift,
                                  activationMin: int8Output ? Int32(Int8.min) : Int32(Int16.min),
                                  activationMax: int8Output ? Int32(Int8.max) : Int32(Int16.max))
            }
            let hiddenZero = try Check.zeroPoint(o.hiddenState, "hidden state")
            return Params(
                timeMajor: options.timeMajor, batchSize: batch, timeSteps: steps, inputSize: inputSize,
                stateSize: stateSize, inputGate: gates[0], forgetGate: gates[1], cellGate: gates[2], outputGate: gates[3],
                forgetCellMul: try mul(activationScale, cellScale, cellScale, int8Output: false, zeroPoint: 0),
                inputCellMul: try mul(activationScale, activationScale, cellScale, int8Output: false, zeroPoint: 0),
                hiddenMul: try mul(activationScale, activationScale, o.hiddenState.scale, int8Output: true,
                                   zeroPoint: hiddenZero),
                cellGateActivation: options.activation, cellClip: options.cellClip,
                quantizedCellClip: Int16(clip.rounded(.towardZero)), cellStateScalePower: power, cellTanh: cellTanh,
                hiddenZeroPoint: hiddenZero)
        }

        static func validate(_ p: Params, _ w: Weights) throws(ReferenceError) {
            guard p.batchSize > 0, p.timeSteps > 0, p.inputSize > 0, p.stateSize > 0 else {
                throw ReferenceError("empty LSTM (\(p.batchSize) x \(p.timeSteps) x \(p.inputSize) -> \(p.stateSize))")
            }
            guard w.input.count == 4, w.recurrent.count == 4, w.bias.count == 4 else {
                throw ReferenceError("LSTM weights must hold four gates")
            }
            for m in w.input where m.count != p.stateSize * p.inputSize {
                throw ReferenceError("input weights have \(m.count) elements, expected \(p.stateSize * p.inputSize)")
            }
            for m in w.recurrent where m.count != p.stateSize * p.stateSize {
                throw ReferenceError("recurrent weights have \(m.count) elements, expected \(p.stateSize * p.stateSize)")
            }
            for b in w.bias where b.count != p.stateSize {
                throw ReferenceError("bias has \(b.count) elements, expected \(p.stateSize)")
            }
        }

        /// The whole sequence (EvalLstm): returns the output tensor and updates `state`.
        public static func eval(_ p: Params, input: [Int8], weights: Weights, state: inout State) throws(ReferenceError) -> [Int8] {
            try validate(p, weights)
            guard input.count == p.batchSize * p.timeSteps * p.inputSize else {
                throw ReferenceError("input has \(input.count) elements, expected \(p.batchSize * p.timeSteps * p.inputSize)")
            }
            guard state.hidden.count == p.batchSize * p.stateSize, state.cell.count == p.batchSize * p.stateSize else {
                throw ReferenceError("state holds \(state.hidden.count)/\(state.cell.count) elements, "
                    + "expected \(p.batchSize * p.stateSize)")
            }
            var output = [Int8](repeating: 0, count: p.batchSize * p.timeSteps * p.stateSize)
            var scratch = Scratch(count: p.rowsPerStep * p.stateSize)
            withWeightPointers(weights) { wp in
                input.withUnsafeBufferPointer { inp in
                    output.withUnsafeMutableBufferPointer { out in
                        state.hidden.withUnsafeMutableBufferPointer { hidden in
                            state.cell.withUnsafeMutableBufferPointer { cell in
                                let i = inp.baseAddress!, o = out.baseAddress!, h = hidden.baseAddress!, c = cell.baseAddress!
                                if p.timeMajor {
                                    let rows = p.batchSize
                                    for t in 0..<p.timeSteps {
                                        step(p, wp, input: i + t * rows * p.inputSize, hidden: h, cell: c,
                                             output: o + t * rows * p.stateSize, scratch: &scratch)
                                    }
                                } else {
                                    for b in 0..<p.batchSize {
                                        for t in 0..<p.timeSteps {
                                            let row = b * p.timeSteps + t
                                            step(p, wp, input: i + row * p.inputSize, hidden: h + b * p.stateSize,
                                                 cell: c + b * p.stateSize, output: o + row * p.stateSize,
                                                 scratch: &scratch)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return output
        }

        /// One time step for `rowsPerStep` rows: `input` is [rows, inputSize], `hidden` and
        /// `cell` are [rows, stateSize] and are updated; returns the gate activations.
        @discardableResult
        public static func step(_ p: Params, input: [Int8], weights: Weights, hidden: inout [Int8],
                                cell: inout [Int16]) throws(ReferenceError) -> StepTrace {
            try validate(p, weights)
            let rows = p.rowsPerStep
            guard input.count == rows * p.inputSize, hidden.count == rows * p.stateSize, cell.count == rows * p.stateSize else {
                throw ReferenceError("a step takes \(rows) rows: input \(rows * p.inputSize), state \(rows * p.stateSize) elements")
            }
            var scratch = Scratch(count: rows * p.stateSize)
            var output = [Int8](repeating: 0, count: rows * p.stateSize)
            var trace = StepTrace(inputGate: [], forgetGate: [], cellGate: [], outputGate: [])
            withWeightPointers(weights) { wp in
                input.withUnsafeBufferPointer { inp in
                    output.withUnsafeMutableBufferPointer { out in
                        hidden.withUnsafeMutableBufferPointer { h in
                            cell.withUnsafeMutableBufferPointer { c in
                                step(p, wp, input: inp.baseAddress!, hidden: h.baseAddress!, cell: c.baseAddress!,
                                     output: out.baseAddress!, scratch: &scratch, trace: &trace)
                            }
                        }
                    }
                }
            }
            return trace
        }

        // MARK: The step on raw pointers

        struct WeightPointers {
            var input: [UnsafePointer<Int8>]
            var recurrent: [UnsafePointer<Int8>]
            var bias: [UnsafePointer<Int32>]
        }

        static func withWeightPointers<R>(_ w: Weights, _ body: (WeightPointers) -> R) -> R {
            // The arrays are constant for the duration: copy them into one contiguous buffer
            // each so that plain pointers can be held across the loop.
            let inputs = w.input.map { UnsafeMutableBufferPointer<Int8>.allocate(capacity: max($0.count, 1)) }
            let recurrents = w.recurrent.map { UnsafeMutableBufferPointer<Int8>.allocate(capacity: max($0.count, 1)) }
            let biases = w.bias.map { UnsafeMutableBufferPointer<Int32>.allocate(capacity: max($0.count, 1)) }
            defer {
                inputs.forEach { $0.deallocate() }
                recurrents.forEach { $0.deallocate() }
                biases.forEach { $0.deallocate() }
            }
            for g in 0..<4 {
                _ = inputs[g].initialize(from: w.input[g])
                _ = recurrents[g].initialize(from: w.recurrent[g])
                _ = biases[g].initialize(from: w.bias[g])
            }
            return body(WeightPointers(input: inputs.map { UnsafePointer($0.baseAddress!) },
                                       recurrent: recurrents.map { UnsafePointer($0.baseAddress!) },
                                       bias: biases.map { UnsafePointer($0.baseAddress!) }))
        }

        struct Scratch {
            var gate0: [Int16]
            var gate1: [Int16]
            var gate2: [Int16]
            var gate3: [Int16]
            init(count: Int) {
                gate0 = Array(repeating: 0, count: count)
                gate1 = gate0
                gate2 = gate0
                gate3 = gate0
            }
        }

        @inline(__always)
        static func saturatingAdd(_ a: Int16, _ b: Int16) -> Int16 { Int16(clamping: Int32(a) + Int32(b)) }

        /// CalculateLstmGate: FC(input) + FC(hidden), saturated to int16, then the activation.
        static func gate(_ g: GateParams, sigmoid: Bool, input: UnsafePointer<Int8>, inputWeights: UnsafePointer<Int8>,
                         bias: UnsafePointer<Int32>, hidden: UnsafePointer<Int8>, recurrentWeights: UnsafePointer<Int8>,
                         output: UnsafeMutablePointer<Int16>, temporary: UnsafeMutablePointer<Int16>, count: Int) {
            FullyConnected.run(g.input, input: input, filter: inputWeights, bias: bias, output: output)
            FullyConnected.run(g.recurrent, input: hidden, filter: recurrentWeights, bias: nil, output: temporary)
            for i in 0..<count {
                let sum = saturatingAdd(output[i], temporary[i])
                output[i] = sigmoid ? FixedPoint.logisticInt16(sum, .lstmGate) : FixedPoint.tanhInt16(sum, .lstmGate)
            }
        }

        static func step(_ p: Params, _ w: WeightPointers, input: UnsafePointer<Int8>, hidden: UnsafeMutablePointer<Int8>,
                         cell: UnsafeMutablePointer<Int16>, output: UnsafeMutablePointer<Int8>, scratch: inout Scratch) {
            var unused = StepTrace(inputGate: [], forgetGate: [], cellGate: [], outputGate: [])
            step(p, w, input: input, hidden: hidden, cell: cell, output: output, scratch: &scratch, trace: &unused,
                 recordTrace: false)
        }

        /// LstmStep.
        static func step(_ p: Params, _ w: WeightPointers, input: UnsafePointer<Int8>, hidden: UnsafeMutablePointer<Int8>,
                         cell: UnsafeMutablePointer<Int16>, output: UnsafeMutablePointer<Int8>, scratch: inout Scratch,
                         trace: inout StepTrace, recordTrace: Bool = true) {
            let n = p.rowsPerStep * p.stateSize
            let h = UnsafePointer(hidden)
            scratch.gate0.withUnsafeMutableBufferPointer { b0 in
                scratch.gate1.withUnsafeMutableBufferPointer { b1 in
                    scratch.gate2.withUnsafeMutableBufferPointer { b2 in
                        scratch.gate3.withUnsafeMutableBufferPointer { b3 in
                            let forget = b0.baseAddress!, inputGate = b1.baseAddress!
                            let cellGate = b2.baseAddress!, temporary = b3.baseAddress!
                            // Step 1: forget, input and cell gates (gate order in weights: i, f, c, o).
                            gate(p.forgetGate, sigmoid: true, input: input, inputWeights: w.input[1], bias: w.bias[1],
                                 hidden: h, recurrentWeights: w.recurrent[1], output: forget, temporary: temporary, count: n)
                            gate(p.inputGate, sigmoid: true, input: input, inputWeights: w.input[0], bias: w.bias[0],
                                 hidden: h, recurrentWeights: w.recurrent[0], output: inputGate, temporary: temporary, count: n)
                            gate(p.cellGate, sigmoid: p.cellGateActivation != .tanh, input: input, inputWeights: w.input[2],
                                 bias: w.bias[2], hidden: h, recurrentWeights: w.recurrent[2], output: cellGate,
                                 temporary: temporary, count: n)
                            if recordTrace {
                                trace.forgetGate = Array(UnsafeBufferPointer(start: forget, count: n))
                                trace.inputGate = Array(UnsafeBufferPointer(start: inputGate, count: n))
                                trace.cellGate = Array(UnsafeBufferPointer(start: cellGate, count: n))
                            }
                            // Step 2: cell = forget * cell + input * cell_gate, then clip.
                            for i in 0..<n {
                                cell[i] = Int16(truncatingIfNeeded: Mul.multiply(Int32(forget[i]), Int32(cell[i]), p.forgetCellMul))
                                let update = Int16(truncatingIfNeeded: Mul.multiply(Int32(inputGate[i]), Int32(cellGate[i]),
                                                                                    p.inputCellMul))
                                cell[i] = saturatingAdd(cell[i], update)
                                if p.cellClip > 0 {
                                    cell[i] = max(min(p.quantizedCellClip, cell[i]), 0 &- p.quantizedCellClip)
                                }
                            }
                            // Step 3: output gate, hidden = tanh(cell) * output gate.
                            let outputGate = inputGate  // buffer reuse as in TFLM
                            gate(p.outputGate, sigmoid: true, input: input, inputWeights: w.input[3], bias: w.bias[3],
                                 hidden: h, recurrentWeights: w.recurrent[3], output: outputGate, temporary: temporary,
                                 count: n)
                            if recordTrace { trace.outputGate = Array(UnsafeBufferPointer(start: outputGate, count: n)) }
                            for i in 0..<n {
                                let tanhCell = FixedPoint.tanhInt16(cell[i], p.cellTanh)
                                hidden[i] = Int8(truncatingIfNeeded: Mul.multiply(Int32(tanhCell), Int32(outputGate[i]),
                                                                                  p.hiddenMul))
                            }
                            // Step 4: the output is the new hidden state.
                            output.update(from: hidden, count: n)
                        }
                    }
                }
            }
        }
    }
}
