// Class labels for a model's output, read from a text file (one label per line), as
// `sersim import --labels` stores them in a .q8 file.

public struct LabelsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

public enum Labels {
    /// Parses one label per line (surrounding spaces trimmed, CR LF accepted, blank lines at
    /// the end ignored). The count must equal the last dimension of the model's first
    /// output, the classes a label names.
    public static func parse(_ text: String, path: String, for model: Model) throws(LabelsError) -> [String] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: " \t\r") }
        while lines.last?.isEmpty == true { lines.removeLast() }
        if lines.isEmpty { throw LabelsError(path: path, reason: "no labels in the file") }
        if let blank = lines.firstIndex(where: \.isEmpty) {
            throw LabelsError(path: path, reason: "line \(blank + 1) is empty; give one label per line")
        }
        guard let output = model.outputs.first, output < model.tensors.count else { return lines }
        let t = model.tensors[output]
        let classes = t.shape.last ?? 1
        guard lines.count == classes else {
            throw LabelsError(path: path, reason: "has \(lines.count) labels, but output tensor \(output) '\(t.name)' has \(classes) classes (shape \(t.shape))")
        }
        return lines
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = self[...]
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
