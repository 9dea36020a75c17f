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

    @Test(arguments: [ArchLevel.v6m, .v7m, .v7em])
    func everyKernelCompiles(arch: ArchLevel) throws {
        let lib = try KernelLibrary.bundled()
        let m = try lib.compile(for: arch)
        for k in lib.module.kernels where !k.isInline {
            #expect(m.symbol(k.name) != nil, "\(k.name) missing for \(arch)")
        }
    }
}
