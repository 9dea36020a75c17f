@testable import KernelIR
import Testing

/// The lexer reads UTF-8 bytes; a plain lexer over Unicode scalars (the one the byte
/// lexer replaced, kept here as the reference) must give the same tokens, locations and
/// errors on every bundled kernel file and on inputs chosen to hit the edge cases.
@Suite struct LexerTests {
    static let edgeCases: [String] = [
        "",
        "x",
        "# comment without a newline",
        "## doc → with non-ASCII and no newline",
        "kernel f() {\n  x = 1 # trailing é comment",
        "##\n##  two spaces\n##x\n",
        "a<=ub <=u c <u d >u e >=u f >=ux g <ux",
        "ptr<u8> ptr<u> p<u8>q",
        "for i in 0 ..< n step 2 { }",
        "a . . < b .. c ...< d",
        "p++ + ++ - -> -- == = != ! x",
        "(\n[\n]\n)\n{\n}\n",
        "x = 0x\n",
        "x = 0xFFFFFFFF 0x100000000 4294967295 4294967296 99999999999999999999",
        "x = 0xabcDEF 0X12 012 0",
        "x = 12ab",
        "x = 0x12g",
        "x = $",
        "x = a → b",
        "x = a\u{00A0}b",
        "y = \t\r\n z",
        "_a1 = b_2_ + _",
        "x = é",
        "x = 1\0",
    ]

    @Test func sameTokensAsTheScalarLexerOnTheBundledKernels() throws {
        for (name, text) in KernelLibrary.bundledSources {
            let expected = ReferenceLexer.tokenize(text, file: name)
            let got = lex(text, file: name)
            #expect(got == expected, "\(name)")
        }
    }

    @Test(arguments: edgeCases)
    func sameTokensAsTheScalarLexer(text: String) {
        #expect(lex(text, file: "e.kir") == ReferenceLexer.tokenize(text, file: "e.kir"))
    }

    @Test func nonASCIIOutsideACommentNamesTheCharacterAndItsColumn() {
        #expect(lex("kernel f() {\n  x = a → b\n}", file: "k.kir") == .failure("k.kir:2:9: error: unexpected character '→'"))
    }

    @Test func aDocCommentKeepsItsText() {
        #expect(lex("## ≤ 2 ##\n", file: "k.kir") == .success([
            LexedToken(kind: .docComment("≤ 2 ##"), line: 1, column: 1),
            LexedToken(kind: .newline, line: 1, column: 10),
            LexedToken(kind: .newline, line: 2, column: 1),
            LexedToken(kind: .end, line: 2, column: 1),
        ]))
    }

    func lex(_ text: String, file: String) -> Lexed {
        do {
            return .success(try Lexer.tokenize(text, file: file).map {
                #expect($0.location.file == file)
                return LexedToken(kind: $0.kind, line: $0.location.line, column: $0.location.column)
            })
        } catch {
            return .failure(error.description)
        }
    }
}

struct LexedToken: Equatable, CustomStringConvertible {
    var kind: TokenKind
    var line: Int
    var column: Int
    var description: String { "\(line):\(column) \(kind)" }
}

enum Lexed: Equatable {
    case success([LexedToken])
    case failure(String)
}

/// The scalar-by-scalar lexer as it was before the byte lexer (commit 7fa30e0).
enum ReferenceLexer {
    static let symbols = [
        "..<", "<=u", ">=u", "->", "++", "==", "!=", "<=", ">=", "<u", ">u",
        "(", ")", "{", "}", "[", "]", "<", ">", ",", ":", "=", ".", "+", "-", "@",
    ]

    static func tokenize(_ text: String, file: String) -> Lexed {
        var tokens: [LexedToken] = []
        let chars = Array(text.unicodeScalars)
        var i = 0, line = 1, col = 1
        var depth = 0
        func isIdentStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic && c.isASCII }
        func isIdent(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || ("0"..."9").contains(c) }
        func fail(_ message: String) -> Lexed { .failure("\(file):\(line):\(col): error: \(message)") }
        while i < chars.count {
            let c = chars[i]
            if c == "\n" {
                if depth == 0 { tokens.append(LexedToken(kind: .newline, line: line, column: col)) }
                i += 1; line += 1; col = 1
                continue
            }
            if c == " " || c == "\t" || c == "\r" { i += 1; col += 1; continue }
            if c == "#" {
                var j = i
                while j < chars.count && chars[j] != "\n" { j += 1 }
                if i + 1 < chars.count && chars[i + 1] == "#" {
                    var text = String(String.UnicodeScalarView(chars[(i + 2)..<j]))
                    if text.hasPrefix(" ") { text.removeFirst() }
                    tokens.append(LexedToken(kind: .docComment(text), line: line, column: col))
                }
                col += j - i
                i = j
                continue
            }
            if ("0"..."9").contains(c) {
                var j = i
                var value: Int64 = 0
                var overflow = false
                if c == "0" && i + 1 < chars.count && (chars[i + 1] == "x" || chars[i + 1] == "X") {
                    j = i + 2
                    let start = j
                    while j < chars.count, let d = hexDigit(chars[j]) {
                        let (v, o) = value.multipliedReportingOverflow(by: 16)
                        value = v &+ d
                        overflow = overflow || o
                        j += 1
                    }
                    if j == start { return fail("expected hexadecimal digits after 0x") }
                } else {
                    while j < chars.count, ("0"..."9").contains(chars[j]) {
                        let (v, o) = value.multipliedReportingOverflow(by: 10)
                        let (w, o2) = v.addingReportingOverflow(Int64(chars[j].value - 48))
                        value = w
                        overflow = overflow || o || o2
                        j += 1
                    }
                }
                if j < chars.count && isIdent(chars[j]) { return fail("malformed number: a letter follows the digits") }
                if overflow || value > 0xFFFF_FFFF { return fail("integer literal does not fit in 32 bits") }
                tokens.append(LexedToken(kind: .integer(value), line: line, column: col))
                col += j - i
                i = j
                continue
            }
            if isIdentStart(c) {
                var j = i
                while j < chars.count && isIdent(chars[j]) { j += 1 }
                tokens.append(LexedToken(kind: .identifier(String(String.UnicodeScalarView(chars[i..<j]))), line: line, column: col))
                col += j - i
                i = j
                continue
            }
            var matched: String?
            for s in symbols {
                let sc = Array(s.unicodeScalars)
                guard i + sc.count <= chars.count, Array(chars[i..<(i + sc.count)]) == sc else { continue }
                if s.hasSuffix("u"), i + sc.count < chars.count, isIdent(chars[i + sc.count]) { continue }
                matched = s
                break
            }
            guard let sym = matched else { return fail("unexpected character '\(c)'") }
            if sym == "(" || sym == "[" { depth += 1 }
            if (sym == ")" || sym == "]") && depth > 0 { depth -= 1 }
            tokens.append(LexedToken(kind: .symbol(sym), line: line, column: col))
            i += sym.unicodeScalars.count
            col += sym.unicodeScalars.count
        }
        tokens.append(LexedToken(kind: .newline, line: line, column: col))
        tokens.append(LexedToken(kind: .end, line: line, column: col))
        return .success(tokens)
    }

    static func hexDigit(_ c: Unicode.Scalar) -> Int64? {
        switch c {
        case "0"..."9": Int64(c.value - 48)
        case "a"..."f": Int64(c.value - 97 + 10)
        case "A"..."F": Int64(c.value - 65 + 10)
        default: nil
        }
    }
}
