/* Soundness of the PLONK verifier against a cheating prover.
 *
 * zp_prove_opts.tamper lets the test change the solved trace before it is
 * committed (the prover then commits whatever it is given and does not refuse a
 * bad quotient). Every tampered proof is judged against an exact oracle computed
 * from the circuit itself: a change must be rejected exactly when it breaks a gate
 * constraint of its row (zp_gate_eval_base on the changed row) or a copy
 * constraint (a routed cell whose copy class holds another wire cell, or a cell of
 * the zero-knowledge row pairs). Changes the oracle calls harmless (no-op and
 * padding rows, advice wires a gate does not read, routed wires nothing is
 * connected to) must still verify, which shows that rejections come from the
 * constraints and not from the tampering machinery.
 *
 * The "test" FRI preset has only 4 queries, but that does not weaken these
 * checks: a trace that breaks a constraint makes C(x) / (x^n - 1) a non-polynomial,
 * so the committed quotient chunks disagree with the constraints at zeta except
 * with probability about 4n / |F_p^4|.
 *
 * ZK_TEST_FULL=1 tries every cell of every row; the default run tries every
 * routed cell of the small gates' rows and a random sample of the rest. */
#include <stdlib.h>
#include <string.h>

#include "../test.h"
#include "common/error.h"
#include "prover/circuit.h"
#include "prover/circuit_internal.h"
#include "prover/gate_fill.h"
#include "prover/plonk_prove.h"
#include "verifier/plonk.h"
#include "verifier/plonk_gates.h"

#define NPI 6

typedef struct circ {
    cb_circuit *c;
    cb_target x, y, idx, vals[6], sw;
    size_t swap_row; /* the Poseidon2 row whose swap bit is the input sw, routed nowhere else */
    cb_ext ea, eb;
    uint32_t *class_cells; /* wire cells (rows < gate_rows, routed columns) per copy class */
} circ;

/* Every gate type and copy constraints between them: ARITH outputs feed ARITH,
 * ARITH_EXT and POSEIDON2 inputs; a range check's bit feeds arithmetic; a
 * constant and a random access output are multiplied; the public inputs are
 * hashed into the PUBLIC_INPUT row; the circuit has padding rows. */
static int build_circ(circ *m, const fri_params *fri, int zk)
{
    memset(m, 0, sizeof *m);
    cb_builder *b;
    int rc = cb_new(&b, fri, zk);
    if (rc)
        return rc;
    m->x = cb_virtual(b);
    m->y = cb_virtual(b);
    cb_target s = cb_add(b, m->x, m->y);
    cb_target p = cb_mul(b, s, m->x);
    cb_target q = cb_div(b, p, m->y);
    cb_target bits[16];
    cb_range_check(b, m->y, 16, bits);
    cb_target t = cb_lin(b, kb_from_u32(3), q, kb_from_u32(5), bits[0]);
    m->ea = cb_ext_virtual(b);
    m->eb = cb_ext_virtual(b);
    cb_ext e = cb_ext_mul(b, m->ea, m->eb);
    e = cb_ext_add(b, e, m->ea);
    m->idx = cb_virtual(b);
    for (int i = 0; i < 6; i++)
        m->vals[i] = cb_virtual(b);
    cb_target sel = cb_random_access(b, m->idx, m->vals, 6);
    cb_target u = cb_mul(b, sel, cb_constant(b, kb_from_u32(12345)));
    cb_target in[16], out[16];
    for (int i = 0; i < 16; i++)
        in[i] = i < 4 ? e.c[i] : cb_constant(b, kb_from_u32(1000u + (uint32_t)i));
    in[4] = t;
    in[5] = u;
    in[6] = m->x;
    cb_poseidon2(b, in, out);
    cb_public_input(b, out[0]);
    cb_public_input(b, out[1]);
    cb_public_input(b, u);
    cb_public_input(b, t);
    cb_public_input(b, sel);
    /* a second Poseidon2 row, which also leaves padding rows when zk is off */
    cb_target h[8];
    cb_hash(b, P2_DOM_GENERIC, &out[2], 4, h);
    cb_public_input(b, h[0]);
    /* two Merkle-style rows: one swapped by an index bit (a copy constraint), one
     * by an input nothing else reads; their outputs go nowhere */
    cb_target o2[16];
    cb_poseidon2_swap(b, out, in + 8, bits[1], o2);
    m->sw = cb_virtual(b);
    cb_poseidon2_swap(b, o2, h, m->sw, o2);
    m->swap_row = o2[0] / ZP_WIRES;
    rc = cb_build(b, &m->c);
    if (rc)
        return rc;
    const cb_circuit *c = m->c;
    size_t nslots = c->gate_rows * ZP_WIRES + c->nvirt;
    m->class_cells = calloc(nslots, sizeof *m->class_cells);
    if (!m->class_cells)
        return zk_err_set(ZK_ERR_NOMEM, "test: out of memory");
    for (size_t r = 0; r < c->gate_rows; r++)
        for (size_t i = 0; i < ZP_ROUTED; i++)
            m->class_cells[c->cls[r * ZP_WIRES + i]]++;
    return ZK_OK;
}

static void free_circ(circ *m)
{
    cb_circuit_free(m->c);
    free(m->class_cells);
}

/* Is cell (row, col) tied to another cell by the permutation argument? */
static int connected(const circ *m, size_t row, unsigned col)
{
    const cb_circuit *c = m->c;
    if (col >= ZP_ROUTED)
        return 0;
    if (row < c->gate_rows)
        return m->class_cells[c->cls[row * ZP_WIRES + col]] > 1;
    return c->zk && row >= c->zk_pair_row && row < c->zk_pair_row + 2 * c->zk_pairs;
}

enum tamper_mode {
    T_NONE = 0,
    T_CELL,      /* cell (row, col) += 1 */
    T_COPY_ONLY, /* routed input (row, col) += 1, then the row refilled so its gate holds */
    T_SWAP,      /* the swap wire of Poseidon2 row `row` set to `value`, the row refilled */
};

typedef struct tamper {
    const circ *m;
    int mode;
    size_t row;
    unsigned col;
    kb value;        /* T_SWAP: the swap value forced */
    int gate_broken; /* out: the changed row fails its gate's constraints */
    int refill_rc;   /* out: T_COPY_ONLY: the filler's result */
} tamper;

/* Evaluates the row's gate; returns 1 when some constraint is non-zero. */
static int row_fails(const cb_circuit *c, size_t row, const kb *w, const kb *pi_hash)
{
    kb out[ZP_MAX_GATE_CONSTRAINTS];
    unsigned g = c->row_gate[row], k = zp_gate_num_constraints(g);
    zp_gate_eval_base(g, w, &c->row_consts[row * ZP_CONSTS], pi_hash, out);
    for (unsigned i = 0; i < k; i++)
        if (!kb_is_zero(out[i]))
            return 1;
    return 0;
}

/* Recomputes the outputs and advice of the gate in row w from its (changed) input. */
static int refill(const cb_circuit *c, size_t row, unsigned col, kb *w)
{
    const kb *cs = &c->row_consts[row * ZP_CONSTS];
    switch (c->row_gate[row]) {
    case ZP_GATE_ARITH: return zp_fill_arith_op(w, cs, col / 4);
    case ZP_GATE_ARITH_EXT: return zp_fill_arith_ext_op(w, cs, col / 16);
    case ZP_GATE_POSEIDON2: zp_fill_poseidon2(w); return ZK_OK;
    case ZP_GATE_BITS: return zp_fill_bits(w);
    case ZP_GATE_RANDOM_ACCESS: return zp_fill_random_access(w);
    default:
        return zk_err_set(ZK_ERR_INVALID_ARG, "test: no filler for gate %s in row %zu",
                          zp_gate_name(c->row_gate[row]), row);
    }
}

static void do_tamper(void *ctx, kb *trace, size_t rows)
{
    tamper *t = ctx;
    const cb_circuit *c = t->m->c;
    if (t->mode == T_NONE || t->row >= rows)
        return;
    kb *w = &trace[t->row * ZP_WIRES];
    kb pi_hash[ZP_PI_HASH_LEN];
    for (size_t r = 0; r < c->gate_rows; r++)
        if (c->row_gate[r] == ZP_GATE_PUBLIC_INPUT)
            memcpy(pi_hash, &trace[r * ZP_WIRES], sizeof pi_hash);
    if (t->mode == T_SWAP) {
        w[ZP_P2_SWAP] = t->value;
        zp_fill_poseidon2(w);
    } else {
        w[t->col] = kb_add(w[t->col], KB_ONE);
    }
    if (t->mode == T_COPY_ONLY)
        t->refill_rc = refill(c, t->row, t->col, w);
    t->gate_broken = row_fails(c, t->row, w, pi_hash);
}

static int set_inputs(cb_witness *w, const circ *m, uint32_t xv, uint32_t yv, uint32_t iv, kb swap)
{
    int rc = cb_witness_set(w, m->sw, swap);
    if (!rc)
        rc = cb_witness_set(w, m->x, kb_from_u32(xv));
    if (!rc)
        rc = cb_witness_set(w, m->y, kb_from_u32(yv));
    kb4 a = {{kb_from_u32(2), kb_from_u32(7), kb_from_u32(1), kb_from_u32(8)}};
    kb4 bb = {{kb_from_u32(2), kb_from_u32(8), kb_from_u32(1), kb_from_u32(8)}};
    if (!rc)
        rc = cb_witness_set_ext(w, m->ea, a);
    if (!rc)
        rc = cb_witness_set_ext(w, m->eb, bb);
    if (!rc)
        rc = cb_witness_set(w, m->idx, kb_from_u32(iv));
    for (int i = 0; i < 6 && !rc; i++)
        rc = cb_witness_set(w, m->vals[i], kb_from_u32(500u + 11u * (uint32_t)i));
    return rc;
}

/* Proves m (any FRI parameters its circuit was built with) under tamper t. */
static int prove(const circ *m, tamper *t, uint64_t seed, zk_buf *proof, kb *pi)
{
    cb_witness *w;
    int rc = cb_witness_new(&w, m->c);
    if (rc)
        return rc;
    rc = set_inputs(w, m, 29, 1234, 4, KB_ONE);
    zp_prove_opts o = {.rand = t_rand_source, .rand_ctx = &seed};
    if (t && t->mode != T_NONE) {
        o.tamper = do_tamper;
        o.tamper_ctx = t;
    }
    proof->len = 0;
    if (!rc)
        rc = zp_prove(m->c, w, &o, proof, pi);
    cb_witness_free(w);
    return rc;
}

typedef struct tally {
    size_t rejected, accepted;           /* judged as the oracle said */
    size_t accepted_gate, accepted_noop; /* harmless changes in gate rows / other rows */
    size_t wrong;                        /* judged against the oracle */
} tally;

/* One tampered proof: proves, verifies, compares with the oracle. */
static void try_cell(const circ *m, int mode, size_t row, unsigned col, tally *ty)
{
    tamper t = {.m = m, .mode = mode, .row = row, .col = col};
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[NPI];
    int rc = prove(m, &t, t_rand(), &proof, pi);
    CHECK_OK(rc);
    if (rc) {
        zk_buf_free(&proof);
        return;
    }
    const cb_circuit *c = m->c;
    int want_reject = t.gate_broken || connected(m, row, col);
    int vr = zp_verify(cb_circuit_vk(c), pi, NPI, proof.data, proof.len, 0, NULL);
    const char *gate = zp_gate_name(c->row_gate[row]);
    if (want_reject && vr == ZK_ERR_PROOF) {
        ty->rejected++;
    } else if (!want_reject && vr == ZK_OK) {
        ty->accepted++;
        if (row < c->gate_rows)
            ty->accepted_gate++;
        else
            ty->accepted_noop++;
    } else {
        ty->wrong++;
        fprintf(stderr,
                "zk=%d row %zu (%s) column %u mode %d: gate broken %d, connected %d, but "
                "zp_verify returned %d (%s)\n",
                c->zk, row, gate, col, mode, t.gate_broken, connected(m, row, col), vr,
                vr ? zk_err_detail() : "accepted");
    }
    zk_buf_free(&proof);
}

/* The columns tried in a row: all of them when full; else every routed column of
 * the small gates plus a random sample of the rest. */
static size_t pick_columns(const cb_circuit *c, size_t row, int full, unsigned *cols)
{
    size_t n = 0;
    if (full) {
        for (unsigned j = 0; j < ZP_WIRES; j++)
            cols[n++] = j;
        return n;
    }
    unsigned g = c->row_gate[row];
    if (g == ZP_GATE_NOOP) {
        cols[n++] = (unsigned)(t_rand() % ZP_ROUTED);
        cols[n++] = ZP_ROUTED + (unsigned)(t_rand() % (ZP_WIRES - ZP_ROUTED));
        return n;
    }
    if (g != ZP_GATE_POSEIDON2)
        for (unsigned j = 0; j < ZP_ROUTED; j++)
            cols[n++] = j;
    /* Poseidon2 reads all 173 columns: a sample of them; the advice of the others */
    unsigned extra = g == ZP_GATE_POSEIDON2 ? 24 : 4;
    for (unsigned k = 0; k < extra; k++) {
        unsigned lo = g == ZP_GATE_POSEIDON2 ? 0 : ZP_ROUTED;
        cols[n++] = lo + (unsigned)(t_rand() % (ZP_WIRES - lo));
    }
    return n;
}

static void test_cells(int zk, int full)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    circ m;
    CHECK_OK(build_circ(&m, &fri, zk));
    if (!m.c)
        return;
    const cb_circuit *c = m.c;
    size_t n = (size_t)1 << c->log_n;

    /* the circuit is what the test claims: every gate type is present */
    unsigned seen[ZP_NGATES + 1] = {0};
    for (size_t r = 0; r < n; r++)
        seen[c->row_gate[r] <= ZP_NGATES ? c->row_gate[r] : ZP_NGATES]++;
    for (unsigned g = 0; g < ZP_NGATES; g++)
        CHECK_MSG(seen[g] > 0, "no %s row", zp_gate_name(g));

    /* the untampered proof verifies */
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[NPI];
    CHECK_OK(prove(&m, NULL, t_rand(), &proof, pi));
    CHECK_OK(zp_verify(cb_circuit_vk(c), pi, NPI, proof.data, proof.len, 0, NULL));
    zk_buf_free(&proof);

    tally ty = {0};
    unsigned cols[ZP_WIRES + 64];
    for (size_t r = 0; r < n; r++) {
        size_t k = pick_columns(c, r, full, cols);
        for (size_t i = 0; i < k; i++)
            try_cell(&m, T_CELL, r, cols[i], &ty);
    }
    CHECK(ty.wrong == 0);
    /* not vacuous: both verdicts occur, harmless changes in gate rows and in
     * other rows alike */
    CHECK(ty.rejected > 0);
    CHECK(ty.accepted_gate > 0);
    CHECK(ty.accepted_noop > 0);
    printf("cells zk=%d: 2^%u rows (%zu with gates), %zu tampered proofs rejected, %zu harmless "
           "ones accepted (%zu in gate rows, %zu in other rows), %zu misjudged\n",
           zk, c->log_n, c->gate_rows, ty.rejected, ty.accepted, ty.accepted_gate, ty.accepted_noop,
           ty.wrong);
    free_circ(&m);
}

/* Copy constraints alone: a routed input changed and its row refilled so that the
 * gate holds; only the permutation argument can see it. */
static void test_copy_only(int zk)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    circ m;
    CHECK_OK(build_circ(&m, &fri, zk));
    if (!m.c)
        return;
    const cb_circuit *c = m.c;
    /* per gate type, the input columns that its filler reads */
    static const struct {
        unsigned gate;
        unsigned col[4];
    } inputs[] = {
        {ZP_GATE_ARITH, {0, 1, 2, 4}},
        {ZP_GATE_ARITH_EXT, {0, 4, 8, 1}},
        {ZP_GATE_POSEIDON2, {0, 4, 5, 6}},
        {ZP_GATE_BITS, {0, 0, 0, 0}},
        {ZP_GATE_RANDOM_ACCESS, {2 + 4, 0, 2 + 5, 2 + 1}},
    };
    unsigned done[ZP_NGATES] = {0};
    size_t rejected = 0;
    for (size_t r = 0; r < c->gate_rows; r++) {
        for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
            if (inputs[k].gate != c->row_gate[r])
                continue;
            for (unsigned i = 0; i < 4; i++) {
                unsigned col = inputs[k].col[i];
                if (!connected(&m, r, col))
                    continue;
                tamper t = {.m = &m, .mode = T_COPY_ONLY, .row = r, .col = col};
                zk_buf proof;
                zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
                kb pi[NPI];
                CHECK_OK(prove(&m, &t, t_rand(), &proof, pi));
                /* a valid random-access index stays valid after +1 only below 16;
                 * the filler says so, and then the case is not a copy-only one */
                if (t.refill_rc) {
                    zk_buf_free(&proof);
                    continue;
                }
                CHECK_MSG(!t.gate_broken, "row %zu column %u: refilled row fails its gate", r, col);
                int vr = zp_verify(cb_circuit_vk(c), pi, NPI, proof.data, proof.len, 0, NULL);
                CHECK_MSG(vr == ZK_ERR_PROOF,
                          "zk=%d row %zu (%s) column %u: copy broken, gate holds, zp_verify "
                          "returned %d",
                          zk, r, zp_gate_name(c->row_gate[r]), col, vr);
                if (vr == ZK_ERR_PROOF)
                    rejected++;
                done[c->row_gate[r]]++;
                zk_buf_free(&proof);
            }
        }
    }
    for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++)
        CHECK_MSG(done[inputs[k].gate] > 0, "no copy-only case for %s",
                  zp_gate_name(inputs[k].gate));
    printf("copy-only zk=%d: %zu proofs with a broken copy constraint and satisfied gates "
           "rejected\n",
           zk, rejected);
    free_circ(&m);
}

/* A proof made under weaker parameters, or checked with stronger demands. */
static void test_params(int zk)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    circ m;
    CHECK_OK(build_circ(&m, &fri, zk));
    if (!m.c)
        return;
    const zp_vk *vk = cb_circuit_vk(m.c);
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[NPI];
    CHECK_OK(prove(&m, NULL, t_rand(), &proof, pi));
    double bits = fri_conjectured_bits(&fri);
    CHECK_OK(zp_verify(vk, pi, NPI, proof.data, proof.len, bits, NULL));
    CHECK_ERR(zp_verify(vk, pi, NPI, proof.data, proof.len, bits + 0.5, NULL), ZK_ERR_PROOF);
    CHECK_ERR(zp_verify(vk, pi, NPI, proof.data, proof.len, 100, NULL), ZK_ERR_PROOF);

    /* the same circuit under weaker FRI parameters: its proofs verify under its
     * own key and never under the original one */
    fri_params weak[3];
    weak[0] = fri;
    weak[0].num_queries--;
    weak[1] = fri;
    weak[1].num_queries = 1;
    weak[2] = fri; /* grinding traded for queries, same length class */
    weak[2].pow_bits = 1;
    weak[2].num_queries--;
    for (int i = 0; i < 3; i++) {
        CHECK(fri_conjectured_bits(&weak[i]) < bits);
        circ w;
        CHECK_OK(build_circ(&w, &weak[i], zk));
        if (!w.c)
            continue;
        zk_buf wp;
        zk_buf_init(&wp, ZP_MAX_PROOF_BYTES);
        kb wpi[NPI];
        CHECK_OK(prove(&w, NULL, t_rand(), &wp, wpi));
        CHECK_MEM(wpi, pi, sizeof pi);
        CHECK_OK(zp_verify(cb_circuit_vk(w.c), wpi, NPI, wp.data, wp.len, 0, NULL));
        int vr = zp_verify(vk, pi, NPI, wp.data, wp.len, 0, NULL);
        CHECK_MSG(vr != ZK_OK, "zk=%d: a proof with %u queries, %u PoW bits accepted", zk,
                  weak[i].num_queries, weak[i].pow_bits);
        printf("params zk=%d: %u queries, %u PoW bits (%.0f bits) under the %.0f-bit key: %s: %s\n",
               zk, weak[i].num_queries, weak[i].pow_bits, fri_conjectured_bits(&weak[i]), bits,
               zk_errname(vr), vr ? zk_err_detail() : "accepted");
        /* the weak key itself is refused by a verifier asking for the strong bits */
        CHECK_ERR(zp_verify(cb_circuit_vk(w.c), wpi, NPI, wp.data, wp.len, bits, NULL),
                  ZK_ERR_PROOF);
        zk_buf_free(&wp);
        free_circ(&w);
    }

    /* a proof of the other zero-knowledge setting */
    circ o;
    CHECK_OK(build_circ(&o, &fri, !zk));
    if (o.c) {
        zk_buf op;
        zk_buf_init(&op, ZP_MAX_PROOF_BYTES);
        kb opi[NPI];
        CHECK_OK(prove(&o, NULL, t_rand(), &op, opi));
        CHECK(zp_verify(vk, opi, NPI, op.data, op.len, 0, NULL) != ZK_OK);
        CHECK(zp_verify(cb_circuit_vk(o.c), pi, NPI, proof.data, proof.len, 0, NULL) != ZK_OK);
        zk_buf_free(&op);
        free_circ(&o);
    }
    zk_buf_free(&proof);
    free_circ(&m);
}

/* The swap bit of a Poseidon2 row: the witness solver refuses a value that is not
 * a bit; forced into the trace (the row refilled so that every other constraint
 * holds, and nothing else reads the wire), the proof is rejected by s^2 - s alone,
 * while the other bit, forced the same way, verifies. */
static void test_swap(int zk)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    circ m;
    CHECK_OK(build_circ(&m, &fri, zk));
    if (!m.c)
        return;
    const cb_circuit *c = m.c;
    CHECK(c->row_gate[m.swap_row] == ZP_GATE_POSEIDON2);
    CHECK(!connected(&m, m.swap_row, ZP_P2_SWAP));

    const uint32_t bad[] = {2, KB_P - 1};
    for (size_t k = 0; k < 2; k++) {
        cb_witness *w;
        CHECK_OK(cb_witness_new(&w, c));
        CHECK_OK(set_inputs(w, &m, 29, 1234, 4, kb_from_canonical(bad[k])));
        kb pi[NPI];
        size_t n = (size_t)1 << c->log_n;
        kb *trace = malloc(n * ZP_WIRES * sizeof *trace);
        CHECK(trace != NULL);
        if (trace) {
            CHECK_ERR(cb_witness_solve(w, trace, pi), ZK_ERR_RANGE);
            char want[64];
            snprintf(want, sizeof want, "swap value %u is not 0 or 1", bad[k]);
            CHECK_MSG(strstr(zk_err_detail(), want) && strstr(zk_err_detail(), "row"), "detail: %s",
                      zk_err_detail());
        }
        free(trace);
        cb_witness_free(w);
    }

    for (int k = 0; k < 3; k++) {
        tamper t = {.m = &m,
                    .mode = T_SWAP,
                    .row = m.swap_row,
                    .value = k == 0 ? KB_ZERO : kb_from_canonical(bad[k - 1])};
        zk_buf proof;
        zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
        kb pi[NPI];
        CHECK_OK(prove(&m, &t, t_rand(), &proof, pi));
        int vr = zp_verify(cb_circuit_vk(c), pi, NPI, proof.data, proof.len, 0, NULL);
        if (k == 0) {
            CHECK(!t.gate_broken);
            CHECK_MSG(vr == ZK_OK, "zk=%d: swap 1 -> 0, row refilled: %d (%s)", zk, vr,
                      zk_err_detail());
        } else {
            CHECK(t.gate_broken);
            CHECK_MSG(vr == ZK_ERR_PROOF, "zk=%d: swap %u accepted (%d)", zk, bad[k - 1], vr);
        }
        printf("swap zk=%d forced to %u: %s\n", zk, kb_to_canonical(t.value),
               vr ? zk_err_detail() : "accepted (a bit, nothing else reads it)");
        zk_buf_free(&proof);
    }
    free_circ(&m);
}

int main(void)
{
    t_seed();
    int full = getenv("ZK_TEST_FULL") != NULL;
    test_params(0);
    test_params(1);
    test_swap(0);
    test_swap(1);
    test_copy_only(0);
    test_copy_only(1);
    test_cells(0, full);
    test_cells(1, full);
    return t_report("test_soundness");
}
