import ArgumentParser
import Foundation
import QuantModel
import SerSim

/// `sersim compare --boards a,b,c model.q8`: one model on several boards, one table, one chart.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Deploy a model onto several boards side by side: one table, one chart.",
        discussion: """
            Each board is deployed exactly as `sersim run` would (at its default clock unless \
            --clock is given), the boards in parallel on all cores. Boards where the model does \
            not fit are shown as such, with what overflows by how much; AVR boards (nano) get \
            a memory-fit verdict only, since sersim does not execute AVR code. Figures marked \
            ~ are estimates (ESP32: Thumb code timed with an approximate Xtensa model).

            Exit status: 0 every board ran or was reported as not fitting; 1 bad input; 3 the \
            outputs differed from the reference on some board; \(RunCommand.faultStatus) a \
            board faulted or failed to build.

            Examples:
              sersim compare --boards stm32f746,nano33ble,nano-rp2040,esp32,nano Examples/ser/ser.q8
              sersim compare --boards nano33ble,nano-rp2040 --clock 64MHz Examples/ser/ser.q8 --svg cmp.svg
            """
    )

    @Option(name: [.long, .customLong("board")], help: "Board names, comma-separated (see `sersim boards`).")
    var boards: String

    @Argument(help: "The model (.q8 or .tflite).")
    var model: String

    @Option(name: .long, help: "Run every board at this clock (e.g. 64MHz) instead of each board's default.")
    var clock: String?

    @Option(name: .long, help: "Where the weights live: flash (default) or ram (copied at start-up).")
    var weights: RunCommand.WeightsPlacement = .flash

    @OptionGroup var common: TradeoffOptions

    func validate() throws {
        try common.validate()
        try validateClock(clock, example: "64MHz")
    }

    func run() throws {
        let boardList = try TradeoffOptions.loadBoards(boards, option: "--boards")
        let loaded = try ModelLoader.load(model)
        var options = try common.deploymentOptions()
        options.weightsInRAM = weights == .ram
        let comparison = try Comparison(model: loaded, modelPath: model, boards: boardList,
                                        clockHz: clock.flatMap { Quantity.frequency($0) }, options: options,
                                        jobs: common.jobs)
        let result = try comparison.run(progress: common.progressReporter())
        try common.present(result)
    }
}
