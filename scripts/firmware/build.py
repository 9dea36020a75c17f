#!/usr/bin/env python3
"""Build sersim's firmware fixtures and record what QEMU prints for them.

The programs in scripts/firmware/src are the project's own (CRC, sorting, an integer
matrix multiply as a quantized layer computes it, DSP intrinsics, exception handlers in
C, deliberate faults, and a newlib/rdimon program). Each is compiled with
arm-none-eabi-gcc for the Cortex-M0+, M4 and M7 at several -O levels and linked for the
memory map of a sersim board and, where that map differs, of a QEMU machine:

  target     core   memory map                         sersim board      QEMU machine
  rp2040     M0+    XIP flash 0x10000000, SRAM 0x2...  nano-rp2040       (none: see microbit)
  microbit   M0+    flash 0x0, RAM 0x20000000 16 KiB   qemu-microbit*    microbit (nRF51, Cortex-M0)
  nrf52840   M4     flash 0x0, RAM 0x20000000          nano33ble         mps2-an386 (Cortex-M4)
  stm32f746  M7     flash 0x08000000, DTCM 0x20000000  stm32f746         netduinoplus2 (STM32F405,
                                                                         Cortex-M4: same ISA)
  an500      M7     SSRAM 0x0, SSRAM 0x20000000        qemu-mps2-an500*  mps2-an500 (Cortex-M7)

  * test-only boards describing the QEMU machine's memory map (Tests/CortexMTests).

QEMU 7.2 writes semihosting output to stderr; that output and the exit code are recorded
in Tests/CortexMTests/Fixtures/firmware/manifest.json, which the Swift tests compare
sersim's runs against. No QEMU machine has memory where the RP2040 keeps its flash, so
rp2040 builds are compared with the same program built for the microbit (an ARMv6-M
core, as the RP2040's).

Usage: scripts/firmware/build.py [--jobs N]   (needs arm-none-eabi-gcc, newlib, qemu-system-arm)
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SRC = os.path.join(HERE, "src")
OUT = os.path.join(ROOT, "Tests", "CortexMTests", "Fixtures", "firmware")

TARGETS = {
    "rp2040": dict(core="m0plus", cpu="cortex-m0plus", flash=(0x10000000, 2 << 20), ram=(0x20000000, 264 << 10),
                   board="nano-rp2040", qemu=None, reference="microbit"),
    "microbit": dict(core="m0plus", cpu="cortex-m0plus", flash=(0x0, 256 << 10), ram=(0x20000000, 16 << 10),
                     board="qemu-microbit", qemu="microbit"),
    "nrf52840": dict(core="m4", cpu="cortex-m4", flash=(0x0, 1 << 20), ram=(0x20000000, 256 << 10),
                     board="nano33ble", qemu="mps2-an386"),
    "stm32f746": dict(core="m7", cpu="cortex-m7", flash=(0x08000000, 1 << 20), ram=(0x20000000, 64 << 10),
                      board="stm32f746", qemu="netduinoplus2"),
    "an500": dict(core="m7", cpu="cortex-m7", flash=(0x0, 4 << 20), ram=(0x20000000, 256 << 10),
                  board="qemu-mps2-an500", qemu="mps2-an500"),
}

# (fixture name, sources, extra flags, -O levels, cores it applies to)
ALL_CORES = ("m0plus", "m4", "m7")
V7_CORES = ("m4", "m7")
PROGRAMS = [
    ("crc", ["crc.c"], [], ["O0", "O1", "O2", "O3", "Os"], ALL_CORES),
    ("sort", ["sort.c"], [], ["O0", "O2", "Os"], ALL_CORES),
    ("matmul", ["matmul.c"], [], ["O0", "O2", "O3", "Os"], ALL_CORES),
    ("dsp", ["dsp.c"], [], ["O0", "O2", "O3", "Os"], ALL_CORES),
    ("handlers", ["handlers.c"], [], ["O0", "O2", "Os"], ALL_CORES),
    ("fault-udf", ["fault.c"], ["-DFAULT=1"], ["O2"], ALL_CORES),
    ("fault-unaligned", ["fault.c"], ["-DFAULT=2"], ["O2"], ALL_CORES),
    ("fault-div0", ["fault.c"], ["-DFAULT=3"], ["O2"], V7_CORES),
    ("fault-bus", ["fault.c"], ["-DFAULT=4"], ["O2"], ALL_CORES),
    # No HardFault handler: sersim's own fault report (QEMU would lock up).
    ("fault-nohandler", ["fault.c"], ["-DFAULT=1", "-DNO_HARDFAULT_HANDLER"], ["O2"], ALL_CORES),
    ("stdio", ["stdio.c"], [], ["O2", "Os"], ALL_CORES),
    # The benchmark firmware (sersim-bench runs the long one): a short run for the tests.
    ("benchmac", ["benchmac.c"], ["-DITERATIONS=4"], ["O2"], ALL_CORES),
    ("benchmac-long", ["benchmac.c"], ["-DITERATIONS=15000"], ["O2"], ALL_CORES),
    # Misbehaving firmware for sersim's reports (no QEMU run: they never exit).
    ("overflow", ["misbehave.c"], ["-DOVERFLOW", "-DMODE_NAME=\"overflow\""], ["O2"], ALL_CORES),
    ("hang", ["misbehave.c"], ["-DHANG", "-DMODE_NAME=\"hang\""], ["O2"], ALL_CORES),
    ("sleep", ["misbehave.c"], ["-DSLEEP", "-DMODE_NAME=\"sleep\""], ["O2"], ALL_CORES),
    ("spin", ["misbehave.c"], ["-DSPIN", "-DMODE_NAME=\"spin\""], ["O2"], ALL_CORES),
]
NO_QEMU = {"fault-nohandler", "overflow", "hang", "sleep", "spin", "wrongcore"}
# ARMv7E-M code linked for the Cortex-M0+ board: sersim must stop at the first
# instruction the M0+ does not have (undefined instruction), as the chip would. No
# HardFault handler: it would be ARMv7-M code too.
WRONG_CORE = [("wrongcore", ["crc.c"], ["-DNO_HARDFAULT_HANDLER"], "cortex-m4", "O2", "rp2040")]

LINKER_OWN = """MEMORY {{
  FLASH (rx) : ORIGIN = {flash:#x}, LENGTH = {flashlen:#x}
  RAM (rwx) : ORIGIN = {ram:#x}, LENGTH = {ramlen:#x}
}}
ENTRY(Reset_Handler)
SECTIONS {{
  .text : {{ KEEP(*(.vectors)) *(.text*) *(.rodata*) . = ALIGN(4); }} > FLASH
  .ARM.exidx : {{ *(.ARM.exidx*) }} > FLASH
  .data : {{ _sdata = .; *(.data*) . = ALIGN(4); _edata = .; }} > RAM AT > FLASH
  _sidata = LOADADDR(.data);
  .bss (NOLOAD) : {{ _sbss = .; *(.bss*) *(COMMON) . = ALIGN(4); _ebss = .; }} > RAM
  _estack = ORIGIN(RAM) + LENGTH(RAM);
}}
"""

# newlib's crt0 does not copy .data: it is loaded straight into RAM (LMA = VMA), as a
# debugger or emulator loading the ELF does.
LINKER_NEWLIB = """MEMORY {{
  FLASH (rx) : ORIGIN = {flash:#x}, LENGTH = {flashlen:#x}
  RAM (rwx) : ORIGIN = {ram:#x}, LENGTH = {ramlen:#x}
}}
ENTRY(_start)
SECTIONS {{
  .text : {{
    KEEP(*(.vectors)) *(.text*) KEEP(*(.init)) KEEP(*(.fini)) *(.rodata*) . = ALIGN(4);
  }} > FLASH
  .ARM.exidx : {{ *(.ARM.exidx*) }} > FLASH
  .preinit_array : {{ PROVIDE_HIDDEN(__preinit_array_start = .); KEEP(*(.preinit_array)) PROVIDE_HIDDEN(__preinit_array_end = .); }} > FLASH
  .init_array : {{ PROVIDE_HIDDEN(__init_array_start = .); KEEP(*(SORT(.init_array.*))) KEEP(*(.init_array)) PROVIDE_HIDDEN(__init_array_end = .); }} > FLASH
  .fini_array : {{ PROVIDE_HIDDEN(__fini_array_start = .); KEEP(*(SORT(.fini_array.*))) KEEP(*(.fini_array)) PROVIDE_HIDDEN(__fini_array_end = .); }} > FLASH
  .data : {{ *(.data*) . = ALIGN(4); }} > RAM
  .bss : {{ __bss_start__ = .; *(.bss*) *(COMMON) . = ALIGN(4); __bss_end__ = .; }} > RAM
  end = .;
  _end = .;
  __end__ = .;
  __stack = ORIGIN(RAM) + LENGTH(RAM);
  __heap_limit = __stack - 0x800;
}}
"""


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit("command failed: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def build(program, sources, extra, opt, target_name, tmp, cpu=None):
    t = TARGETS[target_name]
    core = {"cortex-m4": "m4", "cortex-m7": "m7", "cortex-m0plus": "m0plus"}[cpu or t["cpu"]]
    name = "%s-%s-%s-%s" % (program, core, opt, target_name)
    newlib = program == "stdio"
    script = os.path.join(tmp, name + ".ld")
    flash, flashlen = t["flash"]
    ram, ramlen = t["ram"]
    with open(script, "w") as f:
        f.write((LINKER_NEWLIB if newlib else LINKER_OWN).format(flash=flash, flashlen=flashlen, ram=ram, ramlen=ramlen))
    elf = os.path.join(OUT, name + ".elf")
    flags = ["-mcpu=" + (cpu or t["cpu"]), "-mthumb", "-mfloat-abi=soft", "-" + opt, "-g0", "-std=c11", "-Wall", "-Wextra",
             "-ffunction-sections", "-fdata-sections", "-I" + SRC] + extra
    srcs = [os.path.join(SRC, s) for s in sources]
    if newlib:
        srcs.append(os.path.join(SRC, "vectors_newlib.c"))
        link = ["--specs=nano.specs", "--specs=rdimon.specs", "-Wl,--gc-sections", "-T", script]
    else:
        srcs.append(os.path.join(SRC, "rt.c"))
        link = ["-nostdlib", "-nostartfiles", "-Wl,--gc-sections", "-T", script, "-lgcc"]
    run(["arm-none-eabi-gcc"] + flags + srcs + link + ["-o", elf])
    run(["arm-none-eabi-strip", "--strip-debug", elf])
    return name, elf


def qemu(machine, elf):
    cmd = ["qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none", "-serial", "none",
           "-semihosting-config", "enable=on,target=native", "-kernel", elf]
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        sys.exit("QEMU timed out: %s" % " ".join(cmd))
    # QEMU 7.2 writes the semihosting console (SYS_WRITE0/WRITEC) to stderr; SYS_WRITE to
    # a ":tt" handle (newlib's stdout) goes to its own stdout. A fixture uses one or the
    # other, so their order is never in question.
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace")
    if out and err:
        sys.exit("%s wrote both to ':tt' and to the semihosting console; cannot order them" % elf)
    return r.returncode, out + err


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    for tool in ("arm-none-eabi-gcc", "arm-none-eabi-strip", "qemu-system-arm"):
        if not shutil.which(tool):
            sys.exit("%s is needed to build the fixtures" % tool)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    jobs = []
    for program, sources, extra, opts, cores in PROGRAMS:
        for opt in opts:
            for tname, t in TARGETS.items():
                if t["core"] in cores:
                    jobs.append((program, sources, extra, opt, tname))
    fixtures = {}
    with tempfile.TemporaryDirectory() as tmp, concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        built = list(pool.map(lambda j: (j, build(*j, tmp)), jobs))
        for program, sources, extra, cpu, opt, tname in WRONG_CORE:
            name, _ = build(program, sources, extra, opt, tname, tmp, cpu=cpu)
            fixtures[name] = {"elf": name + ".elf", "program": program, "core": name.split("-")[1], "opt": opt,
                              "board": TARGETS[tname]["board"]}

        def record(item):
            (program, _, _, opt, tname), (name, elf) = item
            t = TARGETS[tname]
            entry = {"elf": name + ".elf", "program": program, "core": t["core"], "opt": opt, "board": t["board"]}
            if program.endswith("-long"):
                entry["long"] = True  # benchmark length: sersim-bench runs it, not the test suite
            if t["qemu"] and program not in NO_QEMU:
                code, out = qemu(t["qemu"], elf)
                entry["qemu"] = {"machine": t["qemu"], "exitCode": code, "output": out}
            return name, entry

        for name, entry in pool.map(record, built):
            fixtures[name] = entry
    # Builds without a QEMU run of their own take the reference target's output.
    for name, entry in fixtures.items():
        t = TARGETS[name.rsplit("-", 1)[1]]
        if "qemu" not in entry and t.get("reference") and entry["program"] not in NO_QEMU:
            entry["expectedFrom"] = name.rsplit("-", 1)[0] + "-" + t["reference"] + ".elf"
    versions = {
        "gcc": run(["arm-none-eabi-gcc", "--version"]).splitlines()[0],
        "qemu": run(["qemu-system-arm", "--version"]).splitlines()[0],
    }
    manifest = {
        "generator": "scripts/firmware/build.py",
        "note": "Generated: do not edit. QEMU's semihosting output (stderr in QEMU 7.2) and exit code per fixture.",
        "tools": versions,
        "fixtures": [fixtures[k] for k in sorted(fixtures)],
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, e["elf"])) for e in manifest["fixtures"])
    print("%d fixtures, %d KiB of ELF, in %s" % (len(fixtures), total // 1024, os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
