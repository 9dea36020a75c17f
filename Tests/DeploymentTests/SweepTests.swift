import Foundation
import QuantModel
import Testing
@testable import Deployment

@Suite struct SweepRangeTests {
    @Test func valuesListsAndRanges() throws {
        #expect(try SweepRange.frequencies("64MHz", option: "--clock") == [64e6])
        #expect(try SweepRange.frequencies("16MHz,32MHz", option: "--clock") == [16e6, 32e6])
        #expect(try SweepRange.frequencies("16MHz...64MHz", option: "--clock") == [16e6, 28e6, 40e6, 52e6, 64e6])
        #expect(try SweepRange.frequencies("16MHz...64MHz/3", option: "--clock") == [16e6, 40e6, 64e6])
        #expect(try SweepRange.frequencies("16MHz...64MHz+16MHz", option: "--clock") == [16e6, 32e6, 48e6, 64e6])
        #expect(try SweepRange.counts("32...256*2", option: "--hidden") == [32, 64, 128, 256])
        #expect(try SweepRange.counts("10...20+4", option: "--hidden") == [10, 14, 18])
        #expect(try SweepRange.counts("8,8,16", option: "--hidden") == [8, 16])
    }

    @Test func badRangesNameTheOptionAndTheText() {
        for (text, reason) in [("64MHz...16MHz", "start is above the end"), ("16MHz..64MHz", "three dots"),
                               ("fast", "not a frequency"), ("16MHz...64MHz/1", "N ≥ 2"), ("", "empty"),
                               ("16MHz,,32MHz", "empty item"), ("1Hz...1GHz+1Hz", "more than"),
                               ("16...64", "'16' has no unit: write 16MHz"), ("16MHz,64", "'64' has no unit")] {
            do {
                _ = try SweepRange.frequencies(text, option: "--clock")
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.option == "--clock")
                #expect(error.description.hasPrefix("--clock \(text):"))
                #expect(error.reason.contains(reason), "\(text): \(error.reason)")
            }
        }
        #expect(throws: SweepRangeError.self) { try SweepRange.counts("0...8", option: "--hidden") }
        #expect(throws: SweepRangeError.self) { try SweepRange.counts("8...64*1", option: "--hidden") }
        #expect(throws: SweepRangeError.self) { try SweepRange.counts("2.5", option: "--steps") }
    }

    @Test func planOrderIsBoardsOutermost() {
        let plan = SweepPlan(boards: ["a", "b"], clocksHz: [1, 2], hiddenSizes: [8], weightsInRAM: [false, true])
        #expect(plan.count == 8)
        let c = plan.configurations
        #expect(c.count == 8)
        #expect(c[0] == SweepConfiguration(board: "a", clockHz: 1, hiddenSize: 8, weightsInRAM: false))
        #expect(c[1] == SweepConfiguration(board: "a", clockHz: 1, hiddenSize: 8, weightsInRAM: true))
        #expect(c[7] == SweepConfiguration(board: "b", clockHz: 2, hiddenSize: 8, weightsInRAM: true))
    }
}

@Suite struct SweepTests {
    /// Hidden sizes on two boards: the AVR board gets a fit verdict (and runs out of RAM at
    /// the larger size); the M4 runs every configuration, bit-exact, cost growing with size.
    @Test func sweepOverHiddenSizesAndBoards() throws {
        let model = try TradeoffFixtures.classifier()
        let boards = [try BoardLibrary.load("nano33ble"), try BoardLibrary.load("nano")]
        let plan = SweepPlan(boards: ["nano33ble", "nano"], hiddenSizes: [8, 48])
        let lines = ProgressLines()
        let result = try Sweep(model: model, modelPath: nil, boards: boards, plan: plan).run { lines.add($0.line()) }
        #expect(result.points.count == 4)
        #expect(lines.all.count == 4)
        #expect(lines.all.allSatisfy { $0.hasPrefix("[") })
        let m4 = result.points.filter { $0.board == "nano33ble" }
        #expect(m4.map(\.layerSizes) == [[8, 4, 4], [48, 24, 24]])
        #expect(m4.allSatisfy { $0.executed && $0.verified == true && $0.syntheticWeights })
        #expect((m4[1].cycles ?? 0) > 4 * (m4[0].cycles ?? 0))
        #expect((m4[1].energyJoules ?? 0) > (m4[0].energyJoules ?? 0))
        let avr = result.points.filter { $0.board == "nano" }
        #expect(avr.allSatisfy { !$0.executed && $0.cycles == nil })
        #expect(avr[0].fits)
        #expect(!avr[1].fits)
        #expect(avr[1].ramUsed > avr[1].ramSize)
        #expect(avr[1].overflows.contains { $0.contains("RAM") })
        #expect(result.notes.contains { $0.contains("SYNTHETIC") })

        let text = result.text()
        #expect(text.contains("nano33ble"))
        #expect(text.contains("48-24-24"))
        #expect(text.contains("NO"))
        let csv = result.csv().split(separator: "\n")
        #expect(csv.count == 5)
        #expect(csv[0].hasPrefix("board,core,clock_hz,model,hidden_size"))
        let decoded = try JSONDecoder().decode(SweepResult.self, from: Data(result.jsonText().utf8))
        #expect(decoded.schema == "sersim-sweep/1")
        #expect(decoded.points.count == 4)
        let svg = result.svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("fit boundary"))
        #expect(svg.contains("stroke=\"#d62728\" stroke-width=\"2\""))  // the non-fitting point
    }

    @Test func manyConfigurationsThatDoNotFitAreSummarisedPerBoard() throws {
        let model = try TradeoffFixtures.classifier()
        let plan = SweepPlan(boards: ["nano"], hiddenSizes: [48, 64, 80, 96])
        let result = try Sweep(model: model, modelPath: nil, boards: [try BoardLibrary.load("nano")], plan: plan).run()
        #expect(result.points.allSatisfy { !$0.fits })
        let lines = result.text().split(separator: "\n").filter { $0.hasPrefix("✗") }
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("✗ nano: 4 of 4 configurations do not fit; the smallest, nano @ 16 MHz, hidden 48-24-24") == true)
    }

    /// A period shorter than the inference: energy per inference, but no average power, and why.
    @Test func aPeriodShorterThanTheInferenceIsExplained() throws {
        let model = try TradeoffFixtures.classifier()
        var options = DeploymentOptions()
        options.dutyCycle = DutyCycle(period: 0.001)
        let plan = SweepPlan(boards: ["stm32l476"], clocksHz: [16e6])
        let result = try Sweep(model: model, modelPath: nil, boards: [try BoardLibrary.load("stm32l476")], plan: plan,
                               options: options).run()
        let p = try #require(result.points.first)
        #expect(p.energyJoules != nil)
        #expect(p.dutyCycleAverageWatts == nil)
        #expect(result.text().contains("no average power: the period 1 ms is shorter than one inference"))
    }

    @Test func modelAndBoardsByName() throws {
        let result = try Sweep(model: TradeoffFixtures.path("lstm_classifier"),
                               plan: SweepPlan(boards: ["nano"], sequenceLengths: [4, 8])).run()
        #expect(result.modelPath == TradeoffFixtures.path("lstm_classifier"))
        #expect(result.points.map(\.sequenceLength) == [4, 8])
        #expect(result.points.allSatisfy { !$0.syntheticWeights })
        #expect(throws: (any Error).self) { try Sweep(model: "/nonexistent.q8", plan: SweepPlan(boards: ["nano"])) }
    }

    @Test func clocksOutsideABoardsRangeAreRefusedBeforeRunning() throws {
        let model = try TradeoffFixtures.classifier()
        let board = try BoardLibrary.load("nano33ble")
        do {
            _ = try Sweep(model: model, modelPath: nil, boards: [board], plan: SweepPlan(boards: ["nano33ble"], clocksHz: [16e6]))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("nano33ble runs at 64 MHz only, not 16 MHz"))
        }
        let fc = try ModelLoader.load(TradeoffFixtures.path("fc_only"))
        #expect(throws: SweepError.self) {
            try Sweep(model: fc, modelPath: nil, boards: [board], plan: SweepPlan(boards: ["nano33ble"], sequenceLengths: [4]))
        }
    }
}

@Suite struct CompareTests {
    @Test func boardsSideBySide() throws {
        let names = ["nano33ble", "nano-rp2040", "nano", "stm32l4r5"]
        let boards = try names.map { try BoardLibrary.load($0) }
        let result = try Comparison(model: try TradeoffFixtures.classifier(), modelPath: nil, boards: boards,
                                    clockHz: nil).run()
        #expect(result.boards.map(\.board) == names)
        let m4 = result.boards[0], m0 = result.boards[1], avr = result.boards[2], l4r5 = result.boards[3]
        #expect(m4.executed && m0.executed && !avr.executed)
        #expect(m4.verified == true && m0.verified == true)
        #expect(m4.core == "Cortex-M4" && m0.core == "Cortex-M0+")
        // Same kernels, no DSP instructions on the M0+: more cycles for the same work.
        #expect((m0.cycles ?? 0) > (m4.cycles ?? .max))
        #expect(m4.energyJoules != nil && m0.energyJoules != nil)
        #expect(l4r5.executed && l4r5.energyJoules == nil)  // the L4R5 board file has no cited power data
        #expect(result.ranking.map(\.board).count == 3)
        let text = result.text()
        #expect(text.contains("fit only"))
        #expect(text.contains("stm32l4r5: no energy figure"))
        #expect(result.svg().contains("fit boundary"))
        #expect(result.html().contains("<svg"))
        let decoded = try JSONDecoder().decode(ComparisonReport.self, from: Data(result.jsonText().utf8))
        #expect(decoded.schema == "sersim-compare/1")
    }

    @Test func sameClockForEveryBoardAndDuplicates() throws {
        let model = try TradeoffFixtures.classifier()
        let board = try BoardLibrary.load("nano33ble")
        #expect(throws: SweepError.self) { try Comparison(model: model, modelPath: nil, boards: [board, board]) }
        #expect(throws: SweepError.self) { try Comparison(model: model, modelPath: nil, boards: [board], clockHz: 100e6) }
    }
}

/// Collects progress lines from worker threads.
final class ProgressLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
