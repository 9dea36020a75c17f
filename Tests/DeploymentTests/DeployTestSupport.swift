import Foundation
import SerSim
import Testing

/// Paths in this checkout, from this file's location (`Tests/DeploymentTests/…`).
enum Checkout {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DeploymentTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // checkout

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The bundled example, as the README's quick start names it (relative to the checkout).
    static let serModel = "Examples/ser/ser.q8"

    /// A fresh directory for one test process's files.
    static let scratch: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-deploy-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()
}

/// What TensorFlow Lite Micro computed for the bundled sample
/// (`Examples/ser/expected_output.json`, written by `tools/fixtures/ser_example.py` with
/// the tflite-micro Python interpreter): the oracle the emulated outputs must equal.
enum TFLMReference {
    struct File: Decodable {
        var outputs: [[Int]]
        var labels: [String]
    }

    static func serOutputs() throws -> File {
        let data = try Data(contentsOf: URL(fileURLWithPath: Checkout.path("Examples/ser/expected_output.json")))
        return try JSONDecoder().decode(File.self, from: data)
    }
}

struct CLIResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

struct SerSimBinaryMissing: Error, CustomStringConvertible {
    var path: String
    var description: String { "\(path) is missing: build it with `swift build --build-tests`" }
}

/// Real invocations of the `sersim` binary that `swift build --build-tests` puts next to
/// the test runner, run in the checkout's root so relative paths read as in the README.
enum SerSimCLI {
    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if dir.path.hasSuffix(".xctest/Contents/MacOS") {
            dir = dir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        return dir.appendingPathComponent("sersim")
    }

    static func run(_ arguments: [String]) throws -> CLIResult {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw SerSimBinaryMissing(path: binary.path) }
        return try Tool.run(binary.path, arguments)
    }
}

enum Tool {
    /// Runs a program to completion; both pipes are drained concurrently so a chatty
    /// stderr cannot block it.
    static func run(_ executable: String, _ arguments: [String], in directory: URL = Checkout.root) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = directory
        p.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The full path of a program on $PATH, if any.
    static func which(_ name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Emulated runs of the bundled example, each done once per test process and shared by
/// the tests that look at it (a debug build runs the ~16 M instructions in 10–20 s).
actor SharedRuns {
    static let shared = SharedRuns()

    private var cliRuns: [[String]: Task<CLIResult, any Error>] = [:]
    private var reports: [String: Task<DeploymentReport, any Error>] = [:]

    func cli(_ arguments: [String]) async throws -> CLIResult {
        if let t = cliRuns[arguments] { return try await t.value }
        let t = Task.detached { try SerSimCLI.run(arguments) }
        cliRuns[arguments] = t
        return try await t.value
    }

    /// `sersim run --board <board> Examples/ser/ser.q8 --json`, decoded; nil when the
    /// command failed (the caller reports its output).
    func cliReport(board: String) async throws -> (CLIResult, DeploymentReport?) {
        let r = try await cli(["run", "--board", board, Checkout.serModel, "--json"])
        return (r, try? ReportJSON.decode(r.stdout))
    }

    /// `Deployment(model: Examples/ser/ser.q8, board:).run()` in this process.
    func report(board: String) async throws -> DeploymentReport {
        if let t = reports[board] { return try await t.value }
        let t = Task.detached { try Deployment(model: Checkout.path(Checkout.serModel), board: board).run() }
        reports[board] = t
        return try await t.value
    }
}

enum ReportJSON {
    static func decode(_ text: String) throws -> DeploymentReport {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                        nan: "nan")
        return try decoder.decode(DeploymentReport.self, from: Data(text.utf8))
    }
}
