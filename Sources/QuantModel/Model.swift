// The in-memory model: a graph of operators over tensors, in the spirit of the TFLite
// schema (tensorflow/lite/schema/schema.fbs) restricted to what sersim supports. Both
// the .q8 reader and the .tflite importer produce this; the reference executor, the
// planner and the firmware builder consume it.

/// Element types (TFLite TensorType subset).
public enum ElementType: String, Sendable, Codable, CaseIterable {
    case int8, uint8, int16, int32, int64, float32, bool

    public var byteSize: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16: 2
        case .int32, .float32: 4
        case .int64: 8
        }
    }
}

/// Affine quantization: real = scale * (q - zeroPoint), per tensor (one scale) or per
/// channel along `dimension` (one scale per slice).
public struct Quantization: Sendable, Equatable, Codable {
    public var scales: [Float]
    public var zeroPoints: [Int64]
    public var dimension: Int

    public init(scales: [Float], zeroPoints: [Int64], dimension: Int = 0) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.dimension = dimension
    }

    public init(scale: Float, zeroPoint: Int64) {
        self.init(scales: [scale], zeroPoints: [zeroPoint])
    }

    public var isPerChannel: Bool { scales.count > 1 }
    public var scale: Float { scales.first ?? 0 }
    public var zeroPoint: Int64 { zeroPoints.first ?? 0 }
}

public struct Tensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var type: ElementType
    public var quantization: Quantization?
    /// Constant contents (little-endian), nil for activations.
    public var data: [UInt8]?
    /// A variable tensor (LSTM state kept between invocations).
    public var isVariable: Bool

    public init(name: String, shape: [Int], type: ElementType, quantization: Quantization? = nil,
                data: [UInt8]? = nil, isVariable: Bool = false) {
        self.name = name
        self.shape = shape
        self.type = type
        self.quantization = quantization
        self.data = data
        self.isVariable = isVariable
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * type.byteSize }
    public var isConstant: Bool { data != nil }
}

public enum FusedActivation: String, Sendable, Codable, CaseIterable {
    case none, relu, reluN1To1 = "relu_n1_to_1", relu6, tanh
}

/// The operators sersim supports (TFLite BuiltinOperator names in comments).
public enum OperatorKind: String, Sendable, Codable, CaseIterable {
    case fullyConnected = "FULLY_CONNECTED"
    case unidirectionalSequenceLSTM = "UNIDIRECTIONAL_SEQUENCE_LSTM"
    case softmax = "SOFTMAX"
    case logistic = "LOGISTIC"
    case tanh = "TANH"
    case relu = "RELU"
    case stridedSlice = "STRIDED_SLICE"
    case reshape = "RESHAPE"
    case quantize = "QUANTIZE"
    case dequantize = "DEQUANTIZE"
    case add = "ADD"
    case mul = "MUL"
}

public struct FullyConnectedOptions: Sendable, Equatable, Codable {
    public var activation: FusedActivation
    public var keepNumDims: Bool
    public init(activation: FusedActivation = .none, keepNumDims: Bool = false) {
        self.activation = activation
        self.keepNumDims = keepNumDims
    }
}

public struct LSTMOptions: Sendable, Equatable, Codable {
    /// The cell and output activation (TFLite: fused_activation_function, TANH).
    public var activation: FusedActivation
    /// Cell state clipping (0 = none), in real units.
    public var cellClip: Float
    public var projectionClip: Float
    /// Input is [time, batch, features] rather than [batch, time, features].
    public var timeMajor: Bool
    public init(activation: FusedActivation = .tanh, cellClip: Float = 0, projectionClip: Float = 0, timeMajor: Bool = false) {
        self.activation = activation
        self.cellClip = cellClip
        self.projectionClip = projectionClip
        self.timeMajor = timeMajor
    }
}

public struct StridedSliceOptions: Sendable, Equatable, Codable {
    public var beginMask: Int32
    public var endMask: Int32
    public var ellipsisMask: Int32
    public var newAxisMask: Int32
    public var shrinkAxisMask: Int32
    public var offset: Bool
    public init(beginMask: Int32 = 0, endMask: Int32 = 0, ellipsisMask: Int32 = 0, newAxisMask: Int32 = 0,
                shrinkAxisMask: Int32 = 0, offset: Bool = false) {
        self.beginMask = beginMask
        self.endMask = endMask
        self.ellipsisMask = ellipsisMask
        self.newAxisMask = newAxisMask
        self.shrinkAxisMask = shrinkAxisMask
        self.offset = offset
    }
}

public enum OperatorOptions: Sendable, Equatable {
    case none
    case fullyConnected(FullyConnectedOptions)
    case lstm(LSTMOptions)
    case softmax(beta: Float)
    case stridedSlice(StridedSliceOptions)
    case reshape(newShape: [Int]?)
    /// ADD and MUL.
    case elementwise(activation: FusedActivation)
}

public struct Operator: Sendable, Equatable {
    public var kind: OperatorKind
    /// Tensor indices of the inputs; nil for an optional input that is absent (TFLite -1).
    public var inputs: [Int?]
    public var outputs: [Int]
    /// Intermediate tensors (TFLite's integer LSTM keeps gate-output scales there).
    public var intermediates: [Int]
    public var options: OperatorOptions
    /// A name for reports (e.g. "lstm_1"); derived from the output tensor when absent.
    public var name: String

    public init(kind: OperatorKind, inputs: [Int?], outputs: [Int], intermediates: [Int] = [],
                options: OperatorOptions = .none, name: String = "") {
        self.kind = kind
        self.inputs = inputs
        self.outputs = outputs
        self.intermediates = intermediates
        self.options = options
        self.name = name
    }
}

/// A named entry point (TFLite SignatureDef): user-facing names for graph inputs and
/// outputs, e.g. "input_1" for tensor 0.
public struct ModelSignature: Sendable, Equatable {
    public struct Binding: Sendable, Equatable {
        public var name: String
        public var tensor: Int
        public init(name: String, tensor: Int) {
            self.name = name
            self.tensor = tensor
        }
    }
    /// The SignatureDef key ("serving_default").
    public var key: String
    public var inputs: [Binding]
    public var outputs: [Binding]

    public init(key: String, inputs: [Binding], outputs: [Binding]) {
        self.key = key
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A model: one graph (TFLite's first subgraph).
public struct Model: Sendable, Equatable {
    public var name: String
    public var tensors: [Tensor]
    /// In execution order.
    public var operators: [Operator]
    public var inputs: [Int]
    public var outputs: [Int]
    /// Class names for the output, if the model carries them.
    public var labels: [String]
    /// Free-form provenance ("converted from ser.tflite by sersim 0.1").
    public var description: String
    /// Named entry points, when the source model has them (TFLite SignatureDefs of the
    /// first subgraph).
    public var signatures: [ModelSignature]

    public init(name: String, tensors: [Tensor], operators: [Operator], inputs: [Int], outputs: [Int],
                labels: [String] = [], description: String = "", signatures: [ModelSignature] = []) {
        self.name = name
        self.tensors = tensors
        self.operators = operators
        self.inputs = inputs
        self.outputs = outputs
        self.labels = labels
        self.description = description
        self.signatures = signatures
    }
}

/// Input positions of UNIDIRECTIONAL_SEQUENCE_LSTM (TFLite `lstm_shared.h`,
/// `kLstmInputTensor` … `kLstmOutputLayerNormCoefficientsTensor`). Optional inputs are nil
/// in `Operator.inputs` when absent (CIFG has no input gate, no peepholes, no projection,
/// no layer normalisation in what the Keras converter produces).
public enum LSTMInput {
    public static let input = 0
    public static let inputToInputWeights = 1
    public static let inputToForgetWeights = 2
    public static let inputToCellWeights = 3
    public static let inputToOutputWeights = 4
    public static let recurrentToInputWeights = 5
    public static let recurrentToForgetWeights = 6
    public static let recurrentToCellWeights = 7
    public static let recurrentToOutputWeights = 8
    public static let cellToInputWeights = 9
    public static let cellToForgetWeights = 10
    public static let cellToOutputWeights = 11
    public static let inputGateBias = 12
    public static let forgetGateBias = 13
    public static let cellGateBias = 14
    public static let outputGateBias = 15
    public static let projectionWeights = 16
    public static let projectionBias = 17
    /// Variable tensor: the hidden state carried between time steps and invocations.
    public static let outputState = 18
    /// Variable tensor: the int16 cell state.
    public static let cellState = 19
    public static let inputLayerNormCoefficients = 20
    public static let forgetLayerNormCoefficients = 21
    public static let cellLayerNormCoefficients = 22
    public static let outputLayerNormCoefficients = 23
    public static let count = 24

    /// Inputs that may be absent (TFLite passes -1).
    public static let optional: Set<Int> = [
        inputToInputWeights, recurrentToInputWeights, cellToInputWeights, cellToForgetWeights,
        cellToOutputWeights, inputGateBias, projectionWeights, projectionBias,
        inputLayerNormCoefficients, forgetLayerNormCoefficients, cellLayerNormCoefficients,
        outputLayerNormCoefficients,
    ]
}
