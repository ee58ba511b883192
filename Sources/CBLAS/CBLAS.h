// OpenBLAS's CBLAS interface plus the few LAPACK and threading entry points StackZoo calls.
#ifndef STACKZOO_CBLAS_H
#define STACKZOO_CBLAS_H
#include <cblas.h>

// LAPACK (bundled in libopenblas): Householder QR and forming Q, used by orthogonal init;
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
             double *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda,
             const double *tau, double *work, const int *lwork, int *info);
// Symmetric eigen-decomposition (divide and conquer), used by the FID's matrix square root.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);
#endif
