import Testing
@testable import ThumbISA

/// Decoder completeness: the table covers every operation, every instruction of the
/// gcc/newlib corpus decodes on its own core, and encodings newer than a core's
/// architecture are undefined on it (an ARMv7-M instruction faults on a Cortex-M0+).
@Suite struct DecoderCoverageTests {
    @Test func tableCoversEveryOp() {
        let covered = Set(EncodingTable.rows.map(\.op))
        let missing = Op.allCases.filter { $0 != .undefined && !covered.contains($0) }
        #expect(missing.isEmpty, "operations without an encoding: \(missing)")
    }

    static func arch(of corpusName: String) -> ArchLevel {
        corpusName.hasPrefix("cortex-m0plus") ? .v6m : .v7em
    }

    /// Decoded for the core it was built for, every instruction of the corpus is defined,
    /// and the listing still equals objdump's (which knows no cores).
    @Test(arguments: Corpus.names)
    func corpusDecodesOnItsCore(_ name: String) throws {
        let arch = Self.arch(of: name)
        let image = try Corpus.image(name)
        let listings = Corpus.listings(image, arch: arch)
        var instructions = 0
        var undefined: [String] = []
        for listing in listings {
            for line in listing.lines() {
                guard case let .instruction(inst, _) = line.content else { continue }
                instructions += 1
                if inst.op == .undefined { undefined.append(String(line.address, radix: 16)) }
            }
        }
        #expect(undefined.isEmpty, "undefined on \(arch) at \(undefined.prefix(20))")
        #expect(instructions > 3000)
        let ours = ObjdumpText.render(fileName: name + ".elf", listings: listings)
        #expect(ours == (try Corpus.golden(name)))
    }

    /// Cortex-M4 code is not ARMv6-M code: decoded for a Cortex-M0+, its Thumb-2
    /// instructions are undefined.
    @Test func cortexM4CodeIsUndefinedOnARMv6M() throws {
        let listings = Corpus.listings(try Corpus.image("cortex-m4-O2"), arch: .v6m)
        var undefined = 0
        for listing in listings {
            for line in listing.lines() {
                if case let .instruction(inst, _) = line.content, inst.op == .undefined {
                    let op = inst.encodingRow?.op
                    #expect(inst.size == 4 || op == .cbz || op == .cbnz || op == .it,
                            "16-bit encodings new in ARMv7-M are CBZ, CBNZ and IT")
                    undefined += 1
                }
            }
        }
        #expect(undefined > 500)
    }

    /// Every row: words of it decode on its architecture and above, and are undefined
    /// (keeping their size, for the fault report) below it.
    @Test func encodingsAreGatedByArchitecture() {
        var rng = SplitMix64(seed: 0xA6C4_0001)
        var failures: [String] = []
        for (index, row) in EncodingTable.rows.enumerated() {
            for _ in 0..<8 {
                let word = (UInt32(truncatingIfNeeded: rng.next()) & ~row.mask | row.match)
                    & (row.size == 2 ? 0xFFFF : 0xFFFF_FFFF)
                guard row.matches(word) else { continue }
                let hw1 = UInt16(truncatingIfNeeded: row.size == 2 ? word : word >> 16)
                let hw2 = UInt16(truncatingIfNeeded: word)
                for arch in ArchLevel.allCases {
                    let inst = ThumbDecoder.shared.decode(hw1, hw2, arch: arch)
                    if arch >= row.arch {
                        if Int(inst.row) != index || inst.op != row.op { failures.append("\(row.name) on \(arch)") }
                    } else if inst.op != .undefined || inst.size != row.size || !inst.isUndefinedOnThisCore {
                        failures.append("\(row.name) defined on \(arch)")
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(Set(failures).sorted().prefix(20))")
        // The ARMv6-M set (DDI 0419E A5.2, A5.3): 16-bit Thumb without CBZ/CBNZ/IT, plus
        // BL, MSR, MRS, DMB, DSB, ISB and UDF.W.
        let v6m32 = Set(EncodingTable.rows.filter { $0.arch == .v6m && $0.size == 4 }.map(\.op))
        #expect(v6m32 == [.bl, .msr, .mrs, .dmb, .dsb, .isb, .udf])
        let v7m16 = Set(EncodingTable.rows.filter { $0.arch > .v6m && $0.size == 2 }.map(\.op))
        #expect(v7m16 == [.cbz, .cbnz, .it])
    }
}

/// Listings of arbitrary bytes (random code, data marks at odd addresses, symbols
/// anywhere) never trap: `sersim disasm` must survive any input file.
@Suite struct ListingRobustnessTests {
    @Test func randomSectionsListWithoutTrapping() {
        var rng = SplitMix64(seed: 0xF022_0001)
        for round in 0..<200 {
            let count = Int(rng.next() % 300)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let base = round % 3 == 0 ? UInt32.max - UInt32(count / 2) : UInt32(truncatingIfNeeded: rng.next()) & ~1
            let marks = (0..<Int(rng.next() % 6)).map { _ in
                MappingMark(address: base &+ UInt32(rng.next() % UInt64(count + 1)),
                            kind: [.thumb, .data, .arm][Int(rng.next() % 3)], section: ".text")
            }
            let symbols = (0..<Int(rng.next() % 6)).map { k in
                ListingSymbol(name: "s\(k)", address: base &+ UInt32(rng.next() % UInt64(count + 2)), section: ".text")
            }
            let listings = Listing.listings(sections: [CodeSection(name: ".text", address: base, bytes: bytes)],
                                            symbols: symbols, marks: marks, arch: [.v6m, .v7m, .v7em][round % 3])
            let text = ObjdumpText.render(fileName: "random", listings: listings, showRawBytes: round % 2 == 0)
            #expect(text.contains("Disassembly of section .text:"))
        }
    }
}

extension DecoderCoverageTests {
    /// Fault reports show an instruction on one line; one a core lacks says why.
    @Test func oneLineText() {
        let adds = ThumbDecoder.shared.decode16(0x1C48, arch: .v6m)  // adds r0, r1, #1
        #expect(Disassembler.text(adds, address: 0x100) == "adds r0, r1, #1")
        #expect(Disassembler.text(adds, address: 0x100, itCondition: .eq) == "addeq r0, r1, #1")
        let udiv = ThumbDecoder.shared.decode32(0xFBB1, 0xF0F2, arch: .v6m)  // udiv r0, r1, r2
        #expect(Disassembler.text(udiv, address: 0x100) == "<undefined: UDIV T1 needs ARMv7-M>")
        #expect(Disassembler.text(ThumbDecoder.shared.decode32(0xFBB1, 0xF0F2, arch: .v7m), address: 0) == "udiv r0, r1, r2")
        let b = ThumbDecoder.shared.decode16(0xE7FE, arch: .v6m)  // b . (no symbols: 0x target)
        #expect(Disassembler.text(b, address: 0x200) == "b.n 0x200")
    }
}
