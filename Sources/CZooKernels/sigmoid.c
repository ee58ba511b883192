// σ(x) eight at a time with AVX2/FMA, bit for bit glibc 2.36's expf (its FMA variant) inside.
#include "CZooKernels.h"
#include <math.h>
#include "expf_avx2.h"

static inline float sigmoid_scalar(float x) {
    if (x >= 0) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

__attribute__((target("avx2,fma")))
static void sigmoid_avx2(const float *x, float *out, long n) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    const __m256 signbit = _mm256_set1_ps(-0.0f), limit = _mm256_set1_ps(88.0f);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 nonneg = _mm256_cmp_ps(v, zero, _CMP_GE_OQ);
        // expf's argument: −x for x ≥ 0, else x (that is −|x|, also for NaN lanes, which go scalar).
        __m256 a = _mm256_or_ps(v, signbit);
        // Lanes whose |x| ≥ 88 (or NaN) take glibc's special-case path: do the whole block in scalar.
        __m256 big = _mm256_cmp_ps(_mm256_andnot_ps(signbit, v), limit, _CMP_NLT_UQ);
        if (_mm256_movemask_ps(big)) {
            for (int k = 0; k < 8; k++) out[i + k] = sigmoid_scalar(x[i + k]);
            continue;
        }
        __m256 e = _mm256_set_m128(expf4(_mm256_extractf128_ps(a, 1)), expf4(_mm256_castps256_ps128(a)));
        __m256 den = _mm256_add_ps(one, e);
        __m256 num = _mm256_blendv_ps(e, one, nonneg);
        _mm256_storeu_ps(out + i, _mm256_div_ps(num, den));
    }
    for (; i < n; i++) out[i] = sigmoid_scalar(x[i]);
}

void zoo_sigmoid(const float *x, float *out, long n) {
    if (zoo_cpu_has_avx2_fma()) { sigmoid_avx2(x, out, n); return; }
    for (long i = 0; i < n; i++) out[i] = sigmoid_scalar(x[i]);
}
