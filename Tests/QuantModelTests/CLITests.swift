import Foundation
import Testing
@testable import QuantModel

/// Real invocations of the `sersim` binary built next to this test bundle
/// (`swift build --build-tests` builds it): output and exit status.
@Suite struct CLITests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func sersim(_ arguments: [String]) throws -> Result {
        let binary = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("sersim")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw IOFixtures.FixtureMissing(name: "\(binary.path) (build it with `swift build --build-tests`)")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func importThenInspect() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tflite = try IOFixtures.url("lstm_tiny", "tflite").path
        let labels = dir.appendingPathComponent("labels.txt")
        try Data("calm\nangry\n".utf8).write(to: labels)
        let q8 = dir.appendingPathComponent("tiny.q8").path

        let imported = try Self.sersim(["import", tflite, "-o", q8, "--labels", labels.path])
        #expect(imported.status == 0)
        let size = try #require((try FileManager.default.attributesOfItem(atPath: q8))[.size] as? Int)
        #expect(imported.stdout == "wrote \(q8): \(size) bytes, 4 operators, 28 tensors, 2 labels\n")
        let written = try Q8File.read(q8)
        #expect(written.labels == ["calm", "angry"])
        #expect(written.description == "imported from lstm_tiny.tflite by sersim import; TFLite description: MLIR Converted.")
        #expect(written.operators == (try IOFixtures.model("lstm_tiny")).operators)
        #expect(imported.stderr.isEmpty)

        let text = try Self.sersim(["inspect", q8])
        #expect(text.status == 0)
        let inspection = try ModelInspection(model: Q8File.read(q8), format: ".q8",
                                             fileBytes: (try FileManager.default.attributesOfItem(atPath: q8))[.size] as? Int)
        #expect(text.stdout == inspection.text())
        #expect(text.stdout.contains("labels       calm, angry"))

        let json = try Self.sersim(["inspect", "--json", tflite])
        #expect(json.status == 0)
        let decoded = try JSONDecoder().decode(ModelInspection.self, from: Data(json.stdout.utf8))
        #expect(decoded.arena.arenaBytes == 112)
        #expect(decoded.totals.macs == 568)
    }

    @Test func errorsAreMessagesWithStatus() throws {
        let unsupported = try IOFixtures.url("conv_unsupported", "tflite").path
        let r = try Self.sersim(["inspect", unsupported])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "Error: \(unsupported): operator 0 is CONV_2D, which sersim does not support; supported operators: FULLY_CONNECTED, UNIDIRECTIONAL_SEQUENCE_LSTM, SOFTMAX, LOGISTIC, TANH, RELU, STRIDED_SLICE, RESHAPE, QUANTIZE, DEQUANTIZE, ADD, MUL\n")

        let missing = try Self.sersim(["import", "/no/such/model.tflite"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "Error: /no/such/model.tflite: no such file\n")

        let usage = try Self.sersim(["import", unsupported, "-o", "x.tflite"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("sersim writes .q8 files"))
    }
}
