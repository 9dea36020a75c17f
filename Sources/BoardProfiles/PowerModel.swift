// The power model: run current as a function of clock (datasheet points, interpolated),
// refined by per-region and per-instruction-class weights where the board file gives them;
// energy per inference, average power, duty cycling and battery life. Pure functions of
// the board's data and the run's counters; docs/power.md explains every step.

import Foundation

/// One datasheet point: at `hz`, the chip draws `amps`.
public struct CurrentPoint: Sendable, Equatable {
    public var hz: Double
    public var amps: Double
    public init(hz: Double, amps: Double) {
        self.hz = hz
        self.amps = amps
    }
}

/// How a current at a clock was obtained from the datasheet points.
public enum CurrentLookup: Sendable, Equatable {
    /// The clock is one of the points.
    case exact
    /// Linear between the points at `lower` and `upper` Hz.
    case interpolated(lower: Double, upper: Double)
    /// Outside the points: linear through the two nearest points (or proportional to the
    /// clock from a single point), never below zero.
    case extrapolated(from: Double)
}

/// Current as a function of clock, from datasheet points (ascending by clock).
public struct CurrentCurve: Sendable, Equatable {
    public var points: [CurrentPoint]

    public init(points: [CurrentPoint]) {
        self.points = points.sorted { $0.hz < $1.hz }
    }

    /// A clock-independent current.
    public init(constant amps: Double) {
        self.points = [CurrentPoint(hz: 0, amps: amps)]
    }

    public var isConstant: Bool { points.count == 1 && points[0].hz == 0 }

    public func current(atHz hz: Double) -> (amps: Double, how: CurrentLookup) {
        guard let first = points.first, let last = points.last else { return (0, .exact) }
        if isConstant { return (first.amps, .exact) }
        if let p = points.first(where: { $0.hz == hz }) { return (p.amps, .exact) }
        if points.count == 1 {
            // One point: current proportional to clock (dynamic power dominates).
            return (first.amps * hz / first.hz, .extrapolated(from: first.hz))
        }
        if hz < first.hz {
            let a = line(points[0], points[1], at: hz)
            return (a > 0 ? a : first.amps * hz / first.hz, .extrapolated(from: first.hz))
        }
        if hz > last.hz {
            let n = points.count
            return (max(0, line(points[n - 2], points[n - 1], at: hz)), .extrapolated(from: last.hz))
        }
        for i in 1..<points.count where hz < points[i].hz {
            return (line(points[i - 1], points[i], at: hz), .interpolated(lower: points[i - 1].hz, upper: points[i].hz))
        }
        return (last.amps, .exact)
    }

    private func line(_ a: CurrentPoint, _ b: CurrentPoint, at hz: Double) -> Double {
        a.amps + (b.amps - a.amps) * (hz - a.hz) / (b.hz - a.hz)
    }
}

/// A low-power mode the chip can wait in between inferences.
public struct SleepMode: Sendable, Equatable {
    public var name: String
    public var description: String
    /// Constant, or a function of the clock for modes that keep the clocks running
    /// (e.g. STM32 Sleep: the core stops, HCLK keeps running).
    public var current: CurrentCurve
    /// Where the figure comes from ("DS10916: Table 32 ...").
    public var ref: String

    public init(name: String, description: String, current: CurrentCurve, ref: String) {
        self.name = name
        self.description = description
        self.current = current
        self.ref = ref
    }
}

/// Current when code executes from a given memory region, measured at one clock. The
/// ratio to the run curve at that clock weights instruction fetches from that region.
public struct RegionCurrents: Sendable, Equatable {
    public var clockHz: Double
    public var amps: [String: Double]
    public var ref: String
    public init(clockHz: Double, amps: [String: Double], ref: String) {
        self.clockHz = clockHz
        self.amps = amps
        self.ref = ref
    }
}

/// Relative energy of instruction classes against the run condition's instruction mix
/// (1.0 = as measured). None of the shipped boards has a datasheet source for these.
public struct ClassWeights: Sendable, Equatable {
    public var weights: [String: Double]
    public var ref: String
    public init(weights: [String: Double], ref: String) {
        self.weights = weights
        self.ref = ref
    }
}

/// A board's power data, as cited in its file.
public struct PowerSpec: Sendable, Equatable {
    public var supplyVolts: Double
    public var supplyRef: String
    public var run: CurrentCurve
    /// What the run points were measured with ("CoreMark-equivalent code from flash, ...").
    public var runCondition: String
    public var runRef: String
    public var regionCurrents: RegionCurrents?
    public var classWeights: ClassWeights?
    public var sleepModes: [SleepMode]
    public var defaultSleepMode: String?

    public init(
        supplyVolts: Double, supplyRef: String = "", run: CurrentCurve, runCondition: String = "",
        runRef: String = "", regionCurrents: RegionCurrents? = nil, classWeights: ClassWeights? = nil,
        sleepModes: [SleepMode] = [], defaultSleepMode: String? = nil
    ) {
        self.supplyVolts = supplyVolts
        self.supplyRef = supplyRef
        self.run = run
        self.runCondition = runCondition
        self.runRef = runRef
        self.regionCurrents = regionCurrents
        self.classWeights = classWeights
        self.sleepModes = sleepModes
        self.defaultSleepMode = defaultSleepMode
    }

    public func sleepMode(named name: String) -> SleepMode? { sleepModes.first { $0.name == name } }
}

/// What a run did, as far as energy cares. Both maps are optional refinements: the timing
/// model provides instruction fetches per memory region (by region name) and instruction
/// counts per operation class (by class name, e.g. ThumbISA's `OpClass` raw values).
public struct Activity: Sendable, Equatable {
    public var fetchesByRegion: [String: UInt64]
    public var instructionsByClass: [String: UInt64]
    public init(fetchesByRegion: [String: UInt64] = [:], instructionsByClass: [String: UInt64] = [:]) {
        self.fetchesByRegion = fetchesByRegion
        self.instructionsByClass = instructionsByClass
    }
}

public enum PowerModelError: Error, CustomStringConvertible, Equatable {
    case noPowerData(board: String)
    case clockOutOfRange(board: String, hz: Double, min: Double, max: Double)
    case unknownSleepMode(board: String, name: String, known: [String])
    case noSleepMode(board: String)
    case periodTooShort(period: Double, active: Double)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .noPowerData(b):
            "\(b): the board file has no cited power data, so sersim reports no energy figures for it"
        case let .clockOutOfRange(b, hz, lo, hi):
            "\(b): clock \(Format.hertz(hz)) is outside the board's range \(Format.hertz(lo))–\(Format.hertz(hi))"
        case let .unknownSleepMode(b, n, known):
            "\(b): no sleep mode '\(n)'; the board has \(known.isEmpty ? "none" : known.joined(separator: ", "))"
        case let .noSleepMode(b):
            "\(b): the board file lists no sleep modes, so duty cycling cannot be estimated"
        case let .periodTooShort(p, a):
            "the period \(Format.seconds(p)) is shorter than one inference (\(Format.seconds(a)))"
        case let .invalidArgument(m):
            m
        }
    }
}

/// Energy and power of one inference (or any run of `cycles`).
public struct EnergyEstimate: Sendable, Equatable {
    public var board: String
    public var cycles: UInt64
    public var clockHz: Double
    /// Flash wait states at this clock (the board's latency table).
    public var flashWaitStates: Int
    public var supplyVolts: Double
    /// Datasheet run current at the clock (interpolated).
    public var runCurrentAmps: Double
    public var runLookup: CurrentLookup
    /// After region and class weights.
    public var effectiveCurrentAmps: Double
    public var regionFactor: Double
    public var classFactor: Double
    public var seconds: Double { clockHz > 0 ? Double(cycles) / clockHz : 0 }
    public var joules: Double { supplyVolts * effectiveCurrentAmps * seconds }
    public var microjoules: Double { joules * 1e6 }
    public var averageWatts: Double { supplyVolts * effectiveCurrentAmps }
    public var milliwatts: Double { averageWatts * 1e3 }
    /// Whether the figure is an estimate beyond datasheet interpolation (approximate core,
    /// extrapolated current, weights assumed).
    public var isEstimate: Bool
    /// What was refined and what was approximated, in words, with the sources.
    public var notes: [String]
}

/// Duty cycling: one inference every `period` seconds, sleeping in `sleepMode` between.
public struct DutyCycle: Sendable, Equatable {
    public var period: Double
    /// nil: the board's default sleep mode.
    public var sleepMode: String?
    public var battery: Battery?
    public init(period: Double, sleepMode: String? = nil, battery: Battery? = nil) {
        self.period = period
        self.sleepMode = sleepMode
        self.battery = battery
    }
}

public struct DutyCycleEstimate: Sendable, Equatable {
    public var period: Double
    public var activeSeconds: Double
    public var sleepMode: String
    public var sleepCurrentAmps: Double
    public var averageCurrentAmps: Double
    public var averageWatts: Double
    public var joulesPerPeriod: Double
    public var battery: Battery?
    /// Days on the battery; nil without a battery.
    public var batteryDays: Double?
    public var notes: [String]
}

/// The power model for one board.
public struct PowerModel: Sendable {
    public let board: Board
    public let spec: PowerSpec

    public init(board: Board) throws(PowerModelError) {
        guard let spec = board.power else { throw .noPowerData(board: board.name) }
        self.board = board
        self.spec = spec
    }

    /// Datasheet run current at a clock.
    public func runCurrent(atHz hz: Double) -> Double { spec.run.current(atHz: hz).amps }

    /// Run power at the board's default clock (the `sersim boards` column).
    public var defaultRunWatts: Double { spec.supplyVolts * runCurrent(atHz: board.clock.defaultHz) }

    /// Energy of `cycles` at `clockHz` (default: the board's default clock), refined by
    /// `activity` where the board gives weights.
    public func estimate(cycles: UInt64, clockHz: Double? = nil, activity: Activity? = nil) throws(PowerModelError) -> EnergyEstimate {
        let hz = clockHz ?? board.clock.defaultHz
        guard hz >= board.clock.minHz, hz <= board.clock.maxHz, hz > 0 else {
            throw .clockOutOfRange(board: board.name, hz: hz, min: board.clock.minHz, max: board.clock.maxHz)
        }
        let (base, how) = spec.run.current(atHz: hz)
        var notes: [String] = []
        var estimate = board.isEstimate
        if let why = board.estimate { notes.append("estimate: \(why)") }
        switch how {
        case .exact:
            notes.append("run current \(Format.amperes(base)) at \(Format.hertz(hz)): \(spec.runRef)")
        case let .interpolated(lo, hi):
            notes.append("run current \(Format.amperes(base)) interpolated between the datasheet points at "
                + "\(Format.hertz(lo)) and \(Format.hertz(hi)): \(spec.runRef)")
        case let .extrapolated(from):
            estimate = true
            notes.append("run current \(Format.amperes(base)) extrapolated from the datasheet point at "
                + "\(Format.hertz(from)) (no point at \(Format.hertz(hz))): \(spec.runRef)")
        }
        if !spec.runCondition.isEmpty { notes.append("measured with: \(spec.runCondition)") }

        var regionFactor = 1.0
        var classFactor = 1.0
        if let activity {
            if let rc = spec.regionCurrents, !activity.fetchesByRegion.isEmpty {
                regionFactor = Self.regionFactor(rc, run: spec.run, fetches: activity.fetchesByRegion)
                notes.append(String(format: "region weights (fetches by region) scale the current by %.3f: %@",
                                    regionFactor, rc.ref))
            }
            if let cw = spec.classWeights, !activity.instructionsByClass.isEmpty {
                classFactor = Self.classFactor(cw, counts: activity.instructionsByClass)
                notes.append(String(format: "instruction-class weights scale the current by %.3f: %@", classFactor, cw.ref))
            }
        }
        return EnergyEstimate(
            board: board.name, cycles: cycles, clockHz: hz,
            flashWaitStates: board.memorySystem.flashWaitStates(atHz: hz),
            supplyVolts: spec.supplyVolts, runCurrentAmps: base, runLookup: how,
            effectiveCurrentAmps: base * regionFactor * classFactor,
            regionFactor: regionFactor, classFactor: classFactor,
            isEstimate: estimate, notes: notes)
    }

    /// Σ share_r × (I_r / I_run) over regions with fetches; regions without a figure count 1.
    static func regionFactor(_ rc: RegionCurrents, run: CurrentCurve, fetches: [String: UInt64]) -> Double {
        let total = fetches.values.reduce(0, +)
        guard total > 0 else { return 1 }
        let reference = run.current(atHz: rc.clockHz).amps
        guard reference > 0 else { return 1 }
        var factor = 0.0
        for (region, n) in fetches {
            let weight = rc.amps[region].map { $0 / reference } ?? 1
            factor += Double(n) / Double(total) * weight
        }
        return factor
    }

    /// Σ share_c × w_c over instruction classes; classes without a weight count 1.
    static func classFactor(_ cw: ClassWeights, counts: [String: UInt64]) -> Double {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return 1 }
        var factor = 0.0
        for (cls, n) in counts { factor += Double(n) / Double(total) * (cw.weights[cls] ?? 1) }
        return factor
    }

    /// Average power and battery life when one inference (`active`) runs every period.
    public func dutyCycle(_ active: EnergyEstimate, _ duty: DutyCycle) throws(PowerModelError) -> DutyCycleEstimate {
        guard duty.period > 0, duty.period.isFinite else { throw .invalidArgument("the period must be a positive duration") }
        guard !spec.sleepModes.isEmpty else { throw .noSleepMode(board: board.name) }
        let name = duty.sleepMode ?? spec.defaultSleepMode ?? spec.sleepModes[0].name
        guard let mode = spec.sleepMode(named: name) else {
            throw .unknownSleepMode(board: board.name, name: name, known: spec.sleepModes.map(\.name))
        }
        let activeS = active.seconds
        guard activeS <= duty.period else { throw .periodTooShort(period: duty.period, active: activeS) }
        let sleepS = duty.period - activeS
        let (sleepA, how) = mode.current.current(atHz: active.clockHz)
        let volts = spec.supplyVolts
        let joules = active.joules + volts * sleepA * sleepS
        let watts = joules / duty.period
        var notes = ["sleeping in \(mode.name) (\(mode.description)) at \(Format.amperes(sleepA)): \(mode.ref)"]
        if case .extrapolated = how { notes.append("sleep current extrapolated beyond the datasheet points") }
        var days: Double?
        if let battery = duty.battery {
            let seconds: Double
            if let bv = battery.volts {
                // Energy view: an ideal converter between battery and supply.
                seconds = battery.capacityAh * 3600 * bv / watts
                notes.append("battery \(battery.name): \(Format.trim(battery.capacityAh * 1e3)) mAh at "
                    + "\(Format.trim(bv)) V, lossless conversion to the \(Format.trim(volts)) V supply assumed"
                    + (battery.source.isEmpty ? "" : " (\(battery.source))"))
            } else {
                seconds = battery.capacityAh * 3600 / (watts / volts)
                notes.append("battery \(Format.trim(battery.capacityAh * 1e3)) mAh assumed to supply the board's "
                    + "\(Format.trim(volts)) V directly")
            }
            notes.append("battery life ignores self-discharge and the capacity lost at the cut-off voltage")
            days = seconds / 86_400
        }
        return DutyCycleEstimate(
            period: duty.period, activeSeconds: activeS, sleepMode: mode.name, sleepCurrentAmps: sleepA,
            averageCurrentAmps: watts / volts, averageWatts: watts, joulesPerPeriod: joules,
            battery: duty.battery, batteryDays: days, notes: notes)
    }
}

/// A battery: capacity, and the voltage when known (named cells).
public struct Battery: Sendable, Equatable {
    public var name: String
    public var capacityAh: Double
    public var volts: Double?
    /// Where the nominal figures come from (named cells).
    public var source: String

    public init(name: String, capacityAh: Double, volts: Double? = nil, source: String = "") {
        self.name = name
        self.capacityAh = capacityAh
        self.volts = volts
        self.source = source
    }

    /// Named cells with cited nominal capacity and voltage.
    public static let named: [Battery] = [
        Battery(name: "CR2032", capacityAh: 0.235, volts: 3.0,
                source: "Energizer CR2032 product datasheet (data.energizer.com/pdfs/cr2032.pdf): typical capacity "
                    + "235 mAh to 2.0 V, nominal 3.0 V"),
        Battery(name: "AA", capacityAh: 2.85, volts: 1.5,
                source: "Duracell MN1500 (AA alkaline) OEM data: rated capacity 2.85 Ah, nominal 1.5 V"),
    ]

    /// Nominal voltage of a single-cell lithium-polymer pack.
    public static let lipoVolts = 3.7
    public static let lipoSource = "single-cell LiPo nominal voltage 3.7 V as labelled by pack makers; capacity as given"

    /// Parse "220mAh", "2.5Ah", "1000mAh@3.7V", "CR2032", "AA", "LiPo 1000mAh" / "lipo1000mAh".
    public static func parse(_ text: String) throws(PowerModelError) -> Battery {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let cell = named.first(where: { $0.name.caseInsensitiveCompare(t) == .orderedSame }) { return cell }
        let lower = t.lowercased()
        if lower.hasPrefix("lipo") {
            let rest = String(t.dropFirst(4))
            guard let ah = Quantity.capacity(rest), ah > 0 else {
                throw .invalidArgument("'\(text)': a LiPo battery needs a capacity, e.g. 'LiPo 1000mAh'")
            }
            return Battery(name: "LiPo \(Format.trim(ah * 1e3)) mAh", capacityAh: ah, volts: lipoVolts, source: lipoSource)
        }
        let parts = t.split(separator: "@", maxSplits: 1).map(String.init)
        guard let ah = Quantity.capacity(parts[0]), ah > 0 else {
            throw .invalidArgument("'\(text)' is not a battery: give a capacity like 220mAh (optionally @3V) or one of "
                + (named.map(\.name) + ["LiPo <capacity>"]).joined(separator: ", "))
        }
        var volts: Double?
        if parts.count == 2 {
            guard let v = Quantity.voltage(parts[1]), v > 0 else {
                throw .invalidArgument("'\(parts[1])' is not a voltage (e.g. 3.7V)")
            }
            volts = v
        }
        return Battery(name: "\(Format.trim(ah * 1e3)) mAh", capacityAh: ah, volts: volts)
    }
}
