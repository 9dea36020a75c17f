// Minimal built-in profiles with the real memory maps, used until Boards/*.json carry
// the full, cited profiles (the boards issue).

public enum BuiltinBoards {
    public static let all: [Board] = [stm32f746, nano33ble, nanoRP2040]

    public static func named(_ name: String) -> Board? { all.first { $0.name == name } }

    /// STM32F746NG: RM0385 Rev 8, 2.2.2 memory map (Figure 2) and Table 5 (flash latency).
    public static let stm32f746 = Board(
        name: "stm32f746", displayName: "STM32F746G-DISCO", mcu: "STM32F746NG", vendor: "STMicroelectronics",
        core: CoreSpec(kind: .cortexM7, architecture: .armv7em, fpu: "fpv5-sp-d16", dsp: true),
        clock: ClockSpec(defaultHz: 216e6, minHz: 4e6, maxHz: 216e6),
        memory: [
            MemoryRegion(name: "ITCM", kind: .itcm, base: 0x0000_0000, size: 16 << 10, writable: true, executable: true),
            MemoryRegion(name: "FLASH", kind: .flash, base: 0x0800_0000, size: 1 << 20, writable: false, executable: true,
                         usesFlashLatency: true),
            MemoryRegion(name: "DTCM", kind: .dtcm, base: 0x2000_0000, size: 64 << 10, writable: true, executable: true),
            MemoryRegion(name: "SRAM1", kind: .sram, base: 0x2001_0000, size: 240 << 10, writable: true, executable: true),
            MemoryRegion(name: "SRAM2", kind: .sram, base: 0x2004_C000, size: 16 << 10, writable: true, executable: true),
        ],
        vectorTable: 0x0800_0000)

    /// nRF52840: Product Specification v1.7, 4.2.3 memory map.
    public static let nano33ble = Board(
        name: "nano33ble", displayName: "Arduino Nano 33 BLE Sense", mcu: "nRF52840", vendor: "Nordic Semiconductor",
        core: CoreSpec(kind: .cortexM4, architecture: .armv7em, fpu: "fpv4-sp-d16", dsp: true),
        clock: ClockSpec(defaultHz: 64e6, minHz: 64e6, maxHz: 64e6),
        memory: [
            MemoryRegion(name: "FLASH", kind: .flash, base: 0x0000_0000, size: 1 << 20, writable: false, executable: true),
            MemoryRegion(name: "RAM", kind: .sram, base: 0x2000_0000, size: 256 << 10, writable: true, executable: true),
        ],
        vectorTable: 0x0000_0000)

    /// RP2040: datasheet build-date 2021-03-05, 2.2 address map.
    public static let nanoRP2040 = Board(
        name: "nano-rp2040", displayName: "Arduino Nano RP2040 Connect", mcu: "RP2040", vendor: "Raspberry Pi",
        core: CoreSpec(kind: .cortexM0plus, architecture: .armv6m, dsp: false, fastMultiplier: true),
        clock: ClockSpec(defaultHz: 133e6, minHz: 10e6, maxHz: 133e6),
        memory: [
            MemoryRegion(name: "ROM", kind: .rom, base: 0x0000_0000, size: 16 << 10, writable: false, executable: true,
                         usable: false),
            MemoryRegion(name: "XIP", kind: .xipFlash, base: 0x1000_0000, size: 16 << 20, writable: false, executable: true),
            MemoryRegion(name: "SRAM", kind: .sram, base: 0x2000_0000, size: 264 << 10, writable: true, executable: true),
        ],
        vectorTable: 0x1000_0000)
}
