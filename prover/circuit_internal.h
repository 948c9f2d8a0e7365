/* The built circuit as the prover sees it (prover/ only: prover/circuit.c builds
 * it, prover/plonk_prove.c proves with it). Not part of any public API. */
#ifndef ZKGATE_PROVER_CIRCUIT_INTERNAL_H
#define ZKGATE_PROVER_CIRCUIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "prover/circuit.h"
#include "prover/mtree.h"
#include "prover/ntt.h"
#include "verifier/plonk.h"
#include "verifier/plonk_gates.h"

/* Target ids: a wire is row * ZP_WIRES + column; a virtual target has the top bit
 * set. After cb_build every target maps to a slot (wires first, then virtuals,
 * cb_slot) and every slot to its copy class (cls[]). */
#define CB_VIRTUAL_BIT 0x80000000u

enum cb_gen_kind {
    CB_GEN_ARITH = 0, /* op in `op` */
    CB_GEN_ARITH_EXT, /* op in `op` */
    CB_GEN_POSEIDON2,
    CB_GEN_BITS,
    CB_GEN_RANDOM_ACCESS,
    CB_GEN_CONSTANT,
    CB_GEN_CUSTOM, /* custom[idx] */
};

typedef struct cb_gen {
    uint8_t kind; /* enum cb_gen_kind */
    uint8_t op;   /* the operation slot (arith kinds) */
    uint32_t row; /* the gate's row (gate kinds) or the custom index */
} cb_gen;

typedef struct cb_custom {
    cb_gen_fn fn;
    uint8_t ctx[32];
    uint32_t in_off, nin; /* into the builder's custom target pool */
    uint32_t out_off, nout;
} cb_custom;

struct cb_circuit {
    fri_params fri;
    int zk;
    unsigned log_n;      /* trace rows 2^log_n */
    size_t gate_rows;    /* rows holding gates (public-input row included) */
    size_t zk_rand_row;  /* first random no-op row (zk) */
    size_t zk_rand_rows; /* random no-op rows */
    size_t zk_pair_row;  /* first row of the connected random pairs (zk) */
    size_t zk_pairs;     /* pairs of rows whose routed wires are copies */
    uint8_t *row_gate;   /* gate type of each of the 2^log_n rows */
    kb *row_consts;      /* ZP_CONSTS per row */
    uint32_t nvirt;      /* virtual targets */
    uint32_t *cls;       /* copy class of every target slot (wires, virtuals), numbered
                          * densely (make_classes): [0, nlive) first, then the advice
                          * wires of gen_direct rows, which the solver never stores */
    uint32_t nclasses, nlive;
    cb_gen *gens; /* generators */
    size_t ngens;
    cb_custom *custom; /* custom generators */
    size_t ncustom;
    cb_target *pool; /* targets of the custom generators */
    size_t npool;
    uint32_t *gen_in_off; /* CSR: input classes of generator g */
    uint32_t *gen_in;
    uint32_t *watch_off; /* CSR: generators reading class k */
    uint32_t *watch;
    uint8_t *gen_direct; /* per generator: 1 for a Poseidon2 gate whose advice outputs
                          * (columns >= ZP_ROUTED) share no class and feed no generator:
                          * the solver writes them straight into the trace */
    cb_target *pi;       /* public-input targets */
    size_t npi;
    kb *pre_h;      /* preprocessed columns on H: n rows x 43 (row-major) */
    kb *pre_lde;    /* their LDE: N rows x 43 */
    mt_tree *t0;    /* tree over pre_lde */
    ntt_plan *plan; /* transforms up to log N */
    zp_vk vk;
};

/* Returns: the slot of target t in root[] (no range check). */
static inline size_t cb_slot(const cb_circuit *c, cb_target t)
{
    return (t & CB_VIRTUAL_BIT) ? c->gate_rows * ZP_WIRES + (t & ~CB_VIRTUAL_BIT) : t;
}

/* The input and output targets of generator g (prover/witness.c). in and out must
 * hold CB_GEN_MAX_IO targets. */
#define CB_GEN_MAX_IO 4096
void cb_gen_io(const cb_circuit *c, const cb_gen *g, cb_target *in, size_t *nin, cb_target *out,
               size_t *nout);

/* Tests only: lying generators, to show that a gadget's constraints and not its
 * generator make its output the only one a prover can use. After each generator
 * (gate or custom) ran, fn sees its inputs and outputs and may change the output
 * values vals[0..nout). With an override set the solver behaves like a prover
 * writing its own trace: a value that meets a different known one leaves the
 * known one in place instead of failing (the trace then satisfies every copy
 * constraint and some gate's constraints do not), a generator that fails (a
 * value too wide for a range check, a division by zero) writes zeros, and a
 * Poseidon2 swap value that is not a bit is used as it is. cb_witness_solve's
 * constraint check then reports the gate, row and constraint that stop the lie.
 * fn == NULL turns it off. */
typedef void (*cb_override_fn)(void *ctx, const cb_circuit *c, const cb_target *in, size_t nin,
                               const cb_target *out, kb *vals, size_t nout);
void cb_witness_override(cb_witness *w, cb_override_fn fn, void *ctx);

#endif
