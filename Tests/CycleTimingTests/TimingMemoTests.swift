import BoardProfiles
import ELFFile
import Foundation
import Testing
@testable import CortexM
@testable import CycleTiming
import ThumbISA

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

/// The memo key reads a record's transfer count and flags as one 16-bit field
/// (`RecordRef.beatsAndBits`): that needs `bits` right after `beats`, little-endian.
@Suite struct RecordLayoutTests {
    @Test func beatsAndBitsAreOneLittleEndianField() {
        #expect(MemoryLayout<ExecutionRecord>.offset(of: \ExecutionRecord.beats) == ExecutionRecord.beatsOffset)
        #expect(MemoryLayout<ExecutionRecord>.offset(of: \ExecutionRecord.bits) == ExecutionRecord.beatsOffset + 1)
        var rec = ExecutionRecord()
        rec.noteAccess(0x2000_0000, bytes: 4, write: true, region: 0)
        rec.noteAccess(0x2000_0004, bytes: 4, write: true, region: 0)
        let both = withUnsafePointer(to: &rec) { RecordRef($0).beatsAndBits }
        #expect(both == UInt16(2) | UInt16(ExecutionRecord.Bit.executed | ExecutionRecord.Bit.write) << 8)
    }
}

/// The Cortex-M4 rules copy the previous instruction's class, flags, written and loaded
/// registers as the first eight bytes of its `StaticTiming` (`CoreTimer.prevInfo`).
@Suite struct StaticTimingLayoutTests {
    @Test func previousInstructionFieldsAreTheFirstEightBytes() {
        #expect(MemoryLayout<StaticTiming>.offset(of: \StaticTiming.opClass) == 0)
        #expect(MemoryLayout<StaticTiming>.offset(of: \StaticTiming.flags) == 1)
        #expect(MemoryLayout<StaticTiming>.offset(of: \StaticTiming.writes) == 2)
        #expect(MemoryLayout<StaticTiming>.offset(of: \StaticTiming.loaded) == 4)
        #expect(MemoryLayout<StaticTiming>.size >= 8)
    }

    @Test func loadedLeavesOutTheWriteBackBase() {
        #expect(StaticTiming(writes: 0b1_0011, base: 4).loaded == 0b0_0011)
        #expect(StaticTiming(writes: 0b1_0011).loaded == 0b1_0011)
    }
}

/// A memo's 32-bit hit count wraps in a long enough run: each wrap must hand over 2^32
/// applications' worth of counters, and the flush the rest.
@Suite struct MemoHitCountTests {
    @Test func aWrappedHitCountHandsOverTwoToThe32Applications() throws {
        let timer = try CoreTimer(kind: .cortexM7, board: TimingRig.board(.cortexM7), clockHz: 100e6)
        var e = TimingMemo.Entry()
        e.dual = 1
        e.interlock = 2
        timer.creditWrapped(&e)  // the count went from UInt32.max to 0
        e.hits = 5
        timer.flush(&e)
        let s = timer.statistics
        #expect(s.dualIssued == (1 << 32) + 5)
        #expect(s.stalls.interlock == 2 * ((1 << 32) + 5))
        #expect(e.hits == 0)
    }
}

/// The state table's tokens: equal states get equal tokens, and when the table fills up
/// it starts over with new numbers, so a memo recorded before can never match again.
@Suite struct M7StateTableTests {
    func key(_ i: Int) -> M7StateTable.Key {
        M7StateTable.Key(lo: UInt64(i & 0xFF) | UInt64((i >> 8) & 0xFF) << 8, hi: UInt64(i >> 16), units: 0x100)
    }

    @Test func tokensAreStableUntilTheTableFillsThenNeverReused() {
        var table = M7StateTable()
        defer { table.deallocate() }
        let first = table.token(key(0))
        #expect(first != 0)
        #expect(table.token(key(0)) == first)
        var seen: Set<UInt32> = [first]
        for i in 1..<M7StateTable.capacity {
            let t = table.token(key(i))
            #expect(!seen.contains(t))
            seen.insert(t)
        }
        #expect(table.token(key(1)) == first + 1)  // still in the table
        // One more state: the table starts over, with tokens it never gave out before.
        let next = table.token(key(M7StateTable.capacity))
        #expect(!seen.contains(next))
        #expect(table.key(next) == key(M7StateTable.capacity))
        let again = table.token(key(0))
        #expect(!seen.contains(again) && again != next)
        #expect(table.key(again) == key(0))
    }
}

/// `retireM7` finds branches by the branch-unit bit: it must mark exactly the branch
/// classes (branch, branchLink, branchIndirect, tableBranch).
@Suite struct M7BranchUnitTests {
    @Test func theBranchUnitMarksExactlyTheBranchClasses() {
        for op in Op.allCases {
            let st = CoreTimer.describeM7(Instruction(op, size: 2))
            let isBranchClass = (OpClass.branch.rawValue...OpClass.tableBranch.rawValue).contains(op.opClass.rawValue)
            #expect((st.unit & M7Unit.branch != 0) == isBranchClass, "\(op)")
        }
    }
}
