import ArgumentParser
import Foundation
import ELFFile
import SerSim

/// `sersim run --board <name> <file>`: deploys a model onto an emulated board and reports,
/// or runs ELF firmware. The file is dispatched on its contents.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Deploy a model (.q8/.tflite) onto an emulated board and report, or run ELF firmware.",
        discussion: """
            A MODEL (.q8 or .tflite) is deployed the way a careful engineer would: weights and \
            kernels in flash, the tensor arena (with lifetime-based reuse) and stack in the \
            fastest RAM that fits. If it fits, sersim builds the firmware — the model's kernels \
            compiled to Thumb for the board's core, a schedule calling them layer by layer, \
            start-up code —, runs it instruction by instruction on the emulated core, checks \
            the outputs byte for byte against the Swift reference executor (TensorFlow Lite \
            Micro's arithmetic), and reports memory per region, cycles, latency, energy, \
            power, a per-layer table and the outputs. The input is --input, else the model's \
            bundled sample (<model>.sample.npy or sample_input.npy beside it), else zeros.

            FIRMWARE (an ELF) runs from its reset vector until it exits through semihosting \
            (as newlib's rdimon does); its output is printed as it appears, then \
            instructions, cycles, time, CPI and the functions that took the most cycles. An \
            ELF written by `sersim run … --emit-elf` reports like the model it came from \
            (start-up is counted in both).

            Exit status: 0 success (firmware: its own exit code); 1 bad input (file, board, \
            option); 2 the model does not fit; 3 the outputs differ from the reference; \
            \(RunCommand.faultStatus) the firmware faulted, hung or ran past --max-cycles.

            Examples:
              sersim run --board stm32f746 Examples/ser/ser.q8
              sersim run --board stm32l476 --clock 32MHz Examples/ser/ser.q8 --json
              sersim run --board nano33ble --period 1s --battery CR2032 model.q8
              sersim run --board stm32f746 model.q8 --emit-elf fw.elf
              sersim run --board stm32f746 fw.elf
              sersim run --board nano33ble firmware.elf
            """
    )

    /// Exit status of a run that ended in a guest fault (BSD's EX_SOFTWARE).
    static let faultStatus: Int32 = 70
    static let doesNotFitStatus: Int32 = 2
    static let verificationStatus: Int32 = 3

    @Option(name: .long, help: "Board name (see `sersim boards`) or path to a board file.")
    var board: String

    @Argument(help: "A model (.q8 or .tflite) or an ELF firmware file.")
    var file: String

    @Option(name: .long, help: "Model input: .npy (int8, or float quantized with the input's scale), .csv, or raw int8 bytes.")
    var input: String?

    @Option(name: .long, help: "Core clock, e.g. 80MHz (default: the board's). Changes wait states and run power too.")
    var clock: String?

    @Option(name: .long, help: "Run one inference every PERIOD (e.g. 1s, 250ms), sleeping between: average power.")
    var period: String?

    @Option(name: .long, help: "Sleep mode between inferences (default: the board's; see `sersim boards show`).")
    var sleepMode: String?

    @Option(name: .long, help: "Battery for --period: a capacity (220mAh, 1000mAh@3.7V) or a cell (CR2032, AA, 'LiPo 1000mAh').")
    var battery: String?

    @Option(name: .long, help: "Where the weights live while running: flash (default) or ram (copied at start-up).")
    var weights: WeightsPlacement = .flash

    @Option(name: .long, help: "Also write the model's firmware as an ELF file (through libelf); none when the model does not fit.")
    var emitElf: String?

    @Option(name: .long, help: "Also write a self-contained HTML report with SVG charts.")
    var html: String?

    @Option(name: .long, help: "Use the .kir kernels in this directory instead of the bundled ones.")
    var kernels: String?

    @Flag(name: .long, help: "Skip the byte-for-byte comparison with the reference executor.")
    var noVerify = false

    @Option(name: .long, help: "Stop after this many cycles: a fault report on standard error naming the PC, exit status 70 (a guard against firmware that never exits).")
    var maxCycles: UInt64 = 10_000_000_000

    @Flag(name: .long, help: "Print one JSON object (schema: docs/report-schema.md) instead of text.")
    var json = false

    enum WeightsPlacement: String, ExpressibleByArgument, CaseIterable {
        case flash, ram
    }

    func validate() throws {
        guard maxCycles > 0 else { throw ValidationError("--max-cycles must be at least 1") }
        try validateClock(clock, example: "80MHz")
        if let period, Quantity.duration(period) == nil {
            throw ValidationError("--period \(period): not a duration (e.g. 1s, 250ms)")
        }
        if (sleepMode != nil || battery != nil) && period == nil {
            throw ValidationError("--sleep-mode and --battery need --period (how often an inference runs)")
        }
        try OutputPaths.check([("--emit-elf", emitElf), ("--html", html)])
    }

    func run() throws {
        switch try RunInput.classify(file) {
        case .firmware:
            if let report = try runModelFirmwareIfTagged() {
                try finish(report)
            } else {
                try runFirmware()
            }
        case .model:
            try runModel()
        }
    }

    // MARK: Models

    func options() throws -> DeploymentOptions {
        var o = DeploymentOptions()
        o.clockHz = clock.flatMap { Quantity.frequency($0) }
        o.input = input.map { .file($0) } ?? .automatic
        o.verify = !noVerify
        o.weightsInRAM = weights == .ram
        o.maxCycles = maxCycles
        o.kernelsDirectory = kernels
        if let period, let seconds = Quantity.duration(period) {
            o.dutyCycle = DutyCycle(period: seconds, sleepMode: sleepMode, battery: try battery.map { try Battery.parse($0) })
        }
        return o
    }

    func runModel() throws {
        let deployment = try Deployment(model: file, board: board, options: try options(), callerFile: nil)
        let firmware = try deployment.build()
        // A model that does not fit has no firmware: the fit report says why (exit 2).
        if let emitElf, firmware.image != nil {
            try deployment.writeELF(firmware, to: emitElf)
        }
        let report: DeploymentReport
        do {
            report = try deployment.run(firmware)
        } catch let e as DeploymentError {
            if case .verification = e { exitWith(e.description, status: RunCommand.verificationStatus) }
            if case .run = e { exitWith(e.description, status: RunCommand.faultStatus) }
            throw e
        }
        try finish(report)
    }

    /// An ELF that sersim wrote for a model reports like the model.
    func runModelFirmwareIfTagged() throws -> DeploymentReport? {
        let image = try ELFReader.read(path: file)
        guard image.sersimSections[FirmwareMetadata.sectionName] != nil else { return nil }
        let o = try options()
        do {
            return try Deployment.runModelFirmware(image, board: try BoardLibrary.load(board), clockHz: o.clockHz,
                                                   dutyCycle: o.dutyCycle, maxCycles: maxCycles)
        } catch let e as DeploymentError {
            if case .verification = e { exitWith(e.description, status: RunCommand.verificationStatus) }
            if case .run = e { exitWith(e.description, status: RunCommand.faultStatus) }
            throw e
        }
    }

    func finish(_ report: DeploymentReport) throws {
        if let html {
            do {
                try Data(HTMLReport(report).render().utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
            } catch {
                throw RunInputError(path: html, message: "cannot write the HTML report: \(error.localizedDescription)")
            }
        }
        if json {
            print(report.jsonText())
        } else {
            print(TextReport(report, color: isatty(STDOUT_FILENO) == 1).render(), terminator: "")
            if let emitElf, report.fits { print("firmware written to \(emitElf)") }
            if let html { print("HTML report written to \(html)") }
        }
        if !report.fits {
            if let emitElf { FileHandle.standardError.write(Data("sersim: no firmware written to \(emitElf): the model does not fit\n".utf8)) }
            throw ExitCode(RunCommand.doesNotFitStatus)
        }
    }

    func exitWith(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data(("sersim: " + message + "\n").utf8))
        Foundation.exit(status)
    }

    // MARK: Firmware

    func runFirmware() throws {
        // The firmware's SYS_READ reads this process's standard input, when it asks.
        let result = try FirmwareRun.run(elf: file, board: board, maxCycles: maxCycles, echo: !json,
                                         readInput: { [UInt8](FileHandle.standardInput.availableData) },
                                         callerFile: nil)
        if json {
            print(result.jsonText())
        } else {
            if let out = result.stdout.last, out != "\n" { print() }
            print(result.text(), terminator: "")
            if let fault = result.fault {
                FileHandle.standardError.write(Data((fault.description + "\n").utf8))
            }
        }
        throw ExitCode(result.exitCode ?? RunCommand.faultStatus)
    }
}

/// What `sersim run` was given, decided by the file's contents.
enum RunInput {
    case firmware
    case model

    static func classify(_ path: String) throws -> RunInput {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw RunInputError(path: path, message: "is a directory, not a model or firmware file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RunInputError(path: path, message: FileManager.default.fileExists(atPath: path)
                                ? "cannot read the file" : "no such file")
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        if head.starts(with: elfMagic) { return .firmware }
        if head.starts(with: [0x89] + Array("SQ8".utf8)) || (head.count >= 8 && Array(head[4..<8]) == Array("TFL3".utf8)) {
            return .model
        }
        // Contents match nothing: the extension says what the file was meant to be, so the
        // error can say what is wrong with it (the model loader words the model cases).
        switch (path as NSString).pathExtension.lowercased() {
        case "q8", "tflite":
            return .model
        case "elf", "axf", "out":
            throw RunInputError(path: path, message: "not an ELF file: it does not start with the ELF magic 7F 45 4C 46 "
                                + "(damaged, or not linked by a toolchain)")
        default:
            throw RunInputError(path: path, message: "neither a model (.q8, .tflite) nor an ELF firmware file")
        }
    }

    static let elfMagic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
}

struct RunInputError: Error, CustomStringConvertible {
    var path: String
    var message: String
    var description: String { "\(path): \(message)" }
}
