/* The node's zkgate methods (docs/CHAIN.md, "RPC methods", "zkgate methods"): messages, imports,
 * state commitments and batches, over the ledger's messaging API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/auth.h"
#include "chains/interop.h"
#include "chains/node.h"
#include "chains/node_internal.h"
#include "common/error.h"
#include "common/keccak.h"
#include "common/log.h"
#include "privacy/commit.h"

#include <openssl/crypto.h>

#define RPC_FN(name)                                                                               \
    static json_t *name(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)

/* The most transaction hashes chain_getBatch lists. */
#define BATCH_MAX_TXS 100000u

/* ---- parsing ---- */

static int get_hex(const json_t *o, const char *key, uint8_t *out, size_t n, char *why, size_t wl)
{
    json_t *v = json_object_get(o, key);
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!s || strlen(s) != 2 + 2 * n || zk_hex_decode_exact(out, n, s, strlen(s))) {
        snprintf(why, wl, "%s: expected 0x and %zu hex digits", key, 2 * n);
        return ZK_ERR_PARSE;
    }
    return ZK_OK;
}

static int get_path(const json_t *o, const char *key, p2_digest path[SMT_DEPTH], char *why,
                    size_t wl)
{
    json_t *a = json_object_get(o, key);
    if (!json_is_array(a) || json_array_size(a) != SMT_DEPTH) {
        snprintf(why, wl, "%s: expected an array of %d digests", key, SMT_DEPTH);
        return ZK_ERR_PARSE;
    }
    for (size_t i = 0; i < SMT_DEPTH; i++) {
        json_t *holder = json_object();
        char k[16];
        snprintf(k, sizeof k, "%s", key);
        if (!holder)
            return ZK_ERR_NOMEM;
        json_object_set(holder, k, json_array_get(a, i));
        int e = interop_json_digest(holder, k, &path[i], why, wl);
        json_decref(holder);
        if (e) {
            size_t used = strlen(why);
            snprintf(why + used, wl - used, " (entry %zu)", i);
            return e;
        }
    }
    return ZK_OK;
}

/* The proofs of one message object of chain_importMessages (exit and interop
 * fields) into *im. */
static int parse_position(const json_t *o, ledger_import *im, char *why, size_t wl)
{
    json_t *ir = json_object_get(o, "interop");
    int e = interop_json_u64(o, "exitIndex", &im->exit_index, why, wl);
    if (!e)
        e = get_path(o, "exitPath", im->exit_path, why, wl);
    if (!e)
        e = interop_from_json(ir, &im->interop, why, wl);
    if (!e)
        e = interop_json_u64(o, "interopIndex", &im->interop_index, why, wl);
    if (!e)
        e = get_path(o, "interopPath", im->interop_path, why, wl);
    return e;
}

/* One message object of chain_importMessages into *im; payload bytes into buf.
 * A message given as an envelope is opened here: when it cannot be, *rejected is
 * set with reason, and the call goes on with the other messages. */
static int parse_import(node *n, const json_t *o, ledger_import *im, zk_buf *buf, char *why,
                        size_t wl, int *rejected, char *reason, size_t rl)
{
    memset(im, 0, sizeof *im);
    *rejected = 0;
    if (!json_is_object(o)) {
        snprintf(why, wl, "expected an object");
        return ZK_ERR_PARSE;
    }
    if (json_object_get(o, "envelope")) {
        int e = parse_position(o, im, why, wl);
        return e ? e : node_open_import(n, o, im, buf, why, wl, rejected, reason, rl);
    }
    st_message *m = &im->msg;
    uint64_t ver = 0;
    const char *ps;
    json_t *asset = json_object_get(o, "asset");
    json_t *pl = json_object_get(o, "payload");
    int e = interop_json_u64(o, "version", &ver, why, wl);
    if (!e && ver > UINT32_MAX) {
        snprintf(why, wl, "version: too large");
        e = ZK_ERR_PARSE;
    }
    m->version = (uint32_t)ver;
    if (!e)
        e = interop_json_u64(o, "source", &m->source_chain, why, wl);
    if (!e)
        e = interop_json_u64(o, "destination", &m->dest_chain, why, wl);
    if (!e)
        e = interop_json_u64(o, "sequence", &m->sequence, why, wl);
    if (!e)
        e = get_hex(o, "sender", m->sender, 20, why, wl);
    if (!e)
        e = get_hex(o, "recipient", m->recipient, 20, why, wl);
    if (!e && !json_is_object(asset)) {
        snprintf(why, wl, "asset: expected {origin, token}");
        e = ZK_ERR_PARSE;
    }
    if (!e)
        e = interop_json_u64(asset, "origin", &m->asset.origin_chain, why, wl);
    if (!e)
        e = get_hex(asset, "token", m->asset.token, 32, why, wl);
    json_t *amt = json_object_get(o, "amount");
    if (!e && (!json_is_string(amt) || u256_parse(json_string_value(amt), &m->amount))) {
        snprintf(why, wl, "amount: expected a hex quantity");
        e = ZK_ERR_PARSE;
    }
    ps = json_is_string(pl) ? json_string_value(pl) : NULL;
    if (!e && (!ps || zk_hex_decode_buf(buf, ps, strlen(ps)))) {
        snprintf(why, wl, "payload: expected hex of at most %u bytes", LEDGER_MAX_PAYLOAD);
        e = ZK_ERR_PARSE;
    }
    if (!e) {
        im->payload = buf->data;
        im->payload_len = buf->len;
        if (json_object_get(o, "payloadHash"))
            e = get_hex(o, "payloadHash", m->payload_hash, 32, why, wl);
        else
            zk_keccak256(m->payload_hash, buf->data, buf->len);
    }
    if (!e && json_object_get(o, "salt")) {
        uint8_t sb[32];
        e = get_hex(o, "salt", sb, 32, why, wl);
        if (!e && pc_decode8(m->salt.v, sb)) {
            snprintf(why, wl, "salt: an element is not below p");
            e = ZK_ERR_PARSE;
        }
    }
    if (!e)
        e = parse_position(o, im, why, wl);
    return e;
}

/* ---- answers ---- */

/* A message as chain_getMessage shows it: the routing fields and the leaf to
 * every caller; the rest only when full (a public chain, or an admin caller of
 * a private one). */
static json_t *msg_json(const st_message *m, const p2_digest *leaf, const uint8_t *payload,
                        size_t plen, int full)
{
    json_t *o = json_object(), *a = json_object();
    int bad = !o || !a;
    if (!bad) {
        bad |= jset(o, "version", json_integer(m->version));
        bad |= jset(o, "source", j_qty(m->source_chain));
        bad |= jset(o, "destination", j_qty(m->dest_chain));
        bad |= jset(o, "sequence", j_qty(m->sequence));
        bad |= jset(o, "leaf", interop_digest_json(leaf));
    }
    if (!bad && full) {
        bad |= jset(o, "sender", j_hex(m->sender, 20));
        bad |= jset(o, "recipient", j_hex(m->recipient, 20));
        bad |= jset(a, "origin", j_qty(m->asset.origin_chain));
        bad |= jset(a, "token", j_hex(m->asset.token, 32));
        bad |= json_object_set(o, "asset", a);
        char amt[67];
        u256_to_quantity(&m->amount, amt);
        bad |= jset(o, "amount", json_string(amt));
        bad |= jset(o, "payloadHash", j_hex(m->payload_hash, 32));
        bad |= jset(o, "payload", j_hex(payload ? payload : (const uint8_t *)"", plen));
        uint8_t salt[32];
        pc_encode8(salt, m->salt.v);
        bad |= jset(o, "salt", j_hex(salt, 32));
        OPENSSL_cleanse(salt, sizeof salt);
    }
    json_decref(a);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *failed(rpcs_error *err, const char *what)
{
    return rpcs_error_set(err, RPCS_INTERNAL_ERROR, "%s: %s", what, zk_err_detail());
}

RPC_FN(m_add_root)
{
    node *n = ctx;
    (void)auth;
    const char *s;
    uint8_t b[32];
    p2_digest d;
    if (rpcs_param_count(params, 1, 1, err) || rpcs_param_string(params, 0, "root", &s, err))
        return NULL;
    if (strlen(s) != 66 || zk_hex_decode_exact(b, 32, s, 66) || pc_decode8(d.v, b))
        return rpcs_param_error(err, 0, "root", "expected 32 bytes of hex: 8 canonical elements");
    ledger *l = node_ledger_lock(n);
    int rc = ledger_add_interop_root(l, &d);
    node_ledger_unlock(n);
    if (rc == ZK_ERR_INVALID_ARG)
        return rpcs_param_error(err, 0, "root", "%s", zk_err_detail());
    if (rc)
        return failed(err, "interop root");
    ZK_INFO("node.interop_root", ZKF_STR("root", s), ZKF_STR("by", auth ? auth->subject : ""));
    return json_true();
}

RPC_FN(m_import)
{
    node *n = ctx;
    (void)auth;
    json_t *req;
    if (rpcs_param_count(params, 1, 1, err) || rpcs_param_get(params, 0, "request", &req, err))
        return NULL;
    json_t *msgs = json_object_get(req, "messages");
    p2_digest root;
    char why[160];
    if (!json_is_object(req) || interop_json_digest(req, "interopRoot", &root, why, sizeof why))
        return rpcs_param_error(err, 0, "request", "interopRoot: expected 32 bytes of hex");
    if (!json_is_array(msgs) || json_array_size(msgs) == 0 || json_array_size(msgs) > 256)
        return rpcs_param_error(err, 0, "request", "messages: expected an array of 1..256");
    size_t k = json_array_size(msgs);
    ledger_import *im = calloc(k, sizeof *im);
    zk_buf *bufs = calloc(k, sizeof *bufs);
    ledger_tx_result *res = calloc(k, sizeof *res);
    /* Messages whose envelope does not open are rejected here, the others go to
     * the ledger together (ok[] lists them, packed into im from index 0). */
    char(*reasons)[160] = calloc(k, sizeof *reasons);
    int *rejected = calloc(k, sizeof *rejected);
    size_t *ok = calloc(k, sizeof *ok);
    uint64_t(*ids)[2] = calloc(k, sizeof *ids);
    ledger_tx_result *lres = calloc(k, sizeof *lres);
    json_t *out = NULL;
    size_t n_ok = 0;
    if (!im || !bufs || !res || !reasons || !rejected || !ok || !ids || !lres) {
        out = rpcs_error_set(err, RPCS_INTERNAL_ERROR, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < k; i++)
        zk_buf_init(&bufs[i], LEDGER_MAX_PAYLOAD);
    for (size_t i = 0; i < k; i++) {
        ledger_import one;
        if (parse_import(n, json_array_get(msgs, i), &one, &bufs[i], why, sizeof why, &rejected[i],
                         reasons[i], sizeof reasons[i])) {
            out = rpcs_param_error(err, 0, "request", "messages[%zu]: %s", i, why);
            pc_salt_wipe(&one.msg.salt);
            goto done;
        }
        ids[i][0] = one.msg.source_chain;
        ids[i][1] = one.msg.sequence;
        if (rejected[i])
            continue;
        one.interop_root = root;
        ok[n_ok] = i;
        im[n_ok++] = one;
        pc_salt_wipe(&one.msg.salt);
    }
    ledger *l = node_ledger_lock(n);
    int rc = n_ok ? ledger_import_messages(l, im, n_ok, lres) : ZK_OK;
    node_ledger_unlock(n);
    for (size_t j = 0; !rc && j < n_ok; j++)
        res[ok[j]] = lres[j];
    for (size_t i = 0; !rc && i < k; i++)
        if (rejected[i])
            res[i] = (ledger_tx_result){ZK_ERR_PROOF, reasons[i], NULL};
    if (rc) {
        out = failed(err, "import");
        goto done;
    }
    json_t *arr = json_array();
    int bad = !arr;
    for (size_t i = 0; !bad && i < k; i++) {
        json_t *r = json_object();
        bad |= !r;
        if (bad)
            break;
        const char *st = res[i].code == ZK_OK           ? "queued"
                         : res[i].code == ZK_ERR_EXISTS ? "duplicate"
                                                        : "rejected";
        bad |= jset(r, "source", j_qty(ids[i][0]));
        bad |= jset(r, "sequence", j_qty(ids[i][1]));
        bad |= jset(r, "status", json_string(st));
        if (res[i].reason)
            bad |= jset(r, "reason", json_string(res[i].reason));
        bad |= json_array_append_new(arr, r);
        if (res[i].code && res[i].code != ZK_ERR_EXISTS)
            ZK_LOG(ZK_LOG_WARN, "node.import_rejected", ZKF_UINT("source", ids[i][0]),
                   ZKF_UINT("sequence", ids[i][1]), ZKF_STR("reason", res[i].reason));
    }
    out = bad ? NULL : json_object();
    if (!out || jset(out, "results", arr)) {
        json_decref(out);
        out = rpcs_error_set(err, RPCS_INTERNAL_ERROR, "out of memory");
    }
done:
    for (size_t i = 0; bufs && i < k; i++)
        zk_buf_free(&bufs[i]);
    if (im)
        OPENSSL_cleanse(im, k * sizeof *im); /* salts */
    free(bufs);
    free(im);
    free(res);
    free(reasons);
    free(rejected);
    free(ok);
    free(ids);
    free(lres);
    return out;
}

RPC_FN(m_get_message)
{
    node *n = ctx;
    /* A private chain shows its users where a message goes and its proof, and
     * what is in it only to its admins (docs/CHAIN.md, "Private chains"). */
    int full = node_is_public(n) || (auth && (auth->roles & CAUTH_ROLE_ADMIN));
    json_t *sel;
    char why[160];
    if (rpcs_param_count(params, 1, 1, err) || rpcs_param_get(params, 0, "message", &sel, err))
        return NULL;
    if (!json_is_object(sel))
        return rpcs_param_error(err, 0, "message", "expected {index} or {source, sequence}");
    int sent = json_object_get(sel, "index") != NULL;
    uint64_t index = 0, source = 0, seq = 0;
    if (sent ? interop_json_u64(sel, "index", &index, why, sizeof why)
             : (interop_json_u64(sel, "source", &source, why, sizeof why) ||
                interop_json_u64(sel, "sequence", &seq, why, sizeof why)))
        return rpcs_param_error(err, 0, "message", "%s", why);
    zk_buf payload;
    zk_buf_init(&payload, LEDGER_MAX_PAYLOAD);
    ledger *l = node_ledger_lock(n);
    int rc;
    json_t *o = NULL;
    if (sent) {
        ledger_sent s;
        p2_digest path[SMT_DEPTH];
        ledger_state st;
        rc = ledger_sent_message(l, index, &s, &payload, path);
        if (!rc)
            rc = ledger_state_at(l, ledger_head(l), &st);
        zk_buf env;
        zk_buf_init(&env, ENV_MAX_LEN);
        if (!rc && !node_is_public(n))
            rc = ledger_sent_envelope(l, index, &env);
        if (!rc && (o = msg_json(&s.msg, &s.leaf, payload.data, payload.len, full))) {
            json_t *pa = json_array();
            int bad = !pa;
            for (int i = 0; !bad && i < SMT_DEPTH; i++)
                bad |= json_array_append_new(pa, interop_digest_json(&path[i]));
            bad |= jset(o, "status", json_string("sent"));
            bad |= jset(o, "exitIndex", j_qty(index));
            bad |= jset(o, "block", j_qty(s.block));
            if (full)
                bad |= jset(o, "txHash", j_hex(s.tx_hash, 32));
            bad |= jset(o, "exitRoot", interop_digest_json(&st.roots.exit_root));
            bad |= jset(o, "exitCount", j_qty(st.roots.exit_count));
            bad |= jset(o, "exitRootBlock", j_qty(st.block));
            bad |= jset(o, "exitPath", pa);
            if (env.len)
                bad |= jset(o, "envelope", j_hex(env.data, env.len));
            if (bad) {
                json_decref(o);
                o = NULL;
            }
        }
        zk_buf_free(&env);
    } else {
        ledger_received r;
        rc = ledger_received_message(l, source, seq, &r, &payload);
        if (!rc && (o = msg_json(&r.msg, &r.leaf, payload.data, payload.len, full))) {
            int bad = jset(o, "status", json_string(r.delivered ? "delivered" : "queued"));
            if (r.delivered)
                bad |= jset(o, "block", j_qty(r.block));
            if (bad) {
                json_decref(o);
                o = NULL;
            }
        }
    }
    node_ledger_unlock(n);
    zk_buf_free_secret(&payload);
    if (rc == ZK_ERR_NOT_FOUND)
        return json_null();
    if (rc || !o)
        return failed(err, "message");
    return o;
}

/* A chain's state after a block. members: the caller may see the state root and
 * the trees under it (a public chain's anyone, a private chain's user and admin
 * tokens); others (a private chain's relay) get what DESIGN.md "Privacy" lets
 * the gateway see: the commitment, the exit root and the exit count. */
static json_t *state_json(const ledger_state *s, int members)
{
    json_t *o = json_object();
    int bad = !o;
    if (!bad) {
        bad |= jset(o, "block", j_qty(s->block));
        bad |= jset(o, "stateCommitment", interop_digest_json(&s->commitment));
        bad |= jset(o, "exitRoot", interop_digest_json(&s->roots.exit_root));
        bad |= jset(o, "exitCount", j_qty(s->roots.exit_count));
    }
    if (!bad && members) {
        bad |= jset(o, "stateRoot", interop_digest_json(&s->state_root));
        bad |= jset(o, "accountRoot", interop_digest_json(&s->roots.account_root));
        bad |= jset(o, "localBalanceRoot", interop_digest_json(&s->roots.local_root));
        bad |= jset(o, "channelRoot", interop_digest_json(&s->roots.channel_root));
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Nonzero when the caller sees a member's view of the state (state_json). */
static int sees_state(const node *n, const rpcs_auth *auth)
{
    return node_is_public(n) || (auth && (auth->roles & CAUTH_ROLE_USER));
}

RPC_FN(m_state_commitment)
{
    node *n = ctx;
    int admin = auth && (auth->roles & CAUTH_ROLE_ADMIN);
    uint64_t num = 0;
    int given = json_is_array(params) && json_array_size(params) > 0;
    if (rpcs_param_count(params, 0, 1, err) ||
        (given && rpcs_param_uint64(params, 0, "block", &num, err)))
        return NULL;
    ledger *l = node_ledger_lock(n);
    ledger_state s;
    pc_salt salt;
    int rc = ledger_state_at(l, given ? num : ledger_head(l), &s);
    /* The opening of a private chain's commitment, for an admin (an auditor's
     * tool, the gateway): never shown to anyone else. */
    int show = !rc && admin && !node_is_public(n);
    if (show)
        rc = ledger_state_salt(l, s.block, &salt);
    node_ledger_unlock(n);
    if (rc == ZK_ERR_NOT_FOUND)
        return json_null();
    json_t *o = rc ? NULL : state_json(&s, sees_state(n, auth));
    if (o && show) {
        uint8_t b[32];
        pc_encode8(b, salt.v);
        if (jset(o, "salt", j_hex(b, 32))) {
            json_decref(o);
            o = NULL;
        }
        OPENSSL_cleanse(b, sizeof b);
        pc_salt_wipe(&salt);
    }
    return o ? o : failed(err, "state commitment");
}

RPC_FN(m_get_batch)
{
    node *n = ctx;
    uint64_t num;
    if (rpcs_param_count(params, 1, 1, err) || rpcs_param_uint64(params, 0, "batch", &num, err))
        return NULL;
    uint64_t per = node_batch_blocks(n);
    if (num == 0 || num > UINT64_MAX / per)
        return rpcs_param_error(err, 0, "batch", "batches are numbered from 1");
    uint64_t first = (num - 1) * per + 1, last = num * per;
    ledger *l = node_ledger_lock(n);
    json_t *o = NULL;
    int rc = ZK_OK;
    if (last > ledger_head(l)) {
        node_ledger_unlock(n);
        return json_null(); /* not complete yet */
    }
    ledger_state s;
    rc = ledger_state_at(l, last, &s);
    json_t *txs = json_array(), *blocks = json_array();
    size_t listed = 0;
    for (uint64_t b = first; !rc && txs && blocks && b <= last; b++) {
        ledger_block blk;
        rc = ledger_block_by_number(l, b, &blk);
        if (!rc)
            json_array_append_new(blocks, j_hex(blk.hash, 32));
        for (uint32_t i = 0; !rc && i < blk.tx_count && listed < BATCH_MAX_TXS; i++, listed++) {
            uint8_t h[32];
            rc = ledger_block_tx(l, b, i, h);
            if (!rc)
                json_array_append_new(txs, j_hex(h, 32));
        }
    }
    node_ledger_unlock(n);
    if (!rc && txs && blocks && (o = state_json(&s, sees_state(n, auth)))) {
        int bad = jset(o, "number", j_qty(num));
        bad |= jset(o, "firstBlock", j_qty(first));
        bad |= jset(o, "lastBlock", j_qty(last));
        bad |= json_object_set(o, "blocks", blocks);
        if (node_is_public(n))
            bad |= json_object_set(o, "transactions", txs);
        if (bad) {
            json_decref(o);
            o = NULL;
        }
    }
    json_decref(txs);
    json_decref(blocks);
    return o ? o : failed(err, "batch");
}

int node_register_chain_rpc(node *n, rpcs_server *srv)
{
    static const struct {
        const char *name;
        rpcs_handler fn;
    } k_methods[] = {
        {"chain_addInteropRoot", m_add_root}, {"chain_importMessages", m_import},
        {"chain_getMessage", m_get_message},  {"chain_getStateCommitment", m_state_commitment},
        {"chain_getBatch", m_get_batch},
    };
    for (size_t i = 0; i < sizeof k_methods / sizeof k_methods[0]; i++) {
        int rc = rpcs_register(srv, k_methods[i].name, k_methods[i].fn, n);
        if (rc)
            return rc;
    }
    return ZK_OK;
}
