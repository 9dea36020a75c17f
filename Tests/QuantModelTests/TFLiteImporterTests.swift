import Foundation
import Testing
@testable import QuantModel

/// The importer against TensorFlow's own reading of converter-produced models.
@Suite struct TFLiteImporterTests {
    static let activations: [Int: FusedActivation] = [0: .none, 1: .relu, 2: .reluN1To1, 3: .relu6, 4: .tanh]

    @Test(arguments: IOFixtures.importable)
    func importMatchesTensorFlowReader(name: String) throws {
        let bytes = try IOFixtures.bytes(name)
        let want = try IOFixtures.expected(name)
        #expect(bytes.count == want.file_length)
        #expect(CRC32.checksum(bytes) == want.file_crc32)

        let model = try TFLiteImporter.importModel(bytes: bytes, name: name).model
        #expect(model.name == name)
        #expect(model.description == want.description)
        #expect(model.inputs == want.inputs)
        #expect(model.outputs == want.outputs)

        try #require(model.tensors.count == want.tensors.count)
        for (t, w) in zip(model.tensors, want.tensors) {
            #expect(t.name == w.name)
            #expect(t.shape == w.shape, "tensor \(w.index)")
            #expect(t.type.rawValue.uppercased() == w.type, "tensor \(w.index)")
            #expect(t.isVariable == w.is_variable, "tensor \(w.index)")
            if w.data_length == 0 || w.is_variable {
                #expect(t.data == nil, "tensor \(w.index)")
            } else {
                let data = try #require(t.data, "tensor \(w.index) has no data")
                #expect(data.count == w.data_length, "tensor \(w.index)")
                #expect(CRC32.checksum(data) == w.data_crc32, "tensor \(w.index)")
            }
            if let wq = w.quantization {
                let q = try #require(t.quantization, "tensor \(w.index) lost its quantization")
                #expect(q.scales == wq.scales.map { Float($0) }, "tensor \(w.index)")
                #expect(q.zeroPoints == wq.zero_points, "tensor \(w.index)")
                #expect(q.dimension == wq.dimension, "tensor \(w.index)")
            } else {
                #expect(t.quantization == nil, "tensor \(w.index)")
            }
        }

        try #require(model.operators.count == want.operators.count)
        for (op, w) in zip(model.operators, want.operators) {
            #expect(op.kind.rawValue == w.builtin)
            #expect(op.inputs == w.inputs.map { $0 == -1 ? nil : $0 }, "operator \(w.index)")
            #expect(op.outputs == w.outputs, "operator \(w.index)")
            #expect(op.intermediates == w.intermediates, "operator \(w.index)")
            #expect(op.name == model.tensors[w.outputs[0]].name)
            checkOptions(op, w)
        }

        #expect(model.signatures.count == want.signatures.count)
        for (s, w) in zip(model.signatures, want.signatures) {
            #expect(s.key == w.key)
            #expect(s.inputs.map(\.name) == w.inputs.map(\.name))
            #expect(s.inputs.map(\.tensor) == w.inputs.map(\.tensor))
            #expect(s.outputs.map(\.name) == w.outputs.map(\.name))
            #expect(s.outputs.map(\.tensor) == w.outputs.map(\.tensor))
        }
    }

    func checkOptions(_ op: Operator, _ w: IOFixtures.Expected.Op) {
        let o = w.options ?? [:]
        func activation() -> FusedActivation? { Self.activations[o["fusedActivationFunction"]?.int ?? 0] }
        switch op.options {
        case .fullyConnected(let fc):
            #expect(w.options_type == "FullyConnectedOptions")
            #expect(fc.activation == activation())
            #expect(fc.keepNumDims == (o["keepNumDims"]?.bool ?? false))
        case .lstm(let l):
            #expect(w.options_type == "UnidirectionalSequenceLSTMOptions")
            #expect(l.activation == activation())
            #expect(l.cellClip == Float(o["cellClip"]?.double ?? -1))
            #expect(l.projectionClip == Float(o["projClip"]?.double ?? -1))
            #expect(l.timeMajor == (o["timeMajor"]?.bool ?? false))
        case .softmax(let beta):
            #expect(beta == Float(o["beta"]?.double ?? -1))
        case .stridedSlice(let s):
            #expect(s.beginMask == Int32(o["beginMask"]?.int ?? -1))
            #expect(s.endMask == Int32(o["endMask"]?.int ?? -1))
            #expect(s.ellipsisMask == Int32(o["ellipsisMask"]?.int ?? -1))
            #expect(s.newAxisMask == Int32(o["newAxisMask"]?.int ?? -1))
            #expect(s.shrinkAxisMask == Int32(o["shrinkAxisMask"]?.int ?? -1))
            #expect(s.offset == (o["offset"]?.bool ?? false))
        case .elementwise(let a):
            #expect(a == activation())
        case .reshape(let newShape):
            // The converter passes the shape as a constant second input.
            #expect(op.kind == .reshape)
            if let shapeTensor = w.inputs.count > 1 ? w.inputs[1] : nil, shapeTensor >= 0 {
                #expect(newShape != nil)
            }
        case .none:
            #expect([.quantize, .dequantize, .logistic, .tanh, .relu].contains(op.kind))
        }
    }

    @Test func lstmStructure() throws {
        let model = try IOFixtures.model("lstm_tiny")
        let lstm = model.operators[0]
        #expect(lstm.kind == .unidirectionalSequenceLSTM)
        #expect(lstm.inputs.count == LSTMInput.count)
        #expect(lstm.intermediates.count == 5)
        // CIFG-free Keras LSTM: input gate present, no peepholes, projection or layer norm.
        for position in [LSTMInput.cellToInputWeights, LSTMInput.projectionWeights, LSTMInput.inputLayerNormCoefficients] {
            #expect(lstm.inputs[position] == nil)
        }
        let state = try #require(lstm.inputs[LSTMInput.outputState])
        let cell = try #require(lstm.inputs[LSTMInput.cellState])
        #expect(model.tensors[state].isVariable && model.tensors[cell].isVariable)
        #expect(model.tensors[cell].type == .int16)
        // The hidden-state weights are int8 [units, units].
        let recurrent = try #require(lstm.inputs[LSTMInput.recurrentToForgetWeights])
        #expect(model.tensors[recurrent].shape == [4, 4])
        #expect(model.tensors[recurrent].type == .int8)
        guard case .lstm(let options) = lstm.options else { Issue.record("no LSTM options"); return }
        #expect(options.cellClip == 10 && options.activation == .tanh && !options.timeMajor)
        // The dense layer after it is quantized per channel (one scale per output unit).
        let fc = model.operators[2]
        let weights = try #require(fc.inputs[1])
        #expect(model.tensors[weights].quantization?.isPerChannel == true)
        #expect(model.tensors[weights].quantization?.scales.count == 2)
    }

    @Test func timeMajorOption() throws {
        let model = try IOFixtures.model("lstm_time_major")
        guard case .lstm(let options) = model.operators[0].options else { Issue.record("no LSTM options"); return }
        #expect(options.timeMajor)
    }

    @Test func sharedBuffersShareStorage() throws {
        // The converter deduplicates identical constants (lstm_tiny: three bias tensors
        // share buffer 7); the importer gives them equal data.
        let want = try IOFixtures.expected("lstm_tiny")
        let model = try IOFixtures.model("lstm_tiny")
        let groups = Dictionary(grouping: want.tensors.filter { $0.data_length > 0 }, by: \.buffer)
        let shared = groups.values.filter { $0.count > 1 }
        #expect(!shared.isEmpty)
        for group in shared {
            let first = model.tensors[group[0].index].data
            for t in group { #expect(model.tensors[t.index].data == first) }
        }
    }

    @Test func unsupportedOperatorIsNamed() throws {
        let bytes = try IOFixtures.bytes("conv_unsupported")
        #expect(throws: TFLiteImportError.unsupportedOperator(index: 0, name: "CONV_2D",
                                                              supported: TFLiteImporter.supportedOperators)) {
            try TFLiteImporter.importModel(bytes: bytes, name: "conv")
        }
        do {
            _ = try TFLiteImporter.importModel(bytes: bytes, name: "conv")
        } catch {
            #expect(error.description.contains("operator 0 is CONV_2D"))
            #expect(error.description.contains("UNIDIRECTIONAL_SEQUENCE_LSTM"))
        }
    }

    @Test func unsupportedTypeIsNamed() throws {
        let bytes = try IOFixtures.bytes("float16_unsupported")
        let want = try IOFixtures.expected("float16_unsupported")
        let first = try #require(want.tensors.first { $0.type == "FLOAT16" })
        do {
            _ = try TFLiteImporter.importModel(bytes: bytes, name: "f16")
            Issue.record("float16 model imported")
        } catch let error {
            guard case .unsupportedTensorType(let index, let name, let type, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(index == first.index && name == first.name && type == "FLOAT16")
            #expect(error.description.contains("INT8"))
        }
    }

    /// Labels in TFLite Metadata, attached by tflite-support's MetadataPopulator
    /// (scripts/models/make_labels_fixture.py) and read back by its MetadataDisplayer.
    @Test func labelsFromTFLiteMetadata() throws {
        struct Info: Decodable { var labels: [String] }
        let info = try JSONDecoder().decode(Info.self, from: Data(contentsOf: IOFixtures.url("lstm_tiny_labels.labels", "json")))
        let result = try TFLiteImporter.importModel(bytes: IOFixtures.bytes("lstm_tiny_labels"), name: "l")
        #expect(result.model.labels == info.labels)
        #expect(result.notes.isEmpty)
        // Otherwise the same model as without metadata.
        var plain = try IOFixtures.model("lstm_tiny")
        plain.name = "l"
        plain.labels = info.labels
        #expect(result.model == plain)
        // A damaged archive costs the labels, with a note, not the model.
        var bytes = try IOFixtures.bytes("lstm_tiny_labels")
        bytes.removeLast(10)
        let damaged = try TFLiteImporter.importModel(bytes: bytes, name: "l")
        #expect(damaged.model.labels.isEmpty)
        #expect(damaged.notes.count == 1)
    }

    @Test func notATFLiteFile() {
        let bytes = Array("this is plainly some text, not a model".utf8)
        #expect(!TFLiteImporter.looksLikeTFLite(bytes))
        do {
            _ = try TFLiteImporter.importModel(bytes: bytes, name: "x")
            Issue.record("text imported")
        } catch {
            guard case .malformed(let e) = error else { Issue.record("unexpected \(error)"); return }
            #expect(e.reason.contains("identifier"))
        }
    }
}
