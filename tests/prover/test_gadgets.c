/* Gadgets (prover/gadgets.h): one circuit uses every gadget; random and edge-case
 * witnesses are proven with the "test" preset, verified, and every output is
 * compared with a native computation (p2_compress, a tree of prover/mtree.h,
 * uint32_t / uint64_t arithmetic, kb4 arithmetic). Witnesses that break a gadget
 * (a non-boolean bit, a limb too wide, a u32 at or above p, a wrong Merkle path,
 * x >= y where x < y is asserted, a wrong output) make proving fail. */
#include <stdlib.h>
#include <string.h>

#include "../test.h"
#include "common/error.h"
#include "prover/circuit.h"
#include "prover/circuit_internal.h"
#include "prover/gadgets.h"
#include "prover/mtree.h"
#include "prover/plonk_prove.h"
#include "verifier/kb4.h"
#include "verifier/p2.h"
#include "verifier/plonk.h"

#define SMALL_BITS  20
#define TREE_DEPTH  4
#define TREE_WIDTH  5
#define TREE_HEIGHT (1u << TREE_DEPTH)

typedef struct circ {
    cb_circuit *c;
    /* selection, zero tests */
    cb_target bit, x, y, sel, iz, ie;
    cb_ext xe, ye, ze, sel_e, inv, sq, p8, ma;
    /* FRI fold */
    cb_ext v0, v1, beta, fold;
    cb_target px;
    /* range checks, comparisons */
    cb_target sx, sy, lt, sbits[SMALL_BITS], ax, ay;
    /* u32 */
    gd_u32 ua, ub, usum, udiff, ufrom, uc;
    cb_target ucarry, uborrow, ult, ueq, uct, ux;
    /* u64 */
    gd_u64 a, bb, sum, diff;
    cb_target carry, borrow, lt64, eq64;
    /* hashing, Merkle */
    cb_target cl[8], cr[8], cout[8], swb, swo[16];
    cb_target row[TREE_WIDTH], mbits[TREE_DEPTH], sib[TREE_DEPTH][8], mroot[8], index, vroot[8];
} circ;

typedef struct vals {
    uint32_t bit;
    kb x, y, px;
    kb4 xe, ye, ze, v0, v1, beta;
    uint32_t sx, sy, ax, ay;
    uint32_t ua, ub, uc;
    kb ux;
    uint64_t a, bb;
    p2_digest cl, cr;
    uint32_t swb;
    uint32_t leaf, index, mbits[TREE_DEPTH];
    p2_digest sib[TREE_DEPTH], root;
    int skip_ub; /* set_vals leaves ub's limbs to the caller */
    int skip_bb; /* and bb's */
} vals;

/* The tree the Merkle gadgets are checked against. */
static kb tree_data[TREE_HEIGHT * TREE_WIDTH];
static mt_tree *tree;

static kb rand_kb(void)
{
    return kb_from_canonical((uint32_t)(t_rand() % KB_P));
}

static kb4 rand_kb4(void)
{
    return (kb4){{rand_kb(), rand_kb(), rand_kb(), rand_kb()}};
}

static void build(circ *m)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    cb_builder *b;
    CHECK_OK(cb_new(&b, &fri, 0));
    memset(m, 0, sizeof *m);

    m->bit = cb_virtual(b);
    m->x = cb_virtual(b);
    m->y = cb_virtual(b);
    m->sel = gd_select(b, m->bit, m->x, m->y);
    m->iz = gd_is_zero(b, m->x);
    m->ie = gd_is_equal(b, m->x, m->y);
    m->xe = cb_ext_virtual(b);
    m->ye = cb_ext_virtual(b);
    m->ze = cb_ext_virtual(b);
    m->sel_e = gd_select_ext(b, m->bit, m->xe, m->ye);
    m->inv = gd_ext_inverse(b, m->xe);
    m->sq = gd_ext_square(b, m->xe);
    m->p8 = gd_ext_pow2(b, m->xe, 3);
    m->ma = gd_ext_mul_add(b, m->xe, m->ye, m->ze);

    m->v0 = cb_ext_virtual(b);
    m->v1 = cb_ext_virtual(b);
    m->beta = cb_ext_virtual(b);
    m->px = cb_virtual(b);
    m->fold = gd_fri_fold_pair(b, m->v0, m->v1, m->beta, m->px);

    m->sx = cb_virtual(b);
    m->sy = cb_virtual(b);
    gd_split_bits(b, m->sx, SMALL_BITS, m->sbits);
    gd_range_check(b, m->sy, SMALL_BITS);
    m->lt = gd_lt(b, m->sx, m->sy, SMALL_BITS);
    m->ax = cb_virtual(b);
    m->ay = cb_virtual(b);
    gd_range_check(b, m->ax, SMALL_BITS);
    gd_range_check(b, m->ay, SMALL_BITS);
    gd_assert_lt(b, m->ax, m->ay, SMALL_BITS);

    m->ua = gd_u32_input(b);
    m->ub = gd_u32_input(b);
    gd_u32_add(b, m->ua, m->ub, &m->usum, &m->ucarry);
    gd_u32_sub(b, m->ua, m->ub, &m->udiff, &m->uborrow);
    m->ult = gd_u32_lt(b, m->ua, m->ub);
    m->ueq = gd_u32_eq(b, m->ua, m->ub);
    m->uc = gd_u32_input(b);
    m->uct = gd_u32_to_target(b, m->uc);
    m->ux = cb_virtual(b);
    m->ufrom = gd_u32_from_target(b, m->ux);

    m->a = gd_u64_input(b);
    m->bb = gd_u64_input(b);
    gd_u64_add(b, m->a, m->bb, &m->sum, &m->carry);
    gd_u64_sub(b, m->a, m->bb, &m->diff, &m->borrow);
    m->lt64 = gd_u64_lt(b, m->a, m->bb);
    m->eq64 = gd_u64_eq(b, m->a, m->bb);

    for (int k = 0; k < 8; k++) {
        m->cl[k] = cb_virtual(b);
        m->cr[k] = cb_virtual(b);
    }
    gd_compress(b, m->cl, m->cr, m->cout);
    m->swb = cb_virtual(b);
    cb_poseidon2_swap(b, m->cl, m->cr, m->swb, m->swo);

    /* the leaf is hashed in the circuit as mtree hashes a row */
    for (int k = 0; k < TREE_WIDTH; k++)
        m->row[k] = cb_virtual(b);
    cb_target leaf[8];
    cb_hash(b, P2_DOM_MERKLE_LEAF, m->row, TREE_WIDTH, leaf);
    for (int i = 0; i < TREE_DEPTH; i++) {
        m->mbits[i] = cb_virtual(b);
        for (int k = 0; k < 8; k++)
            m->sib[i][k] = cb_virtual(b);
    }
    gd_merkle_root(b, leaf, m->mbits, TREE_DEPTH, (const cb_target(*)[8])m->sib, m->mroot);
    m->index = cb_virtual(b);
    for (int k = 0; k < 8; k++)
        m->vroot[k] = cb_virtual(b);
    gd_merkle_verify(b, leaf, m->index, TREE_DEPTH, (const cb_target(*)[8])m->sib, m->vroot);
    for (int k = 0; k < 8; k++)
        cb_public_input(b, m->mroot[k]);
    printf("gadget circuit: %zu gate rows\n", cb_rows(b));
    CHECK_OK(cb_build(b, &m->c));
}

/* Random values for every input; pick chooses among edge cases. */
static void make_vals(vals *v, unsigned pick)
{
    static const uint64_t edge64[] = {0,
                                      1,
                                      UINT64_MAX,
                                      UINT64_MAX - 1,
                                      0xffffull,
                                      0x10000ull,
                                      0x0000ffffffff0000ull,
                                      1ull << 63,
                                      0xffffffffull};
    static const uint32_t edge32[] = {0, 1, UINT32_MAX, 0xffff, 0x10000, 0x7f000000u, 0x80000000u};
    size_t n64 = sizeof edge64 / sizeof edge64[0], n32 = sizeof edge32 / sizeof edge32[0];
    memset(v, 0, sizeof *v);
    v->bit = pick & 1;
    v->x = (pick % 3 == 0) ? KB_ZERO : rand_kb();
    v->y = (pick % 4 == 1) ? v->x : rand_kb();
    v->px = rand_kb();
    if (kb_is_zero(v->px))
        v->px = KB_ONE;
    v->xe = rand_kb4();
    if (kb4_is_zero(v->xe))
        v->xe = kb4_one();
    v->ye = rand_kb4();
    v->ze = rand_kb4();
    v->v0 = rand_kb4();
    v->v1 = rand_kb4();
    v->beta = rand_kb4();
    uint32_t smax = (1u << SMALL_BITS) - 1;
    v->sx = (uint32_t)t_rand() & smax;
    v->sy = pick % 5 == 2 ? v->sx : (uint32_t)t_rand() & smax;
    if (pick == 1) {
        v->sx = 0;
        v->sy = smax;
    } else if (pick == 2) {
        v->sx = smax;
        v->sy = 0;
    }
    v->ax = (uint32_t)t_rand() % smax;
    v->ay = v->ax + 1 + (uint32_t)(t_rand() % (smax - v->ax));
    v->ua = pick < n32 ? edge32[pick] : (uint32_t)t_rand();
    v->ub =
        pick % 4 == 3 ? v->ua : (pick < n32 ? edge32[(pick * 5 + 1) % n32] : (uint32_t)t_rand());
    v->uc = pick < n32 && edge32[pick] <= 0x7f000000u ? edge32[pick] : (uint32_t)(t_rand() % KB_P);
    v->ux = pick == 0 ? kb_from_canonical(KB_P - 1) : rand_kb();
    v->a = pick < n64 ? edge64[pick] : t_rand();
    v->bb = pick % 4 == 3 ? v->a : (pick < n64 ? edge64[(pick * 7 + 2) % n64] : t_rand());
    for (int k = 0; k < 8; k++) {
        v->cl.v[k] = rand_kb();
        v->cr.v[k] = rand_kb();
    }
    v->swb = (pick >> 1) & 1;
    v->leaf = (uint32_t)(t_rand() % TREE_HEIGHT);
    v->index = v->leaf;
    for (int i = 0; i < TREE_DEPTH; i++)
        v->mbits[i] = (v->leaf >> i) & 1;
    kb rowbuf[TREE_WIDTH];
    CHECK_OK(mt_open(tree, v->leaf, rowbuf, TREE_WIDTH, v->sib, TREE_DEPTH));
    v->root = mt_cap(tree, NULL)[0];
}

static int set_ext(cb_witness *w, cb_ext t, kb4 x)
{
    return cb_witness_set_ext(w, t, x);
}

static int set_vals(cb_witness *w, const circ *m, const vals *v)
{
    int rc = cb_witness_set(w, m->bit, kb_from_u32(v->bit));
    rc = rc ? rc : cb_witness_set(w, m->x, v->x);
    rc = rc ? rc : cb_witness_set(w, m->y, v->y);
    rc = rc ? rc : set_ext(w, m->xe, v->xe);
    rc = rc ? rc : set_ext(w, m->ye, v->ye);
    rc = rc ? rc : set_ext(w, m->ze, v->ze);
    rc = rc ? rc : set_ext(w, m->v0, v->v0);
    rc = rc ? rc : set_ext(w, m->v1, v->v1);
    rc = rc ? rc : set_ext(w, m->beta, v->beta);
    rc = rc ? rc : cb_witness_set(w, m->px, v->px);
    rc = rc ? rc : cb_witness_set(w, m->sx, kb_from_u32(v->sx));
    rc = rc ? rc : cb_witness_set(w, m->sy, kb_from_u32(v->sy));
    rc = rc ? rc : cb_witness_set(w, m->ax, kb_from_u32(v->ax));
    rc = rc ? rc : cb_witness_set(w, m->ay, kb_from_u32(v->ay));
    rc = rc ? rc : gd_u32_set(w, m->ua, v->ua);
    if (!v->skip_ub)
        rc = rc ? rc : gd_u32_set(w, m->ub, v->ub);
    rc = rc ? rc : gd_u32_set(w, m->uc, v->uc);
    rc = rc ? rc : cb_witness_set(w, m->ux, v->ux);
    rc = rc ? rc : gd_u64_set(w, m->a, v->a);
    if (!v->skip_bb)
        rc = rc ? rc : gd_u64_set(w, m->bb, v->bb);
    for (int k = 0; k < 8 && !rc; k++) {
        rc = cb_witness_set(w, m->cl[k], v->cl.v[k]);
        rc = rc ? rc : cb_witness_set(w, m->cr[k], v->cr.v[k]);
        rc = rc ? rc : cb_witness_set(w, m->vroot[k], v->root.v[k]);
    }
    rc = rc ? rc : cb_witness_set(w, m->swb, kb_from_u32(v->swb));
    for (int k = 0; k < TREE_WIDTH && !rc; k++)
        rc = cb_witness_set(w, m->row[k], tree_data[v->leaf * TREE_WIDTH + k]);
    for (int i = 0; i < TREE_DEPTH && !rc; i++) {
        rc = cb_witness_set(w, m->mbits[i], kb_from_u32(v->mbits[i]));
        for (int k = 0; k < 8 && !rc; k++)
            rc = cb_witness_set(w, m->sib[i][k], v->sib[i].v[k]);
    }
    return rc ? rc : cb_witness_set(w, m->index, kb_from_u32(v->index));
}

static uint32_t get(const cb_witness *w, cb_target t)
{
    kb x = KB_ZERO;
    CHECK_OK(cb_witness_get(w, t, &x));
    return kb_to_canonical(x);
}

static kb4 get_ext(const cb_witness *w, cb_ext t)
{
    kb4 r = kb4_zero();
    for (int k = 0; k < 4; k++)
        CHECK_OK(cb_witness_get(w, t.c[k], &r.c[k]));
    return r;
}

/* Proves v, verifies the proof and compares every output with native code. */
static void check_vals(const circ *m, const vals *v)
{
    cb_witness *w;
    CHECK_OK(cb_witness_new(&w, m->c));
    CHECK_OK(set_vals(w, m, v));
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[8];
    int rc = zp_prove(m->c, w, NULL, &proof, pi);
    CHECK_OK(rc);
    if (rc) {
        zk_buf_free(&proof);
        cb_witness_free(w);
        return;
    }
    CHECK_OK(zp_verify(cb_circuit_vk(m->c), pi, 8, proof.data, proof.len, 0, NULL));

    CHECK(get(w, m->sel) == kb_to_canonical(v->bit ? v->y : v->x));
    CHECK(kb4_eq(get_ext(w, m->sel_e), v->bit ? v->ye : v->xe));
    CHECK_EQ(get(w, m->iz), kb_is_zero(v->x));
    CHECK_EQ(get(w, m->ie), v->x == v->y);
    CHECK(kb4_eq(get_ext(w, m->inv), kb4_inv(v->xe)));
    CHECK(kb4_eq(kb4_mul(get_ext(w, m->inv), v->xe), kb4_one()));
    CHECK(kb4_eq(get_ext(w, m->sq), kb4_mul(v->xe, v->xe)));
    CHECK(kb4_eq(get_ext(w, m->p8), kb4_pow(v->xe, 8)));
    CHECK(kb4_eq(get_ext(w, m->ma), kb4_add(kb4_mul(v->xe, v->ye), v->ze)));

    /* (v0 + v1) / 2 + beta (v0 - v1) / (2 x) */
    kb half = kb_inv(kb_from_u32(2));
    kb4 want =
        kb4_add(kb4_mul_base(kb4_add(v->v0, v->v1), half),
                kb4_mul(v->beta, kb4_mul_base(kb4_sub(v->v0, v->v1), kb_inv(kb_double(v->px)))));
    CHECK(kb4_eq(get_ext(w, m->fold), want));

    CHECK_EQ(get(w, m->lt), v->sx < v->sy);
    for (int i = 0; i < SMALL_BITS; i++)
        CHECK_EQ(get(w, m->sbits[i]), (v->sx >> i) & 1);

    uint32_t u;
    CHECK_OK(gd_u32_get(w, m->usum, &u));
    CHECK_EQ(u, (uint32_t)(v->ua + v->ub));
    CHECK_EQ(get(w, m->ucarry), (uint64_t)v->ua + v->ub > UINT32_MAX);
    CHECK_OK(gd_u32_get(w, m->udiff, &u));
    CHECK_EQ(u, (uint32_t)(v->ua - v->ub));
    CHECK_EQ(get(w, m->uborrow), v->ua < v->ub);
    CHECK_EQ(get(w, m->ult), v->ua < v->ub);
    CHECK_EQ(get(w, m->ueq), v->ua == v->ub);
    CHECK_EQ(get(w, m->uct), v->uc);
    CHECK_OK(gd_u32_get(w, m->ufrom, &u));
    CHECK_EQ(u, kb_to_canonical(v->ux));

    uint64_t r;
    CHECK_OK(gd_u64_get(w, m->sum, &r));
    CHECK(r == v->a + v->bb);
    CHECK_EQ(get(w, m->carry), v->a + v->bb < v->a);
    CHECK_OK(gd_u64_get(w, m->diff, &r));
    CHECK(r == v->a - v->bb);
    CHECK_EQ(get(w, m->borrow), v->a < v->bb);
    CHECK_EQ(get(w, m->lt64), v->a < v->bb);
    CHECK_EQ(get(w, m->eq64), v->a == v->bb);

    p2_digest want_c;
    p2_compress(&want_c, &v->cl, &v->cr);
    for (int k = 0; k < 8; k++)
        CHECK(get(w, m->cout[k]) == kb_to_canonical(want_c.v[k]));
    /* the swap row: the permutation of (cr, cl) when the bit is set */
    kb st[16];
    memcpy(st, (v->swb ? &v->cr : &v->cl)->v, 8 * sizeof(kb));
    memcpy(st + 8, (v->swb ? &v->cl : &v->cr)->v, 8 * sizeof(kb));
    p2_permute(st);
    for (int k = 0; k < 16; k++)
        CHECK(get(w, m->swo[k]) == kb_to_canonical(st[k]));
    if (v->swb)
        p2_compress(&want_c, &v->cr, &v->cl);
    for (int k = 0; k < 8; k++)
        CHECK(get(w, m->swo[k]) == kb_to_canonical(want_c.v[k]));

    /* the root: the tree's cap, and a native walk up the path */
    p2_digest node;
    mk_row row = {.v = &tree_data[v->leaf * TREE_WIDTH], .len = TREE_WIDTH};
    mk_hash_rows(&node, &row, 1);
    for (int i = 0; i < TREE_DEPTH; i++) {
        if ((v->leaf >> i) & 1)
            p2_compress(&node, &v->sib[i], &node);
        else
            p2_compress(&node, &node, &v->sib[i]);
    }
    for (int k = 0; k < 8; k++) {
        CHECK(get(w, m->mroot[k]) == kb_to_canonical(node.v[k]));
        CHECK(node.v[k] == v->root.v[k]);
        CHECK(pi[k] == node.v[k]);
    }
    zk_buf_free(&proof);
    cb_witness_free(w);
}

/* What a broken witness changes. */
enum bad {
    BAD_BIT = 0,    /* select / Merkle bit 2 */
    BAD_MBIT,       /* a Merkle index bit 2 */
    BAD_SWAP,       /* a Poseidon2 swap bit p - 1 */
    BAD_LIMB,       /* a u32 limb of 2^16 */
    BAD_LIMB64,     /* a u64 limb of 2^16 */
    BAD_U32_P,      /* gd_u32_to_target of p */
    BAD_U32_MAX,    /* gd_u32_to_target of 2^32 - 1 */
    BAD_SIB,        /* a sibling changed */
    BAD_ROOT,       /* the root to verify against changed */
    BAD_INDEX,      /* an index of 2^depth */
    BAD_INDEX_PATH, /* another leaf's index */
    BAD_ASSERT_LT,  /* x == y where x < y is asserted */
    BAD_SMALL,      /* a lt operand of 2^20 */
    BAD_EXT_ZERO,   /* the inverse of zero */
    BAD_FOLD_ZERO,  /* folding at x = 0 */
    BAD_OUT_SEL,    /* an output set to a wrong value: select */
    BAD_OUT_ISZERO, /* is_zero */
    BAD_OUT_CARRY,  /* u64 carry */
    BAD_OUT_SUM,    /* u64 sum limb */
    BAD_OUT_LT,     /* gd_lt */
    BAD_COUNT
};

static void check_bad(const circ *m, enum bad which)
{
    vals v;
    make_vals(&v, 100 + (unsigned)which);
    if (which == BAD_BIT)
        v.bit = 2;
    if (which == BAD_MBIT)
        v.mbits[0] = 2;
    if (which == BAD_SWAP)
        v.swb = KB_P - 1;
    if (which == BAD_U32_P)
        v.uc = KB_P;
    if (which == BAD_U32_MAX)
        v.uc = UINT32_MAX;
    if (which == BAD_SIB)
        v.sib[TREE_DEPTH - 1].v[3] = kb_add(v.sib[TREE_DEPTH - 1].v[3], KB_ONE);
    if (which == BAD_ROOT)
        v.root.v[7] = kb_add(v.root.v[7], KB_ONE);
    if (which == BAD_INDEX)
        v.index = v.leaf + TREE_HEIGHT;
    if (which == BAD_INDEX_PATH)
        v.index = v.leaf ^ 1;
    if (which == BAD_ASSERT_LT)
        v.ay = v.ax;
    if (which == BAD_SMALL)
        v.sx = 1u << SMALL_BITS;
    if (which == BAD_EXT_ZERO)
        v.xe = kb4_zero();
    if (which == BAD_FOLD_ZERO)
        v.px = KB_ZERO;
    if (which == BAD_LIMB) {
        v.ub |= 0x10000u; /* a high limb to borrow from */
        v.skip_ub = 1;
    }
    if (which == BAD_LIMB64) {
        v.bb |= 1ull << 48;
        v.skip_bb = 1;
    }
    cb_witness *w;
    CHECK_OK(cb_witness_new(&w, m->c));
    CHECK_OK(set_vals(w, m, &v));
    int rc = ZK_OK;
    switch (which) {
    case BAD_LIMB:
        /* the same integer with a 17-bit low limb: lo + 2^16, hi - 1 */
        rc = cb_witness_set(w, m->ub.lo, kb_from_u32((v.ub & 0xffffu) + 0x10000u));
        rc = rc ? rc : cb_witness_set(w, m->ub.hi, kb_from_u32((v.ub >> 16) - 1));
        break;
    case BAD_LIMB64:
        /* limb 2 of 2^16 + limb, limb 3 one less */
        for (int i = 0; i < 4 && !rc; i++) {
            uint32_t l = (uint32_t)(v.bb >> (16 * i)) & 0xffffu;
            rc = cb_witness_set(w, m->bb.l[i],
                                kb_from_u32(i == 2   ? l + 0x10000u
                                            : i == 3 ? l - 1
                                                     : l));
        }
        break;
    case BAD_OUT_SEL: rc = cb_witness_set(w, m->sel, kb_add(v.bit ? v.y : v.x, KB_ONE)); break;
    case BAD_OUT_ISZERO: rc = cb_witness_set(w, m->iz, kb_is_zero(v.x) ? KB_ZERO : KB_ONE); break;
    case BAD_OUT_CARRY:
        rc = cb_witness_set(w, m->carry, v.a + v.bb < v.a ? KB_ZERO : KB_ONE);
        break;
    case BAD_OUT_SUM:
        rc = cb_witness_set(w, m->sum.l[1],
                            kb_from_u32((uint32_t)(((v.a + v.bb) >> 16) + 1) & 0xffffu));
        break;
    case BAD_OUT_LT: rc = cb_witness_set(w, m->lt, v.sx < v.sy ? KB_ZERO : KB_ONE); break;
    default: break;
    }
    CHECK_OK(rc);
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[8];
    rc = zp_prove(m->c, w, NULL, &proof, pi);
    CHECK_MSG(rc == ZK_ERR_PROOF || rc == ZK_ERR_RANGE, "bad witness %d: zp_prove returned %d",
              (int)which, rc);
    CHECK(proof.len == 0);
    printf("bad witness %d rejected: %s\n", (int)which, zk_err_detail());
    zk_buf_free(&proof);
    cb_witness_free(w);
}

/* ---- lying generators (cb_witness_override) ---- */

enum lie_mode {
    LIE_NONE = 0,  /* the override sees everything and changes nothing */
    LIE_WRONG,     /* the output: a bit flipped, any other value + 1 */
    LIE_IS_ZERO,   /* gd_is_zero of x != 0 says 1, with inv = 0 so x inv = 1 - out holds */
    LIE_U32_SPLIT, /* gd_u32_from_target's limbs split x + p instead of x */
    LIE_FOLD_INV,  /* gd_fri_fold_pair's 1/(2x) + 1 */
};

typedef struct lie {
    int mode;
    uint32_t root;  /* the copy class of the output to lie about */
    uint32_t input; /* LIE_FOLD_INV: the class of the generator's input x */
    size_t fired;   /* out: outputs changed */
    size_t seen;    /* out: generators seen */
} lie;

static uint32_t root_of(const cb_circuit *c, cb_target t)
{
    return c->cls[cb_slot(c, t)];
}

static void do_lie(void *ctx, const cb_circuit *c, const cb_target *in, size_t nin,
                   const cb_target *out, kb *ov, size_t nout)
{
    lie *l = ctx;
    l->seen++;
    if (l->mode == LIE_FOLD_INV) {
        if (nin == 1 && nout == 1 && root_of(c, in[0]) == l->input) {
            ov[0] = kb_add(ov[0], KB_ONE);
            l->fired++;
        }
        return;
    }
    for (size_t i = 0; i < nout; i++) {
        if (l->mode == LIE_NONE || root_of(c, out[i]) != l->root)
            continue;
        l->fired++;
        if (l->mode == LIE_IS_ZERO) {
            ov[i] = KB_ONE;  /* out */
            ov[0] = KB_ZERO; /* inv, the generator's other output */
        } else if (l->mode == LIE_U32_SPLIT) {
            /* (lo, hi) -> (lo + 1, hi + 0x7f00): the same field element */
            ov[0] = kb_add(ov[0], KB_ONE);
            ov[1] = kb_add(ov[1], kb_from_u32(0x7f00));
        } else if (ov[i] == KB_ZERO || ov[i] == KB_ONE) {
            ov[i] = kb_sub(KB_ONE, ov[i]);
        } else {
            ov[i] = kb_add(ov[i], KB_ONE);
        }
    }
}

typedef struct lie_case {
    const char *gadget;
    int mode;
    cb_target target; /* the output lied about (CB_NONE: a bad input instead) */
    const char *gate; /* the gate whose constraint must stop it */
} lie_case;

/* For each gadget a generator forces a wrong output (or a bad input is forced
 * through a generator that would refuse it); the solver, told to behave like a
 * prover writing its own trace, must be stopped by an unsatisfied constraint of
 * the named gate type, with its row. */
static void test_lying_generators(const circ *m)
{
    const cb_circuit *c = m->c;
    const lie_case cases[] = {
        {"gd_assert_bool (bit 2)", LIE_NONE, CB_NONE, "arith"},
        {"gd_select", LIE_WRONG, m->sel, "arith"},
        {"gd_select_ext", LIE_WRONG, m->sel_e.c[2], "arith"},
        {"gd_is_zero", LIE_WRONG, m->iz, "arith"},
        {"gd_is_zero (x inv = 1 - out kept)", LIE_IS_ZERO, m->iz, "arith"},
        {"gd_is_equal", LIE_WRONG, m->ie, "arith"},
        {"gd_range_check (2^20)", LIE_NONE, CB_NONE, "bits"},
        {"gd_split_bits", LIE_WRONG, m->sbits[3], "bits"},
        {"gd_lt", LIE_WRONG, m->lt, "bits"},
        {"gd_assert_lt (x == y)", LIE_NONE, CB_NONE, "bits"},
        {"gd_compress", LIE_WRONG, m->cout[5], "poseidon2"},
        {"gd_merkle_root", LIE_WRONG, m->mroot[0], "poseidon2"},
        {"gd_merkle_root (index bit 2)", LIE_NONE, CB_NONE, "poseidon2"},
        {"gd_merkle_verify (index bit)", LIE_WRONG, CB_NONE, "bits"},
        {"gd_u32_input (limb 2^16)", LIE_NONE, CB_NONE, "bits"},
        {"gd_u32_to_target", LIE_WRONG, m->uct, "arith"},
        {"gd_u32_from_target (x + p)", LIE_U32_SPLIT, m->ufrom.lo, "bits"},
        {"gd_u32_add sum", LIE_WRONG, m->usum.hi, "arith"},
        {"gd_u32_add carry", LIE_WRONG, m->ucarry, "bits"},
        {"gd_u32_sub", LIE_WRONG, m->udiff.lo, "arith"},
        {"gd_u32_sub borrow", LIE_WRONG, m->uborrow, "arith"},
        {"gd_u32_lt", LIE_WRONG, m->ult, "arith"},
        {"gd_u32_eq", LIE_WRONG, m->ueq, "arith"},
        {"gd_u64_add sum", LIE_WRONG, m->sum.l[2], "arith"},
        {"gd_u64_add carry", LIE_WRONG, m->carry, "bits"},
        {"gd_u64_sub", LIE_WRONG, m->diff.l[3], "arith"},
        {"gd_u64_sub borrow", LIE_WRONG, m->borrow, "arith"},
        {"gd_u64_lt", LIE_WRONG, m->lt64, "arith"},
        {"gd_u64_eq", LIE_WRONG, m->eq64, "arith"},
        {"gd_ext_inverse", LIE_WRONG, m->inv.c[1], "arith_ext"},
        {"gd_ext_square", LIE_WRONG, m->sq.c[0], "arith_ext"},
        {"gd_ext_pow2", LIE_WRONG, m->p8.c[3], "arith_ext"},
        {"gd_ext_mul_add", LIE_WRONG, m->ma.c[2], "arith_ext"},
        {"gd_fri_fold_pair", LIE_WRONG, m->fold.c[0], "arith_ext"},
        {"gd_fri_fold_pair 1/(2x)", LIE_FOLD_INV, CB_NONE, "arith"},
    };
    size_t n = (size_t)1 << c->log_n;
    kb *trace = malloc(n * ZP_WIRES * sizeof *trace);
    CHECK(trace != NULL);
    if (!trace)
        return;
    for (int control = 1; control >= 0; control--) {
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            const lie_case *lc = &cases[k];
            vals v;
            make_vals(&v, 7 + (unsigned)k);
            v.x = kb_from_u32(5); /* is_zero / is_equal lies need x != 0, x != y */
            v.y = kb_from_u32(6);
            v.ux = kb_from_u32(0x12345); /* a high limb with room for 0x7f00 more */
            cb_target target = lc->target;
            if (!strcmp(lc->gadget, "gd_merkle_verify (index bit)")) {
                /* the index's split: bit 0 of the BITS row whose value is index */
                target = CB_NONE;
                for (size_t r = 0; r < c->gate_rows && target == CB_NONE; r++)
                    if (c->row_gate[r] == ZP_GATE_BITS &&
                        root_of(c, (cb_target)(r * ZP_WIRES)) == root_of(c, m->index))
                        target = (cb_target)(r * ZP_WIRES + ZP_BITS_FIRST);
                CHECK(target != CB_NONE);
            }
            int bad_input = lc->mode == LIE_NONE;
            if (!control && bad_input) {
                if (strstr(lc->gadget, "assert_bool"))
                    v.bit = 2;
                else if (strstr(lc->gadget, "range_check"))
                    v.sy = 1u << SMALL_BITS;
                else if (strstr(lc->gadget, "assert_lt"))
                    v.ay = v.ax;
                else if (strstr(lc->gadget, "index bit 2"))
                    v.mbits[1] = 2;
            }
            int wide_limb = !control && strstr(lc->gadget, "gd_u32_input") != NULL;
            if (wide_limb) {
                v.ub |= 0x10000u; /* a high limb to borrow from */
                v.skip_ub = 1;
            }
            cb_witness *w;
            CHECK_OK(cb_witness_new(&w, c));
            CHECK_OK(set_vals(w, m, &v));
            if (wide_limb) {
                /* the same integer with a 17-bit low limb: lo + 2^16, hi - 1 */
                CHECK_OK(cb_witness_set(w, m->ub.lo, kb_from_u32((v.ub & 0xffffu) + 0x10000u)));
                CHECK_OK(cb_witness_set(w, m->ub.hi, kb_from_u32((v.ub >> 16) - 1)));
            }
            lie l = {.mode = control ? LIE_NONE : lc->mode,
                     .root = target == CB_NONE ? UINT32_MAX : root_of(c, target),
                     .input = root_of(c, m->px)};
            cb_witness_override(w, do_lie, &l);
            kb pi[8];
            int rc = cb_witness_solve(w, trace, pi);
            if (control) {
                CHECK_MSG(rc == ZK_OK && l.seen > 0 && l.fired == 0,
                          "%s: an override that changes nothing must not fail (%d: %s)", lc->gadget,
                          rc, rc ? zk_err_detail() : "");
            } else {
                char gate[48];
                snprintf(gate, sizeof gate, "of the %s gate at row", lc->gate);
                CHECK_MSG(bad_input || l.fired > 0, "%s: the lie never happened", lc->gadget);
                CHECK_MSG(rc == ZK_ERR_PROOF && strstr(zk_err_detail(), "unsatisfied witness") &&
                              strstr(zk_err_detail(), gate),
                          "%s: solve returned %d (%s), wanted an unsatisfied %s constraint",
                          lc->gadget, rc, rc ? zk_err_detail() : "accepted", lc->gate);
                printf("lie %-36s stopped: %s\n", lc->gadget, zk_err_detail());
            }
            cb_witness_free(w);
        }
    }
    free(trace);
}

/* Bad arguments fail the builder, with a detail naming the gadget. */
static void test_bad_args(void)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    struct {
        int which;
        const char *name;
    } cases[] = {{0, "gd_range_check"}, {1, "gd_lt"},        {2, "gd_merkle_verify"},
                 {3, "gd_split_bits"},  {4, "gd_assert_lt"}, {5, "gd_merkle_root"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cb_builder *b;
        CHECK_OK(cb_new(&b, &fri, 0));
        cb_target x = cb_virtual(b), r[8], bits[31];
        for (int k = 0; k < 8; k++)
            r[k] = x;
        switch (cases[i].which) {
        case 0: gd_range_check(b, x, 31); break;
        case 1: (void)gd_lt(b, x, x, 30); break;
        case 2: gd_merkle_verify(b, r, x, 31, NULL, r); break;
        case 3: gd_split_bits(b, x, 31, bits); break;
        case 4: gd_assert_lt(b, x, x, 0); break;
        default: gd_merkle_root(b, r, bits, GD_MAX_MERKLE_DEPTH + 1, NULL, r); break;
        }
        CHECK_ERR(cb_error(b), ZK_ERR_INVALID_ARG);
        /* later calls do nothing and the first detail survives to cb_build */
        CHECK(cb_add(b, x, x) == CB_NONE);
        cb_circuit *c = NULL;
        CHECK_ERR(cb_build(b, &c), ZK_ERR_INVALID_ARG);
        CHECK_MSG(strstr(zk_err_detail(), cases[i].name) != NULL, "detail: %s", zk_err_detail());
        CHECK(c == NULL);
    }
}

int main(void)
{
    t_seed();
    for (size_t i = 0; i < TREE_HEIGHT * TREE_WIDTH; i++)
        tree_data[i] = rand_kb();
    mt_matrix mat = {.data = tree_data, .height = TREE_HEIGHT, .width = TREE_WIDTH};
    CHECK_OK(mt_build(&tree, &mat, 1, 0));
    circ m;
    build(&m);
    if (!m.c) {
        mt_free(tree);
        return t_report("test_gadgets");
    }
    printf("2^%u trace rows\n", cb_circuit_log_rows(m.c));
    unsigned nwit = getenv("ZK_TEST_FULL") ? 64 : 16;
    for (unsigned i = 0; i < nwit; i++) {
        vals v;
        make_vals(&v, i);
        check_vals(&m, &v);
    }
    for (int k = 0; k < BAD_COUNT; k++)
        check_bad(&m, (enum bad)k);
    test_lying_generators(&m);
    test_bad_args();
    cb_circuit_free(m.c);
    mt_free(tree);
    return t_report("test_gadgets");
}
