// The reference interpreter: prepares every operator of a Model once (validation and
// quantization constants, like TFLM's AllocateTensors), then runs the graph on the host with
// the reference kernels. Like TFLM, variable tensors (LSTM hidden and cell state) persist
// between invocations until `reset()`. Unlike TFLM it keeps every tensor (no arena reuse),
// so per-layer values can be read back after a run.

/// An operator's prepared constants, as the deployment code passes them to compiled kernels.
public enum PreparedOperator: Sendable, Equatable {
    case fullyConnected(Reference.FullyConnected.Params)
    case lstm(Reference.LSTM.Params)
    case softmax(Reference.Softmax.Params)
    case logistic(Reference.SigmoidParams)
    case tanh(Reference.SigmoidParams)
    case relu(Reference.Relu.Params)
    case stridedSlice(Reference.StridedSlice.Params)
    case reshape
    case quantize(Reference.Quantize.Params)
    case dequantize(Reference.Dequantize.Params)
    case add(Reference.Add.Params)
    case mul(Reference.Mul.Prepared)
}

public struct ReferenceInterpreter: Sendable {
    public let model: Model
    /// One entry per model operator, in execution order.
    public let prepared: [PreparedOperator]
    /// Current contents of every tensor: constants, inputs, operator outputs of the last
    /// invocation, variable state. Nil for a tensor not yet produced.
    public private(set) var values: [TensorValues?]

    /// Prepares every operator; throws the first operator that TFLM would refuse or sersim
    /// does not support, naming it and its index.
    public init(model: Model) throws(ReferenceError) {
        self.model = model
        var values: [TensorValues?] = []
        for (index, tensor) in model.tensors.enumerated() {
            guard let data = tensor.data else {
                values.append(nil)
                continue
            }
            guard let decoded = TensorValues(littleEndian: data, type: tensor.type, count: tensor.elementCount) else {
                if tensor.type.byteSize * tensor.elementCount != data.count {
                    throw ReferenceError("tensor \(index) (\(tensor.name)) holds \(data.count) bytes; shape \(tensor.shape) "
                        + "of \(tensor.type.rawValue) needs \(tensor.type.byteSize * tensor.elementCount)")
                }
                values.append(nil)  // constant of a type no kernel reads (checked when used)
                continue
            }
            values.append(decoded)
        }
        self.values = values
        var prepared: [PreparedOperator] = []
        for (index, op) in model.operators.enumerated() {
            do {
                prepared.append(try Self.prepare(op, model: model, values: values))
            } catch {
                throw ReferenceError(operatorIndex: index, operatorKind: op.kind,
                                     error.message + (op.name.isEmpty ? "" : " [\(op.name)]"))
            }
        }
        self.prepared = prepared
        reset()
    }

    /// TFLM's reset: int8 variable tensors hold their zero point, every other variable 0.
    public mutating func reset() {
        for (index, tensor) in model.tensors.enumerated() where tensor.isVariable {
            let zero = tensor.type == .int8 ? Int8(truncatingIfNeeded: tensor.quantization?.zeroPoint ?? 0) : 0
            if tensor.type == .int8 {
                values[index] = .int8(Array(repeating: zero, count: tensor.elementCount))
            } else {
                values[index] = TensorValues(zeros: tensor.elementCount, type: tensor.type)
            }
        }
    }

    /// Runs the graph once on `inputs` (one per model input, in order, each with the input
    /// tensor's type and element count). LSTM state carries over from the previous invocation
    /// unless `reset()` was called.
    public mutating func invoke(_ inputs: [TensorValues]) throws(ReferenceError) -> [TensorValues] {
        guard inputs.count == model.inputs.count else {
            throw ReferenceError("the model has \(model.inputs.count) input(s); got \(inputs.count)")
        }
        for (n, (index, value)) in zip(model.inputs, inputs).enumerated() {
            let tensor = model.tensors[index]
            guard value.elementType == tensor.type, value.count == tensor.elementCount else {
                throw ReferenceError("input \(n) (\(tensor.name)) needs \(tensor.elementCount) \(tensor.type.rawValue) "
                    + "values (shape \(tensor.shape)); got \(value.count) \(value.elementType.rawValue)")
            }
            values[index] = value
        }
        for (index, op) in model.operators.enumerated() {
            do {
                try run(op, prepared[index])
            } catch {
                throw ReferenceError(operatorIndex: index, operatorKind: op.kind, error.message)
            }
        }
        var outputs: [TensorValues] = []
        for index in model.outputs {
            guard let v = values[index] else {
                throw ReferenceError("output tensor \(index) (\(model.tensors[index].name)) is not produced by any operator")
            }
            outputs.append(v)
        }
        return outputs
    }

    // MARK: Prepare

    static func tensorIndex(_ op: Operator, input n: Int, model: Model, optional: Bool = false) throws(ReferenceError) -> Int? {
        guard n < op.inputs.count, let index = op.inputs[n] else {
            if optional { return nil }
            throw ReferenceError("input \(n) is missing")
        }
        guard index >= 0, index < model.tensors.count else {
            throw ReferenceError("input \(n) refers to tensor \(index); the model has \(model.tensors.count)")
        }
        return index
    }

    static func operand(_ op: Operator, input n: Int, model: Model) throws(ReferenceError) -> OperandInfo {
        OperandInfo(model.tensors[try tensorIndex(op, input: n, model: model)!])
    }

    static func output(_ op: Operator, model: Model) throws(ReferenceError) -> OperandInfo {
        guard op.outputs.count == 1 else { throw ReferenceError("expected one output, found \(op.outputs.count)") }
        guard op.outputs[0] >= 0, op.outputs[0] < model.tensors.count else {
            throw ReferenceError("output refers to tensor \(op.outputs[0]); the model has \(model.tensors.count)")
        }
        return OperandInfo(model.tensors[op.outputs[0]])
    }

    static func constantInt32(_ op: Operator, input n: Int, model: Model, values: [TensorValues?],
                              what: String) throws(ReferenceError) -> [Int32] {
        let index = try tensorIndex(op, input: n, model: model)!
        guard model.tensors[index].isConstant, case .int32(let v)? = values[index] else {
            throw ReferenceError("\(what) (input \(n)) must be a constant int32 tensor")
        }
        return v
    }

    static func expectInputs(_ op: Operator, _ count: Int) throws(ReferenceError) {
        guard op.inputs.count == count else {
            throw ReferenceError("expected \(count) input(s), found \(op.inputs.count)")
        }
    }

    static func prepare(_ op: Operator, model: Model, values: [TensorValues?]) throws(ReferenceError) -> PreparedOperator {
        let out = try output(op, model: model)
        switch op.kind {
        case .fullyConnected:
            guard op.inputs.count == 2 || op.inputs.count == 3 else {
                throw ReferenceError("expected 2 or 3 inputs, found \(op.inputs.count)")
            }
            let bias = try tensorIndex(op, input: 2, model: model, optional: true).map { OperandInfo(model.tensors[$0]) }
            var activation = FusedActivation.none
            if case .fullyConnected(let o) = op.options { activation = o.activation }
            return .fullyConnected(try Reference.FullyConnected.prepare(
                input: try operand(op, input: 0, model: model), filter: try operand(op, input: 1, model: model),
                bias: bias, output: out, activation: activation))
        case .unidirectionalSequenceLSTM:
            try expectInputs(op, 24)
            guard case .lstm(let options) = op.options else { throw ReferenceError("LSTM options are missing") }
            for absent in [9, 10, 11, 16, 17, 20, 21, 22, 23] where op.inputs[absent] != nil {
                throw ReferenceError("input \(absent) is present: peephole, projection and layer-norm LSTMs are not "
                    + "supported (TFLM neither)")
            }
            for required in [18, 19] {
                let index = try tensorIndex(op, input: required, model: model)!
                guard model.tensors[index].isVariable else {
                    throw ReferenceError("input \(required) (\(required == 18 ? "hidden" : "cell") state) must be a variable tensor")
                }
            }
            let operands = Reference.LSTM.Operands(
                input: try operand(op, input: 0, model: model),
                inputWeights: try (1...4).map { (n: Int) throws(ReferenceError) in try operand(op, input: n, model: model) },
                recurrentWeights: try (5...8).map { (n: Int) throws(ReferenceError) in try operand(op, input: n, model: model) },
                biases: try (12...15).map { (n: Int) throws(ReferenceError) in try operand(op, input: n, model: model) },
                hiddenState: try operand(op, input: 18, model: model),
                cellState: try operand(op, input: 19, model: model), output: out)
            return .lstm(try Reference.LSTM.prepare(operands, options: options))
        case .softmax:
            try expectInputs(op, 1)
            var beta: Float = 1
            if case .softmax(let b) = op.options { beta = b }
            return .softmax(try Reference.Softmax.prepare(input: try operand(op, input: 0, model: model), output: out,
                                                          beta: beta))
        case .logistic:
            try expectInputs(op, 1)
            return .logistic(try Reference.Logistic.prepare(input: try operand(op, input: 0, model: model), output: out))
        case .tanh:
            try expectInputs(op, 1)
            return .tanh(try Reference.Tanh.prepare(input: try operand(op, input: 0, model: model), output: out))
        case .relu:
            try expectInputs(op, 1)
            return .relu(try Reference.Relu.prepare(input: try operand(op, input: 0, model: model), output: out))
        case .stridedSlice:
            try expectInputs(op, 4)
            var options = StridedSliceOptions()
            if case .stridedSlice(let o) = op.options { options = o }
            return .stridedSlice(try Reference.StridedSlice.prepare(
                input: try operand(op, input: 0, model: model), output: out,
                begin: try constantInt32(op, input: 1, model: model, values: values, what: "begin"),
                end: try constantInt32(op, input: 2, model: model, values: values, what: "end"),
                strides: try constantInt32(op, input: 3, model: model, values: values, what: "strides"),
                options: options))
        case .reshape:
            guard op.inputs.count == 1 || op.inputs.count == 2 else {
                throw ReferenceError("expected 1 or 2 inputs, found \(op.inputs.count)")
            }
            try Reference.Reshape.prepare(input: try operand(op, input: 0, model: model), output: out)
            return .reshape
        case .quantize:
            try expectInputs(op, 1)
            return .quantize(try Reference.Quantize.prepare(input: try operand(op, input: 0, model: model), output: out))
        case .dequantize:
            try expectInputs(op, 1)
            return .dequantize(try Reference.Dequantize.prepare(input: try operand(op, input: 0, model: model), output: out))
        case .add, .mul:
            try expectInputs(op, 2)
            var activation = FusedActivation.none
            if case .elementwise(let a) = op.options { activation = a }
            let a = try operand(op, input: 0, model: model)
            let b = try operand(op, input: 1, model: model)
            if op.kind == .add {
                return .add(try Reference.Add.prepare(input1: a, input2: b, output: out, activation: activation))
            }
            return .mul(try Reference.Mul.prepare(input1: a, input2: b, output: out, activation: activation))
        }
    }

    // MARK: Run

    func value(_ op: Operator, input n: Int) throws(ReferenceError) -> TensorValues {
        guard n < op.inputs.count, let index = op.inputs[n] else { throw ReferenceError("input \(n) is missing") }
        guard let v = values[index] else {
            throw ReferenceError("input \(n) reads tensor \(index) (\(model.tensors[index].name)) before any operator wrote it")
        }
        return v
    }

    func int8(_ op: Operator, input n: Int) throws(ReferenceError) -> [Int8] {
        guard case .int8(let v) = try value(op, input: n) else { throw ReferenceError("input \(n) is not int8") }
        return v
    }

    func int32(_ op: Operator, input n: Int) throws(ReferenceError) -> [Int32] {
        guard case .int32(let v) = try value(op, input: n) else { throw ReferenceError("input \(n) is not int32") }
        return v
    }

    mutating func run(_ op: Operator, _ p: PreparedOperator) throws(ReferenceError) {
        let result: TensorValues
        switch p {
        case .fullyConnected(let params):
            let bias: [Int32]? = op.inputs.count > 2 && op.inputs[2] != nil ? try int32(op, input: 2) : nil
            result = .int8(try Reference.FullyConnected.eval(params, input: try int8(op, input: 0),
                                                             filter: try int8(op, input: 1), bias: bias))
        case .lstm(let params):
            let weights = Reference.LSTM.Weights(
                input: try (1...4).map { (n: Int) throws(ReferenceError) in try int8(op, input: n) },
                recurrent: try (5...8).map { (n: Int) throws(ReferenceError) in try int8(op, input: n) },
                bias: try (12...15).map { (n: Int) throws(ReferenceError) in try int32(op, input: n) })
            guard let hiddenIndex = op.inputs[18], let cellIndex = op.inputs[19],
                  case .int8(let hidden)? = values[hiddenIndex], case .int16(let cell)? = values[cellIndex] else {
                throw ReferenceError("LSTM state tensors are missing")
            }
            var state = Reference.LSTM.State(hidden: hidden, cell: cell)
            result = .int8(try Reference.LSTM.eval(params, input: try int8(op, input: 0), weights: weights, state: &state))
            values[hiddenIndex] = .int8(state.hidden)
            values[cellIndex] = .int16(state.cell)
        case .softmax(let params):
            result = .int8(try Reference.Softmax.eval(params, input: try int8(op, input: 0)))
        case .logistic(let params):
            result = try Reference.Logistic.eval(params, input: try value(op, input: 0))
        case .tanh(let params):
            result = try Reference.Tanh.eval(params, input: try value(op, input: 0))
        case .relu(let params):
            result = try Reference.Relu.eval(params, input: try value(op, input: 0))
        case .stridedSlice(let params):
            result = try Reference.StridedSlice.eval(params, input: try value(op, input: 0))
        case .reshape:
            result = try value(op, input: 0)
        case .quantize(let params):
            result = try Reference.Quantize.eval(params, input: try value(op, input: 0))
        case .dequantize(let params):
            result = try Reference.Dequantize.eval(params, input: try value(op, input: 0))
        case .add(let params):
            result = .int8(try Reference.Add.eval(params, input1: try int8(op, input: 0), input2: try int8(op, input: 1)))
        case .mul(let params):
            result = try Reference.Mul.eval(params, input1: try value(op, input: 0), input2: try value(op, input: 1))
        }
        values[op.outputs[0]] = result
    }
}
