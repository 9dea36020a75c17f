import Foundation
import Testing

/// `sersim compare` and `sersim sweep`: real invocations of the binary built next to the
/// test runner (`swift build --build-tests` builds it); standard error is a pipe, not a TTY.
@Suite struct SweepCLITests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String
    }

    static func sersim(_ arguments: [String]) throws -> Output {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        if dir.path.hasSuffix(".xctest/Contents/MacOS") {
            dir = dir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        let binary = dir.appendingPathComponent("sersim")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw MissingBinary(description: "\(binary.path) is missing (build it with `swift build --build-tests`)")
        }
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    static let model = TradeoffFixtures.path("lstm_classifier")

    @Test func sweepWritesFilesAndPlainProgressOffATerminal() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("s.csv").path, svg = dir.appendingPathComponent("s.svg").path
        let r = try Self.sersim(["sweep", Self.model, "--board", "nano33ble", "--steps", "3,6", "--csv", csv,
                                 "--svg", svg])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("sweep of model: 2 configurations, 2 fit, 2 ran"))
        #expect(r.stdout.contains("CSV written to \(csv)"))
        // Not a TTY: one plain line per configuration, no bar, no carriage returns or escapes.
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("[1/2] ") || $0.hasPrefix("[2/2] ") })
        #expect(!r.stderr.contains("\r") && !r.stderr.contains("\u{1B}") && !r.stderr.contains("###"))
        #expect(try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count == 3)
        #expect(try String(contentsOfFile: svg, encoding: .utf8).hasPrefix("<svg"))

        let quiet = try Self.sersim(["sweep", Self.model, "--board", "nano", "--hidden", "8", "--quiet", "--json"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stderr.isEmpty)
        let json = try JSONSerialization.jsonObject(with: Data(quiet.stdout.utf8)) as? [String: Any]
        #expect(json?["schema"] as? String == "sersim-sweep/1")
    }

    @Test func badRangesBoardsAndClocksAreClearErrors() throws {
        let backwards = try Self.sersim(["sweep", Self.model, "--board", "stm32l476", "--clock", "64MHz...16MHz"])
        #expect(backwards.status == 1)
        #expect(backwards.stderr.contains("--clock 64MHz...16MHz: the start is above the end"))

        let outside = try Self.sersim(["sweep", Self.model, "--board", "nano33ble", "--clock", "16MHz...64MHz"])
        #expect(outside.status == 1)
        #expect(outside.stderr.contains("nano33ble runs at 64 MHz only"))

        let unknown = try Self.sersim(["compare", "--boards", "nano33ble,nosuchboard", Self.model])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no board named 'nosuchboard'"))

        let empty = try Self.sersim(["compare", "--boards", "nano33ble,", Self.model])
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("an empty board name"))

        let noModel = try Self.sersim(["compare", "--boards", "nano33ble", "/nonexistent/m.q8"])
        #expect(noModel.status == 1)
        #expect(noModel.stderr.contains("/nonexistent/m.q8"))

        let steps = try Self.sersim(["sweep", TradeoffFixtures.path("fc_only"), "--board", "nano33ble", "--steps", "4"])
        #expect(steps.status == 1)
        #expect(steps.stderr.contains("no sequence input"))
    }

    @Test func compareShowsBoardsThatDoNotFit() throws {
        let r = try Self.sersim(["compare", "--boards", "nano33ble,nano", Self.model, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n")
        #expect(rows.contains { $0.hasPrefix("nano33ble ") && $0.contains("yes") && $0.hasSuffix("✓") })
        #expect(rows.contains { $0.hasPrefix("nano ") && $0.contains("fit only") })
        #expect(r.stderr.isEmpty)
    }
}
