/* The duplex-sponge Fiat-Shamir transcript. */
#include "verifier/transcript.h"

#include <stdatomic.h>
#include <string.h>

#include "common/error.h"
#include "common/par.h"

/* The last capacity element counts the elements of each absorbed block, so blocks
 * of different lengths (say [x] and [x, 0]) can never give the same state. */
#define TR_LEN_SLOT (P2_WIDTH - 1)

void tr_init(tr_state *t)
{
    memset(t, 0, sizeof *t);
    t->state[P2_RATE] = kb_from_u32(P2_DOM_TRANSCRIPT);
}

/* Overwrites the rate with the pending inputs and zeros, adds their count to the
 * capacity, permutes, and makes the whole new rate available as outputs. */
static void duplex(tr_state *t)
{
    for (unsigned i = 0; i < P2_RATE; i++)
        t->state[i] = i < t->n_in ? t->in[i] : KB_ZERO;
    t->state[TR_LEN_SLOT] = kb_add(t->state[TR_LEN_SLOT], kb_from_u32(t->n_in));
    p2_permute(t->state);
    t->n_in = 0;
    memcpy(t->out, t->state, sizeof t->out);
    t->n_out = P2_RATE;
}

void tr_observe(tr_state *t, kb x)
{
    /* Outputs squeezed before this observation must not be handed out after it. */
    t->n_out = 0;
    t->in[t->n_in++] = x;
    if (t->n_in == P2_RATE)
        duplex(t);
}

void tr_observe_many(tr_state *t, const kb *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tr_observe(t, x[i]);
}

void tr_observe_ext(tr_state *t, kb4 x)
{
    tr_observe_many(t, x.c, KB4_DEGREE);
}

void tr_observe_digest(tr_state *t, const p2_digest *d)
{
    tr_observe_many(t, d->v, P2_DIGEST_LEN);
}

kb tr_sample(tr_state *t)
{
    if (t->n_in > 0 || t->n_out == 0)
        duplex(t);
    return t->out[P2_RATE - t->n_out--];
}

kb4 tr_sample_ext(tr_state *t)
{
    kb4 r;
    for (int i = 0; i < KB4_DEGREE; i++)
        r.c[i] = tr_sample(t);
    return r;
}

int tr_sample_bits(tr_state *t, unsigned bits, uint32_t *out)
{
    if (bits > TR_MAX_SAMPLE_BITS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "tr_sample_bits: %u bits asked, at most %d", bits,
                          TR_MAX_SAMPLE_BITS);
    uint32_t x = kb_to_canonical(tr_sample(t));
    *out = x & (uint32_t)((1ull << bits) - 1);
    return ZK_OK;
}

static int pow_ok(uint32_t x, unsigned bits)
{
    return (x >> (31 - bits)) == 0;
}

int tr_check_pow(tr_state *t, unsigned bits, uint32_t nonce)
{
    if (bits > TR_MAX_POW_BITS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "proof of work: %u bits asked, at most %d", bits,
                          TR_MAX_POW_BITS);
    kb w = nonce < KB_P ? kb_from_canonical(nonce) : KB_ZERO;
    tr_observe(t, w);
    uint32_t x = kb_to_canonical(tr_sample(t));
    if (nonce >= KB_P)
        return zk_err_set(ZK_ERR_PROOF, "proof of work: nonce %u is not a field element", nonce);
    if (!pow_ok(x, bits))
        return zk_err_set(ZK_ERR_PROOF,
                          "proof of work: nonce %u gives %u, which lacks %u leading zero bits",
                          nonce, x, bits);
    return ZK_OK;
}

/* Grinding evaluates the same duplex as tr_check_pow for many nonces at once:
 * observing the nonce makes n_in + 1 <= 8 pending elements, and the sample right
 * after runs one duplex over them, so the first output of that permutation decides.
 * Nonces are tried in rounds of consecutive ranges split among threads; each chunk
 * stops at its first hit and the round keeps the smallest, so the answer is the
 * smallest valid nonce however the work was split. */
#define GRIND_BATCH 64         /* states per p2_permute_many call */
#define GRIND_CHUNK 1024       /* nonces per zk_par_for chunk */
#define GRIND_ROUND (1u << 16) /* nonces per round */

typedef struct grind_ctx {
    kb base[P2_WIDTH];     /* the state to permute, with the nonce slot left zero */
    unsigned slot;         /* where the nonce goes */
    unsigned bits;         /* leading zero bits wanted */
    uint32_t start;        /* first nonce of this round */
    uint32_t limit;        /* nonces >= limit are not tried (p) */
    _Atomic uint32_t best; /* smallest valid nonce found, UINT32_MAX if none */
} grind_ctx;

static void grind_chunk(void *arg, size_t begin, size_t end)
{
    grind_ctx *g = arg;
    kb st[GRIND_BATCH * P2_WIDTH];
    for (size_t b = begin; b < end; b += GRIND_BATCH) {
        size_t m = end - b < GRIND_BATCH ? end - b : GRIND_BATCH;
        uint32_t first = g->start + (uint32_t)b;
        if (first >= g->limit || first > atomic_load_explicit(&g->best, memory_order_relaxed))
            return;
        for (size_t i = 0; i < m; i++) {
            memcpy(st + P2_WIDTH * i, g->base, sizeof g->base);
            uint32_t n = first + (uint32_t)i;
            st[P2_WIDTH * i + g->slot] = n < g->limit ? kb_from_canonical(n) : KB_ZERO;
        }
        p2_permute_many(st, m);
        for (size_t i = 0; i < m; i++) {
            uint32_t n = first + (uint32_t)i;
            if (n >= g->limit)
                return;
            if (!pow_ok(kb_to_canonical(st[P2_WIDTH * i]), g->bits))
                continue;
            uint32_t cur = atomic_load_explicit(&g->best, memory_order_relaxed);
            while (n < cur && !atomic_compare_exchange_weak_explicit(
                                  &g->best, &cur, n, memory_order_relaxed, memory_order_relaxed))
                ;
            return;
        }
    }
}

int tr_grind(tr_state *t, unsigned bits, uint32_t *nonce)
{
    if (bits > TR_MAX_POW_BITS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "proof of work: %u bits asked, at most %d", bits,
                          TR_MAX_POW_BITS);
    grind_ctx g;
    memcpy(g.base, t->state, sizeof g.base);
    for (unsigned i = 0; i < P2_RATE; i++)
        g.base[i] = i < t->n_in ? t->in[i] : KB_ZERO;
    g.slot = t->n_in;
    g.base[TR_LEN_SLOT] = kb_add(g.base[TR_LEN_SLOT], kb_from_u32(t->n_in + 1));
    g.bits = bits;
    g.limit = KB_P;
    atomic_init(&g.best, UINT32_MAX);
    for (uint64_t start = 0; start < KB_P; start += GRIND_ROUND) {
        g.start = (uint32_t)start;
        zk_par_for(GRIND_ROUND, GRIND_CHUNK, grind_chunk, &g);
        uint32_t best = atomic_load(&g.best);
        if (best != UINT32_MAX) {
            *nonce = best;
            int rc = tr_check_pow(t, bits, best);
            if (rc)
                return zk_err_wrap(ZK_ERR_INTERNAL, "tr_grind: found nonce fails the check: ");
            return ZK_OK;
        }
    }
    return zk_err_set(ZK_ERR_NOT_FOUND, "proof of work: no nonce below p gives %u zero bits", bits);
}
