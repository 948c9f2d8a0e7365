/* A host emulation of the CUDA backend's C interface (prover/cuda/zkc.h and the
 * kernels' headers), for tests: the prover's device path (prover/plonk_gpu.c) and
 * the gpu_* wrappers run in CI on machines without a GPU, against this file
 * instead of the .cu files (the library zk_prover_emu in tests/prover/).
 *
 * "Device memory" is host memory: the arena is one malloc handed out by a bump
 * pointer with the real arena's accounting (so the out-of-memory paths are
 * exercised), copies are memcpy. Transforms and tree digests are the CPU's
 * (prover/ntt.c, mt_build); Poseidon2, proof of work and the prover's kernels run
 * the per-item device functions of the .cuh headers (kb.cuh, p2.cuh, quot.cuh,
 * open.cuh) in plain loops, which is what the kernels run per thread. What this
 * cannot check (launch shapes, the kernels' loops over threads, shared memory,
 * device faults) is the gpu-labelled tests' job on a real device.
 *
 * ZKC_EMU_NO_DEVICE=1 in the environment makes the probe report no device, so
 * tests reach the backend's fallback and refusal paths. zkc_emu_fail_alloc_in and
 * zkc_emu_fail_copy_in inject a failure into the k-th arena allocation or the k-th
 * copy/gather, zkc_emu_fail_zero into every zkc_arena_zero, so tests reach every
 * error path of the device's callers. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/cuda/kb.cuh"
#include "prover/cuda/open.cuh"
#include "prover/cuda/p2.cuh"
#include "prover/cuda/quot.cuh"
#include "prover/cuda/zkc.h"
#include "prover/cuda/zkc_open.h"
#include "prover/cuda/zkc_quot.h"
#include "prover/mtree.h"
#include "prover/ntt.h"

#define EMU_NAME      "zkgate host emulation of a CUDA device (tests only)"
#define EMU_TOTAL_MEM ((uint64_t)2 << 30)
#define EMU_FREE_MEM  ((uint64_t)1 << 30)
#define EMU_ALIGN     256u

static zkc_p2_consts g_consts;
static int g_have_consts;

int zkc_probe(gpu_info *out)
{
    const char *no = getenv("ZKC_EMU_NO_DEVICE");
    if (no && *no && strcmp(no, "0") != 0)
        return zk_err_set(ZK_ERR_NO_DEVICE, "no CUDA device (emulation: ZKC_EMU_NO_DEVICE is set)");
    if (out) {
        memset(out, 0, sizeof *out);
        strcpy(out->name, EMU_NAME);
        out->cc_major = 9;
        out->cc_minor = 0;
        out->total_mem = EMU_TOTAL_MEM;
        out->free_mem = EMU_FREE_MEM;
        out->multiprocessors = 1;
    }
    return ZK_OK;
}

/* Failure injection (tests): when one is k > 0, the k-th arena allocation (or copy
 * between host and "device", or gather) from then on fails, and it goes back to 0. */
long zkc_emu_fail_alloc_in, zkc_emu_fail_copy_in;
int zkc_emu_fail_zero; /* zkc_arena_zero fails (a device gone bad) */

static int injected(long *k)
{
    return *k > 0 && --*k == 0;
}

int zkc_set_device(int ordinal)
{
    return ordinal == 0 ? ZK_OK : zk_err_set(ZK_ERR_DEVICE, "emulation: no device %d", ordinal);
}

/* ---- memory ------------------------------------------------------------------ */

struct zkc_arena {
    unsigned char *base;
    size_t size, used;
    size_t high; /* the most ever handed out */
};

/* The live arenas (tests look at what a proof leaves in them). */
#define EMU_MAX_ARENAS 16
static zkc_arena *g_arenas[EMU_MAX_ARENAS];

int zkc_arena_new(zkc_arena **out, size_t bytes)
{
    if (!out || bytes == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_arena_new: NULL out or zero bytes");
    *out = NULL;
    if (bytes > EMU_FREE_MEM)
        return zk_err_set(ZK_ERR_NOMEM, "zkc_arena_new: %zu bytes asked, the device has %llu free",
                          bytes, (unsigned long long)EMU_FREE_MEM);
    zkc_arena *a = calloc(1, sizeof *a);
    if (a)
        a->base = malloc(bytes);
    if (!a || !a->base) {
        free(a);
        return zk_err_set(ZK_ERR_NOMEM, "zkc_arena_new: %zu bytes", bytes);
    }
    a->size = bytes;
    memset(a->base, 0, bytes); /* so that what a proof leaves behind can be seen */
    for (int i = 0; i < EMU_MAX_ARENAS; i++)
        if (!g_arenas[i]) {
            g_arenas[i] = a;
            break;
        }
    *out = a;
    return ZK_OK;
}

void zkc_arena_free(zkc_arena *a)
{
    for (int i = 0; i < EMU_MAX_ARENAS; i++)
        if (g_arenas[i] == a)
            g_arenas[i] = NULL;
    if (a)
        free(a->base);
    free(a);
}

void zkc_arena_reset(zkc_arena *a)
{
    if (a)
        a->used = 0;
}

size_t zkc_arena_size(const zkc_arena *a)
{
    return a ? a->size : 0;
}

size_t zkc_arena_used(const zkc_arena *a)
{
    return a ? a->used : 0;
}

/* The most arena bytes in use at once since the test last reset it: tests check
 * that zpg_bytes_needed covers what a proof takes. */
size_t zkc_emu_arena_peak;

int zkc_arena_alloc(zkc_arena *a, size_t bytes, void **out)
{
    if (!a || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_arena_alloc: NULL argument");
    *out = NULL;
    if (injected(&zkc_emu_fail_alloc_in))
        return zk_err_set(ZK_ERR_NOMEM, "device arena: injected allocation failure (emulation)");
    size_t start = (a->used + EMU_ALIGN - 1) / EMU_ALIGN * EMU_ALIGN;
    if (start > a->size || bytes > a->size - start)
        return zk_err_set(ZK_ERR_NOMEM,
                          "device arena: %zu bytes needed, %zu available of %zu (emulation)", bytes,
                          start > a->size ? 0 : a->size - start, a->size);
    *out = a->base + start;
    a->used = start + bytes;
    if (a->used > zkc_emu_arena_peak)
        zkc_emu_arena_peak = a->used;
    if (a->used > a->high)
        a->high = a->used;
    return ZK_OK;
}

/* Non-zero bytes of the live arenas between their bump pointer and the most they
 * ever handed out: what earlier users left behind in memory now free. */
size_t zkc_emu_arena_leftovers(void);

size_t zkc_emu_arena_leftovers(void)
{
    size_t k = 0;
    for (int j = 0; j < EMU_MAX_ARENAS; j++)
        for (size_t i = g_arenas[j] ? g_arenas[j]->used : 0; g_arenas[j] && i < g_arenas[j]->high;
             i++)
            k += g_arenas[j]->base[i] != 0;
    return k;
}

/* Zeroes the free memory of the live arenas (so that a test sees only what the next
 * user leaves behind). */
void zkc_emu_arena_scrub(void);

void zkc_emu_arena_scrub(void)
{
    for (int j = 0; j < EMU_MAX_ARENAS; j++)
        if (g_arenas[j])
            memset(g_arenas[j]->base + g_arenas[j]->used, 0, g_arenas[j]->size - g_arenas[j]->used);
}

int zkc_arena_zero(zkc_arena *a, size_t from)
{
    if (!a)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_arena_zero: NULL arena");
    if (zkc_emu_fail_zero)
        return zk_err_set(ZK_ERR_DEVICE, "zkc_arena_zero: injected failure (emulation)");
    size_t top = a->used > a->high ? a->used : a->high; /* released scratch too */
    if (from < top)
        memset(a->base + from, 0, top - from);
    return ZK_OK;
}

size_t zkc_arena_mark(const zkc_arena *a)
{
    return a ? a->used : 0;
}

void zkc_arena_release(zkc_arena *a, size_t mark)
{
    if (a && mark <= a->used)
        a->used = mark;
}

int zkc_host_alloc(void **out, size_t bytes)
{
    if (!out || bytes == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_host_alloc: NULL out or zero bytes");
    *out = malloc(bytes);
    if (*out) /* page-locked memory comes with no promise of zeros: nor does this */
        memset(*out, 0x5a, bytes);
    return *out ? ZK_OK : zk_err_set(ZK_ERR_NOMEM, "zkc_host_alloc: %zu bytes", bytes);
}

void zkc_host_free(void *p)
{
    free(p);
}

/* Bytes copied to and from the "device" so far: tests check what crosses PCIe. */
size_t zkc_emu_bytes_to_device, zkc_emu_bytes_to_host;

#define COPY_INJECTED(fn)                                                                          \
    do {                                                                                           \
        if (injected(&zkc_emu_fail_copy_in))                                                       \
            return zk_err_set(ZK_ERR_DEVICE, "%s: injected copy failure (emulation)", fn);         \
    } while (0)

int zkc_to_device(void *dst, const void *src, size_t bytes)
{
    COPY_INJECTED("zkc_to_device");
    zkc_emu_bytes_to_device += bytes;
    if (bytes)
        memmove(dst, src, bytes);
    return ZK_OK;
}

int zkc_to_host(void *dst, const void *src, size_t bytes)
{
    COPY_INJECTED("zkc_to_host");
    zkc_emu_bytes_to_host += bytes;
    if (bytes)
        memmove(dst, src, bytes);
    return ZK_OK;
}

int zkc_gather32(zkc_arena *arena, void *out_host, const void *src, const uint64_t *idx, size_t n)
{
    if (n == 0)
        return ZK_OK;
    if (!arena || !out_host || !src || !idx)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_gather32: NULL argument");
    COPY_INJECTED("zkc_gather32");
    for (size_t i = 0; i < n; i++)
        memcpy((unsigned char *)out_host + 32 * i, (const unsigned char *)src + 32 * idx[i], 32);
    zkc_emu_bytes_to_host += 32 * n;
    return ZK_OK;
}

int zkc_zero_dev(void *dst, size_t bytes)
{
    if (bytes)
        memset(dst, 0, bytes);
    return ZK_OK;
}

int zkc_sync(void)
{
    return ZK_OK;
}

int zkc_p2_init(const zkc_p2_consts *k)
{
    if (!k)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_p2_init: NULL constants");
    g_consts = *k;
    g_have_consts = 1;
    return ZK_OK;
}

static int need_consts(const char *fn)
{
    return g_have_consts ? ZK_OK : zk_err_set(ZK_ERR_STATE, "%s: zkc_p2_init was not called", fn);
}

/* ---- NTT: the CPU's transforms ------------------------------------------------- */

struct zkc_ntt_plan {
    ntt_plan *cpu;
    unsigned max_log;
};

int zkc_ntt_plan_new(zkc_ntt_plan **out, unsigned max_log_n)
{
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_ntt_plan_new: NULL out");
    *out = NULL;
    if (max_log_n > 24)
        return zk_err_set(ZK_ERR_RANGE, "zkc_ntt_plan_new: log size %u exceeds 24", max_log_n);
    zkc_ntt_plan *p = calloc(1, sizeof *p);
    if (!p)
        return zk_err_set(ZK_ERR_NOMEM, "zkc_ntt_plan_new");
    int rc = ntt_plan_new(&p->cpu, max_log_n);
    if (rc) {
        free(p);
        return rc;
    }
    p->max_log = max_log_n;
    *out = p;
    return ZK_OK;
}

void zkc_ntt_plan_free(zkc_ntt_plan *plan)
{
    if (plan)
        ntt_plan_free(plan->cpu);
    free(plan);
}

unsigned zkc_ntt_plan_max_log(const zkc_ntt_plan *plan)
{
    return plan ? plan->max_log : 0;
}

static unsigned g_tile_log = 13;

unsigned zkc_ntt_set_tile_log(unsigned tile_log)
{
    unsigned old = g_tile_log;
    g_tile_log = tile_log ? tile_log : 13;
    return old;
}

int zkc_ntt_dev(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data, unsigned log_n,
                size_t cols, int layout, int in_order, int out_order, int inverse)
{
    (void)arena;
    if (!plan || !data)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_ntt_dev: NULL argument");
    return inverse ? ntt_inverse(plan->cpu, data, log_n, cols, (ntt_layout)layout,
                                 (ntt_order)in_order, (ntt_order)out_order)
                   : ntt_forward(plan->cpu, data, log_n, cols, (ntt_layout)layout,
                                 (ntt_order)in_order, (ntt_order)out_order);
}

int zkc_ntt(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data, unsigned log_n, size_t cols,
            int layout, int in_order, int out_order, int inverse)
{
    return zkc_ntt_dev(plan, arena, data, log_n, cols, layout, in_order, out_order, inverse);
}

int zkc_ntt_coset_dev(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data, unsigned log_n,
                      size_t cols, int layout, uint32_t shift, int order, int inverse)
{
    (void)arena;
    if (!plan || !data)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_ntt_coset_dev: NULL argument");
    return inverse ? ntt_coset_inverse(plan->cpu, data, log_n, cols, (ntt_layout)layout, shift,
                                       (ntt_order)order)
                   : ntt_coset_forward(plan->cpu, data, log_n, cols, (ntt_layout)layout, shift,
                                       (ntt_order)order);
}

int zkc_ntt_coset(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data, unsigned log_n,
                  size_t cols, int layout, uint32_t shift, int order, int inverse)
{
    return zkc_ntt_coset_dev(plan, arena, data, log_n, cols, layout, shift, order, inverse);
}

int zkc_lde_dev(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *out, const uint32_t *in,
                unsigned log_n, unsigned log_blowup, size_t cols, int layout, uint32_t shift)
{
    if (!plan || !arena || !out || !in)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_lde_dev: NULL argument");
    /* the kernels' scratch: a copy of the input, written as the kernels write it
     * (released, it keeps the data until overwritten: what zkc_arena_zero must reach) */
    size_t mark = zkc_arena_mark(arena), bytes = cols * ((size_t)1 << log_n) * sizeof(uint32_t);
    void *scratch;
    int rc = zkc_arena_alloc(arena, bytes, &scratch);
    if (!rc) {
        memcpy(scratch, in, bytes);
        rc = ntt_lde(plan->cpu, out, in, log_n, log_blowup, cols, (ntt_layout)layout, shift);
    }
    zkc_arena_release(arena, mark);
    return rc;
}

int zkc_lde(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *out, const uint32_t *in,
            unsigned log_n, unsigned log_blowup, size_t cols, int layout, uint32_t shift)
{
    return zkc_lde_dev(plan, arena, out, in, log_n, log_blowup, cols, layout, shift);
}

/* ---- Poseidon2, trees, proof of work: the device functions of p2.cuh ----------- */

int zkc_p2_permute_many_dev(uint32_t *states, size_t n)
{
    int rc = need_consts("zkc_p2_permute_many");
    for (size_t i = 0; i < n && !rc; i++)
        zkc_p2_permute(states + 16 * i, &g_consts);
    return rc;
}

int zkc_p2_permute_many(zkc_arena *arena, uint32_t *states, size_t n)
{
    (void)arena;
    return zkc_p2_permute_many_dev(states, n);
}

size_t zkc_mt_nodes_len(unsigned d, unsigned cap_log)
{
    if (cap_log > d || d > 40)
        return 0;
    return ((size_t)2 << d) - ((size_t)1 << cap_log);
}

int zkc_mt_digests_dev(zkc_arena *arena, uint32_t *nodes, size_t nodes_len, const zkc_matrix *mats,
                       size_t nmats, unsigned cap_log)
{
    (void)arena;
    if (!nodes || !mats || nmats == 0 || nmats > MK_MAX_MATRICES)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_mt_digests: bad arguments");
    int rc = need_consts("zkc_mt_digests");
    if (rc)
        return rc;
    mt_matrix mm[MK_MAX_MATRICES];
    for (size_t k = 0; k < nmats; k++)
        mm[k] = (mt_matrix){.data = mats[k].data, .height = mats[k].height, .width = mats[k].width};
    mt_tree *t;
    if ((rc = mt_build(&t, mm, nmats, cap_log)))
        return rc;
    size_t len = 0;
    const p2_digest *all = mt_nodes(t, &len);
    if (len != nodes_len)
        rc = zk_err_set(ZK_ERR_INVALID_ARG,
                        "zkc_mt_digests: room for %zu digests, the tree has %zu", nodes_len, len);
    else
        memcpy(nodes, all, len * sizeof *all);
    mt_free(t);
    return rc;
}

int zkc_mt_digests(zkc_arena *arena, uint32_t *nodes, size_t nodes_len, const zkc_matrix *mats,
                   size_t nmats, unsigned cap_log)
{
    return zkc_mt_digests_dev(arena, nodes, nodes_len, mats, nmats, cap_log);
}

int zkc_pow_search(const uint32_t base[16], unsigned slot, unsigned bits, uint32_t *nonce)
{
    if (!base || !nonce || bits > 30 || slot >= 8)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_pow_search: bad arguments");
    int rc = need_consts("zkc_pow_search");
    if (rc)
        return rc;
    for (uint32_t x = 0; x < KB_P; x++) {
        if (zkc_pow_try(base, slot, x, bits, &g_consts)) {
            *nonce = x;
            return ZK_OK;
        }
    }
    return zk_err_set(ZK_ERR_NOT_FOUND, "zkc_pow_search: no nonce below p");
}

int zkc_mem_bandwidth(zkc_arena *arena, size_t bytes, double *bytes_per_s)
{
    (void)arena, (void)bytes, (void)bytes_per_s;
    return zk_err_set(ZK_ERR_NO_DEVICE, "host emulation: no device to measure");
}

int zkc_device_figures(int *sms, int *clock_khz)
{
    (void)sms, (void)clock_khz;
    return zk_err_set(ZK_ERR_NO_DEVICE, "host emulation: no device figures");
}

/* ---- the prover's kernels: quot.cuh and open.cuh per item ------------------------ */

int zkc_quotient_dev(zkc_arena *arena, const zkc_quot_args *a, uint32_t *out)
{
    (void)arena;
    if (!a || !out || !a->wires || !a->pre || !a->perm)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_quotient: NULL argument");
    if (a->p2.diag[1] != ZKC_ONE || a->p2.ext_init[0][0] == 0)
        return zk_err_set(ZK_ERR_STATE, "zkc_quotient: the Poseidon2 constants were not filled");
    zkc_quot_args *h = malloc(sizeof *h);
    if (!h)
        return zk_err_set(ZK_ERR_NOMEM, "zkc_quotient");
    *h = *a;
    if (zkc_quot_args_init(h, &a->p2) != 0) {
        free(h);
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_quotient: log sizes %u + %u", a->log_n,
                          a->log_blowup);
    }
    size_t nq = (size_t)4 << a->log_n;
    for (size_t j = 0; j < nq; j++)
        zkc_quot_point(h, j, out + 4 * j);
    free(h);
    return ZK_OK;
}

int zkc_perm_products_dev(zkc_arena *a, const uint32_t *trace, const uint32_t *pre, unsigned log_n,
                          uint32_t shift, const uint32_t beta[4], const uint32_t gamma[4],
                          uint32_t *perm, uint32_t z_final[4])
{
    (void)a;
    if (!trace || !pre || !perm || !beta || !gamma || !z_final || log_n > 24)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_perm_products: bad arguments");
    size_t n = (size_t)1 << log_n;
    zkc_kb4 *ratio = malloc(n * sizeof *ratio);
    if (!ratio)
        return zk_err_set(ZK_ERR_NOMEM, "zkc_perm_products");
    zkc_perm_args pa;
    zkc_perm_args_init(&pa, log_n, shift, zkc_open_load(beta), zkc_open_load(gamma));
    for (size_t r = 0; r < n; r++)
        ratio[r] = zkc_perm_row(perm + ZKC_OPEN_PERM_COLS * r, trace + ZKC_OPEN_WIRES * r,
                                pre + ZKC_OPEN_PRE * r, &pa, r);
    zkc_kb4 z = zkc_open_one();
    for (size_t r = 0; r < n; r++) {
        zkc_perm_finish_row(perm + ZKC_OPEN_PERM_COLS * r, z);
        z = zkc4_mul(z, ratio[r]);
    }
    zkc_open_store(z_final, z);
    free(ratio);
    return ZK_OK;
}

int zkc_bary_weights_dev(uint32_t *wt, unsigned log_n, const uint32_t z[4])
{
    if (!wt || !z || log_n > 24)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_bary_weights: bad arguments");
    zkc_kb4 zz = zkc_open_load(z), s = zkc_bary_scale(zz, log_n);
    uint32_t w = zkc_root_of_unity(log_n);
    for (size_t r = 0; r < (size_t)1 << log_n; r++)
        zkc_open_store(wt + 4 * r, zkc_bary_weight(zz, s, w, r));
    return ZK_OK;
}

int zkc_col_sums_dev(zkc_arena *a, uint32_t *out_host, const uint32_t *m, size_t n, size_t width,
                     const uint32_t *wt)
{
    (void)a;
    if (!out_host || !m || !wt || width == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_col_sums: bad arguments");
    for (size_t col = 0; col < width; col++)
        zkc_open_store(out_host + 4 * col, zkc_col_partial(m, width, wt, col, 0, n));
    return ZK_OK;
}

int zkc_deep_dev(zkc_arena *a, uint32_t *f, const uint32_t *const mats[4], const size_t widths[4],
                 unsigned log_lde, uint32_t shift, const uint32_t *apow_host, const uint32_t s1[4],
                 const uint32_t s2[4], const uint32_t zeta[4], const uint32_t zeta_next[4])
{
    (void)a;
    if (!f || !mats || !widths || !apow_host || log_lde > 24)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_deep: bad arguments");
    uint32_t w32[4];
    size_t total = 0;
    for (int i = 0; i < 4; i++) {
        w32[i] = (uint32_t)widths[i];
        total += widths[i];
    }
    zkc_kb4 *apow = malloc((total + 4) * sizeof *apow);
    if (!apow)
        return zk_err_set(ZK_ERR_NOMEM, "zkc_deep");
    for (size_t t = 0; t < total + 4; t++)
        apow[t] = zkc_open_load(apow_host + 4 * t);
    zkc_deep_args d;
    zkc_deep_args_init(&d, mats, w32, log_lde, shift, zkc_open_load(s1), zkc_open_load(s2),
                       zkc_open_load(zeta), zkc_open_load(zeta_next));
    for (size_t L = 0; L < (size_t)1 << log_lde; L++)
        zkc_open_store(f + 4 * L, zkc_deep_row(&d, apow, L));
    free(apow);
    return ZK_OK;
}

int zkc_fri_permute_dev(uint32_t *mat, const uint32_t *src, size_t rows, unsigned a)
{
    if (!mat || !src || a > 24)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_fri_permute: bad arguments");
    for (size_t i = 0; i < rows << a; i++)
        memcpy(mat + 4 * i, src + 4 * zkc_fri_permute_src(i, rows, a), 4 * sizeof(uint32_t));
    return ZK_OK;
}

int zkc_fri_fold_dev(uint32_t *dst, const uint32_t *mat, size_t rows, unsigned a, uint32_t sinv,
                     uint32_t winv, const uint32_t beta[4])
{
    if (!dst || !mat || !beta || a > 4)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_fri_fold: bad arguments");
    zkc_kb4 b = zkc_open_load(beta);
    for (size_t r = 0; r < rows; r++)
        zkc_open_store(dst + 4 * r,
                       zkc_fri_fold_row(mat + 4 * (r << a), a, zkc_fri_x0_inv(sinv, winv, r), b));
    return ZK_OK;
}
