/* The circuit builder and the witness solver (prover/circuit.h); the shape it
 * produces is docs/PROOF.md's. */
#include "prover/circuit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/circuit_internal.h"
#include "prover/gate_fill.h"
#include "verifier/kb4.h"

#define CB_OPEN_ROWS 8          /* arithmetic rows kept open for packing */
#define CB_MAX_ROWS  (1u << 22) /* 2^24 LDE points at the smallest blowup */
#define NONE32       ((uint32_t)UINT32_MAX)

typedef struct open_row {
    kb c0, c1;     /* the row's coefficients */
    uint32_t row;  /* its index */
    unsigned used; /* operation slots taken */
} open_row;

struct cb_builder {
    fri_params fri;
    int zk;
    int err;           /* first error (sticky) */
    uint8_t *row_gate; /* per row */
    kb *row_consts;    /* ZP_CONSTS per row */
    size_t nrows, cap_rows;
    uint32_t nvirt;
    cb_target *copies; /* pairs */
    size_t ncopies, cap_copies;
    cb_gen *gens;
    size_t ngens, cap_gens;
    cb_custom *custom;
    size_t ncustom, cap_custom;
    cb_target *pool;
    size_t npool, cap_pool;
    cb_target *pi;
    size_t npi, cap_pi;
    open_row arith[CB_OPEN_ROWS];
    size_t narith;
    open_row ext[CB_OPEN_ROWS];
    size_t next;
    uint32_t const_row; /* the open CONSTANT row, or NONE32 */
    unsigned const_used;
    kb *ckeys; /* constant value -> target (open addressing) */
    cb_target *cvals;
    size_t csize, ccount;
};

static int fail(cb_builder *b, int code)
{
    if (!b->err)
        b->err = code;
    return b->err;
}

/* Grows *p (elements of size elem) to hold need; caps are doubled. */
static int grow(cb_builder *b, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return ZK_OK;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return fail(b, zk_err_set(ZK_ERR_NOMEM, "circuit builder: out of memory"));
    *p = q;
    *cap = nc;
    return ZK_OK;
}

int cb_new(cb_builder **out, const fri_params *fri, int zk)
{
    if (!out || !fri)
        return zk_err_set(ZK_ERR_INVALID_ARG, "cb_new: NULL argument");
    fri_schedule s;
    int rc = fri_schedule_make(&s, fri, ZP_MIN_LOG_ROWS);
    if (rc)
        return rc;
    cb_builder *b = calloc(1, sizeof *b);
    if (!b)
        return zk_err_set(ZK_ERR_NOMEM, "cb_new: out of memory");
    b->fri = *fri;
    b->zk = zk ? 1 : 0;
    b->const_row = NONE32;
    *out = b;
    return ZK_OK;
}

void cb_free(cb_builder *b)
{
    if (!b)
        return;
    free(b->row_gate);
    free(b->row_consts);
    free(b->copies);
    free(b->gens);
    free(b->custom);
    free(b->pool);
    free(b->pi);
    free(b->ckeys);
    free(b->cvals);
    free(b);
}

int cb_fail(cb_builder *b, int code)
{
    return b ? fail(b, code) : code;
}

int cb_error(const cb_builder *b)
{
    return b ? b->err : ZK_ERR_INVALID_ARG;
}

size_t cb_rows(const cb_builder *b)
{
    return b ? b->nrows : 0;
}

static cb_target wire(uint32_t row, unsigned col)
{
    return row * ZP_WIRES + col;
}

static int valid(const cb_builder *b, cb_target t)
{
    if (t & CB_VIRTUAL_BIT)
        return (t & ~CB_VIRTUAL_BIT) < b->nvirt;
    return t / ZP_WIRES < b->nrows;
}

static uint32_t new_row(cb_builder *b, unsigned gate)
{
    if (b->err)
        return NONE32;
    if (b->nrows >= CB_MAX_ROWS) {
        fail(b, zk_err_set(ZK_ERR_TOO_LARGE,
                           "circuit too large: more than %u gate rows (the field's 2^24 "
                           "domain at blowup 4)",
                           CB_MAX_ROWS));
        return NONE32;
    }
    size_t cap = b->cap_rows;
    if (grow(b, (void **)&b->row_gate, &cap, b->nrows + 1, 1))
        return NONE32;
    size_t cap2 = b->cap_rows;
    if (grow(b, (void **)&b->row_consts, &cap2, b->nrows + 1, ZP_CONSTS * sizeof(kb)))
        return NONE32;
    b->cap_rows = cap < cap2 ? cap : cap2;
    uint32_t r = (uint32_t)b->nrows++;
    b->row_gate[r] = (uint8_t)gate;
    memset(&b->row_consts[(size_t)r * ZP_CONSTS], 0, ZP_CONSTS * sizeof(kb));
    return r;
}

static void add_gen(cb_builder *b, unsigned kind, unsigned op, uint32_t row)
{
    if (b->err || grow(b, (void **)&b->gens, &b->cap_gens, b->ngens + 1, sizeof(cb_gen)))
        return;
    b->gens[b->ngens++] = (cb_gen){.kind = (uint8_t)kind, .op = (uint8_t)op, .row = row};
}

cb_target cb_virtual(cb_builder *b)
{
    if (!b || b->err)
        return CB_NONE;
    if (b->nvirt >= (CB_VIRTUAL_BIT >> 1)) {
        fail(b, zk_err_set(ZK_ERR_TOO_LARGE, "circuit too large: too many virtual targets"));
        return CB_NONE;
    }
    return CB_VIRTUAL_BIT | b->nvirt++;
}

void cb_connect(cb_builder *b, cb_target x, cb_target y)
{
    if (!b || b->err)
        return;
    if (!valid(b, x) || !valid(b, y)) {
        fail(b, zk_err_set(ZK_ERR_INVALID_ARG, "cb_connect: no such target (0x%x or 0x%x)", x, y));
        return;
    }
    if (x == y ||
        grow(b, (void **)&b->copies, &b->cap_copies, b->ncopies * 2 + 2, sizeof(cb_target)))
        return;
    b->copies[2 * b->ncopies] = x;
    b->copies[2 * b->ncopies + 1] = y;
    b->ncopies++;
}

void cb_public_input(cb_builder *b, cb_target x)
{
    if (!b || b->err)
        return;
    if (!valid(b, x)) {
        fail(b, zk_err_set(ZK_ERR_INVALID_ARG, "cb_public_input: no such target 0x%x", x));
        return;
    }
    if (b->npi >= ZP_MAX_PUBLIC_INPUTS) {
        fail(b, zk_err_set(ZK_ERR_TOO_LARGE, "more than %u public inputs", ZP_MAX_PUBLIC_INPUTS));
        return;
    }
    if (grow(b, (void **)&b->pi, &b->cap_pi, b->npi + 1, sizeof(cb_target)))
        return;
    b->pi[b->npi++] = x;
}

/* Constants: one slot of a CONSTANT row per distinct value. */
static size_t chash(kb v, size_t mask)
{
    return (size_t)((v * 0x9e3779b1u) >> 7) & mask;
}

cb_target cb_constant(cb_builder *b, kb v)
{
    if (!b || b->err)
        return CB_NONE;
    if (v >= KB_P) {
        fail(b,
             zk_err_set(ZK_ERR_RANGE,
                        "cb_constant: 0x%x is not a field element (Montgomery form below p)", v));
        return CB_NONE;
    }
    if (b->ccount * 2 >= b->csize) {
        size_t ns = b->csize ? b->csize * 2 : 64;
        kb *nk = malloc(ns * sizeof *nk);
        cb_target *nv = malloc(ns * sizeof *nv);
        if (!nk || !nv) {
            free(nk);
            free(nv);
            fail(b, zk_err_set(ZK_ERR_NOMEM, "circuit builder: out of memory"));
            return CB_NONE;
        }
        for (size_t i = 0; i < ns; i++)
            nv[i] = CB_NONE;
        for (size_t i = 0; i < b->csize; i++) {
            if (b->cvals[i] == CB_NONE)
                continue;
            size_t j = chash(b->ckeys[i], ns - 1);
            while (nv[j] != CB_NONE)
                j = (j + 1) & (ns - 1);
            nk[j] = b->ckeys[i];
            nv[j] = b->cvals[i];
        }
        free(b->ckeys);
        free(b->cvals);
        b->ckeys = nk;
        b->cvals = nv;
        b->csize = ns;
    }
    size_t j = chash(v, b->csize - 1);
    while (b->cvals[j] != CB_NONE) {
        if (b->ckeys[j] == v)
            return b->cvals[j];
        j = (j + 1) & (b->csize - 1);
    }
    if (b->const_row == NONE32 || b->const_used == ZP_CONSTS) {
        uint32_t r = new_row(b, ZP_GATE_CONSTANT);
        if (r == NONE32)
            return CB_NONE;
        add_gen(b, CB_GEN_CONSTANT, 0, r);
        b->const_row = r;
        b->const_used = 0;
    }
    unsigned slot = b->const_used++;
    b->row_consts[(size_t)b->const_row * ZP_CONSTS + slot] = v;
    cb_target t = wire(b->const_row, slot);
    b->ckeys[j] = v;
    b->cvals[j] = t;
    b->ccount++;
    return t;
}

cb_target cb_zero(cb_builder *b)
{
    return cb_constant(b, KB_ZERO);
}

cb_target cb_one(cb_builder *b)
{
    return cb_constant(b, KB_ONE);
}

/* Finds or opens a row of `gate` with coefficients (c0, c1) and a free slot. */
static int take_slot(cb_builder *b, open_row *open, size_t *nopen, unsigned gate, unsigned slots,
                     kb c0, kb c1, uint32_t *row, unsigned *op)
{
    if (c0 >= KB_P || c1 >= KB_P)
        return fail(b, zk_err_set(ZK_ERR_RANGE,
                                  "%s gate: coefficient 0x%x is not a field element (Montgomery "
                                  "form below p)",
                                  zp_gate_name(gate), c0 >= KB_P ? c0 : c1));
    for (size_t i = 0; i < *nopen; i++) {
        if (open[i].c0 == c0 && open[i].c1 == c1) {
            *row = open[i].row;
            *op = open[i].used++;
            if (open[i].used == slots)
                open[i] = open[--*nopen];
            return ZK_OK;
        }
    }
    uint32_t r = new_row(b, gate);
    if (r == NONE32)
        return b->err;
    b->row_consts[(size_t)r * ZP_CONSTS] = c0;
    b->row_consts[(size_t)r * ZP_CONSTS + 1] = c1;
    if (*nopen == CB_OPEN_ROWS)
        open[0] = open[--*nopen];
    open[(*nopen)++] = (open_row){.c0 = c0, .c1 = c1, .row = r, .used = 1};
    *row = r;
    *op = 0;
    return ZK_OK;
}

cb_target cb_arith(cb_builder *b, kb c0, kb c1, cb_target x, cb_target y, cb_target z)
{
    if (!b || b->err)
        return CB_NONE;
    if (!valid(b, x) || !valid(b, y) || !valid(b, z)) {
        fail(b, zk_err_set(ZK_ERR_INVALID_ARG, "cb_arith: no such target"));
        return CB_NONE;
    }
    uint32_t row;
    unsigned op;
    if (take_slot(b, b->arith, &b->narith, ZP_GATE_ARITH, ZP_ARITH_OPS, c0, c1, &row, &op))
        return CB_NONE;
    cb_connect(b, x, wire(row, 4 * op));
    cb_connect(b, y, wire(row, 4 * op + 1));
    cb_connect(b, z, wire(row, 4 * op + 2));
    add_gen(b, CB_GEN_ARITH, op, row);
    return b->err ? CB_NONE : wire(row, 4 * op + 3);
}

cb_target cb_add(cb_builder *b, cb_target x, cb_target y)
{
    return cb_arith(b, KB_ONE, KB_ONE, x, cb_one(b), y);
}

cb_target cb_sub(cb_builder *b, cb_target x, cb_target y)
{
    return cb_arith(b, KB_ONE, kb_neg(KB_ONE), x, cb_one(b), y);
}

cb_target cb_mul(cb_builder *b, cb_target x, cb_target y)
{
    return cb_arith(b, KB_ONE, KB_ZERO, x, y, cb_zero(b));
}

cb_target cb_lin(cb_builder *b, kb c, cb_target x, kb d, cb_target y)
{
    return cb_arith(b, c, d, x, cb_one(b), y);
}

cb_target cb_add_const(cb_builder *b, cb_target x, kb c)
{
    cb_target one = cb_one(b);
    return cb_arith(b, KB_ONE, c, x, one, one);
}

static int gen_div(const void *ctx, const kb *in, kb *out)
{
    (void)ctx;
    if (kb_is_zero(in[1]))
        return zk_err_set(ZK_ERR_PROOF, "cb_div: division by zero in the witness");
    out[0] = kb_mul(in[0], kb_inv(in[1]));
    return ZK_OK;
}

cb_target cb_div(cb_builder *b, cb_target x, cb_target y)
{
    cb_target q = cb_virtual(b);
    cb_target in[2] = {x, y};
    cb_generator(b, gen_div, NULL, 0, in, 2, &q, 1);
    cb_connect(b, cb_mul(b, q, y), x);
    return b && !b->err ? q : CB_NONE;
}

void cb_assert_zero(cb_builder *b, cb_target x)
{
    cb_connect(b, x, cb_zero(b));
}

cb_ext cb_ext_arith(cb_builder *b, kb c0, kb c1, cb_ext x, cb_ext y, cb_ext z)
{
    cb_ext r = {{CB_NONE, CB_NONE, CB_NONE, CB_NONE}};
    if (!b || b->err)
        return r;
    uint32_t row;
    unsigned op;
    if (take_slot(b, b->ext, &b->next, ZP_GATE_ARITH_EXT, ZP_ARITH_EXT_OPS, c0, c1, &row, &op))
        return r;
    for (unsigned k = 0; k < 4; k++) {
        cb_connect(b, x.c[k], wire(row, 16 * op + k));
        cb_connect(b, y.c[k], wire(row, 16 * op + 4 + k));
        cb_connect(b, z.c[k], wire(row, 16 * op + 8 + k));
        r.c[k] = wire(row, 16 * op + 12 + k);
    }
    add_gen(b, CB_GEN_ARITH_EXT, op, row);
    return r;
}

cb_ext cb_ext_virtual(cb_builder *b)
{
    cb_ext r;
    for (int k = 0; k < 4; k++)
        r.c[k] = cb_virtual(b);
    return r;
}

cb_ext cb_ext_constant(cb_builder *b, kb4 v)
{
    cb_ext r;
    for (int k = 0; k < 4; k++)
        r.c[k] = cb_constant(b, v.c[k]);
    return r;
}

cb_ext cb_ext_add(cb_builder *b, cb_ext x, cb_ext y)
{
    return cb_ext_arith(b, KB_ONE, KB_ONE, x, cb_ext_constant(b, kb4_one()), y);
}

cb_ext cb_ext_sub(cb_builder *b, cb_ext x, cb_ext y)
{
    return cb_ext_arith(b, KB_ONE, kb_neg(KB_ONE), x, cb_ext_constant(b, kb4_one()), y);
}

cb_ext cb_ext_mul(cb_builder *b, cb_ext x, cb_ext y)
{
    return cb_ext_arith(b, KB_ONE, KB_ZERO, x, y, cb_ext_constant(b, kb4_zero()));
}

void cb_poseidon2_swap(cb_builder *b, const cb_target a[8], const cb_target bb[8], cb_target swap,
                       cb_target out[16])
{
    if (!b || b->err)
        return;
    if (!a || !bb || !out) {
        fail(b, zk_err_set(ZK_ERR_INVALID_ARG, "cb_poseidon2_swap: NULL argument"));
        return;
    }
    uint32_t r = new_row(b, ZP_GATE_POSEIDON2);
    if (r == NONE32)
        return;
    for (unsigned i = 0; i < 8; i++) {
        cb_connect(b, a[i], wire(r, ZP_P2_IN + i));
        cb_connect(b, bb[i], wire(r, ZP_P2_IN + 8 + i));
    }
    cb_connect(b, swap, wire(r, ZP_P2_SWAP));
    for (unsigned i = 0; i < 16; i++)
        out[i] = wire(r, ZP_P2_OUT + i);
    add_gen(b, CB_GEN_POSEIDON2, 0, r);
}

void cb_poseidon2(cb_builder *b, const cb_target in[16], cb_target out[16])
{
    if (!b || b->err)
        return;
    if (!in) {
        fail(b, zk_err_set(ZK_ERR_INVALID_ARG, "cb_poseidon2: NULL argument"));
        return;
    }
    /* a swap wire left free would let the prover permute (b, a) instead */
    cb_poseidon2_swap(b, in, in + 8, cb_zero(b), out);
}

/* The sponge of verifier/p2.c: rate state[0..8), the tag in state[8], input added
 * into the rate, a permutation per full block, then 1 added after the input. A
 * rate element still equal to the constant zero takes the input as it is. */
void cb_hash(cb_builder *b, unsigned domain, const cb_target *x, size_t n, cb_target out[8])
{
    if (!b || b->err)
        return;
    cb_target zero = cb_zero(b);
    cb_target s[16];
    for (int i = 0; i < 16; i++)
        s[i] = zero;
    s[8] = cb_constant(b, kb_from_u32(domain));
    unsigned pos = 0;
    for (size_t i = 0; i < n; i++) {
        s[pos] = s[pos] == zero ? x[i] : cb_add(b, s[pos], x[i]);
        if (++pos == 8) {
            cb_target o[16];
            cb_poseidon2(b, s, o);
            memcpy(s, o, sizeof s);
            pos = 0;
        }
    }
    s[pos] = s[pos] == zero ? cb_one(b) : cb_add_const(b, s[pos], KB_ONE);
    cb_target o[16];
    cb_poseidon2(b, s, o);
    if (b->err)
        return;
    memcpy(out, o, 8 * sizeof *out);
}

void cb_range_check(cb_builder *b, cb_target x, unsigned nbits, cb_target *bits)
{
    if (!b || b->err)
        return;
    if (nbits > ZP_BITS) {
        fail(b, zk_err_set(ZK_ERR_INVALID_ARG, "cb_range_check: %u bits (at most %u)", nbits,
                           ZP_BITS));
        return;
    }
    uint32_t r = new_row(b, ZP_GATE_BITS);
    if (r == NONE32)
        return;
    cb_connect(b, x, wire(r, 0));
    add_gen(b, CB_GEN_BITS, 0, r);
    cb_target zero = cb_zero(b);
    for (unsigned i = 0; i < ZP_BITS; i++) {
        if (i >= nbits)
            cb_connect(b, wire(r, 1 + i), zero);
        else if (bits)
            bits[i] = wire(r, 1 + i);
    }
}

cb_target cb_random_access(cb_builder *b, cb_target index, const cb_target *vals, size_t n)
{
    if (!b || b->err)
        return CB_NONE;
    if (n == 0 || n > (1u << ZP_RA_BITS) || !vals) {
        fail(b, zk_err_set(ZK_ERR_INVALID_ARG, "cb_random_access: %zu values (1 to %u)", n,
                           1u << ZP_RA_BITS));
        return CB_NONE;
    }
    cb_target zero = cb_zero(b);
    if (n < (1u << ZP_RA_BITS)) {
        /* index < n  <=>  n - 1 - index is a 4-bit number */
        cb_target one = cb_one(b);
        cb_target d = cb_arith(b, kb_neg(KB_ONE), kb_from_u32((uint32_t)n - 1), index, one, one);
        cb_range_check(b, d, ZP_RA_BITS, NULL);
    }
    uint32_t r = new_row(b, ZP_GATE_RANDOM_ACCESS);
    if (r == NONE32)
        return CB_NONE;
    cb_connect(b, index, wire(r, 0));
    for (size_t i = 0; i < (1u << ZP_RA_BITS); i++)
        cb_connect(b, i < n ? vals[i] : zero, wire(r, 2 + (unsigned)i));
    add_gen(b, CB_GEN_RANDOM_ACCESS, 0, r);
    return b->err ? CB_NONE : wire(r, 1);
}

void cb_generator(cb_builder *b, cb_gen_fn fn, const void *ctx, size_t ctx_len, const cb_target *in,
                  size_t nin, const cb_target *out, size_t nout)
{
    if (!b || b->err)
        return;
    if (!fn || ctx_len > 32 || (ctx_len && !ctx) || nin > 4096 || nout > 4096 || nout == 0) {
        fail(b, zk_err_set(ZK_ERR_INVALID_ARG, "cb_generator: bad arguments"));
        return;
    }
    for (size_t i = 0; i < nin + nout; i++) {
        cb_target t = i < nin ? in[i] : out[i - nin];
        if (!valid(b, t)) {
            fail(b, zk_err_set(ZK_ERR_INVALID_ARG, "cb_generator: no such target 0x%x", t));
            return;
        }
    }
    if (grow(b, (void **)&b->custom, &b->cap_custom, b->ncustom + 1, sizeof(cb_custom)) ||
        grow(b, (void **)&b->pool, &b->cap_pool, b->npool + nin + nout, sizeof(cb_target)))
        return;
    cb_custom *c = &b->custom[b->ncustom];
    memset(c, 0, sizeof *c);
    c->fn = fn;
    if (ctx_len)
        memcpy(c->ctx, ctx, ctx_len);
    c->in_off = (uint32_t)b->npool;
    c->nin = (uint32_t)nin;
    memcpy(&b->pool[b->npool], in, nin * sizeof *in);
    b->npool += nin;
    c->out_off = (uint32_t)b->npool;
    c->nout = (uint32_t)nout;
    memcpy(&b->pool[b->npool], out, nout * sizeof *out);
    b->npool += nout;
    add_gen(b, CB_GEN_CUSTOM, 0, (uint32_t)b->ncustom++);
}

/* ---- build ---- */

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static unsigned ceil_log2(size_t n)
{
    unsigned l = 0;
    while (((size_t)1 << l) < n)
        l++;
    return l;
}

static void describe_cell(char *out, size_t len, const cb_circuit *c, size_t cell)
{
    size_t row = cell / ZP_WIRES;
    snprintf(out, len, "row %zu column %zu (%s gate)", row, cell % ZP_WIRES,
             zp_gate_name(c->row_gate[row]));
}

/* Copy classes -> sigma (cell r*32+i -> the next routed cell of its cycle). Fails
 * when an advice wire shares its class with another wire. Before make_classes,
 * cls[] holds each slot's class root (the smallest slot of its class). */
static int make_sigma(cb_circuit *c, uint32_t *sigma)
{
    size_t n = (size_t)1 << c->log_n, nslots = c->gate_rows * ZP_WIRES + c->nvirt;
    uint32_t *first = malloc(nslots * sizeof *first), *last = malloc(nslots * sizeof *last);
    if (!first || !last) {
        free(first);
        free(last);
        return zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
    }
    for (size_t i = 0; i < n * ZP_ROUTED; i++)
        sigma[i] = (uint32_t)i;
    /* wire count per class, in `last` for now */
    memset(last, 0, nslots * sizeof *last);
    for (size_t cell = 0; cell < c->gate_rows * ZP_WIRES; cell++)
        last[c->cls[cell]]++;
    for (size_t cell = 0; cell < c->gate_rows * ZP_WIRES; cell++) {
        if (cell % ZP_WIRES >= ZP_ROUTED && last[c->cls[cell]] > 1) {
            char where[96];
            describe_cell(where, sizeof where, c, cell);
            free(first);
            free(last);
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "cb_build: advice wire at %s is connected to another wire "
                              "(only columns 0..%d take part in copy constraints)",
                              where, ZP_ROUTED - 1);
        }
    }
    for (size_t i = 0; i < nslots; i++)
        first[i] = last[i] = NONE32;
    for (size_t r = 0; r < c->gate_rows; r++) {
        for (size_t i = 0; i < ZP_ROUTED; i++) {
            uint32_t root = c->cls[r * ZP_WIRES + i], cell = (uint32_t)(r * ZP_ROUTED + i);
            if (last[root] == NONE32)
                first[root] = cell;
            else
                sigma[last[root]] = cell;
            last[root] = cell;
        }
    }
    for (size_t i = 0; i < nslots; i++)
        if (first[i] != NONE32)
            sigma[last[i]] = first[i];
    for (size_t p = 0; p < c->zk_pairs; p++) {
        size_t a = c->zk_pair_row + 2 * p;
        for (size_t i = 0; i < ZP_ROUTED; i++) {
            sigma[a * ZP_ROUTED + i] = (uint32_t)((a + 1) * ZP_ROUTED + i);
            sigma[(a + 1) * ZP_ROUTED + i] = (uint32_t)(a * ZP_ROUTED + i);
        }
    }
    free(first);
    free(last);
    return ZK_OK;
}

/* gen_direct: the Poseidon2 gates whose advice wires (their round states) nothing
 * else names: alone in their class (an advice wire can share one only with
 * virtual targets, make_sigma), read by no generator and written by no custom
 * generator (a custom generator may name any target as an output; its value must
 * meet the gate's in the solver, which reports a conflict). The solver fills those
 * rows straight into the trace and tells the copy classes only the routed outputs,
 * which is most of a hash chain's solving. cls[] holds roots here. */
static int mark_direct(cb_circuit *c)
{
    size_t wires = c->gate_rows * ZP_WIRES, nslots = wires + c->nvirt;
    uint8_t *named = calloc(c->gate_rows ? c->gate_rows : 1, 1);
    uint8_t *read =
        calloc(nslots ? nslots : 1, 1); /* read by a generator, or a custom one's output */
    cb_target *io = malloc(2 * CB_GEN_MAX_IO * sizeof *io);
    c->gen_direct = calloc(c->ngens ? c->ngens : 1, 1);
    int rc = ZK_OK;
    if (!named || !read || !io || !c->gen_direct) {
        rc = zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
        goto out;
    }
    for (size_t v = 0; v < c->nvirt; v++) {
        uint32_t r = c->cls[wires + v];
        if (r < wires && r % ZP_WIRES >= ZP_ROUTED)
            named[r / ZP_WIRES] = 1;
    }
    for (size_t g = 0; g < c->ngens; g++) {
        size_t nin, nout;
        cb_gen_io(c, &c->gens[g], io, &nin, io + CB_GEN_MAX_IO, &nout);
        for (size_t k = 0; k < nin; k++)
            read[c->cls[cb_slot(c, io[k])]] = 1;
        for (size_t k = 0; k < nout && c->gens[g].kind == CB_GEN_CUSTOM; k++)
            read[c->cls[cb_slot(c, io[CB_GEN_MAX_IO + k])]] = 1;
    }
    for (size_t g = 0; g < c->ngens; g++) {
        uint32_t row = c->gens[g].row;
        if (c->gens[g].kind != CB_GEN_POSEIDON2 || named[row])
            continue;
        size_t base = (size_t)row * ZP_WIRES;
        int alone = 1;
        for (size_t k = base + ZP_ROUTED; k < base + ZP_WIRES && alone; k++)
            alone = c->cls[k] == k && !read[k];
        c->gen_direct[g] = (uint8_t)alone;
    }
out:
    free(named);
    free(read);
    free(io);
    return rc;
}

/* Numbers the copy classes densely (cls[] from roots to class numbers): every
 * class but the advice wires of gen_direct rows first, in the order of their
 * roots, then those. A witness stores a value per class and never touches the
 * second kind, so its memory is in effect nlive values. */
static int make_classes(cb_circuit *c)
{
    size_t wires = c->gate_rows * ZP_WIRES, nslots = wires + c->nvirt;
    uint8_t *drow = calloc(c->gate_rows ? c->gate_rows : 1, 1);
    uint32_t *id = malloc((nslots ? nslots : 1) * sizeof *id);
    if (!drow || !id) {
        free(drow);
        free(id);
        return zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
    }
    for (size_t g = 0; g < c->ngens; g++)
        if (c->gen_direct[g])
            drow[c->gens[g].row] = 1;
    uint32_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < nslots; s++) {
            if (c->cls[s] != s)
                continue;
            int late = s < wires && s % ZP_WIRES >= ZP_ROUTED && drow[s / ZP_WIRES];
            if (late == pass)
                id[s] = n++;
        }
        if (pass == 0)
            c->nlive = n;
    }
    c->nclasses = n;
    for (size_t s = 0; s < nslots; s++)
        c->cls[s] = id[c->cls[s]];
    free(drow);
    free(id);
    return ZK_OK;
}

/* CSR tables: each generator's input classes, and the generators reading a class. */
static int make_watch(cb_circuit *c)
{
    size_t ncls = c->nclasses;
    cb_target *in = malloc(2 * CB_GEN_MAX_IO * sizeof *in);
    c->gen_in_off = malloc((c->ngens + 1) * sizeof *c->gen_in_off);
    c->watch_off = calloc(ncls + 1, sizeof *c->watch_off);
    if (!in || !c->gen_in_off || !c->watch_off) {
        free(in);
        return zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
    }
    size_t total = 0, nin, nout;
    for (size_t g = 0; g < c->ngens; g++) {
        cb_gen_io(c, &c->gens[g], in, &nin, in + CB_GEN_MAX_IO, &nout);
        c->gen_in_off[g] = (uint32_t)total;
        total += nin;
    }
    c->gen_in_off[c->ngens] = (uint32_t)total;
    c->gen_in = malloc((total ? total : 1) * sizeof *c->gen_in);
    c->watch = malloc((total ? total : 1) * sizeof *c->watch);
    if (!c->gen_in || !c->watch) {
        free(in);
        return zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
    }
    for (size_t g = 0; g < c->ngens; g++) {
        cb_gen_io(c, &c->gens[g], in, &nin, in + CB_GEN_MAX_IO, &nout);
        for (size_t k = 0; k < nin; k++) {
            uint32_t k_cls = c->cls[cb_slot(c, in[k])];
            c->gen_in[c->gen_in_off[g] + k] = k_cls;
            c->watch_off[k_cls + 1]++;
        }
    }
    for (size_t i = 0; i < ncls; i++)
        c->watch_off[i + 1] += c->watch_off[i];
    uint32_t *fill = malloc((ncls ? ncls : 1) * sizeof *fill);
    if (!fill) {
        free(in);
        return zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
    }
    memcpy(fill, c->watch_off, ncls * sizeof *fill);
    for (size_t g = 0; g < c->ngens; g++)
        for (uint32_t k = c->gen_in_off[g]; k < c->gen_in_off[g + 1]; k++)
            c->watch[fill[c->gen_in[k]]++] = (uint32_t)g;
    free(fill);
    free(in);
    return ZK_OK;
}

/* Selectors, constants and sigma identifiers on H, their LDE and tree T0. */
static int commit_preprocessed(cb_circuit *c, const uint32_t *sigma)
{
    size_t n = (size_t)1 << c->log_n;
    unsigned b = c->fri.log_blowup, log_lde = c->log_n + b;
    size_t nl = (size_t)1 << log_lde;
    c->pre_h = malloc(n * ZP_NUM_PREPROCESSED * sizeof(kb));
    c->pre_lde = malloc(nl * ZP_NUM_PREPROCESSED * sizeof(kb));
    if (!c->pre_h || !c->pre_lde)
        return zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory (%zu LDE rows)", nl);
    kb k[ZP_ROUTED], w = kb_root_of_unity(c->log_n), g = kb_from_canonical(KB_GENERATOR);
    k[0] = KB_ONE;
    for (int i = 1; i < ZP_ROUTED; i++)
        k[i] = kb_mul(k[i - 1], g);
    kb *wpow = malloc(n * sizeof *wpow);
    if (!wpow)
        return zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
    wpow[0] = KB_ONE;
    for (size_t r = 1; r < n; r++)
        wpow[r] = kb_mul(wpow[r - 1], w);
    for (size_t r = 0; r < n; r++) {
        kb *row = &c->pre_h[r * ZP_NUM_PREPROCESSED];
        for (unsigned s = 0; s < ZP_NUM_SELECTORS; s++)
            row[s] = c->row_gate[r] == s ? KB_ONE : KB_ZERO;
        memcpy(row + ZP_NUM_SELECTORS, &c->row_consts[r * ZP_CONSTS], ZP_CONSTS * sizeof(kb));
        for (unsigned i = 0; i < ZP_ROUTED; i++) {
            uint32_t to = sigma[r * ZP_ROUTED + i];
            row[ZP_NUM_SELECTORS + ZP_CONSTS + i] = kb_mul(k[to % ZP_ROUTED], wpow[to / ZP_ROUTED]);
        }
    }
    free(wpow);
    int rc = ntt_plan_new(&c->plan, log_lde);
    if (!rc)
        rc = ntt_lde(c->plan, c->pre_lde, c->pre_h, c->log_n, b, ZP_NUM_PREPROCESSED, NTT_ROW_MAJOR,
                     g);
    if (rc)
        return rc;
    mt_matrix m = {.data = c->pre_lde, .height = nl, .width = ZP_NUM_PREPROCESSED};
    unsigned cap_log = c->fri.cap_log < log_lde ? c->fri.cap_log : log_lde;
    rc = mt_build(&c->t0, &m, 1, cap_log);
    if (rc)
        return rc;
    size_t cap_len;
    const p2_digest *cap = mt_cap(c->t0, &cap_len);
    memset(&c->vk, 0, sizeof c->vk);
    c->vk.log_n = c->log_n;
    c->vk.num_public_inputs = (uint32_t)c->npi;
    c->vk.zk = c->zk;
    c->vk.fri = c->fri;
    memcpy(c->vk.t0_cap, cap, cap_len * sizeof *cap);
    c->vk.t0_cap_len = cap_len;
    return zp_vk_finish(&c->vk);
}

int cb_build(cb_builder *b, cb_circuit **out)
{
    if (!b || !out) {
        cb_free(b);
        return zk_err_set(ZK_ERR_INVALID_ARG, "cb_build: NULL argument");
    }
    *out = NULL;
    /* the public inputs' hash, routed to a PUBLIC_INPUT row */
    cb_target h[8];
    cb_hash(b, P2_DOM_PUBLIC_INPUTS, b->pi, b->npi, h);
    uint32_t pr = new_row(b, ZP_GATE_PUBLIC_INPUT);
    for (unsigned j = 0; j < ZP_PI_HASH_LEN && !b->err; j++)
        cb_connect(b, h[j], wire(pr, j));
    if (b->err) {
        int e = b->err;
        cb_free(b);
        return e;
    }
    cb_circuit *c = calloc(1, sizeof *c);
    if (!c) {
        cb_free(b);
        return zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
    }
    c->fri = b->fri;
    c->zk = b->zk;
    c->gate_rows = b->nrows;
    size_t extra = b->zk ? 3 * ((size_t)b->fri.num_queries + 2) : 0;
    c->zk_rand_row = b->nrows;
    c->zk_rand_rows = b->zk ? b->fri.num_queries + 2 : 0;
    c->zk_pair_row = c->zk_rand_row + c->zk_rand_rows;
    c->zk_pairs = c->zk_rand_rows;
    c->log_n = ceil_log2(b->nrows + extra);
    if (c->log_n < ZP_MIN_LOG_ROWS)
        c->log_n = ZP_MIN_LOG_ROWS;
    int rc = ZK_OK;
    if (c->log_n + b->fri.log_blowup > KB_TWO_ADICITY) {
        rc = zk_err_set(ZK_ERR_TOO_LARGE,
                        "circuit too large: %zu rows need 2^%u trace rows, and with blowup 2^%u "
                        "the LDE exceeds the field's 2^%d domain",
                        b->nrows + extra, c->log_n, b->fri.log_blowup, KB_TWO_ADICITY);
        goto out;
    }
    fri_schedule sched;
    rc = fri_schedule_make(&sched, &b->fri, c->log_n);
    if (rc)
        goto out;
    size_t n = (size_t)1 << c->log_n;
    /* take the builder's arrays */
    c->row_gate = realloc(b->row_gate, n);
    c->row_consts = realloc(b->row_consts, n * ZP_CONSTS * sizeof(kb));
    if (c->row_gate)
        b->row_gate = NULL;
    if (c->row_consts)
        b->row_consts = NULL;
    if (!c->row_gate || !c->row_consts) {
        rc = zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
        goto out;
    }
    memset(c->row_gate + b->nrows, ZP_GATE_NOOP, n - b->nrows);
    memset(c->row_consts + b->nrows * ZP_CONSTS, 0, (n - b->nrows) * ZP_CONSTS * sizeof(kb));
    c->nvirt = b->nvirt;
    c->gens = b->gens;
    c->ngens = b->ngens;
    b->gens = NULL;
    c->custom = b->custom;
    c->ncustom = b->ncustom;
    b->custom = NULL;
    c->pool = b->pool;
    c->npool = b->npool;
    b->pool = NULL;
    c->pi = b->pi;
    c->npi = b->npi;
    b->pi = NULL;

    size_t nslots = c->gate_rows * ZP_WIRES + c->nvirt;
    c->cls = malloc(nslots * sizeof *c->cls);
    uint32_t *sigma = malloc(n * ZP_ROUTED * sizeof *sigma);
    if (!c->cls || !sigma) {
        free(sigma);
        rc = zk_err_set(ZK_ERR_NOMEM, "cb_build: out of memory");
        goto out;
    }
    for (size_t i = 0; i < nslots; i++)
        c->cls[i] = (uint32_t)i;
    for (size_t i = 0; i < b->ncopies; i++) {
        uint32_t x = uf_find(c->cls, (uint32_t)cb_slot(c, b->copies[2 * i]));
        uint32_t y = uf_find(c->cls, (uint32_t)cb_slot(c, b->copies[2 * i + 1]));
        if (x != y)
            c->cls[x > y ? x : y] = x < y ? x : y;
    }
    for (size_t i = 0; i < nslots; i++)
        c->cls[i] = uf_find(c->cls, (uint32_t)i);
    rc = make_sigma(c, sigma);
    if (!rc)
        rc = mark_direct(c);
    if (!rc)
        rc = make_classes(c);
    if (!rc)
        rc = make_watch(c);
    if (!rc)
        rc = commit_preprocessed(c, sigma);
    free(sigma);
out:
    cb_free(b);
    if (rc) {
        cb_circuit_free(c);
        return rc;
    }
    *out = c;
    return ZK_OK;
}

void cb_circuit_free(cb_circuit *c)
{
    if (!c)
        return;
    free(c->row_gate);
    free(c->row_consts);
    free(c->cls);
    free(c->gens);
    free(c->custom);
    free(c->pool);
    free(c->gen_in_off);
    free(c->gen_in);
    free(c->watch_off);
    free(c->watch);
    free(c->gen_direct);
    free(c->pi);
    free(c->pre_h);
    free(c->pre_lde);
    mt_free(c->t0);
    ntt_plan_free(c->plan);
    free(c);
}

const zp_vk *cb_circuit_vk(const cb_circuit *c)
{
    return &c->vk;
}

unsigned cb_circuit_log_rows(const cb_circuit *c)
{
    return c->log_n;
}

size_t cb_circuit_gate_rows(const cb_circuit *c)
{
    return c->gate_rows;
}

size_t cb_circuit_num_public_inputs(const cb_circuit *c)
{
    return c->npi;
}
