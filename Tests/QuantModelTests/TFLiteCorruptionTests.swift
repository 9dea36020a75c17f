import Foundation
import Testing
@testable import QuantModel

/// Damaged .tflite files must be clear errors, never traps or runaway allocations. A
/// mutated file may still be a valid model (a changed weight byte); then it must import and
/// validate.
@Suite struct TFLiteCorruptionTests {
    /// SplitMix64, so failures reproduce.
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    @Test(arguments: ["lstm_tiny", "elementwise"])
    func everyTruncationIsAnError(name: String) throws {
        let bytes = try IOFixtures.bytes(name)
        for length in 0..<bytes.count {
            let cut = Array(bytes[0..<length])
            #expect(throws: TFLiteImportError.self, "length \(length)") {
                _ = try TFLiteImporter.importModel(bytes: cut, name: name)
            }
        }
    }

    @Test(arguments: IOFixtures.importable)
    func randomMutationsNeverTrap(name: String) throws {
        let bytes = try IOFixtures.bytes(name)
        var rng = Rng(state: UInt64(bytes.count) &* 7919)
        var rejected = 0
        let rounds = 1500
        for _ in 0..<rounds {
            var damaged = bytes
            for _ in 0..<(1 + rng.below(4)) {
                let at = rng.below(damaged.count)
                switch rng.below(3) {
                case 0: damaged[at] ^= UInt8(1 << rng.below(8))
                case 1: damaged[at] = UInt8(truncatingIfNeeded: rng.next())
                default: damaged[at] = [0x00, 0xFF, 0x7F, 0x80][rng.below(4)]
                }
            }
            do {
                let result = try TFLiteImporter.importModel(bytes: damaged, name: name)
                try result.model.validate()
            } catch {
                rejected += 1
                #expect(!"\(error)".isEmpty)
            }
        }
        // Most bytes of a small model are structure, so most damage must be caught.
        #expect(rejected > rounds / 4)
    }

    @Test func sharedTablesDoNotAmplify() throws {
        // 20,000 tensor slots all pointing at one tensor with a 200 KB name.
        let bytes = try IOFixtures.bytes("crafted_shared_name_bomb")
        do {
            _ = try TFLiteImporter.importModel(bytes: bytes, name: "bomb")
            Issue.record("bomb imported")
        } catch {
            guard case .malformed(let e) = error else { Issue.record("unexpected \(error)"); return }
            #expect(e.reason.contains("refusing to expand"))
        }
    }

    @Test func offsetPastEndIsNamed() throws {
        var bytes = try IOFixtures.bytes("lstm_tiny")
        // The root offset pointing outside the file.
        bytes.replaceSubrange(0..<4, with: [0xF0, 0xFF, 0xFF, 0x00])
        do {
            _ = try TFLiteImporter.importModel(bytes: bytes, name: "x")
            Issue.record("imported")
        } catch {
            guard case .malformed(let e) = error else { Issue.record("unexpected \(error)"); return }
            #expect(e.field == "model")
            #expect(e.reason.contains("past the end"))
        }
    }
}
