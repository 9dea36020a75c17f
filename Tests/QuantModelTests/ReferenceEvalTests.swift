// sersim eval's library side (NPY/CSV reading, input conversion, reset vs stream) and the
// command itself, run as a process.

import Foundation
import QuantModel
import Testing

@Suite struct ReferenceNPYTests {
    @Test func roundTripsWhatItWrites() throws {
        let cases: [([Int], TensorValues)] = [
            ([2, 3], .int8([-128, -1, 0, 1, 2, 127])),
            ([4], .int16([-32768, -2, 3, 32767])),
            ([1, 2, 2], .float32([0.5, -1.25, 3e-8, 1000])),
        ]
        for (shape, values) in cases {
            let bytes = NPY.encode(shape: shape, values: values)
            #expect((bytes.count - values.littleEndianBytes.count) % 64 == 0, "data starts on a 64-byte boundary")
            let array = try NPY.decode(bytes, path: "x.npy")
            #expect(array.shape == shape)
            #expect(array.values == values.doubles)
        }
    }

    /// np.save (numpy 2.4.6) of the same arrays gives exactly these bytes.
    @Test func writesWhatNumpyWrites() {
        let int8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnfGkxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAg"
            + "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqA/wABAn8="
        let float32 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAg"
            + "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwA=="
        #expect(NPY.encode(shape: [2, 3], values: .int8([-128, -1, 0, 1, 2, 127])) == [UInt8](Data(base64Encoded: int8)!))
        #expect(NPY.encode(shape: [2], values: .float32([1.5, -2])) == [UInt8](Data(base64Encoded: float32)!))
    }

    /// The bytes numpy 2.4.6 writes for np.array([[1, -2], [300, -40000]], dtype='>i4') with
    /// np.lib.format.write_array(..., version=(2, 0)).
    @Test func readsVersion2BigEndian() throws {
        let bytes = [UInt8](Data(base64Encoded: "k05VTVBZAgB0AAAAeydkZXNjcic6ICc+aTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAn"
            + "c2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAB"
            + "/////gAAASz//2PA")!)
        let array = try NPY.decode(bytes, path: "be.npy")
        #expect(array.shape == [2, 2])
        #expect(array.values == [1, -2, 300, -40000])
        #expect(array.kind == .integer)
    }

    @Test func rejectsWhatItCannotRead() {
        let good = NPY.encode(shape: [2, 2], values: .int8([1, 2, 3, 4]))
        func error(_ bytes: [UInt8]) -> String {
            do {
                _ = try NPY.decode(bytes, path: "f.npy")
                return ""
            } catch {
                return error.description
            }
        }
        #expect(error(Array(good.dropLast())).contains("needs 4"))
        #expect(error(Array(good.prefix(9))).contains("not a .npy"))
        #expect(error([0x93] + Array("NUMPX".utf8) + Array(good.dropFirst(6))).contains("not a .npy"))
        /// `good` with the header text `old` replaced by `new` (same length).
        func patched(_ old: String, _ new: String) -> [UInt8] {
            var bytes = good
            let o = Array(old.utf8)
            guard let at = (0...(bytes.count - o.count)).first(where: { Array(bytes[$0..<($0 + o.count)]) == o }) else {
                return bytes
            }
            bytes.replaceSubrange(at..<(at + o.count), with: Array(new.utf8))
            return bytes
        }
        #expect(error(patched("False", "True ")).contains("Fortran order"))
        #expect(error(patched("|i1", "<c8")).contains("unsupported element type"))
        var future = good
        future[6] = 9
        #expect(error(future).contains("version 9.0"))
    }

    @Test func readsCSV() throws {
        let a = try CSV.decode("f0,f1,f2\n# comment\n1, 2.5, -3\n\n4;5;6\n", path: "x.csv")
        #expect(a.shape == [2, 3])
        #expect(a.values == [1, 2.5, -3, 4, 5, 6])
        #expect(throws: InputFileError.self) { try CSV.decode("1,2\n3,x\n", path: "x.csv") }
        do {
            _ = try CSV.decode("1,2\n3,x\n", path: "x.csv")
        } catch {
            #expect(error.description == "x.csv: line 2: 'x' is not a number")
        }
        func message(_ text: String) -> String {
            do { _ = try CSV.decode(text, path: "x.csv"); return "decoded" } catch { return error.description }
        }
        #expect(message("1,2\n3,\(String(repeating: "y", count: 40))\n") == "x.csv: line 2: '\(String(repeating: "y", count: 24))…' is not a number")
        // A binary file is named as such rather than quoted.
        let binary = "x.csv: holds binary data, not CSV text (give a .npy file, or numbers separated by commas)"
        #expect(message(String(decoding: [0x31, 0x2C, 0xFF, 0xFE, 0x0A], as: UTF8.self)) == binary)
        #expect(message("1,2\u{0}3\n") == binary)
        #expect(message("1\t2\r\n3\t4\r\n") != binary)
    }
}

@Suite struct ReferenceEvaluationTests {
    let tensor = Tensor(name: "in", shape: [1, 2, 3], type: .int8, quantization: Quantization(scale: 0.5, zeroPoint: -3))

    @Test func acceptsTheInputShapeWithOrWithoutTheBatchOfOne() throws {
        for shape in [[1, 2, 3], [2, 3]] {
            let a = NumericArray(shape: shape, values: [1, 2, 3, 4, 5, 6], kind: .integer, sourceType: "|i1")
            #expect(try Evaluation.inputs(from: a, for: tensor, path: "x") == [.int8([1, 2, 3, 4, 5, 6])])
        }
        let stacked = NumericArray(shape: [2, 2, 3], values: (0..<12).map(Double.init), kind: .integer, sourceType: "|i1")
        #expect(try Evaluation.inputs(from: stacked, for: tensor, path: "x").count == 2)
        let wrong = NumericArray(shape: [3, 2], values: [1, 2, 3, 4, 5, 6], kind: .integer, sourceType: "|i1")
        #expect(throws: InputFileError.self) { try Evaluation.inputs(from: wrong, for: tensor, path: "x") }
    }

    @Test func quantizesFloatsAndChecksRawIntegers() throws {
        // 1.25 / 0.5 = 2.5 rounds away from zero to 3, + (-3) = 0; 1000 saturates.
        let f = NumericArray(shape: [2, 3], values: [1.25, -1.25, 0, 1000, -1000, 0.2], kind: .floatingPoint, sourceType: "<f8")
        #expect(try Evaluation.inputs(from: f, for: tensor, path: "x") == [.int8([0, -6, -3, 127, -128, -3])])
        let nan = NumericArray(shape: [2, 3], values: [0, 0, .nan, 0, 0, 0], kind: .floatingPoint, sourceType: "<f4")
        #expect(throws: InputFileError.self) { try Evaluation.inputs(from: nan, for: tensor, path: "x") }
        let big = NumericArray(shape: [2, 3], values: [0, 0, 0, 0, 0, 128], kind: .integer, sourceType: "<i4")
        do {
            _ = try Evaluation.inputs(from: big, for: tensor, path: "x.npy")
            Issue.record("128 does not fit int8")
        } catch {
            #expect(error.description.contains("element 5 is 128"))
        }
    }

    @Test func resetsStateUnlessStreaming() throws {
        let fixture = try GoldenFixture.load("lstm_tiny")
        let stream = try #require(fixture.streams.first)
        let inputs = [stream.steps.map { fixture.inputs($0.inputs)[0] }]
        let streamed = try Evaluation.evaluate(fixture.model, inputs: inputs, stream: true)
        let independent = try Evaluation.evaluate(fixture.model, inputs: inputs, stream: false)
        for (step, run) in zip(stream.steps, streamed) {
            #expect(mismatch(run.outputs[0], step.outputs[0]) == nil)
        }
        // The first input sees reset state either way; later ones differ without the state.
        #expect(independent[0] == streamed[0])
        #expect(independent[1...] != streamed[1...])
        // Reset runs equal a fresh interpreter's.
        for (r, run) in independent.enumerated() {
            var fresh = try ReferenceInterpreter(model: fixture.model)
            #expect(try fresh.invoke([inputs[0][r]]) == run.outputs)
        }
    }
}

/// Runs the built `sersim` executable (next to the test bundle in the build directory).
func runSersim(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let bin = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("sersim")
    guard FileManager.default.isExecutableFile(atPath: bin.path) else {
        throw GoldenFixture.Missing(description: "\(bin.path) is not built; run `swift build --build-tests` first")
    }
    let process = Process()
    process.executableURL = bin
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

@Suite struct ReferenceEvalCommandTests {
    func temporary(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-eval-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func jsonOutputsAreTFLMsForEachInputOfABatch() throws {
        let fixture = try GoldenFixture.load("lstm_classifier")
        let model = GoldenFixture.directory.appendingPathComponent("lstm_classifier/model.tflite").path
        let cases = Array(fixture.cases.prefix(3))
        let shape = fixture.model.tensors[fixture.model.inputs[0]].shape
        let batch = NPY.encode(shape: [cases.count] + shape,
                               values: .int8(cases.flatMap { $0.inputs[0] }.map { Int8($0) }))
        let path = try temporary("batch.npy", batch)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try runSersim(["eval", model, "--input", path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let outputs = try #require(object["outputs"] as? [[Int]])
        #expect(outputs == [cases.flatMap { $0.outputs[0].map { Int($0) } }])
        #expect(object["runs"] as? Int == cases.count)
    }

    @Test func badInputsAreClearErrors() throws {
        let model = GoldenFixture.directory.appendingPathComponent("lstm_tiny/model.tflite").path
        let wrongShape = try temporary("wrong.npy", NPY.encode(shape: [4, 3], values: .int8(Array(repeating: 0, count: 12))))
        defer { try? FileManager.default.removeItem(atPath: wrongShape) }
        let r1 = try runSersim(["eval", model, "--input", wrongShape])
        #expect(r1.status != 0)
        #expect(r1.stderr.contains("\(wrongShape): has shape [4, 3]; the model input"))
        let r2 = try runSersim(["eval", "/nonexistent/model.tflite", "--input", wrongShape])
        #expect(r2.status != 0)
        #expect(r2.stderr.contains("/nonexistent/model.tflite: no such file"))
        let r3 = try runSersim(["eval", model])
        #expect(r3.status != 0)
        #expect(r3.stderr.contains("--input"))
    }
}
