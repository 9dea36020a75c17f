// Corpus source for the disassembler comparison: loops and array code.
// Compiled by scripts/isa/build-corpus.sh; never run.
#include <stddef.h>
#include <stdint.h>

int32_t sum_i32(const int32_t *a, size_t n) {
    int32_t s = 0;
    for (size_t i = 0; i < n; i++) s += a[i];
    return s;
}

uint32_t sum_u8(const uint8_t *a, size_t n) {
    uint32_t s = 0;
    while (n--) s += *a++;
    return s;
}

int32_t dot_i16(const int16_t *a, const int16_t *b, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

int64_t dot_i32_long(const int32_t *a, const int32_t *b, int n) {
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += (int64_t)a[i] * b[i];
    return s;
}

void matmul_i8(const int8_t *a, const int8_t *b, int32_t *c, int m, int n, int k) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            int32_t acc = 0;
            for (int p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
            c[i * n + j] = acc;
        }
}

void copy_words(uint32_t *restrict dst, const uint32_t *restrict src, size_t n) {
    do { *dst++ = *src++; } while (--n);
}

void fill_bytes(uint8_t *dst, uint8_t v, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = v;
}

void reverse_i16(int16_t *a, int n) {
    for (int i = 0, j = n - 1; i < j; i++, j--) {
        int16_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

int find_first(const int *a, int n, int key) {
    for (int i = 0; i < n; i++)
        if (a[i] == key) return i;
    return -1;
}

uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
    return ~crc;
}

void insertion_sort(int *a, int n) {
    for (int i = 1; i < n; i++) {
        int v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static int partition(int *a, int lo, int hi) {
    int p = a[hi], i = lo;
    for (int j = lo; j < hi; j++)
        if (a[j] < p) { int t = a[i]; a[i] = a[j]; a[j] = t; i++; }
    int t = a[i]; a[i] = a[hi]; a[hi] = t;
    return i;
}

void quick_sort(int *a, int lo, int hi) {
    while (lo < hi) {
        int p = partition(a, lo, hi);
        quick_sort(a, lo, p - 1);
        lo = p + 1;
    }
}

int max_index(const int16_t *a, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) if (a[i] > a[best]) best = i;
    return best;
}

int32_t strided_sum(const int32_t *a, int rows, int cols, int stride) {
    int32_t s = 0;
    for (int r = 0; r < rows; r++, a += stride)
        for (int c = 0; c < cols; c++) s -= a[c] ^ (r << 3);
    return s;
}

unsigned popcount_loop(uint32_t x) {
    unsigned n = 0;
    while (x) { x &= x - 1; n++; }
    return n;
}

int clamp_add_i8(int8_t *dst, const int8_t *a, const int8_t *b, int n) {
    int saturated = 0;
    for (int i = 0; i < n; i++) {
        int v = a[i] + b[i];
        if (v > 127) { v = 127; saturated++; }
        else if (v < -128) { v = -128; saturated++; }
        dst[i] = (int8_t)v;
    }
    return saturated;
}
