import BoardProfiles
import Testing

/// Flash wait states change exactly at the reference manuals' thresholds.
@Suite struct ClockScalingTests {
    /// (clock in Hz, expected wait states)
    static let cases: [(String, [(Double, Int)])] = [
        // RM0385 Table 5, 2.7-3.6 V: one more wait state every 30 MHz, 7 at 216 MHz.
        ("stm32f746", [(25e6, 0), (30e6, 0), (30e6 + 1, 1), (60e6, 1), (60e6 + 1, 2), (90e6, 2), (120e6, 3),
                       (150e6, 4), (180e6, 5), (180e6 + 1, 6), (210e6, 6), (210e6 + 1, 7), (216e6, 7)]),
        // RM0383 Table 5, 2.7-3.6 V: 30 / 64 / 90 / 100 MHz.
        ("stm32f411", [(1e6, 0), (30e6, 0), (30e6 + 1, 1), (64e6, 1), (64e6 + 1, 2), (90e6, 2), (90e6 + 1, 3), (100e6, 3)]),
        // RM0351 Table 9, Range 1: 16 MHz steps up to 4 wait states at 80 MHz.
        ("stm32l476", [(16e6, 0), (16e6 + 1, 1), (32e6, 1), (48e6, 2), (64e6, 3), (64e6 + 1, 4), (80e6, 4)]),
        // RM0432, Range 1 boost: 20 MHz steps up to 5 wait states at 120 MHz.
        ("stm32l4r5", [(20e6, 0), (20e6 + 1, 1), (100e6, 4), (100e6 + 1, 5), (120e6, 5)]),
    ]

    @Test func waitStatesAtTheThresholds() throws {
        for (name, points) in Self.cases {
            let board = try shippedBoard(name)
            for (hz, ws) in points {
                #expect(board.memorySystem.flashWaitStates(atHz: hz) == ws, "\(name) at \(hz) Hz")
            }
        }
    }

    @Test func estimatesReportTheWaitStatesAndRunCurrentAtTheChosenClock() throws {
        let model = try PowerModel(board: try shippedBoard("stm32f746"))
        let fast = try model.estimate(cycles: 1_000_000, clockHz: 216e6)
        let slow = try model.estimate(cycles: 1_000_000, clockHz: 60e6)
        #expect(fast.flashWaitStates == 7 && slow.flashWaitStates == 1)
        #expect(fast.runCurrentAmps == 0.108 && slow.runCurrentAmps == 0.027)
        // Same cycles at a lower clock: longer, and less energy per inference here.
        #expect(slow.seconds == 1_000_000 / 60e6)
        #expect(slow.joules < fast.joules)
    }

    @Test func clocksOutsideTheBoardsRangeAreRejected() throws {
        let board = try shippedBoard("stm32f411")
        let model = try PowerModel(board: board)
        #expect(throws: PowerModelError.clockOutOfRange(board: "stm32f411", hz: 120e6, min: 1e6, max: 100e6)) {
            try model.estimate(cycles: 1, clockHz: 120e6)
        }
        #expect("\(PowerModelError.clockOutOfRange(board: "stm32f411", hz: 120e6, min: 1e6, max: 100e6))"
            == "stm32f411: clock 120 MHz is outside the board's range 1 MHz–100 MHz")
    }
}
