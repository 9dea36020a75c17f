import BoardProfiles
import Foundation
import Testing

/// Every shipped board loads, validates, has the real memory map, and cites every number.
@Suite struct ShippedBoardsTests {
    @Test func theNineBoardsAreShippedAndLoad() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: boardsDirectory).filter { $0.hasSuffix(".json") }
        for name in shippedBoardNames { #expect(files.contains("\(name).json"), "Boards/\(name).json is missing") }
        for f in files {
            let board = try BoardFile.load(path: "\(boardsDirectory)/\(f)")
            #expect(board.name + ".json" == f)
            #expect(!board.sources.isEmpty)
            #expect(board.flashBytes > 0 && board.sramBytes > 0)
        }
    }

    @Test func theLibraryScanFindsEveryShippedBoardWithoutErrors() {
        let (boards, errors) = BoardLibrary.scan(environment: [:])
        #expect(errors.isEmpty, "\(errors)")
        for name in shippedBoardNames { #expect(boards.contains { $0.name == name }) }
    }

    /// An independent walk of the raw JSON (not the loader): every JSON number, and every
    /// string that reads as an address, size, frequency, current or voltage, sits in an
    /// object whose `ref` or `refs[field]` names one of the file's sources with a location.
    @Test(arguments: shippedBoardNames) func everyNumberHasASource(_ name: String) throws {
        let json = try shippedJSON(name)
        let ids = Set((json["sources"] as! [[String: Any]]).map { $0["id"] as! String })
        var uncited: [String] = []

        func referenceIsValid(_ r: Any) -> Bool {
            let parts = (r as? [Any]) ?? [r]
            return !parts.isEmpty && parts.allSatisfy { p in
                guard let s = p as? String, let colon = s.firstIndex(of: ":") else { return false }
                let id = s[..<colon].trimmingCharacters(in: .whitespaces)
                return ids.contains(id) && !s[s.index(after: colon)...].trimmingCharacters(in: .whitespaces).isEmpty
            }
        }
        func isNumeric(_ v: Any) -> Bool {
            if let n = v as? NSNumber { return String(cString: n.objCType) != "c" }
            guard let s = v as? String else { return false }
            return Quantity.address(s) != nil || Quantity.size(s) != nil || Quantity.current(s) != nil
                || (Quantity.frequency(s) != nil && s.lowercased().hasSuffix("hz")) || s.hasSuffix("V")
        }
        func covered(_ owner: [String: Any], _ key: String) -> Bool {
            if let refs = owner["refs"] as? [String: Any], let r = refs[key] { return referenceIsValid(r) }
            if let r = owner["ref"] { return referenceIsValid(r) }
            return false
        }
        // `owner`/`field`: the nearest enclosing object and the field of it holding `v`.
        func walk(_ v: Any, path: String, owner: [String: Any], field: String) {
            if let d = v as? [String: Any] {
                for (k, child) in d where !["ref", "refs", "note", "comment", "sources", "schema"].contains(k) {
                    // A nested object of plain values (regionCurrents.currents) is covered by
                    // the object that holds it.
                    let plainMap = (child as? [String: Any]).map { $0.values.allSatisfy { !($0 is [String: Any]) && !($0 is [Any]) } } ?? false
                    if plainMap, let m = child as? [String: Any], m["ref"] == nil, m["refs"] == nil {
                        for (mk, mv) in m where isNumeric(mv) && !covered(d, k) { uncited.append("\(path).\(k).\(mk)") }
                        continue
                    }
                    walk(child, path: path.isEmpty ? k : "\(path).\(k)", owner: d, field: k)
                }
            } else if let a = v as? [Any] {
                for (i, child) in a.enumerated() { walk(child, path: "\(path)[\(i)]", owner: owner, field: field) }
            } else if isNumeric(v), !covered(owner, field) {
                uncited.append(path)
            }
        }
        walk(json, path: "", owner: [:], field: "")
        #expect(uncited.isEmpty, "Boards/\(name).json: numbers without a source: \(uncited)")
    }

    @Test func everySourceHasDocumentRevisionAndURL() throws {
        for name in shippedBoardNames {
            for s in try shippedBoard(name).sources {
                #expect(!s.document.isEmpty && !s.revision.isEmpty && s.url.hasPrefix("https://"), "\(name): \(s.id)")
                if !s.checked { #expect(s.note?.isEmpty == false, "\(name): unchecked source \(s.id) must say why") }
            }
        }
    }

    @Test func stm32f746MemoryMap() throws {
        let b = try shippedBoard("stm32f746")
        let map = Dictionary(uniqueKeysWithValues: b.memory.map { ($0.name, ($0.base, $0.size)) })
        #expect(map["ITCM"]! == (0x0000_0000, 16 << 10))
        #expect(map["FLASH"]! == (0x0800_0000, 1 << 20))
        #expect(map["DTCM"]! == (0x2000_0000, 64 << 10))
        #expect(map["SRAM1"]! == (0x2001_0000, 240 << 10))
        #expect(map["SRAM2"]! == (0x2004_C000, 16 << 10))
        #expect(b.vectorTable == 0x0800_0000)
        #expect(b.sramBytes == 320 << 10 && b.flashBytes == 1 << 20)
        #expect(b.core.kind == .cortexM7 && b.core.dsp)
        #expect(b.memorySystem.icache == CacheSpec(sizeBytes: 4096, ways: 2, lineBytes: 32))
        #expect(b.memorySystem.dcache == CacheSpec(sizeBytes: 4096, ways: 4, lineBytes: 32))
        #expect(b.region(containing: 0x0800_0000)?.usesFlashLatency == true)
        #expect(b.memorySystem.flashWaitStates(atHz: 216e6) == 7)
    }

    @Test func cortexMBoardsMemoryMaps() throws {
        let nrf = try shippedBoard("nano33ble")
        #expect(nrf.memory.map(\.base) == [0x0000_0000, 0x2000_0000])
        #expect(nrf.memory.map(\.size) == [1 << 20, 256 << 10])
        #expect(nrf.vectorTable == 0)
        let rp = try shippedBoard("nano-rp2040")
        #expect(rp.region(containing: 0x1000_0000)?.kind == .xipFlash)
        #expect(rp.region(containing: 0x2000_0000)?.size == 264 << 10)
        #expect(rp.vectorTable == 0x1000_0000)
        #expect(rp.core.kind == .cortexM0plus && rp.core.architecture == .armv6m && !rp.core.dsp)
        #expect(rp.memorySystem.xipCache == CacheSpec(sizeBytes: 16 << 10, ways: 2, lineBytes: 8, sectorBytes: 4))
        let l4r5 = try shippedBoard("stm32l4r5")
        #expect(l4r5.sramBytes == 640 << 10 && l4r5.flashBytes == 2 << 20)
        // SRAM1-3 contiguous from 0x2000 0000, as the part's linker scripts assume.
        let ram = l4r5.memory.filter { $0.kind == .sram }.sorted { $0.base < $1.base }
        #expect(ram.first?.base == 0x2000_0000)
        for (a, b) in zip(ram, ram.dropFirst()) { #expect(a.end == UInt64(b.base)) }
        #expect(ram.reduce(0) { $0 + UInt64($1.size) } == 640 << 10)
    }

    @Test func espBoardsAreEstimatesWithTheirHeadlineSRAM() throws {
        let esp = try shippedBoard("esp32")
        #expect(esp.isEstimate && esp.core.kind == .xtensaLX6 && esp.estimate != nil)
        #expect(esp.sramBytes == 520 << 10)
        // The regions say what an application can use: less than the headline.
        let usable = esp.memory.filter { $0.kind == .sram }.reduce(UInt64(0)) { $0 + UInt64($1.size) }
        #expect(usable < esp.sramBytes)
        #expect(esp.region(containing: esp.vectorTable)?.executable == true)
        #expect(esp.region(containing: 0x3F40_0000)?.kind == .xipFlash)
        let s3 = try shippedBoard("esp32s3")
        #expect(s3.isEstimate && s3.core.kind == .xtensaLX7 && s3.sramBytes == 512 << 10)
        #expect(s3.memory.filter { $0.kind == .sram }.reduce(0) { $0 + UInt64($1.size) } == 512 << 10)
    }

    @Test func avrIsMemoryFitOnly() throws {
        let nano = try shippedBoard("nano")
        #expect(nano.core.kind == .avr && !nano.core.kind.executes)
        #expect(nano.flashBytes == 32 << 10 && nano.sramBytes == 2 << 10)
        // Harvard: program flash and data SRAM overlap numerically in different spaces.
        #expect(nano.memory.map(\.addressSpace) == [.program, .data])
    }

    @Test func boardsWithoutCitedPowerDataSaySo() throws {
        // DS12023's current tables could not be read (see the file's source note).
        for name in ["stm32l4r5"] {
            let b = try shippedBoard(name)
            #expect(b.power == nil)
            #expect(throws: PowerModelError.noPowerData(board: name)) { try PowerModel(board: b) }
        }
        for name in shippedBoardNames where !["stm32l4r5"].contains(name) {
            #expect(try shippedBoard(name).power != nil, "\(name)")
        }
    }
}
