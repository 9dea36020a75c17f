import ELFFile
import Foundation
import Testing

/// Real invocations of `sersim run` (the binary `swift build --build-tests` builds next to
/// this test bundle): output and exit status.
@Suite struct RunCommandTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct BinaryMissing: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is missing: build it with `swift build --build-tests`" }
    }

    static func sersim(_ arguments: [String], input: String? = nil) throws -> Result {
        let binary = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("sersim")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw BinaryMissing(path: binary.path) }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inp
        try process.run()
        if let input {
            inp.fileHandleForWriting.write(Data(input.utf8))
            try inp.fileHandleForWriting.close()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func fixture(_ name: String) -> String {
        FirmwareFixtureTests.directory.appendingPathComponent(name).path
    }

    /// The firmware's output, then the summary; exit status 0 as the firmware's.
    @Test func runPrintsOutputThenSummary() throws {
        let r = try Self.sersim(["run", "--board", "nano33ble", Self.fixture("crc-m4-O2-nrf52840.elf")])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "crc32(\"123456789\") = cbf43926 / cbf43926")
        #expect(lines.contains("crc: ok"))
        let summary = Array(lines.drop { !$0.hasPrefix("board ") })
        #expect(summary.first == "board        nano33ble @ 64 MHz")
        #expect(summary.dropFirst().first == "stopped      exit(0)")
        for prefix in ["instructions ", "cycles       ", "time         ", "CPI          ", "host         ",
                       "top functions by cycles:"] {
            #expect(summary.contains { $0.hasPrefix(prefix) }, "no '\(prefix)' line in\n\(r.stdout)")
        }
        #expect(summary.contains { $0.hasSuffix("main") }, "main should be among the top functions")
    }

    /// The exit status is the firmware's (newlib's exit(7) through SYS_EXIT_EXTENDED).
    @Test func exitStatusIsTheFirmwares() throws {
        let r = try Self.sersim(["run", "--board", "stm32f746", Self.fixture("stdio-m7-O2-stm32f746.elf")])
        #expect(r.status == 7)
        #expect(r.stdout.hasPrefix("newlib: -17 4000000000 beef str c|   42|42   |00abcdef\n"))
    }

    @Test func jsonObject() throws {
        let r = try Self.sersim(["run", "--board", "nano-rp2040", "--json", Self.fixture("sort-m0plus-O2-rp2040.elf")])
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["exitCode"] as? Int == 0)
        #expect((object["stdout"] as? String)?.hasPrefix("words: min") == true)
        let instructions = try #require(object["instructions"] as? Int)
        let cycles = try #require(object["cycles"] as? Int)
        #expect(instructions > 10_000 && cycles >= instructions)
        #expect((object["hostSeconds"] as? Double ?? -1) >= 0)
        let functions = try #require(object["functions"] as? [[String: Any]])
        #expect(functions.contains { $0["name"] as? String == "main" })
        let total = functions.compactMap { $0["cycles"] as? Int }.reduce(0, +)
        #expect(total == cycles, "per-function cycles add up to the run's")
        #expect(object["fault"] is NSNull)
    }

    /// A guest fault: the summary, the report on standard error, exit status 70.
    @Test func faultExitsWithReport() throws {
        let r = try Self.sersim(["run", "--board", "nano33ble", Self.fixture("fault-nohandler-m4-O2-nrf52840.elf")])
        #expect(r.status == 70)
        #expect(r.stdout.hasPrefix("triggering fault 1\nboard        nano33ble"))
        #expect(r.stdout.contains("stopped      undefined instruction"))
        #expect(r.stderr.hasPrefix("fault: undefined instruction"))
        #expect(r.stderr.contains("<trigger>"))
        let j = try Self.sersim(["run", "--board", "nano33ble", "--json", Self.fixture("fault-nohandler-m4-O2-nrf52840.elf")])
        #expect(j.status == 70)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(object["exitCode"] is NSNull)
        let fault = try #require(object["fault"] as? [String: Any])
        #expect(fault["kind"] as? String == "undefined instruction")
        #expect(fault["symbol"] as? String == "trigger")
        #expect((fault["registers"] as? [Int])?.count == 16)
    }

    @Test func maxCyclesStopsARunaway() throws {
        let r = try Self.sersim(["run", "--board", "nano33ble", "--max-cycles", "5000", Self.fixture("spin-m4-O2-nrf52840.elf")])
        #expect(r.status == 70)
        // The instruction that crosses the limit completes: a few cycles past it.
        #expect(r.stderr.hasPrefix("fault: cycle limit reached — stopped after 50"))
        #expect(r.stderr.contains("cycles (--max-cycles 5000); the firmware did not exit"))
    }

    /// Errors in the input name what is wrong and exit with status 1.
    @Test func inputErrors() throws {
        let missing = try Self.sersim(["run", "--board", "nano33ble", "/no/such/firmware.elf"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "Error: /no/such/firmware.elf: no such file\n")

        let manifest = Self.fixture("manifest.json")
        let notELF = try Self.sersim(["run", "--board", "nano33ble", manifest])
        #expect(notELF.status == 1)
        #expect(notELF.stderr == "Error: \(manifest): neither a model (.q8, .tflite) nor an ELF firmware file\n")

        let board = try Self.sersim(["run", "--board", "no-such-board", Self.fixture("crc-m4-O2-nrf52840.elf")])
        #expect(board.status == 1)
        #expect(board.stderr.hasPrefix("Error: no board named 'no-such-board'; known boards: "))
        #expect(board.stderr.contains("nano33ble"))

        let rp = Self.fixture("crc-m0plus-O2-rp2040.elf")
        let outside = try Self.sersim(["run", "--board", "nano33ble", rp])
        #expect(outside.status == 1)
        #expect(outside.stderr.hasPrefix("Error: \(rp): segment #1 at 0x10000000"))
        #expect(outside.stderr.contains("is outside every memory region of nano33ble (FLASH 0x00000000–0x000fffff"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let elf = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("crc-m4-O2-nrf52840.elf")))
        let truncated = dir.appendingPathComponent("truncated.elf")
        try elf.prefix(3000).write(to: truncated)
        let t = try Self.sersim(["run", "--board", "nano33ble", truncated.path])
        #expect(t.status == 1)
        #expect(t.stderr.contains("runs past the end of the file"), "\(t.stderr)")

        // A damaged file is named for what its extension says it should be.
        let garbage = Data((0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        for (name, expected) in [
            ("damaged.elf", "damaged.elf: not an ELF file: it does not start with the ELF magic 7F 45 4C 46"),
            ("damaged.q8", "damaged.q8: not a model file: it has a .q8 extension but does not start with the .q8 magic"),
            ("damaged.tflite", "damaged.tflite: not a model file: it has a .tflite extension but lacks the TFLite identifier"),
        ] {
            let file = dir.appendingPathComponent(name)
            try garbage.write(to: file)
            let r = try Self.sersim(["run", "--board", "nano33ble", file.path])
            #expect(r.status == 1, "\(name)")
            #expect(r.stderr.contains(expected), "\(r.stderr)")
        }
        let asDirectory = try Self.sersim(["run", "--board", "nano33ble", dir.path])
        #expect(asDirectory.status == 1)
        #expect(asDirectory.stderr == "Error: \(dir.path): is a directory, not a model or firmware file\n")
        let boardDirectory = try Self.sersim(["run", "--board", dir.path, Self.fixture("crc-m4-O2-nrf52840.elf")])
        #expect(boardDirectory.status == 1)
        #expect(boardDirectory.stderr.contains("is a directory, not a board file"), "\(boardDirectory.stderr)")

        // Output files are checked before the run, with the option named.
        let model = Self.fixture("crc-m4-O2-nrf52840.elf")
        let missingDir = dir.appendingPathComponent("no-such-dir").path
        for (option, path, problem) in [
            ("--html", missingDir + "/r.html", "the directory \(missingDir) does not exist"),
            ("--emit-elf", dir.path, "is a directory; give a file name"),
        ] {
            let r = try Self.sersim(["run", "--board", "nano33ble", model, option, path])
            #expect(r.status == 64, "\(option)")
            #expect(r.stderr.hasPrefix("Error: \(option) \(path): \(problem)\n"), "\(r.stderr)")
        }

        let bareClock = try Self.sersim(["run", "--board", "nano33ble", "--clock", "64", Self.fixture("crc-m4-O2-nrf52840.elf")])
        #expect(bareClock.status == 64)
        #expect(bareClock.stderr.hasPrefix("Error: --clock 64: give a unit, e.g. 64MHz (a bare number would be hertz)\n"))

        let zero = try Self.sersim(["run", "--board", "nano33ble", "--max-cycles", "0", Self.fixture("crc-m4-O2-nrf52840.elf")])
        #expect(zero.status != 0)
        #expect(zero.stderr.contains("--max-cycles must be at least 1"))
    }

    /// SYS_READ reads sersim's standard input. The firmware (arm-none-eabi-as, at 0x100):
    /// open ":tt" for reading, read up to 64 bytes, print "got: " and what it read, exit.
    @Test func firmwareReadsStandardInput() throws {
        let hex = "4ff000540ea02060002060600320a06001202146abbe20600c4860604020a06006202146abbe40210d1a042005a1"
            + "abbe0649002048550420abbe18200449abbe3a747400676f743a200000bf0001002026000200"
        let code = stride(from: 0, to: hex.count, by: 2).map { k -> UInt8 in
            let i = hex.index(hex.startIndex, offsetBy: k)
            return UInt8(hex[i..<hex.index(i, offsetBy: 2)], radix: 16) ?? 0
        }
        var flash = [UInt8](repeating: 0, count: 0x100) + code
        flash.replaceSubrange(0..<8, with: [0x00, 0x10, 0x00, 0x20, 0x01, 0x01, 0x00, 0x00])  // SP, reset 0x101
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-stdin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let elf = dir.appendingPathComponent("echo.elf").path
        let text = FirmwareImage.Section(name: ".text", address: 0, size: UInt32(flash.count), executable: true,
                                         writable: false, hasBytes: true, bytes: flash)
        try ELFWriter.write(FirmwareImage(segments: [.init(address: 0, bytes: flash, executable: true, writable: false, name: "#0")],
                                          sections: [text], origin: elf), to: elf)
        let r = try Self.sersim(["run", "--board", "nano33ble", elf], input: "hello\n")
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("got: hello\n"), "\(r.stdout)")
        let none = try Self.sersim(["run", "--board", "nano33ble", elf], input: "")
        #expect(none.stdout.hasPrefix("got: \n"), "end of input reads nothing")
    }
}
