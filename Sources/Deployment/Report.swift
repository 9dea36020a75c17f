import Foundation

/// The result of deploying a model onto a board: the `--json` document
/// (schema `sersim-report/1`, documented in docs/report-schema.md) and what the Swift API
/// returns to users' tests.
public struct DeploymentReport: Sendable, Codable {
    public static let schemaVersion = "sersim-report/1"

    public struct BoardInfo: Sendable, Codable {
        public var name: String
        public var displayName: String
        public var mcu: String
        public var core: String
        public var clockHz: Double
        /// The core is an approximation (ESP32's Xtensa running Thumb code).
        public var approximateCore: Bool
    }

    public struct ModelInfo: Sendable, Codable {
        public var name: String
        public var path: String?
        public var operators: Int
        public var macs: Int
        public var weightBytes: Int
    }

    public struct Layer: Sendable, Codable {
        public var index: Int
        public var name: String
        public var op: String
        public var kernel: String
        public var cycles: UInt64
        public var instructions: UInt64
        /// Share of the inference's cycles (0...1).
        public var share: Double
        public var macs: Int
        public var cyclesPerMAC: Double?
        public var energyJoules: Double?
        /// Weight bytes and the bytes of the tensors it reads and writes.
        public var weightBytes: Int
        public var activationBytes: Int
    }

    public struct Output: Sendable, Codable {
        public var name: String
        public var shape: [Int]
        public var type: String
        /// Raw quantized values, as `sersim eval --json` prints them.
        public var values: [Int]
        public var dequantized: [Double]
        /// Index of the largest value, and its label when the model has labels.
        public var argmax: Int?
        public var label: String?
    }

    public struct Energy: Sendable, Codable {
        public var joules: Double
        public var averageWatts: Double
        public var supplyVolts: Double
        public var runCurrentAmps: Double
        public var effectiveCurrentAmps: Double
        public var notes: [String]
    }

    public struct DutyCycleInfo: Sendable, Codable {
        public var periodSeconds: Double
        public var sleepMode: String
        public var averagePowerWatts: Double
        public var joulesPerPeriod: Double
        public var battery: String?
        public var batteryDays: Double?
        public var notes: [String]
    }

    public struct CacheStat: Sendable, Codable {
        public var name: String
        public var accesses: UInt64
        public var hits: UInt64
        public var misses: UInt64
    }

    public struct MemoryStats: Sendable, Codable {
        /// Data and instruction accesses per region.
        public var accessesByRegion: [String: UInt64]
        public var caches: [CacheStat]
        /// Stall cycles by cause (flash wait states, cache misses, load-use, ...).
        public var stallCycles: [String: UInt64]
    }

    public var schema: String = DeploymentReport.schemaVersion
    public var sersimVersion: String
    public var board: BoardInfo
    public var model: ModelInfo
    /// Everything fits in the board's memories.
    public var fits: Bool
    /// The model ran on the emulated core (false: fit verdict only, e.g. AVR boards, or
    /// it did not fit).
    public var executed: Bool
    public var notExecutedReason: String?
    public var memory: MemoryPlan
    /// When it does not fit: what would help.
    public var suggestions: [String]
    public var cycles: UInt64
    public var instructions: UInt64
    public var latencySeconds: Double
    public var energyJoules: Double?
    public var averagePowerWatts: Double?
    public var energy: Energy?
    public var energyUnavailableReason: String?
    public var dutyCycle: DutyCycleInfo?
    public var layers: [Layer]
    public var outputs: [Output]
    /// The outputs equal the Swift reference executor's (checked unless disabled).
    public var verified: Bool?
    public var input: String
    /// Start-up (input copy, state reset) is part of `cycles`; its share.
    public var startupCycles: UInt64
    public var startupSteps: [String]
    public var timingModel: String
    public var memoryStats: MemoryStats?
    public var hostSeconds: Double
    /// The part of `hostSeconds` spent emulating the inference (`Machine.run`), to set
    /// against `latencySeconds`: below it, the emulation runs faster than the chip.
    public var hostEmulationSeconds: Double
    /// Some figures are approximate: why.
    public var estimate: Bool
    public var estimateReasons: [String]
    /// The timing model's named approximations that bear on this run (docs/timing.md):
    /// assumptions where a source is silent, not estimates of a different core.
    public var approximations: [String]

    /// The latency as a Duration, for `#expect(report.latency < .milliseconds(300))`.
    public var latency: Duration { .nanoseconds(Int64((latencySeconds * 1e9).rounded())) }

    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
