// The kernel ABI's host side (docs/kernels.md): building parameter blocks from the struct
// layouts declared in the kernels, and the constants a deployment precomputes — folded
// biases, broadcast strides, slice steps, tables for float conversion. None of this
// computes a TFLite kernel: the functions that define results (quantize, dequantize) are
// passed in from the reference implementation.

public enum KernelABI {
    /// A parameter block for `structName`: every field one little-endian 32-bit word at
    /// offset 4 × its index. Every field must be given, and only fields of the struct.
    public static func parameterBlock(_ structName: String, in module: Module,
                                      _ values: [String: UInt32]) throws(KernelIRError) -> [UInt8] {
        guard let s = module.structure(named: structName) else {
            throw KernelIRError("the kernels declare no struct '\(structName)'")
        }
        let names = Set(s.fields.map(\.name))
        if let unknown = values.keys.sorted().first(where: { !names.contains($0) }) {
            throw KernelIRError("struct '\(structName)' has no field '\(unknown)' (fields: \(s.fields.map(\.name).joined(separator: ", ")))")
        }
        var bytes: [UInt8] = []
        for f in s.fields {
            guard let v = values[f.name] else {
                throw KernelIRError("parameter block '\(structName)' is missing field '\(f.name)'")
            }
            for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(8 * k))) }
        }
        return bytes
    }

    /// A signed value as a parameter-block word.
    public static func word(_ v: Int32) -> UInt32 { UInt32(bitPattern: v) }
    public static func word(_ v: Int) -> UInt32 { UInt32(truncatingIfNeeded: v) }

    /// fc_params.bias: bias + input_offset·Σw + depth·input_offset·filter_offset per row,
    /// in wrapping 32-bit arithmetic like the kernels (fully_connected.kir).
    public static func foldedBias(weights: [Int8], rows: Int, depth: Int, bias: [Int32]?,
                                  inputOffset: Int32, filterOffset: Int32) -> [Int32] {
        (0..<rows).map { r in
            var sum: Int32 = 0
            for d in 0..<depth { sum &+= Int32(weights[r * depth + d]) }
            return (bias?[r] ?? 0) &+ inputOffset &* sum &+ Int32(truncatingIfNeeded: depth) &* inputOffset &* filterOffset
        }
    }

    /// broadcast4 for an output shape and per-dimension element strides of the two
    /// inputs (0 where broadcast): dimensions that run contiguously for both inputs are
    /// merged, the rest padded to four from the front. Throws when more than four remain.
    public static func broadcast4(outputShape: [Int], strides1: [Int], strides2: [Int]) throws(KernelIRError) -> [UInt32] {
        guard outputShape.count == strides1.count, outputShape.count == strides2.count else {
            throw KernelIRError("broadcast: shape and strides differ in rank")
        }
        // Drop size-1 dimensions, then merge a dimension into the next inner one when both
        // inputs step through them contiguously.
        var dims: [(n: Int, a: Int, b: Int)] = []
        for (i, n) in outputShape.enumerated() where n != 1 { dims.append((n, strides1[i], strides2[i])) }
        var merged: [(n: Int, a: Int, b: Int)] = []
        for d in dims {
            if let last = merged.last, last.a == d.a * d.n, last.b == d.b * d.n {
                merged[merged.count - 1] = (last.n * d.n, d.a, d.b)
            } else {
                merged.append(d)
            }
        }
        guard merged.count <= 4 else {
            throw KernelIRError("broadcast over \(merged.count) dimensions that cannot be merged; the kernels take 4")
        }
        let padded = Array(repeating: (n: 1, a: 0, b: 0), count: 4 - merged.count) + merged
        return padded.map { word($0.n) } + padded.map { word($0.a) } + padded.map { word($0.b) }
    }

    /// slice_params fields from TFLM's per-axis start/stop/stride (5 axes, as the
    /// reference's StridedSlice.Params) and the input shape: counts and element steps.
    public static func sliceSteps(inputShape: [Int], start: [Int], stop: [Int], stride: [Int]) throws(KernelIRError) -> [String: UInt32] {
        guard inputShape.count == 5, start.count == 5, stop.count == 5, stride.count == 5 else {
            throw KernelIRError("strided slice needs five axes")
        }
        var dimStride = [Int](repeating: 1, count: 5)
        for i in Swift.stride(from: 3, through: 0, by: -1) { dimStride[i] = dimStride[i + 1] * inputShape[i + 1] }
        var fields: [String: UInt32] = [:]
        var first = 0
        for a in 0..<5 {
            guard stride[a] != 0 else { throw KernelIRError("strided slice: stride 0 on axis \(a)") }
            let span = stop[a] - start[a]
            let count = stride[a] > 0 ? max(0, (span + stride[a] - 1) / stride[a]) : max(0, (span + stride[a] + 1) / stride[a])
            fields["n\(a)"] = word(count)
            fields["s\(a)"] = word(stride[a] * dimStride[a])
            first += start[a] * dimStride[a]
        }
        fields["start"] = word(first)
        return fields
    }

    /// The ordering key of a float's bits used by quantize_f32_s8: signed comparison of
    /// keys orders the floats (−0 and +0 are one apart; NaNs are handled separately).
    public static func floatKey(_ bits: UInt32) -> Int32 {
        let s = Int32(bitPattern: bits)
        return s < 0 ? s ^ 0x7FFF_FFFF : s
    }

    static func float(forKey k: Int32) -> Float {
        Float(bitPattern: UInt32(bitPattern: k < 0 ? k ^ 0x7FFF_FFFF : k))
    }

    /// quantize_f32_s8's table for a monotone float → int8 function (`quantize`, from the
    /// reference): thresholds[k] is the smallest key whose result is at least lo + k + 1,
    /// and overflow_key the first positive key from which the function falls back to lo.
    public static func quantizeThresholds(lo: Int32, hi: Int32, _ quantize: (Float) -> Int32) -> (thresholds: [Int32], overflowKey: Int32) {
        let minKey = floatKey(Float.infinity.bitPattern ^ 0x8000_0000)  // −∞
        let maxKey = floatKey(Float.infinity.bitPattern)                // +∞
        // Where the reference stops being monotone (int32 overflow falls back to lo).
        var overflow = maxKey &+ 1
        if quantize(float(forKey: maxKey)) == lo && quantize(Float.greatestFiniteMagnitude) == lo {
            var a = floatKey(Float(0).bitPattern), b = maxKey
            if quantize(float(forKey: a)) == lo {
                // lo everywhere from 0 up: the positive side never rises above lo.
                overflow = a
            } else {
                while b - a > 1 {
                    let m = a + (b - a) / 2
                    if quantize(float(forKey: m)) == lo { b = m } else { a = m }
                }
                overflow = b
            }
        }
        var thresholds: [Int32] = []
        for level in (lo + 1)...(hi) {
            // Smallest key in [minKey, overflow) with quantize ≥ level.
            var a = minKey, b = overflow
            if quantize(float(forKey: a)) >= level {
                thresholds.append(a)
                continue
            }
            while Int64(b) - Int64(a) > 1 {
                let m = Int32((Int64(a) + Int64(b)) / 2)
                if quantize(float(forKey: m)) >= level { b = m } else { a = m }
            }
            thresholds.append(b)
        }
        return (thresholds, overflow)
    }

    /// A 256-entry table of 32-bit results for lookup_s8 (entry_bytes 4), indexed by x + 128.
    public static func table32(_ f: (Int8) -> UInt32) -> [UInt32] {
        (0..<256).map { f(Int8(truncatingIfNeeded: $0 - 128)) }
    }

    /// A 256-entry int8 table for lookup_s8 (entry_bytes 1), indexed by x + 128.
    public static func table8(_ f: (Int8) -> Int8) -> [Int8] {
        (0..<256).map { f(Int8(truncatingIfNeeded: $0 - 128)) }
    }
}
