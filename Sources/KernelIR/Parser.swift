// Lexer and recursive-descent parser for the kernel IR text (grammar in
// docs/kernel-ir.md). Statements end at a newline; newlines inside ( ) and [ ] are
// ignored so long parameter lists and tables can span lines.

/// An error in kernel IR source or in compiling it, with the place it refers to.
public struct KernelIRError: Error, CustomStringConvertible, Sendable, Equatable {
    public var location: SourcePosition?
    public var message: String

    public init(_ message: String, at location: SourcePosition? = nil) {
        self.message = message
        self.location = location
    }

    public var description: String {
        if let location { return "\(location): error: \(message)" }
        return "error: \(message)"
    }
}

enum TokenKind: Equatable {
    case identifier(String)
    case integer(Int64)
    case symbol(String)
    case newline
    case docComment(String)
    case end
}

struct Token {
    var kind: TokenKind
    var location: SourcePosition
}

/// Works on the text's UTF-8 bytes: everything outside comments is ASCII (a non-ASCII
/// character there is an error at once), so byte columns are character columns.
struct Lexer {
    static func tokenize(_ text: String, file: String) throws(KernelIRError) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text.utf8)
        let n = chars.count
        var i = 0, line = 1, col = 1
        var depth = 0  // ( and [ nesting: newlines inside are not statement ends
        func at(_ k: Int) -> UInt8 { k < n ? chars[k] : 0 }
        while i < n {
            let c = chars[i]
            if c == ascii(" ") || c == ascii("\t") || c == ascii("\r") { i += 1; col += 1; continue }
            let loc = SourcePosition(file: file, line: line, column: col)
            if c == ascii("\n") {
                if depth == 0 { tokens.append(Token(kind: .newline, location: loc)) }
                i += 1; line += 1; col = 1
                continue
            }
            if c == ascii("#") {
                var j = i
                while j < n && chars[j] != ascii("\n") { j += 1 }
                if at(i + 1) == ascii("#") {
                    var from = i + 2
                    if from < j && chars[from] == ascii(" ") { from += 1 }
                    tokens.append(Token(kind: .docComment(String(decoding: chars[from..<j], as: UTF8.self)), location: loc))
                }
                for k in i..<j where chars[k] & 0xC0 != 0x80 { col += 1 }  // characters, not bytes
                i = j
                continue
            }
            if isDigit(c) {
                var j = i
                var value: Int64 = 0
                var overflow = false
                if c == ascii("0") && (at(i + 1) == ascii("x") || at(i + 1) == ascii("X")) {
                    j = i + 2
                    let start = j
                    while j < n, let d = hexDigit(chars[j]) {
                        let (v, o) = value.multipliedReportingOverflow(by: 16)
                        value = v &+ d
                        overflow = overflow || o
                        j += 1
                    }
                    if j == start { throw KernelIRError("expected hexadecimal digits after 0x", at: loc) }
                } else {
                    while j < n, isDigit(chars[j]) {
                        let (v, o) = value.multipliedReportingOverflow(by: 10)
                        let (w, o2) = v.addingReportingOverflow(Int64(chars[j] &- ascii("0")))
                        value = w
                        overflow = overflow || o || o2
                        j += 1
                    }
                }
                if j < n && isIdent(chars[j]) {
                    throw KernelIRError("malformed number: a letter follows the digits", at: loc)
                }
                if overflow || value > 0xFFFF_FFFF {
                    throw KernelIRError("integer literal does not fit in 32 bits", at: loc)
                }
                tokens.append(Token(kind: .integer(value), location: loc))
                col += j - i
                i = j
                continue
            }
            if isIdentStart(c) {
                var j = i
                while j < n && isIdent(chars[j]) { j += 1 }
                tokens.append(Token(kind: .identifier(String(decoding: chars[i..<j], as: UTF8.self)), location: loc))
                col += j - i
                i = j
                continue
            }
            // Longest symbol first. `<u` and friends only when no identifier continues
            // (`ptr<u8>` is `<`, `u8`).
            func unsignedSuffix(_ k: Int) -> Bool { at(k) == ascii("u") && !isIdent(at(k + 1)) }
            let sym: String
            switch c {
            case ascii("."): sym = at(i + 1) == ascii(".") && at(i + 2) == ascii("<") ? "..<" : "."
            case ascii("<"):
                if at(i + 1) == ascii("=") { sym = unsignedSuffix(i + 2) ? "<=u" : "<=" } else { sym = unsignedSuffix(i + 1) ? "<u" : "<" }
            case ascii(">"):
                if at(i + 1) == ascii("=") { sym = unsignedSuffix(i + 2) ? ">=u" : ">=" } else { sym = unsignedSuffix(i + 1) ? ">u" : ">" }
            case ascii("-"): sym = at(i + 1) == ascii(">") ? "->" : "-"
            case ascii("+"): sym = at(i + 1) == ascii("+") ? "++" : "+"
            case ascii("="): sym = at(i + 1) == ascii("=") ? "==" : "="
            case ascii("!") where at(i + 1) == ascii("="): sym = "!="
            case ascii("("): sym = "("
            case ascii(")"): sym = ")"
            case ascii("{"): sym = "{"
            case ascii("}"): sym = "}"
            case ascii("["): sym = "["
            case ascii("]"): sym = "]"
            case ascii(","): sym = ","
            case ascii(":"): sym = ":"
            case ascii("@"): sym = "@"
            default:
                // The whole character, however many bytes it takes.
                var j = i + 1
                while j < n && chars[j] & 0xC0 == 0x80 { j += 1 }
                throw KernelIRError("unexpected character '\(String(decoding: chars[i..<j], as: UTF8.self))'", at: loc)
            }
            if sym == "(" || sym == "[" { depth += 1 }
            if (sym == ")" || sym == "]") && depth > 0 { depth -= 1 }
            tokens.append(Token(kind: .symbol(sym), location: loc))
            i += sym.utf8.count
            col += sym.utf8.count
        }
        tokens.append(Token(kind: .newline, location: SourcePosition(file: file, line: line, column: col)))
        tokens.append(Token(kind: .end, location: SourcePosition(file: file, line: line, column: col)))
        return tokens
    }

    @inline(__always) private static func ascii(_ s: Unicode.Scalar) -> UInt8 { UInt8(s.value) }
    private static func isDigit(_ c: UInt8) -> Bool { c &- ascii("0") < 10 }
    private static func isIdentStart(_ c: UInt8) -> Bool { c == ascii("_") || (c | 0x20) &- ascii("a") < 26 }
    private static func isIdent(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }

    private static func hexDigit(_ c: UInt8) -> Int64? {
        switch c {
        case ascii("0")...ascii("9"): Int64(c &- ascii("0"))
        case ascii("a")...ascii("f"): Int64(c &- ascii("a") + 10)
        case ascii("A")...ascii("F"): Int64(c &- ascii("A") + 10)
        default: nil
        }
    }
}

/// Parses kernel IR text into a `Module`.
public struct Parser {
    var tokens: [Token]
    var pos = 0
    let file: String

    public static func parse(_ text: String, file: String = "<input>") throws(KernelIRError) -> Module {
        var p = Parser(tokens: try Lexer.tokenize(text, file: file), file: file)
        return try p.parseModule()
    }

    init(tokens: [Token], file: String) {
        self.tokens = tokens
        self.file = file
    }

    // MARK: Token helpers

    var current: Token { tokens[pos] }
    var location: SourcePosition { current.location }

    mutating func advance() { if pos < tokens.count - 1 { pos += 1 } }

    func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }
    func isKeyword(_ k: String) -> Bool { current.kind == .identifier(k) }

    mutating func accept(_ s: String) -> Bool {
        if isSymbol(s) { advance(); return true }
        return false
    }

    mutating func acceptKeyword(_ k: String) -> Bool {
        if isKeyword(k) { advance(); return true }
        return false
    }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case let .identifier(s): "'\(s)'"
        case let .integer(v): "'\(v)'"
        case let .symbol(s): "'\(s)'"
        case .newline: "end of line"
        case .docComment: "a ## comment"
        case .end: "end of file"
        }
    }

    mutating func expect(_ s: String, _ what: String? = nil) throws(KernelIRError) {
        guard accept(s) else {
            throw KernelIRError("expected \(what ?? "'\(s)'"), found \(describe(current))", at: location)
        }
    }

    mutating func expectKeyword(_ k: String) throws(KernelIRError) {
        guard acceptKeyword(k) else {
            throw KernelIRError("expected '\(k)', found \(describe(current))", at: location)
        }
    }

    mutating func identifier(_ what: String) throws(KernelIRError) -> (String, SourcePosition) {
        guard case let .identifier(name) = current.kind else {
            throw KernelIRError("expected \(what), found \(describe(current))", at: location)
        }
        let loc = location
        advance()
        return (name, loc)
    }

    mutating func endOfStatement() throws(KernelIRError) {
        if current.kind == .newline { skipNewlines(); return }
        if isSymbol("}") { return }
        throw KernelIRError("expected end of line, found \(describe(current))", at: location)
    }

    mutating func skipNewlines() {
        while case .newline = current.kind { advance() }
    }

    /// Doc comments are kept for the declaration that follows; elsewhere they are
    /// comments.
    mutating func skipTrivia() -> [String] {
        var docs: [String] = []
        while true {
            switch current.kind {
            case .newline: advance()
            case let .docComment(text): docs.append(text); advance()
            default: return docs
            }
        }
    }

    mutating func skipTriviaInBody() {
        _ = skipTrivia()
    }

    mutating func integer(_ what: String) throws(KernelIRError) -> Int64 {
        let negative = accept("-")
        guard case let .integer(v) = current.kind else {
            throw KernelIRError("expected \(what), found \(describe(current))", at: location)
        }
        advance()
        return negative ? -v : v
    }

    // MARK: Declarations

    static let reserved: Set<String> = [
        "kernel", "inline", "struct", "const", "for", "in", "step", "if", "else", "return", "store", "load", "ldpack",
        "call", "as", "ptr", "i32",
    ]

    mutating func parseModule() throws(KernelIRError) -> Module {
        var module = Module()
        while true {
            let docs = skipTrivia()
            if current.kind == .end { break }
            if acceptKeyword("inline") {
                try expectKeyword("kernel")
                var k = try parseKernel(docs)
                k.isInline = true
                module.kernels.append(k)
            } else if acceptKeyword("kernel") {
                module.kernels.append(try parseKernel(docs))
            } else if acceptKeyword("struct") {
                module.structs.append(try parseStruct(docs))
            } else if acceptKeyword("const") {
                module.constants.append(try parseConst())
            } else {
                throw KernelIRError("expected 'kernel', 'inline kernel', 'struct' or 'const', found \(describe(current))", at: location)
            }
        }
        return module
    }

    mutating func declName(_ what: String) throws(KernelIRError) -> (String, SourcePosition) {
        let (name, loc) = try identifier(what)
        if Parser.reserved.contains(name) || OpCode(rawValue: name) != nil {
            throw KernelIRError("'\(name)' is a reserved word and cannot name \(what)", at: loc)
        }
        return (name, loc)
    }

    mutating func parseConst() throws(KernelIRError) -> ConstDecl {
        let (name, loc) = try declName("a constant")
        if accept("=") {
            let v = try integer("an integer")
            try endOfStatement()
            return ConstDecl(name: name, value: .scalar(v), location: loc)
        }
        try expect(":", "'=' or ':' after the constant's name")
        let (elemName, elemLoc) = try identifier("an element type")
        guard let elem = ElementKind(rawValue: elemName) else {
            throw KernelIRError("unknown element type '\(elemName)' (use i8, u8, i16, u16 or i32)", at: elemLoc)
        }
        try expect("[")
        let countLoc = location
        let count = try integer("the table length")
        try expect("]")
        try expect("=")
        try expect("[")
        var values: [Int64] = []
        if !isSymbol("]") {
            repeat {
                values.append(try integer("a table value"))
            } while accept(",") && !isSymbol("]")
        }
        try expect("]", "',' or ']' in the table")
        guard count == Int64(values.count) else {
            throw KernelIRError("table '\(name)' declares \(count) elements but lists \(values.count)", at: countLoc)
        }
        try endOfStatement()
        return ConstDecl(name: name, value: .table(elem, values), location: loc)
    }

    mutating func parseStruct(_ docs: [String]) throws(KernelIRError) -> StructDecl {
        let (name, loc) = try declName("a struct")
        try expect("{")
        var fields: [StructField] = []
        while true {
            skipTriviaInBody()
            if accept("}") { break }
            let (fname, floc) = try declName("a field")
            try expect(":")
            let type = try parseType()
            fields.append(StructField(name: fname, type: type, location: floc))
            if !isSymbol("}") { try endOfStatement() }
        }
        try endOfStatement()
        return StructDecl(name: name, fields: fields, location: loc, documentation: docs)
    }

    mutating func parseType() throws(KernelIRError) -> ValueType {
        let (name, loc) = try identifier("a type")
        if name == "i32" { return .i32 }
        if name == "ptr" { return .pointer(try parsePointee()) }
        throw KernelIRError("unknown type '\(name)' (values are i32 or ptr<...>)", at: loc)
    }

    mutating func parsePointee() throws(KernelIRError) -> Pointee {
        try expect("<", "'<' after ptr")
        let (name, _) = try identifier("a pointee type")
        let p: Pointee
        if name == "ptr" {
            p = .pointer(try parsePointee())
        } else if let e = ElementKind(rawValue: name) {
            p = .element(e)
        } else {
            p = .structure(name)
        }
        try expect(">", "'>' to close ptr<...>")
        return p
    }

    mutating func parseKernel(_ docs: [String]) throws(KernelIRError) -> Kernel {
        let (name, loc) = try declName("a kernel")
        try expect("(")
        var params: [Parameter] = []
        if !isSymbol(")") {
            repeat {
                let (pname, ploc) = try declName("a parameter")
                try expect(":")
                params.append(Parameter(name: pname, type: try parseType(), location: ploc))
            } while accept(",")
        }
        try expect(")", "',' or ')' in the parameter list")
        var ret: ValueType?
        if accept("->") { ret = try parseType() }
        let body = try parseBlock()
        try endOfStatement()
        return Kernel(name: name, parameters: params, returnType: ret, body: body, location: loc, documentation: docs)
    }

    // MARK: Statements

    mutating func parseBlock() throws(KernelIRError) -> [Statement] {
        try expect("{")
        var stmts: [Statement] = []
        while true {
            skipTriviaInBody()
            if accept("}") { return stmts }
            if current.kind == .end { throw KernelIRError("missing '}' before the end of the file", at: location) }
            stmts.append(try parseStatement())
            try endOfStatement()
        }
    }

    mutating func parseStatement() throws(KernelIRError) -> Statement {
        let loc = location
        if acceptKeyword("store") {
            let addr = try parseAddress(allowPostIncrement: true)
            try expect(",", "',' before the stored value")
            return .store(addr, try parseOperand(), loc)
        }
        if acceptKeyword("call") {
            let (callee, args) = try parseCall()
            return .call(callee, args, loc)
        }
        if acceptKeyword("return") {
            if current.kind == .newline || isSymbol("}") { return .ret(nil, loc) }
            return .ret(try parseOperand(), loc)
        }
        if acceptKeyword("for") {
            var variable: String?
            let (v, vloc) = try identifier("a loop variable or '_'")
            if v != "_" {
                if Parser.reserved.contains(v) { throw KernelIRError("'\(v)' is a reserved word", at: vloc) }
                variable = v
            }
            try expectKeyword("in")
            let start = try parseOperand()
            try expect("..<", "'..<' (loops run from start up to, not including, end)")
            let end = try parseOperand()
            var step = Operand.constant(1, loc)
            if acceptKeyword("step") { step = try parseOperand() }
            let body = try parseBlock()
            return .forLoop(variable: variable, start: start, end: end, step: step, body: body, loc)
        }
        if acceptKeyword("if") { return try parseIf(loc) }
        // Assignment or field store.
        let (name, nloc) = try identifier("a statement")
        if Parser.reserved.contains(name) {
            throw KernelIRError("'\(name)' is a reserved word and cannot start a statement", at: nloc)
        }
        if accept(".") {
            let (field, _) = try identifier("a field name")
            try expect("=", "'=' (a field can be assigned with p.field = value)")
            return .storeField(pointer: name, field: field, try parseOperand(), loc)
        }
        try expect("=", "'=' after '\(name)'")
        return .assign(name, try parseExpression(), loc)
    }

    mutating func parseIf(_ loc: SourcePosition) throws(KernelIRError) -> Statement {
        if accept("@") {
            let (feature, floc) = try identifier("a core feature after '@'")
            guard feature == "dsp" else {
                throw KernelIRError("unknown feature '@\(feature)' (the IR knows @dsp)", at: floc)
            }
            let then = try parseBlock()
            let els = try parseElse()
            return .ifFeature(feature, then: then, else: els, loc)
        }
        let lhs = try parseOperand()
        let cloc = location
        guard case let .symbol(s) = current.kind, let cmp = Comparison(rawValue: s) else {
            throw KernelIRError("expected a comparison (==, !=, <, <=, >, >=, <u, <=u, >u, >=u), found \(describe(current))", at: cloc)
        }
        advance()
        let rhs = try parseOperand()
        let then = try parseBlock()
        let els = try parseElse()
        return .ifThen(Predicate(lhs: lhs, comparison: cmp, rhs: rhs), then: then, else: els, loc)
    }

    mutating func parseElse() throws(KernelIRError) -> [Statement] {
        guard acceptKeyword("else") else { return [] }
        let loc = location
        if acceptKeyword("if") { return [try parseIf(loc)] }
        return try parseBlock()
    }

    mutating func parseCall() throws(KernelIRError) -> (String, [Operand]) {
        let (callee, _) = try identifier("a kernel name")
        try expect("(")
        var args: [Operand] = []
        if !isSymbol(")") {
            repeat { args.append(try parseOperand()) } while accept(",")
        }
        try expect(")", "',' or ')' in the argument list")
        return (callee, args)
    }

    mutating func parseOperand() throws(KernelIRError) -> Operand {
        let loc = location
        if isSymbol("-") {
            return .constant(try integer("a number"), loc)
        }
        switch current.kind {
        case let .integer(v):
            advance()
            return .constant(v, loc)
        case let .identifier(name):
            if Parser.reserved.contains(name) {
                throw KernelIRError("expected a value, found the keyword '\(name)'", at: loc)
            }
            advance()
            return .variable(name, loc)
        default:
            throw KernelIRError("expected a value (a variable or a number), found \(describe(current))", at: loc)
        }
    }

    mutating func parseAddress(allowPostIncrement: Bool) throws(KernelIRError) -> Address {
        let (p, ploc) = try identifier("a pointer")
        if accept("++") {
            guard allowPostIncrement else { throw KernelIRError("'++' is not allowed here", at: ploc) }
            return .postIncrement(pointer: p)
        }
        try expect("[", "'[' or '++' after the pointer")
        let index = try parseOperand()
        var offset: Int64 = 0
        if accept("+") {
            offset = try integer("a constant offset")
        } else if accept("-") {
            offset = -(try integer("a constant offset"))
        }
        try expect("]", "']' (an index is a value, optionally + a constant)")
        return .indexed(pointer: p, index: index, offset: offset)
    }

    mutating func parseExpression() throws(KernelIRError) -> Expression {
        if acceptKeyword("load") { return .load(try parseAddress(allowPostIncrement: true)) }
        if acceptKeyword("ldpack") { return .loadPacked(try parseAddress(allowPostIncrement: true)) }
        if acceptKeyword("call") {
            let (callee, args) = try parseCall()
            return .call(callee, args)
        }
        if case let .identifier(name) = current.kind, let op = OpCode(rawValue: name) {
            let oploc = location
            advance()
            var operands: [Operand] = [try parseOperand()]
            if op == .cast {
                try expectKeyword("as")
                let t = try parseType()
                return .op(.cast, operands, castTo: t)
            }
            while accept(",") { operands.append(try parseOperand()) }
            guard op.arity.contains(operands.count) else {
                let want = op.arity.count == 1 ? "\(op.arity.lowerBound)" : "\(op.arity.lowerBound) or \(op.arity.upperBound)"
                throw KernelIRError("'\(name)' takes \(want) operand\(op.arity.upperBound == 1 ? "" : "s"), found \(operands.count)", at: oploc)
            }
            return .op(op, operands, castTo: nil)
        }
        // `x = p.field` or a copy.
        if case let .identifier(name) = current.kind, pos + 1 < tokens.count, tokens[pos + 1].kind == .symbol(".") {
            advance(); advance()
            let (field, _) = try identifier("a field name")
            return .field(pointer: name, field: field)
        }
        if case let .identifier(name) = current.kind, pos + 1 < tokens.count,
           case .identifier = tokens[pos + 1].kind {
            throw KernelIRError("unknown operation '\(name)'", at: location)
        }
        return .copy(try parseOperand())
    }
}
