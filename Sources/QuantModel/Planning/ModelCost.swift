// Static per-layer costs of a model: multiply-accumulates, elementwise operations, weight
// bytes and activation bytes. These are counts from shapes, not measurements; cycles come
// from running the kernels on the emulated core.
//
// Definitions (docs: `sersim inspect --help`):
// - MACs: multiply-accumulates of matrix products. FULLY_CONNECTED: batches × inputs ×
//   units. UNIDIRECTIONAL_SEQUENCE_LSTM: per time step and batch, for each gate (3 with
//   CIFG, else 4) units × (inputs + outputs) for the input and recurrent weights, plus
//   outputs × units for a projection.
// - Elementwise operations: one per output element for ADD, MUL, LOGISTIC, TANH, RELU,
//   SOFTMAX, QUANTIZE, DEQUANTIZE; for the LSTM, per time step and batch 3 × units gate
//   products (f⊙c, i⊙g, o⊙tanh c) plus units per peephole. Data movement (RESHAPE,
//   STRIDED_SLICE) counts none.
// - Weight bytes: constant inputs of the operator (weights, biases, shape and slice
//   constants). The model total counts identical constants once, as a .tflite or .q8
//   file stores them.
// - Activation bytes: the operator's non-constant inputs and outputs (what must be in RAM
//   while it runs), excluding variables, which are counted as state.

public struct LayerCost: Sendable, Equatable {
    public var operatorIndex: Int
    public var kind: OperatorKind
    public var name: String
    public var macs: Int
    public var elementwiseOps: Int
    public var weightBytes: Int
    public var activationBytes: Int
    /// Variable (state) tensors this operator reads and updates.
    public var stateBytes: Int
}

public struct ModelCost: Sendable, Equatable {
    public var layers: [LayerCost]
    public var totalMACs: Int
    public var totalElementwiseOps: Int
    /// Constant data, identical constants counted once.
    public var weightBytes: Int
    /// Every activation tensor (non-constant, non-variable) without reuse.
    public var activationBytes: Int
    /// Variable (state) tensors.
    public var stateBytes: Int
}

public enum CostModel {
    public static func analyze(_ model: Model) -> ModelCost {
        var layers: [LayerCost] = []
        for (k, op) in model.operators.enumerated() {
            let inputs = op.inputs.compactMap { $0 }
            let weightBytes = Set(inputs).filter { model.tensors[$0].isConstant }.map { model.tensors[$0].byteCount }.reduce(0, +)
            let activationTensors = Set(inputs + op.outputs).filter { !model.tensors[$0].isConstant && !model.tensors[$0].isVariable }
            let stateBytes = Set(inputs).filter { model.tensors[$0].isVariable }.map { model.tensors[$0].byteCount }.reduce(0, +)
            let (macs, elementwise) = counts(op, model)
            layers.append(LayerCost(operatorIndex: k, kind: op.kind, name: op.name, macs: macs, elementwiseOps: elementwise,
                                    weightBytes: weightBytes,
                                    activationBytes: activationTensors.map { model.tensors[$0].byteCount }.reduce(0, +),
                                    stateBytes: stateBytes))
        }
        let constants = Set(model.tensors.compactMap(\.data))
        return ModelCost(
            layers: layers,
            totalMACs: layers.reduce(0) { sum($0, $1.macs) },
            totalElementwiseOps: layers.reduce(0) { sum($0, $1.elementwiseOps) },
            weightBytes: constants.map(\.count).reduce(0, +),
            activationBytes: model.tensors.filter { !$0.isConstant && !$0.isVariable }.map(\.byteCount).reduce(0, +),
            stateBytes: model.tensors.filter(\.isVariable).map(\.byteCount).reduce(0, +))
    }

    /// Saturating arithmetic: shapes come from files, counts must not trap.
    static func sum(_ a: Int, _ b: Int) -> Int {
        let r = a.addingReportingOverflow(b)
        return r.overflow ? Int.max : r.partialValue
    }

    static func product(_ xs: Int...) -> Int {
        var p = 1
        for x in xs {
            let r = p.multipliedReportingOverflow(by: x)
            if r.overflow { return Int.max }
            p = r.partialValue
        }
        return p
    }

    static func counts(_ op: Operator, _ model: Model) -> (macs: Int, elementwise: Int) {
        func tensor(_ position: Int) -> Tensor? {
            position < op.inputs.count ? op.inputs[position].map { model.tensors[$0] } : nil
        }
        let outputElements = op.outputs.first.map { model.tensors[$0].elementCount } ?? 0
        switch op.kind {
        case .fullyConnected:
            // Weights [units, depth]; every other input element belongs to a batch row.
            guard let input = tensor(0), let weights = tensor(1), weights.shape.count == 2, weights.shape[1] > 0 else { return (0, 0) }
            let batches = input.elementCount / weights.shape[1]
            return (product(batches, weights.shape[0], weights.shape[1]), 0)
        case .unidirectionalSequenceLSTM:
            guard let input = tensor(LSTMInput.input), input.shape.count == 3,
                  let forget = tensor(LSTMInput.inputToForgetWeights), forget.shape.count == 2,
                  let recurrent = tensor(LSTMInput.recurrentToForgetWeights), recurrent.shape.count == 2 else { return (0, 0) }
            let timeMajor: Bool = if case .lstm(let o) = op.options { o.timeMajor } else { false }
            let steps = timeMajor ? input.shape[0] : input.shape[1]
            let batch = timeMajor ? input.shape[1] : input.shape[0]
            let units = forget.shape[0], inputs = forget.shape[1], outputs = recurrent.shape[1]
            let gates = tensor(LSTMInput.inputToInputWeights) == nil ? 3 : 4
            var perStep = product(gates, units, inputs + outputs)
            if tensor(LSTMInput.projectionWeights) != nil { perStep = sum(perStep, product(outputs, units)) }
            let peepholes = [LSTMInput.cellToInputWeights, LSTMInput.cellToForgetWeights, LSTMInput.cellToOutputWeights]
                .filter { tensor($0) != nil }.count
            return (product(steps, batch, perStep), product(steps, batch, (3 + peepholes) * units))
        case .add, .mul, .logistic, .tanh, .relu, .softmax, .quantize, .dequantize:
            return (0, outputElements)
        case .reshape, .stridedSlice:
            return (0, 0)
        }
    }
}
