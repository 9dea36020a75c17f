/* sersim firmware fixtures: a minimal runtime (semihosting output and exit, a small
 * printf) so that the programs run unchanged on sersim and on QEMU. */
#ifndef RT_H
#define RT_H
#include <stdint.h>
#include <stddef.h>

/* Semihosting (BKPT 0xAB): r0 = operation, r1 = parameter. */
static inline int semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void rt_puts(const char *s);
void rt_printf(const char *fmt, ...);
__attribute__((noreturn)) void rt_exit(int code);

/* A deterministic pseudo-random sequence (Numerical Recipes LCG). */
static inline uint32_t lcg(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return *state;
}

#define SCB_ICSR  (*(volatile uint32_t *)0xE000ED04)
#define SCB_CCR   (*(volatile uint32_t *)0xE000ED14)
#define SCB_SHPR3 (*(volatile uint32_t *)0xE000ED20)
#define SCB_CFSR  (*(volatile uint32_t *)0xE000ED28)
#define SCB_HFSR  (*(volatile uint32_t *)0xE000ED2C)
#define SCB_BFAR  (*(volatile uint32_t *)0xE000ED38)
#define SYST_CSR  (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR  (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR  (*(volatile uint32_t *)0xE000E018)

#endif
