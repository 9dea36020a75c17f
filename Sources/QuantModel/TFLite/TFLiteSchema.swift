// Field numbers, enums and names from the TFLite FlatBuffers schema
// (tensorflow/compiler/mlir/lite/schema/schema.fbs, also shipped in tflite-micro as
// tensorflow/lite/schema/schema.fbs). A table field's id is its position in the table's
// declaration (deprecated fields keep their slot); a union field takes two ids, the type
// byte first, then the offset.

enum TFLiteSchema {
    /// `file_identifier "TFL3"`.
    static let fileIdentifier = "TFL3"

    enum ModelField {
        static let version = 0, operatorCodes = 1, subgraphs = 2, description = 3, buffers = 4
        static let metadataBuffer = 5, metadata = 6, signatureDefs = 7
    }
    enum SubGraphField {
        static let tensors = 0, inputs = 1, outputs = 2, operators = 3, name = 4
    }
    enum TensorField {
        static let shape = 0, type = 1, buffer = 2, name = 3, quantization = 4, isVariable = 5
        static let sparsity = 6, shapeSignature = 7, hasRank = 8, variantTensors = 9
    }
    enum QuantizationField {
        static let min = 0, max = 1, scale = 2, zeroPoint = 3, detailsType = 4, details = 5
        static let quantizedDimension = 6
    }
    enum OperatorCodeField {
        static let deprecatedBuiltinCode = 0, customCode = 1, version = 2, builtinCode = 3
    }
    enum OperatorField {
        static let opcodeIndex = 0, inputs = 1, outputs = 2, builtinOptionsType = 3
        static let builtinOptions = 4, customOptions = 5, customOptionsFormat = 6
        static let mutatingVariableInputs = 7, intermediates = 8
        static let builtinOptions2Type = 11, builtinOptions2 = 12
    }
    enum BufferField {
        static let data = 0, offset = 1, size = 2
    }
    enum MetadataField {
        static let name = 0, buffer = 1
    }
    enum SignatureDefField {
        static let inputs = 0, outputs = 1, signatureKey = 2, subgraphIndex = 4
    }
    enum TensorMapField {
        static let name = 0, tensorIndex = 1
    }

    /// `union BuiltinOptions` member numbers (NONE = 0, then declaration order).
    enum Options {
        static let fullyConnected: UInt8 = 8
        static let softmax: UInt8 = 9
        static let add: UInt8 = 11
        static let reshape: UInt8 = 17
        static let mul: UInt8 = 21
        static let stridedSlice: UInt8 = 32
        static let dequantize: UInt8 = 38
        static let unidirectionalSequenceLSTM: UInt8 = 71
        static let quantize: UInt8 = 89
    }

    enum FullyConnectedOptionsField {
        static let fusedActivation = 0, weightsFormat = 1, keepNumDims = 2
        static let asymmetricQuantizeInputs = 3, quantizedBiasType = 4
    }
    enum SoftmaxOptionsField { static let beta = 0 }
    enum AddOptionsField { static let fusedActivation = 0, potScaleInt16 = 1 }
    enum MulOptionsField { static let fusedActivation = 0 }
    enum ReshapeOptionsField { static let newShape = 0 }
    enum StridedSliceOptionsField {
        static let beginMask = 0, endMask = 1, ellipsisMask = 2, newAxisMask = 3
        static let shrinkAxisMask = 4, offset = 5
    }
    enum UnidirectionalSequenceLSTMOptionsField {
        static let fusedActivation = 0, cellClip = 1, projClip = 2, timeMajor = 3
        static let asymmetricQuantizeInputs = 4, diagonalRecurrentTensors = 5
    }

    /// `enum ActivationFunctionType : byte`.
    static func activation(_ raw: Int8) -> FusedActivation? {
        switch raw {
        case 0: FusedActivation.none
        case 1: .relu
        case 2: .reluN1To1
        case 3: .relu6
        case 4: .tanh
        default: nil  // 5 = SIGN_BIT, unsupported
        }
    }
    static let activationNames = ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"]

    /// `enum TensorType : byte`, by value.
    static let tensorTypeNames = [
        "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64",
        "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16",
        "INT4", "BFLOAT16", "INT2", "UINT4", "FLOAT8_E4M3FN", "FLOAT8_E5M2",
    ]

    static func elementType(_ raw: Int8) -> ElementType? {
        switch raw {
        case 0: .float32
        case 2: .int32
        case 3: .uint8
        case 4: .int64
        case 6: .bool
        case 7: .int16
        case 9: .int8
        default: nil
        }
    }

    static func tensorTypeName(_ raw: Int8) -> String {
        raw >= 0 && Int(raw) < tensorTypeNames.count ? tensorTypeNames[Int(raw)] : "type \(raw)"
    }

    /// The builtin code that selects CUSTOM operators.
    static let customCode = 32
    /// Codes below this fit the deprecated byte field (`PLACEHOLDER_FOR_GREATER_OP_CODES`).
    static let placeholderForGreaterOpCodes = 127

    static func operatorName(_ code: Int) -> String {
        code >= 0 && code < builtinOperatorNames.count ? builtinOperatorNames[code] : "BUILTIN_\(code)"
    }

    /// `enum BuiltinOperator : int32`, by value (0...209).
    static let builtinOperatorNames: [String] = [
        "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
        "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
        "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC",
        "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE",
        "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS",
        "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
        "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND",
        "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT", "LOG_SOFTMAX",
        "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM",
        "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN",
        "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG",
        "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD",
        "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK",
        "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD",
        "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
        "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK",
        "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND",
        "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5",
        "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
        "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D",
        "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT",
        "HASHTABLE_SIZE", "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE",
        "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE",
        "RANDOM_UNIFORM", "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1",
        "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2",
        "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT",
        "STABLEHLO_LOGISTIC", "STABLEHLO_ADD", "STABLEHLO_DIVIDE", "STABLEHLO_MULTIPLY",
        "STABLEHLO_MAXIMUM", "STABLEHLO_RESHAPE", "STABLEHLO_CLAMP", "STABLEHLO_CONCATENATE",
        "STABLEHLO_BROADCAST_IN_DIM", "STABLEHLO_CONVOLUTION", "STABLEHLO_SLICE",
        "STABLEHLO_CUSTOM_CALL", "STABLEHLO_REDUCE", "STABLEHLO_ABS", "STABLEHLO_AND",
        "STABLEHLO_COSINE", "STABLEHLO_EXPONENTIAL", "STABLEHLO_FLOOR", "STABLEHLO_LOG",
        "STABLEHLO_MINIMUM", "STABLEHLO_NEGATE", "STABLEHLO_OR", "STABLEHLO_POWER",
        "STABLEHLO_REMAINDER", "STABLEHLO_RSQRT", "STABLEHLO_SELECT", "STABLEHLO_SUBTRACT",
        "STABLEHLO_TANH", "STABLEHLO_SCATTER", "STABLEHLO_COMPARE", "STABLEHLO_CONVERT",
        "STABLEHLO_DYNAMIC_SLICE", "STABLEHLO_DYNAMIC_UPDATE_SLICE", "STABLEHLO_PAD",
        "STABLEHLO_IOTA", "STABLEHLO_DOT_GENERAL", "STABLEHLO_REDUCE_WINDOW", "STABLEHLO_SORT",
        "STABLEHLO_WHILE", "STABLEHLO_GATHER", "STABLEHLO_TRANSPOSE", "DILATE",
        "STABLEHLO_RNG_BIT_GENERATOR", "REDUCE_WINDOW", "STABLEHLO_COMPOSITE",
        "STABLEHLO_SHIFT_LEFT", "STABLEHLO_CBRT", "STABLEHLO_CASE",
    ]
}

/// Little-endian decoding of constant tensor data.
public enum LittleEndian {
    /// `data` as int32 values (its length must be a multiple of 4; a trailing remainder is ignored).
    public static func int32s(_ data: [UInt8]) -> [Int32] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
        }
    }
}
