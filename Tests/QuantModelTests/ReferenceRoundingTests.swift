// Which MultiplyByQuantizedMultiplier the reference TFLM build uses. TFLM has two
// (common.cc): gemmlowp's double rounding (default) and TFLITE_SINGLE_ROUNDING. The fixture
// op_fc_rounding_probe pins the effective multiplier to 0.37 (a right shift of 1), where the
// two disagree often; TFLM's outputs must equal the double-rounding result everywhere and the
// single-rounding result must differ somewhere, or the test proves nothing.

import QuantModel
import Testing

@Suite struct ReferenceRoundingTests {
    @Test func pypiTFLMUsesDoubleRounding() throws {
        let fixture = try GoldenFixture.load("op_fc_rounding_probe")
        let interpreter = try ReferenceInterpreter(model: fixture.model)
        guard case .fullyConnected(let p) = interpreter.prepared[0] else {
            Issue.record("expected a FULLY_CONNECTED operator")
            return
        }
        #expect(p.outputShift == [-1], "the probe needs a small right shift")
        let op = fixture.model.operators[0]
        guard case .int8(let filter)? = interpreter.values[op.inputs[1]!],
              case .int32(let bias)? = interpreter.values[op.inputs[2]!] else {
            Issue.record("weights and bias must be constant")
            return
        }
        var compared = 0
        var doubleMismatches = 0
        var singleMismatches = 0
        for c in fixture.cases {
            guard case .int8(let input) = fixture.inputs(c.inputs)[0] else { continue }
            let acc = try Reference.FullyConnected.accumulators(p, input: input, filter: filter, bias: bias)
            for (a, expected) in zip(acc, c.outputs[0]) {
                func finish(_ scaled: Int32) -> Double {
                    Double(min(max(scaled &+ p.outputOffset, p.activationMin), p.activationMax))
                }
                let double = finish(FixedPoint.multiplyByQuantizedMultiplier(a, p.outputMultiplier[0], p.outputShift[0]))
                let single = finish(FixedPoint.multiplyByQuantizedMultiplier(
                    a, p.outputMultiplier[0], p.outputShift[0], rounding: .single))
                compared += 1
                if double != expected { doubleMismatches += 1 }
                if single != expected { singleMismatches += 1 }
            }
        }
        #expect(compared > 10_000)
        #expect(doubleMismatches == 0)
        #expect(singleMismatches > 100, "single rounding should disagree with TFLM on this probe")
    }

    @Test func roundingVariantsDifferOnNegativeTies() {
        // -10 * 0.5 * 2^-1 = -2.5 exactly: gemmlowp's RoundingDivideByPOT rounds the tie away
        // from zero, single rounding rounds it up; positive ties agree.
        #expect(FixedPoint.multiplyByQuantizedMultiplier(-10, 1 << 30, -1) == -3)
        #expect(FixedPoint.multiplyByQuantizedMultiplierSingleRounding(-10, 1 << 30, -1) == -2)
        #expect(FixedPoint.multiplyByQuantizedMultiplier(10, 1 << 30, -1) == 3)
        #expect(FixedPoint.multiplyByQuantizedMultiplierSingleRounding(10, 1 << 30, -1) == 3)
    }
}
