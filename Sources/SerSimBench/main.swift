// sersim-bench: how fast the emulator runs firmware, in simulated instructions per host
// second. Run it from a release build:
//
//     swift run -c release sersim-bench [--repeat N] [--timing MODEL] [--only m4,m7,m0plus,ser-m7,...] [--stats]
//
// Two workloads, each on the Cortex-M4, M7 and M0+ boards, with the placeholder timing
// model (the interpreter's own speed) and with the board core's timing model (unless
// --timing picks one):
// - m4, m7, m0plus: the MAC-heavy benchmark firmware (scripts/firmware/src/benchmac.c,
//   built by scripts/firmware/build.py: 15000 iterations of a 32x256 int8 fully-connected
//   layer); each run must print what QEMU printed for the same ELF.
// - ser-m4, ser-m7, ser-m0p: the firmware `sersim run` builds for the example SER model
//   (Examples/ser/ser.q8), run as `sersim run` runs it (per-layer probes, no function
//   profile); the deployment checks the outputs against the reference executor once, and
//   every timed run must give those outputs and that instruction count. This is the
//   emulation part of `sersim run --board stm32f746 Examples/ser/ser.q8` (issue 7).
// It reports the rate of every run with the median and spread. The CPU is shared:
// benchmark when the machine is quiet and repeat.

import BoardProfiles
import CortexM
import CycleTiming
import Deployment
import ELFFile
import Foundation

struct Case {
    var name: String
    var board: String
    var elf: String
}

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = root.appendingPathComponent("Tests/CortexMTests/Fixtures/firmware")
let cases = [
    Case(name: "m4", board: "nano33ble", elf: "benchmac-long-m4-O2-nrf52840.elf"),
    Case(name: "m7", board: "stm32f746", elf: "benchmac-long-m7-O2-stm32f746.elf"),
    Case(name: "m0plus", board: "nano-rp2040", elf: "benchmac-long-m0plus-O2-rp2040.elf"),
]

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("sersim-bench: \(message)\n".utf8))
    exit(1)
}

var repeats = 5
var timing: TimingModelKind? = nil
var only: Set<String>? = nil
var printStatistics = false
var engine = MachineOptions().engine
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--repeat":
        guard let v = args.popFirst().flatMap(Int.init), v > 0 else { fail("--repeat needs a positive number") }
        repeats = v
    case "--timing":
        guard let v = args.popFirst().flatMap(TimingModelKind.init(rawValue:)) else {
            fail("--timing needs one of \(TimingModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        timing = v
    case "--only":
        guard let v = args.popFirst() else { fail("--only needs a list such as m4,m7") }
        only = Set(v.split(separator: ",").map(String.init))
    case "--stats":
        printStatistics = true
    case "--check-engines":
        checkEngines()
    case "--engine":
        guard let v = args.popFirst().flatMap(ExecutionEngine.init(rawValue:)) else {
            fail("--engine needs one of \(ExecutionEngine.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        engine = v
        setenv("SERSIM_ENGINE", v.rawValue, 1)  // the SER runs' machines (ModelRunner) read it
    case "-h", "--help":
        print("usage: sersim-bench [--repeat N] [--timing MODEL] [--engine interpret|translate] [--only m4,m7,m0plus,ser-m4,ser-m7,ser-m0p] [--stats]")
        print("  --stats  after each run, print the timing model's statistics and the function profile")
        print("           (to check that a change to the emulator leaves every simulated figure alone)")
        exit(0)
    default:
        fail("unknown argument \(a)")
    }
}

/// QEMU's output for an ELF, from the fixture manifest.
func expectedOutput(_ elf: String) -> String? {
    guard let data = try? Data(contentsOf: fixtures.appendingPathComponent("manifest.json")),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let list = object["fixtures"] as? [[String: Any]] else { return nil }
    let entry = list.first { $0["elf"] as? String == elf }
    let qemu = entry?["qemu"] as? [String: Any]
    if let out = qemu?["output"] as? String { return out }
    if let from = entry?["expectedFrom"] as? String { return expectedOutput(from) }
    return nil
}

/// `--check-engines`: every firmware fixture on its board (and every long one with a
/// cycle limit), with the placeholder model, the core's own and the Cortex-M4's, run by
/// both engines; any difference in the final state, output or statistics is printed.
func checkEngines() -> Never {
    guard let data = try? Data(contentsOf: fixtures.appendingPathComponent("manifest.json")),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let list = object["fixtures"] as? [[String: Any]] else { fail("no fixture manifest") }
    var compared = 0, differ = 0
    for f in list {
        guard let elf = f["elf"] as? String, let boardName = f["board"] as? String,
              let board = try? BoardLibrary.load(boardName),
              let image = try? ELFReader.read(path: fixtures.appendingPathComponent(elf).path) else { continue }
        var models: [TimingModelKind] = [.placeholder]
        for k in [TimingModelKind.forCore(board.core.kind), .cortexM4] where !models.contains(k) { models.append(k) }
        for model in models {
            var results: [String] = []
            for engine in ExecutionEngine.allCases {
                var options = MachineOptions(timing: model)
                options.engine = engine
                options.translateAfter = 0  // every block translated at once: the translator is what is compared
                var text = ""
                do {
                    let m = try Machine(board: board, options: options)
                    try m.load(image)
                    do { text = "\(try m.run(maxCycles: f["long"] as? Bool == true ? 30_000_000 : 300_000_000))" } catch { text = "\(error)" }
                    text += " regs " + (0..<16).map { String(m.register($0), radix: 16) }.joined(separator: " ")
                    text += " xpsr \(String(m.xpsr, radix: 16)) cycles \(m.cycles) instructions \(m.instructions)\n"
                    text += String(decoding: m.semihosting.stdout, as: UTF8.self)
                    text += "\n\(m.timer.statistics)\n\(m.functionProfile.map { "\($0.name)=\($0.cycles)" })"
                } catch {
                    text = "\(error)"
                }
                results.append(text)
            }
            compared += 1
            if results[0] != results[1] {
                differ += 1
                print("DIFFERENT: \(elf) \(model.rawValue)\n  interpret: \(results[0])\n  translate: \(results[1])")
            }
        }
    }
    print("check-engines: \(compared) runs compared, \(differ) differ")
    exit(differ == 0 ? 0 : 1)
}

#if DEBUG
print("note: this is a debug build; benchmark with `swift run -c release sersim-bench`")
#endif
print("sersim-bench: \(repeats) runs each (engine: \(engine.rawValue)); rates in million simulated instructions per host second")
for c in cases where only?.contains(c.name) ?? true {
    let board: Board
    let image: FirmwareImage
    do {
        board = try BoardLibrary.load(c.board)
        image = try ELFReader.read(path: fixtures.appendingPathComponent(c.elf).path)
    } catch {
        fail("\(c.elf): \(error) (build the fixtures with scripts/firmware/build.py)")
    }
    let expected = expectedOutput(c.elf)
    let models = timing.map { [$0] } ?? [.placeholder, TimingModelKind.forCore(board.core.kind)]
    for model in models {
    var rates: [Double] = []
    var instructions: UInt64 = 0
    var cycles: UInt64 = 0
    for _ in 0..<repeats {
        do {
            var options = MachineOptions(timing: model)
            options.engine = engine
            let m = try Machine(board: board, options: options)
            try m.load(image)
            let start = DispatchTime.now().uptimeNanoseconds
            let stop = try m.run(maxCycles: 100_000_000_000)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let output = String(decoding: m.semihosting.stdout, as: UTF8.self)
            guard stop == .exited(code: 0), expected == nil || output == expected else {
                fail("\(c.elf): stopped with \(stop), printed \(output.debugDescription), QEMU printed \(expected?.debugDescription ?? "?")")
            }
            instructions = m.instructions
            cycles = m.cycles
            rates.append(Double(m.instructions) / seconds / 1e6)
            if printStatistics {
                print("  statistics: \(m.timer.statistics)")
                print("  profile: \(m.functionProfile.map { "\($0.name)=\($0.cycles)" }.joined(separator: " "))")
            }
        } catch {
            fail("\(c.elf): \(error)")
        }
    }
    let sorted = rates.sorted()
    let median = sorted[sorted.count / 2]
    print(String(format: "%-7@ %-12@ %-14@ %11llu instr %11llu cycles  median %6.1f  min %6.1f  max %6.1f  runs: %@",
                 c.name, c.board, model.rawValue, instructions, cycles, median, sorted.first ?? 0, sorted.last ?? 0,
                 rates.map { String(format: "%.1f", $0) }.joined(separator: " ")))
    }
    if expected == nil { print("        (no QEMU output recorded for \(c.elf): result not checked)") }
}

// The example SER model's firmware, as `sersim run` builds and runs it.
let serModel = root.appendingPathComponent("Examples/ser/ser.q8").path
for (name, boardName) in [("ser-m4", "nano33ble"), ("ser-m7", "stm32f746"), ("ser-m0p", "nano-rp2040")]
    where only?.contains(name) ?? true {
    let board: Board
    do { board = try BoardLibrary.load(boardName) } catch { fail("\(boardName): \(error)") }
    let models = timing.map { [$0] } ?? [.placeholder, TimingModelKind.forCore(board.core.kind)]
    for model in models {
        var rates: [Double] = []
        var instructions: UInt64 = 0
        var cycles: UInt64 = 0
        do {
            let deployment = try Deployment(model: serModel, board: boardName, options: DeploymentOptions(timing: model))
            let firmware = try deployment.build()
            // Once through the whole deployment: it throws unless the outputs equal the
            // reference executor's byte for byte.
            let report = try deployment.run(firmware)
            guard report.verified == true else { fail("\(name): the outputs were not verified") }
            let metadata = FirmwareMetadata(firmware: firmware, modelPath: serModel)
            // The example model's outputs are int8.
            let verifiedOutputs = report.outputs.map(\.values)
            for _ in 0..<repeats {
                let m = try ModelRunner(timing: model).run(firmware, metadata: metadata)
                let outputs = m.outputs.map { $0.map { Int(Int8(bitPattern: $0)) } }
                guard outputs == verifiedOutputs, m.instructions == report.instructions else {
                    fail("\(name): \(m.instructions) instructions and outputs \(outputs); the verified run: "
                         + "\(report.instructions) and \(verifiedOutputs)")
                }
                instructions = m.instructions
                cycles = m.cycles
                rates.append(Double(m.instructions) / m.hostSeconds / 1e6)
                if printStatistics { print("  statistics: \(m.statistics)") }
            }
        } catch {
            fail("\(name): \(error)")
        }
        let sorted = rates.sorted()
        print(String(format: "%-7@ %-12@ %-14@ %11llu instr %11llu cycles  median %6.1f  min %6.1f  max %6.1f  runs: %@",
                     name, boardName, model.rawValue, instructions, cycles, sorted[sorted.count / 2], sorted.first ?? 0,
                     sorted.last ?? 0, rates.map { String(format: "%.1f", $0) }.joined(separator: " ")))
    }
}
