// LOGISTIC and TANH, int8 (gemmlowp fixed point) and int16 (table with interpolation): TFLM
// `kernels/logistic.cc`, `logistic_common.cc`, `kernels/tanh.cc` and
// `kernels/internal/reference/integer_ops/{logistic,tanh}.h`.

import Foundation

extension Reference {
    /// Prepared constants shared by LOGISTIC and TANH.
    public enum SigmoidParams: Sendable, Equatable {
        /// int8: the input (minus its zero point) is rescaled to Q4.27 by multiplier/shift;
        /// beyond +-radius the output saturates.
        case int8(Int8Params)
        /// int16: the input is brought to the table's scale by `rescale`.
        case int16(Int16Rescale)
    }

    public struct Int8Params: Sendable, Equatable {
        public var inputZeroPoint: Int32
        public var inputRangeRadius: Int32
        public var inputMultiplier: Int32
        public var inputLeftShift: Int32

        public init(inputZeroPoint: Int32, inputRangeRadius: Int32, inputMultiplier: Int32, inputLeftShift: Int32) {
            self.inputZeroPoint = inputZeroPoint
            self.inputRangeRadius = inputRangeRadius
            self.inputMultiplier = inputMultiplier
            self.inputLeftShift = inputLeftShift
        }
    }

    enum Sigmoid {
        /// The int8 input rescaling of LogisticPrepare / TanhPrepare: scale * 2^27 as a
        /// multiplier from frexp (no renormalisation, unlike QuantizeMultiplier).
        static func int8Params(_ input: OperandInfo) throws(ReferenceError) -> Int8Params {
            let real = Double(input.scale) * Double(1 << (31 - 4))
            let (fraction, exponent) = frexp(real)
            let fixed = (fraction * Double(Int64(1) << 31)).rounded()
            guard fixed < Double(Int64(1) << 31), (0...31).contains(exponent) else {
                throw ReferenceError("input scale \(input.scale) is outside what the int8 kernel can rescale")
            }
            return Int8Params(inputZeroPoint: try Check.zeroPoint(input, "input"),
                              inputRangeRadius: FixedPoint.inputRadius(integerBits: 4, leftShift: exponent),
                              inputMultiplier: Int32(fixed), inputLeftShift: Int32(exponent))
        }

        /// The int16 input rescaling of LogisticPrepare / TanhPrepare. A power-of-two scale
        /// whose shift is in `potShifts` uses the table directly (multiplier 0 in TFLM);
        /// otherwise a multiplier with value 3 * 4096 * scale * 2^shift below 32767.
        static func int16Rescale(_ input: OperandInfo, output: OperandInfo, potShifts: [Int]) throws(ReferenceError) -> Int16Rescale {
            guard input.zeroPoint == 0, output.zeroPoint == 0 else {
                throw ReferenceError("int16 input and output need zero point 0 (got \(input.zeroPoint), \(output.zeroPoint))")
            }
            let (log2, isPowerOfTwo) = FixedPoint.checkedLog2(input.scale)
            let potShift = (15 - 3) + log2
            let outputLog2 = FixedPoint.checkedLog2(output.scale)
            guard outputLog2.isPowerOfTwo, outputLog2.log2 == -15 else {
                throw ReferenceError("int16 output scale must be 2^-15, got \(output.scale)")
            }
            if isPowerOfTwo && potShifts.contains(potShift) {
                return Int16Rescale(tflmMultiplier: 0, leftShift: Int32(potShift))
            }
            var multiplier = Double(input.scale) * 4096.0 * 3.0
            var shift: Int32 = 0
            while multiplier <= 32767.0 / 2.0 && shift <= 30 {
                shift += 1
                multiplier *= 2.0
            }
            guard multiplier <= 32767 else {
                throw ReferenceError("int16 input scale \(input.scale) is too large for the table lookup")
            }
            return Int16Rescale(tflmMultiplier: Int32(multiplier), leftShift: shift)
        }

        static func prepare(input: OperandInfo, output: OperandInfo, potShifts: [Int]) throws(ReferenceError) -> SigmoidParams {
            try Check.type(input, [.int8, .int16], "input")
            guard output.type == input.type else {
                throw ReferenceError("output type \(output.type.rawValue) differs from input type \(input.type.rawValue)")
            }
            guard output.elementCount == input.elementCount else {
                throw ReferenceError("output shape \(output.shape) differs from input shape \(input.shape)")
            }
            try Check.perTensor(input, "input")
            try Check.perTensor(output, "output")
            if input.type == .int8 { return .int8(try int8Params(input)) }
            return .int16(try int16Rescale(input, output: output, potShifts: potShifts))
        }
    }

    public enum Logistic {
        public static func prepare(input: OperandInfo, output: OperandInfo) throws(ReferenceError) -> SigmoidParams {
            if input.type == .int8 {
                guard output.zeroPoint == -128 else {
                    throw ReferenceError("int8 LOGISTIC output needs zero point -128, got \(output.zeroPoint)")
                }
            }
            return try Sigmoid.prepare(input: input, output: output, potShifts: [0])
        }

        /// One int8 value: Q4.27 logistic, then to Q0.8 with zero point -128.
        @inline(__always)
        public static func int8(_ x: Int8, _ p: Int8Params) -> Int8 {
            let input = Int32(x) &- p.inputZeroPoint
            if input <= -p.inputRangeRadius { return Int8.min }
            if input >= p.inputRangeRadius { return Int8.max }
            let q4 = FixedPoint.multiplyByQuantizedMultiplier(input, p.inputMultiplier, p.inputLeftShift)
            let q0 = FixedPoint.logistic(q4, integerBits: 4)
            let out = FixedPoint.roundingDivideByPOT(q0, 31 - 8) &+ Int32(Int8.min)
            return Int8(min(max(out, Int32(Int8.min)), Int32(Int8.max)))
        }

        public static func eval(_ p: SigmoidParams, input: TensorValues) throws(ReferenceError) -> TensorValues {
            switch (p, input) {
            case let (.int8(q), .int8(values)): return .int8(values.map { int8($0, q) })
            case let (.int16(r), .int16(values)): return .int16(values.map { FixedPoint.logisticInt16($0, r) })
            default: throw ReferenceError("LOGISTIC input is \(input.elementType.rawValue), not what it was prepared for")
            }
        }
    }

    public enum Tanh {
        public static func prepare(input: OperandInfo, output: OperandInfo) throws(ReferenceError) -> SigmoidParams {
            try Sigmoid.prepare(input: input, output: output, potShifts: [0, 1])
        }

        /// One int8 value: Q4.27 tanh, then to Q0.7 (TFLM assumes output scale 1/128, zero
        /// point 0, and does not check them).
        @inline(__always)
        public static func int8(_ x: Int8, _ p: Int8Params) -> Int8 {
            let input = Int32(x) &- p.inputZeroPoint
            if input <= -p.inputRangeRadius { return Int8.min }
            if input >= p.inputRangeRadius { return Int8.max }
            let q4 = FixedPoint.multiplyByQuantizedMultiplier(input, p.inputMultiplier, p.inputLeftShift)
            let q0 = FixedPoint.tanh(q4, integerBits: 4)
            let out = FixedPoint.roundingDivideByPOT(q0, 31 - 7)
            return Int8(min(max(out, Int32(Int8.min)), Int32(Int8.max)))
        }

        public static func eval(_ p: SigmoidParams, input: TensorValues) throws(ReferenceError) -> TensorValues {
            switch (p, input) {
            case let (.int8(q), .int8(values)): return .int8(values.map { int8($0, q) })
            case let (.int16(r), .int16(values)): return .int16(values.map { FixedPoint.tanhInt16($0, r) })
            default: throw ReferenceError("TANH input is \(input.elementType.rawValue), not what it was prepared for")
            }
        }
    }
}
