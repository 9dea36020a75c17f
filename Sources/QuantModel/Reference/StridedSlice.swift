// STRIDED_SLICE and RESHAPE: data movement only. TFLM `kernels/strided_slice*.cc`,
// `kernels/internal/strided_slice_logic.h`, `kernels/internal/reference/strided_slice.h`,
// `kernels/reshape*.cc`.

extension Reference {
    public enum StridedSlice {
        /// The slice resolved against the input shape, padded to TFLM's five dimensions:
        /// element (i0..i4) of the output is input element sum(offset_k * inputStrides[k]) with
        /// offset_k running from start[k] toward stop[k] in steps of stride[k].
        public struct Params: Sendable, Equatable {
            public var inputShape: [Int]      // 5 dimensions
            public var start: [Int]
            public var stop: [Int]
            public var stride: [Int]
            public var outputCount: Int

            public init(inputShape: [Int], start: [Int], stop: [Int], stride: [Int], outputCount: Int) {
                self.inputShape = inputShape
                self.start = start
                self.stop = stop
                self.stride = stride
                self.outputCount = outputCount
            }
        }

        /// `begin`, `end`, `strides`: the constant int32 index tensors (one entry per input
        /// dimension). TFLM ignores ellipsis and new-axis masks (sets them to 0) and the offset
        /// flag; sersim refuses models that set them rather than compute something else.
        public static func prepare(input: OperandInfo, output: OperandInfo, begin: [Int32], end: [Int32], strides: [Int32],
                                   options: StridedSliceOptions) throws(ReferenceError) -> Params {
            let dims = input.shape.count
            guard dims >= 1, dims <= 4 else {
                throw ReferenceError("input has \(dims) dimensions; STRIDED_SLICE supports 1 to 4")
            }
            guard begin.count == dims, end.count == dims, strides.count == dims else {
                throw ReferenceError("begin/end/strides have \(begin.count)/\(end.count)/\(strides.count) entries for a "
                    + "\(dims)-dimensional input")
            }
            guard options.ellipsisMask == 0, options.newAxisMask == 0, !options.offset else {
                throw ReferenceError("ellipsis_mask, new_axis_mask and offset are not supported (TFLM ignores them)")
            }
            guard output.type == input.type else {
                throw ReferenceError("output type \(output.type.rawValue) differs from input type \(input.type.rawValue)")
            }
            // CheckOutputSize: the output shape the slice produces must be the model's.
            var expected: [Int] = []
            for axis in 0..<dims {
                let stride = Int(strides[axis])
                guard stride != 0 else { throw ReferenceError("stride of axis \(axis) is 0") }
                let size = input.shape[axis]
                let s = startForAxis(Int(begin[axis]), size: size, stride: stride,
                                     masked: options.beginMask & (1 << axis) != 0)
                let shrink = options.shrinkAxisMask & (1 << axis) != 0
                let e = shrink ? s + 1 : stopForAxis(Int(end[axis]), size: size, stride: stride,
                                                     masked: options.endMask & (1 << axis) != 0)
                let length = max(0, Int((Float(e - s) / Float(stride)).rounded(.up)))
                if !shrink { expected.append(length) }
            }
            guard expected == output.shape else {
                throw ReferenceError("slice produces shape \(expected) but the output tensor has shape \(output.shape)")
            }
            // StridedSlicePadIndices to 5 dimensions, then the eval's start/stop per axis.
            let pad = 5 - dims
            let shape = Array(repeating: 1, count: pad) + input.shape
            let b = Array(repeating: 0, count: pad) + begin.map(Int.init)
            let e = Array(repeating: 1, count: pad) + end.map(Int.init)
            let st = Array(repeating: 1, count: pad) + strides.map(Int.init)
            let beginMask = (Int(options.beginMask) << pad) | ((1 << pad) - 1)
            let endMask = (Int(options.endMask) << pad) | ((1 << pad) - 1)
            let shrinkMask = Int(options.shrinkAxisMask) << pad
            var start: [Int] = []
            var stop: [Int] = []
            for axis in 0..<5 {
                let s = evalStart(b[axis], size: shape[axis], stride: st[axis], masked: beginMask & (1 << axis) != 0)
                start.append(s)
                stop.append(evalStop(e[axis], start: s, size: shape[axis], stride: st[axis],
                                     masked: endMask & (1 << axis) != 0, shrink: shrinkMask & (1 << axis) != 0))
            }
            return Params(inputShape: shape, start: start, stop: stop, stride: st, outputCount: output.elementCount)
        }

        static func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { hi < v ? hi : (v < lo ? lo : v) }

        /// strided_slice::StartForAxis (used by Prepare's shape check).
        static func startForAxis(_ begin: Int, size: Int, stride: Int, masked: Bool) -> Int {
            if size == 0 { return 0 }
            var start = begin
            if masked { start = stride > 0 ? Int(Int32.min) : Int(Int32.max) }
            if start < 0 { start += size }
            return stride > 0 ? clamp(start, 0, size) : clamp(start, -1, size - 1)
        }

        /// strided_slice::StopForAxis (shrink handled by the caller).
        static func stopForAxis(_ end: Int, size: Int, stride: Int, masked: Bool) -> Int {
            if size == 0 { return 0 }
            var stop = end
            if masked { stop = stride > 0 ? Int(Int32.max) : Int(Int32.min) }
            if stop < 0 { stop += size }
            return stride > 0 ? clamp(stop, 0, size) : clamp(stop, -1, size - 1)
        }

        /// strided_slice::StridedSliceStartForAxis (used by Eval).
        static func evalStart(_ begin: Int, size: Int, stride: Int, masked: Bool) -> Int {
            var start = begin
            if start < 0 { start += size }
            start = stride > 0 ? clamp(start, 0, size) : clamp(start, -1, size - 1)
            if masked { start = stride > 0 ? 0 : size - 1 }
            return start
        }

        /// strided_slice::StridedSliceEndForAxis.
        static func evalStop(_ end: Int, start: Int, size: Int, stride: Int, masked: Bool, shrink: Bool) -> Int {
            if shrink { return start >= size ? start : start + 1 }
            var stop = end
            if stop < 0 { stop += size }
            stop = stride > 0 ? clamp(stop, 0, size) : clamp(stop, -1, size - 1)
            if masked { stop = stride > 0 ? size : -1 }
            return stop
        }

        /// The input indices the output takes, in order.
        public static func indices(_ p: Params) -> [Int] {
            var result: [Int] = []
            result.reserveCapacity(p.outputCount)
            func more(_ i: Int, _ axis: Int) -> Bool { p.stride[axis] > 0 ? i < p.stop[axis] : i > p.stop[axis] }
            let sh = p.inputShape
            var i0 = p.start[0]
            while more(i0, 0) {
                var i1 = p.start[1]
                while more(i1, 1) {
                    var i2 = p.start[2]
                    while more(i2, 2) {
                        var i3 = p.start[3]
                        while more(i3, 3) {
                            var i4 = p.start[4]
                            while more(i4, 4) {
                                result.append((((i0 * sh[1] + i1) * sh[2] + i2) * sh[3] + i3) * sh[4] + i4)
                                i4 += p.stride[4]
                            }
                            i3 += p.stride[3]
                        }
                        i2 += p.stride[2]
                    }
                    i1 += p.stride[1]
                }
                i0 += p.stride[0]
            }
            return result
        }

        public static func eval(_ p: Params, input: TensorValues) throws(ReferenceError) -> TensorValues {
            let idx = indices(p)
            let inputCount = p.inputShape.reduce(1, *)
            guard input.count == inputCount else {
                throw ReferenceError("input has \(input.count) elements, expected \(inputCount)")
            }
            guard idx.count == p.outputCount, idx.allSatisfy({ $0 >= 0 && $0 < inputCount }) else {
                throw ReferenceError("slice does not fit the input shape \(p.inputShape)")
            }
            switch input {
            case .int8(let v): return .int8(idx.map { v[$0] })
            case .int16(let v): return .int16(idx.map { v[$0] })
            case .int32(let v): return .int32(idx.map { v[$0] })
            case .float32(let v): return .float32(idx.map { v[$0] })
            }
        }
    }

    public enum Reshape {
        /// RESHAPE moves no data; prepare only checks that the element counts agree (the new
        /// shape comes from the output tensor, as in TFLM).
        public static func prepare(input: OperandInfo, output: OperandInfo) throws(ReferenceError) {
            guard input.type == output.type else {
                throw ReferenceError("output type \(output.type.rawValue) differs from input type \(input.type.rawValue)")
            }
            guard input.elementCount == output.elementCount else {
                throw ReferenceError("cannot reshape \(input.shape) (\(input.elementCount) elements) to \(output.shape) "
                    + "(\(output.elementCount))")
            }
        }
    }
}
