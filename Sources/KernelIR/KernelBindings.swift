import QuantModel

// From the reference kernels' prepared parameters (QuantModel's Reference.*.prepare, which
// compute what TFLM's Prepare computes) to the kernels' parameter blocks: the deployment's
// side of the kernel ABI (docs/kernels.md). A binding places the constant data it needs —
// folded biases, multiplier arrays, tables, the blocks themselves — through `place` and
// returns the kernel to call with the block's address in r0.

/// Where a binding puts read-only data: bytes in, address out (flash, typically).
public typealias PlaceConstant = (_ bytes: [UInt8], _ name: String) throws -> UInt32

/// A kernel call of the deployment's schedule: `kernel(block)`.
public struct KernelCall: Sendable, Equatable {
    public var kernel: String
    public var block: UInt32
    public init(kernel: String, block: UInt32) {
        self.kernel = kernel
        self.block = block
    }
}

public enum KernelBindings {
    static func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    }

    static func w(_ v: Int32) -> UInt32 { UInt32(bitPattern: v) }
    static func w(_ v: Int) -> UInt32 { UInt32(truncatingIfNeeded: v) }

    static func block(_ name: String, _ module: Module, _ fields: [String: UInt32], _ label: String,
                      _ place: PlaceConstant) throws -> UInt32 {
        try place(try KernelABI.parameterBlock(name, in: module, fields), label)
    }

    // MARK: FULLY_CONNECTED

    /// The fc_params fields of one matmul with weights at `weights` (values `weightValues`,
    /// row-major; at `weights` they are stored in `layout`, which the caller wrote).
    /// `outputBytes` 1 for int8 output, 2 for int16 (the LSTM's gates).
    public static func fcFields(_ p: Reference.FullyConnected.Params, weights: UInt32, weightValues: [Int8],
                                bias: [Int32]?, outputBytes: Int, layout: KernelABI.WeightLayout = .rowMajor,
                                name: String, place: PlaceConstant) throws -> [String: UInt32] {
        guard weightValues.count >= p.outputDepth * p.inputDepth else {
            throw KernelIRError("\(name): weights have \(weightValues.count) values, expected \(p.outputDepth * p.inputDepth)")
        }
        let folded = KernelABI.foldedBias(weights: weightValues, rows: p.outputDepth, depth: p.inputDepth, bias: bias,
                                          inputOffset: p.inputOffset, filterOffset: p.filterOffset)
        let biasAddress = try place(bytes(folded), "\(name).bias")
        let channels = p.perChannel ? p.outputDepth : 1
        let mult = try place(bytes(Array(p.outputMultiplier.prefix(channels))), "\(name).multiplier")
        let shift = try place(bytes(Array(p.outputShift.prefix(channels))), "\(name).shift")
        return [
            "input": 0, "output": 0, "batches": w(p.batches),
            "weights": weights, "bias": biasAddress, "rows": w(p.outputDepth), "depth": w(p.inputDepth),
            "filter_offset": w(p.filterOffset), "multiplier": mult, "shift": shift,
            "per_channel": p.perChannel ? 1 : 0, "output_offset": w(p.outputOffset),
            "act_min": w(p.activationMin), "act_max": w(p.activationMax), "out_bytes": w(outputBytes),
            "layout": layout.rawValue, "pair_groups": w(p.outputDepth / 2 / 3),
        ]
    }

    public static func fullyConnected(_ p: Reference.FullyConnected.Params, input: UInt32, output: UInt32,
                                      weights: UInt32, weightValues: [Int8], bias: [Int32]?, outputBytes: Int = 1,
                                      layout: KernelABI.WeightLayout = .rowMajor,
                                      module: Module, name: String = "fc", place: PlaceConstant) throws -> KernelCall {
        var f = try fcFields(p, weights: weights, weightValues: weightValues, bias: bias, outputBytes: outputBytes,
                             layout: layout, name: name, place: place)
        f["input"] = input
        f["output"] = output
        return KernelCall(kernel: "fully_connected_s8", block: try block("fc_params", module, f, name, place))
    }

    // MARK: UNIDIRECTIONAL_SEQUENCE_LSTM

    /// Bytes of int16 scratch the LSTM kernel needs (TFLM's four buffers).
    public static func lstmScratchBytes(_ p: Reference.LSTM.Params) -> Int { 4 * 2 * p.rowsPerStep * p.stateSize }

    /// `weights` are the addresses of the input and recurrent weight matrices per gate (order
    /// input, forget, cell, output), with their values in `values` and the layouts they are
    /// stored in at those addresses (row-major when not given).
    public static func lstm(_ p: Reference.LSTM.Params, values: Reference.LSTM.Weights,
                            inputWeights: [UInt32], recurrentWeights: [UInt32],
                            inputLayouts: [KernelABI.WeightLayout]? = nil, recurrentLayouts: [KernelABI.WeightLayout]? = nil,
                            input: UInt32, output: UInt32, hidden: UInt32, cell: UInt32, scratch: UInt32,
                            module: Module, name: String = "lstm", place: PlaceConstant) throws -> KernelCall {
        guard inputWeights.count == 4, recurrentWeights.count == 4, values.input.count == 4,
              values.recurrent.count == 4, values.bias.count == 4 else {
            throw KernelIRError("\(name): an LSTM needs weights for four gates")
        }
        let gates = [p.inputGate, p.forgetGate, p.cellGate, p.outputGate]
        let letters = ["i", "f", "c", "o"]
        var fields: [String: UInt32] = [
            "input": input, "output": output, "hidden": hidden, "cell": cell, "scratch": scratch,
            "time_steps": w(p.timeSteps), "batches": w(p.batchSize), "time_major": p.timeMajor ? 1 : 0,
            "input_size": w(p.inputSize), "state_size": w(p.stateSize),
            "cell_clip_on": p.cellClip > 0 ? 1 : 0, "cell_clip": w(Int32(p.quantizedCellClip)),
            "cell_tanh_mult": w(p.cellTanh.multiplier), "cell_tanh_shift": w(p.cellTanh.shift),
            "cell_tanh_round": w(p.cellTanh.round),
        ]
        for g in 0..<4 {
            let fin = try fcFields(gates[g].input, weights: inputWeights[g], weightValues: values.input[g],
                                   bias: values.bias[g], outputBytes: 2, layout: inputLayouts?[g] ?? .rowMajor,
                                   name: "\(name).\(letters[g]).input", place: place)
            // TFLM's recurrent matmuls have no bias (lstm_eval.h: recurrent_bias nullptr).
            let frec = try fcFields(gates[g].recurrent, weights: recurrentWeights[g], weightValues: values.recurrent[g],
                                    bias: nil, outputBytes: 2, layout: recurrentLayouts?[g] ?? .rowMajor,
                                    name: "\(name).\(letters[g]).recurrent", place: place)
            fields["fc_input_\(letters[g])"] = try block("fc_params", module, fin, "\(name).\(letters[g]).input.block", place)
            fields["fc_recurrent_\(letters[g])"] = try block("fc_params", module, frec, "\(name).\(letters[g]).recurrent.block", place)
        }
        func mul(_ m: Reference.Mul.Params, _ label: String) throws -> UInt32 {
            try block("lstm_mul", module, [
                "multiplier": w(m.outputMultiplier), "shift": w(m.outputShift), "output_offset": w(m.outputOffset),
                "act_min": w(m.activationMin), "act_max": w(m.activationMax),
            ], "\(name).\(label)", place)
        }
        fields["forget_mul"] = try mul(p.forgetCellMul, "forget_mul")
        fields["input_mul"] = try mul(p.inputCellMul, "input_mul")
        fields["hidden_mul"] = try mul(p.hiddenMul, "hidden_mul")
        return KernelCall(kernel: "lstm_s8", block: try block("lstm_params", module, fields, name, place))
    }

    // MARK: SOFTMAX, RELU, LOGISTIC, TANH

    public static func softmax(_ p: Reference.Softmax.Params, input: UInt32, output: UInt32, module: Module,
                               name: String = "softmax", place: PlaceConstant) throws -> KernelCall {
        KernelCall(kernel: "softmax_s8", block: try block("softmax_params", module, [
            "input": input, "output": output, "rows": w(p.rows), "depth": w(p.depth),
            "input_multiplier": w(p.inputMultiplier), "input_left_shift": w(p.inputLeftShift), "diff_min": w(p.diffMin),
        ], name, place))
    }

    public static func relu(_ p: Reference.Relu.Params, count: Int, elementBytes: Int, input: UInt32, output: UInt32,
                            module: Module, name: String = "relu", place: PlaceConstant) throws -> KernelCall {
        KernelCall(kernel: "relu_s8", block: try block("relu_params", module, [
            "input": input, "output": output, "count": w(count), "elem_bytes": w(elementBytes),
            "input_zero_point": w(p.inputOffset), "output_zero_point": w(p.outputOffset),
            "multiplier": w(p.outputMultiplier), "shift": w(p.outputShift),
            "act_min": w(p.activationMin), "act_max": w(p.activationMax),
        ], name, place))
    }

    /// LOGISTIC (`tanh` false) or TANH, int8 or int16 as prepared.
    public static func sigmoid(_ p: Reference.SigmoidParams, tanh: Bool, count: Int, input: UInt32, output: UInt32,
                               module: Module, name: String = "sigmoid", place: PlaceConstant) throws -> KernelCall {
        switch p {
        case let .int8(q):
            return KernelCall(kernel: tanh ? "tanh_s8" : "logistic_s8", block: try block("sigmoid_s8_params", module, [
                "input": input, "output": output, "count": w(count), "input_zero_point": w(q.inputZeroPoint),
                "input_range_radius": w(q.inputRangeRadius), "input_multiplier": w(q.inputMultiplier),
                "input_left_shift": w(q.inputLeftShift),
            ], name, place))
        case let .int16(r):
            return KernelCall(kernel: tanh ? "tanh_s16" : "logistic_s16", block: try block("sigmoid_s16_params", module, [
                "input": input, "output": output, "count": w(count), "mult": w(r.multiplier), "shift": w(r.shift),
                "round": w(r.round),
            ], name, place))
        }
    }

    // MARK: ADD, MUL

    static func shape(_ b: Reference.Broadcast, _ module: Module, _ name: String, _ place: PlaceConstant) throws -> UInt32 {
        let words = try KernelABI.broadcast6(outputShape: b.outputShape, strides1: b.strides1, strides2: b.strides2)
        let keys = ["d", "a", "b"].flatMap { l in (0..<6).map { "\(l)\($0)" } }
        var f: [String: UInt32] = [:]
        for (k, v) in zip(keys, words) { f[k] = v }
        return try block("broadcast6", module, f, "\(name).shape", place)
    }

    public static func add(_ p: Reference.Add.Params, input1: UInt32, input2: UInt32, output: UInt32, module: Module,
                           name: String = "add", place: PlaceConstant) throws -> KernelCall {
        KernelCall(kernel: "add_s8", block: try block("add_params", module, [
            "input1": input1, "input2": input2, "output": output, "shape": try shape(p.broadcast, module, name, place),
            "left_shift": w(p.leftShift), "input1_offset": w(p.input1Offset), "input1_multiplier": w(p.input1Multiplier),
            "input1_shift": w(p.input1Shift), "input2_offset": w(p.input2Offset), "input2_multiplier": w(p.input2Multiplier),
            "input2_shift": w(p.input2Shift), "output_offset": w(p.outputOffset), "output_multiplier": w(p.outputMultiplier),
            "output_shift": w(p.outputShift), "act_min": w(p.activationMin), "act_max": w(p.activationMax),
        ], name, place))
    }

    public static func mul(_ p: Reference.Mul.Prepared, input1: UInt32, input2: UInt32, output: UInt32, module: Module,
                           name: String = "mul", place: PlaceConstant) throws -> KernelCall {
        guard p.type == .int8 || p.type == .int16 else { throw KernelIRError("\(name): MUL of \(p.type.rawValue)") }
        let q = p.params
        return KernelCall(kernel: "mul_s8", block: try block("mul_params", module, [
            "input1": input1, "input2": input2, "output": output, "shape": try shape(p.broadcast, module, name, place),
            "elem_bytes": p.type == .int8 ? 1 : 2, "input1_offset": w(q.input1Offset), "input2_offset": w(q.input2Offset),
            "output_offset": w(q.outputOffset), "output_multiplier": w(q.outputMultiplier), "output_shift": w(q.outputShift),
            "act_min": w(q.activationMin), "act_max": w(q.activationMax),
        ], name, place))
    }

    // MARK: STRIDED_SLICE, RESHAPE (copy)

    public static func stridedSlice(_ p: Reference.StridedSlice.Params, elementBytes: Int, input: UInt32, output: UInt32,
                                    module: Module, name: String = "slice", place: PlaceConstant) throws -> KernelCall {
        var f = try KernelABI.sliceSteps(inputShape: p.inputShape, start: p.start, stop: p.stop, stride: p.stride)
        f["input"] = input
        f["output"] = output
        f["elem_bytes"] = w(elementBytes)
        return KernelCall(kernel: "strided_slice", block: try block("slice_params", module, f, name, place))
    }

    // MARK: QUANTIZE, DEQUANTIZE

    public static func quantize(_ p: Reference.Quantize.Params, count: Int, inputBytes: Int, input: UInt32, output: UInt32,
                                module: Module, name: String = "quantize", place: PlaceConstant) throws -> KernelCall {
        switch p {
        case let .requantize(multiplier, shift, inputZero, outputZero, type):
            let (lo, hi): (Int32, Int32) = type == .int8 ? (-128, 127) : (-32768, 32767)
            return KernelCall(kernel: "requantize", block: try block("requantize_params", module, [
                "input": input, "output": output, "count": w(count), "in_bytes": w(inputBytes),
                "out_bytes": type == .int8 ? 1 : 2, "input_zero_point": w(inputZero), "output_zero_point": w(outputZero),
                "multiplier": w(multiplier), "shift": w(shift), "act_min": w(lo), "act_max": w(hi),
            ], name, place))
        case let .affine(scale, zeroPoint, type):
            guard type == .int8 else {
                throw KernelIRError("\(name): QUANTIZE from float to \(type.rawValue) is not supported by the kernels (int8 only)")
            }
            let t = KernelABI.quantizeThresholds(scale: scale, lo: -128, hi: 127) {
                Reference.Quantize.affine($0, scale: scale, zeroPoint: zeroPoint, min: -128, max: 127)
            }
            let table = try place(bytes(t.thresholds), "\(name).thresholds")
            return KernelCall(kernel: "quantize_f32_s8", block: try block("quantize_f32_params", module, [
                "input": input, "output": output, "count": w(count), "thresholds": table,
                "underflow_key": w(t.underflowKey), "overflow_key": w(t.overflowKey),
                "overflow_value": w(t.overflowValue), "lo": w(Int32(-128)),
            ], name, place))
        }
    }

    /// DEQUANTIZE int8 → float32 through a 256-entry table of the reference's results.
    public static func dequantize(_ p: Reference.Dequantize.Params, count: Int, input: UInt32, output: UInt32,
                                  module: Module, name: String = "dequantize", place: PlaceConstant) throws -> KernelCall {
        let table = KernelABI.table32 { Reference.Dequantize.dequantize(Int32($0), p).bitPattern }
        let address = try place(bytes(table), "\(name).table")
        return KernelCall(kernel: "lookup_s8", block: try block("lookup_params", module, [
            "input": input, "output": output, "count": w(count), "table": address, "entry_bytes": 4,
        ], name, place))
    }
}
