// RELU, int8 and int16: TFLM `kernels/activations.cc`, `activations_common.cc`
// (CalculateReluOpData) and `activations.h` (ReluQuantized).

import Foundation

extension Reference {
    public enum Relu {
        /// TFLM's ReluParams.
        public struct Params: Sendable, Equatable {
            /// The input zero point (subtracted).
            public var inputOffset: Int32
            /// The output zero point (added).
            public var outputOffset: Int32
            public var outputMultiplier: Int32
            public var outputShift: Int32
            public var activationMin: Int32
            public var activationMax: Int32

            public init(inputOffset: Int32, outputOffset: Int32, outputMultiplier: Int32, outputShift: Int32,
                        activationMin: Int32, activationMax: Int32) {
                self.inputOffset = inputOffset
                self.outputOffset = outputOffset
                self.outputMultiplier = outputMultiplier
                self.outputShift = outputShift
                self.activationMin = activationMin
                self.activationMax = activationMax
            }
        }

        public static func prepare(input: OperandInfo, output: OperandInfo) throws(ReferenceError) -> Params {
            try Check.type(input, [.int8, .int16], "input")
            guard output.type == input.type, output.elementCount == input.elementCount else {
                throw ReferenceError("output \(output.type.rawValue) \(output.shape) does not match input "
                    + "\(input.type.rawValue) \(input.shape)")
            }
            try Check.perTensor(input, "input")
            try Check.perTensor(output, "output")
            let inputZero = try Check.zeroPoint(input, "input")
            let outputZero = try Check.zeroPoint(output, "output")
            if input.type == .int16, inputZero != 0 || outputZero != 0 {
                throw ReferenceError("int16 RELU needs zero points of 0")
            }
            // The scale ratio is formed in float, then widened (CalculateReluOpData).
            let m = try Check.multiplier(Double(input.scale / output.scale), "output")
            let typeMin: Int32 = input.type == .int8 ? Int32(Int8.min) : Int32(Int16.min)
            let typeMax: Int32 = input.type == .int8 ? Int32(Int8.max) : Int32(Int16.max)
            let zero = outputZero &+ Int32(roundf(Float(0) / output.scale))
            return Params(inputOffset: inputZero, outputOffset: outputZero, outputMultiplier: m.multiplier,
                          outputShift: m.shift, activationMin: max(typeMin, zero), activationMax: typeMax)
        }

        @inline(__always)
        public static func relu(_ x: Int32, _ p: Params) -> Int32 {
            let v = p.outputOffset &+ FixedPoint.multiplyByQuantizedMultiplier(x &- p.inputOffset, p.outputMultiplier,
                                                                                 p.outputShift)
            return min(max(v, p.activationMin), p.activationMax)
        }

        public static func eval(_ p: Params, input: TensorValues) throws(ReferenceError) -> TensorValues {
            switch input {
            case .int8(let v): return .int8(v.map { Int8(truncatingIfNeeded: relu(Int32($0), p)) })
            case .int16(let v): return .int16(v.map { Int16(truncatingIfNeeded: relu(Int32($0), p)) })
            default: throw ReferenceError("RELU input is \(input.elementType.rawValue)")
            }
        }
    }
}
