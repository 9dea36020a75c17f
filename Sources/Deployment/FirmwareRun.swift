// Boards (BoardLibrary.load, PowerModel) are part of what Deployment's users see.
@_exported import BoardProfiles
import CortexM
import ELFFile
import Foundation

/// Running an ELF firmware on a board: the library side of `sersim run --board B fw.elf`.
public struct FirmwareRunResult: Sendable {
    public var board: String
    public var firmware: String
    /// The firmware's exit code (semihosting SYS_EXIT/SYS_EXIT_EXTENDED, 0 for a
    /// breakpoint); nil when the run ended in a fault.
    public var exitCode: Int32?
    public var stopReason: String
    /// What stopped the run when it was not the firmware's own exit.
    public var fault: FaultReport?
    public var stdout: String
    public var stderr: String
    public var instructions: UInt64
    public var cycles: UInt64
    public var clockHz: Double
    public var hostSeconds: Double
    public var functions: [(name: String, cycles: UInt64)]
    public var timingModel: String
    public var estimate: Bool
    /// The timing model's named assumptions that bear on this board and run (docs/timing.md).
    public var approximations: [String]

    public var simulatedSeconds: Double { Double(cycles) / clockHz }
    public var cpi: Double { instructions == 0 ? 0 : Double(cycles) / Double(instructions) }
    public var hostInstructionsPerSecond: Double { hostSeconds > 0 ? Double(instructions) / hostSeconds : 0 }

    /// The summary printed after the firmware's own output.
    public func text(topFunctions: Int = 10) -> String {
        var s = ""
        s += "board        \(board) @ \(formatHz(clockHz))\n"
        s += "stopped      \(stopReason)\n"
        s += "instructions \(instructions)\n"
        s += "cycles       \(cycles)\(estimate ? "  (estimate: \(timingModel) timing)" : "")\n"
        s += "time         \(formatSeconds(simulatedSeconds)) at \(formatHz(clockHz))\n"
        s += String(format: "CPI          %.3f\n", cpi)
        s += String(format: "host         %.3f s (%.1f M instructions/s)\n", hostSeconds, hostInstructionsPerSecond / 1e6)
        if !functions.isEmpty {
            s += "top functions by cycles:\n"
            for f in functions.prefix(topFunctions) {
                let share = cycles == 0 ? 0 : 100 * Double(f.cycles) / Double(cycles)
                s += String(format: "  %12llu  %5.1f%%  ", f.cycles, share) + f.name + "\n"
            }
        }
        if !approximations.isEmpty {
            let text = "approximations (docs/timing.md): " + approximations.joined(separator: "; ")
            s += wrap(text, indent: 0, continuation: 2).joined(separator: "\n") + "\n"
        }
        return s
    }

    /// One JSON object: exitCode (null after a fault), stdout, stderr, instructions,
    /// cycles, seconds, cpi, hostSeconds, approximations, functions (per-symbol cycles), fault.
    public func jsonText() -> String {
        var object: [String: Any] = [
            "board": board,
            "firmware": firmware,
            "exitCode": exitCode.map { Int($0) as Any } ?? NSNull(),
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
            "approximations": approximations,
            "functions": functions.map { ["name": $0.name, "cycles": $0.cycles] as [String: Any] },
            "fault": NSNull(),
        ]
        if let f = fault {
            var fo: [String: Any] = [
                "kind": f.kind.rawValue,
                "detail": f.detail,
                "pc": f.pc,
                "encoding": f.encoding.map(Int.init),
                "disassembly": f.disassembly,
                "registers": f.registers,
                "xpsr": f.xpsr,
                "symbol": f.symbol ?? NSNull(),
                "dataAddress": f.dataAddress.map { $0 as Any } ?? NSNull(),
            ]
            if let e = f.earlierFault { fo["earlierFault"] = e }
            object["fault"] = fo
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

public enum FirmwareRun {
    /// Load and run an ELF until it exits, faults, or reaches `maxCycles`; `echo`
    /// streams the firmware's semihosting output to this process's stdout/stderr as it
    /// appears (off by default: a library does not print); `readInput` supplies SYS_READ
    /// input past `stdin`. Guest faults are part of the result; errors in the input (file,
    /// board, memory map) are thrown. A relative `path` is looked up in the current
    /// directory, then beside `callerFile` (as `Deployment(model:board:)` does).
    public static func run(elf path: String, board boardName: String, maxCycles: UInt64 = 10_000_000_000,
                           echo: Bool = false, stdin: [UInt8] = [], readInput: (() -> [UInt8])? = nil,
                           callerFile: String? = #filePath) throws -> FirmwareRunResult {
        let board = try BoardLibrary.load(boardName)
        let image = try ELFReader.read(path: try CallerRelativePaths(callerFile: callerFile).resolve(path, what: "firmware file"))
        let machine = try Machine(board: board)
        machine.semihosting.stdin = stdin
        machine.semihosting.readInput = readInput
        if echo {
            machine.semihosting.onOutput = { stream, bytes in
                let handle = stream == 2 ? FileHandle.standardError : FileHandle.standardOutput
                handle.write(Data(bytes))
            }
        }
        try machine.load(image)
        let start = Date()
        var code: Int32?
        var reason: String
        var fault: FaultReport?
        do {
            switch try machine.run(maxCycles: maxCycles) {
            case let .exited(c):
                code = c
                reason = "exit(\(c))"
            case let .breakpoint(imm):
                code = 0
                reason = "breakpoint #\(imm)"
            case .returned:
                code = Int32(bitPattern: machine.register(0))
                reason = "returned"
            }
        } catch let f as FaultReport {
            fault = f
            reason = f.kind.rawValue
        }
        let host = Date().timeIntervalSince(start)
        return FirmwareRunResult(
            board: board.name, firmware: path, exitCode: code, stopReason: reason, fault: fault,
            stdout: String(decoding: machine.semihosting.stdout, as: UTF8.self),
            stderr: String(decoding: machine.semihosting.stderr, as: UTF8.self),
            instructions: machine.instructions, cycles: machine.cycles, clockHz: machine.clockHz, hostSeconds: host,
            functions: machine.functionProfile, timingModel: machine.timer.kind.rawValue,
            estimate: machine.timer.isEstimate,
            approximations: ReportComposer.approximations(board, machine.timer.kind, machine.timer.statistics))
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
