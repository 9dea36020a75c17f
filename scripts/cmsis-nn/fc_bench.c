/* CMSIS-NN's arm_fully_connected_s8 on one layer (ROWS outputs, DEPTH inputs, batch 1),
 * timed on the core's own cycle counter: DWT CYCCNT on the Cortex-M4/M7, SysTick (24
 * bits, counting down, processor clock) on the Cortex-M0+, which has no CYCCNT.
 *
 * Built and run by scripts/cmsis-nn/bench.py, which passes the layer and its quantization
 * with -D and checks the printed outputs against its own computation. Data comes from
 * the LCG in rt.h (bench.py repeats it): input int8, weights symmetric (-127..127, as
 * TFLite quantizes them), bias int32.
 *
 * Placement (bench.py's linker script): main() stays where the board boots from; it copies
 * the section .fast (all other code) to zero-wait memory and calls run(). The weights are
 * in their own section (.weights) so that the Cortex-M7 can keep them in DTCM when the
 * rest does not fit beside them (SPLIT_DATA: the rest in SRAM1 behind the D-cache). */
#include "arm_nnfunctions.h"
#include "rt.h"

#if !defined(ROWS) || !defined(DEPTH) || !defined(MULTIPLIER) || !defined(SHIFT)
#error "bench.py passes ROWS, DEPTH, MULTIPLIER, SHIFT, INPUT_OFFSET, OUTPUT_OFFSET, ACT_MIN, ACT_MAX, SEED"
#endif

static int8_t weights[ROWS * DEPTH] __attribute__((aligned(4), section(".weights")));
static int8_t input[DEPTH] __attribute__((aligned(4)));
static int32_t bias[ROWS];
static int8_t output[ROWS] __attribute__((aligned(4)));

#define DWT_CTRL   (*(volatile uint32_t *)0xE0001000)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004)
#define DEMCR      (*(volatile uint32_t *)0xE000EDFC)

#if __ARM_ARCH_PROFILE == 'M' && __ARM_ARCH == 6
/* ARMv6-M: SysTick counts down from RVR; elapsed = start - end modulo 2^24. */
#define COUNTER "systick"
static void counter_start(void) {
    SYST_RVR = 0x00FFFFFF;
    SYST_CVR = 0;        /* any write clears it; it reloads from RVR */
    SYST_CSR = 1u << 2 | 1u;  /* CLKSOURCE = processor clock, ENABLE, no interrupt */
}
static inline uint32_t counter_now(void) { return SYST_CVR; }
static inline uint32_t elapsed(uint32_t t0, uint32_t t1) { return (t0 - t1) & 0x00FFFFFF; }
#else
#define COUNTER "dwt-cyccnt"
static void counter_start(void) {
    DEMCR |= 1u << 24;   /* TRCENA: enables the DWT (ARMv7-M ARM C1.6.5) */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;      /* CYCCNTENA */
}
static inline uint32_t counter_now(void) { return DWT_CYCCNT; }
static inline uint32_t elapsed(uint32_t t0, uint32_t t1) { return t1 - t0; }
#endif

#if defined(SPLIT_DATA)
/* Cortex-M7 L1 D-cache on (Cortex-M7 TRM 4.1): invalidate every set and way, then
 * CCR.DC. SRAM1 is write-back, write-allocate by the default memory map. */
#define CCSIDR (*(volatile uint32_t *)0xE000ED80)
#define CSSELR (*(volatile uint32_t *)0xE000ED84)
#define DCISW  (*(volatile uint32_t *)0xE000EF60)
static void dcache_enable(void) {
    CSSELR = 0;  /* level 1 data cache */
    __asm__ volatile("dsb" ::: "memory");
    uint32_t ccsidr = CCSIDR;
    uint32_t sets = (ccsidr >> 13 & 0x7FFF) + 1, ways = (ccsidr >> 3 & 0x3FF) + 1;
    for (uint32_t s = 0; s < sets; s++)
        for (uint32_t w = 0; w < ways; w++) DCISW = s << 5 | w << 30;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    SCB_CCR |= 1u << 16;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}
#endif

static void fill(void) {
    uint32_t seed = SEED;
    for (int i = 0; i < DEPTH; i++) input[i] = (int8_t)(lcg(&seed) >> 24);
    for (int i = 0; i < ROWS * DEPTH; i++) {
        int8_t w = (int8_t)(lcg(&seed) >> 24);
        weights[i] = w == -128 ? -127 : w;
    }
    for (int i = 0; i < ROWS; i++) bias[i] = (int32_t)(lcg(&seed) >> 16) - 32768;
}

static uint32_t layer(void) {
    const cmsis_nn_context ctx = {0, 0};  /* no buffer on the M0+/M4/M7 (no MVE) */
    const cmsis_nn_fc_params fc = {.input_offset = INPUT_OFFSET, .filter_offset = 0, .output_offset = OUTPUT_OFFSET,
                                   .activation = {.min = ACT_MIN, .max = ACT_MAX}};
    const cmsis_nn_per_tensor_quant_params quant = {.multiplier = MULTIPLIER, .shift = SHIFT};
    const cmsis_nn_dims input_dims = {.n = 1, .h = 1, .w = 1, .c = DEPTH};
    const cmsis_nn_dims filter_dims = {.n = DEPTH, .h = 1, .w = 1, .c = ROWS};
    const cmsis_nn_dims bias_dims = {.n = 1, .h = 1, .w = 1, .c = ROWS};
    const cmsis_nn_dims output_dims = {.n = 1, .h = 1, .w = 1, .c = ROWS};
    uint32_t t0 = counter_now();
    arm_cmsis_nn_status status = arm_fully_connected_s8(&ctx, &fc, &quant, &input_dims, input, &filter_dims, weights,
                                                        &bias_dims, bias, &output_dims, output);
    uint32_t t1 = counter_now();
    if (status != ARM_CMSIS_NN_SUCCESS) {
        rt_printf("arm_fully_connected_s8 returned %d\n", (int)status);
        rt_exit(2);
    }
    return elapsed(t0, t1);
}

__attribute__((noinline)) static int run(void) {
#if defined(SPLIT_DATA)
    dcache_enable();
#endif
    fill();
    counter_start();
    /* The cost of the two counter reads themselves, taken off the layer's count. */
    uint32_t t0 = counter_now();
    uint32_t t1 = counter_now();
    uint32_t overhead = elapsed(t0, t1);
    uint32_t cold = layer();  /* first call: caches and branch predictor (M7) cold */
    for (int i = 0; i < ROWS; i++) output[i] = 0;
    uint32_t warm = layer();
    rt_printf("counter %s overhead %u\n", COUNTER, (unsigned)overhead);
    rt_printf("cycles cold %u warm %u\n", (unsigned)(cold - overhead), (unsigned)(warm - overhead));
    rt_printf("output ");
    for (int i = 0; i < ROWS; i++) rt_printf("%02x", (unsigned)(uint8_t)output[i]);
    rt_printf("\n");
    return 0;
}

extern uint32_t _sfast, _efast, _lfast;

/* Runs from where the board boots (bench.py's linker script keeps .text.main there). */
int main(void) {
    volatile uint32_t *dst = &_sfast;
    const volatile uint32_t *src = &_lfast;
    if (dst != src)
        while (dst < &_efast) *dst++ = *src++;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    return run();
}
