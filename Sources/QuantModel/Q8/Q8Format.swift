// The .q8 container: sersim's own compact, versioned model file. docs/q8-format.md gives
// every field; keep the two in step. Layout: a 32-byte header, a table of 32-byte section
// entries, then 16-byte-aligned sections (META, GRPH, TENS, OPER, WGHT), each with its own
// CRC-32. Encoding is canonical: one model always gives the same bytes.

/// Why a .q8 file could not be read.
public enum Q8Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not start with the .q8 magic.
    case notQ8
    /// Written by a newer sersim with an incompatible major version.
    case futureVersion(major: Int, minor: Int)
    /// The file is shorter than its header says.
    case truncated(expected: Int, actual: Int)
    /// A checksum does not match: the named part of the file is damaged.
    case checksumMismatch(part: String, stored: UInt32, computed: UInt32)
    /// A field holds an impossible value.
    case malformed(section: String, field: String, offset: Int, reason: String)
    /// A required section this sersim does not know (a newer minor version that changes
    /// meaning), or a required v1 section that is missing.
    case missingOrUnknownSection(tag: String, reason: String)
    /// The decoded model fails structural validation.
    case invalid(ModelValidationError)
    /// The model cannot be written (e.g. more than 4 G tensors, a string over 4 GB).
    case cannotEncode(String)

    public var description: String {
        switch self {
        case .notQ8:
            return "not a .q8 file (the first 8 bytes are not the .q8 magic \\x89SQ8\\r\\n\\x1a\\n)"
        case .futureVersion(let major, let minor):
            return "written in .q8 format version \(major).\(minor) by a newer sersim; this sersim reads version \(Q8Format.majorVersion).x — update sersim or re-import the model"
        case .truncated(let expected, let actual):
            return "truncated: the header says the file has \(expected) bytes, but it has \(actual)"
        case .checksumMismatch(let part, let stored, let computed):
            return "damaged: the \(part) checksum is \(hex(computed)), the file records \(hex(stored))"
        case .malformed(let section, let field, let offset, let reason):
            return "damaged \(section) section, field \(field) at byte \(offset): \(reason)"
        case .missingOrUnknownSection(let tag, let reason):
            return "section \(tag): \(reason)"
        case .invalid(let e):
            return "invalid model: \(e)"
        case .cannotEncode(let reason):
            return "cannot write .q8: \(reason)"
        }
    }

    private func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
}

public enum Q8Format {
    /// `\x89 S Q 8 \r \n \x1a \n`: the high byte catches 7-bit transfers, CR LF and LF catch
    /// line-ending conversion, ^Z stops DOS `type` (the PNG signature's reasoning).
    public static let magic: [UInt8] = [0x89, 0x53, 0x51, 0x38, 0x0D, 0x0A, 0x1A, 0x0A]
    public static let majorVersion = 1
    public static let minorVersion = 0
    static let headerSize = 32
    static let sectionEntrySize = 32
    static let alignment = 16
    static let requiredFlag: UInt32 = 1

    enum Tag {
        static let meta = "META", graph = "GRPH", tensors = "TENS", operators = "OPER", weights = "WGHT"
        static let all = [meta, graph, tensors, operators, weights]
    }

    /// Whether `bytes` start with the .q8 magic.
    public static func looksLikeQ8(_ bytes: [UInt8]) -> Bool {
        bytes.count >= magic.count && Array(bytes[0..<magic.count]) == magic
    }

    // MARK: - Codes stored in the file

    /// Element types are stored as TFLite `TensorType` numbers.
    static func code(_ t: ElementType) -> UInt8 {
        switch t {
        case .float32: 0
        case .int32: 2
        case .uint8: 3
        case .int64: 4
        case .bool: 6
        case .int16: 7
        case .int8: 9
        }
    }

    static func elementType(_ code: UInt8) -> ElementType? {
        ElementType.allCases.first { Self.code($0) == code }
    }

    /// Operators are stored as TFLite `BuiltinOperator` numbers.
    static func code(_ k: OperatorKind) -> Int32 {
        switch k {
        case .add: 0
        case .dequantize: 6
        case .fullyConnected: 9
        case .logistic: 14
        case .mul: 18
        case .relu: 19
        case .reshape: 22
        case .softmax: 25
        case .tanh: 28
        case .unidirectionalSequenceLSTM: 44
        case .stridedSlice: 45
        case .quantize: 114
        }
    }

    static func operatorKind(_ code: Int32) -> OperatorKind? {
        OperatorKind.allCases.first { Self.code($0) == code }
    }

    /// Fused activations are stored as TFLite `ActivationFunctionType` numbers.
    static func code(_ a: FusedActivation) -> UInt8 {
        switch a {
        case .none: 0
        case .relu: 1
        case .reluN1To1: 2
        case .relu6: 3
        case .tanh: 4
        }
    }

    static func activation(_ code: UInt8) -> FusedActivation? {
        FusedActivation.allCases.first { Self.code($0) == code }
    }

    enum OptionsKind {
        static let none: UInt8 = 0, fullyConnected: UInt8 = 1, lstm: UInt8 = 2, softmax: UInt8 = 3
        static let stridedSlice: UInt8 = 4, reshape: UInt8 = 5, elementwise: UInt8 = 6
    }

    enum TensorFlag {
        static let variable: UInt8 = 1, constant: UInt8 = 2, quantized: UInt8 = 4
        static let known: UInt8 = 7
    }
}

// MARK: - Encoding

extension Q8Format {
    /// The model as .q8 bytes. The model is validated first: a .q8 file always holds a
    /// model that loads.
    public static func encode(_ model: Model) throws(Q8Error) -> [UInt8] {
        do { try model.validate() } catch { throw .invalid(error) }
        try checkEncodable(model)

        // Weights first, so tensors can record their offsets. Identical blobs are stored
        // once (converters share buffers between equal constants).
        var weights = ByteWriter()
        var blobOffsets: [[UInt8]: Int] = [:]
        var tensorData: [(offset: Int, length: Int)?] = []
        for t in model.tensors {
            guard let data = t.data else { tensorData.append(nil); continue }
            if let at = blobOffsets[data] {
                tensorData.append((at, data.count))
            } else {
                weights.pad(toMultipleOf: alignment)
                let at = weights.count
                weights.raw(data)
                blobOffsets[data] = at
                tensorData.append((at, data.count))
            }
        }

        var meta = ByteWriter()
        meta.string(model.name)
        meta.string(model.description)
        meta.list(model.labels) { $0.string($1) }

        var graph = ByteWriter()
        graph.list(model.inputs) { $0.u32(UInt32($1)) }
        graph.list(model.outputs) { $0.u32(UInt32($1)) }
        graph.list(model.signatures) { w, s in
            w.string(s.key)
            for bindings in [s.inputs, s.outputs] {
                w.list(bindings) { w, b in
                    w.string(b.name)
                    w.u32(UInt32(b.tensor))
                }
            }
        }

        var tensors = ByteWriter()
        tensors.u32(UInt32(model.tensors.count))
        for (i, t) in model.tensors.enumerated() {
            tensors.string(t.name)
            tensors.u8(code(t.type))
            var flags: UInt8 = 0
            if t.isVariable { flags |= TensorFlag.variable }
            if t.data != nil { flags |= TensorFlag.constant }
            if t.quantization != nil { flags |= TensorFlag.quantized }
            tensors.u8(flags)
            tensors.u8(UInt8(t.shape.count))
            tensors.u8(0)
            for d in t.shape { tensors.u32(UInt32(d)) }
            if let (offset, length) = tensorData[i] {
                tensors.u64(UInt64(offset))
                tensors.u64(UInt64(length))
            }
            if let q = t.quantization {
                tensors.u32(UInt32(q.scales.count))
                tensors.i32(Int32(q.dimension))
                for s in q.scales { tensors.f32(s) }
                for z in q.zeroPoints { tensors.i64(z) }
            }
        }

        var ops = ByteWriter()
        ops.u32(UInt32(model.operators.count))
        for op in model.operators {
            ops.i32(code(op.kind))
            ops.string(op.name)
            ops.list(op.inputs) { $0.i32($1.map { Int32($0) } ?? -1) }
            ops.list(op.outputs) { $0.u32(UInt32($1)) }
            ops.list(op.intermediates) { $0.u32(UInt32($1)) }
            encodeOptions(op.options, into: &ops)
        }

        let sections: [(String, [UInt8])] = [
            (Tag.meta, meta.bytes), (Tag.graph, graph.bytes), (Tag.tensors, tensors.bytes),
            (Tag.operators, ops.bytes), (Tag.weights, weights.bytes),
        ]

        var out = ByteWriter()
        out.raw(magic)
        out.u16(UInt16(majorVersion))
        out.u16(UInt16(minorVersion))
        out.u32(0)  // flags, reserved
        out.u64(0)  // file length, patched below
        out.u32(UInt32(sections.count))
        out.u32(0)  // header checksum, patched below
        let tableStart = out.count
        for _ in sections { out.raw([UInt8](repeating: 0, count: sectionEntrySize)) }
        for (n, (tag, payload)) in sections.enumerated() {
            out.pad(toMultipleOf: alignment)
            let entry = tableStart + n * sectionEntrySize
            let offset = out.count
            out.raw(payload)
            var e = ByteWriter()
            e.raw(Array(tag.utf8))
            e.u32(requiredFlag)
            e.u64(UInt64(offset))
            e.u64(UInt64(payload.count))
            e.u32(CRC32.checksum(payload))
            e.u32(0)
            out.patch(at: entry, e.bytes)
        }
        out.patchU64(at: 16, UInt64(out.count))
        var crc = CRC32()
        crc.update(out.bytes[0..<28])
        crc.update(out.bytes[tableStart..<(tableStart + sections.count * sectionEntrySize)])
        out.patchU32(at: 28, crc.value)
        return out.bytes
    }

    static func encodeOptions(_ options: OperatorOptions, into w: inout ByteWriter) {
        switch options {
        case .none:
            w.u8(OptionsKind.none)
        case .fullyConnected(let o):
            w.u8(OptionsKind.fullyConnected)
            w.u8(code(o.activation))
            w.bool(o.keepNumDims)
        case .lstm(let o):
            w.u8(OptionsKind.lstm)
            w.u8(code(o.activation))
            w.f32(o.cellClip)
            w.f32(o.projectionClip)
            w.bool(o.timeMajor)
        case .softmax(let beta):
            w.u8(OptionsKind.softmax)
            w.f32(beta)
        case .stridedSlice(let o):
            w.u8(OptionsKind.stridedSlice)
            for m in [o.beginMask, o.endMask, o.ellipsisMask, o.newAxisMask, o.shrinkAxisMask] { w.i32(m) }
            w.bool(o.offset)
        case .reshape(let shape):
            w.u8(OptionsKind.reshape)
            w.bool(shape != nil)
            if let shape { w.list(shape) { $0.i32(Int32($1)) } }
        case .elementwise(let a):
            w.u8(OptionsKind.elementwise)
            w.u8(code(a))
        }
    }

    /// Values the fixed-width fields cannot hold.
    static func checkEncodable(_ model: Model) throws(Q8Error) {
        let limit = Int(UInt32.max)
        if model.tensors.count > limit || model.operators.count > limit {
            throw .cannotEncode("more than \(limit) tensors or operators")
        }
        for (i, t) in model.tensors.enumerated() {
            if t.shape.contains(where: { $0 > limit }) { throw .cannotEncode("tensor \(i) has a dimension over \(limit)") }
            if let q = t.quantization, q.dimension < Int(Int32.min) || q.dimension > Int(Int32.max) {
                throw .cannotEncode("tensor \(i) has quantized dimension \(q.dimension)")
            }
        }
        for (k, op) in model.operators.enumerated() {
            if case .reshape(let shape?) = op.options, shape.contains(where: { $0 < Int(Int32.min) || $0 > Int(Int32.max) }) {
                throw .cannotEncode("operator \(k) has a reshape dimension outside int32")
            }
        }
        let strings = [model.name, model.description] + model.labels + model.tensors.map(\.name) + model.operators.map(\.name)
        if strings.contains(where: { $0.utf8.count > limit }) { throw .cannotEncode("a string is longer than \(limit) bytes") }
    }
}

// MARK: - Decoding

extension Q8Format {
    /// Reads a .q8 file's bytes; the result is validated.
    public static func decode(_ bytes: [UInt8]) throws(Q8Error) -> Model {
        guard looksLikeQ8(bytes) else { throw .notQ8 }
        guard bytes.count >= headerSize else { throw .truncated(expected: headerSize, actual: bytes.count) }
        var header = ByteReader(bytes: bytes, start: 8, end: headerSize, section: "header")
        let major = Int(try header.u16("major_version"))
        let minor = Int(try header.u16("minor_version"))
        guard major == majorVersion else {
            if major > majorVersion { throw .futureVersion(major: major, minor: minor) }
            throw header.fail("major_version", "version \(major) is not a .q8 version")
        }
        _ = try header.u32("flags")  // reserved in 1.x; readers ignore it
        let length = try header.u64("file_length")
        guard length == UInt64(bytes.count) else {
            if length > UInt64(bytes.count) { throw .truncated(expected: Int(clamping: length), actual: bytes.count) }
            throw header.fail("file_length", "the header says \(length) bytes, but the file has \(bytes.count) (extra bytes at the end)")
        }
        let sectionCount = Int(try header.u32("section_count"))
        let storedHeaderCRC = try header.u32("header_crc32")
        guard sectionCount <= (bytes.count - headerSize) / sectionEntrySize else {
            throw .malformed(section: "header", field: "section_count", offset: 24,
                             reason: "\(sectionCount) section entries do not fit in the file")
        }
        let tableEnd = headerSize + sectionCount * sectionEntrySize
        var crc = CRC32()
        crc.update(bytes[0..<28])
        crc.update(bytes[headerSize..<tableEnd])
        guard crc.value == storedHeaderCRC else {
            throw .checksumMismatch(part: "header and section table", stored: storedHeaderCRC, computed: crc.value)
        }

        var sections: [String: (start: Int, end: Int)] = [:]
        var ranges: [(start: Int, end: Int)] = [(0, tableEnd)]
        var table = ByteReader(bytes: bytes, start: headerSize, end: tableEnd, section: "section table")
        for n in 0..<sectionCount {
            let tagBytes = [try table.u8("tag"), try table.u8("tag"), try table.u8("tag"), try table.u8("tag")]
            let tag = String(decoding: tagBytes, as: UTF8.self)
            let flags = try table.u32("flags")
            let offset = try table.u64("offset")
            let size = try table.u64("length")
            let storedCRC = try table.u32("crc32")
            _ = try table.u32("reserved")
            guard offset >= UInt64(tableEnd), offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
                throw table.fail("entry \(n) (\(tag))", "section at \(offset) (+\(size) bytes) lies outside the file or over the header")
            }
            let start = Int(offset), end = Int(offset + size)
            ranges.append((start, end))
            let computed = CRC32.checksum(bytes[start..<end])
            guard computed == storedCRC else {
                throw .checksumMismatch(part: "\(tag) section", stored: storedCRC, computed: computed)
            }
            if Tag.all.contains(tag) {
                guard sections[tag] == nil else {
                    throw .missingOrUnknownSection(tag: tag, reason: "appears twice")
                }
                sections[tag] = (start, end)
            } else if flags & requiredFlag != 0 {
                throw .missingOrUnknownSection(tag: tag, reason: "is required by the file but unknown to this sersim (written by a newer version, \(major).\(minor)); update sersim")
            }
            // Unknown optional sections (a newer minor version's additions) are skipped.
        }
        // Everything outside the header, the table and the sections is alignment padding
        // and must be zero, so that no byte of the file escapes a check.
        var cursor = 0
        for range in ranges.sorted(by: { $0.start < $1.start }) + [(bytes.count, bytes.count)] {
            if range.start > cursor, let bad = (cursor..<range.start).first(where: { bytes[$0] != 0 }) {
                throw .malformed(section: "padding", field: "padding", offset: bad,
                                 reason: "padding byte is \(bytes[bad]), expected 0")
            }
            cursor = max(cursor, range.end)
        }
        func section(_ tag: String) throws(Q8Error) -> ByteReader {
            guard let s = sections[tag] else {
                throw .missingOrUnknownSection(tag: tag, reason: "is missing; every .q8 file has it")
            }
            return ByteReader(bytes: bytes, start: s.start, end: s.end, section: tag)
        }

        var meta = try section(Tag.meta)
        let name = try meta.string("name")
        let description = try meta.string("description")
        var labels: [String] = []
        for _ in 0..<(try meta.count("label_count", minimumElementSize: 4)) { labels.append(try meta.string("label")) }
        try expectEnd(meta)

        let weights = try section(Tag.weights)

        var t = try section(Tag.tensors)
        var tensors: [Tensor] = []
        let tensorCount = try t.count("tensor_count", minimumElementSize: 8)
        tensors.reserveCapacity(tensorCount)
        for i in 0..<tensorCount {
            tensors.append(try decodeTensor(&t, index: i, weights: weights))
        }
        try expectEnd(t)

        var g = try section(Tag.graph)
        func index(_ r: inout ByteReader, _ field: String) throws(Q8Error) -> Int {
            let v = Int(try r.u32(field))
            guard v < tensors.count else { throw r.fail(field, "tensor \(v) does not exist (the model has \(tensors.count))") }
            return v
        }
        func indexList(_ r: inout ByteReader, _ field: String) throws(Q8Error) -> [Int] {
            var out: [Int] = []
            for _ in 0..<(try r.count("\(field)_count", minimumElementSize: 4)) { out.append(try index(&r, field)) }
            return out
        }
        let inputs = try indexList(&g, "input")
        let outputs = try indexList(&g, "output")
        var signatures: [ModelSignature] = []
        for _ in 0..<(try g.count("signature_count", minimumElementSize: 12)) {
            let key = try g.string("signature_key")
            var lists: [[ModelSignature.Binding]] = []
            for field in ["signature_input", "signature_output"] {
                var list: [ModelSignature.Binding] = []
                for _ in 0..<(try g.count("\(field)_count", minimumElementSize: 8)) {
                    let n = try g.string("\(field)_name")
                    list.append(ModelSignature.Binding(name: n, tensor: try index(&g, "\(field)_tensor")))
                }
                lists.append(list)
            }
            signatures.append(ModelSignature(key: key, inputs: lists[0], outputs: lists[1]))
        }
        try expectEnd(g)

        var o = try section(Tag.operators)
        var operators: [Operator] = []
        for _ in 0..<(try o.count("operator_count", minimumElementSize: 21)) {
            let rawKind = try o.i32("operator_code")
            guard let kind = operatorKind(rawKind) else {
                throw o.fail("operator_code", "operator code \(rawKind) (\(TFLiteSchema.operatorName(Int(rawKind)))) is not one this sersim implements; written by a newer sersim?")
            }
            let opName = try o.string("operator_name")
            var opInputs: [Int?] = []
            for _ in 0..<(try o.count("input_count", minimumElementSize: 4)) {
                let v = try o.i32("input")
                if v == -1 { opInputs.append(nil); continue }
                guard v >= 0 && Int(v) < tensors.count else { throw o.fail("input", "tensor \(v) does not exist (the model has \(tensors.count))") }
                opInputs.append(Int(v))
            }
            let opOutputs = try indexList(&o, "output")
            let intermediates = try indexList(&o, "intermediate")
            let options = try decodeOptions(&o)
            operators.append(Operator(kind: kind, inputs: opInputs, outputs: opOutputs, intermediates: intermediates,
                                      options: options, name: opName))
        }
        try expectEnd(o)

        let model = Model(name: name, tensors: tensors, operators: operators, inputs: inputs, outputs: outputs,
                          labels: labels, description: description, signatures: signatures)
        do { try model.validate() } catch { throw .invalid(error) }
        return model
    }

    static func expectEnd(_ r: ByteReader) throws(Q8Error) {
        guard r.isAtEnd else { throw r.fail("end", "\(r.remaining) unexpected bytes after the last field") }
    }

    static func decodeTensor(_ r: inout ByteReader, index i: Int, weights: ByteReader) throws(Q8Error) -> Tensor {
        let name = try r.string("tensor \(i) name")
        let rawType = try r.u8("tensor \(i) type")
        guard let type = elementType(rawType) else {
            throw r.fail("tensor \(i) type", "element type \(rawType) (\(TFLiteSchema.tensorTypeName(Int8(truncatingIfNeeded: rawType)))) is not one this sersim implements")
        }
        let flags = try r.u8("tensor \(i) flags")
        guard flags & ~TensorFlag.known == 0 else { throw r.fail("tensor \(i) flags", "unknown flag bits \(flags)") }
        let rank = Int(try r.u8("tensor \(i) rank"))
        guard rank <= ModelLimits.maxRank else { throw r.fail("tensor \(i) rank", "rank \(rank) exceeds \(ModelLimits.maxRank)") }
        _ = try r.u8("tensor \(i) reserved")
        var shape: [Int] = []
        for _ in 0..<rank { shape.append(Int(try r.u32("tensor \(i) dimension"))) }
        var data: [UInt8]? = nil
        if flags & TensorFlag.constant != 0 {
            let offset = try r.u64("tensor \(i) data offset")
            let length = try r.u64("tensor \(i) data length")
            let size = UInt64(weights.end - weights.start)
            guard offset <= size, length <= size - offset else {
                throw r.fail("tensor \(i) data", "data at \(offset) (+\(length) bytes) lies outside the \(size)-byte WGHT section")
            }
            let start = weights.start + Int(offset)
            data = Array(weights.bytes[start..<(start + Int(length))])
        }
        var quantization: Quantization? = nil
        if flags & TensorFlag.quantized != 0 {
            let n = try r.count("tensor \(i) scale count", minimumElementSize: 12)
            let dimension = Int(try r.i32("tensor \(i) quantized dimension"))
            var scales: [Float] = []
            for _ in 0..<n { scales.append(try r.f32("tensor \(i) scale")) }
            var zeroPoints: [Int64] = []
            for _ in 0..<n { zeroPoints.append(try r.i64("tensor \(i) zero point")) }
            quantization = Quantization(scales: scales, zeroPoints: zeroPoints, dimension: dimension)
        }
        return Tensor(name: name, shape: shape, type: type, quantization: quantization, data: data,
                      isVariable: flags & TensorFlag.variable != 0)
    }

    static func decodeOptions(_ r: inout ByteReader) throws(Q8Error) -> OperatorOptions {
        func act(_ field: String) throws(Q8Error) -> FusedActivation {
            let v = try r.u8(field)
            guard let a = activation(v) else { throw r.fail(field, "activation code \(v) is unknown") }
            return a
        }
        let kind = try r.u8("options_kind")
        switch kind {
        case OptionsKind.none:
            return .none
        case OptionsKind.fullyConnected:
            return .fullyConnected(FullyConnectedOptions(activation: try act("activation"), keepNumDims: try r.bool("keep_num_dims")))
        case OptionsKind.lstm:
            return .lstm(LSTMOptions(activation: try act("activation"), cellClip: try r.f32("cell_clip"),
                                     projectionClip: try r.f32("projection_clip"), timeMajor: try r.bool("time_major")))
        case OptionsKind.softmax:
            return .softmax(beta: try r.f32("beta"))
        case OptionsKind.stridedSlice:
            return .stridedSlice(StridedSliceOptions(
                beginMask: try r.i32("begin_mask"), endMask: try r.i32("end_mask"), ellipsisMask: try r.i32("ellipsis_mask"),
                newAxisMask: try r.i32("new_axis_mask"), shrinkAxisMask: try r.i32("shrink_axis_mask"), offset: try r.bool("offset")))
        case OptionsKind.reshape:
            guard try r.bool("has_new_shape") else { return .reshape(newShape: nil) }
            let n = try r.count("new_shape_count", minimumElementSize: 4)
            guard n <= ModelLimits.maxRank else { throw r.fail("new_shape_count", "\(n) dimensions exceed \(ModelLimits.maxRank)") }
            var shape: [Int] = []
            for _ in 0..<n { shape.append(Int(try r.i32("new_shape"))) }
            return .reshape(newShape: shape)
        case OptionsKind.elementwise:
            return .elementwise(activation: try act("activation"))
        default:
            throw r.fail("options_kind", "options kind \(kind) is unknown")
        }
    }
}
