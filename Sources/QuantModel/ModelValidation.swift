// Structural checks every loaded model passes, whichever file it came from: indices in
// range, constant data matching its shape and type, quantization parameters consistent
// with the tensor, operator arity, and a data flow in which every operator reads only
// tensors that exist by the time it runs (graph inputs, constants, variables, outputs of
// earlier operators). Kernel-level checks (types a kernel accepts, scale ranges) belong to
// each reference kernel's prepare step.

/// A model that cannot be run as written.
public struct ModelValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. `tensor 3 'dense/MatMul'`, `operator 2 (ADD) input 1`.
    public var location: String
    public var reason: String

    public init(_ location: String, _ reason: String) {
        self.location = location
        self.reason = reason
    }

    public var description: String { "\(location): \(reason)" }
}

public enum ModelLimits {
    /// The largest rank sersim accepts (TFLM's kernels go up to 5 or 6).
    public static let maxRank = 8
    /// The largest tensor (TFLM sizes are int32; no microcontroller has more memory).
    public static let maxTensorBytes = Int(Int32.max)
}

extension OperatorKind {
    /// How many inputs the operator takes (TFLite positions, absent optional ones included).
    public var inputCountRange: ClosedRange<Int> {
        switch self {
        case .fullyConnected: 2...3
        case .unidirectionalSequenceLSTM: LSTMInput.count...LSTMInput.count
        case .softmax, .logistic, .tanh, .relu, .quantize, .dequantize: 1...1
        case .stridedSlice: 4...4
        case .reshape: 1...2
        case .add, .mul: 2...2
        }
    }

    /// Whether input `position` may be absent (-1 in TFLite).
    public func isOptionalInput(_ position: Int) -> Bool {
        switch self {
        case .fullyConnected: position == 2
        case .unidirectionalSequenceLSTM: LSTMInput.optional.contains(position)
        case .reshape: position == 1
        default: false
        }
    }

    public var outputCount: Int { 1 }
}

extension Tensor {
    /// Element count with overflow and limit checks (shape values come from files).
    func checkedByteCount() -> Int? {
        var count = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (next, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, next <= ModelLimits.maxTensorBytes else { return nil }
            count = next
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow, bytes <= ModelLimits.maxTensorBytes else { return nil }
        return bytes
    }
}

extension Model {
    func tensorLabel(_ index: Int) -> String {
        index >= 0 && index < tensors.count ? "tensor \(index) '\(tensors[index].name)'" : "tensor \(index)"
    }

    func operatorLabel(_ index: Int) -> String {
        index >= 0 && index < operators.count ? "operator \(index) (\(operators[index].kind.rawValue))" : "operator \(index)"
    }

    /// Throws the first structural problem found.
    public func validate() throws(ModelValidationError) {
        for (i, t) in tensors.enumerated() {
            try validateTensor(i, t)
        }
        func checkIndex(_ index: Int, _ location: @autoclosure () -> String) throws(ModelValidationError) {
            guard index >= 0 && index < tensors.count else {
                throw ModelValidationError(location(), "refers to tensor \(index), but the model has \(tensors.count) tensors")
            }
        }
        for (n, index) in inputs.enumerated() { try checkIndex(index, "graph input \(n)") }
        for (n, index) in outputs.enumerated() { try checkIndex(index, "graph output \(n)") }
        guard !outputs.isEmpty else { throw ModelValidationError("graph", "has no outputs") }

        // Tensors that exist before the first operator runs.
        var available = [Bool](repeating: false, count: tensors.count)
        for (i, t) in tensors.enumerated() where t.isConstant || t.isVariable { available[i] = true }
        for index in inputs {
            if tensors[index].isConstant {
                throw ModelValidationError("graph input \(tensorLabel(index))", "is a constant")
            }
            available[index] = true
        }
        var producer = [Int?](repeating: nil, count: tensors.count)

        for (k, op) in operators.enumerated() {
            let label = operatorLabel(k)
            let range = op.kind.inputCountRange
            guard range.contains(op.inputs.count) else {
                let want = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
                throw ModelValidationError(label, "has \(op.inputs.count) inputs; \(op.kind.rawValue) takes \(want)")
            }
            guard op.outputs.count == op.kind.outputCount else {
                throw ModelValidationError(label, "has \(op.outputs.count) outputs; \(op.kind.rawValue) produces \(op.kind.outputCount)")
            }
            guard op.options.fits(op.kind) else {
                throw ModelValidationError(label, "carries options of another operator kind (\(op.options))")
            }
            for (position, input) in op.inputs.enumerated() {
                guard let input else {
                    guard op.kind.isOptionalInput(position) else {
                        throw ModelValidationError("\(label) input \(position)", "is absent, but \(op.kind.rawValue) requires it")
                    }
                    continue
                }
                try checkIndex(input, "\(label) input \(position)")
                guard available[input] else {
                    throw ModelValidationError("\(label) input \(position)",
                                               "reads \(tensorLabel(input)), which is not a graph input, a constant, a variable or the output of an earlier operator")
                }
            }
            for index in op.intermediates { try checkIndex(index, "\(label) intermediate") }
            for (position, output) in op.outputs.enumerated() {
                try checkIndex(output, "\(label) output \(position)")
                let t = tensors[output]
                if t.isConstant {
                    throw ModelValidationError("\(label) output \(position)", "writes \(tensorLabel(output)), which is a constant")
                }
                if inputs.contains(output) {
                    throw ModelValidationError("\(label) output \(position)", "writes \(tensorLabel(output)), which is a graph input")
                }
                if let earlier = producer[output] {
                    throw ModelValidationError("\(label) output \(position)",
                                               "writes \(tensorLabel(output)), already written by \(operatorLabel(earlier))")
                }
                producer[output] = k
                available[output] = true
            }
        }
        for (n, index) in outputs.enumerated() where !available[index] {
            throw ModelValidationError("graph output \(n)", "\(tensorLabel(index)) is never written")
        }
    }

    private func validateTensor(_ i: Int, _ t: Tensor) throws(ModelValidationError) {
        let label = tensorLabel(i)
        guard t.shape.count <= ModelLimits.maxRank else {
            throw ModelValidationError(label, "has rank \(t.shape.count); sersim supports at most \(ModelLimits.maxRank)")
        }
        if let d = t.shape.first(where: { $0 < 0 }) {
            throw ModelValidationError(label, "has a dynamic dimension (\(d)) in shape \(t.shape); sersim needs static shapes")
        }
        guard let bytes = t.checkedByteCount() else {
            throw ModelValidationError(label, "shape \(t.shape) of \(t.type.rawValue) exceeds \(ModelLimits.maxTensorBytes) bytes")
        }
        if let data = t.data, data.count != bytes {
            throw ModelValidationError(label, "has \(data.count) bytes of data, but shape \(t.shape) of \(t.type.rawValue) needs \(bytes)")
        }
        if t.isVariable && t.isConstant {
            throw ModelValidationError(label, "is both variable and constant")
        }
        if let q = t.quantization {
            guard !q.scales.isEmpty else { throw ModelValidationError(label, "has quantization without scales") }
            guard q.scales.count == q.zeroPoints.count else {
                throw ModelValidationError(label, "has \(q.scales.count) quantization scales but \(q.zeroPoints.count) zero points")
            }
            if let bad = q.scales.first(where: { !$0.isFinite }) {
                throw ModelValidationError(label, "has a non-finite quantization scale (\(bad))")
            }
            if q.scales.count > 1 {
                guard q.dimension >= 0 && q.dimension < t.shape.count else {
                    throw ModelValidationError(label, "is quantized per channel along dimension \(q.dimension), but has rank \(t.shape.count)")
                }
                guard t.shape[q.dimension] == q.scales.count else {
                    throw ModelValidationError(label, "has \(q.scales.count) per-channel scales, but dimension \(q.dimension) of shape \(t.shape) has \(t.shape[q.dimension]) channels")
                }
            }
        }
    }
}

extension OperatorOptions {
    /// Whether these options belong to `kind`; `.none` means "the defaults" for any kind.
    public func fits(_ kind: OperatorKind) -> Bool {
        switch (self, kind) {
        case (.none, _): true
        case (.fullyConnected, .fullyConnected): true
        case (.lstm, .unidirectionalSequenceLSTM): true
        case (.softmax, .softmax): true
        case (.stridedSlice, .stridedSlice): true
        case (.reshape, .reshape): true
        case (.elementwise, .add), (.elementwise, .mul): true
        default: false
        }
    }
}
