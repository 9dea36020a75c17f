import BoardProfiles
import Foundation
import Testing

/// The figures the second boards pass added or corrected, recomputed by hand from the
/// tables the files cite (arithmetic in the comments).
@Suite struct SecondPassFiguresTests {
    func close(_ a: Double, _ b: Double, _ rel: Double = 1e-9) -> Bool { abs(a - b) <= rel * max(abs(a), abs(b)) }

    @Test func rp2040EnergyAtTheDatasheetPoint() throws {
        // RP2040 datasheet Table 637, Popcorn at clk_sys 48 MHz: 10.9 mA typical DVDD,
        // drawn through the on-chip LDO from the 3.3 V supply.
        // 480,000 cycles at 48 MHz = 10 ms; E = 3.3 V x 0.0109 A x 0.01 s = 359.7 uJ;
        // P = 3.3 x 10.9 mA = 35.97 mW.
        let e = try PowerModel(board: try shippedBoard("nano-rp2040")).estimate(cycles: 480_000, clockHz: 48e6)
        #expect(e.runLookup == .exact)
        #expect(close(e.seconds, 0.01))
        #expect(close(e.microjoules, 359.7))
        #expect(close(e.milliwatts, 35.97))
        #expect(!e.isEstimate)
        #expect(e.notes.contains { $0.contains("Table 637") })
        // The approximations are named in the output, not only in the file.
        #expect(e.notes.contains { $0.hasPrefix("measured with:") && $0.contains("core (DVDD) current only") })
    }

    @Test func rp2040AtItsDefaultClockIsAnExtrapolatedEstimate() throws {
        // One datasheet point: the current is proportional to the clock above it.
        // 10.9 mA x 133/48 = 30.2020833 mA; 1,330,000 cycles = 10 ms;
        // E = 3.3 x 0.0302020833 x 0.01 = 996.66875 uJ.
        let e = try PowerModel(board: try shippedBoard("nano-rp2040")).estimate(cycles: 1_330_000)
        #expect(e.clockHz == 133e6)
        #expect(e.runLookup == .extrapolated(from: 48e6))
        #expect(close(e.runCurrentAmps, 0.0109 * 133 / 48))
        #expect(close(e.microjoules, 996.66875))
        #expect(e.isEstimate)
        #expect(e.notes.contains { $0.contains("extrapolated from the datasheet point at 48 MHz") })
    }

    @Test func rp2040BelowItsLowestDatasheetClockIsRefused() throws {
        let model = try PowerModel(board: try shippedBoard("nano-rp2040"))
        #expect(throws: PowerModelError.clockOutOfRange(board: "nano-rp2040", hz: 12e6, min: 48e6, max: 133e6)) {
            try model.estimate(cycles: 1000, clockHz: 12e6)
        }
    }

    @Test func rp2040DutyCycleInSleepAndDormant() throws {
        // 10 ms at 48 MHz (359.7 uJ) once a second; SLEEP for 0.99 s at 0.39 mA (Table 637):
        //   3.3 x 0.00039 x 0.99 = 1274.13 uJ; 1633.83 uJ per second = 1.63383 mW.
        // CR2032 (235 mAh at 3.0 V): 2538 J / 1.63383 mW = 1,553,405 s = 17.9792 days.
        let model = try PowerModel(board: try shippedBoard("nano-rp2040"))
        let e = try model.estimate(cycles: 480_000, clockHz: 48e6)
        let d = try model.dutyCycle(e, DutyCycle(period: 1, battery: try Battery.parse("CR2032")))
        #expect(d.sleepMode == "sleep")
        #expect(close(d.sleepCurrentAmps, 0.39e-3))
        #expect(close(d.joulesPerPeriod, 1633.83e-6))
        #expect(close(d.averageWatts, 1.63383e-3))
        #expect(close(d.batteryDays!, 17.979226724934666))
        // DORMANT, 0.18 mA: 359.7 + 3.3 x 0.00018 x 0.99 x 1e6 = 947.76 uJ; 0.2872 mA average.
        let dormant = try model.dutyCycle(e, DutyCycle(period: 1, sleepMode: "dormant"))
        #expect(close(dormant.joulesPerPeriod, 947.76e-6))
        #expect(close(dormant.averageCurrentAmps, 0.2872e-3))
    }

    @Test func rp2040MemorySystem() throws {
        let rp = try shippedBoard("nano-rp2040")
        // 16 KB / 8-byte lines / 2 ways (datasheet §2.6.3.2).
        #expect(rp.memorySystem.xipCache == CacheSpec(sizeBytes: 16 << 10, ways: 2, lineBytes: 8, sectorBytes: 4))
        // 20 SCK cycles per 32-bit fill (8 address/mode + 4 dummy + 8 data) at clk_sys/2.
        #expect(rp.memorySystem.xipMissCycles == 40)
        #expect(rp.clock.minHz == 48e6 && rp.clock.defaultHz == 133e6)
        #expect(rp.flashBytes == 16 << 20 && rp.sramBytes == 264 << 10)
        // SRAM_BASE .. SRAM_END of the SDK's address map.
        #expect(rp.region(containing: 0x2004_1FFF)?.name == "SRAM")
        #expect(rp.region(containing: 0x2004_2000) == nil)
    }

    @Test func showAndListSayTheRP2040FiguresAreExtrapolated() throws {
        let rp = try shippedBoard("nano-rp2040")
        let text = rp.detailText()
        #expect(text.contains("XIP miss: 40 core cycles  [RP2040-DS: §2.8.5.4.7 ENTER_XIP"))
        // 3.3 V x 30.2020833 mA = 99.67 mW at the default 133 MHz.
        #expect(text.contains("run power at 133 MHz: 99.67 mW (estimate: current extrapolated beyond the datasheet points)"))
        #expect(rp.defaultRunIsExtrapolated && rp.summaryObject["runExtrapolated"] as? Bool == true)
        // Boards whose default clock is a datasheet point are not marked.
        #expect(try !shippedBoard("stm32f746").defaultRunIsExtrapolated)
        #expect(try !shippedBoard("nano33ble").defaultRunIsExtrapolated)
    }

    @Test func whatTheSecondPassCouldNotCheckStaysMarked() throws {
        // Sources re-read in this pass are checked; the rest keep checked = false with a note.
        let unchecked: [String: Set<String>] = [
            "nano-rp2040": ["RP2040-DS-NR"],
            "esp32": [],
            "esp32s3": [],
            "nano33ble": ["nRF52840-PS"],
            "stm32l4r5": ["DS12023", "RM0432"],
        ]
        for (name, expected) in unchecked {
            let b = try shippedBoard(name)
            #expect(Set(b.sources.filter { !$0.checked }.map(\.id)) == expected, "\(name)")
            #expect(b.sources.filter { !$0.checked }.allSatisfy { ($0.note ?? "").count > 40 }, "\(name)")
        }
    }

    @Test func esp32s3CachesFollowTheESPIDFDefaults() throws {
        // Kconfig.cache defaults: I-cache 16 KB, 8 ways, 32-byte lines; D-cache 32 KB, 8 ways,
        // 32-byte lines.
        let s3 = try shippedBoard("esp32s3")
        #expect(s3.memorySystem.icache == CacheSpec(sizeBytes: 16 << 10, ways: 8, lineBytes: 32))
        #expect(s3.memorySystem.dcache == CacheSpec(sizeBytes: 32 << 10, ways: 8, lineBytes: 32))
        #expect(s3.flashBytes == 8 << 20)
        // The ESP32 gets no XIP miss cost: its fill size is not citable here.
        #expect(try shippedBoard("esp32").memorySystem.xipMissCycles == 0)
    }
}
