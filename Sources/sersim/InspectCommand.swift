import ArgumentParser
import Foundation
import QuantModel

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's operators, tensors, costs and tensor-arena size.",
        discussion: """
        Reads a .q8 or .tflite model (told apart by content, not extension) and
        prints, for every operator in execution order, its options, its operands
        with shapes and quantization (scale and zero point; per-channel scales as a
        range along their axis), and what it costs:

          MACs         multiply-accumulates of matrix products:
                       FULLY_CONNECTED batches × inputs × units; LSTM per
                       time step and batch, gates × units × (inputs +
                       outputs). A rough measure of work.
          elementwise  one per output element of ADD, MUL, LOGISTIC, TANH,
                       RELU, SOFTMAX, QUANTIZE, DEQUANTIZE; the LSTM's gate
                       products.
          weights      constant inputs (weights, biases): these live in flash.
          activations  non-constant inputs and outputs: in RAM while it runs.
          state        variable tensors (LSTM hidden and cell state), kept
                       between runs.

        The tensor arena is the RAM for activations, planned as TensorFlow Lite
        Micro plans it: each tensor lives from the operator that writes it to the
        last one that reads it, sizes are rounded up to 16 bytes, and a greedy
        planner places the largest buffers first so that buffers whose lifetimes do
        not overlap share memory. Kernel scratch buffers (the LSTM's four gate
        buffers) are included. "without reuse" shows what the same buffers need side
        by side. Variables are reported separately; TFLM's interpreter overhead
        (tensor structs, kernel data) is not included.

        Examples:
          sersim inspect Examples/ser/ser.q8
          sersim inspect model.tflite --json | python3 -m json.tool
        """
    )

    @Argument(help: "Model file (.q8 or .tflite).")
    var model: String

    @Flag(name: .long, help: "Print one JSON object (tensors, operators with costs, totals, arena plan with every buffer's offset and lifetime).")
    var json = false

    @Flag(name: .long, help: "Also list every tensor.")
    var tensors = false

    func run() throws {
        let loaded = try ModelLoader.loadWithDetails(model)
        let size = (try? FileManager.default.attributesOfItem(atPath: model))?[.size] as? Int
        let format = loaded.format == .q8 ? ".q8" : "TFLite"
        let inspection = try ModelInspection(model: loaded.model, format: format, fileBytes: size, notes: loaded.notes)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(inspection)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(inspection.text(allTensors: tensors), terminator: "")
        }
    }
}
