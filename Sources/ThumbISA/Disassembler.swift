// GNU-syntax disassembly (as arm-none-eabi-objdump prints it).

public enum Disassembler {
    /// Mnemonic and operands of one instruction at `address`.
    /// `itCondition` is the condition it executes under inside an IT block, if any.
    public static func text(_ inst: Instruction, address: UInt32, itCondition: Condition? = nil) -> String {
        guard inst.op != .undefined else { return "<undefined>" }
        return inst.encodingRow?.name ?? "\(inst.op)"
    }
}
