import BoardProfiles
import Dispatch
import Foundation
import QuantModel

/// One point of a sweep: a board, a clock, and — for models sersim can rescale — a hidden
/// size and sequence length; where the weights live.
public struct SweepConfiguration: Sendable, Codable, Equatable {
    public var board: String
    /// nil = the board's default clock.
    public var clockHz: Double?
    /// nil = the model's own.
    public var hiddenSize: Int?
    public var sequenceLength: Int?
    public var weightsInRAM: Bool

    public init(board: String, clockHz: Double? = nil, hiddenSize: Int? = nil, sequenceLength: Int? = nil,
                weightsInRAM: Bool = false) {
        self.board = board
        self.clockHz = clockHz
        self.hiddenSize = hiddenSize
        self.sequenceLength = sequenceLength
        self.weightsInRAM = weightsInRAM
    }
}

/// The axes of a sweep; the configurations are every combination (boards outermost).
public struct SweepPlan: Sendable, Equatable {
    public var boards: [String]
    /// Empty: each board at its default clock.
    public var clocksHz: [Double]
    /// Empty: the model's own hidden size / sequence length.
    public var hiddenSizes: [Int]
    public var sequenceLengths: [Int]
    /// Where the weights live: [false] = flash only; [false, true] = both.
    public var weightsInRAM: [Bool]

    /// A sweep this large is almost certainly a typo.
    public static let maxConfigurations = 10_000

    public init(boards: [String], clocksHz: [Double] = [], hiddenSizes: [Int] = [], sequenceLengths: [Int] = [],
                weightsInRAM: [Bool] = [false]) {
        self.boards = boards
        self.clocksHz = clocksHz
        self.hiddenSizes = hiddenSizes
        self.sequenceLengths = sequenceLengths
        self.weightsInRAM = weightsInRAM.isEmpty ? [false] : weightsInRAM
    }

    public var count: Int {
        boards.count * max(1, clocksHz.count) * max(1, hiddenSizes.count) * max(1, sequenceLengths.count) * weightsInRAM.count
    }

    public var configurations: [SweepConfiguration] {
        var out: [SweepConfiguration] = []
        for b in boards {
            for c in clocksHz.isEmpty ? [nil] : clocksHz.map(Optional.some) {
                for h in hiddenSizes.isEmpty ? [nil] : hiddenSizes.map(Optional.some) {
                    for t in sequenceLengths.isEmpty ? [nil] : sequenceLengths.map(Optional.some) {
                        for w in weightsInRAM {
                            out.append(SweepConfiguration(board: b, clockHz: c, hiddenSize: h, sequenceLength: t, weightsInRAM: w))
                        }
                    }
                }
            }
        }
        return out
    }
}

/// What one deployment of a comparison or sweep gave: the row of the table, CSV and JSON.
public struct DeploymentSummary: Sendable, Codable {
    public var board: String
    public var boardDisplayName: String
    public var core: String
    public var clockHz: Double
    public var model: String
    /// Units of the hidden layers and the sequence length actually deployed (nil: the
    /// model has none).
    public var hiddenSize: Int?
    public var layerSizes: [Int]
    public var sequenceLength: Int?
    public var weightsInRAM: Bool
    /// The weights were drawn at random by the rescaler (not trained).
    public var syntheticWeights: Bool
    public var macs: Int
    public var weightBytes: Int

    public var fits: Bool
    /// It ran on the emulated core (false: fit-only AVR, not fitting, or an error).
    public var executed: Bool
    public var notExecutedReason: String?
    /// Bytes needed and available in flash and RAM (every region of that kind together;
    /// the fit verdict is per region, each buffer contiguous).
    public var flashUsed: Int
    public var flashSize: Int
    public var ramUsed: Int
    public var ramSize: Int
    public var overflows: [String]

    public var cycles: UInt64?
    public var latencySeconds: Double?
    public var energyJoules: Double?
    public var averagePowerWatts: Double?
    public var energyUnavailableReason: String?
    /// With a duty cycle (`--period`): average power over a period, battery life.
    public var dutyCycleAverageWatts: Double?
    public var batteryDays: Double?
    public var verified: Bool?
    public var estimate: Bool
    public var estimateReasons: [String]
    /// The deployment failed: "verification" (outputs differ from the reference), "run"
    /// (fault, hang), "build" or "input"; with the message.
    public var errorKind: String?
    public var error: String?
    public var hostSeconds: Double

    public var flashFraction: Double { flashSize > 0 ? Double(flashUsed) / Double(flashSize) : 0 }
    public var ramFraction: Double { ramSize > 0 ? Double(ramUsed) / Double(ramSize) : 0 }
}

/// Progress of a running sweep, passed to the caller after each configuration.
public struct SweepProgress: Sendable {
    public var done: Int
    public var total: Int
    public var elapsedSeconds: Double
    public var last: DeploymentSummary

    /// `[#######.............]  7/20  3 s, ~6 s left` (for a terminal; the caller redraws it).
    public func bar(width: Int = 24) -> String {
        let filled = total > 0 ? Int((Double(done) / Double(total) * Double(width)).rounded(.down)) : width
        let left = done > 0 && done < total ? elapsedSeconds / Double(done) * Double(total - done) : 0
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            + "\(done)/\(total)  \(Int(elapsedSeconds.rounded())) s" + (done < total ? ", ~\(Int(left.rounded(.up))) s left" : "")
    }

    /// One plain line per finished configuration (for logs and pipes).
    public func line() -> String {
        "[\(done)/\(total)] " + SweepText.configurationLabel(last) + ": " + SweepText.outcome(last)
    }
}

/// Runs deployments of one model over boards, clocks, hidden sizes and sequence lengths, in
/// parallel on all cores (one configuration per thread, largest models first so that the
/// last ones to finish are short).
public struct Sweep: Sendable {
    public let model: Model
    public let modelPath: String?
    public let plan: SweepPlan
    /// Options shared by every configuration (input, verification, duty cycle, kernels);
    /// clock and weight placement come from the configuration.
    public var options: DeploymentOptions
    /// Threads; nil = the number of cores.
    public var jobs: Int?
    public var seed: UInt64 = ModelRescaler.defaultSeed

    let boards: [String: Board]

    /// Checks the plan against the model and the boards before anything runs: every clock
    /// in every board's range, the model rescalable when asked.
    public init(model: Model, modelPath: String?, boards: [Board], plan: SweepPlan,
                options: DeploymentOptions = DeploymentOptions(), jobs: Int? = nil) throws(SweepError) {
        self.model = model
        self.modelPath = modelPath
        self.plan = plan
        self.options = options
        self.jobs = jobs
        var byName: [String: Board] = [:]
        for b in boards { byName[b.name] = b }
        self.boards = byName
        guard !plan.boards.isEmpty else { throw .plan("no boards to run on") }
        for name in plan.boards where byName[name] == nil { throw .plan("board \(name) was not loaded") }
        guard plan.count <= SweepPlan.maxConfigurations else {
            throw .plan("\(plan.count) configurations; at most \(SweepPlan.maxConfigurations) (narrow a range)")
        }
        var outside: [String] = []
        for name in plan.boards {
            guard let b = byName[name] else { continue }
            let bad = plan.clocksHz.filter { $0 < b.clock.minHz || $0 > b.clock.maxHz }
            if !bad.isEmpty {
                outside.append("\(name) runs at \(Self.clockRange(b)), not " + bad.map { Format.hertz($0) }.joined(separator: ", "))
            }
        }
        if !outside.isEmpty { throw .plan("clock outside a board's range: " + outside.joined(separator: "; ")) }
        if !plan.hiddenSizes.isEmpty || !plan.sequenceLengths.isEmpty {
            let rescaler: ModelRescaler
            do { rescaler = try ModelRescaler(model) } catch { throw .rescale(error) }
            // Derive each variant once here, so that errors show before anything runs.
            for h in plan.hiddenSizes.isEmpty ? [nil] : plan.hiddenSizes.map(Optional.some) {
                for t in plan.sequenceLengths.isEmpty ? [nil] : plan.sequenceLengths.map(Optional.some) {
                    do { _ = try rescaler.rescaled(hiddenSize: h, sequenceLength: t, seed: seed) } catch { throw .rescale(error) }
                }
            }
        }
    }

    /// Load the model and the plan's boards (names or board file paths).
    ///
    /// ```swift
    /// let plan = SweepPlan(boards: ["nano33ble"], hiddenSizes: [32, 64, 128])
    /// let result = try Sweep(model: "ser.q8", plan: plan).run()
    /// #expect(result.points.allSatisfy { $0.verified == true })
    /// ```
    public init(model path: String, plan: SweepPlan, options: DeploymentOptions = DeploymentOptions(),
                jobs: Int? = nil) throws {
        let model = try ModelLoader.load(path)
        let boards = try plan.boards.map { try BoardLibrary.load($0) }
        var named = plan
        named.boards = boards.map(\.name)
        try self.init(model: model, modelPath: path, boards: boards, plan: named, options: options, jobs: jobs)
    }

    static func clockRange(_ b: Board) -> String {
        b.clock.minHz == b.clock.maxHz ? "\(Format.hertz(b.clock.minHz)) only"
            : "\(Format.hertz(b.clock.minHz))–\(Format.hertz(b.clock.maxHz))"
    }

    /// Run every configuration; `progress` is called (serialised) after each one.
    public func run(progress: (@Sendable (SweepProgress) -> Void)? = nil) throws(SweepError) -> SweepResult {
        let start = Date()
        let outcomes = try runAll(keepReports: false, progress: progress)
        let variants = try variantsByKey()
        let (_, inputText) = try baseInput()
        var notes: [String] = []
        if variants.values.contains(where: \.syntheticWeights) {
            notes.append("Rescaled models (hidden size ≠ the model's) have SYNTHETIC weights drawn from the original's "
                         + "values (seed \(seed)), not trained: their outputs mean nothing. Cycles, memory and energy "
                         + "depend on the shapes; each run is still verified bit-exact against the reference executor "
                         + "on the same rescaled model.")
        }
        if plan.sequenceLengths.contains(where: { $0 != ModelRescalerInfo.sequenceLength(model) }) {
            notes.append("Other sequence lengths repeat the input's time steps cyclically (or cut them short).")
        }
        return SweepResult(
            sersimVersion: SerSimVersion.string, model: model.name, modelPath: modelPath,
            axes: .init(boards: plan.boards, clocksHz: plan.clocksHz, hiddenSizes: plan.hiddenSizes,
                        sequenceLengths: plan.sequenceLengths, weights: plan.weightsInRAM.map { $0 ? "ram" : "flash" }),
            input: inputText, notes: notes, points: outcomes.map(\.summary),
            jobs: effectiveJobs(plan.count), hostSeconds: Date().timeIntervalSince(start))
    }

    /// The rescaled models the plan deploys (the original excluded), in plan order.
    public func rescaledModels() throws(SweepError) -> [RescaledModel] {
        let variants = try variantsByKey()
        var out: [RescaledModel] = []
        for h in plan.hiddenSizes.isEmpty ? [nil] : plan.hiddenSizes.map(Optional.some) {
            for t in plan.sequenceLengths.isEmpty ? [nil] : plan.sequenceLengths.map(Optional.some) {
                if let v = variants[VariantKey(hidden: h, steps: t)], !v.isOriginal { out.append(v) }
            }
        }
        return out
    }

    func effectiveJobs(_ count: Int) -> Int {
        max(1, min(count, jobs ?? ProcessInfo.processInfo.activeProcessorCount))
    }

    struct Outcome: Sendable {
        var summary: DeploymentSummary
        var report: DeploymentReport?
    }

    struct VariantKey: Hashable { var hidden: Int?; var steps: Int? }

    func variantsByKey() throws(SweepError) -> [VariantKey: RescaledModel] {
        var out: [VariantKey: RescaledModel] = [:]
        let hs = plan.hiddenSizes.isEmpty ? [nil] : plan.hiddenSizes.map(Optional.some)
        let ts = plan.sequenceLengths.isEmpty ? [nil] : plan.sequenceLengths.map(Optional.some)
        if hs == [nil] && ts == [nil] {
            let sizes = (try? ModelRescaler(model))?.originalLayerSizes ?? []
            out[VariantKey(hidden: nil, steps: nil)] = RescaledModel(
                model: model, hiddenSize: sizes.first, sequenceLength: ModelRescalerInfo.sequenceLength(model),
                layerSizes: sizes, syntheticWeights: false, isOriginal: true)
            return out
        }
        let rescaler: ModelRescaler
        do { rescaler = try ModelRescaler(model) } catch { throw .rescale(error) }
        for h in hs {
            for t in ts {
                do { out[VariantKey(hidden: h, steps: t)] = try rescaler.rescaled(hiddenSize: h, sequenceLength: t, seed: seed) }
                catch { throw .rescale(error) }
            }
        }
        return out
    }

    /// The input bytes for the original model (from `options.input`) and where they came from.
    func baseInput() throws(SweepError) -> ([[UInt8]], String) {
        let d = Deployment(model: model, modelPath: modelPath, board: boards[plan.boards[0]]!, options: options)
        do { return try d.resolveInput() } catch { throw .input("\(error)") }
    }

    func runAll(keepReports: Bool, progress: (@Sendable (SweepProgress) -> Void)?) throws(SweepError) -> [Outcome] {
        let configurations = plan.configurations
        let variants = try variantsByKey()
        let (inputBytes, _) = try baseInput()
        let rescaler = try? ModelRescaler(model)
        // Largest work first (MACs over a rough speed), so no long run starts last.
        let order = configurations.indices.sorted { a, b in
            let ca = configurations[a], cb = configurations[b]
            let wa = Double(variants[VariantKey(hidden: ca.hiddenSize, steps: ca.sequenceLength)]!.macs)
                / (ca.clockHz ?? boards[ca.board]!.clock.defaultHz)
            let wb = Double(variants[VariantKey(hidden: cb.hiddenSize, steps: cb.sequenceLength)]!.macs)
                / (cb.clockHz ?? boards[cb.board]!.clock.defaultHz)
            return wa != wb ? wa > wb : a < b
        }
        let state = SweepState(count: configurations.count, order: order)
        let start = Date()
        let work: @Sendable (Int) -> Outcome = { [self] index in
            let c = configurations[index]
            let variant = variants[VariantKey(hidden: c.hiddenSize, steps: c.sequenceLength)]!
            var input = inputBytes
            if let t = c.sequenceLength, let rescaler { input = rescaler.input(inputBytes, sequenceLength: t) }
            return self.deploy(c, variant: variant, input: input, keepReport: keepReports)
        }
        let threads = effectiveJobs(configurations.count)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let index = state.next() {
                let outcome = work(index)
                state.finish(index, outcome) { done in
                    progress?(SweepProgress(done: done, total: configurations.count,
                                            elapsedSeconds: Date().timeIntervalSince(start), last: outcome.summary))
                }
            }
        }
        return state.results()
    }

    /// One configuration: build; run when it fits and the core executes; summarise.
    func deploy(_ c: SweepConfiguration, variant: RescaledModel, input: [[UInt8]], keepReport: Bool) -> Outcome {
        let start = Date()
        let board = boards[c.board]!
        var o = options
        o.clockHz = c.clockHz
        o.weightsInRAM = c.weightsInRAM
        o.input = .bytes(input)
        let d = Deployment(model: variant.model, modelPath: variant.isOriginal ? modelPath : nil, board: board, options: o)
        let cost = CostModel.analyze(variant.model)
        var s = DeploymentSummary(
            board: board.name, boardDisplayName: board.displayName, core: board.core.kind.displayName, clockHz: d.clockHz,
            model: variant.model.name, hiddenSize: variant.hiddenSize, layerSizes: variant.layerSizes,
            sequenceLength: variant.sequenceLength, weightsInRAM: c.weightsInRAM, syntheticWeights: variant.syntheticWeights,
            macs: cost.totalMACs, weightBytes: cost.weightBytes, fits: false, executed: false, notExecutedReason: nil,
            flashUsed: 0, flashSize: 0, ramUsed: 0, ramSize: 0, overflows: [], cycles: nil, latencySeconds: nil,
            energyJoules: nil, averagePowerWatts: nil, energyUnavailableReason: nil, dutyCycleAverageWatts: nil,
            batteryDays: nil, verified: nil, estimate: board.isEstimate, estimateReasons: [], errorKind: nil, error: nil,
            hostSeconds: 0)
        if let why = board.estimate { s.estimateReasons.append(why) }
        var report: DeploymentReport? = nil
        do {
            // Build first: a configuration that does not fit (or a fit-only AVR board) is
            // summarised from its memory plan, without `run()`'s search for other boards.
            let fw = try d.build()
            s.apply(fw.plan)
            if !board.core.kind.executes {
                s.notExecutedReason = "fit only: sersim does not execute \(board.core.kind.displayName) code "
                    + "(code size estimated from the ARMv6-M kernels)"
                s.estimate = true
                s.estimateReasons.append("\(board.core.kind.displayName) code size estimated from the ARMv6-M kernels")
            } else if !fw.plan.fits {
                s.notExecutedReason = "does not fit"
            } else {
                let r = try d.run(fw)
                s.apply(r)
                report = keepReport ? r : nil
            }
        } catch let e as DeploymentError {
            switch e {
            case .verification: s.errorKind = "verification"
            case .run: s.errorKind = "run"
            case .build: s.errorKind = "build"
            case .input: s.errorKind = "input"
            }
            s.error = e.description
        } catch {
            s.errorKind = "build"
            s.error = "\(error)"
        }
        s.estimateReasons = SweepText.unique(s.estimateReasons)
        s.hostSeconds = Date().timeIntervalSince(start)
        return Outcome(summary: s, report: report)
    }
}

/// Shared state of the worker threads: the next configuration to take, the results.
private final class SweepState: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var position = 0
    private var done = 0
    private let order: [Int]
    private var outcomes: [Sweep.Outcome?]

    init(count: Int, order: [Int]) {
        self.order = order
        outcomes = Array(repeating: nil, count: count)
    }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard position < order.count else { return nil }
        position += 1
        return order[position - 1]
    }

    /// Store a result and report progress, serialised (progress lines never interleave).
    func finish(_ index: Int, _ outcome: Sweep.Outcome, _ report: (Int) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        outcomes[index] = outcome
        done += 1
        report(done)
    }

    func results() -> [Sweep.Outcome] {
        lock.lock()
        defer { lock.unlock() }
        return outcomes.map { $0! }
    }
}

public enum SweepError: Error, Sendable, CustomStringConvertible {
    case plan(String)
    case rescale(RescaleError)
    case input(String)

    public var description: String {
        switch self {
        case .plan(let s), .input(let s): s
        case .rescale(let e): "cannot rescale the model: \(e.message)"
        }
    }
}

enum ModelRescalerInfo {
    /// The sequence length of a model's LSTM input, if it has one.
    static func sequenceLength(_ model: Model) -> Int? {
        (try? ModelRescaler(model))?.originalSequenceLength
    }
}

extension RescaledModel {
    var macs: Int { CostModel.analyze(model).totalMACs }
}

extension DeploymentSummary {
    /// Memory figures from a plan: bytes used per kind of memory (unplaced items count
    /// against the memory they needed).
    mutating func apply(_ plan: MemoryPlan) {
        fits = plan.fits
        let flashKinds: Set<String> = ["flash", "xip-flash"]
        let ramKinds: Set<String> = ["sram", "dtcm"]
        flashSize = plan.regions.filter { flashKinds.contains($0.kind) }.reduce(0) { $0 + $1.size }
        ramSize = plan.regions.filter { ramKinds.contains($0.kind) }.reduce(0) { $0 + $1.size }
        flashUsed = plan.regions.filter { flashKinds.contains($0.kind) }.reduce(0) { $0 + $1.used }
            + plan.overflows.filter { $0.memory == "flash" }.reduce(0) { $0 + $1.bytes }
        ramUsed = plan.regions.filter { ramKinds.contains($0.kind) }.reduce(0) { $0 + $1.used }
            + plan.overflows.filter { $0.memory == "RAM" }.reduce(0) { $0 + $1.bytes }
        overflows = plan.overflows.map(\.message)
    }

    mutating func apply(_ r: DeploymentReport) {
        apply(r.memory)
        fits = r.fits
        executed = r.executed
        notExecutedReason = r.notExecutedReason
        cycles = r.executed ? r.cycles : nil
        latencySeconds = r.executed ? r.latencySeconds : nil
        energyJoules = r.energyJoules
        averagePowerWatts = r.averagePowerWatts
        energyUnavailableReason = r.energyUnavailableReason
        dutyCycleAverageWatts = r.dutyCycle?.averagePowerWatts
        batteryDays = r.dutyCycle?.batteryDays
        verified = r.verified
        estimate = estimate || r.estimate
        estimateReasons += r.estimateReasons
    }
}
