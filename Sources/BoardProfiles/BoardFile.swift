// Reading and validating a board file (`Boards/<name>.json`, schema in docs/boards.md).
//
// Every number must cite a source: the object holding it has a `ref` ("ID: location",
// ID from the file's `sources`), or a `refs` entry for that field. Unknown keys are
// errors, so no uncited number can hide in a misspelled field. Errors name the file and
// the field path: `Boards/x.json: memory[2].size: "12Q" is not a size`.

import Foundation

public enum BoardFile {
    /// The schema version this reader understands.
    public static let schemaVersion = 1

    /// Load and validate a board file from disk.
    public static func load(path: String) throws(BoardFileError) -> Board {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw BoardFileError(file: path, path: "", message: "is a directory, not a board file (boards are .json files)")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw BoardFileError(file: path, path: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        let stem = url.deletingPathExtension().lastPathComponent
        return try parse(data: data, file: path, expectedName: stem)
    }

    /// Parse and validate board JSON. `file` names it in errors; `expectedName`, when
    /// given, must equal the file's `name` (the file name without `.json`).
    public static func parse(data: Data, file: String, expectedName: String? = nil) throws(BoardFileError) -> Board {
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data, options: []) } catch {
            throw BoardFileError(file: file, path: "", message: "not valid JSON (\(jsonErrorText(error)))")
        }
        guard let dict = json as? [String: Any] else {
            throw BoardFileError(file: file, path: "", message: "the top level must be a JSON object")
        }
        let ctx = ReadContext(file: file)
        return try BoardReader(ctx: ctx).read(dict, expectedName: expectedName)
    }

    static func jsonErrorText(_ error: Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return ns.localizedDescription
    }
}

// MARK: - generic reading with paths and citations

final class ReadContext {
    let file: String
    var sourceIDs: Set<String> = []
    var citations: [String: String] = [:]
    init(file: String) { self.file = file }

    func error(_ path: String, _ message: String) -> BoardFileError {
        BoardFileError(file: file, path: path, message: message)
    }
}

/// Whether a JSON value is a boolean (JSONSerialization gives NSNumber for both).
func jsonIsBool(_ v: Any) -> Bool {
    // Every NSNumber bridges to Bool, so ask for the boxed type: JSON true/false box as
    // a char ("c"), JSON numbers as integer or double types.
    guard let n = v as? NSNumber else { return false }
    return String(cString: n.objCType) == "c"
}

func jsonNumber(_ v: Any) -> Double? {
    if jsonIsBool(v) { return nil }
    if let n = v as? NSNumber { return n.doubleValue }
    if let d = v as? Double { return d }
    if let i = v as? Int { return Double(i) }
    return nil
}

func describe(_ v: Any) -> String {
    if let s = v as? String { return "\"\(s)\"" }
    if jsonIsBool(v), let b = v as? Bool { return b ? "true" : "false" }
    if let d = jsonNumber(v) { return Format.trim(d) }
    if v is NSNull { return "null" }
    if v is [Any] { return "an array" }
    if v is [String: Any] { return "an object" }
    return "\(v)"
}

/// One JSON object being read: tracks used keys and resolves citations.
struct Obj {
    let ctx: ReadContext
    let path: String
    let dict: [String: Any]
    /// Keys every object may carry as text.
    static let textKeys: Set<String> = ["ref", "refs", "note", "comment"]
    private var used: Set<String> = []

    init(_ ctx: ReadContext, _ path: String, _ dict: [String: Any]) {
        self.ctx = ctx
        self.path = path
        self.dict = dict
    }

    func sub(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func has(_ key: String) -> Bool {
        guard let v = dict[key], !(v is NSNull) else { return false }
        used.insert(key)
        return true
    }

    mutating func raw(_ key: String) throws(BoardFileError) -> Any {
        guard let v = dict[key], !(v is NSNull) else { throw ctx.error(sub(key), "missing") }
        used.insert(key)
        return v
    }

    mutating func string(_ key: String) throws(BoardFileError) -> String {
        let v = try raw(key)
        guard let s = v as? String, !jsonIsBool(v) else { throw ctx.error(sub(key), "\(describe(v)) is not a string") }
        guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw ctx.error(sub(key), "is empty") }
        return s
    }

    mutating func optionalString(_ key: String) throws(BoardFileError) -> String? {
        has(key) ? try string(key) : nil
    }

    mutating func bool(_ key: String, default def: Bool? = nil) throws(BoardFileError) -> Bool {
        if !has(key), let def { return def }
        let v = try raw(key)
        guard jsonIsBool(v), let b = v as? Bool else { throw ctx.error(sub(key), "\(describe(v)) is not true or false") }
        return b
    }

    mutating func object(_ key: String) throws(BoardFileError) -> Obj {
        let v = try raw(key)
        guard let d = v as? [String: Any] else { throw ctx.error(sub(key), "\(describe(v)) is not an object") }
        return Obj(ctx, sub(key), d)
    }

    mutating func optionalObject(_ key: String) throws(BoardFileError) -> Obj? {
        has(key) ? try object(key) : nil
    }

    mutating func array(_ key: String) throws(BoardFileError) -> [Any] {
        let v = try raw(key)
        guard let a = v as? [Any] else { throw ctx.error(sub(key), "\(describe(v)) is not an array") }
        return a
    }

    /// Objects of an array, each with its own path (`memory[2]`).
    mutating func objects(_ key: String) throws(BoardFileError) -> [Obj] {
        let a = try array(key)
        var out: [Obj] = []
        for (i, v) in a.enumerated() {
            guard let d = v as? [String: Any] else { throw ctx.error("\(sub(key))[\(i)]", "\(describe(v)) is not an object") }
            out.append(Obj(ctx, "\(sub(key))[\(i)]", d))
        }
        return out
    }

    // MARK: citations

    /// The citation covering `key`: `refs[key]`, else this object's `ref`. Validated
    /// against the file's sources; recorded for `sersim boards show`.
    @discardableResult
    mutating func cite(_ key: String, at fieldPath: String? = nil) throws(BoardFileError) -> String {
        let target = fieldPath ?? sub(key)
        var chosen: (value: Any, path: String)?
        if let refs = dict["refs"] {
            used.insert("refs")
            guard let r = refs as? [String: Any] else { throw ctx.error(sub("refs"), "must be an object of field → reference") }
            if let v = r[key] { chosen = (v, "\(sub("refs")).\(key)") }
        }
        if chosen == nil, let v = dict["ref"] {
            used.insert("ref")
            chosen = (v, sub("ref"))
        }
        guard let (value, refPath) = chosen else {
            throw ctx.error(target, "no source: give this object a \"ref\" (\"SOURCE-ID: table/section\") "
                + "or a \"refs\": {\"\(key)\": ...} entry")
        }
        let text = try checkReference(value, at: refPath)
        ctx.citations[target] = text
        return text
    }

    /// A reference is "ID: location" (or an array of them); ID must be a source of the file.
    func checkReference(_ value: Any, at refPath: String) throws(BoardFileError) -> String {
        let parts: [Any] = (value as? [Any]) ?? [value]
        guard !parts.isEmpty else { throw ctx.error(refPath, "is empty") }
        var texts: [String] = []
        for p in parts {
            guard let s = p as? String else { throw ctx.error(refPath, "\(describe(p)) is not a reference string") }
            guard let colon = s.firstIndex(of: ":") else {
                throw ctx.error(refPath, "\"\(s)\" is not \"SOURCE-ID: location\"")
            }
            let id = s[..<colon].trimmingCharacters(in: .whitespaces)
            let location = s[s.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard ctx.sourceIDs.contains(id) else {
                throw ctx.error(refPath, "\"\(id)\" is not one of the file's sources (\(ctx.sourceIDs.sorted().joined(separator: ", ")))")
            }
            guard !location.isEmpty else { throw ctx.error(refPath, "\"\(s)\" gives no location (table, section or page)") }
            texts.append(s)
        }
        return texts.joined(separator: "; ")
    }

    /// Validate `ref`/`refs` even when no number used them (so typos in ids are caught).
    mutating func checkOwnReferences() throws(BoardFileError) {
        if let v = dict["ref"] { used.insert("ref"); _ = try checkReference(v, at: sub("ref")) }
        if let r = dict["refs"] as? [String: Any] {
            used.insert("refs")
            for (k, v) in r { _ = try checkReference(v, at: "\(sub("refs")).\(k)") }
        }
    }

    // MARK: cited quantities

    mutating func quantity<T>(_ key: String, _ kind: QuantityKind, _ parse: (String) -> T?, number: ((Double) -> T?)? = nil) throws(BoardFileError) -> T {
        let v = try raw(key)
        let value = try Obj.convert(v, kind, parse, number: number, ctx: ctx, path: sub(key))
        try cite(key)
        return value
    }

    static func convert<T>(_ v: Any, _ kind: QuantityKind, _ parse: (String) -> T?, number: ((Double) -> T?)?, ctx: ReadContext, path: String) throws(BoardFileError) -> T {
        if let s = v as? String, !jsonIsBool(v) {
            if let q = parse(s) { return q }
        } else if let d = jsonNumber(v), let number, let q = number(d) {
            return q
        }
        throw ctx.error(path, "\(describe(v)) is not \(kind.article) \(kind.rawValue)")
    }

    mutating func size(_ key: String) throws(BoardFileError) -> UInt64 {
        try quantity(key, .size, Quantity.size, number: { $0 >= 0 && $0 == $0.rounded() ? UInt64($0) : nil })
    }

    mutating func address(_ key: String) throws(BoardFileError) -> UInt32 {
        try quantity(key, .address, Quantity.address, number: { $0 >= 0 && $0 <= Double(UInt32.max) && $0 == $0.rounded() ? UInt32($0) : nil })
    }

    mutating func frequency(_ key: String) throws(BoardFileError) -> Double {
        try quantity(key, .frequency, Quantity.frequency, number: { $0 >= 0 ? $0 : nil })
    }

    mutating func current(_ key: String) throws(BoardFileError) -> Double {
        // Currents must carry a unit: a bare 12 could mean A or mA.
        try quantity(key, .current, Quantity.current)
    }

    mutating func voltage(_ key: String) throws(BoardFileError) -> Double {
        try quantity(key, .voltage, Quantity.voltage, number: { $0 >= 0 ? $0 : nil })
    }

    mutating func count(_ key: String) throws(BoardFileError) -> Int {
        try quantity(key, .count, { Int($0) }, number: { $0 >= 0 && $0 == $0.rounded() && $0 < 1e9 ? Int($0) : nil })
    }

    mutating func optionalCount(_ key: String) throws(BoardFileError) -> Int? {
        has(key) ? try count(key) : nil
    }

    /// Fail on keys this reader did not use.
    func finish(allowed extra: Set<String> = []) throws(BoardFileError) {
        for key in dict.keys.sorted() where !used.contains(key) && !Obj.textKeys.contains(key) && !extra.contains(key) {
            throw ctx.error(sub(key), "unknown field (see docs/boards.md for the schema)")
        }
        if let n = dict["note"], !(n is String) { throw ctx.error(sub("note"), "must be a string") }
        if let n = dict["comment"], !(n is String) { throw ctx.error(sub("comment"), "must be a string") }
    }
}

// MARK: - the board schema

struct BoardReader {
    let ctx: ReadContext

    func read(_ dict: [String: Any], expectedName: String?) throws(BoardFileError) -> Board {
        var top = Obj(ctx, "", dict)
        // The format version is the only uncited number.
        let version = try top.raw("schema")
        guard let v = jsonNumber(version), v == Double(BoardFile.schemaVersion) else {
            throw ctx.error("schema", "\(describe(version)) is not a supported schema version (this sersim reads \(BoardFile.schemaVersion))")
        }
        let sources = try readSources(&top)
        let name = try top.string("name")
        if let expectedName, expectedName != name {
            throw ctx.error("name", "\"\(name)\" must match the file name \"\(expectedName)\"")
        }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw ctx.error("name", "\"\(name)\" may contain only letters, digits, '-', '_' and '.'")
        }
        let displayName = try top.string("displayName")
        let mcu = try top.string("mcu")
        let vendor = try top.string("vendor")
        let url = try top.string("url")
        let estimate = try top.optionalString("estimate")

        var coreObj = try top.object("core")
        let core = try readCore(&coreObj)
        var clockObj = try top.object("clock")
        let clock = try readClock(&clockObj)
        let flashBytes = try top.size("flashBytes")
        let sramBytes = try top.size("sramBytes")

        let regionObjs = try top.objects("memory")
        guard !regionObjs.isEmpty else { throw ctx.error("memory", "lists no memory regions") }
        var regions: [MemoryRegion] = []
        for var r in regionObjs { regions.append(try readRegion(&r)) }
        try checkRegions(regions)

        var memorySystem = MemorySystem()
        if var ms = try top.optionalObject("memorySystem") {
            memorySystem = try readMemorySystem(&ms, clock: clock)
        }
        if regions.contains(where: \.usesFlashLatency), memorySystem.flashLatency.isEmpty {
            let i = regions.firstIndex(where: \.usesFlashLatency) ?? 0
            throw ctx.error("memory[\(i)].waitStates", "\"flash\" needs memorySystem.flashLatency")
        }

        let vectorTable = try top.address("vectorTable")
        if core.kind.executes {
            guard let r = regions.first(where: { $0.contains(vectorTable) }), r.executable || r.readable else {
                throw ctx.error("vectorTable", "\(Format.hex(vectorTable)) is not inside any memory region")
            }
        }

        var power: PowerSpec?
        if var p = try top.optionalObject("power") {
            power = try readPower(&p, regions: regions, clock: clock)
        }
        try top.checkOwnReferences()
        try top.finish(allowed: ["schema"])

        return Board(
            name: name, displayName: displayName, mcu: mcu, vendor: vendor, core: core, clock: clock,
            memory: regions, memorySystem: memorySystem, vectorTable: vectorTable, origin: ctx.file,
            flashBytes: flashBytes, sramBytes: sramBytes, url: url, sources: sources,
            citations: ctx.citations, estimate: estimate, power: power)
    }

    func readSources(_ top: inout Obj) throws(BoardFileError) -> [SourceDocument] {
        let objs = try top.objects("sources")
        guard !objs.isEmpty else { throw ctx.error("sources", "lists no sources; every number needs one") }
        var out: [SourceDocument] = []
        for var o in objs {
            let id = try o.string("id")
            guard !id.contains(":"), !id.contains(";") else { throw ctx.error(o.sub("id"), "\"\(id)\" may not contain ':' or ';'") }
            guard !ctx.sourceIDs.contains(id) else { throw ctx.error(o.sub("id"), "\"\(id)\" is listed twice") }
            let doc = SourceDocument(
                id: id, document: try o.string("document"), revision: try o.string("revision"),
                url: try o.string("url"), checked: try o.bool("checked", default: true), note: try o.optionalString("note"))
            guard doc.url.hasPrefix("https://") || doc.url.hasPrefix("http://") else {
                throw ctx.error(o.sub("url"), "\"\(doc.url)\" is not an http(s) URL")
            }
            try o.finish()
            ctx.sourceIDs.insert(id)
            out.append(doc)
        }
        return out
    }

    func readCore(_ o: inout Obj) throws(BoardFileError) -> CoreSpec {
        let kindText = try o.string("kind")
        guard let kind = CoreKind(rawValue: kindText) else {
            throw ctx.error(o.sub("kind"), "\"\(kindText)\" is not a core (\(CoreKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let archText = try o.string("architecture")
        guard let arch = Architecture(rawValue: archText) else {
            throw ctx.error(o.sub("architecture"), "\"\(archText)\" is not an architecture (armv6-m, armv7-m, armv7e-m, xtensa, avr)")
        }
        // sersim executes Xtensa boards' Thumb code on an ARMv7E-M approximation.
        let expected: Set<Architecture> = switch kind {
        case .cortexM0plus: [.armv6m]
        case .cortexM4, .cortexM7: [.armv7em]
        case .xtensaLX6, .xtensaLX7: [.armv7em]
        case .avr: [.avr]
        }
        guard expected.contains(arch) else {
            throw ctx.error(o.sub("architecture"), "\"\(archText)\" does not go with core \"\(kindText)\" (expected \(expected.map(\.rawValue).sorted().joined(separator: " or ")))")
        }
        let fpu = try o.optionalString("fpu")
        let dsp = try o.bool("dsp")
        let fast = try o.bool("fastMultiplier", default: true)
        try o.cite("kind")
        try o.checkOwnReferences()
        try o.finish()
        return CoreSpec(kind: kind, architecture: arch, fpu: fpu, dsp: dsp, fastMultiplier: fast)
    }

    func readClock(_ o: inout Obj) throws(BoardFileError) -> ClockSpec {
        let def = try o.frequency("default")
        let lo = try o.frequency("min")
        let hi = try o.frequency("max")
        guard lo > 0 else { throw ctx.error(o.sub("min"), "must be above zero") }
        guard lo <= def, def <= hi else {
            throw ctx.error(o.sub("default"), "\(Format.hertz(def)) is not within min \(Format.hertz(lo)) and max \(Format.hertz(hi))")
        }
        try o.finish()
        return ClockSpec(defaultHz: def, minHz: lo, maxHz: hi)
    }

    func readRegion(_ o: inout Obj) throws(BoardFileError) -> MemoryRegion {
        let name = try o.string("name")
        let kindText = try o.string("kind")
        guard let kind = RegionKind(rawValue: kindText) else {
            throw ctx.error(o.sub("kind"), "\"\(kindText)\" is not a region kind (flash, xip-flash, rom, sram, itcm, dtcm)")
        }
        let base = try o.address("base")
        let size = try o.size("size")
        guard size > 0 else { throw ctx.error(o.sub("size"), "must be above zero") }
        guard UInt64(base) + size <= 1 << 32 else {
            throw ctx.error(o.sub("size"), "\(Format.bytes(size)) from \(Format.hex(base)) runs past the 4 GiB address space")
        }
        let access = try o.string("access")
        guard !access.isEmpty, access.allSatisfy({ "rwx".contains($0) }), Set(access).count == access.count else {
            throw ctx.error(o.sub("access"), "\"\(access)\" is not a combination of r, w and x")
        }
        var waitStates = 0
        var usesFlash = false
        var assumed = false
        if !o.has("waitStates") {
            assumed = true  // no source gives them: 0, and the timing report says so
        } else if let s = try o.raw("waitStates") as? String, s == "flash" {
            usesFlash = true
        } else {
            waitStates = try o.count("waitStates")
        }
        let usable = try o.bool("usable", default: true)
        var space = AddressSpace.unified
        if let s = try o.optionalString("space") {
            guard let sp = AddressSpace(rawValue: s) else {
                throw ctx.error(o.sub("space"), "\"\(s)\" is not an address space (unified, program, data)")
            }
            space = sp
        }
        try o.checkOwnReferences()
        try o.finish()
        return MemoryRegion(
            name: name, kind: kind, base: base, size: UInt32(truncatingIfNeeded: min(size, UInt64(UInt32.max))),
            readable: access.contains("r"), writable: access.contains("w"), executable: access.contains("x"),
            waitStates: waitStates, usesFlashLatency: usesFlash, usable: usable, addressSpace: space,
            waitStatesAssumed: assumed)
    }

    func checkRegions(_ regions: [MemoryRegion]) throws(BoardFileError) {
        for (i, a) in regions.enumerated() {
            if a.size == UInt32.max { throw ctx.error("memory[\(i)].size", "regions of 4 GiB are not supported") }
            for j in 0..<i {
                let b = regions[j]
                if a.name == b.name { throw ctx.error("memory[\(i)].name", "\"\(a.name)\" is also the name of memory[\(j)]") }
                if a.addressSpace == b.addressSpace, UInt64(a.base) < b.end, UInt64(b.base) < a.end {
                    throw ctx.error("memory[\(i)]", "\(a.name) (\(Format.hex(a.base))–\(Format.hex(UInt32(truncatingIfNeeded: a.end - 1)))) "
                        + "overlaps memory[\(j)] \(b.name)")
                }
            }
        }
    }

    func readCache(_ o: inout Obj) throws(BoardFileError) -> CacheSpec {
        let line = try o.count("lineBytes")
        guard line > 0, line & (line - 1) == 0 else { throw ctx.error(o.sub("lineBytes"), "\(line) is not a power of two") }
        guard line <= 4096 else {
            throw ctx.error(o.sub("lineBytes"), "\(line) bytes is longer than any cache line sersim models (at most 4096)")
        }
        var sizeBytes: Int
        if o.has("lines") {
            let lines = try o.count("lines")
            sizeBytes = lines * line
        } else {
            let s = try o.size("size")
            guard s <= 1 << 30 else { throw ctx.error(o.sub("size"), "is too large for a cache") }
            sizeBytes = Int(s)
        }
        guard sizeBytes > 0, sizeBytes % line == 0 else {
            throw ctx.error(o.path, "size \(sizeBytes) bytes is not a whole number of \(line)-byte lines")
        }
        let lines = sizeBytes / line
        var ways = lines
        var assumed = true
        if let w = try o.optionalCount("ways") {
            guard w > 0, lines % w == 0 else { throw ctx.error(o.sub("ways"), "\(w) ways do not divide \(lines) lines") }
            ways = w
            assumed = false
        }
        var sector = line
        if let sb = try o.optionalCount("sectorBytes") {
            guard sb >= 4, sb & (sb - 1) == 0, sb <= line, line / sb <= 8 else {
                throw ctx.error(o.sub("sectorBytes"), "\(sb) is not a power of two from 4 up to the \(line)-byte line "
                    + "(with at most 8 sectors per line)")
            }
            sector = sb
        }
        try o.checkOwnReferences()
        try o.finish()
        return CacheSpec(sizeBytes: sizeBytes, ways: ways, lineBytes: line, assumedFullyAssociative: assumed, sectorBytes: sector)
    }

    func readMemorySystem(_ o: inout Obj, clock: ClockSpec) throws(BoardFileError) -> MemorySystem {
        var ms = MemorySystem()
        if var fl = try o.optionalObject("flashLatency") {
            _ = try fl.optionalString("condition")
            let rows = try fl.array("steps")
            let rowsPath = fl.sub("steps")
            try fl.cite("steps")
            var steps: [LatencyStep] = []
            for (i, row) in rows.enumerated() {
                let p = "\(rowsPath)[\(i)]"
                guard let pair = row as? [Any], pair.count == 2 else {
                    throw ctx.error(p, "must be [max clock, wait states], e.g. [\"30MHz\", 0]")
                }
                let hz: Double = try Obj.convert(pair[0], .frequency, Quantity.frequency, number: { $0 }, ctx: ctx, path: "\(p)[0]")
                let ws: Int = try Obj.convert(pair[1], .count, { Int($0) }, number: { $0 >= 0 && $0 == $0.rounded() ? Int($0) : nil }, ctx: ctx, path: "\(p)[1]")
                if let last = steps.last {
                    guard hz > last.maxHz else { throw ctx.error("\(p)[0]", "clocks must ascend (\(Format.hertz(hz)) after \(Format.hertz(last.maxHz)))") }
                    guard ws >= last.waitStates else { throw ctx.error("\(p)[1]", "wait states must not decrease") }
                }
                steps.append(LatencyStep(maxHz: hz, waitStates: ws))
            }
            guard let last = steps.last else { throw ctx.error(rowsPath, "is empty") }
            guard last.maxHz >= clock.maxHz else {
                throw ctx.error(rowsPath, "ends at \(Format.hertz(last.maxHz)), below the board's maximum clock \(Format.hertz(clock.maxHz))")
            }
            try fl.checkOwnReferences()
            try fl.finish()
            ms.flashLatency = steps
        }
        if var f = try o.optionalObject("flash") {
            ms.flashLineBytes = try f.count("readBytes")
            ms.prefetch = try f.bool("prefetch", default: false)
            try f.checkOwnReferences()
            try f.finish()
        }
        if var c = try o.optionalObject("art") { ms.art = try readCache(&c) }
        if var c = try o.optionalObject("artData") { ms.artData = try readCache(&c) }
        if var c = try o.optionalObject("icache") { ms.icache = try readCache(&c) }
        if var c = try o.optionalObject("dcache") { ms.dcache = try readCache(&c) }
        if var c = try o.optionalObject("xipCache") { ms.xipCache = try readCache(&c) }
        if var m = try o.optionalObject("xipMiss") {
            ms.xipMissCycles = try m.count("cycles")
            try m.checkOwnReferences()
            try m.finish()
        }
        if var b = try o.optionalObject("axiBus") {
            let width = try b.count("widthBytes")
            guard [4, 8, 16].contains(width) else {
                throw ctx.error(b.sub("widthBytes"), "\(width) is not a bus width sersim models (4, 8 or 16 bytes)")
            }
            ms.busWidthBytes = width
            if let latency = try b.optionalCount("latencyCycles") { ms.busLatencyCycles = latency }
            try b.checkOwnReferences()
            try b.finish()
        }
        try o.finish()
        return ms
    }

    func readPower(_ o: inout Obj, regions: [MemoryRegion], clock: ClockSpec) throws(BoardFileError) -> PowerSpec {
        var supply = try o.object("supply")
        let volts = try supply.voltage("volts")
        guard volts > 0 else { throw ctx.error(supply.sub("volts"), "must be above zero") }
        let supplyRef = try supply.cite("volts")
        try supply.finish()

        var run = try o.object("run")
        let condition = try run.string("condition")
        let runRef = try run.cite("points")
        let points = try readPoints(&run, "points")
        try run.finish()

        var regionCurrents: RegionCurrents?
        if var rc = try o.optionalObject("regionCurrents") {
            let hz = try rc.frequency("clock")
            var cur = try rc.object("currents")
            let ref = try rc.cite("currents")
            var amps: [String: Double] = [:]
            for key in cur.dict.keys.sorted() where !Obj.textKeys.contains(key) {
                guard regions.contains(where: { $0.name == key }) else {
                    throw ctx.error(cur.sub(key), "\"\(key)\" is not a memory region of this board")
                }
                let v = try cur.raw(key)
                let a: Double = try Obj.convert(v, .current, Quantity.current, number: nil, ctx: ctx, path: cur.sub(key))
                ctx.citations[cur.sub(key)] = ref
                amps[key] = a
            }
            try cur.finish()
            try rc.finish()
            regionCurrents = RegionCurrents(clockHz: hz, amps: amps, ref: ref)
        }

        var classWeights: ClassWeights?
        if var cw = try o.optionalObject("classWeights") {
            var w = try cw.object("weights")
            let ref = try cw.cite("weights")
            var weights: [String: Double] = [:]
            for key in w.dict.keys.sorted() where !Obj.textKeys.contains(key) {
                let v = try w.raw(key)
                guard let d = jsonNumber(v), d > 0 else { throw ctx.error(w.sub(key), "\(describe(v)) is not a positive weight") }
                ctx.citations[w.sub(key)] = ref
                weights[key] = d
            }
            try w.finish()
            try cw.finish()
            classWeights = ClassWeights(weights: weights, ref: ref)
        }

        var modes: [SleepMode] = []
        if o.has("sleepModes") {
            for var m in try o.objects("sleepModes") {
                let name = try m.string("name")
                guard !modes.contains(where: { $0.name == name }) else { throw ctx.error(m.sub("name"), "\"\(name)\" is listed twice") }
                let desc = try m.string("description")
                let curve: CurrentCurve
                let ref: String
                if m.has("points") {
                    ref = try m.cite("points")
                    curve = CurrentCurve(points: try readPoints(&m, "points"))
                } else {
                    let a = try m.current("current")
                    ref = try m.cite("current")
                    curve = CurrentCurve(constant: a)
                }
                try m.finish()
                modes.append(SleepMode(name: name, description: desc, current: curve, ref: ref))
            }
        }
        var defaultSleep: String?
        if let d = try o.optionalString("defaultSleepMode") {
            guard modes.contains(where: { $0.name == d }) else {
                throw ctx.error(o.sub("defaultSleepMode"), "\"\(d)\" is not one of the sleepModes")
            }
            defaultSleep = d
        }
        try o.finish()
        return PowerSpec(
            supplyVolts: volts, supplyRef: supplyRef, run: CurrentCurve(points: points), runCondition: condition,
            runRef: runRef, regionCurrents: regionCurrents, classWeights: classWeights, sleepModes: modes,
            defaultSleepMode: defaultSleep)
    }

    /// `[[clock, current], ...]`, ascending by clock, at least one point.
    func readPoints(_ o: inout Obj, _ key: String) throws(BoardFileError) -> [CurrentPoint] {
        let rows = try o.array(key)
        let path = o.sub(key)
        guard !rows.isEmpty else { throw ctx.error(path, "is empty") }
        var out: [CurrentPoint] = []
        for (i, row) in rows.enumerated() {
            let p = "\(path)[\(i)]"
            guard let pair = row as? [Any], pair.count == 2 else {
                throw ctx.error(p, "must be [clock, current], e.g. [\"80MHz\", \"10.2mA\"]")
            }
            let hz: Double = try Obj.convert(pair[0], .frequency, Quantity.frequency, number: { $0 }, ctx: ctx, path: "\(p)[0]")
            let a: Double = try Obj.convert(pair[1], .current, Quantity.current, number: nil, ctx: ctx, path: "\(p)[1]")
            guard hz > 0 else { throw ctx.error("\(p)[0]", "must be above zero") }
            if let last = out.last, hz <= last.hz {
                throw ctx.error("\(p)[0]", "clocks must ascend (\(Format.hertz(hz)) after \(Format.hertz(last.hz)))")
            }
            out.append(CurrentPoint(hz: hz, amps: a))
        }
        return out
    }
}
