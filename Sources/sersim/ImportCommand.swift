import ArgumentParser
import Foundation
import QuantModel

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a .tflite model to sersim's .q8 format.",
        discussion: """
        Reads a TensorFlow Lite model converted with full-integer quantization (int8
        activations and weights, int32 biases, int16 LSTM cell state) and writes it
        as a .q8 file: the same graph, tensors, quantization and weights in sersim's
        own compact, checksummed format (docs/q8-format.md). `run`, `inspect` and
        `eval` accept either format; .q8 adds class labels and a provenance note,
        and a damaged file is detected by its checksums.

        Supported operators: \(TFLiteImporter.supportedOperators.joined(separator:
        ", ")). An operator or element type outside these is an error naming it and
        its index.

        LSTMs must be the fused UNIDIRECTIONAL_SEQUENCE_LSTM operator: build them
        with tf_keras (set TF_USE_LEGACY_KERAS=1 before importing TensorFlow); Keras
        3 LSTMs convert to a WHILE loop, which sersim does not run.

        The output is written atomically (a temporary file renamed into place).

        Examples:
          sersim import ser.tflite -o ser.q8 --labels labels.txt
          sersim import model.tflite            # writes model.q8 next to it
        """
    )

    @Argument(help: "Input model (.tflite, or a .q8 to rewrite with new labels or description).")
    var input: String

    @Option(name: [.short, .customLong("output")], help: "Output .q8 path (default: the input path with a .q8 extension).")
    var output: String?

    @Option(name: .long, help: "Text file of class labels, one per line, in output order.")
    var labels: String?

    @Option(name: .long, help: "Model name stored in the file (default: the input's base name).")
    var name: String?

    @Option(name: .long, help: "Description stored in the file (default: where it was imported from).")
    var description: String?

    func validate() throws {
        if let output, (output as NSString).pathExtension.lowercased() == "tflite" {
            throw ValidationError("the output \(output) ends in .tflite; sersim writes .q8 files (use -o model.q8)")
        }
        try OutputPaths.check([("--output", output)])
    }

    func run() throws {
        let loaded = try ModelLoader.loadWithDetails(input)
        var model = loaded.model
        for note in loaded.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        if let name { model.name = name }
        let base = (input as NSString).lastPathComponent
        if let description {
            model.description = description
        } else if loaded.format == .tflite {
            model.description = "imported from \(base) by sersim import"
                + (model.description.isEmpty ? "" : "; TFLite description: \(model.description)")
        }
        if let labels {
            guard let data = FileManager.default.contents(atPath: labels) else {
                throw CommandError("\(labels): cannot read the labels file")
            }
            model.labels = try Labels.parse(String(decoding: data, as: UTF8.self), path: labels, for: model)
        }

        let destination = output ?? ((input as NSString).deletingPathExtension + ".q8")
        if URL(fileURLWithPath: destination).standardizedFileURL == URL(fileURLWithPath: input).standardizedFileURL,
           loaded.format == .tflite {
            throw CommandError("the output \(destination) would overwrite the input \(input)")
        }
        try Q8File.write(model, to: destination)
        let size = (try? FileManager.default.attributesOfItem(atPath: destination))?[.size] as? Int ?? 0
        print("wrote \(destination): \(size) bytes, \(model.operators.count) operators, \(model.tensors.count) tensors"
              + (model.labels.isEmpty ? "" : ", \(model.labels.count) labels"))
    }
}

/// A failure reported as a plain message with exit status 1 (not a usage error).
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
