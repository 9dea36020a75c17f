// Kernel quality: cycles per multiply-accumulate of the compiled kernels on each core's
// timing model, with code and data in zero-wait memory (docs/benchmarks.md, "Kernels").
//
//   swift run -c release kernel-benchmark
//
// Boards are ideal: code at 0 and data at 0x20000000, both without wait states (the
// M7's ITCM and DTCM), so that the figures measure the kernel and the core, not a
// board's flash. Each run is checked against the reference kernel before it is timed.

#if canImport(Glibc)
import Glibc
#endif
import BoardProfiles
import CortexM
import CycleTiming
import ELFFile
import KernelIR
import QuantModel
import ThumbISA

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func idealBoard(_ core: CoreKind) -> Board {
    let m7 = core == .cortexM7
    return Board(
        name: "ideal-\(core.rawValue)", displayName: "ideal \(core.displayName)", mcu: "none", vendor: "sersim",
        core: CoreSpec(kind: core, architecture: core == .cortexM0plus ? .armv6m : .armv7em, dsp: core != .cortexM0plus),
        clock: ClockSpec(defaultHz: 100e6, minHz: 1e6, maxHz: 1e9),
        memory: [MemoryRegion(name: m7 ? "ITCM" : "CODE", kind: m7 ? .itcm : .flash, base: 0, size: 1 << 20,
                              writable: true, executable: true),
                 MemoryRegion(name: m7 ? "DTCM" : "SRAM", kind: m7 ? .dtcm : .sram, base: 0x2000_0000,
                              size: 4 << 20, writable: true, executable: true)],
        vectorTable: 0)
}

/// The bundled kernels on an ideal board, with a bump allocator for data.
final class Bench {
    let machine: Machine
    let compiled: CompiledModule
    /// Weights in the paired-row layout where the core has the DSP extension (what a
    /// deployment does, FirmwareBuilder.pairedRowWeights); false measures row-major.
    var pairedRows: Bool
    var next: UInt32 = 0x2000_0000
    let stackTop: UInt32 = 0x2040_0000

    init(_ core: CoreKind) throws {
        let arch: ArchLevel = core == .cortexM0plus ? .v6m : .v7em
        compiled = try KernelLibrary.bundled().compile(for: arch)
        pairedRows = arch == .v7em
        machine = try Machine(board: idealBoard(core), options: MachineOptions(deliverFaultsToGuest: false, profileFunctions: false))
        try machine.load(FirmwareImage(segments: [.init(address: 0, bytes: compiled.image, executable: true, writable: false,
                                                        name: "kernels")]), reset: false)
    }

    func put(_ bytes: [UInt8]) -> UInt32 {
        let at = next
        machine.poke(at, bytes)
        next = (next + UInt32(max(bytes.count, 4)) + 7) & ~7
        return at
    }

    func put(_ v: TensorValues) -> UInt32 { put(v.littleEndianBytes) }

    /// A weight matrix as the deployment stores it, and its layout.
    func putWeights(_ w: [Int8], rows: Int, depth: Int) -> (UInt32, KernelABI.WeightLayout) {
        if pairedRows, let bytes = KernelABI.pairedRowWeights(w, rows: rows, depth: depth) { return (put(bytes), .pairedRows) }
        return (put(.int8(w)), .rowMajor)
    }
    func alloc(_ n: Int) -> UInt32 { put([UInt8](repeating: 0, count: n)) }
    var place: PlaceConstant { { [self] bytes, _ in self.put(bytes) } }

    /// Cycles of one call.
    func cycles(_ call: KernelCall) throws -> UInt64 {
        guard let s = compiled.symbol(call.kernel) else { throw Failure("no kernel \(call.kernel)") }
        let before = machine.cycles
        try machine.call(UInt32(s.offset) | 1, arguments: [call.block], stackTop: stackTop)
        return machine.cycles - before
    }

    func read(_ a: UInt32, _ n: Int, _ t: ElementType) -> TensorValues {
        TensorValues(littleEndian: machine.peek(a, count: n * t.byteSize) ?? [], type: t, count: n)!
    }
}

struct Rng {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int8s(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8(truncatingIfNeeded: next()) } }
    /// Weights as TFLite's converter quantizes them: symmetric, −127 … 127.
    mutating func weights(_ n: Int) -> [Int8] { int8s(n).map { max($0, -127) } }
}

func q(_ s: Float, _ z: Int64) -> Quantization { Quantization(scale: s, zeroPoint: z) }

/// A fully-connected layer depth → rows, batch 1; returns cycles per MAC.
func fullyConnected(_ bench: Bench, depth: Int, rows: Int) throws -> Double {
    Double(try fullyConnectedCycles(bench, depth: depth, rows: rows)) / Double(depth * rows)
}

func fullyConnectedCycles(_ bench: Bench, depth: Int, rows: Int) throws -> UInt64 {
    var rng = Rng(state: UInt64(depth * 1000 + rows))
    let x = rng.int8s(depth), w = rng.weights(rows * depth)
    let bias = (0..<rows).map { _ in Int32(truncatingIfNeeded: rng.next() % 20_000) }
    let p = try Reference.FullyConnected.prepare(
        input: OperandInfo(shape: [1, depth], type: .int8, quantization: q(0.05, 3)),
        filter: OperandInfo(shape: [rows, depth], type: .int8, quantization: q(0.01, 0)),
        bias: OperandInfo(shape: [rows], type: .int32, quantization: q(0.0005, 0)),
        output: OperandInfo(shape: [1, rows], type: .int8, quantization: q(0.2, -5)), activation: .relu)
    let want = try Reference.FullyConnected.eval(p, input: x, filter: w, bias: bias)
    let out = bench.alloc(rows)
    let (wa, layout) = bench.putWeights(w, rows: rows, depth: depth)
    let call = try KernelBindings.fullyConnected(p, input: bench.put(.int8(x)), output: out, weights: wa,
                                                 weightValues: w, bias: bias, layout: layout, module: bench.compiled.module,
                                                 place: bench.place)
    let c = try bench.cycles(call)
    guard bench.read(out, rows, .int8) == .int8(want) else { throw Failure("fully-connected \(depth)x\(rows) differs from the reference") }
    return c
}

/// One LSTM time step (batch 1) of `units` cells on `inputs` features: cycles per MAC of
/// its eight matmuls (4 gates × (input + recurrent)), element-wise work included.
func lstmStep(_ bench: Bench, inputs: Int, units: Int) throws -> (cyclesPerMAC: Double, cycles: UInt64) {
    var rng = Rng(state: UInt64(inputs * 7 + units))
    let inQ = q(0.05, 2), hQ = q(0.008, -3)
    let inW = (0..<4).map { _ in rng.weights(units * inputs) }, recW = (0..<4).map { _ in rng.weights(units * units) }
    let biases = (0..<4).map { _ in (0..<units).map { _ in Int32(truncatingIfNeeded: rng.next() % 10_000) } }
    let wInfo = { (r: Int, c: Int) in OperandInfo(shape: [r, c], type: .int8, quantization: q(0.01, 0)) }
    let o = Reference.LSTM.Operands(
        input: OperandInfo(shape: [1, 1, inputs], type: .int8, quantization: inQ),
        inputWeights: (0..<4).map { _ in wInfo(units, inputs) }, recurrentWeights: (0..<4).map { _ in wInfo(units, units) },
        biases: (0..<4).map { _ in OperandInfo(shape: [units], type: .int32, quantization: q(0.0005, 0)) },
        hiddenState: OperandInfo(shape: [1, units], type: .int8, quantization: hQ),
        cellState: OperandInfo(shape: [1, units], type: .int16, quantization: q(1.0 / 2048, 0)),
        output: OperandInfo(shape: [1, 1, units], type: .int8, quantization: hQ))
    let p = try Reference.LSTM.prepare(o, options: LSTMOptions())
    let weights = Reference.LSTM.Weights(input: inW, recurrent: recW, bias: biases)
    let x = rng.int8s(inputs)
    var state = Reference.LSTM.State(hidden: rng.int8s(units), cell: (0..<units).map { _ in Int16(truncatingIfNeeded: rng.next() % 3000) })
    let h0 = state.hidden, c0 = state.cell
    let want = try Reference.LSTM.eval(p, input: x, weights: weights, state: &state)
    let out = bench.alloc(units)
    let inP = inW.map { bench.putWeights($0, rows: units, depth: inputs) }
    let recP = recW.map { bench.putWeights($0, rows: units, depth: units) }
    let call = try KernelBindings.lstm(
        p, values: weights, inputWeights: inP.map(\.0), recurrentWeights: recP.map(\.0),
        inputLayouts: inP.map(\.1), recurrentLayouts: recP.map(\.1),
        input: bench.put(.int8(x)), output: out, hidden: bench.put(.int8(h0)), cell: bench.put(.int16(c0)),
        scratch: bench.alloc(KernelBindings.lstmScratchBytes(p)), module: bench.compiled.module, place: bench.place)
    let c = try bench.cycles(call)
    guard bench.read(out, units, .int8) == .int8(want) else { throw Failure("LSTM step \(inputs)→\(units) differs from the reference") }
    return (Double(c) / Double(4 * units * (inputs + units)), c)
}

do {
    let cores: [(String, CoreKind)] = [("M0+", .cortexM0plus), ("M4", .cortexM4), ("M7", .cortexM7)]
    print("| kernel | size | " + cores.map { "\($0.0) cycles/MAC" }.joined(separator: " | ") + " |")
    print("|---|---|" + cores.map { _ in "---:" }.joined(separator: "|") + "|")
    let benches = try cores.map { try Bench($0.1) }
    for n in [64, 128, 256] {
        let fc = try benches.map { try fullyConnected($0, depth: n, rows: n) }
        print("| fully_connected_s8 | \(n)×\(n) | " + fc.map { String(format: "%.2f", $0) }.joined(separator: " | ") + " |")
    }
    // The inner loop alone: cycles added per MAC when 256 rows go from depth 256 to 504
    // (the paired-row layout takes depths up to 511).
    let marginal = try benches.map { b in
        Double(try fullyConnectedCycles(b, depth: 504, rows: 256) - fullyConnectedCycles(b, depth: 256, rows: 256)) / Double(256 * 248)
    }
    print("| fully_connected_s8, inner loop (marginal) | 256 rows, depth 256 → 504 | "
          + marginal.map { String(format: "%.2f", $0) }.joined(separator: " | ") + " |")
    // The same layers with row-major weights on every core (no paired-row layout).
    for b in benches { b.pairedRows = false }
    let rowMajor = try benches.map { try fullyConnected($0, depth: 256, rows: 256) }
    let rowMajorMarginal = try benches.map { b in
        Double(try fullyConnectedCycles(b, depth: 504, rows: 256) - fullyConnectedCycles(b, depth: 256, rows: 256)) / Double(256 * 248)
    }
    for b in benches { b.pairedRows = b.compiled.arch == .v7em }
    print("| fully_connected_s8, row-major weights | 256×256 | " + rowMajor.map { String(format: "%.2f", $0) }.joined(separator: " | ") + " |")
    print("| fully_connected_s8, row-major weights, inner loop | 256 rows, depth 256 → 504 | "
          + rowMajorMarginal.map { String(format: "%.2f", $0) }.joined(separator: " | ") + " |")
    for n in [64, 128, 256] {
        let l = try benches.map { try lstmStep($0, inputs: n, units: n).cyclesPerMAC }
        print("| lstm_s8, one step | \(n) in, \(n) units | " + l.map { String(format: "%.2f", $0) }.joined(separator: " | ") + " |")
    }
    let ser = try benches.map { try lstmStep($0, inputs: 13, units: 128) }
    print("| lstm_s8, one step (SER layer 1) | 13 in, 128 units | "
          + ser.map { String(format: "%.2f (%d cycles)", $0.cyclesPerMAC, $0.cycles) }.joined(separator: " | ") + " |")
} catch {
    print("kernel-benchmark: \(error)")
    exit(1)
}
