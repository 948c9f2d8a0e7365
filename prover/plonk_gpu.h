/* The device half of the PLONK prover: plonk_prove.c calls these instead of its
 * CPU passes when it is given a CUDA backend (prover/backend.h). Internal to
 * prover/.
 *
 * One zpg holds one proof's device buffers, taken from the gpu_ctx's arena when
 * the proof starts (so a circuit that does not fit fails at once, saying how much
 * memory it needs) and given back when it ends. The trace, the LDEs and the
 * permutation columns stay on the device from the first commitment to the DEEP
 * composition; the host receives the Merkle digests (its trees are mt_adopt'ed,
 * their rows read back one at a time when opened), the quotient's coefficients,
 * the openings at zeta and the DEEP values that FRI commits.
 *
 * Every function gives exactly the values of the CPU pass it replaces (the
 * arithmetic is exact, so the order of evaluation does not matter); the tests
 * compare whole proofs byte for byte. Without the CUDA backend every function
 * returns ZK_ERR_NO_DEVICE.
 */
#ifndef ZKGATE_PROVER_PLONK_GPU_H
#define ZKGATE_PROVER_PLONK_GPU_H

#include <stddef.h>

#include "prover/circuit.h"
#include "prover/fri_prove.h"
#include "prover/gpu.h"
#include "prover/mtree.h"
#include "verifier/kb4.h"

typedef struct zpg zpg;

/* The powers of alpha zpg_quotient takes: one per quotient term (236 gate
 * constraints, L_0 (Z - 1), 11 permutation chunks); plonk_prove.c's NUM_TERMS and
 * the kernel's ZKC_QUOT_TERMS are checked against it at compile time. */
#define ZPG_QUOT_TERMS 248

/* Returns: the device memory (bytes) a proof of c takes: the resident columns,
 * the largest Merkle tree and the passes' scratch. */
size_t zpg_bytes_needed(const cb_circuit *c);

/* Takes the proof's buffers from g's arena and uploads c's preprocessed columns.
 * Returns ZK_OK, ZK_ERR_NOMEM ("the circuit needs N bytes of device memory, the
 * arena has M free"), ZK_ERR_RANGE (a domain larger than the context's twiddles),
 * ZK_ERR_DEVICE or ZK_ERR_NO_DEVICE. */
int zpg_new(zpg **out, gpu_ctx *g, const cb_circuit *c) __attribute__((warn_unused_result));

/* Returns: a page-locked host buffer of n x ZP_WIRES elements for the trace (the
 * witness is solved straight into it, and it goes to the device at full PCIe
 * speed); owned by the gpu_ctx and reused by its next proof. */
kb *zpg_host_trace(zpg *d);

/* The rows of zpg_host_trace's buffer from which it holds zeros (what
 * cb_witness_solve_rows need not write), and, once a proof has filled it, the
 * new such row (rows >= it were left zero or zeroed). */
size_t zpg_host_trace_zero(zpg *d);
void zpg_host_trace_set_zero(zpg *d, size_t row);

/* Gives the buffers back to the arena; NULL is fine. Trees adopted from this zpg
 * must be freed first (their rows are read from its buffers). */
void zpg_free(zpg *d);

/* Uploads the solved trace (n x ZP_WIRES, row-major), extends it and commits it:
 * tree 1 over the LDE (and salt, N x ZP_SALT on the host, when not NULL). */
int zpg_commit_wires(zpg *d, const kb *trace, const kb *salt, unsigned cap_log, mt_tree **tree)
    __attribute__((warn_unused_result));

/* Z and the partial products on H from the resident trace (as plonk_prove.c's
 * permutation()). Out: *z_final, the full product (1 when the copy constraints
 * hold). */
int zpg_permutation(zpg *d, kb4 beta, kb4 gamma, kb4 *z_final) __attribute__((warn_unused_result));

/* Extends the permutation columns and commits them (tree 2). */
int zpg_commit_perm(zpg *d, const kb *salt, unsigned cap_log, mt_tree **tree)
    __attribute__((warn_unused_result));

/* The quotient's coefficients: its values on g H_{4n} (quot_range's), then the
 * coset inverse NTT. Args: apow: the ZPG_QUOT_TERMS powers of alpha; pi_hash: 8
 * elements.
 * Out: out: 4n x 4 (row-major), the coefficients of the quotient. */
int zpg_quotient(zpg *d, const kb4 *apow, kb4 beta, kb4 gamma, const kb *pi_hash, kb *out)
    __attribute__((warn_unused_result));

/* Uploads the quotient chunks' coefficients (n x 12, row-major: the first rows of
 * the N x 12 matrix whose other rows are zero, set on the device), evaluates them
 * on g H_N and commits them (tree 3). */
int zpg_commit_quotient(zpg *d, const kb *q_coeffs, const kb *salt, unsigned cap_log,
                        mt_tree **tree) __attribute__((warn_unused_result));

/* The openings at zeta of the preprocessed, wire and permutation columns
 * (open[0 .. 44 + 173 + 44)), and of Z's four columns at zeta_next
 * (open[ZP_NUM_OPENINGS .. + 4)); the quotient's are the caller's (Horner on its
 * coefficients). */
int zpg_open(zpg *d, kb4 zeta, kb4 zeta_next, kb4 *open) __attribute__((warn_unused_result));

/* The DEEP composition F on g H_N (plonk_prove.c's deep()), kept on the device for
 * zpg_fri: apow: 277 powers of the DEEP challenge; s1, s2 its two combined
 * openings. Out: f: when not NULL, F's N values copied to the host. */
int zpg_deep(zpg *d, const kb4 *apow, kb4 s1, kb4 s2, kb4 zeta, kb4 zeta_next, kb4 *f)
    __attribute__((warn_unused_result));

/* FRI's commit phase on the resident F (fri_prove_commit_with): each layer laid out
 * and folded on the device, its tree from the device's digests (rows read back
 * when opened), the proof of work searched on the device. The layers stay in the
 * arena until zpg_free, so *out must be freed before. */
int zpg_fri(zpg *d, tr_state *t, const fri_params *p, fri_prover **out, uint32_t *queries)
    __attribute__((warn_unused_result));

#endif
