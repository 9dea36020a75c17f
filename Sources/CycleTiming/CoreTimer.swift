import BoardProfiles
import ThumbISA

/// Which timing model a run uses.
public enum TimingModelKind: String, Sendable, CaseIterable {
    /// PLACEHOLDER: 1 cycle per instruction plus 1 per memory transfer. Not a model of any
    /// core; it exists so that the executor's timing hooks are exercised before (and
    /// independently of) the per-core models.
    case placeholder
}

/// Turns the executor's per-instruction records into cycles. One concrete class (no
/// protocol dispatch per instruction); the per-core behaviour lives in its tables.
public final class CoreTimer {
    public let kind: TimingModelKind
    public let clockHz: Double
    /// Cycles elapsed since reset.
    public private(set) var cycles: UInt64 = 0

    public init(kind: TimingModelKind, board: Board, clockHz: Double) {
        self.kind = kind
        self.clockHz = clockHz
    }

    /// Precompute what the model needs about an instruction (once per decode).
    public func describe(_ inst: Instruction) -> StaticTiming {
        switch kind {
        case .placeholder:
            return StaticTiming(cycles: 1, skippedCycles: 1)
        }
    }

    /// Account for one executed (or skipped) instruction.
    public func retire(_ st: StaticTiming, _ rec: ExecutionRecord) {
        if rec.executed {
            cycles &+= UInt64(st.cycles) &+ UInt64(rec.beats)
        } else {
            cycles &+= UInt64(st.skippedCycles)
        }
    }

    /// Cycles spent with the core stalled or asleep (WFI waiting for an interrupt).
    public func advance(idle n: UInt64) {
        cycles &+= n
    }

    /// Whether the figures are an approximation (always true for the placeholder).
    public var isEstimate: Bool { true }
}
