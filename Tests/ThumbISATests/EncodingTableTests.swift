import Testing
@testable import ThumbISA

/// The table's own consistency: no two encodings claim the same word, and every row's
/// encoder inverts its decoder.
@Suite struct EncodingTableTests {
    let rows = EncodingTable.rows

    @Test func rowNamesAreUnique() {
        var seen: [String: Int] = [:]
        for (i, r) in rows.enumerated() {
            #expect(seen[r.name] == nil, "duplicate row name \(r.name) at \(i)")
            seen[r.name] = i
        }
    }

    /// Two rows may share words only where one of them says "SEE the other" for exactly
    /// those field values (an exclusion whose every bit the other row fixes to that value).
    @Test func noTwoEncodingsOverlap() {
        func excludes(_ a: EncodingRow, _ b: EncodingRow) -> Bool {
            a.excluded.contains { cond in
                cond.terms.allSatisfy { term in
                    guard let bits = a.fields[term.letter] else { return false }
                    for (k, bit) in bits.enumerated() {
                        let want = (term.value >> UInt32(bits.count - 1 - k)) & 1
                        let m = UInt32(1) << UInt32(bit)
                        guard b.mask & m != 0, (b.match & m != 0 ? 1 : 0) == want else { return false }
                    }
                    return true
                }
            }
        }
        var overlaps: [String] = []
        for i in rows.indices {
            for j in rows.indices where j > i && rows[i].size == rows[j].size {
                let a = rows[i], b = rows[j]
                let common = a.mask & b.mask
                guard (a.match ^ b.match) & common == 0 else { continue }
                if !excludes(a, b) && !excludes(b, a) { overlaps.append("\(a.name) ~ \(b.name)") }
            }
        }
        #expect(overlaps.isEmpty, "overlapping encodings: \(overlaps)")
    }

    /// Exhaustive over all 16-bit halfwords: at most one row matches each.
    @Test func every16BitWordHasAtMostOneRow() {
        let rows16 = rows.filter { $0.size == 2 }
        var ambiguous: [String] = []
        for w in UInt32(0)...0xFFFF where !ThumbDecoder.is32Bit(UInt16(w)) {
            let m = rows16.filter { $0.matches(w) }
            if m.count > 1 { ambiguous.append(String(w, radix: 16) + ": " + m.map(\.name).joined(separator: ", ")) }
        }
        #expect(ambiguous.isEmpty, "\(ambiguous.prefix(10))")
    }

    /// For every row, random words matching it decode to that row, and re-encoding the
    /// decoded instruction gives the same word back (skipping UNPREDICTABLE words, which
    /// the encoder refuses by design).
    @Test func encodeInvertsDecode() {
        var rng = SplitMix64(seed: 0x5E25_1A00)
        var failures: [String] = []
        var checked = 0
        for (index, row) in rows.enumerated() {
            var hits = 0
            for _ in 0..<400 where hits < 60 {
                let word = (UInt32(truncatingIfNeeded: rng.next()) & ~row.mask | row.match)
                    & (row.size == 2 ? 0xFFFF : 0xFFFF_FFFF)
                guard row.matches(word) else { continue }
                let hw1 = UInt16(truncatingIfNeeded: row.size == 2 ? word : word >> 16)
                let hw2 = UInt16(truncatingIfNeeded: word)
                let inst = ThumbDecoder.shared.decode(hw1, hw2, arch: .v7em)
                guard Int(inst.row) == index else {
                    failures.append("\(row.name): \(String(word, radix: 16)) decoded as row \(inst.row)")
                    break
                }
                if row.isUnpredictable(word: word, decoded: inst) { continue }
                hits += 1
                var auto = inst
                auto.row = UInt16(index)
                let inIT = false
                do {
                    let e = try ThumbEncoder.encode(auto, arch: .v7em, inITBlock: inIT)
                    if e.word != word {
                        let back = ThumbDecoder.shared.decode(e.hw1, e.hw2, arch: .v7em)
                        // Distinct words may denote one instruction (e.g. a rotated immediate
                        // with two encodings); then the decoded instructions must agree.
                        if back != inst {
                            failures.append("\(row.name): \(String(word, radix: 16)) → \(String(e.word, radix: 16))")
                        }
                    }
                } catch {
                    failures.append("\(row.name): \(String(word, radix: 16)): \(error)")
                }
            }
            checked += hits
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(12))")
        #expect(checked > 5000)
    }

    @Test func architectureGatesEncodings() {
        // SMLAD r0, r1, r2, r3 (ARMv7E-M) is UNDEFINED on ARMv7-M and ARMv6-M cores.
        let smlad = ThumbDecoder.shared.decode(0xFB21, 0x3002, arch: .v7em)
        #expect(smlad.op == .smlad)
        #expect(ThumbDecoder.shared.decode(0xFB21, 0x3002, arch: .v7m).op == .undefined)
        // ADD.W r0, r1, #1 is ARMv7-M; UNDEFINED on ARMv6-M.
        #expect(ThumbDecoder.shared.decode(0xF101, 0x0001, arch: .v7m).op == .addImm)
        #expect(ThumbDecoder.shared.decode(0xF101, 0x0001, arch: .v6m).op == .undefined)
        // BL exists on ARMv6-M.
        #expect(ThumbDecoder.shared.decode(0xF000, 0xF800, arch: .v6m).op == .bl)
    }

    @Test func modifiedImmediates() {
        #expect(ThumbImmediate.expand(0x0AB).value == 0xAB)
        #expect(ThumbImmediate.expand(0x1AB).value == 0x00AB_00AB)
        #expect(ThumbImmediate.expand(0x2AB).value == 0xAB00_AB00)
        #expect(ThumbImmediate.expand(0x3AB).value == 0xABAB_ABAB)
        // 0x4FF: rotation 9 of 0xFF → 0x7F800000, carry = bit 31 = 0.
        let r = ThumbImmediate.expand(0x4FF)
        #expect(r.value == 0x7F80_0000 && r.carry == false)
        for v: UInt32 in [0, 1, 0xFF, 0x100, 0xFF00_0000, 0x8000_0000, 0x00FF_00FF, 0x0003_FC00] {
            let e = ThumbImmediate.encodeModified(v)
            #expect(e != nil, "\(v) should be encodable")
            if let e { #expect(ThumbImmediate.expand(e).value == v) }
        }
        #expect(ThumbImmediate.encodeModified(0x101) == nil)
    }
}

/// A small deterministic generator for reproducible random tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
