// A decoded Thumb instruction: a flat, trivially copyable record (20 bytes) that the
// executor switches on and the encoder and disassembler read. The meaning of each slot
// per operation is documented on the `Op` cases.

public struct InstructionFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The instruction updates the condition flags (an S suffix).
    public static let setFlags = InstructionFlags(rawValue: 1 << 0)
    /// 16-bit data processing: sets flags only outside an IT block (A7.3.1 "S" rule).
    /// The executor and disassembler resolve it against the current IT state.
    public static let setFlagsOutsideIT = InstructionFlags(rawValue: 1 << 1)
    /// Addressing: P (offset applied before the access), U (add), W (write back).
    public static let index = InstructionFlags(rawValue: 1 << 2)
    public static let add = InstructionFlags(rawValue: 1 << 3)
    public static let wback = InstructionFlags(rawValue: 1 << 4)
    /// ThumbExpandImm_C produced a carry (bit 31 of the rotated immediate): the value is
    /// `immCarry`. Without this flag, flag-setting logical immediates leave C unchanged.
    public static let immCarryValid = InstructionFlags(rawValue: 1 << 5)
    public static let immCarry = InstructionFlags(rawValue: 1 << 6)
    /// SMLA<x><y>, SMUL<x><y>, SMLAL<x><y>: take the top half of Rn / Rm.
    public static let nHigh = InstructionFlags(rawValue: 1 << 7)
    public static let mHigh = InstructionFlags(rawValue: 1 << 8)
    /// The X forms of SMLAD/SMUAD/SMLSD/SMUSD/SMLALD/SMLSLD: swap Rm's halves.
    public static let swap = InstructionFlags(rawValue: 1 << 9)
    /// The R forms of SMMUL/SMMLA/SMMLS: round.
    public static let round = InstructionFlags(rawValue: 1 << 10)
    /// PKHTB rather than PKHBT.
    public static let tb = InstructionFlags(rawValue: 1 << 11)
    /// CPSID rather than CPSIE.
    public static let disable = InstructionFlags(rawValue: 1 << 12)
}

public struct Instruction: Hashable, Sendable {
    /// What the instruction does.
    public var op: Op
    /// Encoding size in bytes, 2 or 4.
    public var size: UInt8
    /// Index of the encoding in `EncodingTable.rows`; `EncodingTable.auto` lets the
    /// encoder choose the smallest encoding that can express the operands.
    public var row: UInt16
    public var rd: Reg
    public var rn: Reg
    public var rm: Reg
    /// Fourth register: Ra (accumulate), RdHi (long multiply), Rt2 (LDRD/STRD).
    public var ra: Reg
    public var shiftType: ShiftType
    public var shiftAmount: UInt8
    /// Condition for B<c> and the first condition of IT.
    public var cond: Condition
    /// A small second immediate: msb / width-1 (bitfields), saturate bit position, extend
    /// rotation in bits, special register number, `ParallelOp`.
    public var imm2: UInt8
    public var flags: InstructionFlags
    /// Register list of LDM/STM/PUSH/POP (bit n = rn); the IT mask.
    public var list: UInt16
    /// The principal immediate, already decoded (offsets sign-extended as two's complement).
    public var imm: UInt32

    @inlinable
    public init(
        _ op: Op, rd: Reg = .r0, rn: Reg = .r0, rm: Reg = .r0, ra: Reg = .r0,
        imm: UInt32 = 0, imm2: UInt8 = 0, shift: ShiftType = .lsl, shiftAmount: UInt8 = 0,
        cond: Condition = .al, list: UInt16 = 0, flags: InstructionFlags = [],
        row: UInt16 = EncodingTable.auto, size: UInt8 = 0
    ) {
        self.op = op
        self.size = size
        self.row = row
        self.rd = rd
        self.rn = rn
        self.rm = rm
        self.ra = ra
        self.shiftType = shift
        self.shiftAmount = shiftAmount
        self.cond = cond
        self.imm2 = imm2
        self.flags = flags
        self.list = list
        self.imm = imm
    }

    /// The undefined instruction (also the empty slot of a decode cache).
    public static let undefined = Instruction(.undefined)

    /// Rt of single and doubleword loads/stores.
    @inlinable public var rt: Reg { rd }
    /// Rt2 of LDRD/STRD.
    @inlinable public var rt2: Reg { ra }
    /// RdLo/RdHi of long multiplies.
    @inlinable public var rdLo: Reg { rd }
    @inlinable public var rdHi: Reg { ra }

    /// `imm` as a signed offset.
    @inlinable public var offset: Int32 { Int32(bitPattern: imm) }

    @inlinable public var setsFlagsAlways: Bool { flags.contains(.setFlags) }
}
