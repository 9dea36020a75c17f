// Shape broadcasting for the binary elementwise kernels (ADD, MUL). TFLM reduces the shapes
// (ProcessBroadcastShapes, BroadcastBinaryOpSimple) before looping; the element pairs it
// combines are those of NumPy-style broadcasting, which is what is computed here.

extension Reference {
    /// Index maps from the output of a broadcast binary operator to its two inputs.
    public struct Broadcast: Sendable, Equatable {
        public var outputShape: [Int]
        /// Per output dimension, the element stride into each input (0 where it is broadcast).
        public var strides1: [Int]
        public var strides2: [Int]
        /// True when both inputs have the output's shape (no index arithmetic needed).
        public var isElementwise: Bool

        /// The broadcast of two shapes (dimensions aligned from the right, 1 stretches), checked
        /// against the model's output shape. TFLM supports up to 6 dimensions.
        public init(_ shape1: [Int], _ shape2: [Int], output: [Int]) throws(ReferenceError) {
            let rank = max(shape1.count, shape2.count)
            guard rank <= 6 else { throw ReferenceError("broadcasting supports up to 6 dimensions, got \(rank)") }
            let a = Array(repeating: 1, count: rank - shape1.count) + shape1
            let b = Array(repeating: 1, count: rank - shape2.count) + shape2
            var shape: [Int] = []
            for (x, y) in zip(a, b) {
                guard x == y || x == 1 || y == 1 else {
                    throw ReferenceError("shapes \(shape1) and \(shape2) cannot be broadcast together")
                }
                shape.append(x == 1 ? y : x)
            }
            guard shape.reduce(1, *) == output.reduce(1, *),
                  Array(shape.drop { $0 == 1 }) == Array(output.drop { $0 == 1 }) else {
                throw ReferenceError("output shape \(output) is not the broadcast of \(shape1) and \(shape2) (\(shape))")
            }
            func strides(_ s: [Int]) -> [Int] {
                var result = Array(repeating: 0, count: rank)
                var step = 1
                for i in stride(from: rank - 1, through: 0, by: -1) {
                    result[i] = s[i] == 1 ? 0 : step
                    step *= s[i]
                }
                return result
            }
            self.outputShape = shape
            self.strides1 = strides(a)
            self.strides2 = strides(b)
            self.isElementwise = a == b
        }

        public var outputCount: Int { outputShape.reduce(1, *) }

        /// Calls `body(outputIndex, input1Index, input2Index)` for every output element in order.
        @inline(__always)
        public func forEach(_ body: (Int, Int, Int) -> Void) {
            let count = outputCount
            if isElementwise {
                for i in 0..<count { body(i, i, i) }
                return
            }
            let rank = outputShape.count
            var index = Array(repeating: 0, count: rank)
            var i1 = 0
            var i2 = 0
            for o in 0..<count {
                body(o, i1, i2)
                // Odometer increment from the innermost dimension.
                var d = rank - 1
                while d >= 0 {
                    index[d] += 1
                    i1 += strides1[d]
                    i2 += strides2[d]
                    if index[d] < outputShape[d] { break }
                    i1 -= strides1[d] * outputShape[d]
                    i2 -= strides2[d] * outputShape[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
}
