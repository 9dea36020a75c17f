import Foundation
import SerSim
import Testing

/// Which weight matrices the deployment stores in the paired-row layout (docs/kernels.md):
/// all it can hold on ARMv7E-M, none on ARMv6-M, and a matrix it cannot hold stays
/// row-major and still runs bit-exact.
@Suite struct WeightLayoutTests {
    static let rowMajorBytes = 125_632  // the SER example's int8 weights
    static let oddDepthPadding = 4 * 22 * 2  // four 128 × 13 matrices, 22 row groups, 2 bytes

    func weightsBytes(_ model: Model, board: String) throws -> Int {
        let d = Deployment(model: model, board: try BoardLibrary.load(Checkout.path("Boards/\(board).json")))
        return try #require(try d.build().plan.item("weights")).bytes
    }

    @Test func everyMatrixOnARMv7EMNoneOnARMv6M() throws {
        let model = try ModelLoader.load(Checkout.path(Checkout.serModel))
        #expect(try weightsBytes(model, board: "nano33ble") == Self.rowMajorBytes + Self.oddDepthPadding)
        #expect(try weightsBytes(model, board: "nano-rp2040") == Self.rowMajorBytes)
    }

    /// Column 0 of the first LSTM's input-gate matrix gets −1 in row 0 and −128 in row 1:
    /// the pair's halfword would need a high byte of −129, so that matrix stays row-major
    /// (its padding goes) and the layer runs through fc_rows while the others take
    /// fc_rows_paired — the outputs still equal the reference executor's.
    @Test func aMatrixTheLayoutCannotHoldStaysRowMajor() throws {
        var model = try ModelLoader.load(Checkout.path(Checkout.serModel))
        let lstm = try #require(model.operators.first)
        let t = try #require(lstm.inputs[1])
        let depth = model.tensors[t].shape.last ?? 0
        #expect(model.tensors[t].shape == [128, 13])
        model.tensors[t].data![0] = UInt8(bitPattern: -1)
        model.tensors[t].data![depth] = UInt8(bitPattern: -128)
        // (the weights block is a whole number of 16-byte units)
        #expect(try weightsBytes(model, board: "nano33ble") == (Self.rowMajorBytes + Self.oddDepthPadding - 22 * 2 + 15) & ~15)
        let report = try Deployment(model: model, board: try BoardLibrary.load(Checkout.path("Boards/nano33ble.json"))).run()
        #expect(report.executed && report.verified == true)
    }
}
