import BoardProfiles

/// Which timing model a run uses.
public enum TimingModelKind: String, Sendable, CaseIterable {
    /// PLACEHOLDER: 1 cycle per instruction plus 1 per memory transfer. Not a model of any
    /// core; it exists so that the executor's timing hooks can be exercised independently
    /// of the per-core models (and as a baseline for the emulator's speed benchmark).
    case placeholder
    /// Cortex-M0+ (ARMv6-M, 2-stage pipeline): Cortex-M0+ TRM (DDI 0484C) Table 3.1.
    case cortexM0plus = "cortex-m0plus"
    /// Cortex-M4 (3-stage pipeline): Cortex-M4 TRM (DDI 0439B) Table 3-1 and 3.3.2.
    case cortexM4 = "cortex-m4"
    /// Cortex-M7 (6-stage, in-order, dual issue): LLVM's `ARMScheduleM7.td` (Arm publishes
    /// no cycle table for the M7), with a branch predictor of sersim's own design.
    case cortexM7 = "cortex-m7"
    /// ESTIMATE: Espressif ESP32 (Xtensa LX6) running sersim's Thumb code; a table
    /// calibrated to the chip's published per-MHz figure (docs/timing.md).
    case xtensaLX6 = "xtensa-lx6-estimate"
    /// ESTIMATE: ESP32-S3 (Xtensa LX7), calibrated likewise.
    case xtensaLX7 = "xtensa-lx7-estimate"

    /// The model sersim uses for a board's core by default.
    public static func forCore(_ core: CoreKind) -> TimingModelKind {
        switch core {
        case .cortexM0plus: .cortexM0plus
        case .cortexM4: .cortexM4
        case .cortexM7: .cortexM7
        case .xtensaLX6: .xtensaLX6
        case .xtensaLX7: .xtensaLX7
        case .avr: .placeholder  // not executed (Machine refuses AVR boards)
        }
    }

    /// Whether the model's figures are an estimate rather than a cycle table of the core.
    /// The M0+ and M4 models follow their TRMs; the M7 model follows a compiler's
    /// scheduling description, which is itself an approximation of the core.
    public var isEstimate: Bool {
        switch self {
        case .cortexM0plus, .cortexM4: false
        case .placeholder, .cortexM7, .xtensaLX6, .xtensaLX7: true
        }
    }

    /// One line saying what the figures rest on (reports print it).
    public var provenance: String {
        switch self {
        case .placeholder: "PLACEHOLDER timing (1 cycle per instruction + 1 per memory transfer), not a model of any core"
        case .cortexM0plus: "Cortex-M0+ TRM (DDI 0484C) Table 3.1"
        case .cortexM4: "Cortex-M4 TRM (DDI 0439B) Table 3-1 and 3.3.2"
        case .cortexM7: "estimate: dual-issue rules and latencies of LLVM ARMScheduleM7.td; branch predictor approximated"
        case .xtensaLX6: "estimate: Xtensa LX6 approximated by a calibrated table for Thumb code"
        case .xtensaLX7: "estimate: Xtensa LX7 approximated by a calibrated table for Thumb code"
        }
    }
}
