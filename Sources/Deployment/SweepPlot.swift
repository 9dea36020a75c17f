import BoardProfiles
import Foundation

/// SVG charts of comparisons and sweeps: self-contained (no scripts, no fonts to fetch),
/// so a file opens in any browser and can be pasted into a page.
public enum SweepPlot {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
                          "#7f7f7f", "#393b79"]
    static let red = "#d62728"

    // MARK: compare

    /// Three panels, one row per board: latency, energy per inference, and memory use as a
    /// share of the board's flash and RAM with the 100 % fit boundary.
    public static func comparison(_ r: ComparisonReport) -> String {
        let rows = r.boards
        let labelW = 205.0, panelW = 230.0, gap = 20.0, rowH = 26.0, top = 56.0
        let width = labelW + 3 * panelW + 3 * gap + 10
        let height = top + Double(max(rows.count, 1)) * rowH + 44
        var s = header(width, height)
        s += text(10, 22, "\(r.model): latency, energy and memory per board", size: 15, weight: "bold")
        let maxLatency = rows.compactMap(\.latencySeconds).max() ?? 0
        let maxEnergy = rows.compactMap(\.energyJoules).max() ?? 0
        let x0 = [labelW, labelW + panelW + gap, labelW + 2 * (panelW + gap)]
        s += text(x0[0], top - 12, "latency per inference", size: 12, weight: "bold")
        s += text(x0[1], top - 12, "energy per inference", size: 12, weight: "bold")
        s += text(x0[2], top - 12, "memory used (% of the board's)", size: 12, weight: "bold")
        let barW = panelW - 70
        for (i, p) in rows.enumerated() {
            let y = top + Double(i) * rowH
            let clock = Format.hertz(p.clockHz)
            s += text(labelW - 8, y + 16, "\(p.board) · \(SweepText.cell(p, .core)) · \(clock)", anchor: "end")
            // Latency and energy: bars when it ran, why not otherwise.
            if let l = p.latencySeconds, maxLatency > 0 {
                s += bar(x0[0], y + 5, barW * l / maxLatency, 16, palette[0], estimate: p.estimate)
                s += text(x0[0] + barW * l / maxLatency + 4, y + 17, Format.seconds(l) + (p.estimate ? " ~" : ""), size: 11)
            } else {
                s += text(x0[0], y + 17, notRun(p), size: 11, fill: p.fits ? "#555" : red)
            }
            if let e = p.energyJoules, maxEnergy > 0 {
                s += bar(x0[1], y + 5, barW * e / maxEnergy, 16, palette[1], estimate: p.estimate)
                s += text(x0[1] + barW * e / maxEnergy + 4, y + 17, Format.joules(e) + (p.estimate ? " ~" : ""), size: 11)
            } else if p.executed {
                s += text(x0[1], y + 17, "no power data", size: 11, fill: "#555")
            }
            // Memory: flash (top half) and RAM (bottom half), 0–150 %, 100 % line.
            let full = (panelW - 40) / 1.5
            for (k, f) in [p.flashFraction, p.ramFraction].enumerated() {
                let w = min(f, 1.5) * full
                s += bar(x0[2], y + 4 + Double(k) * 9, w, 8, f > 1 ? red : (k == 0 ? "#6baed6" : "#3182bd"), estimate: false)
            }
            s += text(x0[2] + min(max(p.flashFraction, p.ramFraction), 1.5) * full + 4, y + 17,
                      String(format: "%.0f%%/%.0f%%", p.flashFraction * 100, p.ramFraction * 100), size: 10,
                      fill: p.fits ? "#333" : red)
        }
        let full = (panelW - 40) / 1.5
        let yEnd = top + Double(rows.count) * rowH
        s += line(x0[2] + full, top - 4, x0[2] + full, yEnd, stroke: red, dash: true)
        s += text(x0[2] + full, yEnd + 14, "100 % = fit boundary", size: 10, fill: red, anchor: "middle")
        s += text(10, height - 10, "light bar: flash, dark bar: RAM; red: over the board's capacity; hatched/~: estimate. "
                  + "sersim \(r.sersimVersion)", size: 10, fill: "#555")
        return s + "</svg>\n"
    }

    static func notRun(_ p: DeploymentSummary) -> String {
        if let e = p.errorKind { return "failed (\(e))" }
        if !p.fits {
            return "does not fit" + (p.overflows.first.map { ": " + short($0) } ?? "")
        }
        return p.notExecutedReason.map { $0.hasPrefix("fit only") ? "fit only (not executed)" : short($0) } ?? "not run"
    }

    static func short(_ s: String) -> String { s.count > 44 ? String(s.prefix(43)) + "…" : s }

    // MARK: sweep

    /// Left: energy per inference against latency (log–log) for the configurations that
    /// ran, one colour per board. Right: memory use of every configuration as a share of
    /// the board's, with the 100 % fit boundary; configurations that do not fit are red ×.
    public static func sweep(_ r: SweepResult) -> String {
        let width = 980.0, height = 520.0
        var s = header(width, height)
        s += text(10, 22, "sweep of \(r.model): energy vs latency, and fit", size: 15, weight: "bold")
        // Panel 1.
        let p1 = (x: 70.0, y: 50.0, w: 520.0, h: 380.0)
        let ran = r.points.filter { $0.latencySeconds != nil && $0.energyJoules != nil }
        let boards = SweepText.unique(r.points.map(\.board))
        func colour(_ b: String) -> String { palette[(boards.firstIndex(of: b) ?? 0) % palette.count] }
        s += rect(p1.x, p1.y, p1.w, p1.h, fill: "none", stroke: "#999")
        if ran.isEmpty {
            s += text(p1.x + p1.w / 2, p1.y + p1.h / 2, "no configuration ran with an energy figure", anchor: "middle")
        } else {
            let xs = ran.compactMap(\.latencySeconds), ys = ran.compactMap(\.energyJoules)
            let (xa, xb) = logRange(xs), (ya, yb) = logRange(ys)
            func px(_ v: Double) -> Double { p1.x + (log10(v) - xa) / (xb - xa) * p1.w }
            func py(_ v: Double) -> Double { p1.y + p1.h - (log10(v) - ya) / (yb - ya) * p1.h }
            s += logAxis(xa, xb, horizontal: true, at: p1, format: Format.seconds)
            s += logAxis(ya, yb, horizontal: false, at: p1, format: Format.joules)
            s += text(p1.x + p1.w / 2, p1.y + p1.h + 38, "latency per inference (log)", anchor: "middle")
            s += "<text x=\"16\" y=\"\(f(p1.y + p1.h / 2))\" font-size=\"12\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 16 \(f(p1.y + p1.h / 2)))\">energy per inference (log)</text>\n"
            let labelled = ran.count <= 40
            for p in ran {
                guard let l = p.latencySeconds, let e = p.energyJoules else { continue }
                let c = colour(p.board)
                s += "<circle cx=\"\(f(px(l)))\" cy=\"\(f(py(e)))\" r=\"4.5\" fill=\"\(p.estimate ? "white" : c)\" "
                    + "stroke=\"\(c)\" stroke-width=\"1.5\"><title>\(esc(SweepText.configurationLabel(p) + ": " + SweepText.outcome(p)))</title></circle>\n"
                if labelled { s += text(px(l) + 6, py(e) - 5, pointLabel(p, r), size: 9, fill: "#444") }
            }
        }
        // Panel 2.
        let p2 = (x: 660.0, y: 50.0, w: 300.0, h: 380.0)
        s += rect(p2.x, p2.y, p2.w, p2.h, fill: "none", stroke: "#999")
        let maxShare = max(1.25, min(4, r.points.map { max($0.flashFraction, $0.ramFraction) }.max() ?? 1) * 1.05)
        func qy(_ v: Double) -> Double { p2.y + p2.h - min(v, maxShare) / maxShare * p2.h }
        for tick in stride(from: 0.0, through: maxShare, by: maxShare > 2 ? 0.5 : 0.25) {
            s += line(p2.x - 3, qy(tick), p2.x, qy(tick), stroke: "#999", dash: false)
            s += text(p2.x - 6, qy(tick) + 4, String(format: "%.0f%%", tick * 100), size: 10, anchor: "end")
        }
        s += line(p2.x, qy(1), p2.x + p2.w, qy(1), stroke: red, dash: true)
        s += text(p2.x + p2.w - 4, qy(1) - 5, "fit boundary", size: 10, fill: red, anchor: "end")
        let n = r.points.count
        for (i, p) in r.points.enumerated() {
            let x = p2.x + (Double(i) + 0.5) / Double(max(n, 1)) * p2.w
            let c = colour(p.board)
            for (k, share) in [p.flashFraction, p.ramFraction].enumerated() {
                let y = qy(share)
                if share > 1 {
                    s += "<path d=\"M\(f(x - 4)) \(f(y - 4)) L\(f(x + 4)) \(f(y + 4)) M\(f(x - 4)) \(f(y + 4)) "
                        + "L\(f(x + 4)) \(f(y - 4))\" stroke=\"\(red)\" stroke-width=\"2\"/>\n"
                } else if k == 0 {
                    s += "<rect x=\"\(f(x - 3))\" y=\"\(f(y - 3))\" width=\"6\" height=\"6\" fill=\"none\" stroke=\"\(c)\"/>\n"
                } else {
                    s += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3\" fill=\"\(c)\"/>\n"
                }
            }
        }
        s += text(p2.x + p2.w / 2, p2.y + p2.h + 20, "configurations in plan order (\(n))", size: 11, anchor: "middle")
        s += text(p2.x, p2.y - 8, "memory used, share of the board's: □ flash ● RAM", size: 11)
        // Legend.
        var lx = 70.0
        for b in boards {
            s += "<circle cx=\"\(f(lx))\" cy=\"\(f(height - 40))\" r=\"5\" fill=\"\(colour(b))\"/>\n"
            s += text(lx + 9, height - 36, b, size: 11)
            lx += 24 + Double(b.count) * 7
        }
        let notFitting = r.points.filter { !$0.fits }.count
        s += text(10, height - 12, "\(r.points.count) configurations, \(ran.count) plotted (ran with an energy figure), "
                  + "\(notFitting) do not fit (red ×); hollow: estimate"
                  + (r.points.contains(where: \.syntheticWeights) ? "; rescaled models have synthetic weights" : ""),
                  size: 10, fill: "#555")
        return s + "</svg>\n"
    }

    /// What varies between points, as a short label ("32 MHz", "h256", "t94").
    static func pointLabel(_ p: DeploymentSummary, _ r: SweepResult) -> String {
        var parts: [String] = []
        if r.axes.clocksHz.count > 1 { parts.append(Format.hertz(p.clockHz)) }
        if r.axes.hiddenSizes.count > 1, let h = p.hiddenSize { parts.append("h\(h)") }
        if r.axes.sequenceLengths.count > 1, let t = p.sequenceLength { parts.append("t\(t)") }
        if r.axes.weights.count > 1 { parts.append(p.weightsInRAM ? "RAM" : "flash") }
        return parts.joined(separator: " ")
    }

    // MARK: pages and primitives

    public static func page(title: String, svg: String, table: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(esc(title))</title>
        <style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}pre{font-size:12px;background:#f6f6f6;\
        padding:12px;overflow-x:auto}</style></head>
        <body><h1>\(esc(title))</h1>
        \(svg)
        <pre>\(esc(table))</pre>
        </body></html>

        """
    }

    static func logRange(_ values: [Double]) -> (Double, Double) {
        let positive = values.filter { $0 > 0 }
        guard let lo = positive.min(), let hi = positive.max() else { return (0, 1) }
        var a = log10(lo), b = log10(hi)
        if b - a < 0.3 {
            let mid = (a + b) / 2
            a = mid - 0.15
            b = mid + 0.15
        }
        let pad = (b - a) * 0.08
        return (a - pad, b + pad)
    }

    /// Ticks at 1, 2 and 5 times each power of ten inside the range (1 per decade when wide).
    static func logAxis(_ a: Double, _ b: Double, horizontal: Bool,
                        at p: (x: Double, y: Double, w: Double, h: Double), format: (Double) -> String) -> String {
        var s = ""
        let multipliers: [Double] = b - a > 2.5 ? [1] : [1, 2, 5]
        for e in Int(a.rounded(.down))...Int(b.rounded(.up)) {
            for m in multipliers {
                let v = m * pow(10, Double(e))
                let l = log10(v)
                guard l >= a, l <= b else { continue }
                if horizontal {
                    let x = p.x + (l - a) / (b - a) * p.w
                    s += line(x, p.y + p.h, x, p.y + p.h + 4, stroke: "#999", dash: false)
                    s += line(x, p.y, x, p.y + p.h, stroke: "#eee", dash: false)
                    s += text(x, p.y + p.h + 16, format(v), size: 10, anchor: "middle")
                } else {
                    let y = p.y + p.h - (l - a) / (b - a) * p.h
                    s += line(p.x - 4, y, p.x, y, stroke: "#999", dash: false)
                    s += line(p.x, y, p.x + p.w, y, stroke: "#eee", dash: false)
                    s += text(p.x - 6, y + 4, format(v), size: 10, anchor: "end")
                }
            }
        }
        return s
    }

    static func header(_ w: Double, _ h: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(w))\" height=\"\(f(h))\" viewBox=\"0 0 \(f(w)) \(f(h))\" "
            + "font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    }

    static func text(_ x: Double, _ y: Double, _ t: String, size: Int = 12, weight: String = "normal",
                     fill: String = "#222", anchor: String = "start") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" font-weight=\"\(weight)\" fill=\"\(fill)\" "
            + "text-anchor=\"\(anchor)\">\(esc(t))</text>\n"
    }

    static func bar(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ fill: String, estimate: Bool) -> String {
        "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(w, 1)))\" height=\"\(f(h))\" fill=\"\(fill)\""
            + (estimate ? " fill-opacity=\"0.45\" stroke=\"\(fill)\" stroke-dasharray=\"3 2\"" : "") + "/>\n"
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String) -> String {
        "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>\n"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, dash: Bool) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\""
            + (dash ? " stroke-dasharray=\"5 4\"" : "") + "/>\n"
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension SweepResult {
    public func svg() -> String { SweepPlot.sweep(self) }

    public func html() -> String {
        SweepPlot.page(title: "sersim sweep: \(model)", svg: svg(), table: text(color: false))
    }
}
