// Vectorised elementwise kernels that must round exactly as their scalar Swift/glibc forms.
#ifndef CZOOKERNELS_H
#define CZOOKERNELS_H

/// out[i] = σ(x[i]) rounded exactly as StackZoo's scalar sigmoid with glibc's expf:
/// x ≥ 0: 1 / (1 + expf(−x)); x < 0: e / (1 + e) with e = expf(x). In place is allowed.
void zoo_sigmoid(const float *x, float *out, long n);

/// 1 when zoo_sigmoid runs its AVX2/FMA path (the CPU has both, as glibc's expf then does), else 0.
int zoo_sigmoid_is_vectorised(void);

#endif
