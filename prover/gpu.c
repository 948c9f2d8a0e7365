#include "prover/gpu.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#ifdef ZKGATE_HAVE_CUDA
#include "prover/cuda/zkc.h"
#include "prover/gpu_internal.h"
#include "verifier/kb_simd.h" /* the Poseidon2 round constants, copied to the device */
#endif

#define NOT_BUILT                                                                                  \
    "zkgate was built without the CUDA backend (ZKGATE_CUDA=OFF or no nvcc at build time)"

int gpu_backend_built(void)
{
#ifdef ZKGATE_HAVE_CUDA
    return 1;
#else
    return 0;
#endif
}

int gpu_probe(gpu_info *out)
{
    gpu_info scratch;
    if (!out)
        out = &scratch;
    memset(out, 0, sizeof *out);
#ifdef ZKGATE_HAVE_CUDA
    return zkc_probe(out);
#else
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
#endif
}

#ifndef ZKGATE_HAVE_CUDA

/* Without the backend every entry point says so and touches nothing. */
struct gpu_ctx {
    int unused;
};

int gpu_ctx_new(gpu_ctx **out, size_t arena_bytes, unsigned max_log_n)
{
    if (out)
        *out = NULL;
    (void)arena_bytes;
    (void)max_log_n;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

void gpu_ctx_free(gpu_ctx *ctx)
{
    (void)ctx;
}

size_t gpu_ctx_arena_bytes(const gpu_ctx *ctx)
{
    (void)ctx;
    return 0;
}

int gpu_host_alloc(void **out, size_t bytes)
{
    if (out)
        *out = NULL;
    (void)bytes;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

void gpu_host_free(void *p)
{
    (void)p;
}

int gpu_ntt_forward(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                    ntt_order in, ntt_order out)
{
    (void)ctx, (void)data, (void)log_n, (void)cols, (void)layout, (void)in, (void)out;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int gpu_ntt_inverse(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                    ntt_order in, ntt_order out)
{
    (void)ctx, (void)data, (void)log_n, (void)cols, (void)layout, (void)in, (void)out;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int gpu_ntt_coset_forward(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                          kb shift, ntt_order out)
{
    (void)ctx, (void)data, (void)log_n, (void)cols, (void)layout, (void)shift, (void)out;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int gpu_ntt_coset_inverse(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                          kb shift, ntt_order in)
{
    (void)ctx, (void)data, (void)log_n, (void)cols, (void)layout, (void)shift, (void)in;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int gpu_ntt_lde(gpu_ctx *ctx, kb *out, const kb *in, unsigned log_n, unsigned log_blowup,
                size_t cols, ntt_layout layout, kb shift)
{
    (void)ctx, (void)out, (void)in, (void)log_n, (void)log_blowup, (void)cols, (void)layout;
    (void)shift;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int gpu_p2_permute_many(gpu_ctx *ctx, kb *states, size_t n)
{
    (void)ctx, (void)states, (void)n;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

size_t gpu_mt_nodes_len(unsigned d, unsigned cap_log)
{
    if (cap_log > d || d > 40)
        return 0;
    return ((size_t)2 << d) - ((size_t)1 << cap_log);
}

int gpu_mt_build_digests(gpu_ctx *ctx, p2_digest *nodes, size_t nodes_len, const mt_matrix *mats,
                         size_t nmats, unsigned cap_log)
{
    (void)ctx, (void)nodes, (void)nodes_len, (void)mats, (void)nmats, (void)cap_log;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int gpu_pow_search(gpu_ctx *ctx, tr_state *t, unsigned bits, uint32_t *nonce)
{
    (void)ctx, (void)t, (void)bits, (void)nonce;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

#else /* ZKGATE_HAVE_CUDA */

/* NULL context: on a machine without a device that is the caller having ignored
 * gpu_ctx_new's ZK_ERR_NO_DEVICE, so say that again; otherwise a misuse. */
static int no_ctx(const char *fn)
{
    gpu_info g;
    int rc = gpu_probe(&g);
    if (rc)
        return zk_err_wrap(rc, "%s: ", fn);
    return zk_err_set(ZK_ERR_INVALID_ARG, "%s: NULL context", fn);
}

/* Every entry point: a context, and its device selected for the calling thread. */
static int enter(gpu_ctx *ctx, const char *fn)
{
    return ctx ? zkc_set_device(ctx->ordinal) : no_ctx(fn);
}

void gpu_p2_consts(zkc_p2_consts *k)
{
    memcpy(k->ext_init, p2_rc_ext_init, sizeof k->ext_init);
    memcpy(k->internal, p2_rc_int, sizeof k->internal);
    memcpy(k->ext_final, p2_rc_ext_final, sizeof k->ext_final);
    memcpy(k->diag, p2_diag, sizeof k->diag);
}

int gpu_ctx_new(gpu_ctx **out, size_t arena_bytes, unsigned max_log_n)
{
    if (out)
        *out = NULL;
    gpu_info g;
    int rc = gpu_probe(&g);
    if (rc)
        return rc;
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "gpu_ctx_new: NULL out");
    if (arena_bytes == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "gpu_ctx_new: zero arena bytes");
    if (max_log_n > KB_TWO_ADICITY)
        return zk_err_set(ZK_ERR_RANGE, "gpu_ctx_new: log size %u exceeds %d", max_log_n,
                          KB_TWO_ADICITY);
    zkc_p2_consts k;
    gpu_p2_consts(&k);
    rc = zkc_p2_init(&k);
    if (rc)
        return rc;
    gpu_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return zk_err_set(ZK_ERR_NOMEM, "gpu_ctx_new");
    c->ordinal = g.ordinal; /* gpu_probe made it this thread's device */
    rc = zkc_ntt_plan_new(&c->plan, max_log_n);
    if (rc == ZK_OK)
        rc = zkc_arena_new(&c->arena, arena_bytes);
    if (rc) {
        gpu_ctx_free(c);
        return rc;
    }
    *out = c;
    return ZK_OK;
}

void gpu_ctx_free(gpu_ctx *ctx)
{
    if (!ctx)
        return;
    zkc_arena_free(ctx->arena);
    zkc_host_free(ctx->pinned);
    zkc_ntt_plan_free(ctx->plan);
    free(ctx);
}

size_t gpu_ctx_arena_bytes(const gpu_ctx *ctx)
{
    return ctx ? zkc_arena_size(ctx->arena) : 0;
}

int gpu_host_alloc(void **out, size_t bytes)
{
    if (out)
        *out = NULL;
    gpu_info g;
    int rc = gpu_probe(&g);
    if (rc)
        return rc;
    if (!out || bytes == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "gpu_host_alloc: NULL out or zero bytes");
    return zkc_host_alloc(out, bytes);
}

void gpu_host_free(void *p)
{
    zkc_host_free(p);
}

int gpu_ntt_forward(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                    ntt_order in, ntt_order out)
{
    int rc_ = enter(ctx, "gpu_ntt_forward");
    if (rc_)
        return rc_;
    return zkc_ntt(ctx->plan, ctx->arena, data, log_n, cols, (int)layout, (int)in, (int)out, 0);
}

int gpu_ntt_inverse(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                    ntt_order in, ntt_order out)
{
    int rc_ = enter(ctx, "gpu_ntt_inverse");
    if (rc_)
        return rc_;
    return zkc_ntt(ctx->plan, ctx->arena, data, log_n, cols, (int)layout, (int)in, (int)out, 1);
}

int gpu_ntt_coset_forward(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                          kb shift, ntt_order out)
{
    int rc_ = enter(ctx, "gpu_ntt_coset_forward");
    if (rc_)
        return rc_;
    return zkc_ntt_coset(ctx->plan, ctx->arena, data, log_n, cols, (int)layout, shift, (int)out, 0);
}

int gpu_ntt_coset_inverse(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                          kb shift, ntt_order in)
{
    int rc_ = enter(ctx, "gpu_ntt_coset_inverse");
    if (rc_)
        return rc_;
    return zkc_ntt_coset(ctx->plan, ctx->arena, data, log_n, cols, (int)layout, shift, (int)in, 1);
}

int gpu_ntt_lde(gpu_ctx *ctx, kb *out, const kb *in, unsigned log_n, unsigned log_blowup,
                size_t cols, ntt_layout layout, kb shift)
{
    int rc_ = enter(ctx, "gpu_ntt_lde");
    if (rc_)
        return rc_;
    return zkc_lde(ctx->plan, ctx->arena, out, in, log_n, log_blowup, cols, (int)layout, shift);
}

int gpu_p2_permute_many(gpu_ctx *ctx, kb *states, size_t n)
{
    int rc_ = enter(ctx, "gpu_p2_permute_many");
    if (rc_)
        return rc_;
    return zkc_p2_permute_many(ctx->arena, states, n);
}

size_t gpu_mt_nodes_len(unsigned d, unsigned cap_log)
{
    return zkc_mt_nodes_len(d, cap_log);
}

int gpu_mt_build_digests(gpu_ctx *ctx, p2_digest *nodes, size_t nodes_len, const mt_matrix *mats,
                         size_t nmats, unsigned cap_log)
{
    int rc_ = enter(ctx, "gpu_mt_build_digests");
    if (rc_)
        return rc_;
    if (!nodes || !mats)
        return zk_err_set(ZK_ERR_INVALID_ARG, "gpu_mt_build_digests: NULL %s",
                          nodes ? "matrices" : "nodes");
    if (nmats == 0 || nmats > MK_MAX_MATRICES)
        return zk_err_set(ZK_ERR_INVALID_ARG, "gpu_mt_build_digests: %zu matrices, want 1..%u",
                          nmats, (unsigned)MK_MAX_MATRICES);
    /* The checks of mt_build, so both refuse the same shapes. */
    mk_dims dims[MK_MAX_MATRICES];
    zkc_matrix zm[MK_MAX_MATRICES];
    for (size_t k = 0; k < nmats; k++) {
        const mt_matrix *m = &mats[k];
        if (!m->data || m->height == 0 || (m->height & (m->height - 1)) != 0)
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "gpu_mt_build_digests: matrix %zu: height %zu is not a power of two "
                              "or data is NULL",
                              k, m->height);
        dims[k].log_height = (unsigned)__builtin_ctzll((unsigned long long)m->height);
        dims[k].width = m->width;
        zm[k].data = m->data;
        zm[k].height = m->height;
        zm[k].width = m->width;
    }
    mk_shape shape = {dims, nmats, cap_log};
    unsigned d = 0;
    int rc = mk_shape_check(&shape, &d);
    if (rc)
        return zk_err_wrap(rc, "gpu_mt_build_digests: ");
    size_t want = zkc_mt_nodes_len(d, cap_log);
    if (want == 0 || nodes_len != want)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "gpu_mt_build_digests: room for %zu digests, the tree has %zu", nodes_len,
                          want);
    return zkc_mt_digests(ctx->arena, (uint32_t *)nodes->v, nodes_len, zm, nmats, cap_log);
}

int gpu_pow_search(gpu_ctx *ctx, tr_state *t, unsigned bits, uint32_t *nonce)
{
    int rc_ = enter(ctx, "gpu_pow_search");
    if (rc_)
        return rc_;
    if (!t || !nonce)
        return zk_err_set(ZK_ERR_INVALID_ARG, "gpu_pow_search: NULL %s",
                          t ? "nonce" : "transcript");
    if (bits > TR_MAX_POW_BITS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "proof of work: %u bits asked, at most %d", bits,
                          TR_MAX_POW_BITS);
    /* The state tr_grind permutes: the pending inputs in the rate, zeros after
     * them, the nonce at slot n_in, and the block's length (n_in + 1) added to the
     * last capacity element, as the duplex of transcript.c does. */
    uint32_t base[P2_WIDTH];
    memcpy(base, t->state, sizeof base);
    for (unsigned i = 0; i < P2_RATE; i++)
        base[i] = i < t->n_in ? t->in[i] : KB_ZERO;
    base[P2_WIDTH - 1] = kb_add(base[P2_WIDTH - 1], kb_from_u32(t->n_in + 1));
    uint32_t found = 0;
    int rc = zkc_pow_search(base, t->n_in, bits, &found);
    if (rc)
        return rc;
    /* tr_check_pow advances t as the verifier will, and judges the nonce. */
    if (tr_check_pow(t, bits, found) != ZK_OK)
        return zk_err_wrap(ZK_ERR_INTERNAL, "gpu_pow_search: nonce %u fails the check: ", found);
    *nonce = found;
    return ZK_OK;
}

#endif /* ZKGATE_HAVE_CUDA */
