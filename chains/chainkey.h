/* A chain's key pair for the messages other chains send it encrypted
 * (docs/CHAIN.md, "Private chains"): a secp256k1 secret key in DATA_DIR/chain.key
 * (common/keyfile.h: 64 hex digits, mode 0600), whose uncompressed public key the
 * sending chains hold in their config ("peers"), and the opening of such a
 * message: the envelope (privacy/envelope.h) decrypted with the key, its plaintext
 * (the message's encoding, ledger_msg_encode, then the payload) parsed, and the
 * message leaf rebuilt and compared with the one the envelope's route names. */
#ifndef ZKGATE_CHAINS_CHAINKEY_H
#define ZKGATE_CHAINS_CHAINKEY_H

#include <stddef.h>
#include <stdint.h>

#include "chains/state.h"
#include "common/bytes.h"
#include "privacy/ecies.h"

/* The key file's name in a chain's data directory. */
#define CK_FILE "chain.key"

/* Reads the key at path, or (create set, no file there) makes one from the CSPRNG
 * and writes it with mode 0600.
 * Returns: ZK_OK; ZK_ERR_NOT_FOUND (no file, !create); ZK_ERR_PERMISSION (group or
 * others may read or write it); ZK_ERR_PARSE (not 64 hex digits, or not a valid
 * secret key); ZK_ERR_IO; ZK_ERR_CRYPTO; the detail names the file.
 * Out: sk (secret: wipe it), pub (uncompressed), *created (may be NULL). */
int ck_load(const char *path, int create, uint8_t sk[ECIES_SECKEY_LEN],
            uint8_t pub[ECIES_PUBKEY_LEN], int *created) __attribute__((warn_unused_result));

/* Opens an envelope sent to this chain and rebuilds the message in it.
 * The expected route is (version 1, source, dest, sequence, leaf), where sequence
 * and leaf, when NULL, are the envelope's own (the exit-tree proof of the import
 * then ties that leaf to its position). The checks, in order, each a rejection
 * with its reason in why: framing (env_parse's detail, "malformed envelope: ...");
 * the route ("envelope route does not match the message position"); decryption
 * ("envelope does not open with this chain's key"); the plaintext's length and
 * encoding ("decrypted message is malformed"); the message's routing fields
 * against the route ("envelope route does not match the message position"); its
 * leaf ("decrypted message does not hash to its leaf").
 * Returns: ZK_OK; ZK_ERR_PARSE / ZK_ERR_UNSUPPORTED / ZK_ERR_TOO_LARGE / ZK_ERR_DECRYPT /
 * ZK_ERR_PROOF with why (a rejection); ZK_ERR_NOMEM; ZK_ERR_INVALID_ARG.
 * Out: m (its salt is secret), the payload appended to payload (cap
 * LEDGER_MAX_PAYLOAD or more), route (may be NULL): the envelope's, once parsed. */
int ck_open_message(const uint8_t sk[ECIES_SECKEY_LEN], const uint8_t *env, size_t len,
                    uint64_t source, uint64_t dest, const uint64_t *sequence, const p2_digest *leaf,
                    st_message *m, zk_buf *payload, ecies_route *route, char *why, size_t wl)
    __attribute__((warn_unused_result));

#endif
