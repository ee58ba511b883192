// glibc 2.36's expf (its FMA variant) four lanes at a time in AVX2 doubles, shared by the kernels
// that must round exactly as the scalar expf (sigmoid, softmax) or want its double result (GELU).
#ifndef ZOO_EXPF_AVX2_H
#define ZOO_EXPF_AVX2_H
#include <stdint.h>
#include <immintrin.h>

// glibc's __exp2f_data for N = 32 (sysdeps/ieee754/flt-32/e_exp2f_data.c): T[i] = bits(2^(i/32)) − (i << 47).
static const uint64_t expf_table[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};
static const double expf_inv_ln2_n = 0x1.71547652b82fep+5, expf_shift = 0x1.8p+52;
static const double expf_c0 = 0x1.c6af84b912394p-20, expf_c1 = 0x1.ebfce50fac4f3p-13, expf_c2 = 0x1.62e42ff0c52d6p-6;

// exp of four doubles for |x| < 88, unrounded (relative error about 1e-10), by the operations of
// glibc's __expf_fma: kd = fma(x, N/ln2, shift); r = fma(x, N/ln2, −(kd − shift));
// s = T[k mod N] + (k << 47); y = fma(fma(r, c0, c1), r², fma(r, c2, 1)) · s.
__attribute__((target("avx2,fma")))
static inline __m256d exp4d(__m256d xd) {
    __m256d kd = _mm256_fmadd_pd(_mm256_set1_pd(expf_inv_ln2_n), xd, _mm256_set1_pd(expf_shift));
    __m256i ki = _mm256_castpd_si256(kd);
    kd = _mm256_sub_pd(kd, _mm256_set1_pd(expf_shift));
    __m256d r = _mm256_fmsub_pd(_mm256_set1_pd(expf_inv_ln2_n), xd, kd);
    __m256i idx = _mm256_and_si256(ki, _mm256_set1_epi64x(31));
    __m256i t = _mm256_i64gather_epi64((const long long *)expf_table, idx, 8);
    t = _mm256_add_epi64(t, _mm256_slli_epi64(ki, 47));
    __m256d s = _mm256_castsi256_pd(t);
    __m256d z = _mm256_fmadd_pd(r, _mm256_set1_pd(expf_c0), _mm256_set1_pd(expf_c1));
    __m256d r2 = _mm256_mul_pd(r, r);
    __m256d y = _mm256_fmadd_pd(r, _mm256_set1_pd(expf_c2), _mm256_set1_pd(1.0));
    y = _mm256_fmadd_pd(z, r2, y);
    return _mm256_mul_pd(y, s);
}

// expf of four floats for |x| < 88, bit for bit glibc's (its double result rounded to float).
__attribute__((target("avx2,fma")))
static inline __m128 expf4(__m128 xf) { return _mm256_cvtpd_ps(exp4d(_mm256_cvtps_pd(xf))); }

#endif
