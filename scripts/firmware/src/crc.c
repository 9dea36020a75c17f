/* CRC-32 (IEEE 802.3, reflected) bitwise and table-driven, CRC-16/CCITT-FALSE, over the
 * standard check string and a pseudo-random buffer at several alignments. */
#include "rt.h"

static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t table[256];

static void make_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
}

static uint32_t crc32_table(const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static uint16_t crc16_ccitt(const uint8_t *p, size_t n) {
    uint16_t crc = 0xFFFF;
    while (n--) {
        crc ^= (uint16_t)(*p++ << 8);
        for (int k = 0; k < 8; k++) crc = crc & 0x8000 ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

static uint8_t buffer[768];

int main(void) {
    const uint8_t check[] = "123456789";
    make_table();
    uint32_t a = crc32_bitwise(check, 9), b = crc32_table(check, 9);
    uint16_t c = crc16_ccitt(check, 9);
    rt_printf("crc32(\"123456789\") = %08x / %08x\n", a, b);
    rt_printf("crc16-ccitt(\"123456789\") = %04x\n", c);
    int ok = a == 0xCBF43926u && b == a && c == 0x29B1;

    uint32_t seed = 12345;
    for (size_t i = 0; i < sizeof buffer; i++) buffer[i] = (uint8_t)(lcg(&seed) >> 24);
    for (unsigned start = 0; start < 4; start++) {
        uint32_t x = crc32_bitwise(buffer + start, sizeof buffer - 8);
        uint32_t y = crc32_table(buffer + start, sizeof buffer - 8);
        rt_printf("buffer+%u: crc32 %08x %s, crc16 %04x\n", start, x, x == y ? "(agree)" : "(DIFFER)",
                  crc16_ccitt(buffer + start, sizeof buffer - 8));
        ok = ok && x == y;
    }
    rt_printf("%s\n", ok ? "crc: ok" : "crc: FAILED");
    return ok ? 0 : 1;
}
