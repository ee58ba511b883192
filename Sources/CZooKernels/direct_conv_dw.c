// Weight gradient of a 2-D convolution for one batch item with AVX2/FMA: dW += gy ⋆ x by register
// blocks of 3 output channels × 4 kernel columns over row bands that stay in L1 (no im2col, no GEMM).
#include "CZooKernels.h"
#include "phases.h"

#include <immintrin.h>

#define MO 3
#define KB 4
/// Floats of gy (MO channels × band rows × W') per row band: half of a 32 KiB L1.
#define BAND_FLOATS 4096

/// Adds one row band to lanes[m][k] (8 partial sums each): Σ over the band's rows r and columns x of
/// gy[m][r][x] · in[r·in_row + tap[k] + x], columns in blocks of 8.
static inline __attribute__((always_inline)) AVX2 void dw_block(
    const float *gy, size_t gy_plane, int out_w, int rows, const float *in, size_t in_row, const int *tap,
    __m256 *lanes, const int mo, const int kb) {
    __m256 acc[MO][KB];
    for (int m = 0; m < mo; m++)
        for (int k = 0; k < kb; k++) acc[m][k] = lanes[m * KB + k];
    for (int r = 0; r < rows; r++) {
        const float *g = gy + (size_t)r * out_w, *xr = in + (size_t)r * in_row;
        for (int x0 = 0; x0 < out_w; x0 += 8) {
            __m256 gv[MO];
            for (int m = 0; m < mo; m++) gv[m] = _mm256_loadu_ps(g + m * gy_plane + x0);
            for (int k = 0; k < kb; k++) {
                const __m256 v = _mm256_loadu_ps(xr + tap[k] + x0);
                for (int m = 0; m < mo; m++) acc[m][k] = _mm256_fmadd_ps(gv[m], v, acc[m][k]);
            }
        }
    }
    for (int m = 0; m < mo; m++)
        for (int k = 0; k < kb; k++) lanes[m * KB + k] = acc[m][k];
}

#define DW(MOV, KBV) dw_block(gy, gy_plane, out_w, rows, in, in_row, tap, lanes, MOV, KBV)
#define DW_OF(MOV)                  \
    switch (kb) {                   \
    case 4: DW(MOV, 4); break;      \
    case 3: DW(MOV, 3); break;      \
    case 2: DW(MOV, 2); break;      \
    default: DW(MOV, 1); break;     \
    }

/// Dispatches a band to the block specialised for its channel and tap counts.
static AVX2 void dw_block_any(const float *gy, size_t gy_plane, int out_w, int rows, const float *in,
                              size_t in_row, const int *tap, __m256 *lanes, int mo, int kb) {
    if (mo == 3) { DW_OF(3) } else if (mo == 2) { DW_OF(2) } else { DW_OF(1) }
}

AVX2 void zoo_direct_conv_dw_item(const float *x, int channels, int height, int width,
                             const float *gy, int out_channels, int out_h, int out_w,
                             int kernel_h, int kernel_w, int stride, int padding,
                             int c0, int c1, int o0, int o1, double *dw, float *scratch) {
    int hp, wq;
    phase_geometry(out_h, out_w, kernel_h, kernel_w, stride, &hp, &wq);
    fill_phases(x + (size_t)c0 * height * width, c1 - c0, height, width, stride, padding, hp, wq, scratch);
    int tap[8];
    phase_taps(kernel_w, stride, hp, wq, tap);
    const size_t gy_plane = (size_t)out_h * out_w, in_row = (size_t)stride * wq;
    const size_t channel_stride = (size_t)stride * hp * wq;
    const int kblocks = (kernel_w + KB - 1) / KB;
    int band = BAND_FLOATS / (MO * out_w);
    if (band < 1) band = 1;
    // lanes[ky][kx block][m][k]: 8 partial sums per weight, kept across the row bands of this item.
    __m256 lanes[8 * 2 * MO * KB];
    for (int c = c0; c < c1; c++) {
        const float *base = scratch + (size_t)(c - c0) * channel_stride;
        for (int ob = o0; ob < o1; ob += MO) {
            const int mo = o1 - ob < MO ? o1 - ob : MO;
            for (int i = 0; i < kernel_h * kblocks * MO * KB; i++) lanes[i] = _mm256_setzero_ps();
            // Bands outermost: the band's gy rows stay in L1 across every kernel row and column block.
            for (int r0 = 0; r0 < out_h; r0 += band) {
                const int rows = out_h - r0 < band ? out_h - r0 : band;
                for (int ky = 0; ky < kernel_h; ky++)
                    for (int kb0 = 0; kb0 < kblocks; kb0++) {
                        const int kb = kernel_w - kb0 * KB < KB ? kernel_w - kb0 * KB : KB;
                        dw_block_any(gy + (size_t)ob * gy_plane + (size_t)r0 * out_w, gy_plane, out_w, rows,
                                     base + ((size_t)r0 * stride + ky) * wq, in_row, tap + kb0 * KB,
                                     lanes + (ky * kblocks + kb0) * MO * KB, mo, kb);
                    }
            }
            // Each weight's 8 partial sums, added lane by lane to its 8 Double totals.
            for (int m = 0; m < mo; m++)
                for (int ky = 0; ky < kernel_h; ky++)
                    for (int kx = 0; kx < kernel_w; kx++) {
                        const __m256 v = lanes[(ky * kblocks + kx / KB) * MO * KB + m * KB + kx % KB];
                        double *d = dw + ((((size_t)(ob + m) * channels + c) * kernel_h + ky) * kernel_w + kx) * 8;
                        _mm256_storeu_pd(d, _mm256_add_pd(_mm256_loadu_pd(d), _mm256_cvtps_pd(_mm256_castps256_ps128(v))));
                        _mm256_storeu_pd(d + 4, _mm256_add_pd(_mm256_loadu_pd(d + 4), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))));
                    }
        }
    }
}
