// The zero-padded, column-phase-split input copy that the direct convolution kernels read.
#ifndef ZOO_PHASES_H
#define ZOO_PHASES_H
#include <stddef.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma")))

/// The padded input's geometry for an output of out_h × out_w: rows hp of every phase plane,
/// columns wq per phase row.
static inline void phase_geometry(int out_h, int out_w, int kernel_h, int kernel_w, int stride, int *hp, int *wq) {
    *hp = (out_h - 1) * stride + kernel_h;
    *wq = out_w + (kernel_w - 1) / stride;
}

/// tap[kx]: kernel column kx's offset in the phase planes from the column a block starts at (its
/// phase plane, then its column shift within it), for kx < kernel_w ≤ 8.
static inline void phase_taps(int kernel_w, int stride, int hp, int wq, int *tap) {
    for (int kx = 0; kx < kernel_w && kx < 8; kx++) tap[kx] = (kx % stride) * hp * wq + kx / stride;
}

/// scratch[c][phase][r][j] = xpad[r][j·stride + phase], xpad = x zero-padded by `padding`.
static inline void fill_phases(const float *x, int channels, int height, int width, int stride, int padding,
                        int hp, int wq, float *scratch) {
    for (int c = 0; c < channels; c++) {
        const float *src = x + (size_t)c * height * width;
        for (int ph = 0; ph < stride; ph++) {
            float *plane = scratch + ((size_t)c * stride + ph) * hp * wq;
            for (int r = 0; r < hp; r++) {
                float *row = plane + (size_t)r * wq;
                const int iy = r - padding;
                if (iy < 0 || iy >= height) {
                    memset(row, 0, sizeof(float) * wq);
                    continue;
                }
                const float *in = src + (size_t)iy * width;
                if (stride == 1) {
                    // Columns j ↔ ix = j − padding: zeros, the row, zeros.
                    const int lead = padding < wq ? padding : wq;
                    memset(row, 0, sizeof(float) * lead);
                    int n = width < wq - lead ? width : wq - lead;
                    if (n > 0) memcpy(row + lead, in, sizeof(float) * n);
                    else n = 0;
                    if (lead + n < wq) memset(row + lead + n, 0, sizeof(float) * (wq - lead - n));
                } else {
                    for (int j = 0; j < wq; j++) {
                        const int ix = j * stride + ph - padding;
                        row[j] = ix >= 0 && ix < width ? in[ix] : 0.0f;
                    }
                }
            }
        }
    }
}

#endif
