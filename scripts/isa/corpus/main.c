// Corpus source: the program's entry, calling into every other file and into newlib
// (malloc, string and memory functions, qsort, strtol, setjmp; with CORPUS_STDIO also
// printf) so that library code is disassembled too. The library is the same at every -O
// level, so build-corpus.sh defines CORPUS_STDIO for one level per core only, which keeps
// the checked-in corpus small.
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sum_i32(const int32_t *, unsigned);
int small_switch(int);
int big_switch(int);
void action_switch(int, int, int);
int64_t div64(int64_t, int64_t);
uint64_t udiv64(uint64_t, uint64_t);
int64_t mod64(int64_t, int64_t);
int div32(int, int);
unsigned udiv32(unsigned, unsigned);
int call_varargs(void);
uint32_t crc32_bitwise(const uint8_t *, unsigned);
void quick_sort(int *, int, int);
int32_t multiply_by_quantized_multiplier(int32_t, int32_t, int);
uint32_t bit_ops(uint32_t);
uint32_t state_machine(const uint8_t *, int);
float lerp(float, float, float);
double dmul(double, double);
int f2i(float);
void rare_encodings(void);

volatile int sink_value;
void sink(int v) { sink_value = v; }

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static jmp_buf env;

static void maybe_jump(int v) {
    if (v > 3) longjmp(env, v);
}

int main(int argc, char **argv) {
    static int data[32];
    for (int i = 0; i < 32; i++) data[i] = (i * 7919) % 101 - 50;
    qsort(data, 32, sizeof data[0], cmp_int);
    quick_sort(data, 0, 31);
    char buf[64];
#ifdef CORPUS_STDIO
    snprintf(buf, sizeof buf, "%d %u %x %ld %s", data[0], (unsigned)argc, 0xBEEFu, 123456789l, "ok");
#else
    strncpy(buf, argv[0], sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
#endif
    char *copy = malloc(strlen(buf) + 1);
    if (!copy) return 1;
    strcpy(copy, buf);
    memmove(copy + 1, copy, 4);
    memset(buf, 0, sizeof buf);
    int r = strcmp(copy, buf) + (int)strtol("-1234", NULL, 10) + atoi("42") + (int)(strchr(copy, 'o') - copy);
    r += (int)memcmp(copy, buf, 8) + (int)strncmp(copy, "x", 1);
    free(copy);
    r += sum_i32((const int32_t *)data, 32) + small_switch(argc) + big_switch(argc * 3);
    action_switch(argc, r, 3);
    r += (int)div64(r, argc + 1) + (int)udiv64((uint64_t)r << 20, 3) + (int)mod64(r, 7) + div32(r, argc) + (int)udiv32(r, 9);
    r += call_varargs() + (int)crc32_bitwise((const uint8_t *)data, sizeof data);
    r += multiply_by_quantized_multiplier(r, 1518500250, -3) + (int)bit_ops((uint32_t)r);
    r += (int)state_machine((const uint8_t *)argv[0], argc) + f2i(lerp(1.0f, (float)r, 0.5f)) + (int)dmul(r, 1.5);
    int j = setjmp(env);
    if (j == 0) maybe_jump(argc + r);
    rare_encodings();
#ifdef CORPUS_STDIO
    printf("%s %d %d\n", buf, r, j);
    puts("done");
#endif
    return r & 0x7F;
}
