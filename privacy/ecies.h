/* ECIES on secp256k1: ECDH with libsecp256k1, HKDF-SHA256 and AES-256-GCM through
 * OpenSSL's EVP interfaces.
 *
 * Wire format (byte for byte the one of the npm package eciesjs in its default
 * configuration: secp256k1, uncompressed ephemeral key, uncompressed HKDF input,
 * AES-256-GCM with a 16-byte nonce):
 *
 *   ephemeral public key (65, 0x04 || x || y) || nonce (16) || tag (16) || ciphertext
 *
 * key = HKDF-SHA256(ikm = ephemeral public key (65) || shared point (65, uncompressed),
 *                   salt = none, info = none, length 32)
 *
 * Associated data is our extension: eciesjs has no AAD parameter, so a ciphertext
 * with empty associated data is exactly an eciesjs ciphertext, and one with
 * associated data is the same layout with the AAD fed to GCM (eciesjs's internal
 * symEncrypt/symDecrypt take an AAD and produce the same bytes). See
 * docs/PRIVACY.md.
 *
 * Secret keys are 32-byte big-endian scalars in [1, n-1]. All functions wipe what
 * they derive before returning, on every path.
 */
#ifndef ZKGATE_PRIVACY_ECIES_H
#define ZKGATE_PRIVACY_ECIES_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

#define ECIES_SECKEY_LEN    32
#define ECIES_PUBKEY_LEN    65 /* uncompressed: 0x04 || x || y */
#define ECIES_NONCE_LEN     16
#define ECIES_TAG_LEN       16
#define ECIES_KEY_LEN       32
#define ECIES_SEAL_OVERHEAD (ECIES_NONCE_LEN + ECIES_TAG_LEN)
#define ECIES_OVERHEAD      (ECIES_PUBKEY_LEN + ECIES_SEAL_OVERHEAD)
/* The largest plaintext ecies_encrypt/ecies_decrypt accept (64 MiB). */
#define ECIES_MAX_PLAINTEXT ((size_t)64 << 20)

/* The routing fields of a cross-chain message, bound to its ciphertext as AAD so a
 * ciphertext cannot be replayed under another message. */
typedef struct ecies_route {
    uint8_t version;    /* message format version */
    uint64_t src_chain; /* source chain id */
    uint64_t dst_chain; /* destination chain id */
    uint64_t sequence;  /* channel sequence of (src_chain, dst_chain) */
    uint8_t leaf[32];   /* the message's exit-tree leaf: 8 field elements, canonical LE */
} ecies_route;

/* version (1) || src_chain (8 LE) || dst_chain (8 LE) || sequence (8 LE) || leaf (32) */
#define ECIES_ROUTE_LEN 57

/* Writes the fixed AAD encoding of r. */
void ecies_route_encode(uint8_t out[ECIES_ROUTE_LEN], const ecies_route *r);

/* Decodes a route encoding. Returns ZK_OK or ZK_ERR_PARSE (wrong length). */
int ecies_route_decode(ecies_route *r, const uint8_t *in, size_t len)
    __attribute__((warn_unused_result));

/* Creates a fresh key pair from the CSPRNG.
 * Returns: ZK_OK or ZK_ERR_CRYPTO. Out: sk (secret), pub (uncompressed). */
int ecies_keygen(uint8_t sk[ECIES_SECKEY_LEN], uint8_t pub[ECIES_PUBKEY_LEN])
    __attribute__((warn_unused_result));

/* Returns: ZK_OK, or ZK_ERR_INVALID_ARG when sk is not a valid secret key.
 * Out: pub, the uncompressed public key of sk. */
int ecies_pubkey(uint8_t pub[ECIES_PUBKEY_LEN], const uint8_t sk[ECIES_SECKEY_LEN])
    __attribute__((warn_unused_result));

/* Parses a public key given as 33 (compressed), 65 (uncompressed) or 64 bytes
 * (x || y without prefix, as Ethereum tools print it).
 * Returns: ZK_OK or ZK_ERR_PARSE. Out: pub, uncompressed. */
int ecies_pubkey_parse(uint8_t pub[ECIES_PUBKEY_LEN], const uint8_t *in, size_t len)
    __attribute__((warn_unused_result));

/* Sender side of the key agreement: draws an ephemeral key, and derives
 * key = HKDF-SHA256(eph_pub || shared point, info). Empty info is eciesjs's KDF.
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG (pub not on the curve) or ZK_ERR_CRYPTO.
 * Out: key (secret), eph_pub. */
int ecies_encapsulate(uint8_t key[ECIES_KEY_LEN], uint8_t eph_pub[ECIES_PUBKEY_LEN],
                      const uint8_t pub[ECIES_PUBKEY_LEN], const uint8_t *info, size_t info_len)
    __attribute__((warn_unused_result));

/* Receiver side: the same key from the ephemeral public key and the secret key.
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG (bad sk or eph_pub) or ZK_ERR_CRYPTO. */
int ecies_decapsulate(uint8_t key[ECIES_KEY_LEN], const uint8_t eph_pub[ECIES_PUBKEY_LEN],
                      const uint8_t sk[ECIES_SECKEY_LEN], const uint8_t *info, size_t info_len)
    __attribute__((warn_unused_result));

/* AES-256-GCM with a fresh random 16-byte nonce: appends nonce || tag || ciphertext
 * to out. Returns: ZK_OK, ZK_ERR_CRYPTO or the errors of zk_buf_append. */
int ecies_seal(zk_buf *out, const uint8_t key[ECIES_KEY_LEN], const uint8_t *aad, size_t aad_len,
               const uint8_t *pt, size_t pt_len) __attribute__((warn_unused_result));

/* Opens what ecies_seal made; appends the plaintext to out only when the tag
 * verifies. Returns: ZK_OK, ZK_ERR_DECRYPT (too short, or does not authenticate:
 * wrong key, wrong AAD or altered bytes) or ZK_ERR_TOO_LARGE/ZK_ERR_NOMEM. */
int ecies_open(zk_buf *out, const uint8_t key[ECIES_KEY_LEN], const uint8_t *aad, size_t aad_len,
               const uint8_t *ct, size_t ct_len) __attribute__((warn_unused_result));

/* Encrypts pt to the public key pub (33, 64 or 65 bytes) and appends the eciesjs
 * wire format to out. aad may be NULL with aad_len 0 (eciesjs compatible).
 * Returns: ZK_OK, ZK_ERR_PARSE (bad public key), ZK_ERR_TOO_LARGE, ZK_ERR_CRYPTO,
 * ZK_ERR_NOMEM. */
int ecies_encrypt(zk_buf *out, const uint8_t *pub, size_t pub_len, const uint8_t *aad,
                  size_t aad_len, const uint8_t *pt, size_t pt_len)
    __attribute__((warn_unused_result));

/* Decrypts an eciesjs-format ciphertext with sk and appends the plaintext to out.
 * Returns: ZK_OK, ZK_ERR_DECRYPT (too short, bad ephemeral key, wrong key, wrong
 * AAD, altered bytes), ZK_ERR_INVALID_ARG (bad sk), ZK_ERR_TOO_LARGE, ZK_ERR_NOMEM. */
int ecies_decrypt(zk_buf *out, const uint8_t sk[ECIES_SECKEY_LEN], const uint8_t *aad,
                  size_t aad_len, const uint8_t *ct, size_t ct_len)
    __attribute__((warn_unused_result));

#endif
