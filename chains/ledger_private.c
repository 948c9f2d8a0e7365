/* The ledger's privacy (docs/PRIVACY.md, "Private chains"): the state secret and
 * the per-block commitment salts derived from it, secret message salts, peer keys
 * and the envelopes sealed to them. A public ledger keeps the zero salt
 * everywhere and seals nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "chains/ledger.h"
#include "chains/ledger_internal.h"
#include "common/error.h"
#include "privacy/commit.h"
#include "privacy/ecies.h"
#include "privacy/envelope.h"

static const char SQL_SECRET_GET[] = "SELECT state_secret FROM ledger_secret WHERE id = 1";
static const char SQL_SECRET_PUT[] = "INSERT INTO ledger_secret (id, state_secret) VALUES (1, ?)";
static const char SQL_SRC_OUT[] = "SELECT tx_hash, msg FROM ledger_outbox WHERE idx = ?";

/* HKDF info prefix of a block's commitment salt; then the block number (8, LE) and
 * a counter byte. */
static const char SALT_INFO[] = "zkgate/v1/state-salt";

int lp_open(ledger *l)
{
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_SECRET_GET, &st);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && row) {
        e = lg_blob_fixed(st, 0, l->state_secret, sizeof l->state_secret, "state secret");
        l->priv = !e;
    }
    sqlite3_reset(st);
    return e ? zk_err_wrap(e, "ledger: reading the state secret: ") : ZK_OK;
}

void lp_free(ledger *l)
{
    OPENSSL_cleanse(l->state_secret, sizeof l->state_secret);
    l->priv = 0;
    free(l->peers);
    free(l->auditors);
    l->peers = NULL;
    l->auditors = NULL;
    l->n_peers = l->n_auditors = 0;
}

int ledger_is_private(const ledger *l)
{
    return l && l->priv;
}

static int make_secret(ledger *l)
{
    uint8_t s[32];
    if (RAND_bytes(s, sizeof s) != 1)
        return zk_err_set(ZK_ERR_CRYPTO, "ledger: RAND_bytes failed for the state secret");
    sqlite3_stmt *st;
    int e = db_stmt(l->db, SQL_SECRET_PUT, &st);
    if (!e)
        e = db_bind(st, "b", s, sizeof s);
    if (!e)
        e = db_step(l->db, st, NULL);
    if (!e) {
        memcpy(l->state_secret, s, sizeof s);
        l->priv = 1;
    }
    OPENSSL_cleanse(s, sizeof s);
    return e ? zk_err_wrap(e, "ledger: storing the state secret: ") : ZK_OK;
}

int ledger_set_privacy(ledger *l, const ledger_privacy *p)
{
    if (!l || !p || (p->n_peers && !p->peers) || (p->n_auditors && !p->auditors))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_set_privacy: NULL argument");
    if (p->n_peers > LEDGER_MAX_PEERS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger: %zu peers, at most %u", p->n_peers,
                          LEDGER_MAX_PEERS);
    if (p->n_auditors > LEDGER_MAX_AUDITORS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger: %zu auditors, at most %d", p->n_auditors,
                          LEDGER_MAX_AUDITORS);
    uint8_t pub[ECIES_PUBKEY_LEN];
    for (size_t i = 0; i < p->n_peers; i++) {
        uint64_t c = p->peers[i].chain_id;
        if (c == 0 || c == l->chain_id)
            return zk_err_set(ZK_ERR_INVALID_ARG, "ledger: peers[%zu]: chain %llu cannot be a peer",
                              i, (unsigned long long)c);
        for (size_t j = 0; j < i; j++)
            if (p->peers[j].chain_id == c)
                return zk_err_set(ZK_ERR_INVALID_ARG, "ledger: peers[%zu]: chain %llu twice", i,
                                  (unsigned long long)c);
        if (ecies_pubkey_parse(pub, p->peers[i].public_key, ECIES_PUBKEY_LEN) ||
            memcmp(pub, p->peers[i].public_key, ECIES_PUBKEY_LEN))
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "ledger: peers[%zu]: not an uncompressed key on secp256k1", i);
    }
    for (size_t i = 0; i < p->n_auditors; i++)
        if (ecies_pubkey_parse(pub, p->auditors[i], ECIES_PUBKEY_LEN) ||
            memcmp(pub, p->auditors[i], ECIES_PUBKEY_LEN))
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "ledger: auditors[%zu]: not an uncompressed key on secp256k1", i);
    if (!p->private_chain && l->priv)
        return zk_err_set(ZK_ERR_CONFIG,
                          "ledger: the store is a private chain's (it holds a state secret); "
                          "opening it as public would publish its state root");
    ledger_peer *peers = calloc(p->n_peers ? p->n_peers : 1, sizeof *peers);
    uint8_t(*aud)[ECIES_PUBKEY_LEN] = calloc(p->n_auditors ? p->n_auditors : 1, sizeof *aud);
    if (!peers || !aud) {
        free(peers);
        free(aud);
        return zk_err_set(ZK_ERR_NOMEM, "ledger: copying peers");
    }
    if (p->n_peers)
        memcpy(peers, p->peers, p->n_peers * sizeof *peers);
    if (p->n_auditors)
        memcpy(aud, p->auditors, p->n_auditors * sizeof *aud);
    int e = p->private_chain && !l->priv ? make_secret(l) : ZK_OK;
    if (e) {
        free(peers);
        free(aud);
        return e;
    }
    free(l->peers);
    free(l->auditors);
    l->peers = peers;
    l->n_peers = p->n_peers;
    l->auditors = aud;
    l->n_auditors = p->n_auditors;
    return ZK_OK;
}

static const uint8_t *peer_key(const ledger *l, uint64_t chain)
{
    for (size_t i = 0; i < l->n_peers; i++)
        if (l->peers[i].chain_id == chain)
            return l->peers[i].public_key;
    return NULL;
}

/* The reasons name the chain; the pool checks on many threads, hence one buffer
 * per thread (valid until that thread's next refusal). */
static _Thread_local char no_key_refusal[128];
static _Thread_local char no_key_revert[128];

int lp_check_send(const ledger *l, const eth_tx *tx, const char **reason)
{
    *reason = NULL;
    if (!l->priv || !tx->has_to || memcmp(tx->to, LEDGER_ADDR_OUTBOX, 20))
        return ZK_OK;
    lm_call c;
    const char *why = NULL;
    if (lm_parse(l, tx, &c, &why) || why || c.kind != LM_SEND || peer_key(l, c.dest))
        return ZK_OK; /* not a valid send: lm_parse's refusal was given before */
    snprintf(no_key_refusal, sizeof no_key_refusal,
             "execution reverted: destination chain %llu has no public key in this chain's "
             "config",
             (unsigned long long)c.dest);
    *reason = no_key_refusal;
    return zk_err_set(ZK_ERR_UNSUPPORTED, "%s", no_key_refusal);
}

int lp_send_salt(ledger *l, const eth_tx *tx, uint64_t dest, uint64_t idx, pc_salt *salt,
                 const char **revert)
{
    memset(salt, 0, sizeof *salt);
    *revert = NULL;
    if (l->replay_src) {
        /* The replayed store decided: a message of this tx at idx, or none (the
         * send reverted there, its destination having no key then). */
        sqlite3_stmt *st;
        int row = 0, e = db_stmt(l->replay_src, SQL_SRC_OUT, &st);
        uint8_t h[32], mb[LEDGER_MSG_BYTES];
        st_message m;
        if (!e)
            e = db_bind(st, "u", idx);
        if (!e)
            e = db_step(l->replay_src, st, &row);
        if (!e && row)
            e = lg_blob_fixed(st, 0, h, 32, "tx hash");
        if (!e && row)
            e = lg_blob_fixed(st, 1, mb, sizeof mb, "message");
        sqlite3_reset(st);
        if (!e && row && !memcmp(h, tx->hash, 32)) {
            if (ledger_msg_decode(&m, mb))
                e = zk_err_set(ZK_ERR_STATE, "replay: sent message %llu: salt not canonical",
                               (unsigned long long)idx);
            else
                *salt = m.salt;
            pc_salt_wipe(&m.salt);
        } else if (!e) {
            row = 0;
        }
        OPENSSL_cleanse(mb, sizeof mb);
        if (!e && !row) {
            snprintf(no_key_revert, sizeof no_key_revert,
                     "destination chain %llu has no public key in this chain's config",
                     (unsigned long long)dest);
            *revert = no_key_revert;
        }
        return e;
    }
    if (!l->priv)
        return ZK_OK;
    if (!peer_key(l, dest)) {
        snprintf(no_key_revert, sizeof no_key_revert,
                 "destination chain %llu has no public key in this chain's config",
                 (unsigned long long)dest);
        *revert = no_key_revert;
        return ZK_OK;
    }
    return pc_salt_random(salt);
}

int lp_seal(ledger *l, const st_message *m, const p2_digest *leaf, const uint8_t *payload,
            size_t len, zk_buf *env)
{
    if (!l->priv || l->replay_src)
        return ZK_OK;
    const uint8_t *dk = peer_key(l, m->dest_chain);
    if (!dk) /* lp_send_salt reverted such a send */
        return zk_err_set(ZK_ERR_INTERNAL, "ledger: sealing for a chain without a key");
    uint8_t(*rcp)[ECIES_PUBKEY_LEN] = malloc((1 + l->n_auditors) * sizeof *rcp);
    if (!rcp)
        return zk_err_set(ZK_ERR_NOMEM, "ledger: envelope recipients");
    memcpy(rcp[0], dk, ECIES_PUBKEY_LEN);
    for (size_t i = 0; i < l->n_auditors; i++)
        memcpy(rcp[1 + i], l->auditors[i], ECIES_PUBKEY_LEN);
    ecies_route r = {.version = (uint8_t)m->version,
                     .src_chain = m->source_chain,
                     .dst_chain = m->dest_chain,
                     .sequence = m->sequence};
    pc_encode8(r.leaf, leaf->v);
    /* Plaintext: the message's encoding (its salt included, so the recipient can
     * rebuild the leaf), then the payload. Sized first: no copy left behind. */
    zk_buf pt;
    zk_buf_init(&pt, LEDGER_MSG_BYTES + LEDGER_MAX_PAYLOAD);
    int e = zk_buf_reserve(&pt, LEDGER_MSG_BYTES + len);
    if (!e) {
        ledger_msg_encode(pt.data, m);
        pt.len = LEDGER_MSG_BYTES;
        if (len)
            e = zk_buf_append(&pt, payload, len);
    }
    if (!e)
        e = env_seal(env, &r, (const uint8_t(*)[ECIES_PUBKEY_LEN])rcp, 1 + l->n_auditors, pt.data,
                     pt.len);
    zk_buf_free_secret(&pt);
    free(rcp);
    return e ? zk_err_wrap(e, "ledger: sealing message %llu to chain %llu: ",
                           (unsigned long long)m->sequence, (unsigned long long)m->dest_chain)
             : ZK_OK;
}

/* HKDF-SHA256(ikm = state secret, salt = none, info) into out[n]. */
static int hkdf(uint8_t *out, size_t n, const uint8_t secret[32], const uint8_t *info,
                size_t info_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[4];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, 32);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    params[3] = OSSL_PARAM_construct_end();
    int ok = kctx && EVP_KDF_derive(kctx, out, n, params) == 1;
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return ok ? ZK_OK : zk_err_set(ZK_ERR_CRYPTO, "ledger: HKDF-SHA256 failed");
}

int ledger_state_salt(const ledger *l, uint64_t number, pc_salt *salt)
{
    if (!l || !salt)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_state_salt: NULL argument");
    memset(salt, 0, sizeof *salt);
    if (!l->priv)
        return ZK_OK;
    /* Rejection sampling as pc_salt_random, on an HKDF stream instead of
     * RAND_bytes: 4 bytes, top bit cleared, kept below p. Each counter gives 16
     * candidates; needing a second counter is already a 2^-60 event. */
    uint8_t info[sizeof SALT_INFO - 1 + 9], buf[64], canon[32];
    memcpy(info, SALT_INFO, sizeof SALT_INFO - 1);
    zk_store_le64(info + sizeof SALT_INFO - 1, number);
    size_t have = 0;
    int e = ZK_OK;
    for (unsigned ctr = 0; !e && ctr < 256 && have < PC_SALT_LEN; ctr++) {
        info[sizeof info - 1] = (uint8_t)ctr;
        e = hkdf(buf, sizeof buf, l->state_secret, info, sizeof info);
        for (size_t i = 0; !e && i < sizeof buf / 4 && have < PC_SALT_LEN; i++) {
            uint32_t x = zk_load_le32(buf + 4 * i) & 0x7fffffffu;
            if (x < KB_P)
                zk_store_le32(canon + 4 * have++, x);
        }
    }
    if (!e && have < PC_SALT_LEN)
        e = zk_err_set(ZK_ERR_CRYPTO, "ledger: state salt: HKDF stream rejected");
    if (!e && pc_decode8(salt->v, canon))
        e = zk_err_set(ZK_ERR_INTERNAL, "ledger: state salt element not below p");
    OPENSSL_cleanse(buf, sizeof buf);
    OPENSSL_cleanse(canon, sizeof canon);
    if (e)
        pc_salt_wipe(salt);
    return e;
}
