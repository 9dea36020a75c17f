import Foundation
import SerSim
import Testing

/// The firmware sersim emits (`--emit-elf`, `Deployment.writeELF`) is a real ELF:
/// `sersim run --board B fw.elf` reports the same cycles, layers and outputs as the model
/// run (start-up counted in both), and GNU binutils read it (skipped when
/// `arm-none-eabi-objdump` is not installed; CI installs it through scripts/ensure-deps).
@Suite struct ELFRoundTripTests {
    /// The STM32F746 firmware, written once per test process (what `--emit-elf` writes:
    /// RunCommand calls `writeELF` with the same deployment).
    static let elf = Task<String, any Error>.detached {
        let path = Checkout.scratch.appendingPathComponent("ser-stm32f746.elf").path
        try Deployment(model: Checkout.path(Checkout.serModel), board: "stm32f746").writeELF(to: path)
        return path
    }

    static let objdump = Tool.which("arm-none-eabi-objdump")

    @Test func elfRunsToTheSameReport() async throws {
        let path = try await Self.elf.value
        let (modelRun, decoded) = try await SharedRuns.shared.cliReport(board: "stm32f746")
        let model = try #require(decoded, "\(modelRun.stderr)")
        let r = try await SharedRuns.shared.cli(["run", "--board", "stm32f746", path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let elf = try ReportJSON.decode(r.stdout)
        #expect(elf.executed && elf.verified == true)
        #expect(elf.cycles == model.cycles && elf.instructions == model.instructions)
        #expect(elf.startupCycles == model.startupCycles && elf.startupCycles > 0)
        #expect(elf.layers.map(\.cycles) == model.layers.map(\.cycles))
        #expect(elf.layers.map(\.name) == model.layers.map(\.name))
        #expect(elf.outputs.map(\.values) == model.outputs.map(\.values))
        #expect(elf.memory == model.memory)
        #expect(elf.energyJoules == model.energyJoules)
    }

    @Test(.enabled(if: objdump != nil, "arm-none-eabi-objdump is not installed (scripts/ensure-deps test installs it)"))
    func objdumpDisassemblesIt() async throws {
        let path = try await Self.elf.value
        let r = try Tool.run(try #require(Self.objdump), ["-d", path])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout.contains("file format elf32-littlearm"))
        // The schedule, and the kernels as functions, with their tables as data words.
        for symbol in ["__sersim_layer_0", "__sersim_done", "lstm_s8", "fc_rows"] {
            #expect(r.stdout.contains("<\(symbol)>:"), "objdump does not list \(symbol)")
        }
        #expect(r.stdout.contains(".word"))
        // Nothing objdump cannot decode: every instruction sersim emitted is a valid
        // Thumb encoding for the Cortex-M7 (ARMv7E-M).
        let bad = r.stdout.split(separator: "\n").filter { $0.contains("(bad)") || $0.contains("UNDEFINED") }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }

    @Test(.enabled(if: Tool.which("arm-none-eabi-size") != nil, "arm-none-eabi-size is not installed"))
    func sizeAgreesWithThePlan() async throws {
        let path = try await Self.elf.value
        let r = try Tool.run(try #require(Tool.which("arm-none-eabi-size")), [path])
        #expect(r.status == 0, "\(r.stderr)")
        // "   text	   data	    bss	    dec	    hex	filename"
        let fields = try #require(r.stdout.split(separator: "\n").dropFirst().first).split(whereSeparator: \.isWhitespace)
        let text = try #require(Int(fields[0])), bss = try #require(Int(fields[2]))
        let plan = try Deployment(model: Checkout.path(Checkout.serModel), board: "stm32f746").build().plan
        // Every flash item but the runtime reservation, each section padded to 4 bytes.
        let flashItems = plan.placed.filter { $0.region == "FLASH" && $0.kind != .runtime }
            .reduce(0) { $0 + ($1.bytes + 3) / 4 * 4 }
        #expect(text == flashItems, "text \(text) B, flash items of the plan \(flashItems) B")
        let ramItems = plan.placed.filter { ["tensor arena", "LSTM state", "stack"].contains($0.name) }.reduce(0) { $0 + $1.bytes }
        #expect(bss == ramItems, "bss \(bss) B, arena + state + stack \(ramItems) B")
    }

    /// `--emit-elf` for a model that does not fit: the fit report, exit 2, no file.
    @Test func emitForABoardWhereItDoesNotFit() async throws {
        let path = Checkout.scratch.appendingPathComponent("nano.elf").path
        let r = try await SharedRuns.shared.cli(["run", "--board", "nano", Checkout.serModel, "--emit-elf", path])
        #expect(r.status == 2)
        #expect(r.stdout.contains("does not fit") && r.stdout.contains("weights"))
        #expect(r.stderr.contains("no firmware written to \(path): the model does not fit"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

/// `sersim run --help` reads well: every option explained, the exit statuses, and
/// examples that work (boards that exist, clocks in range), none broken across lines.
@Suite struct RunHelpTests {
    @Test func helpReadsWell() async throws {
        let r = try await SharedRuns.shared.cli(["run", "--help"])
        #expect(r.status == 0)
        let help = r.stdout
        for option in ["--board", "--input", "--clock", "--period", "--battery", "--weights", "--emit-elf", "--html",
                       "--json", "--no-verify", "--max-cycles", "--kernels"] {
            #expect(help.contains("  \(option)"), "\(option) is not described")
        }
        #expect(help.contains("docs/report-schema.md"))
        for status in ["0 success", "1 bad input", "2 the model does not fit", "3 the outputs differ", "70"] {
            #expect(help.contains(status), "exit status '\(status)' not explained")
        }
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.allSatisfy { $0.count <= 80 })
        let start = try #require(lines.firstIndex(of: "Examples:"))
        let examples = lines[(start + 1)...].prefix { !$0.isEmpty }
        #expect(examples.count >= 4)
        for line in examples {
            #expect(line.hasPrefix("  sersim run "), "an example wrapped across lines: '\(line)'")
            let words = line.split(separator: " ").map(String.init)
            let board = try #require(words.firstIndex(of: "--board").map { words[$0 + 1] })
            let b = try BoardLibrary.load(board)
            if let i = words.firstIndex(of: "--clock") {
                let hz = try #require(Quantity.frequency(words[i + 1]))
                #expect(hz >= b.clock.minHz && hz <= b.clock.maxHz, "\(line): \(board) does not run at \(words[i + 1])")
            }
        }
    }
}
