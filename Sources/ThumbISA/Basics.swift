// Basic operand types of the Thumb instruction set (ARMv7-M ARM, DDI 0403E, chapter A4;
// ARMv6-M ARM, DDI 0419E, chapter A4).

/// An architecture level. A core implements one of these; an encoding requires one.
/// Ordered: an ARMv7E-M core executes every ARMv7-M and ARMv6-M encoding.
public enum ArchLevel: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    /// ARMv6-M (Cortex-M0, M0+, M1): 16-bit Thumb plus BL, DMB/DSB/ISB, MRS/MSR.
    case v6m = 0
    /// ARMv7-M (Cortex-M3): Thumb-2 without the DSP extension.
    case v7m = 1
    /// ARMv7E-M (Cortex-M4, M7): ARMv7-M plus the DSP extension.
    case v7em = 2

    public static func < (a: ArchLevel, b: ArchLevel) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .v6m: "ARMv6-M"
        case .v7m: "ARMv7-M"
        case .v7em: "ARMv7E-M"
        }
    }
}

/// A core register number, 0...15. r13 is SP, r14 is LR, r15 is PC.
public struct Reg: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue & 15 }
    @inlinable public init(_ n: Int) { self.rawValue = UInt8(n & 15) }

    public static let r0 = Reg(0), r1 = Reg(1), r2 = Reg(2), r3 = Reg(3)
    public static let r4 = Reg(4), r5 = Reg(5), r6 = Reg(6), r7 = Reg(7)
    public static let r8 = Reg(8), r9 = Reg(9), r10 = Reg(10), r11 = Reg(11)
    public static let r12 = Reg(12), sp = Reg(13), lr = Reg(14), pc = Reg(15)

    public static func < (a: Reg, b: Reg) -> Bool { a.rawValue < b.rawValue }

    /// r0–r7, reachable from most 16-bit encodings.
    @inlinable public var isLow: Bool { rawValue < 8 }

    /// GNU objdump's default names: r0–r9, sl, fp, ip, sp, lr, pc.
    public var description: String { Reg.gnuNames[Int(rawValue)] }
    public static let gnuNames = [
        "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7",
        "r8", "r9", "sl", "fp", "ip", "sp", "lr", "pc",
    ]
}

/// Condition codes (A7.3, Table A7-1).
public enum Condition: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case eq = 0, ne, cs, cc, mi, pl, vs, vc, hi, ls, ge, lt, gt, le, al
    /// Encoding 0b1111: "always" in IT firstcond positions that allow it; otherwise not a condition.
    case nv

    /// GNU syntax suffix. `al` prints as nothing outside IT blocks.
    public var description: String {
        ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"][Int(rawValue)]
    }

    /// The condition with the opposite sense (bit 0 flipped), as used by IT "else" slots.
    @inlinable public var inverted: Condition { Condition(rawValue: rawValue ^ 1)! }
}

/// Shift types of DecodeImmShift / DecodeRegShift (A7.4.2).
public enum ShiftType: UInt8, Sendable, CustomStringConvertible {
    case lsl = 0, lsr, asr, ror
    /// Rotate right with extend: ROR #0 in the immediate-shift encoding.
    case rrx

    public var description: String { ["lsl", "lsr", "asr", "ror", "rrx"][Int(rawValue)] }
}

/// Special-purpose registers addressed by MRS/MSR (B5.1.1 SYSm).
public enum SpecialRegister: UInt8, Sendable {
    case apsr = 0, iapsr = 1, eapsr = 2, xpsr = 3
    case ipsr = 5, epsr = 6, iepsr = 7
    case msp = 8, psp = 9
    case primask = 16, basepri = 17, basepriMax = 18, faultmask = 19, control = 20

    public var gnuName: String {
        switch self {
        case .apsr: "APSR"
        case .iapsr: "IAPSR"
        case .eapsr: "EAPSR"
        case .xpsr: "PSR"
        case .ipsr: "IPSR"
        case .epsr: "EPSR"
        case .iepsr: "IEPSR"
        case .msp: "MSP"
        case .psp: "PSP"
        case .primask: "PRIMASK"
        case .basepri: "BASEPRI"
        case .basepriMax: "BASEPRI_MAX"
        case .faultmask: "FAULTMASK"
        case .control: "CONTROL"
        }
    }
}
