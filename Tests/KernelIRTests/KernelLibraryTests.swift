import Foundation
import KernelIR
import Testing
import ThumbISA

/// The shipped kernel library: the embedded copy matches Kernels/, and every kernel
/// compiles for every core.
@Suite struct KernelLibraryTests {
    static let kernelsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Kernels").path

    @Test func embeddedSourcesMatchKernelsDirectory() throws {
        let onDisk = try KernelLibrary.load(directory: Self.kernelsDirectory).sources
        let embedded = KernelLibrary.bundledSources
        #expect(onDisk.map(\.name) == embedded.map(\.name), "run scripts/embed-kernels")
        for (d, e) in zip(onDisk, embedded) {
            #expect(d.text.trimmingCharacters(in: .newlines) == e.text.trimmingCharacters(in: .newlines),
                    "\(d.name) differs from its embedded copy: run scripts/embed-kernels")
        }
    }

    /// A kernel directory that is missing, or a file, is named as such.
    @Test func kernelDirectoryErrors() {
        func message(_ path: String) -> String {
            do { _ = try KernelLibrary.load(directory: path); return "loaded" } catch { return error.message }
        }
        #expect(message("/no/such/kernels") == "kernel directory /no/such/kernels does not exist")
        let file = Self.kernelsDirectory + "/" + KernelLibrary.bundledSources[0].name
        #expect(message(file) == "\(file) is a file; give the directory that holds the .kir files")
    }

    @Test(arguments: [ArchLevel.v6m, .v7m, .v7em])
    func everyKernelCompiles(arch: ArchLevel) throws {
        let lib = try KernelLibrary.bundled()
        let m = try lib.compile(for: arch)
        for k in lib.module.kernels where !k.isInline {
            #expect(m.symbol(k.name) != nil, "\(k.name) missing for \(arch)")
        }
    }

    /// The library keeps what it compiled (a deployment compiles the same set in both layout
    /// passes, a sweep once per configuration): a second request for the same architecture
    /// and kernels gets the same module, another architecture or kernel set its own.
    @Test func compiledModulesAreReusedPerArchitectureAndKernelSet() throws {
        let library = try KernelLibrary.bundled()
        let a = try library.compile(for: .v7em, kernels: ["relu_s8"])
        #expect(try library.compile(for: .v7em, kernels: ["relu_s8"]).image == a.image)
        let v6 = try library.compile(for: .v6m, kernels: ["relu_s8"])
        #expect(v6.arch == .v6m && a.arch == .v7em && v6.image != a.image)
        let two = try library.compile(for: .v7em, kernels: ["relu_s8", "softmax_s8"])
        #expect(two.symbols.map(\.name).contains("softmax_s8") && !a.symbols.map(\.name).contains("softmax_s8"))
        // A fresh library from the same sources compiles the same bytes.
        let fresh = try KernelLibrary(sources: KernelLibrary.bundledSources)
        #expect(try fresh.compile(for: .v7em, kernels: ["relu_s8"]).image == a.image)
    }

    /// A kernel called only from an `if @dsp` branch is compiled (and counted in the stack
    /// depth) only where that branch is taken: fc_rows reaches fc_rows_paired and fc_emit6
    /// on ARMv7E-M, not on ARMv6-M.
    @Test func callsInsideIfDSPCountOnlyWhereTheBranchIsTaken() throws {
        let library = try KernelLibrary.bundled()
        let v7em = try library.compile(for: .v7em, kernels: ["fc_rows"])
        let v6m = try library.compile(for: .v6m, kernels: ["fc_rows"])
        #expect(Set(["fc_rows_paired", "fc_emit6"]).isSubset(of: Set(v7em.symbols.map(\.name))))
        #expect(Set(v6m.symbols.map(\.name)).isDisjoint(with: ["fc_rows_paired", "fc_emit6"]))
    }
}
