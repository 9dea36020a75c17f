// SOFTMAX, int8 in and out: TFLM `kernels/softmax.cc`, `softmax_common.cc`
// (CalculateSoftmaxParams) and `kernels/internal/reference/softmax.h` (the quantized Softmax:
// exp of the Q5.26 input difference, Q12.19 sum, reciprocal by Newton-Raphson).

extension Reference {
    public enum Softmax {
        /// TFLM's SoftmaxParams for int8.
        public struct Params: Sendable, Equatable {
            /// Rows (all dimensions but the last) and their length.
            public var rows: Int
            public var depth: Int
            /// beta * input_scale * 2^26 as a multiplier and left shift.
            public var inputMultiplier: Int32
            public var inputLeftShift: Int32
            /// Input differences below this (raw units) contribute exp() = 0.
            public var diffMin: Int32

            public init(rows: Int, depth: Int, inputMultiplier: Int32, inputLeftShift: Int32, diffMin: Int32) {
                self.rows = rows
                self.depth = depth
                self.inputMultiplier = inputMultiplier
                self.inputLeftShift = inputLeftShift
                self.diffMin = diffMin
            }
        }

        static let scaledDiffIntegerBits = 5
        static let accumulationIntegerBits = 12

        public static func prepare(input: OperandInfo, output: OperandInfo, beta: Float) throws(ReferenceError) -> Params {
            try Check.type(input, [.int8], "input")
            try Check.type(output, [.int8], "output")
            try Check.perTensor(input, "input")
            try Check.perTensor(output, "output")
            guard let depth = input.shape.last, depth > 0, output.shape == input.shape else {
                throw ReferenceError("input \(input.shape) and output \(output.shape) must have one non-empty shape")
            }
            guard output.zeroPoint == -128, output.scale == Float(1) / 256 else {
                throw ReferenceError("int8 SOFTMAX output must have scale 1/256 and zero point -128 "
                    + "(got \(output.scale), \(output.zeroPoint))")
            }
            // The exponentials of a row add up in Q12.19: 4096 or more ones overflow it.
            guard depth < 4096 else {
                throw ReferenceError("rows of \(depth) elements overflow TFLM's Q12.19 sum (at most 4095)")
            }
            guard beta.isFinite, beta > 0 else { throw ReferenceError("beta \(beta) must be positive") }
            _ = try Check.zeroPoint(input, "input")
            // PreprocessSoftmaxScaling (double-rounding build: capped at 2^31 - 1).
            let real = min(Double(beta) * Double(input.scale) * Double(1 << (31 - scaledDiffIntegerBits)),
                           Double((Int64(1) << 31) - 1))
            guard real > 1 else {
                throw ReferenceError("beta x input scale x 2^26 = \(real) must exceed 1 (input scale too small)")
            }
            let m = try Check.multiplier(real, "input")
            let radius = FixedPoint.inputRadius(integerBits: scaledDiffIntegerBits, leftShift: Int(m.shift))
            return Params(rows: input.elementCount / depth, depth: depth, inputMultiplier: m.multiplier,
                          inputLeftShift: m.shift, diffMin: -radius)
        }

        public static func eval(_ p: Params, input: [Int8]) throws(ReferenceError) -> [Int8] {
            guard input.count == p.rows * p.depth else {
                throw ReferenceError("input has \(input.count) elements, expected \(p.rows * p.depth)")
            }
            var output = [Int8](repeating: 0, count: input.count)
            for r in 0..<p.rows {
                let base = r * p.depth
                var maxInRow = Int8.min
                for c in 0..<p.depth { maxInRow = max(maxInRow, input[base + c]) }
                var sumOfExps: Int32 = 0
                for c in 0..<p.depth {
                    let diff = Int32(input[base + c]) - Int32(maxInRow)
                    if diff >= p.diffMin {
                        sumOfExps = sumOfExps &+ FixedPoint.rescale(exp(diff, p), from: 0, to: accumulationIntegerBits)
                    }
                }
                let (shiftedScale, bitsOverUnit) = FixedPoint.reciprocal(sumOfExps, integerDigits: accumulationIntegerBits)
                let exponent = bitsOverUnit + 31 - 8
                guard (0...31).contains(exponent) else {
                    throw ReferenceError("softmax row sum out of range (exponent \(exponent))")
                }
                for c in 0..<p.depth {
                    let diff = Int32(input[base + c]) - Int32(maxInRow)
                    if diff >= p.diffMin {
                        let unsat = FixedPoint.roundingDivideByPOT(
                            FixedPoint.saturatingRoundingDoublingHighMul(shiftedScale, exp(diff, p)), exponent)
                        let shifted = unsat &+ Int32(Int8.min)
                        output[base + c] = Int8(min(max(shifted, Int32(Int8.min)), Int32(Int8.max)))
                    } else {
                        output[base + c] = Int8.min
                    }
                }
            }
            return output
        }

        /// exp(beta * scale * diff) in Q0.31 for a non-positive raw difference.
        @inline(__always)
        static func exp(_ diff: Int32, _ p: Params) -> Int32 {
            let rescaled = FixedPoint.multiplyByQuantizedMultiplier(diff, p.inputMultiplier, p.inputLeftShift)
            return FixedPoint.expOnNegativeValues(rescaled, integerBits: scaledDiffIntegerBits)
        }
    }
}
