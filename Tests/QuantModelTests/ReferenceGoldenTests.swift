// Every golden fixture (tools/fixtures/generate.py, TFLM's PyPI interpreter as the reference):
// the reference interpreter reproduces TFLM's outputs and every operator output byte for byte,
// for independent inputs (state reset before each) and for streams (state carried over).

import Foundation
import QuantModel
import Testing

/// "<n> of <count> differ, first at [i]: got x, TFLM y" or nil when equal.
func mismatch(_ got: TensorValues, _ expected: [Double]) -> String? {
    let g = got.doubles
    guard g.count == expected.count else { return "\(g.count) values, TFLM has \(expected.count)" }
    let diffs = zip(g, expected).enumerated().filter { $0.element.0 != $0.element.1 }
    guard let first = diffs.first else { return nil }
    return "\(diffs.count) of \(g.count) differ, first at [\(first.offset)]: got \(first.element.0), TFLM \(first.element.1)"
}

@Suite struct ReferenceGoldenTests {
    @Test func fixturesArePresent() {
        #expect(GoldenFixture.allNames.count >= 40, "run tools/fixtures/generate.py")
    }

    @Test(arguments: GoldenFixture.allNames)
    func matchesTFLM(_ name: String) throws {
        let fixture = try GoldenFixture.load(name)
        try check(fixture, model: fixture.model)
    }

    /// The same, with the model read from the fixture's .tflite by sersim's importer.
    @Test(arguments: GoldenFixture.allNames)
    func importedTFLiteMatchesTFLM(_ name: String) throws {
        let fixture = try GoldenFixture.load(name)
        let path = GoldenFixture.directory.appendingPathComponent("\(name)/model.tflite").path
        try check(fixture, model: try ModelLoader.load(path))
    }

    /// Fixtures that also ship a .q8 (the bundled example's Examples/ser/ser.q8).
    static var q8Names: [String] {
        GoldenFixture.allNames.filter {
            FileManager.default.fileExists(atPath: GoldenFixture.directory.appendingPathComponent("\($0)/model.q8").path)
        }
    }

    @Test(arguments: q8Names)
    func q8MatchesTFLM(_ name: String) throws {
        let fixture = try GoldenFixture.load(name)
        let path = GoldenFixture.directory.appendingPathComponent("\(name)/model.q8").path
        try check(fixture, model: try ModelLoader.load(path))
    }

    @Test func theExampleShipsAQ8() {
        #expect(Self.q8Names.contains("ser_example"))
    }

    func check(_ fixture: GoldenFixture, model: Model) throws {
        let name = fixture.name
        var interpreter = try ReferenceInterpreter(model: model)
        for c in fixture.cases {
            interpreter.reset()
            let outputs = try interpreter.invoke(fixture.inputs(c.inputs))
            for (n, (got, expected)) in zip(outputs, c.outputs).enumerated() {
                #expect(mismatch(got, expected) == nil, "\(name) \(c.name) output \(n): \(mismatch(got, expected) ?? "")")
            }
            for (index, expected) in c.tensors.sorted(by: { $0.key < $1.key }) {
                let tensor = fixture.model.tensors[index]
                guard let got = interpreter.values[index] else {
                    Issue.record("\(name) \(c.name): tensor \(index) (\(tensor.name)) was not computed")
                    continue
                }
                let problem = mismatch(got, expected)
                #expect(problem == nil, "\(name) \(c.name) tensor \(index) (\(tensor.name)): \(problem ?? "")")
            }
        }
        for s in fixture.streams {
            interpreter.reset()
            for (step, (inputs, expected)) in s.steps.enumerated() {
                let outputs = try interpreter.invoke(fixture.inputs(inputs))
                for (n, (got, want)) in zip(outputs, expected).enumerated() {
                    let problem = mismatch(got, want)
                    #expect(problem == nil, "\(name) \(s.name) step \(step) output \(n): \(problem ?? "")")
                }
            }
        }
    }
}
