/* Runtime: startup (vector table, .data/.bss initialisation), semihosting console,
 * a small printf. */
#include <stdarg.h>
#include "rt.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

#define SYS_WRITE0 0x04
#define SYS_EXIT_EXTENDED 0x20
#define ADP_Stopped_ApplicationExit 0x20026

void rt_puts(const char *s) { semihost(SYS_WRITE0, s); }

void rt_exit(int code) {
    uint32_t block[2] = {ADP_Stopped_ApplicationExit, (uint32_t)code};
    semihost(SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}

/* Output is buffered per line and written with SYS_WRITE0. */
static char line[128];
static unsigned used;

static void flush(void) {
    line[used] = 0;
    rt_puts(line);
    used = 0;
}

static void put(char c) {
    line[used++] = c;
    if (c == '\n' || used == sizeof line - 1) flush();
}

static void put_unsigned(unsigned long long v, unsigned base, int width, char pad) {
    char digits[24];
    int n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    while (width-- > n) put(pad);
    while (n) put(digits[--n]);
}

/* %d %u %x %s %c %% with optional 0 flag, width and l/ll length. */
void rt_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(*p);
            continue;
        }
        p++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
        while (*p == 'l') {
            longs++;
            p++;
        }
        switch (*p) {
        case 'd': {
            long long v = longs >= 2 ? va_arg(ap, long long) : (long long)va_arg(ap, int);
            unsigned long long mag = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
            if (v < 0) {
                put('-');
                if (width) width--;
            }
            put_unsigned(mag, 10, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = longs >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            put_unsigned(v, *p == 'x' ? 16 : 10, width, pad);
            break;
        }
        case 's':
            for (const char *s = va_arg(ap, const char *); *s; s++) put(*s);
            break;
        case 'c':
            put((char)va_arg(ap, int));
            break;
        case '%':
            put('%');
            break;
        default:
            put('%');
            put(*p);
        }
    }
    va_end(ap);
    if (used) flush();
}

void Reset_Handler(void) {
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
    rt_exit(main());
}

/* Exceptions a program does not handle end the run with a message. */
void Default_Handler(void) {
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    rt_printf("unexpected exception %u\n", (unsigned)ipsr);
    rt_exit(98);
}

void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

/* NO_HARDFAULT_HANDLER: a vector table without a HardFault handler, so that a fault
 * stops the emulator with its own report. */
#ifdef NO_HARDFAULT_HANDLER
#define HARDFAULT_VECTOR 0
#else
#define HARDFAULT_VECTOR HardFault_Handler
#endif

__attribute__((section(".vectors"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))&_estack, Reset_Handler, NMI_Handler, HARDFAULT_VECTOR,
    Default_Handler, Default_Handler, Default_Handler, 0, 0, 0, 0,
    SVC_Handler, Default_Handler, 0, PendSV_Handler, SysTick_Handler,
};

/* The compiler may turn loops and struct copies into calls to these. */
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void *memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    while (n--) *d++ = (uint8_t)c;
    return dst;
}
