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

    /// How fc_params.weights are stored (fc_params.layout).
    public enum WeightLayout: UInt32, Sendable {
        /// [rows, depth] as the model stores them.
        case rowMajor = 0
        /// fc_rows_paired's layout (ARMv7E-M only): see `pairedRowWeights`.
        case pairedRows = 1
    }

    /// The deepest matrix the paired-row layout takes: the odd row of a pair is recovered
    /// from 256·Σ w[r+1]·x in a 32-bit accumulator, and |Σ w·x| ≤ depth · 2^14 < 2^23.
    public static let maxPairedRowDepth = 511

    /// A [rows, depth] int8 matrix in fc_rows_paired's layout (fully_connected.kir), or nil
    /// where the layout cannot hold it: fewer than two rows, depth 0 or over
    /// `maxPairedRowDepth`, or a column where the second row of a pair is −128 and the
    /// first negative (its byte would need −129; TFLite's int8 weights are symmetric,
    /// −127 … 127, so converted models never have this).
    ///
    /// Rows r = 2i, 2i+1 form pair i. Each halfword holds 256·w[r+1][c] + w[r][c]: low
    /// byte w[r][c], high byte w[r+1][c] − (w[r][c] < 0 ? 1 : 0). The kernel's loops take
    /// three pairs at a time, then the remaining pairs one by one; for each such group:
    /// the 4-column blocks — per block, per pair, the word of columns (c, c+2) then the word
    /// of (c+1, c+3), c = 4·block — then the depth % 4 tail columns as one such halfword
    /// per column per pair, padded with a zero halfword to a whole word. An odd last row
    /// follows as is. The size is rows·depth plus 2 bytes per group when depth % 4 is odd
    /// (`pairedRowBytes`).
    public static func pairedRowWeights(_ weights: [Int8], rows: Int, depth: Int) -> [UInt8]? {
        guard rows >= 2, depth > 0, depth <= maxPairedRowDepth, weights.count >= rows * depth else { return nil }
        let pairs = rows / 2, groups = pairs / 3, quads = depth / 4
        func half(_ pair: Int, _ c: Int) -> (UInt8, UInt8)? {
            let w0 = Int(weights[2 * pair * depth + c]), w1 = Int(weights[(2 * pair + 1) * depth + c])
            let high = w1 - (w0 < 0 ? 1 : 0)
            guard high >= -128 else { return nil }
            return (UInt8(truncatingIfNeeded: w0), UInt8(truncatingIfNeeded: high))
        }
        var order: [[Int]] = (0..<groups).map { g in [3 * g, 3 * g + 1, 3 * g + 2] }
        order += (3 * groups..<pairs).map { [$0] }
        var out: [UInt8] = []
        out.reserveCapacity(pairedRowBytes(rows: rows, depth: depth))
        for group in order {
            for q in 0..<quads {
                for pair in group {
                    for c in [4 * q, 4 * q + 1] {
                        guard let a = half(pair, c), let b = half(pair, c + 2) else { return nil }
                        out += [a.0, a.1, b.0, b.1]
                    }
                }
            }
            for c in 4 * quads..<depth {
                for pair in group {
                    guard let h = half(pair, c) else { return nil }
                    out += [h.0, h.1]
                }
            }
            while out.count % 4 != 0 { out.append(0) }
        }
        if rows % 2 == 1 {
            out += weights[(rows - 1) * depth..<(rows * depth)].map { UInt8(bitPattern: $0) }
        }
        return out
    }

    /// Bytes of `pairedRowWeights` for a [rows, depth] matrix (rows ≥ 2).
    public static func pairedRowBytes(rows: Int, depth: Int) -> Int {
        let pairs = rows / 2
        let groups = pairs / 3 + pairs % 3
        return rows * depth + (depth % 2 == 1 ? 2 * groups : 0)
    }

    /// broadcast6 for an output shape and per-dimension element strides of the two
    /// inputs (0 where broadcast): dimensions that run contiguously for both inputs are
    /// merged, the rest padded to six from the front. Throws when more than six remain.
    public static func broadcast6(outputShape: [Int], strides1: [Int], strides2: [Int]) throws(KernelIRError) -> [UInt32] {
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
        guard merged.count <= 6 else {
            throw KernelIRError("broadcast over \(merged.count) dimensions that cannot be merged; the kernels take 6")
        }
        let padded = Array(repeating: (n: 1, a: 0, b: 0), count: 6 - merged.count) + merged
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

    /// What quantize_f32_s8 needs for a float → int8 function (`quantize`, from the
    /// reference) of output scale `scale`: `thresholds[k]` is the smallest key whose result
    /// is at least lo + k + 1 within the keys where the conversion does not overflow,
    /// [underflowKey, overflowKey); outside them (and for NaN) the result is
    /// `overflowValue` — TFLM's INT32_MIN plus the zero point, clamped.
    public static func quantizeThresholds(scale: Float, lo: Int32, hi: Int32, _ quantize: (Float) -> Int32)
        -> (thresholds: [Int32], underflowKey: Int32, overflowKey: Int32, overflowValue: Int32) {
        let minKey = floatKey((-Float.infinity).bitPattern)
        let maxKey = floatKey(Float.infinity.bitPattern)
        let overflowValue = quantize(.nan)
        // Inputs well inside the range (|x / scale| = 2^20) saturate at lo and hi without
        // overflowing; the overflowing tails lie beyond them.
        let inside = scale * Float(1 << 20)
        func search(_ a0: Int32, _ b0: Int32, _ pred: (Float) -> Bool) -> Int32 {
            // Smallest key in (a0, b0] with pred true, given pred(a0) false and pred monotone.
            var a = Int64(a0), b = Int64(b0)
            while b - a > 1 {
                let m = (a + b) / 2
                if pred(float(forKey: Int32(m))) { b = m } else { a = m }
            }
            return Int32(b)
        }
        var under = minKey
        let lowInside = floatKey((-inside).bitPattern)
        if quantize(float(forKey: minKey)) != lo {
            under = search(minKey, lowInside) { quantize($0) == lo }
        }
        var over = maxKey &+ 1
        let highInside = floatKey(inside.bitPattern)
        if quantize(float(forKey: maxKey)) != hi {
            over = search(highInside, maxKey) { quantize($0) != hi }
        }
        var thresholds: [Int32] = []
        for level in (lo + 1)...hi {
            if quantize(float(forKey: under)) >= level {
                thresholds.append(under)
            } else {
                thresholds.append(search(under, over &- 1) { quantize($0) >= level })
            }
        }
        return (thresholds, under, over, overflowValue)
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
