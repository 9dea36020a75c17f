import CLibELF
import Foundation

public struct ELFError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// Reads 32-bit little-endian ARM ELF executables through libelf.
public enum ELFReader {
    static let emARM: Int = 40

    /// Read an ELF file into a `FirmwareImage`: PT_LOAD segments at their physical (load)
    /// addresses, allocated sections, and the symbol table (the Thumb bit cleared on
    /// function addresses; mapping symbols $t/$d/$a kept apart in `mappingSymbols`).
    public static func read(path: String) throws -> FirmwareImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ELFError(path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        return try read(bytes: [UInt8](data), origin: path)
    }

    public static func read(bytes: [UInt8], origin: String) throws -> FirmwareImage {
        guard bytes.count >= 52, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else {
            throw ELFError(origin, "not an ELF file (no \\x7fELF magic)")
        }
        guard bytes[4] == 1 else { throw ELFError(origin, "a 64-bit ELF file; Cortex-M firmware is ELF32") }
        guard bytes[5] == 1 else { throw ELFError(origin, "a big-endian ELF file; Cortex-M firmware is little-endian") }
        _ = elf_version(UInt32(EV_CURRENT))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        guard let elf = elf_memory(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count) else {
            throw ELFError(origin, "libelf: \(lastError())")
        }
        defer { elf_end(elf) }
        guard elf_kind(elf) == ELF_K_ELF else { throw ELFError(origin, "not an ELF object") }
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else { throw ELFError(origin, "bad ELF header: \(lastError())") }
        guard Int(ehdr.e_machine) == emARM else {
            throw ELFError(origin, "built for machine \(ehdr.e_machine), not ARM (40): is it Cortex-M firmware?")
        }
        func slice(_ offset: UInt64, _ size: UInt64, _ what: String) throws -> [UInt8] {
            guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
                throw ELFError(origin, "\(what) at file offset \(offset) with \(size) bytes runs past the end of the file (\(bytes.count) bytes): truncated?")
            }
            return Array(bytes[Int(offset)..<Int(offset + size)])
        }

        var segments: [FirmwareImage.Segment] = []
        var phnum = 0
        guard elf_getphdrnum(elf, &phnum) == 0 else { throw ELFError(origin, "bad program headers: \(lastError())") }
        for i in 0..<phnum {
            var ph = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &ph) != nil else {
                throw ELFError(origin, "program header \(i): \(lastError())")
            }
            guard ph.p_type == UInt32(PT_LOAD), ph.p_memsz > 0 else { continue }
            guard ph.p_filesz <= ph.p_memsz else {
                throw ELFError(origin, "segment \(i): file size \(ph.p_filesz) exceeds memory size \(ph.p_memsz)")
            }
            guard ph.p_paddr + ph.p_memsz <= 0x1_0000_0000 else {
                throw ELFError(origin, "segment \(i) at 0x\(String(ph.p_paddr, radix: 16)) runs past 4 GiB")
            }
            let content = try slice(ph.p_offset, ph.p_filesz, "segment \(i)")
            segments.append(FirmwareImage.Segment(
                address: UInt32(ph.p_paddr), bytes: content, memorySize: UInt32(ph.p_memsz),
                executable: ph.p_flags & UInt32(PF_X) != 0, writable: ph.p_flags & UInt32(PF_W) != 0,
                name: "#\(i)"))
        }

        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { throw ELFError(origin, "no section name table: \(lastError())") }
        var sections: [FirmwareImage.Section] = []
        var symbols: [FirmwareImage.Symbol] = []
        var mappingSymbols: [FirmwareImage.MappingSymbol] = []
        // Section names by index, for the symbols' st_shndx (sections precede the symbol
        // table in no required order, so collect the names first).
        var sectionNames: [Int: String] = [:]
        var nameScn = elf_nextscn(elf, nil)
        while let s = nameScn {
            var sh = GElf_Shdr()
            if gelf_getshdr(s, &sh) != nil {
                sectionNames[Int(elf_ndxscn(s))] = elf_strptr(elf, shstrndx, Int(sh.sh_name)).map { String(cString: $0) } ?? ""
            }
            nameScn = elf_nextscn(elf, s)
        }
        var sersimSections: [String: [UInt8]] = [:]
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            defer { scn = elf_nextscn(elf, s) }
            var sh = GElf_Shdr()
            guard gelf_getshdr(s, &sh) != nil else { continue }
            let name = elf_strptr(elf, shstrndx, Int(sh.sh_name)).map { String(cString: $0) } ?? ""
            if sh.sh_flags & UInt64(SHF_ALLOC) == 0 && sh.sh_type == UInt32(SHT_PROGBITS) && name.hasPrefix(".sersim") {
                sersimSections[name] = try slice(sh.sh_offset, sh.sh_size, "section \(name)")
            }
            if sh.sh_flags & UInt64(SHF_ALLOC) != 0 && sh.sh_size > 0 {
                let hasBytes = sh.sh_type != UInt32(SHT_NOBITS)
                sections.append(FirmwareImage.Section(
                    name: name, address: UInt32(truncatingIfNeeded: sh.sh_addr), size: UInt32(truncatingIfNeeded: sh.sh_size),
                    executable: sh.sh_flags & UInt64(SHF_EXECINSTR) != 0, writable: sh.sh_flags & UInt64(SHF_WRITE) != 0,
                    hasBytes: hasBytes, bytes: hasBytes ? try slice(sh.sh_offset, sh.sh_size, "section \(name)") : []))
            }
            if sh.sh_type == UInt32(SHT_SYMTAB), let data = elf_getdata(s, nil), sh.sh_entsize > 0 {
                let count = Int(sh.sh_size / sh.sh_entsize)
                for k in 0..<count {
                    var sym = GElf_Sym()
                    guard gelf_getsym(data, Int32(k), &sym) != nil else { continue }
                    guard let cname = elf_strptr(elf, Int(sh.sh_link), Int(sym.st_name)) else { continue }
                    let symName = String(cString: cname)
                    // Ordinary section indices only (not SHN_UNDEF, SHN_ABS, SHN_COMMON...).
                    let shndx = Int(sym.st_shndx)
                    let section = shndx > 0 && shndx < Int(SHN_LORESERVE) ? sectionNames[shndx] : nil
                    if let kind = mappingKind(symName) {
                        if let section {
                            mappingSymbols.append(FirmwareImage.MappingSymbol(
                                address: UInt32(truncatingIfNeeded: sym.st_value), kind: kind, section: section))
                        }
                        continue
                    }
                    if symName.isEmpty || symName.hasPrefix("$") { continue }
                    let type = Int32(sym.st_info & 0xF), bind = Int32(sym.st_info >> 4)
                    let kind: FirmwareImage.Symbol.Kind =
                        type == STT_FUNC ? .function : (type == STT_OBJECT ? .object : .other)
                    guard kind != .other || type == STT_NOTYPE else { continue }
                    var address = UInt32(truncatingIfNeeded: sym.st_value)
                    if kind == .function { address &= ~1 }
                    symbols.append(FirmwareImage.Symbol(
                        name: symName, address: address, size: UInt32(truncatingIfNeeded: sym.st_size), kind: kind,
                        isGlobal: bind == STB_GLOBAL || bind == STB_WEAK, isWeak: bind == STB_WEAK, section: section))
                }
            }
        }
        mappingSymbols.sort { $0.address < $1.address }
        var image = FirmwareImage(segments: segments, sections: sections, symbols: symbols,
                                  mappingSymbols: mappingSymbols,
                                  entry: UInt32(truncatingIfNeeded: ehdr.e_entry), origin: origin)
        image.sersimSections = sersimSections
        return image
    }

    /// `$a`, `$t`, `$d`, optionally followed by `.suffix` (IHI 0044, 5.5.5.1).
    static func mappingKind(_ name: String) -> FirmwareImage.MappingSymbol.Kind? {
        let u = Array(name.utf8)
        guard u.count >= 2, u[0] == UInt8(ascii: "$"), u.count == 2 || u[2] == UInt8(ascii: ".") else { return nil }
        switch u[1] {
        case UInt8(ascii: "t"): return .thumb
        case UInt8(ascii: "a"): return .arm
        case UInt8(ascii: "d"): return .data
        default: return nil
        }
    }

    static func lastError() -> String {
        elf_errmsg(-1).map { String(cString: $0) } ?? "unknown libelf error"
    }
}
