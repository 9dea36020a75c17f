import Foundation
import Testing
@testable import ELFFile

/// ELF written by ELFWriter reads back through libelf (ELFReader) with the same contents,
/// and GNU binutils accept it when they are installed.
@Suite struct ELFWriterTests {
    /// A tiny Thumb image: a vector table, `reset: movs r0, #42; bx lr` and a data word.
    func sampleImage() -> FirmwareImage {
        let vectors: [UInt8] = [0x00, 0x10, 0x00, 0x20, 0x09, 0x00, 0x00, 0x08]  // SP, reset | 1
        let code: [UInt8] = [0x2A, 0x20, 0x70, 0x47]  // movs r0, #42 ; bx lr
        let rodata: [UInt8] = [0xEF, 0xBE, 0xAD, 0xDE]
        let text = vectors + code + rodata
        return FirmwareImage(
            segments: [],
            sections: [
                .init(name: ".text", address: 0x0800_0000, size: UInt32(text.count), executable: true, writable: false,
                      hasBytes: true, bytes: text),
                .init(name: ".bss", address: 0x2000_0000, size: 64, executable: false, writable: true,
                      hasBytes: false, bytes: []),
            ],
            symbols: [
                .init(name: "reset", address: 0x0800_0008, size: 4, kind: .function),
                .init(name: "magic", address: 0x0800_000C, size: 4, kind: .object),
                .init(name: "scratch", address: 0x2000_0000, size: 64, kind: .object),
            ],
            mappingSymbols: [
                .init(address: 0x0800_0000, kind: .data, section: ".text"),
                .init(address: 0x0800_0008, kind: .thumb, section: ".text"),
                .init(address: 0x0800_000C, kind: .data, section: ".text"),
            ],
            entry: 0x0800_0009, origin: "test")
    }

    @Test func roundTripsThroughLibelf() throws {
        let bytes = try ELFWriter.encode(sampleImage(),
                                         extraSections: [.init(name: ".sersim.note", bytes: Array("hello".utf8))])
        let back = try ELFReader.read(bytes: bytes, origin: "roundtrip")
        #expect(back.entry == 0x0800_0009)
        #expect(back.segments.count == 2)
        #expect(back.segments[0].address == 0x0800_0000)
        #expect(back.segments[0].bytes == sampleImage().sections[0].bytes)
        #expect(back.segments[1].address == 0x2000_0000 && back.segments[1].memorySize == 64 && back.segments[1].bytes.isEmpty)
        #expect(back.sections.map(\.name) == [".text", ".bss"])
        let names = Set(back.symbols.map(\.name))
        #expect(names == ["reset", "magic", "scratch"])
        #expect(back.symbols.first { $0.name == "reset" }?.address == 0x0800_0008)
        #expect(back.mappingSymbols.map(\.address) == [0x0800_0000, 0x0800_0008, 0x0800_000C])
    }

    @Test func binutilsAcceptTheFile() throws {
        let objdump = "/usr/bin/arm-none-eabi-objdump"
        guard FileManager.default.isExecutableFile(atPath: objdump) else { return }
        let path = NSTemporaryDirectory() + "sersim-elfwriter-\(getpid()).elf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ELFWriter.write(sampleImage(), to: path)
        let out = try run(objdump, ["-d", path])
        #expect(out.contains("movs\tr0, #42"))
        #expect(out.contains("bx\tlr"))
        #expect(out.contains("<reset>:"))
        let size = try run("/usr/bin/arm-none-eabi-size", [path])
        #expect(size.contains("16\t      0\t     64"))
    }

    func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
