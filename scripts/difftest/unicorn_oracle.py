#!/usr/bin/env python3
"""Unicorn as the reference for sersim's differential tests.

Reads one JSON object per line on stdin (a test case: memory images, initial registers,
and the address at which each step ends), runs it on Unicorn in Thumb + M-class mode one
instruction at a time, and writes one JSON object per line on stdout with the state after
every step. The Swift side (Tests/CortexMTests/Differential) generates the cases, runs
them on sersim and compares.

Stepping uses emu_start(begin, until=<next instruction's address>): Unicorn's code hook
does not fire for instructions whose IT condition fails, so neither hook counts nor
count=1 can serve as an instruction-count oracle; stopping at the next address can.

Case:   {"cpu": "cortex-m4", "regions": [[base, size], ...], "writes": [[addr, hex], ...],
         "regs": [r0..r15], "xpsr": apsr bits, "stops": [addr, ...],
         "window": [base, size], "clean_regions": [[base, size], ...]}
Result: {"steps": [[r0..r15, xpsr, crc32(window)], ...], "error": null | "step k: ...",
         "ram_clean": whether every clean_region is still all zero at the end}
"""
import json
import sys
import zlib

from unicorn import Uc, UcError, UC_ARCH_ARM, UC_MODE_THUMB, UC_MODE_MCLASS
from unicorn import arm_const as A

CPUS = {
    "cortex-m0": A.UC_CPU_ARM_CORTEX_M0,
    "cortex-m3": A.UC_CPU_ARM_CORTEX_M3,
    "cortex-m4": A.UC_CPU_ARM_CORTEX_M4,
    "cortex-m7": A.UC_CPU_ARM_CORTEX_M7,
}
REGS = [getattr(A, "UC_ARM_REG_R%d" % i) for i in range(13)] + [A.UC_ARM_REG_SP, A.UC_ARM_REG_LR, A.UC_ARM_REG_PC]


def run_case(case):
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.ctl_set_cpu_model(CPUS[case["cpu"]])
    for base, size in case["regions"]:
        uc.mem_map(base, size)
    for addr, data in case["writes"]:
        uc.mem_write(addr, bytes.fromhex(data))
    regs = case["regs"]
    for i in range(15):
        uc.reg_write(REGS[i], regs[i])
    uc.reg_write(A.UC_ARM_REG_PC, regs[15] | 1)
    uc.reg_write(A.UC_ARM_REG_APSR_NZCVQG, case["xpsr"] & 0xF80F0000)
    wbase, wsize = case["window"]
    steps = []
    error = None
    pc = regs[15]
    for k, stop in enumerate(case["stops"]):
        try:
            uc.emu_start(pc | 1, stop)
        except UcError as e:
            error = "step %d: %s" % (k, e)
            break
        state = [uc.reg_read(r) for r in REGS]
        state.append(uc.reg_read(A.UC_ARM_REG_XPSR))
        state.append(zlib.crc32(uc.mem_read(wbase, wsize)))
        steps.append(state)
        pc = state[15]
        if pc != stop:
            error = "step %d: stopped at 0x%08x instead of 0x%08x" % (k, pc, stop)
            break
    clean = all(uc.mem_read(b, s).count(0) == s for b, s in case.get("clean_regions", []))
    return {"steps": steps, "error": error, "ram_clean": clean}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            result = run_case(json.loads(line))
        except Exception as e:  # report, keep serving
            result = {"steps": [], "error": "oracle: %r" % (e,), "ram_clean": False}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
