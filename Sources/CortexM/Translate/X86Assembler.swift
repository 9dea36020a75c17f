// A small x86-64 assembler: the encodings the block translator emits, nothing more.
// Intel SDM vol. 2 (instruction formats, chapter 2; opcode tables, appendix A) is the
// reference for every byte below.

/// An x86-64 general-purpose register by its encoding number.
struct HostReg: Equatable {
    let n: UInt8
    static let rax = HostReg(n: 0), rcx = HostReg(n: 1), rdx = HostReg(n: 2), rbx = HostReg(n: 3)
    static let rsp = HostReg(n: 4), rbp = HostReg(n: 5), rsi = HostReg(n: 6), rdi = HostReg(n: 7)
    static let r8 = HostReg(n: 8), r9 = HostReg(n: 9), r10 = HostReg(n: 10), r11 = HostReg(n: 11)
    static let r12 = HostReg(n: 12), r13 = HostReg(n: 13), r14 = HostReg(n: 14), r15 = HostReg(n: 15)
    var low: UInt8 { n & 7 }
    var extended: Bool { n >= 8 }
}

/// A memory operand: [base + index * scale + disp].
struct HostMem {
    var base: HostReg
    var index: HostReg?
    var scale: UInt8 = 1
    var disp: Int32 = 0
    init(_ base: HostReg, _ disp: Int32 = 0) { self.base = base; self.disp = disp }
    init(_ base: HostReg, index: HostReg, scale: UInt8 = 1, _ disp: Int32 = 0) {
        self.base = base; self.index = index; self.scale = scale; self.disp = disp
    }
}

/// x86 condition codes (the low nibble of Jcc / SETcc / CMOVcc).
enum HostCond: UInt8 {
    case o = 0, no = 1, b = 2, ae = 3, e = 4, ne = 5, be = 6, a = 7, s = 8, ns = 9, l = 0xC, ge = 0xD, le = 0xE, g = 0xF
}

/// The ALU operations of the 0x01/0x81 groups, by their /digit.
enum HostALU: UInt8 {
    case add = 0, or = 1, adc = 2, sbb = 3, and = 4, sub = 5, xor = 6, cmp = 7
}

enum HostShift: UInt8 {
    case rol = 0, ror = 1, shl = 4, shr = 5, sar = 7
}

struct HostLabel: Equatable { let id: Int }

/// The bytes an assembler emits: a growing buffer of its own (appending to an array
/// checks its uniqueness per byte, a fifth of the translation's time).
final class CodeBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Empty it for the next code (the memory stays, its pages already in place).
    func reset() { count = 0 }

    @inline(__always)
    func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    private func grow(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        b.update(from: base, count: count)
        base.deallocate()
        base = b
        capacity = c
    }

    @inline(__always)
    func append(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    @inline(__always)
    func append32(_ v: UInt32) {
        reserve(4)
        UnsafeMutableRawPointer(base + count).storeBytes(of: v.littleEndian, as: UInt32.self)
        count += 4
    }

    func patch32(at offset: Int, _ v: UInt32) {
        UnsafeMutableRawPointer(base + offset).storeBytes(of: v.littleEndian, as: UInt32.self)
    }
}

struct X86Assembler {
    private let code: CodeBuffer
    private var labelOffsets: [Int?] = []
    private var fixups: [(at: Int, label: Int)] = []

    /// An assembler writing into `code`, emptied first (a translation cache reuses one).
    init(code: CodeBuffer = CodeBuffer()) {
        code.reset()
        self.code = code
        labelOffsets.reserveCapacity(1024)
        fixups.reserveCapacity(1024)
    }

    /// The code so far (valid until the buffer is written again).
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: code.base, count: code.count) }
    /// Its length.
    var count: Int { code.count }

    // MARK: Labels

    mutating func newLabel() -> HostLabel {
        labelOffsets.append(nil)
        return HostLabel(id: labelOffsets.count - 1)
    }

    mutating func bind(_ l: HostLabel) { labelOffsets[l.id] = code.count }

    /// Patch every rel32 to its label; false if a label was never bound.
    mutating func resolve() -> Bool {
        for f in fixups {
            guard let target = labelOffsets[f.label] else { return false }
            code.patch32(at: f.at, UInt32(bitPattern: Int32(target - (f.at + 4))))
        }
        fixups.removeAll()
        return true
    }

    // MARK: Encoding helpers

    private func byte(_ b: UInt8) { code.append(b) }
    private func imm32(_ v: Int32) { code.append32(UInt32(bitPattern: v)) }
    private mutating func imm64(_ v: UInt64) {
        imm32(Int32(bitPattern: UInt32(truncatingIfNeeded: v)))
        imm32(Int32(bitPattern: UInt32(truncatingIfNeeded: v >> 32)))
    }

    /// REX prefix when needed (`force`: byte registers spl/bpl/sil/dil).
    private mutating func rex(w: Bool, reg: UInt8 = 0, index: UInt8 = 0, base: UInt8 = 0, force: Bool = false) {
        let v: UInt8 = 0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0)
        if v != 0x40 || force { byte(v) }
    }

    /// ModRM (+ SIB) + displacement for a memory operand; `reg` is the /r field. The
    /// displacement takes the shortest form (none, disp8, disp32): most fields of the
    /// context lie within 127 bytes of its base, and smaller code translates faster.
    private mutating func modrm(_ reg: UInt8, _ m: HostMem) {
        let r = (reg & 7) << 3
        // mod 00 with base rbp/r13 means disp32 without a base (or rip): those need disp8.
        let mod: UInt8 = m.disp == 0 && m.base.low != 5 ? 0x00 : Int32(Int8(truncatingIfNeeded: m.disp)) == m.disp ? 0x40 : 0x80
        if let index = m.index {
            let ss: UInt8 = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0
            byte(mod | r | 4)
            byte(ss << 6 | index.low << 3 | m.base.low)
        } else if m.base.low == 4 {
            byte(mod | r | 4)
            byte(0x24)
        } else {
            byte(mod | r | m.base.low)
        }
        if mod == 0x40 { byte(UInt8(truncatingIfNeeded: m.disp)) } else if mod == 0x80 { imm32(m.disp) }
    }

    private mutating func modrmReg(_ reg: UInt8, _ rm: HostReg) { byte(0xC0 | (reg & 7) << 3 | rm.low) }

    /// An opcode of one byte, or two (0x0F and the second).
    private mutating func opcode(_ o: UInt16) {
        if o > 0xFF { byte(UInt8(o >> 8)) }
        byte(UInt8(truncatingIfNeeded: o))
    }

    private mutating func memOp(_ op: UInt16, w: Bool, reg: UInt8, _ m: HostMem, force8: Bool = false, prefix: UInt8? = nil) {
        if let prefix { byte(prefix) }
        rex(w: w, reg: reg, index: m.index?.n ?? 0, base: m.base.n, force: force8 && reg >= 4)
        opcode(op)
        modrm(reg, m)
    }

    private mutating func regOp(_ op: UInt16, w: Bool, reg: UInt8, _ rm: HostReg, force8: Bool = false) {
        rex(w: w, reg: reg, base: rm.n, force: force8 && rm.n >= 4)
        opcode(op)
        modrmReg(reg, rm)
    }

    /// Whether an immediate fits the sign-extended imm8 forms (0x83 group).
    private static func fitsImm8(_ v: Int32) -> Bool { Int32(Int8(truncatingIfNeeded: v)) == v }

    // MARK: Moves

    mutating func load32(_ d: HostReg, _ m: HostMem) { memOp(0x8B, w: false, reg: d.n, m) }
    mutating func load64(_ d: HostReg, _ m: HostMem) { memOp(0x8B, w: true, reg: d.n, m) }
    mutating func store32(_ m: HostMem, _ s: HostReg) { memOp(0x89, w: false, reg: s.n, m) }
    mutating func store64(_ m: HostMem, _ s: HostReg) { memOp(0x89, w: true, reg: s.n, m) }
    mutating func store16(_ m: HostMem, _ s: HostReg) { memOp(0x89, w: false, reg: s.n, m, prefix: 0x66) }
    mutating func store8(_ m: HostMem, _ s: HostReg) { memOp(0x88, w: false, reg: s.n, m, force8: true) }
    mutating func loadU8(_ d: HostReg, _ m: HostMem) { memOp(0x0FB6, w: false, reg: d.n, m) }
    mutating func loadU16(_ d: HostReg, _ m: HostMem) { memOp(0x0FB7, w: false, reg: d.n, m) }
    mutating func loadS8(_ d: HostReg, _ m: HostMem) { memOp(0x0FBE, w: false, reg: d.n, m) }
    mutating func loadS16(_ d: HostReg, _ m: HostMem) { memOp(0x0FBF, w: false, reg: d.n, m) }
    mutating func storeImm32(_ m: HostMem, _ v: UInt32) {
        memOp(0xC7, w: false, reg: 0, m)
        imm32(Int32(bitPattern: v))
    }
    mutating func storeImm8(_ m: HostMem, _ v: UInt8) {
        memOp(0xC6, w: false, reg: 0, m)
        byte(v)
    }
    mutating func mov32(_ d: HostReg, _ s: HostReg) { regOp(0x89, w: false, reg: s.n, d) }
    mutating func mov64(_ d: HostReg, _ s: HostReg) { regOp(0x89, w: true, reg: s.n, d) }
    mutating func movImm32(_ d: HostReg, _ v: UInt32) {
        // Never `xor d, d`: that would clobber the host flags between an operation and
        // the SETcc that reads them.
        rex(w: false, base: d.n)
        byte(0xB8 + d.low)
        imm32(Int32(bitPattern: v))
    }
    mutating func movImm64(_ d: HostReg, _ v: UInt64) {
        rex(w: true, base: d.n)
        byte(0xB8 + d.low)
        imm64(v)
    }
    /// movzx / movsx between registers.
    mutating func zx8(_ d: HostReg, _ s: HostReg) { regOp(0x0FB6, w: false, reg: d.n, s, force8: true) }
    mutating func zx16(_ d: HostReg, _ s: HostReg) { regOp(0x0FB7, w: false, reg: d.n, s) }
    mutating func sx8(_ d: HostReg, _ s: HostReg) { regOp(0x0FBE, w: false, reg: d.n, s, force8: true) }
    mutating func sx16(_ d: HostReg, _ s: HostReg) { regOp(0x0FBF, w: false, reg: d.n, s) }
    /// movsxd d64, s32.
    mutating func sx32to64(_ d: HostReg, _ s: HostReg) { regOp(0x63, w: true, reg: d.n, s) }
    mutating func sx32to64(_ d: HostReg, _ m: HostMem) { memOp(0x63, w: true, reg: d.n, m) }
    mutating func sx16to64(_ d: HostReg, _ s: HostReg) { regOp(0x0FBF, w: true, reg: d.n, s) }

    // MARK: Arithmetic

    mutating func alu(_ op: HostALU, _ d: HostReg, _ s: HostReg) { regOp(UInt16(op.rawValue << 3 | 1), w: false, reg: s.n, d) }
    mutating func alu64(_ op: HostALU, _ d: HostReg, _ s: HostReg) { regOp(UInt16(op.rawValue << 3 | 1), w: true, reg: s.n, d) }
    mutating func alu(_ op: HostALU, _ d: HostReg, imm v: UInt32) {
        let i = Int32(bitPattern: v)
        regOp(Self.fitsImm8(i) ? 0x83 : 0x81, w: false, reg: op.rawValue, d)
        immediate(i)
    }
    mutating func alu64(_ op: HostALU, _ d: HostReg, imm v: Int32) {
        regOp(Self.fitsImm8(v) ? 0x83 : 0x81, w: true, reg: op.rawValue, d)
        immediate(v)
    }
    /// The immediate of a 0x81/0x83 (or 0x69/0x6B) form: imm8 when it fits.
    private mutating func immediate(_ v: Int32) {
        if Self.fitsImm8(v) { byte(UInt8(truncatingIfNeeded: v)) } else { imm32(v) }
    }
    /// op r32, [m]
    mutating func alu(_ op: HostALU, _ d: HostReg, _ m: HostMem) { memOp(UInt16(op.rawValue << 3 | 3), w: false, reg: d.n, m) }
    mutating func alu64(_ op: HostALU, _ d: HostReg, _ m: HostMem) { memOp(UInt16(op.rawValue << 3 | 3), w: true, reg: d.n, m) }
    /// op qword [m], imm32
    mutating func alu64(_ op: HostALU, _ m: HostMem, imm v: Int32) {
        memOp(Self.fitsImm8(v) ? 0x83 : 0x81, w: true, reg: op.rawValue, m)
        immediate(v)
    }
    /// op byte [m], imm8
    mutating func alu8(_ op: HostALU, _ m: HostMem, imm v: UInt8) {
        memOp(0x80, w: false, reg: op.rawValue, m)
        byte(v)
    }
    mutating func test(_ a: HostReg, _ b: HostReg) { regOp(0x85, w: false, reg: b.n, a) }
    mutating func test64(_ a: HostReg, _ b: HostReg) { regOp(0x85, w: true, reg: b.n, a) }
    /// test r32, [m]
    mutating func test(_ a: HostReg, _ m: HostMem) { memOp(0x85, w: false, reg: a.n, m) }
    /// test r32, imm32
    mutating func testImm(_ d: HostReg, _ v: UInt32) {
        regOp(0xF7, w: false, reg: 0, d)
        imm32(Int32(bitPattern: v))
    }
    mutating func imul(_ d: HostReg, _ s: HostReg) { regOp(0x0FAF, w: false, reg: d.n, s) }
    mutating func imul64(_ d: HostReg, _ s: HostReg) { regOp(0x0FAF, w: true, reg: d.n, s) }
    /// imul d32, s32, imm32
    mutating func imul(_ d: HostReg, _ s: HostReg, imm v: Int32) {
        regOp(Self.fitsImm8(v) ? 0x6B : 0x69, w: false, reg: d.n, s)
        immediate(v)
    }
    mutating func shift(_ op: HostShift, _ d: HostReg, _ amount: UInt8) {
        regOp(0xC1, w: false, reg: op.rawValue, d)
        byte(amount)
    }
    mutating func shift64(_ op: HostShift, _ d: HostReg, _ amount: UInt8) {
        regOp(0xC1, w: true, reg: op.rawValue, d)
        byte(amount)
    }
    /// shift r32, cl (the count masked to 5 bits, as x86 does)
    mutating func shiftCL(_ op: HostShift, _ d: HostReg) { regOp(0xD3, w: false, reg: op.rawValue, d) }
    /// shift r64, cl (the count masked to 6 bits)
    mutating func shift64CL(_ op: HostShift, _ d: HostReg) { regOp(0xD3, w: true, reg: op.rawValue, d) }
    mutating func not32(_ d: HostReg) { regOp(0xF7, w: false, reg: 2, d) }
    /// neg r32: CF = (operand != 0).
    mutating func neg32(_ d: HostReg) { regOp(0xF7, w: false, reg: 3, d) }
    /// or byte [m], r8
    mutating func or8(_ m: HostMem, _ s: HostReg) { memOp(0x08, w: false, reg: s.n, m, force8: true) }
    mutating func inc64(_ m: HostMem) { memOp(0xFF, w: true, reg: 0, m) }

    // MARK: Flags and control

    mutating func setcc(_ c: HostCond, _ m: HostMem) { memOp(0x0F90 | UInt16(c.rawValue), w: false, reg: 0, m) }
    mutating func setcc(_ c: HostCond, _ d: HostReg) { regOp(0x0F90 | UInt16(c.rawValue), w: false, reg: 0, d, force8: true) }

    mutating func jcc(_ c: HostCond, _ l: HostLabel) {
        byte(0x0F)
        byte(0x80 | c.rawValue)
        fixups.append((code.count, l.id))
        imm32(0)
    }
    mutating func jmp(_ l: HostLabel) {
        byte(0xE9)
        fixups.append((code.count, l.id))
        imm32(0)
    }
    mutating func call(_ target: HostReg) { regOp(0xFF, w: false, reg: 2, target) }
    mutating func jmp(_ target: HostReg) { regOp(0xFF, w: false, reg: 4, target) }
    /// call rel32 (a subroutine inside the same code)
    mutating func call(_ l: HostLabel) {
        byte(0xE8)
        fixups.append((code.count, l.id))
        imm32(0)
    }
    mutating func push(_ r: HostReg) {
        rex(w: false, base: r.n)
        byte(0x50 + r.low)
    }
    mutating func pop(_ r: HostReg) {
        rex(w: false, base: r.n)
        byte(0x58 + r.low)
    }
    mutating func ret() { byte(0xC3) }
}
