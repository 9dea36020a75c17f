import BoardProfiles
import Foundation

/// The checkout's Boards/ directory (the tests read the shipped files).
let boardsDirectory = BoardLibrary.checkoutBoardsDirectory

/// The nine boards the boards issue asks for.
let shippedBoardNames = [
    "esp32", "esp32s3", "nano", "nano-rp2040", "nano33ble", "stm32f411", "stm32f746", "stm32l476", "stm32l4r5",
]

func shippedBoard(_ name: String) throws -> Board {
    try BoardFile.load(path: "\(boardsDirectory)/\(name).json")
}

/// The shipped file as a mutable JSON tree, to derive broken variants from.
func shippedJSON(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: "\(boardsDirectory)/\(name).json"))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// Parse a JSON tree as if it were the file `file`.
func parse(_ json: [String: Any], file: String = "Boards/x.json", name: String? = nil) throws -> Board {
    let data = try JSONSerialization.data(withJSONObject: json)
    return try BoardFile.parse(data: data, file: file, expectedName: name)
}

/// The error message a broken variant produces (empty if it loads).
func loadError(_ json: [String: Any], file: String = "Boards/x.json") -> String {
    do {
        _ = try parse(json, file: file)
        return ""
    } catch {
        return "\(error)"
    }
}

/// Replace (or with nil, remove) the value at a path of dictionary keys and array indices.
func setting(_ json: [String: Any], _ path: [Any], to value: Any?) -> [String: Any] {
    func go(_ node: Any?, _ rest: ArraySlice<Any>) -> Any? {
        guard let head = rest.first else { return value }
        if let key = head as? String, var d = node as? [String: Any] {
            d[key] = go(d[key], rest.dropFirst())
            return d
        }
        if let i = head as? Int, var a = node as? [Any] {
            if let v = go(a[i], rest.dropFirst()) { a[i] = v } else { a.remove(at: i) }
            return a
        }
        return node
    }
    return go(json, path[...]) as! [String: Any]
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-boards-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
