import BoardProfiles
import Foundation

/// A sweep option that cannot be read, naming the option and what was given.
public struct SweepRangeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var option: String
    public var text: String
    public var reason: String
    public var description: String { "\(option) \(text): \(reason)" }
}

/// The values of one sweep axis, written on the command line as (docs/teaching.md,
/// "Sweep syntax"):
///
/// | text          | values                                                  |
/// |---------------|---------------------------------------------------------|
/// | `V`           | the one value                                           |
/// | `V1,V2,V3`    | the listed values                                       |
/// | `A...B`       | 5 values evenly spaced from A to B, both included       |
/// | `A...B/N`     | N values evenly spaced from A to B, both included       |
/// | `A...B+S`     | A, A+S, A+2S, … up to B (a step size)                   |
/// | `A...B*F`     | A, A·F, A·F², … up to B (a factor, F > 1)               |
///
/// Frequencies take units (`16MHz...64MHz+8MHz`); counts (hidden size, sequence length)
/// are whole numbers, and evenly spaced counts are rounded (duplicates dropped).
public enum SweepRange {
    public enum Unit: Sendable {
        case frequency
        case count

        var example: String { self == .frequency ? "16MHz...80MHz/5" : "32...256*2" }
    }

    public static let defaultCount = 5
    /// More values than this on one axis is almost certainly a typo (a step of 1 Hz).
    public static let maxValues = 1000

    public static func frequencies(_ text: String, option: String) throws(SweepRangeError) -> [Double] {
        try values(text, unit: .frequency, option: option)
    }

    public static func counts(_ text: String, option: String) throws(SweepRangeError) -> [Int] {
        try values(text, unit: .count, option: option).map { Int($0) }
    }

    static func values(_ text: String, unit: Unit, option: String) throws(SweepRangeError) -> [Double] {
        func fail(_ reason: String) -> SweepRangeError { SweepRangeError(option: option, text: text, reason: reason) }
        func number(_ s: String, what: String) throws(SweepRangeError) -> Double {
            let t = s.trimmingCharacters(in: .whitespaces)
            switch unit {
            case .frequency:
                guard let v = Quantity.frequency(t), v > 0 else {
                    throw fail("\(what) '\(t)' is not a frequency (e.g. 16MHz)")
                }
                guard !Quantity.lacksUnit(t) else {
                    throw fail("\(what) '\(t)' has no unit: write \(t)MHz (a bare number would be hertz)")
                }
                return v
            case .count:
                guard let v = Int(t), v >= 1 else { throw fail("\(what) '\(t)' is not a whole number ≥ 1") }
                return Double(v)
            }
        }
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw fail("empty; write a value, a list (a,b,c) or a range (\(unit.example))") }
        guard let dots = t.range(of: "...") else {
            if t.contains("..") { throw fail("a range has three dots: A...B (e.g. \(unit.example))") }
            var list: [Double] = []
            for part in t.split(separator: ",", omittingEmptySubsequences: false) {
                guard !part.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("an empty item in the list") }
                list.append(try number(String(part), what: "value"))
            }
            return unique(list)
        }
        let a = try number(String(t[..<dots.lowerBound]), what: "start")
        var rest = String(t[dots.upperBound...])
        // The step part: the last '/', '+' or '*' that is not an exponent sign ("1e+6").
        var mode: Character = "/"
        var stepText: String? = nil
        let chars = Array(rest)
        for i in stride(from: chars.count - 1, through: 1, by: -1) where "/+*".contains(chars[i]) {
            if chars[i] == "+", "eE".contains(chars[i - 1]), i >= 2, chars[i - 2].isNumber { continue }
            mode = chars[i]
            stepText = String(chars[(i + 1)...])
            rest = String(chars[..<i])
            break
        }
        let b = try number(rest, what: "end")
        guard a <= b else { throw fail("the start is above the end") }
        var out: [Double] = []
        switch (mode, stepText) {
        case (_, nil), ("/", _):
            let n: Int
            if let stepText {
                guard let v = Int(stepText.trimmingCharacters(in: .whitespaces)), v >= 2 else {
                    throw fail("/N needs a count of values N ≥ 2 (e.g. \(unit.example))")
                }
                n = v
            } else {
                n = a == b ? 1 : defaultCount
            }
            guard n <= maxValues else { throw fail("\(n) values; at most \(maxValues) per axis") }
            out = (0..<n).map { i in n == 1 ? a : (a + (b - a) * Double(i) / Double(n - 1)).rounded() }
        case ("+", let s?):
            let step = try number(s, what: "step")
            guard (b - a) / step < Double(maxValues) else { throw fail("more than \(maxValues) values") }
            var v = a
            while v <= b * (1 + 1e-12) {
                out.append(v.rounded())
                v += step
            }
        case ("*", let s?):
            guard let f = Double(s.trimmingCharacters(in: .whitespaces)), f > 1, f.isFinite else {
                throw fail("*F needs a factor F > 1 (e.g. \(unit.example))")
            }
            var v = a
            while v <= b * (1 + 1e-12) {
                out.append(v.rounded())
                guard out.count <= maxValues else { throw fail("more than \(maxValues) values") }
                v *= f
            }
        default:
            throw fail("cannot read the step")
        }
        return unique(out)
    }

    static func unique(_ values: [Double]) -> [Double] {
        var seen: Set<Double> = []
        return values.filter { seen.insert($0).inserted }
    }
}
