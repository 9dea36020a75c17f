import QuantModel

/// Why a model cannot be rescaled, or a rescaling request that makes no sense.
public struct RescaleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A model derived from another with a different hidden size and/or sequence length.
public struct RescaledModel: Sendable {
    public var model: Model
    /// Units of the first hidden layer (nil when the model has none).
    public var hiddenSize: Int?
    /// Time steps of the sequence input (nil when the model has no sequence input).
    public var sequenceLength: Int?
    /// Units of every hidden layer, in execution order (e.g. [128, 64, 64] for the SER example).
    public var layerSizes: [Int]
    /// True when weights were drawn at random (any weight tensor changed shape): the model
    /// computes nothing meaningful; its cycles and memory are those of the shapes.
    public var syntheticWeights: Bool
    /// The model is the original, unchanged.
    public var isOriginal: Bool
}

/// Derives models of the same architecture with another hidden size or sequence length,
/// for sweeps that teach how cost grows with model size.
///
/// What a rescaled model keeps and what it invents (docs/teaching.md, "Rescaled models"):
/// - the operators, their options and every tensor's quantization parameters (scale and
///   zero point; per-channel scales of a new channel are those of an original channel);
/// - weights whose shape changes are drawn at random, reproducibly (a fixed seed, a
///   SplitMix64 generator), from the original's values: each row of a new weight matrix
///   is "cloned" from an original row (itself when it exists, else a random one) and its
///   elements are drawn with replacement from that row's values; biases and per-channel
///   scales come from the same source row. The weights are therefore synthetic — not
///   trained — and the outputs mean nothing; cycles, memory and energy depend on the
///   shapes, and a deployment still verifies the outputs bit-exact against the reference
///   executor running the same rescaled model.
/// - changing only the sequence length changes no weight: the model is the original one
///   run over more or fewer time steps.
///
/// Hidden layers are every LSTM and every FULLY_CONNECTED layer whose output does not
/// reach a graph output through shape-preserving operators (the classifier layer keeps its
/// classes). `hiddenSize` sets the units of the first hidden layer; the others keep their
/// proportion to it (128-64-64 at 128 becomes 256-128-128 at 256), at least one unit each.
public struct ModelRescaler: Sendable {
    public let model: Model
    /// Operator indices of the hidden layers, in execution order.
    public let hiddenLayers: [Int]
    /// Units of each hidden layer in the original model.
    public let originalLayerSizes: [Int]
    /// The graph input carrying a sequence, and which of its axes is time.
    let sequenceInput: (tensor: Int, axis: Int)?

    public static let defaultSeed: UInt64 = 0x5E55_1A7E

    public var originalHiddenSize: Int? { originalLayerSizes.first }
    public var originalSequenceLength: Int? { sequenceInput.map { model.tensors[$0.tensor].shape[$0.axis] } }

    public init(_ model: Model) throws(RescaleError) {
        self.model = model
        do { try model.validate() } catch { throw RescaleError("the model is not valid: \(error)") }
        var layers: [Int] = []
        var sizes: [Int] = []
        for (k, op) in model.operators.enumerated() {
            switch op.kind {
            case .unidirectionalSequenceLSTM:
                guard let w = op.inputs[LSTMInput.recurrentToForgetWeights], model.tensors[w].shape.count == 2 else {
                    throw RescaleError("operator \(k) (LSTM): no recurrent weights of shape [units, units]")
                }
                layers.append(k)
                sizes.append(model.tensors[w].shape[0])
            case .fullyConnected:
                guard let w = op.inputs[1], model.tensors[w].shape.count == 2 else {
                    throw RescaleError("operator \(k) (FULLY_CONNECTED): weights are not a [units, depth] matrix")
                }
                if !Self.reachesOutput(model, from: op.outputs[0]) {
                    layers.append(k)
                    sizes.append(model.tensors[w].shape[0])
                }
            default:
                break
            }
        }
        hiddenLayers = layers
        originalLayerSizes = sizes
        // A sequence input: a graph input of rank 3 read by an LSTM (time axis from its options).
        var sequence: (Int, Int)? = nil
        for op in model.operators where op.kind == .unidirectionalSequenceLSTM {
            guard let input = op.inputs[LSTMInput.input], model.inputs.contains(input),
                  model.tensors[input].shape.count == 3 else { continue }
            var timeMajor = false
            if case .lstm(let o) = op.options { timeMajor = o.timeMajor }
            sequence = (input, timeMajor ? 0 : 1)
            break
        }
        sequenceInput = sequence
    }

    /// Whether a tensor flows into a graph output through operators that keep its last
    /// dimension (activations, softmax, quantize, dequantize).
    static func reachesOutput(_ model: Model, from tensor: Int) -> Bool {
        if model.outputs.contains(tensor) { return true }
        let passThrough: Set<OperatorKind> = [.softmax, .logistic, .tanh, .relu, .quantize, .dequantize]
        for op in model.operators where passThrough.contains(op.kind) && op.inputs.first.flatMap({ $0 }) == tensor {
            if reachesOutput(model, from: op.outputs[0]) { return true }
        }
        return false
    }

    /// The units each hidden layer gets for a hidden size.
    public func layerSizes(hiddenSize: Int) -> [Int] {
        guard let first = originalLayerSizes.first else { return [] }
        let factor = Double(hiddenSize) / Double(first)
        return originalLayerSizes.enumerated().map { i, units in
            i == 0 ? hiddenSize : max(1, Int((Double(units) * factor).rounded()))
        }
    }

    /// The model with `hiddenSize` units in its first hidden layer (the others in
    /// proportion) and `sequenceLength` time steps; nil keeps the original's.
    public func rescaled(hiddenSize: Int? = nil, sequenceLength: Int? = nil,
                         seed: UInt64 = ModelRescaler.defaultSeed) throws(RescaleError) -> RescaledModel {
        if let h = hiddenSize {
            guard originalHiddenSize != nil else {
                throw RescaleError("\(model.name) has no hidden layer to resize (no LSTM, and no FULLY_CONNECTED layer "
                                   + "before the classifier)")
            }
            guard h >= 1, h <= 4096 else { throw RescaleError("hidden size \(h): must be 1 to 4096") }
        }
        if let t = sequenceLength {
            guard sequenceInput != nil else {
                throw RescaleError("\(model.name) has no sequence input (a rank-3 graph input read by an LSTM) "
                                   + "whose length could change")
            }
            guard t >= 1, t <= 100_000 else { throw RescaleError("sequence length \(t): must be 1 to 100000") }
        }
        let sizes = hiddenSize.map { layerSizes(hiddenSize: $0) } ?? originalLayerSizes
        let steps = sequenceLength ?? originalSequenceLength
        if sizes == originalLayerSizes && steps == originalSequenceLength {
            return RescaledModel(model: model, hiddenSize: sizes.first, sequenceLength: steps, layerSizes: sizes,
                                 syntheticWeights: false, isOriginal: true)
        }
        var units: [Int: Int] = [:]
        for (k, op) in hiddenLayers.enumerated() { units[op] = sizes[k] }
        var builder = Builder(original: model, seed: seed)
        if let s = sequenceInput, let t = steps {
            var shape = model.tensors[s.tensor].shape
            shape[s.axis] = t
            builder.shapes[s.tensor] = shape
        }
        for (k, op) in model.operators.enumerated() {
            try builder.propagate(k, op, units: units[k])
        }
        var out = try builder.finish()
        var tags: [String] = []
        if hiddenSize != nil && sizes != originalLayerSizes { tags.append("h\(sizes.map(String.init).joined(separator: "-"))") }
        if let t = steps, t != originalSequenceLength { tags.append("t\(t)") }
        out.name = ([model.name] + tags).joined(separator: "-")
        let synthetic = builder.regenerated
        out.description = "rescaled from \(model.name) by sersim: hidden layers \(sizes), sequence length "
            + "\(steps.map(String.init) ?? "-")" + (synthetic
                ? "; SYNTHETIC weights drawn from the original's values (seed \(seed)), not trained" : "; original weights")
        do { try out.validate() } catch { throw RescaleError("the rescaled model is not valid: \(error)") }
        do { _ = try ReferenceInterpreter(model: out) } catch {
            throw RescaleError("the rescaled model cannot run: \(error)")
        }
        return RescaledModel(model: out, hiddenSize: sizes.first, sequenceLength: steps, layerSizes: sizes,
                             syntheticWeights: synthetic, isOriginal: false)
    }

    /// An input for the rescaled sequence length made from an input of the original model:
    /// its time steps repeated cyclically (or cut short). Other inputs pass unchanged.
    public func input(_ original: [[UInt8]], sequenceLength: Int) -> [[UInt8]] {
        guard let s = sequenceInput, let n = model.inputs.firstIndex(of: s.tensor), n < original.count else {
            return original
        }
        let t = model.tensors[s.tensor]
        let shape = t.shape
        let oldSteps = shape[s.axis]
        guard oldSteps > 0, sequenceLength != oldSteps else { return original }
        // Bytes of one time step's slice, and how many such blocks precede the time axis.
        let inner = shape[(s.axis + 1)...].reduce(1, *) * t.type.byteSize
        let outer = shape[..<s.axis].reduce(1, *)
        let bytes = original[n]
        guard bytes.count == outer * oldSteps * inner else { return original }
        var out: [UInt8] = []
        out.reserveCapacity(outer * sequenceLength * inner)
        for o in 0..<outer {
            for step in 0..<sequenceLength {
                let from = (o * oldSteps + step % oldSteps) * inner
                out += bytes[from..<(from + inner)]
            }
        }
        var result = original
        result[n] = out
        return result
    }
}

/// Shape propagation and weight generation for one rescaling.
private struct Builder {
    let original: Model
    let seed: UInt64
    /// New shapes of tensors (activations as they are propagated, constants as assigned).
    var shapes: [Int: [Int]] = [:]
    /// Per regenerated constant: the source row of each new row (per-channel and row-wise data).
    var rowSources: [Int: [Int]] = [:]
    var regenerated = false

    init(original: Model, seed: UInt64) {
        self.original = original
        self.seed = seed
    }

    func shape(_ t: Int) -> [Int] { shapes[t] ?? original.tensors[t].shape }

    func label(_ k: Int, _ op: Operator) -> String {
        "operator \(k) (\(op.kind.rawValue)\(op.name.isEmpty ? "" : " \(op.name)"))"
    }

    /// Give a constant (or variable) tensor a shape; a tensor shared by two operators must
    /// get the same shape from both.
    mutating func assign(_ t: Int, _ shape: [Int], rows: [Int]?, _ where_: @autoclosure () -> String) throws(RescaleError) {
        if let existing = shapes[t] {
            guard existing == shape, rowSources[t] == rows || rows == nil else {
                throw RescaleError("\(where_()): tensor \(t) '\(original.tensors[t].name)' is shared with another "
                                   + "operator that needs shape \(existing), not \(shape)")
            }
            return
        }
        shapes[t] = shape
        if let rows { rowSources[t] = rows }
    }

    /// The source row of each of `count` new rows, from `old` original rows: itself when it
    /// exists, else a random original row (reproducible per layer).
    func sources(count: Int, old: Int, salt: UInt64) -> [Int] {
        var rng = SplitMix64(seed: seed ^ salt &* 0x9E37_79B9_7F4A_7C15)
        return (0..<count).map { $0 < old ? $0 : Int(rng.next() % UInt64(old)) }
    }

    mutating func propagate(_ k: Int, _ op: Operator, units: Int?) throws(RescaleError) {
        let where_ = label(k, op)
        func input(_ i: Int) throws(RescaleError) -> Int {
            guard i < op.inputs.count, let t = op.inputs[i] else { throw RescaleError("\(where_): input \(i) is absent") }
            return t
        }
        switch op.kind {
        case .unidirectionalSequenceLSTM:
            var timeMajor = false
            if case .lstm(let o) = op.options { timeMajor = o.timeMajor }
            for i in [LSTMInput.cellToInputWeights, LSTMInput.cellToForgetWeights, LSTMInput.cellToOutputWeights,
                      LSTMInput.projectionWeights, LSTMInput.projectionBias, LSTMInput.inputLayerNormCoefficients,
                      LSTMInput.forgetLayerNormCoefficients, LSTMInput.cellLayerNormCoefficients,
                      LSTMInput.outputLayerNormCoefficients] where op.inputs[i] != nil {
                throw RescaleError("\(where_): peephole, projection and layer-normalisation inputs are not rescaled")
            }
            let x = shape(try input(LSTMInput.input))
            guard x.count == 3 else { throw RescaleError("\(where_): input shape \(x) is not [batch, time, features]") }
            let batch = timeMajor ? x[1] : x[0]
            let features = x[2]
            let oldUnits = original.tensors[try input(LSTMInput.recurrentToForgetWeights)].shape[0]
            let u = units ?? oldUnits
            let rows = sources(count: u, old: oldUnits, salt: UInt64(k) &+ 1)
            for i in [LSTMInput.inputToInputWeights, LSTMInput.inputToForgetWeights, LSTMInput.inputToCellWeights,
                      LSTMInput.inputToOutputWeights] {
                if let w = op.inputs[i] { try assign(w, [u, features], rows: rows, where_) }
            }
            for i in [LSTMInput.recurrentToInputWeights, LSTMInput.recurrentToForgetWeights,
                      LSTMInput.recurrentToCellWeights, LSTMInput.recurrentToOutputWeights] {
                if let w = op.inputs[i] { try assign(w, [u, u], rows: rows, where_) }
            }
            for i in [LSTMInput.inputGateBias, LSTMInput.forgetGateBias, LSTMInput.cellGateBias,
                      LSTMInput.outputGateBias] {
                if let b = op.inputs[i] { try assign(b, [u], rows: rows, where_) }
            }
            try assign(try input(LSTMInput.outputState), [batch, u], rows: nil, where_)
            try assign(try input(LSTMInput.cellState), [batch, u], rows: nil, where_)
            try setOutput(op, [x[0], x[1], u], where_)  // [batch, time, units] or [time, batch, units]

        case .fullyConnected:
            let inT = try input(0)
            let x = shape(inT), oldX = original.tensors[inT].shape
            let w = try input(1)
            let oldW = original.tensors[w].shape
            let oldDepth = oldW[1], oldUnits = oldW[0]
            let depth: Int
            if oldX.last == oldDepth {
                depth = x.last ?? 0
            } else if oldX.reduce(1, *) == oldDepth {
                depth = x.reduce(1, *)
            } else {
                throw RescaleError("\(where_): input \(oldX) and weights \(oldW) are not rows of the weights' depth")
            }
            let count = x.reduce(1, *)
            guard depth > 0, count % depth == 0 else { throw RescaleError("\(where_): input \(x) is not rows of \(depth)") }
            let u = units ?? oldUnits
            let rows = sources(count: u, old: oldUnits, salt: UInt64(k) &+ 1)
            try assign(w, [u, depth], rows: rows, where_)
            if op.inputs.count > 2, let b = op.inputs[2] { try assign(b, [u], rows: rows, where_) }
            var keep = false
            if case .fullyConnected(let o) = op.options { keep = o.keepNumDims }
            try setOutput(op, keep ? Array(x.dropLast()) + [u] : [count / depth, u], where_)

        case .softmax, .logistic, .tanh, .relu, .quantize, .dequantize:
            try setOutput(op, shape(try input(0)), where_)

        case .stridedSlice:
            let x = shape(try input(0))
            var options = StridedSliceOptions()
            if case .stridedSlice(let o) = op.options { options = o }
            let begin = try int32s(try input(1), where_), end = try int32s(try input(2), where_)
            let strides = try int32s(try input(3), where_)
            guard begin.count == x.count, end.count == x.count, strides.count == x.count else {
                throw RescaleError("\(where_): begin/end/strides do not match input shape \(x)")
            }
            var out: [Int] = []
            for axis in x.indices {
                let stride = Int(strides[axis])
                guard stride != 0 else { throw RescaleError("\(where_): stride 0") }
                let size = x[axis]
                let s = SliceAxis.start(Int(begin[axis]), size: size, stride: stride, masked: options.beginMask & (1 << axis) != 0)
                if options.shrinkAxisMask & (1 << axis) != 0 {
                    guard s >= 0, s < size else {
                        throw RescaleError("\(where_): index \(begin[axis]) of axis \(axis) is outside the new size \(size)")
                    }
                    continue
                }
                let e = SliceAxis.stop(Int(end[axis]), size: size, stride: stride, masked: options.endMask & (1 << axis) != 0)
                out.append(max(0, Int((Double(e - s) / Double(stride)).rounded(.up))))
            }
            guard !out.contains(0) else { throw RescaleError("\(where_): the slice of \(x) would be empty") }
            try setOutput(op, out, where_)

        case .reshape:
            let inT = try input(0)
            guard shape(inT) == original.tensors[inT].shape else {
                throw RescaleError("\(where_): a RESHAPE of a resized tensor is not rescaled (its target shape is fixed)")
            }
            try setOutput(op, original.tensors[op.outputs[0]].shape, where_)

        case .add, .mul:
            let a = try input(0), b = try input(1)
            for t in [a, b] where original.tensors[t].isConstant && shape(t) != original.tensors[t].shape {
                throw RescaleError("\(where_): a constant operand would need a new shape")
            }
            let sa = shape(a), sb = shape(b)
            guard let out = broadcast(sa, sb) else {
                throw RescaleError("\(where_): operands \(sa) and \(sb) no longer broadcast")
            }
            try setOutput(op, out, where_)
        }
    }

    mutating func setOutput(_ op: Operator, _ shape: [Int], _ where_: String) throws(RescaleError) {
        let t = op.outputs[0]
        guard shape.allSatisfy({ $0 > 0 }) else { throw RescaleError("\(where_): output shape \(shape) is empty") }
        shapes[t] = shape
    }

    func int32s(_ t: Int, _ where_: String) throws(RescaleError) -> [Int32] {
        let tensor = original.tensors[t]
        guard tensor.type == .int32, let data = tensor.data else {
            throw RescaleError("\(where_): tensor \(t) is not a constant int32 index tensor")
        }
        return stride(from: 0, to: data.count - 3, by: 4).map {
            Int32(bitPattern: UInt32(data[$0]) | UInt32(data[$0 + 1]) << 8 | UInt32(data[$0 + 2]) << 16
                  | UInt32(data[$0 + 3]) << 24)
        }
    }

    func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = max(a.count, b.count)
        let pa = Array(repeating: 1, count: n - a.count) + a, pb = Array(repeating: 1, count: n - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            guard x == y || x == 1 || y == 1 else { return nil }
            out.append(max(x, y))
        }
        return out
    }

    /// The new model: shapes applied, constants whose shape changed regenerated.
    mutating func finish() throws(RescaleError) -> Model {
        var m = original
        for (t, newShape) in shapes.sorted(by: { $0.key < $1.key }) {
            let old = original.tensors[t]
            guard newShape != old.shape else { continue }
            var tensor = old
            tensor.shape = newShape
            if let q = old.quantization, q.isPerChannel {
                guard q.dimension == 0, let rows = rowSources[t] else {
                    throw RescaleError("tensor \(t) '\(old.name)': per-channel quantization along axis \(q.dimension) "
                                       + "is not rescaled")
                }
                tensor.quantization = Quantization(scales: rows.map { q.scales[$0] }, zeroPoints: rows.map { q.zeroPoints[$0] },
                                                   dimension: 0)
            }
            if let data = old.data {
                tensor.data = try regenerate(t, old, data, newShape)
                regenerated = true
            }
            m.tensors[t] = tensor
        }
        return m
    }

    /// New contents for a constant (or an initialised variable) of a new shape.
    func regenerate(_ t: Int, _ old: Tensor, _ data: [UInt8], _ newShape: [Int]) throws(RescaleError) -> [UInt8] {
        let size = old.type.byteSize
        let newCount = newShape.reduce(1, *)
        func element(_ i: Int) -> ArraySlice<UInt8> { data[(i * size)..<((i + 1) * size)] }
        var out: [UInt8] = []
        out.reserveCapacity(newCount * size)
        if old.isVariable {
            // State: cycle the original values (they are reset to the zero point anyway).
            for i in 0..<newCount { out += element(i % max(1, old.elementCount)) }
            return out
        }
        guard let rows = rowSources[t] else {
            throw RescaleError("tensor \(t) '\(old.name)' would need a new shape \(newShape) that sersim cannot derive")
        }
        var rng = SplitMix64(seed: seed ^ (UInt64(t) &+ 0x51) &* 0xBF58_476D_1CE4_E5B9)
        if old.shape.count == 1 {
            // A bias: the source row's own value.
            for r in rows { out += element(r) }
        } else {
            let oldCols = old.shape.dropFirst().reduce(1, *)
            let newCols = newShape.dropFirst().reduce(1, *)
            for r in rows {
                for _ in 0..<newCols {
                    out += element(r * oldCols + Int(rng.next() % UInt64(oldCols)))
                }
            }
        }
        return out
    }
}

/// TFLM's strided_slice::StartForAxis / StopForAxis (tensorflow/lite/kernels/internal/
/// strided_slice_logic.h), for the output shape of a slice of a resized tensor.
enum SliceAxis {
    static func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { min(max(v, lo), hi) }

    static func start(_ begin: Int, size: Int, stride: Int, masked: Bool) -> Int {
        var s = masked ? (stride > 0 ? Int(Int32.min) : Int(Int32.max)) : begin
        if s < 0 { s += size }
        return stride > 0 ? clamp(s, 0, size) : clamp(s, -1, size - 1)
    }

    static func stop(_ end: Int, size: Int, stride: Int, masked: Bool) -> Int {
        var e = masked ? (stride > 0 ? Int(Int32.max) : Int(Int32.min)) : end
        if e < 0 { e += size }
        return stride > 0 ? clamp(e, 0, size) : clamp(e, -1, size - 1)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small reproducible generator, the same on every
/// platform (Swift's default generator is seeded per process).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
