// Corpus source: switch statements (jump tables: TBB/TBH on ARMv7-M, case tables on
// ARMv6-M), conditional execution (IT blocks) and ternaries.
#include <stdint.h>

int small_switch(int x) {
    switch (x) {
    case 0: return 11;
    case 1: return 23;
    case 2: return 5;
    case 3: return 97;
    case 4: return -4;
    case 5: return 1000;
    case 6: return 77;
    case 7: return 3;
    default: return 0;
    }
}

extern void sink(int);

void action_switch(int op, int a, int b) {
    switch (op) {
    case 0: sink(a + b); break;
    case 1: sink(a - b); break;
    case 2: sink(a * b); break;
    case 3: sink(a & b); break;
    case 4: sink(a | b); break;
    case 5: sink(a ^ b); break;
    case 6: sink(a << (b & 31)); break;
    case 7: sink(a >> (b & 31)); break;
    case 8: sink(-a); break;
    case 9: sink(~b); break;
    case 10: sink(a < b); break;
    case 12: sink(a > b ? a : b); break;
    default: sink(0);
    }
}

#define C10(n) case n##0: r = n##0 * 3 + 1; break; case n##1: r = n##1 ^ 0x55; break; \
    case n##2: sink(n##2); r = 2; break; case n##3: r = x * n##3; break; \
    case n##4: r = x - n##4; break; case n##5: r = x + n##5; break; case n##6: sink(x); r = 6; break; \
    case n##7: r = x >> 7; break; case n##8: r = x << 8; break; case n##9: r = ~x; break;

/* A long switch whose code exceeds TBB's reach (TBH). */
int big_switch(int x) {
    int r;
    switch (x) {
    C10(1) C10(2) C10(3) C10(4) C10(5) C10(6) C10(7) C10(8) C10(9)
    C10(10) C10(11) C10(12) C10(13) C10(14) C10(15) C10(16) C10(17) C10(18) C10(19)
    C10(20) C10(21) C10(22) C10(23) C10(24) C10(25) C10(26) C10(27) C10(28) C10(29)
    default: r = -1;
    }
    return r;
}

int sparse_switch(unsigned x) {
    switch (x) {
    case 3: return 1;
    case 100: return 2;
    case 1000: return 3;
    case 0x10000: return 4;
    case 0xFFFFFFF0u: return 5;
    default: return 6;
    }
}

int select_min(int a, int b) { return a < b ? a : b; }
unsigned select_max_u(unsigned a, unsigned b) { return a > b ? a : b; }
int abs_val(int a) { return a < 0 ? -a : a; }
int sign(int a) { return (a > 0) - (a < 0); }

int cond_chain(int a, int b, int c) {
    if (a == b) c += 3;
    else if (a > c) c = b - a;
    if (c & 1) c ^= 0x1234;
    if ((unsigned)a < 10u && b != 0) return c * 2;
    return c;
}

int classify(char ch) {
    if (ch >= 'a' && ch <= 'z') return 1;
    if (ch >= 'A' && ch <= 'Z') return 2;
    if (ch >= '0' && ch <= '9') return 3;
    if (ch == ' ' || ch == '\t' || ch == '\n') return 4;
    return 0;
}

uint32_t state_machine(const uint8_t *s, int n) {
    enum { IDLE, NUM, WORD, PUNCT } st = IDLE;
    uint32_t count = 0;
    for (int i = 0; i < n; i++) {
        int c = classify((char)s[i]);
        switch (st) {
        case IDLE: if (c == 3) st = NUM; else if (c == 1 || c == 2) st = WORD; else if (c == 0) st = PUNCT; break;
        case NUM: if (c != 3) { count += 1; st = IDLE; } break;
        case WORD: if (c == 4) { count += 0x100; st = IDLE; } break;
        case PUNCT: count += 0x10000; st = IDLE; break;
        }
    }
    return count;
}
