/* Proof files written by `zkgate prove` and read by `zkgate verify`
 * (docs/PROOF.md, "Proof files"): the built-in circuit's name and size, the
 * zero-knowledge flag, the FRI parameters, the verification-key digest, the
 * public inputs and the proof bytes. */
#ifndef ZKGATE_CLI_PROOF_FILE_H
#define ZKGATE_CLI_PROOF_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "verifier/fri.h"
#include "verifier/p2.h"

#define PF_MAGIC    0x4c46505au /* "ZPFL" */
#define PF_VERSION  2u /* follows ZP_FORMAT_VERSION: a version-1 file holds a version-1 proof */
#define PF_MAX_NAME 32

typedef struct pf_file {
    char circuit[PF_MAX_NAME + 1]; /* built-in circuit name */
    uint32_t size;                 /* its size parameter */
    int zk;                        /* zero knowledge */
    fri_params fri;                /* FRI parameters */
    p2_digest vk_digest;           /* the verification key's digest */
    kb *pi;                        /* public inputs (owned) */
    uint32_t npi;
    const uint8_t *proof; /* proof bytes (inside the file buffer) */
    size_t proof_len;
} pf_file;

/* Appends the file's bytes to out. Returns ZK_OK or the zk_buf errors. */
int pf_write(zk_buf *out, const pf_file *f, const kb *pi, uint32_t npi, const uint8_t *proof,
             size_t proof_len) __attribute__((warn_unused_result));

/* Parses data[0..len) (which must outlive f, proof points into it).
 * Returns ZK_OK, ZK_ERR_PARSE / ZK_ERR_RANGE / ZK_ERR_TOO_LARGE (malformed, with
 * the item and byte), ZK_ERR_UNSUPPORTED (another version) or ZK_ERR_NOMEM.
 * Out: *f (pf_free). */
int pf_read(pf_file *f, const uint8_t *data, size_t len) __attribute__((warn_unused_result));
void pf_free(pf_file *f);

#endif
