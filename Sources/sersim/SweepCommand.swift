import ArgumentParser
import Foundation
import QuantModel
import SerSim

/// `sersim sweep model.q8 --board stm32l476 --clock 16MHz...80MHz`: one model deployed over
/// every combination of boards, clocks, hidden sizes and sequence lengths.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Deploy a model over boards, clocks, hidden sizes and sequence lengths; table, CSV, JSON, SVG plot.",
        discussion: """
            Every combination of the swept values is deployed (built, run on the emulated core, \
            verified against the reference executor) in parallel on all cores, with progress on \
            standard error: a bar on a terminal, one line per configuration otherwise.

            A RANGE is one value (64MHz), a list (16MHz,32MHz,64MHz) or a range A...B: \
            A...B gives 5 evenly spaced values, A...B/N gives N, A...B+S steps by S, A...B*F \
            multiplies by F. Examples: --clock 16MHz...64MHz+16MHz, --hidden 32...256*2, \
            --steps 24,47,94. See docs/teaching.md ("Sweep syntax").

            --hidden and --steps rescale models that sersim can rescale (LSTM and dense \
            hidden layers, an LSTM's sequence input): the quantization parameters are kept; \
            weights whose shape changes are SYNTHETIC (drawn reproducibly from the original's \
            values), so the outputs mean nothing, but cycles, memory and energy are those of \
            the shapes and every run is still verified bit-exact on the rescaled model.

            Exit status: 0 every configuration ran or was reported as not fitting; 1 bad \
            input (also an input a configuration could not use); 3 outputs differed from the reference somewhere; \(RunCommand.faultStatus) a \
            configuration faulted or failed to build.

            Examples:
              sersim sweep Examples/ser/ser.q8 --board stm32l476 --clock 16MHz...80MHz
              sersim sweep Examples/ser/ser.q8 --board nano33ble,stm32f746 --hidden 32...256*2 --svg sweep.svg
              sersim sweep Examples/ser/ser.q8 --board stm32f746 --weights both --csv sweep.csv
              sersim sweep Examples/ser/ser.q8 --board nano33ble --hidden 256 --save-models rescaled/
            """
    )

    @Argument(help: "The model (.q8 or .tflite).")
    var model: String

    @Option(name: [.long, .customLong("boards")], help: "Board name(s), comma-separated (see `sersim boards`).")
    var board: String

    @Option(name: .long, help: "Clock RANGE, e.g. 16MHz...64MHz (default: each board's own clock).")
    var clock: String?

    @Option(name: .long, help: "Hidden size RANGE of the first hidden layer (others in proportion), e.g. 32...256*2.")
    var hidden: String?

    @Option(name: .long, help: "Sequence length RANGE (time steps of the LSTM input), e.g. 24,47,94.")
    var steps: String?

    @Option(name: .long, help: "Where the weights live: flash (default), ram, or both (swept).")
    var weights: WeightsAxis = .flash

    @Option(name: .long, help: "Also write every rescaled model as DIR/<name>.q8 (for sersim run, inspect, eval).")
    var saveModels: String?

    @OptionGroup var common: TradeoffOptions

    enum WeightsAxis: String, ExpressibleByArgument, CaseIterable {
        case flash, ram, both
        var values: [Bool] {
            switch self {
            case .flash: [false]
            case .ram: [true]
            case .both: [false, true]
            }
        }
    }

    func validate() throws {
        try common.validate()
    }

    /// A hint after a clock-range error: the known boards that can run every swept clock
    /// (the nRF52840 of the Nano 33 BLE, for one, has a fixed 64 MHz clock).
    static func boardsCovering(_ clocks: [Double]) -> String {
        guard let lo = clocks.min(), let hi = clocks.max() else { return "" }
        let fit = BoardLibrary.scan().boards.filter { $0.clock.minHz <= lo && $0.clock.maxHz >= hi }
        guard !fit.isEmpty else { return ". No known board runs at all of those clocks." }
        let list = fit.map { "\($0.name) (\(Format.hertz($0.clock.minHz))–\(Format.hertz($0.clock.maxHz)))" }
        return ". Boards that run at every swept clock: " + list.joined(separator: ", ") + "."
    }

    func run() throws {
        let boards = try TradeoffOptions.loadBoards(board, option: "--board")
        let loaded = try ModelLoader.load(model)
        let plan = SweepPlan(
            boards: boards.map(\.name),
            clocksHz: try clock.map { try SweepRange.frequencies($0, option: "--clock") } ?? [],
            hiddenSizes: try hidden.map { try SweepRange.counts($0, option: "--hidden") } ?? [],
            sequenceLengths: try steps.map { try SweepRange.counts($0, option: "--steps") } ?? [],
            weightsInRAM: weights.values)
        let sweep: Sweep
        do {
            sweep = try Sweep(model: loaded, modelPath: model, boards: boards, plan: plan,
                              options: try common.deploymentOptions(), jobs: common.jobs)
        } catch let SweepError.plan(message) where message.hasPrefix("clock outside") {
            throw SweepError.plan(message + Self.boardsCovering(plan.clocksHz))
        }
        var saved: [String] = []
        if let dir = saveModels {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw RunInputError(path: dir, message: "cannot create the directory: \(error.localizedDescription)")
            }
            for m in try sweep.rescaledModels() {
                let path = (dir as NSString).appendingPathComponent(m.model.name + ".q8")
                try Q8File.write(m.model, to: path)
                saved.append(path)
            }
        }
        let result = try sweep.run(progress: common.progressReporter())
        try common.present(result, notes: saved.map { "rescaled model written to \($0)" })
    }
}

/// What `sersim compare` and `sersim sweep` print and write: the same formats over their
/// rows of deployments.
protocol TradeoffResult {
    var rows: [DeploymentSummary] { get }
    func csv() -> String
    func svg() -> String
    func html() -> String
    func jsonText() -> String
    func text(color: Bool) -> String
}

extension ComparisonReport: TradeoffResult {
    var rows: [DeploymentSummary] { boards }
}

extension SweepResult: TradeoffResult {
    var rows: [DeploymentSummary] { points }
}

/// Options shared by `sersim compare` and `sersim sweep`.
struct TradeoffOptions: ParsableArguments {
    @Option(name: .long, help: "Model input: .npy, .csv or raw int8 bytes (default: the bundled sample, else zeros).")
    var input: String?

    @Option(name: .long, help: "Run one inference every PERIOD (e.g. 1s), sleeping between: average power.")
    var period: String?

    @Option(name: .long, help: "Sleep mode between inferences (default: each board's).")
    var sleepMode: String?

    @Option(name: .long, help: "Battery for --period: a capacity (220mAh) or a cell (CR2032, AA).")
    var battery: String?

    @Option(name: .long, help: "Use the .kir kernels in this directory instead of the bundled ones.")
    var kernels: String?

    @Flag(name: .long, help: "Skip the byte-for-byte comparison with the reference executor.")
    var noVerify = false

    @Option(name: .long, help: "Configurations run at once (default: the number of cores).")
    var jobs: Int?

    @Option(name: .long, help: "Write a CSV file, one row per configuration.")
    var csv: String?

    @Option(name: .long, help: "Write an SVG chart.")
    var svg: String?

    @Option(name: .long, help: "Write a self-contained HTML page (table and chart).")
    var html: String?

    @Flag(name: .long, help: "Print one JSON document instead of the table (schema in docs/teaching.md).")
    var json = false

    @Flag(name: .long, help: "No progress on standard error.")
    var quiet = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let period, Quantity.duration(period) == nil {
            throw ValidationError("--period \(period): not a duration (e.g. 1s, 250ms)")
        }
        if (sleepMode != nil || battery != nil) && period == nil {
            throw ValidationError("--sleep-mode and --battery need --period (how often an inference runs)")
        }
        try OutputPaths.check([("--csv", csv), ("--svg", svg), ("--html", html)])
    }

    func deploymentOptions() throws -> DeploymentOptions {
        var o = DeploymentOptions()
        o.input = input.map { .file($0) } ?? .automatic
        o.verify = !noVerify
        o.kernelsDirectory = kernels
        if let period, let seconds = Quantity.duration(period) {
            o.dutyCycle = DutyCycle(period: seconds, sleepMode: sleepMode, battery: try battery.map { try Battery.parse($0) })
        }
        return o
    }

    static func loadBoards(_ list: String, option: String) throws -> [Board] {
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !names.contains(where: \.isEmpty) else {
            throw ValidationError("\(option) \(list): an empty board name (write names separated by commas)")
        }
        return try names.map { try BoardLibrary.load($0) }
    }

    /// Progress on standard error: a bar redrawn in place on a terminal, plain lines otherwise.
    func progressReporter() -> (@Sendable (SweepProgress) -> Void)? {
        if quiet { return nil }
        let tty = isatty(STDERR_FILENO) == 1
        return { p in
            let text = tty ? "\r\u{1B}[2K" + p.bar() + (p.done == p.total ? "\n" : "") : p.line() + "\n"
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    func write(csv csvText: String, svg svgText: String, html htmlText: String) throws {
        for (path, content, what) in [(csv, csvText, "CSV"), (svg, svgText, "SVG chart"), (html, htmlText, "HTML page")] {
            guard let path else { continue }
            do {
                try Data(content.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw RunInputError(path: path, message: "cannot write the \(what): \(error.localizedDescription)")
            }
        }
    }

    func printWritten() {
        if let csv { print("CSV written to \(csv)") }
        if let svg { print("SVG chart written to \(svg)") }
        if let html { print("HTML page written to \(html)") }
    }

    /// Write the files asked for, print the JSON document or the table (then what was
    /// written and `notes`), and exit with the status the rows call for.
    func present(_ result: some TradeoffResult, notes: [String] = []) throws {
        try write(csv: result.csv(), svg: result.svg(), html: result.html())
        if json {
            print(result.jsonText())
        } else {
            print(result.text(color: isatty(STDOUT_FILENO) == 1), terminator: "")
            printWritten()
            for note in notes { print(note) }
        }
        try Self.exitStatus(result.rows)
    }

    /// Not fitting is an answer, not a failure; differing outputs and faults are failures.
    static func exitStatus(_ points: [DeploymentSummary]) throws {
        if points.contains(where: { $0.errorKind == "verification" }) { throw ExitCode(RunCommand.verificationStatus) }
        if points.contains(where: { $0.errorKind == "input" }) { throw ExitCode(1) }
        if points.contains(where: { $0.errorKind != nil }) { throw ExitCode(RunCommand.faultStatus) }
    }
}
