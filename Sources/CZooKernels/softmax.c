// Softmax of one row with AVX2/FMA (a key mask optional): the max, expf of x − max bit for bit
// glibc's, their sum in Double, and one multiply by its reciprocal (PyTorch's order).
#include "CZooKernels.h"
#include <math.h>
#include "expf_avx2.h"

static void softmax_row_scalar(const float *x, const float *keep, float *out, long n) {
    float m = -INFINITY;
    for (long i = 0; i < n; i++) if ((!keep || keep[i] != 0) && x[i] > m) m = x[i];
    double sum = 0;
    for (long i = 0; i < n; i++) {
        out[i] = (!keep || keep[i] != 0) ? expf(x[i] - m) : 0.0f;
        sum += out[i];
    }
    const float inv = (float)(1.0 / sum);
    for (long i = 0; i < n; i++) out[i] *= inv;
}

// All ones in the lanes of block i whose key is kept (the padded copy `kt` for the last, partial block).
__attribute__((target("avx2,fma")))
static inline __m256 kept_lanes(const float *keep, const float *kt, long i, long full) {
    if (i >= full) return _mm256_cmp_ps(_mm256_loadu_ps(kt), _mm256_setzero_ps(), _CMP_NEQ_OQ);
    if (!keep) return _mm256_castsi256_ps(_mm256_set1_epi32(-1));
    return _mm256_cmp_ps(_mm256_loadu_ps(keep + i), _mm256_setzero_ps(), _CMP_NEQ_OQ);
}

__attribute__((target("avx2,fma")))
static void softmax_row_avx2(const float *x, const float *keep, float *out, long n) {
    const __m256 ninf = _mm256_set1_ps(-INFINITY), limit = _mm256_set1_ps(-87.0f);
    // Lanes past n (the last block's) read through a padded copy: kept = 0 there.
    float xt[8], kt[8], et[8];
    const long full = n & ~7L;
    const long tail = n - full;
    for (long k = 0; k < 8; k++) {
        xt[k] = k < tail ? x[full + k] : 0.0f;
        kt[k] = k < tail ? (keep ? keep[full + k] : 1.0f) : 0.0f;
    }
    __m256 vmax = ninf;
    for (long i = 0; i < n; i += 8) {
        __m256 v = _mm256_loadu_ps(i < full ? x + i : xt);
        vmax = _mm256_max_ps(vmax, _mm256_blendv_ps(ninf, v, kept_lanes(keep, kt, i, full)));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, vmax);
    float m = lanes[0];
    for (int k = 1; k < 8; k++) if (lanes[k] > m) m = lanes[k];
    const __m256 vm = _mm256_set1_ps(m);
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    for (long i = 0; i < n; i += 8) {
        const float *src = i < full ? x + i : xt;
        float *dst = i < full ? out + i : et;
        __m256 kept = kept_lanes(keep, kt, i, full);
        // Masked lanes exponentiate 0 (never a huge or NaN score) and are then zeroed.
        __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_loadu_ps(src), vm), kept);
        __m256 e;
        if (_mm256_movemask_ps(_mm256_cmp_ps(d, limit, _CMP_NGT_UQ))) {
            // A lane at or below −87 (or NaN) takes glibc's special-case path: the block in scalar.
            float dt[8], r[8];
            _mm256_storeu_ps(dt, d);
            for (int k = 0; k < 8; k++) r[k] = expf(dt[k]);
            e = _mm256_loadu_ps(r);
        } else {
            e = _mm256_set_m128(expf4(_mm256_extractf128_ps(d, 1)), expf4(_mm256_castps256_ps128(d)));
        }
        e = _mm256_and_ps(e, kept);
        _mm256_storeu_ps(dst, e);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double sums[4];
    _mm256_storeu_pd(sums, _mm256_add_pd(s0, s1));
    const __m256 inv = _mm256_set1_ps((float)(1.0 / ((sums[0] + sums[1]) + (sums[2] + sums[3]))));
    for (long i = 0; i < full; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(out + i), inv));
    if (tail == 0) return;
    _mm256_storeu_ps(et, _mm256_mul_ps(_mm256_loadu_ps(et), inv));
    for (long k = 0; k < tail; k++) out[full + k] = et[k];
}

void zoo_softmax_row(const float *x, const float *keep, float *out, long n) {
    if (zoo_cpu_has_avx2_fma()) { softmax_row_avx2(x, keep, out, n); return; }
    softmax_row_scalar(x, keep, out, n);
}
