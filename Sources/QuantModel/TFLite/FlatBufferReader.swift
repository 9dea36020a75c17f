// A read-only FlatBuffers reader that validates as it goes, in the manner of the
// FlatBuffers verifier (flatbuffers/verifier.h): every offset is bounds-checked before it
// is followed, vtables and tables must lie inside the buffer, scalars and vectors must be
// naturally aligned, strings must be NUL-terminated UTF-8. Nothing is allocated from a
// length read out of the file before that length is checked against the file's size, and
// a work budget proportional to the file's size stops files whose tables share vectors
// from amplifying into huge allocations (N tensors pointing at one long shape vector).
//
// Wire format (flatbuffers.dev "Internals"): the buffer starts with a uoffset_t (u32) to the
// root table. A table starts with a soffset_t (i32): vtable = table - soffset. A vtable is
// u16 vtable size, u16 table size, then one u16 per field: the field's offset from the
// table start, 0 when absent. Offsets to tables, vectors and strings are u32 relative to
// where they are stored. Vectors and strings are a u32 element count followed by the
// elements (strings then have a NUL). Everything is little-endian.

/// Where reading a FlatBuffer failed and why.
public struct FlatBufferError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Schema path of the field being read, e.g. `subgraphs[0].tensors[3].shape`.
    public var field: String
    /// Byte offset in the file where the bad value sits.
    public var offset: Int
    public var reason: String

    public var description: String {
        "\(field) (at byte \(offset)): \(reason)"
    }
}

/// The bytes of one FlatBuffer plus the reading budget.
final class FlatBuffer {
    let bytes: [UInt8]
    /// Elements (bytes for byte vectors and strings) decoded so far.
    private(set) var work = 0
    let workBudget: Int

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // A well-formed model decodes each byte about once; allow generous slack.
        self.workBudget = 8 * bytes.count + (16 << 20)
    }

    var count: Int { bytes.count }

    func charge(_ amount: Int, field: String, at offset: Int) throws {
        work += amount
        if work > workBudget {
            throw FlatBufferError(field: field, offset: offset,
                                  reason: "the file's tables refer to the same data over and over (more than \(workBudget) elements decoded from a \(bytes.count)-byte file); refusing to expand it")
        }
    }

    /// Checks that `length` bytes at `offset` lie inside the buffer and are aligned.
    func check(_ offset: Int, _ length: Int, align: Int, field: String, what: String) throws {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw FlatBufferError(field: field, offset: offset,
                                  reason: "\(what) of \(length) bytes at \(offset) lies outside the \(count)-byte buffer")
        }
        guard align <= 1 || offset % align == 0 else {
            throw FlatBufferError(field: field, offset: offset,
                                  reason: "\(what) at \(offset) is not \(align)-byte aligned")
        }
    }

    @inline(__always)
    func load<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// Follows the uoffset stored at `offset` (already bounds-checked by the caller).
    func follow(_ offset: Int, field: String) throws -> Int {
        let target = offset + Int(load(offset, as: UInt32.self))
        guard target < count else {
            throw FlatBufferError(field: field, offset: offset,
                                  reason: "offset points to \(target), past the end of the \(count)-byte buffer")
        }
        return target
    }

    /// The root table. `identifier` is the 4-byte file identifier that follows the root
    /// offset (schema `file_identifier`), checked when given.
    func root(identifier: String?, name: String) throws -> FBTable {
        try check(0, 4, align: 1, field: name, what: "root offset")
        if let identifier {
            let expected = Array(identifier.utf8)
            guard count >= 8, Array(bytes[4..<8]) == expected else {
                let found = count >= 8 ? bytes[4..<8].map { b in (32...126).contains(b) ? String(UnicodeScalar(b)) : "." }.joined() : "(file too short)"
                throw FlatBufferError(field: name, offset: 4,
                                      reason: "file identifier is \"\(found)\", expected \"\(identifier)\"")
            }
        }
        let table = try follow(0, field: name)
        return try FBTable(buffer: self, position: table, path: name)
    }
}

/// One table inside a FlatBuffer, with its vtable checked.
struct FBTable {
    let buffer: FlatBuffer
    let position: Int
    /// Schema path used in error messages.
    let path: String
    private let vtable: Int
    private let vtableLength: Int
    private let tableLength: Int

    init(buffer: FlatBuffer, position: Int, path: String) throws {
        try buffer.check(position, 4, align: 4, field: path, what: "table")
        let soffset = Int(buffer.load(position, as: Int32.self))
        let vtable = position - soffset
        try buffer.check(vtable, 4, align: 2, field: path, what: "vtable")
        let vtableLength = Int(buffer.load(vtable, as: UInt16.self))
        let tableLength = Int(buffer.load(vtable + 2, as: UInt16.self))
        guard vtableLength >= 4, vtableLength % 2 == 0 else {
            throw FlatBufferError(field: path, offset: vtable, reason: "vtable size \(vtableLength) is invalid")
        }
        try buffer.check(vtable, vtableLength, align: 2, field: path, what: "vtable")
        guard tableLength >= 4 else {
            throw FlatBufferError(field: path, offset: vtable + 2, reason: "table size \(tableLength) is invalid")
        }
        try buffer.check(position, tableLength, align: 4, field: path, what: "table")
        self.buffer = buffer
        self.position = position
        self.path = path
        self.vtable = vtable
        self.vtableLength = vtableLength
        self.tableLength = tableLength
    }

    /// Absolute offset of field `id`'s inline value of `size` bytes, nil when absent.
    private func fieldOffset(_ id: Int, size: Int, name: String) throws -> Int? {
        let slot = 4 + 2 * id
        guard slot + 2 <= vtableLength else { return nil }
        let voffset = Int(buffer.load(vtable + slot, as: UInt16.self))
        if voffset == 0 { return nil }
        guard voffset >= 4, voffset + size <= tableLength else {
            throw FlatBufferError(field: "\(path).\(name)", offset: vtable + slot,
                                  reason: "field offset \(voffset) (+\(size) bytes) lies outside its \(tableLength)-byte table")
        }
        let at = position + voffset
        try buffer.check(at, size, align: size, field: "\(path).\(name)", what: "field")
        return at
    }

    func has(_ id: Int) -> Bool {
        let slot = 4 + 2 * id
        guard slot + 2 <= vtableLength else { return false }
        return buffer.load(vtable + slot, as: UInt16.self) != 0
    }

    func scalar<T: FixedWidthInteger>(_ id: Int, _ name: String, default value: T) throws -> T {
        guard let at = try fieldOffset(id, size: MemoryLayout<T>.size, name: name) else { return value }
        return buffer.load(at, as: T.self)
    }

    func float(_ id: Int, _ name: String, default value: Float) throws -> Float {
        let bits = try scalar(id, name, default: value.bitPattern)
        return Float(bitPattern: bits)
    }

    func bool(_ id: Int, _ name: String, default value: Bool) throws -> Bool {
        try scalar(id, name, default: UInt8(value ? 1 : 0)) != 0
    }

    /// Target of an offset field (table, vector or string), nil when absent.
    private func offsetTarget(_ id: Int, name: String) throws -> Int? {
        guard let at = try fieldOffset(id, size: 4, name: name) else { return nil }
        return try buffer.follow(at, field: "\(path).\(name)")
    }

    func table(_ id: Int, _ name: String) throws -> FBTable? {
        guard let target = try offsetTarget(id, name: name) else { return nil }
        return try FBTable(buffer: buffer, position: target, path: "\(path).\(name)")
    }

    /// A vector's element range: start offset of the elements and element count.
    func vector(_ id: Int, _ name: String, elementSize: Int) throws -> FBVector? {
        guard let target = try offsetTarget(id, name: name) else { return nil }
        let field = "\(path).\(name)"
        try buffer.check(target, 4, align: 4, field: field, what: "vector length")
        let length = Int(buffer.load(target, as: UInt32.self))
        let start = target + 4
        let (bytes, overflow) = length.multipliedReportingOverflow(by: elementSize)
        guard !overflow else {
            throw FlatBufferError(field: field, offset: target, reason: "vector length \(length) is impossible")
        }
        try buffer.check(start, bytes, align: min(elementSize, 8), field: field,
                         what: "vector of \(length) elements")
        return FBVector(buffer: buffer, start: start, count: length, elementSize: elementSize, path: field)
    }

    func scalars<T: FixedWidthInteger>(_ id: Int, _ name: String, as: T.Type) throws -> [T]? {
        guard let v = try vector(id, name, elementSize: MemoryLayout<T>.size) else { return nil }
        try buffer.charge(v.count, field: v.path, at: v.start)
        return (0..<v.count).map { buffer.load(v.start + $0 * MemoryLayout<T>.size, as: T.self) }
    }

    func floats(_ id: Int, _ name: String) throws -> [Float]? {
        try scalars(id, name, as: UInt32.self).map { $0.map(Float.init(bitPattern:)) }
    }

    /// Raw bytes of a `[ubyte]` vector.
    func bytes(_ id: Int, _ name: String) throws -> [UInt8]? {
        guard let v = try vector(id, name, elementSize: 1) else { return nil }
        try buffer.charge(v.count, field: v.path, at: v.start)
        return Array(buffer.bytes[v.start..<(v.start + v.count)])
    }

    func string(_ id: Int, _ name: String) throws -> String? {
        guard let v = try vector(id, name, elementSize: 1) else { return nil }
        // Strings carry a NUL after their bytes (flatbuffers verifier VerifyString).
        try buffer.check(v.start + v.count, 1, align: 1, field: v.path, what: "string terminator")
        guard buffer.bytes[v.start + v.count] == 0 else {
            throw FlatBufferError(field: v.path, offset: v.start + v.count, reason: "string is not NUL-terminated")
        }
        try buffer.charge(v.count, field: v.path, at: v.start)
        guard let s = String(validating: buffer.bytes[v.start..<(v.start + v.count)], as: UTF8.self) else {
            throw FlatBufferError(field: v.path, offset: v.start, reason: "string is not valid UTF-8")
        }
        return s
    }

    /// A vector of tables, each checked when read.
    func tables(_ id: Int, _ name: String) throws -> [FBTable]? {
        guard let v = try vector(id, name, elementSize: 4) else { return nil }
        try buffer.charge(v.count, field: v.path, at: v.start)
        var result: [FBTable] = []
        result.reserveCapacity(v.count)
        for i in 0..<v.count {
            let slot = v.start + 4 * i
            let element = "\(v.path)[\(i)]"
            let target = try buffer.follow(slot, field: element)
            result.append(try FBTable(buffer: buffer, position: target, path: element))
        }
        return result
    }
}

/// A checked vector: `count` elements of `elementSize` bytes at `start`.
struct FBVector {
    let buffer: FlatBuffer
    let start: Int
    let count: Int
    let elementSize: Int
    let path: String
}
