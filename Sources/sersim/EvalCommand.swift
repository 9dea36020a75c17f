import ArgumentParser
import Foundation
import QuantModel

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run a model on the host with sersim's reference kernels (the expected answer, no emulation).",
        discussion: """
            The reference kernels compute what TensorFlow Lite Micro's reference kernels compute, \
            byte for byte, so the outputs are what a correct deployment must produce.

            Inputs: a .npy file per model input, or CSV. Integer .npy files hold raw quantized \
            values (int8 for an int8 input); float .npy and CSV values are quantized with the \
            input tensor's scale and zero point. The file may omit a leading batch dimension of 1, \
            and may stack N inputs as [N, ...]: each is run separately with LSTM state reset first, \
            unless --stream keeps the state from one input to the next.

            Examples:
              sersim eval Examples/ser/ser.tflite --input Examples/ser/sample_input.npy
              sersim eval model.q8 --input batch.npy --stream --json
            """
    )

    @Argument(help: "Model file (.q8 or .tflite).")
    var model: String

    @Option(name: .long, help: "Input file (.npy or .csv); repeat once per model input, in order.")
    var input: [String] = []

    @Flag(name: .long, help: "Keep LSTM state across the inputs of a batch file (streaming).")
    var stream = false

    @Flag(name: .long, help: "Print one JSON object (key \"outputs\": raw values per output tensor).")
    var json = false

    @Option(name: .long, help: "Class names, one per line, for the output (default: the model's labels).")
    var labels: String?

    func validate() throws {
        guard !input.isEmpty else { throw ValidationError("give an input file with --input") }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func run() throws {
        let loaded: LoadedModel
        do { loaded = try ModelLoader.loadWithDetails(model) } catch { throw Failure(description: error.description) }
        let m = loaded.model
        guard input.count == m.inputs.count else {
            throw Failure(description: "\(model) has \(m.inputs.count) input(s) "
                + m.inputs.map { "\(m.tensors[$0].name) \(m.tensors[$0].shape)" }.joined(separator: ", ")
                + "; \(input.count) --input file(s) given")
        }
        var arrays: [NumericArray] = []
        var inputs: [[TensorValues]] = []
        for (path, index) in zip(input, m.inputs) {
            let bytes: [UInt8]
            do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw Failure(description: "\(path): cannot be read (\(error.localizedDescription))")
            }
            do {
                let array = NPY.looksLikeNPY(bytes) ? try NPY.decode(bytes, path: path)
                    : try CSV.decode(String(decoding: bytes, as: UTF8.self), path: path)
                arrays.append(array)
                inputs.append(try Evaluation.inputs(from: array, for: m.tensors[index], path: path))
            } catch {
                throw Failure(description: error.description)
            }
        }
        let runs: [Evaluation.Run]
        do { runs = try Evaluation.evaluate(m, inputs: inputs, stream: stream) } catch {
            throw Failure(description: "\(model): \(error.description)")
        }
        var classNames = m.labels
        if let labels {
            do {
                classNames = try String(contentsOfFile: labels, encoding: .utf8)
                    .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } catch {
                throw Failure(description: "\(labels): cannot be read (\(error.localizedDescription))")
            }
        }
        print(json ? jsonReport(m, format: loaded.format, arrays: arrays, runs: runs, labels: classNames)
                   : textReport(m, format: loaded.format, arrays: arrays, runs: runs, labels: classNames))
    }

    /// The index of the largest value and its label, when the output is one row of scores
    /// with as many labels.
    func top(_ values: [Double], labels: [String]) -> (index: Int, label: String?)? {
        guard let best = values.indices.max(by: { values[$0] < values[$1] }) else { return nil }
        return (best, labels.count == values.count ? labels[best] : nil)
    }

    func textReport(_ m: Model, format: ModelFileFormat, arrays: [NumericArray], runs: [Evaluation.Run],
                    labels: [String]) -> String {
        var lines: [String] = []
        let stateful = m.tensors.contains { $0.isVariable }
        let mode = !stateful ? "" : runs.count == 1 ? ", LSTM state reset"
            : stream ? ", LSTM state kept across inputs (--stream)" : ", LSTM state reset before each input"
        lines.append("\(model) (\(format.rawValue)): \(runs.count) input\(runs.count == 1 ? "" : "s")\(mode), "
            + "reference kernels (bit-exact with TFLM)")
        for (n, (index, array)) in zip(m.inputs, arrays).enumerated() {
            let t = m.tensors[index]
            let how = array.kind == .integer || t.type == .float32 ? "raw values"
                : "quantized with scale \(t.quantization?.scale ?? 0), zero point \(t.quantization?.zeroPoint ?? 0)"
            lines.append("input \(n): \(t.name) \(t.shape) \(t.type.rawValue) <- \(input[n]) "
                + "(\(array.sourceType) \(array.shape), \(how))")
        }
        for (r, run) in runs.enumerated() {
            if runs.count > 1 { lines.append("run \(r):") }
            let indent = runs.count > 1 ? "  " : ""
            for (n, (index, values)) in zip(m.outputs, run.outputs).enumerated() {
                let t = m.tensors[index]
                lines.append("\(indent)output \(n): \(t.name) \(t.shape) \(t.type.rawValue): "
                    + values.doubles.map { t.type == .float32 ? String(format: "%.6g", $0) : String(Int($0)) }
                        .joined(separator: " "))
                if t.type != .float32, t.quantization != nil {
                    let real = Evaluation.dequantized(values, tensor: t)
                    lines.append("\(indent)  dequantized: " + real.map { String(format: "%.4f", $0) }.joined(separator: " "))
                    if real.count > 1, real.count <= 64, let best = top(real, labels: labels) {
                        lines.append("\(indent)  top: \(best.index)" + (best.label.map { " \($0)" } ?? "")
                            + String(format: " (%.4f)", real[best.index]))
                    }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    func jsonReport(_ m: Model, format: ModelFileFormat, arrays: [NumericArray], runs: [Evaluation.Run],
                    labels: [String]) -> String {
        var outputs: [[Double]] = Array(repeating: [], count: m.outputs.count)
        var dequantized: [[Double]] = Array(repeating: [], count: m.outputs.count)
        var results: [[String: Any]] = []
        for (r, run) in runs.enumerated() {
            var runOutputs: [[Double]] = []
            var runReal: [[Double]] = []
            var entry: [String: Any] = ["run": r]
            for (n, (index, values)) in zip(m.outputs, run.outputs).enumerated() {
                let real = Evaluation.dequantized(values, tensor: m.tensors[index])
                outputs[n] += values.doubles
                dequantized[n] += real
                runOutputs.append(values.doubles)
                runReal.append(real)
                if n == 0, real.count > 1, let best = top(real, labels: labels) {
                    var t: [String: Any] = ["index": best.index, "value": real[best.index]]
                    if let label = best.label { t["label"] = label }
                    entry["top"] = t
                }
            }
            entry["outputs"] = runOutputs.map { $0.map(jsonNumber) }
            entry["dequantized"] = runReal
            results.append(entry)
        }
        let object: [String: Any] = [
            "model": model,
            "format": format.rawValue,
            "kernels": "reference (bit-exact with TensorFlow Lite Micro)",
            "stream": stream,
            "runs": runs.count,
            "outputs": outputs.map { $0.map(jsonNumber) },
            "outputShapes": m.outputs.map { (runs.count == 1 ? [] : [runs.count]) + m.tensors[$0].shape },
            "outputTensors": m.outputs.map { index -> [String: Any] in
                let t = m.tensors[index]
                var d: [String: Any] = ["index": index, "name": t.name, "type": t.type.rawValue, "shape": t.shape]
                if let q = t.quantization { d["scale"] = Double(q.scale); d["zeroPoint"] = q.zeroPoint }
                return d
            },
            "dequantized": dequantized,
            "results": results,
            "labels": labels,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Integral values as JSON integers, others as numbers.
    func jsonNumber(_ x: Double) -> Any {
        x.rounded() == x && abs(x) < 1e15 ? Int(x) as Any : x as Any
    }
}
