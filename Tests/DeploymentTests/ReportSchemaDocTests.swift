@testable import Deployment
import Foundation
import SerSim
import Testing

/// docs/report-schema.md against the JSON encoder: every key the encoder emits is
/// documented, and every documented key is still emitted. The report is the golden
/// stm32f746 report (checked against the command line by GoldenCLITests) with every
/// optional field and every empty array filled, so that no key hides behind a nil.
@Suite struct ReportSchemaDocTests {
    /// Objects whose keys are data (region names, stall causes), documented as maps.
    static let maps: Set<String> = ["memoryStats.accessesByRegion", "memoryStats.stallCycles"]

    static func documentedKeys() throws -> (keys: Set<String>, text: String) {
        let text = try String(contentsOfFile: Checkout.path("docs/report-schema.md"), encoding: .utf8)
        var keys: Set<String> = []
        // Table rows: | `path` | type | meaning |
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3)
            if let end = cell.firstIndex(of: "`") { keys.insert(String(cell[..<end])) }
        }
        return (keys, text)
    }

    /// The golden report with every optional present and every array non-empty.
    static func fullReport() throws -> DeploymentReport {
        let golden = try String(contentsOfFile: Checkout.path("Tests/DeploymentTests/Golden/run-stm32f746.json.golden"),
                                encoding: .utf8)
        let body = try #require(golden.range(of: "\n" + Golden.separator)).upperBound
        var r = try ReportJSON.decode(String(golden[body...]))
        r.notExecutedReason = "x"
        r.energyUnavailableReason = "x"
        r.suggestions = ["x"]
        r.dutyCycle = .init(periodSeconds: 1, sleepMode: "x", averagePowerWatts: 1, joulesPerPeriod: 1, battery: "x",
                            batteryDays: 1, notes: ["x"])
        r.memory.overflows = [.init(item: "x", bytes: 2, memory: "RAM", largestAvailable: 1, overBy: 1, message: "x")]
        r.memory.shortfalls = [.init(memory: "RAM", needed: 2, available: 1, overBy: 1, message: "x")]
        r.memory.placed[0].region = "x"
        r.memory.placed[0].address = 0
        for i in r.layers.indices {
            r.layers[i].cyclesPerMAC = r.layers[i].cyclesPerMAC ?? 1
            r.layers[i].energyJoules = r.layers[i].energyJoules ?? 1
        }
        r.outputs[0].argmax = 0
        r.outputs[0].label = "x"
        r.model.path = "x"
        r.verified = true
        return r
    }

    /// Key paths in a JSON value (`a.b`, `a[].b`), not descending into the map objects.
    static func paths(_ value: Any, _ prefix: String = "", into keys: inout Set<String>) {
        if let object = value as? [String: Any] {
            if maps.contains(prefix) { return }
            for (k, v) in object {
                let p = prefix.isEmpty ? k : prefix + "." + k
                keys.insert(p)
                paths(v, p, into: &keys)
            }
        } else if let array = value as? [Any] {
            for element in array { paths(element, prefix + "[]", into: &keys) }
        }
    }

    /// Stored properties (Mirror) whose value is nil anywhere in the report: a field the
    /// encoder would leave out, so this test could not see it.
    static func nilFields(_ value: Any, _ prefix: String = "") -> [String] {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let child = mirror.children.first else { return [prefix] }
            return nilFields(child.value, prefix)
        }
        if mirror.displayStyle == .dictionary { return [] }
        if mirror.displayStyle == .collection {
            return mirror.children.flatMap { nilFields($0.value, prefix + "[]") }
        }
        guard mirror.displayStyle == .struct else { return [] }
        return mirror.children.flatMap { child -> [String] in
            guard let label = child.label else { return [] }
            return nilFields(child.value, prefix.isEmpty ? label : prefix + "." + label)
        }
    }

    @Test func everyEmittedKeyIsDocumentedAndViceVersa() throws {
        let report = try Self.fullReport()
        #expect(Self.nilFields(report) == [], "fill these in fullReport() so their keys are checked")
        let json = try JSONSerialization.jsonObject(with: Data(report.jsonText().utf8))
        var emitted: Set<String> = []
        Self.paths(json, into: &emitted)
        #expect(emitted.count > 80)
        let (documented, text) = try Self.documentedKeys()
        let undocumented = emitted.subtracting(documented).sorted()
        let gone = documented.subtracting(emitted).sorted()
        #expect(undocumented == [], "emitted by `sersim run --json` but not in docs/report-schema.md")
        #expect(gone == [], "in docs/report-schema.md but no longer emitted")
        #expect(text.contains("`\(DeploymentReport.schemaVersion)`"), "the document names the schema version")
    }

    /// The map-valued objects hold what the document says.
    @Test func mapsHoldWhatTheDocumentSays() throws {
        let report = try Self.fullReport()
        let stats = try #require(report.memoryStats)
        let (_, text) = try Self.documentedKeys()
        for cause in stats.stallCycles.keys {
            #expect(text.contains("`\(cause)` ("), "stall cause \(cause) is not described")
        }
        #expect(Set(stats.accessesByRegion.keys).isSubset(of: Set(report.memory.regions.map(\.name) + ["ITCM", "PPB"])))
    }
}
