// QUANTIZE (float -> int8/int16, and int8/int16 -> int8/int16 requantization) and
// DEQUANTIZE (int8/int16 -> float): TFLM `kernels/quantize_common.cc`,
// `dequantize_common.cc` and `kernels/internal/reference/{quantize,requantize,dequantize}.h`.

extension Reference {
    public enum Quantize {
        public enum Params: Sendable, Equatable {
            /// AffineQuantize: round(x / scale) + zeroPoint, in float.
            case affine(scale: Float, zeroPoint: Int32, output: ElementType)
            /// Requantize: (x - inputZeroPoint) * multiplier * 2^shift + outputZeroPoint.
            case requantize(multiplier: Int32, shift: Int32, inputZeroPoint: Int32, outputZeroPoint: Int32,
                            output: ElementType)
        }

        public static func prepare(input: OperandInfo, output: OperandInfo) throws(ReferenceError) -> Params {
            try Check.type(input, [.float32, .int8, .int16], "input")
            try Check.type(output, [.int8, .int16], "output")
            guard input.elementCount == output.elementCount else {
                throw ReferenceError("output shape \(output.shape) differs from input shape \(input.shape)")
            }
            try Check.perTensor(output, "output")
            let outputZero = try Check.zeroPoint(output, "output")
            if input.type == .float32 {
                return .affine(scale: output.scale, zeroPoint: outputZero, output: output.type)
            }
            try Check.perTensor(input, "input")
            let m = try Check.multiplier(Double(input.scale) / Double(output.scale), "output")
            return .requantize(multiplier: m.multiplier, shift: m.shift,
                               inputZeroPoint: try Check.zeroPoint(input, "input"), outputZeroPoint: outputZero,
                               output: output.type)
        }

        /// One float through AffineQuantize. `static_cast<int32_t>` of a float that does not fit
        /// (or NaN) yields INT32_MIN on x86-64, the reference build, so such inputs clamp to the
        /// type's minimum, as TFLM's Python interpreter computes them.
        @inline(__always)
        public static func affine(_ x: Float, scale: Float, zeroPoint: Int32, min lo: Int32, max hi: Int32) -> Int32 {
            let r = (x / scale).rounded()
            let converted: Int32 = (r.isFinite && r >= -2_147_483_648 && r < 2_147_483_648) ? Int32(r) : Int32.min
            return min(max(converted &+ zeroPoint, lo), hi)
        }

        @inline(__always)
        public static func requantize(_ x: Int32, multiplier: Int32, shift: Int32, inputZeroPoint: Int32,
                                      outputZeroPoint: Int32, min lo: Int32, max hi: Int32) -> Int32 {
            let v = FixedPoint.multiplyByQuantizedMultiplier(x &- inputZeroPoint, multiplier, shift) &+ outputZeroPoint
            return min(max(v, lo), hi)
        }

        public static func eval(_ p: Params, input: TensorValues) throws(ReferenceError) -> TensorValues {
            let outputType: ElementType
            let values: [Int32]
            switch p {
            case let .affine(scale, zeroPoint, output):
                guard case .float32(let x) = input else {
                    throw ReferenceError("QUANTIZE was prepared for float input, got \(input.elementType.rawValue)")
                }
                let (lo, hi) = bounds(output)
                outputType = output
                values = x.map { affine($0, scale: scale, zeroPoint: zeroPoint, min: lo, max: hi) }
            case let .requantize(multiplier, shift, inputZero, outputZero, output):
                let (lo, hi) = bounds(output)
                outputType = output
                let raw: [Int32]
                switch input {
                case .int8(let v): raw = v.map(Int32.init)
                case .int16(let v): raw = v.map(Int32.init)
                default: throw ReferenceError("QUANTIZE requantizes int8/int16, got \(input.elementType.rawValue)")
                }
                values = raw.map {
                    requantize($0, multiplier: multiplier, shift: shift, inputZeroPoint: inputZero,
                               outputZeroPoint: outputZero, min: lo, max: hi)
                }
            }
            return outputType == .int8 ? .int8(values.map { Int8(truncatingIfNeeded: $0) })
                                       : .int16(values.map { Int16(truncatingIfNeeded: $0) })
        }

        static func bounds(_ type: ElementType) -> (Int32, Int32) {
            type == .int8 ? (Int32(Int8.min), Int32(Int8.max)) : (Int32(Int16.min), Int32(Int16.max))
        }
    }

    public enum Dequantize {
        public struct Params: Sendable, Equatable {
            public var scale: Float
            public var zeroPoint: Int32

            public init(scale: Float, zeroPoint: Int32) {
                self.scale = scale
                self.zeroPoint = zeroPoint
            }
        }

        public static func prepare(input: OperandInfo, output: OperandInfo) throws(ReferenceError) -> Params {
            try Check.type(input, [.int8, .int16], "input")
            try Check.type(output, [.float32], "output")
            guard input.elementCount == output.elementCount else {
                throw ReferenceError("output shape \(output.shape) differs from input shape \(input.shape)")
            }
            try Check.perTensor(input, "input")
            return Params(scale: input.scale, zeroPoint: try Check.zeroPoint(input, "input"))
        }

        /// scale * (x - zeroPoint) computed in double, then rounded to float.
        @inline(__always)
        public static func dequantize(_ x: Int32, _ p: Params) -> Float {
            Float(Double(p.scale) * Double(x &- p.zeroPoint))
        }

        public static func eval(_ p: Params, input: TensorValues) throws(ReferenceError) -> TensorValues {
            switch input {
            case .int8(let v): return .float32(v.map { dequantize(Int32($0), p) })
            case .int16(let v): return .float32(v.map { dequantize(Int32($0), p) })
            default: throw ReferenceError("DEQUANTIZE input is \(input.elementType.rawValue)")
            }
        }
    }
}
