/* Witness solving for built circuits (prover/circuit.h): generators run as soon
 * as their inputs are known (a work list over the copy classes), then every
 * gate's constraints are checked so that a bad witness is reported by gate, row
 * and constraint instead of as a failed proof. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/circuit.h"
#include "prover/circuit_internal.h"
#include "prover/gate_fill.h"

struct cb_witness {
    const cb_circuit *c; /* borrowed */
    kb *val;             /* per slot; meaningful at roots */
    uint8_t *known;      /* per slot (roots) */
    cb_override_fn lie;  /* tests only: cb_witness_override */
    void *lie_ctx;
};

void cb_witness_override(cb_witness *w, cb_override_fn fn, void *ctx)
{
    if (!w)
        return;
    w->lie = fn;
    w->lie_ctx = ctx;
}

static cb_target wire(size_t row, unsigned col)
{
    return (cb_target)(row * ZP_WIRES + col);
}

void cb_gen_io(const cb_circuit *c, const cb_gen *g, cb_target *in, size_t *nin, cb_target *out,
               size_t *nout)
{
    size_t i = 0, o = 0;
    switch (g->kind) {
    case CB_GEN_ARITH:
        for (unsigned k = 0; k < 3; k++)
            in[i++] = wire(g->row, 4u * g->op + k);
        out[o++] = wire(g->row, 4u * g->op + 3);
        break;
    case CB_GEN_ARITH_EXT:
        for (unsigned k = 0; k < 12; k++)
            in[i++] = wire(g->row, 16u * g->op + k);
        for (unsigned k = 12; k < 16; k++)
            out[o++] = wire(g->row, 16u * g->op + k);
        break;
    case CB_GEN_POSEIDON2:
        for (unsigned k = ZP_P2_IN; k < ZP_P2_IN + 16; k++)
            in[i++] = wire(g->row, k);
        in[i++] = wire(g->row, ZP_P2_SWAP);
        for (unsigned k = ZP_P2_OUT; k < ZP_P2_OUT + 16; k++)
            out[o++] = wire(g->row, k);
        for (unsigned k = ZP_P2_DELTA; k < ZP_WIRES; k++)
            out[o++] = wire(g->row, k);
        break;
    case CB_GEN_BITS:
        in[i++] = wire(g->row, 0);
        for (unsigned k = 1; k <= ZP_BITS; k++)
            out[o++] = wire(g->row, k);
        break;
    case CB_GEN_RANDOM_ACCESS:
        in[i++] = wire(g->row, 0);
        for (unsigned k = 2; k < 18; k++)
            in[i++] = wire(g->row, k);
        out[o++] = wire(g->row, ZP_RA_OUT);
        for (unsigned k = ZP_RA_BIT_WIRE; k < ZP_RA_LEVEL3 + 2; k++)
            out[o++] = wire(g->row, k);
        break;
    case CB_GEN_CONSTANT:
        for (unsigned k = 0; k < ZP_CONSTS; k++)
            out[o++] = wire(g->row, k);
        break;
    case CB_GEN_CUSTOM: {
        const cb_custom *cu = &c->custom[g->row];
        memcpy(in, &c->pool[cu->in_off], cu->nin * sizeof *in);
        memcpy(out, &c->pool[cu->out_off], cu->nout * sizeof *out);
        i = cu->nin;
        o = cu->nout;
        break;
    }
    default: break;
    }
    *nin = i;
    *nout = o;
}

int cb_witness_new(cb_witness **out, const cb_circuit *c)
{
    if (!out || !c)
        return zk_err_set(ZK_ERR_INVALID_ARG, "cb_witness_new: NULL argument");
    size_t nslots = c->gate_rows * ZP_WIRES + c->nvirt;
    cb_witness *w = calloc(1, sizeof *w);
    if (!w)
        return zk_err_set(ZK_ERR_NOMEM, "cb_witness_new: out of memory");
    w->c = c;
    w->val = calloc(nslots, sizeof *w->val);
    w->known = calloc(nslots, 1);
    if (!w->val || !w->known) {
        cb_witness_free(w);
        return zk_err_set(ZK_ERR_NOMEM, "cb_witness_new: out of memory");
    }
    *out = w;
    return ZK_OK;
}

void cb_witness_free(cb_witness *w)
{
    if (!w)
        return;
    free(w->val);
    free(w->known);
    free(w);
}

static void describe(char *out, size_t len, const cb_circuit *c, cb_target t)
{
    if (t & CB_VIRTUAL_BIT) {
        snprintf(out, len, "virtual target %u", t & ~CB_VIRTUAL_BIT);
        return;
    }
    size_t row = t / ZP_WIRES;
    snprintf(out, len, "row %zu column %u (%s gate)", row, t % ZP_WIRES,
             zp_gate_name(c->row_gate[row]));
}

static int target_ok(const cb_circuit *c, cb_target t)
{
    if (t & CB_VIRTUAL_BIT)
        return (t & ~CB_VIRTUAL_BIT) < c->nvirt;
    return t / ZP_WIRES < c->gate_rows;
}

int cb_witness_set(cb_witness *w, cb_target t, kb v)
{
    if (!w || !target_ok(w->c, t))
        return zk_err_set(ZK_ERR_INVALID_ARG, "cb_witness_set: no such target 0x%x", t);
    uint32_t r = w->c->root[cb_slot(w->c, t)];
    if (w->known[r] && w->val[r] != v) {
        char d[96];
        describe(d, sizeof d, w->c, t);
        return zk_err_set(ZK_ERR_PROOF,
                          "witness conflict: %s is set to %u but it (or a target connected to "
                          "it) already holds %u",
                          d, kb_to_canonical(v), kb_to_canonical(w->val[r]));
    }
    w->val[r] = v;
    w->known[r] = 1;
    return ZK_OK;
}

int cb_witness_set_ext(cb_witness *w, cb_ext t, kb4 v)
{
    for (int k = 0; k < 4; k++) {
        int rc = cb_witness_set(w, t.c[k], v.c[k]);
        if (rc)
            return rc;
    }
    return ZK_OK;
}

int cb_witness_get(const cb_witness *w, cb_target t, kb *v)
{
    if (!w || !v || !target_ok(w->c, t))
        return zk_err_set(ZK_ERR_INVALID_ARG, "cb_witness_get: no such target 0x%x", t);
    uint32_t r = w->c->root[cb_slot(w->c, t)];
    if (!w->known[r])
        return zk_err_set(ZK_ERR_NOT_FOUND, "cb_witness_get: target 0x%x has no value", t);
    *v = w->val[r];
    return ZK_OK;
}

typedef struct solver {
    cb_witness *w;
    uint32_t *count; /* unknown inputs per generator */
    uint32_t *queue; /* ready generators */
    size_t qhead, qtail;
} solver;

/* Gives root of t the value v (a generator's output): a conflict is an error, a
 * new value wakes the generators waiting for it. */
static int put(solver *s, cb_target t, kb v, const cb_gen *g)
{
    const cb_circuit *c = s->w->c;
    uint32_t r = c->root[cb_slot(c, t)];
    if (s->w->known[r]) {
        if (s->w->val[r] == v || s->w->lie)
            return ZK_OK;
        char d[96];
        describe(d, sizeof d, c, t);
        const char *what = g->kind == CB_GEN_CUSTOM ? "custom generator" : "gate";
        return zk_err_set(ZK_ERR_PROOF,
                          "witness conflict: %s computes %u (%s output) but a connected target "
                          "holds %u",
                          d, kb_to_canonical(v), what, kb_to_canonical(s->w->val[r]));
    }
    s->w->known[r] = 1;
    s->w->val[r] = v;
    for (uint32_t k = c->watch_off[r]; k < c->watch_off[r + 1]; k++)
        if (--s->count[c->watch[k]] == 0)
            s->queue[s->qtail++] = c->watch[k];
    return ZK_OK;
}

static kb value(const cb_witness *w, cb_target t)
{
    uint32_t r = w->c->root[cb_slot(w->c, t)];
    return w->known[r] ? w->val[r] : KB_ZERO;
}

/* Puts a generator's outputs, through the test override when there is one. */
static int put_outputs(solver *s, const cb_gen *g, const cb_target *in, size_t nin,
                       const cb_target *out, kb *vals, size_t nout)
{
    if (s->w->lie)
        s->w->lie(s->w->lie_ctx, s->w->c, in, nin, out, vals, nout);
    int rc = ZK_OK;
    for (size_t i = 0; i < nout && !rc; i++)
        rc = put(s, out[i], vals[i], g);
    return rc;
}

static int run_gen(solver *s, const cb_gen *g, cb_target *io)
{
    const cb_circuit *c = s->w->c;
    size_t nin, nout;
    cb_target *in = io, *out = io + CB_GEN_MAX_IO;
    cb_gen_io(c, g, in, &nin, out, &nout);
    kb vals[CB_GEN_MAX_IO];
    int rc = ZK_OK;
    if (g->kind == CB_GEN_CUSTOM) {
        const cb_custom *cu = &c->custom[g->row];
        kb inv[CB_GEN_MAX_IO];
        for (size_t i = 0; i < nin; i++)
            inv[i] = value(s->w, in[i]);
        rc = cu->fn(cu->ctx, inv, vals);
        if (rc && !s->w->lie)
            return zk_err_wrap(rc, "custom generator %u: ", g->row);
        if (rc)
            memset(vals, 0, nout * sizeof *vals);
        return put_outputs(s, g, in, nin, out, vals, nout);
    }
    kb row[ZP_WIRES];
    for (unsigned k = 0; k < ZP_WIRES; k++)
        row[k] = value(s->w, wire(g->row, k));
    const kb *consts = &c->row_consts[(size_t)g->row * ZP_CONSTS];
    switch (g->kind) {
    case CB_GEN_ARITH: rc = zp_fill_arith_op(row, consts, g->op); break;
    case CB_GEN_ARITH_EXT: rc = zp_fill_arith_ext_op(row, consts, g->op); break;
    case CB_GEN_POSEIDON2: {
        /* the filler takes any s; the swap must be a bit (constraint 0) */
        uint32_t sw = kb_to_canonical(row[ZP_P2_SWAP]);
        if (sw > 1 && !s->w->lie)
            rc = zk_err_set(ZK_ERR_RANGE, "swap value %u is not 0 or 1", sw);
        else
            zp_fill_poseidon2(row);
        break;
    }
    case CB_GEN_BITS: rc = zp_fill_bits(row); break;
    case CB_GEN_RANDOM_ACCESS: rc = zp_fill_random_access(row); break;
    case CB_GEN_CONSTANT: zp_fill_constant(row, consts); break;
    default: return zk_err_set(ZK_ERR_INTERNAL, "unknown generator kind %u", g->kind);
    }
    if (rc && !s->w->lie)
        return zk_err_wrap(rc, "%s gate at row %u: ", zp_gate_name(c->row_gate[g->row]), g->row);
    for (size_t i = 0; i < nout; i++)
        vals[i] = rc ? KB_ZERO : row[out[i] % ZP_WIRES];
    return put_outputs(s, g, in, nin, out, vals, nout);
}

/* Checks every gate row's constraints on the solved trace. */
static int check_rows(const cb_circuit *c, const kb *trace, const kb *pi_hash)
{
    kb out[ZP_MAX_GATE_CONSTRAINTS];
    for (size_t r = 0; r < c->gate_rows; r++) {
        unsigned g = c->row_gate[r];
        if (g >= ZP_NGATES)
            continue;
        zp_gate_eval_base(g, &trace[r * ZP_WIRES], &c->row_consts[r * ZP_CONSTS], pi_hash, out);
        for (unsigned k = 0; k < zp_gate_num_constraints(g); k++)
            if (!kb_is_zero(out[k]))
                return zk_err_set(ZK_ERR_PROOF,
                                  "unsatisfied witness: constraint %u of the %s gate at row %zu "
                                  "evaluates to %u",
                                  k, zp_gate_name(g), r, kb_to_canonical(out[k]));
    }
    return ZK_OK;
}

int cb_witness_solve(cb_witness *w, kb *trace, kb *public_inputs)
{
    if (!w || !trace || (!public_inputs && w->c->npi))
        return zk_err_set(ZK_ERR_INVALID_ARG, "cb_witness_solve: NULL argument");
    const cb_circuit *c = w->c;
    solver s = {.w = w};
    s.count = malloc((c->ngens ? c->ngens : 1) * sizeof *s.count);
    s.queue = malloc((c->ngens ? c->ngens : 1) * sizeof *s.queue);
    cb_target *io = malloc(2 * CB_GEN_MAX_IO * sizeof *io);
    int rc = ZK_OK;
    if (!s.count || !s.queue || !io) {
        rc = zk_err_set(ZK_ERR_NOMEM, "cb_witness_solve: out of memory");
        goto done;
    }
    /* constants first: they are fixed by the circuit, so a value that meets one
     * (under a test override) is the one that has to give way */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t g = 0; g < c->ngens; g++) {
            if ((c->gens[g].kind == CB_GEN_CONSTANT) != (pass == 0))
                continue;
            uint32_t n = 0;
            for (uint32_t k = c->gen_in_off[g]; k < c->gen_in_off[g + 1]; k++)
                n += !w->known[c->gen_in[k]];
            s.count[g] = n;
            if (n == 0)
                s.queue[s.qtail++] = (uint32_t)g;
        }
    }
    while (s.qhead < s.qtail && !rc)
        rc = run_gen(&s, &c->gens[s.queue[s.qhead++]], io);
    if (rc)
        goto done;
    for (size_t g = 0; g < c->ngens; g++) {
        if (s.count[g] == 0)
            continue;
        size_t nin, nout;
        cb_gen_io(c, &c->gens[g], io, &nin, io + CB_GEN_MAX_IO, &nout);
        for (size_t k = 0; k < nin; k++) {
            if (w->known[c->root[cb_slot(c, io[k])]])
                continue;
            char d[96];
            describe(d, sizeof d, c, io[k]);
            rc = zk_err_set(ZK_ERR_NOT_FOUND,
                            "missing witness value: %s, an input of %s %u, has no value (set it "
                            "or connect it to something computed)",
                            d, c->gens[g].kind == CB_GEN_CUSTOM ? "custom generator" : "gate row",
                            c->gens[g].row);
            goto done;
        }
    }
    for (size_t i = 0; i < c->npi; i++) {
        uint32_t r = c->root[cb_slot(c, c->pi[i])];
        if (!w->known[r]) {
            char d[96];
            describe(d, sizeof d, c, c->pi[i]);
            rc = zk_err_set(ZK_ERR_NOT_FOUND, "missing witness value: public input %zu (%s)", i, d);
            goto done;
        }
        public_inputs[i] = w->val[r];
    }
    size_t n = (size_t)1 << c->log_n;
    memset(trace, 0, n * ZP_WIRES * sizeof(kb));
    for (size_t cell = 0; cell < c->gate_rows * ZP_WIRES; cell++) {
        uint32_t r = c->root[cell];
        trace[cell] = w->known[r] ? w->val[r] : KB_ZERO;
    }
    p2_digest h;
    zp_public_input_hash(&h, public_inputs, c->npi);
    rc = check_rows(c, trace, h.v);
done:
    free(s.count);
    free(s.queue);
    free(io);
    return rc;
}
