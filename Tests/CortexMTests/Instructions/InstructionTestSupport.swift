import BoardProfiles
import Testing
import ThumbISA
@testable import CortexM

// Instruction tests in the style of dynarmic's test_thumb_instructions.cpp: an input
// state, one encoded instruction (written beside its GNU assembly, as
// arm-none-eabi-as encodes it), and the expected state, worked out by hand from the
// ARMv7-M ARM (DDI 0403E) pseudocode. Registers and flags a case does not name must come
// out unchanged.

/// One instruction test.
struct InsnCase: CustomTestStringConvertible, Sendable {
    var asm: String
    var hw: [UInt16]
    var arch: ArchLevel = .v7em
    /// Input registers; the others hold `InsnCase.defaultValue(k)`.
    var regs: [Int: UInt32] = [:]
    /// Input N Z C V Q: upper case = set, lower case = clear ("nzcv" leaves Q clear).
    var flags: String = "nzcvq"
    var ge: UInt32 = 0
    /// Words in memory before the instruction.
    var memory: [UInt32: UInt32] = [:]
    /// Where the instruction sits, relative to the code start (to test PC alignment).
    var offset: UInt32 = 0

    var expect: [Int: UInt32] = [:]
    /// Expected flags; nil = unchanged.
    var expectFlags: String?
    var expectGE: UInt32?
    var expectMemory: [UInt32: UInt32] = [:]
    /// Expected next PC relative to the instruction's address; nil = the next instruction.
    var expectBranch: Int64?

    var testDescription: String { asm }

    static func defaultValue(_ k: Int) -> UInt32 {
        k == 13 ? InsnCase.stackTop : 0xC0DE_0000 | UInt32(k)
    }
    static let stackTop: UInt32 = 0x2000_1000
}

enum Flags {
    /// Parse "nZcVq": each letter's case says whether the flag is set.
    static func parse(_ s: String) -> (n: Bool, z: Bool, c: Bool, v: Bool, q: Bool) {
        var f = (n: false, z: false, c: false, v: false, q: false)
        for ch in s {
            let set = ch.isUppercase
            switch ch.lowercased() {
            case "n": f.n = set
            case "z": f.z = set
            case "c": f.c = set
            case "v": f.v = set
            case "q": f.q = set
            default: break
            }
        }
        return f
    }

    static func text(_ m: Machine) -> String {
        let f = m.flags
        return (f.n ? "N" : "n") + (f.z ? "Z" : "z") + (f.c ? "C" : "c") + (f.v ? "V" : "v") + (f.q ? "Q" : "q")
    }

    /// Normalise a flag string to all five letters (Q clear unless given).
    static func normalise(_ s: String) -> String {
        let f = parse(s)
        return (f.n ? "N" : "n") + (f.z ? "Z" : "z") + (f.c ? "C" : "c") + (f.v ? "V" : "v") + (f.q ? "Q" : "q")
    }
}

/// A machine for instruction tests: Cortex-M4 (nano33ble: flash at 0, RAM at 0x20000000)
/// for ARMv7E-M cases, Cortex-M0+ (nano-rp2040: XIP flash at 0x10000000) for ARMv6-M.
struct TestCore {
    let machine: Machine
    let codeStart: UInt32

    init(arch: ArchLevel, deliverFaults: Bool = false) throws {
        let board = arch == .v6m ? TestBoards.named("nano-rp2040") : TestBoards.named("nano33ble")
        machine = try Machine(board: board, options: MachineOptions(deliverFaultsToGuest: deliverFaults))
        codeStart = (arch == .v6m ? 0x1000_0000 : 0) + 0x1000
    }

    static func bytes(_ hw: [UInt16]) -> [UInt8] { hw.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    static func bytes(word v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }

    func word(_ a: UInt32) -> UInt32? { machine.peek32(a) }
}

/// Run one case and check the whole state.
func check(_ c: InsnCase, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let core = try TestCore(arch: c.arch)
    let m = core.machine
    let at = core.codeStart + c.offset
    m.poke(at, TestCore.bytes(c.hw))
    for (a, v) in c.memory { m.poke(a, TestCore.bytes(word: v)) }
    for k in 0..<15 { m.setRegister(k, c.regs[k] ?? InsnCase.defaultValue(k)) }
    m.setRegister(15, at)
    let f = Flags.parse(c.flags)
    m.setFlags(n: f.n, z: f.z, c: f.c, v: f.v, q: f.q, ge: c.ge)
    try m.step()
    for k in 0..<15 {
        let want = c.expect[k] ?? c.regs[k] ?? InsnCase.defaultValue(k)
        #expect(m.register(k) == want,
                "\(c.asm): \(Reg(k)) = 0x\(String(m.register(k), radix: 16)), expected 0x\(String(want, radix: 16))",
                sourceLocation: sourceLocation)
    }
    let next = c.expectBranch.map { UInt32(truncatingIfNeeded: Int64(at) + $0) } ?? at + UInt32(2 * c.hw.count)
    #expect(m.register(15) == next, "\(c.asm): pc = 0x\(String(m.register(15), radix: 16)), expected 0x\(String(next, radix: 16))",
            sourceLocation: sourceLocation)
    let wantFlags = Flags.normalise(c.expectFlags ?? c.flags)
    #expect(Flags.text(m) == wantFlags, "\(c.asm): flags \(Flags.text(m)), expected \(wantFlags)", sourceLocation: sourceLocation)
    let wantGE = c.expectGE ?? c.ge
    #expect(m.flags.ge == wantGE, "\(c.asm): GE = \(String(m.flags.ge, radix: 2)), expected \(String(wantGE, radix: 2))",
            sourceLocation: sourceLocation)
    for (a, v) in c.expectMemory {
        let got = core.word(a)
        #expect(got == v, "\(c.asm): [0x\(String(a, radix: 16))] = \(got.map { "0x" + String($0, radix: 16) } ?? "unmapped"), expected 0x\(String(v, radix: 16))",
                sourceLocation: sourceLocation)
    }
}

/// Boards from the checkout's Boards/ (the shipped JSON profiles).
enum TestBoards {
    static func named(_ name: String) -> Board {
        do {
            return try BoardLibrary.load(name)
        } catch {
            fatalError("board \(name) does not load: \(error)")
        }
    }
}
