/* Witness solving for built circuits (prover/circuit.h): generators run as soon
 * as their inputs are known (a work list over the copy classes), then every
 * gate's constraints are checked so that a bad witness is reported by gate, row
 * and constraint instead of as a failed proof. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/par.h"
#include "prover/circuit.h"
#include "prover/circuit_internal.h"
#include "prover/gate_fill.h"

struct cb_witness {
    const cb_circuit *c; /* borrowed */
    kb *val;             /* per copy class (circuit cls[]) */
    uint8_t *known;      /* per copy class */
    size_t direct_set;   /* classes >= nlive given a value by cb_witness_set */
    uint8_t *direct;     /* per gate row: its advice wires went straight into the trace
                          * (circuit gen_direct) and have no value here */
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
    size_t ncls = c->nclasses ? c->nclasses : 1;
    cb_witness *w = calloc(1, sizeof *w);
    if (!w)
        return zk_err_set(ZK_ERR_NOMEM, "cb_witness_new: out of memory");
    w->c = c;
    w->val = calloc(ncls, sizeof *w->val);
    w->known = calloc(ncls, 1);
    w->direct = calloc(c->gate_rows ? c->gate_rows : 1, 1);
    if (!w->val || !w->known || !w->direct) {
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
    free(w->direct);
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

static kb value(const cb_witness *w, cb_target t)
{
    uint32_t r = w->c->cls[cb_slot(w->c, t)];
    return w->known[r] ? w->val[r] : KB_ZERO;
}

/* Fills the Poseidon2 row `row` into out (ZP_WIRES values) from its routed inputs. */
static void fill_direct(const cb_witness *w, size_t row, kb *out)
{
    for (unsigned k = ZP_P2_IN; k < ZP_P2_IN + P2_WIDTH; k++)
        out[k] = value(w, wire(row, k));
    out[ZP_P2_SWAP] = value(w, wire(row, ZP_P2_SWAP));
    zp_fill_poseidon2(out);
}

int cb_witness_set(cb_witness *w, cb_target t, kb v)
{
    if (!w || !target_ok(w->c, t))
        return zk_err_set(ZK_ERR_INVALID_ARG, "cb_witness_set: no such target 0x%x", t);
    if (v >= KB_P)
        return zk_err_set(ZK_ERR_RANGE,
                          "cb_witness_set: 0x%x is not a field element (Montgomery form below p)",
                          v);
    uint32_t r = w->c->cls[cb_slot(w->c, t)];
    if (w->known[r] && w->val[r] != v) {
        char d[96];
        describe(d, sizeof d, w->c, t);
        return zk_err_set(ZK_ERR_PROOF,
                          "witness conflict: %s is set to %u but it (or a target connected to "
                          "it) already holds %u",
                          d, kb_to_canonical(v), kb_to_canonical(w->val[r]));
    }
    w->direct_set += !w->known[r] && r >= w->c->nlive;
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
    uint32_t r = w->c->cls[cb_slot(w->c, t)];
    if (!w->known[r] && r >= w->c->nlive && w->direct[t / ZP_WIRES]) {
        /* an advice wire of a row the solver wrote into the trace: its inputs are
         * known, so the row is filled again (mark_direct: it is alone in its class) */
        kb row[ZP_WIRES];
        fill_direct(w, t / ZP_WIRES, row);
        *v = row[t % ZP_WIRES];
        return ZK_OK;
    }
    if (!w->known[r])
        return zk_err_set(ZK_ERR_NOT_FOUND, "cb_witness_get: target 0x%x has no value", t);
    *v = w->val[r];
    return ZK_OK;
}

typedef struct solver {
    cb_witness *w;
    kb *trace;       /* the rows of gen_direct generators are filled here at once */
    uint32_t *count; /* unknown inputs per generator */
    uint32_t *queue; /* ready generators */
    size_t qhead, qtail;
} solver;

/* Gives root of t the value v (a generator's output): a conflict is an error, a
 * new value wakes the generators waiting for it. */
static int put(solver *s, cb_target t, kb v, const cb_gen *g)
{
    const cb_circuit *c = s->w->c;
    uint32_t r = c->cls[cb_slot(c, t)];
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

/* A gen_direct Poseidon2 gate: the whole row is filled in the trace, and only its
 * routed outputs are put (nothing reads its advice wires). */
static int run_direct(solver *s, const cb_gen *g)
{
    kb *row = &s->trace[(size_t)g->row * ZP_WIRES];
    /* The next row's input classes, read by the next Poseidon2 row of a chain: the
     * class table is far larger than the caches, and a permutation lies between
     * two rows' reads (hash chain 2^16: witness 49.5-50.7 -> 47.1-48.4 ms). */
    if ((size_t)g->row + 1 < s->w->c->gate_rows) {
        const uint32_t *next = &s->w->c->cls[((size_t)g->row + 1) * ZP_WIRES];
        __builtin_prefetch(next);
        __builtin_prefetch(next + ZP_P2_SWAP);
    }
    fill_direct(s->w, g->row, row);
    uint32_t sw = kb_to_canonical(row[ZP_P2_SWAP]);
    if (sw > 1)
        return zk_err_set(ZK_ERR_RANGE, "%s gate at row %u: swap value %u is not 0 or 1",
                          zp_gate_name(s->w->c->row_gate[g->row]), g->row, sw);
    s->w->direct[g->row] = 1;
    int rc = ZK_OK;
    for (unsigned k = ZP_P2_OUT; k < ZP_P2_OUT + P2_WIDTH && !rc; k++)
        rc = put(s, wire(g->row, k), row[k], g);
    return rc;
}

static int run_gen(solver *s, const cb_gen *g, cb_target *io)
{
    const cb_circuit *c = s->w->c;
    if (!s->w->lie && c->gen_direct[g - c->gens])
        return run_direct(s, g);
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
        for (size_t i = 0; i < nout && !s->w->lie; i++)
            if (vals[i] >= KB_P)
                return zk_err_set(ZK_ERR_RANGE,
                                  "custom generator %u: output %zu is 0x%x, not a field element "
                                  "(Montgomery form below p)",
                                  g->row, i, vals[i]);
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

/* The first unsatisfied constraint of gate row r, or -1. */
static int row_fails(const cb_circuit *c, const kb *trace, const kb *pi_hash, size_t r, kb *val)
{
    unsigned g = c->row_gate[r];
    if (g >= ZP_NGATES)
        return -1;
    kb out[ZP_MAX_GATE_CONSTRAINTS];
    zp_gate_eval_base(g, &trace[r * ZP_WIRES], &c->row_consts[r * ZP_CONSTS], pi_hash, out);
    for (unsigned k = 0; k < zp_gate_num_constraints(g); k++) {
        if (!kb_is_zero(out[k])) {
            *val = out[k];
            return (int)k;
        }
    }
    return -1;
}

/* The first advice wire of a direct row that was set (cb_witness_set) to something
 * other than what the row computes, or -1. */
static int direct_conflict(const cb_witness *w, const kb *trace, size_t r)
{
    const uint32_t *cls = &w->c->cls[r * ZP_WIRES];
    for (unsigned k = ZP_ROUTED; k < ZP_WIRES; k++)
        if (w->known[cls[k]] && w->val[cls[k]] != trace[r * ZP_WIRES + k])
            return (int)k;
    return -1;
}

typedef struct trace_pass {
    const cb_witness *w;
    kb *trace;
    const kb *pi_hash;
    _Atomic size_t first_bad; /* lowest row with a conflict or a failed constraint */
} trace_pass;

/* Writes rows [begin, end) of the trace from the copy classes (the advice wires of
 * direct rows are in place already), zeros the rows past the gates, and checks
 * every other gate row's constraints, so that a bad witness is reported by gate,
 * row and constraint instead of as a failed proof. A direct row satisfies its
 * constraints by construction (zp_fill_poseidon2 from its inputs, the swap checked
 * to be a bit), so it is only compared with values set on its advice wires. */
static void trace_range(void *vctx, size_t begin, size_t end)
{
    trace_pass *t = vctx;
    const cb_witness *w = t->w;
    const cb_circuit *c = w->c;
    size_t bad = SIZE_MAX;
    for (size_t r = begin; r < end; r++) {
        kb *row = &t->trace[r * ZP_WIRES];
        if (r >= c->gate_rows) {
            memset(row, 0, ZP_WIRES * sizeof *row);
            continue;
        }
        unsigned cols = w->direct[r] ? ZP_ROUTED : ZP_WIRES;
        const uint32_t *cls = &c->cls[r * ZP_WIRES];
        for (unsigned k = 0; k < cols; k++)
            row[k] = w->known[cls[k]] ? w->val[cls[k]] : KB_ZERO;
        kb v;
        int fails = w->direct[r] ? w->direct_set && direct_conflict(w, t->trace, r) >= 0
                                 : row_fails(c, t->trace, t->pi_hash, r, &v) >= 0;
        if (fails && bad == SIZE_MAX)
            bad = r;
    }
    size_t cur = atomic_load(&t->first_bad);
    while (bad < cur && !atomic_compare_exchange_weak(&t->first_bad, &cur, bad))
        ;
}

/* The error for row r, the lowest one trace_range found wrong. */
static int row_error(const cb_witness *w, const kb *trace, const kb *pi_hash, size_t r)
{
    const cb_circuit *c = w->c;
    if (w->direct[r]) {
        int k = direct_conflict(w, trace, r);
        char d[96];
        describe(d, sizeof d, c, wire(r, (unsigned)k));
        return zk_err_set(ZK_ERR_PROOF,
                          "witness conflict: %s computes %u (gate output) but a connected target "
                          "holds %u",
                          d, kb_to_canonical(trace[r * ZP_WIRES + (unsigned)k]),
                          kb_to_canonical(w->val[c->cls[r * ZP_WIRES + (unsigned)k]]));
    }
    kb v = KB_ZERO;
    int k = row_fails(c, trace, pi_hash, r, &v);
    return zk_err_set(
        ZK_ERR_PROOF,
        "unsatisfied witness: constraint %d of the %s gate at row %zu evaluates to %u", k,
        zp_gate_name(c->row_gate[r]), r, kb_to_canonical(v));
}

size_t cb_circuit_written_rows(const cb_circuit *c)
{
    return c ? (size_t)c->zk_pair_row + 2 * (size_t)c->zk_pairs : 0;
}

int cb_witness_solve(cb_witness *w, kb *trace, kb *public_inputs)
{
    return cb_witness_solve_rows(w, trace, public_inputs, SIZE_MAX);
}

int cb_witness_solve_rows(cb_witness *w, kb *trace, kb *public_inputs, size_t zero_from)
{
    if (!w || !trace || (!public_inputs && w->c->npi))
        return zk_err_set(ZK_ERR_INVALID_ARG, "cb_witness_solve: NULL argument");
    const cb_circuit *c = w->c;
    solver s = {.w = w, .trace = trace};
    s.count = malloc((c->ngens ? c->ngens : 1) * sizeof *s.count);
    s.queue = malloc((c->ngens ? c->ngens : 1) * sizeof *s.queue);
    cb_target *io = malloc(2 * CB_GEN_MAX_IO * sizeof *io);
    int rc = ZK_OK;
    if (!s.count || !s.queue || !io) {
        rc = zk_err_set(ZK_ERR_NOMEM, "cb_witness_solve: out of memory");
        goto done;
    }
    memset(w->direct, 0, c->gate_rows);
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
            if (w->known[c->cls[cb_slot(c, io[k])]])
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
        uint32_t r = c->cls[cb_slot(c, c->pi[i])];
        if (!w->known[r]) {
            char d[96];
            describe(d, sizeof d, c, c->pi[i]);
            rc = zk_err_set(ZK_ERR_NOT_FOUND, "missing witness value: public input %zu (%s)", i, d);
            goto done;
        }
        public_inputs[i] = w->val[r];
    }
    p2_digest h;
    zp_public_input_hash(&h, public_inputs, c->npi);
    trace_pass tp = {.w = w, .trace = trace, .pi_hash = h.v};
    atomic_init(&tp.first_bad, SIZE_MAX);
    size_t rows = (size_t)1 << c->log_n;
    if (zero_from < rows) /* the rows from zero_from on hold zeros already */
        rows = zero_from > c->gate_rows ? zero_from : c->gate_rows;
    zk_par_for(rows, 1024, trace_range, &tp);
    size_t bad = atomic_load(&tp.first_bad);
    if (bad != SIZE_MAX)
        rc = row_error(w, trace, h.v, bad);
done:
    free(s.count);
    free(s.queue);
    free(io);
    return rc;
}
