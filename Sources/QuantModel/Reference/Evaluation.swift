// Host evaluation of a model with the reference interpreter: turning user input files into
// input tensors and running them, independently (LSTM state reset before each input, like
// calling TFLM's reset()) or as one stream (state carried across inputs). The library side
// of `sersim eval`.

import Foundation

public enum Evaluation {
    /// The outputs of one invocation.
    public struct Run: Sendable, Equatable {
        public var outputs: [TensorValues]
    }

    /// The inputs an array holds for the model input `tensor`: one, or N when the array has
    /// an extra leading dimension of N. A leading batch dimension of 1 in the model may be
    /// omitted in the file. CSV files hold consecutive inputs, flattened.
    ///
    /// Integer arrays are taken as raw quantized values (and must fit the tensor type);
    /// floating-point arrays are quantized with the tensor's scale and zero point
    /// (round(x / scale) + zero point, saturated to the type's range).
    public static func inputs(from array: NumericArray, for tensor: Tensor, path: String) throws(InputFileError) -> [TensorValues] {
        let count = tensor.elementCount
        guard count > 0 else { throw InputFileError(path: path, "the model input \(tensor.name) has no elements") }
        let runs: Int
        let shape = tensor.shape
        let dataShape = array.shape
        let withoutBatch = shape.first == 1 ? Array(shape.dropFirst()) : nil
        if array.sourceType == "csv" {
            guard array.values.count % count == 0, !array.values.isEmpty else {
                throw InputFileError(path: path, "holds \(array.values.count) numbers; the model input \(tensor.name) "
                    + "\(shape) takes \(count) per input")
            }
            runs = array.values.count / count
        } else if dataShape == shape || (withoutBatch != nil && dataShape == withoutBatch!) {
            runs = 1
        } else if let n = dataShape.first, Array(dataShape.dropFirst()) == shape
                    || (withoutBatch != nil && Array(dataShape.dropFirst()) == withoutBatch!) {
            runs = n
        } else {
            let accepted = [shape, withoutBatch].compactMap { $0 }.map { "\($0)" }.joined(separator: " or ")
            throw InputFileError(path: path, "has shape \(dataShape); the model input \(tensor.name) needs \(accepted), "
                + "or N of them stacked as [N, ...]")
        }
        guard runs > 0 else { throw InputFileError(path: path, "holds no inputs (shape \(dataShape))") }

        var result: [TensorValues] = []
        for r in 0..<runs {
            let slice = Array(array.values[(r * count)..<((r + 1) * count)])
            result.append(try convert(slice, kind: array.kind, to: tensor, path: path))
        }
        return result
    }

    static func convert(_ values: [Double], kind: NumericArray.Kind, to tensor: Tensor,
                        path: String) throws(InputFileError) -> TensorValues {
        switch tensor.type {
        case .float32:
            return .float32(values.map { Float($0) })
        case .int8, .int16:
            let lo: Double = tensor.type == .int8 ? -128 : -32768
            let hi: Double = tensor.type == .int8 ? 127 : 32767
            var raw: [Int32] = []
            raw.reserveCapacity(values.count)
            if kind == .integer {
                for (i, v) in values.enumerated() {
                    guard v >= lo, v <= hi else {
                        throw InputFileError(path: path, "element \(i) is \(Int64(v)), outside \(tensor.type.rawValue); "
                            + "integer files hold raw quantized values (use floats to have them quantized)")
                    }
                    raw.append(Int32(v))
                }
            } else {
                guard let q = tensor.quantization, q.scales.count == 1, q.scale > 0 else {
                    throw InputFileError(path: path, "the model input \(tensor.name) has no per-tensor quantization to "
                        + "quantize float values with")
                }
                let zero = Double(q.zeroPoint)
                for (i, v) in values.enumerated() {
                    guard !v.isNaN else { throw InputFileError(path: path, "element \(i) is NaN") }
                    // As TFLM's AffineQuantize (division and rounding in float), but saturating.
                    let r = Double((Float(v) / q.scale).rounded())
                    raw.append(Int32(min(max(r + zero, lo), hi)))
                }
            }
            return tensor.type == .int8 ? .int8(raw.map { Int8($0) }) : .int16(raw.map { Int16($0) })
        default:
            throw InputFileError(path: path, "the model input \(tensor.name) is \(tensor.type.rawValue), which sersim eval "
                + "cannot fill")
        }
    }

    /// Runs `inputs[i][r]` (model input i, run r) through the model. Every model input must
    /// provide the same number of runs. Without `stream`, LSTM state is reset before each
    /// run; with it, state carries over from run to run (as a streaming deployment would).
    public static func evaluate(_ model: Model, inputs: [[TensorValues]], stream: Bool) throws(ReferenceError) -> [Run] {
        guard inputs.count == model.inputs.count else {
            throw ReferenceError("the model has \(model.inputs.count) input(s); \(inputs.count) given")
        }
        let runCount = inputs.first?.count ?? 1
        guard inputs.allSatisfy({ $0.count == runCount }) else {
            throw ReferenceError("the input files hold different numbers of inputs: "
                + inputs.map { String($0.count) }.joined(separator: ", "))
        }
        var interpreter = try ReferenceInterpreter(model: model)
        var runs: [Run] = []
        for r in 0..<runCount {
            if !stream { interpreter.reset() }
            let outputs = try interpreter.invoke(inputs.map { $0[r] })
            runs.append(Run(outputs: outputs))
        }
        return runs
    }

    /// Real values of an output: scale * (q - zero point) for a quantized tensor.
    public static func dequantized(_ values: TensorValues, tensor: Tensor) -> [Double] {
        guard let q = tensor.quantization, q.scales.count == 1, values.elementType != .float32 else { return values.doubles }
        return values.doubles.map { Double(q.scale) * ($0 - Double(q.zeroPoint)) }
    }
}
