/* A chain's receiving key and the opening of envelopes sent to it (chainkey.h). */
#include "chains/chainkey.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chains/ledger.h"
#include "common/error.h"
#include "common/keyfile.h"
#include "privacy/commit.h"
#include "privacy/envelope.h"

int ck_load(const char *path, int create, uint8_t sk[ECIES_SECKEY_LEN],
            uint8_t pub[ECIES_PUBKEY_LEN], int *created)
{
    if (!path || !sk || !pub)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ck_load: NULL argument");
    if (created)
        *created = 0;
    int e = zk_keyfile_read(path, sk);
    if (e == ZK_ERR_NOT_FOUND && create) {
        e = ecies_keygen(sk, pub);
        if (!e)
            e = zk_keyfile_write(path, sk);
        if (!e && created)
            *created = 1;
        if (e) {
            OPENSSL_cleanse(sk, ECIES_SECKEY_LEN);
            return zk_err_wrap(e, "chain key %s: ", path);
        }
        return ZK_OK;
    }
    if (e)
        return zk_err_wrap(e, "chain key: ");
    if (ecies_pubkey(pub, sk)) {
        OPENSSL_cleanse(sk, ECIES_SECKEY_LEN);
        return zk_err_set(ZK_ERR_PARSE, "chain key %s: not a valid secp256k1 secret key", path);
    }
    return ZK_OK;
}

static int reject(char *why, size_t wl, int code, const char *reason)
{
    snprintf(why, wl, "%s", reason);
    return code;
}

static int same_route(const ecies_route *a, const ecies_route *b)
{
    return a->version == b->version && a->src_chain == b->src_chain &&
           a->dst_chain == b->dst_chain && a->sequence == b->sequence &&
           !memcmp(a->leaf, b->leaf, sizeof a->leaf);
}

int ck_open_message(const uint8_t sk[ECIES_SECKEY_LEN], const uint8_t *env, size_t len,
                    uint64_t source, uint64_t dest, const uint64_t *sequence, const p2_digest *leaf,
                    st_message *m, zk_buf *payload, ecies_route *route, char *why, size_t wl)
{
    if (!sk || (len && !env) || !m || !payload || !why || !wl)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ck_open_message: NULL argument");
    memset(m, 0, sizeof *m);
    ecies_route got, want;
    int e = env_parse(env, len, &got, NULL);
    if (e) {
        snprintf(why, wl, "malformed envelope: %s", zk_err_detail());
        return e;
    }
    if (route)
        *route = got;
    want = got;
    want.version = ST_MESSAGE_VERSION;
    want.src_chain = source;
    want.dst_chain = dest;
    if (sequence)
        want.sequence = *sequence;
    if (leaf)
        pc_encode8(want.leaf, leaf->v);
    if (!same_route(&got, &want))
        return reject(why, wl, ZK_ERR_PROOF, "envelope route does not match the message position");
    zk_buf pt;
    zk_buf_init(&pt, ENV_PAD_MAX);
    e = env_open(&pt, NULL, NULL, sk, &want, env, len);
    if (e == ZK_ERR_DECRYPT)
        e = reject(why, wl, e, "envelope does not open with this chain's key");
    else if (e && e != ZK_ERR_NOMEM)
        snprintf(why, wl, "malformed envelope: %s", zk_err_detail());
    if (!e && (pt.len < LEDGER_MSG_BYTES || pt.len - LEDGER_MSG_BYTES > LEDGER_MAX_PAYLOAD ||
               ledger_msg_decode(m, pt.data)))
        e = reject(why, wl, ZK_ERR_PARSE, "decrypted message is malformed");
    if (!e && (m->version != got.version || m->source_chain != got.src_chain ||
               m->dest_chain != got.dst_chain || m->sequence != got.sequence))
        e = reject(why, wl, ZK_ERR_PROOF, "envelope route does not match the message position");
    p2_digest d;
    uint8_t db[32];
    if (!e && st_message_leaf(&d, m))
        e = reject(why, wl, ZK_ERR_PARSE, "decrypted message is malformed");
    if (!e) {
        pc_encode8(db, d.v);
        if (CRYPTO_memcmp(db, got.leaf, 32))
            e = reject(why, wl, ZK_ERR_PROOF, "decrypted message does not hash to its leaf");
    }
    if (!e && pt.len > LEDGER_MSG_BYTES)
        e = zk_buf_append(payload, pt.data + LEDGER_MSG_BYTES, pt.len - LEDGER_MSG_BYTES);
    zk_buf_free_secret(&pt);
    if (e)
        pc_salt_wipe(&m->salt);
    return e;
}
