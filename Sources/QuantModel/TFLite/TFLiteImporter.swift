// Reads a .tflite file (TFLite FlatBuffers schema, see TFLiteSchema.swift) into a `Model`.
// Only the first subgraph is imported (TFLite's main graph); only the operators in
// `OperatorKind` and the element types in `ElementType` are accepted, anything else is an
// error naming it and where it is.

/// Why a .tflite file could not be imported.
public enum TFLiteImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not a well-formed TFLite FlatBuffer.
    case malformed(FlatBufferError)
    /// An operator sersim does not implement.
    case unsupportedOperator(index: Int, name: String, supported: [String])
    /// A tensor element type sersim does not implement.
    case unsupportedTensorType(tensor: Int, name: String, type: String, supported: [String])
    /// A TFLite feature sersim does not implement (sparse tensors, shuffled weights, …).
    case unsupportedFeature(location: String, feature: String)
    /// Well-formed FlatBuffer, but the model does not make sense.
    case invalid(ModelValidationError)

    public var description: String {
        switch self {
        case .malformed(let e):
            return "not a valid TFLite model (damaged or truncated): \(e)"
        case .unsupportedOperator(let index, let name, let supported):
            return "operator \(index) is \(name), which sersim does not support; supported operators: \(supported.joined(separator: ", "))"
        case .unsupportedTensorType(let tensor, let name, let type, let supported):
            return "tensor \(tensor) '\(name)' has type \(type), which sersim does not support; supported types: \(supported.joined(separator: ", "))"
        case .unsupportedFeature(let location, let feature):
            return "\(location): \(feature) is not supported by sersim"
        case .invalid(let e):
            return "invalid model: \(e)"
        }
    }
}

/// The imported model plus remarks about what was dropped or ignored on the way.
public struct TFLiteImport: Sendable {
    public var model: Model
    /// Human-readable notes (e.g. "2 further subgraphs ignored").
    public var notes: [String]
}

public enum TFLiteImporter {
    /// The supported operator names, for error messages and `--help`.
    public static var supportedOperators: [String] { OperatorKind.allCases.map(\.rawValue) }
    public static var supportedTypes: [String] { ElementType.allCases.map { $0.rawValue.uppercased() } }

    /// Whether `bytes` carry the TFLite file identifier ("TFL3" at offset 4).
    public static func looksLikeTFLite(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && Array(bytes[4..<8]) == Array(TFLiteSchema.fileIdentifier.utf8)
    }

    /// Imports a model; `name` becomes `Model.name`.
    public static func importModel(bytes: [UInt8], name: String) throws(TFLiteImportError) -> TFLiteImport {
        do {
            var reader = Reader(buffer: FlatBuffer(bytes: bytes), modelName: name)
            return try reader.read()
        } catch let e as FlatBufferError {
            throw .malformed(e)
        } catch let e as TFLiteImportError {
            throw e
        } catch let e as ModelValidationError {
            throw .invalid(e)
        } catch {
            // Reader only throws the three types above.
            throw .malformed(FlatBufferError(field: "model", offset: 0, reason: "\(error)"))
        }
    }
}

private struct Reader {
    let buffer: FlatBuffer
    let modelName: String
    var notes: [String] = []
    /// Buffer contents by buffer index, so tensors sharing a buffer share one array.
    var bufferCache: [Int: [UInt8]?] = [:]

    init(buffer: FlatBuffer, modelName: String) {
        self.buffer = buffer
        self.modelName = modelName
    }

    typealias F = TFLiteSchema

    mutating func read() throws -> TFLiteImport {
        let root = try buffer.root(identifier: F.fileIdentifier, name: "model")
        let version = try root.scalar(F.ModelField.version, "version", default: UInt32(0))
        guard version == 3 else {
            throw TFLiteImportError.unsupportedFeature(location: "model.version",
                                                       feature: "schema version \(version) (sersim reads version 3)")
        }
        guard let subgraphs = try root.tables(F.ModelField.subgraphs, "subgraphs"), let main = subgraphs.first else {
            throw FlatBufferError(field: "model.subgraphs", offset: root.position, reason: "the model has no subgraph")
        }
        if subgraphs.count > 1 {
            notes.append("the model has \(subgraphs.count) subgraphs; only the first (the main graph) was imported")
        }
        let buffers = try root.tables(F.ModelField.buffers, "buffers") ?? []
        let codes = try readOperatorCodes(root)

        let tensorTables = try main.tables(F.SubGraphField.tensors, "tensors") ?? []
        var tensors: [Tensor] = []
        tensors.reserveCapacity(tensorTables.count)
        for (i, t) in tensorTables.enumerated() {
            tensors.append(try readTensor(t, index: i, buffers: buffers))
        }
        let inputs = try indices(main, F.SubGraphField.inputs, "inputs", tensorCount: tensors.count)
        let outputs = try indices(main, F.SubGraphField.outputs, "outputs", tensorCount: tensors.count)

        let opTables = try main.tables(F.SubGraphField.operators, "operators") ?? []
        var operators: [Operator] = []
        operators.reserveCapacity(opTables.count)
        for (k, t) in opTables.enumerated() {
            operators.append(try readOperator(t, index: k, codes: codes, tensors: tensors))
        }

        let description = try root.string(F.ModelField.description, "description") ?? ""
        let signatures = try readSignatures(root, tensorCount: tensors.count)

        var labels: [String] = []
        let found = TFLiteLabelReader(bytes: buffer.bytes).labels(root: root, buffers: buffers)
        if let note = found.note { notes.append(note) }
        if let list = found.labels, let output = outputs.first {
            let classes = tensors[output].shape.last ?? 1
            if list.count == classes {
                labels = list
            } else {
                notes.append("the TFLite metadata has \(list.count) labels, but output tensor \(output) has \(classes) classes; labels ignored")
            }
        }

        let model = Model(name: modelName, tensors: tensors, operators: operators, inputs: inputs,
                          outputs: outputs, labels: labels, description: description, signatures: signatures)
        try model.validate()
        return TFLiteImport(model: model, notes: notes)
    }

    /// Builtin code per operator code; custom operators get their custom name.
    func readOperatorCodes(_ root: FBTable) throws -> [(code: Int, custom: String?)] {
        let tables = try root.tables(F.ModelField.operatorCodes, "operator_codes") ?? []
        return try tables.map { t in
            // The extended field wins when the deprecated byte holds the placeholder
            // (schema.fbs OperatorCode; tflite::GetBuiltinCode takes the larger of both).
            let old = Int(try t.scalar(F.OperatorCodeField.deprecatedBuiltinCode, "deprecated_builtin_code", default: Int8(0)))
            let new = Int(try t.scalar(F.OperatorCodeField.builtinCode, "builtin_code", default: Int32(0)))
            let code = max(old, new)
            let custom = code == F.customCode ? (try t.string(F.OperatorCodeField.customCode, "custom_code") ?? "") : nil
            return (code, custom)
        }
    }

    func indices(_ table: FBTable, _ id: Int, _ name: String, tensorCount: Int) throws -> [Int] {
        let raw = try table.scalars(id, name, as: Int32.self) ?? []
        return try raw.enumerated().map { n, v in
            guard v >= 0 && Int(v) < tensorCount else {
                throw ModelValidationError("\(table.path).\(name)[\(n)]", "refers to tensor \(v), but the subgraph has \(tensorCount) tensors")
            }
            return Int(v)
        }
    }

    mutating func bufferData(_ index: Int, buffers: [FBTable], tensorPath: String) throws -> [UInt8]? {
        if let cached = bufferCache[index] { return cached }
        guard index < buffers.count else {
            throw ModelValidationError("\(tensorPath).buffer", "refers to buffer \(index), but the model has \(buffers.count) buffers")
        }
        let b = buffers[index]
        var data = try b.bytes(F.BufferField.data, "data")
        if data?.isEmpty ?? true {
            // Models over 2 GB keep buffers after the FlatBuffer: offset and size relative
            // to the start of the file, "only valid if > 1" (schema.fbs Buffer).
            let offset = try b.scalar(F.BufferField.offset, "offset", default: UInt64(0))
            let size = try b.scalar(F.BufferField.size, "size", default: UInt64(0))
            if offset > 1 {
                guard offset <= UInt64(buffer.count), size <= UInt64(buffer.count) - offset else {
                    throw FlatBufferError(field: "\(b.path).offset", offset: b.position,
                                          reason: "external data at \(offset) (+\(size) bytes) lies outside the \(buffer.count)-byte file")
                }
                try buffer.charge(Int(size), field: "\(b.path).offset", at: b.position)
                data = Array(buffer.bytes[Int(offset)..<Int(offset + size)])
            }
        }
        let result: [UInt8]? = (data?.isEmpty ?? true) ? nil : data
        bufferCache[index] = .some(result)
        return result
    }

    mutating func readTensor(_ t: FBTable, index i: Int, buffers: [FBTable]) throws -> Tensor {
        let name = try t.string(F.TensorField.name, "name") ?? ""
        let rawType = try t.scalar(F.TensorField.type, "type", default: Int8(0))
        guard let type = F.elementType(rawType) else {
            throw TFLiteImportError.unsupportedTensorType(tensor: i, name: name, type: F.tensorTypeName(rawType),
                                                          supported: TFLiteImporter.supportedTypes)
        }
        if t.has(F.TensorField.sparsity) {
            throw TFLiteImportError.unsupportedFeature(location: "tensor \(i) '\(name)'", feature: "a sparse tensor")
        }
        // Reading the shape is bounded by maxRank before it is expanded.
        if let v = try t.vector(F.TensorField.shape, "shape", elementSize: 4), v.count > ModelLimits.maxRank {
            throw ModelValidationError("tensor \(i) '\(name)'", "has rank \(v.count); sersim supports at most \(ModelLimits.maxRank)")
        }
        let shape = (try t.scalars(F.TensorField.shape, "shape", as: Int32.self) ?? []).map(Int.init)
        let isVariable = try t.bool(F.TensorField.isVariable, "is_variable", default: false)
        let bufferIndex = Int(try t.scalar(F.TensorField.buffer, "buffer", default: UInt32(0)))
        var data = bufferIndex == 0 ? nil : try bufferData(bufferIndex, buffers: buffers, tensorPath: t.path)
        if isVariable && data != nil {
            // TFLM resets variable tensors to their zero point and ignores any buffer.
            notes.append("tensor \(i) '\(name)' is a variable with an initial value; the value was dropped (TFLM starts variables at zero)")
            data = nil
        }
        let quantization = try readQuantization(t, index: i, name: name)
        return Tensor(name: name, shape: shape, type: type, quantization: quantization, data: data, isVariable: isVariable)
    }

    func readQuantization(_ t: FBTable, index i: Int, name: String) throws -> Quantization? {
        guard let q = try t.table(F.TensorField.quantization, "quantization") else { return nil }
        if q.has(F.QuantizationField.details) {
            throw TFLiteImportError.unsupportedFeature(location: "tensor \(i) '\(name)'",
                                                       feature: "custom, blockwise or multi-axis quantization")
        }
        let scales = try q.floats(F.QuantizationField.scale, "scale") ?? []
        if scales.isEmpty { return nil }  // min/max only, or an empty table: not quantized
        let zeroPoints = try q.scalars(F.QuantizationField.zeroPoint, "zero_point", as: Int64.self) ?? []
        let dimension = Int(try q.scalar(F.QuantizationField.quantizedDimension, "quantized_dimension", default: Int32(0)))
        return Quantization(scales: scales, zeroPoints: zeroPoints, dimension: dimension)
    }

    func readOperator(_ t: FBTable, index k: Int, codes: [(code: Int, custom: String?)], tensors: [Tensor]) throws -> Operator {
        let opcodeIndex = Int(try t.scalar(F.OperatorField.opcodeIndex, "opcode_index", default: UInt32(0)))
        guard opcodeIndex < codes.count else {
            throw ModelValidationError("operator \(k)", "uses operator code \(opcodeIndex), but the model has \(codes.count)")
        }
        let code = codes[opcodeIndex]
        let opName = code.custom.map { "custom operator '\($0)'" } ?? F.operatorName(code.code)
        guard code.custom == nil, let kind = OperatorKind(rawValue: F.operatorName(code.code)) else {
            throw TFLiteImportError.unsupportedOperator(index: k, name: opName, supported: TFLiteImporter.supportedOperators)
        }
        let label = "operator \(k) (\(kind.rawValue))"
        let rawInputs = try t.scalars(F.OperatorField.inputs, "inputs", as: Int32.self) ?? []
        let inputs: [Int?] = try rawInputs.enumerated().map { n, v in
            if v == -1 { return nil }
            guard v >= 0 && Int(v) < tensors.count else {
                throw ModelValidationError("\(label) input \(n)", "refers to tensor \(v), but the subgraph has \(tensors.count) tensors")
            }
            return Int(v)
        }
        let outputs = try indices(t, F.OperatorField.outputs, "outputs", tensorCount: tensors.count)
        let intermediates = try indices(t, F.OperatorField.intermediates, "intermediates", tensorCount: tensors.count)
        let options = try readOptions(t, kind: kind, label: label, inputs: inputs, tensors: tensors)
        let name = outputs.first.map { tensors[$0].name } ?? ""
        return Operator(kind: kind, inputs: inputs, outputs: outputs, intermediates: intermediates,
                        options: options, name: name)
    }

    func readOptions(_ t: FBTable, kind: OperatorKind, label: String, inputs: [Int?], tensors: [Tensor]) throws -> OperatorOptions {
        let type = try t.scalar(F.OperatorField.builtinOptionsType, "builtin_options_type", default: UInt8(0))
        let expected: UInt8? = switch kind {
        case .fullyConnected: F.Options.fullyConnected
        case .unidirectionalSequenceLSTM: F.Options.unidirectionalSequenceLSTM
        case .softmax: F.Options.softmax
        case .stridedSlice: F.Options.stridedSlice
        case .reshape: F.Options.reshape
        case .add: F.Options.add
        case .mul: F.Options.mul
        case .quantize: F.Options.quantize
        case .dequantize: F.Options.dequantize
        case .logistic, .tanh, .relu: nil
        }
        var o: FBTable? = nil
        if type != 0 {
            guard type == expected else {
                throw FlatBufferError(field: "\(t.path).builtin_options_type", offset: t.position,
                                      reason: "\(label) carries options of union type \(type), expected \(expected.map(String.init) ?? "none")")
            }
            o = try t.table(F.OperatorField.builtinOptions, "builtin_options")
        }
        func activation(_ id: Int) throws -> FusedActivation {
            let raw = try o?.scalar(id, "fused_activation_function", default: Int8(0)) ?? 0
            guard let a = F.activation(raw) else {
                let n = raw >= 0 && Int(raw) < F.activationNames.count ? F.activationNames[Int(raw)] : "\(raw)"
                throw TFLiteImportError.unsupportedFeature(location: label, feature: "fused activation \(n)")
            }
            return a
        }
        switch kind {
        case .fullyConnected:
            typealias K = F.FullyConnectedOptionsField
            let format = try o?.scalar(K.weightsFormat, "weights_format", default: Int8(0)) ?? 0
            if format != 0 {
                throw TFLiteImportError.unsupportedFeature(location: label, feature: "shuffled weights format (SHUFFLED4x16INT8)")
            }
            return .fullyConnected(FullyConnectedOptions(
                activation: try activation(K.fusedActivation),
                keepNumDims: try o?.bool(K.keepNumDims, "keep_num_dims", default: false) ?? false))
        case .unidirectionalSequenceLSTM:
            typealias K = F.UnidirectionalSequenceLSTMOptionsField
            if try o?.bool(K.diagonalRecurrentTensors, "diagonal_recurrent_tensors", default: false) ?? false {
                throw TFLiteImportError.unsupportedFeature(location: label, feature: "diagonal recurrent weights")
            }
            return .lstm(LSTMOptions(
                activation: try activation(K.fusedActivation),
                cellClip: try o?.float(K.cellClip, "cell_clip", default: 0) ?? 0,
                projectionClip: try o?.float(K.projClip, "proj_clip", default: 0) ?? 0,
                timeMajor: try o?.bool(K.timeMajor, "time_major", default: false) ?? false))
        case .softmax:
            return .softmax(beta: try o?.float(F.SoftmaxOptionsField.beta, "beta", default: 0) ?? 0)
        case .stridedSlice:
            typealias K = F.StridedSliceOptionsField
            return .stridedSlice(StridedSliceOptions(
                beginMask: try o?.scalar(K.beginMask, "begin_mask", default: Int32(0)) ?? 0,
                endMask: try o?.scalar(K.endMask, "end_mask", default: Int32(0)) ?? 0,
                ellipsisMask: try o?.scalar(K.ellipsisMask, "ellipsis_mask", default: Int32(0)) ?? 0,
                newAxisMask: try o?.scalar(K.newAxisMask, "new_axis_mask", default: Int32(0)) ?? 0,
                shrinkAxisMask: try o?.scalar(K.shrinkAxisMask, "shrink_axis_mask", default: Int32(0)) ?? 0,
                offset: try o?.bool(K.offset, "offset", default: false) ?? false))
        case .reshape:
            // The new shape comes from the options or, in newer converters, from a constant
            // int32 second input (TFLM reshape.cc uses the output tensor's shape either way).
            if let o, o.has(F.ReshapeOptionsField.newShape) {
                if let v = try o.vector(F.ReshapeOptionsField.newShape, "new_shape", elementSize: 4), v.count > ModelLimits.maxRank {
                    throw ModelValidationError(label, "new_shape has \(v.count) dimensions; sersim supports at most \(ModelLimits.maxRank)")
                }
                return .reshape(newShape: (try o.scalars(F.ReshapeOptionsField.newShape, "new_shape", as: Int32.self) ?? []).map(Int.init))
            }
            if inputs.count > 1, let s = inputs[1], tensors[s].type == .int32, let data = tensors[s].data,
               data.count / 4 <= ModelLimits.maxRank {
                return .reshape(newShape: LittleEndian.int32s(data).map(Int.init))
            }
            return .reshape(newShape: nil)
        case .add:
            return .elementwise(activation: try activation(F.AddOptionsField.fusedActivation))
        case .mul:
            return .elementwise(activation: try activation(F.MulOptionsField.fusedActivation))
        case .quantize, .dequantize, .logistic, .tanh, .relu:
            return .none
        }
    }

    func readSignatures(_ root: FBTable, tensorCount: Int) throws -> [ModelSignature] {
        let defs = try root.tables(F.ModelField.signatureDefs, "signature_defs") ?? []
        var result: [ModelSignature] = []
        for d in defs {
            let subgraph = try d.scalar(F.SignatureDefField.subgraphIndex, "subgraph_index", default: UInt32(0))
            guard subgraph == 0 else { continue }  // only the main graph is imported
            func bindings(_ id: Int, _ name: String) throws -> [ModelSignature.Binding] {
                try (d.tables(id, name) ?? []).map { m in
                    let index = Int(try m.scalar(F.TensorMapField.tensorIndex, "tensor_index", default: UInt32(0)))
                    guard index < tensorCount else {
                        throw ModelValidationError("\(m.path).tensor_index", "refers to tensor \(index), but the subgraph has \(tensorCount) tensors")
                    }
                    return ModelSignature.Binding(name: try m.string(F.TensorMapField.name, "name") ?? "", tensor: index)
                }
            }
            result.append(ModelSignature(key: try d.string(F.SignatureDefField.signatureKey, "signature_key") ?? "",
                                         inputs: try bindings(F.SignatureDefField.inputs, "inputs"),
                                         outputs: try bindings(F.SignatureDefField.outputs, "outputs")))
        }
        return result
    }
}
