import BoardProfiles
import Foundation
import Testing

/// Invalid board files give one clear message naming the file and the field.
@Suite struct BoardFileErrorTests {
    @Test func badSizeNamesFileFieldAndValue() throws {
        let json = setting(try shippedJSON("stm32f746"), ["memory", 2, "size"], to: "12Q")
        #expect(loadError(json) == "Boards/x.json: memory[2].size: \"12Q\" is not a size")
    }

    @Test func cacheLineLongerThanModelledIsAnError() throws {
        let json = setting(try shippedJSON("stm32f746"), ["memorySystem", "icache", "lineBytes"], to: 8192)
        #expect(loadError(json) == "Boards/x.json: memorySystem.icache.lineBytes: 8192 bytes is longer than any cache line sersim models (at most 4096)")
    }

    @Test func badSectorSizeIsAnError() throws {
        for bad in [2, 3, 16] {
            let json = setting(try shippedJSON("nano-rp2040"), ["memorySystem", "xipCache", "sectorBytes"], to: bad)
            #expect(loadError(json) == "Boards/x.json: memorySystem.xipCache.sectorBytes: \(bad) is not a power of two "
                + "from 4 up to the 8-byte line (with at most 8 sectors per line)")
        }
    }

    /// The Cortex-M7's AXI figures come from the board file, cited; a width sersim does
    /// not model, or an uncited one, is refused.
    @Test func axiBusIsReadAndChecked() throws {
        let f746 = try shippedJSON("stm32f746")
        #expect(try parse(f746).memorySystem.busWidthBytes == 4)
        var wider = setting(f746, ["memorySystem", "axiBus", "widthBytes"], to: 8)
        wider = setting(wider, ["memorySystem", "axiBus", "latencyCycles"], to: 3)
        let b = try parse(wider)
        #expect(b.memorySystem.busWidthBytes == 8 && b.memorySystem.busLatencyCycles == 3)
        #expect(loadError(setting(f746, ["memorySystem", "axiBus", "widthBytes"], to: 6))
            == "Boards/x.json: memorySystem.axiBus.widthBytes: 6 is not a bus width sersim models (4, 8 or 16 bytes)")
        #expect(loadError(setting(f746, ["memorySystem", "axiBus", "ref"], to: nil)).hasPrefix(
            "Boards/x.json: memorySystem.axiBus.widthBytes: no source"))
    }

    @Test func missingSourceIsAnError() throws {
        // memory[1] (FLASH) cites with a plain "ref": without it its numbers have no source.
        let json = setting(try shippedJSON("stm32f746"), ["memory", 1, "ref"], to: nil)
        let e = loadError(json)
        #expect(e.hasPrefix("Boards/x.json: memory[1].base: no source"), "\(e)")
    }

    @Test func missingSourceOfOneFieldInRefsIsAnError() throws {
        var json = try shippedJSON("stm32f746")
        var refs = ((json["clock"] as! [String: Any])["refs"] as! [String: Any])
        refs["min"] = nil
        json = setting(json, ["clock", "refs"], to: refs)
        #expect(loadError(json).hasPrefix("Boards/x.json: clock.min: no source"))
    }

    @Test func missingPowerCitationIsAnError() throws {
        let json = setting(try shippedJSON("stm32f411"), ["power", "run", "ref"], to: nil)
        #expect(loadError(json).hasPrefix("Boards/x.json: power.run.points: no source"))
    }

    @Test func referenceToAnUnknownSource() throws {
        let json = setting(try shippedJSON("stm32f411"), ["memory", 0, "ref"], to: "DS9999: Table 1")
        let e = loadError(json)
        #expect(e.hasPrefix("Boards/x.json: memory[0].ref: \"DS9999\" is not one of the file's sources"), "\(e)")
    }

    @Test func referenceWithoutLocation() throws {
        let json = setting(try shippedJSON("stm32f411"), ["memory", 0, "ref"], to: "DS10314:")
        #expect(loadError(json) == "Boards/x.json: memory[0].ref: \"DS10314:\" gives no location (table, section or page)")
    }

    @Test func unknownFieldsAreErrors() throws {
        let json = setting(try shippedJSON("stm32f411"), ["memory", 1, "sise"], to: "128K")
        #expect(loadError(json) == "Boards/x.json: memory[1].sise: unknown field (see docs/boards.md for the schema)")
    }

    @Test func invalidJSON() {
        let e: String
        do {
            _ = try BoardFile.parse(data: Data("{ \"schema\": 1, ".utf8), file: "Boards/broken.json")
            e = ""
        } catch { e = "\(error)" }
        #expect(e.hasPrefix("Boards/broken.json: not valid JSON"))
    }

    @Test func overlappingRegions() throws {
        let json = setting(try shippedJSON("stm32f746"), ["memory", 4, "base"], to: "0x20040000")
        let e = loadError(json)
        #expect(e.hasPrefix("Boards/x.json: memory[4]: SRAM2 (0x20040000–0x20043FFF) overlaps memory[3] SRAM1"), "\(e)")
    }

    @Test func vectorTableOutsideEveryRegion() throws {
        let json = setting(try shippedJSON("stm32f746"), ["vectorTable"], to: "0x30000000")
        #expect(loadError(json) == "Boards/x.json: vectorTable: 0x30000000 is not inside any memory region")
    }

    @Test func defaultClockOutsideRange() throws {
        let json = setting(try shippedJSON("stm32f411"), ["clock", "default"], to: "120MHz")
        #expect(loadError(json) == "Boards/x.json: clock.default: 120 MHz is not within min 1 MHz and max 100 MHz")
    }

    @Test func latencyTableMustCoverTheMaximumClock() throws {
        let json = setting(try shippedJSON("stm32f411"), ["memorySystem", "flashLatency", "steps", 3], to: nil)
        #expect(loadError(json) == "Boards/x.json: memorySystem.flashLatency.steps: ends at 90 MHz, below the board's maximum clock 100 MHz")
    }

    @Test func currentsNeedAUnit() throws {
        let json = setting(try shippedJSON("stm32f411"), ["power", "run", "points", 0, 1], to: 0.7)
        #expect(loadError(json) == "Boards/x.json: power.run.points[0][1]: 0.7 is not a current")
    }

    @Test func coreAndArchitectureMustAgree() throws {
        let json = setting(try shippedJSON("stm32f411"), ["core", "architecture"], to: "armv6-m")
        #expect(loadError(json) == "Boards/x.json: core.architecture: \"armv6-m\" does not go with core \"cortex-m4\" (expected armv7e-m)")
    }

    @Test func nameMustMatchTheFileName() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("myboard.json").path
        try JSONSerialization.data(withJSONObject: try shippedJSON("stm32f411")).write(to: URL(fileURLWithPath: path))
        #expect(throws: BoardFileError(file: path, path: "name", message: "\"stm32f411\" must match the file name \"myboard\"")) {
            try BoardFile.load(path: path)
        }
    }

    @Test func unsupportedSchemaVersion() throws {
        let json = setting(try shippedJSON("nano"), ["schema"], to: 2)
        #expect(loadError(json) == "Boards/x.json: schema: 2 is not a supported schema version (this sersim reads 1)")
    }

    @Test func unknownDefaultSleepMode() throws {
        let json = setting(try shippedJSON("nano"), ["power", "defaultSleepMode"], to: "coma")
        #expect(loadError(json) == "Boards/x.json: power.defaultSleepMode: \"coma\" is not one of the sleepModes")
    }

    @Test func regionCurrentsMustNameRegions() throws {
        let json = setting(try shippedJSON("stm32f411"), ["power", "regionCurrents", "currents", "CCM"], to: "1mA")
        #expect(loadError(json) == "Boards/x.json: power.regionCurrents.currents.CCM: \"CCM\" is not a memory region of this board")
    }
}
