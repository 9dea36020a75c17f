// Models TFLM would refuse, or sersim does not support, are errors naming the operator and the
// reason — never a trap. Also: the public step API agrees with the sequence evaluation.

import QuantModel
import Testing

@Suite struct ReferenceErrorTests {
    func prepareError(_ model: Model) -> ReferenceError? {
        do {
            _ = try ReferenceInterpreter(model: model)
            return nil
        } catch {
            return error
        }
    }

    @Test func perChannelLSTMWeightsAreRefused() throws {
        var m = try GoldenFixture.load("lstm_tiny").model
        let weights = m.operators[0].inputs[2]!
        let rows = m.tensors[weights].shape[0]
        m.tensors[weights].quantization = Quantization(scales: Array(repeating: 0.01, count: rows),
                                                       zeroPoints: Array(repeating: 0, count: rows))
        let e = try #require(prepareError(m))
        #expect(e.operatorIndex == 0)
        #expect(e.operatorKind == .unidirectionalSequenceLSTM)
        #expect(e.message.contains("per channel"))
    }

    @Test func lstmVariantsAreRefused() throws {
        var m = try GoldenFixture.load("lstm_tiny").model
        m.operators[0].inputs[9] = m.operators[0].inputs[12]  // a "peephole"
        #expect(prepareError(m)?.message.contains("peephole") == true)
        m = try GoldenFixture.load("lstm_tiny").model
        m.tensors[m.operators[0].inputs[19]!].isVariable = false
        #expect(prepareError(m)?.message.contains("variable") == true)
        m = try GoldenFixture.load("lstm_tiny").model
        m.tensors[m.operators[0].inputs[19]!].type = .int8
        #expect(prepareError(m)?.message.contains("int16") == true)
    }

    @Test func softmaxOutputQuantizationIsChecked() throws {
        var m = try GoldenFixture.load("op_softmax").model
        m.tensors[m.outputs[0]].quantization = Quantization(scale: 1.0 / 128, zeroPoint: -128)
        let e = try #require(prepareError(m))
        #expect(e.description.hasPrefix("operator 0 (SOFTMAX): int8 SOFTMAX output must have scale 1/256"))
    }

    @Test func fullyConnectedBiasScaleIsChecked() throws {
        var m = try GoldenFixture.load("op_fc_per_tensor").model
        m.tensors[m.operators[0].inputs[2]!].quantization = Quantization(scale: 1, zeroPoint: 0)
        #expect(prepareError(m)?.message.contains("bias scale") == true)
    }

    @Test func unsupportedStridedSliceMasksAreRefused() throws {
        var m = try GoldenFixture.load("op_strided_slice_strided").model
        m.operators[0].options = .stridedSlice(StridedSliceOptions(ellipsisMask: 1))
        #expect(prepareError(m)?.message.contains("ellipsis_mask") == true)
    }

    @Test func malformedGraphsAreErrors() throws {
        var m = try GoldenFixture.load("op_add").model
        m.operators[0].inputs[1] = 999
        #expect(prepareError(m)?.message.contains("tensor 999") == true)
        m = try GoldenFixture.load("op_fc_per_tensor").model
        m.tensors[m.operators[0].inputs[1]!].data = [1, 2, 3]
        #expect(prepareError(m)?.message.contains("holds 3 bytes") == true)
        m = try GoldenFixture.load("op_mul").model
        m.tensors[m.outputs[0]].shape = [5, 3]
        #expect(prepareError(m)?.message.contains("not the broadcast") == true)
        m = try GoldenFixture.load("op_logistic_int8").model
        m.tensors[m.inputs[0]].quantization = Quantization(scale: -0.5, zeroPoint: 0)
        #expect(prepareError(m)?.message.contains("positive") == true)
    }

    @Test func wrongInputsAreErrors() throws {
        let fixture = try GoldenFixture.load("lstm_tiny")
        var interpreter = try ReferenceInterpreter(model: fixture.model)
        #expect(throws: ReferenceError.self) { try interpreter.invoke([]) }
        #expect(throws: ReferenceError.self) { try interpreter.invoke([.int8([1, 2, 3])]) }
        #expect(throws: ReferenceError.self) { try interpreter.invoke([.int16(Array(repeating: 0, count: 15))]) }
    }

    /// LSTM.step, called per time step, gives what LSTM.eval gives for the sequence.
    @Test func stepByStepEqualsTheSequence() throws {
        let fixture = try GoldenFixture.load("op_lstm_time_major_clip")
        let interpreter = try ReferenceInterpreter(model: fixture.model)
        guard case .lstm(let p) = interpreter.prepared[0] else {
            Issue.record("expected an LSTM")
            return
        }
        let op = fixture.model.operators[0]
        func int8(_ n: Int) -> [Int8] {
            if case .int8(let v)? = interpreter.values[op.inputs[n]!] { return v }
            return []
        }
        func int32(_ n: Int) -> [Int32] {
            if case .int32(let v)? = interpreter.values[op.inputs[n]!] { return v }
            return []
        }
        let weights = Reference.LSTM.Weights(input: (1...4).map(int8), recurrent: (5...8).map(int8), bias: (12...15).map(int32))
        let c = fixture.cases[0]
        let input = c.inputs[0].map { Int8($0) }
        var state = Reference.LSTM.State(resetFor: p)
        let sequence = try Reference.LSTM.eval(p, input: input, weights: weights, state: &state)
        #expect(mismatch(.int8(sequence), c.outputs[0]) == nil)

        var hidden = Reference.LSTM.State(resetFor: p).hidden
        var cell = Reference.LSTM.State(resetFor: p).cell
        var stepped: [Int8] = []
        let rowLength = p.rowsPerStep * p.inputSize
        for t in 0..<p.timeSteps {
            let trace = try Reference.LSTM.step(p, input: Array(input[(t * rowLength)..<((t + 1) * rowLength)]),
                                                weights: weights, hidden: &hidden, cell: &cell)
            #expect(trace.forgetGate.allSatisfy { $0 >= 0 }, "sigmoid outputs are non-negative Q0.15")
            stepped += hidden
        }
        #expect(stepped == sequence)
        #expect(hidden == state.hidden)
        #expect(cell == state.cell)
        // Clipping was active: the cell state stays within the quantized clip.
        #expect(cell.allSatisfy { abs(Int32($0)) <= Int32(p.quantizedCellClip) })
    }
}
