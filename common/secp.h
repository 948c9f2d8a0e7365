/* secp256k1 keys and recoverable ECDSA signatures (on libsecp256k1), and Ethereum
 * addresses.
 *
 * Private keys are 32-byte big-endian scalars in [1, n-1]. Public keys are 64 bytes
 * x || y (the uncompressed SEC1 form without its 0x04 prefix, as Ethereum hashes
 * them) or 33 bytes compressed. A recoverable signature is 65 bytes r || s || v
 * with v the recovery id, 0 or 1 (not Ethereum's 27/28 or EIP-155 forms); signing
 * always gives low s, and ecc_recover refuses high s so that a signature cannot be
 * altered into a second valid one.
 *
 * All functions share one libsecp256k1 context, created on first use and
 * randomized from OpenSSL's CSPRNG as a side-channel countermeasure; they are safe
 * to call from several threads. Private keys never appear in error details.
 */
#ifndef ZKGATE_COMMON_SECP_H
#define ZKGATE_COMMON_SECP_H

#include <stddef.h>
#include <stdint.h>

#define ECC_SECKEY_LEN      32
#define ECC_PUB64_LEN       64
#define ECC_PUB33_LEN       33
#define ECC_SIG_LEN         65
#define ETH_ADDRESS_LEN     20
#define ETH_ADDRESS_STR_LEN 43 /* "0x" + 40 hex digits + NUL */

/* Checks that priv is a valid private key. Returns ZK_OK or ZK_ERR_RANGE (0 or
 * >= the group order n). */
int ecc_seckey_check(const uint8_t priv[ECC_SECKEY_LEN]) __attribute__((warn_unused_result));

/* Draws a fresh private key from OpenSSL's CSPRNG (retrying the negligible chance
 * of an invalid scalar). Out: priv, wiped on failure. Returns ZK_OK or
 * ZK_ERR_CRYPTO. */
int ecc_keygen(uint8_t priv[ECC_SECKEY_LEN]) __attribute__((warn_unused_result));

/* Computes the public key of priv. Out: pub64 (x || y) and/or pub33 (compressed);
 * either may be NULL. Returns ZK_OK, ZK_ERR_RANGE (invalid key) or ZK_ERR_CRYPTO. */
int ecc_pubkey(const uint8_t priv[ECC_SECKEY_LEN], uint8_t pub64[ECC_PUB64_LEN],
               uint8_t pub33[ECC_PUB33_LEN]) __attribute__((warn_unused_result));

/* Parses a public key given as 33 (compressed), 64 (x || y) or 65 (0x04 || x || y)
 * bytes and checks that it is on the curve. Out: pub64. Returns ZK_OK or
 * ZK_ERR_PARSE. */
int ecc_pubkey_parse(const uint8_t *in, size_t len, uint8_t pub64[ECC_PUB64_LEN])
    __attribute__((warn_unused_result));

/* Signs a 32-byte message hash with a deterministic nonce (RFC 6979). Out: sig,
 * r || s || v with low s and v in {0, 1}. Returns ZK_OK, ZK_ERR_RANGE (invalid
 * key) or ZK_ERR_CRYPTO. */
int ecc_sign_recoverable(const uint8_t priv[ECC_SECKEY_LEN], const uint8_t hash[32],
                         uint8_t sig[ECC_SIG_LEN]) __attribute__((warn_unused_result));

/* Recovers the public key that made sig over hash. Out: pub64. Returns ZK_OK or
 * ZK_ERR_SIGNATURE (v not 0/1, r or s out of range, high s, or no key recovers). */
int ecc_recover(const uint8_t hash[32], const uint8_t sig[ECC_SIG_LEN],
                uint8_t pub64[ECC_PUB64_LEN]) __attribute__((warn_unused_result));

/* The Ethereum address of a public key: the last 20 bytes of Keccak-256(x || y). */
void eth_address_from_pub(const uint8_t pub64[ECC_PUB64_LEN], uint8_t addr[ETH_ADDRESS_LEN]);

/* The Ethereum address of a private key. Returns as ecc_pubkey. */
int eth_address_from_priv(const uint8_t priv[ECC_SECKEY_LEN], uint8_t addr[ETH_ADDRESS_LEN])
    __attribute__((warn_unused_result));

/* Writes the EIP-55 mixed-case checksummed form "0x..." and a NUL to out. */
void eth_address_checksum(const uint8_t addr[ETH_ADDRESS_LEN], char out[ETH_ADDRESS_STR_LEN]);

/* Parses "0x" + 40 hex digits. All-lowercase and all-uppercase digits are taken as
 * they are; mixed case must be the exact EIP-55 checksum. Returns ZK_OK or
 * ZK_ERR_PARSE with a detail naming the first wrong position. */
int eth_address_parse(const char *s, uint8_t addr[ETH_ADDRESS_LEN])
    __attribute__((warn_unused_result));

#endif
