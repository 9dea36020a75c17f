// Both directions of every operand scheme. `decode` reads pattern fields into an
// instruction; `encode` produces the field values for an instruction, or fails when the
// instruction's operands cannot be expressed by the row.

/// Field values of one encoding, indexed by ASCII letter.
struct FieldValues {
    var values = [UInt32](repeating: 0, count: 128)
    var assigned = [Bool](repeating: false, count: 128)

    /// Assign a field; a second assignment must agree (shared fields like Rdn).
    mutating func set(_ letter: UInt8, _ value: UInt32) -> Bool {
        let i = Int(letter)
        if assigned[i] { return values[i] == value }
        assigned[i] = true
        values[i] = value
        return true
    }
    subscript(_ letter: UInt8) -> UInt32 { values[Int(letter)] }
}

// MARK: - Immediate helpers (A5.3.2, A7.4.2)

public enum ThumbImmediate {
    /// ThumbExpandImm_C (A5.3.2): the value, and the carry out when the encoding rotates
    /// (nil: carry unchanged).
    public static func expand(_ imm12: UInt32) -> (value: UInt32, carry: Bool?) {
        let imm8 = imm12 & 0xFF
        if imm12 >> 10 == 0 {
            switch (imm12 >> 8) & 3 {
            case 0: return (imm8, nil)
            case 1: return (imm8 << 16 | imm8, nil)
            case 2: return (imm8 << 24 | imm8 << 8, nil)
            default: return (imm8 << 24 | imm8 << 16 | imm8 << 8 | imm8, nil)
            }
        }
        let unrotated = 0x80 | (imm12 & 0x7F)
        let rot = imm12 >> 7
        let value = unrotated >> rot | unrotated << (32 - rot)
        return (value, value >> 31 == 1)
    }

    /// The 12-bit modified-immediate encoding of a value, if one exists. Prefers the
    /// unrotated forms, then the smallest rotation, as GNU as does.
    public static func encodeModified(_ value: UInt32) -> UInt32? {
        let b = value & 0xFF
        if value == b { return value }
        if b != 0 && value == b << 16 | b { return 0x100 | b }
        let b1 = (value >> 8) & 0xFF
        if b1 != 0 && value == b1 << 24 | b1 << 8 { return 0x200 | b1 }
        if b != 0 && value == b << 24 | b << 16 | b << 8 | b { return 0x300 | b }
        for rot in UInt32(8)...31 {
            let unrotated = value << rot | value >> (32 - rot)
            if unrotated & ~0xFF == 0 && unrotated & 0x80 != 0 {
                return rot << 7 | (unrotated & 0x7F)
            }
        }
        return nil
    }

    /// DecodeImmShift (A7.4.2).
    public static func decodeShift(type: UInt32, imm5: UInt32) -> (ShiftType, UInt8) {
        switch type & 3 {
        case 0: return (.lsl, UInt8(imm5))
        case 1: return (.lsr, imm5 == 0 ? 32 : UInt8(imm5))
        case 2: return (.asr, imm5 == 0 ? 32 : UInt8(imm5))
        default: return imm5 == 0 ? (.rrx, 1) : (.ror, UInt8(imm5))
        }
    }

    /// Inverse of `decodeShift`: (type, imm5), or nil when not encodable.
    public static func encodeShift(_ type: ShiftType, _ amount: UInt8) -> (UInt32, UInt32)? {
        switch type {
        case .lsl: return amount < 32 ? (0, UInt32(amount)) : nil
        case .lsr: return (1...32).contains(amount) ? (1, UInt32(amount & 31)) : nil
        case .asr: return (1...32).contains(amount) ? (2, UInt32(amount & 31)) : nil
        case .ror: return (1...31).contains(amount) ? (3, UInt32(amount)) : nil
        case .rrx: return (3, 0)
        }
    }

    @inlinable
    public static func signExtend(_ v: UInt32, bits: Int) -> UInt32 {
        let shift = UInt32(32 - bits)
        return UInt32(bitPattern: Int32(bitPattern: v << shift) >> shift)
    }

    /// Does a signed value fit in `bits` two's-complement bits?
    @inlinable
    public static func fitsSigned(_ v: UInt32, bits: Int) -> Bool {
        signExtend(v, bits: bits) == v
    }
}

// MARK: - Decode

extension OperandSpec {
    func decode(_ row: EncodingRow, _ word: UInt32, into inst: inout Instruction) {
        func f(_ c: Character) -> UInt32 { row.extract(c.ascii, from: word) }
        switch self {
        case let .reg(c, slot):
            inst.set(slot, Reg(Int(f(c))))
        case let .fixedReg(slot, reg):
            inst.set(slot, reg)
        case let .imm(c, shift):
            inst.imm = f(c) << UInt32(shift)
        case let .immNegated(c):
            inst.imm = 0 &- f(c)
        case let .fixedImm(v):
            inst.imm = v
        case let .imm2(c, bias):
            inst.imm2 = UInt8(truncatingIfNeeded: Int(f(c)) + bias)
        case let .modifiedImm(c):
            let (value, carry) = ThumbImmediate.expand(f(c))
            inst.imm = value
            if let carry {
                inst.flags.insert(.immCarryValid)
                if carry { inst.flags.insert(.immCarry) }
            }
        case let .imm16(hi, lo):
            inst.imm = f(hi) << 12 | f(lo)
        case let .branchT1(c):
            inst.imm = ThumbImmediate.signExtend(f(c) << 1, bits: 9)
        case let .branchT2(c):
            inst.imm = ThumbImmediate.signExtend(f(c) << 1, bits: 12)
        case .branchT3:
            let v = f("S") << 20 | f("K") << 19 | f("J") << 18 | f("i") << 12 | f("j") << 1
            inst.imm = ThumbImmediate.signExtend(v, bits: 21)
        case .branchT4:
            let s = f("S")
            let i1 = ~(f("J") ^ s) & 1, i2 = ~(f("K") ^ s) & 1
            let v = s << 24 | i1 << 23 | i2 << 22 | f("i") << 12 | f("j") << 1
            inst.imm = ThumbImmediate.signExtend(v, bits: 25)
        case let .cbzOffset(c):
            inst.imm = f(c) << 1
        case let .shiftImm(amount, type):
            var t = f(type)
            if row.width(type.ascii) == 1 { t <<= 1 }
            (inst.shiftType, inst.shiftAmount) = ThumbImmediate.decodeShift(type: t, imm5: f(amount))
        case let .shiftFixedType(type, amount):
            (inst.shiftType, inst.shiftAmount) = ThumbImmediate.decodeShift(
                type: UInt32(type.rawValue), imm5: f(amount))
        case let .shiftType(type):
            inst.shiftType = type
            inst.shiftAmount = 0
        case let .lslAmount(c):
            inst.shiftType = .lsl
            inst.shiftAmount = UInt8(f(c))
        case let .cond(c):
            inst.cond = Condition(rawValue: UInt8(f(c))) ?? .al
        case let .list(c, extra):
            var l = UInt16(f(c))
            for e in extra where f(e.letter) != 0 { l |= 1 << UInt16(e.register) }
            inst.list |= l
        case let .fixedList(bits):
            inst.list |= bits
        case let .flag(c, flag):
            if f(c) != 0 { inst.flags.insert(flag) }
        case let .flags(flags):
            inst.flags.formUnion(flags)
        case let .indexAddWback(p, u, w):
            if f(p) != 0 { inst.flags.insert(.index) }
            if f(u) != 0 { inst.flags.insert(.add) }
            if f(w) != 0 { inst.flags.insert(.wback) }
        case let .addBit(u):
            inst.flags.insert(.index)
            if f(u) != 0 { inst.flags.insert(.add) }
        case .wbackUnlessBaseListed:
            // Runs after the list and base are decoded (listed last in the row).
            if inst.list & (1 << UInt16(inst.rn.rawValue)) == 0 { inst.flags.insert(.wback) }
        case let .rotation(c):
            inst.imm2 = UInt8(f(c) * 8)
        case let .itBlock(cond, mask):
            inst.cond = Condition(rawValue: UInt8(f(cond))) ?? .al
            inst.list = UInt16(f(mask))
        case let .parallelOp(p):
            inst.imm2 = p.rawValue
        }
    }
}

extension Instruction {
    @inlinable
    mutating func set(_ slot: Slot, _ reg: Reg) {
        switch slot {
        case .rd: rd = reg
        case .rn: rn = reg
        case .rm: rm = reg
        case .ra: ra = reg
        }
    }

    @inlinable
    public func reg(_ slot: Slot) -> Reg {
        switch slot {
        case .rd: rd
        case .rn: rn
        case .rm: rm
        case .ra: ra
        }
    }
}

// MARK: - Encode

extension OperandSpec {
    /// Field values that encode this operand of `inst`, or false if it cannot be encoded.
    func encode(_ row: EncodingRow, _ inst: Instruction, into v: inout FieldValues) -> Bool {
        func put(_ c: Character, _ value: UInt32) -> Bool {
            let w = row.width(c.ascii)
            guard w == 32 || value < (1 << UInt32(w)) else { return false }
            return v.set(c.ascii, value)
        }
        switch self {
        case let .reg(c, slot):
            return put(c, UInt32(inst.reg(slot).rawValue))
        case let .fixedReg(slot, reg):
            return inst.reg(slot) == reg
        case let .imm(c, shift):
            let mask = (UInt32(1) << UInt32(shift)) &- 1
            guard inst.imm & mask == 0 else { return false }
            return put(c, inst.imm >> UInt32(shift))
        case let .immNegated(c):
            let magnitude = 0 &- inst.imm
            guard inst.imm != 0 else { return false }
            return put(c, magnitude)
        case let .fixedImm(value):
            return inst.imm == value
        case let .imm2(c, bias):
            let value = Int(inst.imm2) - bias
            guard value >= 0 else { return false }
            return put(c, UInt32(value))
        case let .modifiedImm(c):
            guard let imm12 = ThumbImmediate.encodeModified(inst.imm) else { return false }
            return put(c, imm12)
        case let .imm16(hi, lo):
            guard inst.imm <= 0xFFFF else { return false }
            return put(hi, inst.imm >> 12) && put(lo, inst.imm & 0xFFF)
        case let .branchT1(c):
            guard inst.imm & 1 == 0, ThumbImmediate.fitsSigned(inst.imm, bits: 9) else { return false }
            return put(c, (inst.imm >> 1) & 0xFF)
        case let .branchT2(c):
            guard inst.imm & 1 == 0, ThumbImmediate.fitsSigned(inst.imm, bits: 12) else { return false }
            return put(c, (inst.imm >> 1) & 0x7FF)
        case .branchT3:
            let x = inst.imm
            guard x & 1 == 0, ThumbImmediate.fitsSigned(x, bits: 21) else { return false }
            return put("S", x >> 20 & 1) && put("K", x >> 19 & 1) && put("J", x >> 18 & 1)
                && put("i", x >> 12 & 0x3F) && put("j", x >> 1 & 0x7FF)
        case .branchT4:
            let x = inst.imm
            guard x & 1 == 0, ThumbImmediate.fitsSigned(x, bits: 25) else { return false }
            let s = x >> 24 & 1, i1 = x >> 23 & 1, i2 = x >> 22 & 1
            return put("S", s) && put("J", ~(i1 ^ s) & 1) && put("K", ~(i2 ^ s) & 1)
                && put("i", x >> 12 & 0x3FF) && put("j", x >> 1 & 0x7FF)
        case let .cbzOffset(c):
            guard inst.imm & 1 == 0 else { return false }
            return put(c, inst.imm >> 1)
        case let .shiftImm(amount, type):
            guard let (t, imm5) = ThumbImmediate.encodeShift(inst.shiftType, inst.shiftAmount) else {
                return false
            }
            if row.width(type.ascii) == 1 {
                guard t & 1 == 0 else { return false }
                return put(type, t >> 1) && put(amount, imm5)
            }
            return put(type, t) && put(amount, imm5)
        case let .shiftFixedType(type, amount):
            guard let (t, imm5) = ThumbImmediate.encodeShift(inst.shiftType, inst.shiftAmount),
                  t == UInt32(type.rawValue), inst.shiftType != .rrx || type == .ror
            else { return false }
            return put(amount, imm5)
        case let .shiftType(type):
            return inst.shiftType == type && inst.shiftAmount == 0
        case let .lslAmount(c):
            guard inst.shiftType == .lsl || inst.shiftAmount == 0 else { return false }
            return put(c, UInt32(inst.shiftAmount))
        case let .cond(c):
            return put(c, UInt32(inst.cond.rawValue))
        case let .list(c, extra):
            var l = UInt32(inst.list)
            for e in extra {
                let bit = UInt32(1) << UInt32(e.register)
                guard put(e.letter, l & bit != 0 ? 1 : 0) else { return false }
                l &= ~bit
            }
            // Bits claimed by fixedList specs are checked by them; mask them here.
            for case let .fixedList(bits) in row.operands { l &= ~UInt32(bits) }
            return put(c, l)
        case let .fixedList(bits):
            return inst.list & bits == bits
        case let .flag(c, flag):
            return put(c, inst.flags.contains(flag) ? 1 : 0)
        case let .flags(flags):
            return inst.flags.isSuperset(of: flags)
        case let .indexAddWback(p, u, w):
            return put(p, inst.flags.contains(.index) ? 1 : 0)
                && put(u, inst.flags.contains(.add) ? 1 : 0)
                && put(w, inst.flags.contains(.wback) ? 1 : 0)
        case let .addBit(u):
            guard inst.flags.contains(.index), !inst.flags.contains(.wback) else { return false }
            return put(u, inst.flags.contains(.add) ? 1 : 0)
        case .wbackUnlessBaseListed:
            let listed = inst.list & (1 << UInt16(inst.rn.rawValue)) != 0
            return inst.flags.contains(.wback) != listed
        case let .rotation(c):
            guard inst.imm2 % 8 == 0 else { return false }
            return put(c, UInt32(inst.imm2 / 8))
        case let .itBlock(cond, mask):
            return put(cond, UInt32(inst.cond.rawValue)) && put(mask, UInt32(inst.list))
        case let .parallelOp(p):
            return inst.imm2 == p.rawValue
        }
    }

    /// Flags this operand scheme accounts for; the encoder checks that an instruction
    /// carries no other addressing/modifier flags than the row can express.
    var expressedFlags: InstructionFlags {
        switch self {
        case let .flag(_, f): return f
        case let .flags(f): return f
        case .indexAddWback, .addBit: return [.index, .add, .wback]
        case .wbackUnlessBaseListed: return [.wback]
        case .modifiedImm: return [.immCarryValid, .immCarry]
        default: return []
        }
    }
}
