// Encoding from the same table: pick a row for the instruction's operation whose operand
// schemes can express the operands, fill the fields, and check that the word decodes
// back to a row of its own (no "SEE" exclusion hit) and is not UNPREDICTABLE.

/// An encoded instruction: one or two halfwords in memory order.
public struct EncodedInstruction: Hashable, Sendable {
    public var hw1: UInt16
    public var hw2: UInt16
    public var size: Int
    public var row: UInt16

    /// The halfwords in memory order.
    public var halfwords: [UInt16] { size == 2 ? [hw1] : [hw1, hw2] }
    /// Little-endian bytes in memory order.
    public var bytes: [UInt8] {
        halfwords.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }
    /// The 16- or 32-bit word as the ARM ARM writes it (hw1:hw2).
    public var word: UInt32 { size == 2 ? UInt32(hw1) : UInt32(hw1) << 16 | UInt32(hw2) }
}

public struct EncodingError: Error, CustomStringConvertible, Sendable {
    public var instruction: Instruction
    public var reason: String
    public var description: String { "cannot encode \(instruction.op): \(reason)" }
}

public enum ThumbEncoder {
    /// Rows per op in encoder preference order (16-bit first, then table order).
    private static let rowsByOp: [[UInt16]] = {
        var byOp = [[UInt16]](repeating: [], count: Op.allCases.count)
        for (i, row) in EncodingTable.rows.enumerated() { byOp[Int(row.op.rawValue)].append(UInt16(i)) }
        return byOp.map { list in
            list.sorted { a, b in
                let ra = EncodingTable.rows[Int(a)], rb = EncodingTable.rows[Int(b)]
                return ra.size != rb.size ? ra.size < rb.size : a < b
            }
        }
    }()

    /// Encode an instruction for a core of architecture `arch`. With `inst.row` set, that
    /// encoding is used (or an error explains why it cannot be); otherwise the first row
    /// that fits, 16-bit encodings first. `inITBlock` matters for 16-bit data-processing
    /// encodings, which set flags only outside IT blocks.
    public static func encode(
        _ inst: Instruction, arch: ArchLevel = .v7em, inITBlock: Bool = false
    ) throws -> EncodedInstruction {
        if inst.row != EncodingTable.auto {
            guard Int(inst.row) < EncodingTable.rows.count else {
                throw EncodingError(instruction: inst, reason: "no encoding row \(inst.row)")
            }
            let row = EncodingTable.rows[Int(inst.row)]
            guard row.arch <= arch else {
                throw EncodingError(instruction: inst, reason: "\(row.name) needs \(row.arch), the core is \(arch)")
            }
            if let e = encode(inst, row: Int(inst.row), inITBlock: inITBlock) { return e }
            throw EncodingError(instruction: inst, reason: "operands do not fit \(row.name)")
        }
        let candidates = rowsByOp[Int(inst.op.rawValue)]
        for index in candidates where EncodingTable.rows[Int(index)].arch <= arch {
            if let e = encode(inst, row: Int(index), inITBlock: inITBlock) { return e }
        }
        let names = candidates.map { EncodingTable.rows[Int($0)].name }.joined(separator: ", ")
        throw EncodingError(
            instruction: inst,
            reason: candidates.isEmpty ? "no encoding" : "operands fit none of \(names) on \(arch)")
    }

    /// Encode with one specific row, or nil.
    public static func encode(_ inst: Instruction, row index: Int, inITBlock: Bool) -> EncodedInstruction? {
        let row = EncodingTable.rows[index]
        guard row.op == inst.op else { return nil }
        var fields = FieldValues()
        var expressed: InstructionFlags = [.setFlags, .setFlagsOutsideIT]
        for spec in row.operands {
            guard spec.encode(row, inst, into: &fields) else { return nil }
            expressed.formUnion(spec.expressedFlags)
        }
        // Flags the row cannot express must not be requested.
        guard inst.flags.subtracting(expressed).isEmpty else { return nil }
        // Registers, immediates and lists not named by any spec must be at their defaults,
        // so that an instruction never silently loses an operand.
        guard unusedOperandsAreDefault(inst, row) else { return nil }

        let wantsFlags = inst.flags.contains(.setFlags)
        switch row.setFlags {
        case .never:
            guard !wantsFlags, !inst.flags.contains(.setFlagsOutsideIT) else { return nil }
        case .always:
            break
        case .sBit:
            guard fields.set(UInt8(ascii: "S"), wantsFlags ? 1 : 0) else { return nil }
        case .outsideIT:
            if !inst.flags.contains(.setFlagsOutsideIT) && wantsFlags == inITBlock { return nil }
        }

        var word = row.match
        for (letter, _) in row.fields {
            row.deposit(letter, fields[letter], into: &word)
        }
        guard row.matches(word) else { return nil }  // hit a "SEE" exclusion
        let decoded = ThumbDecoder.shared.decode(
            UInt16(truncatingIfNeeded: row.size == 2 ? word : word >> 16),
            UInt16(truncatingIfNeeded: word), arch: .v7em)
        guard Int(decoded.row) == index else { return nil }
        guard !row.isUnpredictable(word: word, decoded: decoded) else { return nil }
        if row.size == 2 {
            return EncodedInstruction(hw1: UInt16(word), hw2: 0, size: 2, row: UInt16(index))
        }
        return EncodedInstruction(hw1: UInt16(word >> 16), hw2: UInt16(word & 0xFFFF), size: 4, row: UInt16(index))
    }

    private static func unusedOperandsAreDefault(_ inst: Instruction, _ row: EncodingRow) -> Bool {
        var slots: Set<Slot> = []
        var usesImm = false, usesImm2 = false, usesShift = false, usesCond = false, usesList = false
        for spec in row.operands {
            switch spec {
            case let .reg(_, s), let .fixedReg(s, _): slots.insert(s)
            case .imm, .immNegated, .fixedImm, .modifiedImm, .imm16, .branchT1, .branchT2, .branchT3,
                 .branchT4, .cbzOffset:
                usesImm = true
            case .imm2, .rotation, .parallelOp: usesImm2 = true
            case .shiftImm, .shiftFixedType, .shiftType, .lslAmount: usesShift = true
            case .cond: usesCond = true
            case .list, .fixedList: usesList = true
            case .itBlock: usesCond = true; usesList = true
            case .flag, .flags, .indexAddWback, .addBit, .wbackUnlessBaseListed: break
            }
        }
        for s in [Slot.rd, .rn, .rm, .ra] where !slots.contains(s) && inst.reg(s) != .r0 { return false }
        if !usesImm && inst.imm != 0 { return false }
        if !usesImm2 && inst.imm2 != 0 { return false }
        if !usesShift && (inst.shiftType != .lsl || inst.shiftAmount != 0) { return false }
        if !usesCond && inst.cond != .al { return false }
        if !usesList && inst.list != 0 { return false }
        return true
    }
}

extension EncodingRow {
    /// Is this word UNPREDICTABLE by the row's static conditions (those that do not
    /// depend on IT state)?
    public func isUnpredictable(word: UInt32, decoded: Instruction) -> Bool {
        func f(_ c: Character) -> UInt32 { extract(c.ascii, from: word) }
        for u in unpredictable {
            switch u {
            case let .reg(c, regs):
                if fields[c.ascii] != nil && regs.contains(UInt8(f(c))) { return true }
            case let .when(cond):
                if cond.terms.allSatisfy({ extract($0.letter, from: word) == $0.value }) { return true }
            case let .listCountBelow(n):
                if decoded.list.nonzeroBitCount < n { return true }
            case .listHasBaseWithWriteback:
                if decoded.flags.contains(.wback) && decoded.list & (1 << UInt16(decoded.rn.rawValue)) != 0 {
                    return true
                }
            case let .regsEqual(a, b):
                if f(a) == f(b) { return true }
            case let .wbackAndRegsEqual(a, b):
                if decoded.flags.contains(.wback) && f(a) == f(b) { return true }
            case let .fieldsDiffer(a, b):
                if f(a) != f(b) { return true }
            case let .fieldLess(a, than):
                if than.contains(where: { f(a) < f($0) }) { return true }
            case let .fieldsSumAbove(letters, limit):
                if letters.reduce(0, { $0 + Int(f($1)) }) > limit { return true }
            case .listHasPCAndLR:
                if decoded.list & 0xC000 == 0xC000 { return true }
            case let .listHas(r):
                if decoded.list & (1 << UInt16(r)) != 0 { return true }
            case .insideITNotLast, .insideIT:
                break  // depends on IT state, checked by the executor/disassembler context
            }
        }
        return false
    }
}
