// Fixed-point arithmetic exactly as TensorFlow Lite Micro computes it.
//
// Sources (read, not copied): gemmlowp `fixedpoint/fixedpoint.h` at the commit TFLM downloads
// (719139ce), TFLM `tensorflow/lite/kernels/internal/common.{h,cc}` and
// `quantization_util.cc`. Raw values are Int32 with an implicit number of integer bits
// ("Q<i>.<31-i>"), as gemmlowp's FixedPoint<int32_t, i>. Where C++ would overflow a signed
// int (undefined behaviour that wraps on every target TFLM ships for) we wrap explicitly.

import Foundation

/// Which MultiplyByQuantizedMultiplier TFLM was built with (`TFLITE_SINGLE_ROUNDING`).
/// The PyPI tflite-micro build — sersim's reference — uses `.double` (gemmlowp's
/// SaturatingRoundingDoublingHighMul followed by RoundingDivideByPOT); the golden tests prove
/// it on outputs where the two differ.
public enum RequantizationRounding: Sendable {
    case double
    case single
}

public enum FixedPoint {
    // MARK: gemmlowp primitives

    /// gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), saturating the one
    /// overflowing case (min * min).
    @inline(__always)
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let ab = Int64(a) * Int64(b)
        let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
        // C++ `/` truncates toward zero, as Swift's does.
        return Int32(truncatingIfNeeded: (ab + nudge) / (Int64(1) << 31))
    }

    /// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
    /// `exponent` must be in 0...31.
    @inline(__always)
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        let mask = Int32(truncatingIfNeeded: (Int64(1) << exponent) - 1)
        let remainder = x & mask
        let threshold = (mask >> 1) &+ (x < 0 ? 1 : 0)
        return (x >> exponent) &+ (remainder > threshold ? 1 : 0)
    }

    /// gemmlowp ShiftLeft for int32: a * 2^offset computed in 64 bits and saturated.
    @inline(__always)
    static func saturatingShiftLeft(_ a: Int32, _ offset: Int) -> Int32 {
        let wide = Int64(a) * (Int64(1) << offset)
        return Int32(clamping: wide)
    }

    /// gemmlowp SaturatingRoundingMultiplyByPOT<exponent>: a left shift that saturates, or a
    /// rounding right shift.
    @inline(__always)
    public static func saturatingRoundingMultiplyByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        if exponent == 0 { return x }
        if exponent < 0 { return roundingDivideByPOT(x, -exponent) }
        let threshold = Int32((Int64(1) << (31 - exponent)) - 1)
        if x > threshold { return Int32.max }
        if x < -threshold { return Int32.min }
        return saturatingShiftLeft(x, exponent)
    }

    /// gemmlowp Rescale<dst>(FixedPoint<int32, src>).
    @inline(__always)
    public static func rescale(_ x: Int32, from sourceIntegerBits: Int, to destinationIntegerBits: Int) -> Int32 {
        saturatingRoundingMultiplyByPOT(x, sourceIntegerBits - destinationIntegerBits)
    }

    /// gemmlowp RoundingHalfSum for int32: (a + b) / 2 rounded away from zero.
    @inline(__always)
    static func roundingHalfSum(_ a: Int32, _ b: Int32) -> Int32 {
        let sum = Int64(a) + Int64(b)
        let sign: Int64 = sum >= 0 ? 1 : -1
        return Int32(truncatingIfNeeded: (sum + sign) / 2)
    }

    /// FixedPoint<int32, integerBits>::One().
    @inline(__always)
    static func one(integerBits: Int) -> Int32 {
        integerBits == 0 ? Int32.max : Int32(1) << (31 - integerBits)
    }

    // MARK: MultiplyByQuantizedMultiplier (common.cc)

    /// TFLM's MultiplyByQuantizedMultiplier(int32_t x, multiplier, shift), double rounding
    /// (the PyPI build): x * multiplier * 2^shift / 2^31.
    @inline(__always)
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int32) -> Int32 {
        let leftShift = shift > 0 ? Int(shift) : 0
        let rightShift = shift > 0 ? 0 : Int(-shift)
        return roundingDivideByPOT(
            saturatingRoundingDoublingHighMul(x &* (Int32(1) << leftShift), multiplier), rightShift)
    }

    /// The single-rounding variant TFLM uses when built with TFLITE_SINGLE_ROUNDING=1: one
    /// rounding of the exact 64-bit product (ties toward +infinity). Not what the reference
    /// build does; kept so tests can show the two differ and which one TFLM matches.
    @inline(__always)
    public static func multiplyByQuantizedMultiplierSingleRounding(_ x: Int32, _ multiplier: Int32,
                                                                   _ shift: Int32) -> Int32 {
        let totalShift = Int64(31 - shift)
        let round = Int64(1) << (totalShift - 1)
        return Int32(truncatingIfNeeded: (Int64(x) * Int64(multiplier) + round) >> totalShift)
    }

    @inline(__always)
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int32,
                                                     rounding: RequantizationRounding) -> Int32 {
        switch rounding {
        case .double: multiplyByQuantizedMultiplier(x, multiplier, shift)
        case .single: multiplyByQuantizedMultiplierSingleRounding(x, multiplier, shift)
        }
    }

    // MARK: Transcendental functions on fixed point (gemmlowp)

    /// exp(a) for a in [-1/4, 0), Q0.31 in and out (Taylor expansion around -1/8).
    static func expOnIntervalBetweenNegativeOneQuarterAnd0Excl(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1_895_147_668       // exp(-1/8)
        let constantOneOverThree: Int32 = 715_827_883 // 1/3
        let x = a &+ (Int32(1) << 28)                  // a + 1/8
        let x2 = saturatingRoundingDoublingHighMul(x, x)
        let x3 = saturatingRoundingDoublingHighMul(x2, x)
        let x4 = saturatingRoundingDoublingHighMul(x2, x2)
        let x4Over4 = roundingDivideByPOT(x4, 2)
        let poly = roundingDivideByPOT(
            saturatingRoundingDoublingHighMul(x4Over4 &+ x3, constantOneOverThree) &+ x2, 1)
        return constantTerm &+ saturatingRoundingDoublingHighMul(constantTerm, x &+ poly)
    }

    /// gemmlowp exp_on_negative_values: exp(a) for a <= 0 given in Q`integerBits`, result Q0.31.
    public static func expOnNegativeValues(_ a: Int32, integerBits: Int) -> Int32 {
        let fractionalBits = 31 - integerBits
        let oneQuarter = Int32(1) << (fractionalBits - 2)
        let mask = oneQuarter - 1
        let aModQuarterMinusOneQuarter = (a & mask) &- oneQuarter
        var result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
            rescale(aModQuarterMinusOneQuarter, from: integerBits, to: 0))
        let remainder = aModQuarterMinusOneQuarter &- a
        // Barrel shifter: multiply by exp(-2^k) for every bit of the remaining magnitude.
        let barrel: [(exponent: Int, multiplier: Int32)] = [
            (-2, 1_672_461_947), (-1, 1_302_514_674), (0, 790_015_084), (1, 290_630_308),
            (2, 39_332_535), (3, 720_401), (4, 242),
        ]
        for (exponent, multiplier) in barrel where integerBits > exponent {
            let shiftAmount = fractionalBits + exponent
            if remainder & (Int32(1) << shiftAmount) != 0 {
                result = saturatingRoundingDoublingHighMul(result, multiplier)
            }
        }
        if integerBits > 5 {
            let clamp = -(Int32(1) << (36 - integerBits))  // -32.0
            if a < clamp { result = 0 }
        }
        if a == 0 { result = Int32.max }
        return result
    }

    /// gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a), Q0.31 in and out
    /// (Newton-Raphson division, three iterations).
    public static func oneOverOnePlusXForXIn01(_ a: Int32) -> Int32 {
        let x = newtonRaphsonReciprocalOfHalfDenominator(a)
        return rescale(x, from: 1, to: 0)  // ExactMulByPot<-1> makes it Q1, then to Q0
    }

    /// gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: (1 - a) / (1 + a), Q0.31.
    static func oneMinusXOverOnePlusXForXIn01(_ a: Int32) -> Int32 {
        let x = newtonRaphsonReciprocalOfHalfDenominator(a)
        return rescale(x &- one(integerBits: 2), from: 2, to: 0)
    }

    /// The shared Newton-Raphson loop: returns x ~ 1 / ((1 + a) / 2) in Q2.29.
    private static func newtonRaphsonReciprocalOfHalfDenominator(_ a: Int32) -> Int32 {
        let halfDenominator = roundingHalfSum(a, Int32.max)
        let constant48Over17: Int32 = 1_515_870_810     // Q2.29
        let constantNeg32Over17: Int32 = -1_010_580_540 // Q2.29
        var x = constant48Over17 &+ saturatingRoundingDoublingHighMul(halfDenominator, constantNeg32Over17)
        for _ in 0..<3 {
            let halfDenominatorTimesX = saturatingRoundingDoublingHighMul(halfDenominator, x)
            let oneMinus = one(integerBits: 2) &- halfDenominatorTimesX
            x = x &+ rescale(saturatingRoundingDoublingHighMul(x, oneMinus), from: 4, to: 2)
        }
        return x
    }

    /// gemmlowp logistic: 1 / (1 + exp(-a)), a in Q`integerBits`, result Q0.31.
    public static func logistic(_ a: Int32, integerBits: Int) -> Int32 {
        if a == 0 { return Int32(1) << 30 }
        let absInput = a > 0 ? a : 0 &- a
        let resultIfPositive = oneOverOnePlusXForXIn01(expOnNegativeValues(0 &- absInput, integerBits: integerBits))
        return a > 0 ? resultIfPositive : Int32.max &- resultIfPositive
    }

    /// gemmlowp tanh: a in Q`integerBits`, result Q0.31.
    public static func tanh(_ a: Int32, integerBits: Int) -> Int32 {
        if a == 0 { return 0 }
        let n = a < 0 ? a : 0 &- a
        // neg_tanh_on_negative_values: ExactMulByPot<1> adds one integer bit.
        let t = oneMinusXOverOnePlusXForXIn01(expOnNegativeValues(n, integerBits: integerBits + 1))
        return a < 0 ? 0 &- t : t
    }

    /// TFLM GetReciprocal (common.h): 1/x for x in Q`integerDigits`, as a Q0.31 value and the
    /// number of bits x had above 1.0.
    public static func reciprocal(_ x: Int32, integerDigits: Int) -> (scale: Int32, bitsOverUnit: Int) {
        let headroomPlusOne = UInt32(bitPattern: x).leadingZeroBitCount
        let bitsOverUnit = integerDigits - headroomPlusOne
        let shiftedSumMinusOne = Int32(bitPattern: (UInt32(bitPattern: x) << UInt32(headroomPlusOne)) &- (1 << 31))
        return (oneOverOnePlusXForXIn01(shiftedSumMinusOne), bitsOverUnit)
    }

    // MARK: int16 sigmoid/tanh by table (reference_integer_ops/logistic.h, tanh.h)

    /// sigmoid(i/24) in 0.16 format (common.h `sigmoid_table_uint16`), shared by the int16
    /// logistic and tanh kernels (tanh(x) = 2 sigmoid(2x) - 1).
    public static let sigmoidTableUInt16: [UInt16] = [
        32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498,
        40149, 40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255,
        46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865,
        52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174,
        56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544, 58800, 59048, 59288,
        59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279, 61441,
        61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886,
        62990, 63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835,
        63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450,
        64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845,
        64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097,
        65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
        65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
        65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425,
        65429, 65433, 65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465,
        65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
        65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508,
        65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516, 65517, 65517, 65518,
        65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524, 65525,
        65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529,
        65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531,
        65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533,
        65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
        65534, 65534, 65535,
    ]

    /// reference_integer_ops::Logistic for int16 (Q3.12 in, Q0.15 out when the multiplier is
    /// 0 = "power-of-two scale": the input is multiplied by 3 << shift, see Int16Rescale).
    @inline(__always)
    public static func logisticInt16(_ value: Int16, _ rescale: Int16Rescale) -> Int16 {
        let inputData = (Int32(value) &* rescale.multiplier &+ rescale.round) >> rescale.shift
        let absInput = UInt32(inputData.magnitude)
        let uh = absInput >> 9
        var result: UInt32
        if uh >= 255 {
            result = 0x7FFF << 10
        } else {
            let ua = UInt32(sigmoidTableUInt16[Int(uh)])
            let ub = UInt32(sigmoidTableUInt16[Int(uh) + 1])
            let ut = absInput & 0x1FF
            result = (ua << 9) &+ ut &* (ub &- ua)
        }
        result = inputData >= 0 ? result &+ (1 << 9) : (1 << (16 + 9)) &- result &+ (1 << 9) &- 1
        return Int16(truncatingIfNeeded: result >> 10)
    }

    /// reference_integer_ops::Tanh for int16.
    @inline(__always)
    public static func tanhInt16(_ value: Int16, _ rescale: Int16Rescale) -> Int16 {
        let inputData = (Int32(value) &* rescale.multiplier &+ rescale.round) >> rescale.shift
        let absInput = UInt32(inputData.magnitude)
        let uh = absInput >> 8
        var result: Int32
        if uh >= 255 {
            result = 0xFFFF << 8
        } else {
            let ua = UInt32(sigmoidTableUInt16[Int(uh)])
            let ub = UInt32(sigmoidTableUInt16[Int(uh) + 1])
            let ut = absInput & 0xFF
            result = Int32(bitPattern: (ua << 8) &+ ut &* (ub &- ua))
        }
        result = inputData >= 0
            ? result &- (1 << (14 + 9)) &+ (1 << (9 - 2))
            : (0 &- result) &+ (1 << (14 + 9)) &+ (1 << (9 - 2)) &- 1
        return Int16(truncatingIfNeeded: result >> (9 - 1))
    }

    // MARK: Preparation helpers (quantization_util.cc, kernel_util.cc)

    /// TFLM QuantizeMultiplier: a real multiplier as a Q0.31 significand and a power-of-two
    /// exponent, real ~= multiplier * 2^shift / 2^31. Nil for a multiplier that is negative,
    /// not finite or too large to represent (TFLM would abort or compute garbage).
    public static func quantizeMultiplier(_ real: Double) -> (multiplier: Int32, shift: Int32)? {
        guard real.isFinite, real >= 0 else { return nil }
        if real == 0 { return (0, 0) }
        let (fraction, exponent) = frexp(real)
        var shift = exponent
        var fixed = Int64((fraction * Double(Int64(1) << 31)).rounded())
        if fixed == Int64(1) << 31 {
            fixed /= 2
            shift += 1
        }
        if shift < -31 {  // flushed to zero, as TFLM does
            shift = 0
            fixed = 0
        }
        // TFLM's double-rounding path shifts `x * (1 << shift)` in 32 bits: beyond 31 it is
        // meaningless (31 itself occurs for a capped softmax multiplier, applied to zero only).
        guard shift <= 31 else { return nil }
        return (Int32(fixed), Int32(shift))
    }

    /// TFLM CheckedLog2: round(log2(x)) computed in float, and whether x is a power of two.
    public static func checkedLog2(_ x: Float) -> (log2: Int, isPowerOfTwo: Bool) {
        let xLog2 = Foundation.log(x) * (Float(1) / Foundation.log(Float(2)))
        let rounded = xLog2.rounded()
        return (Int(rounded), abs(xLog2 - rounded) < 1e-3)
    }

    /// TFLM CalculateInputRadius (floating-point build): the largest input difference that
    /// does not saturate after rescaling.
    public static func inputRadius(integerBits: Int, leftShift: Int, totalSignedBits: Int = 31) -> Int32 {
        let maxInputRescaled = 1.0 * Double((1 << integerBits) - 1) * Double(Int64(1) << (totalSignedBits - integerBits))
            / Double(Int64(1) << leftShift)
        return Int32(maxInputRescaled.rounded(.down))
    }

    /// kernel_util.cc Quantize(): zero_point + round(f / scale) in float.
    static func quantizeActivationBound(_ f: Float, scale: Float, zeroPoint: Int32) -> Int32? {
        let tmp = (f / scale).rounded()
        guard tmp.isFinite, tmp >= Float(Int32.min), tmp <= Float(Int32.max) else { return nil }
        return zeroPoint &+ Int32(tmp)
    }

    /// CalculateActivationRangeQuantized: the clamp range of a fused activation for an int8 or
    /// int16 output. As in TFLM, fused TANH (and anything but RELU, RELU6, RELU_N1_TO_1)
    /// clamps to the type's full range.
    static func activationRange(_ activation: FusedActivation, outputType: ElementType, scale: Float,
                                zeroPoint: Int32) -> (min: Int32, max: Int32)? {
        let (qmin, qmax): (Int32, Int32) = switch outputType {
        case .int8: (Int32(Int8.min), Int32(Int8.max))
        case .uint8: (0, 255)
        case .int16: (Int32(Int16.min), Int32(Int16.max))
        default: (0, 0)
        }
        func q(_ f: Float) -> Int32? { quantizeActivationBound(f, scale: scale, zeroPoint: zeroPoint) }
        switch activation {
        case .relu:
            guard let zero = q(0) else { return nil }
            return (max(qmin, zero), qmax)
        case .relu6:
            guard let zero = q(0), let six = q(6) else { return nil }
            return (max(qmin, zero), min(qmax, six))
        case .reluN1To1:
            guard let lo = q(-1), let hi = q(1) else { return nil }
            return (max(qmin, lo), min(qmax, hi))
        case .none, .tanh:
            return (qmin, qmax)
        }
    }
}

/// How the int16 logistic/tanh kernels bring their input to the table's scale (TFLM's
/// input_multiplier / input_left_shift after `if (input_multiplier == 0)`), precomputed.
public struct Int16Rescale: Sendable, Equatable {
    public var multiplier: Int32
    public var shift: Int32
    public var round: Int32

    public init(multiplier: Int32, shift: Int32) {
        self.multiplier = multiplier
        self.shift = shift
        self.round = shift > 0 ? Int32(1) << (shift - 1) : 0
    }

    /// From TFLM's (input_multiplier, input_left_shift) pair: a zero multiplier means a
    /// power-of-two input scale, handled as `3 << left_shift` with no shift.
    public init(tflmMultiplier: Int32, leftShift: Int32) {
        if tflmMultiplier == 0 {
            self.init(multiplier: Int32(3) &<< leftShift, shift: 0)
        } else {
            self.init(multiplier: tflmMultiplier, shift: leftShift)
        }
    }

    /// The gate activations inside the LSTM: Q3.12 input, multiplier 3, no shift.
    public static let lstmGate = Int16Rescale(tflmMultiplier: 0, leftShift: 0)
}
