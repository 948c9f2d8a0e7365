/* Proving a built circuit (docs/PROOF.md): wire LDEs and commitments, the
 * permutation argument, the quotient, openings at zeta, the DEEP composition and
 * FRI. The verifier is verifier/plonk.h.
 *
 * Each phase works on whole columns; with a CUDA backend (opts->backend) the LDEs,
 * Merkle hashing, permutation products, quotient, openings and DEEP composition
 * run on the device (prover/plonk_gpu.h) and the data stays there between them.
 * Apart from the zero-knowledge randomness (rand, injectable for tests), the same
 * circuit and witness give the same proof bytes on either backend.
 */
#ifndef ZKGATE_PROVER_PLONK_PROVE_H
#define ZKGATE_PROVER_PLONK_PROVE_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "prover/backend.h"
#include "prover/circuit.h"

#define ZP_MAX_PROOF_BYTES (64u << 20)

/* Fills buf[0..n) with random bytes. Returns ZK_OK or an error. */
typedef int (*zp_rand_fn)(void *ctx, uint8_t *buf, size_t n);

/* Seconds spent per phase (filled when asked for). */
typedef struct zp_prove_stats {
    double witness;  /* generators and constraint check */
    double lde;      /* wire, permutation and quotient-chunk LDEs */
    double commit;   /* Merkle trees */
    double perm;     /* Z and the partial products */
    double quotient; /* constraint evaluation and the quotient's interpolation */
    double open;     /* openings at zeta and the DEEP composition */
    double fri;      /* FRI commit phase and grinding */
    double queries;  /* query openings and encoding */
    double total;
} zp_prove_stats;

/* Tests only: changes the solved trace (n rows of ZP_WIRES) before it is
 * committed, to play a cheating prover. */
typedef void (*zp_tamper_fn)(void *ctx, kb *trace, size_t rows);

typedef struct zp_prove_opts {
    zp_rand_fn rand;       /* NULL: OpenSSL RAND_bytes */
    void *rand_ctx;        /* passed to rand */
    zp_prove_stats *stats; /* NULL: not measured */
    zp_tamper_fn tamper;   /* tests only, NULL in real use: when set, the prover also skips
                              its quotient-degree check so that the verifier rejects */
    void *tamper_ctx;      /* passed to tamper */
    zp_backend *backend;   /* NULL: the CPU; a CUDA backend runs the passes on its device */
    size_t mem_limit;      /* host bytes the proof may take; 0: what the machine has available
                              now (common/sysmem.h). A proof whose zp_prove_host_bytes exceeds
                              it fails at once with ZK_ERR_NOMEM and both figures */
} zp_prove_opts;

/* Returns: the device memory (bytes) a proof of c takes on the CUDA backend (the
 * arena zp_backend_open must reserve for it; 0 for NULL). */
size_t zp_prove_device_bytes(const cb_circuit *c);

/* Returns: the host memory (bytes) a proof of c takes at its peak on backend b
 * (NULL: the CPU), beyond the circuit itself: an estimate from the columns each
 * phase holds, an upper bound within a few percent (test_prove_mem measures it).
 * On the CPU a 2^17-row proof at blowup 8 takes about 1.5 GiB. 0 for NULL c. */
size_t zp_prove_host_bytes(const cb_circuit *c, const zp_backend *b);

/* Proves that w (a partial witness of c, completed here) satisfies c.
 * Returns ZK_OK, the errors of cb_witness_solve (a missing value, a conflict or
 * an unsatisfied constraint, named), ZK_ERR_CRYPTO (no randomness), ZK_ERR_NOMEM
 * (on a device: the memory the circuit needs and what the arena has; on the host:
 * zp_prove_host_bytes and what is available, checked before any work),
 * ZK_ERR_DEVICE (a CUDA call failed, named), ZK_ERR_TOO_LARGE (the proof exceeds
 * ZP_MAX_PROOF_BYTES).
 * Out: proof (appended, nothing on failure; its cap must allow the proof), public_inputs
 * (cb_circuit_num_public_inputs values; may be NULL when there are none). */
int zp_prove(const cb_circuit *c, cb_witness *w, const zp_prove_opts *opts, zk_buf *proof,
             kb *public_inputs) __attribute__((warn_unused_result));

#endif
