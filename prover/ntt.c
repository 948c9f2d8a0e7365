/* NTT over KoalaBear: a radix-2 decimation-in-frequency transform (natural ->
 * bit-reversed) and a decimation-in-time one (bit-reversed -> natural), blocked so
 * that data crosses memory about twice per transform whatever its size.
 *
 * Everything works on "rows of width w": n = 2^L rows of w contiguous elements,
 * where a butterfly combines two whole rows with one twiddle. A column-major
 * column is the case w = 1; a row-major matrix is one call with w = cols.
 *
 * Twiddles: a layer whose butterflies pair rows i and i + h (h a power of two)
 * uses w_2h^(i mod h), where w_2h is the primitive 2h-th root. Those values do not
 * depend on n, so one table tw[h + j] = w_2h^j (j < h, h = 1, 2, 4, ...) serves
 * every size, and the layer's twiddles are the contiguous slice tw[h .. 2h).
 *
 * Blocking (the "four-step" split done in place): view the n rows as R blocks of
 * C consecutive rows. The top log R layers pair rows in different blocks at the
 * same offset; they are done tile by tile, a tile being one 32- or 64-element-wide
 * slice of the C*w elements of a block across all R blocks, copied to a small buffer
 * (so its rows do not all map to the same cache sets), transformed through every
 * top layer in L1/L2 and copied back. The remaining layers act inside one block,
 * which is itself a smaller transform of the same kind, done recursively until a
 * block fits in L1. A DIT transform does the same steps in the opposite order.
 */
#include "prover/ntt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/par.h"
#include "verifier/kb_simd.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* A block of at most this many elements (16 KiB) is transformed in place in L1;
 * a column's (w = 1) may be twice that, 32 KiB: its large transforms then need
 * one tiled level fewer (2^22: forward 6.2 -> 4.7-5.4 ms, 64 columns 2^18 -> 2^21
 * LDE 180-186 -> 154-155 ms), where rows of other widths did not gain or lost
 * (the wire LDE 5%). */
#define LEAF_ELEMS     4096u
#define LEAF_ELEMS_COL 8192u
/* A tiled pass works on a buffer of this many elements (64 KiB, on the stack and
 * in L2): 2^r rows of a tile of 2^14 / 2^r elements, at most TILE_MAX wide. */
#define TILE_BUF_ELEMS (1u << 14)
#define TILE_MAX       64u
/* At most this many layers in one tiled pass (2^9 rows of 32-element tiles). A
 * transform that needs more is split higher, at SPLIT_LOG layers, so that its
 * tiles are TILE_MAX wide: in a large transform every tile row is a separate
 * trip to memory, and 256 bytes at a time use memory far better than 64 (16-wide
 * tiles of 2^10 rows made the row-major LDEs 1.4-1.6x slower, docs/PERFORMANCE.md). */
#define OUTER_MAX_LOG 9u
#define SPLIT_LOG     8u
/* Below this much work a parallel loop costs more than it saves. */
#define PAR_MIN_ELEMS ((size_t)1 << 14)

struct ntt_plan {
    unsigned max_log;
    kb *fwd; /* fwd[h + j] = w_2h^j, for h = 2^0 .. 2^(max_log-1), j < h */
    kb *inv; /* inv[h + j] = w_2h^-j */
};

/* ---- scalar helpers ----------------------------------------------------------- */

static kb pow_kb(kb a, uint64_t e)
{
    kb r = KB_ONE;
    while (e) {
        if (e & 1)
            r = kb_mul(r, a);
        a = kb_mul(a, a);
        e >>= 1;
    }
    return r;
}

/* a^(p-2); only called with a != 0 (shifts are checked, roots are non-zero). */
static kb inv_kb(kb a)
{
    return pow_kb(a, KB_P - 2);
}

static kb root_kb(unsigned log_n)
{
    kb r = kb_from_canonical(KB_TWO_ADIC_ROOT);
    for (unsigned i = log_n; i < KB_TWO_ADICITY; i++)
        r = kb_mul(r, r);
    return r;
}

static size_t bitrev(size_t i, unsigned bits)
{
    uint32_t x = (uint32_t)i;
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = __builtin_bswap32(x);
    return bits ? (size_t)(x >> (32 - bits)) : 0;
}

/* ---- kernels -------------------------------------------------------------------
 * dif: (a, b) <- (a + b, (a - b) * t);   dit: (a, b) <- (a + t*b, a - t*b);
 * over len consecutive elements, where element k uses t = tw[(t0 + k) / w]. */

typedef void (*bfly_fn)(kb *a, kb *b, const kb *tw, size_t len, size_t w, size_t t0);
/* One layer with h*w = hh < vector width over a region of len elements (a
 * multiple of 32), w a power of two; lane twiddles come from tw (the layer's
 * slice). */
typedef void (*small_fn)(kb *x, size_t len, size_t hh, size_t w, const kb *tw);
typedef void (*scale_fn)(kb *x, size_t len, kb c);
/* The last five layers of a column (w = 1, len a multiple of 32) in one pass,
 * skipping layers with h < min_h, with the factor c applied after a DIF or before
 * a DIT (KB_ONE: none); tw is the whole table. */
typedef void (*tail_fn)(kb *x, size_t len, const kb *tw, int dit, size_t min_h, kb c);
/* Two consecutive layers at once (radix 4) on the rows x, x + s, x + 2s, x + 3s
 * (s elements apart): the layer with pairs 2s apart uses ta for (x, x + 2s) and tb
 * for (x + s, x + 3s), the one with pairs s apart uses tc for both of its pairs,
 * each twiddle indexed like bfly_fn's. DIF runs the wide layer first, DIT the
 * narrow one: every element sees the same operations as in two radix-2 layers,
 * with one load and store per two layers instead of two. */
typedef void (*bfly4_fn)(kb *x, size_t s, const kb *ta, const kb *tb, const kb *tc, size_t len,
                         size_t w, size_t t0);

typedef struct kernels {
    bfly_fn dif, dit;
    small_fn dif_small, dit_small; /* NULL: the layer falls back to dif/dit */
    tail_fn tail;                  /* NULL: layer by layer */
    scale_fn scale;
    size_t lanes; /* vector width; the bfly kernels are used when h*w >= lanes */
    const char *name;
    bfly4_fn dif4, dit4; /* NULL: two radix-2 layers */
} kernels;

static void s_dif(kb *a, kb *b, const kb *tw, size_t len, size_t w, size_t t0)
{
    if (w == 1) {
        for (size_t k = 0; k < len; k++) {
            kb x = a[k], y = b[k];
            a[k] = kb_add(x, y);
            b[k] = kb_mul(x - y + KB_P, tw[t0 + k]);
        }
        return;
    }
    size_t k = 0;
    while (k < len) {
        size_t j = (t0 + k) / w, end = (j + 1) * w - t0;
        kb t = tw[j];
        if (end > len)
            end = len;
        for (; k < end; k++) {
            kb x = a[k], y = b[k];
            a[k] = kb_add(x, y);
            b[k] = kb_mul(x - y + KB_P, t);
        }
    }
}

static void s_dit(kb *a, kb *b, const kb *tw, size_t len, size_t w, size_t t0)
{
    if (w == 1) {
        for (size_t k = 0; k < len; k++) {
            kb x = a[k], y = kb_mul(b[k], tw[t0 + k]);
            a[k] = kb_add(x, y);
            b[k] = kb_sub(x, y);
        }
        return;
    }
    size_t k = 0;
    while (k < len) {
        size_t j = (t0 + k) / w, end = (j + 1) * w - t0;
        kb t = tw[j];
        if (end > len)
            end = len;
        for (; k < end; k++) {
            kb x = a[k], y = kb_mul(b[k], t);
            a[k] = kb_add(x, y);
            b[k] = kb_sub(x, y);
        }
    }
}

static void s_scale(kb *x, size_t len, kb c)
{
    for (size_t k = 0; k < len; k++)
        x[k] = kb_mul(x[k], c);
}

static const kernels k_scalar = {s_dif, s_dit, NULL, NULL, NULL, s_scale, 1, "scalar", NULL, NULL};

#if defined(__x86_64__)

/* The lane arithmetic (Montgomery products, modular add/sub) is the field's own,
 * shared with verifier/: one implementation to test and to speed up. */
#define T_AVX2   KB_TARGET_AVX2
#define T_AVX512 KB_TARGET_AVX512

/* Rows of width w that do not line up with the vectors (w >= the vector width): a
 * cursor over the elements from t0 on, one vector at a time. A window no wider than
 * a row meets at most two rows, j and j + 1, so its twiddles are two broadcasts
 * and a mask, with no division per vector. */
typedef struct tw_cursor {
    size_t j;    /* the row of the window's first element */
    size_t left; /* elements of row j from the window's start on */
} tw_cursor;

static inline tw_cursor tw_cursor_at(size_t w, size_t t0)
{
    size_t j = t0 / w;
    return (tw_cursor){j, (j + 1) * w - t0};
}

/* The next window of `lanes` elements: *row gets the row of its first element,
 * and the result the lanes that are in the row after it; the cursor moves past
 * the window. */
static inline uint32_t tw_cursor_next_bits(tw_cursor *c, size_t w, size_t lanes, size_t *row)
{
    *row = c->j;
    if (c->left > lanes) {
        c->left -= lanes;
        return 0;
    }
    uint32_t m = (uint32_t)(((1u << lanes) - 1) & ~((1u << c->left) - 1));
    c->j++;
    c->left += w - lanes;
    return m;
}

/* ---- AVX2: 8 lanes ---- */

#define L8(p)    _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define S8(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))

/* Rows narrower than a vector (1 < w < 8), as tw_narrow16 below does for 16
 * lanes: the window at offset r of row j holds rows j + (r + l) / w, found with one
 * vector product (exact for r + l < 16), and their twiddles are loaded with a
 * mask and permuted into place. */
typedef struct tw_narrow8 {
    size_t j, r, w, q, rem; /* row, offset in it, width, 8 / w, 8 % w */
    uint32_t mul;           /* ceil(2^16 / w): x / w = x * mul >> 16 for x < 32 */
    __m256i m;
} tw_narrow8;

T_AVX2 static inline tw_narrow8 tw_narrow8_at(size_t w, size_t t0)
{
    uint32_t mul = (uint32_t)((65536 + w - 1) / w);
    return (tw_narrow8){t0 / w, t0 % w, w, 8 / w, 8 % w, mul, _mm256_set1_epi32((int)mul)};
}

/* The twiddles of the cursor's window; the cursor moves to the next one. */
T_AVX2 static inline __m256i tw_narrow8_next(const kb *tw, tw_narrow8 *c)
{
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i d = _mm256_srli_epi32(
        _mm256_mullo_epi32(_mm256_add_epi32(iota, _mm256_set1_epi32((int)c->r)), c->m), 16);
    uint32_t last = ((uint32_t)c->r + 7) * c->mul >> 16; /* the window's last row */
    __m256i need = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)last + 1), iota);
    __m256i t = _mm256_permutevar8x32_epi32(
        _mm256_maskload_epi32((const int *)(const void *)(tw + c->j), need), d);
    c->j += c->q;
    c->r += c->rem;
    if (c->r >= c->w) {
        c->r -= c->w;
        c->j++;
    }
    return t;
}

/* The twiddles of the window the cursor is at (rows of width w >= 8): tw[j], and
 * tw[j + 1] in the lanes past the row's end. */
T_AVX2 static inline __m256i tw8_next(const kb *tw, tw_cursor *c, size_t w)
{
    size_t j;
    uint32_t m = tw_cursor_next_bits(c, w, 8, &j);
    __m256i t = _mm256_set1_epi32((int)tw[j]);
    if (!m)
        return t;
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    __m256i sel = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)m), bit), bit);
    return _mm256_blendv_epi8(t, _mm256_set1_epi32((int)tw[j + 1]), sel);
}

/* The cursors only where they are used (they divide). */
#define TW_NARROW8_FOR(w, t0) ((w) > 1 && (w) < 8 ? tw_narrow8_at((w), (t0)) : (tw_narrow8){0})

T_AVX2 static void a2_dif(kb *a, kb *b, const kb *tw, size_t len, size_t w, size_t t0)
{
    size_t k = 0;
    tw_cursor c = w >= 8 ? tw_cursor_at(w, t0) : (tw_cursor){0, 0};
    tw_narrow8 nc = TW_NARROW8_FOR(w, t0);
    for (; k + 8 <= len; k += 8) {
        __m256i t = w >= 8   ? tw8_next(tw, &c, w)
                    : w == 1 ? L8(tw + t0 + k)
                             : tw_narrow8_next(tw, &nc);
        __m256i x = L8(a + k), y = L8(b + k);
        S8(a + k, kb8_add(x, y));
        S8(b + k,
           kb8_mul(_mm256_add_epi32(_mm256_sub_epi32(x, y), _mm256_set1_epi32((int)KB_P)), t));
    }
    s_dif(a + k, b + k, tw, len - k, w, t0 + k);
}

T_AVX2 static void a2_dit(kb *a, kb *b, const kb *tw, size_t len, size_t w, size_t t0)
{
    size_t k = 0;
    tw_cursor c = w >= 8 ? tw_cursor_at(w, t0) : (tw_cursor){0, 0};
    tw_narrow8 nc = TW_NARROW8_FOR(w, t0);
    for (; k + 8 <= len; k += 8) {
        __m256i t = w >= 8   ? tw8_next(tw, &c, w)
                    : w == 1 ? L8(tw + t0 + k)
                             : tw_narrow8_next(tw, &nc);
        __m256i x = L8(a + k), y = kb8_mul(L8(b + k), t);
        S8(a + k, kb8_add(x, y));
        S8(b + k, kb8_sub(x, y));
    }
    s_dit(a + k, b + k, tw, len - k, w, t0 + k);
}

T_AVX2 static void a2_scale(kb *x, size_t len, kb c)
{
    __m256i cv = _mm256_set1_epi32((int)c);
    size_t k = 0;
    for (; k + 8 <= len; k += 8)
        S8(x + k, kb8_mul(L8(x + k), cv));
    s_scale(x + k, len - k, c);
}

static const kernels k_avx2 = {a2_dif, a2_dit, NULL, NULL, NULL, a2_scale, 8, "avx2", NULL, NULL};

/* ---- AVX-512: 16 lanes ---- */

#define L16(p)    _mm512_loadu_si512((const void *)(p))
#define S16(p, v) _mm512_storeu_si512((void *)(p), (v))

T_AVX512 static inline __mmask16 tw_cursor_next(tw_cursor *c, size_t w, size_t *row)
{
    return (__mmask16)tw_cursor_next_bits(c, w, 16, row);
}

/* The window's twiddles: tw[j] in every lane, tw[j + 1] in the lanes of m (read
 * only when there are some). */
#define tw_row16(tw, j, m)                                                                         \
    ((m) ? _mm512_mask_mov_epi32(_mm512_set1_epi32((int)(tw)[j]), (m),                             \
                                 _mm512_set1_epi32((int)(tw)[(j) + 1]))                            \
         : _mm512_set1_epi32((int)(tw)[j]))

/* Rows narrower than a vector (1 < w < 16): a window of 16 lanes starting at
 * offset r of row j holds rows j + (r + l) / w, l < 16, at most j + 15. The
 * quotients come from one vector product, (r + l) * ceil(2^16 / w) >> 16, exact
 * for r + l < 32 and w < 16 (the error, below 32 / 2^16, is less than the 1 / w
 * that separates a fraction from the next integer), and the window's twiddles are
 * those rows' entries of tw[j ..], loaded with a mask (so that nothing past the
 * rows used is read) and permuted into place. */
typedef struct tw_narrow16 {
    size_t j, r, w, q, rem; /* row, offset in it, width, 16 / w, 16 % w */
    uint32_t mul;           /* ceil(2^16 / w): x / w = x * mul >> 16 for x < 32 */
    __m512i m;
} tw_narrow16;

T_AVX512 static inline tw_narrow16 tw_narrow16_at(size_t w, size_t t0)
{
    uint32_t mul = (uint32_t)((65536 + w - 1) / w);
    return (tw_narrow16){t0 / w, t0 % w, w, 16 / w, 16 % w, mul, _mm512_set1_epi32((int)mul)};
}

/* The row offsets of the cursor's window; *need the rows it uses. */
T_AVX512 static inline __m512i tw_narrow16_rows(const tw_narrow16 *c, __mmask16 *need)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512i lane = _mm512_add_epi32(iota, _mm512_set1_epi32((int)c->r));
    *need = (__mmask16)((2u << (((uint32_t)c->r + 15) * c->mul >> 16)) - 1);
    return _mm512_srli_epi32(_mm512_mullo_epi32(lane, c->m), 16);
}

T_AVX512 static inline __m512i tw_narrow16_get(const kb *tw, const tw_narrow16 *c, __m512i d,
                                               __mmask16 need)
{
    return _mm512_permutexvar_epi32(d, _mm512_maskz_loadu_epi32(need, tw + c->j));
}

T_AVX512 static inline void tw_narrow16_next(tw_narrow16 *c)
{
    c->j += c->q;
    c->r += c->rem;
    if (c->r >= c->w) {
        c->r -= c->w;
        c->j++;
    }
}

/* a - b + p, in [0, 2p): the Montgomery product accepts a factor below 2^32 when
 * the other is below p (their product stays below p * 2^32), so the difference
 * that a DIF butterfly multiplies by its twiddle needs no reduction. */
T_AVX512 static inline __m512i sub_lazy16(__m512i a, __m512i b)
{
    return _mm512_add_epi32(_mm512_sub_epi32(a, b), _mm512_set1_epi32((int)KB_P));
}

#define A5_DIF_STEP(T)                                                                             \
    do {                                                                                           \
        __m512i x_ = L16(a + k), y_ = L16(b + k);                                                  \
        S16(a + k, kb16_add(x_, y_));                                                              \
        S16(b + k, kb16_mul(sub_lazy16(x_, y_), (T)));                                             \
    } while (0)
#define A5_DIT_STEP(T)                                                                             \
    do {                                                                                           \
        __m512i x_ = L16(a + k), y_ = kb16_mul(L16(b + k), (T));                                   \
        S16(a + k, kb16_add(x_, y_));                                                              \
        S16(b + k, kb16_sub(x_, y_));                                                              \
    } while (0)

/* Rows of width w share a twiddle: when w is a multiple of 16 one broadcast serves
 * w / 16 vectors, found with one division per row instead of one per vector. */
#define A5_BFLY(STEP, SCALAR)                                                                      \
    size_t k = 0;                                                                                  \
    if (w == 1) {                                                                                  \
        for (; k + 16 <= len; k += 16)                                                             \
            STEP(L16(tw + t0 + k));                                                                \
    } else if (w % 16 == 0 && t0 % 16 == 0) {                                                      \
        while (k + 16 <= len) {                                                                    \
            size_t j = (t0 + k) / w, end = (j + 1) * w - t0;                                       \
            __m512i t = _mm512_set1_epi32((int)tw[j]);                                             \
            if (end > len)                                                                         \
                end = len;                                                                         \
            for (; k + 16 <= end; k += 16)                                                         \
                STEP(t);                                                                           \
        }                                                                                          \
    } else if (w >= 16) {                                                                          \
        tw_cursor c_ = tw_cursor_at(w, t0);                                                        \
        for (; k + 16 <= len; k += 16) {                                                           \
            size_t j_;                                                                             \
            __mmask16 m_ = tw_cursor_next(&c_, w, &j_);                                            \
            STEP(tw_row16(tw, j_, m_));                                                            \
        }                                                                                          \
    } else {                                                                                       \
        tw_narrow16 n_ = tw_narrow16_at(w, t0);                                                    \
        for (; k + 16 <= len; k += 16, tw_narrow16_next(&n_)) {                                    \
            __mmask16 u_;                                                                          \
            __m512i d_ = tw_narrow16_rows(&n_, &u_);                                               \
            STEP(tw_narrow16_get(tw, &n_, d_, u_));                                                \
        }                                                                                          \
    }                                                                                              \
    if (k < len)                                                                                   \
    SCALAR(a + k, b + k, tw, len - k, w, t0 + k)

T_AVX512 static void a5_dif(kb *a, kb *b, const kb *tw, size_t len, size_t w, size_t t0)
{
    A5_BFLY(A5_DIF_STEP, s_dif);
}

T_AVX512 static void a5_dit(kb *a, kb *b, const kb *tw, size_t len, size_t w, size_t t0)
{
    A5_BFLY(A5_DIT_STEP, s_dit);
}

/* Index vectors for a layer with hh < 16 on a 32-element chunk (A = 0..15,
 * B = 16..31): X gathers the upper halves of each butterfly (positions with bit hh
 * clear), Y the lower halves, lane for lane; back_a/back_b undo it. */
typedef struct perm32 {
    uint32_t x[16], y[16], back_a[16], back_b[16], tw[16];
} perm32;

static void perm32_init(perm32 *pm, size_t hh, size_t w, const kb *tw)
{
    for (size_t k = 0; k < 16; k++) {
        size_t t = (k / hh) * 2 * hh + k % hh;
        pm->x[k] = (uint32_t)t;
        pm->y[k] = (uint32_t)(t + hh);
        pm->tw[k] = tw[(k % hh) / w];
    }
    for (size_t q = 0; q < 32; q++) {
        size_t base = q & ~hh, lane = (base / (2 * hh)) * hh + base % hh;
        uint32_t src = (uint32_t)(q & hh ? 16 + lane : lane);
        if (q < 16)
            pm->back_a[q] = src;
        else
            pm->back_b[q - 16] = src;
    }
}

T_AVX512 static void a5_dif_small(kb *x, size_t len, size_t hh, size_t w, const kb *tw)
{
    perm32 pm;
    perm32_init(&pm, hh, w, tw);
    __m512i ix = L16(pm.x), iy = L16(pm.y), ia = L16(pm.back_a), ib = L16(pm.back_b);
    __m512i t = L16(pm.tw);
    for (size_t k = 0; k + 32 <= len; k += 32) {
        __m512i a = L16(x + k), b = L16(x + k + 16);
        __m512i u = _mm512_permutex2var_epi32(a, ix, b), v = _mm512_permutex2var_epi32(a, iy, b);
        __m512i s = kb16_add(u, v), d = kb16_mul(sub_lazy16(u, v), t);
        S16(x + k, _mm512_permutex2var_epi32(s, ia, d));
        S16(x + k + 16, _mm512_permutex2var_epi32(s, ib, d));
    }
}

T_AVX512 static void a5_dit_small(kb *x, size_t len, size_t hh, size_t w, const kb *tw)
{
    perm32 pm;
    perm32_init(&pm, hh, w, tw);
    __m512i ix = L16(pm.x), iy = L16(pm.y), ia = L16(pm.back_a), ib = L16(pm.back_b);
    __m512i t = L16(pm.tw);
    for (size_t k = 0; k + 32 <= len; k += 32) {
        __m512i a = L16(x + k), b = L16(x + k + 16);
        __m512i u = _mm512_permutex2var_epi32(a, ix, b);
        __m512i v = kb16_mul(_mm512_permutex2var_epi32(a, iy, b), t);
        __m512i s = kb16_add(u, v), d = kb16_sub(u, v);
        S16(x + k, _mm512_permutex2var_epi32(s, ia, d));
        S16(x + k + 16, _mm512_permutex2var_epi32(s, ib, d));
    }
}

/* The last five layers of a column (h = 16, 8, 4, 2, 1 for DIF, the reverse for
 * DIT) on each 32-element chunk in two registers: one load and one store per
 * chunk instead of five, and the layers with h < 16 chain their permutations.
 * After a layer, lane l of s holds position x[l] and lane l of d position y[l];
 * `where` follows each position through the layers, so the next layer gathers
 * its pairs straight from (s, d) and only the last one permutes back: two
 * permutes per layer plus two, instead of four per layer. */
typedef struct tail32 {
    uint32_t ix[4][16], iy[4][16], tw[4][16], back_a[16], back_b[16];
    unsigned layers; /* small layers in the order they run */
    int top;         /* whether the h = 16 layer runs */
} tail32;

/* tw: the whole table (layer h's slice is tw + h); layers with h < min_h are
 * left out (DIT in an LDE). */
static void tail32_init(tail32 *tl, const kb *tw, int dit, size_t min_h)
{
    uint32_t where[32];
    for (uint32_t q = 0; q < 32; q++)
        where[q] = q;
    tl->layers = 0;
    tl->top = 16 >= min_h;
    for (unsigned i = 0; i < 4; i++) {
        size_t hh = dit ? (size_t)1 << i : (size_t)8 >> i;
        if (hh < min_h)
            continue;
        unsigned m = tl->layers++;
        for (uint32_t l = 0; l < 16; l++) {
            size_t xp = (l / hh) * 2 * hh + l % hh, yp = xp + hh;
            tl->ix[m][l] = where[xp];
            tl->iy[m][l] = where[yp];
            tl->tw[m][l] = tw[hh + l % hh];
        }
        for (uint32_t l = 0; l < 16; l++) {
            size_t xp = (l / hh) * 2 * hh + l % hh;
            where[xp] = l;
            where[xp + hh] = 16 + l;
        }
    }
    for (unsigned q = 0; q < 16; q++) {
        tl->back_a[q] = where[q];
        tl->back_b[q] = where[16 + q];
    }
}

/* The chunk loop, instantiated with constant dit / layer counts so that it is
 * unrolled with the index vectors in registers. */
T_AVX512 static inline __attribute__((always_inline)) void
a5_tail_run(kb *x, size_t len, const tail32 *tl, const kb *tw, int dit, unsigned layers, int top,
            kb c)
{
    __m512i ix[4], iy[4], tv[4];
    for (unsigned m = 0; m < layers; m++) {
        ix[m] = L16(tl->ix[m]);
        iy[m] = L16(tl->iy[m]);
        tv[m] = L16(tl->tw[m]);
    }
    __m512i ia = L16(tl->back_a), ib = L16(tl->back_b), t16 = L16(tw + 16);
    __m512i cv = _mm512_set1_epi32((int)c);
    int scale = c != KB_ONE;
    for (size_t k = 0; k + 32 <= len; k += 32) {
        __m512i a = L16(x + k), b = L16(x + k + 16);
        if (dit && scale) {
            a = kb16_mul(a, cv);
            b = kb16_mul(b, cv);
        }
        if (!dit && top) {
            __m512i s = kb16_add(a, b);
            b = kb16_mul(sub_lazy16(a, b), t16);
            a = s;
        }
        for (unsigned m = 0; m < layers; m++) {
            __m512i u = _mm512_permutex2var_epi32(a, ix[m], b);
            __m512i v = _mm512_permutex2var_epi32(a, iy[m], b);
            if (dit) {
                v = kb16_mul(v, tv[m]);
                a = kb16_add(u, v);
                b = kb16_sub(u, v);
            } else {
                a = kb16_add(u, v);
                b = kb16_mul(sub_lazy16(u, v), tv[m]);
            }
        }
        if (layers) {
            __m512i s = _mm512_permutex2var_epi32(a, ia, b);
            b = _mm512_permutex2var_epi32(a, ib, b);
            a = s;
        }
        if (dit && top) {
            __m512i v = kb16_mul(b, t16);
            b = kb16_sub(a, v);
            a = kb16_add(a, v);
        }
        if (!dit && scale) {
            a = kb16_mul(a, cv);
            b = kb16_mul(b, cv);
        }
        S16(x + k, a);
        S16(x + k + 16, b);
    }
}

/* x[0 .. len) (len a multiple of 32); c: a factor applied after DIF / before DIT
 * (KB_ONE: none). */
T_AVX512 static void a5_tail(kb *x, size_t len, const kb *tw, int dit, size_t min_h, kb c)
{
    tail32 tl;
    tail32_init(&tl, tw, dit, min_h);
    if (tl.layers == 4 && tl.top) {
        if (dit)
            a5_tail_run(x, len, &tl, tw, 1, 4, 1, c);
        else
            a5_tail_run(x, len, &tl, tw, 0, 4, 1, c);
    } else {
        a5_tail_run(x, len, &tl, tw, dit, tl.layers, tl.top, c);
    }
}

T_AVX512 static void a5_scale(kb *x, size_t len, kb c)
{
    __m512i cv = _mm512_set1_epi32((int)c);
    size_t k = 0;
    for (; k + 16 <= len; k += 16)
        S16(x + k, kb16_mul(L16(x + k), cv));
    s_scale(x + k, len - k, c);
}

/* Radix-4 steps over 16 lanes of the four rows (see bfly4_fn). */
#define A5_DIF4_STEP(TA, TB, TC)                                                                   \
    do {                                                                                           \
        __m512i a0_ = L16(x0 + k), a1_ = L16(x1 + k), a2_ = L16(x2 + k), a3_ = L16(x3 + k);        \
        __m512i b0_ = kb16_add(a0_, a2_), b2_ = kb16_mul(sub_lazy16(a0_, a2_), (TA));              \
        __m512i b1_ = kb16_add(a1_, a3_), b3_ = kb16_mul(sub_lazy16(a1_, a3_), (TB));              \
        __m512i tc_ = (TC);                                                                        \
        S16(x0 + k, kb16_add(b0_, b1_));                                                           \
        S16(x1 + k, kb16_mul(sub_lazy16(b0_, b1_), tc_));                                          \
        S16(x2 + k, kb16_add(b2_, b3_));                                                           \
        S16(x3 + k, kb16_mul(sub_lazy16(b2_, b3_), tc_));                                          \
    } while (0)
#define A5_DIT4_STEP(TA, TB, TC)                                                                   \
    do {                                                                                           \
        __m512i tc_ = (TC), a0_ = L16(x0 + k), a2_ = L16(x2 + k);                                  \
        __m512i v1_ = kb16_mul(L16(x1 + k), tc_), v3_ = kb16_mul(L16(x3 + k), tc_);                \
        __m512i b0_ = kb16_add(a0_, v1_), b1_ = kb16_sub(a0_, v1_);                                \
        __m512i b2_ = kb16_add(a2_, v3_), b3_ = kb16_sub(a2_, v3_);                                \
        __m512i v2_ = kb16_mul(b2_, (TA)), w3_ = kb16_mul(b3_, (TB));                              \
        S16(x0 + k, kb16_add(b0_, v2_));                                                           \
        S16(x2 + k, kb16_sub(b0_, v2_));                                                           \
        S16(x1 + k, kb16_add(b1_, w3_));                                                           \
        S16(x3 + k, kb16_sub(b1_, w3_));                                                           \
    } while (0)

/* The three twiddle cases of A5_BFLY; the elements past the last whole vector go
 * through the scalar kernel, layer by layer. */
#define A5_BFLY4(STEP, DIT)                                                                        \
    kb *x0 = x, *x1 = x + s, *x2 = x + 2 * s, *x3 = x + 3 * s;                                     \
    size_t k = 0;                                                                                  \
    if (w == 1) {                                                                                  \
        for (; k + 16 <= len; k += 16)                                                             \
            STEP(L16(ta + t0 + k), L16(tb + t0 + k), L16(tc + t0 + k));                            \
    } else if (w % 16 == 0 && t0 % 16 == 0) {                                                      \
        while (k + 16 <= len) {                                                                    \
            size_t j = (t0 + k) / w, end = (j + 1) * w - t0;                                       \
            __m512i va = _mm512_set1_epi32((int)ta[j]), vb = _mm512_set1_epi32((int)tb[j]);        \
            __m512i vc = _mm512_set1_epi32((int)tc[j]);                                            \
            if (end > len)                                                                         \
                end = len;                                                                         \
            for (; k + 16 <= end; k += 16)                                                         \
                STEP(va, vb, vc);                                                                  \
        }                                                                                          \
    } else if (w >= 16) {                                                                          \
        tw_cursor c_ = tw_cursor_at(w, t0);                                                        \
        for (; k + 16 <= len; k += 16) {                                                           \
            size_t j_;                                                                             \
            __mmask16 m_ = tw_cursor_next(&c_, w, &j_);                                            \
            STEP(tw_row16(ta, j_, m_), tw_row16(tb, j_, m_), tw_row16(tc, j_, m_));                \
        }                                                                                          \
    } else {                                                                                       \
        tw_narrow16 n_ = tw_narrow16_at(w, t0);                                                    \
        for (; k + 16 <= len; k += 16, tw_narrow16_next(&n_)) {                                    \
            __mmask16 u_;                                                                          \
            __m512i d_ = tw_narrow16_rows(&n_, &u_);                                               \
            STEP(tw_narrow16_get(ta, &n_, d_, u_), tw_narrow16_get(tb, &n_, d_, u_),               \
                 tw_narrow16_get(tc, &n_, d_, u_));                                                \
        }                                                                                          \
    }                                                                                              \
    if (k < len)                                                                                   \
    s_bfly4(x0 + k, s, ta, tb, tc, len - k, w, t0 + k, DIT)

static void s_bfly4(kb *x, size_t s, const kb *ta, const kb *tb, const kb *tc, size_t len, size_t w,
                    size_t t0, int dit)
{
    if (dit) {
        s_dit(x, x + s, tc, len, w, t0);
        s_dit(x + 2 * s, x + 3 * s, tc, len, w, t0);
        s_dit(x, x + 2 * s, ta, len, w, t0);
        s_dit(x + s, x + 3 * s, tb, len, w, t0);
    } else {
        s_dif(x, x + 2 * s, ta, len, w, t0);
        s_dif(x + s, x + 3 * s, tb, len, w, t0);
        s_dif(x, x + s, tc, len, w, t0);
        s_dif(x + 2 * s, x + 3 * s, tc, len, w, t0);
    }
}

T_AVX512 static void a5_dif4(kb *x, size_t s, const kb *ta, const kb *tb, const kb *tc, size_t len,
                             size_t w, size_t t0)
{
    A5_BFLY4(A5_DIF4_STEP, 0);
}

T_AVX512 static void a5_dit4(kb *x, size_t s, const kb *ta, const kb *tb, const kb *tc, size_t len,
                             size_t w, size_t t0)
{
    A5_BFLY4(A5_DIT4_STEP, 1);
}

static const kernels k_avx512 = {a5_dif,   a5_dit, a5_dif_small, a5_dit_small, a5_tail,
                                 a5_scale, 16,     "avx512",     a5_dif4,      a5_dit4};
#endif

/* ---- back-end selection ------------------------------------------------------- */

static int g_forced = -1; /* -1: best available */

static int cpu_level(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return 2;
    if (__builtin_cpu_supports("avx2"))
        return 1;
#endif
    return 0;
}

static int level_now(void)
{
    int best = cpu_level();
    return (g_forced >= 0 && g_forced < best) ? g_forced : best;
}

int ntt_simd_force(int level)
{
    g_forced = level < 0 ? -1 : level;
    return level_now();
}

static const kernels *kern(void)
{
#if defined(__x86_64__)
    switch (level_now()) {
    case 2: return &k_avx512;
    case 1: return &k_avx2;
    default: break;
    }
#endif
    return &k_scalar;
}

const char *ntt_backend_name(void)
{
    return kern()->name;
}

/* ---- plan --------------------------------------------------------------------- */

static void fill_table(kb *t, unsigned max_log, int inverse)
{
    for (unsigned k = 0; k < max_log; k++) {
        size_t h = (size_t)1 << k;
        kb w = root_kb(k + 1);
        if (inverse)
            w = inv_kb(w);
        kb x = KB_ONE;
        for (size_t j = 0; j < h; j++) {
            t[h + j] = x;
            x = kb_mul(x, w);
        }
    }
    t[0] = KB_ONE;
}

int ntt_plan_new(ntt_plan **out, unsigned max_log_n)
{
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ntt_plan_new: out is NULL");
    *out = NULL;
    if (max_log_n > KB_TWO_ADICITY)
        return zk_err_set(ZK_ERR_RANGE, "ntt_plan_new: log size %u exceeds the two-adicity %u",
                          max_log_n, (unsigned)KB_TWO_ADICITY);
    ntt_plan *p = calloc(1, sizeof *p);
    size_t n = (size_t)1 << max_log_n;
    if (p) {
        p->fwd = aligned_alloc(64, (n * sizeof(kb) + 63) & ~(size_t)63);
        p->inv = aligned_alloc(64, (n * sizeof(kb) + 63) & ~(size_t)63);
    }
    if (!p || !p->fwd || !p->inv) {
        ntt_plan_free(p);
        return zk_err_set(ZK_ERR_NOMEM, "ntt_plan_new: twiddle tables for 2^%u", max_log_n);
    }
    p->max_log = max_log_n;
    fill_table(p->fwd, max_log_n, 0);
    fill_table(p->inv, max_log_n, 1);
    *out = p;
    return ZK_OK;
}

void ntt_plan_free(ntt_plan *plan)
{
    if (!plan)
        return;
    free(plan->fwd);
    free(plan->inv);
    free(plan);
}

unsigned ntt_plan_max_log(const ntt_plan *plan)
{
    return plan ? plan->max_log : 0;
}

/* ---- the blocked transforms --------------------------------------------------- */

typedef struct job {
    const kernels *k;
    const kb *tw; /* forward or inverse table */
    kb scale;     /* applied to every element in the leaves (KB_ONE: none) */
    size_t min_h; /* DIT only: layers with h < min_h are skipped (LDE) */
    size_t w;     /* row width */
} job;

/* Layers h = hs down to 1 (DIF) or 1 up to hs (DIT) of an in-L1 block of n rows. */
static void leaf(const job *jb, kb *x, size_t n, int dit)
{
    const kernels *k = jb->k;
    size_t w = jb->w, total = n * w;
    /* a column of 32 or more: its last five layers (and the scaling) in one pass */
    int tail = k->tail && w == 1 && n >= 32;
    if (tail && dit)
        k->tail(x, total, jb->tw, 1, jb->min_h, jb->scale);
    else if (dit && jb->scale != KB_ONE)
        k->scale(x, total, jb->scale);
    size_t hs[64];
    unsigned nl = 0;
    for (size_t step = 1; step < n; step <<= 1) {
        size_t h = dit ? step : n / (2 * step);
        if (!((dit && h < jb->min_h) || (tail && h < 32)))
            hs[nl++] = h;
    }
    bfly4_fn f4 = dit ? k->dit4 : k->dif4;
    for (unsigned i = 0; i < nl; i++) {
        size_t h = hs[i], hh = h * w;
        /* consecutive layers h and 2h (in either order) in one radix-4 pass */
        size_t lo = i + 1 < nl && hs[i + 1] < h ? hs[i + 1] : h;
        if (f4 && i + 1 < nl && lo * w >= k->lanes) {
            size_t s = lo * w;
            for (size_t base = 0; base < total; base += 4 * s)
                f4(x + base, s, jb->tw + 2 * lo, jb->tw + 3 * lo, jb->tw + lo, s, w, 0);
            i++;
            continue;
        }
        const kb *tw = jb->tw + h;
        small_fn sm = dit ? k->dit_small : k->dif_small;
        if (hh < k->lanes && sm && (w & (w - 1)) == 0 && total % 32 == 0) {
            sm(x, total, hh, w, tw);
            continue;
        }
        bfly_fn f = hh >= k->lanes ? (dit ? k->dit : k->dif) : (dit ? s_dit : s_dif);
        for (size_t base = 0; base < total; base += 2 * hh)
            f(x + base, x + base + hh, tw, hh, w, 0);
    }
    if (tail && !dit)
        k->tail(x, total, jb->tw, 0, 0, jb->scale);
    else if (!dit && jb->scale != KB_ONE)
        k->scale(x, total, jb->scale);
}

typedef struct outer_ctx {
    const job *jb;
    kb *x;
    size_t span;     /* C * w: elements per block */
    size_t c_rows;   /* C */
    size_t r_blocks; /* R */
    size_t tile;     /* elements per tile row: TILE_BUF_ELEMS / R, at most TILE_MAX */
    int dit;
} outer_ctx;

/* One row of a tile, lanes elements: whole tiles move with constant-size copies
 * (inline vector moves), the partial last tile of a block with a call. */
static inline void copy_lanes(kb *dst, const kb *src, size_t lanes)
{
    switch (lanes) {
    case 64: memcpy(dst, src, 64 * sizeof(kb)); break;
    case 32: memcpy(dst, src, 32 * sizeof(kb)); break;
    case 16: memcpy(dst, src, 16 * sizeof(kb)); break;
    default: memcpy(dst, src, lanes * sizeof(kb));
    }
}

/* Tile rows lie span elements apart: in a large transform each is its own trip
 * to memory, so the rows TILE_AHEAD ahead are requested while this one is copied
 * and many trips are in flight at once. */
#define TILE_AHEAD 32u

static inline void prefetch_lanes(const kb *p, size_t lanes, int write)
{
    for (size_t k = 0; k < lanes; k += 16) {
        if (write)
            __builtin_prefetch(p + k, 1, 3);
        else
            __builtin_prefetch(p + k, 0, 3);
    }
}

/* The top log R layers on tiles [b, e) of o->tile elements across the R blocks. */
static void outer_tiles(void *arg, size_t b, size_t e)
{
    const outer_ctx *o = arg;
    const job *jb = o->jb;
    kb buf[TILE_BUF_ELEMS] __attribute__((aligned(64)));
    size_t R = o->r_blocks, C = o->c_rows, span = o->span, T = o->tile;
    bfly_fn f = o->dit ? jb->k->dit : jb->k->dif;
    bfly4_fn f4 = o->dit ? jb->k->dit4 : jb->k->dif4;
    size_t hrs[OUTER_MAX_LOG];
    unsigned nl = 0;
    for (size_t step = 1; step < R; step <<= 1) {
        size_t hr = o->dit ? step : R / (2 * step);
        if (!(o->dit && hr * C < jb->min_h))
            hrs[nl++] = hr;
    }
    for (size_t tile = b; tile < e; tile++) {
        size_t t0 = tile * T, lanes = span - t0 < T ? span - t0 : T;
        for (size_t r = 0; r < R; r++) {
            if (r + TILE_AHEAD < R)
                prefetch_lanes(o->x + (r + TILE_AHEAD) * span + t0, lanes, 0);
            copy_lanes(buf + r * T, o->x + r * span + t0, lanes);
        }
        for (unsigned i = 0; i < nl; i++) {
            size_t hr = hrs[i], h = hr * C;
            if (f4 && i + 1 < nl) {
                /* layers hr and 2hr (in either order) in one radix-4 pass */
                size_t lr = hrs[i + 1] < hr ? hrs[i + 1] : hr, hl = lr * C;
                for (size_t r = 0; r < R; r++) {
                    if (r & 3 * lr)
                        continue;
                    size_t off = (r & (lr - 1)) * C;
                    f4(buf + r * T, lr * T, jb->tw + 2 * hl + off, jb->tw + 3 * hl + off,
                       jb->tw + hl + off, lanes, jb->w, t0);
                }
                i++;
                continue;
            }
            for (size_t r = 0; r < R; r++) {
                if (r & hr)
                    continue;
                f(buf + r * T, buf + (r + hr) * T, jb->tw + h + (r & (hr - 1)) * C, lanes, jb->w,
                  t0);
            }
        }
        for (size_t r = 0; r < R; r++) {
            if (r + TILE_AHEAD < R)
                prefetch_lanes(o->x + (r + TILE_AHEAD) * span + t0, lanes, 1);
            copy_lanes(o->x + r * span + t0, buf + r * T, lanes);
        }
    }
}

static void transform(const job *jb, kb *x, unsigned L, int dit);

typedef struct inner_ctx {
    const job *jb;
    kb *x;
    size_t span;
    unsigned c_log;
    int dit;
} inner_ctx;

static void inner_blocks(void *arg, size_t b, size_t e)
{
    const inner_ctx *in = arg;
    for (size_t i = b; i < e; i++)
        transform(in->jb, in->x + i * in->span, in->c_log, in->dit);
}

static size_t chunk_for(size_t work_per_item)
{
    return work_per_item >= PAR_MIN_ELEMS ? 1 : PAR_MIN_ELEMS / (work_per_item ? work_per_item : 1);
}

/* A DIF (natural -> bit-reversed) or DIT (bit-reversed -> natural) transform of
 * 2^L rows of width jb->w at x. */
static void transform(const job *jb, kb *x, unsigned L, int dit)
{
    size_t w = jb->w, n = (size_t)1 << L;
    size_t leaf_elems = w == 1 ? LEAF_ELEMS_COL : LEAF_ELEMS;
    if (n * w <= leaf_elems || L == 0) {
        leaf(jb, x, n, dit);
        return;
    }
    unsigned c = 0;
    while (c < L && (w << (c + 1)) <= leaf_elems)
        c++;
    if (L - c > OUTER_MAX_LOG)
        c = L - SPLIT_LOG;
    size_t C = (size_t)1 << c, R = n >> c, span = C * w;
    size_t tile = TILE_BUF_ELEMS / R < TILE_MAX ? TILE_BUF_ELEMS / R : TILE_MAX;
    outer_ctx oc = {jb, x, span, C, R, tile, dit};
    inner_ctx ic = {jb, x, span, c, dit};
    size_t ntiles = (span + tile - 1) / tile;
    if (dit)
        zk_par_for(R, chunk_for(span), inner_blocks, &ic);
    zk_par_for(ntiles, chunk_for(R * tile), outer_tiles, &oc);
    if (!dit)
        zk_par_for(R, chunk_for(span), inner_blocks, &ic);
}

/* ---- permutation and coset scaling -------------------------------------------- */

typedef struct perm_ctx {
    kb *x;
    unsigned L;
    size_t w;
} perm_ctx;

static void perm_rows(void *arg, size_t b, size_t e)
{
    const perm_ctx *pc = arg;
    size_t w = pc->w;
    for (size_t i = b; i < e; i++) {
        size_t j = bitrev(i, pc->L);
        if (i >= j)
            continue;
        kb *a = pc->x + i * w, *c = pc->x + j * w;
        for (size_t k = 0; k < w; k++) {
            kb t = a[k];
            a[k] = c[k];
            c[k] = t;
        }
    }
}

static void permute_rows(kb *x, unsigned L, size_t w)
{
    perm_ctx pc = {x, L, w};
    zk_par_for((size_t)1 << L, chunk_for(w), perm_rows, &pc);
}

/* Row i is multiplied by c0 * s^idx(i), idx(i) = i (natural) or bitrev_L(i).
 * Splitting i = hi * 2^lb + lo makes s^idx(i) = A(hi) * T[lo] with a small table T,
 * so the pass costs two products per row, not a power. */
#define SCALE_LOG 8u
typedef struct scale_ctx {
    const kernels *k;
    kb *x;
    unsigned L, lb;
    size_t w;
    kb c0, s;
    int brev;
    kb t[1u << SCALE_LOG]; /* T[lo] */
} scale_ctx;

static void scale_rows(void *arg, size_t b, size_t e)
{
    const scale_ctx *sc = arg;
    size_t m = (size_t)1 << sc->lb, w = sc->w;
    kb step = pow_kb(sc->s, m);
    for (size_t hi = b; hi < e; hi++) {
        kb a = sc->brev ? pow_kb(sc->s, bitrev(hi, sc->L - sc->lb)) : pow_kb(step, hi);
        a = kb_mul(a, sc->c0);
        kb *x = sc->x + hi * m * w;
        if (w == 1) {
            kb f[1u << SCALE_LOG];
            kb_vec_scale(f, sc->t, a, m);
            kb_vec_mul(x, x, f, m);
        } else {
            for (size_t lo = 0; lo < m; lo++)
                sc->k->scale(x + lo * w, w, kb_mul(a, sc->t[lo]));
        }
    }
}

static void scale_powers(const kernels *k, kb *x, unsigned L, size_t w, kb c0, kb s, int brev)
{
    scale_ctx sc;
    sc.k = k;
    sc.x = x;
    sc.L = L;
    sc.lb = L < SCALE_LOG ? L : SCALE_LOG;
    sc.w = w;
    sc.c0 = c0;
    sc.s = s;
    sc.brev = brev;
    size_t m = (size_t)1 << sc.lb;
    /* natural: T[lo] = s^lo; bit-reversed: T[lo] = (s^(2^(L-lb)))^bitrev_lb(lo) */
    kb base = brev ? pow_kb(s, (uint64_t)1 << (L - sc.lb)) : s;
    for (size_t lo = 0; lo < m; lo++)
        sc.t[lo] = pow_kb(base, brev ? bitrev(lo, sc.lb) : lo);
    zk_par_for((size_t)1 << (L - sc.lb), chunk_for(m * w), scale_rows, &sc);
}

/* ---- public entry points ------------------------------------------------------ */

static int check_args(const ntt_plan *plan, const void *data, unsigned log_n, size_t cols,
                      ntt_layout layout, const char *fn)
{
    if (!plan || !data)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: NULL %s", fn, plan ? "data" : "plan");
    if (cols == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: zero columns", fn);
    if (layout != NTT_COL_MAJOR && layout != NTT_ROW_MAJOR)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: unknown layout %d", fn, (int)layout);
    if (log_n > plan->max_log)
        return zk_err_set(ZK_ERR_RANGE, "%s: log size %u exceeds the plan's %u", fn, log_n,
                          plan->max_log);
    if (cols > (SIZE_MAX / sizeof(kb)) >> log_n)
        return zk_err_set(ZK_ERR_RANGE, "%s: %zu columns of 2^%u elements overflow", fn, cols,
                          log_n);
    return ZK_OK;
}

static int check_order(ntt_order o, const char *fn)
{
    if (o != NTT_NATURAL && o != NTT_BITREV)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: unknown order %d", fn, (int)o);
    return ZK_OK;
}

typedef struct batch_ctx {
    const ntt_plan *plan;
    const kernels *k;
    kb *data;
    const kb *src; /* LDE input */
    unsigned L, lb;
    ntt_order in, out;
    int inverse;
    kb shift;
    int coeffs; /* LDE: src holds coefficients, not evaluations */
} batch_ctx;

/* A whole transform of one column (stride-1 rows, w = 1) or of the row-major
 * matrix (w = cols). DIF takes natural input; DIT takes bit-reversed input. */
static void run_one(const batch_ctx *bc, kb *x, size_t w)
{
    job jb = {bc->k, bc->inverse ? bc->plan->inv : bc->plan->fwd, KB_ONE, 0, w};
    if (bc->inverse)
        jb.scale = pow_kb(kb_from_canonical((KB_P + 1) / 2), bc->L);
    if (bc->in == NTT_NATURAL) {
        transform(&jb, x, bc->L, 0);
        if (bc->out == NTT_NATURAL)
            permute_rows(x, bc->L, w);
    } else {
        transform(&jb, x, bc->L, 1);
        if (bc->out == NTT_BITREV)
            permute_rows(x, bc->L, w);
    }
}

static void cols_run(void *arg, size_t b, size_t e)
{
    const batch_ctx *bc = arg;
    size_t n = (size_t)1 << bc->L;
    for (size_t c = b; c < e; c++)
        run_one(bc, bc->data + c * n, 1);
}

static void run_batch(const batch_ctx *bc, size_t cols, ntt_layout layout)
{
    if (layout == NTT_ROW_MAJOR || cols == 1)
        run_one(bc, bc->data, layout == NTT_ROW_MAJOR ? cols : 1);
    else
        zk_par_for(cols, 1, cols_run, (void *)bc);
}

static int ntt_any(const ntt_plan *plan, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                   ntt_order in, ntt_order out, int inverse, const char *fn)
{
    int rc = check_args(plan, data, log_n, cols, layout, fn);
    if (rc == ZK_OK)
        rc = check_order(in, fn);
    if (rc == ZK_OK)
        rc = check_order(out, fn);
    if (rc)
        return rc;
    batch_ctx bc = {plan, kern(), data, NULL, log_n, 0, in, out, inverse, KB_ONE, 0};
    run_batch(&bc, cols, layout);
    return ZK_OK;
}

int ntt_forward(const ntt_plan *plan, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                ntt_order in, ntt_order out)
{
    return ntt_any(plan, data, log_n, cols, layout, in, out, 0, "ntt_forward");
}

int ntt_inverse(const ntt_plan *plan, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                ntt_order in, ntt_order out)
{
    return ntt_any(plan, data, log_n, cols, layout, in, out, 1, "ntt_inverse");
}

static void scale_batch(const kernels *k, kb *data, unsigned L, size_t cols, ntt_layout layout,
                        kb s)
{
    size_t n = (size_t)1 << L;
    if (layout == NTT_ROW_MAJOR) {
        scale_powers(k, data, L, cols, KB_ONE, s, 0);
        return;
    }
    for (size_t c = 0; c < cols; c++)
        scale_powers(k, data + c * n, L, 1, KB_ONE, s, 0);
}

int ntt_coset_forward(const ntt_plan *plan, kb *data, unsigned log_n, size_t cols,
                      ntt_layout layout, kb shift, ntt_order out)
{
    int rc = check_args(plan, data, log_n, cols, layout, "ntt_coset_forward");
    if (rc == ZK_OK)
        rc = check_order(out, "ntt_coset_forward");
    if (rc)
        return rc;
    if (shift == KB_ZERO || shift >= KB_P)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ntt_coset_forward: shift is zero or not reduced");
    scale_batch(kern(), data, log_n, cols, layout, shift);
    return ntt_forward(plan, data, log_n, cols, layout, NTT_NATURAL, out);
}

int ntt_coset_inverse(const ntt_plan *plan, kb *data, unsigned log_n, size_t cols,
                      ntt_layout layout, kb shift, ntt_order in)
{
    int rc = check_args(plan, data, log_n, cols, layout, "ntt_coset_inverse");
    if (rc == ZK_OK)
        rc = check_order(in, "ntt_coset_inverse");
    if (rc)
        return rc;
    if (shift == KB_ZERO || shift >= KB_P)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ntt_coset_inverse: shift is zero or not reduced");
    rc = ntt_inverse(plan, data, log_n, cols, layout, in, NTT_NATURAL);
    if (rc)
        return rc;
    scale_batch(kern(), data, log_n, cols, layout, inv_kb(shift));
    return ZK_OK;
}

/* LDE of one column or of the row-major matrix: copy, inverse DIF (natural
 * evaluations -> bit-reversed coefficients; from coefficients, the bit-reversal
 * permutation instead), scale coefficient bitrev(i) by s^bitrev(i) / n (by
 * s^bitrev(i) from coefficients), then a DIT of size N whose input is the
 * coefficients spread out
 * with stride 2^lb (coefficient j < n sits at bitrev_N(j) = bitrev_n(j) * 2^lb).
 * Its first lb layers would only copy each coefficient across its stride-block
 * (the other inputs are zero), so the block is filled with copies and those layers
 * are skipped. */
typedef struct spread_ctx {
    kb *x;
    const kb *src;
    size_t w, rep;
    size_t base;   /* spread_rows, spread_pairs: the first row or pair of the range */
    unsigned brev; /* copy_rows: 0, or log n to copy in bit-reversed order */
    const kb *tw;  /* spread_pairs: the forward twiddles */
    const kernels *k;
} spread_ctx;

/* Rows [b, e) of x from src (the LDE's input, in parallel): row i is src's row i,
 * or row bitrev(i) when brev is set. */
static void copy_rows(void *arg, size_t b, size_t e)
{
    const spread_ctx *sc = arg;
    size_t w = sc->w;
    if (!sc->brev) {
        memcpy(sc->x + b * w, sc->src + b * w, (e - b) * w * sizeof(kb));
        return;
    }
    for (size_t i = b; i < e; i++)
        memcpy(sc->x + i * w, sc->src + bitrev(i, sc->brev) * w, w * sizeof(kb));
}

/* Row i of [base + b, base + e) copied to rows i * rep + r, r < rep (not onto
 * itself). */
static void spread_rows(void *arg, size_t b, size_t e)
{
    const spread_ctx *sc = arg;
    size_t w = sc->w;
    for (size_t i = sc->base + b; i < sc->base + e; i++)
        for (size_t r = 0; r < sc->rep; r++)
            if (i * sc->rep + r != i)
                memcpy(sc->x + (i * sc->rep + r) * w, sc->x + i * w, w * sizeof(kb));
}

/* Pair g of coefficient rows, a = row 2g and b = row 2g + 1, spread over their
 * blocks of rep rows each (b's first: pair 0's block holds both rows) and taken
 * through the DIT's first layer at once, while the block is in L1: the layer of
 * half-width rep pairs the two blocks, so the transform skips it and a pass over
 * the whole output. */
static void spread_pairs(void *arg, size_t b, size_t e)
{
    const spread_ctx *sc = arg;
    size_t w = sc->w, rep = sc->rep;
    bfly_fn f = rep * w >= sc->k->lanes ? sc->k->dit : s_dit;
    for (size_t g = sc->base + b; g < sc->base + e; g++) {
        kb *blk = sc->x + 2 * g * rep * w;
        const kb *ra = sc->x + 2 * g * w, *rb = ra + w;
        for (size_t r = 0; r < rep; r++)
            memcpy(blk + (rep + r) * w, rb, w * sizeof(kb));
        for (size_t r = 0; r < rep; r++)
            if (blk + r * w != ra)
                memcpy(blk + r * w, ra, w * sizeof(kb));
        f(blk, blk + rep * w, sc->tw + rep, rep * w, w, 0);
    }
}

static void lde_one(const batch_ctx *bc, kb *out, const kb *in, size_t w)
{
    size_t n = (size_t)1 << bc->L, rep = (size_t)1 << bc->lb;
    /* from coefficients, copied in bit-reversed order (as the inverse DIF below
     * leaves evaluations' coefficients) */
    spread_ctx sc = {out, in, w, rep, 0, bc->coeffs ? bc->L : 0, bc->plan->fwd, bc->k};
    if (w == 1)
        copy_rows(&sc, 0, n); /* one column of many, run in parallel */
    else
        zk_par_for(n, chunk_for(w), copy_rows, &sc);
    if (bc->coeffs) {
        scale_powers(bc->k, out, bc->L, w, KB_ONE, bc->shift, 1);
    } else {
        job jb = {bc->k, bc->plan->inv, KB_ONE, 0, w};
        transform(&jb, out, bc->L, 0);
        kb inv_n = pow_kb(kb_from_canonical((KB_P + 1) / 2), bc->L);
        scale_powers(bc->k, out, bc->L, w, inv_n, bc->shift, 1);
    }
    if (w == 1 && rep > 1) {
        /* from the top down, so that no coefficient is overwritten before it is
         * copied; two copies per 64-bit store */
        for (size_t i = n; i-- > 0;) {
            uint64_t v2 = (uint64_t)out[i] * 0x100000001u;
            for (size_t r = 0; r < rep; r += 2)
                memcpy(out + i * rep + r, &v2, sizeof v2);
        }
    }
    /* Rows, or pairs of rows with the DIT's first layer: in waves, each in
     * parallel. The units (rows or pairs) [ceil(hi / rep), hi) write only units at
     * or above hi, which the waves before have read: [n / rep, n) first, then
     * [n / rep^2, n / rep), ..., unit 0 (whose block holds itself) last. */
    int pairs = w > 1 && rep > 1 && n > 1;
    for (size_t hi = w == 1 || rep == 1 ? 0 : pairs ? n / 2 : n; hi > 0;) {
        size_t lo = hi == 1 ? 0 : (hi + rep - 1) / rep;
        sc.base = lo;
        zk_par_for(hi - lo, chunk_for(w * rep * (pairs ? 2 : 1)),
                   pairs ? spread_pairs : spread_rows, &sc);
        hi = lo;
    }
    job jf = {bc->k, bc->plan->fwd, KB_ONE, pairs ? 2 * rep : rep, w};
    transform(&jf, out, bc->L + bc->lb, 1);
}

static void lde_cols(void *arg, size_t b, size_t e)
{
    const batch_ctx *bc = arg;
    size_t n = (size_t)1 << bc->L, N = n << bc->lb;
    for (size_t c = b; c < e; c++)
        lde_one(bc, bc->data + c * N, bc->src + c * n, 1);
}

static int lde_any(const ntt_plan *plan, kb *out, const kb *in, unsigned log_n, unsigned log_blowup,
                   size_t cols, ntt_layout layout, kb shift, int coeffs)
{
    const char *fn = coeffs ? "ntt_lde_coeffs" : "ntt_lde";
    int rc = check_args(plan, in, log_n, cols, layout, fn);
    if (rc)
        return rc;
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: NULL out", fn);
    if (log_blowup > plan->max_log || log_n > plan->max_log - log_blowup)
        return zk_err_set(ZK_ERR_RANGE, "%s: extended log size %u + %u exceeds the plan's %u", fn,
                          log_n, log_blowup, plan->max_log);
    rc = check_args(plan, out, log_n + log_blowup, cols, layout, fn);
    if (rc)
        return rc;
    if (shift == KB_ZERO || shift >= KB_P)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: shift is zero or not reduced", fn);
    size_t in_len = cols << log_n, out_len = cols << (log_n + log_blowup);
    if ((uintptr_t)out < (uintptr_t)(in + in_len) && (uintptr_t)in < (uintptr_t)(out + out_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: out overlaps in", fn);
    batch_ctx bc = {plan,        kern(),      out, in,    log_n, log_blowup,
                    NTT_NATURAL, NTT_NATURAL, 0,   shift, coeffs};
    if (layout == NTT_ROW_MAJOR || cols == 1)
        lde_one(&bc, out, in, layout == NTT_ROW_MAJOR ? cols : 1);
    else
        zk_par_for(cols, 1, lde_cols, &bc);
    return ZK_OK;
}

int ntt_lde(const ntt_plan *plan, kb *out, const kb *in, unsigned log_n, unsigned log_blowup,
            size_t cols, ntt_layout layout, kb shift)
{
    return lde_any(plan, out, in, log_n, log_blowup, cols, layout, shift, 0);
}

int ntt_lde_coeffs(const ntt_plan *plan, kb *out, const kb *in, unsigned log_n, unsigned log_blowup,
                   size_t cols, ntt_layout layout, kb shift)
{
    return lde_any(plan, out, in, log_n, log_blowup, cols, layout, shift, 1);
}

int ntt_bitrev_permute(kb *data, unsigned log_n, size_t cols, ntt_layout layout)
{
    if (!data || cols == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ntt_bitrev_permute: NULL data or zero columns");
    if (log_n > KB_TWO_ADICITY)
        return zk_err_set(ZK_ERR_RANGE, "ntt_bitrev_permute: log size %u exceeds %u", log_n,
                          (unsigned)KB_TWO_ADICITY);
    if (layout != NTT_COL_MAJOR && layout != NTT_ROW_MAJOR)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ntt_bitrev_permute: unknown layout %d", (int)layout);
    if (cols > (SIZE_MAX / sizeof(kb)) >> log_n)
        return zk_err_set(ZK_ERR_RANGE, "ntt_bitrev_permute: size overflows");
    if (layout == NTT_ROW_MAJOR) {
        permute_rows(data, log_n, cols);
        return ZK_OK;
    }
    for (size_t c = 0; c < cols; c++)
        permute_rows(data + (c << log_n), log_n, 1);
    return ZK_OK;
}
