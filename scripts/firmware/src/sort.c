/* Sorting: insertion sort, recursive quicksort, heapsort and a generic sort through a
 * comparison function pointer, on signed words, halfwords and structs. */
#include "rt.h"

#define N 160

static int32_t input[N], a[N], b[N], c[N];

static void insertion(int32_t *v, int n) {
    for (int i = 1; i < n; i++) {
        int32_t x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static void quick(int32_t *v, int lo, int hi) {
    if (lo >= hi) return;
    int32_t pivot = v[(lo + hi) / 2];
    int i = lo, j = hi;
    while (i <= j) {
        while (v[i] < pivot) i++;
        while (v[j] > pivot) j--;
        if (i <= j) {
            int32_t t = v[i];
            v[i++] = v[j];
            v[j--] = t;
        }
    }
    quick(v, lo, j);
    quick(v, i, hi);
}

static void sift(int32_t *v, int root, int n) {
    for (;;) {
        int child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && v[child + 1] > v[child]) child++;
        if (v[root] >= v[child]) return;
        int32_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void heap(int32_t *v, int n) {
    for (int i = n / 2 - 1; i >= 0; i--) sift(v, i, n);
    for (int end = n - 1; end > 0; end--) {
        int32_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift(v, 0, end);
    }
}

/* A generic insertion sort on elements of any size, as qsort's interface. */
static void generic_sort(void *base, int n, int size, int (*cmp)(const void *, const void *)) {
    uint8_t *p = base;
    uint8_t tmp[16];
    for (int i = 1; i < n; i++) {
        for (int k = 0; k < size; k++) tmp[k] = p[i * size + k];
        int j = i - 1;
        while (j >= 0 && cmp(p + j * size, tmp) > 0) {
            for (int k = 0; k < size; k++) p[(j + 1) * size + k] = p[j * size + k];
            j--;
        }
        for (int k = 0; k < size; k++) p[(j + 1) * size + k] = tmp[k];
    }
}

static int cmp_i16(const void *x, const void *y) { return *(const int16_t *)x - *(const int16_t *)y; }

struct record {
    uint16_t key;
    int8_t tag;
    int32_t value;
};

static int cmp_record(const void *x, const void *y) {
    const struct record *r = x, *s = y;
    if (r->key != s->key) return r->key < s->key ? -1 : 1;
    return r->value < s->value ? -1 : (r->value > s->value);
}

static int16_t halves[64];
static struct record records[60];

int main(void) {
    uint32_t seed = 2024;
    for (int i = 0; i < N; i++) input[i] = (int32_t)lcg(&seed) >> (i % 7);
    for (int i = 0; i < N; i++) a[i] = b[i] = c[i] = input[i];
    insertion(a, N);
    quick(b, 0, N - 1);
    heap(c, N);
    int sorted = 1, same = 1;
    uint32_t sum = 0;
    for (int i = 0; i < N; i++) {
        if (i && a[i - 1] > a[i]) sorted = 0;
        if (a[i] != b[i] || a[i] != c[i]) same = 0;
        sum += (uint32_t)a[i] * (uint32_t)(i + 1);
    }
    rt_printf("words: min %d max %d median %d checksum %08x sorted %d agree %d\n", a[0], a[N - 1], a[N / 2], sum,
              sorted, same);

    for (int i = 0; i < 64; i++) halves[i] = (int16_t)(lcg(&seed) >> 16);
    generic_sort(halves, 64, sizeof halves[0], cmp_i16);
    int ok16 = 1;
    for (int i = 1; i < 64; i++) ok16 = ok16 && halves[i - 1] <= halves[i];
    rt_printf("halfwords: %d .. %d sorted %d\n", halves[0], halves[63], ok16);

    for (int i = 0; i < 60; i++) {
        records[i].key = (uint16_t)(lcg(&seed) % 8);
        records[i].tag = (int8_t)i;
        records[i].value = (int32_t)lcg(&seed) / 1000;
    }
    generic_sort(records, 60, sizeof records[0], cmp_record);
    uint32_t tags = 0;
    for (int i = 0; i < 60; i++) tags = tags * 31 + (uint32_t)records[i].tag;
    rt_printf("records: first key %u value %d, last key %u value %d, tag hash %08x\n", records[0].key, records[0].value,
              records[59].key, records[59].value, tags);
    return sorted && same && ok16 ? 0 : 1;
}
