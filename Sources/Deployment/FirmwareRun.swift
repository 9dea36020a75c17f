// Boards (BoardLibrary.load, PowerModel) are part of what Deployment's users see.
@_exported import BoardProfiles
import CortexM
import ELFFile
import Foundation

/// Running an ELF firmware on a board: the library side of `sersim run board fw.elf`.
public struct FirmwareRunResult: Sendable {
    public var board: String
    public var firmware: String
    public var exitCode: Int32
    public var stopReason: String
    public var stdout: String
    public var stderr: String
    public var instructions: UInt64
    public var cycles: UInt64
    public var clockHz: Double
    public var hostSeconds: Double
    public var functions: [(name: String, cycles: UInt64)]
    public var timingModel: String
    public var estimate: Bool

    public var simulatedSeconds: Double { Double(cycles) / clockHz }
    public var cpi: Double { instructions == 0 ? 0 : Double(cycles) / Double(instructions) }

    public func text(topFunctions: Int = 10) -> String {
        var s = ""
        s += "board        \(board) @ \(formatHz(clockHz))\n"
        s += "stopped      \(stopReason)\n"
        s += "instructions \(instructions)\n"
        s += "cycles       \(cycles)\(estimate ? "  (estimate: \(timingModel) timing)" : "")\n"
        s += "time         \(formatSeconds(simulatedSeconds)) at \(formatHz(clockHz))\n"
        s += String(format: "CPI          %.3f\n", cpi)
        s += String(format: "host         %.3f s (%.1f M instructions/s)\n", hostSeconds,
                    hostSeconds > 0 ? Double(instructions) / hostSeconds / 1e6 : 0)
        if !functions.isEmpty {
            s += "top functions by cycles:\n"
            for f in functions.prefix(topFunctions) {
                let share = cycles == 0 ? 0 : 100 * Double(f.cycles) / Double(cycles)
                s += String(format: "  %12llu  %5.1f%%  %@\n", f.cycles, share, f.name)
            }
        }
        return s
    }

    public func jsonText() -> String {
        let object: [String: Any] = [
            "board": board,
            "firmware": firmware,
            "exitCode": Int(exitCode),
            "stopReason": stopReason,
            "stdout": stdout,
            "stderr": stderr,
            "instructions": instructions,
            "cycles": cycles,
            "clockHz": clockHz,
            "seconds": simulatedSeconds,
            "cpi": cpi,
            "hostSeconds": hostSeconds,
            "timingModel": timingModel,
            "estimate": estimate,
            "functions": functions.map { ["name": $0.name, "cycles": $0.cycles] as [String: Any] },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

public enum FirmwareRun {
    /// Load and run an ELF; `echo` streams the firmware's semihosting output to this
    /// process's stdout/stderr as it appears.
    public static func run(elf path: String, board boardName: String, maxCycles: UInt64, echo: Bool) throws -> FirmwareRunResult {
        let board = try BoardLibrary.load(boardName)
        let image = try ELFReader.read(path: path)
        let machine = try Machine(board: board)
        if echo {
            machine.semihosting.onOutput = { stream, bytes in
                let handle = stream == 2 ? FileHandle.standardError : FileHandle.standardOutput
                handle.write(Data(bytes))
            }
        }
        try machine.load(image)
        let start = Date()
        let stop = try machine.run(maxCycles: maxCycles)
        let host = Date().timeIntervalSince(start)
        let code: Int32
        let reason: String
        switch stop {
        case let .exited(c):
            code = c
            reason = "exit(\(c))"
        case let .breakpoint(imm):
            code = 0
            reason = "breakpoint #\(imm)"
        case .returned:
            code = Int32(bitPattern: machine.register(0))
            reason = "returned from the reset handler"
        }
        return FirmwareRunResult(
            board: board.name, firmware: path, exitCode: code, stopReason: reason,
            stdout: String(decoding: machine.semihosting.stdout, as: UTF8.self),
            stderr: String(decoding: machine.semihosting.stderr, as: UTF8.self),
            instructions: machine.instructions, cycles: machine.cycles, clockHz: machine.clockHz, hostSeconds: host,
            functions: machine.functionProfile, timingModel: machine.timer.kind.rawValue,
            estimate: machine.timer.isEstimate)
    }
}

func formatHz(_ hz: Double) -> String {
    hz >= 1e6 ? String(format: "%g MHz", hz / 1e6) : String(format: "%g kHz", hz / 1e3)
}

func formatSeconds(_ s: Double) -> String {
    if s >= 1 { return String(format: "%.3f s", s) }
    if s >= 1e-3 { return String(format: "%.3f ms", s * 1e3) }
    return String(format: "%.3f µs", s * 1e6)
}
