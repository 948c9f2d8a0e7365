/* Whole proofs: circuits using every gate, with and without zero knowledge, are
 * proven and verified; unsatisfied witnesses are reported; every kind of
 * tampering with a proof, its public inputs or its key is rejected. */
#include <stdlib.h>
#include <string.h>

#include "../test.h"
#include "common/error.h"
#include "common/par.h"
#include "prover/circuit.h"
#include "prover/circuit_internal.h"
#include "prover/examples.h"
#include "prover/gate_fill.h"
#include "prover/plonk_prove.h"
#include "verifier/kb_simd.h"
#include "verifier/plonk.h"

typedef struct mixed {
    cb_circuit *c;
    cb_target x, y, idx, ra_vals[5];
    cb_ext ea, eb;
    cb_target p2_in[16];
} mixed;

/* A circuit with every gate type: arithmetic, extension arithmetic, a hash,
 * a range check, random access, constants and public inputs. */
static int build_mixed(mixed *m, const fri_params *fri, int zk, int variant)
{
    cb_builder *b;
    int rc = cb_new(&b, fri, zk);
    if (rc)
        return rc;
    m->x = cb_virtual(b);
    m->y = cb_virtual(b);
    cb_target s = cb_add(b, m->x, m->y);
    cb_target p = cb_mul(b, s, m->x);
    cb_target d = cb_div(b, p, m->y);
    cb_target l = cb_lin(b, kb_from_u32(7), d, kb_from_u32(variant ? 9 : 5), m->y);
    cb_range_check(b, m->y, 20, NULL);
    m->ea = cb_ext_virtual(b);
    m->eb = cb_ext_virtual(b);
    cb_ext e = cb_ext_mul(b, m->ea, m->eb);
    e = cb_ext_add(b, e, m->ea);
    m->idx = cb_virtual(b);
    for (int i = 0; i < 5; i++)
        m->ra_vals[i] = cb_virtual(b);
    cb_target sel = cb_random_access(b, m->idx, m->ra_vals, 5);
    for (int i = 0; i < 16; i++)
        m->p2_in[i] =
            i < 4 ? e.c[i]
                  : (i == 4 ? l : (i == 5 ? sel : cb_constant(b, kb_from_u32((uint32_t)i))));
    cb_target out[16];
    cb_poseidon2(b, m->p2_in, out);
    cb_target hh[8];
    cb_hash(b, P2_DOM_GENERIC, out, 11, hh);
    cb_public_input(b, l);
    cb_public_input(b, sel);
    for (int i = 0; i < 8; i++)
        cb_public_input(b, hh[i]);
    return cb_build(b, &m->c);
}

static int set_mixed(cb_witness *w, const mixed *m, uint32_t xv, uint32_t yv, uint32_t iv)
{
    int rc = cb_witness_set(w, m->x, kb_from_u32(xv));
    if (!rc)
        rc = cb_witness_set(w, m->y, kb_from_u32(yv));
    kb4 a = {{kb_from_u32(3), kb_from_u32(1), kb_from_u32(4), kb_from_u32(1)}};
    kb4 bb = {{kb_from_u32(5), kb_from_u32(9), kb_from_u32(2), kb_from_u32(6)}};
    if (!rc)
        rc = cb_witness_set_ext(w, m->ea, a);
    if (!rc)
        rc = cb_witness_set_ext(w, m->eb, bb);
    if (!rc)
        rc = cb_witness_set(w, m->idx, kb_from_u32(iv));
    for (int i = 0; i < 5 && !rc; i++)
        rc = cb_witness_set(w, m->ra_vals[i], kb_from_u32(100 + (uint32_t)i));
    return rc;
}

static int prove_mixed(const mixed *m, zk_buf *proof, kb *pi, uint64_t *seed, uint32_t yv)
{
    cb_witness *w;
    int rc = cb_witness_new(&w, m->c);
    if (rc)
        return rc;
    rc = set_mixed(w, m, 11, yv, 3);
    zp_prove_opts o = {.rand = t_rand_source, .rand_ctx = seed};
    if (!rc)
        rc = zp_prove(m->c, w, &o, proof, pi);
    cb_witness_free(w);
    return rc;
}

static void test_complete(const char *preset, int zk)
{
    fri_params fri;
    CHECK_OK(fri_preset(preset, &fri));
    mixed m;
    CHECK_OK(build_mixed(&m, &fri, zk, 0));
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[10];
    uint64_t seed = t_rand();
    CHECK_OK(prove_mixed(&m, &proof, pi, &seed, 77));
    const zp_vk *vk = cb_circuit_vk(m.c);
    zp_proof_info info;
    CHECK_OK(zp_verify(vk, pi, 10, proof.data, proof.len, 0, &info));
    printf("%s zk=%d: 2^%u rows, proof %zu bytes (commit %zu, queries %zu, %u FRI layers)\n",
           preset, zk, vk->log_n, proof.len, info.commit_bytes, info.query_bytes, info.fri_layers);
    CHECK(kb_to_canonical(pi[1]) == 103); /* vals[3] */

    /* another witness: other public inputs, same key */
    zk_buf p2;
    zk_buf_init(&p2, ZP_MAX_PROOF_BYTES);
    kb pi2[10];
    CHECK_OK(prove_mixed(&m, &p2, pi2, &seed, 78));
    CHECK_OK(zp_verify(vk, pi2, 10, p2.data, p2.len, 0, NULL));
    /* the proof does not verify against the other public inputs */
    CHECK_ERR(zp_verify(vk, pi2, 10, proof.data, proof.len, 0, NULL), ZK_ERR_PROOF);
    /* any public input changed */
    for (int i = 0; i < 10; i++) {
        kb bad[10];
        memcpy(bad, pi, sizeof bad);
        bad[i] = kb_add(bad[i], KB_ONE);
        CHECK_ERR(zp_verify(vk, bad, 10, proof.data, proof.len, 0, NULL), ZK_ERR_PROOF);
    }
    /* wrong count of public inputs */
    CHECK_ERR(zp_verify(vk, pi, 9, proof.data, proof.len, 0, NULL), ZK_ERR_INVALID_ARG);
    /* one byte short / one byte more */
    CHECK(zp_verify(vk, pi, 10, proof.data, proof.len - 1, 0, NULL) != ZK_OK);
    uint8_t *longer = malloc(proof.len + 1);
    memcpy(longer, proof.data, proof.len);
    longer[proof.len] = 0;
    CHECK_ERR(zp_verify(vk, pi, 10, longer, proof.len + 1, 0, NULL), ZK_ERR_PARSE);
    free(longer);
    /* another circuit's key */
    mixed m2;
    CHECK_OK(build_mixed(&m2, &fri, zk, 1));
    CHECK(zp_verify(cb_circuit_vk(m2.c), pi, 10, proof.data, proof.len, 0, NULL) != ZK_OK);
    /* a key whose fields do not match its digest */
    zp_vk forged = *vk;
    forged.fri.num_queries--;
    CHECK_ERR(zp_verify(&forged, pi, 10, proof.data, proof.len, 0, NULL), ZK_ERR_INVALID_ARG);
    /* a verifier that wants more bits than the parameters give */
    CHECK_ERR(zp_verify(vk, pi, 10, proof.data, proof.len, fri_conjectured_bits(&fri) + 1, NULL),
              ZK_ERR_PROOF);
    /* zero knowledge: fresh randomness gives other bytes for the same witness */
    if (zk) {
        zk_buf p3;
        zk_buf_init(&p3, ZP_MAX_PROOF_BYTES);
        kb pi3[10];
        CHECK_OK(prove_mixed(&m, &p3, pi3, &seed, 77));
        CHECK(p3.len != proof.len || memcmp(p3.data, proof.data, p3.len) != 0);
        CHECK_OK(zp_verify(vk, pi3, 10, p3.data, p3.len, 0, NULL));
        zk_buf_free(&p3);
    } else {
        zk_buf p3;
        zk_buf_init(&p3, ZP_MAX_PROOF_BYTES);
        kb pi3[10];
        CHECK_OK(prove_mixed(&m, &p3, pi3, &seed, 77));
        CHECK(p3.len == proof.len && memcmp(p3.data, proof.data, p3.len) == 0);
        zk_buf_free(&p3);
    }
    cb_circuit_free(m2.c);
    zk_buf_free(&p2);
    zk_buf_free(&proof);
    cb_circuit_free(m.c);
}

/* Every byte of a proof flipped: rejected, never a crash. stride 1 checks all. */
static void test_mutations(int zk, size_t stride)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    mixed m;
    CHECK_OK(build_mixed(&m, &fri, zk, 0));
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[10];
    uint64_t seed = t_rand();
    CHECK_OK(prove_mixed(&m, &proof, pi, &seed, 77));
    const zp_vk *vk = cb_circuit_vk(m.c);
    size_t accepted = 0, tried = 0;
    for (size_t i = 0; i < proof.len; i += stride) {
        uint8_t save = proof.data[i];
        proof.data[i] ^= (uint8_t)(1u << (t_rand() % 8));
        tried++;
        if (zp_verify(vk, pi, 10, proof.data, proof.len, 0, NULL) == ZK_OK) {
            accepted++;
            fprintf(stderr, "flipped byte %zu accepted\n", i);
        }
        proof.data[i] = save;
    }
    CHECK(accepted == 0);
    CHECK_OK(zp_verify(vk, pi, 10, proof.data, proof.len, 0, NULL));
    /* every truncation length in the first and last kilobyte */
    for (size_t k = 0; k < proof.len; k += (k < 1024 || k + 1024 > proof.len) ? 1 : 97)
        CHECK(zp_verify(vk, pi, 10, proof.data, k, 0, NULL) != ZK_OK);
    printf("mutations zk=%d: %zu flips of %zu bytes, all rejected\n", zk, tried, proof.len);
    zk_buf_free(&proof);
    cb_circuit_free(m.c);
}

/* Witness errors are named: an unsatisfied constraint, a conflict, a missing value. */
static void test_witness_errors(void)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    mixed m;
    CHECK_OK(build_mixed(&m, &fri, 0, 0));
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[10];
    uint64_t seed = 1;
    /* y does not fit 20 bits: the range check's high bits conflict with zero */
    int rc = prove_mixed(&m, &proof, pi, &seed, 1u << 21);
    CHECK(rc == ZK_ERR_PROOF);
    CHECK(strstr(zk_err_detail(), "conflict") != NULL);
    /* index beyond the 5 values */
    cb_witness *w;
    CHECK_OK(cb_witness_new(&w, m.c));
    CHECK_OK(set_mixed(w, &m, 11, 77, 5));
    zp_prove_opts o = {.rand = t_rand_source, .rand_ctx = &seed};
    CHECK(zp_prove(m.c, w, &o, &proof, pi) != ZK_OK);
    cb_witness_free(w);
    /* division by zero */
    CHECK_OK(cb_witness_new(&w, m.c));
    CHECK_OK(set_mixed(w, &m, 11, 0, 3));
    CHECK(zp_prove(m.c, w, &o, &proof, pi) != ZK_OK);
    CHECK(strstr(zk_err_detail(), "division by zero") != NULL);
    cb_witness_free(w);
    /* values that are not field elements: set, and from a custom generator */
    CHECK_OK(cb_witness_new(&w, m.c));
    CHECK_ERR(cb_witness_set(w, m.x, KB_P), ZK_ERR_RANGE);
    CHECK(strstr(zk_err_detail(), "not a field element") != NULL);
    CHECK_ERR(cb_witness_set(w, m.x, 0xffffffffu), ZK_ERR_RANGE);
    CHECK_OK(cb_witness_set(w, m.x, KB_P - 1));
    cb_witness_free(w);
    /* a missing input */
    CHECK_OK(cb_witness_new(&w, m.c));
    CHECK_OK(cb_witness_set(w, m.x, KB_ONE));
    CHECK_ERR(zp_prove(m.c, w, &o, &proof, pi), ZK_ERR_NOT_FOUND);
    CHECK(strstr(zk_err_detail(), "missing witness value") != NULL);
    cb_witness_free(w);
    CHECK(proof.len == 0);
    zk_buf_free(&proof);
    cb_circuit_free(m.c);

    /* constants and gate coefficients that are not field elements */
    cb_builder *bc;
    for (int k = 0; k < 3; k++) {
        CHECK_OK(cb_new(&bc, &fri, 0));
        cb_target x = cb_virtual(bc);
        if (k == 0)
            (void)cb_constant(bc, KB_P + 1);
        else if (k == 1)
            (void)cb_arith(bc, KB_P + 7, KB_ONE, x, x, x);
        else
            (void)cb_ext_constant(bc, (kb4){{KB_ONE, KB_ONE, 0xffffffffu, KB_ZERO}});
        cb_circuit *cc;
        CHECK_ERR(cb_build(bc, &cc), ZK_ERR_RANGE);
        CHECK(strstr(zk_err_detail(), "not a field element") != NULL);
    }
    /* an advice wire cannot be connected */
    cb_builder *b;
    CHECK_OK(cb_new(&b, &fri, 0));
    cb_target in[16], out[16];
    for (int i = 0; i < 16; i++)
        in[i] = cb_virtual(b);
    cb_poseidon2(b, in, out);
    cb_connect(b, out[0] + 40, in[0]); /* wire 56 of the row: advice */
    cb_circuit *c;
    CHECK_ERR(cb_build(b, &c), ZK_ERR_INVALID_ARG);
    CHECK(strstr(zk_err_detail(), "advice wire") != NULL);
}

/* A cheating prover: the witness is forced past the solver's check by patching
 * a trace value through a connected custom generator that lies. */
static int gen_lie(const void *ctx, const kb *in, kb *out)
{
    (void)ctx;
    out[0] = kb_add(in[0], KB_ONE);
    return ZK_OK;
}

static void test_lying_generator(void)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    cb_builder *b;
    CHECK_OK(cb_new(&b, &fri, 0));
    cb_target x = cb_virtual(b), y = cb_virtual(b);
    cb_target sq = cb_mul(b, x, x);
    cb_generator(b, gen_lie, NULL, 0, &sq, 1, &y, 1);
    cb_connect(b, y, sq); /* y must equal x*x, but the generator says x*x + 1 */
    cb_public_input(b, y);
    cb_circuit *c;
    CHECK_OK(cb_build(b, &c));
    cb_witness *w;
    CHECK_OK(cb_witness_new(&w, c));
    CHECK_OK(cb_witness_set(w, x, kb_from_u32(5)));
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[1];
    CHECK_ERR(zp_prove(c, w, NULL, &proof, pi), ZK_ERR_PROOF);
    CHECK(strstr(zk_err_detail(), "conflict") != NULL);
    zk_buf_free(&proof);
    cb_witness_free(w);
    cb_circuit_free(c);
}

/* Random circuits: a random sequence of gate calls over a growing pool of
 * targets, random public inputs, then prove and verify. */
static void test_random_circuits(int zk, unsigned nops)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    cb_builder *b;
    CHECK_OK(cb_new(&b, &fri, zk));
    size_t cap = 16 + 40 * (size_t)nops, n = 0;
    cb_target *pool = malloc(cap * sizeof *pool);
    cb_target inputs[8];
    for (int i = 0; i < 8; i++)
        pool[n++] = inputs[i] = cb_virtual(b);
    for (unsigned k = 0; k < nops; k++) {
        cb_target x = pool[t_rand() % n], y = pool[t_rand() % n], z = pool[t_rand() % n];
        switch (t_rand() % 7) {
        case 0:
            pool[n++] = cb_arith(b, kb_from_u32((uint32_t)t_rand()),
                                 kb_from_u32((uint32_t)t_rand()), x, y, z);
            break;
        case 1: {
            cb_ext ex = {{x, y, z, pool[t_rand() % n]}}, ey = {{z, x, y, x}};
            cb_ext r = cb_ext_mul(b, ex, ey);
            for (int i = 0; i < 4; i++)
                pool[n++] = r.c[i];
            break;
        }
        case 2: {
            cb_target in[16], out[16];
            for (int i = 0; i < 16; i++)
                in[i] = pool[t_rand() % n];
            cb_poseidon2(b, in, out);
            for (int i = 0; i < 16; i++)
                pool[n++] = out[i];
            break;
        }
        case 3: pool[n++] = cb_constant(b, kb_from_u32((uint32_t)t_rand())); break;
        case 4: {
            /* a range check of a fresh small value: bits are new targets */
            cb_target v = cb_constant(b, kb_from_u32((uint32_t)(t_rand() & 0xffff)));
            cb_target bits[16];
            cb_range_check(b, v, 16, bits);
            pool[n++] = bits[t_rand() % 16];
            break;
        }
        case 5: {
            cb_target vals[16];
            size_t m = 1 + t_rand() % 16;
            for (size_t i = 0; i < m; i++)
                vals[i] = pool[t_rand() % n];
            pool[n++] =
                cb_random_access(b, cb_constant(b, kb_from_u32((uint32_t)(t_rand() % m))), vals, m);
            break;
        }
        default: pool[n++] = cb_add(b, x, y); break;
        }
    }
    for (int i = 0; i < 4; i++)
        cb_public_input(b, pool[t_rand() % n]);
    cb_circuit *c;
    CHECK_OK(cb_build(b, &c));
    cb_witness *w;
    CHECK_OK(cb_witness_new(&w, c));
    for (int i = 0; i < 8; i++)
        CHECK_OK(cb_witness_set(w, inputs[i], kb_from_u32((uint32_t)t_rand() % KB_P)));
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[4];
    uint64_t seed = t_rand();
    zp_prove_opts o = {.rand = t_rand_source, .rand_ctx = &seed};
    CHECK_OK(zp_prove(c, w, &o, &proof, pi));
    CHECK_OK(zp_verify(cb_circuit_vk(c), pi, 4, proof.data, proof.len, 0, NULL));
    pi[0] = kb_add(pi[0], KB_ONE);
    CHECK_ERR(zp_verify(cb_circuit_vk(c), pi, 4, proof.data, proof.len, 0, NULL), ZK_ERR_PROOF);
    printf("random circuit zk=%d: %u gate calls, 2^%u rows\n", zk, nops, cb_circuit_log_rows(c));
    zk_buf_free(&proof);
    cb_witness_free(w);
    cb_circuit_free(c);
    free(pool);
}

/* A copy of its one input (a custom generator reading an advice wire). */
static int gen_copy(const void *ctx, const kb *in, kb *out)
{
    (void)ctx;
    out[0] = in[0];
    return ZK_OK;
}

/* Poseidon2 rows whose advice wires nothing else names are filled straight into
 * the trace (circuit gen_direct); rows whose advice wires are read elsewhere take
 * the general path. Both give the rows zp_fill_poseidon2 gives, the advice values
 * stay readable, and a value set on an advice wire is still checked. */
static void test_direct_rows(void)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    cb_builder *b;
    CHECK_OK(cb_new(&b, &fri, 0));
    cb_target in[16], o1[16], o2[16], o3[16], o4[16];
    for (int i = 0; i < 16; i++)
        in[i] = cb_virtual(b);
    cb_poseidon2(b, in, o1); /* direct */
    cb_poseidon2(b, o1, o2); /* an advice wire read by a custom generator */
    cb_target v = cb_virtual(b), z = cb_virtual(b);
    cb_connect(b, v, o2[0] + 40);
    cb_generator(b, gen_copy, NULL, 0, &v, 1, &z, 1);
    cb_public_input(b, z);
    cb_poseidon2(b, o2, o3); /* an advice wire shares a class with a virtual target */
    cb_connect(b, cb_virtual(b), o3[0] + 41);
    cb_target sw = cb_virtual(b);
    cb_poseidon2_swap(b, o3, o3 + 8, sw, o4); /* direct, swap bit from the witness */
    for (int i = 0; i < 8; i++)
        cb_public_input(b, o4[i]);
    cb_circuit *c;
    CHECK_OK(cb_build(b, &c));
    size_t rows[4] = {o1[0] / ZP_WIRES, o2[0] / ZP_WIRES, o3[0] / ZP_WIRES, o4[0] / ZP_WIRES};
    int want_direct[4] = {1, 0, 0, 1};
    for (size_t g = 0; g < c->ngens; g++)
        for (int r = 0; r < 4; r++)
            if (c->gens[g].kind == CB_GEN_POSEIDON2 && c->gens[g].row == rows[r])
                CHECK(c->gen_direct[g] == want_direct[r]);

    size_t n = (size_t)1 << c->log_n;
    kb *trace = malloc(n * ZP_WIRES * sizeof *trace);
    kb pi[9];
    CHECK(trace != NULL);
    for (int round = 0; round < 4 && trace; round++) {
        cb_witness *w;
        CHECK_OK(cb_witness_new(&w, c));
        for (int i = 0; i < 16; i++)
            CHECK_OK(cb_witness_set(w, in[i], kb_from_u32(1000u * (uint32_t)round + (uint32_t)i)));
        CHECK_OK(cb_witness_set(w, sw, kb_from_u32(round == 3 ? 2u : (uint32_t)round & 1u)));
        /* round 1 sets a direct row's advice wire to its value, round 2 to another */
        kb ref[4][ZP_WIRES];
        memset(ref, 0, sizeof ref);
        for (int i = 0; i < 16; i++)
            ref[0][i] = kb_from_u32(1000u * (uint32_t)round + (uint32_t)i);
        for (int r = 0; r < 4; r++) {
            if (r > 0)
                memcpy(ref[r], &ref[r - 1][ZP_P2_OUT], 16 * sizeof(kb));
            ref[r][ZP_P2_SWAP] = r == 3 ? kb_from_u32((uint32_t)round & 1u) : KB_ZERO;
            zp_fill_poseidon2(ref[r]);
        }
        if (round == 1)
            CHECK_OK(cb_witness_set(w, (cb_target)(rows[0] * ZP_WIRES + 60), ref[0][60]));
        if (round == 2)
            CHECK_OK(cb_witness_set(w, (cb_target)(rows[3] * ZP_WIRES + 99),
                                    kb_add(ref[3][99], KB_ONE)));
        int rc = cb_witness_solve(w, trace, pi);
        if (round == 2) {
            CHECK_ERR(rc, ZK_ERR_PROOF);
            char want[64];
            snprintf(want, sizeof want, "row %zu column 99", rows[3]);
            CHECK(strstr(zk_err_detail(), "witness conflict") != NULL);
            CHECK(strstr(zk_err_detail(), want) != NULL);
        } else if (round == 3) {
            CHECK_ERR(rc, ZK_ERR_RANGE);
            CHECK(strstr(zk_err_detail(), "swap value 2 is not 0 or 1") != NULL);
        } else {
            CHECK_OK(rc);
            for (int r = 0; r < 4; r++)
                CHECK(memcmp(&trace[rows[r] * ZP_WIRES], ref[r], sizeof ref[r]) == 0);
            CHECK(pi[0] == ref[1][56]);
            for (int r = 0; r < 4; r++) {
                for (unsigned k = 0; k < ZP_WIRES; k++) {
                    kb x = KB_ZERO;
                    CHECK_OK(cb_witness_get(w, (cb_target)(rows[r] * ZP_WIRES + k), &x));
                    CHECK(x == ref[r][k]);
                }
            }
        }
        cb_witness_free(w);
    }
    free(trace);
    cb_circuit_free(c);
}

static int gen_not_field(const void *ctx, const kb *in, kb *out)
{
    (void)ctx;
    (void)in;
    out[0] = KB_P + 5;
    return ZK_OK;
}

/* A custom generator whose output is not a field element fails the solve with the
 * generator and output named. */
static void test_generator_range(void)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    cb_builder *b;
    CHECK_OK(cb_new(&b, &fri, 0));
    cb_target x = cb_virtual(b), y = cb_virtual(b);
    cb_generator(b, gen_not_field, NULL, 0, &x, 1, &y, 1);
    cb_public_input(b, cb_add(b, x, y));
    cb_circuit *c;
    CHECK_OK(cb_build(b, &c));
    kb *trace = malloc(((size_t)1 << c->log_n) * ZP_WIRES * sizeof *trace);
    cb_witness *w;
    CHECK_OK(cb_witness_new(&w, c));
    CHECK_OK(cb_witness_set(w, x, KB_ONE));
    kb pi[1];
    CHECK(trace != NULL);
    if (trace) {
        CHECK_ERR(cb_witness_solve(w, trace, pi), ZK_ERR_RANGE);
        CHECK(strstr(zk_err_detail(), "custom generator 0: output 0") != NULL);
    }
    cb_witness_free(w);
    free(trace);
    cb_circuit_free(c);
}

/* A custom generator that writes an advice wire of a Poseidon2 row keeps the row out
 * of the direct path, so that a value other than the gate's is a witness conflict
 * (as before direct rows), not dropped: the trace and cb_witness_get used to
 * disagree and the solve succeeded. */
static void test_direct_written(void)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    cb_builder *b;
    CHECK_OK(cb_new(&b, &fri, 0));
    cb_target in[16], out[16];
    for (int i = 0; i < 16; i++)
        in[i] = cb_virtual(b);
    cb_poseidon2(b, in, out);
    size_t row = out[0] / ZP_WIRES;
    cb_target adv = (cb_target)(row * ZP_WIRES + 60);
    cb_generator(b, gen_lie, NULL, 0, &in[0], 1, &adv, 1);
    cb_circuit *c;
    CHECK_OK(cb_build(b, &c));
    for (size_t g = 0; g < c->ngens; g++)
        if (c->gens[g].kind == CB_GEN_POSEIDON2 && c->gens[g].row == row)
            CHECK(c->gen_direct[g] == 0);
    kb *trace = malloc(((size_t)1 << c->log_n) * ZP_WIRES * sizeof *trace);
    CHECK(trace != NULL);
    cb_witness *w;
    CHECK_OK(cb_witness_new(&w, c));
    for (int i = 0; i < 16 && trace; i++)
        CHECK_OK(cb_witness_set(w, in[i], kb_from_u32((uint32_t)i + 5)));
    kb pi[1];
    if (trace) {
        CHECK_ERR(cb_witness_solve(w, trace, pi), ZK_ERR_PROOF);
        char want[64];
        snprintf(want, sizeof want, "row %zu column 60", row);
        CHECK(strstr(zk_err_detail(), "witness conflict") != NULL);
        CHECK(strstr(zk_err_detail(), want) != NULL);
    }
    cb_witness_free(w);
    free(trace);
    cb_circuit_free(c);
}

/* The prover's 16-lane paths (permutation argument and the quotient's permutation
 * part, AVX-512) and the scalar ones give the same bytes, serially and threaded. */
static void test_simd_levels(void)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    mixed m;
    CHECK_OK(build_mixed(&m, &fri, 0, 0));
    int top = kb_simd_force(-1);
    zk_buf ref;
    zk_buf_init(&ref, ZP_MAX_PROOF_BYTES);
    kb pi[10];
    uint64_t seed = 5;
    CHECK_OK(prove_mixed(&m, &ref, pi, &seed, 77));
    for (int level = 0; level <= top; level++) {
        for (int th = 1; th <= 3; th += 2) {
            kb_simd_force(level);
            zk_par_set_threads(th);
            zk_buf p;
            zk_buf_init(&p, ZP_MAX_PROOF_BYTES);
            seed = 5;
            CHECK_OK(prove_mixed(&m, &p, pi, &seed, 77));
            CHECK(p.len == ref.len && memcmp(p.data, ref.data, p.len) == 0);
            zk_buf_free(&p);
        }
    }
    kb_simd_force(-1);
    zk_par_set_threads(0);
    printf("prover vector levels 0..%d agree\n", top);
    zk_buf_free(&ref);
    cb_circuit_free(m.c);
}

/* cb_witness_solve_rows: rows from zero_from on are not written (the buffer is
 * promised to hold zeros there), every row below is as cb_witness_solve writes
 * it; cb_circuit_written_rows is where a proof's writes end. */
static void test_solve_rows(int zk)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    ex_instance *e = NULL;
    CHECK_OK(ex_build(&e, "hashchain", 300, &fri, zk));
    if (!e)
        return;
    const cb_circuit *c = ex_circuit(e);
    size_t n = (size_t)1 << cb_circuit_log_rows(c), wr = cb_circuit_written_rows(c);
    CHECK_EQ(wr, cb_circuit_gate_rows(c) + (zk ? 3 * ((size_t)fri.num_queries + 2) : 0));
    CHECK(wr < n);
    CHECK_EQ(cb_circuit_written_rows(NULL), 0);
    size_t len = n * ZP_WIRES;
    kb *ref = malloc(len * sizeof *ref), *t = malloc(len * sizeof *t);
    kb pi[16], pi2[16];
    if (!ref || !t) {
        CHECK(0);
        goto out;
    }
    for (size_t i = 0; i < len; i++)
        ref[i] = (kb)(t_rand() % KB_P); /* garbage everywhere */
    CHECK_OK(ex_solve(e, ref, pi));
    size_t g = cb_circuit_gate_rows(c) * ZP_WIRES;
    for (size_t i = g; i < len; i++)
        CHECK_EQ(ref[i], 0); /* padding and the zk rows (for the prover) are zero */
    size_t froms[] = {0, cb_circuit_gate_rows(c), wr, wr + 5, n, SIZE_MAX};
    for (size_t f = 0; f < sizeof froms / sizeof froms[0]; f++) {
        size_t z = froms[f] < n ? froms[f] : n;
        for (size_t i = 0; i < len; i++) /* garbage below zero_from, sentinel above */
            t[i] = i < z * ZP_WIRES ? (kb)(t_rand() % KB_P) : (kb)12345;
        CHECK_OK(ex_solve_rows(e, t, pi2, froms[f]));
        CHECK_MEM(pi, pi2, sizeof pi);
        size_t lo = z > cb_circuit_gate_rows(c) ? z : cb_circuit_gate_rows(c);
        CHECK_MEM(t, ref, lo * ZP_WIRES * sizeof *t); /* written as cb_witness_solve */
        int kept = 1;
        for (size_t i = lo * ZP_WIRES; i < len; i++)
            kept &= t[i] == 12345;
        CHECK_MSG(kept, "zero_from %zu: a row at or past %zu was written", froms[f], lo);
    }
out:
    free(ref);
    free(t);
    ex_free(e);
}

int main(void)
{
    t_seed();
    test_solve_rows(0);
    test_solve_rows(1);
    test_complete("test", 0);
    test_complete("test", 1);
    test_complete("batch", 0);
    test_complete("batch", 1);
    for (unsigned nops = 1; nops <= 4000; nops *= 7) {
        test_random_circuits(0, nops);
        test_random_circuits(1, nops);
    }
    test_witness_errors();
    test_lying_generator();
    test_direct_rows();
    test_direct_written();
    test_generator_range();
    test_simd_levels();
    test_mutations(0, getenv("ZK_TEST_FULL") ? 1 : 7);
    test_mutations(1, getenv("ZK_TEST_FULL") ? 1 : 13);
    return t_report("test_plonk");
}
