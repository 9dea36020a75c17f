// A small reader (and writer) for NumPy's .npy format, version 1.0-3.0
// (numpy.lib.format: magic "\x93NUMPY", version, little-endian header length, an ASCII
// Python dict literal with 'descr', 'fortran_order', 'shape', then the raw data), and a CSV
// reader, for the inputs of `sersim eval`.

import Foundation

/// A numeric array read from a file: its shape and its values as Doubles (exact for every
/// integer type up to 32 bits and for float32/float64).
public struct NumericArray: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case integer, floatingPoint = "float"
    }

    public var shape: [Int]
    public var values: [Double]
    public var kind: Kind
    /// The element type as written in the file ("<i1", "<f4", "csv" ...).
    public var sourceType: String

    public init(shape: [Int], values: [Double], kind: Kind, sourceType: String) {
        self.shape = shape
        self.values = values
        self.kind = kind
        self.sourceType = sourceType
    }
}

public struct InputFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    public static func looksLikeNPY(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magic) }

    /// Decodes a .npy file. Supported element types: bool, int8/16/32/64, uint8/16/32 and
    /// float32/64 in either byte order; C order only.
    public static func decode(_ bytes: [UInt8], path: String) throws(InputFileError) -> NumericArray {
        guard looksLikeNPY(bytes), bytes.count >= 10 else {
            throw InputFileError(path: path, "not a .npy file (missing the \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw InputFileError(path: path, "truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw InputFileError(path: path, ".npy format version \(major).\(bytes[7]) is not supported (1.0 to 3.0)")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw InputFileError(path: path, "truncated .npy header (\(headerLength) bytes announced)")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = stringField("descr", in: header) else {
            throw InputFileError(path: path, "the .npy header has no 'descr' (element type)")
        }
        if let fortran = rawField("fortran_order", in: header), fortran.hasPrefix("True") {
            throw InputFileError(path: path, "the array is in Fortran order; save it in C order "
                + "(numpy.ascontiguousarray) first")
        }
        guard let shapeText = tupleField("shape", in: header) else {
            throw InputFileError(path: path, "the .npy header has no 'shape'")
        }
        var shape: [Int] = []
        for part in shapeText.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else { throw InputFileError(path: path, "bad shape (\(shapeText))") }
            shape.append(d)
        }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        let dataStart = headerStart + headerLength

        // 'descr' is a byte order ('<', '>', '|', '=') followed by a kind letter and a size.
        var order = descr.first ?? "|"
        var typeCode = Substring(descr)
        if "<>|=".contains(order) { typeCode = typeCode.dropFirst() } else { order = "=" }
        guard let kindLetter = typeCode.first, "iubf".contains(kindLetter), let size = Int(typeCode.dropFirst()),
              [1, 2, 4, 8].contains(size), kindLetter != "f" || size >= 4 else {
            throw InputFileError(path: path, "unsupported element type '\(descr)' (integers, float32 and float64 only)")
        }
        let bigEndian = order == ">"
        guard count != Int.max, count <= (bytes.count - dataStart) / size else {
            throw InputFileError(path: path, "the file holds \(bytes.count - dataStart) data bytes; shape \(shape) of "
                + "'\(descr)' needs \(count == Int.max ? "more" : String(count * size))")
        }
        func word(_ i: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<size {
                let b = UInt64(bytes[dataStart + i * size + (bigEndian ? k : size - 1 - k)])
                v = v << 8 | b
            }
            return v
        }
        var values: [Double] = []
        values.reserveCapacity(count)
        let kind: NumericArray.Kind
        switch kindLetter {
        case "i":
            kind = .integer
            let shift = UInt64(64 - 8 * size)
            for i in 0..<count { values.append(Double(Int64(bitPattern: word(i) << shift) >> Int64(shift))) }
        case "u", "b":
            kind = .integer
            for i in 0..<count { values.append(Double(word(i))) }
        case "f":
            kind = .floatingPoint
            switch size {
            case 4: for i in 0..<count { values.append(Double(Float(bitPattern: UInt32(word(i))))) }
            case 8: for i in 0..<count { values.append(Double(bitPattern: word(i))) }
            default: throw InputFileError(path: path, "unsupported float size in '\(descr)' (float32 and float64 only)")
            }
        default:
            throw InputFileError(path: path, "unsupported element type '\(descr)' (integers and floats only)")
        }
        return NumericArray(shape: shape, values: values, kind: kind, sourceType: descr)
    }

    /// Encodes int8 (`|i1`), int16 (`<i2`) or float32 (`<f4`) values as a version 1.0 .npy file.
    public static func encode(shape: [Int], values: TensorValues) -> [UInt8] {
        let descr: String = switch values {
        case .int8: "|i1"
        case .int16: "<i2"
        case .int32: "<i4"
        case .float32: "<f4"
        }
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so that the data starts on a 64-byte boundary, then a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = header.utf8.count
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + values.littleEndianBytes
    }

    private static func rawField(_ key: String, in header: String) -> Substring? {
        guard let r = header.range(of: "'\(key)'") else { return nil }
        var rest = header[r.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        return rest
    }

    private static func stringField(_ key: String, in header: String) -> String? {
        guard let rest = rawField(key, in: header), let quote = rest.first, quote == "'" || quote == "\"" else { return nil }
        let body = rest.dropFirst()
        guard let end = body.firstIndex(of: quote) else { return nil }
        return String(body[..<end])
    }

    private static func tupleField(_ key: String, in header: String) -> String? {
        guard let rest = rawField(key, in: header), rest.first == "(" else { return nil }
        guard let end = rest.firstIndex(of: ")") else { return nil }
        return String(rest[rest.index(after: rest.startIndex)..<end])
    }
}

public enum CSV {
    /// Numbers separated by commas, semicolons or whitespace; one row per line. Blank lines
    /// and lines starting with '#' are skipped; so is a first line that is not numeric (a
    /// header). The shape is [rows, columns] when every row has the same length, else [count].
    public static func decode(_ text: String, path: String) throws(InputFileError) -> NumericArray {
        // Bytes that are not UTF-8 text (decoded as U+FFFD) or control characters: a binary
        // file, whose "fields" would only print as noise.
        if text.unicodeScalars.contains(where: { $0 == "\u{FFFD}" || ($0.value < 0x20 && !"\t\n\r\u{0B}\u{0C}".unicodeScalars.contains($0)) }) {
            throw InputFileError(path: path, "holds binary data, not CSV text (give a .npy file, or numbers separated by commas)")
        }
        var rows: [[Double]] = []
        for (lineNumber, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split { $0 == "," || $0 == ";" || $0 == " " || $0 == "\t" }
            var row: [Double] = []
            for field in fields {
                guard let v = Double(field), v.isFinite else {
                    if rows.isEmpty && row.isEmpty && lineNumber == 0 { break }  // header line
                    let shown = field.count > 24 ? field.prefix(24) + "…" : field
                    throw InputFileError(path: path, "line \(lineNumber + 1): '\(shown)' is not a number")
                }
                row.append(v)
            }
            if !row.isEmpty { rows.append(row) }
        }
        guard !rows.isEmpty else { throw InputFileError(path: path, "no numbers found") }
        let width = rows[0].count
        let rectangular = rows.allSatisfy { $0.count == width }
        let values = rows.flatMap { $0 }
        return NumericArray(shape: rectangular ? [rows.count, width] : [values.count], values: values,
                            kind: .floatingPoint, sourceType: "csv")
    }
}
