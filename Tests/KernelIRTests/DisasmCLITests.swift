import Foundation
import Testing

/// `sersim disasm --kernel … --core …`: real invocations of the built binary.
@Suite struct DisasmCLITests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `sersim` built next to the test runner (`swift build --build-tests` builds it).
    static func sersim(_ arguments: [String]) throws -> Output {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        if dir.path.hasSuffix(".xctest/Contents/MacOS") {
            dir = dir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        let binary = dir.appendingPathComponent("sersim")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestFailure("\(binary.path) is missing (build it with `swift build --build-tests`)")
        }
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func listsABundledKernelWithItsIRLines() throws {
        let r = try Self.sersim(["disasm", "--kernel", "fully_connected_s8", "--core", "cortex-m7"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("fully_connected_s8 compiled for cortex-m7 (ARMv7E-M)"))
        #expect(r.stdout.contains(" <fully_connected_s8>:\n"))
        #expect(r.stdout.contains("; fully_connected.kir:"))
        #expect(r.stdout.contains("call fc_rows(x, out, p)"))
        #expect(r.stdout.contains("\tbl "))
    }

    @Test func listsAnEditedKernelForTheM0Plus() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-kir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("kernel scale(p: ptr<i32>, n: i32) {\n  for i in 0 ..< n {\n    v = load p[i]\n    v = mul v, 3\n    store p[i], v\n  }\n}\n".utf8)
            .write(to: dir.appendingPathComponent("mine.kir"))
        let r = try Self.sersim(["disasm", "--kernels", dir.path, "--kernel", "scale", "--core", "cortex-m0plus",
                                 "--no-show-raw-insn"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("; mine.kir:4  v = mul v, 3"))
        #expect(r.stdout.contains("muls"))
        #expect(!r.stdout.contains("ldr.w"), "ARMv6-M has no 32-bit loads")
    }

    @Test func errorsSayWhatIsWrong() throws {
        let unknown = try Self.sersim(["disasm", "--kernel", "fc", "--core", "cortex-m4"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no kernel 'fc' (similar: "))
        #expect(unknown.stderr.contains("fc_rows"))
        let noCore = try Self.sersim(["disasm", "--kernel", "relu_s8"])
        #expect(noCore.status != 0)
        #expect(noCore.stderr.contains("--kernel needs --core"))
        let badCore = try Self.sersim(["disasm", "--kernel", "relu_s8", "--core", "cortex-m9"])
        #expect(badCore.status != 0)
        #expect(badCore.stderr.contains("unknown core 'cortex-m9'"))
        // The short core names sersim-bench uses are accepted.
        let long = try Self.sersim(["disasm", "--kernel", "relu_s8", "--core", "cortex-m0plus"])
        for short in ["m0plus", "M0+"] {
            let r = try Self.sersim(["disasm", "--kernel", "relu_s8", "--core", short])
            #expect(r.status == 0, "\(short): \(r.stderr)")
            #expect(r.stdout == long.stdout)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sersim-kir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("kernel bad() {\n  x = add y, 1\n}\n".utf8).write(to: dir.appendingPathComponent("bad.kir"))
        let bad = try Self.sersim(["disasm", "--kernels", dir.path, "--kernel", "bad", "--core", "cortex-m4"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bad.kir:2:11: error: 'y' is used before it is assigned"))
    }
}
