/* The node's side of private messaging (docs/CHAIN.md, "Private chains"):
 * chain_getPublicKey, and the import of a message given as an envelope, opened
 * with the chain key (chains/chainkey.h) before the ledger's usual checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/chainkey.h"
#include "chains/node.h"
#include "chains/interop.h"
#include "chains/node_internal.h"
#include "common/error.h"
#include "privacy/envelope.h"

static json_t *m_get_public_key(void *ctx, const json_t *params, const rpcs_auth *auth,
                                rpcs_error *err)
{
    node *n = ctx;
    (void)auth;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    const uint8_t *pub = node_chain_pub(n);
    if (!pub)
        return rpcs_error_set(err, RPCS_INTERNAL_ERROR,
                              "this node was started without a chain key");
    json_t *o = j_hex(pub, ECIES_PUBKEY_LEN);
    return o ? o : rpcs_error_set(err, RPCS_INTERNAL_ERROR, "out of memory");
}

int node_register_private_rpc(node *n, rpcs_server *srv)
{
    return rpcs_register(srv, "chain_getPublicKey", m_get_public_key, n);
}

/* Cleartext fields that must not come beside an envelope: the message is the
 * envelope's, and a second copy could only disagree with it. */
static const char *const CLEAR[] = {"version", "source", "destination", "sender",      "recipient",
                                    "asset",   "amount", "payload",     "payloadHash", "salt"};

int node_open_import(node *n, const json_t *o, ledger_import *im, zk_buf *buf, char *why, size_t wl,
                     int *rejected, char *reason, size_t rl)
{
    *rejected = 0;
    for (size_t i = 0; i < sizeof CLEAR / sizeof CLEAR[0]; i++)
        if (json_object_get(o, CLEAR[i])) {
            snprintf(why, wl, "%s: give either an envelope or the message's fields", CLEAR[i]);
            return ZK_ERR_PARSE;
        }
    json_t *ev = json_object_get(o, "envelope");
    const char *es = json_is_string(ev) ? json_string_value(ev) : NULL;
    size_t el = es ? strlen(es) : 0;
    if (!es || el < 2 || strncmp(es, "0x", 2) || (el - 2) / 2 > ENV_MAX_LEN) {
        snprintf(why, wl, "envelope: expected 0x and the hex of at most %zu bytes",
                 (size_t)ENV_MAX_LEN);
        return ZK_ERR_PARSE;
    }
    uint64_t seq = 0;
    p2_digest leaf;
    int has_seq = json_object_get(o, "sequence") != NULL;
    int has_leaf = json_object_get(o, "leaf") != NULL;
    int e = has_seq ? interop_json_u64(o, "sequence", &seq, why, wl) : ZK_OK;
    if (!e && has_leaf)
        e = interop_json_digest(o, "leaf", &leaf, why, wl);
    if (e)
        return e;
    zk_buf env;
    zk_buf_init(&env, ENV_MAX_LEN);
    if (zk_hex_decode_buf(&env, es, el)) {
        zk_buf_free(&env);
        snprintf(why, wl, "envelope: expected 0x and the hex of at most %zu bytes",
                 (size_t)ENV_MAX_LEN);
        return ZK_ERR_PARSE;
    }
    /* Where a rejection is reported: the proofs' source, the asked sequence or
     * the envelope's. */
    im->msg.source_chain = im->interop.chain_id;
    im->msg.sequence = seq;
    const uint8_t *sk = node_chain_sk(n);
    ledger *l = node_ledger_lock(n);
    uint64_t self = ledger_chain_id(l);
    node_ledger_unlock(n);
    if (!sk) {
        *rejected = 1;
        snprintf(reason, rl, "this chain has no key to open envelopes with");
        zk_buf_free(&env);
        return ZK_OK;
    }
    ecies_route route;
    memset(&route, 0, sizeof route);
    route.sequence = seq;
    st_message m;
    e = ck_open_message(sk, env.data, env.len, im->interop.chain_id, self, has_seq ? &seq : NULL,
                        has_leaf ? &leaf : NULL, &m, buf, &route, reason, rl);
    zk_buf_free(&env);
    if (e == ZK_ERR_NOMEM || e == ZK_ERR_INVALID_ARG) {
        snprintf(why, wl, "envelope: %s", zk_err_detail());
        return e;
    }
    if (e) {
        *rejected = 1;
        im->msg.sequence = has_seq ? seq : route.sequence;
        return ZK_OK;
    }
    im->msg = m;
    pc_salt_wipe(&m.salt);
    im->payload = buf->data;
    im->payload_len = buf->len;
    return ZK_OK;
}
