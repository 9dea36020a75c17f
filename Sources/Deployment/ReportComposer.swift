import BoardProfiles
import CycleTiming
import Foundation
import ThumbISA

/// Turns a model firmware's metadata and a run's measurements into a report: memory,
/// cycles, latency, energy and power from the board's power model, duty cycling, the
/// per-layer table and the outputs. Used for freshly built firmware and for ELFs read
/// back, so both report the same way.
struct ReportComposer {
    let board: Board
    let clockHz: Double
    let dutyCycle: DutyCycle?

    /// The approximations of docs/timing.md that this board's memory system and this run's
    /// instructions bring into its figures (the estimate reasons name the rest).
    static func approximations(_ board: Board, _ model: TimingModelKind, _ s: TimingStatistics) -> [String] {
        guard model != .placeholder else { return [] }
        var list: [String] = []
        let ms = board.memorySystem
        let m7 = board.core.kind == .cortexM7
        let timed: [(String, CacheSpec?)] = [("ART", ms.artAsTimed), ("ART data cache", ms.artDataAsTimed),
                                             ("XIP cache", ms.xipCache),
                                             ("I-cache", m7 ? ms.icache : nil), ("D-cache", m7 ? ms.dcache : nil)]
        let caches = timed.compactMap { name, spec in spec.map { (name, $0) } }
        for (name, spec) in caches where spec.assumedFullyAssociative {
            list.append("\(name) associativity not published: assumed fully associative")
        }
        if !caches.isEmpty { list.append("LRU replacement") }
        if let art = ms.artAsTimed, art.sectorBytes < art.lineBytes {
            list.append("an ART miss copies one \(art.sectorBytes)-byte flash read, not the \(art.lineBytes)-byte line")
        }
        if ms.art != nil || ms.artData != nil {
            list.append("the ART's caches always enabled (FLASH_ACR not modelled)")
        }
        if m7 && ms.busLatencyCycles == 0 { list.append("no AXI bridge latency (none cited)") }
        if s.count(.div) > 0 && board.core.kind != .cortexM7 {
            list.append("SDIV/UDIV 2 + ⌊q/3⌋ cycles for q quotient bits (Arm gives only 2–12)")
        }
        list.append("no bus contention or write-buffer limit")
        return list
    }

    func compose(_ meta: FirmwareMetadata, _ m: RunMeasurement, fits: Bool = true) -> DeploymentReport {
        var reasons: [String] = []
        if board.core.kind.isApproximate {
            reasons.append("\(board.core.kind.displayName): sersim runs Thumb code on an approximate Cortex-M-class core "
                           + "calibrated to this core's published per-MHz figures")
        }
        if m.timingModel.isEstimate {
            // The list is already headed "estimate:"; the provenance need not say it again.
            var why = Substring(m.timingModel.provenance)
            if why.hasPrefix("estimate: ") { why = why.dropFirst("estimate: ".count) }
            reasons.append("\(m.timingModel.rawValue) timing: \(why)")
        }
        var report = DeploymentReport(
            sersimVersion: SerSimVersion.string,
            board: .init(name: board.name, displayName: board.displayName, mcu: board.mcu, core: board.core.kind.displayName,
                         clockHz: clockHz, approximateCore: board.core.kind.isApproximate),
            model: meta.model, fits: fits, executed: true, notExecutedReason: nil, memory: meta.memory, suggestions: [],
            cycles: m.cycles, instructions: m.instructions, latencySeconds: Double(m.cycles) / clockHz,
            energyJoules: nil, averagePowerWatts: nil, energy: nil, energyUnavailableReason: nil, dutyCycle: nil,
            layers: [], outputs: outputs(meta, m.outputs), verified: nil, input: meta.input,
            startupCycles: m.startupCycles, startupSteps: meta.startupSteps, timingModel: m.timingModel.rawValue,
            memoryStats: memoryStats(m.statistics), hostSeconds: m.hostSeconds, hostEmulationSeconds: m.hostSeconds,
            estimate: !reasons.isEmpty, estimateReasons: reasons,
            approximations: ReportComposer.approximations(board, m.timingModel, m.statistics))

        var layerEnergy: [Double?] = Array(repeating: nil, count: meta.layers.count)
        do {
            let power = try PowerModel(board: board)
            let e = try power.estimate(cycles: m.cycles, clockHz: clockHz, activity: activity(m.statistics))
            report.energyJoules = e.joules
            report.averagePowerWatts = e.averageWatts
            report.energy = .init(joules: e.joules, averageWatts: e.averageWatts, supplyVolts: e.supplyVolts,
                                  runCurrentAmps: e.runCurrentAmps, effectiveCurrentAmps: e.effectiveCurrentAmps, notes: e.notes)
            if e.isEstimate {
                report.estimate = true
                report.estimateReasons.append("energy: " + e.notes.joined(separator: " "))
            }
            for n in meta.layers.indices {
                layerEnergy[n] = try? power.estimate(cycles: m.layerCycles[n], clockHz: clockHz,
                                                     activity: activity(m.layerStatistics[n])).joules
            }
            if let duty = dutyCycle {
                let d = try power.dutyCycle(e, duty)
                report.dutyCycle = .init(periodSeconds: d.period, sleepMode: d.sleepMode, averagePowerWatts: d.averageWatts,
                                         joulesPerPeriod: d.joulesPerPeriod, battery: d.battery.map(\.name),
                                         batteryDays: d.batteryDays, notes: d.notes)
            }
        } catch {
            report.energyUnavailableReason = "\(error)"
        }
        report.layers = meta.layers.indices.map { n in
            let l = meta.layers[n]
            return DeploymentReport.Layer(
                index: l.index, name: l.name, op: l.op, kernel: l.kernel, cycles: m.layerCycles[n],
                instructions: m.layerInstructions[n],
                share: m.cycles > 0 ? Double(m.layerCycles[n]) / Double(m.cycles) : 0, macs: l.macs,
                cyclesPerMAC: l.macs > 0 ? Double(m.layerCycles[n]) / Double(l.macs) : nil, energyJoules: layerEnergy[n],
                weightBytes: l.weightBytes, activationBytes: l.activationBytes)
        }
        if let expected = meta.expectedOutputs {
            report.verified = expected == m.outputs
        }
        return report
    }

    func outputs(_ meta: FirmwareMetadata, _ raw: [[UInt8]]) -> [DeploymentReport.Output] {
        zip(meta.outputs, raw).map { o, bytes in
            let ints: [Int]
            switch o.type {
            case "int16":
                ints = stride(from: 0, to: bytes.count - 1, by: 2).map { Int(Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)) }
            case "uint8":
                ints = bytes.map { Int($0) }
            case "float32":
                ints = []
            default:
                ints = bytes.map { Int(Int8(bitPattern: $0)) }
            }
            let deq: [Double]
            if o.type == "float32" {
                deq = stride(from: 0, to: bytes.count - 3, by: 4).map {
                    Double(Float(bitPattern: UInt32(bytes[$0]) | UInt32(bytes[$0 + 1]) << 8 | UInt32(bytes[$0 + 2]) << 16
                                 | UInt32(bytes[$0 + 3]) << 24))
                }
            } else {
                deq = ints.map { o.scale * Double($0 - o.zeroPoint) }
            }
            let scores = o.type == "float32" ? deq : ints.map(Double.init)
            let argmax = scores.isEmpty ? nil : scores.indices.max { scores[$0] < scores[$1] }
            let label = argmax.flatMap { $0 < meta.labels.count ? meta.labels[$0] : nil }
            return .init(name: o.name, shape: o.shape, type: o.type, values: ints, dequantized: deq, argmax: argmax,
                         label: label)
        }
    }

    func activity(_ s: TimingStatistics) -> Activity {
        var byRegion: [String: UInt64] = [:]
        for r in s.regions where r.fetches > 0 { byRegion[r.name] = r.fetches }
        var byClass: [String: UInt64] = [:]
        for c in OpClass.allCases where s.count(c) > 0 { byClass[String(describing: c)] = s.count(c) }
        return Activity(fetchesByRegion: byRegion, instructionsByClass: byClass)
    }

    func memoryStats(_ s: TimingStatistics) -> DeploymentReport.MemoryStats {
        var regions: [String: UInt64] = [:]
        for r in s.regions where r.fetches + r.reads + r.writes > 0 { regions[r.name] = r.fetches + r.reads + r.writes }
        let st = s.stalls
        return .init(
            accessesByRegion: regions,
            caches: s.caches.map { .init(name: $0.name, accesses: $0.accesses, hits: $0.hits, misses: $0.misses) },
            stallCycles: ["fetch": st.fetch, "data": st.data, "branch": st.branch, "mispredict": st.mispredict,
                          "interlock": st.interlock, "divide": st.divide])
    }
}
