// FULLY_CONNECTED, int8 activations and weights, int32 bias: TFLM
// `kernels/fully_connected.cc`, `fully_connected_common.cc` (prepare) and
// `kernels/internal/reference/integer_ops/fully_connected.h` (eval).

/// Namespace of sersim's reference kernels (the golden model): each kernel has a `prepare`
/// that validates operands and computes the quantization constants the way TFLM's Prepare does,
/// returning a public `Params`, and an `eval` that computes exactly what TFLM's reference
/// kernel computes.
public enum Reference {}

extension Reference {
    public enum FullyConnected {
        /// TFLM's FullyConnectedParams plus the per-channel multipliers (OpDataFullyConnected).
        public struct Params: Sendable, Equatable {
            /// Rows of the input (all output dimensions but the last, multiplied).
            public var batches: Int
            /// Elements accumulated per output (the weights' last dimension).
            public var inputDepth: Int
            /// Outputs per row (the output's last dimension).
            public var outputDepth: Int
            /// -input zero point.
            public var inputOffset: Int32
            /// -weights zero point; applied only per-tensor (per-channel weights are symmetric).
            public var filterOffset: Int32
            /// Output zero point.
            public var outputOffset: Int32
            /// True when the weights have one scale per output channel.
            public var perChannel: Bool
            /// One multiplier/shift pair (per-tensor) or one per output channel.
            public var outputMultiplier: [Int32]
            public var outputShift: [Int32]
            /// Clamp range after the zero point is added (fused activation).
            public var activationMin: Int32
            public var activationMax: Int32

            public init(batches: Int, inputDepth: Int, outputDepth: Int, inputOffset: Int32, filterOffset: Int32,
                        outputOffset: Int32, perChannel: Bool, outputMultiplier: [Int32], outputShift: [Int32],
                        activationMin: Int32, activationMax: Int32) {
                self.batches = batches
                self.inputDepth = inputDepth
                self.outputDepth = outputDepth
                self.inputOffset = inputOffset
                self.filterOffset = filterOffset
                self.outputOffset = outputOffset
                self.perChannel = perChannel
                self.outputMultiplier = outputMultiplier
                self.outputShift = outputShift
                self.activationMin = activationMin
                self.activationMax = activationMax
            }

            @inline(__always) func multiplier(_ channel: Int) -> Int32 {
                perChannel ? outputMultiplier[channel] : outputMultiplier[0]
            }

            @inline(__always) func shift(_ channel: Int) -> Int32 {
                perChannel ? outputShift[channel] : outputShift[0]
            }
        }

        /// CalculateOpDataFullyConnected for int8 input and weights. `output` may be int8 (the
        /// operator) or int16 (the LSTM's gate matmuls).
        public static func prepare(input: OperandInfo, filter: OperandInfo, bias: OperandInfo?, output: OperandInfo,
                                   activation: FusedActivation) throws(ReferenceError) -> Params {
            try Check.type(input, [.int8], "input")
            try Check.type(filter, [.int8], "weights")
            try Check.type(output, [.int8, .int16], "output")
            if let bias { try Check.type(bias, [.int32], "bias") }
            guard filter.shape.count >= 2 else {
                throw ReferenceError("weights have shape \(filter.shape); expected [units, depth]")
            }
            guard let outputDepth = output.shape.last, outputDepth > 0 else {
                throw ReferenceError("output has shape \(output.shape)")
            }
            let units = filter.shape[filter.shape.count - 2]
            let depth = filter.shape[filter.shape.count - 1]
            guard depth > 0, outputDepth <= units else {
                throw ReferenceError("output depth \(outputDepth) does not match weights \(filter.shape)")
            }
            let batches = output.elementCount / outputDepth
            guard batches > 0 else { throw ReferenceError("output has shape \(output.shape)") }
            guard input.elementCount == batches * depth else {
                throw ReferenceError("input has \(input.elementCount) elements; \(batches) rows of \(depth) expected "
                    + "(input \(input.shape), weights \(filter.shape), output \(output.shape))")
            }
            if let bias, bias.elementCount != units {
                throw ReferenceError("bias has \(bias.elementCount) elements, expected \(units)")
            }
            try Check.perTensor(input, "input")
            try Check.perTensor(output, "output")
            let filterQ = try Check.quantized(filter, "weights")
            let inputZero = try Check.zeroPoint(input, "input")
            let outputZero = try Check.zeroPoint(output, "output")
            let filterZero = try Check.zeroPoint(filter, "weights")
            let perChannel = filterQ.scales.count > 1
            var multipliers: [Int32] = []
            var shifts: [Int32] = []
            if perChannel {
                guard filterQ.dimension == 0, filterQ.scales.count == units else {
                    throw ReferenceError("per-channel weights need one scale per output unit along dimension 0; "
                        + "got \(filterQ.scales.count) scales along dimension \(filterQ.dimension)")
                }
                for scale in filterQ.scales {
                    let real = Double(input.scale) * Double(scale) / Double(output.scale)
                    let m = try Check.multiplier(real, "weights channel")
                    multipliers.append(m.multiplier)
                    shifts.append(m.shift)
                }
            } else {
                if let bias {
                    // GetQuantizedConvolutionMultipler's sanity check on the bias scale.
                    let product = Double(input.scale) * Double(filter.scale)
                    let diff = abs(product - Double(bias.scale))
                    guard diff / Double(output.scale) <= 0.02 else {
                        throw ReferenceError("bias scale \(bias.scale) differs from input scale x weight scale "
                            + "(\(product)) by more than 2% of the output scale")
                    }
                }
                // The product is formed in float, then widened (kernel_util.cc).
                let real = Double(input.scale * filter.scale) / Double(output.scale)
                let m = try Check.multiplier(real, "weights")
                multipliers = [m.multiplier]
                shifts = [m.shift]
            }
            let range = try Check.activationRange(activation, output)
            return Params(batches: batches, inputDepth: depth, outputDepth: outputDepth, inputOffset: -inputZero,
                          filterOffset: perChannel ? 0 : -filterZero, outputOffset: outputZero,
                          perChannel: perChannel, outputMultiplier: multipliers, outputShift: shifts,
                          activationMin: range.min, activationMax: range.max)
        }

        /// The operator: int8 in, int8 out.
        public static func eval(_ p: Params, input: [Int8], filter: [Int8], bias: [Int32]?) throws(ReferenceError) -> [Int8] {
            try validate(p, input: input.count, filter: filter.count, bias: bias?.count)
            var output = [Int8](repeating: 0, count: p.batches * p.outputDepth)
            input.withUnsafeBufferPointer { i in
                filter.withUnsafeBufferPointer { f in
                    withOptionalBuffer(bias) { b in
                        output.withUnsafeMutableBufferPointer { o in
                            run(p, input: i.baseAddress!, filter: f.baseAddress!, bias: b, output: o.baseAddress!)
                        }
                    }
                }
            }
            return output
        }

        /// int8 in, int16 out: the gate matmuls inside the integer LSTM.
        public static func evalInt16(_ p: Params, input: [Int8], filter: [Int8], bias: [Int32]?) throws(ReferenceError) -> [Int16] {
            try validate(p, input: input.count, filter: filter.count, bias: bias?.count)
            var output = [Int16](repeating: 0, count: p.batches * p.outputDepth)
            input.withUnsafeBufferPointer { i in
                filter.withUnsafeBufferPointer { f in
                    withOptionalBuffer(bias) { b in
                        output.withUnsafeMutableBufferPointer { o in
                            run(p, input: i.baseAddress!, filter: f.baseAddress!, bias: b, output: o.baseAddress!)
                        }
                    }
                }
            }
            return output
        }

        /// The int32 accumulators (bias included) before requantization, one per output.
        public static func accumulators(_ p: Params, input: [Int8], filter: [Int8], bias: [Int32]?) throws(ReferenceError) -> [Int32] {
            try validate(p, input: input.count, filter: filter.count, bias: bias?.count)
            var result: [Int32] = []
            result.reserveCapacity(p.batches * p.outputDepth)
            for b in 0..<p.batches {
                for c in 0..<p.outputDepth {
                    var acc: Int32 = 0
                    for d in 0..<p.inputDepth {
                        let x = Int32(input[b * p.inputDepth + d]) &+ p.inputOffset
                        let w = Int32(filter[c * p.inputDepth + d]) &+ p.filterOffset
                        acc = acc &+ w &* x
                    }
                    if let bias { acc = acc &+ bias[c] }
                    result.append(acc)
                }
            }
            return result
        }

        static func validate(_ p: Params, input: Int, filter: Int, bias: Int?) throws(ReferenceError) {
            guard p.batches > 0, p.inputDepth > 0, p.outputDepth > 0 else {
                throw ReferenceError("empty fully-connected shape (\(p.batches) x \(p.inputDepth) -> \(p.outputDepth))")
            }
            guard input == p.batches * p.inputDepth else {
                throw ReferenceError("input has \(input) elements, expected \(p.batches * p.inputDepth)")
            }
            guard filter >= p.outputDepth * p.inputDepth else {
                throw ReferenceError("weights have \(filter) elements, expected \(p.outputDepth * p.inputDepth)")
            }
            if let bias, bias < p.outputDepth {
                throw ReferenceError("bias has \(bias) elements, expected \(p.outputDepth)")
            }
            let channels = p.perChannel ? p.outputDepth : 1
            guard p.outputMultiplier.count >= channels, p.outputShift.count >= channels else {
                throw ReferenceError("\(p.outputMultiplier.count) multipliers for \(channels) channels")
            }
        }

        /// The loop of reference_integer_ops::FullyConnected / FullyConnectedPerChannel.
        @inline(__always)
        static func run<Output: FixedWidthInteger>(_ p: Params, input: UnsafePointer<Int8>, filter: UnsafePointer<Int8>,
                                                   bias: UnsafePointer<Int32>?, output: UnsafeMutablePointer<Output>) {
            for b in 0..<p.batches {
                let row = input + b * p.inputDepth
                for c in 0..<p.outputDepth {
                    let weights = filter + c * p.inputDepth
                    var acc: Int32 = 0
                    for d in 0..<p.inputDepth {
                        acc = acc &+ (Int32(weights[d]) &+ p.filterOffset) &* (Int32(row[d]) &+ p.inputOffset)
                    }
                    if let bias { acc = acc &+ bias[c] }
                    var scaled = FixedPoint.multiplyByQuantizedMultiplier(acc, p.multiplier(c), p.shift(c))
                    scaled = scaled &+ p.outputOffset
                    scaled = min(max(scaled, p.activationMin), p.activationMax)
                    output[b * p.outputDepth + c] = Output(truncatingIfNeeded: scaled)
                }
            }
        }
    }
}

@inline(__always)
func withOptionalBuffer<T, R>(_ array: [T]?, _ body: (UnsafePointer<T>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
