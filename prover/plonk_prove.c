/* The PLONK prover (prover/plonk_prove.h); the protocol is docs/PROOF.md and the
 * verifier that mirrors it is verifier/plonk.c. */
#include "prover/plonk_prove.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "common/par.h"
#include "common/sysmem.h"
#include "prover/circuit_internal.h"
#include "prover/fri_prove.h"
#include "prover/hostpool.h"
#include "prover/kb4_x16.h"
#include "prover/plonk_gpu.h"
#include "verifier/codec.h"
#include "verifier/kb4.h"
#include "verifier/kb_simd.h"
#include "verifier/p2.h"
#include "verifier/transcript.h"

#define NUM_GATE_TERMS 236 /* zp_gate_total_constraints() */
#define NUM_PERM_TERMS (1 + ZP_PERM_CHUNKS)
#define NUM_TERMS      (NUM_GATE_TERMS + NUM_PERM_TERMS)
_Static_assert(NUM_TERMS == ZPG_QUOT_TERMS, "the device path's quotient term count");

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int rand_default(void *ctx, uint8_t *buf, size_t n)
{
    (void)ctx;
    if (n > (size_t)INT32_MAX || RAND_bytes(buf, (int)n) != 1)
        return zk_err_set(ZK_ERR_CRYPTO, "RAND_bytes failed: no randomness for zero knowledge");
    return ZK_OK;
}

/* Uniform field elements by rejection from 31-bit draws, drawn RAND_CHUNK bytes a
 * call (RAND_bytes costs about 1 us a call: 1 KiB draws made the salts of a
 * 2^17-row zk proof, 48 MB, take 32 ms instead of 6), kept canonical and put in
 * Montgomery form at the end in one vector pass. */
#define RAND_CHUNK ((size_t)64 << 10)

static int rand_elems(const zp_prove_opts *o, kb *out, size_t n)
{
    zp_rand_fn fn = o && o->rand ? o->rand : rand_default;
    void *ctx = o ? o->rand_ctx : NULL;
    /* about 1% of draws are rejected: ask for a little more than the rest needs */
    size_t want = n * 4 + n / 32 + 64, cap = (want < RAND_CHUNK ? want : RAND_CHUNK) & ~(size_t)3;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (randomness)");
    size_t have = 0, used = 0;
    int rc = ZK_OK;
    for (size_t i = 0; i < n && !rc;) {
        if (used == have) {
            have = cap;
            used = 0;
            rc = fn(ctx, buf, have);
            continue;
        }
        uint32_t x = ((uint32_t)buf[used] | (uint32_t)buf[used + 1] << 8 |
                      (uint32_t)buf[used + 2] << 16 | (uint32_t)buf[used + 3] << 24) &
                     0x7fffffffu;
        used += 4;
        if (x < KB_P)
            out[i++] = x;
    }
    OPENSSL_cleanse(buf, cap);
    free(buf);
    if (rc)
        return rc;
    kb_vec_scale(out, out, KB_MONT_R2, n); /* kb_from_canonical, all at once */
    return ZK_OK;
}

static kb4 ext_of(const kb *v)
{
    return (kb4){{v[0], v[1], v[2], v[3]}};
}

/* out[i] = in[i]^-1 (Montgomery's trick; no zero inputs). */
static void kb4_batch_inv(kb4 *out, const kb4 *in, size_t n, kb4 *scratch)
{
    if (n == 0)
        return;
    kb4 acc = kb4_one();
    for (size_t i = 0; i < n; i++) {
        scratch[i] = acc;
        acc = kb4_mul(acc, in[i]);
    }
    kb4 inv = kb4_inv(acc);
    for (size_t i = n; i-- > 0;) {
        kb4 x = in[i];
        out[i] = kb4_mul(inv, scratch[i]);
        inv = kb4_mul(inv, x);
    }
}

typedef struct prover {
    const cb_circuit *c;
    unsigned log_n, log_lde, b;
    size_t n, nl;
    kb g;          /* coset shift */
    kb *trace;     /* n x ZP_WIRES */
    kb *wires_lde; /* N x ZP_WIRES */
    kb *perm_h;    /* n x 44 */
    kb *perm_lde;  /* N x 44 */
    kb *q_coeffs;  /* n x 12: the chunks' coefficients (row-major) */
    kb *q_lde;     /* N x 12 */
    kb *salt[3];   /* N x ZP_SALT each (zk) */
    mt_tree *tree[4];
    kb pi_hash[8];
    kb4 beta, gamma, alpha, zeta, zeta_next, deep;
    kb4 open[ZP_NUM_OPENINGS + 4];
    int cheat;         /* a test tampered with the trace: do not refuse a bad quotient */
    zpg *dev;          /* the device path's buffers (CUDA backend), NULL on the CPU */
    zp_hostpool *pool; /* the backend's buffers kept between proofs (NULL: plain malloc) */
} prover;

/* The prover's large buffers come from, and go back to, the backend's pool. */
#define TAKE(p, bytes) zp_hostpool_take((p)->pool, (bytes))
#define GIVE(p, buf)   zp_hostpool_give((p)->pool, (buf))

/* Tree t's salt columns (zero knowledge only): drawn in the same order by both
 * backends, so that the same randomness gives the same proof. */
static int make_salt(prover *p, int t, const zp_prove_opts *o)
{
    if (!p->c->zk)
        return ZK_OK;
    p->salt[t - 1] = TAKE(p, p->nl * ZP_SALT * sizeof(kb));
    if (!p->salt[t - 1])
        return zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (salt)");
    return rand_elems(o, p->salt[t - 1], p->nl * ZP_SALT);
}

static unsigned cap_log_of(const prover *p)
{
    return p->c->fri.cap_log < p->log_lde ? p->c->fri.cap_log : p->log_lde;
}

static int build_tree(prover *p, int t, const kb *lde, size_t width, const zp_prove_opts *o)
{
    mt_matrix m[2] = {{.data = lde, .height = p->nl, .width = width}};
    size_t nm = 1;
    int rc = make_salt(p, t, o);
    if (rc)
        return rc;
    if (p->c->zk) {
        m[1] = (mt_matrix){.data = p->salt[t - 1], .height = p->nl, .width = ZP_SALT};
        nm = 2;
    }
    return mt_build_pooled(&p->tree[t], m, nm, cap_log_of(p), p->pool);
}

static void observe_cap(tr_state *t, const mt_tree *tree)
{
    size_t len;
    const p2_digest *cap = mt_cap(tree, &len);
    for (size_t i = 0; i < len; i++)
        tr_observe_digest(t, &cap[i]);
}

/* ---- AVX-512: the permutation argument on 16 rows or points at once ----
 * The copy-constraint factors are the same few extension products on every row, so
 * 16 rows run side by side, one per 32-bit lane, each extension element as four
 * coefficient registers (prover/kb4_x16.h). The lane arithmetic is exact, so every
 * value equals the scalar code's. */
#if defined(__x86_64__)
#define T16 KB_TARGET_AVX512

/* Chunk ch's numerator and denominator products on 16 lanes: w and sig hold the
 * routed wires and sigmas by column (w[i][l]), x the points. */
T16 static void chunk16(x16 *nu, x16 *de, const kb (*w)[X16_LANES], const kb (*sig)[X16_LANES],
                        __m512i x, const kb4 *bk, kb4 beta, kb4 gamma, unsigned ch)
{
    x16 g = x16_set1(gamma), b = x16_set1(beta);
    for (unsigned i = ZP_PERM_CHUNK * ch; i < ZP_PERM_CHUNK * (ch + 1) && i < ZP_ROUTED; i++) {
        x16 base = g;
        base.c[0] = kb16_add(g.c[0], _mm512_loadu_si512((const void *)w[i]));
        x16 fn = x16_add(base, x16_mul_base(x16_set1(bk[i]), x));
        x16 fd = x16_add(base, x16_mul_base(b, _mm512_loadu_si512((const void *)sig[i])));
        if (i == ZP_PERM_CHUNK * ch) {
            *nu = fn;
            *de = fd;
        } else {
            *nu = x16_mul(*nu, fn);
            *de = x16_mul(*de, fd);
        }
    }
}

#endif

/* gamma + v for a base value v: only the constant coefficient moves. */
static inline kb4 add_base(kb4 a, kb v)
{
    a.c[0] = kb_add(a.c[0], v);
    return a;
}

typedef struct perm_ctx {
    prover *p;
    kb w;              /* the generator of H */
    kb4 bk[ZP_ROUTED]; /* beta k_i */
    /* n x ZP_PERM_CHUNKS: row r's M_j = (nu_0 ... nu_j)(de_(j+1) ... de_10) */
    kb4 *m;
    kb4 *den, *scr; /* n each: the row's de_0 ... de_10 (then its inverse), scratch */
    kb4 *tot;       /* n: the row's whole factor M_10 / (de_0 ... de_10) */
    kb4 *z;         /* n: Z at row r (the running product before the row) */
    int avx512;     /* 16 rows at a time (perm_rows16) */
} perm_ctx;

/* The partial products need P_j = (nu_0 ... nu_j) / (de_0 ... de_j) for chunk
 * numerators nu and denominators de. With D = de_0 ... de_10, that is M_j / D where
 * M_j = (nu_0 ... nu_j)(de_(j+1) ... de_10): one inversion a row (batched), no
 * division per chunk. */
static void perm_row(perm_ctx *pc, size_t r, kb x)
{
    const prover *p = pc->p;
    const kb *wr = &p->trace[r * ZP_WIRES];
    const kb *sig = &p->c->pre_h[r * ZP_NUM_PREPROCESSED + ZP_NUM_SELECTORS + ZP_CONSTS];
    kb4 nu[ZP_PERM_CHUNKS], de[ZP_PERM_CHUNKS];
    for (unsigned j = 0; j < ZP_PERM_CHUNKS; j++) {
        unsigned i = ZP_PERM_CHUNK * j;
        kb4 base = add_base(p->gamma, wr[i]);
        nu[j] = kb4_add(base, kb4_mul_base(pc->bk[i], x));
        de[j] = kb4_add(base, kb4_mul_base(p->beta, sig[i]));
        for (i++; i < ZP_PERM_CHUNK * (j + 1) && i < ZP_ROUTED; i++) {
            base = add_base(p->gamma, wr[i]);
            nu[j] = kb4_mul(nu[j], kb4_add(base, kb4_mul_base(pc->bk[i], x)));
            de[j] = kb4_mul(de[j], kb4_add(base, kb4_mul_base(p->beta, sig[i])));
        }
    }
    kb4 *m = &pc->m[r * ZP_PERM_CHUNKS];
    m[0] = nu[0];
    for (unsigned j = 1; j < ZP_PERM_CHUNKS; j++)
        m[j] = kb4_mul(m[j - 1], nu[j]);
    kb4 s = de[ZP_PERM_CHUNKS - 1]; /* de_j ... de_10 */
    for (unsigned j = ZP_PERM_CHUNKS - 1; j-- > 0;) {
        m[j] = kb4_mul(m[j], s);
        s = kb4_mul(s, de[j]);
    }
    pc->den[r] = s;
}

#if defined(__x86_64__)
/* perm_row on rows r0 .. r0 + 15, x = w^r0. Returns w^(r0 + 16). */
T16 static kb perm_rows16(perm_ctx *pc, size_t r0, kb x)
{
    const prover *p = pc->p;
    kb w[ZP_ROUTED][X16_LANES], sig[ZP_ROUTED][X16_LANES], xs[X16_LANES];
    for (size_t l = 0; l < X16_LANES; l++, x = kb_mul(x, pc->w)) {
        const kb *wr = &p->trace[(r0 + l) * ZP_WIRES];
        const kb *sr = &p->c->pre_h[(r0 + l) * ZP_NUM_PREPROCESSED + ZP_NUM_SELECTORS + ZP_CONSTS];
        for (unsigned i = 0; i < ZP_ROUTED; i++) {
            w[i][l] = wr[i];
            sig[i][l] = sr[i];
        }
        xs[l] = x;
    }
    __m512i xv = _mm512_loadu_si512((const void *)xs);
    x16 nu[ZP_PERM_CHUNKS], de[ZP_PERM_CHUNKS];
    for (unsigned ch = 0; ch < ZP_PERM_CHUNKS; ch++)
        chunk16(&nu[ch], &de[ch], w, sig, xv, pc->bk, p->beta, p->gamma, ch);
    for (unsigned j = 1; j < ZP_PERM_CHUNKS; j++)
        nu[j] = x16_mul(nu[j - 1], nu[j]);
    x16 s = de[ZP_PERM_CHUNKS - 1];
    for (unsigned j = ZP_PERM_CHUNKS - 1; j-- > 0;) {
        nu[j] = x16_mul(nu[j], s);
        s = x16_mul(s, de[j]);
    }
    kb o[4][X16_LANES];
    for (unsigned j = 0; j <= ZP_PERM_CHUNKS; j++) {
        x16 v = j < ZP_PERM_CHUNKS ? nu[j] : s;
        for (int k = 0; k < 4; k++)
            _mm512_storeu_si512((void *)o[k], v.c[k]);
        for (size_t l = 0; l < X16_LANES; l++) {
            kb4 e = {{o[0][l], o[1][l], o[2][l], o[3][l]}};
            if (j < ZP_PERM_CHUNKS)
                pc->m[(r0 + l) * ZP_PERM_CHUNKS + j] = e;
            else
                pc->den[r0 + l] = e;
        }
    }
    return x;
}
#endif

/* Rows [begin, end): perm_row's M_j and D, then 1 / D (inverted together per range:
 * inverses are unique, so the split changes no value) and the row's whole factor. */
static void perm_rows(void *vctx, size_t begin, size_t end)
{
    perm_ctx *pc = vctx;
    kb x = kb_pow(pc->w, begin);
    size_t r = begin;
#if defined(__x86_64__)
    if (pc->avx512)
        for (; r + X16_LANES <= end; r += X16_LANES)
            x = perm_rows16(pc, r, x);
#endif
    for (; r < end; r++, x = kb_mul(x, pc->w))
        perm_row(pc, r, x);
    kb4_batch_inv(pc->den + begin, pc->den + begin, end - begin, pc->scr + begin);
    for (r = begin; r < end; r++)
        pc->tot[r] = kb4_mul(pc->m[r * ZP_PERM_CHUNKS + ZP_PERM_CHUNKS - 1], pc->den[r]);
}

/* Rows [begin, end) of the permutation matrix: Z = z_r, then z_r M_j / D. */
static void perm_fill(void *vctx, size_t begin, size_t end)
{
    perm_ctx *pc = vctx;
    for (size_t r = begin; r < end; r++) {
        kb *row = &pc->p->perm_h[r * ZP_NUM_PERM_COLS];
        kb4 z = pc->z[r], y = kb4_mul(z, pc->den[r]);
        memcpy(row, z.c, sizeof z.c);
        for (unsigned j = 0; j + 1 < ZP_PERM_CHUNKS; j++) {
            kb4 v = kb4_mul(y, pc->m[r * ZP_PERM_CHUNKS + j]);
            memcpy(row + 4 * (j + 1), v.c, sizeof v.c);
        }
    }
}

/* Z and the partial products on H (docs/PROOF.md, "Copy constraints"). Rows are
 * independent but for Z's running product, so: the rows' factors in parallel, Z's
 * product over the rows serially (one product a row), and the partial-product
 * columns in parallel. The field is exact, so regrouping the products changes no
 * value. */
static int permutation(prover *p)
{
    size_t n = p->n;
    perm_ctx pc = {.p = p, .w = kb_root_of_unity(p->log_n), .avx512 = kb_simd_level() >= 2};
    pc.m = TAKE(p, n * ZP_PERM_CHUNKS * sizeof *pc.m);
    pc.den = TAKE(p, n * sizeof *pc.den);
    pc.scr = TAKE(p, n * sizeof *pc.scr);
    pc.tot = TAKE(p, n * sizeof *pc.tot);
    pc.z = TAKE(p, n * sizeof *pc.z);
    p->perm_h = TAKE(p, n * ZP_NUM_PERM_COLS * sizeof(kb));
    int rc = ZK_OK;
    if (!pc.m || !pc.den || !pc.scr || !pc.tot || !pc.z || !p->perm_h) {
        rc = zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (permutation)");
        goto done;
    }
    kb ki = KB_ONE;
    for (int i = 0; i < ZP_ROUTED; i++, ki = kb_mul(ki, p->g))
        pc.bk[i] = kb4_mul_base(p->beta, ki);
    zk_par_for(n, 512, perm_rows, &pc);
    kb4 z = kb4_one();
    for (size_t r = 0; r < n; r++) {
        pc.z[r] = z;
        z = kb4_mul(z, pc.tot[r]);
    }
    zk_par_for(n, 512, perm_fill, &pc);
    if (!kb4_eq(z, kb4_one()) && !p->cheat)
        rc = zk_err_set(ZK_ERR_INTERNAL,
                        "prover: the permutation product is not 1 (copy constraints broken)");
done:
    GIVE(p, pc.m);
    GIVE(p, pc.den);
    GIVE(p, pc.scr);
    GIVE(p, pc.tot);
    GIVE(p, pc.z);
    return rc;
}

typedef struct quot_ctx {
    prover *p;
    size_t nq;       /* 4n */
    size_t stride;   /* LDE rows per quotient point */
    const kb4 *apow; /* NUM_TERMS powers of alpha */
    /* The gate terms' powers apow[t].c[k] at plane[k][t], for kb_vec_dot4. */
    kb plane[4][NUM_GATE_TERMS];
    kb4 bk[ZP_ROUTED]; /* beta k_i: the identity permutation's column shifts times beta */
    const kb *l0;      /* L_0 at each point (a base-field value) */
    kb zh_inv[4];      /* 1 / (x^n - 1): x^n takes 4 values on the coset */
    const kb *xs;      /* the points */
    kb *out;           /* nq x 4 (row-major) */
    int avx512;        /* the constraints 16 points at a time (quot_block16) */
} quot_ctx;

/* The gate part at one point (without AVX-512; gates16 does 16 points at once):
 * sum over the gates of sel_g * sum_i apow[t+i] cons_i. Each selector is folded
 * into its gate's (base-field) constraint values, so the whole part is one lazily
 * reduced dot product of NUM_GATE_TERMS base values with the four planes of alpha
 * powers. The field is exact, so the value equals the per-gate form. */
static kb4 quot_gates(const quot_ctx *q, const kb *w, const kb *pre)
{
    kb vals[NUM_GATE_TERMS];
    unsigned t = 0;
    for (unsigned g = 0; g < ZP_NGATES; g++) {
        unsigned nc = zp_gate_num_constraints(g);
        zp_gate_eval_base(g, w, pre + ZP_NUM_SELECTORS, q->p->pi_hash, vals + t);
        kb_vec_scale(vals + t, vals + t, pre[g], nc);
        t += nc;
    }
    kb4 s;
    kb_vec_dot4(s.c, vals, q->plane[0], q->plane[1], q->plane[2], q->plane[3], NUM_GATE_TERMS);
    return s;
}

#if defined(__x86_64__)
/* The Poseidon2 gate on 16 lanes, constraint for constraint zp_gate_eval_base's
 * (verifier/plonk_gates.c): w[i][l] is wire i of lane l, out[c][l] constraint c. */
X16_INLINE static inline __m512i ld16(const kb *p)
{
    return _mm512_loadu_si512((const void *)p);
}

X16_INLINE static inline __m512i cube16(__m512i x)
{
    return kb16_mul(kb16_mul(x, x), x);
}

/* The external layer (p2_external_layer's matrix): M4 on each chunk of 4, then each
 * element gains the sum of its residue class mod 4. */
T16 static void ext_layer16(__m512i s[P2_WIDTH])
{
    __m512i y[P2_WIDTH];
    for (int c = 0; c < P2_WIDTH; c += 4) {
        __m512i x0 = s[c], x1 = s[c + 1], x2 = s[c + 2], x3 = s[c + 3];
        __m512i t = kb16_add(kb16_add(x0, x1), kb16_add(x2, x3));
        y[c] = kb16_add(kb16_add(t, x0), kb16_add(x1, x1));
        y[c + 1] = kb16_add(kb16_add(t, x1), kb16_add(x2, x2));
        y[c + 2] = kb16_add(kb16_add(t, x2), kb16_add(x3, x3));
        y[c + 3] = kb16_add(kb16_add(t, x3), kb16_add(x0, x0));
    }
    for (int i = 0; i < 4; i++) {
        __m512i sum = kb16_add(kb16_add(y[i], y[i + 4]), kb16_add(y[i + 8], y[i + 12]));
        for (int c = 0; c < P2_WIDTH; c += 4)
            s[i + c] = kb16_add(y[i + c], sum);
    }
}

/* stored - round(s) for one full round, then s = stored. */
T16 static void full_check16(__m512i s[P2_WIDTH], const kb rc[P2_WIDTH],
                             const kb (*stored)[X16_LANES], kb (*out)[X16_LANES])
{
    for (int i = 0; i < P2_WIDTH; i++)
        s[i] = cube16(kb16_add(s[i], _mm512_set1_epi32((int)rc[i])));
    ext_layer16(s);
    for (int i = 0; i < P2_WIDTH; i++) {
        __m512i st = ld16(stored[i]);
        _mm512_storeu_si512((void *)out[i], kb16_sub(st, s[i]));
        s[i] = st;
    }
}

T16 static void p2_gate16(const kb (*w)[X16_LANES], kb (*out)[X16_LANES])
{
    __m512i s[P2_WIDTH];
    __m512i sw = ld16(w[ZP_P2_SWAP]);
    _mm512_storeu_si512((void *)out[0], kb16_sub(kb16_mul(sw, sw), sw));
    for (int i = 0; i < P2_WIDTH / 2; i++) {
        __m512i a = ld16(w[ZP_P2_IN + i]), b = ld16(w[ZP_P2_IN + P2_WIDTH / 2 + i]);
        __m512i d = ld16(w[ZP_P2_DELTA + i]);
        _mm512_storeu_si512((void *)out[1 + i], kb16_sub(d, kb16_mul(sw, kb16_sub(b, a))));
        s[i] = kb16_add(a, d);
        s[P2_WIDTH / 2 + i] = kb16_sub(b, d);
    }
    out += 1 + P2_WIDTH / 2;
    ext_layer16(s);
    for (int r = 0; r < 4; r++, out += P2_WIDTH)
        full_check16(s, p2_rc_ext_init[r], w + ZP_P2_FULL1 + P2_WIDTH * r, out);
    for (int j = 0; j < 20; j++) {
        __m512i x = ld16(w[ZP_P2_PARTIAL + j]);
        __m512i y = cube16(kb16_add(s[0], _mm512_set1_epi32((int)p2_rc_int[j])));
        _mm512_storeu_si512((void *)out[0], kb16_sub(x, y));
        out++;
        s[0] = x;
        __m512i total = s[0];
        for (int i = 1; i < P2_WIDTH; i++)
            total = kb16_add(total, s[i]);
        for (int i = 0; i < P2_WIDTH; i++)
            s[i] = kb16_add(total, kb16_mul(_mm512_set1_epi32((int)p2_diag[i]), s[i]));
    }
    for (int r = 0; r < 4; r++, out += P2_WIDTH) {
        const kb(*stored)[X16_LANES] = r < 3 ? w + ZP_P2_FULL2 + P2_WIDTH * r : w + ZP_P2_OUT;
        full_check16(s, p2_rc_ext_final[r], stored, out);
    }
}

/* The small gates' constraint values on 16 lanes, as zp_gate_eval_base computes
 * them one point at a time (verifier/plonk_gates.c): w[i] wire i, c[j] constant j. */
X16_INLINE static inline __m512i sel16(__m512i b, __m512i lo, __m512i hi)
{
    return kb16_add(lo, kb16_mul(b, kb16_sub(hi, lo)));
}

T16 static void small_gate16(unsigned g, const kb (*w)[X16_LANES], const kb (*c)[X16_LANES],
                             const kb *pi_hash, __m512i *v)
{
    switch (g) {
    case ZP_GATE_ARITH:
        for (unsigned i = 0; i < ZP_ARITH_OPS; i++) {
            const kb(*o)[X16_LANES] = w + 4 * i;
            __m512i prod = kb16_mul(kb16_mul(ld16(c[0]), ld16(o[0])), ld16(o[1]));
            v[i] = kb16_sub(ld16(o[3]), kb16_add(prod, kb16_mul(ld16(c[1]), ld16(o[2]))));
        }
        break;
    case ZP_GATE_ARITH_EXT:
        for (unsigned i = 0; i < ZP_ARITH_EXT_OPS; i++) {
            const kb(*o)[X16_LANES] = w + 16 * i;
            x16 rhs = x16_add(x16_mul_base(x16_mul(x16_load(o), x16_load(o + 4)), ld16(c[0])),
                              x16_mul_base(x16_load(o + 8), ld16(c[1])));
            x16 d = x16_sub(x16_load(o + 12), rhs);
            for (int k = 0; k < 4; k++)
                v[4 * i + (unsigned)k] = d.c[k];
        }
        break;
    case ZP_GATE_CONSTANT:
        for (unsigned j = 0; j < ZP_CONSTS; j++)
            v[j] = kb16_sub(ld16(w[j]), ld16(c[j]));
        break;
    case ZP_GATE_PUBLIC_INPUT:
        for (unsigned j = 0; j < ZP_PI_HASH_LEN; j++)
            v[j] = kb16_sub(ld16(w[j]), _mm512_set1_epi32((int)pi_hash[j]));
        break;
    case ZP_GATE_BITS: {
        __m512i acc = _mm512_setzero_si512();
        for (int i = ZP_BITS - 1; i >= 0; i--)
            acc = kb16_add(kb16_add(acc, acc), ld16(w[ZP_BITS_FIRST + i]));
        v[0] = kb16_sub(ld16(w[ZP_BITS_VALUE]), acc);
        for (unsigned i = 0; i < ZP_BITS; i++) {
            __m512i b = ld16(w[ZP_BITS_FIRST + i]);
            v[1 + i] = kb16_sub(kb16_mul(b, b), b);
        }
        break;
    }
    case ZP_GATE_RANDOM_ACCESS: {
        const kb(*b)[X16_LANES] = w + ZP_RA_BIT_WIRE, (*vals)[X16_LANES] = w + ZP_RA_VALUES;
        const kb(*l1)[X16_LANES] = w + ZP_RA_LEVEL1, (*l2)[X16_LANES] = w + ZP_RA_LEVEL2;
        const kb(*l3)[X16_LANES] = w + ZP_RA_LEVEL3;
        __m512i idx = _mm512_setzero_si512();
        for (unsigned i = 0; i < ZP_RA_BITS; i++)
            v[i] = kb16_sub(kb16_mul(ld16(b[i]), ld16(b[i])), ld16(b[i]));
        for (int i = ZP_RA_BITS - 1; i >= 0; i--)
            idx = kb16_add(kb16_add(idx, idx), ld16(b[i]));
        v[4] = kb16_sub(ld16(w[ZP_RA_INDEX]), idx);
        for (unsigned k = 0; k < 8; k++)
            v[5 + k] =
                kb16_sub(ld16(l1[k]), sel16(ld16(b[0]), ld16(vals[2 * k]), ld16(vals[2 * k + 1])));
        for (unsigned k = 0; k < 4; k++)
            v[13 + k] =
                kb16_sub(ld16(l2[k]), sel16(ld16(b[1]), ld16(l1[2 * k]), ld16(l1[2 * k + 1])));
        for (unsigned k = 0; k < 2; k++)
            v[17 + k] =
                kb16_sub(ld16(l3[k]), sel16(ld16(b[2]), ld16(l2[2 * k]), ld16(l2[2 * k + 1])));
        v[19] = kb16_sub(ld16(w[ZP_RA_OUT]), sel16(ld16(b[3]), ld16(l3[0]), ld16(l3[1])));
        break;
    }
    default: break;
    }
}

/* The gate part on 16 points: per gate, sum_i a^(t+i) cons_i times the gate's
 * selector, summed over the gates (the same field value as quot_gates). pre[0..6]
 * are the selectors, pre[7..10] the constants; p2 the Poseidon2 gate's values. */
T16 static x16 gates16(const quot_ctx *q, const kb (*w)[X16_LANES], const kb (*pre)[X16_LANES],
                       const kb (*p2)[X16_LANES])
{
    __m512i v[ZP_MAX_GATE_CONSTRAINTS];
    x16 total = x16_set1(kb4_zero());
    unsigned t = 0;
    for (unsigned g = 0; g < ZP_NGATES; g++) {
        unsigned nc = zp_gate_num_constraints(g);
        if (g == ZP_GATE_POSEIDON2) {
            for (unsigned i = 0; i < nc; i++)
                v[i] = ld16(p2[i]);
        } else {
            small_gate16(g, w, pre + ZP_NUM_SELECTORS, q->p->pi_hash, v);
        }
        x16 acc = x16_set1(kb4_zero());
        for (unsigned i = 0; i < nc; i++)
            acc = x16_add(acc, x16_mul_base(x16_set1(q->apow[t + i]), v[i]));
        total = x16_add(total, x16_mul_base(acc, ld16(pre[g])));
        t += nc;
    }
    return total;
}

/* Points j0 .. j0 + 15 (lanes past `end` repeat the point end - 1 and are ignored),
 * their rows side by side: sum[k][l] is coefficient k of the constraints' sum at
 * point j0 + l, the gate part (gates16) plus the permutation part apow[236] L_0 (Z - 1)
 * + sum_ch apow[237 + ch] (P_next de - P_cur nu). */
T16 static void quot_block16(const quot_ctx *q, size_t j0, size_t end, kb sum[4][X16_LANES])
{
    kb p2[ZP_MAX_GATE_CONSTRAINTS][X16_LANES];
    const prover *p = q->p;
    kb w[ZP_WIRES][X16_LANES], sig[ZP_ROUTED][X16_LANES], pm[ZP_NUM_PERM_COLS + 4][X16_LANES];
    kb pre[ZP_NUM_SELECTORS + ZP_CONSTS][X16_LANES];
    kb xs[X16_LANES], l0[X16_LANES];
    for (size_t l = 0; l < X16_LANES; l++) {
        size_t j = j0 + l < end ? j0 + l : end - 1;
        size_t L = j * q->stride, Ln = ((j + 4) % q->nq) * q->stride;
        const kb *wr = &p->wires_lde[L * ZP_WIRES];
        const kb *sr = &p->c->pre_lde[L * ZP_NUM_PREPROCESSED + ZP_NUM_SELECTORS + ZP_CONSTS];
        const kb *pr = &p->perm_lde[L * ZP_NUM_PERM_COLS];
        const kb *pn = &p->perm_lde[Ln * ZP_NUM_PERM_COLS];
        for (unsigned i = 0; i < ZP_WIRES; i++)
            w[i][l] = wr[i];
        for (unsigned i = 0; i < ZP_ROUTED; i++)
            sig[i][l] = sr[i];
        for (unsigned i = 0; i < ZP_NUM_SELECTORS + ZP_CONSTS; i++)
            pre[i][l] = p->c->pre_lde[L * ZP_NUM_PREPROCESSED + i];
        for (unsigned i = 0; i < ZP_NUM_PERM_COLS; i++)
            pm[i][l] = pr[i];
        for (unsigned i = 0; i < 4; i++)
            pm[ZP_NUM_PERM_COLS + i][l] = pn[i];
        xs[l] = q->xs[j];
        l0[l] = q->l0[j];
    }
    p2_gate16(w, p2);
    /* pm's columns 4 ch .. 4 ch + 3 are partial product ch (Z for ch = 0), and the
     * four after the last chunk are Z at the next point. */
    __m512i x = ld16(xs);
    unsigned t = NUM_GATE_TERMS;
    x16 z = x16_load(pm);
    z.c[0] = kb16_sub(z.c[0], _mm512_set1_epi32((int)KB_ONE));
    x16 acc = x16_mul(x16_set1(q->apow[t++]), x16_mul_base(z, ld16(l0)));
    for (unsigned ch = 0; ch < ZP_PERM_CHUNKS; ch++) {
        x16 nu, de;
        chunk16(&nu, &de, w, sig, x, q->bk, p->beta, p->gamma, ch);
        x16 term =
            x16_sub(x16_mul(x16_load(pm + 4 * (ch + 1)), de), x16_mul(x16_load(pm + 4 * ch), nu));
        acc = x16_add(acc, x16_mul(x16_set1(q->apow[t++]), term));
    }
    acc = x16_add(acc, gates16(q, w, pre, p2));
    for (int k = 0; k < 4; k++)
        _mm512_storeu_si512((void *)sum[k], acc.c[k]);
}
#endif

/* The permutation part at point j, one point at a time (without AVX-512). */
static kb4 quot_perm(const quot_ctx *q, size_t j)
{
    const prover *p = q->p;
    size_t L = j * q->stride, Ln = ((j + 4) % q->nq) * q->stride;
    const kb *w = &p->wires_lde[L * ZP_WIRES];
    const kb *sig = &p->c->pre_lde[L * ZP_NUM_PREPROCESSED + ZP_NUM_SELECTORS + ZP_CONSTS];
    const kb *pm = &p->perm_lde[L * ZP_NUM_PERM_COLS];
    const kb *pmn = &p->perm_lde[Ln * ZP_NUM_PERM_COLS];
    unsigned t = NUM_GATE_TERMS;
    kb x = q->xs[j];
    kb4 z = ext_of(pm);
    kb4 acc = kb4_mul(q->apow[t++], kb4_mul_base(kb4_sub(z, kb4_one()), q->l0[j]));
    for (unsigned ch = 0; ch < ZP_PERM_CHUNKS; ch++) {
        /* chunk ch's factors: gamma + w_i + beta k_i x over gamma + w_i + beta sig_i */
        unsigned i = ZP_PERM_CHUNK * ch;
        kb4 base = add_base(p->gamma, w[i]);
        kb4 nu = kb4_add(base, kb4_mul_base(q->bk[i], x));
        kb4 de = kb4_add(base, kb4_mul_base(p->beta, sig[i]));
        for (i++; i < ZP_PERM_CHUNK * (ch + 1) && i < ZP_ROUTED; i++) {
            base = add_base(p->gamma, w[i]);
            nu = kb4_mul(nu, kb4_add(base, kb4_mul_base(q->bk[i], x)));
            de = kb4_mul(de, kb4_add(base, kb4_mul_base(p->beta, sig[i])));
        }
        kb4 cur = ext_of(pm + 4 * ch);
        kb4 nxt = ch + 1 < ZP_PERM_CHUNKS ? ext_of(pm + 4 * (ch + 1)) : ext_of(pmn);
        kb4 term = kb4_sub(kb4_mul(nxt, de), kb4_mul(cur, nu));
        acc = kb4_add(acc, kb4_mul(q->apow[t++], term));
    }
    return acc;
}

/* Points [begin, end) in blocks of 16: the constraints' sum (16 lanes with
 * AVX-512, else the permutation and gate parts one point at a time), times
 * 1 / Z_H. */
static void quot_range(void *vctx, size_t begin, size_t end)
{
    quot_ctx *q = vctx;
    const prover *p = q->p;
    kb perm[4][16];
    for (size_t j0 = begin; j0 < end; j0 += 16) {
        size_t nb = end - j0 < 16 ? end - j0 : 16;
        int lanes = 0;
#if defined(__x86_64__)
        if (q->avx512) {
            quot_block16(q, j0, end, perm);
            lanes = 1;
        }
#endif
        for (size_t l = 0; l < nb && !lanes; l++) {
            kb4 v = quot_perm(q, j0 + l);
            for (int k = 0; k < 4; k++)
                perm[k][l] = v.c[k];
        }
        for (size_t l = 0; l < nb; l++) {
            size_t j = j0 + l, L = j * q->stride;
            kb4 acc = {{perm[0][l], perm[1][l], perm[2][l], perm[3][l]}};
            if (!lanes) /* quot_block16 added the gate part already */
                acc = kb4_add(acc, quot_gates(q, &p->wires_lde[L * ZP_WIRES],
                                              &p->c->pre_lde[L * ZP_NUM_PREPROCESSED]));
            kb4 qv = kb4_mul_base(acc, q->zh_inv[j % 4]);
            memcpy(&q->out[j * 4], qv.c, sizeof qv.c);
        }
    }
}

/* The quotient domain's points x_j = g wq^j and L_0(x_j) (x_j^n - 1), where
 * L_0(x) = (x^n - 1) / (n (x - 1)) (x - 1 is never 0 on the coset), in parts of
 * L0_PART points run in parallel, each with its own batch inversion: the same
 * field values as one pass. */
#define L0_PART 4096

typedef struct l0_ctx {
    kb *xs, *l0, *scr;
    kb g, w, nn, zh[4];
    size_t n;
} l0_ctx;

static void l0_range(void *vctx, size_t begin, size_t end)
{
    const l0_ctx *c = vctx;
    for (size_t k = begin; k < end; k++) {
        size_t lo = k * L0_PART, len = c->n - lo < L0_PART ? c->n - lo : L0_PART;
        kb x = kb_mul(c->g, kb_pow(c->w, lo));
        for (size_t j = lo; j < lo + len; j++, x = kb_mul(x, c->w)) {
            c->xs[j] = x;
            c->l0[j] = kb_mul(c->nn, kb_sub(x, KB_ONE));
        }
        kb_batch_inv(c->l0 + lo, c->l0 + lo, len, c->scr + lo);
        for (size_t j = lo; j < lo + len; j++)
            c->l0[j] = kb_mul(c->l0[j], c->zh[j % 4]);
    }
}

/* The quotient's values on g H_{4n} (quot_range), then its coefficients. */
static int quotient_values(prover *p, const kb4 *apow, kb *out)
{
    size_t n = p->n, nq = 4 * n;
    unsigned log_q = p->log_n + 2;
    kb *xs = TAKE(p, nq * sizeof *xs);
    kb *l0 = TAKE(p, nq * sizeof *l0), *scr = TAKE(p, nq * sizeof *scr);
    quot_ctx *q = malloc(sizeof *q);
    if (!xs || !l0 || !scr || !q) {
        GIVE(p, xs);
        GIVE(p, l0);
        GIVE(p, scr);
        free(q);
        return zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (quotient)");
    }
    kb wq = kb_root_of_unity(log_q);
    kb zh[4];
    /* x^n - 1 takes four values on the coset (x^n = (g wq^j)^n has period 4 in j) */
    for (int i = 0; i < 4; i++)
        zh[i] = kb_sub(kb_pow(kb_mul(p->g, kb_pow(wq, (uint64_t)i)), n), KB_ONE);
    l0_ctx lc = {.xs = xs, .l0 = l0, .scr = scr, .g = p->g, .w = wq, .nn = kb_from_u64(n), .n = nq};
    memcpy(lc.zh, zh, sizeof zh);
    zk_par_for((nq + L0_PART - 1) / L0_PART, 1, l0_range, &lc);
    *q = (quot_ctx){.p = p,
                    .nq = nq,
                    .stride = (size_t)1 << (p->b - 2),
                    .apow = apow,
                    .l0 = l0,
                    .xs = xs,
                    .out = out,
                    .avx512 = kb_simd_level() >= 2};
    for (unsigned t = 0; t < NUM_GATE_TERMS; t++)
        for (unsigned k = 0; k < 4; k++)
            q->plane[k][t] = apow[t].c[k];
    kb ki = KB_ONE;
    for (int i = 0; i < ZP_ROUTED; i++, ki = kb_mul(ki, p->g))
        q->bk[i] = kb4_mul_base(p->beta, ki);
    for (int i = 0; i < 4; i++)
        q->zh_inv[i] = kb_inv(zh[i]);
    GIVE(p, scr);
    zk_par_for(nq, 256, quot_range, q);
    free(q);
    GIVE(p, l0);
    GIVE(p, xs);
    return ntt_coset_inverse(p->c->plan, out, log_q, 4, NTT_ROW_MAJOR, p->g, NTT_NATURAL);
}

/* The quotient on g H_{4n}, its chunks' coefficients and (CPU) their LDE; the
 * device path evaluates the chunks as it commits them (zpg_commit_quotient). */
static int quotient(prover *p)
{
    size_t n = p->n, nq = 4 * n;
    kb4 apow[NUM_TERMS];
    if (zp_gate_total_constraints() != NUM_GATE_TERMS)
        return zk_err_set(ZK_ERR_INTERNAL, "prover: the gate set has %u constraints, expected %d",
                          zp_gate_total_constraints(), NUM_GATE_TERMS);
    apow[0] = kb4_one();
    for (int i = 1; i < NUM_TERMS; i++)
        apow[i] = kb4_mul(apow[i - 1], p->alpha);
    kb *out = TAKE(p, nq * 4 * sizeof *out);
    if (!out)
        return zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (quotient)");
    int rc = p->dev ? zpg_quotient(p->dev, apow, p->beta, p->gamma, p->pi_hash, out)
                    : quotient_values(p, apow, out);
    if (rc) {
        GIVE(p, out);
        return rc;
    }
    for (size_t i = 3 * n * 4; i < nq * 4 && !p->cheat; i++) {
        if (!kb_is_zero(out[i])) {
            GIVE(p, out);
            return zk_err_set(ZK_ERR_INTERNAL,
                              "prover: the quotient has degree >= 3n (the constraints do not "
                              "vanish on the trace domain)");
        }
    }
    p->q_coeffs = TAKE(p, n * ZP_NUM_QUOTIENT_COLS * sizeof(kb));
    if (!p->q_coeffs) {
        GIVE(p, out);
        return zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (quotient)");
    }
    for (unsigned ch = 0; ch < ZP_QUOTIENT_CHUNKS; ch++)
        for (size_t r = 0; r < n; r++)
            for (unsigned cc = 0; cc < 4; cc++)
                p->q_coeffs[r * ZP_NUM_QUOTIENT_COLS + 4 * ch + cc] = out[(ch * n + r) * 4 + cc];
    GIVE(p, out);
    if (p->dev) /* evaluated on the device as it is committed */
        return ZK_OK;
    p->q_lde = TAKE(p, p->nl * ZP_NUM_QUOTIENT_COLS * sizeof(kb));
    if (!p->q_lde)
        return zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (quotient)");
    return ntt_lde_coeffs(p->c->plan, p->q_lde, p->q_coeffs, p->log_n, p->log_lde - p->log_n,
                          ZP_NUM_QUOTIENT_COLS, NTT_ROW_MAJOR, p->g);
}

typedef struct bary_ctx {
    const kb *m; /* n x width, row-major */
    size_t n, width;
    size_t cols;  /* the first cols columns are evaluated */
    const kb *wt; /* barycentric weights as four planes: wt_r's c[k] at wt[k * n + r] */
    size_t part_rows;
    kb4 *part; /* one row of cols partial sums per part */
} bary_ctx;

/* The rows are split into parts summed in parallel (field sums are exact, so the
 * order does not change the values). A part goes through its rows BARY_ROWS at a
 * time: that block of rows is contiguous (88 KiB for 173 columns) and stays in
 * L2 while its columns are copied BARY_COLS at a time into columns side by side
 * (in L1), each then four kb_vec_dot4 sums with the weight planes. (Going column
 * block by column block over all rows read the whole matrix once per 16 columns,
 * with a stride of a row.) */
#define BARY_COLS  16
#define BARY_ROWS  128
#define BARY_PARTS 32
_Static_assert(ZP_WIRES >= ZP_NUM_PREPROCESSED && ZP_WIRES >= ZP_NUM_PERM_COLS,
               "openings(): the partial sums are sized for the wire matrix");

static void bary_range(void *vctx, size_t begin, size_t end)
{
    bary_ctx *b = vctx;
    kb buf[BARY_COLS][BARY_ROWS];
    const kb *w = b->wt;
    size_t n = b->n, cols = b->cols;
    for (size_t k = begin; k < end; k++) {
        kb4 *acc = b->part + k * cols;
        for (size_t j = 0; j < cols; j++)
            acc[j] = kb4_zero();
        size_t r_end = (k + 1) * b->part_rows < n ? (k + 1) * b->part_rows : n;
        for (size_t r0 = k * b->part_rows; r0 < r_end; r0 += BARY_ROWS) {
            size_t nr = r_end - r0 < BARY_ROWS ? r_end - r0 : BARY_ROWS;
            for (size_t c0 = 0; c0 < cols; c0 += BARY_COLS) {
                size_t nc = cols - c0 < BARY_COLS ? cols - c0 : BARY_COLS;
                for (size_t r = 0; r < nr; r++) {
                    const kb *src = b->m + (r0 + r) * b->width + c0;
                    for (size_t j = 0; j < nc; j++)
                        buf[j][r] = src[j];
                }
                for (size_t j = 0; j < nc; j++) {
                    kb4 part;
                    kb_vec_dot4(part.c, buf[j], w + r0, w + n + r0, w + 2 * n + r0, w + 3 * n + r0,
                                nr);
                    acc[c0 + j] = kb4_add(acc[c0 + j], part);
                }
            }
        }
    }
}

/* The weights' coefficients as four planes of n (for kb_vec_dot4). */
static void bary_planes(kb *pl, const kb4 *wt, size_t n)
{
    for (size_t r = 0; r < n; r++)
        for (unsigned k = 0; k < 4; k++)
            pl[k * n + r] = wt[r].c[k];
}

/* Weights wt_r = (z^n - 1)/n * w^r / (z - w^r), so that f(z) = sum_r f(w^r) wt_r;
 * in parts of BW_PART rows run in parallel, each with its own batch inversion
 * (the same field values as one pass). */
#define BW_PART 4096

typedef struct bw_ctx {
    kb4 *wt, *scr;
    kb4 z, s;
    kb w;
    size_t n;
} bw_ctx;

static void bw_range(void *vctx, size_t begin, size_t end)
{
    const bw_ctx *c = vctx;
    for (size_t k = begin; k < end; k++) {
        size_t lo = k * BW_PART, len = c->n - lo < BW_PART ? c->n - lo : BW_PART;
        kb x0 = kb_pow(c->w, lo), x = x0;
        for (size_t r = lo; r < lo + len; r++, x = kb_mul(x, c->w))
            c->wt[r] = kb4_sub(c->z, kb4_from_base(x));
        kb4_batch_inv(c->wt + lo, c->wt + lo, len, c->scr + lo);
        x = x0;
        for (size_t r = lo; r < lo + len; r++, x = kb_mul(x, c->w))
            c->wt[r] = kb4_mul(kb4_mul_base(c->wt[r], x), c->s);
    }
}

static int bary_weights(kb4 *wt, const prover *p, kb4 z)
{
    kb4 *scr = TAKE(p, p->n * sizeof *scr);
    if (!scr)
        return zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (openings)");
    bw_ctx c = {.wt = wt,
                .scr = scr,
                .z = z,
                .s = kb4_mul_base(kb4_sub(kb4_pow(z, p->n), kb4_one()), kb_inv(kb_from_u64(p->n))),
                .w = kb_root_of_unity(p->log_n),
                .n = p->n};
    zk_par_for((p->n + BW_PART - 1) / BW_PART, 1, bw_range, &c);
    GIVE(p, scr);
    return ZK_OK;
}

/* out[c] = sum_r m[r][c] wt_r for the first cols of width columns; part holds
 * BARY_PARTS x cols values. */
static void bary(kb4 *out, const kb *m, size_t n, size_t width, size_t cols, const kb *wt,
                 kb4 *part)
{
    size_t blocks = (n + BARY_ROWS - 1) / BARY_ROWS;
    size_t parts = blocks < BARY_PARTS ? blocks : BARY_PARTS;
    size_t per = (blocks + parts - 1) / parts;
    bary_ctx b = {.m = m,
                  .n = n,
                  .width = width,
                  .cols = cols,
                  .wt = wt,
                  .part_rows = per * BARY_ROWS,
                  .part = part};
    zk_par_for(parts, 1, bary_range, &b);
    for (size_t c = 0; c < cols; c++) {
        kb4 acc = kb4_zero();
        for (size_t k = 0; k < parts; k++)
            acc = kb4_add(acc, part[k * cols + c]);
        out[c] = acc;
    }
}

/* The openings at zeta (and Z's at zeta_next); the quotient chunks' by Horner on
 * their coefficients, the rest by barycentric sums on H (the device path's
 * zpg_open computes the same sums). */
/* The quotient chunks at zeta by Horner, in HORNER_PARTS pieces of rows run in
 * parallel (the 12 columns' chains side by side in each), then joined by Horner
 * over the pieces with zeta^len: the same field values as one Horner a column
 * (on the device path too: this is the host's only pass over n rows there). */
#define HORNER_PARTS 64

typedef struct horner_ctx {
    const kb *q; /* n x ZP_NUM_QUOTIENT_COLS */
    size_t len;  /* rows per piece */
    kb4 zeta;
    kb4 part[HORNER_PARTS][ZP_NUM_QUOTIENT_COLS];
} horner_ctx;

static void horner_range(void *vctx, size_t begin, size_t end)
{
    horner_ctx *h = vctx;
    for (size_t k = begin; k < end; k++) {
        kb4 acc[ZP_NUM_QUOTIENT_COLS];
        for (unsigned col = 0; col < ZP_NUM_QUOTIENT_COLS; col++)
            acc[col] = kb4_zero();
        for (size_t r = (k + 1) * h->len; r-- > k * h->len;) {
            const kb *row = &h->q[r * ZP_NUM_QUOTIENT_COLS];
            for (unsigned col = 0; col < ZP_NUM_QUOTIENT_COLS; col++)
                acc[col] = kb4_add(kb4_mul(acc[col], h->zeta), kb4_from_base(row[col]));
        }
        memcpy(h->part[k], acc, sizeof acc);
    }
}

static void quotient_at_zeta(const prover *p, kb4 *out)
{
    horner_ctx h = {.q = p->q_coeffs, .zeta = p->zeta}; /* 12 KiB */
    size_t parts = p->n >= HORNER_PARTS * 64 ? HORNER_PARTS : 1;
    h.len = p->n / parts;
    zk_par_for(parts, 1, horner_range, &h);
    kb4 step = kb4_pow(p->zeta, h.len);
    for (unsigned col = 0; col < ZP_NUM_QUOTIENT_COLS; col++) {
        kb4 acc = kb4_zero();
        for (size_t k = parts; k-- > 0;)
            acc = kb4_add(kb4_mul(acc, step), h.part[k][col]);
        out[col] = acc;
    }
}

static int openings(prover *p)
{
    kb4 *o = p->open;
    quotient_at_zeta(p, o + ZP_NUM_PREPROCESSED + ZP_WIRES + ZP_NUM_PERM_COLS);
    if (p->dev)
        return zpg_open(p->dev, p->zeta, p->zeta_next, o);
    kb4 *wt = TAKE(p, p->n * sizeof *wt);
    kb *pl = TAKE(p, 4 * p->n * sizeof *pl);
    kb4 *part = TAKE(p, BARY_PARTS * ZP_WIRES * sizeof *part); /* the widest matrix */
    if (!wt || !pl || !part) {
        GIVE(p, wt);
        GIVE(p, pl);
        GIVE(p, part);
        return zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (openings)");
    }
    int rc = bary_weights(wt, p, p->zeta);
    if (rc)
        goto done;
    bary_planes(pl, wt, p->n);
    bary(o, p->c->pre_h, p->n, ZP_NUM_PREPROCESSED, ZP_NUM_PREPROCESSED, pl, part);
    bary(o + ZP_NUM_PREPROCESSED, p->trace, p->n, ZP_WIRES, ZP_WIRES, pl, part);
    bary(o + ZP_NUM_PREPROCESSED + ZP_WIRES, p->perm_h, p->n, ZP_NUM_PERM_COLS, ZP_NUM_PERM_COLS,
         pl, part);
    rc = bary_weights(wt, p, p->zeta_next);
    if (!rc) {
        /* Z's four columns are the first four of the permutation matrix */
        bary_planes(pl, wt, p->n);
        bary(o + ZP_NUM_OPENINGS, p->perm_h, p->n, ZP_NUM_PERM_COLS, 4, pl, part);
    }
done:
    GIVE(p, wt);
    GIVE(p, pl);
    GIVE(p, part);
    return rc;
}

typedef struct deep_ctx {
    const prover *p;
    const kb4 *apow;              /* ZP_NUM_OPENINGS + 4 */
    kb plane[4][ZP_NUM_OPENINGS]; /* apow[t].c[k] at plane[k][t], for kb_vec_dot4 */
    kb4 s1, s2;                   /* sum a^t f_t(zeta), sum a^(273+k) z_k(w zeta) */
    kb4 *out;                     /* out: N values */
    const kb *const *mats;
    const size_t *widths;
} deep_ctx;

/* Rows per block of deep_range: the block's numerators, denominators and the batch
 * inversion's scratch (3 x 2 x DEEP_BLOCK extension elements, 24 KiB) stay in L1. */
#define DEEP_BLOCK 256

static void deep_block(const deep_ctx *d, size_t begin, size_t end)
{
    const prover *p = d->p;
    kb row[ZP_NUM_OPENINGS];
    kb4 f[2 * DEEP_BLOCK], den[2 * DEEP_BLOCK], scr[2 * DEEP_BLOCK];
    for (size_t L = begin; L < end; L++) {
        kb4 a1, a2 = kb4_zero();
        /* the row's 273 values side by side, then four dot products with the planes */
        size_t t = 0;
        for (int m = 0; m < 4; m++) {
            memcpy(row + t, d->mats[m] + L * d->widths[m], d->widths[m] * sizeof(kb));
            t += d->widths[m];
        }
        kb_vec_dot4(a1.c, row, d->plane[0], d->plane[1], d->plane[2], d->plane[3], ZP_NUM_OPENINGS);
        const kb *z = p->perm_lde + L * ZP_NUM_PERM_COLS;
        for (unsigned k = 0; k < 4; k++)
            a2 = kb4_add(a2, kb4_mul_base(d->apow[ZP_NUM_OPENINGS + k], z[k]));
        f[2 * (L - begin)] = kb4_sub(a1, d->s1);
        f[2 * (L - begin) + 1] = kb4_sub(a2, d->s2);
    }
    /* the block's denominators x - zeta, x - w zeta, inverted together (one
     * inversion per block; inverses are unique, so the split changes no value) */
    kb wN = kb_root_of_unity(p->log_lde);
    kb x = kb_mul(p->g, kb_pow(wN, begin));
    for (size_t i = 0; i < end - begin; i++, x = kb_mul(x, wN)) {
        den[2 * i] = kb4_sub(kb4_from_base(x), p->zeta);
        den[2 * i + 1] = kb4_sub(kb4_from_base(x), p->zeta_next);
    }
    kb4_batch_inv(den, den, 2 * (end - begin), scr);
    for (size_t i = 0; i < end - begin; i++)
        d->out[begin + i] =
            kb4_add(kb4_mul(f[2 * i], den[2 * i]), kb4_mul(f[2 * i + 1], den[2 * i + 1]));
}

static void deep_range(void *vctx, size_t begin, size_t end)
{
    for (size_t b = begin; b < end; b += DEEP_BLOCK)
        deep_block(vctx, b, end - b < DEEP_BLOCK ? end : b + DEEP_BLOCK);
}

/* F = (sum a^t (f_t - f_t(zeta))) / (x - zeta) + (sum a^(273+k) (z_k - z_k(w zeta))) / (x - w
 * zeta). */
static int deep(prover *p, kb4 **out)
{
    size_t nl = p->nl;
    kb4 apow[ZP_NUM_OPENINGS + 4];
    apow[0] = kb4_one();
    for (int i = 1; i < ZP_NUM_OPENINGS + 4; i++)
        apow[i] = kb4_mul(apow[i - 1], p->deep);
    kb4 s1 = kb4_zero(), s2 = kb4_zero();
    for (unsigned t = 0; t < ZP_NUM_OPENINGS; t++)
        s1 = kb4_add(s1, kb4_mul(apow[t], p->open[t]));
    for (unsigned k = 0; k < 4; k++)
        s2 = kb4_add(s2, kb4_mul(apow[ZP_NUM_OPENINGS + k], p->open[ZP_NUM_OPENINGS + k]));
    if (p->dev) {
        *out = NULL; /* F stays on the device for zpg_fri */
        return zpg_deep(p->dev, apow, s1, s2, p->zeta, p->zeta_next, NULL);
    }
    kb4 *f = TAKE(p, nl * sizeof *f);
    if (!f)
        return zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (DEEP)");
    const kb *mats[4] = {p->c->pre_lde, p->wires_lde, p->perm_lde, p->q_lde};
    size_t widths[4] = {ZP_NUM_PREPROCESSED, ZP_WIRES, ZP_NUM_PERM_COLS, ZP_NUM_QUOTIENT_COLS};
    deep_ctx d = {
        .p = p, .apow = apow, .s1 = s1, .s2 = s2, .out = f, .mats = mats, .widths = widths};
    for (unsigned t = 0; t < ZP_NUM_OPENINGS; t++)
        for (unsigned k = 0; k < 4; k++)
            d.plane[k][t] = apow[t].c[k];
    zk_par_for(nl, 1024, deep_range, &d);
    *out = f;
    return ZK_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorted distinct copy of q[0..n); returns the count. */
static size_t unique_sorted(size_t *out, const uint32_t *q, size_t n)
{
    uint32_t tmp[FRI_MAX_QUERIES];
    memcpy(tmp, q, n * sizeof *q);
    qsort(tmp, n, sizeof *tmp, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || out[u - 1] != tmp[i])
            out[u++] = tmp[i];
    return u;
}

static int encode_tree_openings(cd_writer *wr, const mt_tree *t, const size_t *idx, size_t u)
{
    size_t row_len = mt_row_len(t);
    size_t sib_cap = u * mt_path_len(t) + 1, nsib = 0;
    kb *rows = malloc(u * row_len * sizeof *rows);
    p2_digest *sib = malloc(sib_cap * sizeof *sib);
    int rc = ZK_OK;
    if (!rows || !sib)
        rc = zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (openings)");
    if (!rc)
        rc = mt_open_batch(t, idx, u, rows, u * row_len, sib, sib_cap, &nsib);
    if (!rc) {
        cd_put_u32(wr, (uint32_t)u);
        cd_put_kbs(wr, rows, u * row_len);
        cd_put_u32(wr, (uint32_t)nsib);
        cd_put_digests(wr, sib, nsib);
    }
    free(rows);
    free(sib);
    return rc;
}

static void prover_free(prover *p)
{
    /* The wires' LDE is the witness in another basis (an inverse NTT gives the trace
     * back). Freed, its mapping went back to the kernel; a pool keeps it in this
     * process for the next proof, so under zk it is wiped like the trace. */
    if (p->c->zk && p->pool && p->wires_lde)
        OPENSSL_cleanse(p->wires_lde, p->nl * ZP_WIRES * sizeof(kb));
    GIVE(p, p->trace);
    GIVE(p, p->wires_lde);
    GIVE(p, p->perm_h);
    GIVE(p, p->perm_lde);
    GIVE(p, p->q_coeffs);
    GIVE(p, p->q_lde);
    for (int i = 0; i < 3; i++) {
        if (p->salt[i])
            OPENSSL_cleanse(p->salt[i], p->nl * ZP_SALT * sizeof(kb));
        GIVE(p, p->salt[i]);
    }
    for (int i = 1; i < 4; i++)
        mt_free(p->tree[i]); /* before zpg_free: adopted trees read rows from its buffers */
    zpg_free(p->dev);
}

/* Random rows for zero knowledge: no-op rows with random wires, and pairs of
 * rows whose routed wires are equal (they are copies of each other). */
static int zk_rows(prover *p, const zp_prove_opts *o)
{
    const cb_circuit *c = p->c;
    int rc = rand_elems(o, &p->trace[c->zk_rand_row * ZP_WIRES],
                        (c->zk_rand_rows + 2 * c->zk_pairs) * ZP_WIRES);
    for (size_t i = 0; i < c->zk_pairs && !rc; i++) {
        size_t a = c->zk_pair_row + 2 * i;
        memcpy(&p->trace[(a + 1) * ZP_WIRES], &p->trace[a * ZP_WIRES], ZP_ROUTED * sizeof(kb));
    }
    return rc;
}

size_t zp_prove_device_bytes(const cb_circuit *c)
{
    return zpg_bytes_needed(c);
}

/* Malloc's and the small buffers' share on top of the columns counted below. */
#define HOST_MARGIN ((size_t)16 << 20)

size_t zp_prove_host_bytes(const cb_circuit *c, const zp_backend *b)
{
    if (!c)
        return 0;
    size_t n = (size_t)1 << c->log_n, N = n << c->fri.log_blowup;
    size_t dig = sizeof(p2_digest) / sizeof(kb);
    /* The witness's values and flags (cb_witness_new's zeroed pages, which
     * cb_witness_solve fills during the proof: not taken yet when the memory
     * available is read, 95 values a row in a hash chain, 4% of a blowup-4 proof). */
    size_t wit = (size_t)(c->nclasses ? c->nclasses : 1) * (sizeof(kb) + 1) + c->gate_rows;
    if (b && zp_backend_used(b) == ZP_BACKEND_CUDA) /* the trace is the backend's */
        return (n * ZP_NUM_QUOTIENT_COLS + 4 * n * 4) * sizeof(kb) + wit + HOST_MARGIN;
    /* Two peaks. At the quotient's LDE: the trace and the permutation columns on H,
     * the quotient's coefficients, the wire, permutation and quotient LDEs, two trees
     * of 2N digests and their salts (the quotient values' scratch on 4n points is
     * given back before). At DEEP or FRI: the same without the columns on H (given
     * back after the openings), with the third tree and salt. */
    size_t quot = n * (ZP_WIRES + ZP_NUM_PERM_COLS + ZP_NUM_QUOTIENT_COLS) +
                  N * (ZP_WIRES + ZP_NUM_PERM_COLS + ZP_NUM_QUOTIENT_COLS) +
                  (c->zk ? 2 * N * ZP_SALT : 0) + 2 * 2 * N * dig;
    size_t held = n * ZP_NUM_QUOTIENT_COLS +
                  N * (ZP_WIRES + ZP_NUM_PERM_COLS + ZP_NUM_QUOTIENT_COLS) +
                  (c->zk ? 3 * N * ZP_SALT : 0) + 3 * 2 * N * dig;
    /* On top of held: F (N extension elements; DEEP's own scratch is per block, on
     * the stack) beside FRI's layers (each layer's matrix and tree are kept for the
     * queries; one folded layer at a time). The permutation's per-row products come
     * before any tree and are smaller. */
    size_t fri = N * 4;
    fri_schedule s;
    if (fri_schedule_make(&s, &c->fri, c->log_n) == ZK_OK) {
        size_t fold = 0;
        for (unsigned i = 0; i < s.nlayers; i++) {
            size_t m = (size_t)1 << s.log_size[i], rows = m >> s.arity_bits[i];
            fri += m * 4 + 2 * rows * dig;
            if (rows * 4 > fold)
                fold = rows * 4;
        }
        fri += fold;
    } else {
        fri += 8 * N + 2 * N * dig; /* arity 2's sums, an upper bound for any arity */
    }
    size_t end = held + fri;
    size_t bytes = (quot > end ? quot : end) * sizeof(kb);
    bytes += wit;
    return bytes + bytes / 32 + HOST_MARGIN; /* and page tables, rounding: 3% */
}

static double gib(size_t b)
{
    return (double)b / (double)((size_t)1 << 30);
}

/* Refuses, with the figures, a proof that would take more memory than the machine
 * (or opts->mem_limit) has: better than the OOM killer halfway through. */
static int check_host_memory(const cb_circuit *c, const zp_prove_opts *opts)
{
    zp_backend *b = opts ? opts->backend : NULL;
    size_t need = zp_prove_host_bytes(c, b);
    size_t avail = opts && opts->mem_limit ? opts->mem_limit : zk_mem_available();
    zp_hostpool *pool = zp_backend_pool(b);
    if (!(opts && opts->mem_limit) && avail && need > avail && zp_hostpool_idle(pool)) {
        /* The pool's idle blocks count as used, and they may not fit this proof's
         * sizes (a block serves requests of half its size or more): give them back
         * to the system and look again, rather than count them as free. */
        zp_hostpool_trim(pool);
        avail = zk_mem_available();
    }
    if (avail == 0 || need <= avail)
        return ZK_OK;
    return zk_err_set(ZK_ERR_NOMEM,
                      "prover: this proof needs about %.2f GiB of memory (a 2^%u-row trace, its "
                      "LDE on 2^%u rows over %u columns) and %.2f GiB is available%s; prove it "
                      "on a machine with more memory, with --backend cuda, or as smaller batches",
                      gib(need), c->log_n, c->log_n + c->fri.log_blowup,
                      ZP_WIRES + ZP_NUM_PERM_COLS + ZP_NUM_QUOTIENT_COLS, gib(avail),
                      opts && opts->mem_limit ? " (the limit set)" : "");
}

int zp_prove(const cb_circuit *c, cb_witness *w, const zp_prove_opts *opts, zk_buf *proof,
             kb *public_inputs)
{
    if (!c || !w || !proof)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zp_prove: NULL argument");
    zp_prove_stats st;
    memset(&st, 0, sizeof st);
    double t0 = now(), t = t0;
    prover p;
    memset(&p, 0, sizeof p);
    p.c = c;
    p.pool = opts ? zp_backend_pool(opts->backend) : NULL;
    p.log_n = c->log_n;
    p.b = c->fri.log_blowup;
    p.log_lde = p.log_n + p.b;
    p.n = (size_t)1 << p.log_n;
    p.nl = (size_t)1 << p.log_lde;
    p.g = kb_from_canonical(KB_GENERATOR);
    kb *pi = malloc((c->npi ? c->npi : 1) * sizeof *pi);
    kb4 *f = NULL;
    fri_prover *fp = NULL;
    fri_proof fproof;
    memset(&fproof, 0, sizeof fproof);
    gpu_ctx *gpu = opts ? zp_backend_gpu(opts->backend) : NULL;
    size_t proof_len0 = proof->len; /* a failed proof appends nothing */
    int rc = check_host_memory(c, opts);
    if (!rc && gpu)
        rc = zpg_new(&p.dev, gpu, c);
    if (rc)
        goto done;
    /* on the device path the trace lives in the context's pinned staging buffer */
    p.trace = gpu ? zpg_host_trace(p.dev) : TAKE(&p, p.n * ZP_WIRES * sizeof(kb));
    p.wires_lde = gpu ? NULL : TAKE(&p, p.nl * ZP_WIRES * sizeof(kb));
    if (!pi || !p.trace || (!gpu && !p.wires_lde)) {
        rc = zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (%zu-row trace)", p.n);
        goto done;
    }
    /* The device path's staging buffer is kept between proofs, and the rows from
     * zero on hold zeros: the solver leaves them (half a hash chain's trace). The
     * host path's trace may hold anything (a pooled block). */
    size_t zero = p.dev ? zpg_host_trace_zero(p.dev) : SIZE_MAX;
    rc = cb_witness_solve_rows(w, p.trace, pi, zero);
    if (!rc && c->zk)
        rc = zk_rows(&p, opts);
    if (!rc && opts && opts->tamper) {
        opts->tamper(opts->tamper_ctx, p.trace, p.n);
        p.cheat = 1;
    }
    if (p.dev) {
        /* What holds zeros now: after a clean solve, everything from the rows the
         * proof writes on (the solver zeroed the rest below n); after a failure, a
         * tamper (which may write any row) or rows beyond n that were not zero,
         * only what held zeros before and was not written. */
        size_t dirty = p.cheat ? p.n : cb_circuit_written_rows(c), now = dirty;
        if ((rc || p.cheat || zero > p.n) && zero > dirty)
            now = zero;
        zpg_host_trace_set_zero(p.dev, now);
    }
    if (rc)
        goto done;
    p2_digest h;
    zp_public_input_hash(&h, pi, c->npi);
    memcpy(p.pi_hash, h.v, sizeof p.pi_hash);
    st.witness = now() - t;

    tr_state tr;
    tr_init(&tr);
    tr_observe_digest(&tr, &c->vk.digest);
    tr_observe_digest(&tr, &h);

    t = now();
    if (p.dev) {
        rc = make_salt(&p, 1, opts);
        if (!rc)
            rc = zpg_commit_wires(p.dev, p.trace, p.salt[0], cap_log_of(&p), &p.tree[1]);
    } else {
        rc = ntt_lde(c->plan, p.wires_lde, p.trace, p.log_n, p.b, ZP_WIRES, NTT_ROW_MAJOR, p.g);
        st.lde += now() - t;
        t = now();
        if (!rc)
            rc = build_tree(&p, 1, p.wires_lde, ZP_WIRES, opts);
    }
    st.commit += now() - t;
    if (rc)
        goto done;
    observe_cap(&tr, p.tree[1]);
    p.beta = tr_sample_ext(&tr);
    p.gamma = tr_sample_ext(&tr);

    t = now();
    if (p.dev) {
        kb4 zf;
        rc = zpg_permutation(p.dev, p.beta, p.gamma, &zf);
        if (!rc && !kb4_eq(zf, kb4_one()) && !p.cheat)
            rc = zk_err_set(ZK_ERR_INTERNAL,
                            "prover: the permutation product is not 1 (copy constraints broken)");
    } else {
        rc = permutation(&p);
    }
    st.perm = now() - t;
    if (rc)
        goto done;
    t = now();
    if (p.dev) {
        rc = make_salt(&p, 2, opts);
        if (!rc)
            rc = zpg_commit_perm(p.dev, p.salt[1], cap_log_of(&p), &p.tree[2]);
    } else {
        p.perm_lde = TAKE(&p, p.nl * ZP_NUM_PERM_COLS * sizeof(kb));
        if (!p.perm_lde) {
            rc = zk_err_set(ZK_ERR_NOMEM, "prover: out of memory (permutation LDE)");
            goto done;
        }
        rc = ntt_lde(c->plan, p.perm_lde, p.perm_h, p.log_n, p.b, ZP_NUM_PERM_COLS, NTT_ROW_MAJOR,
                     p.g);
        st.lde += now() - t;
        t = now();
        if (!rc)
            rc = build_tree(&p, 2, p.perm_lde, ZP_NUM_PERM_COLS, opts);
    }
    st.commit += now() - t;
    if (rc)
        goto done;
    observe_cap(&tr, p.tree[2]);
    p.alpha = tr_sample_ext(&tr);

    t = now();
    rc = quotient(&p);
    st.quotient = now() - t;
    t = now();
    if (!rc && p.dev) {
        rc = make_salt(&p, 3, opts);
        if (!rc)
            rc = zpg_commit_quotient(p.dev, p.q_coeffs, p.salt[2], cap_log_of(&p), &p.tree[3]);
    } else if (!rc) {
        rc = build_tree(&p, 3, p.q_lde, ZP_NUM_QUOTIENT_COLS, opts);
    }
    st.commit += now() - t;
    if (rc)
        goto done;
    observe_cap(&tr, p.tree[3]);
    do
        p.zeta = tr_sample_ext(&tr);
    while (kb4_eq(kb4_pow(p.zeta, p.n), kb4_one()));
    p.zeta_next = kb4_mul_base(p.zeta, kb_root_of_unity(p.log_n));

    t = now();
    rc = openings(&p);
    if (rc)
        goto done;
    if (!p.dev) { /* the columns on H are done with: DEEP and FRI's peak is without them */
        if (c->zk)
            OPENSSL_cleanse(p.trace, p.n * ZP_WIRES * sizeof(kb));
        GIVE(&p, p.trace);
        GIVE(&p, p.perm_h);
        p.trace = p.perm_h = NULL;
    }
    for (unsigned i = 0; i < ZP_NUM_OPENINGS + 4; i++)
        tr_observe_ext(&tr, p.open[i]);
    p.deep = tr_sample_ext(&tr);
    rc = deep(&p, &f);
    st.open = now() - t;
    if (rc)
        goto done;

    t = now();
    uint32_t queries[FRI_MAX_QUERIES];
    rc = p.dev ? zpg_fri(p.dev, &tr, &c->fri, &fp, queries)
               : fri_prove_commit(&fp, &tr, &c->fri, p.log_n, f, queries);
    if (!rc)
        rc = fri_prove_finish(fp, &fproof);
    st.fri = now() - t;
    if (rc)
        goto done;

    t = now();
    fri_schedule sched;
    rc = fri_schedule_make(&sched, &c->fri, p.log_n);
    if (rc)
        goto done;
    size_t idx[FRI_MAX_QUERIES];
    size_t u = unique_sorted(idx, queries, c->fri.num_queries);
    size_t start = proof->len;
    cd_writer wr;
    cd_writer_init(&wr, proof);
    cd_put_u32(&wr, ZP_MAGIC);
    cd_put_u32(&wr, ZP_FORMAT_VERSION);
    for (int i = 1; i < 4; i++) {
        size_t len;
        const p2_digest *cap = mt_cap(p.tree[i], &len);
        cd_put_digests(&wr, cap, len);
    }
    cd_put_kb4s(&wr, p.open, ZP_NUM_OPENINGS + 4);
    fri_proof_encode_commit(&wr, &fproof, &sched, &c->fri);
    p.tree[0] = c->t0;
    for (int i = 0; i < 4 && !rc; i++)
        rc = encode_tree_openings(&wr, p.tree[i], idx, u);
    p.tree[0] = NULL;
    if (rc)
        goto done;
    fri_proof_encode_queries(&wr, &fproof, &sched);
    rc = wr.err;
    if (!rc && proof->len - start > ZP_MAX_PROOF_BYTES)
        rc = zk_err_set(ZK_ERR_TOO_LARGE, "prover: proof of %zu bytes exceeds %u",
                        proof->len - start, ZP_MAX_PROOF_BYTES);
    st.queries = now() - t;
    if (!rc && public_inputs)
        memcpy(public_inputs, pi, c->npi * sizeof *pi);
done:
    if (rc)
        proof->len = proof_len0;
    st.total = now() - t0;
    if (opts && opts->stats)
        *opts->stats = st;
    fri_proof_free(&fproof);
    fri_prover_free(fp);
    GIVE(&p, f);
    free(pi);
    if (c->zk && p.trace)
        OPENSSL_cleanse(p.trace, p.n * ZP_WIRES * sizeof(kb));
    if (p.dev)
        p.trace = NULL; /* the context's staging buffer, not ours */
    prover_free(&p);
    return rc;
}
