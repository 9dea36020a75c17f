import Foundation
import Testing
@testable import QuantModel

/// A second, test-only writer of the container layout described in docs/q8-format.md:
/// header, section table, 16-byte-aligned sections. The encoder must produce exactly the
/// bytes this gives for its own sections, and the tests use it to build files a newer or
/// damaged writer would produce.
struct Q8Layout {
    struct Section {
        var tag: String
        var flags: UInt32 = 1
        var payload: [UInt8]
    }

    static func sections(of bytes: [UInt8]) -> [Section] {
        let count = Int(u32(bytes, 24))
        return (0..<count).map { n in
            let e = 32 + 32 * n
            let offset = Int(u64(bytes, e + 8)), length = Int(u64(bytes, e + 16))
            return Section(tag: String(decoding: bytes[e..<(e + 4)], as: UTF8.self), flags: u32(bytes, e + 4),
                           payload: Array(bytes[offset..<(offset + length)]))
        }
    }

    static func build(_ sections: [Section], major: UInt16 = 1, minor: UInt16 = 0) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32 + 32 * sections.count)
        out.replaceSubrange(0..<8, with: [0x89, 0x53, 0x51, 0x38, 0x0D, 0x0A, 0x1A, 0x0A])
        put16(&out, 8, major)
        put16(&out, 10, minor)
        put32(&out, 24, UInt32(sections.count))
        for (n, s) in sections.enumerated() {
            while out.count % 16 != 0 { out.append(0) }
            let e = 32 + 32 * n
            out.replaceSubrange(e..<(e + 4), with: Array(s.tag.utf8))
            put32(&out, e + 4, s.flags)
            put64(&out, e + 8, UInt64(out.count))
            put64(&out, e + 16, UInt64(s.payload.count))
            put32(&out, e + 24, CRC32.checksum(s.payload))
            out += s.payload
        }
        put64(&out, 16, UInt64(out.count))
        var crc = CRC32()
        crc.update(out[0..<28])
        crc.update(out[32..<(32 + 32 * sections.count)])
        put32(&out, 28, crc.value)
        return out
    }

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * $1) } }
    static func u64(_ b: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * $1) } }
    static func put16(_ b: inout [UInt8], _ at: Int, _ v: UInt16) { for i in 0..<2 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
    static func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) { for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
    static func put64(_ b: inout [UInt8], _ at: Int, _ v: UInt64) { for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
}

@Suite struct Q8FormatTests {
    @Test func crc32CheckValue() {
        // The CRC-32 check value from the catalogue of CRC parameters (CRC-32/ISO-HDLC).
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test(arguments: IOFixtures.importable)
    func roundTripThroughBytes(name: String) throws {
        var model = try IOFixtures.model(name)
        model.labels = ["pleasant", "unpleasant", "neutral ✓"]
        model.description = "imported from \(name).tflite"
        let bytes = try Q8Format.encode(model)
        let back = try Q8Format.decode(bytes)
        #expect(back == model)
        // Canonical: encoding again gives the same bytes.
        #expect(try Q8Format.encode(back) == bytes)
        // The layout matches the documented one exactly.
        #expect(Q8Layout.build(Q8Layout.sections(of: bytes)) == bytes)
        #expect(Q8Layout.sections(of: bytes).map(\.tag) == ["META", "GRPH", "TENS", "OPER", "WGHT"])
    }

    @Test func sharedWeightsAreStoredOnce() throws {
        let model = try IOFixtures.model("lstm_tiny")
        let bytes = try Q8Format.encode(model)
        let weights = try #require(Q8Layout.sections(of: bytes).first { $0.tag == "WGHT" })
        let distinct = Set(model.tensors.compactMap(\.data))
        let padded = distinct.map { ($0.count + 15) / 16 * 16 }.reduce(0, +)
        let total = model.tensors.compactMap(\.data).map(\.count).reduce(0, +)
        #expect(weights.payload.count <= padded)
        #expect(distinct.count < model.tensors.compactMap(\.data).count)
        #expect(weights.payload.count < total + 16 * distinct.count)
    }

    @Test func fileRoundTripAndLoader() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-q8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tflite = try IOFixtures.url("lstm_stacked", "tflite").path
        let loaded = try ModelLoader.loadWithDetails(tflite)
        #expect(loaded.format == .tflite)
        #expect(loaded.model.name == "lstm_stacked")

        let path = dir.appendingPathComponent("m.q8").path
        try Q8File.write(loaded.model, to: path)
        // Overwriting goes through a temporary file and leaves nothing else behind.
        try Q8File.write(loaded.model, to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m.q8"])
        let again = try ModelLoader.loadWithDetails(path)
        #expect(again.format == .q8)
        #expect(again.model == loaded.model)

        // The format is recognised by content, not extension.
        let renamed = dir.appendingPathComponent("model.bin").path
        try FileManager.default.copyItem(atPath: path, toPath: renamed)
        #expect(try ModelLoader.load(renamed) == loaded.model)
    }

    @Test func loaderErrorsNameThePath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-q8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("notes.q8").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: ModelFileError.self) { try ModelLoader.load(text) }
        if let error = caught(ModelFileError.self, { _ = try ModelLoader.load(text) }) {
            #expect(error.description.hasPrefix(text))
            #expect(error.description.contains(".q8 magic"))
        }
        if let error = caught(ModelFileError.self, { _ = try ModelLoader.load(dir.appendingPathComponent("missing.tflite").path) }) {
            #expect(error.description.contains("no such file"))
        }
        if let error = caught(ModelFileError.self, { _ = try ModelLoader.load(dir.path) }) {
            #expect(error.description.contains("directory"))
        }
        // Writing into a directory that does not exist fails cleanly.
        let model = try IOFixtures.model("fc_float_io")
        do {
            try Q8File.write(model, to: dir.appendingPathComponent("no/such/dir/m.q8").path)
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(error.description.contains("temporary file"))
        }
    }

    @Test func everyTruncationIsAnError() throws {
        let bytes = try Q8Format.encode(IOFixtures.model("lstm_tiny"))
        for length in 0..<bytes.count {
            #expect(throws: Q8Error.self, "length \(length)") { _ = try Q8Format.decode(Array(bytes[0..<length])) }
        }
        if let error = caught(Q8Error.self, { _ = try Q8Format.decode(Array(bytes[0..<(bytes.count - 7)])) }) {
            #expect(error == .truncated(expected: bytes.count, actual: bytes.count - 7))
        }
    }

    @Test func everySingleBitFlipIsDetected() throws {
        let bytes = try Q8Format.encode(IOFixtures.model("elementwise"))
        for at in 0..<bytes.count {
            for bit in [0, 3, 7] {
                var damaged = bytes
                damaged[at] ^= UInt8(1 << bit)
                #expect(throws: Q8Error.self, "byte \(at) bit \(bit)") { _ = try Q8Format.decode(damaged) }
            }
        }
    }

    @Test func damageNamesThePart() throws {
        let bytes = try Q8Format.encode(IOFixtures.model("lstm_tiny"))
        let sections = Q8Layout.sections(of: bytes)
        // A byte inside the weights.
        let weightsOffset = Int(Q8Layout.u64(bytes, 32 + 32 * 4 + 8))
        var damaged = bytes
        damaged[weightsOffset + 3] ^= 0x40
        if let error = caught(Q8Error.self, { _ = try Q8Format.decode(damaged) }) {
            guard case .checksumMismatch(let part, _, _) = error else { Issue.record("\(error)"); return }
            #expect(part == "WGHT section")
            #expect(error.description.contains("damaged"))
        }
        #expect(sections.count == 5)
    }

    @Test func versions() throws {
        let bytes = try Q8Format.encode(IOFixtures.model("fc_float_io"))
        var sections = Q8Layout.sections(of: bytes)
        // A newer major version is refused with a clear message.
        if let error = caught(Q8Error.self, { _ = try Q8Format.decode(Q8Layout.build(sections, major: 2, minor: 0)) }) {
            #expect(error == .futureVersion(major: 2, minor: 0))
            #expect(error.description.contains("newer sersim"))
        }
        // A newer minor version's optional section is skipped.
        sections.append(.init(tag: "XTRA", flags: 0, payload: Array("anything".utf8)))
        #expect(try Q8Format.decode(Q8Layout.build(sections, major: 1, minor: 3)) == Q8Format.decode(bytes))
        // …but a required one it does not know is refused.
        sections[sections.count - 1].flags = 1
        if let error = caught(Q8Error.self, { _ = try Q8Format.decode(Q8Layout.build(sections, major: 1, minor: 3)) }) {
            guard case .missingOrUnknownSection(let tag, _) = error else { Issue.record("\(error)"); return }
            #expect(tag == "XTRA")
        }
        // A missing section is named.
        let noOps = Q8Layout.sections(of: bytes).filter { $0.tag != "OPER" }
        if let error = caught(Q8Error.self, { _ = try Q8Format.decode(Q8Layout.build(noOps)) }) {
            #expect(error == .missingOrUnknownSection(tag: "OPER", reason: "is missing; every .q8 file has it"))
        }
    }

    /// Damage inside a section with its checksum recomputed, so decoding goes past the
    /// checksums into the field reader: it must reject or produce a valid model, never trap.
    @Test(arguments: ["lstm_tiny", "elementwise", "fc_float_io"])
    func damagedFieldsWithValidChecksums(name: String) throws {
        let original = Q8Layout.sections(of: try Q8Format.encode(IOFixtures.model(name)))
        var rng = TFLiteCorruptionTests.Rng(state: 0x5E125)
        var rejected = 0
        let rounds = 1200
        for _ in 0..<rounds {
            var sections = original
            let s = rng.below(4)  // META, GRPH, TENS, OPER (WGHT holds opaque bytes)
            guard !sections[s].payload.isEmpty else { continue }
            for _ in 0..<(1 + rng.below(3)) {
                let at = rng.below(sections[s].payload.count)
                sections[s].payload[at] = rng.below(2) == 0 ? UInt8(truncatingIfNeeded: rng.next()) : sections[s].payload[at] ^ 0x80
            }
            if rng.below(8) == 0 { sections[s].payload.removeLast(rng.below(sections[s].payload.count)) }
            do {
                let model = try Q8Format.decode(Q8Layout.build(sections))
                try model.validate()
            } catch {
                rejected += 1
            }
        }
        #expect(rejected > rounds / 2)
    }

    @Test func invalidModelsAreNotWritten() throws {
        var model = try IOFixtures.model("fc_float_io")
        model.operators[1].inputs[0] = 99
        #expect(throws: Q8Error.self) { _ = try Q8Format.encode(model) }
        model = try IOFixtures.model("fc_float_io")
        model.tensors[1].data?.removeLast()
        if let error = caught(Q8Error.self, { _ = try Q8Format.encode(model) }) {
            guard case .invalid(let e) = error else { Issue.record("\(error)"); return }
            #expect(e.location.hasPrefix("tensor 1"))
        }
    }
}

/// A file that is no model is named for what its extension says it should have been.
@Suite struct ModelFileFormatErrorTests {
    func error(_ bytes: [UInt8], _ path: String) -> String {
        do {
            _ = try ModelLoader.load(bytes: bytes, path: path)
            return "loaded"
        } catch {
            return error.description
        }
    }

    @Test func unknownContentsAreExplainedByTheExtension() {
        let garbage = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        #expect(error([], "m.q8") == "m.q8: not a model file: the file is empty")
        #expect(error([], "m.tflite") == "m.tflite: not a model file: the file is empty")
        #expect(error(garbage, "m.q8").hasPrefix("m.q8: not a model file: it has a .q8 extension but does not start with the .q8 magic"))
        #expect(error(garbage, "m.tflite").hasPrefix("m.tflite: not a model file: it has a .tflite extension but lacks"))
        #expect(error(garbage, "m.bin") == "m.bin: not a model file: it is neither a .q8 file nor a TFLite FlatBuffer")
    }
}
