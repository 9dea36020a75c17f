import CLibELF
import Foundation

/// Writes a `FirmwareImage` as an ELF32 ARM executable through libelf, so that
/// `arm-none-eabi-objdump`, `arm-none-eabi-size`, QEMU and sersim itself read it.
///
/// Layout (libelf's ELF_F_LAYOUT: we place everything ourselves so the output is
/// deterministic): ELF header, one PT_LOAD program header per allocated section, the
/// sections' contents, the non-allocated sections (extra notes, .symtab, .strtab,
/// .shstrtab), then the section header table. The image's mapping symbols ($t/$d) are
/// written so that disassemblers tell code from literal pools.
public enum ELFWriter {
    /// A non-allocated section carried in the file (e.g. sersim's model metadata).
    public struct ExtraSection: Sendable {
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    public static func write(_ image: FirmwareImage, to path: String,
                             extraSections: [ExtraSection] = []) throws {
        let bytes = try encode(image, extraSections: extraSections)
        // Atomic: write a temporary file beside the target, then rename.
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try Data(bytes).write(to: tmp)
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(at: tmp, to: url)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw ELFError(path, "cannot write: \(error.localizedDescription)")
        }
    }

    /// The ELF file's bytes.
    public static func encode(_ image: FirmwareImage,
                              extraSections: [ExtraSection] = []) throws -> [UInt8] {
        _ = elf_version(UInt32(EV_CURRENT))
        // libelf writes into a file descriptor; use an anonymous temporary file.
        var template = Array("/tmp/sersim-elf-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ELFError(image.origin, "cannot create a temporary file") }
        let tmpPath = String(cString: template)
        defer {
            close(fd)
            unlink(tmpPath)
        }
        try build(image, extraSections: extraSections, fd: fd)
        guard let data = FileManager.default.contents(atPath: tmpPath) else {
            throw ELFError(image.origin, "cannot read back the written ELF")
        }
        return [UInt8](data)
    }

    private static func build(_ image: FirmwareImage, extraSections: [ExtraSection],
                              fd: Int32) throws {
        guard let elf = elf_begin(fd, ELF_C_WRITE, nil) else { throw ELFError(image.origin, "libelf: \(ELFReader.lastError())") }
        defer { elf_end(elf) }
        _ = elf_flagelf(elf, ELF_C_SET, UInt32(ELF_F_LAYOUT))

        let allocated = image.sections.filter { $0.size > 0 }.sorted { $0.address < $1.address }
        // Section header string table.
        var shstr: [UInt8] = [0]
        func shName(_ s: String) -> UInt32 {
            let off = UInt32(shstr.count)
            shstr += Array(s.utf8) + [0]
            return off
        }

        guard let ehdr = elf32_newehdr(elf) else { throw ELFError(image.origin, "libelf: \(ELFReader.lastError())") }
        ehdr.pointee.e_ident.4 = UInt8(ELFCLASS32)
        ehdr.pointee.e_ident.5 = UInt8(ELFDATA2LSB)
        ehdr.pointee.e_ident.6 = UInt8(EV_CURRENT)
        ehdr.pointee.e_type = UInt16(ET_EXEC)
        ehdr.pointee.e_machine = UInt16(EM_ARM)
        ehdr.pointee.e_version = UInt32(EV_CURRENT)
        ehdr.pointee.e_entry = image.entry
        ehdr.pointee.e_flags = 0x0500_0000 | 0x200  // EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_SOFT

        let phdrSize = 32, ehdrSize = 52
        guard let phdrs = elf32_newphdr(elf, allocated.count) else {
            throw ELFError(image.origin, "libelf: \(ELFReader.lastError())")
        }
        var offset = UInt32(ehdrSize + phdrSize * allocated.count)
        func align(_ v: UInt32, _ a: UInt32) -> UInt32 { (v + a - 1) / a * a }

        // Allocated sections and their PT_LOAD segments.
        var sectionIndexByStart: [(UInt32, UInt32, Int)] = []  // (start, end, section index)
        var buffers: [UnsafeMutableRawBufferPointer] = []
        defer { buffers.forEach { $0.deallocate() } }
        func addData(_ scn: OpaquePointer, _ bytes: [UInt8], align alignment: UInt32) throws {
            guard let data = elf_newdata(scn) else { throw ELFError(image.origin, "libelf: \(ELFReader.lastError())") }
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 8)
            buf.copyBytes(from: bytes)
            buffers.append(buf)
            data.pointee.d_buf = buf.baseAddress
            data.pointee.d_size = bytes.count
            data.pointee.d_type = ELF_T_BYTE
            data.pointee.d_align = Int(alignment)
            data.pointee.d_off = 0
        }
        for (k, sec) in allocated.enumerated() {
            guard let scn = elf_newscn(elf), let sh = elf32_getshdr(scn) else {
                throw ELFError(image.origin, "libelf: \(ELFReader.lastError())")
            }
            let index = Int(elf_ndxscn(scn))
            sectionIndexByStart.append((sec.address, sec.address &+ sec.size, index))
            sh.pointee.sh_name = shName(sec.name)
            sh.pointee.sh_type = UInt32(sec.hasBytes ? SHT_PROGBITS : SHT_NOBITS)
            sh.pointee.sh_flags = UInt32(SHF_ALLOC) | (sec.executable ? UInt32(SHF_EXECINSTR) : 0)
                | (sec.writable ? UInt32(SHF_WRITE) : 0)
            sh.pointee.sh_addr = sec.address
            sh.pointee.sh_addralign = 4
            sh.pointee.sh_size = sec.size
            offset = align(offset, 4)
            sh.pointee.sh_offset = offset
            if sec.hasBytes {
                guard sec.bytes.count == Int(sec.size) else {
                    throw ELFError(image.origin, "section \(sec.name) has \(sec.bytes.count) bytes but size \(sec.size)")
                }
                try addData(scn, sec.bytes, align: 4)
            }
            let ph = phdrs + k
            ph.pointee.p_type = UInt32(PT_LOAD)
            ph.pointee.p_offset = offset
            ph.pointee.p_vaddr = sec.address
            ph.pointee.p_paddr = sec.address
            ph.pointee.p_filesz = sec.hasBytes ? sec.size : 0
            ph.pointee.p_memsz = sec.size
            ph.pointee.p_flags = UInt32(PF_R) | (sec.executable ? UInt32(PF_X) : 0) | (sec.writable ? UInt32(PF_W) : 0)
            ph.pointee.p_align = 4
            if sec.hasBytes { offset += sec.size }
        }

        for extra in extraSections {
            guard let scn = elf_newscn(elf), let sh = elf32_getshdr(scn) else {
                throw ELFError(image.origin, "libelf: \(ELFReader.lastError())")
            }
            sh.pointee.sh_name = shName(extra.name)
            sh.pointee.sh_type = UInt32(SHT_PROGBITS)
            sh.pointee.sh_addralign = 1
            sh.pointee.sh_size = UInt32(extra.bytes.count)
            sh.pointee.sh_offset = offset
            try addData(scn, extra.bytes, align: 1)
            offset += UInt32(extra.bytes.count)
        }

        // Symbol table: the null symbol, local mapping symbols, then global symbols.
        func sectionIndex(_ address: UInt32) -> UInt16 {
            for (start, end, index) in sectionIndexByStart where address >= start && (address < end || start == end) {
                return UInt16(index)
            }
            return UInt16(SHN_ABS)
        }
        var strtab: [UInt8] = [0]
        func strName(_ s: String) -> UInt32 {
            let off = UInt32(strtab.count)
            strtab += Array(s.utf8) + [0]
            return off
        }
        var syms: [Elf32_Sym] = [Elf32_Sym()]
        for m in image.mappingSymbols.sorted(by: { $0.address < $1.address }) {
            var s = Elf32_Sym()
            switch m.kind {
            case .thumb: s.st_name = strName("$t")
            case .arm: s.st_name = strName("$a")
            case .data: s.st_name = strName("$d")
            }
            s.st_value = m.address
            s.st_info = UInt8(STB_LOCAL << 4 | STT_NOTYPE)
            s.st_shndx = sectionIndex(m.address)
            syms.append(s)
        }
        let firstGlobal = syms.count
        for sym in image.symbols.sorted(by: { ($0.address, $0.name) < ($1.address, $1.name) }) {
            var s = Elf32_Sym()
            s.st_name = strName(sym.name)
            s.st_value = sym.kind == .function ? sym.address | 1 : sym.address
            s.st_size = sym.size
            let type = sym.kind == .function ? STT_FUNC : (sym.kind == .object ? STT_OBJECT : STT_NOTYPE)
            s.st_info = UInt8(STB_GLOBAL << 4 | type)
            s.st_shndx = sectionIndex(sym.address)
            syms.append(s)
        }
        let symBytes: [UInt8] = syms.withUnsafeBytes { Array($0) }

        guard let symScn = elf_newscn(elf), let symSh = elf32_getshdr(symScn),
              let strScn = elf_newscn(elf), let strSh = elf32_getshdr(strScn),
              let shstrScn = elf_newscn(elf), let shstrSh = elf32_getshdr(shstrScn)
        else { throw ELFError(image.origin, "libelf: \(ELFReader.lastError())") }
        symSh.pointee.sh_name = shName(".symtab")
        strSh.pointee.sh_name = shName(".strtab")
        shstrSh.pointee.sh_name = shName(".shstrtab")

        offset = align(offset, 4)
        symSh.pointee.sh_type = UInt32(SHT_SYMTAB)
        symSh.pointee.sh_entsize = 16
        symSh.pointee.sh_addralign = 4
        symSh.pointee.sh_link = UInt32(elf_ndxscn(strScn))
        symSh.pointee.sh_info = UInt32(firstGlobal)
        symSh.pointee.sh_size = UInt32(symBytes.count)
        symSh.pointee.sh_offset = offset
        try addData(symScn, symBytes, align: 4)
        offset += UInt32(symBytes.count)

        strSh.pointee.sh_type = UInt32(SHT_STRTAB)
        strSh.pointee.sh_addralign = 1
        strSh.pointee.sh_size = UInt32(strtab.count)
        strSh.pointee.sh_offset = offset
        try addData(strScn, strtab, align: 1)
        offset += UInt32(strtab.count)

        shstrSh.pointee.sh_type = UInt32(SHT_STRTAB)
        shstrSh.pointee.sh_addralign = 1
        shstrSh.pointee.sh_size = UInt32(shstr.count)
        shstrSh.pointee.sh_offset = offset
        try addData(shstrScn, shstr, align: 1)
        offset += UInt32(shstr.count)

        ehdr.pointee.e_shstrndx = UInt16(elf_ndxscn(shstrScn))
        ehdr.pointee.e_shoff = align(offset, 4)
        ehdr.pointee.e_phoff = allocated.isEmpty ? 0 : UInt32(ehdrSize)

        guard elf_update(elf, ELF_C_WRITE) >= 0 else {
            throw ELFError(image.origin, "libelf could not write the ELF: \(ELFReader.lastError())")
        }
    }
}
