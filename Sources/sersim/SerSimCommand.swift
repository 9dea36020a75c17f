import ArgumentParser
import SerSim

@main
struct SerSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sersim",
        abstract: "Simulate quantized neural networks and firmware on emulated Cortex-M boards.",
        subcommands: [RunCommand.self, BoardsCommand.self]
    )
}
