// xxHash64 (Yann Collet's XXH64, written from its specification), CRC-32 and non-finite scans of
// float arrays: the checkpoint checksum, zip entry checks and weight checks, at -O2 in every build
// (a large checkpoint is hashed at several GB/s, a small fraction of writing it).
#include "CZooKernels.h"
#include <stdint.h>
#include <string.h>

static const uint64_t P1 = 0x9E3779B185EBCA87ULL, P2 = 0xC2B2AE3D27D4EB4FULL, P3 = 0x165667B19E3779F9ULL,
                      P4 = 0x85EBCA77C2B2AE63ULL, P5 = 0x27D4EB2F165667C5ULL;

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t read64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }   /* little-endian hosts */
static inline uint32_t read32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t round64(uint64_t acc, uint64_t input) { return rotl64(acc + input * P2, 31) * P1; }
static inline uint64_t merge64(uint64_t acc, uint64_t v) { return (acc ^ round64(0, v)) * P1 + P4; }

uint64_t zoo_xxh64(const void *data, size_t length, uint64_t seed) {
    const unsigned char *p = data, *end = p + length;
    uint64_t h;
    if (length >= 32) {
        uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        for (; p + 32 <= end; p += 32) {
            v1 = round64(v1, read64(p));
            v2 = round64(v2, read64(p + 8));
            v3 = round64(v3, read64(p + 16));
            v4 = round64(v4, read64(p + 24));
        }
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = merge64(merge64(merge64(merge64(h, v1), v2), v3), v4);
    } else {
        h = seed + P5;
    }
    h += (uint64_t)length;
    for (; p + 8 <= end; p += 8) h = rotl64(h ^ round64(0, read64(p)), 27) * P1 + P4;
    if (p + 4 <= end) { h = rotl64(h ^ ((uint64_t)read32(p) * P1), 23) * P2 + P3; p += 4; }
    for (; p < end; p++) h = rotl64(h ^ (*p * P5), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

size_t zoo_count_nonfinite(const void *data, size_t count, int bytes, size_t *first) {
    size_t n = 0;
    *first = count;
    if (bytes == 4) {
        const uint32_t *x = data;
        for (size_t i = 0; i < count; i++) {
            if ((x[i] & 0x7f800000u) == 0x7f800000u) { if (n++ == 0) *first = i; }
        }
    } else {
        /* F16 (exponent 0x7c00) or BF16 (0x7f80): `bytes` is 2 for F16, -2 for BF16. */
        const uint16_t *x = data;
        const uint16_t mask = bytes == 2 ? 0x7c00 : 0x7f80;
        for (size_t i = 0; i < count; i++) {
            if ((x[i] & mask) == mask) { if (n++ == 0) *first = i; }
        }
    }
    return n;
}

/* CRC-32, reflected polynomial 0xEDB88320, slicing by 4 (tables built on first use). */
static uint32_t crc_table[4][256];
static int crc_ready;

uint32_t zoo_crc32(const void *data, size_t length) {
    if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE)) {
        for (uint32_t n = 0; n < 256; n++) {
            uint32_t c = n;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            crc_table[0][n] = c;
        }
        for (uint32_t n = 0; n < 256; n++)
            for (int t = 1; t < 4; t++) crc_table[t][n] = (crc_table[t - 1][n] >> 8) ^ crc_table[0][crc_table[t - 1][n] & 0xFF];
        __atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);   /* racing builders write the same values */
    }
    const unsigned char *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (; length >= 4; length -= 4, p += 4) {
        c ^= read32(p);
        c = crc_table[3][c & 0xFF] ^ crc_table[2][(c >> 8) & 0xFF] ^ crc_table[1][(c >> 16) & 0xFF] ^ crc_table[0][c >> 24];
    }
    for (; length > 0; length--) c = crc_table[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}
