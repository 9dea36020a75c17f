import BoardProfiles
import Foundation

/// The result of `sersim sweep`: the `--json` document (schema `sersim-sweep/1`,
/// docs/teaching.md) and what the Swift API returns.
public struct SweepResult: Sendable, Codable {
    public static let schemaVersion = "sersim-sweep/1"

    public struct Axes: Sendable, Codable {
        public var boards: [String]
        public var clocksHz: [Double]
        public var hiddenSizes: [Int]
        public var sequenceLengths: [Int]
        public var weights: [String]
    }

    public var schema: String = SweepResult.schemaVersion
    public var sersimVersion: String
    public var model: String
    public var modelPath: String?
    public var axes: Axes
    public var input: String
    /// What the reader must know (synthetic weights, derived inputs).
    public var notes: [String]
    /// In plan order: boards outermost, then clocks, hidden sizes, sequence lengths, weights.
    public var points: [DeploymentSummary]
    public var jobs: Int
    public var hostSeconds: Double

    public func jsonText() -> String { SweepText.json(self) }

    public func csv() -> String { SweepText.csv(points) }

    /// The terminal table: one row per configuration, the swept axes first.
    public func text(color: Bool = false) -> String {
        var out: [String] = []
        let fitting = points.filter(\.fits).count, ran = points.filter(\.executed).count
        out.append("sweep of \(model): \(points.count) configurations, \(fitting) fit, \(ran) ran "
                   + "(\(jobs) thread\(jobs == 1 ? "" : "s"), \(String(format: "%.1f", hostSeconds)) s)")
        out.append("input: \(input)")
        out.append("")
        var columns: [SweepText.Column] = [.board, .clock]
        if !axes.hiddenSizes.isEmpty { columns.append(.layers) }
        if !axes.sequenceLengths.isEmpty { columns.append(.steps) }
        if axes.weights.count > 1 { columns.append(.weights) }
        columns += [.fits, .flash, .ram, .cycles, .latency, .energy, .power]
        if points.contains(where: { $0.dutyCycleAverageWatts != nil }) { columns.append(.dutyPower) }
        if points.contains(where: { $0.batteryDays != nil }) { columns.append(.battery) }
        columns.append(.verified)
        out.append(SweepText.table(points, columns: columns, color: color))
        out += SweepText.footnotes(points, color: color)
        for n in notes { out.append("note: " + n) }
        return out.joined(separator: "\n") + "\n"
    }
}

/// Text, CSV and JSON renderings shared by `compare` and `sweep`.
public enum SweepText {
    public enum Column: Sendable {
        case board, core, clock, layers, steps, weights, fits, flash, ram, flashShare, ramShare, cycles, latency, energy,
             power, dutyPower, battery, verified

        var header: String {
            switch self {
            case .board: "board"
            case .core: "core"
            case .clock: "clock"
            case .layers: "hidden"
            case .steps: "steps"
            case .weights: "weights"
            case .fits: "fits"
            case .flash: "flash"
            case .ram: "RAM"
            case .flashShare: "flash"
            case .ramShare: "RAM"
            case .cycles: "cycles"
            case .latency: "latency"
            case .energy: "energy/inf"
            case .power: "power"
            case .dutyPower: "avg power"
            case .battery: "battery"
            case .verified: "exact"
            }
        }

        var rightAligned: Bool {
            switch self {
            case .board, .core, .layers, .weights, .fits, .verified: false
            default: true
            }
        }
    }

    static func cell(_ p: DeploymentSummary, _ c: Column) -> String {
        let est = p.estimate ? "~" : ""
        switch c {
        case .board: return p.board
        case .core:
            return p.core.replacingOccurrences(of: "Cortex-", with: "").replacingOccurrences(of: "Xtensa ", with: "")
                .replacingOccurrences(of: " (approx.)", with: "~")
        case .clock: return Format.hertz(p.clockHz)
        case .layers: return p.layerSizes.isEmpty ? "—" : p.layerSizes.map(String.init).joined(separator: "-")
        case .steps: return p.sequenceLength.map(String.init) ?? "—"
        case .weights: return p.weightsInRAM ? "RAM" : "flash"
        case .fits:
            if p.error != nil && p.errorKind != "verification" && p.errorKind != "run" { return "error" }
            return p.fits ? "yes" : "NO"
        case .flash: return Format.bytes(UInt64(p.flashUsed))
        case .ram: return Format.bytes(UInt64(p.ramUsed))
        case .flashShare: return share(p.flashUsed, p.flashSize)
        case .ramShare: return share(p.ramUsed, p.ramSize)
        case .cycles: return p.cycles.map { group($0) + est } ?? dash(p)
        case .latency: return p.latencySeconds.map { Format.seconds($0) + est } ?? dash(p)
        case .energy: return p.energyJoules.map { Format.joules($0) + est } ?? (p.executed ? "—" : dash(p))
        case .power: return p.averagePowerWatts.map { Format.watts($0) + est } ?? (p.executed ? "—" : dash(p))
        case .dutyPower: return p.dutyCycleAverageWatts.map { Format.watts($0) + est } ?? "—"
        case .battery: return p.batteryDays.map { String(format: $0 >= 100 ? "%.0f d" : "%.1f d", $0) } ?? "—"
        case .verified:
            if p.errorKind == "verification" { return "✗ DIFFERS" }
            if let v = p.verified { return v ? "✓" : "✗" }
            return "—"
        }
    }

    /// "412 KB 40%": bytes used and their share of the board's memory of that kind.
    static func share(_ used: Int, _ size: Int) -> String {
        let b = Format.bytes(UInt64(used))
        guard size > 0 else { return b }
        return b + " " + String(format: "%.0f%%", Double(used) / Double(size) * 100)
    }

    /// What stands in for a figure of a configuration that did not run.
    static func dash(_ p: DeploymentSummary) -> String {
        if p.error != nil { return "failed" }
        if !p.fits { return "·" }
        return p.executed ? "—" : "fit only"
    }

    static func table(_ points: [DeploymentSummary], columns: [Column], color: Bool) -> String {
        let rows = points.map { p in columns.map { cell(p, $0) } }
        var widths = columns.map { $0.header.count }
        for r in rows { for (i, s) in r.enumerated() { widths[i] = max(widths[i], s.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, s in
                columns[i].rightAligned ? lpad(s, widths[i]) : pad(s, widths[i])
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [dim(line(columns.map(\.header)), color)]
        for (p, r) in zip(points, rows) {
            let l = line(r)
            out.append(!p.fits || p.error != nil ? red(l, color) : l)
        }
        return out.joined(separator: "\n")
    }

    /// Overflows, errors and estimate reasons under a table, each said once.
    static func footnotes(_ points: [DeploymentSummary], color: Bool,
                          label: (DeploymentSummary) -> String = configurationLabel) -> [String] {
        var out: [String] = []
        var lines: [String] = []
        // What overflows, per configuration; a board with many configurations that do not
        // fit gets one line naming the smallest model among them (each is in --csv and --json).
        let notFitting = points.filter { !$0.fits && $0.error == nil }
        for board in unique(notFitting.map(\.board)) {
            let ps = notFitting.filter { $0.board == board }
            if ps.count <= 3 {
                for p in ps { for o in p.overflows { lines.append(red("✗ \(label(p)): \(o)", color)) } }
            } else if let least = ps.min(by: { ($0.weightBytes, $0.macs) < ($1.weightBytes, $1.macs) }) {
                let total = points.filter { $0.board == board }.count
                lines.append(red("✗ \(board): \(ps.count) of \(total) configurations do not fit; the smallest, "
                                 + "\(label(least)): " + least.overflows.joined(separator: "; "), color))
            }
        }
        for p in points where p.error != nil {
            lines.append(red("✗ \(label(p)): \(p.error ?? "")", color))
        }
        for p in points where p.fits && !p.executed && p.error == nil {
            if let why = p.notExecutedReason { lines.append("· \(p.board): \(why)") }
        }
        var noEnergy: [String: String] = [:]
        for p in points where p.executed && p.energyJoules == nil {
            noEnergy[p.board] = p.energyUnavailableReason ?? "no power data"
        }
        for (board, why) in noEnergy.sorted(by: { $0.key < $1.key }) {
            let reason = why.hasPrefix(board + ": ") ? String(why.dropFirst(board.count + 2)) : why
            lines.append("— \(board): no energy figure: \(reason)")
        }
        // Energy but no duty-cycle figure: the reason is the duty cycle's (e.g. a period
        // shorter than the inference).
        for p in points where p.executed && p.energyJoules != nil && p.dutyCycleAverageWatts == nil {
            if let why = p.energyUnavailableReason { lines.append("— \(label(p)): no average power: \(why)") }
        }
        var reasons: [String: [String]] = [:]
        for p in points where p.estimate { reasons[p.board, default: []] += p.estimateReasons }
        // The first reason per board (the board-level one); every reason is in --json and --csv.
        for (board, r) in reasons.sorted(by: { $0.key < $1.key }) {
            let all = unique(r)
            guard let first = all.first else { continue }
            lines.append(dim("~ \(board) is an estimate: " + first
                             + (all.count > 1 ? " (+\(all.count - 1) more in --json)" : ""), color))
        }
        lines = unique(lines)
        if !lines.isEmpty { out.append("") }
        out += lines
        return out
    }

    /// "nano33ble @ 64 MHz, hidden 128-64-64, 47 steps, weights in RAM".
    public static func configurationLabel(_ p: DeploymentSummary) -> String {
        var parts = ["\(p.board) @ \(Format.hertz(p.clockHz))"]
        if p.hiddenSize != nil && !p.layerSizes.isEmpty {
            parts.append("hidden " + p.layerSizes.map(String.init).joined(separator: "-"))
        }
        if let t = p.sequenceLength { parts.append("\(t) steps") }
        if p.weightsInRAM { parts.append("weights in RAM") }
        return parts.joined(separator: ", ")
    }

    /// "12.3 ms, 301 µJ, bit-exact" or why it did not run.
    public static func outcome(_ p: DeploymentSummary) -> String {
        if let e = p.error { return "FAILED (\(p.errorKind ?? "error")): " + (e.split(separator: "\n").first.map(String.init) ?? "") }
        if !p.fits { return "does not fit (" + (p.overflows.first ?? "") + ")" }
        guard p.executed, let latency = p.latencySeconds else { return p.notExecutedReason ?? "not run" }
        var s = Format.seconds(latency)
        if let e = p.energyJoules { s += ", " + Format.joules(e) }
        if let v = p.verified { s += v ? ", bit-exact" : ", OUTPUTS DIFFER" }
        return s + (p.estimate ? " (estimate)" : "")
    }

    static func csv(_ points: [DeploymentSummary]) -> String {
        let header = ["board", "core", "clock_hz", "model", "hidden_size", "layer_sizes", "sequence_length", "weights",
                      "synthetic_weights", "macs", "weight_bytes", "fits", "executed", "flash_used", "flash_size",
                      "ram_used", "ram_size", "cycles", "latency_s", "energy_j", "power_w", "duty_avg_power_w",
                      "battery_days", "verified", "estimate", "error_kind", "notes"]
        func q(_ s: String) -> String {
            s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        func num(_ v: Double?) -> String { v.map { String(format: "%.9g", $0) } ?? "" }
        var lines = [header.joined(separator: ",")]
        for p in points {
            let notes = (p.overflows + (p.error.map { [$0] } ?? []) + (p.notExecutedReason.map { [$0] } ?? [])
                         + p.estimateReasons).joined(separator: "; ")
            let row: [String] = [
                p.board, p.core, String(format: "%.0f", p.clockHz), p.model, p.hiddenSize.map(String.init) ?? "",
                p.layerSizes.map(String.init).joined(separator: "-"), p.sequenceLength.map(String.init) ?? "",
                p.weightsInRAM ? "ram" : "flash", String(p.syntheticWeights), String(p.macs), String(p.weightBytes),
                String(p.fits), String(p.executed), String(p.flashUsed), String(p.flashSize), String(p.ramUsed),
                String(p.ramSize), p.cycles.map(String.init) ?? "", num(p.latencySeconds), num(p.energyJoules),
                num(p.averagePowerWatts), num(p.dutyCycleAverageWatts), num(p.batteryDays),
                p.verified.map(String.init) ?? "", String(p.estimate), p.errorKind ?? "", notes,
            ]
            lines.append(row.map(q).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func unique(_ xs: [String]) -> [String] {
        var seen: Set<String> = []
        return xs.filter { seen.insert($0).inserted }
    }

    static func red(_ s: String, _ color: Bool) -> String { color ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
    static func dim(_ s: String, _ color: Bool) -> String { color ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
}
