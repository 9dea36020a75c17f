// Corpus source: atomics (LDREX/STREX family and barriers on ARMv7-M) and volatile access.
#include <stdint.h>

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
int atomic_add(int *p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
uint8_t atomic_or8(uint8_t *p, uint8_t v) { return __atomic_fetch_or(p, v, __ATOMIC_RELAXED); }
uint16_t atomic_xchg16(uint16_t *p, uint16_t v) { return __atomic_exchange_n(p, v, __ATOMIC_ACQ_REL); }
int atomic_cas(int *p, int expected, int desired) {
    return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
int atomic_load(const int *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void atomic_store(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
#endif
void fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
