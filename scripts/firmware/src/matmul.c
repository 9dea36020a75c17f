/* Integer matrix multiply as a quantized fully-connected layer computes it: int8 x int8
 * with int32 accumulators and bias, requantized with a fixed-point multiplier and shift
 * (gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT), clamped to
 * int8; and an int16 x int16 product with 64-bit accumulation. */
#include "rt.h"

#define M 12
#define K 40
#define N 16

static int8_t A[M][K], B[K][N];
static int32_t bias[N], acc[M][N];
static int8_t out[M][N];
static int16_t P[8][24], Q[24][8];
static int64_t wide[8][8];

static int32_t srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / (1ll << 31));
}

static int32_t rdbpot(int32_t x, int exponent) {
    int32_t mask = (int32_t)((1u << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0);
    return (x >> exponent) + (remainder > threshold);
}

static int32_t requantize(int32_t x, int32_t multiplier, int shift) {
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    return rdbpot(srdhm(x * (1 << left), multiplier), right);
}

int main(void) {
    uint32_t seed = 7;
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++) A[i][k] = (int8_t)(lcg(&seed) >> 24);
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) B[k][j] = (int8_t)(lcg(&seed) >> 24);
    for (int j = 0; j < N; j++) bias[j] = (int32_t)(lcg(&seed) >> 20) - 2048;

    const int32_t input_offset = 3, output_offset = -5, multiplier = 1518500250;  /* 0.7071 in Q31 */
    const int shift = -9;
    uint32_t acc_hash = 0, out_hash = 0;
    int saturated = 0;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            int32_t s = bias[j];
            for (int k = 0; k < K; k++) s += (A[i][k] + input_offset) * B[k][j];
            acc[i][j] = s;
            int32_t q = requantize(s, multiplier, shift) + output_offset;
            if (q > 127) { q = 127; saturated++; }
            if (q < -128) { q = -128; saturated++; }
            out[i][j] = (int8_t)q;
            acc_hash = acc_hash * 33u + (uint32_t)s;
            out_hash = out_hash * 33u + (uint8_t)q;
        }
    }
    rt_printf("int8 layer: acc[0][0] %d acc[%d][%d] %d out[0][0..3] %d %d %d %d\n", acc[0][0], M - 1, N - 1,
              acc[M - 1][N - 1], out[0][0], out[0][1], out[0][2], out[0][3]);
    rt_printf("int8 layer: acc hash %08x out hash %08x saturated %d\n", acc_hash, out_hash, saturated);

    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 24; k++) P[i][k] = (int16_t)(lcg(&seed) >> 16);
    for (int k = 0; k < 24; k++)
        for (int j = 0; j < 8; j++) Q[k][j] = (int16_t)(lcg(&seed) >> 16);
    uint64_t wide_hash = 0;
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 8; j++) {
            int64_t s = 0;
            for (int k = 0; k < 24; k++) s += (int64_t)((int32_t)P[i][k] * Q[k][j]) * (k + 1);
            wide[i][j] = s;
            wide_hash = wide_hash * 1099511628211ull + (uint64_t)s;
        }
    }
    rt_printf("int16 wide: [0][0] %lld [7][7] %lld hash %016llx\n", wide[0][0], wide[7][7], wide_hash);
    rt_printf("int16 wide: [3][4] / 1000 = %lld, %% 1000 = %lld\n", wide[3][4] / 1000, wide[3][4] % 1000);
    return 0;
}
