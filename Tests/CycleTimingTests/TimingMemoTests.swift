import BoardProfiles
import ELFFile
import Foundation
import Testing
@testable import CortexM
@testable import CycleTiming

/// The Cortex-M7 model's per-instruction memos (`TimingMemo`) must not change a single
/// count: each firmware fixture runs twice through the machine's hot loop, with memos and
/// with the rules evaluated at every instruction, and the whole statistics must agree.
/// With the L1 caches on, fetch bubbles and data stalls vary from one pass of a loop to
/// the next, which exercises the memo's dynamic inputs.
@Suite struct TimingMemoTests {
    static let firmware = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CortexMTests/Fixtures/firmware")

    struct Case: CustomTestStringConvertible, Sendable {
        var elf: String
        var caches: Bool
        var testDescription: String { elf + (caches ? " (I/D caches on)" : "") }
    }

    static let cases: [Case] = ["benchmac-m7-O2", "crc-m7-O0", "crc-m7-O2", "dsp-m7-O2", "matmul-m7-O3", "sort-m7-Os",
                                "handlers-m7-O2", "stdio-m7-O2"].flatMap { name in
        [false, true].map { Case(elf: name + "-stm32f746.elf", caches: $0) }
    }

    struct Outcome: Equatable {
        var statistics: TimingStatistics
        var output: String
        var stop: String
    }

    func run(_ c: Case, memoize: Bool) throws -> (Outcome, misses: UInt64) {
        let board = try BoardLibrary.load("stm32f746")
        let image = try ELFReader.read(path: TimingMemoTests.firmware.appendingPathComponent(c.elf).path)
        let m = try Machine(board: board)
        try m.load(image)
        m.timer.memoize = memoize
        if c.caches { m.timer.setCacheEnables(ccr: 1 << 17 | 1 << 16) }
        let stop = try m.run(maxCycles: 20_000_000)
        let outcome = Outcome(statistics: m.timer.statistics, output: String(decoding: m.semihosting.stdout + m.semihosting.stderr, as: UTF8.self),
                              stop: "\(stop)")
        return (outcome, m.timer.memoMisses)
    }

    @Test(arguments: cases)
    func memosChangeNoCount(_ c: Case) throws {
        let (with, misses) = try run(c, memoize: true)
        let (without, _) = try run(c, memoize: false)
        #expect(with == without)
        #expect(with.stop.hasPrefix("exited"), "\(with.stop)")
        // The memos were used: most instructions of these loops took one.
        if c.elf.hasPrefix("benchmac") || c.elf.hasPrefix("crc") {
            #expect(misses * 4 < with.statistics.instructions, "\(misses) misses in \(with.statistics.instructions)")
        }
    }
}
