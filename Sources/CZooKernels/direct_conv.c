// Direct 2-D convolution for one batch item with AVX2/FMA: register blocks of 6 output channels × 16
// (or 8) output columns, reading a zero-padded, column-phase-split copy of the input (no im2col).
#include "CZooKernels.h"
#include "phases.h"

#include <immintrin.h>

#define MR ZOO_DIRECT_CONV_MR

size_t zoo_direct_conv_scratch(int channels, int height, int width, int kernel_h, int kernel_w,
                               int stride, int padding) {
    const int out_h = (height + 2 * padding - kernel_h) / stride + 1;
    const int out_w = (width + 2 * padding - kernel_w) / stride + 1;
    int hp, wq;
    phase_geometry(out_h, out_w, kernel_h, kernel_w, stride, &hp, &wq);
    return (size_t)channels * stride * hp * wq;
}

void zoo_direct_conv_pack(const float *w, int out_channels, int channels, int kernel_h, int kernel_w,
                          float *packed) {
    const int kk = kernel_h * kernel_w, blocks = (out_channels + MR - 1) / MR;
    for (int b = 0; b < blocks; b++) {
        float *dst = packed + (size_t)b * channels * kk * MR;
        for (int i = 0; i < channels; i++)
            for (int t = 0; t < kk; t++)
                for (int m = 0; m < MR; m++) {
                    const int o = b * MR + m;
                    dst[((size_t)i * kk + t) * MR + m] = o < out_channels ? w[((size_t)o * channels + i) * kk + t] : 0.0f;
                }
    }
}

/// One register block: `mr` output channels × 8·NV columns of one output row. `in` points at the
/// block's first input column in channel 0, phase 0, kernel row 0; `tap[kx]` is kernel column kx's
/// offset from it (phase plane and column shift); `w` is the block's packed weights [C, kH, kW, MR].
static inline __attribute__((always_inline)) AVX2 void conv_block(
    const float *in, const float *w, int channels, int kernel_h, int kernel_w, const int *tap,
    size_t channel_stride, int wq, const float *bias, float *y, size_t plane, const int mr, const int nv) {
    __m256 acc[MR][2];
    for (int m = 0; m < mr; m++) {
        const __m256 b0 = bias ? _mm256_set1_ps(bias[m]) : _mm256_setzero_ps();
        acc[m][0] = b0;
        if (nv == 2) acc[m][1] = b0;
    }
    for (int c = 0; c < channels; c++) {
        const float *base = in + (size_t)c * channel_stride;
        for (int ky = 0; ky < kernel_h; ky++) {
            const float *row = base + (size_t)ky * wq;
            for (int kx = 0; kx < kernel_w; kx++) {
                const float *src = row + tap[kx];
                const __m256 v0 = _mm256_loadu_ps(src);
                const __m256 v1 = nv == 2 ? _mm256_loadu_ps(src + 8) : v0;
                for (int m = 0; m < mr; m++) {
                    const __m256 b = _mm256_broadcast_ss(w + m);
                    acc[m][0] = _mm256_fmadd_ps(b, v0, acc[m][0]);
                    if (nv == 2) acc[m][1] = _mm256_fmadd_ps(b, v1, acc[m][1]);
                }
                w += MR;
            }
        }
    }
    for (int m = 0; m < mr; m++) {
        _mm256_storeu_ps(y + m * plane, acc[m][0]);
        if (nv == 2) _mm256_storeu_ps(y + m * plane + 8, acc[m][1]);
    }
}

#define BLOCK(MRV, NV) conv_block(in, w, channels, kernel_h, kernel_w, tap, channel_stride, wq, bias, y, plane, MRV, NV)

/// The block kernel specialised for channel count MRV (6 down to 1) at width 8·NV.
#define BLOCKS_OF_WIDTH(NV)                       \
    switch (mr) {                                 \
    case 6: BLOCK(6, NV); break;                  \
    case 5: BLOCK(5, NV); break;                  \
    case 4: BLOCK(4, NV); break;                  \
    case 3: BLOCK(3, NV); break;                  \
    case 2: BLOCK(2, NV); break;                  \
    default: BLOCK(1, NV); break;                 \
    }

/// Dispatches a block to the kernel specialised for its channel count and width.
static AVX2 void conv_block_any(const float *in, const float *w, int channels, int kernel_h, int kernel_w,
                                const int *tap, size_t channel_stride, int wq, const float *bias, float *y,
                                size_t plane, int mr, int nv) {
    if (nv == 2) { BLOCKS_OF_WIDTH(2) } else { BLOCKS_OF_WIDTH(1) }
}

void zoo_direct_conv_item(const float *x, int channels, int height, int width,
                          const float *packed, const float *bias, int out_channels,
                          int kernel_h, int kernel_w, int stride, int padding,
                          float *y, int out_h, int out_w, float *scratch) {
    int hp, wq;
    phase_geometry(out_h, out_w, kernel_h, kernel_w, stride, &hp, &wq);
    fill_phases(x, channels, height, width, stride, padding, hp, wq, scratch);
    int tap[8];
    phase_taps(kernel_w, stride, hp, wq, tap);
    const size_t channel_stride = (size_t)stride * hp * wq, plane = (size_t)out_h * out_w;
    const size_t block_floats = (size_t)channels * kernel_h * kernel_w * MR;
    const int blocks = (out_channels + MR - 1) / MR;
    // Rows outermost: the input rows a block reads stay in cache across channel blocks and columns.
    for (int r = 0; r < out_h; r++) {
        for (int b = 0; b < blocks; b++) {
            const int o0 = b * MR, mr = out_channels - o0 < MR ? out_channels - o0 : MR;
            const float *w = packed + b * block_floats;
            const float *bb = bias ? bias + o0 : NULL;
            // 16-column blocks, then one 8-column block for the rest (W' is a multiple of 8).
            for (int x0 = 0, nv = 2; x0 < out_w; x0 += 8 * nv) {
                if (x0 + 16 > out_w) nv = 1;
                conv_block_any(scratch + (size_t)r * stride * wq + x0, w, channels, kernel_h, kernel_w, tap,
                               channel_stride, wq, bb, y + o0 * plane + (size_t)r * out_w + x0, plane, mr, nv);
            }
        }
    }
}
