/// A firmware image in memory: what an ELF file holds that a machine needs (loadable
/// segments, sections for disassembly, symbols for profiles), independent of where it
/// came from (an ELF on disk, or sersim's own firmware builder).
public struct FirmwareImage: Sendable {
    public struct Segment: Sendable, Equatable {
        /// Physical load address (LMA): where the bytes sit when the device resets.
        public var address: UInt32
        public var bytes: [UInt8]
        /// Size in memory (≥ bytes.count; the rest is zero-filled, like .bss).
        public var memorySize: UInt32
        public var executable: Bool
        public var writable: Bool
        /// A name for messages: the program header index, or the section it came from.
        public var name: String

        public init(address: UInt32, bytes: [UInt8], memorySize: UInt32? = nil, executable: Bool,
                    writable: Bool, name: String) {
            self.address = address
            self.bytes = bytes
            self.memorySize = memorySize ?? UInt32(bytes.count)
            self.executable = executable
            self.writable = writable
            self.name = name
        }
    }

    public struct Section: Sendable, Equatable {
        public var name: String
        public var address: UInt32
        public var size: UInt32
        public var executable: Bool
        public var writable: Bool
        /// Allocated and with contents (not NOBITS).
        public var hasBytes: Bool
        /// Contents (empty for NOBITS sections).
        public var bytes: [UInt8]

        public init(name: String, address: UInt32, size: UInt32, executable: Bool, writable: Bool,
                    hasBytes: Bool, bytes: [UInt8]) {
            self.name = name
            self.address = address
            self.size = size
            self.executable = executable
            self.writable = writable
            self.hasBytes = hasBytes
            self.bytes = bytes
        }
    }

    public struct Symbol: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case function, object, other }
        public var name: String
        /// Address with the Thumb bit cleared for functions.
        public var address: UInt32
        public var size: UInt32
        public var kind: Kind
        /// STB_GLOBAL or STB_WEAK.
        public var isGlobal: Bool
        /// STB_WEAK.
        public var isWeak: Bool
        /// The section the symbol is defined in (nil: absolute, common or undefined).
        public var section: String?

        public init(name: String, address: UInt32, size: UInt32, kind: Kind, isGlobal: Bool = true,
                    isWeak: Bool = false, section: String? = nil) {
            self.name = name
            self.address = address
            self.size = size
            self.kind = kind
            self.isGlobal = isGlobal
            self.isWeak = isWeak
            self.section = section
        }
    }

    /// An ARM ELF mapping symbol (ELF for the Arm Architecture, IHI 0044, 5.5.5): `$t`
    /// starts Thumb code, `$a` Arm code, `$d` data (literal pools, jump tables) inside a
    /// section. Disassemblers use them to print data as data.
    public struct MappingSymbol: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case thumb, arm, data }
        public var address: UInt32
        public var kind: Kind
        public var section: String

        public init(address: UInt32, kind: Kind, section: String) {
            self.address = address
            self.kind = kind
            self.section = section
        }
    }

    public var segments: [Segment]
    public var sections: [Section]
    public var symbols: [Symbol]
    /// Mapping symbols, sorted by address.
    public var mappingSymbols: [MappingSymbol]
    /// ELF entry point (informational: Cortex-M starts from the vector table).
    public var entry: UInt32
    /// Where the image came from, for messages.
    public var origin: String
    /// Non-allocated sections whose names start with ".sersim" (sersim's own metadata,
    /// e.g. `.sersim.model` in the firmware it builds for a model), by name.
    public var sersimSections: [String: [UInt8]] = [:]

    public init(segments: [Segment], sections: [Section] = [], symbols: [Symbol] = [],
                mappingSymbols: [MappingSymbol] = [], entry: UInt32 = 0, origin: String = "image") {
        self.segments = segments
        self.sections = sections
        self.symbols = symbols
        self.mappingSymbols = mappingSymbols
        self.entry = entry
        self.origin = origin
    }
}
