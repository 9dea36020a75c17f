import ArgumentParser
import ELFFile
import Foundation
import KernelIR
import ThumbISA

/// `sersim disasm`: GNU objdump-style disassembly (`arm-none-eabi-objdump -d`) of firmware.
struct DisasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm",
        abstract: "Disassemble an ELF firmware (as arm-none-eabi-objdump -d does) or a compiled kernel.",
        discussion: """
            Lists every executable section (or one function with --symbol) in GNU syntax: \
            literal pools and jump tables print as data (.word/.short/.byte) from the ELF's \
            mapping symbols, instructions in IT blocks carry their conditions, and runs of \
            zero bytes print as "...". The text matches binutils 2.40's objdump line for line.

            With --kernel NAME --core CORE, the kernel from sersim's kernel library (or from \
            --kernels DIR) is compiled for that core and listed like objdump -S: each run of \
            instructions under the kernel IR line it came from (docs/kernel-ir.md).
            """
    )

    @Argument(help: "Firmware ELF file.")
    var firmware: String?

    @Option(name: .long, help: "A kernel of the kernel library to compile and list instead of a firmware.")
    var kernel: String?

    @Option(name: .long, help: "The core to compile --kernel for: \(KernelCore.allCases.map(\.rawValue).joined(separator: ", ")) (or m0plus, m3, m4, m7).")
    var core: String?

    @Option(name: .long, help: "A directory of .kir files to use instead of the built-in kernels (with --kernel).")
    var kernels: String?

    @Option(name: .long, help: "Only the code at this symbol (like objdump --disassemble=NAME).")
    var symbol: String?

    @Flag(name: .customLong("no-show-raw-insn"), help: "Do not print the instruction bytes.")
    var noShowRawInsn = false

    /// What to disassemble: a name for the header and the listings. New sources (a
    /// compiled kernel, say) add a case here and leave the printing alone.
    enum Source {
        case elf(path: String)
        /// A kernel compiled for a core; listed with its IR lines (`KernelIR`).
        case kernel(name: String, core: KernelCore, directory: String?)

        func listings() throws -> (title: String, listings: [Listing]) {
            switch self {
            case let .elf(path):
                let image = try ELFReader.read(path: path)
                let listings = DisasmCommand.listings(of: image)
                guard !listings.isEmpty else {
                    throw DisasmError("\(path): no executable section with contents to disassemble")
                }
                return (path, listings)
            case .kernel:
                throw DisasmError("kernel listings are rendered by KernelIR")
            }
        }
    }

    mutating func validate() throws {
        if kernel != nil {
            guard firmware == nil else { throw ValidationError("give either a firmware file or --kernel, not both") }
            guard let core else { throw ValidationError("--kernel needs --core (\(KernelCore.allCases.map(\.rawValue).joined(separator: ", ")))") }
            // Short names as sersim-bench and the docs write them: m0plus, m0+, m4, M7.
            let short = core.lowercased().replacingOccurrences(of: "+", with: "plus")
            if KernelCore(rawValue: core) == nil, KernelCore(rawValue: "cortex-" + short) != nil {
                self.core = "cortex-" + short
            }
            guard KernelCore(rawValue: self.core ?? core) != nil else {
                throw ValidationError("unknown core '\(core)'; use one of \(KernelCore.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard symbol == nil else { throw ValidationError("--symbol applies to firmware files; --kernel names the kernel") }
        } else {
            guard firmware != nil else { throw ValidationError("give a firmware ELF file, or --kernel NAME --core CORE") }
            guard core == nil, kernels == nil else { throw ValidationError("--core and --kernels go with --kernel") }
        }
    }

    func runKernel(_ name: String, _ core: KernelCore) throws {
        let library = try kernels.map { try KernelLibrary.load(directory: $0) } ?? KernelLibrary.bundled()
        guard let k = library.module.kernel(named: name), !k.isInline else {
            let names = library.module.kernels.filter { !$0.isInline }.map(\.name)
            let close = names.filter { $0.localizedCaseInsensitiveContains(name) }
            throw DisasmError("no kernel '\(name)'" + (close.isEmpty ? "; kernels: \(names.joined(separator: ", "))"
                                                             : " (similar: \(close.joined(separator: ", ")))"))
        }
        let compiled = try library.compile(for: core, kernels: [name])
        guard let text = compiled.listing(kernel: name, showBytes: !noShowRawInsn) else {
            throw DisasmError("kernel '\(name)' produced no code")
        }
        print("\(name) compiled for \(core.rawValue) (\(core.arch)), \(compiled.symbol(name)?.size ?? 0) bytes, "
              + "stack \(compiled.stackUsage[name] ?? 0) bytes\n")
        print(text, terminator: "")
    }

    func run() throws {
        if let kernel, let core = core.flatMap(KernelCore.init(rawValue:)) {
            try runKernel(kernel, core)
            return
        }
        guard let firmware else { throw DisasmError("no firmware file") }
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
