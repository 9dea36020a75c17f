import ThumbISA

/// What one executed instruction did, as the executor reports it to the timing model.
/// Semantics fill it in; they never count cycles (STYLE: "semantics never count cycles").
/// 16 bytes: the yes/no facts share one byte so the record travels in two registers.
public struct ExecutionRecord: Sendable {
    /// Address of the instruction.
    public var pc: UInt32 = 0
    /// The data memory transfers: `beats` transfers of `beatBytes` each starting at
    /// `address` (contiguous: LDM/STM, LDRD, exception stacking), in region `region`
    /// (an index into the machine's region list; `Self.noRegion` for MMIO/SCS).
    public var address: UInt32 = 0
    public var beats: UInt8 = 0
    /// `Bit` flags (the properties below read and write them). Right after `beats`: the
    /// Cortex-M7 memo key reads the two as one 16-bit field (`RecordRef.beatsAndBits`).
    public var bits: UInt8 = Bit.executed
    public var beatBytes: UInt8 = 0
    public var region: UInt8 = ExecutionRecord.noRegion
    /// SDIV/UDIV: the number of significant quotient bits (0...32), which sets the
    /// iterative divider's latency on Cortex-M3/M4/M7.
    public var quotientBits: UInt8 = 0

    public enum Bit {
        public static let executed: UInt8 = 1 << 0
        public static let branched: UInt8 = 1 << 1
        public static let write: UInt8 = 1 << 2
        public static let exceptionEntry: UInt8 = 1 << 3
        public static let exceptionReturn: UInt8 = 1 << 4
        public static let tailChained: UInt8 = 1 << 5
        /// Any exception entry or return.
        public static let exception: UInt8 = exceptionEntry | exceptionReturn
    }

    public static let noRegion: UInt8 = 0xFF
    /// Where `beats` sits; `bits` follows it (checked by `TimingMemoTests`).
    @usableFromInline static let beatsOffset = 8

    public init() {}

    @inlinable func bit(_ b: UInt8) -> Bool { bits & b != 0 }
    @inlinable mutating func set(_ b: UInt8, _ on: Bool) { bits = on ? bits | b : bits & ~b }

    /// The instruction ran (false: an IT-block instruction whose condition failed).
    @inlinable public var executed: Bool { get { bit(Bit.executed) } set { set(Bit.executed, newValue) } }
    /// Control left the sequential path: a taken branch or any write to PC.
    @inlinable public var branched: Bool { get { bit(Bit.branched) } set { set(Bit.branched, newValue) } }
    /// The transfers are writes.
    @inlinable public var write: Bool { get { bit(Bit.write) } set { set(Bit.write, newValue) } }
    /// Exception entry (stacking) or return (unstacking) happened on this step.
    @inlinable public var exceptionEntry: Bool { get { bit(Bit.exceptionEntry) } set { set(Bit.exceptionEntry, newValue) } }
    @inlinable public var exceptionReturn: Bool { get { bit(Bit.exceptionReturn) } set { set(Bit.exceptionReturn, newValue) } }
    /// The exception entry tail-chained from a return (no unstack/restack).
    @inlinable public var tailChained: Bool { get { bit(Bit.tailChained) } set { set(Bit.tailChained, newValue) } }

    /// Note one data transfer (the executor calls this from its memory accessors).
    @inlinable
    public mutating func noteAccess(_ address: UInt32, bytes: UInt8, write: Bool, region: UInt8) {
        if beats == 0 {
            self.address = address
            self.beatBytes = bytes
            if write { bits |= Bit.write }
            self.region = region
        }
        beats &+= 1
    }

    /// Start a new instruction.
    @inlinable
    public mutating func reset(pc: UInt32) {
        self.pc = pc
        bits = Bit.executed
        beats = 0
    }
}

/// Per-instruction facts a timing model precomputes once per decoded instruction (the
/// decode cache stores them beside the instruction), so the per-execution work is small.
/// 15 bytes; what each field means is per model (see `CoreTimer.describe`).
///
/// The first eight bytes are what the Cortex-M4 rules keep of the previous instruction
/// (`CoreTimer.prevInfo`): class, flags, written and loaded registers, copied in one load
/// and one store per instruction.
public struct StaticTiming: Sendable, Equatable {
    /// `OpClass.rawValue`, for the per-class instruction counts.
    public var opClass: UInt8
    /// `TimingFlags` bits.
    public var flags: UInt8
    /// Registers written (PC excluded), the write-back base included.
    public var writes: UInt16
    /// `writes` without the write-back base: the registers a load fills from memory (the
    /// base's new value comes from address generation, earlier). Kept up to date by
    /// `init` and `CoreTimer.describe`.
    public var loaded: UInt16
    /// Registers read at the normal stage (bit n = rn).
    public var reads: UInt16
    /// Registers needed a stage earlier: address operands (M3/M4 address-generation
    /// interlock, M7 EX1 reads) and shifted operands (M7).
    public var early: UInt16
    /// Base issue cycles when executed, before memory transfers, wait states and dynamic
    /// effects (each transfer's own cycle is added per beat on M0+/M4).
    public var cycles: UInt8
    /// Cycles when the instruction is skipped by a failed IT condition.
    public var skippedCycles: UInt8
    /// Cortex-M7: the single-instance pipeline units the instruction occupies
    /// (`M7Unit` bits), which two instructions issued together must not share.
    /// Cortex-M4: which rarely applied rules concern it (`M4Rare` bits).
    public var unit: UInt8
    /// Low nibble: pipeline refill cycles when the instruction writes PC (the TRMs' P).
    /// High nibble: result latency in cycles (Cortex-M7).
    public var extra: UInt8
    /// The base register a load/store writes back (`noBase` when none): its new value is
    /// ready earlier than the loaded data (address-generation result).
    public var base: UInt8

    public static let noBase: UInt8 = 0xFF

    public init(cycles: UInt8 = 1, skippedCycles: UInt8 = 1, opClass: UInt8 = 0, flags: UInt8 = 0, unit: UInt8 = 0,
                extra: UInt8 = 0, reads: UInt16 = 0, early: UInt16 = 0, writes: UInt16 = 0, base: UInt8 = StaticTiming.noBase) {
        self.cycles = cycles
        self.skippedCycles = skippedCycles
        self.opClass = opClass
        self.flags = flags
        self.unit = unit
        self.extra = extra
        self.reads = reads
        self.early = early
        self.writes = writes
        self.base = base
        loaded = 0
        updateLoaded()
    }

    /// Set `loaded` from `writes` and `base`.
    public mutating func updateLoaded() {
        loaded = base == StaticTiming.noBase ? writes : writes & ~(1 << UInt16(base & 15))
    }

    /// Pipeline refill cycles when the instruction writes PC.
    @inlinable public var refill: UInt8 { extra & 0xF }
    /// Result latency (Cortex-M7 model).
    @inlinable public var latency: UInt8 { extra >> 4 }
}

/// Bits of `StaticTiming.flags`.
public enum TimingFlags {
    /// A single load or store (LDR*/STR*, LDREX/STREX): the Cortex-M4 load/store
    /// pipelining rules apply.
    public static let memSingle: UInt8 = 1 << 0
    /// Counts as a load for pipelining the next load/store (LDR*, LDREX, and STREX,
    /// which the M3/M4 TRM says "is treated more like an LDR").
    public static let loadLike: UInt8 = 1 << 1
    /// STR with an immediate offset: "always one cycle" on M3/M4 (TRM 3.3.2).
    public static let storeImmediate: UInt8 = 1 << 2
    /// A 32-bit encoding.
    public static let wide: UInt8 = 1 << 3
    /// Cortex-M7: cannot be issued together with another instruction.
    public static let singleIssue: UInt8 = 1 << 4
    /// Cortex-M7: must be the older instruction of a pair ("BeginGroup").
    public static let slot0: UInt8 = 1 << 5
    /// IT: folded into the preceding 16-bit instruction on Cortex-M4.
    public static let it: UInt8 = 1 << 6
    /// Load or store multiple / doubleword (transfer count from the record).
    public static let multiple: UInt8 = 1 << 7
}

/// An `ExecutionRecord` read in place: the timing model's hot path loads the fields it
/// uses where it uses them, instead of copying the record into registers (and spilling
/// most of them) before every instruction's rules.
@frozen public struct RecordRef {
    public let p: UnsafePointer<ExecutionRecord>
    @inlinable @inline(__always) public init(_ p: UnsafePointer<ExecutionRecord>) { self.p = p }
    @inlinable @inline(__always) public var pc: UInt32 { p.pointee.pc }
    @inlinable @inline(__always) public var address: UInt32 { p.pointee.address }
    @inlinable @inline(__always) public var beats: UInt8 { p.pointee.beats }
    @inlinable @inline(__always) public var beatBytes: UInt8 { p.pointee.beatBytes }
    @inlinable @inline(__always) public var region: UInt8 { p.pointee.region }
    @inlinable @inline(__always) public var quotientBits: UInt8 { p.pointee.quotientBits }
    @inlinable @inline(__always) public var bits: UInt8 { p.pointee.bits }
    /// `beats` in the low byte, `bits` in the high byte, in one load.
    @inlinable @inline(__always) public var beatsAndBits: UInt16 {
        UnsafeRawPointer(p).load(fromByteOffset: ExecutionRecord.beatsOffset, as: UInt16.self).littleEndian
    }
    @inlinable @inline(__always) public var executed: Bool { p.pointee.executed }
    @inlinable @inline(__always) public var branched: Bool { p.pointee.branched }
    @inlinable @inline(__always) public var write: Bool { p.pointee.write }
}

/// A `StaticTiming` read in place (in its decode-cache slot), as `RecordRef`.
@frozen public struct TimingRef {
    public let p: UnsafePointer<StaticTiming>
    @inlinable @inline(__always) public init(_ p: UnsafePointer<StaticTiming>) { self.p = p }
    @inlinable @inline(__always) public var cycles: UInt8 { p.pointee.cycles }
    @inlinable @inline(__always) public var skippedCycles: UInt8 { p.pointee.skippedCycles }
    @inlinable @inline(__always) public var opClass: UInt8 { p.pointee.opClass }
    @inlinable @inline(__always) public var flags: UInt8 { p.pointee.flags }
    @inlinable @inline(__always) public var unit: UInt8 { p.pointee.unit }
    @inlinable @inline(__always) public var refill: UInt8 { p.pointee.refill }
    @inlinable @inline(__always) public var latency: UInt8 { p.pointee.latency }
    @inlinable @inline(__always) public var reads: UInt16 { p.pointee.reads }
    @inlinable @inline(__always) public var early: UInt16 { p.pointee.early }
    @inlinable @inline(__always) public var writes: UInt16 { p.pointee.writes }
    @inlinable @inline(__always) public var base: UInt8 { p.pointee.base }
}
