import BoardProfiles
import Foundation
import QuantModel

/// What sersim needs to report on a model firmware it built: the layers and their
/// schedule addresses, the output tensors, labels, the memory plan and the reference
/// outputs for the baked-in input. Kept in memory for `sersim run model.q8`, and written
/// into emitted ELFs as the non-allocated section `.sersim.model` (JSON), so that
/// `sersim run --board B fw.elf` reports the same figures for the same instructions.
public struct FirmwareMetadata: Sendable, Codable {
    public static let sectionName = ".sersim.model"
    public static let formatVersion = "sersim-firmware/1"

    public struct OutputTensor: Sendable, Codable, Equatable {
        public var tensor: Int
        public var name: String
        public var shape: [Int]
        public var type: String
        public var scale: Double
        public var zeroPoint: Int
        public var address: UInt32
        public var bytes: Int
    }

    public var format: String
    public var model: DeploymentReport.ModelInfo
    public var board: String
    public var layers: [BuiltLayer]
    public var outputs: [OutputTensor]
    public var labels: [String]
    public var doneAddress: UInt32
    public var startupSteps: [String]
    public var memory: MemoryPlan
    public var input: String
    /// The reference executor's outputs for the baked-in input (nil when not computed).
    public var expectedOutputs: [[UInt8]]?

    public init(firmware fw: BuiltFirmware, modelPath: String?, input: String = "", expectedOutputs: [[UInt8]]? = nil) {
        let cost = CostModel.analyze(fw.model)
        format = Self.formatVersion
        model = .init(name: fw.model.name, path: modelPath, operators: fw.model.operators.count, macs: cost.totalMACs,
                      weightBytes: cost.weightBytes)
        board = fw.board.name
        layers = fw.layers
        outputs = fw.outputs.map { p in
            let t = fw.model.tensors[p.tensor]
            return OutputTensor(tensor: p.tensor, name: t.name, shape: t.shape, type: t.type.rawValue,
                                scale: Double(t.quantization?.scale ?? 0), zeroPoint: Int(t.quantization?.zeroPoint ?? 0),
                                address: p.address, bytes: p.bytes)
        }
        labels = fw.model.labels
        doneAddress = fw.doneAddress
        startupSteps = fw.startupSteps
        memory = fw.plan
        self.input = input
        self.expectedOutputs = expectedOutputs
    }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [UInt8](try encoder.encode(self))
    }

    public static func decode(_ bytes: [UInt8], origin: String) throws -> FirmwareMetadata {
        do {
            let m = try JSONDecoder().decode(FirmwareMetadata.self, from: Data(bytes))
            guard m.format == formatVersion else {
                throw DeploymentError.input("\(origin): \(sectionName) is \(m.format); this sersim reads \(formatVersion)")
            }
            return m
        } catch let e as DeploymentError {
            throw e
        } catch {
            throw DeploymentError.input("\(origin): the \(sectionName) section is not valid sersim metadata: \(error)")
        }
    }
}
