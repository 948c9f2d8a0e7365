/* Internal to verifier/: KoalaBear arithmetic on AVX2 (8 lanes) and AVX-512 (16
 * lanes) registers, and the entry points of the vector back ends. Not a public
 * header: kb.h and p2.h dispatch to these at run time.
 *
 * Every lane holds a Montgomery-form element in [0, p) and every routine returns
 * fully reduced lanes, so the vector paths are bit-identical to the scalar ones.
 *
 * Montgomery product of a, b < p (R = 2^32, mu = p^-1 mod R): t = a*b,
 * q = (t mod R) * mu mod R, then t - q*p is divisible by R and (t - q*p) / R lies in
 * (-p, p). Its numerator's low halves cancel exactly, so the quotient is just
 * hi(t) - hi(q*p) mod 2^32, and adding p when that wrapped is min(r, r + p) on
 * unsigned lanes. The 32x32->64 multiplier (vpmuludq) only reads the even 32-bit
 * lanes, so odd lanes are shifted down and multiplied separately: 6 vpmuludq per
 * register of products.
 */
#ifndef ZKGATE_VERIFIER_KB_SIMD_H
#define ZKGATE_VERIFIER_KB_SIMD_H

#include <stddef.h>

#include "verifier/kb.h"

#define KB_MONT_MU 0x81000001u /* p^-1 mod 2^32 */

#if defined(__x86_64__)
#include <immintrin.h>

#define KB_TARGET_AVX2   __attribute__((target("avx2")))
#define KB_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))

/* ---- AVX2: 8 lanes ---- */

KB_TARGET_AVX2 static inline __m256i kb8_add(__m256i a, __m256i b)
{
    __m256i s = _mm256_add_epi32(a, b);
    return _mm256_min_epu32(s, _mm256_sub_epi32(s, _mm256_set1_epi32((int)KB_P)));
}

KB_TARGET_AVX2 static inline __m256i kb8_sub(__m256i a, __m256i b)
{
    __m256i d = _mm256_sub_epi32(a, b);
    return _mm256_min_epu32(d, _mm256_add_epi32(d, _mm256_set1_epi32((int)KB_P)));
}

KB_TARGET_AVX2 static inline __m256i kb8_mul(__m256i a, __m256i b)
{
    const __m256i p = _mm256_set1_epi32((int)KB_P);
    const __m256i mu = _mm256_set1_epi32((int)KB_MONT_MU);
    __m256i t_e = _mm256_mul_epu32(a, b);
    __m256i t_o = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(b, 32));
    __m256i qp_e = _mm256_mul_epu32(_mm256_mul_epu32(t_e, mu), p);
    __m256i qp_o = _mm256_mul_epu32(_mm256_mul_epu32(t_o, mu), p);
    /* Even products: the 64-bit difference has zero low half, its high half is the
     * result. Odd products: only the high 32-bit lane of the difference matters. */
    __m256i r_e = _mm256_srli_epi64(_mm256_sub_epi64(t_e, qp_e), 32);
    __m256i r_o = _mm256_sub_epi32(t_o, qp_o);
    __m256i r = _mm256_blend_epi32(r_e, r_o, 0xaa);
    return _mm256_min_epu32(r, _mm256_add_epi32(r, p));
}

/* ---- AVX-512: 16 lanes ---- */

KB_TARGET_AVX512 static inline __m512i kb16_add(__m512i a, __m512i b)
{
    __m512i s = _mm512_add_epi32(a, b);
    return _mm512_min_epu32(s, _mm512_sub_epi32(s, _mm512_set1_epi32((int)KB_P)));
}

KB_TARGET_AVX512 static inline __m512i kb16_sub(__m512i a, __m512i b)
{
    __m512i d = _mm512_sub_epi32(a, b);
    return _mm512_min_epu32(d, _mm512_add_epi32(d, _mm512_set1_epi32((int)KB_P)));
}

/* Montgomery reduction of 16 values below p 2^32, held as 64-bit lanes: t_e has
 * those of the even lanes, t_o those of the odd ones. Returns: the 16 values
 * t / 2^32 mod p in [0, p), in lane order. */
KB_TARGET_AVX512 static inline __m512i kb16_reduce(__m512i t_e, __m512i t_o)
{
    const __m512i p = _mm512_set1_epi32((int)KB_P);
    const __m512i mu = _mm512_set1_epi32((int)KB_MONT_MU);
    __m512i qp_e = _mm512_mul_epu32(_mm512_mul_epu32(t_e, mu), p);
    __m512i qp_o = _mm512_mul_epu32(_mm512_mul_epu32(t_o, mu), p);
    __m512i r_e = _mm512_srli_epi64(_mm512_sub_epi64(t_e, qp_e), 32);
    __m512i r_o = _mm512_sub_epi32(t_o, qp_o);
    __m512i r = _mm512_mask_blend_epi32(0xaaaa, r_e, r_o);
    return _mm512_min_epu32(r, _mm512_add_epi32(r, p));
}

KB_TARGET_AVX512 static inline __m512i kb16_mul(__m512i a, __m512i b)
{
    __m512i t_e = _mm512_mul_epu32(a, b);
    /* movehdup copies odd lanes down on the shuffle port, leaving the shift port
     * to the reduction. */
    __m512i a_o = _mm512_castps_si512(_mm512_movehdup_ps(_mm512_castsi512_ps(a)));
    __m512i b_o = _mm512_castps_si512(_mm512_movehdup_ps(_mm512_castsi512_ps(b)));
    return kb16_reduce(t_e, _mm512_mul_epu32(a_o, b_o));
}

/* Vector back ends of kb_vec_* (kb_avx2.c, kb_avx512.c); same contracts. */
void kb_avx2_vec_add(kb *out, const kb *a, const kb *b, size_t n);
void kb_avx2_vec_sub(kb *out, const kb *a, const kb *b, size_t n);
void kb_avx2_vec_mul(kb *out, const kb *a, const kb *b, size_t n);
void kb_avx2_vec_scale(kb *out, const kb *a, kb c, size_t n);
void kb_avx2_vec_axpy(kb *out, const kb *a, kb c, size_t n);
void kb_avx512_vec_add(kb *out, const kb *a, const kb *b, size_t n);
void kb_avx512_vec_sub(kb *out, const kb *a, const kb *b, size_t n);
void kb_avx512_vec_mul(kb *out, const kb *a, const kb *b, size_t n);
void kb_avx512_vec_scale(kb *out, const kb *a, kb c, size_t n);
void kb_avx512_vec_axpy(kb *out, const kb *a, kb c, size_t n);
void kb_avx2_vec_dot4(kb out[4], const kb *x, const kb *c0, const kb *c1, const kb *c2,
                      const kb *c3, size_t n);
void kb_avx512_vec_dot4(kb out[4], const kb *x, const kb *c0, const kb *c1, const kb *c2,
                        const kb *c3, size_t n);

/* Poseidon2 on n states (p2_avx2.c: blocks of 8, p2_avx512.c: blocks of 16; a
 * partial last block is run padded). Same contract as p2_permute_many. */
void p2_avx2_permute_many(kb *states, size_t n);
void p2_avx512_permute_many(kb *states, size_t n);
/* One state, the states between rounds recorded (p2_permute_record's contract),
 * with the 16 elements in one AVX-512 register. */
void p2_avx512_permute_record(kb s[16], kb *rec);
#endif

/* Which vector unit kb_vec_* and p2_permute_many use: 0 scalar, 1 AVX2, 2 AVX-512.
 * kb_simd_force lowers it (tests compare back ends; never raises it past what the
 * CPU has). Returns the level in effect. */
int kb_simd_level(void);
int kb_simd_force(int level);

/* The portable versions, always present (tests compare against them). */
void kb_scalar_vec_add(kb *out, const kb *a, const kb *b, size_t n);
void kb_scalar_vec_sub(kb *out, const kb *a, const kb *b, size_t n);
void kb_scalar_vec_mul(kb *out, const kb *a, const kb *b, size_t n);
void kb_scalar_vec_scale(kb *out, const kb *a, kb c, size_t n);
void kb_scalar_vec_axpy(kb *out, const kb *a, kb c, size_t n);
void kb_scalar_vec_dot4(kb out[4], const kb *x, const kb *c0, const kb *c1, const kb *c2,
                        const kb *c3, size_t n);

/* kb_vec_dot4's lazy sums. A term x * c (both < p) is below p^2 < 2^62, so four of
 * them fit a 64-bit lane. The back ends add terms in 64 bits and split each such
 * partial sum s into hi += s >> 32 and all += s (mod 2^64); the low halves then sum
 * to lo = all - (hi << 32) mod 2^64, exact while fewer than 2^32 partial sums go
 * into one pair, which KB_DOT_CHUNK guarantees (the back ends cut longer inputs
 * into chunks and add the chunks' results). */
#define KB_DOT_CHUNK ((size_t)1 << 24)

/* The field value of (hi * 2^32 + lo) * 2^-32, i.e. of the Montgomery-form sum of
 * the terms: hi + lo * 2^-32 mod p. hi and lo are any 64-bit values. */
static inline kb kb_dot_fold(uint64_t hi, uint64_t lo)
{
    return kb_add((kb)(hi % KB_P), kb_mont_reduce(lo % KB_P));
}

/* One back end's kb_vec_dot4 on at most KB_DOT_CHUNK terms: out[k] = sum x[i] c[k][i]. */
typedef void (*kb_dot4_chunk_fn)(kb out[4], const kb *x, const kb *const c[4], size_t n);

/* kb_vec_dot4 for every back end: chunk on each run of at most KB_DOT_CHUNK terms,
 * the runs' results added. */
static inline void kb_dot4_chunked(kb out[4], const kb *x, const kb *c0, const kb *c1, const kb *c2,
                                   const kb *c3, size_t n, kb_dot4_chunk_fn chunk)
{
    kb acc[4] = {KB_ZERO, KB_ZERO, KB_ZERO, KB_ZERO}, part[4];
    for (size_t b = 0; b < n; b += KB_DOT_CHUNK) {
        size_t m = n - b < KB_DOT_CHUNK ? n - b : KB_DOT_CHUNK;
        const kb *cb[4] = {c0 + b, c1 + b, c2 + b, c3 + b};
        chunk(part, x + b, cb, m);
        for (int k = 0; k < 4; k++)
            acc[k] = kb_add(acc[k], part[k]);
    }
    for (int k = 0; k < 4; k++)
        out[k] = acc[k];
}
void p2_scalar_permute_many(kb *states, size_t n);
void p2_scalar_permute_record(kb s[16], kb *rec);

/* Round constants and internal diagonal in Montgomery form (p2.c), shared with the
 * vector back ends. */
extern const kb p2_rc_ext_init[4][16];
extern const kb p2_rc_ext_final[4][16];
extern const kb p2_rc_int[20];
extern const kb p2_diag[16];
/* Poseidon2 round by round (scalar), for code that records the states between
 * rounds (the Poseidon2 gate's filler and constraints): the external linear layer
 * (additions only); a full round (round constants, S-boxes, external layer); a
 * partial round (round constant and S-box on s[0], internal layer), which returns
 * the S-box's output. */
void p2_external_layer(kb s[16]);
void p2_full_round(kb s[16], const kb rc[16]);
kb p2_partial_round(kb s[16], kb rc);

#endif
