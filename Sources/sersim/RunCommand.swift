import ArgumentParser
import Foundation
import SerSim

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run firmware (an ELF) on an emulated board."
    )

    @Option(name: .long, help: "Board name or path to a board file.")
    var board: String

    @Argument(help: "Firmware ELF file.")
    var firmware: String

    @Option(name: .long, help: "Stop after this many cycles.")
    var maxCycles: UInt64 = 10_000_000_000

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let result = try FirmwareRun.run(elf: firmware, board: board, maxCycles: maxCycles, echo: !json)
        print(json ? result.jsonText() : result.text())
        throw ExitCode(result.exitCode)
    }
}
