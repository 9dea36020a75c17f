import ArgumentParser
import BoardProfiles
import Foundation

/// `--clock` as run and compare take it: a frequency with its unit ("64" alone would be
/// 64 Hz to the parser and 64 MHz to most readers).
func validateClock(_ clock: String?, example: String) throws {
    guard let clock else { return }
    guard Quantity.frequency(clock) != nil else {
        throw ValidationError("--clock \(clock): not a frequency (e.g. \(example))")
    }
    guard !Quantity.lacksUnit(clock) else {
        throw ValidationError("--clock \(clock): give a unit, e.g. \(clock)MHz (a bare number would be hertz)")
    }
}

/// Output files are checked before anything runs, so that a typo in a directory name is
/// reported at once, in plain words, rather than after the simulation by Foundation's
/// "The operation could not be completed".
enum OutputPaths {
    /// Why `path` cannot be written as a file, or nil when it can (as far as can be told
    /// without writing: the directory exists and is writable, and the path is no directory).
    static func problem(_ path: String) -> String? {
        guard !path.isEmpty else { return "an empty file name" }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return "is a directory; give a file name"
        }
        let parent = (path as NSString).deletingLastPathComponent
        let dir = parent.isEmpty ? "." : parent
        guard fm.fileExists(atPath: dir, isDirectory: &isDirectory) else {
            return "the directory \(dir) does not exist"
        }
        guard isDirectory.boolValue else { return "\(dir) is a file, not a directory" }
        guard fm.isWritableFile(atPath: dir) else { return "cannot write in \(dir) (permission denied)" }
        return nil
    }

    /// Throws a `ValidationError` naming the option for the first output that cannot be written.
    static func check(_ outputs: [(option: String, path: String?)]) throws {
        for (option, path) in outputs {
            if let path, let problem = problem(path) {
                throw ValidationError("\(option) \(path): \(problem)")
            }
        }
    }
}
