// Corpus source: ACLE DSP intrinsics (ARMv7E-M) and the saturating / packed arithmetic
// gcc derives from plain C. On ARMv6-M only the plain-C fallbacks are built.
#include <stdint.h>
#if defined(__ARM_FEATURE_DSP) || defined(__ARM_FEATURE_SIMD32) || defined(__ARM_FEATURE_SAT)
#include <arm_acle.h>
#endif

int32_t sat_s8(int32_t x) { return x > 127 ? 127 : x < -128 ? -128 : x; }
int32_t sat_s16(int32_t x) { return x > 32767 ? 32767 : x < -32768 ? -32768 : x; }
uint32_t sat_u8(int32_t x) { return x > 255 ? 255 : x < 0 ? 0 : x; }
int32_t sat_s8_shifted(int32_t x) { x >>= 4; return x > 127 ? 127 : x < -128 ? -128 : x; }

#if defined(__ARM_FEATURE_SAT)
int32_t acle_ssat(int32_t x) { return __ssat(x, 8) + __ssat(x, 1) + __ssat(x, 32); }
uint32_t acle_usat(int32_t x) { return __usat(x, 8) + __usat(x, 0) + __usat(x, 31); }
#endif

#if defined(__ARM_FEATURE_DSP)
int32_t acle_qadd(int32_t a, int32_t b) { return __qadd(a, b) ^ __qsub(a, b) ^ __qdbl(a); }
int32_t acle_smla(int32_t a, int32_t b, int32_t c) {
    return __smlabb(a, b, c) + __smlabt(a, b, c) + __smlatb(a, b, c) + __smlatt(a, b, c);
}
/* gcc 12's arm_acle.h has no SMULxy/SMULWy intrinsics: plain C that gcc maps onto them. */
int32_t smul_bt(int32_t a, int32_t b) { return (int16_t)a * (b >> 16) - (a >> 16) * (b >> 16); }
int32_t smulw_b(int32_t a, int32_t b) { return (int32_t)(((int64_t)a * (int16_t)b) >> 16); }
int32_t acle_smlaw(int32_t a, int32_t b, int32_t c) { return __smlawb(a, b, c) + __smlawt(a, b, c); }
#endif

static inline uint32_t ror32(uint32_t x, unsigned n);
#if defined(__ARM_FEATURE_SIMD32)
int32_t acle_dual(int16x2_t a, int16x2_t b, int32_t c) {
    return __smlad(a, b, c) ^ __smladx(a, b, c) ^ __smlsd(a, b, c) ^ __smlsdx(a, b, c)
         ^ __smuad(a, b) ^ __smuadx(a, b) ^ __smusd(a, b) ^ __smusdx(a, b);
}
int64_t acle_dual_long(int16x2_t a, int16x2_t b, int64_t c) {
    return __smlald(a, b, c) + __smlaldx(a, b, c) - __smlsld(a, b, c) - __smlsldx(a, b, c);
}
uint32_t acle_simd16(int16x2_t a, int16x2_t b) {
    return __sadd16(a, b) ^ __ssub16(a, b) ^ __sasx(a, b) ^ __ssax(a, b)
         ^ __qadd16(a, b) ^ __qsub16(a, b) ^ __qasx(a, b) ^ __qsax(a, b)
         ^ __shadd16(a, b) ^ __shsub16(a, b) ^ __shasx(a, b) ^ __shsax(a, b);
}
uint32_t acle_usimd16(uint16x2_t a, uint16x2_t b) {
    return __uadd16(a, b) ^ __usub16(a, b) ^ __uasx(a, b) ^ __usax(a, b)
         ^ __uqadd16(a, b) ^ __uqsub16(a, b) ^ __uqasx(a, b) ^ __uqsax(a, b)
         ^ __uhadd16(a, b) ^ __uhsub16(a, b) ^ __uhasx(a, b) ^ __uhsax(a, b);
}
uint32_t acle_simd8(int8x4_t a, int8x4_t b, uint8x4_t c, uint8x4_t d) {
    return __sadd8(a, b) ^ __ssub8(a, b) ^ __qadd8(a, b) ^ __qsub8(a, b) ^ __shadd8(a, b) ^ __shsub8(a, b)
         ^ __uadd8(c, d) ^ __usub8(c, d) ^ __uqadd8(c, d) ^ __uqsub8(c, d) ^ __uhadd8(c, d) ^ __uhsub8(c, d);
}
uint32_t acle_sel(int8x4_t a, int8x4_t b) { (void)__ssub8(a, b); return __sel(a, b); }
uint32_t acle_sad(uint8x4_t a, uint8x4_t b, uint32_t c) { return __usad8(a, b) + __usada8(a, b, c); }
uint32_t acle_sat16(int16x2_t a) { return __ssat16(a, 9) ^ __usat16(a, 7); }
uint32_t acle_extend(int8x4_t a, int16x2_t b, uint8x4_t c) {
    return __sxtb16(a) ^ __sxtab16(b, a) ^ __uxtb16(c) ^ __uxtab16(b, c);
}

/* A q7 x q7 dot product in the CMSIS-NN manner: SXTB16 (with rotation) and SMLAD. */
int32_t dot_q7(const int8_t *a, const int8_t *b, int n, int32_t acc) {
    for (int i = 0; i + 4 <= n; i += 4) {
        int32_t va, vb;
        __builtin_memcpy(&va, a + i, 4);
        __builtin_memcpy(&vb, b + i, 4);
        int32_t a1 = __sxtb16(ror32(va, 8)), a2 = __sxtb16(va);
        int32_t b1 = __sxtb16(ror32(vb, 8)), b2 = __sxtb16(vb);
        acc = __smlad(a1, b1, acc);
        acc = __smlad(a2, b2, acc);
    }
    return acc;
}
#endif

static inline uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << ((32 - n) & 31)); }

uint32_t bit_ops(uint32_t x) {
    return __builtin_clz(x | 1) + __builtin_bswap32(x) + ror32(x, 13) + (uint32_t)__builtin_bswap16((uint16_t)x);
}

/* Most-significant-word multiplies gcc recognises (SMMUL/SMMLA/SMMLS and their R forms). */
int32_t mmul(int32_t a, int32_t b) { return (int32_t)(((int64_t)a * b) >> 32); }
int32_t mmulr(int32_t a, int32_t b) { return (int32_t)(((int64_t)a * b + 0x80000000ll) >> 32); }
int32_t mmla(int32_t a, int32_t b, int32_t c) { return (int32_t)((((int64_t)c << 32) + (int64_t)a * b) >> 32); }
int32_t mmls(int32_t a, int32_t b, int32_t c) { return (int32_t)((((int64_t)c << 32) - (int64_t)a * b) >> 32); }
int32_t mul16(int16_t a, int16_t b) { return a * b; }
int32_t mac16(int16_t a, int16_t b, int32_t c) { return c + a * b; }
int32_t mac16_top(int32_t a, int32_t b, int32_t c) { return c + (a >> 16) * (int16_t)b; }
int64_t mac16_long(int16_t a, int16_t b, int64_t c) { return c + a * b; }
