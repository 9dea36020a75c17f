import BoardProfiles
import Foundation

/// The terminal rendering of a deployment report: readable in 100 columns, colour only
/// when asked for (the CLI asks when stdout is a terminal).
public struct TextReport {
    public var report: DeploymentReport
    public var color: Bool

    public init(_ report: DeploymentReport, color: Bool = false) {
        self.report = report
        self.color = color
    }

    func bold(_ s: String) -> String { color ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    func red(_ s: String) -> String { color ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
    func green(_ s: String) -> String { color ? "\u{1B}[32m\(s)\u{1B}[0m" : s }
    func dim(_ s: String) -> String { color ? "\u{1B}[2m\(s)\u{1B}[0m" : s }

    public func render() -> String {
        let r = report
        var out: [String] = []
        let approx = r.board.approximateCore ? " (approximate core)" : ""
        out.append(bold("\(r.model.name) on \(r.board.displayName)") + " — \(r.board.mcu), \(r.board.core)\(approx) @ "
                   + Format.hertz(r.board.clockHz))
        out.append("model: \(r.model.operators) operators, \(group(r.model.macs)) MACs, "
                   + "\(Format.bytes(UInt64(r.model.weightBytes))) of weights and biases")
        out.append("")
        out.append(bold("Memory") + "  " + (r.fits ? green("fits") : red("does not fit")))
        for region in r.memory.regions where region.used > 0 || region.kind == "flash" || region.kind == "sram" {
            let pct = region.size > 0 ? Double(region.used) / Double(region.size) : 0
            let bar = meter(pct, width: 24)
            let line = pad(region.name, 8) + " " + bar + " " + lpad(Format.bytes(UInt64(region.used)), 9) + " / "
                + pad(Format.bytes(UInt64(region.size)), 8) + String(format: " %5.1f%%", pct * 100)
            out.append("  " + (region.fits ? line : red(line)))
            if !region.items.isEmpty {
                for line in wrap(region.items.joined(separator: ", "), indent: 11) { out.append(dim(line)) }
            }
        }
        for message in r.memory.overflows.map(\.message) + r.memory.shortfalls.map(\.message) {
            for line in wrap("✗ " + message, indent: 2, continuation: 4) { out.append(red(line)) }
        }
        if !r.executed {
            out.append("")
            let lines = wrap("Not run: " + (r.notExecutedReason ?? ""), indent: 0, continuation: 2)
            out.append(bold("Not run") + lines[0].dropFirst("Not run".count))
            out += lines.dropFirst()
            if !r.suggestions.isEmpty {
                out.append(bold("What would help"))
                for s in r.suggestions { out += wrap("- " + s, indent: 2, continuation: 4) }
            }
            return out.joined(separator: "\n") + "\n"
        }
        out.append("")
        out.append(bold("Inference"))
        out.append("  cycles        \(group(r.cycles))   (\(group(r.instructions)) instructions, CPI "
                   + String(format: "%.2f", r.instructions > 0 ? Double(r.cycles) / Double(r.instructions) : 0) + ")")
        out.append("  latency       \(Format.seconds(r.latencySeconds)) at \(Format.hertz(r.board.clockHz))")
        if let e = r.energy {
            out.append("  energy        \(Format.joules(e.joules)) per inference")
            out.append("  power         \(Format.watts(e.averageWatts)) average while running "
                       + "(\(Format.amperes(e.effectiveCurrentAmps)) at \(trim(e.supplyVolts)) V)")
        } else if let why = r.energyUnavailableReason {
            out.append("  energy        — " + dim(why))
        }
        if let d = r.dutyCycle {
            var line = "  duty cycle    one inference every \(Format.seconds(d.periodSeconds)), \(d.sleepMode) between: "
                + Format.watts(d.averagePowerWatts) + " average"
            if let days = d.batteryDays, let b = d.battery {
                line += ", \(b): " + String(format: days >= 100 ? "%.0f" : "%.1f", days) + " days"
            }
            out.append(line)
        } else if r.energy != nil, let why = r.energyUnavailableReason {
            // Energy is known, so the reason is the duty cycle's (a period shorter than the inference).
            out.append("  duty cycle    — " + dim(why))
        }
        out.append("  start-up      \(group(r.startupCycles)) cycles (input copy and state reset; included above)")
        out.append("")
        out.append(bold("Layers"))
        out.append(dim("  #  layer                    op                 cycles   share        MACs  cyc/MAC      energy"))
        for l in r.layers {
            let cpm = l.cyclesPerMAC.map { String(format: "%8.2f", $0) } ?? "       —"
            let e = l.energyJoules.map { lpad(Format.joules($0), 11) } ?? lpad("—", 11)
            out.append("  " + lpad("\(l.index)", 2) + " " + pad(l.name, 24) + " " + pad(l.op, 16) + " "
                       + lpad(group(l.cycles), 10) + String(format: " %6.1f%%", l.share * 100) + " "
                       + lpad(group(l.macs), 11) + " " + cpm + " " + e)
        }
        if let m = r.memoryStats, !m.caches.isEmpty || !m.stallCycles.isEmpty {
            out.append("")
            out.append(bold("Memory system"))
            for c in m.caches where c.accesses > 0 {
                let rate = Double(c.hits) / Double(max(1, c.accesses)) * 100
                out.append("  " + pad(c.name, 14) + " \(group(c.accesses)) accesses, " + String(format: "%.1f%% hits", rate)
                           + ", \(group(c.misses)) misses")
            }
            let stalls = m.stallCycles.filter { $0.value > 0 }.sorted { $0.value > $1.value }
            if !stalls.isEmpty {
                let text = "stalls        " + stalls.map { "\($0.key) \(group($0.value))" }.joined(separator: ", ")
                out += wrap(text, indent: 2, continuation: 16)
            }
        }
        out.append("")
        out.append(bold("Outputs") + "  " + dim("input: \(r.input)"))
        for o in r.outputs {
            out.append("  \(o.name) \(o.shape) \(o.type): " + o.values.map(String.init).joined(separator: " "))
            out.append("    dequantized: " + o.dequantized.map { String(format: "%.4f", $0) }.joined(separator: " "))
            if let a = o.argmax {
                out.append("    argmax: \(a)" + (o.label.map { " (\($0))" } ?? ""))
            }
        }
        if let v = r.verified {
            out.append("  " + (v ? green("✓ bit-exact with the Swift reference executor (TFLite Micro arithmetic)")
                                 : red("✗ outputs differ from the reference")))
        }
        out.append("")
        out.append(dim("timing model: \(r.timingModel); host time \(String(format: "%.3f", r.hostSeconds)) s"
                       + (r.executed ? ", emulation \(String(format: "%.3f", r.hostEmulationSeconds)) s" : "")))
        if r.estimate {
            for line in wrap("estimate: " + r.estimateReasons.joined(separator: "; "), indent: 0, continuation: 2) {
                out.append(dim(line))
            }
        }
        if !r.approximations.isEmpty {
            let text = "approximations (docs/timing.md): " + r.approximations.joined(separator: "; ")
            for line in wrap(text, indent: 0, continuation: 2) { out.append(dim(line)) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    func meter(_ fraction: Double, width: Int) -> String {
        let filled = Int((min(1, max(0, fraction)) * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}

/// Lines of at most `width` characters, broken at spaces; the first indented by
/// `indent`, the rest by `continuation` (default: the same).
func wrap(_ text: String, indent: Int, continuation: Int? = nil, width: Int = 100) -> [String] {
    var lines: [String] = []
    var line = String(repeating: " ", count: indent)
    var lineIsEmpty = true
    for word in text.split(separator: " ") {
        if !lineIsEmpty && line.count + 1 + word.count > width {
            lines.append(line)
            line = String(repeating: " ", count: continuation ?? indent)
            lineIsEmpty = true
        }
        line += (lineIsEmpty ? "" : " ") + word
        lineIsEmpty = false
    }
    lines.append(line)
    return lines
}

func pad(_ s: String, _ n: Int) -> String {
    s.count >= n ? String(s.prefix(n)) : s + String(repeating: " ", count: n - s.count)
}

func lpad(_ s: String, _ n: Int) -> String {
    s.count >= n ? s : String(repeating: " ", count: n - s.count) + s
}

/// Thousands separators for readability ("5 707 456" is easier than "5707456").
func group<T: BinaryInteger>(_ v: T) -> String {
    let s = String(v)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

func trim(_ v: Double) -> String {
    let s = String(format: "%.3f", v)
    var t = s
    while t.hasSuffix("0") { t.removeLast() }
    if t.hasSuffix(".") { t.removeLast() }
    return t
}
