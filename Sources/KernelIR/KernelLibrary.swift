import Foundation
import Synchronization
import ThumbISA

/// A set of kernel IR files parsed and verified together: sersim's own `Kernels/`
/// (bundled into the binary) or a directory of edited kernels.
public struct KernelLibrary: Sendable {
    public let sources: [(name: String, text: String)]
    public let verified: VerifiedModule
    /// Compiled modules by architecture and kernel set: compiling is deterministic, and a
    /// deployment compiles the same set in both of its layout passes, a sweep once per
    /// configuration.
    private let compiled = CompileCache()

    public init(sources: [(name: String, text: String)]) throws(KernelIRError) {
        var module = Module()
        for (name, text) in sources { module.append(try Parser.parse(text, file: name)) }
        self.sources = sources
        self.verified = try Verifier.verify(module)
    }

    /// The kernels shipped with sersim (Kernels/*.kir, embedded when built), parsed and
    /// verified once per process.
    public static func bundled() throws(KernelIRError) -> KernelLibrary {
        try bundledOnce.get()
    }

    private static let bundledOnce = Result { () throws(KernelIRError) in try KernelLibrary(sources: bundledSources) }

    /// Every `.kir` file of a directory — for trying edited kernels.
    public static func load(directory: String) throws(KernelIRError) -> KernelLibrary {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw KernelIRError("kernel directory \(directory) does not exist")
        }
        guard isDirectory.boolValue else {
            throw KernelIRError("\(directory) is a file; give the directory that holds the .kir files")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".kir") }.sorted()
        } catch {
            throw KernelIRError("cannot read kernel directory \(directory): \(error.localizedDescription)")
        }
        guard !names.isEmpty else { throw KernelIRError("no .kir files in \(directory)") }
        var sources: [(String, String)] = []
        for n in names {
            let path = url.appendingPathComponent(n).path
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw KernelIRError("cannot read \(path) as UTF-8 text")
            }
            sources.append((n, text))
        }
        return try KernelLibrary(sources: sources)
    }

    public var module: Module { verified.module }

    /// Compile `kernels` (all when nil) and what they call for a core architecture.
    public func compile(for arch: ArchLevel, kernels: [String]? = nil) throws(KernelIRError) -> CompiledModule {
        let key = CompileCache.Key(arch: arch, kernels: kernels)
        if let hit = compiled.modules.withLock({ $0[key] }) { return hit }
        var texts: [String: String] = [:]
        for (n, t) in sources { texts[n] = t }
        let module = try KernelCompiler.compile(verified, arch: arch, roots: kernels, sources: texts)
        compiled.modules.withLock { $0[key] = module }
        return module
    }

    public func compile(for core: KernelCore, kernels: [String]? = nil) throws(KernelIRError) -> CompiledModule {
        try compile(for: core.arch, kernels: kernels)
    }
}

/// KernelLibrary's compiled modules, shared by its copies and by the threads of a sweep.
final class CompileCache: Sendable {
    struct Key: Hashable {
        var arch: ArchLevel
        var kernels: [String]?
    }

    let modules = Mutex<[Key: CompiledModule]>([:])
}
