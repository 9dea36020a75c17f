// Disassembly of a whole code section the way `arm-none-eabi-objdump -d` lays it out:
// the section is cut at symbols (one "<name>:" label per address), ARM mapping symbols
// ($t code, $d data) decide what is code and what is data (literal pools and TBB/TBH
// tables print as .word/.short/.byte), runs of zero bytes print as "...", and IT blocks
// give the instructions inside them their condition suffixes.
//
// The rules follow binutils 2.40 (objdump.c disassemble_section/disassemble_bytes,
// opcodes/arm-dis.c print_insn and find_ifthen_state); the corpus test in
// Tests/ThumbISATests checks them line by line against objdump's own output.

/// A symbol as the listing sees it (ELF st_info type and binding).
public struct ListingSymbol: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case function, object, other }
    public enum Binding: Sendable, Hashable { case local, global, weak }
    public var name: String
    /// Address without the Thumb bit.
    public var address: UInt32
    public var kind: Kind
    public var binding: Binding
    /// ELF st_size (objdump prefers larger symbols at equal addresses).
    public var size: UInt32
    /// The section that defines the symbol (nil: absolute or undefined).
    public var section: String?
    /// Defined in the section being listed (objdump prefers those at equal addresses);
    /// set by `Listing`.
    public internal(set) var inSection: Bool = true

    public init(name: String, address: UInt32, kind: Kind = .function, binding: Binding = .global,
                size: UInt32 = 0, section: String? = nil) {
        self.name = name
        self.address = address
        self.kind = kind
        self.binding = binding
        self.size = size
        self.section = section
    }
}

/// An ARM ELF mapping symbol: what starts at `address` in `section`.
public struct MappingMark: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case thumb, arm, data }
    public var address: UInt32
    public var kind: Kind
    public var section: String?
    public init(address: UInt32, kind: Kind, section: String? = nil) {
        self.address = address
        self.kind = kind
        self.section = section
    }
}

/// One line of a listing.
public struct ListingLine: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        /// "<name>:" (or "<name+0x10>:" when a chunk starts past its symbol).
        case label(String)
        case instruction(Instruction, DisassembledText)
        /// .word/.short/.byte of `size` bytes.
        case data(size: Int, value: UInt32)
        /// A run of zero bytes objdump abbreviates as "...".
        case zeros(count: Int)
    }
    public var address: UInt32
    public var content: Content
    /// The bytes the line covers (empty for labels).
    public var bytes: [UInt8]

    /// The line as objdump prints it, without the trailing newline. Labels come with the
    /// blank line objdump puts before them.
    public func render(showRawBytes: Bool) -> String {
        switch content {
        case let .label(name):
            return "\n" + ListingLine.hex8(address) + " <" + name + ">:"
        case .zeros:
            return "\t..."
        case let .instruction(_, text):
            return prefix(showRawBytes, chunk: 2) + text.description
        case let .data(size, value):
            let directive = size == 4 ? ".word" : size == 2 ? ".short" : ".byte"
            return prefix(showRawBytes, chunk: size) + directive + "\t0x" + ListingLine.hex(value, digits: size * 2)
        }
    }

    /// "    8040:\t" and, with raw bytes, objdump's hex column (chunks of `chunk` bytes as
    /// little-endian numbers, padded to four bytes).
    private func prefix(_ raw: Bool, chunk: Int) -> String {
        var s = ListingLine.hex(address, digits: 8, padWith: " ") + ":\t"
        guard raw else { return s }
        var k = 0
        while k + chunk <= bytes.count {
            var v: UInt32 = 0
            for b in (0..<chunk).reversed() { v = v << 8 | UInt32(bytes[k + b]) }
            s += ListingLine.hex(v, digits: chunk * 2) + " "
            k += chunk
        }
        var filled = k
        while filled < 4 {
            s += String(repeating: " ", count: chunk * 2 + 1)
            filled += chunk
        }
        return s + "\t"
    }

    static func hex(_ v: UInt32, digits: Int, padWith pad: Character = "0") -> String {
        let h = String(v, radix: 16)
        return String(repeating: pad, count: max(0, digits - h.count)) + h
    }

    static func hex8(_ v: UInt32) -> String { hex(v, digits: 8) }
}

/// A code section with what is needed to list it.
public struct CodeSection: Sendable {
    public var name: String
    public var address: UInt32
    public var bytes: [UInt8]
    /// Symbols defined in this section (not mapping symbols).
    public var symbols: [ListingSymbol]
    /// This section's mapping symbols.
    public var mappingMarks: [MappingMark]

    public init(name: String, address: UInt32, bytes: [UInt8], symbols: [ListingSymbol] = [],
                mappingMarks: [MappingMark] = []) {
        self.name = name
        self.address = address
        self.bytes = bytes
        self.symbols = symbols
        self.mappingMarks = mappingMarks
    }

    public var end: UInt64 { UInt64(address) + UInt64(bytes.count) }
    public func contains(_ a: UInt32) -> Bool { a >= address && UInt64(a) < end }
}

/// objdump's listing of one code section.
public struct Listing: Sendable {
    public let section: CodeSection
    /// Decode for this architecture. objdump decodes every Thumb instruction it knows
    /// whatever the ELF's architecture, so the default is the largest.
    public let arch: ArchLevel

    /// Section symbols in objdump's order (address, then preference), and all symbols
    /// usable for naming addresses (this section's plus others).
    private let ordered: [ListingSymbol]
    private let names: [ListingSymbol]
    /// Sorted addresses of every symbol in the section, mapping symbols included (they
    /// limit data directives).
    private let boundaries: [UInt32]
    private let marks: [MappingMark]

    /// - Parameters:
    ///   - otherSymbols: symbols of other sections, used only to name addresses in
    ///     comments ("<_impure_ptr>").
    public init(section: CodeSection, otherSymbols: [ListingSymbol] = [], arch: ArchLevel = .v7em) {
        self.section = section
        self.arch = arch
        let own = section.symbols.filter { section.contains($0.address) }.map { s -> ListingSymbol in
            var s = s
            s.inSection = true
            return s
        }
        ordered = own.sorted(by: Listing.objdumpOrder)
        names = (own + otherSymbols.map { s -> ListingSymbol in
            var s = s
            s.inSection = false
            return s
        }).sorted(by: Listing.objdumpOrder)
        // Mapping symbols at one address: objdump's scan takes the last in its name order
        // ($a < $d < $t).
        marks = section.mappingMarks.filter { section.contains($0.address) }.sorted {
            $0.address != $1.address ? $0.address < $1.address : Listing.rank($0.kind) < Listing.rank($1.kind)
        }
        boundaries = Array(Set(own.map(\.address) + marks.map(\.address))).sorted()
    }

    private static func rank(_ k: MappingMark.Kind) -> Int {
        switch k {
        case .arm: 0
        case .data: 1
        case .thumb: 2
        }
    }

    /// objdump's compare_symbols: by address; then symbols of the listed section; then
    /// functions, objects, globals, weak, locals; larger st_size first; names starting
    /// with "." last; then name.
    static func objdumpOrder(_ a: ListingSymbol, _ b: ListingSymbol) -> Bool {
        if a.address != b.address { return a.address < b.address }
        if a.inSection != b.inSection { return a.inSection }
        func fileLike(_ n: String) -> Bool { n.hasSuffix(".o") || n.hasSuffix(".a") }
        if fileLike(a.name) != fileLike(b.name) { return !fileLike(a.name) }
        if (a.kind == .function) != (b.kind == .function) { return a.kind == .function }
        if (a.kind == .object) != (b.kind == .object) { return a.kind == .object }
        if (a.binding == .local) != (b.binding == .local) { return b.binding == .local }
        if (a.binding == .global) != (b.binding == .global) { return a.binding == .global }
        if a.size != b.size { return a.size > b.size }
        let ad = a.name.hasPrefix("."), bd = b.name.hasPrefix(".")
        if ad != bd { return bd }
        return Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
    }

    /// "main+0x1c" for an address: the nearest symbol at or below it (objdump's
    /// find_symbol_for_address, preferring this section's symbols at equal addresses).
    public func name(of address: UInt32) -> String? {
        var lo = 0, hi = names.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if names[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        guard !names.isEmpty else { return nil }
        guard lo > 0 else {
            // Below every symbol: objdump names it from the first one ("<main-0x20>").
            return names[0].name + "-0x" + String(names[0].address &- address, radix: 16)
        }
        // The first symbol (in objdump order) of the highest address not above `address`.
        var k = lo - 1
        let at = names[k].address
        while k > 0 && names[k - 1].address == at { k -= 1 }
        let s = names[k]
        let off = address &- s.address
        return off == 0 ? s.name : s.name + "+0x" + String(off, radix: 16)
    }

    /// The symbols that start chunks, one per address, in address order.
    public var chunkSymbols: [ListingSymbol] {
        var out: [ListingSymbol] = []
        for s in ordered where out.last?.address != s.address { out.append(s) }
        return out
    }

    /// Listings of an image's code sections (what `objdump -d` shows): each section with
    /// its own symbols and mapping symbols; symbols of other sections name addresses.
    /// - Parameters:
    ///   - sections: the executable sections with contents, in section-header order.
    ///   - symbols: every defined symbol, with its section.
    ///   - marks: every mapping symbol, with its section.
    public static func listings(sections: [CodeSection], symbols: [ListingSymbol], marks: [MappingMark],
                                arch: ArchLevel = .v7em) -> [Listing] {
        sections.map { section in
            var code = section
            code.symbols = symbols.filter { $0.section == section.name }
            code.mappingMarks = marks.filter { $0.section == section.name }
            let others = symbols.filter { $0.section != nil && $0.section != section.name }
            return Listing(section: code, otherSymbols: others, arch: arch)
        }
    }

    /// All lines of the section.
    public func lines() -> [ListingLine] {
        var out: [ListingLine] = []
        var state = ITTracker()
        // Chunks run from one symbol address to the next; the first starts at the section.
        var starts = [section.address]
        for s in chunkSymbols where s.address > section.address { starts.append(s.address) }
        for (k, start) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1] : UInt32(truncatingIfNeeded: section.end)
            out.append(ListingLine(address: start, content: .label(labelName(start)), bytes: []))
            emit(from: start, to: end, state: &state, into: &out)
        }
        return out
    }

    /// The lines of the chunk that starts at symbol `name` (objdump --disassemble=name).
    public func lines(ofSymbol name: String) -> [ListingLine]? {
        guard let sym = ordered.first(where: { $0.name == name }) else { return nil }
        let starts = chunkSymbols
        let end = starts.first { $0.address > sym.address }?.address ?? UInt32(truncatingIfNeeded: section.end)
        var out = [ListingLine(address: sym.address, content: .label(labelName(sym.address)), bytes: [])]
        var state = ITTracker()
        emit(from: sym.address, to: end, state: &state, into: &out)
        return out
    }

    private func labelName(_ address: UInt32) -> String {
        if let s = ordered.first(where: { $0.address == address }) { return s.name }
        if let n = name(of: address) { return n }
        let off = address &- section.address
        return section.name + (off == 0 ? "" : "+0x" + String(off, radix: 16))
    }

    // MARK: objdump's disassemble_bytes for one chunk

    private func byte(_ a: UInt32) -> UInt8 { section.bytes[Int(a &- section.address)] }

    private func emit(from start: UInt32, to stop: UInt32, state: inout ITTracker, into out: inout [ListingLine]) {
        var pc = start
        while pc < stop {
            // More than 8 zero bytes (or 1-2 at the end of the chunk) print as "...";
            // skips stop on a multiple of four unless they reach the end.
            var z = pc
            while z < stop && byte(z) == 0 { z += 1 }
            let zeros = Int(z - pc)
            if zeros >= 8 || (z == stop && zeros < 3 && zeros > 0) {
                let count = z == stop ? zeros : zeros & ~3
                out.append(ListingLine(address: pc, content: .zeros(count: count), bytes: []))
                pc += UInt32(count)
                continue
            }
            if mapping(at: pc) == .data {
                let size = dataSize(at: pc, stop: stop)
                var v: UInt32 = 0
                for k in (0..<size).reversed() { v = v << 8 | UInt32(byte(pc + UInt32(k))) }
                out.append(ListingLine(address: pc, content: .data(size: size, value: v),
                                       bytes: (0..<size).map { byte(pc + UInt32($0)) }))
                pc += UInt32(size)
                continue
            }
            guard stop - pc >= 2 else {
                // A lone byte in code: objdump cannot read a halfword and shows data.
                out.append(ListingLine(address: pc, content: .data(size: 1, value: UInt32(byte(pc))), bytes: [byte(pc)]))
                pc += 1
                continue
            }
            let hw1 = UInt16(byte(pc)) | UInt16(byte(pc + 1)) << 8
            var size: UInt32 = 2
            var hw2: UInt16 = 0
            if ThumbDecoder.is32Bit(hw1) && stop - pc >= 4 {
                hw2 = UInt16(byte(pc + 2)) | UInt16(byte(pc + 3)) << 8
                size = 4
            }
            if state.address != pc { state.rescan(at: pc, listing: self) }
            let position = state.current
            state.advance()
            var inst: Instruction
            if size == 4 {
                inst = ThumbDecoder.shared.decode32(hw1, hw2, arch: arch)
            } else if ThumbDecoder.is32Bit(hw1) {
                inst = .undefined
            } else {
                inst = ThumbDecoder.shared.decode16(hw1, arch: arch)
            }
            inst.size = UInt8(size)
            var text = Disassembler.format(inst, address: pc, it: position,
                                           symbolize: names.isEmpty ? nil : { self.name(of: $0) })
            if inst.op == .undefined {
                let word = size == 4 ? UInt32(hw1) << 16 | UInt32(hw2) : UInt32(hw1)
                text = DisassembledText(mnemonic: "", operands: "",
                                        comment: "<UNDEFINED> instruction: 0x" + ListingLine.hex(word, digits: Int(size) * 2))
            }
            if inst.op == .it { state.enter(inst) }
            out.append(ListingLine(address: pc, content: .instruction(inst, text),
                                   bytes: (0..<Int(size)).map { byte(pc + UInt32($0)) }))
            state.address = pc + size
            pc += size
        }
    }

    /// The mapping state at an address: the last mapping symbol at or below it; Thumb
    /// where the section has none (sersim lists Thumb code only).
    func mapping(at a: UInt32) -> MappingMark.Kind {
        var lo = 0, hi = marks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if marks[mid].address <= a { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 ? marks[lo - 1].kind : .thumb
    }

    /// arm-dis.c: four bytes up to the next word boundary, fewer when a symbol (mapping
    /// or not) comes first; three become two or one so the directive is .short or .byte.
    private func dataSize(at pc: UInt32, stop: UInt32) -> Int {
        var size = 4 - Int(pc & 3)
        var lo = 0, hi = boundaries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if boundaries[mid] <= pc { lo = mid + 1 } else { hi = mid }
        }
        if lo < boundaries.count { size = min(size, Int(boundaries[lo] - pc)) }
        size = min(size, Int(stop - pc))
        if size == 3 { size = pc & 1 != 0 ? 1 : 2 }
        return size
    }

    /// A symbol (not a mapping symbol) at exactly this address: an instruction boundary
    /// outside any IT block.
    func hasSymbol(at a: UInt32) -> Bool {
        var lo = 0, hi = ordered.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ordered[mid].address < a { lo = mid + 1 } else { hi = mid }
        }
        return lo < ordered.count && ordered[lo].address == a
    }

    func halfword(at a: UInt32) -> UInt16? {
        guard section.contains(a), section.contains(a + 1) else { return nil }
        return UInt16(byte(a)) | UInt16(byte(a + 1)) << 8
    }
}

/// objdump's IT-block state while listing (arm-dis.c ifthen_state): condition in bits
/// 7:4, remaining mask in bits 3:0, the ITSTATE layout of A7.3.3.
struct ITTracker {
    var state: UInt32 = 0
    var next: UInt32 = 0
    /// The address the state is valid for; elsewhere it must be recomputed.
    var address: UInt32 = .max

    /// The position of the instruction about to be listed.
    var current: ITPosition? {
        guard state != 0 else { return nil }
        return ITPosition(condition: Condition(rawValue: UInt8(state >> 4 & 0xF)) ?? .al,
                          isLast: state & 0xF == 0x8)
    }

    /// Compute the state after the instruction about to be listed (before an IT
    /// instruction overrides it).
    mutating func advance() {
        if state != 0 {
            next = state & 0xF == 0x8 ? 0 : (state & 0xE0) | ((state & 0xF) << 1)
        }
        state = next
    }

    mutating func enter(_ it: Instruction) {
        next = UInt32(it.cond.rawValue) << 4 | UInt32(it.list & 0xF)
        state = next
    }

    /// find_ifthen_state: walk back over halfwords to find an IT instruction whose block
    /// covers `pc`, stopping at symbols (which are never inside IT blocks).
    mutating func rescan(at pc: UInt32, listing: Listing) {
        // Like find_ifthen_state, this leaves `next` alone.
        address = pc
        state = 0
        var addr = pc
        var count = 1
        var itCount = 0
        var seenIT: UInt32 = 0
        while true {
            if addr < 2 || listing.hasSymbol(at: addr) {
                if seenIT != 0 && count & 1 != 0 { break }
                return
            }
            addr -= 2
            guard let insn = listing.halfword(at: addr).map(UInt32.init) else { return }
            if seenIT != 0 && insn & 0xF800 < 0xE800 {
                if count & 1 != 0 { break }
                seenIT = 0
            }
            if insn & 0xFF00 == 0xBF00 && insn & 0xF != 0 && listing.mapping(at: addr) != .data {
                seenIT = insn
                itCount = count >> 1
            }
            if insn & 0xF800 >= 0xE800 { count += 1 } else { count = (count + 2) | 1 }
            if count >= 8 && seenIT == 0 { return }
        }
        state = (seenIT & 0xE0) | ((seenIT << UInt32(itCount)) & 0x1F)
        if state & 0xF == 0 { state = 0 }
    }
}

/// The whole `objdump -d` text of a file: the file-format header, then each code
/// section's listing.
public enum ObjdumpText {
    /// - Parameters:
    ///   - fileName: the name objdump would print (the path as given).
    ///   - sections: listings in section-header order.
    ///   - symbol: list only the code at this symbol (objdump --disassemble=symbol); the
    ///     section headers are printed for every section, as objdump does.
    public static func render(fileName: String, listings: [Listing], showRawBytes: Bool = false,
                              symbol: String? = nil) -> String {
        var text = "\n\(fileName):     file format elf32-littlearm\n\n"
        for listing in listings {
            text += "\nDisassembly of section \(listing.section.name):\n"
            let lines = symbol.map { listing.lines(ofSymbol: $0) ?? [] } ?? listing.lines()
            for line in lines { text += line.render(showRawBytes: showRawBytes) + "\n" }
        }
        return text
    }

    /// A line with objdump's "@" comment and trailing "<symbol>" annotation removed and
    /// trailing blanks trimmed: what must agree between two disassemblers.
    public static func normalize(_ line: Substring) -> String {
        var u = Array(line.utf8)
        // Cut at the first tab followed by "@".
        if let k = u.indices.first(where: { u[$0] == 9 && $0 + 1 < u.count && u[$0 + 1] == UInt8(ascii: "@") }) {
            u.removeSubrange(k...)
        }
        // A trailing " <symbol+0x..>" annotation (not a "<label>:" line, which ends in ":").
        if u.last == UInt8(ascii: ">"),
           let open = u.indices.reversed().first(where: { u[$0] == UInt8(ascii: "<") }),
           open > 0, u[open - 1] == UInt8(ascii: " ") {
            u.removeSubrange((open - 1)...)
        }
        while let last = u.last, last == 32 || last == 9 { u.removeLast() }
        return String(decoding: u, as: UTF8.self)
    }
}
