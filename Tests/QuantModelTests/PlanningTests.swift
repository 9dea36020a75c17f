import Foundation
import Testing
@testable import QuantModel

@Suite struct PlanningTests {
    static func greedy(_ requests: [(Int, Int, Int)]) throws -> GreedyMemoryPlanner {
        var p = GreedyMemoryPlanner()
        for (size, first, last) in requests { try p.addBuffer(size: size, firstUse: first, lastUse: last) }
        return p
    }

    static func overlapping(_ p: some MemoryPlanner) -> Bool {
        let offsets = p.offsets()
        for i in p.buffers.indices {
            for j in p.buffers.indices where j > i && p.buffers[i].overlapsInTime(p.buffers[j]) {
                let (a, b) = (offsets[i], offsets[j])
                if a < b + p.buffers[j].size && b < a + p.buffers[i].size { return true }
            }
        }
        return false
    }

    // Vectors from TFLM's greedy_memory_planner_test.cc.
    @Test func tflmGreedyBasics() throws {
        let p = try Self.greedy([(10, 0, 1), (20, 2, 3)])
        #expect(p.offsets() == [0, 0])
        #expect(p.maximumMemorySize() == 20)
    }

    @Test func tflmGreedyMedium() throws {
        let p = try Self.greedy([(10, 0, 1), (20, 1, 2), (30, 2, 3), (40, 3, 4), (50, 0, 1)])
        #expect(p.offsets() == [50, 70, 40, 0, 0])
        #expect(p.maximumMemorySize() == 90)
        #expect(!Self.overlapping(p))
    }

    @Test func tflmOverlapCase() throws {
        let p = try Self.greedy([(100, 0, 1), (50, 2, 3), (20, 1, 2)])
        #expect(p.maximumMemorySize() == 120)
        #expect(!Self.overlapping(p))
    }

    @Test func tflmPersonDetection() throws {
        let requests = [
            (9216, 0, 29), (3, 28, 29), (256, 27, 28), (2304, 26, 27), (2304, 25, 26), (2304, 24, 25),
            (1152, 23, 24), (4608, 22, 23), (4608, 21, 22), (4608, 20, 21), (4608, 19, 20), (4608, 18, 19),
            (4608, 17, 18), (4608, 16, 17), (4608, 15, 16), (4608, 14, 15), (4608, 13, 14), (4608, 12, 13),
            (2304, 11, 12), (9216, 10, 11), (9216, 9, 10), (9216, 8, 9), (4608, 7, 8), (18432, 6, 7),
            (18432, 5, 6), (18432, 4, 5), (9216, 3, 4), (36864, 2, 3), (18432, 1, 2), (18432, 0, 1),
        ]
        let p = try Self.greedy(requests)
        #expect(!Self.overlapping(p))
        #expect(p.maximumMemorySize() < 241_027)
        var linear = LinearMemoryPlanner()
        for (s, f, l) in requests { try linear.addBuffer(size: s, firstUse: f, lastUse: l) }
        #expect(linear.maximumMemorySize() == 241_027)
        // Lower bound: the largest set of buffers live at one time.
        let live = (0...29).map { t in requests.filter { $0.1 <= t && t <= $0.2 }.map(\.0).reduce(0, +) }
        #expect(p.maximumMemorySize() >= live.max()!)
    }

    @Test func fixedOffsetsAreKept() throws {
        var p = GreedyMemoryPlanner()
        try p.addBuffer(BufferRequest(size: 32, firstUse: 0, lastUse: 3, fixedOffset: 64))
        try p.addBuffer(size: 64, firstUse: 1, lastUse: 2)
        try p.addBuffer(size: 16, firstUse: 0, lastUse: 0)
        let offsets = p.offsets()
        #expect(offsets[0] == 64)
        #expect(offsets[1] == 0)  // fits in the gap below the fixed buffer
        #expect(offsets[2] == 0)
        #expect(!Self.overlapping(p))
    }

    @Test func badRequestsAreErrors() {
        var p = GreedyMemoryPlanner()
        #expect(throws: PlanningError.self) { try p.addBuffer(size: -1, firstUse: 0, lastUse: 0) }
        #expect(throws: PlanningError.self) { try p.addBuffer(size: 4, firstUse: 3, lastUse: 2) }
    }

    @Test func randomPlansNeverOverlap() throws {
        var rng = TFLiteCorruptionTests.Rng(state: 42)
        for _ in 0..<200 {
            var p = GreedyMemoryPlanner()
            var linear = LinearMemoryPlanner()
            for _ in 0..<(1 + rng.below(25)) {
                let first = rng.below(12)
                let r = BufferRequest(size: 16 * (1 + rng.below(20)), firstUse: first, lastUse: first + rng.below(5))
                try p.addBuffer(r)
                try linear.addBuffer(r)
            }
            #expect(!Self.overlapping(p))
            #expect(p.maximumMemorySize() <= linear.maximumMemorySize())
        }
    }

    /// The planned area equals what TFLite Micro's RecordingMicroAllocator reports as the
    /// arena head for the same model (tflite-micro PyPI interpreter, in the fixture JSON).
    @Test(arguments: IOFixtures.importable)
    func arenaMatchesTFLiteMicro(name: String) throws {
        let model = try IOFixtures.model(name)
        let want = try #require(try IOFixtures.expected(name).tflm_arena)
        let plan = try ArenaPlanner().plan(model)
        #expect(plan.arenaBytes == want.head_bytes)
        #expect(plan.arenaBytes <= plan.unsharedBytes)
        #expect(plan.peakLiveBytes <= plan.arenaBytes)
        // Variables (LSTM state) are not in the planned area.
        for b in plan.buffers {
            if case .tensor(let t) = b.owner { #expect(!model.tensors[t].isVariable && !model.tensors[t].isConstant) }
        }
    }

    @Test func lstmTinyPlanByHand() throws {
        // Input [1,5,3] int8 (15 → 16 bytes) at steps 0–1; LSTM output [1,5,4] (20 → 32)
        // at 1–2; four int16 scratch buffers of 1×4 (8 → 16) at 1; slice output (4 → 16)
        // at 2–3; FC output (2 → 16) at 3–4; softmax output (2 → 16) at 4.
        let model = try IOFixtures.model("lstm_tiny")
        let plan = try ArenaPlanner().plan(model)
        #expect(plan.buffers.map(\.alignedBytes).sorted() == [16, 16, 16, 16, 16, 16, 16, 16, 32])
        #expect(plan.liveBytesPerStep == [16, 112, 48, 32, 32])
        #expect(plan.arenaBytes == 112)
        #expect(plan.variableBytes == 16 + 16)  // int8 [1,4] and int16 [1,4], each aligned
        let scratch = plan.buffers.filter { if case .scratch = $0.owner { true } else { false } }
        #expect(scratch.count == 4 && scratch.allSatisfy { $0.bytes == 8 && $0.firstUse == 1 && $0.lastUse == 1 })
        // Without scratch the LSTM step needs input + output only.
        #expect(try ArenaPlanner(scratch: NoScratch()).plan(model).arenaBytes == 48)
        // The linear planner reserves every buffer separately.
        #expect(try ArenaPlanner(makePlanner: { LinearMemoryPlanner() }).plan(model).arenaBytes == plan.unsharedBytes)
    }

    @Test func costsByHand() throws {
        // lstm_tiny: LSTM(4) over 5 steps of 3 inputs, batch 1, 4 gates:
        // 5 × 4 × 4 × (3 + 4) = 560 MACs; FC 4 → 2 = 8 MACs.
        let model = try IOFixtures.model("lstm_tiny")
        let cost = CostModel.analyze(model)
        #expect(cost.layers.map(\.macs) == [560, 0, 8, 0])
        #expect(cost.totalMACs == 568)
        #expect(cost.layers[0].elementwiseOps == 5 * 3 * 4)
        #expect(cost.layers[3].elementwiseOps == 2)  // softmax over 2 classes
        // LSTM weights: 4 × [4,3] + 4 × [4,4] int8 + 4 × [4] int32 = 48 + 64 + 64.
        #expect(cost.layers[0].weightBytes == 176)
        #expect(cost.layers[0].stateBytes == 4 + 8)
        #expect(cost.layers[0].activationBytes == 15 + 20)
        // Model total counts shared constants once.
        let want = try IOFixtures.expected("lstm_tiny")
        let perBuffer = Dictionary(want.tensors.filter { $0.data_length > 0 }.map { ($0.buffer, $0.data_length) }, uniquingKeysWith: { a, _ in a })
        #expect(cost.weightBytes == perBuffer.values.reduce(0, +))

        // fc_float_io: 10 → 8 → 6 → 4.
        let fc = CostModel.analyze(try IOFixtures.model("fc_float_io"))
        #expect(fc.layers.map(\.macs) == [0, 80, 48, 24, 0])
        #expect(fc.weightBytes == 80 + 48 + 24)

        // lstm_stacked: LSTM(3) on 2 inputs and LSTM(2) on 3, 4 steps; Dense(3) per step.
        let stacked = CostModel.analyze(try IOFixtures.model("lstm_stacked"))
        #expect(stacked.layers.map(\.macs) == [4 * 4 * 3 * (2 + 3), 4 * 4 * 2 * (3 + 2), 4 * 2 * 3])
        // lstm_time_major: 4 steps (the first axis), batch 1, LSTM(3) on 2 inputs.
        let tm = CostModel.analyze(try IOFixtures.model("lstm_time_major"))
        #expect(tm.layers[0].macs == 4 * 4 * 3 * (2 + 3))
    }
}
