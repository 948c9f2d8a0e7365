/* The index arithmetic of the device NTT (ntt.cu), ZKC_HD like kb.cuh so that
 * tests/prover/test_cuda_host.c can run the kernels' exact decomposition on the
 * host (tile by tile, slot by slot) and compare it with prover/ntt.c.
 *
 * A pass applies the layers log h in [a, a + k) to tiles of S = 2^tile_log
 * elements of one column of n = 2^L. For those layers element
 * i = hi * 2^(a+k) + mid * 2^a + lo only meets elements with the same (hi, lo): a
 * group of 2^k elements at stride 2^a. A tile holds G = 2^(tile_log - k) groups:
 * gl = min(G, 2^a) consecutive lo values times gh = G / gl consecutive hi values,
 * so that global memory is touched in runs of gl consecutive elements (a whole
 * contiguous tile when gl = 2^a). Slot s of a tile holds g_lo = s mod gl,
 * mid = (s / gl) mod 2^k, g_hi = s / (gl 2^k).
 *
 * Row-major batches (element (i, c) at i * cols + c) add an innermost dimension:
 * a tile holds the same rows of CW = 2^cw_log consecutive columns, slot
 * s = r * CW + cc for the row slot r described above, so global memory is touched
 * in runs of CW elements (8 columns: 32 bytes) and no transpose is needed. Columns
 * past the last one in a partial chunk are neither loaded nor stored.
 */
#ifndef ZKGATE_PROVER_CUDA_NTT_CUH
#define ZKGATE_PROVER_CUDA_NTT_CUH

#include "prover/cuda/kb.cuh"

#define ZKC_NTT_TILE_LOG    13 /* 32 KiB of shared memory per thread block */
#define ZKC_NTT_MIN_RUN_LOG 3  /* G >= 8 groups in the wide passes: 32-byte runs */
#define ZKC_NTT_MAX_PASSES  32

/* The twiddle table entry idx >= 1: with h the largest power of two <= idx and
 * j = idx - h, w_2h^j (forward) or w_2h^-j (inverse). Entry 0 is unused (0). */
ZKC_HD uint32_t zkc_twiddle(uint64_t idx, int inverse)
{
    if (idx == 0)
        return 0;
    unsigned logh = 0;
    while ((idx >> (logh + 1)) != 0)
        logh++;
    uint32_t w = zkc_root_of_unity(logh + 1);
    if (inverse)
        w = zkc_inv(w);
    return zkc_pow(w, idx - ((uint64_t)1 << logh));
}

/* Splits layers [lo, hi) into passes, narrowest first: the first pass takes up to
 * tile_log layers (its groups are contiguous or nearly so), the others at most
 * tile_log - min_run each (so a tile holds at least 2^min_run groups side by side
 * and global accesses come in runs of that many), evenly. Returns the pass count;
 * pass p covers [a[p], a[p] + k[p]). With no layer it returns one pass of zero
 * layers (which only scales). */
ZKC_HD unsigned zkc_ntt_plan_passes(unsigned lo, unsigned hi, unsigned tile_log, unsigned min_run,
                                    unsigned a[ZKC_NTT_MAX_PASSES], unsigned k[ZKC_NTT_MAX_PASSES])
{
    if (lo >= hi) {
        a[0] = lo;
        k[0] = 0;
        return 1;
    }
    unsigned np = 0;
    unsigned first = hi - lo < tile_log ? hi - lo : tile_log;
    unsigned rest = hi - lo - first;
    a[np] = lo;
    k[np++] = first;
    if (rest) {
        unsigned maxk = tile_log > min_run ? tile_log - min_run : 1;
        unsigned cnt = (rest + maxk - 1) / maxk, at = lo + first;
        for (unsigned p = 0; p < cnt; p++) {
            unsigned kk = rest / cnt + (p < rest % cnt ? 1 : 0);
            a[np] = at;
            k[np++] = kk;
            at += kk;
        }
    }
    return np;
}

/* The column chunk of a layout: log2 of the columns one tile holds (0 for
 * column-major, where a tile is one column's), at most 3 (8 columns). */
ZKC_HD unsigned zkc_ntt_cw_log(int row_major, uint64_t cols)
{
    unsigned l = 0;
    if (!row_major)
        return 0;
    while (l < 3 && ((uint64_t)1 << l) < cols)
        l++;
    return l;
}

/* The pass geometry of a transform of 2^L rows: log of the rows in a tile and the
 * min_run for zkc_ntt_plan_passes, given the tile size and column chunk. */
ZKC_HD unsigned zkc_ntt_row_tile_log(unsigned L, unsigned tile_log, unsigned cw_log)
{
    unsigned r = tile_log - cw_log;
    return L < r ? L : r;
}

ZKC_HD unsigned zkc_ntt_min_run(unsigned cw_log)
{
    return cw_log >= ZKC_NTT_MIN_RUN_LOG ? 0 : ZKC_NTT_MIN_RUN_LOG - cw_log;
}

#define ZKC_NTT_PASS_THREADS 512 /* threads per block of a pass (fewer for small tiles) */

/* The launch of a run of passes over layers [lo, hi) of a batch of `cols` columns
 * of 2^L rows (ntt.cu's run_layers): the tile shape, the passes, and the grid. */
typedef struct zkc_ntt_launch {
    unsigned cw_log;                /* log of the columns a tile holds */
    unsigned rt_log;                /* log of the rows a tile holds */
    unsigned np;                    /* passes */
    unsigned a[ZKC_NTT_MAX_PASSES]; /* pass p covers layers [a[p], a[p] + k[p]) */
    unsigned k[ZKC_NTT_MAX_PASSES]; /* (in plan order: narrowest first) */
    uint64_t tiles;                 /* row tiles per column chunk */
    uint64_t chunks;                /* column chunks */
    uint64_t blocks;                /* tiles * chunks: one block per tile */
    unsigned threads;               /* per block */
    unsigned smem;                  /* dynamic shared memory per block, bytes */
} zkc_ntt_launch;

ZKC_HD void zkc_ntt_launch_of(zkc_ntt_launch *g, unsigned L, int row_major, uint64_t cols,
                              unsigned lo, unsigned hi, unsigned tile_log)
{
    g->cw_log = zkc_ntt_cw_log(row_major, cols);
    g->rt_log = zkc_ntt_row_tile_log(L, tile_log, g->cw_log);
    g->np = zkc_ntt_plan_passes(lo, hi, g->rt_log, zkc_ntt_min_run(g->cw_log), g->a, g->k);
    g->tiles = ((uint64_t)1 << L) >> g->rt_log;
    g->chunks = (cols + ((uint64_t)1 << g->cw_log) - 1) >> g->cw_log;
    g->blocks = g->tiles * g->chunks;
    unsigned S = 1u << (g->rt_log + g->cw_log);
    g->threads = S / 2 < ZKC_NTT_PASS_THREADS ? S / 2 : ZKC_NTT_PASS_THREADS;
    if (g->threads == 0)
        g->threads = 1;
    g->smem = (unsigned)(sizeof(uint32_t) * S);
}

/* A tile's place: the shape of its groups and its first lo and hi. */
typedef struct zkc_tile {
    unsigned gl_log; /* log of lo values per tile */
    unsigned gh_log; /* log of hi values per tile */
    uint64_t lo0;    /* first lo */
    uint64_t hi0;    /* first hi */
} zkc_tile;

/* Tile t (< 2^(L - tile_log)) of a pass over layers [a, a + k). */
ZKC_HD zkc_tile zkc_ntt_tile(uint64_t t, unsigned a, unsigned k, unsigned tile_log)
{
    zkc_tile r;
    unsigned g_log = tile_log - k;
    r.gl_log = g_log < a ? g_log : a;
    r.gh_log = g_log - r.gl_log;
    uint64_t lo_blocks = ((uint64_t)1 << a) >> r.gl_log;
    r.lo0 = (t % lo_blocks) << r.gl_log;
    r.hi0 = (t / lo_blocks) << r.gh_log;
    return r;
}

/* The column index of slot s of tile tl. */
ZKC_HD uint64_t zkc_ntt_slot_index(const zkc_tile *tl, unsigned s, unsigned a, unsigned k)
{
    uint64_t g_lo = s & ((1u << tl->gl_log) - 1);
    uint64_t mid = (s >> tl->gl_log) & ((1u << k) - 1);
    uint64_t g_hi = s >> (tl->gl_log + k);
    return ((tl->hi0 + g_hi) << (a + k)) + (mid << a) + tl->lo0 + g_lo;
}

/* Butterfly b (< S/2) of the tile's layer a + j: the two slots it combines and
 * its twiddle's index in the table (h + i mod h, h = 2^(a+j)). */
ZKC_HD void zkc_ntt_bfly(const zkc_tile *tl, unsigned b, unsigned j, unsigned a, unsigned *s0,
                         unsigned *s1, uint64_t *tw_index)
{
    unsigned g_lo = b & ((1u << tl->gl_log) - 1), q = b >> tl->gl_log;
    unsigned mid_low = q & ((1u << j) - 1);
    unsigned q0 = ((q >> j) << (j + 1)) | mid_low; /* q with a zero bit inserted at j */
    *s0 = (q0 << tl->gl_log) + g_lo;
    *s1 = *s0 + (1u << (j + tl->gl_log));
    *tw_index = ((uint64_t)1 << (a + j)) + ((uint64_t)mid_low << a) + tl->lo0 + g_lo;
}

/* Slot s of a tile with a column chunk of 2^cw_log: its row and column offset. */
ZKC_HD uint64_t zkc_ntt_slot_row(const zkc_tile *tl, unsigned s, unsigned a, unsigned k,
                                 unsigned cw_log, unsigned *cc)
{
    *cc = s & ((1u << cw_log) - 1);
    return zkc_ntt_slot_index(tl, s >> cw_log, a, k);
}

/* Butterfly b (< S/2) with a column chunk: zkc_ntt_bfly on its row part, the
 * same column offset on both slots. */
ZKC_HD void zkc_ntt_bfly_cw(const zkc_tile *tl, unsigned b, unsigned j, unsigned a, unsigned cw_log,
                            unsigned *s0, unsigned *s1, uint64_t *tw_index)
{
    unsigned cc = b & ((1u << cw_log) - 1);
    zkc_ntt_bfly(tl, b >> cw_log, j, a, s0, s1, tw_index);
    *s0 = (*s0 << cw_log) | cc;
    *s1 = (*s1 << cw_log) | cc;
}

/* The butterflies: DIF (x, y) <- (x + y, (x - y) w); DIT (x, y) <- (x + w y, x - w y). */
ZKC_HD void zkc_bfly_dif(uint32_t *x, uint32_t *y, uint32_t w)
{
    uint32_t u = *x, v = *y;
    *x = zkc_add(u, v);
    *y = zkc_mul(zkc_sub(u, v), w);
}

ZKC_HD void zkc_bfly_dit(uint32_t *x, uint32_t *y, uint32_t w)
{
    uint32_t u = *x, v = zkc_mul(*y, w);
    *x = zkc_add(u, v);
    *y = zkc_sub(u, v);
}

#endif
