/* Gate constraints and gate fillers (verifier/plonk_gates.h, prover/gate_fill.h):
 * filled rows satisfy every constraint in both fields; changing any constrained
 * wire, constant or hash element breaks one, changing any other wire breaks none;
 * the Poseidon2 gate computes the permutation (random inputs and the published
 * known-answer test) of its input or, with the swap bit set, of its two halves
 * swapped; the extension evaluator agrees with the base one and is
 * checked on genuine extension inputs by interpolation and by the Frobenius; the
 * fillers reject out-of-range inputs; counts and names are the protocol's. */
#include <jansson.h>

#include "common/error.h"
#include "prover/gate_fill.h"
#include "tests/test.h"
#include "verifier/kb4.h"
#include "verifier/p2.h"
#include "verifier/plonk_gates.h"

#define ITERS 40

static kb rand_kb(void)
{
    return kb_from_canonical((uint32_t)(t_rand() % KB_P));
}

static kb rand_nonzero(void)
{
    return kb_from_canonical((uint32_t)(1 + t_rand() % (KB_P - 1)));
}

static kb4 rand_kb4(void)
{
    return (kb4){{rand_kb(), rand_kb(), rand_kb(), rand_kb()}};
}

/* A row where every wire is random and nonzero, so that a product in a gate never
 * hides a change through a zero factor; constants are nonzero for the same reason. */
static void rand_row(kb *w, kb *c, kb *pi)
{
    for (int i = 0; i < ZP_WIRES; i++)
        w[i] = rand_nonzero();
    for (int j = 0; j < ZP_CONSTS; j++)
        c[j] = rand_nonzero();
    for (int j = 0; j < ZP_PI_HASH_LEN; j++)
        pi[j] = rand_kb();
}

/* Fills the gate's own wires of a random row. */
static void fill_row(unsigned type, kb *w, const kb *c, const kb *pi)
{
    switch (type) {
    case ZP_GATE_ARITH:
        for (unsigned op = 0; op < ZP_ARITH_OPS; op++)
            CHECK_OK(zp_fill_arith_op(w, c, op));
        break;
    case ZP_GATE_ARITH_EXT:
        for (unsigned op = 0; op < ZP_ARITH_EXT_OPS; op++)
            CHECK_OK(zp_fill_arith_ext_op(w, c, op));
        break;
    case ZP_GATE_POSEIDON2:
        w[ZP_P2_SWAP] = (t_rand() & 1) ? KB_ONE : KB_ZERO;
        zp_fill_poseidon2(w);
        break;
    case ZP_GATE_CONSTANT: zp_fill_constant(w, c); break;
    case ZP_GATE_PUBLIC_INPUT: zp_fill_public_input(w, pi); break;
    case ZP_GATE_BITS: {
        uint64_t r = t_rand();
        uint32_t v = (r & 7) == 0   ? 0
                     : (r & 7) == 1 ? (1u << ZP_BITS) - 1
                                    : (uint32_t)(r >> 8) & ((1u << ZP_BITS) - 1);
        w[ZP_BITS_VALUE] = kb_from_canonical(v);
        CHECK_OK(zp_fill_bits(w));
        break;
    }
    case ZP_GATE_RANDOM_ACCESS:
        w[ZP_RA_INDEX] = kb_from_canonical((uint32_t)(t_rand() % 16));
        CHECK_OK(zp_fill_random_access(w));
        break;
    default: CHECK_MSG(0, "no filler for gate %u", type);
    }
}

/* Which wires gate `type` constrains in a row filled by fill_row: a change to one of
 * them must be caught, a change to any other must not. Random access binds every
 * level-1 wire to one value of its pair (the one bit 0 picks), so of the 16 values
 * exactly the 8 with the index's parity are constrained; a change to another can
 * never reach the output. */
static int constrained(unsigned type, const kb *w, int i)
{
    switch (type) {
    case ZP_GATE_ARITH:
    case ZP_GATE_ARITH_EXT: return i < 32;
    case ZP_GATE_POSEIDON2: return 1;
    case ZP_GATE_CONSTANT: return i < ZP_CONSTS;
    case ZP_GATE_PUBLIC_INPUT: return i < ZP_PI_HASH_LEN;
    case ZP_GATE_BITS: return i <= ZP_BITS;
    case ZP_GATE_RANDOM_ACCESS: {
        int idx = (int)kb_to_canonical(w[ZP_RA_INDEX]);
        if (i == ZP_RA_INDEX || i == ZP_RA_OUT)
            return 1;
        if (i >= ZP_RA_VALUES && i < ZP_RA_VALUES + 16)
            return ((i - ZP_RA_VALUES) & 1) == (idx & 1);
        return i >= ZP_RA_BIT_WIRE && i < ZP_RA_LEVEL3 + 2;
    }
    default: return 0;
    }
}

static int all_zero(const kb *out, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        if (!kb_is_zero(out[k]))
            return 0;
    return 1;
}

static void embed(kb4 *out, const kb *in, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = kb4_from_base(in[i]);
}

/* eval_ext on the embedding of (w, c) equals the embedding of eval_base(w, c). */
static int ext_matches_base(unsigned type, const kb *w, const kb *c, const kb *pi)
{
    kb out[ZP_MAX_GATE_CONSTRAINTS];
    kb4 w4[ZP_WIRES], c4[ZP_CONSTS], out4[ZP_MAX_GATE_CONSTRAINTS];
    embed(w4, w, ZP_WIRES);
    embed(c4, c, ZP_CONSTS);
    zp_gate_eval_base(type, w, c, pi, out);
    zp_gate_eval_ext(type, w4, c4, pi, out4);
    for (unsigned k = 0; k < zp_gate_num_constraints(type); k++)
        if (!kb4_eq(out4[k], kb4_from_base(out[k])))
            return 0;
    return 1;
}

static void test_counts_and_names(void)
{
    const unsigned want[ZP_NGATES] = {8, 8, 157, 4, 8, 31, 20};
    const char *names[ZP_NGATES + 1] = {"arith",        "arith_ext", "poseidon2",     "constant",
                                        "public_input", "bits",      "random_access", "noop"};
    unsigned max = 0;
    for (unsigned t = 0; t < ZP_NGATES; t++) {
        CHECK_EQ(zp_gate_num_constraints(t), want[t]);
        max = zp_gate_num_constraints(t) > max ? zp_gate_num_constraints(t) : max;
    }
    CHECK_EQ(max, ZP_MAX_GATE_CONSTRAINTS);
    CHECK_EQ(zp_gate_total_constraints(), 236);
    CHECK_EQ(zp_gate_num_constraints(ZP_GATE_NOOP), 0);
    CHECK_EQ(zp_gate_num_constraints(1000), 0);
    for (unsigned t = 0; t <= ZP_GATE_NOOP; t++)
        CHECK_MSG(strcmp(zp_gate_name(t), names[t]) == 0, "name of %u: %s", t, zp_gate_name(t));
    CHECK(strcmp(zp_gate_name(ZP_GATE_NOOP + 1), "unknown") == 0);
    CHECK(strcmp(zp_gate_name(~0u), "unknown") == 0);

    /* A no-op row or an unknown type writes no constraint. */
    kb w[ZP_WIRES], c[ZP_CONSTS], pi[ZP_PI_HASH_LEN], out[ZP_MAX_GATE_CONSTRAINTS];
    kb4 w4[ZP_WIRES], c4[ZP_CONSTS], out4[ZP_MAX_GATE_CONSTRAINTS];
    rand_row(w, c, pi);
    embed(w4, w, ZP_WIRES);
    embed(c4, c, ZP_CONSTS);
    const unsigned none[] = {ZP_GATE_NOOP, ZP_GATE_NOOP + 1, ~0u};
    for (size_t k = 0; k < sizeof none / sizeof none[0]; k++) {
        memset(out, 0xa5, sizeof out);
        memset(out4, 0xa5, sizeof out4);
        zp_gate_eval_base(none[k], w, c, pi, out);
        zp_gate_eval_ext(none[k], w4, c4, pi, out4);
        for (int i = 0; i < ZP_MAX_GATE_CONSTRAINTS; i++) {
            CHECK(out[i] == 0xa5a5a5a5u);
            CHECK(out4[i].c[0] == 0xa5a5a5a5u && out4[i].c[3] == 0xa5a5a5a5u);
        }
    }
}

/* Filled rows satisfy the gate; every single-wire, constant or hash change is caught
 * exactly when the wire is constrained; base and extension evaluations agree on
 * satisfying and on broken rows. */
static void test_fill_and_mutate(void)
{
    for (unsigned type = 0; type < ZP_NGATES; type++) {
        unsigned n = zp_gate_num_constraints(type);
        int fails_before = t_failures;
        for (int it = 0; it < ITERS && t_failures == fails_before; it++) {
            kb w[ZP_WIRES], c[ZP_CONSTS], pi[ZP_PI_HASH_LEN], out[ZP_MAX_GATE_CONSTRAINTS];
            rand_row(w, c, pi);
            fill_row(type, w, c, pi);
            zp_gate_eval_base(type, w, c, pi, out);
            CHECK_MSG(all_zero(out, n), "%s: filled row fails a constraint", zp_gate_name(type));
            CHECK_MSG(ext_matches_base(type, w, c, pi), "%s: ext != base on a filled row",
                      zp_gate_name(type));

            for (int i = 0; i < ZP_WIRES; i++) {
                kb keep = w[i];
                w[i] = kb_add(keep, rand_nonzero());
                zp_gate_eval_base(type, w, c, pi, out);
                int caught = !all_zero(out, n);
                CHECK_MSG(caught == constrained(type, w, i), "%s: change of wire %d %s",
                          zp_gate_name(type), i, caught ? "caught" : "missed");
                if (it == 0)
                    CHECK_MSG(ext_matches_base(type, w, c, pi),
                              "%s: ext != base with wire %d changed", zp_gate_name(type), i);
                w[i] = keep;
            }
            /* The gates that read constants (ARITH's c0, c1; CONSTANT's four) or the
             * public-input hash must see a change of one. */
            int uses_c =
                type == ZP_GATE_ARITH || type == ZP_GATE_ARITH_EXT || type == ZP_GATE_CONSTANT;
            for (int j = 0; j < ZP_CONSTS; j++) {
                kb keep = c[j];
                c[j] = kb_add(keep, rand_nonzero());
                zp_gate_eval_base(type, w, c, pi, out);
                int want = uses_c && (type == ZP_GATE_CONSTANT || j < 2);
                CHECK_MSG((!all_zero(out, n)) == want, "%s: change of constant %d",
                          zp_gate_name(type), j);
                c[j] = keep;
            }
            for (int j = 0; j < ZP_PI_HASH_LEN; j++) {
                kb keep = pi[j];
                pi[j] = kb_add(keep, rand_nonzero());
                zp_gate_eval_base(type, w, c, pi, out);
                CHECK_MSG((!all_zero(out, n)) == (type == ZP_GATE_PUBLIC_INPUT),
                          "%s: change of hash element %d", zp_gate_name(type), j);
                pi[j] = keep;
            }
        }
        if (t_failures == fails_before)
            printf("%s: %u constraints, filled rows hold, every change caught\n",
                   zp_gate_name(type), n);
    }
}

/* Random rows that satisfy nothing: ext on embedded values == embedded base. */
static void test_ext_embeds_base(void)
{
    for (unsigned type = 0; type < ZP_NGATES; type++)
        for (int it = 0; it < ITERS; it++) {
            kb w[ZP_WIRES], c[ZP_CONSTS], pi[ZP_PI_HASH_LEN];
            rand_row(w, c, pi);
            if (it == 0) {
                /* Edge values: p - 1 everywhere and zero constants. */
                for (int i = 0; i < ZP_WIRES; i++)
                    w[i] = kb_from_canonical(KB_P - 1);
                memset(c, 0, sizeof c);
            }
            CHECK_MSG(ext_matches_base(type, w, c, pi), "%s: ext != base on a random row",
                      zp_gate_name(type));
        }
}

/* Every constraint is a polynomial of degree <= 3 with base-field coefficients in
 * the wires and constants. Along the line (u + t v) through two base rows it is a
 * polynomial of degree <= 3 in t, so its value at an extension t is fixed by the
 * base evaluations at t = 0, 1, 2, 3 (Lagrange). This checks eval_ext on inputs
 * that are not in the base field against eval_base alone. */
static void test_ext_by_interpolation(void)
{
    kb node[4], inv_den[4];
    for (int i = 0; i < 4; i++)
        node[i] = kb_from_canonical((uint32_t)i);
    for (int i = 0; i < 4; i++) {
        kb d = KB_ONE;
        for (int j = 0; j < 4; j++)
            if (j != i)
                d = kb_mul(d, kb_sub(node[i], node[j]));
        inv_den[i] = kb_inv(d);
    }
    for (unsigned type = 0; type < ZP_NGATES; type++) {
        unsigned n = zp_gate_num_constraints(type);
        for (int it = 0; it < ITERS / 4; it++) {
            kb u[ZP_WIRES], v[ZP_WIRES], cu[ZP_CONSTS], cv[ZP_CONSTS], pi[ZP_PI_HASH_LEN];
            rand_row(u, cu, pi);
            rand_row(v, cv, pi);
            /* Start the line at a satisfying row half the time, so the t = 0 value is
             * zero and the others come from the direction alone. */
            if (it & 1)
                fill_row(type, u, cu, pi);
            kb4 t = rand_kb4();

            kb4 want[ZP_MAX_GATE_CONSTRAINTS];
            for (unsigned k = 0; k < n; k++)
                want[k] = kb4_zero();
            for (int i = 0; i < 4; i++) {
                kb w[ZP_WIRES], c[ZP_CONSTS], out[ZP_MAX_GATE_CONSTRAINTS];
                for (int x = 0; x < ZP_WIRES; x++)
                    w[x] = kb_add(u[x], kb_mul(node[i], v[x]));
                for (int x = 0; x < ZP_CONSTS; x++)
                    c[x] = kb_add(cu[x], kb_mul(node[i], cv[x]));
                zp_gate_eval_base(type, w, c, pi, out);
                kb4 li = kb4_from_base(inv_den[i]);
                for (int j = 0; j < 4; j++)
                    if (j != i)
                        li = kb4_mul(li, kb4_sub(t, kb4_from_base(node[j])));
                for (unsigned k = 0; k < n; k++)
                    want[k] = kb4_add(want[k], kb4_mul_base(li, out[k]));
            }

            kb4 w4[ZP_WIRES], c4[ZP_CONSTS], got[ZP_MAX_GATE_CONSTRAINTS];
            for (int x = 0; x < ZP_WIRES; x++)
                w4[x] = kb4_add(kb4_from_base(u[x]), kb4_mul_base(t, v[x]));
            for (int x = 0; x < ZP_CONSTS; x++)
                c4[x] = kb4_add(kb4_from_base(cu[x]), kb4_mul_base(t, cv[x]));
            zp_gate_eval_ext(type, w4, c4, pi, got);
            int ok = 1;
            for (unsigned k = 0; k < n; k++)
                ok &= kb4_eq(got[k], want[k]);
            CHECK_MSG(ok, "%s: eval_ext off the interpolated line", zp_gate_name(type));
        }
    }
}

/* The constraints have base-field coefficients, so they commute with the Frobenius:
 * eval(frob(w), frob(c)) = frob(eval(w, c)) for any extension inputs. */
static void test_ext_frobenius(void)
{
    for (unsigned type = 0; type < ZP_NGATES; type++) {
        unsigned n = zp_gate_num_constraints(type);
        for (int it = 0; it < ITERS / 4; it++) {
            kb4 w[ZP_WIRES], c[ZP_CONSTS], fw[ZP_WIRES], fc[ZP_CONSTS];
            kb4 out[ZP_MAX_GATE_CONSTRAINTS], fout[ZP_MAX_GATE_CONSTRAINTS];
            kb pi[ZP_PI_HASH_LEN];
            for (int i = 0; i < ZP_WIRES; i++)
                fw[i] = kb4_frobenius(w[i] = rand_kb4(), 1);
            for (int j = 0; j < ZP_CONSTS; j++)
                fc[j] = kb4_frobenius(c[j] = rand_kb4(), 1);
            for (int j = 0; j < ZP_PI_HASH_LEN; j++)
                pi[j] = rand_kb();
            zp_gate_eval_ext(type, w, c, pi, out);
            zp_gate_eval_ext(type, fw, fc, pi, fout);
            int ok = 1, nonbase = 0;
            for (unsigned k = 0; k < n; k++) {
                ok &= kb4_eq(fout[k], kb4_frobenius(out[k], 1));
                kb unused;
                nonbase |= !kb4_to_base(&unused, out[k]);
            }
            CHECK_MSG(ok, "%s: eval_ext does not commute with the Frobenius", zp_gate_name(type));
            /* Otherwise the check above would hold trivially. */
            CHECK_MSG(nonbase, "%s: random extension inputs gave base-field results",
                      zp_gate_name(type));
        }
    }
}

/* ARITH in the extension, against the formula of docs/PROOF.md written out. */
static void test_arith_ext_direct(void)
{
    for (int it = 0; it < ITERS; it++) {
        kb4 w[ZP_WIRES], c[ZP_CONSTS], out[ZP_MAX_GATE_CONSTRAINTS];
        kb pi[ZP_PI_HASH_LEN] = {0};
        for (int i = 0; i < ZP_WIRES; i++)
            w[i] = rand_kb4();
        for (int j = 0; j < ZP_CONSTS; j++)
            c[j] = rand_kb4();
        int sat = it & 1;
        for (int i = 0; sat && i < ZP_ARITH_OPS; i++)
            w[4 * i + 3] = kb4_add(kb4_mul(kb4_mul(c[0], w[4 * i]), w[4 * i + 1]),
                                   kb4_mul(c[1], w[4 * i + 2]));
        zp_gate_eval_ext(ZP_GATE_ARITH, w, c, pi, out);
        for (int i = 0; i < ZP_ARITH_OPS; i++) {
            kb4 want = kb4_sub(w[4 * i + 3], kb4_add(kb4_mul(c[0], kb4_mul(w[4 * i], w[4 * i + 1])),
                                                     kb4_mul(w[4 * i + 2], c[1])));
            CHECK(kb4_eq(out[i], want));
            CHECK(kb4_is_zero(out[i]) == sat);
        }
    }
}

/* ARITH_EXT in the base field computes c0 a b + c1 c with a, b, c, out read as
 * extension elements; checked against a product by a power of X, whose effect
 * (shift the coefficients, multiply the wrapped ones by 3) is easy to state. */
static void test_arith_ext_by_monomials(void)
{
    const kb three = kb_from_canonical(3);
    for (int it = 0; it < ITERS; it++) {
        kb w[ZP_WIRES], c[ZP_CONSTS], pi[ZP_PI_HASH_LEN];
        rand_row(w, c, pi);
        c[0] = KB_ONE;
        c[1] = KB_ZERO;
        int e = (int)(t_rand() % 4);
        for (int k = 0; k < 4; k++)
            w[4 + k] = k == e ? KB_ONE : KB_ZERO; /* b = X^e */
        CHECK_OK(zp_fill_arith_ext_op(w, c, 0));
        for (int k = 0; k < 4; k++) {
            int from = k - e;
            kb want = from >= 0 ? w[from] : kb_mul(three, w[from + 4]);
            CHECK_MSG(w[12 + k] == want, "a * X^%d, coefficient %d", e, k);
        }
        /* With c0 = 0 the output is c1 times c, coefficient by coefficient. */
        c[0] = KB_ZERO;
        c[1] = rand_nonzero();
        CHECK_OK(zp_fill_arith_ext_op(w, c, 1));
        for (int k = 0; k < 4; k++)
            CHECK(w[28 + k] == kb_mul(c[1], w[24 + k]));
    }
}

/* ---- Poseidon2 ---- */

static int load_kat(uint32_t in[16], uint32_t out[16])
{
    char path[1024];
    snprintf(path, sizeof path, "%s/poseidon2-koalabear16.json", t_vectors_dir());
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j) {
        fprintf(stderr, "cannot read %s: %s\n", path, err.text);
        return -1;
    }
    json_t *kat = json_array_get(json_object_get(j, "known_answer_tests"), 0);
    json_t *ki = json_object_get(kat, "input"), *ko = json_object_get(kat, "output");
    int bad = json_array_size(ki) != 16 || json_array_size(ko) != 16;
    for (size_t i = 0; !bad && i < 16; i++) {
        json_int_t a = json_integer_value(json_array_get(ki, i));
        json_int_t b = json_integer_value(json_array_get(ko, i));
        bad |= a < 0 || a >= KB_P || b < 0 || b >= KB_P;
        in[i] = (uint32_t)a;
        out[i] = (uint32_t)b;
    }
    json_decref(j);
    if (bad)
        fprintf(stderr, "%s: unexpected known-answer test shape\n", path);
    return bad ? -1 : 0;
}

static void test_poseidon2_output(void)
{
    uint32_t kin[16], kout[16];
    CHECK(load_kat(kin, kout) == 0);
    kb w[ZP_WIRES], c[ZP_CONSTS], pi[ZP_PI_HASH_LEN], out[ZP_MAX_GATE_CONSTRAINTS];
    rand_row(w, c, pi);
    for (int i = 0; i < 16; i++)
        w[ZP_P2_IN + i] = kb_from_canonical(kin[i]);
    w[ZP_P2_SWAP] = KB_ZERO;
    zp_fill_poseidon2(w);
    for (int i = 0; i < 16; i++)
        CHECK_MSG(kb_to_canonical(w[ZP_P2_OUT + i]) == kout[i], "KAT output %d: %u != %u", i,
                  kb_to_canonical(w[ZP_P2_OUT + i]), kout[i]);
    zp_gate_eval_base(ZP_GATE_POSEIDON2, w, c, pi, out);
    CHECK(all_zero(out, ZP_MAX_GATE_CONSTRAINTS));

    for (int it = 0; it < 200; it++) {
        kb s[P2_WIDTH];
        rand_row(w, c, pi);
        for (int i = 0; i < P2_WIDTH; i++)
            s[i] = w[ZP_P2_IN + i] = it == 0 ? KB_ZERO : rand_kb();
        w[ZP_P2_SWAP] = KB_ZERO;
        zp_fill_poseidon2(w);
        p2_permute(s);
        CHECK_MEM(w + ZP_P2_OUT, s, sizeof s);
        if (t_failures)
            return;
    }
}

/* The swap bit: with s = 1 the gate permutes (b, a), so its first half is
 * p2_compress(b, a), the Merkle step of a right child; with s = 0 it is
 * p2_compress(a, b). A value of s outside {0, 1} breaks constraint 0 (s^2 - s)
 * and only it, even when every other wire is filled to match. */
static void test_poseidon2_swap(void)
{
    kb w[ZP_WIRES], c[ZP_CONSTS], pi[ZP_PI_HASH_LEN], out[ZP_MAX_GATE_CONSTRAINTS];
    unsigned n = zp_gate_num_constraints(ZP_GATE_POSEIDON2);
    for (int it = 0; it < 100; it++) {
        rand_row(w, c, pi);
        p2_digest a, b, want;
        for (int i = 0; i < 8; i++) {
            a.v[i] = w[ZP_P2_IN + i];
            b.v[i] = w[ZP_P2_IN + 8 + i];
        }
        if (it == 0)
            b = a; /* equal halves: the deltas are zero whatever s is */
        memcpy(w + ZP_P2_IN + 8, b.v, sizeof b.v);
        unsigned sw = (unsigned)(it & 1);
        w[ZP_P2_SWAP] = sw ? KB_ONE : KB_ZERO;
        zp_fill_poseidon2(w);
        if (sw)
            p2_compress(&want, &b, &a);
        else
            p2_compress(&want, &a, &b);
        CHECK_MEM(w + ZP_P2_OUT, want.v, sizeof want.v);
        zp_gate_eval_base(ZP_GATE_POSEIDON2, w, c, pi, out);
        CHECK_MSG(all_zero(out, n), "swap %u: filled row fails", sw);
        CHECK(ext_matches_base(ZP_GATE_POSEIDON2, w, c, pi));
        /* the other swap value on the same wires: the deltas and the rounds break */
        w[ZP_P2_SWAP] = sw ? KB_ZERO : KB_ONE;
        zp_gate_eval_base(ZP_GATE_POSEIDON2, w, c, pi, out);
        CHECK(kb_is_zero(out[0]));
        CHECK(it == 0 || !all_zero(out, n));
    }
    const uint32_t bad[] = {2, KB_P - 1, 12345};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        rand_row(w, c, pi);
        w[ZP_P2_SWAP] = kb_from_canonical(bad[k]);
        zp_fill_poseidon2(w);
        zp_gate_eval_base(ZP_GATE_POSEIDON2, w, c, pi, out);
        CHECK_MSG(!kb_is_zero(out[0]) && all_zero(out + 1, n - 1), "swap %u: only s^2 - s may fail",
                  bad[k]);
        CHECK(ext_matches_base(ZP_GATE_POSEIDON2, w, c, pi));
    }
}

/* ---- range checks of the fillers ---- */

static void test_fill_errors(void)
{
    kb w[ZP_WIRES], keep[ZP_WIRES], c[ZP_CONSTS], pi[ZP_PI_HASH_LEN];
    kb out[ZP_MAX_GATE_CONSTRAINTS];
    rand_row(w, c, pi);

    /* BITS: 2^30 - 1 is the largest value; 2^30 and p - 1 are refused, and the row is
     * left as it was. */
    w[ZP_BITS_VALUE] = kb_from_canonical((1u << ZP_BITS) - 1);
    CHECK_OK(zp_fill_bits(w));
    for (int i = 0; i < ZP_BITS; i++)
        CHECK(w[ZP_BITS_FIRST + i] == KB_ONE);
    zp_gate_eval_base(ZP_GATE_BITS, w, c, pi, out);
    CHECK(all_zero(out, zp_gate_num_constraints(ZP_GATE_BITS)));
    w[ZP_BITS_VALUE] = KB_ZERO;
    CHECK_OK(zp_fill_bits(w));
    for (int i = 0; i < ZP_BITS; i++)
        CHECK(w[ZP_BITS_FIRST + i] == KB_ZERO);
    const uint32_t bad_bits[] = {1u << ZP_BITS, (1u << ZP_BITS) + 1, KB_P - 1};
    for (size_t k = 0; k < sizeof bad_bits / sizeof bad_bits[0]; k++) {
        w[ZP_BITS_VALUE] = kb_from_canonical(bad_bits[k]);
        memcpy(keep, w, sizeof w);
        CHECK_ERR(zp_fill_bits(w), ZK_ERR_RANGE);
        char num[16];
        snprintf(num, sizeof num, "%u", bad_bits[k]);
        CHECK_MSG(strstr(zk_err_detail(), num) != NULL, "detail '%s' names %s", zk_err_detail(),
                  num);
        CHECK_MEM(w, keep, sizeof w);
    }
    /* Bits of 2^30 are 30 zeros: a row claiming them for 2^30 fails the sum. */
    w[ZP_BITS_VALUE] = kb_from_canonical(1u << ZP_BITS);
    for (int i = 0; i < ZP_BITS; i++)
        w[ZP_BITS_FIRST + i] = KB_ZERO;
    zp_gate_eval_base(ZP_GATE_BITS, w, c, pi, out);
    CHECK(!kb_is_zero(out[0]));

    /* RANDOM_ACCESS: every index 0..15 selects its value; 16 and p - 1 are refused. */
    for (uint32_t idx = 0; idx < 16; idx++) {
        w[ZP_RA_INDEX] = kb_from_canonical(idx);
        CHECK_OK(zp_fill_random_access(w));
        CHECK(w[ZP_RA_OUT] == w[ZP_RA_VALUES + idx]);
        zp_gate_eval_base(ZP_GATE_RANDOM_ACCESS, w, c, pi, out);
        CHECK(all_zero(out, zp_gate_num_constraints(ZP_GATE_RANDOM_ACCESS)));
    }
    const uint32_t bad_idx[] = {16, 17, KB_P - 1};
    for (size_t k = 0; k < sizeof bad_idx / sizeof bad_idx[0]; k++) {
        w[ZP_RA_INDEX] = kb_from_canonical(bad_idx[k]);
        memcpy(keep, w, sizeof w);
        CHECK_ERR(zp_fill_random_access(w), ZK_ERR_RANGE);
        CHECK_MEM(w, keep, sizeof w);
    }
    /* Index 16 with the bits of 0 (or of anything) fails the index constraint. */
    w[ZP_RA_INDEX] = KB_ZERO;
    CHECK_OK(zp_fill_random_access(w));
    w[ZP_RA_INDEX] = kb_from_canonical(16);
    zp_gate_eval_base(ZP_GATE_RANDOM_ACCESS, w, c, pi, out);
    CHECK(!kb_is_zero(out[ZP_RA_BITS]));

    /* Operation numbers past the row. */
    memcpy(keep, w, sizeof w);
    CHECK_ERR(zp_fill_arith_op(w, c, ZP_ARITH_OPS), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zp_fill_arith_op(w, c, ~0u), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zp_fill_arith_ext_op(w, c, ZP_ARITH_EXT_OPS), ZK_ERR_INVALID_ARG);
    CHECK_MEM(w, keep, sizeof w);
}

int main(void)
{
    t_seed();
    test_counts_and_names();
    test_fill_and_mutate();
    test_ext_embeds_base();
    test_ext_by_interpolation();
    test_ext_frobenius();
    test_arith_ext_direct();
    test_arith_ext_by_monomials();
    test_poseidon2_output();
    test_poseidon2_swap();
    test_fill_errors();
    return t_report("test_plonk_gates");
}
