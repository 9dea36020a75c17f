import Foundation
import Testing
@testable import QuantModel

@Suite struct InspectionTests {
    @Test func lstmTinyReport() throws {
        let model = try IOFixtures.model("lstm_tiny")
        let inspection = try ModelInspection(model: model, format: "TFLite", fileBytes: 4312)
        let text = inspection.text()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "model        lstm_tiny  (TFLite, 4,312 B (4.2 KiB))")
        #expect(lines.contains("operators (4)"))
        #expect(lines.contains { $0.hasPrefix("   0  UNIDIRECTIONAL_SEQUENCE_LSTM  activation=tanh cell_clip=10.0") })
        #expect(lines.contains("       MACs 560 · elementwise 60 · weights 176 B · activations 35 B · state 12 B"))
        #expect(lines.contains { $0.contains("recurrent_to_forget_weights") && $0.contains("int8 [4,4]") && $0.contains("const") })
        #expect(lines.contains { $0.contains("weights ") && $0.contains("per-channel(2, axis 0)") })
        #expect(lines.contains("  MACs              568   (multiply-accumulates of matrix products per inference)"))
        #expect(lines.contains("  planned           112 B   with lifetime-based reuse"))
        #expect(lines.contains("  without reuse     160 B"))
        #expect(lines.contains { $0.hasPrefix("  live per step     16 112 48 32 32") })
        // Roles of tensors.
        #expect(inspection.tensors[0].role == "input")
        #expect(inspection.tensors[17].role == "variable")
        #expect(inspection.tensors[19].role == "intermediate")
        #expect(inspection.tensors[27].role == "output")
    }

    @Test func jsonRoundTrip() throws {
        let inspection = try ModelInspection(model: try IOFixtures.model("lstm_stacked"), format: "TFLite")
        let data = try JSONEncoder().encode(inspection)
        #expect(try JSONDecoder().decode(ModelInspection.self, from: data) == inspection)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let arena = try #require(object["arena"] as? [String: Any])
        #expect(arena["arenaBytes"] as? Int == inspection.arena.arenaBytes)
        #expect((object["operators"] as? [Any])?.count == 3)
    }

    @Test func labels() throws {
        let model = try IOFixtures.model("lstm_tiny")  // output [1, 2]
        #expect(try Labels.parse("yes\r\n no \n\n", path: "l.txt", for: model) == ["yes", "no"])
        #expect(throws: LabelsError.self) { try Labels.parse("a\nb\nc\n", path: "l.txt", for: model) }
        #expect(throws: LabelsError.self) { try Labels.parse("a\n\nb\n", path: "l.txt", for: model) }
        #expect(throws: LabelsError.self) { try Labels.parse("\n", path: "l.txt", for: model) }
        let e = caught(LabelsError.self) { _ = try Labels.parse("a\nb\nc", path: "l.txt", for: model) }
        #expect(e?.description == "l.txt: has 3 labels, but output tensor 27 'StatefulPartitionedCall:0' has 2 classes (shape [1, 2])")
    }
}
