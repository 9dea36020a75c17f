#!/usr/bin/env python3
"""Run the benchmark firmware under QEMU and under Unicorn, for docs/benchmarks.md.

  scripts/firmware/bench_emulators.py [--repeat N] [--unicorn-instructions N]

QEMU: the whole benchmac-long ELF (QEMU counts no instructions: the rate uses sersim's
count for the same ELF, given below), wall time of the process including its start-up.
Unicorn: the same ELF with a per-instruction code hook (as a tracing emulator runs), for
the first --unicorn-instructions instructions (a full run would take minutes), and once
without a hook. Semihosting (SYS_WRITE0, SYS_EXIT_EXTENDED) is served from an interrupt
hook so that the firmware runs unchanged.
"""
import argparse
import os
import struct
import subprocess
import sys
import time

from unicorn import Uc, UcError, UC_ARCH_ARM, UC_MODE_THUMB, UC_MODE_MCLASS, UC_HOOK_CODE, UC_HOOK_INTR
from unicorn import arm_const as A

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "Tests", "CortexMTests", "Fixtures", "firmware")

# ELF, QEMU machine, Unicorn CPU, memory map for Unicorn, sersim's instruction count
# (sersim-bench prints it; the ELF is deterministic).
CASES = [
    ("benchmac-long-m4-O2-nrf52840.elf", "mps2-an386", A.UC_CPU_ARM_CORTEX_M4, [(0x0, 1 << 20), (0x20000000, 256 << 10)], 405866368),
    ("benchmac-long-m7-O2-an500.elf", "mps2-an500", A.UC_CPU_ARM_CORTEX_M7, [(0x0, 4 << 20), (0x20000000, 4 << 20)], None),
    ("benchmac-long-m0plus-O2-microbit.elf", "microbit", A.UC_CPU_ARM_CORTEX_M0, [(0x0, 256 << 10), (0x20000000, 16 << 10)], None),
]


def load_segments(path):
    data = open(path, "rb").read()
    phoff, = struct.unpack_from("<I", data, 0x1C)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x2A)
    segs = []
    for i in range(phnum):
        p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIIIII", data, phoff + i * phentsize)
        if p_type == 1 and p_memsz:
            segs.append((p_paddr, data[p_offset:p_offset + p_filesz] + bytes(p_memsz - p_filesz)))
    return segs


def run_qemu(elf, machine):
    cmd = ["qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none", "-serial", "none",
           "-semihosting-config", "enable=on,target=native", "-kernel", os.path.join(FIX, elf)]
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, timeout=600)
    return time.perf_counter() - start, r.returncode, r.stderr.decode()


def run_unicorn(elf, cpu, regions, limit, hooked):
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.ctl_set_cpu_model(cpu)
    for base, size in regions:
        uc.mem_map(base, size)
    for addr, data in load_segments(os.path.join(FIX, elf)):
        uc.mem_write(addr, data)
    sp, reset = struct.unpack("<II", uc.mem_read(0, 8))
    uc.reg_write(A.UC_ARM_REG_SP, sp)
    state = {"count": 0, "out": b"", "exit": None}

    def on_code(uc, address, size, _):
        state["count"] += 1
        if state["count"] >= limit:
            uc.emu_stop()

    def on_intr(uc, intno, _):
        pc = uc.reg_read(A.UC_ARM_REG_PC)
        op, arg = uc.reg_read(A.UC_ARM_REG_R0), uc.reg_read(A.UC_ARM_REG_R1)
        if op == 0x04:  # SYS_WRITE0
            s = b""
            while True:
                c = bytes(uc.mem_read(arg + len(s), 1))
                if c == b"\0":
                    break
                s += c
            state["out"] += s
        elif op == 0x20:  # SYS_EXIT_EXTENDED
            state["exit"] = struct.unpack("<II", uc.mem_read(arg, 8))[1]
            uc.emu_stop()
        uc.reg_write(A.UC_ARM_REG_PC, (pc + 2) | 1)  # past the BKPT

    if hooked:
        uc.hook_add(UC_HOOK_CODE, on_code)
    uc.hook_add(UC_HOOK_INTR, on_intr)
    start = time.perf_counter()
    pc = reset
    while state["exit"] is None and (not hooked or state["count"] < limit):
        try:
            uc.emu_start(pc | 1, 0xFFFFFFFF)
        except UcError as e:
            sys.exit("unicorn: %s at 0x%x" % (e, uc.reg_read(A.UC_ARM_REG_PC)))
        pc = uc.reg_read(A.UC_ARM_REG_PC)
    return time.perf_counter() - start, state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--unicorn-instructions", type=int, default=10_000_000)
    args = ap.parse_args()
    for elf, machine, cpu, regions, instructions in CASES:
        times = sorted(run_qemu(elf, machine)[0] for _ in range(args.repeat))
        rate = " (%.0f M instructions/s)" % (instructions / times[len(times) // 2] / 1e6) if instructions else ""
        print("%s: QEMU %s: %s s, median %.2f s%s" % (elf, machine, " ".join("%.2f" % t for t in times),
                                                      times[len(times) // 2], rate))
        t, state = run_unicorn(elf, cpu, regions, args.unicorn_instructions, True)
        print("%s: Unicorn, per-instruction hook: %d instructions in %.2f s = %.2f M instructions/s" % (
            elf, state["count"], t, state["count"] / t / 1e6))
        if instructions:
            t, state = run_unicorn(elf, cpu, regions, 0, False)
            print("%s: Unicorn, no hook, whole run: %.2f s (%.0f M instructions/s), printed %r, exit %s" % (
                elf, t, instructions / t / 1e6, state["out"].decode(), state["exit"]))


if __name__ == "__main__":
    main()
