// What `sersim inspect` reports about a model: tensors with shapes and quantization,
// operators with their operands and costs, totals, and the planned tensor arena. Built
// here (library, no printing) so tests and other commands can use it; the CLI prints
// `text()` or encodes the struct as JSON.

public struct ModelInspection: Codable, Sendable, Equatable {
    public struct QuantInfo: Codable, Sendable, Equatable {
        public var scales: [Float]
        public var zeroPoints: [Int64]
        /// The channel axis, for per-channel quantization.
        public var dimension: Int?
    }

    public struct TensorInfo: Codable, Sendable, Equatable {
        public var index: Int
        public var name: String
        public var type: String
        public var shape: [Int]
        public var bytes: Int
        /// input, output, constant, variable, activation or intermediate.
        public var role: String
        public var quantization: QuantInfo?
    }

    public struct OperandInfo: Codable, Sendable, Equatable {
        /// What the operand is to the operator ("weights", "recurrent_to_forget_weights", …).
        public var role: String
        public var tensor: Int
    }

    public struct OperatorInfo: Codable, Sendable, Equatable {
        public var index: Int
        public var kind: String
        public var name: String
        public var options: [String: String]
        public var inputs: [OperandInfo]
        public var outputs: [Int]
        public var intermediates: [Int]
        public var macs: Int
        public var elementwiseOps: Int
        public var weightBytes: Int
        public var activationBytes: Int
        public var stateBytes: Int
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var macs: Int
        public var elementwiseOps: Int
        /// Constant data, identical constants once (what goes to flash).
        public var weightBytes: Int
        /// All activation tensors without reuse.
        public var activationBytes: Int
        /// Variable (state) tensors.
        public var stateBytes: Int
    }

    public struct BufferInfo: Codable, Sendable, Equatable {
        /// "tensor" or "scratch".
        public var kind: String
        public var tensor: Int?
        public var op: Int?
        public var bytes: Int
        public var alignedBytes: Int
        public var firstUse: Int
        public var lastUse: Int
        public var offset: Int
    }

    public struct ArenaInfo: Codable, Sendable, Equatable {
        public var planner: String
        public var scratch: String
        public var alignment: Int
        /// The planned area with lifetime-based reuse.
        public var arenaBytes: Int
        /// The same buffers without reuse.
        public var unsharedBytes: Int
        /// Variable tensors, kept outside the planned area.
        public var variableBytes: Int
        public var liveBytesPerStep: [Int]
        public var buffers: [BufferInfo]
        /// What the figure leaves out.
        public var note: String
    }

    public var name: String
    public var format: String
    public var fileBytes: Int?
    public var description: String
    public var labels: [String]
    public var signatures: [String]
    public var inputs: [Int]
    public var outputs: [Int]
    public var tensors: [TensorInfo]
    public var operators: [OperatorInfo]
    public var totals: Totals
    public var arena: ArenaInfo
    public var notes: [String]

    public init(model: Model, format: String, fileBytes: Int? = nil, notes: [String] = [],
                planner: ArenaPlanner = ArenaPlanner(), plannerName: String = "greedy, as TFLite Micro's GreedyMemoryPlanner",
                scratchName: String = "TFLite Micro reference kernels") throws(PlanningError) {
        let plan = try planner.plan(model)  // validates the model first
        let cost = CostModel.analyze(model)
        name = model.name
        self.format = format
        self.fileBytes = fileBytes
        description = model.description
        labels = model.labels
        signatures = model.signatures.map(\.key)
        inputs = model.inputs
        outputs = model.outputs
        self.notes = notes

        var intermediates = Set<Int>()
        for op in model.operators { intermediates.formUnion(op.intermediates) }
        tensors = model.tensors.enumerated().map { i, t in
            let role: String
            if model.inputs.contains(i) { role = "input" }
            else if model.outputs.contains(i) { role = "output" }
            else if t.isConstant { role = "constant" }
            else if t.isVariable { role = "variable" }
            else if intermediates.contains(i) { role = "intermediate" }
            else { role = "activation" }
            let q = t.quantization.map { QuantInfo(scales: $0.scales, zeroPoints: $0.zeroPoints, dimension: $0.isPerChannel ? $0.dimension : nil) }
            return TensorInfo(index: i, name: t.name, type: t.type.rawValue, shape: t.shape, bytes: t.byteCount, role: role, quantization: q)
        }

        operators = model.operators.enumerated().map { k, op in
            let c = cost.layers[k]
            let operands = op.inputs.enumerated().compactMap { position, t in
                t.map { OperandInfo(role: Self.operandRole(op.kind, position, count: op.inputs.count), tensor: $0) }
            }
            return OperatorInfo(index: k, kind: op.kind.rawValue, name: op.name, options: Self.describe(op.options),
                                inputs: operands, outputs: op.outputs, intermediates: op.intermediates,
                                macs: c.macs, elementwiseOps: c.elementwiseOps, weightBytes: c.weightBytes,
                                activationBytes: c.activationBytes, stateBytes: c.stateBytes)
        }
        totals = Totals(macs: cost.totalMACs, elementwiseOps: cost.totalElementwiseOps, weightBytes: cost.weightBytes,
                        activationBytes: cost.activationBytes, stateBytes: cost.stateBytes)
        arena = ArenaInfo(
            planner: plannerName, scratch: scratchName, alignment: plan.alignment, arenaBytes: plan.arenaBytes,
            unsharedBytes: plan.unsharedBytes, variableBytes: plan.variableBytes, liveBytesPerStep: plan.liveBytesPerStep,
            buffers: plan.buffers.map { b in
                switch b.owner {
                case .tensor(let t):
                    BufferInfo(kind: "tensor", tensor: t, op: nil, bytes: b.bytes, alignedBytes: b.alignedBytes,
                               firstUse: b.firstUse, lastUse: b.lastUse, offset: b.offset)
                case .scratch(let op, _):
                    BufferInfo(kind: "scratch", tensor: nil, op: op, bytes: b.bytes, alignedBytes: b.alignedBytes,
                               firstUse: b.firstUse, lastUse: b.lastUse, offset: b.offset)
                }
            },
            note: "planned activations and kernel scratch only; TFLite Micro's arena also holds persistent interpreter data (tensor structs, kernel parameters) and the variable tensors")
    }

    static let lstmRoles = [
        "input", "input_to_input_weights", "input_to_forget_weights", "input_to_cell_weights", "input_to_output_weights",
        "recurrent_to_input_weights", "recurrent_to_forget_weights", "recurrent_to_cell_weights", "recurrent_to_output_weights",
        "cell_to_input_weights", "cell_to_forget_weights", "cell_to_output_weights",
        "input_gate_bias", "forget_gate_bias", "cell_gate_bias", "output_gate_bias",
        "projection_weights", "projection_bias", "output_state", "cell_state",
        "input_layer_norm", "forget_layer_norm", "cell_layer_norm", "output_layer_norm",
    ]

    static func operandRole(_ kind: OperatorKind, _ position: Int, count: Int) -> String {
        let names: [String] = switch kind {
        case .fullyConnected: ["input", "weights", "bias"]
        case .unidirectionalSequenceLSTM: lstmRoles
        case .stridedSlice: ["input", "begin", "end", "strides"]
        case .reshape: ["input", "shape"]
        case .add, .mul: ["input1", "input2"]
        default: ["input"]
        }
        return position < names.count ? names[position] : "input\(position)"
    }

    static func describe(_ options: OperatorOptions) -> [String: String] {
        switch options {
        case .none: [:]
        case .fullyConnected(let o): ["activation": o.activation.rawValue, "keep_num_dims": "\(o.keepNumDims)"]
        case .lstm(let o):
            ["activation": o.activation.rawValue, "cell_clip": "\(o.cellClip)", "projection_clip": "\(o.projectionClip)",
             "time_major": "\(o.timeMajor)"]
        case .softmax(let beta): ["beta": "\(beta)"]
        case .stridedSlice(let o):
            ["begin_mask": "\(o.beginMask)", "end_mask": "\(o.endMask)", "ellipsis_mask": "\(o.ellipsisMask)",
             "new_axis_mask": "\(o.newAxisMask)", "shrink_axis_mask": "\(o.shrinkAxisMask)", "offset": "\(o.offset)"]
        case .reshape(let shape): shape.map { ["new_shape": "\($0)"] } ?? [:]
        case .elementwise(let a): ["activation": a.rawValue]
        }
    }
}

// MARK: - Text

extension ModelInspection {
    /// The human-readable report. `tensors: true` adds the full tensor table.
    public func text(allTensors: Bool = false) -> String {
        var out: [String] = []
        func line(_ s: String = "") { out.append(s) }
        let fileInfo = fileBytes.map { ", \(Fmt.bytes($0))" } ?? ""
        line("model        \(name)  (\(format)\(fileInfo))")
        if !description.isEmpty { line("description  \(description)") }
        if !signatures.isEmpty { line("signatures   \(signatures.joined(separator: ", "))") }
        line("labels       \(labels.isEmpty ? "(none)" : labels.joined(separator: ", "))")
        for (title, list) in [("input ", inputs), ("output", outputs)] {
            for t in list { line("\(title)       \(tensorSummary(t))") }
        }
        line()
        line("operators (\(operators.count))")
        for op in operators {
            var head = String(format3(op.index)) + "  \(op.kind)"
            if !op.options.isEmpty {
                head += "  " + op.options.keys.sorted().map { "\($0)=\(op.options[$0] ?? "")" }.joined(separator: " ")
            }
            line(head)
            var costs: [String] = []
            if op.macs > 0 { costs.append("MACs \(Fmt.count(op.macs))") }
            if op.elementwiseOps > 0 { costs.append("elementwise \(Fmt.count(op.elementwiseOps))") }
            costs.append("weights \(Fmt.bytes(op.weightBytes))")
            costs.append("activations \(Fmt.bytes(op.activationBytes))")
            if op.stateBytes > 0 { costs.append("state \(Fmt.bytes(op.stateBytes))") }
            line("       " + costs.joined(separator: " · "))
            for operand in op.inputs {
                line("       in  \(Fmt.pad(operand.role, 28)) \(tensorSummary(operand.tensor))")
            }
            for t in op.outputs {
                line("       out \(Fmt.pad("output", 28)) \(tensorSummary(t))")
            }
        }
        line()
        line("totals")
        line("  MACs              \(Fmt.count(totals.macs))   (multiply-accumulates of matrix products per inference)")
        line("  elementwise ops   \(Fmt.count(totals.elementwiseOps))")
        line("  weight bytes      \(Fmt.bytes(totals.weightBytes))   (constants, identical ones once: flash)")
        line("  activation bytes  \(Fmt.bytes(totals.activationBytes))   (all activation tensors, no reuse)")
        line("  state bytes       \(Fmt.bytes(totals.stateBytes))   (variable tensors: LSTM hidden and cell state)")
        line()
        line("tensor arena (planner: \(arena.planner); \(arena.alignment)-byte alignment; scratch: \(arena.scratch))")
        line("  planned           \(Fmt.bytes(arena.arenaBytes))   with lifetime-based reuse")
        line("  without reuse     \(Fmt.bytes(arena.unsharedBytes))")
        line("  + variables       \(Fmt.bytes(arena.variableBytes))   (persistent)")
        line("  live per step     \(arena.liveBytesPerStep.map(String.init).joined(separator: " "))   (step 0 = inputs, step k+1 = operator k)")
        line("  note: \(arena.note)")
        if allTensors {
            line()
            line("tensors (\(tensors.count))")
            for t in tensors { line("  \(tensorSummary(t.index))  \(t.role)") }
        }
        for n in notes { line("note: \(n)") }
        return out.joined(separator: "\n") + "\n"
    }

    func format3(_ i: Int) -> String {
        let s = String(i)
        return String(repeating: " ", count: max(0, 4 - s.count)) + s
    }

    func tensorSummary(_ index: Int) -> String {
        guard index >= 0 && index < tensors.count else { return "#\(index)" }
        let t = tensors[index]
        var s = "#\(index) \(t.type) \(Fmt.shape(t.shape))"
        if let q = t.quantization {
            if q.scales.count == 1 {
                s += " scale=\(Fmt.float(q.scales[0])) zp=\(q.zeroPoints.first ?? 0)"
            } else {
                let lo = q.scales.min() ?? 0, hi = q.scales.max() ?? 0
                s += " per-channel(\(q.scales.count), axis \(q.dimension ?? 0)) scale=\(Fmt.float(lo))…\(Fmt.float(hi))"
            }
        }
        if t.role == "constant" { s += " const" }
        if t.role == "variable" { s += " var" }
        s += " '\(t.name)'"
        return s
    }
}

/// Number formatting for reports.
enum Fmt {
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(count(n)) B" }
        let kib = Double(n) / 1024
        let scaled = kib < 1024 ? (kib, "KiB") : (kib / 1024, "MiB")
        return "\(count(n)) B (\(String(Double(Int(scaled.0 * 10 + 0.5)) / 10)) \(scaled.1))"
    }

    static func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ",") + "]" }

    static func float(_ f: Float) -> String { "\(f)" }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
