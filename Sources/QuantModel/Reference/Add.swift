// ADD, int8: TFLM `kernels/add.cc`, `add_common.cc` (CalculateOpDataAdd) and
// `kernels/internal/reference/integer_ops/add.h` (AddFunc).

extension Reference {
    public enum Add {
        /// TFLM's ArithmeticParams for quantized ADD.
        public struct Params: Sendable, Equatable {
            /// Both inputs are scaled up by 2^leftShift before rescaling (20 for int8).
            public var leftShift: Int32
            public var input1Offset: Int32
            public var input1Multiplier: Int32
            public var input1Shift: Int32
            public var input2Offset: Int32
            public var input2Multiplier: Int32
            public var input2Shift: Int32
            public var outputOffset: Int32
            public var outputMultiplier: Int32
            public var outputShift: Int32
            public var activationMin: Int32
            public var activationMax: Int32
            public var broadcast: Broadcast

            public init(leftShift: Int32, input1Offset: Int32, input1Multiplier: Int32, input1Shift: Int32,
                        input2Offset: Int32, input2Multiplier: Int32, input2Shift: Int32, outputOffset: Int32,
                        outputMultiplier: Int32, outputShift: Int32, activationMin: Int32, activationMax: Int32,
                        broadcast: Broadcast) {
                self.leftShift = leftShift
                self.input1Offset = input1Offset
                self.input1Multiplier = input1Multiplier
                self.input1Shift = input1Shift
                self.input2Offset = input2Offset
                self.input2Multiplier = input2Multiplier
                self.input2Shift = input2Shift
                self.outputOffset = outputOffset
                self.outputMultiplier = outputMultiplier
                self.outputShift = outputShift
                self.activationMin = activationMin
                self.activationMax = activationMax
                self.broadcast = broadcast
            }
        }

        public static func prepare(input1: OperandInfo, input2: OperandInfo, output: OperandInfo,
                                   activation: FusedActivation) throws(ReferenceError) -> Params {
            try Check.type(input1, [.int8], "input 1")
            try Check.type(input2, [.int8], "input 2")
            try Check.type(output, [.int8], "output")
            try Check.perTensor(input1, "input 1")
            try Check.perTensor(input2, "input 2")
            try Check.perTensor(output, "output")
            let leftShift: Int32 = 20
            let twiceMaxInputScale = 2 * Double(max(input1.scale, input2.scale))
            let real1 = Double(input1.scale) / twiceMaxInputScale
            let real2 = Double(input2.scale) / twiceMaxInputScale
            let realOutput = twiceMaxInputScale / (Double(1 << leftShift) * Double(output.scale))
            let m1 = try smallerThanOne(real1, "input 1")
            let m2 = try smallerThanOne(real2, "input 2")
            let mo = try smallerThanOne(realOutput, "output")
            let range = try Check.activationRange(activation, output)
            return Params(leftShift: leftShift,
                          input1Offset: -(try Check.zeroPoint(input1, "input 1")),
                          input1Multiplier: m1.multiplier, input1Shift: m1.shift,
                          input2Offset: -(try Check.zeroPoint(input2, "input 2")),
                          input2Multiplier: m2.multiplier, input2Shift: m2.shift,
                          outputOffset: try Check.zeroPoint(output, "output"),
                          outputMultiplier: mo.multiplier, outputShift: mo.shift,
                          activationMin: range.min, activationMax: range.max,
                          broadcast: try Broadcast(input1.shape, input2.shape, output: output.shape))
        }

        /// QuantizeMultiplierSmallerThanOneExp: TFLM aborts unless 0 < real < 1.
        static func smallerThanOne(_ real: Double, _ what: String) throws(ReferenceError) -> (multiplier: Int32, shift: Int32) {
            guard real > 0, real < 1 else {
                throw ReferenceError("\(what) rescale factor \(real) must be in (0, 1) (output scale too small for the inputs)")
            }
            return try Check.multiplier(real, what)
        }

        /// AddFunc for one pair of raw int8 values.
        @inline(__always)
        public static func add(_ x: Int8, _ y: Int8, _ p: Params) -> Int8 {
            let v1 = (p.input1Offset &+ Int32(x)) &* (Int32(1) << p.leftShift)
            let v2 = (p.input2Offset &+ Int32(y)) &* (Int32(1) << p.leftShift)
            let s1 = FixedPoint.multiplyByQuantizedMultiplier(v1, p.input1Multiplier, p.input1Shift)
            let s2 = FixedPoint.multiplyByQuantizedMultiplier(v2, p.input2Multiplier, p.input2Shift)
            let raw = FixedPoint.multiplyByQuantizedMultiplier(s1 &+ s2, p.outputMultiplier, p.outputShift) &+ p.outputOffset
            return Int8(truncatingIfNeeded: min(max(raw, p.activationMin), p.activationMax))
        }

        public static func eval(_ p: Params, input1: [Int8], input2: [Int8]) throws(ReferenceError) -> [Int8] {
            try Elementwise.checkCounts(p.broadcast, input1.count, input2.count)
            var output = [Int8](repeating: 0, count: p.broadcast.outputCount)
            p.broadcast.forEach { o, a, b in output[o] = add(input1[a], input2[b], p) }
            return output
        }
    }

    enum Elementwise {
        static func checkCounts(_ b: Broadcast, _ count1: Int, _ count2: Int) throws(ReferenceError) {
            let expected1 = zip(b.strides1, b.outputShape).reduce(1) { $0 * ($1.0 == 0 ? 1 : $1.1) }
            let expected2 = zip(b.strides2, b.outputShape).reduce(1) { $0 * ($1.0 == 0 ? 1 : $1.1) }
            guard count1 == expected1 else { throw ReferenceError("input 1 has \(count1) elements, expected \(expected1)") }
            guard count2 == expected2 else { throw ReferenceError("input 2 has \(count2) elements, expected \(expected2)") }
        }
    }
}
