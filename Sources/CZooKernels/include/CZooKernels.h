// Hand-vectorised CPU kernels (AVX2/FMA, chosen at run time): a sigmoid that rounds exactly as the
// scalar Swift/glibc form, softmax rows and exact GELU for text encoders, and a direct convolution
// (and its weight gradient) for few channels;
// and the thread pool that runs the engine's parallel regions; xxHash64 and non-finite scans for
// checkpoints; CRC-32 for zip archives.
#ifndef CZOOKERNELS_H
#define CZOOKERNELS_H
#include <stddef.h>
#include <stdint.h>

/// XXH64 of `length` bytes with `seed` (the xxHash specification; little-endian hosts).
uint64_t zoo_xxh64(const void *data, size_t length, uint64_t seed);

/// CRC-32 of `length` bytes (IEEE 802.3, the zip polynomial; zip entries of .pth files).
uint32_t zoo_crc32(const void *data, size_t length);

/// How many of `count` floats are NaN or ±inf, with the index of the first in *first (`count`
/// when none): F32 for bytes = 4, F16 for 2, BF16 for −2.
size_t zoo_count_nonfinite(const void *data, size_t count, int bytes, size_t *first);

/// out[i] = σ(x[i]) rounded exactly as StackZoo's scalar sigmoid with glibc's expf:
/// x ≥ 0: 1 / (1 + expf(−x)); x < 0: e / (1 + e) with e = expf(x). In place is allowed.
void zoo_sigmoid(const float *x, float *out, long n);

/// Softmax of the row x[0..<n] into out: out[i] = e[i] / Σ e (the sum in Double, then one multiply
/// by its reciprocal rounded to float), e[i] = expf(x[i] − max) rounded as glibc's expf, the max over
/// the kept keys. `keep` (nullable: all kept) marks kept keys with non-zero values; masked keys get 0.
/// Needs at least one kept key (else the row is NaN). The same bits on every CPU path but the sum's
/// order (sequential without AVX2).
void zoo_softmax_row(const float *x, const float *keep, float *out, long n);

/// out[i] = x·Φ(x) = x·erfc(−x/√2)/2 (exact GELU), computed in Double and rounded once (the vector
/// path within 1e-10 of libm's erfc before rounding, each element the same wherever it sits).
/// In place is allowed.
void zoo_gelu(const float *x, float *out, long n);

/// 1 when this CPU supports AVX2 and FMA, else 0. zoo_sigmoid takes its vector path then (as glibc's
/// expf takes its FMA variant); the direct convolution below needs both.
int zoo_cpu_has_avx2_fma(void);

/// Output channels per register block of the direct convolution (the packed weight's block width).
#define ZOO_DIRECT_CONV_MR 6

/// Floats of the input copy that `zoo_direct_conv_item` needs: `channels` planes, each split into
/// `stride` column phases of the zero-padded input.
size_t zoo_direct_conv_scratch(int channels, int height, int width, int kernel_h, int kernel_w,
                               int stride, int padding);

/// Packs w [O, C, kH, kW] for `zoo_direct_conv_item`: blocks of ZOO_DIRECT_CONV_MR output channels,
/// each [C, kH, kW, MR] (the last block zero-filled past O). `packed` holds
/// ceil(O / MR) · C · kH · kW · MR floats.
void zoo_direct_conv_pack(const float *w, int out_channels, int channels, int kernel_h, int kernel_w,
                          float *packed);

/// One batch item of y [O, H', W'] = conv(x [C, H, W], w) (+ bias [O]), zero padding, by direct
/// convolution: needs W' % 8 == 0, kernel_w <= 8 and an AVX2/FMA CPU. `packed` comes from zoo_direct_conv_pack;
/// `scratch` holds zoo_direct_conv_scratch(...) floats. Each output is the sum over
/// (c, ky, kx) in that order, started from the bias (or 0).
void zoo_direct_conv_item(const float *x, int channels, int height, int width,
                          const float *packed, const float *bias, int out_channels,
                          int kernel_h, int kernel_w, int stride, int padding,
                          float *y, int out_h, int out_w, float *scratch);

/// Item b's share of the weight gradient of that convolution, for input channels [c0, c1) and output
/// channels [o0, o1): Σ over (y, x) of gy[o, y, x] · xpad[c, y·stride + ky, x·stride + kx], added to
/// the 8 Double lane totals dw[o, c, ky, kx, 0..<8] (the sum of the 8 is the weight's gradient).
/// Lane l sums the columns x ≡ l (mod 8) in row order, in Float within the item, so the totals
/// depend on neither the channel ranges nor the thread that runs them. Needs W' % 8 == 0,
/// kernel_h and kernel_w <= 8, stride <= 2 and an AVX2/FMA CPU; `scratch` holds
/// zoo_direct_conv_scratch(c1 − c0, ...) floats.
void zoo_direct_conv_dw_item(const float *x, int channels, int height, int width,
                             const float *gy, int out_channels, int out_h, int out_w,
                             int kernel_h, int kernel_w, int stride, int padding,
                             int c0, int c1, int o0, int o1, double *dw, float *scratch);

/// One share of a parallel region: task(context, share).
typedef void (*zoo_pool_task)(void *context, int share);

/// Runs task(context, s) for s in 0..<shares on the calling thread and up to threads − 1 pool
/// helpers (started on first use), each share once, and returns 1 when all have finished; returns
/// 0 without running anything when another region is in progress or no helper could be started.
/// Helpers take shares as they come free, poll for the next region for 0.2 ms after one ends,
/// then sleep until woken.
int zoo_pool_run(int threads, int shares, zoo_pool_task task, void *context);

#endif
