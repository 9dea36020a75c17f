import ArgumentParser
import SerSim

@main
struct SerSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sersim",
        abstract: "Simulate quantized neural networks and firmware on emulated Cortex-M boards.",
        // One subcommand per line (each stream adds its own line).
        subcommands: [
            RunCommand.self,
            BoardsCommand.self,
            InspectCommand.self,
            ImportCommand.self,
            DisasmCommand.self,
            EvalCommand.self,
            CompareCommand.self,
            SweepCommand.self,
        ]
    )
}
