import BoardProfiles
import Foundation

/// A self-contained HTML page for a deployment report: inline CSS and SVG charts (cycles
/// per layer, memory map per region, energy per layer), no scripts, no network.
public struct HTMLReport {
    public var report: DeploymentReport

    public init(_ report: DeploymentReport) { self.report = report }

    public func render() -> String {
        let r = report
        var body = ""
        body += "<h1>\(esc(r.model.name)) on \(esc(r.board.displayName))</h1>\n"
        body += "<p class=sub>\(esc(r.board.mcu)) · \(esc(r.board.core))\(r.board.approximateCore ? " (approximate core)" : "") · "
            + "\(esc(Format.hertz(r.board.clockHz))) · \(r.model.operators) operators · \(groupDigits(r.model.macs)) MACs · "
            + "\(esc(Format.bytes(UInt64(r.model.weightBytes)))) of weights and biases</p>\n"
        body += summary()
        body += "<h2>Memory</h2>\n" + memoryChart()
        if !r.memory.overflows.isEmpty {
            body += "<ul class=bad>" + (r.memory.overflows.map(\.message) + r.memory.shortfalls.map(\.message))
                .map { "<li>\(esc($0))</li>" }.joined() + "</ul>\n"
        }
        if !r.suggestions.isEmpty {
            body += "<p>What would help:</p><ul>" + r.suggestions.map { "<li>\(esc($0))</li>" }.joined() + "</ul>\n"
        }
        if r.executed {
            body += "<h2>Cycles per layer</h2>\n" + barChart(r.layers.map { ($0.name, Double($0.cycles)) }, unit: "cycles")
            if r.layers.contains(where: { $0.energyJoules != nil }) {
                body += "<h2>Energy per layer</h2>\n"
                    + barChart(r.layers.map { ($0.name, ($0.energyJoules ?? 0) * 1e6) }, unit: "µJ")
            }
            body += "<h2>Layers</h2>\n" + layerTable()
            body += "<h2>Outputs</h2>\n" + outputs()
        }
        if r.estimate {
            body += "<h2>Approximations</h2><ul>" + r.estimateReasons.map { "<li>\(esc($0))</li>" }.joined() + "</ul>\n"
        }
        body += "<p class=foot>sersim \(esc(r.sersimVersion)) · report schema \(esc(r.schema)) · timing model "
            + "\(esc(r.timingModel.isEmpty ? "—" : r.timingModel)) · input: \(esc(r.input))</p>\n"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>sersim: \(esc(r.model.name)) on \(esc(r.board.name))</title>
        <style>
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
        h1{font-size:1.5em;margin-bottom:.1em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
        .sub{color:#555;margin-top:0} .foot{color:#777;font-size:.85em;margin-top:2em}
        table{border-collapse:collapse;width:100%;font-size:.9em} th,td{padding:3px 6px;text-align:right}
        th{border-bottom:1px solid #aaa} td:nth-child(2),th:nth-child(2),td:nth-child(3),th:nth-child(3){text-align:left}
        tr:nth-child(even){background:#f6f6f6} .bad{color:#b00} .good{color:#070}
        .cards{display:flex;flex-wrap:wrap;gap:.8em} .card{border:1px solid #ddd;border-radius:6px;padding:.5em .9em;min-width:9em}
        .card b{display:block;font-size:1.25em} svg text{font:12px system-ui,sans-serif}
        </style></head><body>
        \(body)</body></html>

        """
    }

    func summary() -> String {
        let r = report
        var cards: [(String, String)] = [("fits", r.fits ? "yes" : "no")]
        if r.executed {
            cards.append(("cycles", groupDigits(r.cycles)))
            cards.append(("latency", Format.seconds(r.latencySeconds)))
            if let e = r.energyJoules { cards.append(("energy / inference", Format.joules(e))) }
            if let p = r.averagePowerWatts { cards.append(("power while running", Format.watts(p))) }
            if let d = r.dutyCycle {
                cards.append(("average power, 1 per \(Format.seconds(d.periodSeconds))", Format.watts(d.averagePowerWatts)))
                if let days = d.batteryDays { cards.append(("battery (\(d.battery ?? ""))", String(format: "%.1f days", days))) }
            }
            if let v = r.verified { cards.append(("vs reference", v ? "bit-exact" : "DIFFERS")) }
        } else if let why = r.notExecutedReason {
            cards.append(("not run", why))
        }
        return "<div class=cards>" + cards.map { "<div class=card>\(esc($0.0))<b>\(esc($0.1))</b></div>" }.joined() + "</div>\n"
    }

    /// One horizontal bar per region: used (by item) against its size.
    func memoryChart() -> String {
        let regions = report.memory.regions.filter { $0.used > 0 || $0.kind == "flash" || $0.kind == "sram" }
        let width = 900.0, row = 34.0, left = 90.0, barW = width - left - 170
        let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"]
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(row * Double(regions.count) + 10))\" width=\"100%\" role=img>"
        for (k, region) in regions.enumerated() {
            let y = Double(k) * row + 4
            svg += "<text x=0 y=\(y + 17)>\(esc(region.name))</text>"
            svg += "<rect x=\(left) y=\(y) width=\(barW) height=22 fill=#eee stroke=#bbb/>"
            var x = left
            let items = report.memory.placed.filter { $0.region == region.name }
            for (n, item) in items.enumerated() {
                let w = region.size > 0 ? barW * Double(item.bytes) / Double(region.size) : 0
                svg += "<rect x=\(f(x)) y=\(y) width=\(f(min(w, left + barW - x))) height=22 fill=\(palette[n % palette.count])>"
                    + "<title>\(esc(item.name)): \(esc(Format.bytes(UInt64(item.bytes))))</title></rect>"
                x += w
            }
            let pct = region.size > 0 ? 100 * Double(region.used) / Double(region.size) : 0
            svg += "<text x=\(left + barW + 8) y=\(y + 17) fill=\(region.fits ? "#222" : "#b00")>"
                + "\(esc(Format.bytes(UInt64(region.used)))) / \(esc(Format.bytes(UInt64(region.size)))) (\(String(format: "%.0f", pct))%)</text>"
        }
        svg += "</svg>\n"
        let legend = report.memory.placed.filter { $0.region != nil }.map { "\(esc($0.name)) \(esc(Format.bytes(UInt64($0.bytes))))" }
        return svg + "<p class=sub>" + legend.joined(separator: " · ") + "</p>\n"
    }

    func barChart(_ values: [(String, Double)], unit: String) -> String {
        let width = 900.0, row = 22.0, left = 180.0, barW = width - left - 150
        let maxV = values.map(\.1).max() ?? 1
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(row * Double(values.count) + 6))\" width=\"100%\" role=img>"
        for (k, (name, v)) in values.enumerated() {
            let y = Double(k) * row + 3
            let w = maxV > 0 ? barW * v / maxV : 0
            svg += "<text x=0 y=\(y + 14)>\(esc(String(name.prefix(26))))</text>"
            svg += "<rect x=\(left) y=\(y) width=\(f(w)) height=16 fill=#4e79a7><title>\(esc(name)): \(f(v)) \(unit)</title></rect>"
            svg += "<text x=\(f(left + w + 6)) y=\(y + 13)>\(unit == "cycles" ? groupDigits(UInt64(v)) : String(format: "%.2f", v)) \(unit)</text>"
        }
        return svg + "</svg>\n"
    }

    func layerTable() -> String {
        var t = "<table><tr><th>#</th><th>layer</th><th>op</th><th>cycles</th><th>share</th><th>MACs</th><th>cycles/MAC</th>"
            + "<th>energy</th><th>weights</th></tr>"
        for l in report.layers {
            t += "<tr><td>\(l.index)</td><td>\(esc(l.name))</td><td>\(esc(l.op))</td><td>\(groupDigits(l.cycles))</td>"
                + "<td>\(String(format: "%.1f%%", l.share * 100))</td><td>\(groupDigits(l.macs))</td>"
                + "<td>\(l.cyclesPerMAC.map { String(format: "%.2f", $0) } ?? "—")</td>"
                + "<td>\(l.energyJoules.map { esc(Format.joules($0)) } ?? "—")</td>"
                + "<td>\(esc(Format.bytes(UInt64(l.weightBytes))))</td></tr>"
        }
        return t + "</table>\n"
    }

    func outputs() -> String {
        var s = ""
        for o in report.outputs {
            s += "<p><b>\(esc(o.name))</b> \(o.shape) \(esc(o.type)): \(o.values.map(String.init).joined(separator: " "))<br>"
            s += "dequantized: " + o.dequantized.map { String(format: "%.4f", $0) }.joined(separator: " ")
            if let a = o.argmax { s += "<br>argmax: \(a)" + (o.label.map { " (<b>\(esc($0))</b>)" } ?? "") }
            s += "</p>\n"
        }
        if let v = report.verified {
            s += v ? "<p class=good>✓ bit-exact with the Swift reference executor (TFLite Micro arithmetic)</p>"
                   : "<p class=bad>✗ outputs differ from the reference executor</p>"
        }
        return s
    }

    func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

func groupDigits<T: BinaryInteger>(_ v: T) -> String { group(v) }
