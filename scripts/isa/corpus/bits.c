// Corpus source: bitfields, extensions, packing, struct copies, varargs, floats in soft
// float (library calls).
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

struct flags {
    unsigned mode : 3;
    unsigned enable : 1;
    signed level : 5;
    unsigned count : 12;
    unsigned : 3;
    signed delta : 8;
};

int get_level(struct flags f) { return f.level; }
unsigned get_count(const struct flags *f) { return f->count; }
int get_delta(const struct flags *f) { return f->delta; }
void set_count(struct flags *f, unsigned c) { f->count = c; }
void set_mode(struct flags *f, unsigned m) { f->mode = m; f->enable = 1; }
void clear_level(struct flags *f) { f->level = 0; }
uint32_t insert_field(uint32_t w, uint32_t v) { return (w & ~0x0000FF00u) | ((v & 0xFF) << 8); }
uint32_t extract_u(uint32_t w) { return (w >> 9) & 0x7F; }
int32_t extract_s(int32_t w) { return (w << 5) >> 20; }

int32_t sx8(int8_t x) { return x; }
int32_t sx16(int16_t x) { return x; }
uint32_t zx8(uint8_t x) { return x; }
uint32_t zx16(uint16_t x) { return x; }
int32_t add_sx8(int32_t a, uint32_t b) { return a + (int8_t)b; }
int32_t add_sx16(int32_t a, uint32_t b) { return a + (int16_t)(b >> 16); }
uint32_t add_zx8(uint32_t a, uint32_t b) { return a + (uint8_t)(b >> 8); }
uint32_t add_zx16(uint32_t a, uint32_t b) { return a + (uint16_t)b; }
uint32_t pack_bt(uint32_t a, uint32_t b) { return (a & 0xFFFF) | (b << 16); }
uint32_t pack_tb(uint32_t a, uint32_t b) { return (a & 0xFFFF0000u) | (b >> 16); }
uint32_t pack_tb_asr(uint32_t a, int32_t b) { return (a & 0xFFFF0000u) | ((uint32_t)(b >> 20) & 0xFFFF); }

struct big { int32_t v[11]; int16_t h; int8_t b; };
struct pair { int32_t a, b; };

void copy_big(struct big *d, const struct big *s) { *d = *s; }
struct big make_big(int x) {
    struct big b;
    for (int i = 0; i < 11; i++) b.v[i] = x + i;
    b.h = (int16_t)x;
    b.b = (int8_t)(x >> 8);
    return b;
}
struct pair swap_pair(struct pair p) { struct pair q = { p.b, p.a }; return q; }
int64_t pair_sum(struct pair p) { return (int64_t)p.a + p.b; }

int sum_varargs(int n, ...) {
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, int);
    va_end(ap);
    return s;
}

int64_t sum_varargs64(int n, ...) {
    va_list ap;
    va_start(ap, n);
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, int64_t);
    va_end(ap);
    return s;
}

int call_varargs(void) { return sum_varargs(5, 1, 2, 3, 4, 5) + (int)sum_varargs64(2, 1ll << 40, -7ll); }

float lerp(float a, float b, float t) { return a + (b - a) * t; }
double dmul(double a, double b) { return a * b; }
int f2i(float f) { return (int)f; }

volatile uint32_t mmio_reg;
void poke(uint32_t v) { mmio_reg = v; mmio_reg |= 1u << 31; }

static uint8_t big_table[5000];
uint8_t far_byte(int i) { return big_table[i + 4095]; }
void neg_offsets(int32_t *p) { p[-1] = p[-2] + p[-63]; ((int8_t *)p)[-200] = 1; }
int16_t load_hs(const int16_t *p, int i) { return p[i] + p[i + 300]; }
int8_t load_bs(const int8_t *p, int i) { return p[i] + p[-i]; }
void postinc_store(int32_t *p, int n) { while (n--) *p++ = n; }
uint32_t bit_test(uint32_t x) { return (x & 0x00FF0000u) ? 1 : (x & 0x80000000u) ? 2 : (x & 3) ? 3 : 4; }
uint32_t const_mix(uint32_t x) { return (x | 0xABABABABu) + 0x12345678u - (x & 0xFF00FF00u); }
