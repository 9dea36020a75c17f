// Boards as JSON-ready dictionaries (for `sersim boards --json` and tools), and the text
// rendering `sersim boards show` prints. Building strings only: nothing here prints.

import Foundation

extension SourceDocument {
    public var jsonObject: [String: Any] {
        var o: [String: Any] = ["id": id, "document": document, "revision": revision, "url": url, "checked": checked]
        if let note { o["note"] = note }
        return o
    }
}

extension Board {
    /// Run power at the default clock, when the board has power data.
    public var defaultRunWatts: Double? {
        (try? PowerModel(board: self))?.defaultRunWatts
    }

    /// Whether the run current at the default clock lies outside the datasheet points
    /// (extrapolated, so `defaultRunWatts` is an estimate).
    public var defaultRunIsExtrapolated: Bool {
        guard let p = power else { return false }
        if case .extrapolated = p.run.current(atHz: clock.defaultHz).how { return true }
        return false
    }

    /// One entry of `sersim boards --json`.
    public var summaryObject: [String: Any] {
        var o: [String: Any] = [
            "name": name, "displayName": displayName, "mcu": mcu, "vendor": vendor,
            "core": core.kind.rawValue, "coreName": core.kind.displayName,
            "clockHz": clock.defaultHz, "flashBytes": flashBytes, "sramBytes": sramBytes,
            "estimate": isEstimate, "executes": core.kind.executes, "file": origin,
            "sources": sources.map(\.jsonObject),
        ]
        o["runMilliwatts"] = defaultRunWatts.map { $0 * 1e3 } ?? NSNull()
        o["runExtrapolated"] = defaultRunIsExtrapolated
        return o
    }

    /// Everything `sersim boards show --json` reports: the summary plus the memory map,
    /// memory system, power data and the citation of every number.
    public var detailObject: [String: Any] {
        var o = summaryObject
        o["url"] = url
        o["clock"] = ["defaultHz": clock.defaultHz, "minHz": clock.minHz, "maxHz": clock.maxHz]
        o["coreOptions"] = ["architecture": core.architecture.rawValue, "fpu": core.fpu.map { $0 as Any } ?? NSNull(), "dsp": core.dsp,
                            "fastMultiplier": core.fastMultiplier]
        o["vectorTable"] = Format.hex(vectorTable)
        o["memory"] = memory.map { r -> [String: Any] in
            [
                "name": r.name, "kind": r.kind.rawValue, "base": Format.hex(r.base), "size": r.size,
                "access": (r.readable ? "r" : "") + (r.writable ? "w" : "") + (r.executable ? "x" : ""),
                "waitStates": r.usesFlashLatency ? "flash" as Any : r.waitStates as Any,
                "waitStatesAssumed": r.waitStatesAssumed, "usable": r.usable, "space": r.addressSpace.rawValue,
            ]
        }
        var ms: [String: Any] = [
            "flashLatency": memorySystem.flashLatency.map { ["maxHz": $0.maxHz, "waitStates": $0.waitStates] },
            "flashReadBytes": memorySystem.flashLineBytes, "prefetch": memorySystem.prefetch,
            "xipMissCycles": memorySystem.xipMissCycles,
            "busWidthBytes": memorySystem.busWidthBytes, "busLatencyCycles": memorySystem.busLatencyCycles,
        ]
        let caches: [(String, CacheSpec?)] = [
            ("art", memorySystem.artAsTimed), ("artData", memorySystem.artData), ("icache", memorySystem.icache),
            ("dcache", memorySystem.dcache), ("xipCache", memorySystem.xipCache),
        ]
        for (key, c) in caches {
            guard let c else { continue }
            ms[key] = ["sizeBytes": c.sizeBytes, "ways": c.ways, "lineBytes": c.lineBytes, "sectorBytes": c.sectorBytes,
                       "assumedFullyAssociative": c.assumedFullyAssociative]
        }
        o["memorySystem"] = ms
        if let estimate { o["estimateReason"] = estimate }
        if let p = power {
            var po: [String: Any] = [
                "supplyVolts": p.supplyVolts,
                "run": ["condition": p.runCondition, "ref": p.runRef,
                        "points": p.run.points.map { ["hz": $0.hz, "amps": $0.amps] }],
                "sleepModes": p.sleepModes.map { m -> [String: Any] in
                    ["name": m.name, "description": m.description, "ref": m.ref,
                     "points": m.current.points.map { ["hz": $0.hz, "amps": $0.amps] }]
                },
                "defaultSleepMode": p.defaultSleepMode ?? NSNull(),
            ]
            if let rc = p.regionCurrents {
                po["regionCurrents"] = ["clockHz": rc.clockHz, "amps": rc.amps, "ref": rc.ref]
            }
            if let cw = p.classWeights { po["classWeights"] = ["weights": cw.weights, "ref": cw.ref] }
            o["power"] = po
        } else {
            o["power"] = NSNull()
        }
        o["citations"] = citations
        return o
    }

    /// The text of `sersim boards show`: every figure with the source it comes from.
    public func detailText() -> String {
        var s = "\(name): \(displayName) — \(mcu), \(vendor)\n"
        s += "file         \(origin)\n"
        if let estimate { s += "ESTIMATE     \(estimate)\n" }
        if !core.kind.executes { s += "memory fit   sersim does not execute \(core.kind.displayName) code; it reports memory fit only\n" }
        // Every distinct citation of a field, or of all fields under an object path.
        let cite = { (path: String) -> String in
            var refs: [String] = []
            for (k, v) in citations.sorted(by: { $0.key < $1.key })
            where k == path || k.hasPrefix(path + ".") || k.hasPrefix(path + "[") {
                for part in v.components(separatedBy: "; ") where !refs.contains(part) { refs.append(part) }
            }
            return refs.isEmpty ? "" : "  [\(refs.joined(separator: "; "))]"
        }
        s += "core         \(core.kind.displayName), \(core.architecture.rawValue)"
            + (core.fpu.map { ", FPU \($0)" } ?? "") + (core.dsp ? ", DSP" : "") + cite("core.kind") + "\n"
        s += "clock        \(Format.hertz(clock.defaultHz)) (range \(Format.hertz(clock.minHz))–\(Format.hertz(clock.maxHz)))"
            + cite("clock") + "\n"
        s += "flash        \(Format.bytes(flashBytes))" + cite("flashBytes") + "\n"
        s += "SRAM         \(Format.bytes(sramBytes))" + cite("sramBytes") + "\n"
        s += "vector table \(Format.hex(vectorTable))" + cite("vectorTable") + "\n"
        s += "memory:\n"
        for (i, r) in memory.enumerated() {
            let access = (r.readable ? "r" : "-") + (r.writable ? "w" : "-") + (r.executable ? "x" : "-")
            let ws = r.usesFlashLatency ? "flash WS" : r.waitStatesAssumed ? "WS n/a" : "\(r.waitStates) WS"
            let line = "  \(r.name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(r.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))"
                + " \(Format.hex(r.base))  \(Format.bytes(UInt64(r.size)).padding(toLength: 7, withPad: " ", startingAt: 0)) \(access)  \(ws)"
            s += line + cite("memory[\(i)]") + "\n"
        }
        let ms = memorySystem
        if !ms.flashLatency.isEmpty {
            s += "flash wait states: " + ms.flashLatency.map { "≤\(Format.hertz($0.maxHz)): \($0.waitStates)" }.joined(separator: ", ")
                + cite("memorySystem.flashLatency.steps") + "\n"
        }
        let caches: [(String, String, CacheSpec?)] = [
            ("ART", "art", ms.artAsTimed), ("ART data", "artData", ms.artData), ("I-cache", "icache", ms.icache),
            ("D-cache", "dcache", ms.dcache), ("XIP cache", "xipCache", ms.xipCache),
        ]
        for (label, key, c) in caches {
            guard let c else { continue }
            let ways = c.assumedFullyAssociative ? "fully associative (assumed)" : "\(c.ways)-way"
            let fill = c.sectorBytes < c.lineBytes ? " filled \(c.sectorBytes) bytes at a time" : ""
            s += "\(label): \(Format.bytes(UInt64(c.sizeBytes))), \(ways), \(c.lineBytes)-byte lines\(fill)" + cite("memorySystem.\(key)") + "\n"
        }
        if ms.xipMissCycles > 0 {
            s += "XIP miss: \(ms.xipMissCycles) core cycles" + cite("memorySystem.xipMiss") + "\n"
        }
        if core.kind == .cortexM7 {
            let latency = ms.busLatencyCycles > 0 ? "\(ms.busLatencyCycles) cycles added per access" : "no added latency (none cited)"
            s += "AXI bus: \(ms.busWidthBytes)-byte beats to SRAM, \(latency)" + cite("memorySystem.axiBus") + "\n"
        }
        if let p = power {
            s += "power (supply \(Format.trim(p.supplyVolts)) V\(cite("power.supply.volts"))):\n"
            s += "  run: " + p.run.points.map { "\(Format.hertz($0.hz)) \(Format.amperes($0.amps))" }.joined(separator: ", ")
                + "  [\(p.runRef)]\n"
            s += "       measured with \(p.runCondition)\n"
            if let rc = p.regionCurrents {
                s += "  code by region at \(Format.hertz(rc.clockHz)): "
                    + rc.amps.sorted { $0.key < $1.key }.map { "\($0.key) \(Format.amperes($0.value))" }.joined(separator: ", ")
                    + "  [\(rc.ref)]\n"
            }
            for m in p.sleepModes {
                let cur = m.current.isConstant ? Format.amperes(m.current.points[0].amps)
                    : m.current.points.map { "\(Format.hertz($0.hz)) \(Format.amperes($0.amps))" }.joined(separator: ", ")
                s += "  sleep mode \(m.name)\(m.name == p.defaultSleepMode ? " (default)" : ""): \(cur) — \(m.description)  [\(m.ref)]\n"
            }
            if let w = defaultRunWatts {
                s += "  run power at \(Format.hertz(clock.defaultHz)): \(Format.watts(w))"
                    + (defaultRunIsExtrapolated ? " (estimate: current extrapolated beyond the datasheet points)" : "") + "\n"
            }
        } else {
            s += "power: no cited power data for this board (no energy figures)\n"
        }
        s += "sources:\n"
        for src in sources {
            s += "  \(src.id): \(src.document), \(src.revision)\(src.checked ? "" : " (not re-checked)")\n    \(src.url)\n"
            if let note = src.note { s += "    \(note)\n" }
        }
        return s
    }
}
