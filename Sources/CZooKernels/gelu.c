// Exact GELU, x·Φ(x) = x·erfc(−x/√2)/2, computed in Double (AVX2/FMA, or libm's erfc) and rounded once.
#include "CZooKernels.h"
#include <math.h>
#include "expf_avx2.h"

static inline float gelu_scalar(float x) { return (float)((double)x * 0.5 * erfc(-(double)x * M_SQRT1_2)); }

// erfc(a) = exp(−a²)·h(u) for 0 ≤ a ≤ 10.5 with u = (a − 2.5)/(a + 2.5): h a degree-12 least-squares
// fit of erfcx(a) = exp(a²)·erfc(a) in u (weighted for relative error, 600 Chebyshev nodes in u),
// relative error 3.3e-11 on [0, 10.5] against mpmath.
static const double erfcx_fit[13] = {
    0x1.afbb3f3b6626bp-3, -0x1.7ca88dea87fdap-2, 0x1.01c11a74170aap-2, -0x1.001154e401eacp-3,
    0x1.470ba3024046cp-5, -0x1.05b9e5672c654p-8, -0x1.5a580af447828p-9, 0x1.caf5a3de14ca0p-11,
    0x1.df1a800941640p-13, -0x1.0a83076d51910p-13, -0x1.1c6fd1827b900p-15, 0x1.0357417761fc2p-16,
    0x1.99aed3c642f00p-18,
};

// x·Φ(x) for four lanes: Φ = 1 − erfc(a)/2 for x ≥ 0, erfc(a)/2 below, a = |x|/√2; erfc(a) = 0
// past a = 10.5 (x·Φ rounds to 0 in float there). NaN stays NaN, +inf gives +inf and −inf NaN (as 0.5·x·(1 + erf)).
__attribute__((target("avx2,fma")))
static inline __m128 gelu4(__m128 xf) {
    const __m256d x = _mm256_cvtps_pd(xf);
    const __m256d a = _mm256_mul_pd(_mm256_andnot_pd(_mm256_set1_pd(-0.0), x), _mm256_set1_pd(M_SQRT1_2));
    const __m256d ac = _mm256_min_pd(a, _mm256_set1_pd(10.5));
    const __m256d u = _mm256_div_pd(_mm256_sub_pd(ac, _mm256_set1_pd(2.5)), _mm256_add_pd(ac, _mm256_set1_pd(2.5)));
    __m256d h = _mm256_set1_pd(erfcx_fit[12]);
    for (int k = 11; k >= 0; k--) h = _mm256_fmadd_pd(h, u, _mm256_set1_pd(erfcx_fit[k]));
    __m256d half_erfc = _mm256_mul_pd(_mm256_mul_pd(exp4d(_mm256_mul_pd(_mm256_sub_pd(_mm256_setzero_pd(), ac), ac)), h),
                                      _mm256_set1_pd(0.5));
    half_erfc = _mm256_andnot_pd(_mm256_cmp_pd(a, _mm256_set1_pd(10.5), _CMP_GT_OQ), half_erfc);
    const __m256d nonneg = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GE_OQ);
    const __m256d phi = _mm256_blendv_pd(half_erfc, _mm256_sub_pd(_mm256_set1_pd(1.0), half_erfc), nonneg);
    return _mm256_cvtpd_ps(_mm256_mul_pd(x, phi));
}

__attribute__((target("avx2,fma")))
static void gelu_avx2(const float *x, float *out, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(out + i, gelu4(_mm_loadu_ps(x + i)));
    if (i < n) {
        // The last lanes through a padded copy: every element takes the same path wherever it sits.
        float t[4] = {0, 0, 0, 0};
        for (long k = 0; k < n - i; k++) t[k] = x[i + k];
        _mm_storeu_ps(t, gelu4(_mm_loadu_ps(t)));
        for (long k = 0; k < n - i; k++) out[i + k] = t[k];
    }
}

void zoo_gelu(const float *x, float *out, long n) {
    if (zoo_cpu_has_avx2_fma()) { gelu_avx2(x, out, n); return; }
    for (long i = 0; i < n; i++) out[i] = gelu_scalar(x[i]);
}
