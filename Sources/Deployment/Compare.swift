import BoardProfiles
import Foundation
import QuantModel

/// One model deployed onto several boards, side by side: the Swift API behind
/// `sersim compare --boards a,b,c model.q8`. Each board runs at its default clock (or one
/// clock given for all), in parallel on all cores, through the same path as a sweep.
public struct Comparison: Sendable {
    public let sweep: Sweep

    public init(model: Model, modelPath: String?, boards: [Board], clockHz: Double? = nil,
                options: DeploymentOptions = DeploymentOptions(), jobs: Int? = nil) throws(SweepError) {
        var seen: Set<String> = []
        for b in boards where !seen.insert(b.name).inserted { throw .plan("board \(b.name) is listed twice") }
        let plan = SweepPlan(boards: boards.map(\.name), clocksHz: clockHz.map { [$0] } ?? [],
                             weightsInRAM: [options.weightsInRAM])
        sweep = try Sweep(model: model, modelPath: modelPath, boards: boards, plan: plan, options: options, jobs: jobs)
    }

    /// Load the model and the boards by name (or board file path).
    public init(model path: String, boards names: [String], clockHz: Double? = nil,
                options: DeploymentOptions = DeploymentOptions(), jobs: Int? = nil) throws {
        let model = try ModelLoader.load(path)
        let boards = try names.map { try BoardLibrary.load($0) }
        try self.init(model: model, modelPath: path, boards: boards, clockHz: clockHz, options: options, jobs: jobs)
    }

    public func run(progress: (@Sendable (SweepProgress) -> Void)? = nil) throws(SweepError) -> ComparisonReport {
        let r = try sweep.run(progress: progress)
        return ComparisonReport(sersimVersion: r.sersimVersion, model: r.model, modelPath: r.modelPath, input: r.input,
                                notes: r.notes, boards: r.points, jobs: r.jobs, hostSeconds: r.hostSeconds)
    }
}

/// The result of `sersim compare`: the `--json` document (schema `sersim-compare/1`,
/// docs/teaching.md) and what the Swift API returns.
public struct ComparisonReport: Sendable, Codable {
    public static let schemaVersion = "sersim-compare/1"

    public var schema: String = ComparisonReport.schemaVersion
    public var sersimVersion: String
    public var model: String
    public var modelPath: String?
    public var input: String
    public var notes: [String]
    /// One entry per board, in the order they were given.
    public var boards: [DeploymentSummary]
    public var jobs: Int
    public var hostSeconds: Double

    /// Boards where the model fits and ran, fastest first.
    public var ranking: [DeploymentSummary] {
        boards.filter { $0.executed && $0.latencySeconds != nil }.sorted { ($0.latencySeconds ?? 0) < ($1.latencySeconds ?? 0) }
    }

    public func jsonText() -> String { SweepText.json(self) }

    public func csv() -> String { SweepText.csv(boards) }

    /// The terminal table (about 100 columns): one row per board; `~` marks an estimate.
    public func text(color: Bool = false) -> String {
        var out: [String] = []
        out.append("\(model) on \(boards.count) board\(boards.count == 1 ? "" : "s") "
                   + "(\(jobs) thread\(jobs == 1 ? "" : "s"), \(String(format: "%.1f", hostSeconds)) s)")
        out.append("input: \(input)")
        out.append("")
        var columns: [SweepText.Column] = [.board, .core, .clock, .fits, .flashShare, .ramShare, .cycles, .latency,
                                           .energy, .power]
        if boards.contains(where: { $0.dutyCycleAverageWatts != nil }) { columns.append(.dutyPower) }
        if boards.contains(where: { $0.batteryDays != nil }) { columns.append(.battery) }
        columns.append(.verified)
        out.append(SweepText.table(boards, columns: columns, color: color))
        out += SweepText.footnotes(boards, color: color) { "\($0.board) @ \(Format.hertz($0.clockHz))" }
        let ranked = ranking
        if ranked.count >= 2, let fast = ranked.first, let slow = ranked.last,
           let a = fast.latencySeconds, let b = slow.latencySeconds, a > 0 {
            out.append("")
            out.append("fastest: \(fast.board) (\(Format.seconds(a))); slowest that runs: \(slow.board) "
                       + "(\(Format.seconds(b)), \(Format.trim(b / a))× longer)")
        }
        out.append("")
        out.append("flash and RAM: bytes used (share of the board's); exact: outputs equal the reference executor's "
                   + "byte for byte; ~: estimate")
        for n in notes { out.append("note: " + n) }
        return out.joined(separator: "\n") + "\n"
    }

    public func svg() -> String { SweepPlot.comparison(self) }

    /// A self-contained page: the table and the chart, no network needed.
    public func html() -> String {
        SweepPlot.page(title: "sersim compare: \(model)", svg: svg(), table: text(color: false))
    }
}
