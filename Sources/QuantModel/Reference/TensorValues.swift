// Typed tensor contents for the reference interpreter, and the errors the reference kernels
// throw.

/// The elements of one tensor, in row-major order.
public enum TensorValues: Sendable, Equatable {
    case int8([Int8])
    case int16([Int16])
    case int32([Int32])
    case float32([Float])

    public var elementType: ElementType {
        switch self {
        case .int8: .int8
        case .int16: .int16
        case .int32: .int32
        case .float32: .float32
        }
    }

    public var count: Int {
        switch self {
        case .int8(let v): v.count
        case .int16(let v): v.count
        case .int32(let v): v.count
        case .float32(let v): v.count
        }
    }

    /// Zero-filled values of `type`, nil for a type the reference kernels do not compute in.
    public init?(zeros count: Int, type: ElementType) {
        switch type {
        case .int8: self = .int8(Array(repeating: 0, count: count))
        case .int16: self = .int16(Array(repeating: 0, count: count))
        case .int32: self = .int32(Array(repeating: 0, count: count))
        case .float32: self = .float32(Array(repeating: 0, count: count))
        default: return nil
        }
    }

    /// Decodes little-endian constant data (Tensor.data). Nil when the byte count does not match
    /// or the type is not one the reference kernels use.
    public init?(littleEndian bytes: [UInt8], type: ElementType, count: Int) {
        guard bytes.count == count * type.byteSize else { return nil }
        switch type {
        case .int8:
            self = .int8(bytes.map { Int8(bitPattern: $0) })
        case .int16:
            self = .int16((0..<count).map { i in
                Int16(bitPattern: UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8)
            })
        case .int32:
            self = .int32((0..<count).map { i in Int32(bitPattern: TensorValues.word(bytes, at: 4 * i)) })
        case .float32:
            self = .float32((0..<count).map { i in Float(bitPattern: TensorValues.word(bytes, at: 4 * i)) })
        default:
            return nil
        }
    }

    private static func word(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    /// Little-endian bytes, the inverse of `init(littleEndian:type:count:)`.
    public var littleEndianBytes: [UInt8] {
        switch self {
        case .int8(let v):
            return v.map { UInt8(bitPattern: $0) }
        case .int16(let v):
            return v.flatMap { x -> [UInt8] in
                let u = UInt16(bitPattern: x)
                return [UInt8(u & 0xFF), UInt8(u >> 8)]
            }
        case .int32(let v):
            return v.flatMap { TensorValues.bytes(UInt32(bitPattern: $0)) }
        case .float32(let v):
            return v.flatMap { TensorValues.bytes($0.bitPattern) }
        }
    }

    private static func bytes(_ w: UInt32) -> [UInt8] {
        [UInt8(w & 0xFF), UInt8((w >> 8) & 0xFF), UInt8((w >> 16) & 0xFF), UInt8(w >> 24)]
    }

    /// The values as integers (floats truncated toward zero), for printing and comparisons.
    public var integers: [Int] {
        switch self {
        case .int8(let v): v.map(Int.init)
        case .int16(let v): v.map(Int.init)
        case .int32(let v): v.map(Int.init)
        case .float32(let v): v.map { $0.isFinite ? Int($0) : 0 }
        }
    }

    /// The values as Doubles (exact for every case).
    public var doubles: [Double] {
        switch self {
        case .int8(let v): v.map(Double.init)
        case .int16(let v): v.map(Double.init)
        case .int32(let v): v.map(Double.init)
        case .float32(let v): v.map(Double.init)
        }
    }
}

/// A reference kernel refused its operands (the check TFLM's Prepare performs, or a case sersim
/// does not support) or a run got inputs that do not fit the model.
public struct ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Index of the operator in the model, when the error is about one.
    public var operatorIndex: Int?
    public var operatorKind: OperatorKind?
    public var message: String

    public init(operatorIndex: Int? = nil, operatorKind: OperatorKind? = nil, _ message: String) {
        self.operatorIndex = operatorIndex
        self.operatorKind = operatorKind
        self.message = message
    }

    public var description: String {
        switch (operatorIndex, operatorKind) {
        case let (index?, kind?): "operator \(index) (\(kind.rawValue)): \(message)"
        case let (nil, kind?): "\(kind.rawValue): \(message)"
        case let (index?, nil): "operator \(index): \(message)"
        case (nil, nil): message
        }
    }
}

/// What a prepare function needs to know about one operand: a model tensor, or any
/// description of one (the kernel-IR tests build these directly).
public struct OperandInfo: Sendable, Equatable {
    public var shape: [Int]
    public var type: ElementType
    public var quantization: Quantization?

    public init(shape: [Int], type: ElementType, quantization: Quantization? = nil) {
        self.shape = shape
        self.type = type
        self.quantization = quantization
    }

    public init(_ tensor: Tensor) {
        self.init(shape: tensor.shape, type: tensor.type, quantization: tensor.quantization)
    }

    public var elementCount: Int { shape.reduce(1, *) }
    /// Per-tensor scale (the first one), 0 when unquantized.
    public var scale: Float { quantization?.scale ?? 0 }
    public var zeroPoint: Int32 { Int32(truncatingIfNeeded: quantization?.zeroPoint ?? 0) }
}

/// Checks shared by the prepare functions.
enum Check {
    static func type(_ operand: OperandInfo, _ allowed: [ElementType], _ what: String) throws(ReferenceError) {
        guard allowed.contains(operand.type) else {
            throw ReferenceError("\(what) has type \(operand.type.rawValue); supported: "
                + allowed.map(\.rawValue).joined(separator: ", "))
        }
    }

    static func quantized(_ operand: OperandInfo, _ what: String) throws(ReferenceError) -> Quantization {
        guard let q = operand.quantization, !q.scales.isEmpty else {
            throw ReferenceError("\(what) has no quantization parameters")
        }
        for s in q.scales where !(s.isFinite && s > 0) {
            throw ReferenceError("\(what) has scale \(s); scales must be positive and finite")
        }
        guard q.zeroPoints.count == q.scales.count || q.zeroPoints.count == 1 else {
            throw ReferenceError("\(what) has \(q.scales.count) scales but \(q.zeroPoints.count) zero points")
        }
        return q
    }

    static func perTensor(_ operand: OperandInfo, _ what: String) throws(ReferenceError) {
        let q = try quantized(operand, what)
        guard q.scales.count == 1 else {
            throw ReferenceError("\(what) is quantized per channel (\(q.scales.count) scales); "
                + "this operator supports per-tensor quantization only")
        }
    }

    /// A zero point that fits the element type.
    static func zeroPoint(_ operand: OperandInfo, _ what: String) throws(ReferenceError) -> Int32 {
        let z = operand.quantization?.zeroPoint ?? 0
        let range: ClosedRange<Int64> = switch operand.type {
        case .int8: -128...127
        case .uint8: 0...255
        case .int16: -32768...32767
        default: Int64(Int32.min)...Int64(Int32.max)
        }
        guard range.contains(z) else {
            throw ReferenceError("\(what) has zero point \(z), outside the \(operand.type.rawValue) range")
        }
        return Int32(z)
    }

    static func multiplier(_ real: Double, _ what: String) throws(ReferenceError) -> (multiplier: Int32, shift: Int32) {
        guard let m = FixedPoint.quantizeMultiplier(real) else {
            throw ReferenceError("\(what): effective scale \(real) cannot be represented as a fixed-point multiplier")
        }
        return m
    }

    static func activationRange(_ activation: FusedActivation, _ output: OperandInfo) throws(ReferenceError)
        -> (min: Int32, max: Int32) {
        guard let r = FixedPoint.activationRange(activation, outputType: output.type, scale: output.scale,
                                                 zeroPoint: output.zeroPoint) else {
            throw ReferenceError("fused \(activation.rawValue) bounds overflow int32 at output scale \(output.scale)")
        }
        return r
    }

    static func count(_ values: TensorValues, _ expected: Int, _ what: String) throws(ReferenceError) {
        guard values.count == expected else {
            throw ReferenceError("\(what) has \(values.count) elements, expected \(expected)")
        }
    }
}
