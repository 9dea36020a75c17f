// The kernel IR as written: modules of constants, parameter structs and kernels, with
// structured statements. docs/kernel-ir.md is the reference for the text syntax; this
// file is the tree the parser builds and the verifier, interpreter and compiler read.

/// A place in a source file, for error messages and the instruction → IR line map.
public struct SourcePosition: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// Element types of memory the IR can load and store. Registers are always 32 bits;
/// loads extend (sign for i8/i16, zero for u8/u16) and stores truncate.
public enum ElementKind: String, Sendable, Hashable, CaseIterable {
    case i8, u8, i16, u16, i32

    public var byteSize: Int {
        switch self {
        case .i8, .u8: 1
        case .i16, .u16: 2
        case .i32: 4
        }
    }

    public var isSigned: Bool { self == .i8 || self == .i16 || self == .i32 }
}

/// What a pointer points at: elements of memory, a parameter struct, or another pointer.
public indirect enum Pointee: Sendable, Hashable, CustomStringConvertible {
    case element(ElementKind)
    case structure(String)
    case pointer(Pointee)

    public var description: String {
        switch self {
        case let .element(e): e.rawValue
        case let .structure(s): s
        case let .pointer(p): "ptr<\(p)>"
        }
    }

    /// Bytes per element for pointer arithmetic (structs count as their size elsewhere).
    var elementKind: ElementKind? {
        if case let .element(e) = self { return e }
        return nil
    }
}

/// The type of a value: a 32-bit integer or a typed pointer (also 32 bits).
public enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case i32
    case pointer(Pointee)

    public var description: String {
        switch self {
        case .i32: "i32"
        case let .pointer(p): "ptr<\(p)>"
        }
    }

    var isPointer: Bool { if case .pointer = self { return true } else { return false } }
}

/// An operand: a variable (virtual register) or an integer constant.
public enum Operand: Sendable, Hashable, CustomStringConvertible {
    case variable(String, SourcePosition)
    case constant(Int64, SourcePosition)

    public var location: SourcePosition {
        switch self {
        case let .variable(_, l), let .constant(_, l): l
        }
    }

    public var description: String {
        switch self {
        case let .variable(n, _): n
        case let .constant(v, _): String(v)
        }
    }

    var variableName: String? { if case let .variable(n, _) = self { return n } else { return nil } }
    var constantValue: Int64? { if case let .constant(v, _) = self { return v } else { return nil } }

    public static func == (a: Operand, b: Operand) -> Bool {
        switch (a, b) {
        case let (.variable(x, _), .variable(y, _)): x == y
        case let (.constant(x, _), .constant(y, _)): x == y
        default: false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case let .variable(n, _): h.combine(0); h.combine(n)
        case let .constant(v, _): h.combine(1); h.combine(v)
        }
    }
}

/// An element address: `p[index]`, `p[index + k]` or `p++` (post-increment by one
/// element, or by 4 bytes for `ldpack`).
public enum Address: Sendable, Hashable {
    case indexed(pointer: String, index: Operand, offset: Int64)
    case postIncrement(pointer: String)

    var pointer: String {
        switch self {
        case let .indexed(p, _, _), let .postIncrement(p): p
        }
    }
}

/// Operations that compute a value from operands (see `OpCode.signature`).
public enum OpCode: String, Sendable, CaseIterable {
    // Arithmetic and logic (wrapping 32-bit).
    case add, sub, mul, mla, neg, abs
    case and, or, xor, not
    case shl, asr, lsr
    case min, max, clamp
    // Saturation: `sat x, n` clamps to a signed n-bit range, `usat x, n` to 0...2^n-1;
    // qadd/qsub saturate to 32 bits.
    case sat, usat, qadd, qsub
    case clz
    case sext8, sext16, zext8, zext16
    // TFLite fixed-point helpers (gemmlowp / tensorflow/lite/kernels/internal/common.h).
    case srdhm, rdivpot, mbqm
    // Dual 16-bit operations (ARMv7E-M DSP extension, plain sequences elsewhere).
    case dmac, sxtb16, dadd, pack
    // Pointers.
    case offset, cast

    /// Operand count (`cast` takes its target type separately, `sxtb16` has an optional
    /// rotation).
    var arity: ClosedRange<Int> {
        switch self {
        case .neg, .abs, .not, .clz, .sext8, .sext16, .zext8, .zext16, .cast: 1...1
        case .sxtb16: 1...2
        case .mla, .clamp, .mbqm, .dmac: 3...3
        default: 2...2
        }
    }
}

public enum Comparison: String, Sendable, CaseIterable {
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case ltu = "<u", leu = "<=u", gtu = ">u", geu = ">=u"

    var negated: Comparison {
        switch self {
        case .eq: .ne
        case .ne: .eq
        case .lt: .ge
        case .ge: .lt
        case .le: .gt
        case .gt: .le
        case .ltu: .geu
        case .geu: .ltu
        case .leu: .gtu
        case .gtu: .leu
        }
    }

    /// The comparison with its operands swapped (a < b ⇔ b > a).
    var swapped: Comparison {
        switch self {
        case .eq: .eq
        case .ne: .ne
        case .lt: .gt
        case .gt: .lt
        case .le: .ge
        case .ge: .le
        case .ltu: .gtu
        case .gtu: .ltu
        case .leu: .geu
        case .geu: .leu
        }
    }
}

public struct Predicate: Sendable, Hashable {
    public var lhs: Operand
    public var comparison: Comparison
    public var rhs: Operand
}

/// The right-hand side of an assignment.
public enum Expression: Sendable, Hashable {
    /// `x = y` or `x = 5`.
    case copy(Operand)
    /// `x = op a, b, ...`; `cast` carries its target type.
    case op(OpCode, [Operand], castTo: ValueType?)
    /// `x = load p[i]` / `x = load p++`.
    case load(Address)
    /// `x = ldpack p[i]`: four bytes (4 × i8/u8 or 2 × i16/u16) as one word.
    case loadPacked(Address)
    /// `x = p.field`.
    case field(pointer: String, field: String)
    /// `x = call k(args)`.
    case call(String, [Operand])
}

public indirect enum Statement: Sendable, Hashable {
    case assign(String, Expression, SourcePosition)
    case store(Address, Operand, SourcePosition)
    /// `store p++, v` for ldpack-style packed stores is not offered; `storeField` is `p.f = v`.
    case storeField(pointer: String, field: String, Operand, SourcePosition)
    case call(String, [Operand], SourcePosition)
    /// `for v in start ..< end step s { }`; `v` nil for `_` (a counted loop).
    case forLoop(variable: String?, start: Operand, end: Operand, step: Operand, body: [Statement], SourcePosition)
    case ifThen(Predicate, then: [Statement], else: [Statement], SourcePosition)
    /// `if @dsp { } else { }`: chosen when compiling, by the core's architecture.
    case ifFeature(String, then: [Statement], else: [Statement], SourcePosition)
    case ret(Operand?, SourcePosition)

    public var location: SourcePosition {
        switch self {
        case let .assign(_, _, l), let .store(_, _, l), let .storeField(_, _, _, l), let .call(_, _, l),
             let .forLoop(_, _, _, _, _, l), let .ifThen(_, _, _, l), let .ifFeature(_, _, _, l), let .ret(_, l):
            l
        }
    }
}

public struct Parameter: Sendable, Hashable {
    public var name: String
    public var type: ValueType
    public var location: SourcePosition
}

public struct Kernel: Sendable {
    public var name: String
    public var parameters: [Parameter]
    public var returnType: ValueType?
    public var body: [Statement]
    public var location: SourcePosition
    /// Doc comment lines (`##`) written right above the kernel.
    public var documentation: [String]
    /// `inline kernel`: expanded at each call site, never emitted as a function.
    public var isInline: Bool = false
}

public struct StructField: Sendable, Hashable {
    public var name: String
    public var type: ValueType
    public var location: SourcePosition
}

/// A parameter block: every field is one 32-bit word (an i32 or a pointer), at offset
/// 4 × its index. This is the kernel ABI's unit (docs/kernels.md).
public struct StructDecl: Sendable {
    public var name: String
    public var fields: [StructField]
    public var location: SourcePosition
    public var documentation: [String]

    public func offset(of field: String) -> Int? {
        fields.firstIndex { $0.name == field }.map { $0 * 4 }
    }

    public var byteSize: Int { fields.count * 4 }
}

/// A constant: a named integer, or a read-only table placed with the code.
public struct ConstDecl: Sendable {
    public enum Value: Sendable {
        case scalar(Int64)
        case table(ElementKind, [Int64])
    }

    public var name: String
    public var value: Value
    public var location: SourcePosition
}

/// One or more source files parsed together: names are shared across the files.
public struct Module: Sendable {
    public var kernels: [Kernel] = []
    public var structs: [StructDecl] = []
    public var constants: [ConstDecl] = []

    public init() {}

    public func kernel(named name: String) -> Kernel? { kernels.first { $0.name == name } }
    public func structure(named name: String) -> StructDecl? { structs.first { $0.name == name } }
    public func constant(named name: String) -> ConstDecl? { constants.first { $0.name == name } }

    /// Merge another module's declarations (duplicates are reported by the verifier).
    public mutating func append(_ other: Module) {
        kernels += other.kernels
        structs += other.structs
        constants += other.constants
    }
}
