/* The benchmark firmware: a MAC-heavy int8 fully-connected layer as CMSIS-NN computes it
 * (q7 weights and activations widened with SXTB16, multiplied and accumulated two at a
 * time with SMLAD on the Cortex-M4/M7; plain C on the Cortex-M0+), requantized to int8
 * and fed back as the next input, ITERATIONS times. Prints a checksum so that every run
 * (sersim, QEMU, Unicorn) can be checked for the same result. */
#include "rt.h"
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define HAVE_DSP 1
#else
#define HAVE_DSP 0
#endif

#ifndef ITERATIONS
#define ITERATIONS 100
#endif
#define IN 256
#define OUT 32

static int8_t weights[OUT][IN] __attribute__((aligned(4)));
static int8_t input[IN] __attribute__((aligned(4)));
static int8_t output[OUT];
static int32_t bias[OUT];

static int32_t dot(const int8_t *w, const int8_t *x, int n) {
    int32_t sum = 0;
#if HAVE_DSP
    for (int i = 0; i < n; i += 4) {
        uint32_t a, b;
        __builtin_memcpy(&a, w + i, 4);
        __builtin_memcpy(&b, x + i, 4);
        sum = __smlad(__sxtb16(a), __sxtb16(b), sum);
        sum = __smlad(__sxtb16(a >> 8 | a << 24), __sxtb16(b >> 8 | b << 24), sum);
    }
#else
    for (int i = 0; i < n; i++) sum += w[i] * x[i];
#endif
    return sum;
}

int main(void) {
    uint32_t seed = 1;
    for (int o = 0; o < OUT; o++) {
        for (int i = 0; i < IN; i++) weights[o][i] = (int8_t)(lcg(&seed) >> 24);
        bias[o] = (int32_t)(lcg(&seed) >> 22) - 512;
    }
    for (int i = 0; i < IN; i++) input[i] = (int8_t)(lcg(&seed) >> 24);
    uint32_t check = 0;
    for (int it = 0; it < ITERATIONS; it++) {
        for (int o = 0; o < OUT; o++) {
            int32_t acc = dot(weights[o], input, IN) + bias[o];
            int32_t q = (acc + (1 << 9)) >> 10;  /* requantize: scale 2^-10, round half up */
            if (q > 127) q = 127;
            if (q < -128) q = -128;
            output[o] = (int8_t)q;
            check = check * 31u + (uint32_t)(uint8_t)q;
        }
        /* Feed the outputs back (repeated over the input) for the next iteration. */
        for (int i = 0; i < IN; i++) input[i] = (int8_t)(output[i % OUT] ^ (int8_t)it);
    }
    rt_printf("benchmac: %d iterations of %dx%d int8 MACs (%s), checksum %08x\n", ITERATIONS, OUT, IN,
              HAVE_DSP ? "SMLAD" : "C", check);
    return 0;
}
