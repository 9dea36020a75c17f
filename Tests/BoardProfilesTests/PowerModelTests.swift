import BoardProfiles
import Foundation
import Testing

/// The power model against values computed by hand from the datasheet tables the board
/// files cite (the arithmetic is written out in each test).
@Suite struct PowerModelTests {
    func close(_ a: Double, _ b: Double, _ rel: Double = 1e-9) -> Bool { abs(a - b) <= rel * max(abs(a), abs(b)) }

    @Test func energyAtADatasheetPoint() throws {
        // STM32F746 at 216 MHz: DS10916 Table 26 gives 108 mA; 3.3 V supply.
        // 2,160,000 cycles = 10 ms; E = 3.3 V x 0.108 A x 0.01 s = 3.564 mJ; P = 356.4 mW.
        let e = try PowerModel(board: try shippedBoard("stm32f746")).estimate(cycles: 2_160_000)
        #expect(e.clockHz == 216e6 && e.runLookup == .exact)
        #expect(close(e.seconds, 0.01))
        #expect(close(e.microjoules, 3564))
        #expect(close(e.milliwatts, 356.4))
        #expect(!e.isEstimate)
    }

    @Test func runCurrentIsInterpolatedBetweenPoints() throws {
        // 190 MHz lies between Table 26's 180 MHz (89 mA) and 200 MHz (100 mA):
        // 89 + (100 - 89) x 10/20 = 94.5 mA; 1,900,000 cycles = 10 ms;
        // E = 3.3 x 0.0945 x 0.01 = 3.1185 mJ.
        let e = try PowerModel(board: try shippedBoard("stm32f746")).estimate(cycles: 1_900_000, clockHz: 190e6)
        #expect(close(e.runCurrentAmps, 0.0945))
        #expect(e.runLookup == .interpolated(lower: 180e6, upper: 200e6))
        #expect(close(e.microjoules, 3118.5))
        #expect(e.notes.contains { $0.contains("interpolated between the datasheet points at 180 MHz and 200 MHz") })
    }

    @Test func regionWeightsRefineTheCurrent() throws {
        // 3 of 4 fetches from ITCM (Table 25: 102 mA at 216 MHz), 1 from flash (108 mA):
        // 0.75 x 102 + 0.25 x 108 = 103.5 mA; E(10 ms) = 3.3 x 0.1035 x 0.01 = 3.4155 mJ.
        let model = try PowerModel(board: try shippedBoard("stm32f746"))
        let activity = Activity(fetchesByRegion: ["ITCM": 300, "FLASH": 100])
        let e = try model.estimate(cycles: 2_160_000, activity: activity)
        #expect(close(e.effectiveCurrentAmps, 0.1035))
        #expect(close(e.microjoules, 3415.5))
        #expect(e.notes.contains { $0.contains("DS10916: Table 25") })
        // A region without a figure counts as the run condition (weight 1).
        let dtcm = try model.estimate(cycles: 2_160_000, activity: Activity(fetchesByRegion: ["DTCM": 5]))
        #expect(close(dtcm.effectiveCurrentAmps, 0.108))
    }

    @Test func classWeightsRefineTheCurrent() throws {
        // A user board with class weights: 25 % of instructions weigh 2.0, the rest 1:
        // factor 0.25 x 2 + 0.75 x 1 = 1.25; 10 mA x 1.25 = 12.5 mA.
        var board = try shippedBoard("stm32f411")
        board.power?.classWeights = ClassWeights(weights: ["mul": 2.0], ref: "TEST: weights")
        board.power?.run = CurrentCurve(points: [CurrentPoint(hz: 100e6, amps: 0.010)])
        let e = try PowerModel(board: board).estimate(
            cycles: 100, clockHz: 100e6, activity: Activity(instructionsByClass: ["mul": 25, "alu": 75]))
        #expect(close(e.classFactor, 1.25))
        #expect(close(e.effectiveCurrentAmps, 0.0125))
    }

    @Test func dutyCycleAndBatteryLife() throws {
        // STM32F411 at 100 MHz: 11.6 mA (DS10314 Table 23). One 10 ms inference per second,
        // Stop (14 uA, Table 28) for the other 0.99 s:
        //   active 3.3 x 0.0116 x 0.01 = 382.8 uJ; sleep 3.3 x 14e-6 x 0.99 = 45.738 uJ;
        //   428.538 uJ per second = 0.428538 mW.
        // CR2032 (235 mAh, 3.0 V): 0.235 x 3.0 x 3600 = 2538 J; 2538 / 428.538e-6 W
        //   = 5,922,462 s = 68.547 days.
        let model = try PowerModel(board: try shippedBoard("stm32f411"))
        let e = try model.estimate(cycles: 1_000_000)
        let cr2032 = try Battery.parse("CR2032")
        let d = try model.dutyCycle(e, DutyCycle(period: 1, battery: cr2032))
        #expect(d.sleepMode == "stop")
        #expect(close(d.joulesPerPeriod, 428.538e-6))
        #expect(close(d.averageWatts, 0.428538e-3))
        #expect(close(d.batteryDays!, 68.5470133337067))
        // A bare capacity feeds the 3.3 V supply directly: 0.22 Ah x 3600 / (0.428538 mW / 3.3 V)
        //   = 70.589 days.
        let plain = try model.dutyCycle(e, DutyCycle(period: 1, battery: try Battery.parse("220mAh")))
        #expect(close(plain.batteryDays!, 70.58883926279583))
        // LiPo 1000 mAh at 3.7 V: 1 x 3.7 x 3600 / 428.538e-6 = 359.75 days.
        let lipo = try model.dutyCycle(e, DutyCycle(period: 1, battery: try Battery.parse("LiPo 1000mAh")))
        #expect(close(lipo.batteryDays!, 359.7502827442763))
    }

    @Test func sleepCurrentFollowsTheClockInSleepMode() throws {
        // STM32F746 Sleep (Table 30) at 216 MHz: 35 mA.
        let model = try PowerModel(board: try shippedBoard("stm32f746"))
        let e = try model.estimate(cycles: 2_160_000)
        let d = try model.dutyCycle(e, DutyCycle(period: 0.02, sleepMode: "sleep"))
        #expect(close(d.sleepCurrentAmps, 0.035))
        // 10 ms at 108 mA + 10 ms at 35 mA, averaged: 71.5 mA.
        #expect(close(d.averageCurrentAmps, 0.0715))
    }

    @Test func dutyCycleErrors() throws {
        let model = try PowerModel(board: try shippedBoard("stm32f411"))
        let e = try model.estimate(cycles: 1_000_000)  // 10 ms
        #expect(throws: PowerModelError.periodTooShort(period: 0.005, active: 0.01)) {
            try model.dutyCycle(e, DutyCycle(period: 0.005))
        }
        #expect(throws: PowerModelError.unknownSleepMode(board: "stm32f411", name: "coma",
                                                         known: ["sleep", "stop", "stop-lplv", "standby"])) {
            try model.dutyCycle(e, DutyCycle(period: 1, sleepMode: "coma"))
        }
    }

    @Test func curveExtrapolationIsNamed() {
        let c = CurrentCurve(points: [CurrentPoint(hz: 10e6, amps: 0.001), CurrentPoint(hz: 20e6, amps: 0.003)])
        let above = c.current(atHz: 30e6)
        #expect(abs(above.amps - 0.005) < 1e-12 && above.how == .extrapolated(from: 20e6))
        // Below the points the line reaches zero at 5 MHz: proportional to clock instead.
        let below = c.current(atHz: 5e6)
        #expect(abs(below.amps - 0.0005) < 1e-12 && below.how == .extrapolated(from: 10e6))
        #expect(CurrentCurve(constant: 0.002).current(atHz: 1e9).amps == 0.002)
    }

    @Test func espFiguresAreEstimates() throws {
        // ESP32 Table 3-2 at 240 MHz: up to 68 mA; 240,000 cycles = 1 ms; 3.3 x 0.068 x 0.001 J.
        let e = try PowerModel(board: try shippedBoard("esp32")).estimate(cycles: 240_000)
        #expect(e.isEstimate)
        #expect(close(e.microjoules, 3.3 * 0.068 * 0.001 * 1e6))
        #expect(e.notes.first?.hasPrefix("estimate:") == true)
    }

    @Test func defaultRunPowerForTheBoardsTable() throws {
        // 3.3 V x 108 mA = 356.4 mW; ATmega328P: 5 V x 9.2 mA = 46 mW.
        #expect(close(try PowerModel(board: try shippedBoard("stm32f746")).defaultRunWatts, 0.3564))
        #expect(close(try PowerModel(board: try shippedBoard("nano")).defaultRunWatts, 0.046))
    }

    @Test func batteryParsing() throws {
        #expect(try Battery.parse("cr2032").capacityAh == 0.235)
        #expect(try Battery.parse("AA").volts == 1.5)
        #expect(try Battery.parse("1000mAh@3.7V") == Battery(name: "1000 mAh", capacityAh: 1.0, volts: 3.7))
        #expect(try Battery.parse("2.5Ah").capacityAh == 2.5)
        #expect(throws: PowerModelError.self) { try Battery.parse("lots") }
        #expect(throws: PowerModelError.self) { try Battery.parse("LiPo") }
        for cell in Battery.named { #expect(!cell.source.isEmpty) }
    }
}
