import Foundation
import QuantModel

/// Reading a deployment's input from a file: `.npy` (int8 values, or floats quantized with
/// the input's scale and zero point), `.csv` (numbers, quantized the same way), or raw
/// bytes of the input tensor (any other extension; the size must match exactly).
enum InputFiles {
    static func load(_ path: String, for model: Model) throws -> [[UInt8]] {
        guard model.inputs.count == 1 else {
            throw DeploymentError.input("\(path): the model has \(model.inputs.count) inputs; an input file gives one")
        }
        let tensor = model.tensors[model.inputs[0]]
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DeploymentError.input("\(path): " + (FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"))
        }
        let bytes = [UInt8](data)
        let array: NumericArray
        do {
            if NPY.looksLikeNPY(bytes) {
                array = try NPY.decode(bytes, path: path)
            } else if path.lowercased().hasSuffix(".csv") {
                array = try CSV.decode(String(decoding: bytes, as: UTF8.self), path: path)
            } else {
                guard bytes.count == tensor.byteCount else {
                    throw DeploymentError.input("\(path): raw input has \(bytes.count) bytes; the model input "
                        + "\(tensor.name) \(tensor.shape) \(tensor.type.rawValue) needs \(tensor.byteCount) "
                        + "(or give a .npy or .csv file)")
                }
                return [bytes]
            }
            let runs = try Evaluation.inputs(from: array, for: tensor, path: path)
            guard runs.count == 1 else {
                throw DeploymentError.input("\(path): holds \(runs.count) inputs; sersim run takes one (sersim eval takes batches)")
            }
            return [runs[0].littleEndianBytes]
        } catch let e as DeploymentError {
            throw e
        } catch {
            throw DeploymentError.input("\(error)")
        }
    }
}
