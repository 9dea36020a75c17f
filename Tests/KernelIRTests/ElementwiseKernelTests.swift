import Foundation
import KernelIR
import QuantModel
import Testing

/// Softmax, activations, ADD/MUL, STRIDED_SLICE, QUANTIZE/DEQUANTIZE kernels on the
/// emulated M0+, M4 and M7 against the reference kernels, on random parameters.
@Suite struct ElementwiseKernelTests {
    static let boards = TestBoards.all.map(\.name)

    static func q(_ scale: Float, _ zero: Int) -> Quantization { Quantization(scale: scale, zeroPoint: Int64(zero)) }

    @Test(arguments: boards)
    func softmax(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0x50F7)
        for k in 0..<12 {
            let rows = rng.int(1...3), depth = rng.pick([1, 2, 3, 7, 10, 16, 33])
            let scale = k % 4 == 3 ? rng.logUniform(0.3, 2) : rng.logUniform(0.01, 0.3)
            let beta: Float = rng.pick([1, 1, 0.5, 2])
            let info = OperandInfo(shape: [rows, depth], type: .int8, quantization: Self.q(scale, rng.int(-128...127)))
            let outInfo = OperandInfo(shape: [rows, depth], type: .int8, quantization: Self.q(1.0 / 256, -128))
            let p = try Reference.Softmax.prepare(input: info, output: outInfo, beta: beta)
            var x = rng.int8s(rows * depth)
            if k == 0 { x = Array(repeating: 5, count: rows * depth) }  // all equal
            if k == 1 { for i in x.indices { x[i] = i % 2 == 0 ? 127 : -128 } }  // differences beyond diff_min
            let want = try Reference.Softmax.eval(p, input: x)
            let xa = bench.put(.int8(x)), out = bench.output(x.count, .int8)
            try bench.run(try KernelBindings.softmax(p, input: xa, output: out, module: bench.module, place: bench.place))
            #expect(bench.read(out, x.count, .int8) == .int8(want), "\(board) softmax \(rows)x\(depth) scale \(scale) beta \(beta)")
        }
    }

    /// LOGISTIC and TANH of int8: all 256 inputs, several input scales and zero points.
    @Test(arguments: boards)
    func logisticAndTanhInt8Exhaustive(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0x516)
        let all = (0..<256).map { Int8(truncatingIfNeeded: $0 - 128) }
        let xa = bench.put(.int8(all))
        for k in 0..<4 {
            let inQ = Self.q(k == 0 ? 0.5 : rng.logUniform(0.005, 0.2), rng.int(-128...127))
            for tanh in [false, true] {
                let inInfo = OperandInfo(shape: [256], type: .int8, quantization: inQ)
                let outInfo = OperandInfo(shape: [256], type: .int8, quantization: tanh ? Self.q(1.0 / 128, 0) : Self.q(1.0 / 256, -128))
                let p = tanh ? try Reference.Tanh.prepare(input: inInfo, output: outInfo)
                             : try Reference.Logistic.prepare(input: inInfo, output: outInfo)
                let want = tanh ? try Reference.Tanh.eval(p, input: .int8(all)) : try Reference.Logistic.eval(p, input: .int8(all))
                let out = bench.output(256, .int8)
                try bench.run(try KernelBindings.sigmoid(p, tanh: tanh, count: 256, input: xa, output: out,
                                                         module: bench.module, place: bench.place))
                #expect(bench.read(out, 256, .int8) == want, "\(board) \(tanh ? "tanh" : "logistic") input \(inQ)")
            }
        }
    }

    @Test(arguments: boards)
    func logisticAndTanhInt16(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0x5161)
        var x = rng.int16s(300)
        x += [0, 1, -1, 32767, -32768, 511, -511, 512, -512, 256, -256]
        let xa = bench.put(.int16(x))
        for scale: Float in [1.0 / 4096, 1.0 / 2048, 1.0 / 1000, 1.0 / 8192] {
            for tanh in [false, true] {
                let inInfo = OperandInfo(shape: [x.count], type: .int16, quantization: Self.q(scale, 0))
                let outInfo = OperandInfo(shape: [x.count], type: .int16, quantization: Self.q(1.0 / 32768, 0))
                let p = tanh ? try Reference.Tanh.prepare(input: inInfo, output: outInfo)
                             : try Reference.Logistic.prepare(input: inInfo, output: outInfo)
                let want = tanh ? try Reference.Tanh.eval(p, input: .int16(x)) : try Reference.Logistic.eval(p, input: .int16(x))
                let out = bench.output(x.count, .int16)
                try bench.run(try KernelBindings.sigmoid(p, tanh: tanh, count: x.count, input: xa, output: out,
                                                         module: bench.module, place: bench.place))
                #expect(bench.read(out, x.count, .int16) == want, "\(board) int16 \(tanh ? "tanh" : "logistic") scale \(scale)")
            }
        }
    }

    @Test(arguments: boards)
    func relu(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0x8E1)
        for k in 0..<8 {
            let int16 = k % 4 == 3
            let n = rng.pick([1, 5, 64])
            let type: ElementType = int16 ? .int16 : .int8
            let inQ = Self.q(rng.logUniform(0.01, 0.5), int16 ? 0 : rng.int(-128...127))
            let outQ = Self.q(inQ.scale * rng.logUniform(0.3, 3), int16 ? 0 : rng.int(-128...127))
            let p = try Reference.Relu.prepare(input: OperandInfo(shape: [n], type: type, quantization: inQ),
                                               output: OperandInfo(shape: [n], type: type, quantization: outQ))
            let x: TensorValues = int16 ? .int16(rng.int16s(n)) : .int8(rng.int8s(n))
            let want = try Reference.Relu.eval(p, input: x)
            let xa = bench.put(x), out = bench.output(n, type)
            try bench.run(try KernelBindings.relu(p, count: n, elementBytes: type.byteSize, input: xa, output: out,
                                                  module: bench.module, place: bench.place))
            #expect(bench.read(out, n, type) == want, "\(board) relu \(type) \(inQ) -> \(outQ)")
        }
    }

    /// Broadcast shape pairs: equal shapes, scalars, rows, columns, 5-D that merges to 4.
    static let shapes: [([Int], [Int])] = [
        ([7], [7]), ([2, 3, 4], [2, 3, 4]), ([1], [3, 5]), ([3, 5], [5]), ([3, 1], [1, 4]),
        ([2, 1, 4], [1, 3, 1]), ([2, 3, 1, 5], [2, 1, 4, 1]), ([1, 2, 1, 3, 1], [2, 1, 2, 1, 2]),
        ([2, 1, 2, 1, 2, 1], [1, 2, 1, 2, 1, 3]),
    ]

    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let r = max(a.count, b.count)
        let pa = Array(repeating: 1, count: r - a.count) + a, pb = Array(repeating: 1, count: r - b.count) + b
        return zip(pa, pb).map { max($0, $1) }
    }

    @Test(arguments: boards)
    func addWithBroadcast(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0xADD)
        for (s1, s2) in Self.shapes {
            let so = Self.broadcastShape(s1, s2)
            let q1 = Self.q(rng.logUniform(0.01, 0.2), rng.int(-128...127))
            let q2 = Self.q(rng.logUniform(0.01, 0.2), rng.int(-128...127))
            let qo = Self.q(max(q1.scale, q2.scale) * rng.logUniform(1, 4), rng.int(-128...127))
            let act: FusedActivation = rng.pick([.none, .relu, .relu6])
            let p = try Reference.Add.prepare(input1: OperandInfo(shape: s1, type: .int8, quantization: q1),
                                              input2: OperandInfo(shape: s2, type: .int8, quantization: q2),
                                              output: OperandInfo(shape: so, type: .int8, quantization: qo), activation: act)
            let a = rng.int8s(s1.reduce(1, *)), b = rng.int8s(s2.reduce(1, *))
            let want = try Reference.Add.eval(p, input1: a, input2: b)
            let out = bench.output(want.count, .int8)
            try bench.run(try KernelBindings.add(p, input1: bench.put(.int8(a)), input2: bench.put(.int8(b)), output: out,
                                                 module: bench.module, place: bench.place))
            #expect(bench.read(out, want.count, .int8) == .int8(want), "\(board) add \(s1) + \(s2)")
        }
    }

    @Test(arguments: boards)
    func mulWithBroadcast(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0x3E1)
        for (k, (s1, s2)) in Self.shapes.enumerated() {
            let int16 = k % 3 == 2
            let type: ElementType = int16 ? .int16 : .int8
            let so = Self.broadcastShape(s1, s2)
            let q1 = Self.q(rng.logUniform(0.01, 0.2), int16 ? 0 : rng.int(-128...127))
            let q2 = Self.q(rng.logUniform(0.01, 0.2), int16 ? 0 : rng.int(-128...127))
            let qo = Self.q(q1.scale * q2.scale * rng.logUniform(int16 ? 1 : 20, int16 ? 200 : 300), int16 ? 0 : rng.int(-128...127))
            let p = try Reference.Mul.prepare(input1: OperandInfo(shape: s1, type: type, quantization: q1),
                                              input2: OperandInfo(shape: s2, type: type, quantization: q2),
                                              output: OperandInfo(shape: so, type: type, quantization: qo), activation: .none)
            let n1 = s1.reduce(1, *), n2 = s2.reduce(1, *)
            let a: TensorValues = int16 ? .int16(rng.int16s(n1)) : .int8(rng.int8s(n1))
            let b: TensorValues = int16 ? .int16(rng.int16s(n2)) : .int8(rng.int8s(n2))
            let want = try Reference.Mul.eval(p, input1: a, input2: b)
            let out = bench.output(want.count, type)
            try bench.run(try KernelBindings.mul(p, input1: bench.put(a), input2: bench.put(b), output: out,
                                                 module: bench.module, place: bench.place))
            #expect(bench.read(out, want.count, type) == want, "\(board) mul \(type) \(s1) * \(s2)")
        }
    }

    @Test(arguments: boards)
    func stridedSlice(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0x511CE)
        for k in 0..<16 {
            let dims = rng.int(1...4)
            let shape = (0..<dims).map { _ in rng.int(1...5) }
            var begin: [Int32] = [], end: [Int32] = [], strides: [Int32] = []
            var outShape: [Int] = []
            var endMask: Int32 = 0, shrink: Int32 = 0
            for a in 0..<dims {
                let n = shape[a]
                if rng.int(0...5) == 0 {
                    let b = rng.int(0...(n - 1))
                    begin.append(Int32(b)); end.append(Int32(b + 1)); strides.append(1)
                    shrink |= 1 << a
                } else if rng.bool() {
                    let s = rng.int(1...3), b = rng.int(0...(n - 1)), e = rng.int((b + 1)...n)
                    begin.append(Int32(b)); end.append(Int32(e)); strides.append(Int32(s))
                    outShape.append((e - b + s - 1) / s)
                } else {
                    let s = rng.int(1...2), b = rng.int(0...(n - 1))
                    begin.append(Int32(b)); end.append(0); strides.append(Int32(-s))
                    endMask |= 1 << a
                    outShape.append(b / s + 1)
                }
            }
            let type: ElementType = [.int8, .int16, .int32][k % 3]
            let count = shape.reduce(1, *)
            let x: TensorValues = switch type {
            case .int8: .int8(rng.int8s(count))
            case .int16: .int16(rng.int16s(count))
            default: .int32((0..<count).map { _ in Int32(truncatingIfNeeded: rng.next()) })
            }
            let p = try Reference.StridedSlice.prepare(
                input: OperandInfo(shape: shape, type: type), output: OperandInfo(shape: outShape, type: type),
                begin: begin, end: end, strides: strides,
                options: StridedSliceOptions(endMask: endMask, shrinkAxisMask: shrink))
            let want = try Reference.StridedSlice.eval(p, input: x)
            let out = bench.output(max(want.count, 1), type)
            try bench.run(try KernelBindings.stridedSlice(p, elementBytes: type.byteSize, input: bench.put(x), output: out,
                                                          module: bench.module, place: bench.place))
            #expect(bench.read(out, want.count, type) == want, "\(board) slice \(shape) [\(begin):\(end):\(strides)]")
        }
    }

    @Test(arguments: boards)
    func requantize(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0x4E0)
        for (inType, outType) in [(ElementType.int8, ElementType.int8), (.int8, .int16), (.int16, .int8), (.int16, .int16)] {
            let inQ = Self.q(rng.logUniform(0.001, 0.1), inType == .int8 ? rng.int(-128...127) : 0)
            let outQ = Self.q(inQ.scale * rng.logUniform(0.05, 20), outType == .int8 ? rng.int(-128...127) : 0)
            let n = 100
            let p = try Reference.Quantize.prepare(input: OperandInfo(shape: [n], type: inType, quantization: inQ),
                                                   output: OperandInfo(shape: [n], type: outType, quantization: outQ))
            let x: TensorValues = inType == .int8 ? .int8(rng.int8s(n)) : .int16(rng.int16s(n))
            let want = try Reference.Quantize.eval(p, input: x)
            let out = bench.output(n, outType)
            try bench.run(try KernelBindings.quantize(p, count: n, inputBytes: inType.byteSize, input: bench.put(x),
                                                      output: out, module: bench.module, place: bench.place))
            #expect(bench.read(out, n, outType) == want, "\(board) requantize \(inType) \(inQ) -> \(outType) \(outQ)")
        }
    }

    /// float32 → int8 through the threshold table: random values, boundaries, ±0, ±∞,
    /// NaN, and values whose int32 conversion overflows.
    @Test(arguments: boards)
    func quantizeFromFloat(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0xF10A7)
        for zero in [-128, -25, 0, 90, 127] {
            let outQ = Self.q(rng.logUniform(0.005, 0.5), zero)
            var x: [Float] = (0..<150).map { _ in Float(Double(Int64(bitPattern: rng.next()) % 40_000) / 1000) * outQ.scale * 10 }
            x += [0, -0.0, .infinity, -.infinity, .nan, 1e30, -1e30, 3e9 * outQ.scale, -3e9 * outQ.scale,
                  Float.greatestFiniteMagnitude, Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude]
            for k in -130...130 { x.append((Float(k) + 0.5) * outQ.scale) }  // rounding ties
            let n = x.count
            let p = try Reference.Quantize.prepare(input: OperandInfo(shape: [n], type: .float32),
                                                   output: OperandInfo(shape: [n], type: .int8, quantization: outQ))
            let want = try Reference.Quantize.eval(p, input: .float32(x))
            let out = bench.output(n, .int8)
            try bench.run(try KernelBindings.quantize(p, count: n, inputBytes: 4, input: bench.put(.float32(x)), output: out,
                                                      module: bench.module, place: bench.place))
            let got = bench.read(out, n, .int8).integers, w = want.integers
            let bad = (0..<n).filter { got[$0] != w[$0] }.prefix(6).map { "\(x[$0]): \(got[$0]) vs \(w[$0])" }
            #expect(bad.isEmpty, "\(board) quantize float -> \(outQ): \(bad)")
        }
    }

    @Test(arguments: boards)
    func dequantize(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0xDE0)
        let all = (0..<256).map { Int8(truncatingIfNeeded: $0 - 128) }
        let xa = bench.put(.int8(all))
        for _ in 0..<3 {
            let inQ = Self.q(rng.logUniform(0.001, 1), rng.int(-128...127))
            let p = try Reference.Dequantize.prepare(input: OperandInfo(shape: [256], type: .int8, quantization: inQ),
                                                     output: OperandInfo(shape: [256], type: .float32))
            let want = try Reference.Dequantize.eval(p, input: .int8(all))
            let out = bench.output(256, .float32)
            try bench.run(try KernelBindings.dequantize(p, count: 256, input: xa, output: out, module: bench.module,
                                                        place: bench.place))
            #expect(bench.read(out, 256, .float32).littleEndianBytes == want.littleEndianBytes, "\(board) dequantize \(inQ)")
        }
    }

    /// copy_bytes: aligned and unaligned, whole words and tails.
    @Test(arguments: boards)
    func copyBytes(board: String) throws {
        let bench = try KernelBench(board: TestBoards.named(board))
        var rng = Rng(0xC0B7)
        for (n, srcOff, dstOff) in [(0, 0, 0), (1, 0, 0), (7, 0, 0), (64, 0, 0), (33, 1, 0), (17, 0, 3), (40, 2, 2)] {
            let data = rng.int8s(n + 8)
            let src = bench.put(.int8(data)) + UInt32(srcOff)
            let dst = bench.output(n + 8, .int8) + UInt32(dstOff)
            try bench.runner.call("copy_bytes", [src, dst, UInt32(n)])
            let got = bench.runner.read(dst, n)
            #expect(got == data[srcOff..<(srcOff + n)].map { UInt8(bitPattern: $0) }, "\(board) copy \(n) bytes +\(srcOff) -> +\(dstOff)")
        }
    }
}
