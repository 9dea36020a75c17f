import Foundation
import SerSim
import Testing

/// The bundled example (`Examples/ser/ser.q8`) on every board in `Boards/`.
///
/// Every board: the firmware is planned and built, and the plan is checked against the
/// board file (each item inside one region, no two overlapping, per-region totals) and
/// against the model's own figures. One board per core kind runs it on the emulated core
/// and its outputs must equal TensorFlow Lite Micro's for the sample
/// (`Examples/ser/expected_output.json`); the others build the same code for the same
/// architecture level, so a debug test run does not emulate them (~15 s each). Set
/// `SERSIM_ALL_BOARDS=1` to run the example on every executing board.
@Suite struct BundledExampleOnEveryBoardTests {
    /// Board files in the checkout's `Boards/`, by name.
    static let boards: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Checkout.path("Boards"))) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }()

    /// The board that runs the example for each core kind.
    static let representative: [CoreKind: String] = [
        .cortexM7: "stm32f746", .cortexM4: "nano33ble", .cortexM0plus: "nano-rp2040",
        .xtensaLX6: "esp32", .xtensaLX7: "esp32s3",
    ]

    /// int8 weights of the example (`Examples/README.md`: 125,632, counted in ser.tflite);
    /// the biases are folded into the kernels' parameter blocks.
    static let weightBytes = 125_632
    /// On ARMv7E-M the matrices are stored in the paired-row layout (docs/kernels.md), which
    /// pads each group of rows to a whole word when the depth is odd: the first LSTM's four
    /// input matrices (128 × 13) take 22 groups × 2 bytes more each.
    static let pairedRowWeightBytes = weightBytes + 4 * 22 * 2

    static func load(_ name: String) throws -> Board { try BoardLibrary.load(Checkout.path("Boards/\(name).json")) }

    @Test func everyCoreKindHasARunningBoard() throws {
        #expect(Self.boards.count >= 9, "Boards/ lists \(Self.boards)")
        for name in Self.boards {
            let kind = try Self.load(name).core.kind
            if kind.executes {
                #expect(Self.representative[kind] != nil,
                        "\(name): no board runs the example for \(kind.rawValue); add one to `representative`")
            }
        }
        for (kind, name) in Self.representative {
            #expect(try Self.load(name).core.kind == kind)
        }
    }

    /// The plan of every board: placement inside the board's regions, and the fit verdict
    /// with the numbers that make it.
    @Test(arguments: boards) func planIsConsistentWithTheBoard(_ name: String) throws {
        let board = try Self.load(name)
        let deployment = try Deployment(model: Checkout.path(Checkout.serModel), board: Checkout.path("Boards/\(name).json"))
        let fw = try deployment.build()
        let plan = fw.plan

        #expect(plan.item("weights")?.bytes == (fw.arch == .v7em ? Self.pairedRowWeightBytes : Self.weightBytes))
        for region in plan.regions {
            let spec = try #require(board.memory.first { $0.name == region.name })
            #expect(region.size == Int(spec.size) && region.base == spec.base, "\(name) \(region.name)")
            let inside = plan.placed.filter { $0.region == region.name }
            #expect(Set(inside.map(\.name)) == Set(region.items), "\(name) \(region.name)")
            // Used = the items plus alignment padding (less than an item's alignment each).
            let itemBytes = inside.reduce(0) { $0 + $1.bytes }
            #expect(region.used >= itemBytes && region.used - itemBytes < 128 * max(1, inside.count), "\(name) \(region.name)")
        }
        // Every placed item lies inside its region; none overlaps another in the same region
        // (AVR's flash and SRAM are separate address spaces, both starting near 0).
        let placed = plan.placed.filter { $0.region != nil }
        for p in placed {
            let r = try #require(board.memory.first { $0.name == p.region }), a = try #require(p.address)
            #expect(UInt64(a) >= UInt64(r.base) && UInt64(a) + UInt64(p.bytes) <= UInt64(r.base) + UInt64(r.size),
                    "\(name): \(p.name) at 0x\(String(a, radix: 16)) (\(p.bytes) B) is outside \(r.name)")
        }
        for (i, p) in placed.enumerated() {
            for q in placed[(i + 1)...] where p.region == q.region && p.bytes > 0 && q.bytes > 0 {
                let (a, b) = (UInt64(p.address!), UInt64(q.address!))
                #expect(a + UInt64(p.bytes) <= b || b + UInt64(q.bytes) <= a, "\(name): \(p.name) overlaps \(q.name)")
            }
        }
        // The deployment's own placement rules (docs/deployment.md).
        if board.core.kind.executes {
            #expect(plan.fits, "\(name): \(plan.overflows.map(\.message))")
            #expect(fw.image != nil)
            let stackRegion = try #require(plan.item("stack")?.region)
            if board.memory.contains(where: { $0.kind == .dtcm }) {
                #expect(board.memory.first { $0.name == stackRegion }?.kind == .dtcm,
                        "\(name): the stack should be in DTCM")
                #expect(plan.item("tensor arena")?.region == stackRegion)
            }
            let weightsRegion = try #require(plan.item("weights")?.region)
            #expect(board.memory.first { $0.name == weightsRegion }.map { !$0.writable } == true,
                    "\(name): weights belong in flash")
        } else {
            #expect(!plan.fits)
            #expect(fw.image == nil)
        }
    }

    /// The ATmega328P (`nano`): 32 KB flash, 2 KB SRAM (datasheet, p.1 Features). The
    /// example does not fit; sersim says by how much, does not run it, and exits 2.
    @Test func nanoIsReportedAsNotFittingWithTheRightNumbers() async throws {
        let (cli, decoded) = try await SharedRuns.shared.cliReport(board: "nano")
        #expect(cli.status == 2, "\(cli.stderr)")
        let report = try #require(decoded, "not a report: \(cli.stdout)")
        #expect(!report.fits && !report.memory.fits && !report.executed)
        #expect(report.cycles == 0 && report.outputs.isEmpty)
        #expect(report.notExecutedReason?.contains("memory-fit verdict only") == true)
        #expect(report.estimate)

        let flash = try #require(report.memory.region("FLASH")), sram = try #require(report.memory.region("SRAM"))
        #expect(flash.size == 32 * 1024 && sram.size == 2 * 1024)
        let weights = try #require(report.memory.overflows.first { $0.item == "weights" })
        #expect(weights.memory == "flash" && weights.bytes == Self.weightBytes)
        // The room the weights would have: what the rest leaves of the 32 KB, less the
        // weights' 16-byte alignment.
        let left = flash.size - flash.used
        #expect(weights.largestAvailable <= left && weights.largestAvailable > left - 16)
        #expect(weights.overBy == Self.weightBytes - weights.largestAvailable)
        #expect(weights.message.contains("over by \(Format.bytes(UInt64(weights.overBy)))"))
        let arena = try #require(report.memory.overflows.first { $0.item == "tensor arena" })
        #expect(arena.memory == "RAM" && arena.bytes > sram.size)

        let flashShort = try #require(report.memory.shortfalls.first { $0.memory == "flash" })
        #expect(flashShort.available == 32 * 1024)
        #expect(flashShort.needed == flash.used + Self.weightBytes)
        #expect(flashShort.overBy == flashShort.needed - 32 * 1024)
        let ramShort = try #require(report.memory.shortfalls.first { $0.memory == "RAM" })
        let ramOverflowBytes = report.memory.overflows.filter { $0.memory == "RAM" }.reduce(0) { $0 + $1.bytes }
        #expect(ramShort.available == 2 * 1024 && ramShort.needed == sram.used + ramOverflowBytes)
        #expect(report.suggestions.contains { $0.hasPrefix("boards where it fits: ") && $0.contains("nano33ble") })
    }

    /// Outputs, verification and the arithmetic of the report, for the board running each
    /// core kind (more with SERSIM_ALL_BOARDS=1).
    static let runningBoards: [String] = {
        guard ProcessInfo.processInfo.environment["SERSIM_ALL_BOARDS"] == "1" else {
            return representative.values.sorted()
        }
        return boards.filter { (try? load($0).core.kind.executes) == true }
    }()

    @Test(arguments: runningBoards) func runsBitExact(_ name: String) async throws {
        let board = try Self.load(name)
        let report: DeploymentReport
        if name == "stm32f746" {
            // The command line's JSON run, shared with the golden test.
            let (cli, decoded) = try await SharedRuns.shared.cliReport(board: name)
            #expect(cli.status == 0, "\(cli.stderr)")
            report = try #require(decoded)
        } else {
            report = try await SharedRuns.shared.report(board: name)
        }
        let tflm = try TFLMReference.serOutputs()
        #expect(report.executed && report.fits)
        #expect(report.verified == true)
        #expect(report.outputs.map(\.values) == tflm.outputs, "\(name)")
        #expect(report.outputs.first?.label == tflm.labels[0])
        #expect(report.board.name == name && report.board.clockHz == board.clock.defaultHz)
        // Cycles: the layers plus start-up make up the inference; latency at the clock.
        let layerCycles = report.layers.reduce(UInt64(0)) { $0 + $1.cycles }
        #expect(report.startupCycles > 0 && report.cycles >= layerCycles + report.startupCycles)
        // The exit sequence after the last layer: a few instructions, from cold code (on the
        // RP2040 a few 40-cycle XIP fills, one per 4 bytes).
        #expect(report.cycles - layerCycles - report.startupCycles < 64 + 4 * UInt64(board.memorySystem.xipMissCycles),
                "cycles after the last layer (exit sequence)")
        #expect(abs(report.latencySeconds - Double(report.cycles) / board.clock.defaultHz) < 1e-12)
        #expect(report.layers.map(\.op) == ["lstm", "lstm", "strided_slice", "fully_connected", "fully_connected", "softmax"])
        // 47 steps × 4 gates × units × (inputs + units); then 64×64 and 3×64.
        #expect(report.layers.map(\.macs) == [47 * 4 * 128 * (13 + 128), 47 * 4 * 64 * (128 + 64), 0, 64 * 64, 3 * 64, 0])
        if board.core.kind.isApproximate {
            #expect(report.estimate && report.estimateReasons.contains { $0.contains(board.core.kind.displayName) })
        }
        #expect(report.estimate == !report.estimateReasons.isEmpty)
        if board.power == nil {
            // No cited power data in the board file: no energy figure, and the report says why.
            #expect(report.energyJoules == nil && report.averagePowerWatts == nil)
            #expect(report.energyUnavailableReason?.contains("no cited power data") == true)
        } else if let e = report.energyJoules, let w = report.averagePowerWatts {
            #expect(abs(e - w * report.latencySeconds) <= 1e-9 * max(1, e) + 1e-12)
        } else {
            Issue.record("\(name): no energy figure (\(report.energyUnavailableReason ?? ""))")
        }
    }
}
