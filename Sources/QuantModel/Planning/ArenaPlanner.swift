// The tensor arena of a model, planned the way TFLite Micro plans it
// (tensorflow/lite/micro/micro_allocation_info.cc and micro_allocator.cc):
//
// - Time runs in steps: 0 before the first operator, k+1 while operator k runs.
// - Graph inputs are created at 0; an operator's outputs are created at its step; a
//   tensor is last used at the step of the last operator that reads it; graph outputs live
//   until the last step.
// - Constants (weights live in flash), variables (persistent state, allocated once outside
//   the planned area) and empty tensors (LSTM intermediates, shape [0]) are not planned.
// - Each operator's scratch buffers live during its step only.
// - Sizes are rounded up to 16 bytes (MicroArenaBufferAlignment) before planning.
//
// TFLM's arena also holds persistent data (tensor structs, kernel parameters, LUTs,
// variable tensors) in its tail; `ArenaPlan` reports the planned area (TFLM's "head")
// and the variable bytes separately, and no interpreter overhead.

/// Scratch memory an operator's kernel asks for while it runs.
public protocol ScratchBufferPolicy: Sendable {
    /// Byte sizes of the scratch buffers operator `index` requests.
    func scratchBuffers(for index: Int, in model: Model) -> [Int]
}

/// The scratch requests of TFLite Micro's reference kernels: the integer and float
/// UNIDIRECTIONAL_SEQUENCE_LSTM asks for four buffers of batch × state size cell-state
/// elements (kernels/unidirectional_sequence_lstm.cc, Prepare); the other operators
/// sersim supports ask for none (FULLY_CONNECTED only for int4 weights).
public struct TFLMReferenceScratch: ScratchBufferPolicy {
    public init() {}

    public func scratchBuffers(for index: Int, in model: Model) -> [Int] {
        let op = model.operators[index]
        guard op.kind == .unidirectionalSequenceLSTM,
              let input = op.inputs.first ?? nil,
              op.inputs.count > LSTMInput.cellState,
              let state = op.inputs[LSTMInput.outputState],
              let cell = op.inputs[LSTMInput.cellState] else { return [] }
        let inputShape = model.tensors[input].shape
        let stateShape = model.tensors[state].shape
        guard inputShape.count == 3, stateShape.count == 2 else { return [] }
        let timeMajor: Bool = if case .lstm(let o) = op.options { o.timeMajor } else { false }
        let batch = timeMajor ? inputShape[1] : inputShape[0]
        let (elements, o1) = batch.multipliedReportingOverflow(by: stateShape[1])
        let (bytes, o2) = elements.multipliedReportingOverflow(by: model.tensors[cell].type.byteSize)
        return [Int](repeating: o1 || o2 ? Int.max : bytes, count: 4)
    }
}

/// No scratch buffers at all.
public struct NoScratch: ScratchBufferPolicy {
    public init() {}
    public func scratchBuffers(for index: Int, in model: Model) -> [Int] { [] }
}

/// The planned tensor arena of a model.
public struct ArenaPlan: Sendable, Equatable {
    public enum Owner: Sendable, Equatable, Hashable {
        /// An activation tensor (model tensor index).
        case tensor(Int)
        /// Scratch buffer `slot` of operator `op`.
        case scratch(op: Int, slot: Int)
    }

    public struct Buffer: Sendable, Equatable {
        public var owner: Owner
        /// Bytes the tensor or kernel needs.
        public var bytes: Int
        /// Bytes reserved (rounded up to the alignment).
        public var alignedBytes: Int
        public var firstUse: Int
        public var lastUse: Int
        public var offset: Int
    }

    /// Every planned buffer, tensors in index order then scratch in operator order (the
    /// order TFLM adds them to its planner, which decides ties).
    public var buffers: [Buffer]
    /// The planned area's size: the high-water mark with lifetime-based reuse.
    public var arenaBytes: Int
    /// What the same buffers need without reuse (each at its own offset).
    public var unsharedBytes: Int
    /// Variable (state) tensors, each rounded up to the alignment; TFLM keeps them in the
    /// persistent part of the arena.
    public var variableBytes: Int
    public var alignment: Int
    /// Number of time steps (operators + 1).
    public var steps: Int

    /// Bytes live at each step (sum of aligned sizes), for timelines.
    public var liveBytesPerStep: [Int] {
        (0..<steps).map { t in buffers.filter { $0.firstUse <= t && t <= $0.lastUse }.map(\.alignedBytes).reduce(0, +) }
    }

    /// Placed bytes in use at the busiest step (≤ arenaBytes; equal when the greedy
    /// placement leaves no holes at that step).
    public var peakLiveBytes: Int { liveBytesPerStep.max() ?? 0 }
}

public struct ArenaPlanner: Sendable {
    public var alignment: Int
    public var scratch: any ScratchBufferPolicy
    /// Makes the planner that places the buffers (TFLM's greedy one by default).
    public var makePlanner: @Sendable () -> any MemoryPlanner

    public init(alignment: Int = 16, scratch: any ScratchBufferPolicy = TFLMReferenceScratch(),
                makePlanner: @escaping @Sendable () -> any MemoryPlanner = { GreedyMemoryPlanner() }) {
        self.alignment = alignment
        self.scratch = scratch
        self.makePlanner = makePlanner
    }

    func aligned(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// Plans `model`'s activations and scratch buffers. The model must be valid
    /// (`Model.validate()`), as every loaded model is.
    public func plan(_ model: Model) throws(PlanningError) -> ArenaPlan {
        guard alignment > 0 && alignment <= 4096 else { throw PlanningError("alignment \(alignment) must be between 1 and 4096") }
        do { try model.validate() } catch { throw PlanningError("the model is invalid: \(error)") }
        let n = model.tensors.count
        var first = [Int?](repeating: nil, count: n)
        var last = [Int?](repeating: nil, count: n)
        func created(_ t: Int, _ step: Int) { if first[t] == nil { first[t] = step } }
        func used(_ t: Int, _ step: Int) { last[t] = step }

        for t in model.inputs {
            created(t, 0)
            used(t, 0)
        }
        var scratchRequests: [(op: Int, slot: Int, bytes: Int)] = []
        for (k, op) in model.operators.enumerated() {
            let step = k + 1
            for t in op.outputs { created(t, step) }
            for case let t? in op.inputs { used(t, step) }
            for t in op.outputs { used(t, step) }
            for (slot, bytes) in scratch.scratchBuffers(for: k, in: model).enumerated() {
                guard bytes >= 0 && bytes <= ModelLimits.maxTensorBytes else {
                    throw PlanningError("operator \(k) asks for \(bytes) bytes of scratch; at most \(ModelLimits.maxTensorBytes) can be planned")
                }
                scratchRequests.append((k, slot, bytes))
            }
        }
        let lastStep = model.operators.count
        for t in model.outputs {
            created(t, lastStep)
            used(t, lastStep)
        }

        var planner = makePlanner()
        var buffers: [ArenaPlan.Buffer] = []
        var variableBytes = 0
        for (i, t) in model.tensors.enumerated() {
            if t.isVariable { variableBytes += aligned(t.byteCount); continue }
            guard !t.isConstant, t.byteCount > 0, let f = first[i], let l = last[i] else { continue }
            let size = aligned(t.byteCount)
            try planner.addBuffer(size: size, firstUse: f, lastUse: l)
            buffers.append(.init(owner: .tensor(i), bytes: t.byteCount, alignedBytes: size, firstUse: f, lastUse: l, offset: 0))
        }
        for r in scratchRequests {
            let size = aligned(r.bytes)
            try planner.addBuffer(size: size, firstUse: r.op + 1, lastUse: r.op + 1)
            buffers.append(.init(owner: .scratch(op: r.op, slot: r.slot), bytes: r.bytes, alignedBytes: size,
                                 firstUse: r.op + 1, lastUse: r.op + 1, offset: 0))
        }
        let offsets = planner.offsets()
        guard offsets.count == buffers.count else {
            throw PlanningError("the planner returned \(offsets.count) offsets for \(buffers.count) buffers")
        }
        for i in buffers.indices { buffers[i].offset = offsets[i] }
        return ArenaPlan(buffers: buffers, arenaBytes: planner.maximumMemorySize(),
                         unsharedBytes: buffers.map(\.alignedBytes).reduce(0, +),
                         variableBytes: variableBytes, alignment: alignment, steps: lastStep + 1)
    }
}
