// One entry point for model files: `ModelLoader.load(path)` reads .q8 or .tflite (told
// apart by their magic bytes, not their extension) and returns a validated `Model`;
// `Q8File.write` stores one atomically.

import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Model file formats sersim reads.
public enum ModelFileFormat: String, Sendable {
    case q8, tflite
}

/// A model file that could not be read or written; `description` starts with the path.
public enum ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case io(path: String, reason: String)
    case unknownFormat(path: String, reason: String)
    case tflite(path: String, TFLiteImportError)
    case q8(path: String, Q8Error)

    public var path: String {
        switch self {
        case .io(let p, _), .unknownFormat(let p, _), .tflite(let p, _), .q8(let p, _): p
        }
    }

    public var description: String {
        switch self {
        case .io(let path, let reason): "\(path): \(reason)"
        case .unknownFormat(let path, let reason): "\(path): \(reason)"
        case .tflite(let path, let e): "\(path): \(e)"
        case .q8(let path, let e): "\(path): \(e)"
        }
    }
}

/// A loaded model with where it came from.
public struct LoadedModel: Sendable {
    public var model: Model
    public var format: ModelFileFormat
    /// Remarks from the importer (what was ignored or dropped).
    public var notes: [String]
}

public enum ModelLoader {
    /// Files larger than this are refused before reading (no microcontroller model is).
    public static let maxFileSize = 1 << 31

    /// Reads a .q8 or .tflite file.
    public static func load(_ path: String) throws(ModelFileError) -> Model {
        try loadWithDetails(path).model
    }

    public static func loadWithDetails(_ path: String) throws(ModelFileError) -> LoadedModel {
        let bytes = try readFile(path)
        return try load(bytes: bytes, path: path)
    }

    /// Decodes file contents; `path` names the model and appears in errors.
    public static func load(bytes: [UInt8], path: String) throws(ModelFileError) -> LoadedModel {
        if Q8Format.looksLikeQ8(bytes) {
            do { return LoadedModel(model: try Q8Format.decode(bytes), format: .q8, notes: []) }
            catch { throw .q8(path: path, error) }
        }
        if TFLiteImporter.looksLikeTFLite(bytes) {
            do {
                let result = try TFLiteImporter.importModel(bytes: bytes, name: modelName(path))
                return LoadedModel(model: result.model, format: .tflite, notes: result.notes)
            } catch { throw .tflite(path: path, error) }
        }
        let ext = (path as NSString).pathExtension.lowercased()
        let hint: String
        if bytes.isEmpty { throw .unknownFormat(path: path, reason: "not a model file: the file is empty") }
        switch ext {
        case "q8": hint = "it has a .q8 extension but does not start with the .q8 magic (damaged, or not written by sersim)"
        case "tflite": hint = "it has a .tflite extension but lacks the TFLite identifier \"TFL3\" at byte 4 (damaged, or not a TFLite FlatBuffer)"
        default: hint = "it is neither a .q8 file nor a TFLite FlatBuffer"
        }
        throw .unknownFormat(path: path, reason: "not a model file: \(hint)")
    }

    /// The model name a file gives: its base name without extension.
    public static func modelName(_ path: String) -> String {
        let base = (path as NSString).lastPathComponent
        let stem = (base as NSString).deletingPathExtension
        return stem.isEmpty ? base : stem
    }

    static func readFile(_ path: String) throws(ModelFileError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .io(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .io(path: path, reason: "is a directory, not a model file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxFileSize {
            throw .io(path: path, reason: "is \(size) bytes; sersim reads model files up to \(maxFileSize) bytes")
        }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .io(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
    }
}

public enum Q8File {
    /// Encodes `model` and writes it to `path` atomically: the bytes go to a temporary file
    /// in the same directory, are flushed to disk, and the temporary file is renamed over
    /// `path` (rename(2) is atomic within a file system), so a reader sees either the old
    /// file or the complete new one, never a partial write.
    public static func write(_ model: Model, to path: String) throws(ModelFileError) {
        let bytes: [UInt8]
        do { bytes = try Q8Format.encode(model) } catch { throw .q8(path: path, error) }
        try writeAtomically(bytes, to: path)
    }

    public static func read(_ path: String) throws(ModelFileError) -> Model {
        let bytes = try ModelLoader.readFile(path)
        do { return try Q8Format.decode(bytes) } catch { throw .q8(path: path, error) }
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ModelFileError) {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        guard !base.isEmpty else { throw .io(path: path, reason: "is not a file name") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .io(path: path, reason: "is a directory")
        }
        let dir = directory.isEmpty ? "." : directory
        let temp = "\(dir)/.\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o666)
        guard fd >= 0 else {
            throw .io(path: path, reason: "cannot create a temporary file in \(dir) (\(String(cString: strerror(errno))))")
        }
        var failure: String? = nil
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }  // nothing to write
            var done = 0
            while done < raw.count {
                let n = systemWrite(fd, base + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = "write failed (\(String(cString: strerror(errno))))"
                    return
                }
                done += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = "fsync failed (\(String(cString: strerror(errno))))" }
        if close(fd) != 0 && failure == nil { failure = "close failed (\(String(cString: strerror(errno))))" }
        if failure == nil && rename(temp, path) != 0 { failure = "rename failed (\(String(cString: strerror(errno))))" }
        if let failure {
            unlink(temp)
            throw .io(path: path, reason: failure)
        }
    }
}
