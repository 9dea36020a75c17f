// Where a board's numbers come from, and the errors a board file can produce.

/// One document a board file cites (datasheet, reference manual, SDK header...).
public struct SourceDocument: Sendable, Equatable {
    /// Short id that `ref` strings use, e.g. "DS10916".
    public var id: String
    /// Title, e.g. "STM32F745xx STM32F746xx datasheet".
    public var document: String
    /// Revision or version, e.g. "Rev 5 (July 2025)".
    public var revision: String
    public var url: String
    /// Whether the values citing this document were read from the document itself when
    /// the file was written (false: taken from a secondary description; see `note`).
    public var checked: Bool
    public var note: String?

    public init(id: String, document: String, revision: String, url: String, checked: Bool = true, note: String? = nil) {
        self.id = id
        self.document = document
        self.revision = revision
        self.url = url
        self.checked = checked
        self.note = note
    }
}

/// A board file that cannot be used: names the file, the field path and what is wrong,
/// e.g. `Boards/x.json: memory[2].size: "12Q" is not a size`.
public struct BoardFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// Field path inside the file (`memory[2].size`); empty for file-level problems.
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)"
    }
}

/// No board of that name in any board directory, and not a readable file path.
public struct BoardNotFound: Error, CustomStringConvertible, Equatable {
    public var name: String
    public var known: [String]
    public var searched: [String]

    public init(name: String, known: [String], searched: [String]) {
        self.name = name
        self.known = known
        self.searched = searched
    }

    public var description: String {
        var s = "no board named '\(name)'"
        if !known.isEmpty { s += "; known boards: \(known.joined(separator: ", "))" }
        if !searched.isEmpty { s += " (searched \(searched.joined(separator: ", ")))" }
        return s
    }
}
