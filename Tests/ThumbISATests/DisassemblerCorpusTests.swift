import Foundation
import Testing
import ThumbISA

/// sersim's disassembly of real gcc/newlib code against `arm-none-eabi-objdump -d
/// --no-show-raw-insn` (binutils 2.40), line by line. objdump's "@" comments and
/// "<symbol>" annotations are normalised away; everything else must be identical.
@Suite struct DisassemblerCorpusTests {
    @Test(arguments: Corpus.names)
    func matchesObjdump(_ name: String) throws {
        let image = try Corpus.image(name)
        let ours = ObjdumpText.render(fileName: name + ".elf", listings: Corpus.listings(image))
        let theirs = try Corpus.golden(name)
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false).map(ObjdumpText.normalize)
        let b = theirs.split(separator: "\n", omittingEmptySubsequences: false).map(ObjdumpText.normalize)
        var mismatches: [String] = []
        for k in 0..<max(a.count, b.count) {
            let x = k < a.count ? a[k] : "<missing>", y = k < b.count ? b[k] : "<missing>"
            if x != y { mismatches.append("line \(k + 1): sersim `\(x)` objdump `\(y)`") }
        }
        let report = "\(name): \(mismatches.count) of \(b.count) lines differ:\n" + mismatches.prefix(40).joined(separator: "\n")
        #expect(mismatches.isEmpty, Comment(rawValue: report))
        #expect(b.count > 4000)
    }
}

extension DisassemblerCorpusTests {
    /// Beyond the normalised comparison: objdump's comments and symbol annotations too.
    @Test(arguments: Corpus.names)
    func matchesObjdumpVerbatim(_ name: String) throws {
        let image = try Corpus.image(name)
        let ours = ObjdumpText.render(fileName: name + ".elf", listings: Corpus.listings(image))
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
        let b = try Corpus.golden(name).split(separator: "\n", omittingEmptySubsequences: false)
        var mismatches: [String] = []
        for k in 0..<max(a.count, b.count) {
            let x = k < a.count ? a[k] : "<missing>", y = k < b.count ? b[k] : "<missing>"
            if x != y { mismatches.append("line \(k + 1): sersim `\(x)` objdump `\(y)`") }
        }
        let report = "\(name): \(mismatches.count) of \(b.count) lines differ:\n" + mismatches.prefix(40).joined(separator: "\n")
        #expect(mismatches.isEmpty, Comment(rawValue: report))
    }
}
