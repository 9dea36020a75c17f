/* A deliberate fault, caught by a HardFault handler that reports what the core recorded
 * (CFSR/HFSR/BFAR on ARMv7-M) and whether the stacked PC is the faulting instruction.
 * FAULT selects the fault: 1 undefined instruction, 2 unaligned access, 3 divide by
 * zero (ARMv7-M), 4 bus error (a read of unmapped memory). With NO_HARDFAULT_HANDLER the emulator reports it. */
#include "rt.h"

#ifndef FAULT
#define FAULT 1
#endif

extern const char fault_point[];
static volatile uint32_t sink;

__attribute__((noinline)) void trigger(volatile uint32_t *p, uint32_t zero) {
#if FAULT == 1
    (void)p; (void)zero;
    __asm__ volatile(".global fault_point\nfault_point: udf #42");
#elif FAULT == 2
    (void)zero;
    uint32_t v;
    __asm__ volatile(".global fault_point\nfault_point: ldr %0, [%1]" : "=r"(v) : "r"((uintptr_t)p + 1));
    sink = v;
#elif FAULT == 3
    (void)p;
    uint32_t q;
    __asm__ volatile(".global fault_point\nfault_point: udiv %0, %1, %2" : "=r"(q) : "r"(100u), "r"(zero));
    sink = q;
#elif FAULT == 4
    (void)zero;
    uint32_t v;
    __asm__ volatile(".global fault_point\nfault_point: ldr %0, [%1]" : "=r"(v) : "r"(p));
    sink = v;
#endif
}

__attribute__((naked)) void HardFault_Handler(void) {
    __asm__ volatile(
        "movs r0, #4\n"
        "mov r1, lr\n"
        "tst r0, r1\n"
        "beq 1f\n"
        "mrs r0, psp\n"
        "b hardfault_report\n"
        "1: mrs r0, msp\n"
        "b hardfault_report\n");
}

__attribute__((used)) void hardfault_report(uint32_t *frame) {
    rt_printf("HardFault: stacked pc %s the faulting instruction\n",
              frame[6] == (uint32_t)(uintptr_t)fault_point ? "is" : "is NOT");
#if __ARM_ARCH_7M__ || __ARM_ARCH_7EM__
    uint32_t cfsr = SCB_CFSR;
    rt_printf("CFSR %08x HFSR %08x\n", cfsr, SCB_HFSR);
    if (cfsr & (1u << 15)) rt_printf("BFAR %08x\n", SCB_BFAR);
#endif
    rt_exit(3);
}

int main(void) {
    static uint32_t words[2];
    rt_printf("triggering fault %d\n", FAULT);
    /* The trap enables are set here, not next to the faulting instruction: QEMU decides
     * alignment checking when it translates a block, so a CCR write in the same block
     * would not take effect there (the core itself applies it at once). */
#if FAULT == 2 && (__ARM_ARCH_7M__ || __ARM_ARCH_7EM__)
    SCB_CCR |= 1u << 3;  /* UNALIGN_TRP */
#elif FAULT == 3
    SCB_CCR |= 1u << 4;  /* DIV_0_TRP */
#endif
    /* 0x30000000 is unmapped on every sersim board and QEMU machine used here. */
    trigger(FAULT == 4 ? (volatile uint32_t *)0x30000000u : words, 0);
    rt_printf("no fault happened\n");
    return 1;
}
