import BoardProfiles
import CycleTiming
import ELFFile
import Foundation
import KernelIR
import QuantModel
import ThumbISA

/// Where a deployment's input comes from.
public enum InputChoice: Sendable, Equatable {
    /// The model's bundled sample if there is one (`<model>.sample.npy` or
    /// `sample_input.npy` beside the model file), else zeros (each input's zero point).
    case automatic
    /// A file: `.npy` (int8, or float quantized with the input's parameters), `.csv`
    /// (numbers, quantized when not integers), or raw bytes of the tensor.
    case file(String)
    /// Zeros (each input's zero point).
    case zeros
    /// Raw tensor bytes per model input.
    case bytes([[UInt8]])
}

public struct DeploymentOptions: Sendable {
    /// Core clock; nil = the board's default. Changes cycle time, wait states and run power.
    public var clockHz: Double?
    public var input: InputChoice
    /// Compare the outputs with the Swift reference executor (TFLite Micro arithmetic).
    public var verify: Bool
    /// Copy the weights into RAM at start-up instead of reading them from flash.
    public var weightsInRAM: Bool
    /// One inference every `period`, sleeping between, for average power and battery life.
    public var dutyCycle: DutyCycle?
    public var timing: TimingModelKind?
    public var maxCycles: UInt64
    /// Kernels from a directory of edited `.kir` files instead of the bundled ones.
    public var kernelsDirectory: String?

    public init(clockHz: Double? = nil, input: InputChoice = .automatic, verify: Bool = true, weightsInRAM: Bool = false,
                dutyCycle: DutyCycle? = nil, timing: TimingModelKind? = nil, maxCycles: UInt64 = 20_000_000_000,
                kernelsDirectory: String? = nil) {
        self.clockHz = clockHz
        self.input = input
        self.verify = verify
        self.weightsInRAM = weightsInRAM
        self.dutyCycle = dutyCycle
        self.timing = timing
        self.maxCycles = maxCycles
        self.kernelsDirectory = kernelsDirectory
    }
}

/// A model deployed onto a board: the Swift API behind `sersim run`.
///
/// ```swift
/// let report = try Deployment(model: "ser.q8", board: "nano33ble").run()
/// #expect(report.memory.fits)
/// #expect(report.cycles < 20_000_000)
/// #expect(report.latency < .milliseconds(300))
/// ```
public struct Deployment: Sendable {
    public let model: Model
    public let modelPath: String?
    public let board: Board
    public var options: DeploymentOptions

    /// Load a model (`.q8` or `.tflite`) and a board (a name in `Boards/` or a path to a
    /// board file).
    ///
    /// A relative path (the model, a board file, `options.input`'s file, the kernels
    /// directory) is looked up in the current directory first, then in the directory of the
    /// source file that calls this initializer (`callerFile`, `#filePath` by default), so
    /// that a test can name a model that sits beside it: `Deployment(model: "ser.q8", …)`.
    /// Pass `callerFile: nil` to use the current directory only (the command line does).
    public init(model path: String, board: String, options: DeploymentOptions = DeploymentOptions(),
                callerFile: String? = #filePath) throws {
        let resolver = CallerRelativePaths(callerFile: callerFile)
        let modelPath = try resolver.resolve(path, what: "model file")
        self.model = try ModelLoader.load(modelPath)
        self.modelPath = modelPath
        self.board = try BoardLibrary.load(board.contains("/") || board.hasSuffix(".json")
                                            ? try resolver.resolve(board, what: "board file") : board)
        var options = options
        if case .file(let input) = options.input { options.input = .file(try resolver.resolve(input, what: "input file")) }
        if let dir = options.kernelsDirectory { options.kernelsDirectory = try resolver.resolve(dir, what: "kernels directory") }
        self.options = options
    }

    public init(model: Model, modelPath: String? = nil, board: Board, options: DeploymentOptions = DeploymentOptions()) {
        self.model = model
        self.modelPath = modelPath
        self.board = board
        self.options = options
    }

    public var clockHz: Double { options.clockHz ?? board.clock.defaultHz }

    func library() throws -> KernelLibrary {
        do {
            if let dir = options.kernelsDirectory { return try KernelLibrary.load(directory: dir) }
            return try KernelLibrary.bundled()
        } catch {
            throw DeploymentError.build("\(error)")
        }
    }

    /// The firmware for this deployment (no image when it does not fit).
    public func build() throws -> BuiltFirmware {
        if let hz = options.clockHz, hz < board.clock.minHz || hz > board.clock.maxHz {
            throw DeploymentError.input("\(board.name): clock \(Format.hertz(hz)) is outside the board's range "
                                        + "\(Format.hertz(board.clock.minHz))–\(Format.hertz(board.clock.maxHz))")
        }
        let started = Date()
        let (bytes, _) = try resolveInput()
        var b = board
        if !board.core.kind.executes {
            // AVR: the ARMv6-M kernels stand in for code size (memory-fit verdict only).
            b.core.architecture = .armv6m
        }
        var fw = try FirmwareBuilder(model: model, board: b, library: try library(), weightsInRAM: options.weightsInRAM)
            .build(inputBytes: bytes)
        fw.buildSeconds = Date().timeIntervalSince(started)
        return fw
    }

    /// Write the firmware as an ELF (through libelf), with the metadata sersim reads back
    /// when it runs it (`sersim run --board B fw.elf`).
    public func writeELF(to path: String) throws {
        try writeELF(try build(), to: path)
    }

    /// `writeELF(to:)` for firmware `build()` already produced for this deployment.
    public func writeELF(_ fw: BuiltFirmware, to path: String) throws {
        let (inputBytes, inputText) = try resolveInput()
        guard let image = fw.image else {
            throw DeploymentError.build("the model does not fit on \(board.name): "
                                        + fw.plan.overflows.map(\.message).joined(separator: "; "))
        }
        let expected = options.verify ? try referenceOutputs(inputBytes).outputs : nil
        let meta = FirmwareMetadata(firmware: fw, modelPath: modelPath, input: inputText, expectedOutputs: expected)
        try ELFWriter.write(image, to: path, extraSections: [.init(name: FirmwareMetadata.sectionName, bytes: try meta.encoded())])
    }

    /// Build, run and report.
    public func run() throws -> DeploymentReport {
        try run(try build())
    }

    /// Run and report firmware `build()` already produced for this deployment (callers that
    /// looked at the memory plan or wrote the ELF first need not build it again). The
    /// report's `hostSeconds` counts the build (`fw.buildSeconds`) as well.
    public func run(_ fw: BuiltFirmware) throws -> DeploymentReport {
        try run(fw, since: Date(timeIntervalSinceNow: -fw.buildSeconds))
    }

    func run(_ fw: BuiltFirmware, since hostStart: Date) throws -> DeploymentReport {
        let (inputBytes, inputText) = try resolveInput()
        guard board.core.kind.executes, fw.plan.fits, let image = fw.image else {
            var report = notRunReport(fw, input: inputText)
            report.hostSeconds = Date().timeIntervalSince(hostStart)
            return report
        }
        let expected = options.verify ? try referenceOutputs(inputBytes) : nil
        let meta = FirmwareMetadata(firmware: fw, modelPath: modelPath, input: inputText, expectedOutputs: expected?.outputs)
        let m = try ModelRunner(clockHz: options.clockHz, timing: options.timing, maxCycles: options.maxCycles)
            .run(image: image, board: board, metadata: meta)
        var report = ReportComposer(board: board, clockHz: clockHz, dutyCycle: options.dutyCycle).compose(meta, m)
        if let expected, report.verified == false {
            throw DeploymentError.verification(firstDifference(fw, m, expected.interpreter))
        }
        report.hostSeconds = Date().timeIntervalSince(hostStart)
        return report
    }

    /// A report for a deployment that was not run: AVR boards (fit only), or no fit.
    func notRunReport(_ fw: BuiltFirmware, input: String) -> DeploymentReport {
        let cost = CostModel.analyze(model)
        var report = DeploymentReport(
            sersimVersion: SerSimVersion.string,
            board: .init(name: board.name, displayName: board.displayName, mcu: board.mcu, core: board.core.kind.displayName,
                         clockHz: clockHz, approximateCore: board.core.kind.isApproximate),
            model: .init(name: model.name, path: modelPath, operators: model.operators.count, macs: cost.totalMACs,
                         weightBytes: cost.weightBytes),
            fits: fw.plan.fits, executed: false, notExecutedReason: nil, memory: fw.plan, suggestions: [],
            cycles: 0, instructions: 0, latencySeconds: 0, energyJoules: nil, averagePowerWatts: nil, energy: nil,
            energyUnavailableReason: nil, dutyCycle: nil, layers: [], outputs: [], verified: nil, input: input,
            startupCycles: 0, startupSteps: fw.startupSteps, timingModel: "", memoryStats: nil, hostSeconds: 0, hostEmulationSeconds: 0,
            estimate: false, estimateReasons: [], approximations: [])
        if !board.core.kind.executes {
            report.notExecutedReason = "sersim does not execute \(board.core.kind.displayName) code; this is a memory-fit "
                + "verdict only (code size estimated from the ARMv6-M kernels)"
            report.estimate = true
            report.estimateReasons.append("\(board.core.kind.displayName) code size estimated from the ARMv6-M kernels")
        } else {
            report.notExecutedReason = "the model does not fit on \(board.name), so it was not run"
        }
        if !fw.plan.fits { report.suggestions = suggestions(fw) }
        return report
    }

    /// The reference executor's outputs for the input, and the interpreter (which keeps
    /// every layer's values, for locating a difference).
    func referenceOutputs(_ inputBytes: [[UInt8]]) throws -> (outputs: [[UInt8]], interpreter: ReferenceInterpreter) {
        var interpreter: ReferenceInterpreter
        do { interpreter = try ReferenceInterpreter(model: model) } catch { throw DeploymentError.verification("\(error)") }
        var inputs: [TensorValues] = []
        for (t, b) in zip(model.inputs, inputBytes) {
            guard let v = TensorValues(littleEndian: b, type: model.tensors[t].type, count: model.tensors[t].elementCount) else {
                throw DeploymentError.input("input \(model.tensors[t].name) has \(b.count) bytes")
            }
            inputs.append(v)
        }
        do {
            let out = try interpreter.invoke(inputs)
            return (out.map { $0.littleEndianBytes }, interpreter)
        } catch {
            throw DeploymentError.verification("\(error)")
        }
    }

    /// The message for outputs that differ from the reference: the first layer whose
    /// output differs, from the per-layer snapshots.
    func firstDifference(_ fw: BuiltFirmware, _ m: RunMeasurement, _ interpreter: ReferenceInterpreter) -> String {
        for layer in fw.layers {
            for o in layer.outputs {
                guard let want = interpreter.values[o.tensor]?.littleEndianBytes, let got = m.layerOutputs[o.tensor] else {
                    continue
                }
                if want != got {
                    let i = (0..<min(want.count, got.count)).first { want[$0] != got[$0] } ?? min(want.count, got.count)
                    return "VERIFICATION FAILED: the emulated \(board.name) output differs from the reference executor. "
                        + "First differing layer: \(layer.index) \(layer.name) (\(layer.op), kernel \(layer.kernel)), "
                        + "tensor \(model.tensors[o.tensor].name) byte \(i): expected "
                        + "\(i < want.count ? Int(Int8(bitPattern: want[i])) : 0), got \(i < got.count ? Int(Int8(bitPattern: got[i])) : 0)"
                }
            }
        }
        return "VERIFICATION FAILED: the model outputs differ from the reference executor although every layer's output "
            + "matched when it was produced"
    }

    /// Input bytes per model input, and a description of where they came from.
    func resolveInput() throws -> ([[UInt8]], String) {
        func zeros() -> [[UInt8]] {
            model.inputs.map { t in
                let tensor = model.tensors[t]
                let zp = tensor.quantization?.zeroPoint ?? 0
                switch tensor.type {
                case .int8, .uint8: return [UInt8](repeating: UInt8(truncatingIfNeeded: zp), count: tensor.elementCount)
                default: return [UInt8](repeating: 0, count: tensor.byteCount)
                }
            }
        }
        switch options.input {
        case .zeros:
            return (zeros(), "zeros (each input's zero point)")
        case .bytes(let b):
            return (b, "bytes given by the caller")
        case .file(let path):
            return (try InputFiles.load(path, for: model), path)
        case .automatic:
            if let path = modelPath {
                // Beside the model, spelled the way the model's path was (relative stays
                // relative, so reports do not depend on where they were produced).
                let dir = (path as NSString).deletingLastPathComponent
                let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                for candidate in ["\(stem).sample.npy", "sample_input.npy"] {
                    let p = dir.isEmpty ? candidate : (dir as NSString).appendingPathComponent(candidate)
                    if FileManager.default.fileExists(atPath: p) {
                        return (try InputFiles.load(p, for: model), "\(p) (the model's bundled sample)")
                    }
                }
            }
            return (zeros(), "zeros (each input's zero point): the model has no bundled sample; give one with --input")
        }
    }

    /// What would help a deployment that does not fit.
    func suggestions(_ fw: BuiltFirmware) -> [String] {
        var s: [String] = []
        let flashOver = fw.plan.overflows.contains { $0.memory == "flash" }
        let ramOver = fw.plan.overflows.contains { $0.memory == "RAM" }
        let cost = CostModel.analyze(model)
        if flashOver {
            s.append("the weights and biases take \(Format.bytes(UInt64(cost.weightBytes))): a smaller model (fewer units; an LSTM's "
                     + "weights grow with hidden size × (input + hidden size)) or a board with more flash")
        }
        if ramOver {
            s.append("the tensor arena and state need RAM: shorter sequences or a smaller hidden size shrink them")
        }
        let others = BoardLibrary.scan().boards.filter { $0.name != board.name && $0.core.kind.executes }
        let fitting = others.filter { other in
            let d = Deployment(model: model, modelPath: modelPath, board: other, options: DeploymentOptions(input: .zeros))
            return (try? d.build().plan.fits) == true
        }.map { $0.name }
        if !fitting.isEmpty { s.append("boards where it fits: " + fitting.joined(separator: ", ")) }
        return s
    }
}

/// Finds a relative path in the current directory, else beside the calling source file.
struct CallerRelativePaths {
    var callerFile: String?

    func resolve(_ path: String, what: String) throws -> String {
        let fm = FileManager.default
        if path.hasPrefix("/") || fm.fileExists(atPath: path) { return path }
        var looked = [fm.currentDirectoryPath]
        if let callerFile {
            let dir = (callerFile as NSString).deletingLastPathComponent
            let beside = (dir as NSString).appendingPathComponent(path)
            if fm.fileExists(atPath: beside) { return (beside as NSString).standardizingPath }
            looked.append(dir)
        }
        throw DeploymentError.input("\(path): no such \(what) (looked in " + looked.joined(separator: " and ") + ")")
    }
}

public enum SerSimVersion {
    public static let string = "0.1.0"
}
