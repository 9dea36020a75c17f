import Foundation
import SerSim
import Testing

/// The command line's report for the bundled example on the STM32F746 (the README's
/// quick start), text and JSON, against checked-in golden files
/// (`Tests/DeploymentTests/Golden/`). Volatile fields — the host time — are normalised.
/// When a change to kernels, timing or the report is intended, regenerate them with
/// `scripts/update-goldens` and review the diff.
@Suite struct GoldenCLITests {
    static let textArguments = ["run", "--board", "stm32f746", Checkout.serModel]
    static let jsonArguments = textArguments + ["--json"]

    @Test func textReport() async throws {
        let r = try await SharedRuns.shared.cli(Self.textArguments)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        #expect(!r.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.count <= 100 }, "the report should read in 100 columns")
        try Golden.check(Golden.normaliseText(r.stdout), file: "run-stm32f746.txt.golden",
                         command: "sersim " + Self.textArguments.joined(separator: " "))
    }

    /// A board where it does not fit (the ATmega328P): the fit verdict, what overflows by
    /// how much, what would help, exit status 2.
    static let notFittingArguments = ["run", "--board", "nano", Checkout.serModel]

    @Test func textReportWhereItDoesNotFit() async throws {
        let r = try await SharedRuns.shared.cli(Self.notFittingArguments)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.count <= 100 }, "the report should read in 100 columns")
        try Golden.check(Golden.normaliseText(r.stdout), file: "run-nano.txt.golden",
                         command: "sersim " + Self.notFittingArguments.joined(separator: " "),
                         note: "# Not run: nano is an AVR board (memory-fit verdict only); exit status 2.\n")
    }

    @Test func jsonReport() async throws {
        let r = try await SharedRuns.shared.cli(Self.jsonArguments)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let report = try ReportJSON.decode(r.stdout)
        #expect(report.schema == DeploymentReport.schemaVersion)
        #expect(report.hostSeconds > 0)
        #expect(report.hostEmulationSeconds > 0 && report.hostEmulationSeconds < report.hostSeconds)
        try Golden.check(Golden.normaliseJSON(r.stdout), file: "run-stm32f746.json.golden",
                         command: "sersim " + Self.jsonArguments.joined(separator: " "))
    }
}

/// Golden files: a `#` header saying what produced them, a `# ---` line, then the
/// expected output byte for byte.
enum Golden {
    static let directory = Checkout.root.appendingPathComponent("Tests/DeploymentTests/Golden")
    static let separator = "# ---\n"

    static func normaliseText(_ s: String) -> String {
        s.replacingOccurrences(of: #"host time [0-9]+(\.[0-9]+)? s"#, with: "host time <t> s", options: .regularExpression)
            .replacingOccurrences(of: #"emulation [0-9]+(\.[0-9]+)? s"#, with: "emulation <t> s", options: .regularExpression)
    }

    static func normaliseJSON(_ s: String) -> String {
        s.replacingOccurrences(of: #""host(Emulation)?Seconds" : [-+0-9.eE]+"#, with: #""host$1Seconds" : 0"#,
                               options: .regularExpression)
    }

    struct Mismatch: Error, CustomStringConvertible {
        var description: String
    }

    static let outputsNote = """
        # The outputs (18 -127 -19) equal TensorFlow Lite Micro's for this input
        # (Examples/ser/expected_output.json); BundledExampleOnEveryBoardTests checks that.

        """

    static func check(_ actual: String, file: String, command: String, note: String = outputsNote) throws {
        let url = directory.appendingPathComponent(file)
        let env = ProcessInfo.processInfo.environment
        if env["SERSIM_UPDATE_GOLDEN"] == "1" {
            let header = """
                # Golden output of `\(command)`, run in the checkout's root.
                # Generator: scripts/update-goldens (\(env["SERSIM_GOLDEN_PROVENANCE"] ?? "SERSIM_UPDATE_GOLDEN=1 swift test")).
                # Normalised: the host times (text "host time <t> s", "emulation <t> s"; JSON "hostSeconds" : 0, "hostEmulationSeconds" : 0).

                """ + note + """
                # Everything after the next line is compared byte for byte.

                """
            let contents = header + separator + actual
            // Unchanged apart from the generator line (which names the commit): keep the
            // file, so that regenerating identical goldens leaves the checkout clean.
            func withoutGenerator(_ s: String) -> String {
                s.split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.hasPrefix("# Generator: ") }.joined(separator: "\n")
            }
            if let old = try? String(contentsOf: url, encoding: .utf8), withoutGenerator(old) == withoutGenerator(contents) {
                return
            }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
            return
        }
        guard let golden = try? String(contentsOf: url, encoding: .utf8),
              let range = golden.range(of: "\n" + separator) else {
            throw Mismatch(description: "\(url.path) is missing or has no '# ---' line; run scripts/update-goldens")
        }
        let expected = String(golden[range.upperBound...])
        guard expected != actual else { return }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let i = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
        let context = (max(0, i - 2)..<min(max(e.count, a.count), i + 3)).map { n in
            "\(n + 1):\n  golden: \(n < e.count ? String(e[n]) : "<end>")\n  actual: \(n < a.count ? String(a[n]) : "<end>")"
        }.joined(separator: "\n")
        Issue.record(Comment(rawValue: "\(file) differs from `\(command)` first at line \(i + 1):\n\(context)\n"
                             + "If the change is intended, run scripts/update-goldens and review the diff."))
    }
}
