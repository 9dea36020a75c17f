import BoardProfiles
import CortexM
import CycleTiming
import ELFFile
import Foundation

/// What running a built firmware measured.
public struct RunMeasurement: Sendable {
    public var cycles: UInt64
    public var instructions: UInt64
    /// Cycles before the first layer starts (cache enable, input copy, state reset).
    public var startupCycles: UInt64
    /// Per layer: cycles, instructions and memory-system statistics of its span.
    public var layerCycles: [UInt64]
    public var layerInstructions: [UInt64]
    public var layerStatistics: [TimingStatistics]
    public var statistics: TimingStatistics
    /// Bytes of each model output, read from RAM after the run.
    public var outputs: [[UInt8]]
    /// Bytes of every layer's output tensors right after the layer ran (tensor → bytes),
    /// before a later layer could reuse their arena space.
    public var layerOutputs: [Int: [UInt8]]
    public var hostSeconds: Double
    public var timingModel: TimingModelKind
}

/// Runs a built firmware image from reset on an emulated board, with probes at the
/// schedule's layer boundaries. The same image written as an ELF and run by
/// `sersim run fw.elf` executes the same instructions, so the cycle counts agree.
public struct ModelRunner {
    public var clockHz: Double?
    public var timing: TimingModelKind?
    public var maxCycles: UInt64

    public init(clockHz: Double? = nil, timing: TimingModelKind? = nil, maxCycles: UInt64 = 20_000_000_000) {
        self.clockHz = clockHz
        self.timing = timing
        self.maxCycles = maxCycles
    }

    public func run(_ firmware: BuiltFirmware, metadata: FirmwareMetadata) throws -> RunMeasurement {
        guard let image = firmware.image else {
            throw DeploymentError.run("the firmware was not built (the model does not fit on \(firmware.board.name))")
        }
        return try run(image: image, board: firmware.board, metadata: metadata)
    }

    /// Run a model firmware image (just built, or read back from an ELF) on a board.
    public func run(image: FirmwareImage, board: Board, metadata: FirmwareMetadata) throws -> RunMeasurement {
        let machine = try Machine(board: board,
                                  options: MachineOptions(timing: timing, clockHz: clockHz, profileFunctions: false))
        try machine.load(image)
        let firmware = (layers: metadata.layers, doneAddress: metadata.doneAddress, outputs: metadata.outputs,
                        board: board)
        let layerAddresses = firmware.layers.map(\.address)
        var boundaries: [(cycles: UInt64, instructions: UInt64, stats: TimingStatistics)] = []
        var layerOutputs: [Int: [UInt8]] = [:]
        var hitIndex = 0
        // Probe order: layer 0, layer 1, ..., done. At the start of layer n (and at done),
        // layer n-1 has just finished: keep its outputs before their space is reused.
        let probePoints = layerAddresses + [firmware.doneAddress]
        machine.setProbes(Set(probePoints)) { address in
            guard hitIndex < probePoints.count, address == probePoints[hitIndex] else { return }
            if hitIndex > 0 {
                for o in firmware.layers[hitIndex - 1].outputs {
                    layerOutputs[o.tensor] = machine.peek(o.address, count: o.bytes) ?? []
                }
            }
            boundaries.append((machine.cycles, machine.instructions, machine.timer.statistics))
            hitIndex += 1
        }
        let start = Date()
        let stop: StopReason
        do {
            stop = try machine.run(maxCycles: maxCycles)
        } catch let fault as FaultReport {
            throw DeploymentError.run("the firmware faulted on \(firmware.board.name):\n\(fault)")
        }
        let host = Date().timeIntervalSince(start)
        guard stop == .exited(code: 0) else {
            throw DeploymentError.run("the firmware stopped with \(stop) instead of exiting normally")
        }
        guard boundaries.count == probePoints.count else {
            throw DeploymentError.run("the schedule passed \(boundaries.count) of \(probePoints.count) layer boundaries")
        }
        var layerCycles: [UInt64] = [], layerInstructions: [UInt64] = [], layerStats: [TimingStatistics] = []
        for n in firmware.layers.indices {
            layerCycles.append(boundaries[n + 1].cycles - boundaries[n].cycles)
            layerInstructions.append(boundaries[n + 1].instructions - boundaries[n].instructions)
            layerStats.append(boundaries[n + 1].stats.delta(since: boundaries[n].stats))
        }
        let outputs = firmware.outputs.map { machine.peek($0.address, count: $0.bytes) ?? [] }
        return RunMeasurement(
            cycles: machine.cycles, instructions: machine.instructions, startupCycles: boundaries[0].cycles,
            layerCycles: layerCycles, layerInstructions: layerInstructions, layerStatistics: layerStats,
            statistics: machine.timer.statistics, outputs: outputs, layerOutputs: layerOutputs, hostSeconds: host,
            timingModel: machine.timer.kind)
    }
}
