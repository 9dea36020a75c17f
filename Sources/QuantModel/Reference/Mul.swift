// MUL, int8 and int16: TFLM `kernels/mul.cc`, `mul_common.cc` (CalculateOpDataMul) and
// `kernels/internal/reference/integer_ops/mul.h` (MulElementwise). The integer LSTM uses the
// same elementwise multiply for its gate products.

extension Reference {
    public enum Mul {
        /// TFLM's ArithmeticParams for quantized MUL.
        public struct Params: Sendable, Equatable {
            public var input1Offset: Int32
            public var input2Offset: Int32
            public var outputOffset: Int32
            public var outputMultiplier: Int32
            public var outputShift: Int32
            public var activationMin: Int32
            public var activationMax: Int32

            public init(input1Offset: Int32, input2Offset: Int32, outputOffset: Int32, outputMultiplier: Int32,
                        outputShift: Int32, activationMin: Int32, activationMax: Int32) {
                self.input1Offset = input1Offset
                self.input2Offset = input2Offset
                self.outputOffset = outputOffset
                self.outputMultiplier = outputMultiplier
                self.outputShift = outputShift
                self.activationMin = activationMin
                self.activationMax = activationMax
            }
        }

        /// The operator's prepared state: the arithmetic and the broadcast.
        public struct Prepared: Sendable, Equatable {
            public var params: Params
            public var broadcast: Broadcast
            public var type: ElementType

            public init(params: Params, broadcast: Broadcast, type: ElementType) {
                self.params = params
                self.broadcast = broadcast
                self.type = type
            }
        }

        public static func prepare(input1: OperandInfo, input2: OperandInfo, output: OperandInfo,
                                   activation: FusedActivation) throws(ReferenceError) -> Prepared {
            try Check.type(input1, [.int8, .int16], "input 1")
            guard input2.type == input1.type, output.type == input1.type else {
                throw ReferenceError("inputs and output must have one type; got \(input1.type.rawValue), "
                    + "\(input2.type.rawValue) -> \(output.type.rawValue)")
            }
            try Check.perTensor(input1, "input 1")
            try Check.perTensor(input2, "input 2")
            try Check.perTensor(output, "output")
            let z1 = try Check.zeroPoint(input1, "input 1")
            let z2 = try Check.zeroPoint(input2, "input 2")
            let zo = try Check.zeroPoint(output, "output")
            if input1.type == .int16, z1 != 0 || z2 != 0 || zo != 0 {
                throw ReferenceError("int16 MUL needs zero points of 0 (got \(z1), \(z2), \(zo))")
            }
            let real = Double(input1.scale) * Double(input2.scale) / Double(output.scale)
            let m = try Check.multiplier(real, "output")
            let range = try Check.activationRange(activation, output)
            return Prepared(
                params: Params(input1Offset: -z1, input2Offset: -z2, outputOffset: zo, outputMultiplier: m.multiplier,
                               outputShift: m.shift, activationMin: range.min, activationMax: range.max),
                broadcast: try Broadcast(input1.shape, input2.shape, output: output.shape),
                type: input1.type)
        }

        /// MulElementwise for one pair of raw values (any integer input type).
        @inline(__always)
        public static func multiply(_ x: Int32, _ y: Int32, _ p: Params) -> Int32 {
            let product = (p.input1Offset &+ x) &* (p.input2Offset &+ y)
            let raw = p.outputOffset &+ FixedPoint.multiplyByQuantizedMultiplier(product, p.outputMultiplier, p.outputShift)
            return min(max(raw, p.activationMin), p.activationMax)
        }

        public static func eval(_ p: Prepared, input1: TensorValues, input2: TensorValues) throws(ReferenceError) -> TensorValues {
            try Elementwise.checkCounts(p.broadcast, input1.count, input2.count)
            switch (input1, input2) {
            case let (.int8(a), .int8(b)):
                var out = [Int8](repeating: 0, count: p.broadcast.outputCount)
                p.broadcast.forEach { o, i, j in
                    out[o] = Int8(truncatingIfNeeded: multiply(Int32(a[i]), Int32(b[j]), p.params))
                }
                return .int8(out)
            case let (.int16(a), .int16(b)):
                var out = [Int16](repeating: 0, count: p.broadcast.outputCount)
                p.broadcast.forEach { o, i, j in
                    out[o] = Int16(truncatingIfNeeded: multiply(Int32(a[i]), Int32(b[j]), p.params))
                }
                return .int16(out)
            default:
                throw ReferenceError("MUL inputs are \(input1.elementType.rawValue) and \(input2.elementType.rawValue); "
                    + "expected \(p.type.rawValue)")
            }
        }
    }
}
