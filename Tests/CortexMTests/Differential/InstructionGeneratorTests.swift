import Testing
import ThumbISA

/// The generator behind the differential tests: what it produces is valid by the table's
/// own rules, reproducible from its seed, and covers the table.
@Suite struct InstructionGeneratorTests {
    @Test(arguments: [ArchLevel.v6m, .v7m, .v7em])
    func everyRowYieldsValidWords(_ arch: ArchLevel) {
        var gen = InstructionGenerator(arch: arch, seed: 99)
        var produced = 0
        for index in gen.candidateRows {
            let row = EncodingTable.rows[index]
            #expect(row.arch <= arch)
            for _ in 0..<8 {
                guard let g = gen.generate(row: index) else { continue }
                produced += 1
                let decoded = ThumbDecoder.shared.decode(g.encoded.hw1, g.encoded.hw2, arch: arch)
                #expect(Int(decoded.row) == index, "\(row.name): decodes as row \(decoded.row)")
                #expect(decoded == g.instruction)
                #expect(!row.isUnpredictable(word: g.encoded.word, decoded: decoded), "\(row.name) \(String(g.encoded.word, radix: 16))")
                #expect(g.encoded.size == Int(row.size))
            }
        }
        #expect(produced > gen.candidateRows.count * 4)
        // Nothing newer than the architecture.
        #expect(!gen.candidateRows.contains { EncodingTable.rows[$0].arch > arch })
    }

    @Test func sameSeedSameInstructions() {
        var a = InstructionGenerator(arch: .v7em, seed: 7), b = InstructionGenerator(arch: .v7em, seed: 7)
        for _ in 0..<200 {
            let x = a.generate(rowFilter: { _ in true }, accept: { _ in true })
            let y = b.generate(rowFilter: { _ in true }, accept: { _ in true })
            #expect(x?.encoded == y?.encoded)
        }
    }

    /// IT-block positions: rows that may not sit in an IT block (CBZ, IT, B<c>...) are
    /// never produced there, and rows that must be last only as the last.
    @Test func itBlockConstraints() {
        var gen = InstructionGenerator(arch: .v7em, seed: 3)
        for _ in 0..<2000 {
            guard let g = gen.generate(position: .insideNotLast, rowFilter: { _ in true }, accept: { _ in true }) else { continue }
            let row = EncodingTable.rows[g.row]
            // CBZ/CBNZ/IT/B<c>: never in a block; B, BL, BX-like: only last.
            #expect(![.cbz, .cbnz, .it, .b, .bl].contains(row.op), "\(row.name) inside an IT block, not last")
            #expect(!row.unpredictable.contains { if case .insideITNotLast = $0 { true } else { false } })
        }
    }
}
