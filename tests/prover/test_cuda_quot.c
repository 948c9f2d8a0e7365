/* The quotient's device math, compiled as C on the host: prover/cuda/gates.cuh and
 * quot.cuh hold the very functions the quotient kernel runs (ZKC_HD), so checking
 * them here checks the device's values on machines without a GPU.
 *
 *  - every gate type on random rows, rows of small values (0, 1, 2, p - 1) and
 *    rows that satisfy the gate (filled by prover/gate_fill.h): the .cuh
 *    evaluation equals verifier/'s zp_gate_eval_base bit for bit, same count;
 *  - zkc_quot_point at every point j of g H_{4n}, for n = 2^4, 2^5 and blowups 4
 *    and 8 (and one random coset shift), equals a reference written here from
 *    verifier/ (kb4, zp_gate_eval_base) the way prover/plonk_prove.c's quotient()
 *    computes it (batch inverse of n (x - 1), 1 / (x^n - 1) from 4 values);
 *  - on a real circuit with every gate type and its witness (blowups 4 and 8),
 *    the same equality, and the values interpolate to a polynomial of degree < 3n
 *    (the constraints vanish on the trace domain), which fails once one wire of
 *    the trace is changed: a check of the formula itself, not only of its copy;
 *  - the gate sink's lazily reduced sums (accumulate mode) equal the kb4 sum of
 *    the powers times zp_gate_eval_base's values, with powers at p - 1 (the fold
 *    schedule's worst case); x_j and L_0(x_j) at every point;
 *  - the layout constants equal their verifier/ twins, zkc_quot_args_init
 *    refuses sizes out of range and fills beta k_i, root^(2^i) and 1 / n.
 *
 * Inputs are drawn with a printed seed (ZK_TEST_SEED=... replays a run). */
#include "common/error.h"
#include "prover/cuda/gates.cuh"
#include "prover/circuit.h"
#include "prover/circuit_internal.h" /* the preprocessed LDE and the NTT plan */
#include "prover/cuda/quot.cuh"
#include "prover/gate_fill.h"
#include "prover/ntt.h"
#include "tests/prover/cuda_test.h"
#include "tests/test.h"
#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/kb_simd.h" /* the Poseidon2 round constants */
#include "verifier/plonk.h"
#include "verifier/plonk_gates.h"

#define GATE_ROWS 3000

static zkc_p2_consts g_k;

static void test_constants(void)
{
    CHECK_EQ(ZKC_WIRES, ZP_WIRES);
    CHECK_EQ(ZKC_ROUTED, ZP_ROUTED);
    CHECK_EQ(ZKC_CONSTS, ZP_CONSTS);
    CHECK_EQ(ZKC_PI_HASH_LEN, ZP_PI_HASH_LEN);
    CHECK_EQ(ZKC_NGATES, ZP_NGATES);
    CHECK_EQ(ZKC_MAX_CONSTRAINTS, ZP_MAX_GATE_CONSTRAINTS);
    CHECK_EQ(ZKC_GATE_TERMS, zp_gate_total_constraints());
    CHECK_EQ(ZKC_GATE_ARITH, ZP_GATE_ARITH);
    CHECK_EQ(ZKC_GATE_ARITH_EXT, ZP_GATE_ARITH_EXT);
    CHECK_EQ(ZKC_GATE_POSEIDON2, ZP_GATE_POSEIDON2);
    CHECK_EQ(ZKC_GATE_CONSTANT, ZP_GATE_CONSTANT);
    CHECK_EQ(ZKC_GATE_PUBLIC_INPUT, ZP_GATE_PUBLIC_INPUT);
    CHECK_EQ(ZKC_GATE_BITS, ZP_GATE_BITS);
    CHECK_EQ(ZKC_GATE_RANDOM_ACCESS, ZP_GATE_RANDOM_ACCESS);
    CHECK_EQ(ZKC_ARITH_OPS, ZP_ARITH_OPS);
    CHECK_EQ(ZKC_ARITH_EXT_OPS, ZP_ARITH_EXT_OPS);
    CHECK_EQ(ZKC_BITS, ZP_BITS);
    CHECK_EQ(ZKC_RA_BITS, ZP_RA_BITS);
    CHECK_EQ(ZKC_P2_IN, ZP_P2_IN);
    CHECK_EQ(ZKC_P2_OUT, ZP_P2_OUT);
    CHECK_EQ(ZKC_P2_SWAP, ZP_P2_SWAP);
    CHECK_EQ(ZKC_P2_DELTA, ZP_P2_DELTA);
    CHECK_EQ(ZKC_P2_FULL1, ZP_P2_FULL1);
    CHECK_EQ(ZKC_P2_PARTIAL, ZP_P2_PARTIAL);
    CHECK_EQ(ZKC_P2_FULL2, ZP_P2_FULL2);
    CHECK_EQ(ZKC_BITS_VALUE, ZP_BITS_VALUE);
    CHECK_EQ(ZKC_BITS_FIRST, ZP_BITS_FIRST);
    CHECK_EQ(ZKC_RA_INDEX, ZP_RA_INDEX);
    CHECK_EQ(ZKC_RA_OUT, ZP_RA_OUT);
    CHECK_EQ(ZKC_RA_VALUES, ZP_RA_VALUES);
    CHECK_EQ(ZKC_RA_BIT, ZP_RA_BIT_WIRE);
    CHECK_EQ(ZKC_RA_LEVEL1, ZP_RA_LEVEL1);
    CHECK_EQ(ZKC_RA_LEVEL2, ZP_RA_LEVEL2);
    CHECK_EQ(ZKC_RA_LEVEL3, ZP_RA_LEVEL3);
    CHECK_EQ(ZKC_NUM_SELECTORS, ZP_NUM_SELECTORS);
    CHECK_EQ(ZKC_NUM_PREPROCESSED, ZP_NUM_PREPROCESSED);
    CHECK_EQ(ZKC_NUM_SELECTORS + ZKC_CONSTS + ZKC_ROUTED, ZP_NUM_PREPROCESSED);
    CHECK_EQ(ZKC_PERM_CHUNK, ZP_PERM_CHUNK);
    CHECK_EQ(ZKC_PERM_CHUNKS, ZP_PERM_CHUNKS);
    CHECK_EQ(ZKC_NUM_PERM_COLS, ZP_NUM_PERM_COLS);
    CHECK_EQ(ZKC_QUOT_TERMS, zp_gate_total_constraints() + 1 + ZP_PERM_CHUNKS);
    for (unsigned g = 0; g <= ZP_GATE_NOOP + 1; g++)
        CHECK_EQ(zkc_gate_num_constraints(g), zp_gate_num_constraints(g));
}

/* Row kinds for the gate comparison. */
enum { ROW_RANDOM, ROW_SMALL, ROW_SATISFIED, ROW_KINDS };

static kb small_kb(void)
{
    static const uint32_t canon[] = {0, 1, 2, KB_P - 1};
    return kb_from_canonical(canon[t_rand() % 4]);
}

/* A row that satisfies gate g (the gate fillers), with random inputs. */
static void satisfy(unsigned g, kb *w, const kb *c, const kb *pi)
{
    int rc = ZK_OK;
    switch (g) {
    case ZP_GATE_ARITH:
        for (unsigned op = 0; op < ZP_ARITH_OPS && !rc; op++)
            rc = zp_fill_arith_op(w, c, op);
        break;
    case ZP_GATE_ARITH_EXT:
        for (unsigned op = 0; op < ZP_ARITH_EXT_OPS && !rc; op++)
            rc = zp_fill_arith_ext_op(w, c, op);
        break;
    case ZP_GATE_POSEIDON2:
        w[ZP_P2_SWAP] = kb_from_canonical((uint32_t)(t_rand() & 1));
        zp_fill_poseidon2(w);
        break;
    case ZP_GATE_CONSTANT: zp_fill_constant(w, c); break;
    case ZP_GATE_PUBLIC_INPUT: zp_fill_public_input(w, pi); break;
    case ZP_GATE_BITS:
        w[0] = kb_from_canonical((uint32_t)(t_rand() & ((1u << ZP_BITS) - 1)));
        rc = zp_fill_bits(w);
        break;
    case ZP_GATE_RANDOM_ACCESS:
        w[0] = kb_from_canonical((uint32_t)(t_rand() % 16));
        rc = zp_fill_random_access(w);
        break;
    default: break;
    }
    CHECK_OK(rc);
}

/* A row of gate g's inputs of the given kind: small values, random ones, or random
 * ones made to satisfy the gate. */
static void fill_row(unsigned g, int kind, kb *w, kb *c, kb *pi)
{
    for (int i = 0; i < ZP_WIRES; i++)
        w[i] = kind == ROW_SMALL ? small_kb() : ct_rand_kb();
    for (int i = 0; i < ZP_CONSTS; i++)
        c[i] = kind == ROW_SMALL ? small_kb() : ct_rand_kb();
    for (int i = 0; i < ZP_PI_HASH_LEN; i++)
        pi[i] = kind == ROW_SMALL ? small_kb() : ct_rand_kb();
    if (kind == ROW_SATISFIED)
        satisfy(g, w, c, pi);
}

static void test_gates(void)
{
    kb w[ZP_WIRES], c[ZP_CONSTS], pi[ZP_PI_HASH_LEN];
    kb want[ZP_MAX_GATE_CONSTRAINTS + 1];
    uint32_t got[ZP_MAX_GATE_CONSTRAINTS + 1];
    for (unsigned g = 0; g <= ZP_GATE_NOOP; g++) {
        size_t bad = 0, nonzero_satisfied = 0;
        unsigned nc = zp_gate_num_constraints(g);
        for (int r = 0; r < GATE_ROWS; r++) {
            int kind = r % ROW_KINDS;
            fill_row(g, kind, w, c, pi);
            /* a sentinel past the last constraint: neither side may write there */
            memset(want, 0xa5, sizeof want);
            memset(got, 0xa5, sizeof got);
            zp_gate_eval_base(g, w, c, pi, want);
            unsigned n = zkc_gate_eval_base(g, w, c, pi, &g_k, got);
            if (n != nc || memcmp(want, got, sizeof want) != 0)
                bad++;
            if (kind == ROW_SATISFIED)
                for (unsigned i = 0; i < nc; i++)
                    nonzero_satisfied += got[i] != 0;
        }
        CHECK_MSG(bad == 0, "gate %s: %zu of %d rows differ from zp_gate_eval_base",
                  zp_gate_name(g), bad, GATE_ROWS);
        CHECK_MSG(nonzero_satisfied == 0, "gate %s: %zu constraints non-zero on satisfied rows",
                  zp_gate_name(g), nonzero_satisfied);
    }
}

/* The sink's lazily reduced sums: zkc_gate_eval in accumulate mode equals the sum
 * of apow_i * cons_i over zp_gate_eval_base's values, with every coefficient of the
 * powers p - 1 (each product at its largest: the fold schedule's worst case) or
 * random, on rows of each kind. */
static void test_sink(void)
{
    static uint32_t apow[4 * ZP_MAX_GATE_CONSTRAINTS];
    kb w[ZP_WIRES], c[ZP_CONSTS], pi[ZP_PI_HASH_LEN], cons[ZP_MAX_GATE_CONSTRAINTS];
    size_t bad = 0;
    for (unsigned g = 0; g <= ZP_GATE_NOOP; g++) {
        unsigned nc = zp_gate_num_constraints(g);
        for (int r = 0; r < GATE_ROWS / 5; r++) {
            int kind = r % ROW_KINDS, top = (r / ROW_KINDS) % 2;
            fill_row(g, kind, w, c, pi);
            for (int i = 0; i < 4 * ZP_MAX_GATE_CONSTRAINTS; i++)
                apow[i] = top ? KB_P - 1 : ct_rand_kb();
            zkc_gate_sink k;
            k.out = NULL;
            k.apow = apow;
            k.i = 0;
            k.acc = zkc4_acc_zero();
            zkc_gate_eval(g, w, c, pi, &g_k, &k);
            zp_gate_eval_base(g, w, c, pi, cons);
            kb4 want = kb4_zero();
            for (unsigned i = 0; i < nc; i++) {
                kb4 ap = {{apow[4 * i], apow[4 * i + 1], apow[4 * i + 2], apow[4 * i + 3]}};
                want = kb4_add(want, kb4_mul_base(ap, cons[i]));
            }
            bad += k.i != nc || !ct_same4(zkc4_acc_reduce(&k.acc), want);
        }
    }
    CHECK_MSG(bad == 0, "%zu gate rows: the sink's sum differs from the kb4 sum", bad);
}

/* zkc_gate_sum16 (the partial rounds' state sum) against the chain of zkc_add, on
 * states of p - 1 (the largest sum), 0, edge values and random ones. */
static void test_sum16(void)
{
    size_t bad = 0;
    for (int r = 0; r < 20000; r++) {
        uint32_t s[16], want = 0;
        for (int i = 0; i < 16; i++)
            s[i] = r == 0    ? KB_P - 1
                   : r == 1  ? 0
                   : r < 100 ? (r % 2 ? small_kb() : kb_from_canonical(KB_P - 1 - (uint32_t)i))
                             : ct_rand_kb();
        for (int i = 0; i < 16; i++)
            want = zkc_add(want, s[i]);
        bad += zkc_gate_sum16(s) != want;
    }
    CHECK_MSG(bad == 0, "%zu zkc_gate_sum16 mismatches", bad);
}

/* ---- the quotient -------------------------------------------------------------- */

/* The reference: prover/plonk_prove.c's quotient() up to the interpolation,
 * written from verifier/ functions: q(x_j) for every j < 4n into out (4n x 4). */
static void ref_quotient(kb *out, const kb *wires, const kb *pre, const kb *perm, unsigned log_n,
                         unsigned b, kb g, const kb *pi_hash, kb4 beta, kb4 gamma, const kb4 *apow)
{
    size_t n = (size_t)1 << log_n, nq = 4 * n, stride = (size_t)1 << (b - 2);
    kb *xs = ct_xmalloc(nq * sizeof *xs);
    kb4 *l0 = ct_xmalloc(nq * sizeof *l0);
    kb wq = kb_root_of_unity(log_n + 2), x = g;
    for (size_t j = 0; j < nq; j++, x = kb_mul(x, wq))
        xs[j] = x;
    /* L_0(x) = (x^n - 1) / (n (x - 1)), with the inverse computed as an
     * extension inverse, one by one */
    kb nn = kb_from_u64(n);
    kb4 zh_inv[4];
    for (int i = 0; i < 4; i++)
        zh_inv[i] = kb4_from_base(kb_inv(kb_sub(kb_pow(xs[i], n), KB_ONE)));
    for (size_t j = 0; j < nq; j++) {
        l0[j] = kb4_inv(kb4_from_base(kb_mul(nn, kb_sub(xs[j], KB_ONE))));
        l0[j] = kb4_mul_base(l0[j], kb_sub(kb_pow(xs[j % 4], n), KB_ONE));
    }
    kb k[ZP_ROUTED];
    k[0] = KB_ONE;
    for (int i = 1; i < ZP_ROUTED; i++)
        k[i] = kb_mul(k[i - 1], g);
    kb cons[ZP_MAX_GATE_CONSTRAINTS];
    for (size_t j = 0; j < nq; j++) {
        size_t L = j * stride, Ln = ((j + 4) % nq) * stride;
        const kb *w = &wires[L * ZP_WIRES], *pr = &pre[L * ZP_NUM_PREPROCESSED];
        const kb *pm = &perm[L * ZP_NUM_PERM_COLS], *pmn = &perm[Ln * ZP_NUM_PERM_COLS];
        kb4 acc = kb4_zero();
        unsigned t = 0;
        for (unsigned gt = 0; gt < ZP_NGATES; gt++) {
            unsigned nc = zp_gate_num_constraints(gt);
            zp_gate_eval_base(gt, w, pr + ZP_NUM_SELECTORS, pi_hash, cons);
            kb4 s = kb4_zero();
            for (unsigned i = 0; i < nc; i++)
                s = kb4_add(s, kb4_mul_base(apow[t + i], cons[i]));
            acc = kb4_add(acc, kb4_mul_base(s, pr[gt]));
            t += nc;
        }
        kb4 z = {{pm[0], pm[1], pm[2], pm[3]}};
        acc = kb4_add(acc, kb4_mul(apow[t++], kb4_mul(l0[j], kb4_sub(z, kb4_one()))));
        const kb *sig = pr + ZP_NUM_SELECTORS + ZP_CONSTS;
        for (unsigned ch = 0; ch < ZP_PERM_CHUNKS; ch++) {
            kb4 nu = kb4_one(), de = kb4_one();
            for (unsigned i = ZP_PERM_CHUNK * ch; i < ZP_PERM_CHUNK * (ch + 1) && i < ZP_ROUTED;
                 i++) {
                kb4 base = kb4_add(gamma, kb4_from_base(w[i]));
                nu = kb4_mul(nu, kb4_add(base, kb4_mul_base(beta, kb_mul(k[i], xs[j]))));
                de = kb4_mul(de, kb4_add(base, kb4_mul_base(beta, sig[i])));
            }
            const kb *c = pm + 4 * ch, *nx = ch + 1 < ZP_PERM_CHUNKS ? pm + 4 * (ch + 1) : pmn;
            kb4 cur = {{c[0], c[1], c[2], c[3]}}, nxt = {{nx[0], nx[1], nx[2], nx[3]}};
            kb4 term = kb4_sub(kb4_mul(nxt, de), kb4_mul(cur, nu));
            acc = kb4_add(acc, kb4_mul(apow[t++], term));
        }
        kb4 qv = kb4_mul(acc, zh_inv[j % 4]);
        memcpy(&out[j * 4], qv.c, sizeof qv.c);
    }
    free(xs);
    free(l0);
}

/* The arguments of zkc_quot_point for these matrices (n = 2^log_n rows, blowup 2^b)
 * and challenges, before zkc_quot_args_init (ct_xmalloc'd; the caller frees them);
 * out: apow, the powers of alpha that ref_quotient takes, computed here on the
 * CPU side (not by zkc_quot_alpha_pows). */
static zkc_quot_args *quot_args(const kb *wires, const kb *pre, const kb *perm, unsigned log_n,
                                unsigned b, kb shift, const kb *pi, kb4 beta, kb4 gamma, kb4 alpha,
                                kb4 apow[ZKC_QUOT_TERMS])
{
    apow[0] = kb4_one();
    for (int i = 1; i < ZKC_QUOT_TERMS; i++)
        apow[i] = kb4_mul(apow[i - 1], alpha);
    zkc_quot_args *a = ct_xmalloc(sizeof *a);
    memset(a, 0, sizeof *a);
    a->wires = wires;
    a->pre = pre;
    a->perm = perm;
    a->log_n = log_n;
    a->log_blowup = b;
    a->shift = shift;
    memcpy(a->pi_hash, pi, sizeof a->pi_hash);
    memcpy(a->beta, beta.c, sizeof beta.c);
    memcpy(a->gamma, gamma.c, sizeof gamma.c);
    zkc_quot_alpha_pows(a, alpha.c);
    return a;
}

static void quot_case(unsigned log_n, unsigned b, kb shift)
{
    size_t n = (size_t)1 << log_n, nq = 4 * n, N = (size_t)1 << (log_n + b);
    kb *wires = ct_rand_vec(N * ZP_WIRES), *pre = ct_rand_vec(N * ZP_NUM_PREPROCESSED);
    kb *perm = ct_rand_vec(N * ZP_NUM_PERM_COLS);
    kb pi[ZP_PI_HASH_LEN];
    for (int i = 0; i < ZP_PI_HASH_LEN; i++)
        pi[i] = ct_rand_kb();
    kb4 beta = ct_rand_kb4(), gamma = ct_rand_kb4(), alpha = ct_rand_kb4();
    kb4 apow[ZKC_QUOT_TERMS];
    zkc_quot_args *a = quot_args(wires, pre, perm, log_n, b, shift, pi, beta, gamma, alpha, apow);
    CHECK_MEM(a->alpha_pows, apow, sizeof apow);
    CHECK_EQ(zkc_quot_args_init(a, &g_k), 0);

    kb *want = ct_xmalloc(nq * 4 * sizeof(kb));
    ref_quotient(want, wires, pre, perm, log_n, b, shift, pi, beta, gamma, apow);
    size_t bad = 0, bad_x = 0;
    kb wq = kb_root_of_unity(log_n + 2), x = shift, nn = kb_from_u64(n);
    for (size_t j = 0; j < nq; j++, x = kb_mul(x, wq)) {
        uint32_t got[4];
        zkc_quot_point(a, j, got);
        bad += memcmp(got, &want[4 * j], sizeof got) != 0;
        /* the point and L_0 there, (x^n - 1) / (n (x - 1)) */
        kb l0 = kb_mul(kb_sub(kb_pow(x, n), KB_ONE), kb_inv(kb_mul(nn, kb_sub(x, KB_ONE))));
        bad_x += zkc_quot_x(a, j) != x || zkc_quot_l0(a, x) != l0;
    }
    CHECK_MSG(bad == 0, "n = 2^%u, blowup 2^%u: %zu of %zu points differ", log_n, b, bad, nq);
    CHECK_MSG(bad_x == 0, "n = 2^%u: %zu points with a wrong x_j or L_0(x_j)", log_n, bad_x);
    free(want);
    free(a);
    free(wires);
    free(pre);
    free(perm);
}

static void test_quot(void)
{
    kb g = kb_from_canonical(KB_GENERATOR);
    for (unsigned log_n = 4; log_n <= 5; log_n++)
        for (unsigned b = 2; b <= 3; b++)
            quot_case(log_n, b, g);
    quot_case(2, 2, g);            /* the smallest size the function accepts */
    quot_case(4, 4, g);            /* blowup 16: every fourth LDE row */
    quot_case(4, 2, ct_rand_kb()); /* another coset */
}

/* ---- a real circuit -------------------------------------------------------------- */

/* Every gate type (test_plonk's mixed circuit): arithmetic, extension arithmetic, a
 * range check, random access, constants, a hash and public inputs; then `hashes`
 * more Poseidon2 rows to make the trace taller. */
static int build_circuit(cb_circuit **c, const fri_params *fri, unsigned hashes, cb_witness **wit)
{
    cb_builder *b;
    int rc = cb_new(&b, fri, 0);
    if (rc)
        return rc;
    cb_target x = cb_virtual(b), y = cb_virtual(b), idx = cb_virtual(b), vals[5], in[16], out[16];
    cb_target s = cb_add(b, x, y);
    cb_target d = cb_div(b, cb_mul(b, s, x), y);
    cb_target l = cb_lin(b, kb_from_u32(7), d, kb_from_u32(5), y);
    cb_range_check(b, y, 20, NULL);
    cb_ext ea = cb_ext_virtual(b), eb = cb_ext_virtual(b);
    cb_ext e = cb_ext_add(b, cb_ext_mul(b, ea, eb), ea);
    for (int i = 0; i < 5; i++)
        vals[i] = cb_virtual(b);
    cb_target sel = cb_random_access(b, idx, vals, 5);
    for (int i = 0; i < 16; i++)
        in[i] = i < 4    ? e.c[i]
                : i == 4 ? l
                : i == 5 ? sel
                         : cb_constant(b, kb_from_u32((uint32_t)i));
    cb_poseidon2(b, in, out);
    for (unsigned k = 0; k < hashes; k++) { /* more rows: a chain of permutations */
        memcpy(in, out, sizeof in);
        cb_poseidon2(b, in, out);
    }
    cb_public_input(b, l);
    for (int i = 0; i < 8; i++)
        cb_public_input(b, out[i]);
    rc = cb_build(b, c);
    if (!rc)
        rc = cb_witness_new(wit, *c);
    kb4 a4 = {{kb_from_u32(3), kb_from_u32(1), kb_from_u32(4), kb_from_u32(1)}};
    kb4 b4 = {{kb_from_u32(5), kb_from_u32(9), kb_from_u32(2), kb_from_u32(6)}};
    if (!rc)
        rc = cb_witness_set(*wit, x, kb_from_u32(11));
    if (!rc)
        rc = cb_witness_set(*wit, y, kb_from_u32(77));
    if (!rc)
        rc = cb_witness_set(*wit, idx, kb_from_u32(3));
    if (!rc)
        rc = cb_witness_set_ext(*wit, ea, a4);
    if (!rc)
        rc = cb_witness_set_ext(*wit, eb, b4);
    for (int i = 0; i < 5 && !rc; i++)
        rc = cb_witness_set(*wit, vals[i], kb_from_u32(100 + (uint32_t)i));
    return rc;
}

/* Z and the partial products on H (docs/PROOF.md, "Copy constraints"): n rows of
 * ZP_NUM_PERM_COLS. Returns: 1 when the product closes (Z(w^n) = 1). */
static int perm_columns(kb *perm_h, const kb *trace, const kb *pre_h, unsigned log_n, kb g,
                        kb4 beta, kb4 gamma)
{
    size_t n = (size_t)1 << log_n;
    kb k[ZP_ROUTED], w = kb_root_of_unity(log_n), x = KB_ONE;
    k[0] = KB_ONE;
    for (int i = 1; i < ZP_ROUTED; i++)
        k[i] = kb_mul(k[i - 1], g);
    kb4 z = kb4_one();
    for (size_t r = 0; r < n; r++, x = kb_mul(x, w)) {
        const kb *wr = &trace[r * ZP_WIRES];
        const kb *sig = &pre_h[r * ZP_NUM_PREPROCESSED + ZP_NUM_SELECTORS + ZP_CONSTS];
        for (unsigned ch = 0; ch < ZP_PERM_CHUNKS; ch++) {
            memcpy(&perm_h[r * ZP_NUM_PERM_COLS + 4 * ch], z.c, sizeof z.c);
            for (unsigned i = ZP_PERM_CHUNK * ch; i < ZP_PERM_CHUNK * (ch + 1) && i < ZP_ROUTED;
                 i++) {
                kb4 base = kb4_add(gamma, kb4_from_base(wr[i]));
                kb4 nu = kb4_add(base, kb4_mul_base(beta, kb_mul(k[i], x)));
                kb4 de = kb4_add(base, kb4_mul_base(beta, sig[i]));
                z = kb4_mul(z, kb4_mul(nu, kb4_inv(de)));
            }
        }
    }
    return kb4_eq(z, kb4_one());
}

/* Every point of the circuit's quotient: zkc_quot_point, equal to the reference;
 * then interpolated in place (4n coefficients x 4, natural order). */
static void circuit_quotient(kb *q, const cb_circuit *c, const kb *wires_lde, const kb *perm_lde,
                             const kb *pi_hash, kb4 beta, kb4 gamma, kb4 alpha)
{
    unsigned log_n = c->log_n, b = c->fri.log_blowup;
    size_t nq = (size_t)4 << log_n;
    kb g = kb_from_canonical(KB_GENERATOR);
    kb4 apow[ZKC_QUOT_TERMS];
    zkc_quot_args *a =
        quot_args(wires_lde, c->pre_lde, perm_lde, log_n, b, g, pi_hash, beta, gamma, alpha, apow);
    CHECK_EQ(zkc_quot_args_init(a, &g_k), 0);
    kb *want = ct_xmalloc(nq * 4 * sizeof(kb));
    ref_quotient(want, wires_lde, c->pre_lde, perm_lde, log_n, b, g, pi_hash, beta, gamma, apow);
    for (size_t j = 0; j < nq; j++)
        zkc_quot_point(a, j, &q[4 * j]);
    CHECK_MSG(memcmp(q, want, nq * 4 * sizeof(kb)) == 0, "circuit n = 2^%u, blowup 2^%u", log_n, b);
    CHECK_OK(ntt_coset_inverse(c->plan, q, log_n + 2, 4, NTT_ROW_MAJOR, g, NTT_NATURAL));
    free(want);
    free(a);
}

/* Returns: 1 when the coefficients of degree >= 3n are all zero. */
static int low_degree(const kb *q, unsigned log_n)
{
    size_t n = (size_t)1 << log_n;
    for (size_t i = 3 * n * 4; i < 4 * n * 4; i++)
        if (q[i] != 0)
            return 0;
    return 1;
}

static void circuit_case(unsigned b, unsigned hashes)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    fri.log_blowup = b;
    cb_circuit *c = NULL;
    cb_witness *wit = NULL;
    CHECK_OK(build_circuit(&c, &fri, hashes, &wit));
    if (!c || !wit) {
        cb_witness_free(wit);
        cb_circuit_free(c);
        return;
    }
    unsigned log_n = c->log_n;
    size_t n = (size_t)1 << log_n, N = n << b;
    kb *trace = ct_xmalloc(n * ZP_WIRES * sizeof(kb)), pi[16];
    kb *perm_h = ct_xmalloc(n * ZP_NUM_PERM_COLS * sizeof(kb));
    kb *wires_lde = ct_xmalloc(N * ZP_WIRES * sizeof(kb));
    kb *perm_lde = ct_xmalloc(N * ZP_NUM_PERM_COLS * sizeof(kb));
    kb *q = ct_xmalloc(4 * n * 4 * sizeof(kb));
    CHECK(cb_circuit_num_public_inputs(c) <= 16);
    unsigned seen = 0;
    for (size_t r = 0; r < n; r++)
        seen |= c->row_gate[r] < ZP_NGATES ? 1u << c->row_gate[r] : 0;
    CHECK_MSG(seen == (1u << ZP_NGATES) - 1, "the circuit lacks a gate type (mask %#x)", seen);
    printf("circuit: n = 2^%u, blowup 2^%u, %zu gate rows\n", log_n, b, c->gate_rows);
    CHECK_OK(cb_witness_solve(wit, trace, pi));
    p2_digest h;
    zp_public_input_hash(&h, pi, cb_circuit_num_public_inputs(c));
    kb g = kb_from_canonical(KB_GENERATOR);
    kb4 beta = ct_rand_kb4(), gamma = ct_rand_kb4(), alpha = ct_rand_kb4();
    CHECK(perm_columns(perm_h, trace, c->pre_h, log_n, g, beta, gamma));
    CHECK_OK(ntt_lde(c->plan, wires_lde, trace, log_n, b, ZP_WIRES, NTT_ROW_MAJOR, g));
    CHECK_OK(ntt_lde(c->plan, perm_lde, perm_h, log_n, b, ZP_NUM_PERM_COLS, NTT_ROW_MAJOR, g));
    circuit_quotient(q, c, wires_lde, perm_lde, h.v, beta, gamma, alpha);
    CHECK_MSG(low_degree(q, log_n), "circuit n = 2^%u, blowup 2^%u: the quotient has degree >= 3n",
              log_n, b);
    /* one advice wire of the Poseidon2 row changed: a gate constraint fails there */
    size_t row = 0;
    while (row < n && c->row_gate[row] != ZP_GATE_POSEIDON2)
        row++;
    CHECK(row < n);
    if (row < n) {
        trace[row * ZP_WIRES + ZP_P2_PARTIAL + 7] =
            kb_add(trace[row * ZP_WIRES + ZP_P2_PARTIAL + 7], KB_ONE);
        CHECK_OK(ntt_lde(c->plan, wires_lde, trace, log_n, b, ZP_WIRES, NTT_ROW_MAJOR, g));
        circuit_quotient(q, c, wires_lde, perm_lde, h.v, beta, gamma, alpha);
        CHECK_MSG(!low_degree(q, log_n), "a broken trace gave a low-degree quotient");
    }
    free(trace);
    free(perm_h);
    free(wires_lde);
    free(perm_lde);
    free(q);
    cb_witness_free(wit);
    cb_circuit_free(c);
}

static void test_circuit(void)
{
    circuit_case(2, 0); /* n = 2^4 */
    circuit_case(3, 0);
    circuit_case(2, 10); /* n = 2^5 */
    circuit_case(3, 10);
}

static void test_args(void)
{
    zkc_quot_args *a = ct_xmalloc(sizeof *a);
    static const unsigned bad[][2] = {{1, 2}, {4, 1}, {0, 3}, {22, 3}, {4, 21}, {2, 100}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(a, 0, sizeof *a);
        a->log_n = bad[i][0];
        a->log_blowup = bad[i][1];
        a->shift = KB_ONE;
        CHECK_EQ(zkc_quot_args_init(a, &g_k), -1);
        CHECK_EQ(a->root, 0u); /* untouched */
    }
    memset(a, 0, sizeof *a);
    a->log_n = 20;
    a->log_blowup = 4;
    a->shift = kb_from_canonical(KB_GENERATOR);
    kb4 beta = ct_rand_kb4();
    memcpy(a->beta, beta.c, sizeof a->beta);
    CHECK_EQ(zkc_quot_args_init(a, &g_k), 0);
    CHECK_EQ(a->root, kb_root_of_unity(22));
    CHECK_EQ(a->n_elem, kb_from_u64(1u << 20));
    CHECK_EQ(a->n_inv, kb_inv(kb_from_u64(1u << 20)));
    kb ki = KB_ONE;
    for (int i = 0; i < ZKC_ROUTED; i++, ki = kb_mul(ki, a->shift)) {
        kb4 bk = kb4_mul_base(beta, ki);
        CHECK_MEM(a->bk[i], bk.c, sizeof bk.c);
    }
    for (unsigned i = 0; i < ZKC_TWO_ADIC; i++)
        CHECK_EQ(a->root_pow[i], i < 22 ? kb_pow(a->root, (uint64_t)1 << i) : 0u);
    CHECK_MEM(&a->p2, &g_k, sizeof g_k);
    CHECK_EQ(zkc_quot_args_init(a, &a->p2), 0); /* its own constants */
    CHECK_MEM(&a->p2, &g_k, sizeof g_k);
    free(a);
}

int main(void)
{
    t_seed();
    ct_load_p2_consts(&g_k);
    test_constants();
    test_gates();
    test_sink();
    test_sum16();
    test_args();
    test_quot();
    test_circuit();
    return t_report("test_cuda_quot");
}
