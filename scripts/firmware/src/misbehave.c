/* Firmware that misbehaves on purpose, for the emulator's own reports (no QEMU run):
 * OVERFLOW recurses until the stack runs past the start of RAM; HANG spins on a branch to
 * itself with no interrupt enabled; SLEEP waits for an interrupt that cannot come; SPIN
 * loops forever doing work (stopped by --max-cycles). */
#include "rt.h"

static volatile uint32_t sink;

__attribute__((noinline)) static uint32_t recurse(uint32_t n) {
    volatile uint32_t frame[16];
    for (int i = 0; i < 16; i++) frame[i] = n + (uint32_t)i;
    return recurse(n + 1) + frame[n & 15];
}

int main(void) {
    rt_printf("misbehaving: %s\n", MODE_NAME);
#if defined(OVERFLOW)
    sink = recurse(0);
#elif defined(HANG)
    __asm__ volatile("1: b 1b");
#elif defined(SLEEP)
    __asm__ volatile("cpsid i\n wfi");
#elif defined(SPIN)
    for (uint32_t i = 0;; i++) sink = i;
#endif
    return 0;
}
