/* Message envelopes: one payload, padded to a size bucket, encrypted once under a
 * random content key; the content key wrapped by ECIES for each recipient (the
 * destination chain's viewing key, optionally an auditor's). Any one recipient's
 * secret key opens it.
 *
 * Envelope v1 (all integers little-endian; see docs/PRIVACY.md):
 *
 *   off  len        field
 *   0    4          magic "ZKEV"
 *   4    1          version = 1
 *   5    1          n = number of recipient slots, 1..ENV_MAX_RECIPIENTS
 *   6    2          reserved, zero
 *   8    57         route (ecies_route_encode: version, source, destination,
 *                   channel sequence, message leaf)
 *   65   129 * n    slots: ephemeral public key (65) || nonce (16) || tag (16) ||
 *                   wrapped content key (32)
 *   ..   32 + B     body: nonce (16) || tag (16) || ciphertext of the padded
 *                   payload (B bytes, a power of two in [ENV_PAD_MIN, ENV_PAD_MAX])
 *
 * Slot i's wrapping key is the per-message key of viewkey.h: HKDF-SHA256 over
 * (ephemeral key || shared point) with info "zkgate/v1/message-key" || message leaf,
 * and its AAD is bytes 0..65 (header and route). The body's AAD is every byte
 * before the body (header, route and all slots), so no slot can be added, dropped
 * or swapped without the body failing to open. Slots carry no recipient id: an
 * observer cannot tell whose keys they are; a recipient tries each.
 *
 * Padding: the payload's length (4 bytes LE), the payload, then zeros up to the
 * smallest power of two >= 4 + length and >= ENV_PAD_MIN. A decoder requires the
 * zeros, so each padded string has exactly one meaning.
 */
#ifndef ZKGATE_PRIVACY_ENVELOPE_H
#define ZKGATE_PRIVACY_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "privacy/ecies.h"

#define ENV_MAGIC          "ZKEV"
#define ENV_VERSION        1
#define ENV_MAX_RECIPIENTS 8
#define ENV_HEADER_LEN     (8 + ECIES_ROUTE_LEN)
#define ENV_SLOT_LEN       (ECIES_OVERHEAD + ECIES_KEY_LEN)
#define ENV_PAD_MIN        ((size_t)256)
#define ENV_PAD_MAX        ((size_t)1 << 20)
/* The longest payload that fits the largest bucket. */
#define ENV_MAX_PAYLOAD (ENV_PAD_MAX - 4)
/* The longest envelope a decoder accepts. */
#define ENV_MAX_LEN                                                                                \
    (ENV_HEADER_LEN + ENV_MAX_RECIPIENTS * ENV_SLOT_LEN + ECIES_SEAL_OVERHEAD + ENV_PAD_MAX)

/* Returns: the padded size (bucket) of a payload of len bytes, or 0 when len >
 * ENV_MAX_PAYLOAD. */
size_t env_bucket(size_t len);

/* Appends the padded form of pt (env_bucket(pt_len) bytes) to out.
 * Returns: ZK_OK, ZK_ERR_TOO_LARGE, ZK_ERR_NOMEM. */
int env_pad(zk_buf *out, const uint8_t *pt, size_t pt_len) __attribute__((warn_unused_result));

/* Appends the payload inside a padded string to out.
 * Returns: ZK_OK, ZK_ERR_PARSE (not a bucket size, length prefix too large, or
 * padding not zero) or the errors of zk_buf_append. */
int env_unpad(zk_buf *out, const uint8_t *padded, size_t len) __attribute__((warn_unused_result));

/* Seals pt for n recipients (uncompressed public keys) under route and appends the
 * envelope to out.
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG (n out of range, a key not on the curve),
 * ZK_ERR_TOO_LARGE, ZK_ERR_CRYPTO, ZK_ERR_NOMEM. */
int env_seal(zk_buf *out, const ecies_route *route, const uint8_t (*recipients)[ECIES_PUBKEY_LEN],
             size_t n, const uint8_t *pt, size_t pt_len) __attribute__((warn_unused_result));

/* Checks the framing of an envelope (magic, version, slot count, lengths) without
 * any key. Returns: ZK_OK or ZK_ERR_PARSE / ZK_ERR_UNSUPPORTED / ZK_ERR_TOO_LARGE
 * with a detail naming the byte. Out: route (may be NULL), n_slots (may be NULL). */
int env_parse(const uint8_t *env, size_t len, ecies_route *route, size_t *n_slots)
    __attribute__((warn_unused_result));

/* Opens an envelope with a recipient's secret key (trying each slot) and appends the
 * payload to out. When expect is not NULL, the envelope's route must equal it.
 * Returns: ZK_OK, the errors of env_parse, ZK_ERR_DECRYPT (no slot opens with this
 * key, the route differs, or the body fails to authenticate), ZK_ERR_NOMEM.
 * Out: route (may be NULL), slot (may be NULL): the slot that opened. */
int env_open(zk_buf *out, ecies_route *route, size_t *slot, const uint8_t sk[ECIES_SECKEY_LEN],
             const ecies_route *expect, const uint8_t *env, size_t len)
    __attribute__((warn_unused_result));

/* Opens slot `slot` with a disclosed per-message key (viewkey.h) instead of a
 * secret key. Returns and Out: as env_open. */
int env_open_with_key(zk_buf *out, ecies_route *route, size_t slot,
                      const uint8_t msg_key[ECIES_KEY_LEN], const uint8_t *env, size_t len)
    __attribute__((warn_unused_result));

#endif
