/* Viewing keys: keys for reading, separate from keys for signing.
 *
 * A chain's viewing key pair (v, V = v*G on secp256k1) is what senders encrypt
 * message envelopes to (envelope.h). It is derived from a 32-byte master secret
 * with HKDF-SHA256 under its own label, so it never equals, and reveals nothing
 * about, the chain's transaction signing key or any other key from the same master:
 *
 *   v = HKDF-SHA256(ikm = master, salt = none, info = "zkgate/v1/viewing-key" || c)
 *   for the first counter byte c = 0, 1, ... that gives a valid scalar.
 *
 * A key generated directly (ecies_keygen) works the same; the derivation only
 * lets an operator back up one master secret.
 *
 * Per-message keys: the key that wraps a message's content key in envelope slot i is
 *
 *   k = HKDF-SHA256(ikm = E_i || v*E_i (both uncompressed),
 *                   info = "zkgate/v1/message-key" || message id)
 *
 * where E_i is the slot's ephemeral key and the message id is the message's
 * exit-tree leaf (32 bytes). k opens this one message: it is a one-way function of
 * the shared point, each message has a fresh ephemeral key, and the message id is
 * bound in, so disclosing k exposes neither v nor any other message.
 *
 * Disclosure: vk_disclose builds the JSON bundle an auditor gets for one message:
 * the message, its envelope and per-message key, the opening of its commitment
 * (value and salt), and its inclusion path. Nothing else. See docs/PRIVACY.md.
 */
#ifndef ZKGATE_PRIVACY_VIEWKEY_H
#define ZKGATE_PRIVACY_VIEWKEY_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "privacy/commit.h"
#include "privacy/ecies.h"

#define VK_MASTER_LEN     32
#define VK_MESSAGE_ID_LEN 32
#define VK_INFO_LABEL     "zkgate/v1/message-key"
#define VK_INFO_LEN       (sizeof VK_INFO_LABEL - 1 + VK_MESSAGE_ID_LEN)
/* The most digests an inclusion path in a bundle may hold. */
#define VK_MAX_PATH 64
/* The largest bundle vk_audit reads (a payload of ENV_MAX_PAYLOAD in hex twice,
 * plus the rest). */
#define VK_MAX_BUNDLE ((size_t)5 << 20)

/* Derives the viewing key pair from a master secret.
 * Returns: ZK_OK or ZK_ERR_CRYPTO. Out: view_sk (secret), view_pub. */
int vk_derive(uint8_t view_sk[ECIES_SECKEY_LEN], uint8_t view_pub[ECIES_PUBKEY_LEN],
              const uint8_t master[VK_MASTER_LEN]) __attribute__((warn_unused_result));

/* Writes the HKDF info of a message's per-message key. */
void vk_message_info(uint8_t info[VK_INFO_LEN], const uint8_t message_id[VK_MESSAGE_ID_LEN]);

/* Derives the per-message key of envelope slot `slot` with the viewing secret.
 * Returns: ZK_OK, the errors of env_parse, ZK_ERR_RANGE (no such slot),
 * ZK_ERR_INVALID_ARG, ZK_ERR_CRYPTO. Out: key (secret). */
int vk_message_key(uint8_t key[ECIES_KEY_LEN], const uint8_t view_sk[ECIES_SECKEY_LEN],
                   const uint8_t *env, size_t env_len, size_t slot)
    __attribute__((warn_unused_result));

/* The inclusion path of a message: opaque digests from the chain, leaf side first. */
typedef struct vk_path {
    uint64_t index;                  /* leaf index in the exit tree */
    size_t len;                      /* digests in use, <= VK_MAX_PATH */
    uint8_t digest[VK_MAX_PATH][32]; /* as the chain gives them */
} vk_path;

/* Builds the auditor bundle for the message in env: opens it with view_sk, checks
 * that the opening verifies against the commitment, derives the slot's per-message
 * key, and writes the JSON text (NUL-terminated) to json.
 * Returns: ZK_OK, the errors of env_open, ZK_ERR_PROOF (opening does not match the
 * commitment), ZK_ERR_INVALID_ARG, ZK_ERR_NOMEM, ZK_ERR_TOO_LARGE. */
int vk_disclose(zk_buf *json, const uint8_t view_sk[ECIES_SECKEY_LEN], const uint8_t *env,
                size_t env_len, const p2_digest *commitment, const kb *value, size_t value_len,
                const pc_salt *salt, const vk_path *path) __attribute__((warn_unused_result));

/* Checks an auditor bundle: the per-message key opens the envelope, the payload
 * equals the disclosed message, and the opening matches the commitment. Appends the
 * message to message (may be NULL).
 * Returns: ZK_OK, ZK_ERR_PARSE (with the JSON field named), ZK_ERR_DECRYPT,
 * ZK_ERR_PROOF, ZK_ERR_TOO_LARGE, ZK_ERR_NOMEM. */
int vk_audit(zk_buf *message, const char *json, size_t len) __attribute__((warn_unused_result));

#endif
