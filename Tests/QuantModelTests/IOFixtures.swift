import Foundation
import Testing
@testable import QuantModel

/// Fixtures under Fixtures/io, made by scripts/models/make_io_fixtures.py (see
/// Fixtures/io/PROVENANCE.json). Each <name>.json is TensorFlow's own reading of
/// <name>.tflite, so the importer is checked against a reader nobody here wrote.
enum IOFixtures {
    static let importable = ["lstm_tiny", "lstm_stacked", "lstm_time_major", "fc_float_io", "elementwise"]

    static func url(_ name: String, _ ext: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures/io") else {
            throw FixtureMissing(name: "\(name).\(ext)")
        }
        return url
    }

    static func bytes(_ name: String, _ ext: String = "tflite") throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name, ext)))
    }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: url(name, "json")))
    }

    static func model(_ name: String) throws -> Model {
        try TFLiteImporter.importModel(bytes: bytes(name), name: name).model
    }

    struct FixtureMissing: Error { var name: String }

    /// The JSON written by make_io_fixtures.py.
    struct Expected: Decodable {
        struct OperatorCode: Decodable { var builtin: String; var code: Int; var version: Int }
        struct Op: Decodable {
            var index: Int
            var builtin: String
            var inputs: [Int]
            var outputs: [Int]
            var intermediates: [Int]
            var options_type: String
            var options: [String: JSONValue]?
        }
        struct Quant: Decodable { var scales: [Double]; var zero_points: [Int64]; var dimension: Int }
        struct T: Decodable {
            var index: Int
            var name: String
            var shape: [Int]
            var type: String
            var is_variable: Bool
            var buffer: Int
            var data_length: Int
            var data_crc32: UInt32
            var quantization: Quant?
        }
        struct Binding: Decodable { var name: String; var tensor: Int }
        struct Signature: Decodable { var key: String; var inputs: [Binding]; var outputs: [Binding] }
        struct Arena: Decodable { var head_bytes: Int; var tail_bytes: Int }

        var schema_version: Int
        var description: String
        var operator_codes: [OperatorCode]
        var operators: [Op]
        var tensors: [T]
        var inputs: [Int]
        var outputs: [Int]
        var signatures: [Signature]
        var tflm_arena: Arena?
        var file_length: Int
        var file_crc32: UInt32
    }

    enum JSONValue: Decodable {
        case bool(Bool), number(Double), array([Double]), other

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else if let a = try? c.decode([Double].self) { self = .array(a) }
            else { self = .other }
        }

        var int: Int? { if case .number(let d) = self { Int(d) } else { nil } }
        var double: Double? { if case .number(let d) = self { d } else { nil } }
        var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    }
}

/// The error `body` throws, as `E`; records an issue when it throws nothing or another type.
func caught<E: Error>(_ type: E.Type, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> Void) -> E? {
    do {
        try body()
    } catch let e as E {
        return e
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        return nil
    }
    Issue.record("expected an error, none was thrown", sourceLocation: sourceLocation)
    return nil
}
