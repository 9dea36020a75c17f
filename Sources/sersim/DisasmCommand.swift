import ArgumentParser
import ELFFile
import Foundation
import ThumbISA

/// `sersim disasm`: GNU objdump-style disassembly (`arm-none-eabi-objdump -d`) of firmware.
struct DisasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm",
        abstract: "Disassemble the code of an ELF firmware the way arm-none-eabi-objdump -d does.",
        discussion: """
            Lists every executable section (or one function with --symbol) in GNU syntax: \
            literal pools and jump tables print as data (.word/.short/.byte) from the ELF's \
            mapping symbols, instructions in IT blocks carry their conditions, and runs of \
            zero bytes print as "...". The text matches binutils 2.40's objdump line for line.
            """
    )

    @Argument(help: "Firmware ELF file.")
    var firmware: String

    @Option(name: .long, help: "Only the code at this symbol (like objdump --disassemble=NAME).")
    var symbol: String?

    @Flag(name: .customLong("no-show-raw-insn"), help: "Do not print the instruction bytes.")
    var noShowRawInsn = false

    /// What to disassemble: a name for the header and the listings. New sources (a
    /// compiled kernel, say) add a case here and leave the printing alone.
    enum Source {
        case elf(path: String)

        func listings() throws -> (title: String, listings: [Listing]) {
            switch self {
            case let .elf(path):
                let image = try ELFReader.read(path: path)
                let listings = DisasmCommand.listings(of: image)
                guard !listings.isEmpty else {
                    throw DisasmError("\(path): no executable section with contents to disassemble")
                }
                return (path, listings)
            }
        }
    }

    func run() throws {
        let (title, listings) = try Source.elf(path: firmware).listings()
        if let symbol {
            guard listings.contains(where: { $0.lines(ofSymbol: symbol) != nil }) else {
                let names = Set(listings.flatMap { $0.chunkSymbols.map(\.name) })
                let close = names.filter { $0.localizedCaseInsensitiveContains(symbol) }.sorted().prefix(5)
                throw DisasmError("\(firmware): no symbol '\(symbol)' in its code sections"
                                  + (close.isEmpty ? "" : " (similar: \(close.joined(separator: ", ")))"))
            }
        }
        print(ObjdumpText.render(fileName: title, listings: listings, showRawBytes: !noShowRawInsn, symbol: symbol),
              terminator: "")
    }

    /// The image's executable sections with their symbols and mapping symbols.
    static func listings(of image: FirmwareImage, arch: ArchLevel = .v7em) -> [Listing] {
        let sections = image.sections.filter { $0.executable && $0.hasBytes }.map {
            CodeSection(name: $0.name, address: $0.address, bytes: $0.bytes)
        }
        let symbols = image.symbols.map { s in
            ListingSymbol(name: s.name, address: s.address,
                          kind: s.kind == .function ? .function : s.kind == .object ? .object : .other,
                          binding: s.isWeak ? .weak : s.isGlobal ? .global : .local, size: s.size, section: s.section)
        }
        let marks = image.mappingSymbols.map { m in
            MappingMark(address: m.address, kind: m.kind == .data ? .data : m.kind == .arm ? .arm : .thumb,
                        section: m.section)
        }
        return Listing.listings(sections: sections, symbols: symbols, marks: marks, arch: arch)
    }
}

struct DisasmError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
