// Loads the golden fixtures written by tools/fixtures/generate.py: the graph of each model
// (model.json, built into a Model without the .tflite importer) and TFLM's vectors
// (vectors.json).

import Foundation
import QuantModel

struct GoldenFixture {
    struct Case {
        var name: String
        var inputs: [[Double]]
        var outputs: [[Double]]
        /// Operator outputs and variable tensors after the run, by tensor index.
        var tensors: [Int: [Double]]
    }

    struct Stream {
        var name: String
        var steps: [(inputs: [[Double]], outputs: [[Double]])]
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    var name: String
    var description: String
    var model: Model
    var cases: [Case]
    var streams: [Stream]

    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/golden")
    }

    static var allNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0)/model.json").path) }
            .sorted()
    }

    static func load(_ name: String) throws -> GoldenFixture {
        let dir = directory.appendingPathComponent(name)
        let graph = try JSONDecoder().decode(ModelFile.self, from: Data(contentsOf: dir.appendingPathComponent("model.json")))
        let vectors = try JSONDecoder().decode(VectorsFile.self, from: Data(contentsOf: dir.appendingPathComponent("vectors.json")))
        return GoldenFixture(
            name: name, description: graph.description, model: try graph.graph.model(name: name),
            cases: vectors.cases.map { c in
                Case(name: c.name, inputs: c.inputs, outputs: c.outputs,
                     tensors: Dictionary(uniqueKeysWithValues: c.tensors.map { (Int($0.key)!, $0.value) }))
            },
            streams: vectors.streams.map { s in Stream(name: s.name, steps: s.steps.map { ($0.inputs, $0.outputs) }) })
    }

    /// Fixture values as the typed values of `tensor`.
    static func values(_ numbers: [Double], like tensor: Tensor) -> TensorValues {
        switch tensor.type {
        case .int8: .int8(numbers.map { Int8($0) })
        case .int16: .int16(numbers.map { Int16($0) })
        case .int32: .int32(numbers.map { Int32($0) })
        default: .float32(numbers.map { Float($0) })
        }
    }

    func inputs(_ raw: [[Double]]) -> [TensorValues] {
        zip(model.inputs, raw).map { GoldenFixture.values($1, like: model.tensors[$0]) }
    }
}

// MARK: JSON layout

private struct ModelFile: Decodable {
    var description: String
    var graph: GraphJSON
}

private struct VectorsFile: Decodable {
    struct CaseJSON: Decodable {
        var name: String
        var inputs: [[Double]]
        var outputs: [[Double]]
        var tensors: [String: [Double]]
    }

    struct StreamJSON: Decodable {
        struct Step: Decodable {
            var inputs: [[Double]]
            var outputs: [[Double]]
        }

        var name: String
        var steps: [Step]
    }

    var cases: [CaseJSON]
    var streams: [StreamJSON]
}

private struct GraphJSON: Decodable {
    struct TensorJSON: Decodable {
        struct QuantJSON: Decodable {
            var scales: [Float]
            var zeroPoints: [Int64]
            var dimension: Int
        }

        var name: String
        var shape: [Int]
        var type: String
        var variable: Bool
        var quantization: QuantJSON?
        var data: String?
    }

    struct OptionsJSON: Decodable {
        var activation: String?
        var keepNumDims: Bool?
        var cellClip: Float?
        var projectionClip: Float?
        var timeMajor: Bool?
        var beta: Float?
        var beginMask: Int32?
        var endMask: Int32?
        var ellipsisMask: Int32?
        var newAxisMask: Int32?
        var shrinkAxisMask: Int32?
        var offset: Bool?
        var newShape: [Int]?
    }

    struct OperatorJSON: Decodable {
        var kind: String
        var inputs: [Int?]
        var outputs: [Int]
        var intermediates: [Int]
        var options: OptionsJSON
    }

    var tensors: [TensorJSON]
    var operators: [OperatorJSON]
    var inputs: [Int]
    var outputs: [Int]

    struct BadFixture: Error, CustomStringConvertible {
        var description: String
    }

    func model(name: String) throws -> Model {
        let tensors = try self.tensors.map { t -> Tensor in
            guard let type = ElementType(rawValue: t.type) else { throw BadFixture(description: "type \(t.type)") }
            let data = try t.data.map { b64 -> [UInt8] in
                guard let d = Data(base64Encoded: b64) else { throw BadFixture(description: "base64 of \(t.name)") }
                return [UInt8](d)
            }
            return Tensor(name: t.name, shape: t.shape, type: type,
                          quantization: t.quantization.map {
                              Quantization(scales: $0.scales, zeroPoints: $0.zeroPoints, dimension: $0.dimension)
                          },
                          data: data, isVariable: t.variable)
        }
        let operators = try self.operators.map { o -> Operator in
            guard let kind = OperatorKind(rawValue: o.kind) else { throw BadFixture(description: "operator \(o.kind)") }
            let activation = try o.options.activation.map { name -> FusedActivation in
                guard let a = FusedActivation(rawValue: name) else { throw BadFixture(description: "activation \(name)") }
                return a
            } ?? FusedActivation.none
            let p = o.options
            let options: OperatorOptions = switch kind {
            case .fullyConnected: .fullyConnected(FullyConnectedOptions(activation: activation, keepNumDims: p.keepNumDims ?? false))
            case .unidirectionalSequenceLSTM:
                .lstm(LSTMOptions(activation: activation, cellClip: p.cellClip ?? 0, projectionClip: p.projectionClip ?? 0,
                                  timeMajor: p.timeMajor ?? false))
            case .softmax: .softmax(beta: p.beta ?? 1)
            case .stridedSlice:
                .stridedSlice(StridedSliceOptions(beginMask: p.beginMask ?? 0, endMask: p.endMask ?? 0,
                                                  ellipsisMask: p.ellipsisMask ?? 0, newAxisMask: p.newAxisMask ?? 0,
                                                  shrinkAxisMask: p.shrinkAxisMask ?? 0, offset: p.offset ?? false))
            case .reshape: .reshape(newShape: p.newShape)
            case .add, .mul: .elementwise(activation: activation)
            default: .none
            }
            return Operator(kind: kind, inputs: o.inputs, outputs: o.outputs, intermediates: o.intermediates,
                            options: options)
        }
        return Model(name: name, tensors: tensors, operators: operators, inputs: inputs, outputs: outputs)
    }
}
