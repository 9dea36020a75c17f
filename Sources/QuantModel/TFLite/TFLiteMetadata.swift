// Class labels carried by TFLite Metadata (TensorFlow Lite Support, metadata_schema.fbs):
// the model's `metadata` list has an entry "TFLITE_METADATA" whose buffer holds a
// ModelMetadata FlatBuffer (identifier "M001"). An output tensor's metadata names an
// associated file of type TENSOR_AXIS_LABELS; the file itself sits in a ZIP archive
// appended to the model (MetadataPopulator). Labels are optional: anything that stops
// them from being read becomes a note, not an import failure.

enum TFLiteMetadataSchema {
    static let metadataName = "TFLITE_METADATA"
    static let identifier = "M001"
    enum ModelMetadataField { static let subgraphMetadata = 3 }
    enum SubGraphMetadataField { static let outputTensorMetadata = 3 }
    enum TensorMetadataField { static let associatedFiles = 6 }
    enum AssociatedFileField { static let name = 0, type = 2, locale = 3 }
    /// `enum AssociatedFileType : byte` TENSOR_AXIS_LABELS.
    static let tensorAxisLabels: Int8 = 2
}

struct TFLiteLabelReader {
    let bytes: [UInt8]

    /// The labels of the first output that has some, or nil with a reason to note.
    func labels(root: FBTable, buffers: [FBTable]) -> (labels: [String]?, note: String?) {
        do {
            guard let name = try labelFileName(root: root, buffers: buffers) else { return (nil, nil) }
            switch try ZipDirectory(bytes: bytes).storedFile(named: name) {
            case .found(let data):
                var lines = String(decoding: data, as: UTF8.self)
                    .split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                    .map { $0.trimmingCharacters(in: " \t\r") }
                while lines.last?.isEmpty == true { lines.removeLast() }
                return (lines, nil)
            case .compressed(let method):
                return (nil, "the TFLite metadata's label file \(name) is compressed (ZIP method \(method)); sersim reads only stored entries — give the labels to `sersim import --labels`")
            case .missing:
                return (nil, "the TFLite metadata names the label file \(name), but the model's appended ZIP archive does not contain it")
            }
        } catch {
            return (nil, "the TFLite metadata could not be read (\(error)); labels ignored")
        }
    }

    private func labelFileName(root: FBTable, buffers: [FBTable]) throws -> String? {
        typealias F = TFLiteSchema
        typealias M = TFLiteMetadataSchema
        guard let entries = try root.tables(F.ModelField.metadata, "metadata") else { return nil }
        for entry in entries where try entry.string(F.MetadataField.name, "name") == M.metadataName {
            let index = Int(try entry.scalar(F.MetadataField.buffer, "buffer", default: UInt32(0)))
            guard index < buffers.count, let data = try buffers[index].bytes(F.BufferField.data, "data") else {
                throw FlatBufferError(field: "\(entry.path).buffer", offset: entry.position, reason: "buffer \(index) holds no metadata")
            }
            let meta = FlatBuffer(bytes: data)
            let model = try meta.root(identifier: M.identifier, name: "TFLITE_METADATA")
            guard let subgraph = try model.tables(M.ModelMetadataField.subgraphMetadata, "subgraph_metadata")?.first else { return nil }
            for output in try subgraph.tables(M.SubGraphMetadataField.outputTensorMetadata, "output_tensor_metadata") ?? [] {
                let files = try output.tables(M.TensorMetadataField.associatedFiles, "associated_files") ?? []
                var candidates: [(name: String, locale: String)] = []
                for f in files where try f.scalar(M.AssociatedFileField.type, "type", default: Int8(0)) == M.tensorAxisLabels {
                    if let name = try f.string(M.AssociatedFileField.name, "name") {
                        candidates.append((name, try f.string(M.AssociatedFileField.locale, "locale") ?? ""))
                    }
                }
                // Prefer the file without a locale (the canonical names), else the first.
                if let pick = candidates.first(where: { $0.locale.isEmpty }) ?? candidates.first { return pick.name }
            }
        }
        return nil
    }
}

/// Just enough of the ZIP format (PKWARE APPNOTE.TXT 4.3) to find a stored member of an
/// archive appended to other data: end of central directory record, central directory
/// file headers, local file header.
struct ZipDirectory {
    enum Lookup { case found([UInt8]), compressed(method: Int), missing }

    struct ZipError: Error, CustomStringConvertible {
        var description: String
    }

    let bytes: [UInt8]

    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }

    func storedFile(named name: String) throws -> Lookup {
        // End of central directory: signature 0x06054b50, 22 bytes + comment (≤ 65535).
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var eocd: Int? = nil
        var at = bytes.count - 22
        while at >= lowest {
            if u32(at) == 0x0605_4B50 && at + 22 + u16(at + 20) == bytes.count { eocd = at; break }
            at -= 1
        }
        guard let eocd else { throw ZipError(description: "no ZIP archive is appended to the model") }
        let entries = u16(eocd + 10), size = u32(eocd + 12), offset = u32(eocd + 16)
        // The archive may follow other data (here: the FlatBuffer); offsets in it are
        // relative to its own start, which sits this far into the file.
        let shift = eocd - size - offset
        guard shift >= 0 else { throw ZipError(description: "the ZIP central directory lies outside the file") }
        var p = offset + shift
        for _ in 0..<entries {
            guard p + 46 <= eocd, u32(p) == 0x0201_4B50 else { throw ZipError(description: "damaged ZIP central directory at byte \(p)") }
            let method = u16(p + 10), compressed = u32(p + 20)
            let nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32)
            let local = u32(p + 42) + shift
            guard p + 46 + nameLength <= eocd else { throw ZipError(description: "damaged ZIP entry name at byte \(p)") }
            let entryName = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            p += 46 + nameLength + extraLength + commentLength
            guard entryName == name else { continue }
            guard method == 0 else { return .compressed(method: method) }
            guard local >= 0, local + 30 <= bytes.count, u32(local) == 0x0403_4B50 else {
                throw ZipError(description: "damaged ZIP local header for \(name) at byte \(local)")
            }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            guard start + compressed <= bytes.count else { throw ZipError(description: "ZIP member \(name) runs past the end of the file") }
            return .found(Array(bytes[start..<(start + compressed)]))
        }
        return .missing
    }
}
