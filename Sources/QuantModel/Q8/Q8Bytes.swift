// Little-endian byte writing and checked reading for the .q8 container.

struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }
    mutating func raw<C: Collection>(_ v: C) where C.Element == UInt8 { bytes.append(contentsOf: v) }

    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(UInt32(utf8.count))
        raw(utf8)
    }

    /// Count-prefixed list.
    mutating func list<T>(_ items: [T], _ each: (inout ByteWriter, T) -> Void) {
        u32(UInt32(items.count))
        for item in items { each(&self, item) }
    }

    mutating func pad(toMultipleOf alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    mutating func patch(at offset: Int, _ v: [UInt8]) {
        bytes.replaceSubrange(offset..<(offset + v.count), with: v)
    }

    mutating func patchU32(at offset: Int, _ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { raw in
            for i in 0..<4 { bytes[offset + i] = raw[i] }
        }
    }

    mutating func patchU64(at offset: Int, _ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { raw in
            for i in 0..<8 { bytes[offset + i] = raw[i] }
        }
    }
}

/// A cursor over one section's payload; every read is bounds-checked and a failure names
/// the section, the field and the file offset.
struct ByteReader {
    let bytes: [UInt8]
    /// The payload is bytes[start..<end]; `position` is absolute in the file.
    let start: Int
    let end: Int
    let section: String
    private(set) var position: Int

    init(bytes: [UInt8], start: Int, end: Int, section: String) {
        self.bytes = bytes
        self.start = start
        self.end = end
        self.section = section
        self.position = start
    }

    var remaining: Int { end - position }
    var isAtEnd: Bool { position == end }

    func fail(_ field: String, _ reason: String) -> Q8Error {
        .malformed(section: section, field: field, offset: position, reason: reason)
    }

    private mutating func take(_ n: Int, _ field: String) throws(Q8Error) -> Int {
        guard n >= 0, n <= remaining else {
            throw fail(field, "needs \(n) bytes, but only \(remaining) remain in the section")
        }
        let at = position
        position += n
        return at
    }

    private mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ field: String) throws(Q8Error) -> T {
        let at = try take(MemoryLayout<T>.size, field)
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: T.self)) }
    }

    mutating func u8(_ field: String) throws(Q8Error) -> UInt8 { try load(UInt8.self, field) }
    mutating func u16(_ field: String) throws(Q8Error) -> UInt16 { try load(UInt16.self, field) }
    mutating func u32(_ field: String) throws(Q8Error) -> UInt32 { try load(UInt32.self, field) }
    mutating func u64(_ field: String) throws(Q8Error) -> UInt64 { try load(UInt64.self, field) }
    mutating func i32(_ field: String) throws(Q8Error) -> Int32 { try load(Int32.self, field) }
    mutating func i64(_ field: String) throws(Q8Error) -> Int64 { try load(Int64.self, field) }
    mutating func f32(_ field: String) throws(Q8Error) -> Float { Float(bitPattern: try load(UInt32.self, field)) }

    mutating func bool(_ field: String) throws(Q8Error) -> Bool {
        let v = try u8(field)
        guard v <= 1 else { throw fail(field, "boolean byte is \(v), expected 0 or 1") }
        return v == 1
    }

    mutating func string(_ field: String) throws(Q8Error) -> String {
        let n = Int(try u32(field))
        let at = try take(n, field)
        guard let s = String(validating: bytes[at..<(at + n)], as: UTF8.self) else {
            throw .malformed(section: section, field: field, offset: at, reason: "string is not valid UTF-8")
        }
        return s
    }

    /// A list count, checked against the bytes left given each element's minimum size, so
    /// a damaged count cannot ask for a huge allocation.
    mutating func count(_ field: String, minimumElementSize: Int) throws(Q8Error) -> Int {
        let n = Int(try u32(field))
        guard n <= remaining / max(1, minimumElementSize) else {
            throw fail(field, "count \(n) cannot fit in the \(remaining) bytes left in the section")
        }
        return n
    }
}
