// Random valid instructions drawn from the encoding table, for differential testing of
// the executor against another emulator (in the manner of dynarmic's fuzz_thumb.cpp).
//
// Every word the generator returns matches its row, decodes back to that row (not to an
// earlier row that claims the same bits), is not UNPREDICTABLE by the row's static
// conditions, and respects the row's IT-block constraints for the position it is asked
// for. What an instruction may touch (PC, SP, memory) is the caller's policy: it passes
// a filter over rows and an acceptance test over the decoded instruction.

/// A small seedable generator (SplitMix64, Steele/Lea/Flood 2014) so that a failing
/// differential case can be reproduced from its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One generated instruction.
public struct GeneratedInstruction: Sendable {
    /// Index of the row in `EncodingTable.rows`.
    public var row: Int
    public var encoded: EncodedInstruction
    /// The instruction as the decoder sees it on the requested architecture.
    public var instruction: Instruction

    public init(row: Int, encoded: EncodedInstruction, instruction: Instruction) {
        self.row = row
        self.encoded = encoded
        self.instruction = instruction
    }
}

/// Where in an IT block a generated instruction will sit (rows constrain this, A7.3.3).
public enum ITSlot: Sendable {
    case outside
    case insideNotLast
    case last
}

public struct InstructionGenerator {
    public let arch: ArchLevel
    public var rng: SeededRandom
    /// Rows available on `arch`.
    public let candidateRows: [Int]

    public init(arch: ArchLevel, seed: UInt64) {
        self.arch = arch
        self.rng = SeededRandom(seed: seed)
        candidateRows = EncodingTable.rows.indices.filter { EncodingTable.rows[$0].arch <= arch }
    }

    /// A random word of one row that passes the row's own checks, or nil when `attempts`
    /// draws all failed (rows whose free fields are mostly UNPREDICTABLE).
    public mutating func generate(row index: Int, position: ITSlot = .outside,
                                  attempts: Int = 64) -> GeneratedInstruction? {
        let row = EncodingTable.rows[index]
        guard row.arch <= arch, InstructionGenerator.allowed(row, at: position) else { return nil }
        let sizeMask: UInt32 = row.size == 2 ? 0xFFFF : 0xFFFF_FFFF
        for _ in 0..<attempts {
            let word = ((UInt32(truncatingIfNeeded: rng.next()) & ~row.mask) | row.match) & sizeMask
            guard row.matches(word) else { continue }
            let hw1 = UInt16(truncatingIfNeeded: row.size == 2 ? word : word >> 16)
            let hw2 = UInt16(truncatingIfNeeded: row.size == 2 ? 0 : word)
            let inst = ThumbDecoder.shared.decode(hw1, hw2, arch: arch)
            guard Int(inst.row) == index, inst.op == row.op else { continue }
            guard !row.isUnpredictable(word: word, decoded: inst) else { continue }
            let encoded = EncodedInstruction(hw1: hw1, hw2: hw2, size: Int(row.size), row: UInt16(index))
            return GeneratedInstruction(row: index, encoded: encoded, instruction: inst)
        }
        return nil
    }

    /// A random instruction from the rows `rowFilter` admits whose decoded form `accept`
    /// admits. Rows are drawn uniformly, then fields. Nil after `attempts` failures.
    public mutating func generate(
        position: ITSlot = .outside, attempts: Int = 10_000,
        rowFilter: (EncodingRow) -> Bool, accept: (Instruction) -> Bool
    ) -> GeneratedInstruction? {
        let rows = candidateRows.filter {
            rowFilter(EncodingTable.rows[$0]) && InstructionGenerator.allowed(EncodingTable.rows[$0], at: position)
        }
        guard !rows.isEmpty else { return nil }
        for _ in 0..<attempts {
            let index = rows[Int(rng.next() % UInt64(rows.count))]
            if let g = generate(row: index, position: position, attempts: 8), accept(g.instruction) {
                return g
            }
        }
        return nil
    }

    /// The IT-block constraints of a row (the dynamic UNPREDICTABLE conditions).
    public static func allowed(_ row: EncodingRow, at position: ITSlot) -> Bool {
        for u in row.unpredictable {
            switch u {
            case .insideIT where position != .outside: return false
            case .insideITNotLast where position == .insideNotLast: return false
            default: continue
            }
        }
        return true
    }

    /// A random value in 0..<n.
    public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    /// A random 32-bit value, biased towards the edge cases of integer arithmetic.
    public mutating func interestingWord() -> UInt32 {
        switch rng.next() % 8 {
        case 0: return [0, 1, 0xFFFF_FFFF, 0x8000_0000, 0x7FFF_FFFF, 0x8000, 0x7FFF, 0xFFFF, 0x80, 0x7F, 0xFF, 0x1_0000][below(12)]
        case 1: return UInt32(truncatingIfNeeded: rng.next()) & 0xFF
        case 2: return UInt32(bitPattern: Int32(truncatingIfNeeded: Int64(below(65)) - 32))
        case 3: return UInt32(truncatingIfNeeded: rng.next()) & 0x8000_FFFF
        default: return UInt32(truncatingIfNeeded: rng.next())
        }
    }
}
