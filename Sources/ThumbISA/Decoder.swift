// Decoding built once from the encoding table: a 65,536-entry table for 16-bit
// halfwords, and for 32-bit instructions a bucket of candidate rows per first halfword.
// Executors cache decoded instructions per address, so this runs once per instruction
// address, not once per execution.

public struct ThumbDecoder: Sendable {
    /// The shared decoder (the tables are built on first use, ~10 ms).
    public static let shared = ThumbDecoder()

    /// Row index + 1 for each 16-bit halfword; 0 = no 16-bit encoding.
    private let table16: [UInt16]
    /// Candidate 32-bit rows per first halfword (indexed by hw1 & 0x1FFF; the top three
    /// bits of a 32-bit first halfword are always 111).
    private let buckets32: [[UInt16]]

    /// Does this first halfword start a 32-bit instruction (A5.1)?
    @inlinable
    public static func is32Bit(_ hw1: UInt16) -> Bool { hw1 >> 11 >= 0b11101 }

    private init() {
        let rows = EncodingTable.rows
        var t16 = [UInt16](repeating: 0, count: 65536)
        var b32 = [[UInt16]](repeating: [], count: 0x2000)
        for (index, row) in rows.enumerated() where row.size == 2 {
            // Enumerate the free bits of the row's pattern.
            let free = ~row.mask & 0xFFFF
            var sub: UInt32 = 0
            repeat {
                let word = row.match | sub
                if row.matches(word) && t16[Int(word)] == 0 { t16[Int(word)] = UInt16(index + 1) }
                sub = (sub &- free) & free
            } while sub != 0
        }
        for (index, row) in rows.enumerated() where row.size == 4 {
            let hwMask = row.mask >> 16, hwMatch = row.match >> 16
            for hw1 in UInt32(0xE800)...0xFFFF where hw1 & hwMask == hwMatch {
                b32[Int(hw1 & 0x1FFF)].append(UInt16(index))
            }
        }
        table16 = t16
        buckets32 = b32
    }

    /// Decode a 16-bit instruction.
    public func decode16(_ hw: UInt16, arch: ArchLevel) -> Instruction {
        let entry = table16[Int(hw)]
        guard entry != 0 else { return .undefined }
        return build(row: Int(entry - 1), word: UInt32(hw), arch: arch)
    }

    /// Decode a 32-bit instruction from its two halfwords (in memory order).
    public func decode32(_ hw1: UInt16, _ hw2: UInt16, arch: ArchLevel) -> Instruction {
        let word = UInt32(hw1) << 16 | UInt32(hw2)
        for index in buckets32[Int(hw1 & 0x1FFF)] where EncodingTable.rows[Int(index)].matches(word) {
            return build(row: Int(index), word: word, arch: arch)
        }
        var u = Instruction.undefined
        u.size = 4
        return u
    }

    /// Decode the instruction whose first halfword is `hw1`; `hw2` is read only for
    /// 32-bit encodings.
    public func decode(_ hw1: UInt16, _ hw2: UInt16, arch: ArchLevel) -> Instruction {
        ThumbDecoder.is32Bit(hw1) ? decode32(hw1, hw2, arch: arch) : decode16(hw1, arch: arch)
    }

    /// Every row that matches a word (the overlap tests use this).
    public func matchingRows(_ word: UInt32, size: Int) -> [Int] {
        EncodingTable.rows.indices.filter {
            EncodingTable.rows[$0].size == size && EncodingTable.rows[$0].matches(word)
        }
    }

    private func build(row index: Int, word: UInt32, arch: ArchLevel) -> Instruction {
        let row = EncodingTable.rows[index]
        var inst = Instruction(row.op, row: UInt16(index), size: row.size)
        // An encoding the core's architecture does not have is UNDEFINED on that core.
        guard row.arch <= arch else {
            var u = Instruction.undefined
            u.size = row.size
            u.row = UInt16(index)
            return u
        }
        for spec in row.operands { spec.decode(row, word, into: &inst) }
        switch row.setFlags {
        case .never, .always: break
        case .sBit: if row.extract(UInt8(ascii: "S"), from: word) != 0 { inst.flags.insert(.setFlags) }
        case .outsideIT: inst.flags.insert(.setFlagsOutsideIT)
        }
        return inst
    }
}

extension Instruction {
    /// The encoding row, if the instruction was decoded or encoded with one.
    public var encodingRow: EncodingRow? {
        Int(row) < EncodingTable.rows.count ? EncodingTable.rows[Int(row)] : nil
    }

    /// Was the instruction's row one that exists, but not on the core it was decoded for?
    public var isUndefinedOnThisCore: Bool { op == .undefined && encodingRow != nil }
}
