import ELFFile

/// Function symbols sorted by address, for "pc → function+offset" and profiles.
public struct SymbolTable: Sendable {
    public let functions: [FirmwareImage.Symbol]
    public var count: Int { functions.count }

    public init(symbols: [FirmwareImage.Symbol]) {
        // Keep one symbol per address (prefer global names), functions only.
        var byAddress: [UInt32: FirmwareImage.Symbol] = [:]
        for s in symbols where s.kind == .function && !s.name.isEmpty {
            if let old = byAddress[s.address], old.isGlobal || !s.isGlobal { continue }
            byAddress[s.address] = s
        }
        functions = byAddress.values.sorted { $0.address < $1.address }
    }

    /// Index of the function whose [address, address + size) contains `address`; a
    /// symbol of size 0 extends to the next symbol.
    public func functionIndex(containing address: UInt32) -> Int? {
        var lo = 0, hi = functions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if functions[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        let i = lo - 1
        guard i >= 0 else { return nil }
        let f = functions[i]
        if f.size == 0 || address < f.address &+ f.size { return i }
        return nil
    }

    /// "name+0x1c" for an address inside a function.
    public func describe(_ address: UInt32) -> String? {
        guard let i = functionIndex(containing: address) else { return nil }
        let f = functions[i]
        let off = address &- f.address
        return off == 0 ? f.name : "\(f.name)+0x\(String(off, radix: 16))"
    }

    public func address(of name: String) -> UInt32? {
        functions.first { $0.name == name }?.address
    }
}
