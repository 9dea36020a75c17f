// Corpus source: 64-bit arithmetic, division and modulo, shifts, multiplies.
#include <stdint.h>

int64_t add64(int64_t a, int64_t b) { return a + b; }
int64_t sub64(int64_t a, int64_t b) { return a - b; }
int64_t mul64(int64_t a, int64_t b) { return a * b; }
uint64_t umul32x32(uint32_t a, uint32_t b) { return (uint64_t)a * b; }
int64_t smul32x32(int32_t a, int32_t b) { return (int64_t)a * b; }
int64_t smac(int64_t acc, int32_t a, int32_t b) { return acc + (int64_t)a * b; }
uint64_t umac(uint64_t acc, uint32_t a, uint32_t b) { return acc + (uint64_t)a * b; }
uint64_t umaal_like(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return (uint64_t)a * b + c + d; }
int64_t div64(int64_t a, int64_t b) { return a / b; }
uint64_t udiv64(uint64_t a, uint64_t b) { return a / b; }
int64_t mod64(int64_t a, int64_t b) { return a % b; }
uint64_t shl64(uint64_t a, int n) { return a << n; }
uint64_t shr64(uint64_t a, int n) { return a >> n; }
int64_t sar64(int64_t a, int n) { return a >> n; }
int cmp64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }
int64_t neg64(int64_t a) { return -a; }

int div32(int a, int b) { return a / b; }
unsigned udiv32(unsigned a, unsigned b) { return a / b; }
int mod32(int a, int b) { return a % b; }
unsigned umod32(unsigned a, unsigned b) { return a % b; }
int div_by_7(int a) { return a / 7; }
unsigned udiv_by_10(unsigned a) { return a / 10; }
int mod_by_16(int a) { return a % 16; }
int mla32(int a, int b, int c) { return a * b + c; }
int mls32(int a, int b, int c) { return c - a * b; }
int32_t mulhi(int32_t a, int32_t b) { return (int32_t)(((int64_t)a * b) >> 32); }
uint32_t umulhi(uint32_t a, uint32_t b) { return (uint32_t)(((uint64_t)a * b) >> 32); }

/* TFLite-style fixed-point multiply (SaturatingRoundingDoublingHighMul + RoundingDivideByPOT). */
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t a = x * (1 << left);
    if (a == INT32_MIN && multiplier == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * multiplier;
    int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    int32_t high = (int32_t)((ab + nudge) / (1ll << 31));
    int32_t mask = (int32_t)((1ll << right) - 1);
    int32_t rem = high & mask;
    int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
    return (high >> right) + (rem > threshold ? 1 : 0);
}

uint32_t isqrt(uint32_t x) {
    uint32_t r = 0, bit = 1u << 30;
    while (bit > x) bit >>= 2;
    while (bit) {
        if (x >= r + bit) { x -= r + bit; r = (r >> 1) + bit; }
        else r >>= 1;
        bit >>= 2;
    }
    return r;
}

uint32_t gcd(uint32_t a, uint32_t b) {
    while (b) { uint32_t t = a % b; a = b; b = t; }
    return a;
}

uint64_t fib64(int n) {
    uint64_t a = 0, b = 1;
    while (n-- > 0) { uint64_t t = a + b; a = b; b = t; }
    return a;
}

uint32_t rotl(uint32_t x, int n) { return (x << (n & 31)) | (x >> ((32 - n) & 31)); }
uint32_t rotr7(uint32_t x) { return (x >> 7) | (x << 25); }
int clz32(uint32_t x) { return x ? __builtin_clz(x) : 32; }
int ctz32(uint32_t x) { return x ? __builtin_ctz(x) : 32; }
int popcount32(uint32_t x) { return __builtin_popcount(x); }
uint32_t bswap32(uint32_t x) { return __builtin_bswap32(x); }
uint16_t bswap16(uint16_t x) { return __builtin_bswap16(x); }
int16_t bswap16s(int16_t x) { return (int16_t)__builtin_bswap16((uint16_t)x); }
uint64_t bswap64(uint64_t x) { return __builtin_bswap64(x); }
int parity(uint32_t x) { return __builtin_parity(x); }
int ffs64(uint64_t x) { return __builtin_ffsll(x); }
