// The shape of one row of the encoding table, and the operand schemes that map the
// letters of a bit pattern onto `Instruction` slots. Every scheme implements both
// directions (fields → instruction in `decode`, instruction → fields in `encode`), so the
// decoder, the encoder and the round-trip tests all come from the same rows.

/// Which instruction slot a register field fills.
public enum Slot: UInt8, Sendable {
    case rd, rn, rm, ra
}

/// How an encoding treats the condition flags.
public enum SetFlagsRule: Sendable {
    /// Never sets flags (or is not a data-processing instruction).
    case never
    /// Always sets flags (CMP, TST, ...: the flags are the only result).
    case always
    /// The S bit: the pattern letter `S`.
    case sBit
    /// 16-bit data processing: sets flags outside an IT block, not inside (A7.3.1).
    case outsideIT
}

/// A condition on pattern fields: every (letter, value) pair holds.
public struct FieldCondition: Sendable, Hashable {
    public var terms: [Term]
    public struct Term: Sendable, Hashable {
        public var letter: UInt8
        public var value: UInt32
    }
    public init(_ terms: [(Character, UInt32)]) {
        self.terms = terms.map { Term(letter: $0.0.asciiValue!, value: $0.1) }
    }
}

/// Conditions under which an encoding is UNPREDICTABLE in the ARM ARM. The decoder still
/// accepts such words (cores execute them somehow); the encoder never produces them, and
/// the random-instruction generator of the differential tests skips them.
public enum Unpredictable: Sendable {
    /// The register field is one of these registers.
    case reg(Character, [UInt8])
    /// All terms hold.
    case when(FieldCondition)
    /// The register-list field (with the row's fixed extra bits) has fewer than n bits.
    case listCountBelow(Int)
    /// The register list contains the base register (Rn) and writeback is on.
    case listHasBaseWithWriteback
    /// Two register fields are equal.
    case regsEqual(Character, Character)
    /// Writeback is on (W letter set) and the two register fields are equal.
    case wbackAndRegsEqual(Character, Character)
    /// Two copies of one register field differ (REV/CLZ/RBIT encode Rm twice).
    case fieldsDiffer(Character, Character)
    /// A field's value is less than another's (BFI/BFC: msb < lsb).
    case fieldLess(Character, than: [Character])
    /// The sum of the fields' values exceeds a limit (SBFX/UBFX: lsb + widthminus1 > 31).
    case fieldsSumAbove([Character], Int)
    /// Register list contains both PC and LR (LDM/POP).
    case listHasPCAndLR
    /// Register list contains this register.
    case listHas(UInt8)
    /// An IT instruction inside an IT block, or a branch/IT-ending constraint violated.
    /// Rows that may only be last in an IT block carry this; the decoder checks it.
    case insideITNotLast
    /// Not allowed inside an IT block at all (CBZ, IT, ...).
    case insideIT
}

/// How pattern letters become operands.
public enum OperandSpec: Sendable {
    /// A register field (bits of `letter`, concatenated in pattern order).
    case reg(Character, Slot)
    /// An implied register.
    case fixedReg(Slot, Reg)
    /// imm = zero-extended field << shift.
    case imm(Character, shift: UInt8 = 0)
    /// imm = 0 - field (ADR T2: an offset subtracted from Align(PC, 4)). Never zero.
    case immNegated(Character)
    /// An implied immediate value.
    case fixedImm(UInt32)
    /// imm2 = field + bias.
    case imm2(Character, bias: Int = 0)
    /// ThumbExpandImm_C of the 12-bit field i:imm3:imm8 (A5.3.2), with carry.
    case modifiedImm(Character)
    /// MOVW/MOVT: imm16 = imm4:i:imm3:imm8 from letters hi (imm4) and lo (i:imm3:imm8).
    case imm16(hi: Character, lo: Character)
    /// B<c> T1: SignExtend(imm8:'0').
    case branchT1(Character)
    /// B T2: SignExtend(imm11:'0').
    case branchT2(Character)
    /// B<c>.W T3: SignExtend(S:J2:J1:imm6:imm11:'0'); letters S, J (J1), K (J2), i (imm6), j (imm11).
    case branchT3
    /// B.W T4 / BL T1: SignExtend(S:I1:I2:imm10:imm11:'0'), I1 = NOT(J1 XOR S);
    /// letters S, J (J1), K (J2), i (imm10), j (imm11).
    case branchT4
    /// CBZ/CBNZ: ZeroExtend(i:imm5:'0') from letter i (concatenated).
    case cbzOffset(Character)
    /// DecodeImmShift(type, imm) from two letters.
    case shiftImm(amount: Character, type: Character)
    /// DecodeImmShift with a fixed type (16-bit LSL/LSR/ASR immediate).
    case shiftFixedType(ShiftType, amount: Character)
    /// A fixed shift type with amount 0 (shift-by-register forms carry their type here).
    case shiftType(ShiftType)
    /// LSL amount for register-offset loads (imm2 field).
    case lslAmount(Character)
    /// Condition field.
    case cond(Character)
    /// Register list: the letter's bits at list bits 0...n-1, plus single-bit letters
    /// placed at given registers (PUSH's M → LR, POP's P → PC).
    case list(Character, extra: [ExtraListBit] = [])
    /// A fixed register list bit set.
    case fixedList(UInt16)
    /// A one-bit letter maps to a flag.
    case flag(Character, InstructionFlags)
    /// Fixed flags.
    case flags(InstructionFlags)
    /// P/U/W letters for immediate-offset loads/stores.
    case indexAddWback(p: Character, u: Character, w: Character)
    /// U letter alone (add when set); index set, no writeback.
    case addBit(Character)
    /// LDM T1 (16-bit): writes back unless the base register is in the list.
    case wbackUnlessBaseListed
    /// Extend rotation: imm2 = field * 8.
    case rotation(Character)
    /// IT: firstcond letter and mask letter.
    case itBlock(cond: Character, mask: Character)
    /// Fixed ParallelOp code (imm2) from the op1/op2 fields.
    case parallelOp(ParallelOp)

    public struct ExtraListBit: Sendable {
        public var letter: Character
        public var register: UInt8
        public init(_ letter: Character, _ register: UInt8) {
            self.letter = letter
            self.register = register
        }
    }
}

/// One encoding: a bit pattern, the operation it decodes to, and how its fields map.
public struct EncodingRow: Sendable {
    /// The operation.
    public let op: Op
    /// Human-readable name with the ARM ARM encoding number, e.g. "ADD (immediate) T3".
    public let name: String
    /// 16 or 32 characters: '0', '1', or a field letter. 32-bit patterns are written
    /// first halfword first, as in the ARM ARM (spaces in the source are for reading).
    public let pattern: String
    /// The architecture that introduced the encoding.
    public let arch: ArchLevel
    public let operands: [OperandSpec]
    public let setFlags: SetFlagsRule
    /// Field values for which the ARM ARM says "SEE <other encoding>": the row does not
    /// match those words.
    public let excluded: [FieldCondition]
    public let unpredictable: [Unpredictable]
    /// GNU objdump prints a ".w" suffix on this 32-bit encoding.
    public let wide: Bool
    /// GNU mnemonic when it is not the op's usual one (e.g. "addw").
    public let mnemonic: String?

    /// Derived: size in bytes, fixed-bit mask and value (over the 32-bit word hw1:hw2, or
    /// the halfword for 16-bit rows), and the fields: letter → bit positions, MSB first.
    public let size: UInt8
    public let mask: UInt32
    public let match: UInt32
    public let fields: [UInt8: [UInt8]]

    public init(
        _ op: Op, _ name: String, _ pattern: String, _ arch: ArchLevel,
        _ operands: [OperandSpec] = [], s setFlags: SetFlagsRule = .never,
        except excluded: [FieldCondition] = [], unpredictable: [Unpredictable] = [],
        wide: Bool = false, mnemonic: String? = nil
    ) {
        self.op = op
        self.name = name
        self.pattern = pattern.filter { $0 != " " }
        self.arch = arch
        self.operands = operands
        self.setFlags = setFlags
        self.excluded = excluded
        self.unpredictable = unpredictable
        self.wide = wide
        self.mnemonic = mnemonic

        let chars = Array(self.pattern.utf8)
        precondition(chars.count == 16 || chars.count == 32, "pattern of \(name) has \(chars.count) bits")
        size = UInt8(chars.count / 8)
        var mask: UInt32 = 0, match: UInt32 = 0
        var fields: [UInt8: [UInt8]] = [:]
        for (i, c) in chars.enumerated() {
            let bit = UInt8(chars.count - 1 - i)
            switch c {
            case UInt8(ascii: "0"): mask |= 1 << bit
            case UInt8(ascii: "1"): mask |= 1 << bit; match |= 1 << bit
            default: fields[c, default: []].append(bit)
            }
        }
        self.mask = mask
        self.match = match
        self.fields = fields
    }

    /// Width in bits of a field.
    public func width(_ letter: UInt8) -> Int { fields[letter]?.count ?? 0 }

    /// Extract a field from an encoded word.
    @inlinable
    public func extract(_ letter: UInt8, from word: UInt32) -> UInt32 {
        guard let bits = fields[letter] else { return 0 }
        var v: UInt32 = 0
        for b in bits { v = v << 1 | (word >> UInt32(b)) & 1 }
        return v
    }

    /// Deposit a field value into a word.
    public func deposit(_ letter: UInt8, _ value: UInt32, into word: inout UInt32) {
        guard let bits = fields[letter] else { return }
        var v = value
        for b in bits.reversed() {
            word = (word & ~(1 << UInt32(b))) | (v & 1) << UInt32(b)
            v >>= 1
        }
    }

    /// Does a word match this row (fixed bits, and no "SEE" exclusion)?
    public func matches(_ word: UInt32) -> Bool {
        guard word & mask == match else { return false }
        for cond in excluded where cond.terms.allSatisfy({ extract($0.letter, from: word) == $0.value }) {
            return false
        }
        return true
    }
}

extension Character {
    @inlinable var ascii: UInt8 { asciiValue! }
}
