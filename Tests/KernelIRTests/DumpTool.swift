import Foundation
import KernelIR
import Testing
import ThumbISA

/// Developer aid, off by default: KIR_DUMP=<file.kir> KIR_ARCH=v6m|v7em writes the
/// compiled image to /tmp/kir-dump.bin (inspect with arm-none-eabi-objdump).
@Suite struct DumpTool {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KIR_DUMP"] != nil))
    func dump() throws {
        let env = ProcessInfo.processInfo.environment
        let path = env["KIR_DUMP"]!
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let arch: ArchLevel = env["KIR_ARCH"] == "v6m" ? .v6m : .v7em
        let m = try KernelCompiler.compile(try Verifier.verify(try Parser.parse(text, file: path)), arch: arch)
        try Data(m.image).write(to: URL(fileURLWithPath: "/tmp/kir-dump.bin"))
        var syms = ""
        for s in m.symbols { syms += "\(s.name) 0x\(String(s.offset, radix: 16)) \(s.size) frame=\(m.frames[s.name].map { "\($0)" } ?? "")\n" }
        try syms.write(toFile: "/tmp/kir-dump.syms", atomically: true, encoding: .utf8)
    }
}
