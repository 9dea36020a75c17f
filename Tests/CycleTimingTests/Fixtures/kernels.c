/* Small C kernels whose cycle counts the timing tests derive by hand from the TRMs.
   Built by scripts/timing/make-fixtures (see the header of the generated listings). */

int sum(const int *p, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += p[i];
    return s;
}

int dot(const short *a, const short *b, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* Entry point for the vector table: never run by the tests (they call the kernels). */
void reset(void) {
    for (;;) {}
}

extern unsigned int __stack_top;
__attribute__((section(".vectors"), used)) const void *vectors[2] = {&__stack_top, (const void *)reset};
