// Parsing of the quantities board files and command-line options are written in:
// sizes ("16K", "1M", "0x4000"), addresses ("0x0800_0000"), frequencies ("216MHz"),
// currents ("12mA", "2.3uA"), voltages ("3.3V"), capacities ("220mAh") and durations
// ("1s", "250ms"). Sizes use binary multiples (K = 1024), as datasheets do for memories.

import Foundation

/// A kind of quantity, with the words used in error messages ("is not a size").
public enum QuantityKind: String, Sendable {
    case size, address, frequency, current, voltage, capacity, duration, count

    var article: String { self == .address ? "an" : "a" }
}

public enum Quantity {
    /// Parse a byte count: an integer, "0x…", or a number with K/KB/KiB/M/MB/MiB/G suffix.
    public static func size(_ text: String) -> UInt64? {
        let t = clean(text)
        if let v = integer(t) { return v }
        let suffixes: [(String, UInt64)] = [
            ("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30),
            ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30),
            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1),
        ]
        let upper = t.uppercased()
        for (suffix, scale) in suffixes where upper.hasSuffix(suffix) {
            let number = String(t.dropLast(suffix.count))
            guard let v = Double(number), v >= 0, v.isFinite else { return nil }
            let bytes = v * Double(scale)
            guard bytes == bytes.rounded(), bytes <= Double(UInt64.max / 2) else { return nil }
            return UInt64(bytes)
        }
        return nil
    }

    /// Parse a 32-bit address: "0x…" (underscores allowed) or a decimal integer.
    public static func address(_ text: String) -> UInt32? {
        guard let v = integer(clean(text)), v <= UInt64(UInt32.max) else { return nil }
        return UInt32(v)
    }

    /// Parse a frequency in hertz: "216MHz", "32.768 kHz", "1GHz", "48000000", "48e6".
    public static func frequency(_ text: String) -> Double? {
        scaled(text, unit: "HZ", prefixes: ["G": 1e9, "M": 1e6, "K": 1e3, "": 1], bareAllowed: true)
    }

    /// Whether a frequency is a bare number ("64"): `frequency` reads it as hertz, but on
    /// the command line a reader means megahertz as often as not, so options ask for a unit.
    public static func lacksUnit(_ text: String) -> Bool {
        !clean(text).contains(where: \.isLetter)
    }

    /// Parse a current in amperes: "12mA", "2.3uA", "2.3µA", "100nA", "1.5A".
    public static func current(_ text: String) -> Double? {
        scaled(text, unit: "A", prefixes: ["M": 1e-3, "U": 1e-6, "µ": 1e-6, "N": 1e-9, "": 1], bareAllowed: false)
    }

    /// Parse a voltage in volts: "3.3V", "3300mV" or a bare number of volts.
    public static func voltage(_ text: String) -> Double? {
        scaled(text, unit: "V", prefixes: ["M": 1e-3, "": 1], bareAllowed: true)
    }

    /// Parse a battery capacity in ampere-hours: "220mAh", "2.5Ah".
    public static func capacity(_ text: String) -> Double? {
        scaled(text, unit: "AH", prefixes: ["M": 1e-3, "": 1], bareAllowed: false)
    }

    /// Parse a duration in seconds: "1s", "250ms", "100us", "5min", "2h", "1d".
    public static func duration(_ text: String) -> Double? {
        let t = clean(text).lowercased()
        let units: [(String, Double)] = [
            ("min", 60), ("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9),
            ("s", 1), ("h", 3600), ("d", 86_400),
        ]
        for (unit, scale) in units where t.hasSuffix(unit) {
            guard let v = Double(t.dropLast(unit.count)), v.isFinite, v >= 0 else { return nil }
            return v * scale
        }
        return nil
    }

    // MARK: helpers

    static func clean(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
            .replacingOccurrences(of: " ", with: "")
    }

    static func integer(_ t: String) -> UInt64? {
        if t.hasPrefix("0x") || t.hasPrefix("0X") {
            let digits = t.dropFirst(2)
            guard !digits.isEmpty else { return nil }
            return UInt64(digits, radix: 16)
        }
        guard !t.isEmpty, t.allSatisfy(\.isASCII), t.allSatisfy(\.isNumber) else { return nil }
        return UInt64(t)
    }

    /// A number followed by an SI prefix and a unit (case-insensitive except µ).
    static func scaled(_ text: String, unit: String, prefixes: [String: Double], bareAllowed: Bool) -> Double? {
        let t = clean(text)
        if bareAllowed, let v = Double(t), v.isFinite, v >= 0 { return v }
        let upper = t.uppercased()
        guard upper.hasSuffix(unit) else { return nil }
        let withoutUnit = String(t.dropLast(unit.count))
        // Longest prefix first so "" does not shadow "M".
        for (prefix, scale) in prefixes.sorted(by: { $0.key.count > $1.key.count }) {
            let matches = prefix.isEmpty || withoutUnit.uppercased().hasSuffix(prefix.uppercased())
                || withoutUnit.hasSuffix(prefix)
            guard matches else { continue }
            let number = String(withoutUnit.dropLast(prefix.count))
            if let v = Double(number), v.isFinite, v >= 0 { return v * scale }
        }
        return nil
    }
}

// MARK: formatting for tables and messages

public enum Format {
    public static func hertz(_ hz: Double) -> String {
        if hz >= 1e9 { return trim(hz / 1e9) + " GHz" }
        if hz >= 1e6 { return trim(hz / 1e6) + " MHz" }
        if hz >= 1e3 { return trim(hz / 1e3) + " kHz" }
        return trim(hz) + " Hz"
    }

    public static func bytes(_ n: UInt64) -> String {
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MB" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10) KB" }
        if n >= 1 << 20 { return trim(Double(n) / Double(1 << 20)) + " MB" }
        if n >= 1 << 10 { return trim(Double(n) / 1024) + " KB" }
        return "\(n) B"
    }

    public static func amperes(_ a: Double) -> String {
        if a >= 1 { return trim(a) + " A" }
        if a >= 1e-3 { return trim(a * 1e3) + " mA" }
        if a >= 1e-6 { return trim(a * 1e6) + " µA" }
        return trim(a * 1e9) + " nA"
    }

    public static func watts(_ w: Double) -> String {
        if w >= 1 { return trim(w) + " W" }
        if w >= 1e-3 { return trim(w * 1e3) + " mW" }
        if w >= 1e-6 { return trim(w * 1e6) + " µW" }
        return trim(w * 1e9) + " nW"
    }

    public static func joules(_ j: Double) -> String {
        if j >= 1 { return trim(j) + " J" }
        if j >= 1e-3 { return trim(j * 1e3) + " mJ" }
        if j >= 1e-6 { return trim(j * 1e6) + " µJ" }
        return trim(j * 1e9) + " nJ"
    }

    public static func seconds(_ s: Double) -> String {
        if s >= 1 { return trim(s) + " s" }
        if s >= 1e-3 { return trim(s * 1e3) + " ms" }
        if s >= 1e-6 { return trim(s * 1e6) + " µs" }
        return trim(s * 1e9) + " ns"
    }

    /// Up to four significant digits, no trailing zeros.
    public static func trim(_ v: Double) -> String {
        var s = String(format: "%.4g", v)
        if s.contains("e") { return s }
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    public static func hex(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - h.count)) + h
    }
}
