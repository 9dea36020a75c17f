import ELFFile
import Foundation
import ThumbISA

/// The checked-in corpus of gcc-built ELFs and their objdump listings
/// (scripts/isa/build-corpus.sh).
enum Corpus {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Corpus")
    }

    /// Names like "cortex-m4-O2", sorted.
    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".elf") }.map { String($0.dropLast(4)) }.sorted()
    }

    static func image(_ name: String) throws -> FirmwareImage {
        try ELFReader.read(path: directory.appendingPathComponent(name + ".elf").path)
    }

    /// objdump's output for the ELF, without the provenance header.
    static func golden(_ name: String) throws -> String {
        let text = try String(contentsOf: directory.appendingPathComponent(name + ".objdump"), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { $0.hasPrefix("#") }.joined(separator: "\n")
    }

    /// Listings of the executable sections, as `sersim disasm` builds them.
    static func listings(_ image: FirmwareImage, arch: ArchLevel = .v7em) -> [Listing] {
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
