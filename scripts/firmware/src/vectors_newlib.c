/* Vector table for the newlib (rdimon) fixture: reset enters newlib's crt0 (_start),
 * which sets up the C library, calls main and exits through semihosting. */
#include <stdlib.h>

extern char __stack[];
void _start(void);

static void unexpected(void) { exit(98); }

__attribute__((section(".vectors"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))__stack, _start, unexpected, unexpected, unexpected, unexpected, unexpected, 0, 0, 0, 0,
    unexpected, unexpected, 0, unexpected, unexpected,
};
