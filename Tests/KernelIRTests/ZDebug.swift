import Foundation
@testable import KernelIR
import Testing
import ThumbISA

@Suite struct ZDebug {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KIR_TRACE"] != nil))
    func trace() throws {
        let text = try String(contentsOfFile: ProcessInfo.processInfo.environment["KIR_TRACE"]!, encoding: .utf8)
        let v = try Verifier.verify(try Parser.parse(text, file: "t"))
        for k in v.module.kernels {
            let fn = try Lowering.lower(v, k, arch: .v6m)
            var ra = RegisterAllocator(arch: .v6m, code: fn.code, nextVReg: fn.nextVReg, kernelName: fn.name)
            for round in 0..<6 {
                let (a, spilled) = try ra.scan()
                print(k.name, "round", round, "spilled", spilled, "homes", ra.homes.sorted(), "assign homes", ra.homes.map { a[$0] ?? -1 })
                if spilled.isEmpty { break }
                ra.rewrite(spilling: spilled)
            }
        }
    }
}
