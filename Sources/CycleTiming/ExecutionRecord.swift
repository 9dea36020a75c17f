import ThumbISA

/// What one executed instruction did, as the executor reports it to the timing model.
/// Semantics fill it in; they never count cycles (STYLE: "semantics never count cycles").
public struct ExecutionRecord: Sendable {
    /// Address of the instruction.
    public var pc: UInt32 = 0
    /// The instruction ran (false: an IT-block instruction whose condition failed).
    public var executed: Bool = true
    /// Control left the sequential path: a taken branch or any write to PC.
    public var branched: Bool = false
    /// The data memory transfers: `beats` transfers of `beatBytes` each starting at
    /// `address` (contiguous: LDM/STM, LDRD, exception stacking), in region `region`
    /// (an index into the machine's region list; `Self.noRegion` for MMIO/SCS).
    public var address: UInt32 = 0
    public var beats: UInt8 = 0
    public var beatBytes: UInt8 = 0
    public var write: Bool = false
    public var region: UInt8 = ExecutionRecord.noRegion
    /// SDIV/UDIV: the number of significant quotient bits (0...32), which sets the
    /// iterative divider's latency on Cortex-M3/M4/M7.
    public var quotientBits: UInt8 = 0
    /// Exception entry (stacking) or return (unstacking) happened on this step.
    public var exceptionEntry: Bool = false
    public var exceptionReturn: Bool = false
    /// The exception entry tail-chained from a return (no unstack/restack).
    public var tailChained: Bool = false

    public static let noRegion: UInt8 = 0xFF

    public init() {}

    /// Note one data transfer (the executor calls this from its memory accessors).
    @inlinable
    public mutating func noteAccess(_ address: UInt32, bytes: UInt8, write: Bool, region: UInt8) {
        if beats == 0 {
            self.address = address
            self.beatBytes = bytes
            self.write = write
            self.region = region
        }
        beats &+= 1
    }

    /// Start a new instruction.
    @inlinable
    public mutating func reset(pc: UInt32) {
        self.pc = pc
        executed = true
        branched = false
        beats = 0
        exceptionEntry = false
        exceptionReturn = false
        tailChained = false
    }
}

/// Per-instruction facts a timing model precomputes once per decoded instruction (the
/// decode cache stores them beside the instruction), so the per-execution work is small.
public struct StaticTiming: Sendable, Equatable {
    /// Base issue cycles when executed (before memory wait states and dynamic effects).
    public var cycles: UInt16
    /// Cycles when the instruction is skipped by a failed IT condition.
    public var skippedCycles: UInt8
    /// Model-specific class (for dual-issue pairing and hazards).
    public var unit: UInt8
    /// Registers the instruction reads and writes (bit n = rn), for load-use hazards.
    public var reads: UInt16
    public var writes: UInt16
    /// Extra per-model data (e.g. branch kind, instruction size).
    public var extra: UInt8

    public init(cycles: UInt16 = 1, skippedCycles: UInt8 = 1, unit: UInt8 = 0, reads: UInt16 = 0,
                writes: UInt16 = 0, extra: UInt8 = 0) {
        self.cycles = cycles
        self.skippedCycles = skippedCycles
        self.unit = unit
        self.reads = reads
        self.writes = writes
        self.extra = extra
    }
}
