/* Exceptions written in C: an SVC handler that reads its number and arguments from the
 * stacked frame and returns a result in it, PendSV tail-chained from the SVC, and SysTick
 * interrupts waking WFI. The output depends only on what happened, not on timing. */
#include "rt.h"

static volatile unsigned ticks;
static volatile char order[8];
static volatile unsigned order_len;

static void note(char c) { order[order_len++] = c; }

/* SVC entry: pass the frame on the stack that was active (EXC_RETURN bit 2) to C.
 * Written for ARMv6-M, so it runs on every core. */
__attribute__((naked)) void SVC_Handler(void) {
    __asm__ volatile(
        "movs r0, #4\n"
        "mov r1, lr\n"
        "tst r0, r1\n"
        "beq 1f\n"
        "mrs r0, psp\n"
        "b svc_dispatch\n"
        "1: mrs r0, msp\n"
        "b svc_dispatch\n");
}

/* frame: r0 r1 r2 r3 r12 lr pc xpsr. The SVC's immediate is the low byte of the
 * instruction before the stacked pc. */
__attribute__((used)) void svc_dispatch(uint32_t *frame) {
    uint8_t number = ((const uint8_t *)frame[6])[-2];
    note('S');
    switch (number) {
    case 1: frame[0] = frame[0] + frame[1]; break;
    case 2: frame[0] = frame[0] * frame[1] - frame[2]; break;
    case 3:
        SCB_ICSR = 1u << 28;  /* PENDSVSET: runs when the SVC returns */
        frame[0] = 0;
        break;
    default: frame[0] = 0xFFFFFFFFu;
    }
}

void PendSV_Handler(void) { note('P'); }

/* Stops itself at the fifth tick, so the count does not depend on how fast the core runs
 * (QEMU's SysTick follows host time: another tick may already be pending). */
void SysTick_Handler(void) {
    if (++ticks == 5) {
        SYST_CSR = 0;
        SCB_ICSR = 1u << 25;  /* PENDSTCLR */
    }
}

static uint32_t svc1(uint32_t a, uint32_t b) {
    register uint32_t r0 __asm__("r0") = a;
    register uint32_t r1 __asm__("r1") = b;
    __asm__ volatile("svc 1" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static uint32_t svc2(uint32_t a, uint32_t b, uint32_t c) {
    register uint32_t r0 __asm__("r0") = a;
    register uint32_t r1 __asm__("r1") = b;
    register uint32_t r2 __asm__("r2") = c;
    __asm__ volatile("svc 2" : "+r"(r0) : "r"(r1), "r"(r2) : "memory");
    return r0;
}

static void svc3(void) {
    register uint32_t r0 __asm__("r0") = 0;
    __asm__ volatile("svc 3" : "+r"(r0) : : "memory");
}

int main(void) {
    rt_printf("svc 1: 3 + 4 = %u\n", svc1(3, 4));
    rt_printf("svc 2: 6 * 7 - 2 = %u\n", svc2(6, 7, 2));
    svc3();
    note('M');
    order[order_len] = 0;
    rt_printf("order: %s\n", (const char *)order);

    /* SysTick every 10000 processor cycles; sleep until five have happened. */
    SYST_RVR = 9999;
    SYST_CVR = 0;
    SYST_CSR = 7;
    unsigned wakeups = 0;
    while (ticks < 5) {
        __asm__ volatile("wfi");
        wakeups++;
    }
    SYST_CSR = 0;
    rt_printf("systick: %u ticks, woke at least %s\n", ticks, wakeups >= 1 ? "once" : "never");
    return 0;
}
