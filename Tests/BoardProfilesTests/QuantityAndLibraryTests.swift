import BoardProfiles
import Foundation
import Testing

@Suite struct QuantityTests {
    @Test func sizes() {
        #expect(Quantity.size("16K") == 16384)
        #expect(Quantity.size("1M") == 1 << 20)
        #expect(Quantity.size("256KB") == 256 << 10)
        #expect(Quantity.size("0x4000") == 0x4000)
        #expect(Quantity.size("1.5K") == 1536)
        #expect(Quantity.size("12Q") == nil)
        #expect(Quantity.size("") == nil)
    }

    @Test func addressesAndFrequencies() {
        #expect(Quantity.address("0x0800_0000") == 0x0800_0000)
        #expect(Quantity.address("0x100000000") == nil)
        #expect(Quantity.frequency("216MHz") == 216e6)
        #expect(Quantity.frequency("32.768 kHz") == 32768)
        #expect(Quantity.frequency("48000000") == 48e6)
        #expect(Quantity.frequency("fast") == nil)
    }

    @Test func currentsVoltagesCapacitiesDurations() {
        #expect(Quantity.current("12mA") == 0.012)
        #expect(Quantity.current("2.3uA")! - 2.3e-6 < 1e-18)
        #expect(Quantity.current("2.3µA")! - 2.3e-6 < 1e-18)
        #expect(Quantity.current("100nA")! - 1e-7 < 1e-18)
        #expect(Quantity.current("12") == nil)
        #expect(Quantity.voltage("3.3V") == 3.3)
        #expect(Quantity.capacity("220mAh") == 0.22)
        #expect(Quantity.duration("250ms") == 0.25)
        #expect(Quantity.duration("5min") == 300)
        #expect(Quantity.duration("1s") == 1)
    }
}

@Suite struct BoardLibraryTests {
    @Test func loadsByNameFromTheCheckout() throws {
        let b = try BoardLibrary.load("stm32f746", environment: [:])
        #expect(b.origin.hasSuffix("Boards/stm32f746.json"))
    }

    @Test func environmentDirectoryComesFirstAndAddsBoards() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A user's board dropped into a directory: a renamed copy of a shipped one.
        let json = setting(try shippedJSON("stm32f411"), ["name"], to: "myboard")
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("myboard.json"))
        let env = ["SERSIM_BOARDS": dir.path]
        #expect(try BoardLibrary.load("myboard", environment: env).name == "myboard")
        #expect(BoardLibrary.searchDirectories(environment: env).first == dir.standardizedFileURL.path)
        let (boards, errors) = BoardLibrary.scan(environment: env)
        #expect(errors.isEmpty && boards.contains { $0.name == "myboard" } && boards.contains { $0.name == "stm32f746" })
    }

    @Test func loadsByPath() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = setting(try shippedJSON("nano"), ["name"], to: "custom")
        let file = dir.appendingPathComponent("custom.json")
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        #expect(try BoardLibrary.load(file.path, environment: [:]).name == "custom")
        // Relative to the current directory.
        #expect(try BoardLibrary.load("custom.json", environment: [:], currentDirectory: dir.path).name == "custom")
    }

    @Test func unknownBoardListsTheKnownOnes() {
        do {
            _ = try BoardLibrary.load("stm32f999", environment: [:])
            Issue.record("loaded a board that does not exist")
        } catch let e as BoardNotFound {
            #expect(e.known.contains("stm32f746") && e.known.contains("esp32"))
            #expect("\(e)".hasPrefix("no board named 'stm32f999'; known boards: esp32, esp32s3, nano,"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func anInvalidUserFileIsReportedNotHidden() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{}".utf8).write(to: dir.appendingPathComponent("empty.json"))
        let (boards, errors) = BoardLibrary.scan(environment: ["SERSIM_BOARDS": dir.path])
        #expect(boards.count >= shippedBoardNames.count)
        #expect(errors.map(\.description) == ["\(dir.standardizedFileURL.path)/empty.json: schema: missing"])
    }
}

@Suite struct BoardDescriptionTests {
    @Test func summaryHasTheListFieldsAndIsJSON() throws {
        for name in shippedBoardNames {
            let o = try shippedBoard(name).summaryObject
            for key in ["name", "core", "clockHz", "flashBytes", "sramBytes", "sources", "runMilliwatts", "estimate"] {
                #expect(o[key] != nil, "\(name): \(key)")
            }
            #expect(JSONSerialization.isValidJSONObject(o))
            #expect(JSONSerialization.isValidJSONObject(try shippedBoard(name).detailObject))
        }
        let esp = try shippedBoard("esp32").summaryObject
        #expect(esp["sramBytes"] as? UInt64 == 520 * 1024 && esp["estimate"] as? Bool == true)
    }

    @Test func showTextCitesEveryFigure() throws {
        let text = try shippedBoard("stm32f746").detailText()
        #expect(text.contains("I-cache: 4 KB, 2-way, 32-byte lines  [CM7-TRM:"))
        #expect(text.contains("SRAM1  sram      0x20010000  240 KB  rwx  0 WS  [DS10916: Figure 19"))
        #expect(text.contains("sleep mode stop (default): 270 µA"))
        #expect(text.contains("RM0385: RM0385 reference manual: STM32F75xxx and STM32F74xxx advanced Arm-based 32-bit MCUs, Rev 8 (not re-checked)"))
        let esp = try shippedBoard("esp32").detailText()
        #expect(esp.contains("ESTIMATE     the ESP32's Xtensa LX6 is not emulated"))
        let l4r5 = try shippedBoard("stm32l4r5").detailText()
        #expect(l4r5.contains("power: no cited power data for this board"))
        let rp = try shippedBoard("nano-rp2040").detailText()
        #expect(rp.contains("RP2040-DS-NR: RP2040 Datasheet (sections not re-read), as above (not re-checked)"))
    }
}
