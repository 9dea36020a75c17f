import BoardProfiles
import ELFFile
import KernelIR
import QuantModel
import ThumbISA

/// One layer of the built firmware: which kernel runs it and where its call starts.
public struct BuiltLayer: Sendable, Equatable, Codable {
    public var index: Int
    public var name: String
    public var op: String
    public var kernel: String
    /// Address of the layer's call sequence in the schedule (a probe point).
    public var address: UInt32
    public var macs: Int
    public var weightBytes: Int
    public var activationBytes: Int
    /// Output tensors (model indices) with their RAM addresses and sizes.
    public var outputs: [TensorPlacement]
}

public struct TensorPlacement: Sendable, Equatable, Codable {
    public var tensor: Int
    public var address: UInt32
    public var bytes: Int
}

/// The firmware image for a model on a board, and where everything is.
public struct BuiltFirmware: Sendable {
    public var board: Board
    public var model: Model
    public var plan: MemoryPlan
    /// nil when the deployment does not fit (nothing was laid out).
    public var image: FirmwareImage?
    public var layers: [BuiltLayer]
    public var inputs: [TensorPlacement]
    public var outputs: [TensorPlacement]
    /// Schedule addresses: where the first layer starts (end of start-up) and where the
    /// exit sequence starts (end of the last layer).
    public var firstLayerAddress: UInt32
    public var doneAddress: UInt32
    public var kernelNames: [String]
    public var arch: ArchLevel
    /// What the start-up does, for reports and docs.
    public var startupSteps: [String]
    /// Host seconds `Deployment.build()` took (kernels compiled, memory planned, image
    /// laid out); a report's `hostSeconds` includes them.
    public var buildSeconds: Double = 0
}

/// Builds the firmware of a deployment: compiles the kernels the model needs for the
/// board's core, plans the arena, places code, weights, parameter blocks, arena, state
/// and stack in the board's memories, and generates the reset handler and the layer
/// schedule (`ldr r0, =block; bl kernel` per layer) around them.
public struct FirmwareBuilder {
    public let model: Model
    public let board: Board
    public let library: KernelLibrary
    public var weightsInRAM: Bool
    /// Fixed overhead of a real application around the model (clock set-up, HAL, drivers,
    /// C runtime): reserved so that the fit verdict is not optimistic. See docs/deployment.md.
    public static let runtimeFlashBytes = 4096
    public static let runtimeRAMBytes = 1024
    /// Stack beyond the kernels' worst case: the start-up frame and one exception frame.
    public static let stackMarginBytes = 128

    public init(model: Model, board: Board, library: KernelLibrary, weightsInRAM: Bool = false) {
        self.model = model
        self.board = board
        self.library = library
        self.weightsInRAM = weightsInRAM
    }

    var arch: ArchLevel {
        switch board.core.architecture {
        case .armv6m: .v6m
        case .armv7m: .v7m
        default: .v7em
        }
    }

    /// Plan and build; `inputBytes` holds each model input's bytes (baked into flash and
    /// copied into the input tensors at start-up).
    public func build(inputBytes: [[UInt8]]) throws -> BuiltFirmware {
        let interpreter: ReferenceInterpreter
        do { interpreter = try ReferenceInterpreter(model: model) } catch { throw DeploymentError.build("\(error)") }
        let prepared = interpreter.prepared
        let cost = CostModel.analyze(model)

        // The arena, with the kernels' own scratch requests.
        let arena: ArenaPlan
        do {
            arena = try ArenaPlanner(alignment: 16, scratch: KernelScratch(prepared: prepared)).plan(model)
        } catch { throw DeploymentError.build("planning the tensor arena: \(error)") }

        // Constant tensors the kernels read at run time (weights, constant operands).
        let runtimeConstants = runtimeConstantTensors()
        let paired = pairedRowWeights(prepared)
        let weightOffsets = layoutConstants(runtimeConstants, paired: paired)
        let weightBytes = weightOffsets.total
        // Variable tensors (LSTM state) laid out contiguously, and their reset values.
        let stateLayout = layoutState()

        // Pass 1: sizes, with every address zero.
        let dry = try emit(prepared: prepared, arena: arena, addresses: Addresses(), weightOffsets: weightOffsets, paired: paired,
                           stateLayout: stateLayout, inputBytes: inputBytes, cost: cost)
        let compiled = dry.compiled
        let stackBytes = (dry.kernelNames.map { compiled.stackUsage[$0] ?? 0 }.max() ?? 0) + Self.stackMarginBytes
        let inputTotal = inputBytes.reduce(0) { $0 + $1.count }
        var items: [MemoryItem] = [
            MemoryItem(name: "vector table", kind: .code, bytes: 64, alignment: 128, placement: .vectorTable),
            MemoryItem(name: "start-up and schedule", kind: .code, bytes: dry.scheduleBytes, alignment: 4, placement: .flash),
            MemoryItem(name: "kernels", kind: .code, bytes: compiled.image.count, alignment: 4, placement: .flash),
            MemoryItem(name: "parameter blocks", kind: .constants, bytes: dry.constantsBytes, alignment: 4,
                       placement: .flashData),
            MemoryItem(name: "weights", kind: .weights, bytes: weightBytes, alignment: 16,
                       placement: weightsInRAM ? .ram : .flashData),
            MemoryItem(name: "input sample and state reset", kind: .input, bytes: inputTotal + stateLayout.total,
                       alignment: 4, placement: .flashData),
            MemoryItem(name: "runtime (flash)", kind: .runtime, bytes: Self.runtimeFlashBytes, alignment: 4,
                       placement: .flash),
            MemoryItem(name: "tensor arena", kind: .arena, bytes: arena.arenaBytes, alignment: 16, placement: .fastRAM),
            MemoryItem(name: "LSTM state", kind: .state, bytes: stateLayout.total, alignment: 16, placement: .fastRAM),
            MemoryItem(name: "stack", kind: .stack, bytes: stackBytes, alignment: 8, placement: .fastRAM),
            MemoryItem(name: "runtime (RAM)", kind: .runtime, bytes: Self.runtimeRAMBytes, alignment: 4, placement: .ram),
        ]
        if weightsInRAM {
            // The flash copy the start-up code copies into RAM.
            items.append(MemoryItem(name: "weights (flash copy)", kind: .weights, bytes: weightBytes, alignment: 16,
                                    placement: .flashData))
        }
        items.removeAll { $0.bytes == 0 }
        let plan = MemoryPlacer(board: board).place(items)
        let layersNoAddress = dry.layers
        guard plan.fits else {
            return BuiltFirmware(board: board, model: model, plan: plan, image: nil, layers: layersNoAddress,
                                 inputs: [], outputs: [], firstLayerAddress: 0, doneAddress: 0, kernelNames: dry.kernelNames,
                                 arch: arch, startupSteps: dry.startupSteps)
        }

        // Pass 2: the same emission at the planned addresses.
        var a = Addresses()
        a.schedule = plan.address(of: "start-up and schedule")!
        a.kernels = plan.address(of: "kernels")!
        a.constants = plan.address(of: "parameter blocks") ?? 0
        a.weights = plan.address(of: "weights") ?? 0
        a.weightsFlash = plan.address(of: "weights (flash copy)") ?? 0
        a.inputs = plan.address(of: "input sample and state reset") ?? 0
        a.arena = plan.address(of: "tensor arena") ?? 0
        a.state = plan.address(of: "LSTM state") ?? 0
        let stackBase = plan.address(of: "stack")!
        a.stackTop = (stackBase + UInt32(stackBytes)) & ~7
        a.vectors = plan.address(of: "vector table")!
        let real = try emit(prepared: prepared, arena: arena, addresses: a, weightOffsets: weightOffsets, paired: paired,
                            stateLayout: stateLayout, inputBytes: inputBytes, cost: cost)
        guard real.scheduleBytes == dry.scheduleBytes, real.constantsBytes == dry.constantsBytes else {
            throw DeploymentError.build("layout changed between passes (schedule \(dry.scheduleBytes) → \(real.scheduleBytes), "
                                        + "constants \(dry.constantsBytes) → \(real.constantsBytes) bytes)")
        }
        let image = makeImage(real, a, stackBase: stackBase, stackBytes: stackBytes, arenaBytes: arena.arenaBytes,
                              stateBytes: stateLayout.total, weightBytes: weightBytes)
        return BuiltFirmware(board: board, model: model, plan: plan, image: image, layers: real.layers,
                             inputs: real.inputPlacements, outputs: real.outputPlacements,
                             firstLayerAddress: real.labels["layer_0"] ?? real.labels["done"]!,
                             doneAddress: real.labels["done"]!, kernelNames: real.kernelNames, arch: arch,
                             startupSteps: real.startupSteps)
    }

    // MARK: - Layout helpers

    struct Addresses {
        var vectors: UInt32 = 0
        var schedule: UInt32 = 0
        var kernels: UInt32 = 0
        var constants: UInt32 = 0
        var weights: UInt32 = 0
        var weightsFlash: UInt32 = 0
        var inputs: UInt32 = 0
        var arena: UInt32 = 0
        var state: UInt32 = 0
        var stackTop: UInt32 = 0
    }

    struct ConstantLayout {
        var offsets: [Int: Int]
        var total: Int
    }

    /// Constant tensors read by kernels while running. Biases are folded into the
    /// parameter blocks and slice/reshape operands are used only when building, so
    /// neither is placed.
    func runtimeConstantTensors() -> [Int] {
        var result: [Int] = []
        var seen = Set<Int>()
        func add(_ t: Int?) {
            guard let t, model.tensors[t].isConstant, !seen.contains(t) else { return }
            seen.insert(t)
            result.append(t)
        }
        for op in model.operators {
            switch op.kind {
            case .fullyConnected:
                add(op.inputs[1] ?? nil)
                add(op.inputs[0] ?? nil)
            case .unidirectionalSequenceLSTM:
                for k in 1...8 { add(op.inputs[k] ?? nil) }
                add(op.inputs[0] ?? nil)
            case .add, .mul, .softmax, .logistic, .tanh, .relu, .quantize, .dequantize:
                for case let t? in op.inputs { add(t) }
            case .stridedSlice, .reshape:
                add(op.inputs[0] ?? nil)
            }
        }
        return result
    }

    /// Weight matrices stored in the paired-row layout (KernelABI.pairedRowWeights, which
    /// fc_rows_paired reads): on ARMv7E-M, every constant int8 matrix that only
    /// FULLY_CONNECTED layers and LSTM gate matmuls read, with one shape, and that the
    /// layout can hold. Tensor → its bytes in that layout.
    func pairedRowWeights(_ prepared: [PreparedOperator]) -> [Int: [UInt8]] {
        guard arch == .v7em else { return [:] }
        var shape: [Int: (rows: Int, depth: Int)] = [:]
        var excluded = Set<Int>()
        func matmul(_ t: Int?, _ p: Reference.FullyConnected.Params) {
            guard let t else { return }
            if let s = shape[t], s != (p.outputDepth, p.inputDepth) { excluded.insert(t) }
            shape[t] = (p.outputDepth, p.inputDepth)
        }
        for (k, op) in model.operators.enumerated() {
            var asWeights = Set<Int>()
            switch (op.kind, k < prepared.count ? prepared[k] : nil) {
            case (.fullyConnected, .fullyConnected(let p)?) where op.inputs.count > 1:
                matmul(op.inputs[1], p)
                asWeights = [1]
            case (.unidirectionalSequenceLSTM, .lstm(let p)?) where op.inputs.count > 8:
                let gates = [p.inputGate, p.forgetGate, p.cellGate, p.outputGate]
                for g in 0..<4 {
                    matmul(op.inputs[1 + g], gates[g].input)
                    matmul(op.inputs[5 + g], gates[g].recurrent)
                }
                asWeights = Set(1...8)
            default: break
            }
            for (n, t) in op.inputs.enumerated() where !asWeights.contains(n) { if let t { excluded.insert(t) } }
        }
        var result: [Int: [UInt8]] = [:]
        for (t, s) in shape where !excluded.contains(t) && model.tensors[t].isConstant {
            if let values = int8Values(t), let bytes = KernelABI.pairedRowWeights(values, rows: s.rows, depth: s.depth) {
                result[t] = bytes
            }
        }
        return result
    }

    func layoutConstants(_ tensors: [Int], paired: [Int: [UInt8]]) -> ConstantLayout {
        var offsets: [Int: Int] = [:]
        var at = 0
        for t in tensors {
            at = (at + 3) & ~3
            offsets[t] = at
            at += paired[t]?.count ?? model.tensors[t].byteCount
        }
        return ConstantLayout(offsets: offsets, total: (at + 15) & ~15)
    }

    struct StateLayout {
        var offsets: [Int: Int]
        var total: Int
        var resetBytes: [UInt8]
    }

    /// Variable tensors: int8 ones reset to their zero point, others to zero (TFLM's reset).
    func layoutState() -> StateLayout {
        var offsets: [Int: Int] = [:]
        var bytes: [UInt8] = []
        for (i, t) in model.tensors.enumerated() where t.isVariable {
            while bytes.count % 4 != 0 { bytes.append(0) }
            offsets[i] = bytes.count
            if t.type == .int8 {
                let zp = UInt8(truncatingIfNeeded: t.quantization?.zeroPoint ?? 0)
                bytes += [UInt8](repeating: zp, count: t.byteCount)
            } else {
                bytes += [UInt8](repeating: 0, count: t.byteCount)
            }
        }
        while bytes.count % 4 != 0 { bytes.append(0) }
        return StateLayout(offsets: offsets, total: bytes.count, resetBytes: bytes)
    }

    // MARK: - Emission (both passes)

    struct Emission {
        var compiled: CompiledModule
        var kernelNames: [String]
        var schedule: ScheduleAssembler.Output
        var scheduleBytes: Int { schedule.bytes.count }
        var constants: [UInt8]
        var constantsBytes: Int { constants.count }
        var constantLabels: [(String, UInt32, Int)]
        var weights: [UInt8]
        var inputBlob: [UInt8]
        var layers: [BuiltLayer]
        var labels: [String: UInt32]
        var inputPlacements: [TensorPlacement]
        var outputPlacements: [TensorPlacement]
        var startupSteps: [String]
    }

    func emit(prepared: [PreparedOperator], arena: ArenaPlan, addresses a: Addresses, weightOffsets: ConstantLayout,
              paired: [Int: [UInt8]],
              stateLayout: StateLayout, inputBytes: [[UInt8]], cost: ModelCost) throws -> Emission {
        // Where every tensor lives.
        var arenaOffset: [Int: Int] = [:]
        var scratchOffset: [Int: Int] = [:]
        for b in arena.buffers {
            switch b.owner {
            case .tensor(let t): arenaOffset[t] = b.offset
            case .scratch(let op, _): scratchOffset[op] = b.offset
            }
        }
        func address(_ t: Int) throws -> UInt32 {
            let tensor = model.tensors[t]
            if tensor.isVariable, let o = stateLayout.offsets[t] { return a.state &+ UInt32(o) }
            if tensor.isConstant, let o = weightOffsets.offsets[t] { return a.weights &+ UInt32(o) }
            if let o = arenaOffset[t] { return a.arena &+ UInt32(o) }
            if tensor.byteCount == 0 { return 0 }
            throw DeploymentError.build("tensor \(t) (\(tensor.name)) has no place in memory")
        }

        // How a weight tensor is stored (pairedRowWeights chose).
        func layout(_ t: Int) -> KernelABI.WeightLayout { paired[t] != nil ? .pairedRows : .rowMajor }

        // Parameter blocks and other constants, appended in order.
        var constants: [UInt8] = []
        var constantLabels: [(String, UInt32, Int)] = []
        let place: PlaceConstant = { bytes, name in
            while constants.count % 4 != 0 { constants.append(0) }
            let at = a.constants &+ UInt32(constants.count)
            constantLabels.append((name, at, bytes.count))
            constants += bytes
            return at
        }

        let module = library.module
        var calls: [(layer: Int, call: KernelCall?, copy: (UInt32, UInt32, Int)?)] = []
        var layers: [BuiltLayer] = []
        let names = LayerNames.short(model)
        for (k, op) in model.operators.enumerated() {
            let name = names[k]
            let label = "\(k):\(name)"
            func t(_ n: Int) throws -> Int {
                guard n < op.inputs.count, let t = op.inputs[n] else {
                    throw DeploymentError.build("layer \(label): input \(n) is missing")
                }
                return t
            }
            let out = op.outputs[0]
            var call: KernelCall?
            var copy: (UInt32, UInt32, Int)?
            do {
                switch prepared[k] {
                case .fullyConnected(let p):
                    let w = try t(1)
                    guard let weights = int8Values(w) else { throw DeploymentError.build("\(label): weights are not constant int8") }
                    let bias = op.inputs.count > 2 ? op.inputs[2].flatMap { int32Values($0) } : nil
                    call = try KernelBindings.fullyConnected(
                        p, input: try address(try t(0)), output: try address(out), weights: try address(w),
                        weightValues: weights, bias: bias, outputBytes: model.tensors[out].type.byteSize,
                        layout: layout(w), module: module, name: label, place: place)
                case .lstm(let p):
                    var inW: [UInt32] = [], recW: [UInt32] = []
                    var inV: [[Int8]] = [], recV: [[Int8]] = [], biasV: [[Int32]] = []
                    for g in 0..<4 {
                        let i = try t(1 + g), r = try t(5 + g), b = try t(12 + g)
                        guard let iv = int8Values(i), let rv = int8Values(r), let bv = int32Values(b) else {
                            throw DeploymentError.build("\(label): gate \(g) weights or bias are not constant int8/int32")
                        }
                        inW.append(try address(i))
                        recW.append(try address(r))
                        inV.append(iv)
                        recV.append(rv)
                        biasV.append(bv)
                    }
                    guard let scratch = scratchOffset[k] else { throw DeploymentError.build("\(label): no LSTM scratch planned") }
                    call = try KernelBindings.lstm(
                        p, values: Reference.LSTM.Weights(input: inV, recurrent: recV, bias: biasV),
                        inputWeights: inW, recurrentWeights: recW,
                        inputLayouts: try (1...4).map { layout(try t($0)) },
                        recurrentLayouts: try (5...8).map { layout(try t($0)) },
                        input: try address(try t(0)), output: try address(out),
                        hidden: try address(try t(LSTMInput.outputState)), cell: try address(try t(LSTMInput.cellState)),
                        scratch: a.arena &+ UInt32(scratch), module: module, name: label, place: place)
                case .softmax(let p):
                    call = try KernelBindings.softmax(p, input: try address(try t(0)), output: try address(out),
                                                      module: module, name: label, place: place)
                case .logistic(let p), .tanh(let p):
                    let isTanh: Bool = if case .tanh = prepared[k] { true } else { false }
                    call = try KernelBindings.sigmoid(p, tanh: isTanh, count: model.tensors[out].elementCount,
                                                      input: try address(try t(0)), output: try address(out),
                                                      module: module, name: label, place: place)
                case .relu(let p):
                    call = try KernelBindings.relu(p, count: model.tensors[out].elementCount,
                                                   elementBytes: model.tensors[out].type.byteSize,
                                                   input: try address(try t(0)), output: try address(out),
                                                   module: module, name: label, place: place)
                case .stridedSlice(let p):
                    call = try KernelBindings.stridedSlice(p, elementBytes: model.tensors[out].type.byteSize,
                                                           input: try address(try t(0)), output: try address(out),
                                                           module: module, name: label, place: place)
                case .reshape:
                    copy = (try address(try t(0)), try address(out), model.tensors[out].byteCount)
                case .quantize(let p):
                    call = try KernelBindings.quantize(p, count: model.tensors[out].elementCount,
                                                       inputBytes: model.tensors[try t(0)].type.byteSize,
                                                       input: try address(try t(0)), output: try address(out),
                                                       module: module, name: label, place: place)
                case .dequantize(let p):
                    call = try KernelBindings.dequantize(p, count: model.tensors[out].elementCount,
                                                         input: try address(try t(0)), output: try address(out),
                                                         module: module, name: label, place: place)
                case .add(let p):
                    call = try KernelBindings.add(p, input1: try address(try t(0)), input2: try address(try t(1)),
                                                  output: try address(out), module: module, name: label, place: place)
                case .mul(let p):
                    call = try KernelBindings.mul(p, input1: try address(try t(0)), input2: try address(try t(1)),
                                                  output: try address(out), module: module, name: label, place: place)
                }
            } catch let e as DeploymentError {
                throw e
            } catch {
                throw DeploymentError.build("layer \(label): \(error)")
            }
            calls.append((k, call, copy))
            let c = cost.layers.first { $0.operatorIndex == k }
            layers.append(BuiltLayer(
                index: k, name: name, op: LayerNames.kindName(op.kind), kernel: call?.kernel ?? "copy_bytes", address: 0,
                macs: c?.macs ?? 0, weightBytes: c?.weightBytes ?? 0, activationBytes: c?.activationBytes ?? 0,
                outputs: try op.outputs.map { TensorPlacement(tensor: $0, address: try address($0), bytes: model.tensors[$0].byteCount) }))
        }

        // Compile the kernels the schedule calls (and the copy used by start-up).
        var kernelNames = ["copy_bytes"]
        for c in calls { if let k = c.call?.kernel, !kernelNames.contains(k) { kernelNames.append(k) } }
        let compiled: CompiledModule
        do { compiled = try library.compile(for: arch, kernels: kernelNames) } catch {
            throw DeploymentError.build("compiling the kernels for \(arch): \(error)")
        }
        func kernelAddress(_ name: String) throws -> UInt32 {
            guard let s = compiled.symbol(name) else { throw DeploymentError.build("kernel \(name) is not in the library") }
            return (a.kernels &+ UInt32(s.offset)) | 1
        }

        // The flash blob copied at start-up: inputs, then the state's reset values.
        var inputBlob: [UInt8] = []
        var inputPlacements: [TensorPlacement] = []
        var copies: [(src: UInt32, dst: UInt32, bytes: Int, what: String)] = []
        for (n, t) in model.inputs.enumerated() {
            let bytes = n < inputBytes.count ? inputBytes[n] : []
            guard bytes.count == model.tensors[t].byteCount else {
                throw DeploymentError.input("input \(n) (\(model.tensors[t].name)) needs \(model.tensors[t].byteCount) bytes, got \(bytes.count)")
            }
            let dst = try address(t)
            copies.append((a.inputs &+ UInt32(inputBlob.count), dst, bytes.count, "input \(n)"))
            inputPlacements.append(TensorPlacement(tensor: t, address: dst, bytes: bytes.count))
            inputBlob += bytes
            while inputBlob.count % 4 != 0 { inputBlob.append(0) }
        }
        if stateLayout.total > 0 {
            copies.append((a.inputs &+ UInt32(inputBlob.count), a.state, stateLayout.total, "state reset"))
            inputBlob += stateLayout.resetBytes
        }
        if weightsInRAM && weightOffsets.total > 0 {
            copies.insert((a.weightsFlash, a.weights, weightOffsets.total, "weights to RAM"), at: 0)
        }

        // Reset handler: enable the M7 caches, copy, then the layers, then exit.
        var asm = ScheduleAssembler()
        var steps: [String] = []
        asm.label("reset")
        if board.core.kind == .cortexM7 && (board.memorySystem.icache != nil || board.memorySystem.dcache != nil) {
            // SCB->CCR |= IC | DC (Cortex-M7 TRM 4.1.1), as CMSIS SCB_EnableICache/DCache do.
            asm.load(.r0, 0xE000_ED14)
            asm.emit(Instruction(.ldrImm, rd: .r1, rn: .r0, flags: [.index, .add]))
            asm.load(.r2, 0x0003_0000)
            asm.emit(Instruction(.orrReg, rd: .r1, rn: .r1, rm: .r2, flags: .setFlagsOutsideIT))
            asm.emit(Instruction(.strImm, rd: .r1, rn: .r0, flags: [.index, .add]))
            asm.emit(Instruction(.dsb, imm: 15))
            asm.emit(Instruction(.isb, imm: 15))
            steps.append("enable the Cortex-M7 I- and D-caches (CCR.IC, CCR.DC)")
        }
        for c in copies {
            asm.load(.r0, c.src)
            asm.load(.r1, c.dst)
            asm.load(.r2, UInt32(c.bytes))
            asm.bl(try kernelAddress("copy_bytes"))
            steps.append("copy \(c.what) (\(c.bytes) bytes)")
        }
        var layerLabels: [Int: String] = [:]
        for (n, c) in calls.enumerated() {
            let l = "layer_\(n)"
            layerLabels[n] = l
            asm.label(l)
            if let call = c.call {
                asm.load(.r0, call.block)
                asm.bl(try kernelAddress(call.kernel))
            } else if let (src, dst, bytes) = c.copy {
                asm.load(.r0, src)
                asm.load(.r1, dst)
                asm.load(.r2, UInt32(bytes))
                asm.bl(try kernelAddress("copy_bytes"))
            }
        }
        asm.label("done")
        // Semihosting SYS_EXIT with ADP_Stopped_ApplicationExit: exit code 0.
        asm.emit(Instruction(.movImm, rd: .r0, imm: 0x18, flags: .setFlagsOutsideIT))
        asm.load(.r1, 0x20026)
        asm.emit(Instruction(.bkpt, imm: 0xAB))
        asm.label("hang")
        asm.branch(to: "hang")
        let schedule = try asm.assemble(at: a.schedule)
        for n in layers.indices { layers[n].address = schedule.labels[layerLabels[n]!] ?? 0 }

        // Weights blob.
        var weights = [UInt8](repeating: 0, count: weightOffsets.total)
        for (t, o) in weightOffsets.offsets {
            let data = paired[t] ?? model.tensors[t].data ?? []
            weights.replaceSubrange(o..<(o + data.count), with: data)
        }
        let outputs = try model.outputs.map { TensorPlacement(tensor: $0, address: try address($0), bytes: model.tensors[$0].byteCount) }
        return Emission(compiled: compiled, kernelNames: kernelNames, schedule: schedule, constants: constants,
                        constantLabels: constantLabels, weights: weights, inputBlob: inputBlob, layers: layers,
                        labels: schedule.labels, inputPlacements: inputPlacements, outputPlacements: outputs,
                        startupSteps: steps)
    }

    func int8Values(_ t: Int) -> [Int8]? {
        guard let d = model.tensors[t].data, model.tensors[t].type == .int8 else { return nil }
        return d.map { Int8(bitPattern: $0) }
    }

    func int32Values(_ t: Int) -> [Int32]? {
        guard let d = model.tensors[t].data, model.tensors[t].type == .int32, d.count % 4 == 0 else { return nil }
        return stride(from: 0, to: d.count, by: 4).map {
            Int32(bitPattern: UInt32(d[$0]) | UInt32(d[$0 + 1]) << 8 | UInt32(d[$0 + 2]) << 16 | UInt32(d[$0 + 3]) << 24)
        }
    }

    // MARK: - The image

    func makeImage(_ e: Emission, _ a: Addresses, stackBase: UInt32, stackBytes: Int, arenaBytes: Int,
                   stateBytes: Int, weightBytes: Int) -> FirmwareImage {
        var sections: [FirmwareImage.Section] = []
        var symbols: [FirmwareImage.Symbol] = []
        var mapping: [FirmwareImage.MappingSymbol] = []
        func add(_ name: String, _ address: UInt32, _ bytes: [UInt8], code: Bool) {
            guard !bytes.isEmpty else { return }
            sections.append(.init(name: name, address: address, size: UInt32(bytes.count), executable: code,
                                  writable: false, hasBytes: true, bytes: bytes))
        }
        func bss(_ name: String, _ address: UInt32, _ size: Int) {
            guard size > 0 else { return }
            sections.append(.init(name: name, address: address, size: UInt32(size), executable: false, writable: true,
                                  hasBytes: false, bytes: []))
        }
        // Vector table: initial SP, reset handler; no handlers (faults stop the run).
        let reset = e.labels["reset"]! | 1
        var vectors = [UInt8](repeating: 0, count: 64)
        for (k, v) in [a.stackTop, reset].enumerated() {
            for b in 0..<4 { vectors[k * 4 + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(b))) }
        }
        add(".isr_vector", a.vectors, vectors, code: false)
        mapping.append(.init(address: a.vectors, kind: .data, section: ".isr_vector"))
        add(".text", a.schedule, e.schedule.bytes, code: true)
        mapping.append(.init(address: a.schedule, kind: .thumb, section: ".text"))
        for (start, _) in e.schedule.pools { mapping.append(.init(address: start, kind: .data, section: ".text")) }
        for (_, end) in e.schedule.pools where end < a.schedule + UInt32(e.schedule.bytes.count) {
            mapping.append(.init(address: end, kind: .thumb, section: ".text"))
        }
        add(".text.kernels", a.kernels, e.compiled.image, code: true)
        // $t/$d at every change between instructions and data (literal pools in the line
        // map; the tables placed after the code), so objdump prints data as .word (ARM
        // ELF ABI §5.5.5, mapping symbols).
        var pieces = e.compiled.lineMap.map { (offset: $0.offset, isData: $0.isData) }
        pieces += e.compiled.symbols.filter { $0.kind == .table }.map { (offset: $0.offset, isData: true) }
        var inData = false
        for piece in pieces.sorted(by: { $0.offset < $1.offset }) where piece.isData != inData {
            inData = piece.isData
            mapping.append(.init(address: a.kernels + UInt32(piece.offset), kind: inData ? .data : .thumb,
                                 section: ".text.kernels"))
        }
        if mapping.last(where: { $0.section == ".text.kernels" }) == nil {
            mapping.append(.init(address: a.kernels, kind: .thumb, section: ".text.kernels"))
        }
        add(".rodata.params", a.constants, e.constants, code: false)
        if !e.constants.isEmpty { mapping.append(.init(address: a.constants, kind: .data, section: ".rodata.params")) }
        if weightsInRAM {
            add(".rodata.weights", a.weightsFlash, e.weights, code: false)
            bss(".bss.weights", a.weights, weightBytes)
        } else {
            add(".rodata.weights", a.weights, e.weights, code: false)
        }
        add(".rodata.input", a.inputs, e.inputBlob, code: false)
        bss(".bss.arena", a.arena, arenaBytes)
        bss(".bss.state", a.state, stateBytes)
        bss(".stack", stackBase, stackBytes)
        symbols.append(.init(name: "Reset_Handler", address: e.labels["reset"]!, size: 0, kind: .function))
        for (n, layer) in e.layers.enumerated() {
            symbols.append(.init(name: "__sersim_layer_\(n)", address: layer.address, size: 0, kind: .other))
        }
        symbols.append(.init(name: "__sersim_done", address: e.labels["done"]!, size: 0, kind: .other))
        for s in e.compiled.symbols {
            // Tables as untyped symbols: objdump then lists them as .word lines, as it
            // does literal pools (an STT_OBJECT in a code section is dumped as raw bytes).
            symbols.append(.init(name: s.name, address: a.kernels + UInt32(s.offset), size: UInt32(s.size),
                                 kind: s.kind == .kernel ? .function : .other))
        }
        symbols.append(.init(name: "__sersim_arena", address: a.arena, size: UInt32(arenaBytes), kind: .object))
        return FirmwareImage(segments: sections.map {
            .init(address: $0.address, bytes: $0.bytes, memorySize: $0.size, executable: $0.executable,
                  writable: $0.writable, name: $0.name)
        }, sections: sections, symbols: symbols, mappingSymbols: mapping.sorted { $0.address < $1.address },
           entry: reset, origin: "\(model.name) for \(board.name)")
    }
}

/// Short, readable layer names: the Keras layer from converter names like
/// "ser/dense/MatMul;ser/dense/BiasAdd" ("dense"), else the operator ("lstm"), made
/// unique with a suffix.
enum LayerNames {
    static func short(_ model: Model) -> [String] {
        var used: [String: Int] = [:]
        return model.operators.enumerated().map { k, op in
            var base = op.name.isEmpty ? (op.outputs.first.map { model.tensors[$0].name } ?? "") : op.name
            base = String(base.split(separator: ";").first ?? "")
            let parts = base.split(separator: "/").map(String.init)
            if parts.count >= 2 && !parts[1].isEmpty && !parts[1].contains(":") {
                base = parts[1]
            } else {
                base = kindName(op.kind)
            }
            if base.isEmpty || base.hasPrefix("tfl.") || base.contains(":") { base = kindName(op.kind) }
            let n = used[base, default: 0]
            used[base] = n + 1
            return n == 0 ? base : "\(base)_\(n)"
        }
    }

    static func kindName(_ kind: OperatorKind) -> String {
        switch kind {
        case .fullyConnected: "fully_connected"
        case .unidirectionalSequenceLSTM: "lstm"
        case .stridedSlice: "strided_slice"
        default: kind.rawValue.lowercased()
        }
    }
}

/// The kernels' scratch requests: the LSTM kernel wants one buffer of its four int16
/// rows-per-step × state vectors (docs/kernels.md); the others want none.
struct KernelScratch: ScratchBufferPolicy {
    let prepared: [PreparedOperator]

    func scratchBuffers(for index: Int, in model: Model) -> [Int] {
        guard index < prepared.count, case .lstm(let p) = prepared[index] else { return [] }
        return [KernelBindings.lstmScratchBytes(p)]
    }
}
