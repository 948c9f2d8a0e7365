/* The built-in example circuits (prover/examples.h). */
#include "prover/examples.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/gadgets.h"
#include "prover/mtree.h"
#include "verifier/p2.h"

enum { EX_HASHCHAIN = 0, EX_MERKLE = 1 };

static const char *const names[] = {"hashchain", "merkle"};

struct ex_instance {
    int kind;
    uint32_t size;
    cb_circuit *c;
    cb_target start[8]; /* hashchain */
    cb_target *values;  /* merkle: size x 8 leaf values */
    cb_target *index;   /* merkle: size leaf indices */
    cb_target *sib;     /* merkle: size x depth x 8 siblings */
    cb_target root[8];  /* merkle */
};

const char *ex_name_at(size_t i)
{
    return i < sizeof names / sizeof names[0] ? names[i] : NULL;
}

size_t ex_num_public_inputs(const ex_instance *e)
{
    (void)e;
    return 16;
}

const cb_circuit *ex_circuit(const ex_instance *e)
{
    return e->c;
}

void ex_free(ex_instance *e)
{
    if (!e)
        return;
    cb_circuit_free(e->c);
    free(e->values);
    free(e->index);
    free(e->sib);
    free(e);
}

static void build_hashchain(cb_builder *b, ex_instance *e)
{
    cb_target s[16], o[16];
    cb_target zero = cb_zero(b);
    for (int i = 0; i < 8; i++) {
        e->start[i] = cb_virtual(b);
        s[i] = e->start[i];
        s[8 + i] = zero;
    }
    for (uint32_t k = 0; k < e->size && !cb_error(b); k++) {
        cb_poseidon2(b, s, o);
        memcpy(s, o, sizeof s);
    }
    for (int i = 0; i < 8; i++)
        cb_public_input(b, e->start[i]);
    for (int i = 0; i < 8; i++)
        cb_public_input(b, s[i]);
}

static int build_merkle(cb_builder *b, ex_instance *e)
{
    size_t n = e->size;
    e->values = malloc(n * 8 * sizeof *e->values);
    e->index = malloc(n * sizeof *e->index);
    e->sib = malloc(n * EX_MERKLE_DEPTH * 8 * sizeof *e->sib);
    if (!e->values || !e->index || !e->sib)
        return zk_err_set(ZK_ERR_NOMEM, "merkle example: out of memory");
    for (int i = 0; i < 8; i++)
        e->root[i] = cb_virtual(b);
    for (size_t i = 0; i < n && !cb_error(b); i++) {
        cb_target *val = &e->values[i * 8];
        for (int k = 0; k < 8; k++)
            val[k] = cb_virtual(b);
        cb_target leaf[8];
        cb_hash(b, P2_DOM_MERKLE_LEAF, val, 8, leaf);
        e->index[i] = cb_virtual(b);
        cb_target(*sib)[8] = (cb_target(*)[8]) & e->sib[i * EX_MERKLE_DEPTH * 8];
        for (unsigned l = 0; l < EX_MERKLE_DEPTH; l++)
            for (int k = 0; k < 8; k++)
                sib[l][k] = cb_virtual(b);
        gd_merkle_verify(b, leaf, e->index[i], EX_MERKLE_DEPTH, (const cb_target(*)[8])sib,
                         e->root);
    }
    cb_target h[8];
    cb_hash(b, P2_DOM_GENERIC, e->values, n * 8, h);
    for (int i = 0; i < 8; i++)
        cb_public_input(b, e->root[i]);
    for (int i = 0; i < 8; i++)
        cb_public_input(b, h[i]);
    return ZK_OK;
}

int ex_build(ex_instance **out, const char *name, uint32_t size, const fri_params *fri, int zk)
{
    if (!out || !name || !fri)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ex_build: NULL argument");
    *out = NULL;
    int kind = -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            kind = (int)i;
    if (kind < 0)
        return zk_err_set(ZK_ERR_NOT_FOUND,
                          "no built-in circuit \"%s\" (there are: hashchain, merkle)", name);
    uint32_t max = kind == EX_MERKLE ? (1u << EX_MERKLE_DEPTH) : EX_MAX_SIZE;
    if (size == 0 || size > max)
        return zk_err_set(ZK_ERR_RANGE, "%s: size %u is out of range (1 to %u)", name, size, max);
    ex_instance *e = calloc(1, sizeof *e);
    if (!e)
        return zk_err_set(ZK_ERR_NOMEM, "ex_build: out of memory");
    e->kind = kind;
    e->size = size;
    cb_builder *b;
    int rc = cb_new(&b, fri, zk);
    if (rc) {
        ex_free(e);
        return rc;
    }
    if (kind == EX_HASHCHAIN)
        build_hashchain(b, e);
    else
        rc = build_merkle(b, e);
    if (rc) {
        cb_free(b);
        ex_free(e);
        return rc;
    }
    rc = cb_build(b, &e->c);
    if (rc) {
        ex_free(e);
        return rc;
    }
    *out = e;
    return ZK_OK;
}

/* The merkle example's tree: leaf j is the row (j, 1, 2, ..., 7). */
static int merkle_witness(ex_instance *e, cb_witness *w)
{
    size_t nleaves = (size_t)1 << EX_MERKLE_DEPTH;
    kb *rows = malloc(nleaves * 8 * sizeof *rows);
    if (!rows)
        return zk_err_set(ZK_ERR_NOMEM, "merkle example: out of memory");
    for (size_t j = 0; j < nleaves; j++)
        for (int k = 0; k < 8; k++)
            rows[j * 8 + k] = kb_from_u32(k == 0 ? (uint32_t)j : (uint32_t)k);
    mt_matrix m = {.data = rows, .height = nleaves, .width = 8};
    mt_tree *t = NULL;
    int rc = mt_build(&t, &m, 1, 0);
    if (!rc) {
        const p2_digest *root = mt_cap(t, NULL);
        for (int k = 0; k < 8 && !rc; k++)
            rc = cb_witness_set(w, e->root[k], root->v[k]);
    }
    size_t step = nleaves / e->size;
    for (size_t i = 0; i < e->size && !rc; i++) {
        size_t j = i * step;
        kb row[8];
        p2_digest path[EX_MERKLE_DEPTH];
        rc = mt_open(t, j, row, 8, path, EX_MERKLE_DEPTH);
        for (int k = 0; k < 8 && !rc; k++)
            rc = cb_witness_set(w, e->values[i * 8 + k], row[k]);
        if (!rc)
            rc = cb_witness_set(w, e->index[i], kb_from_u32((uint32_t)j));
        for (unsigned l = 0; l < EX_MERKLE_DEPTH && !rc; l++)
            for (int k = 0; k < 8 && !rc; k++)
                rc = cb_witness_set(w, e->sib[(i * EX_MERKLE_DEPTH + l) * 8 + k], path[l].v[k]);
    }
    mt_free(t);
    free(rows);
    return rc;
}

/* A witness holding the example's fixed values (cb_witness_free). */
static int ex_witness(ex_instance *e, cb_witness **out)
{
    cb_witness *w;
    int rc = cb_witness_new(&w, e->c);
    if (rc)
        return rc;
    if (e->kind == EX_HASHCHAIN) {
        for (int i = 0; i < 8 && !rc; i++)
            rc = cb_witness_set(w, e->start[i], kb_from_u32((uint32_t)i + 1));
    } else {
        rc = merkle_witness(e, w);
    }
    if (rc) {
        cb_witness_free(w);
        return rc;
    }
    *out = w;
    return ZK_OK;
}

int ex_prove(ex_instance *e, const zp_prove_opts *opts, zk_buf *proof, kb *public_inputs)
{
    if (!e || !proof)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ex_prove: NULL argument");
    cb_witness *w;
    int rc = ex_witness(e, &w);
    if (rc)
        return rc;
    rc = zp_prove(e->c, w, opts, proof, public_inputs);
    cb_witness_free(w);
    return rc;
}

int ex_solve(ex_instance *e, kb *trace, kb *public_inputs)
{
    return ex_solve_rows(e, trace, public_inputs, SIZE_MAX);
}

int ex_solve_rows(ex_instance *e, kb *trace, kb *public_inputs, size_t zero_from)
{
    if (!e || !trace || !public_inputs)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ex_solve: NULL argument");
    cb_witness *w;
    int rc = ex_witness(e, &w);
    if (rc)
        return rc;
    rc = cb_witness_solve_rows(w, trace, public_inputs, zero_from);
    cb_witness_free(w);
    return rc;
}
