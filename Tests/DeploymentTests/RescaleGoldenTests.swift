import Foundation
import QuantModel
import Testing
@testable import Deployment

/// Rescaled models checked against TensorFlow Lite Micro: `Golden/rescaled_golden.json` holds
/// TFLM's outputs for models that `tools/fixtures/rescaled_golden.py` had sersim rescale
/// (`sersim sweep --save-models`) and then ran through TFLM's interpreter. Here the same
/// rescaling is deployed on emulated cores with and without DSP instructions; the outputs must
/// equal TFLM's byte for byte.
@Suite struct RescaleGoldenTests {
    struct Fixture: Decodable {
        struct Provenance: Decodable {
            var generator: String
            var tflite_micro: String
        }

        struct Variant: Decodable {
            var fixture: String
            var model: String
            var hiddenSize: Int?
            var sequenceLength: Int?
            var rescaledName: String
            var inputs: [[Int]]
            var outputs: [[Int]]
        }

        var provenance: Provenance
        var variants: [Variant]
    }

    static func fixture() throws -> Fixture {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Golden/rescaled_golden.json"))
        return try JSONDecoder().decode(Fixture.self, from: data)
    }

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func fixtureSaysWhatMadeIt() throws {
        let f = try Self.fixture()
        #expect(f.provenance.generator == "tools/fixtures/rescaled_golden.py (sersim)")
        #expect(!f.provenance.tflite_micro.isEmpty)
        #expect(f.variants.count >= 5)
    }

    @Test(arguments: ["nano33ble", "nano-rp2040"])
    func rescaledModelsMatchTFLM(board name: String) throws {
        let board = try BoardLibrary.load(name)
        for v in try Self.fixture().variants {
            let original = try ModelLoader.load(Self.repository.appendingPathComponent(v.model).path)
            let rescaled = try ModelRescaler(original).rescaled(hiddenSize: v.hiddenSize, sequenceLength: v.sequenceLength)
            // The same model the generator gave TFLM (a changed rescaler needs the script re-run).
            #expect(rescaled.model.name == v.rescaledName)
            let input = v.inputs.map { $0.map { UInt8(bitPattern: Int8(truncatingIfNeeded: $0)) } }
            let report = try Deployment(model: rescaled.model, board: board,
                                        options: DeploymentOptions(input: .bytes(input))).run()
            #expect(report.executed)
            #expect(report.outputs.map(\.values) == v.outputs,
                    "\(v.rescaledName) on \(name): re-run tools/fixtures/rescaled_golden.py if the rescaler changed")
        }
    }
}
