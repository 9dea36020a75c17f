import ArgumentParser
import Foundation
import SerSim

/// `sersim run --board <name> <file>`: runs what the file holds on an emulated board.
/// The input is dispatched on its type, so other kinds of input (models) can join ELF
/// firmware here.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run firmware (an ELF) on an emulated board.",
        discussion: """
            Runs the firmware from its reset vector until it exits through semihosting \
            (SYS_EXIT/SYS_EXIT_EXTENDED, as newlib's rdimon does). Its semihosting output is \
            printed as it appears (and SYS_READ reads standard input), then instructions, cycles, time at the board's clock, CPI \
            and the functions that took the most cycles.

            Exit status: the firmware's exit code; \(RunCommand.faultStatus) when it faulted, \
            hung, or ran past --max-cycles (the report goes to standard error); 1 for errors \
            in the input (file, board, memory map) or the command line.
            """
    )

    /// Exit status of a run that ended in a guest fault (BSD's EX_SOFTWARE).
    static let faultStatus: Int32 = 70

    @Option(name: .long, help: "Board name (see `sersim boards`) or path to a board file.")
    var board: String

    @Argument(help: "Firmware ELF file.")
    var input: String

    @Option(name: .long, help: "Stop with a report after this many cycles.")
    var maxCycles: UInt64 = 10_000_000_000

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard maxCycles > 0 else { throw ValidationError("--max-cycles must be at least 1") }
    }

    func run() throws {
        switch try RunInput.classify(input) {
        case .firmware:
            try runFirmware()
        }
    }

    func runFirmware() throws {
        // The firmware's SYS_READ reads this process's standard input, when it asks.
        let result = try FirmwareRun.run(elf: input, board: board, maxCycles: maxCycles, echo: !json,
                                         readInput: { [UInt8](FileHandle.standardInput.availableData) })
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

    static func classify(_ path: String) throws -> RunInput {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RunInputError(path: path, message: FileManager.default.fileExists(atPath: path)
                                ? "cannot read the file" : "no such file")
        }
        defer { try? handle.close() }
        let magic = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        if magic == [0x7F, 0x45, 0x4C, 0x46] { return .firmware }
        throw RunInputError(path: path, message: "not an ELF file (sersim run takes ELF firmware)")
    }
}

struct RunInputError: Error, CustomStringConvertible {
    var path: String
    var message: String
    var description: String { "\(path): \(message)" }
}
