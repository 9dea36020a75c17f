// The meaning of each IR operation, as plain Swift on 32-bit words. The interpreter
// uses these; the compiler's tests run compiled code against them. The fixed-point
// helpers follow TensorFlow Lite exactly (gemmlowp fixedpoint.h and
// tensorflow/lite/kernels/internal/common.cc, double-rounding build — TFLM's default,
// TFLITE_SINGLE_ROUNDING unset).

public enum Semantics {
    @inline(__always) static func s(_ x: UInt32) -> Int32 { Int32(bitPattern: x) }
    @inline(__always) static func u(_ x: Int32) -> UInt32 { UInt32(bitPattern: x) }

    /// gemmlowp SaturatingRoundingDoublingHighMul: (a·b·2 + 2^31 rounding) >> 32 with the
    /// nudge of gemmlowp (round half away from zero on the doubled product) and the
    /// single overflow case INT32_MIN·INT32_MIN → INT32_MAX.
    public static func srdhm(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == .min { return .max }
        let ab = Int64(a) * Int64(b)
        let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
        return Int32(truncatingIfNeeded: (ab + nudge) / (1 << 31))
    }

    /// gemmlowp RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from zero.
    public static func rdivpot(_ x: Int32, _ e: Int32) -> Int32 {
        let exponent = Int32(e & 31)
        let mask = Int32(truncatingIfNeeded: (Int64(1) << Int64(exponent)) - 1)
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> exponent) &+ (remainder > threshold ? 1 : 0)
    }

    /// TFLite MultiplyByQuantizedMultiplier(int32 x, int32 multiplier, int shift).
    public static func mbqm(_ x: Int32, _ multiplier: Int32, _ shift: Int32) -> Int32 {
        let left = shift > 0 ? shift : 0
        let right = shift > 0 ? 0 : -shift
        return rdivpot(srdhm(x &* Int32(truncatingIfNeeded: Int64(1) << Int64(left & 31)), multiplier), right)
    }

    /// ARM register-shift semantics: the amount is the bottom byte; 32 or more shifts
    /// everything out.
    public static func shl(_ a: UInt32, _ n: UInt32) -> UInt32 {
        let k = n & 0xFF
        return k >= 32 ? 0 : a << k
    }

    public static func lsr(_ a: UInt32, _ n: UInt32) -> UInt32 {
        let k = n & 0xFF
        return k >= 32 ? 0 : a >> k
    }

    public static func asr(_ a: UInt32, _ n: UInt32) -> UInt32 {
        let k = min(n & 0xFF, 31)
        return u(s(a) >> Int32(k))
    }

    public static func sat(_ x: Int32, bits n: Int) -> Int32 {
        let hi = Int64(1) << Int64(n - 1)
        return Int32(min(max(Int64(x), -hi), hi - 1))
    }

    public static func usat(_ x: Int32, bits n: Int) -> Int32 {
        let hi = (Int64(1) << Int64(n)) - 1
        return Int32(min(max(Int64(x), 0), hi))
    }

    public static func qadd(_ a: Int32, _ b: Int32) -> Int32 {
        Int32(min(max(Int64(a) + Int64(b), Int64(Int32.min)), Int64(Int32.max)))
    }

    public static func qsub(_ a: Int32, _ b: Int32) -> Int32 {
        Int32(min(max(Int64(a) - Int64(b), Int64(Int32.min)), Int64(Int32.max)))
    }

    /// SMLAD: c + a.lo·b.lo + a.hi·b.hi (signed halves), wrapping.
    public static func dmac(_ a: UInt32, _ b: UInt32, _ c: UInt32) -> UInt32 {
        let p0 = Int32(Int16(truncatingIfNeeded: a)) &* Int32(Int16(truncatingIfNeeded: b))
        let p1 = Int32(Int16(truncatingIfNeeded: a >> 16)) &* Int32(Int16(truncatingIfNeeded: b >> 16))
        return c &+ u(p0) &+ u(p1)
    }

    /// SXTB16 with rotation: bytes 0 and 2 of (v ror r), sign-extended into the halves.
    public static func sxtb16(_ v: UInt32, rotation r: Int) -> UInt32 {
        let x = r == 0 ? v : (v >> UInt32(r)) | (v << UInt32(32 - r))
        let lo = UInt32(UInt16(bitPattern: Int16(Int8(truncatingIfNeeded: x))))
        let hi = UInt32(UInt16(bitPattern: Int16(Int8(truncatingIfNeeded: x >> 16))))
        return lo | hi << 16
    }

    /// SADD16: lane-wise 16-bit wrapping add.
    public static func dadd(_ a: UInt32, _ b: UInt32) -> UInt32 {
        let lo = (a &+ b) & 0xFFFF
        let hi = ((a >> 16) &+ (b >> 16)) & 0xFFFF
        return lo | hi << 16
    }

    public static func pack(_ lo: UInt32, _ hi: UInt32) -> UInt32 { (lo & 0xFFFF) | (hi << 16) }

    /// One operation on words (pointer ops are handled by the interpreter, which knows
    /// element sizes).
    public static func evaluate(_ op: OpCode, _ a: [UInt32]) -> UInt32 {
        switch op {
        case .add: return a[0] &+ a[1]
        case .sub: return a[0] &- a[1]
        case .mul: return a[0] &* a[1]
        case .mla: return a[0] &* a[1] &+ a[2]
        case .neg: return 0 &- a[0]
        case .abs: return s(a[0]) < 0 ? 0 &- a[0] : a[0]
        case .and: return a[0] & a[1]
        case .or: return a[0] | a[1]
        case .xor: return a[0] ^ a[1]
        case .not: return ~a[0]
        case .shl: return shl(a[0], a[1])
        case .asr: return asr(a[0], a[1])
        case .lsr: return lsr(a[0], a[1])
        case .min: return u(Swift.min(s(a[0]), s(a[1])))
        case .max: return u(Swift.max(s(a[0]), s(a[1])))
        case .clamp: return u(Swift.min(Swift.max(s(a[0]), s(a[1])), s(a[2])))
        case .sat: return u(sat(s(a[0]), bits: Int(a[1])))
        case .usat: return u(usat(s(a[0]), bits: Int(a[1])))
        case .qadd: return u(qadd(s(a[0]), s(a[1])))
        case .qsub: return u(qsub(s(a[0]), s(a[1])))
        case .clz: return UInt32(a[0].leadingZeroBitCount)
        case .sext8: return u(Int32(Int8(truncatingIfNeeded: a[0])))
        case .sext16: return u(Int32(Int16(truncatingIfNeeded: a[0])))
        case .zext8: return a[0] & 0xFF
        case .zext16: return a[0] & 0xFFFF
        case .srdhm: return u(srdhm(s(a[0]), s(a[1])))
        case .rdivpot: return u(rdivpot(s(a[0]), s(a[1])))
        case .mbqm: return u(mbqm(s(a[0]), s(a[1]), s(a[2])))
        case .dmac: return dmac(a[0], a[1], a[2])
        case .sxtb16: return sxtb16(a[0], rotation: a.count > 1 ? Int(a[1]) : 0)
        case .dadd: return dadd(a[0], a[1])
        case .pack: return pack(a[0], a[1])
        case .offset, .cast: return a[0]
        }
    }

    public static func compare(_ c: Comparison, _ a: UInt32, _ b: UInt32) -> Bool {
        switch c {
        case .eq: a == b
        case .ne: a != b
        case .lt: s(a) < s(b)
        case .le: s(a) <= s(b)
        case .gt: s(a) > s(b)
        case .ge: s(a) >= s(b)
        case .ltu: a < b
        case .leu: a <= b
        case .gtu: a > b
        case .geu: a >= b
        }
    }
}
