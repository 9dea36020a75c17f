/* DSP-extension intrinsics (ACLE, <arm_acle.h>) where the core has them (Cortex-M4/M7),
 * and the same operations in portable C on the Cortex-M0+: both builds must print the
 * same numbers. Includes the q7 dot product of CMSIS-NN (SXTB16 + SMLAD). */
#include "rt.h"
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define HAVE_DSP 1
#else
#define HAVE_DSP 0
#endif

static int q_flag;  /* saturation seen by the portable versions */

__attribute__((unused)) static int32_t sat(int64_t v, int bits) {
    int64_t hi = (1ll << (bits - 1)) - 1, lo = -(1ll << (bits - 1));
    if (v > hi) { q_flag = 1; return (int32_t)hi; }
    if (v < lo) { q_flag = 1; return (int32_t)lo; }
    return (int32_t)v;
}

__attribute__((unused)) static int16_t lo16(uint32_t x) { return (int16_t)(x & 0xFFFF); }
__attribute__((unused)) static int16_t hi16(uint32_t x) { return (int16_t)(x >> 16); }

#if HAVE_DSP
#define SMLAD(x, y, a) __smlad(x, y, a)
#define SMUAD(x, y) __smuad(x, y)
#define SMUSD(x, y) __smusd(x, y)
#define QADD(x, y) __qadd(x, y)
#define QSUB(x, y) __qsub(x, y)
#define SSAT8(x) __ssat(x, 8)
#define USAT8(x) __usat(x, 8)
#define SADD16(x, y) ((uint32_t)__sadd16(x, y))
#define QADD16(x, y) ((uint32_t)__qadd16(x, y))
#define SHADD16(x, y) ((uint32_t)__shadd16(x, y))
#define UADD8(x, y) ((uint32_t)__uadd8(x, y))
#define SEL(x, y) ((uint32_t)__sel(x, y))
#define USADA8(x, y, a) __usada8(x, y, a)
#define SXTB16(x) ((uint32_t)__sxtb16(x))
#define SXTB16_ROR8(x) ((uint32_t)__sxtb16((x) >> 8 | (x) << 24))
#define SMLABB(x, y, a) __smlabb(x, y, a)
#define SMLATT(x, y, a) __smlatt(x, y, a)
#define SMULWB(x, y) __smlawb(x, y, 0)
#define Q_FLAG() __saturation_occurred()
#else
static int32_t SMLAD(uint32_t x, uint32_t y, int32_t a) {
    int64_t v = (int64_t)lo16(x) * lo16(y) + (int64_t)hi16(x) * hi16(y) + a;
    if (v != (int32_t)v) q_flag = 1;
    return (int32_t)v;
}
static int32_t SMUAD(uint32_t x, uint32_t y) { return SMLAD(x, y, 0); }
static int32_t SMUSD(uint32_t x, uint32_t y) { return lo16(x) * lo16(y) - hi16(x) * hi16(y); }
static int32_t QADD(int32_t x, int32_t y) { return sat((int64_t)x + y, 32); }
static int32_t QSUB(int32_t x, int32_t y) { return sat((int64_t)x - y, 32); }
static int32_t SSAT8(int32_t x) { return sat(x, 8); }
static uint32_t USAT8(int32_t x) {
    if (x > 255) { q_flag = 1; return 255; }
    if (x < 0) { q_flag = 1; return 0; }
    return (uint32_t)x;
}
static uint32_t ge;
static uint32_t SADD16(uint32_t x, uint32_t y) {
    int32_t l = lo16(x) + lo16(y), h = hi16(x) + hi16(y);
    ge = (l >= 0 ? 3u : 0u) | (h >= 0 ? 12u : 0u);
    return (uint32_t)(l & 0xFFFF) | (uint32_t)h << 16;
}
static uint32_t QADD16(uint32_t x, uint32_t y) {
    int32_t l = lo16(x) + lo16(y), h = hi16(x) + hi16(y);
    int saved = q_flag;
    l = sat(l, 16);
    h = sat(h, 16);
    q_flag = saved;  /* QADD16 does not set Q */
    return (uint32_t)(l & 0xFFFF) | (uint32_t)h << 16;
}
static uint32_t SHADD16(uint32_t x, uint32_t y) {
    int32_t l = (lo16(x) + lo16(y)) >> 1, h = (hi16(x) + hi16(y)) >> 1;
    return (uint32_t)(l & 0xFFFF) | (uint32_t)h << 16;
}
static uint32_t UADD8(uint32_t x, uint32_t y) {
    uint32_t r = 0;
    ge = 0;
    for (int k = 0; k < 4; k++) {
        uint32_t s = ((x >> (8 * k)) & 0xFF) + ((y >> (8 * k)) & 0xFF);
        if (s > 255) ge |= 1u << k;
        r |= (s & 0xFF) << (8 * k);
    }
    return r;
}
static uint32_t SEL(uint32_t x, uint32_t y) {
    uint32_t r = 0;
    for (int k = 0; k < 4; k++) r |= ((ge >> k) & 1 ? x : y) & (0xFFu << (8 * k));
    return r;
}
static uint32_t USADA8(uint32_t x, uint32_t y, uint32_t a) {
    for (int k = 0; k < 4; k++) {
        int d = (int)((x >> (8 * k)) & 0xFF) - (int)((y >> (8 * k)) & 0xFF);
        a += (uint32_t)(d < 0 ? -d : d);
    }
    return a;
}
static uint32_t SXTB16(uint32_t x) { return ((uint32_t)(int16_t)(int8_t)x & 0xFFFF) | (uint32_t)(int8_t)(x >> 16) << 16; }
static uint32_t SXTB16_ROR8(uint32_t x) { return SXTB16(x >> 8 | x << 24); }
static int32_t SMLABB(uint32_t x, uint32_t y, int32_t a) {
    int64_t v = (int64_t)lo16(x) * lo16(y) + a;
    if (v != (int32_t)v) q_flag = 1;
    return (int32_t)v;
}
static int32_t SMLATT(uint32_t x, uint32_t y, int32_t a) {
    int64_t v = (int64_t)hi16(x) * hi16(y) + a;
    if (v != (int32_t)v) q_flag = 1;
    return (int32_t)v;
}
static int32_t SMULWB(int32_t x, uint32_t y) { return (int32_t)(((int64_t)x * lo16(y)) >> 16); }  /* SMLAWB, Ra = 0 */
#define Q_FLAG() q_flag
#endif

/* CMSIS-NN style: four q7 values from one word into two registers of two q15 each. */
static int32_t dot_q7(const int8_t *a, const int8_t *b, int n) {
    int32_t sum = 0;
    for (int i = 0; i < n; i += 4) {
        uint32_t wa, wb;
        __builtin_memcpy(&wa, a + i, 4);
        __builtin_memcpy(&wb, b + i, 4);
        uint32_t a1 = SXTB16_ROR8(wa), a2 = SXTB16(wa);
        uint32_t b1 = SXTB16_ROR8(wb), b2 = SXTB16(wb);
        sum = SMLAD(a1, b1, sum);
        sum = SMLAD(a2, b2, sum);
    }
    return sum;
}

static int8_t va[64], vb[64];

int main(void) {
    uint32_t seed = 99;
    uint32_t h_mac = 0, h_simd = 0, h_sat = 0;
    for (int i = 0; i < 200; i++) {
        uint32_t x = lcg(&seed), y = lcg(&seed), z = lcg(&seed);
        int32_t acc = (int32_t)(z >> 4);
        h_mac = h_mac * 31 + (uint32_t)SMLAD(x, y, acc);
        h_mac = h_mac * 31 + (uint32_t)SMUAD(x & 0x7FFF7FFF, y & 0x7FFF7FFF);
        h_mac = h_mac * 31 + (uint32_t)SMUSD(x, y);
        h_mac = h_mac * 31 + (uint32_t)SMLABB(x, y, acc);
        h_mac = h_mac * 31 + (uint32_t)SMLATT(x, y, acc);
        h_mac = h_mac * 31 + (uint32_t)SMULWB((int32_t)x, y);
        uint32_t s = SADD16(x, y);
        h_simd = h_simd * 31 + s + SEL(x, y);
        h_simd = h_simd * 31 + QADD16(x, y) + SHADD16(x, y);
        uint32_t u = UADD8(x, y);
        h_simd = h_simd * 31 + u + SEL(y, x);
        h_simd = h_simd * 31 + USADA8(x, y, z & 0xFFFF);
        h_sat = h_sat * 31 + (uint32_t)QADD((int32_t)x, (int32_t)y) + (uint32_t)QSUB((int32_t)x, (int32_t)z);
        h_sat = h_sat * 31 + (uint32_t)SSAT8((int32_t)(x >> 20) - 2048) + USAT8((int32_t)(y >> 21) - 512);
    }
    for (int i = 0; i < 64; i++) {
        va[i] = (int8_t)(lcg(&seed) >> 24);
        vb[i] = (int8_t)(lcg(&seed) >> 24);
    }
    rt_printf("dsp: %s\n", HAVE_DSP ? "intrinsics" : "portable C");
    rt_printf("mac %08x simd %08x sat %08x q %d\n", h_mac, h_simd, h_sat, Q_FLAG() ? 1 : 0);
    rt_printf("dot_q7 = %d\n", dot_q7(va, vb, 64));
    return 0;
}
