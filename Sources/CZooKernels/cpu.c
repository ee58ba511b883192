// The one run-time check that gates every AVX2/FMA kernel of CZooKernels.
#include "CZooKernels.h"

int zoo_cpu_has_avx2_fma(void) {
    static int cached = -1;
    if (cached < 0) {
#if defined(__x86_64__)
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        cached = 0;
#endif
    }
    return cached;
}
