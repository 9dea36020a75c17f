import Foundation
@testable import KernelIR
import Testing
import ThumbISA

@Suite struct ZDebug {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KIR_TRACE"] != nil))
    func trace() throws {
        let env = ProcessInfo.processInfo.environment
        let text = try String(contentsOfFile: env["KIR_TRACE"]!, encoding: .utf8)
        let arch: ArchLevel = env["KIR_ARCH"] == "v6m" ? .v6m : .v7em
        let v = try Verifier.verify(try Parser.parse(text, file: "t"))
        for k in v.module.kernels where k.name == (env["KIR_KERNEL"] ?? k.name) && !k.isInline {
            let fn = WebSplitter.split(try Lowering.lower(v, k, arch: arch, files: FileTable()))
            var names: [VReg: String] = [:]
            var ra = RegisterAllocator(arch: arch, code: fn.code, nextVReg: fn.nextVReg, kernelName: fn.name)
            ra.trace = true
            for round in 0..<6 {
                let (_, spilled) = try ra.scan()
                print(k.name, "round", round, "spilled", spilled)
                if spilled.isEmpty { break }
                ra.rewrite(spilling: spilled)
            }
            _ = names
        }
    }
}
