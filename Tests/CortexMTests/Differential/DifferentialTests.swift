import Foundation
import Testing
import ThumbISA
@testable import CortexM

/// sersim against Unicorn on random instruction streams from the encoding table: each case
/// step by step with the interpreter (every step compared), then whole with the block
/// translator (the final state compared).
///
/// The suite runs a bounded number of cases per core (a few seconds). For long runs:
/// `scripts/difftest/run-many` (sets SERSIM_DIFFTEST_CASES, SERSIM_DIFFTEST_SEED,
/// SERSIM_DIFFTEST_TARGETS and runs this test in a release build).
@Suite struct DifferentialTests {
    static let env = ProcessInfo.processInfo.environment
    static let cases = Int(env["SERSIM_DIFFTEST_CASES"] ?? "") ?? 150
    static let seed = UInt64(env["SERSIM_DIFFTEST_SEED"] ?? "") ?? 0x5E25_D1FF
    static let targets: [DiffTarget] = {
        guard let names = env["SERSIM_DIFFTEST_TARGETS"]?.split(separator: ",").map(String.init) else {
            return DiffTarget.all
        }
        return DiffTarget.all.filter { names.contains($0.name) }
    }()

    @Test(arguments: DifferentialTests.targets.map(\.name))
    func randomStreamsMatchUnicorn(_ name: String) throws {
        let target = DiffTarget.all.first { $0.name == name }!
        let oracle = try UnicornOracle()
        let sersim = try SersimDiffRunner(target: target)
        let translated = try SersimDiffRunner(target: target, engine: .translate)
        var builder = DiffCaseBuilder(target: target, seed: DifferentialTests.seed)
        var failures: [String] = []
        var instructions = 0
        var built = 0
        var covered = Set<Int>()
        // Distinct seeds per target, reproducible from SERSIM_DIFFTEST_SEED.
        let base = DifferentialTests.seed &+ UInt64(DiffTarget.all.firstIndex { $0.name == name } ?? 0) << 40
        for k in 0..<DifferentialTests.cases {
            let caseSeed = base &+ UInt64(k)
            guard let c = builder.make(seed: caseSeed) else { continue }
            built += 1
            let a = sersim.run(c)
            for pc in a.trace { if let r = c.instruction(at: pc)?.row { covered.insert(r) } }
            let b = try oracle.run(c, stops: a.states.map { $0.regs[15] })
            instructions += a.states.count
            if let d = compare(c, sersim: a, unicorn: b) {
                failures.append("case seed 0x\(String(caseSeed, radix: 16)) on \(target.name): \(d)\n\(c.listing(trace: a.trace))")
                if failures.count >= 5 { break }
            } else if b.fault == nil, let want = b.states.last {
                // The same case run whole by the block translator: its final state against
                // Unicorn's.
                let (got, fault) = translated.runWhole(c)
                if let d = compareFinal(c, translated: got, fault: fault, unicorn: want) {
                    failures.append("case seed 0x\(String(caseSeed, radix: 16)) on \(target.name), translated: \(d)\n"
                                    + c.listing(trace: a.trace))
                    if failures.count >= 5 { break }
                }
            }
        }
        #expect(built >= DifferentialTests.cases * 9 / 10, "only \(built) of \(DifferentialTests.cases) cases could be built")
        // Every encoding the policy admits must have been exercised (setup-only MOV aside).
        let missing = builder.eligibleRows.filter { !covered.contains($0) }.map { EncodingTable.rows[$0].name }
        #expect(missing.count <= builder.eligibleRows.count / 20,
                "\(missing.count) of \(builder.eligibleRows.count) encodings never generated: \(missing)")
        #expect(failures.isEmpty, "\(failures.count) differing cases (of \(built), \(instructions) steps):\n\(failures.joined(separator: "\n\n"))")
        if let out = DifferentialTests.env["SERSIM_DIFFTEST_REPORT"] {
            let line = "\(target.name): \(built) cases, \(instructions) instructions, \(failures.count) differing, "
                + "\(covered.count) encodings; never generated: \(missing)\n"
            if let h = FileHandle(forWritingAtPath: out) {
                h.seekToEndOfFile()
                h.write(Data(line.utf8))
            } else {
                FileManager.default.createFile(atPath: out, contents: Data(line.utf8))
            }
        }
    }
}
