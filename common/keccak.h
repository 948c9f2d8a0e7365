/* Keccak-256 as Ethereum uses it, and the Keccak-f[1600] permutation under it.
 *
 * Ethereum's "keccak256" is the Keccak submission to the SHA-3 competition with
 * rate 1088 bits, capacity 512 bits and the original multi-rate padding (first pad
 * byte 0x01). It is NOT SHA3-256 from FIPS 202, which pads with 0x06: the two give
 * different digests for every input.
 *
 * zk_keccak is a plain value (no heap); copying it forks the hash, which lets a
 * caller hash a common prefix once.
 */
#ifndef ZKGATE_COMMON_KECCAK_H
#define ZKGATE_COMMON_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define ZK_KECCAK256_LEN  32
#define ZK_KECCAK256_RATE 136 /* bytes absorbed per permutation */

/* An incremental Keccak-256 computation. */
typedef struct zk_keccak {
    uint64_t s[25]; /* the 1600-bit state, lane (x, y) at s[x + 5*y] */
    size_t pos;     /* bytes of the current block absorbed so far, < RATE */
} zk_keccak;

/* Applies Keccak-f[1600] (24 rounds) to the state in place. */
void zk_keccak_f1600(uint64_t s[25]);

/* Starts a Keccak-256 computation. */
void zk_keccak_init(zk_keccak *k);

/* Absorbs n bytes of p (p may be NULL when n is 0). */
void zk_keccak_update(zk_keccak *k, const void *p, size_t n);

/* Pads, writes the 32-byte digest to out and wipes k (init it again to reuse). */
void zk_keccak_final(zk_keccak *k, uint8_t out[ZK_KECCAK256_LEN]);

/* One-shot: out = Keccak-256(p[0..n)). */
void zk_keccak256(uint8_t out[ZK_KECCAK256_LEN], const void *p, size_t n);

#endif
