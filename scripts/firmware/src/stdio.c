/* newlib with --specs=rdimon.specs (semihosting): printf formats, 64-bit arithmetic,
 * malloc/free, qsort, setjmp/longjmp, string functions, and exit(status). */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf env;

static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static __attribute__((noinline, noreturn)) void deep(int n) {
    if (n == 0) longjmp(env, 42);
    deep(n - 1);
    __builtin_unreachable();
}

int main(void) {
    printf("newlib: %d %u %x %s %c|%5d|%-5d|%08lx\n", -17, 4000000000u, 0xbeefu, "str", 'c', 42, 42, 0xabcdefUL);
    long long big = 1234567890123456789LL;
    unsigned long long ubig = 18446744073709551557ULL;
    /* newlib-nano's printf has no %ll: print 64-bit values as two 32-bit halves. */
    long long q = big / 1000003, rem = big % 1000003;
    unsigned long long m = ubig % 97;
    printf("64-bit: q %08lx%08lx r %ld; m %lu\n", (unsigned long)((unsigned long long)q >> 32), (unsigned long)q,
           (long)rem, (unsigned long)m);
    char buf[64];
    snprintf(buf, sizeof buf, "%s-%d-%s", "a", 7, "z");
    printf("snprintf: %s (%u chars)\n", buf, (unsigned)strlen(buf));

    int *v = malloc(50 * sizeof *v);
    uint32_t seed = 5;
    for (int i = 0; i < 50; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (int)(seed >> 8) % 1000 - 500;
    }
    qsort(v, 50, sizeof *v, cmp);
    printf("qsort: %d %d %d ... %d\n", v[0], v[1], v[2], v[49]);
    free(v);

    char *blocks[8];
    for (int i = 0; i < 8; i++) {
        blocks[i] = malloc(32 + 16 * i);
        memset(blocks[i], 'a' + i, 31 + 16 * i);
        blocks[i][31 + 16 * i] = 0;
    }
    size_t total = 0;
    for (int i = 0; i < 8; i++) total += strlen(blocks[i]);
    for (int i = 7; i >= 0; i--) free(blocks[i]);
    printf("malloc: %u bytes in 8 blocks\n", (unsigned)total);

    int r = setjmp(env);
    if (r == 0) {
        deep(10);
        printf("longjmp did not happen\n");
    } else {
        printf("setjmp returned %d after longjmp\n", r);
    }
    printf("strtol: %ld %ld\n", strtol("-12345", NULL, 10), strtol("7fffffff", NULL, 16));
    fflush(stdout);
    exit(7);
}
