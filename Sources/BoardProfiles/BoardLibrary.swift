// Finding boards: by name in the board directories, or by path to a JSON file.
//
// Directories, in order (an earlier one shadows a board of the same name in a later one):
//   1. every directory in $SERSIM_BOARDS (':'-separated),
//   2. the checkout's Boards/ (derived from this source file's #filePath, so a built
//      sersim finds the boards of the tree it was built from wherever it runs),
//   3. ./Boards in the current directory.

import Foundation

public enum BoardLibrary {
    /// The checkout's `Boards/` directory, from this file's location
    /// (`<checkout>/Sources/BoardProfiles/BoardLibrary.swift`).
    public static var checkoutBoardsDirectory: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // BoardProfiles
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // checkout
            .appendingPathComponent("Boards").path
    }

    /// The directories searched for `<name>.json`, in order, without duplicates. Only
    /// existing directories are returned.
    public static func searchDirectories(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> [String] {
        var candidates: [String] = []
        if let env = environment["SERSIM_BOARDS"] {
            candidates += env.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        candidates.append(checkoutBoardsDirectory)
        candidates.append(URL(fileURLWithPath: currentDirectory).appendingPathComponent("Boards").path)
        var seen: Set<String> = []
        var out: [String] = []
        for c in candidates {
            let abs = URL(fileURLWithPath: c, relativeTo: URL(fileURLWithPath: currentDirectory, isDirectory: true))
                .standardizedFileURL.path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: abs, isDirectory: &isDir), isDir.boolValue,
                  !seen.contains(abs) else { continue }
            seen.insert(abs)
            out.append(abs)
        }
        return out
    }

    /// Whether the argument names a file rather than a board.
    static func looksLikePath(_ s: String) -> Bool {
        s.contains("/") || s.hasSuffix(".json")
    }

    /// Load a board by name (searching the board directories) or by path to a JSON file.
    /// Throws `BoardNotFound` or `BoardFileError`.
    public static func load(
        _ nameOrPath: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> Board {
        if looksLikePath(nameOrPath) {
            let path = URL(fileURLWithPath: nameOrPath, relativeTo: URL(fileURLWithPath: currentDirectory, isDirectory: true))
                .standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: path) else {
                throw BoardNotFound(name: nameOrPath, known: [], searched: [path])
            }
            return try BoardFile.load(path: path)
        }
        let dirs = searchDirectories(environment: environment, currentDirectory: currentDirectory)
        for dir in dirs {
            let path = (dir as NSString).appendingPathComponent(nameOrPath + ".json")
            if FileManager.default.fileExists(atPath: path) { return try BoardFile.load(path: path) }
        }
        throw BoardNotFound(name: nameOrPath, known: names(in: dirs), searched: dirs)
    }

    /// Board names (file names without `.json`) in the given directories, first wins.
    public static func names(in dirs: [String]) -> [String] {
        var seen: [String] = []
        for dir in dirs {
            for f in jsonFiles(in: dir) {
                let n = String(f.dropLast(5))
                if !seen.contains(n) { seen.append(n) }
            }
        }
        return seen
    }

    /// `*.json` files of a directory, ordered by board name.
    static func jsonFiles(in dir: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted { $0.dropLast(5) < $1.dropLast(5) }
    }

    /// Every board in the board directories: the valid ones, and an error for each file
    /// that does not load (so one bad file does not hide the others).
    public static func scan(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> (boards: [Board], errors: [BoardFileError]) {
        let dirs = searchDirectories(environment: environment, currentDirectory: currentDirectory)
        var boards: [Board] = []
        var errors: [BoardFileError] = []
        var seen: Set<String> = []
        for dir in dirs {
            for f in jsonFiles(in: dir) {
                let name = String(f.dropLast(5))
                guard !seen.contains(name) else { continue }
                seen.insert(name)
                do {
                    boards.append(try BoardFile.load(path: (dir as NSString).appendingPathComponent(f)))
                } catch {
                    errors.append(error)
                }
            }
        }
        return (boards, errors)
    }
}
