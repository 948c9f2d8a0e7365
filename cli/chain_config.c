#include "cli/chain_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/secp.h"

#define SZ(member)  sizeof(((chain_config *)0)->member)
#define OFF(member) offsetof(chain_config, member)

static const cfg_field k_log[] = {
    {"level", CFG_T_STRING, 0, OFF(log.level), SZ(log.level), 0, 0, NULL,
     "least level logged: trace, debug, info, warn, error, off"},
    {"format", CFG_T_STRING, 0, OFF(log.format), SZ(log.format), 0, 0, NULL, "text or json lines"},
    CFG_END,
};

static const cfg_field k_rpc[] = {
    {"addr", CFG_T_STRING, 0, OFF(rpc.addr), SZ(rpc.addr), 0, 0, NULL,
     "host:port of the node's JSON-RPC (loopback by default)"},
    {"max_body_bytes", CFG_T_INT, 0, OFF(rpc.max_body_bytes), 0, 1024, 64 << 20, NULL,
     "largest request body accepted"},
    {"timeout_s", CFG_T_INT, 0, OFF(rpc.timeout_s), 0, 1, 3600, NULL,
     "idle connection timeout in seconds"},
    CFG_END,
};

static const cfg_field k_pool[] = {
    {"max_txs", CFG_T_INT, 0, OFF(pool.max_txs), 0, 1, 1 << 20, NULL, "transactions in the pool"},
    {"max_per_sender", CFG_T_INT, 0, OFF(pool.max_per_sender), 0, 1, 1 << 16, NULL,
     "transactions of one sender in the pool"},
    {"max_nonce_gap", CFG_T_INT, 0, OFF(pool.max_nonce_gap), 0, 0, 1 << 16, NULL,
     "how far past the account nonce a queued transaction may be"},
    CFG_END,
};

static const cfg_field k_auth[] = {
    {"mode", CFG_T_STRING, 0, OFF(auth.mode), SZ(auth.mode), 0, 0, NULL,
     "public (reads and transactions need no token) or private (every call needs one); "
     "tokens: [{name, role user|admin, sha256}] (`zkgate chain token`)"},
    CFG_END,
};

const cfg_field chain_config_spec[] = {
    {"kind", CFG_T_STRING, 1, OFF(kind), SZ(kind), 0, 0, NULL, "\"chain\""},
    {"data_dir", CFG_T_STRING, 0, OFF(data_dir), SZ(data_dir), 0, 0, NULL,
     "folder for ledger.db and pool.db"},
    {"chain_id", CFG_T_INT, 1, OFF(chain_id), 0, 1, INT64_MAX, NULL, "EIP-155 chain id"},
    {"block_time_ms", CFG_T_INT, 0, OFF(block_time_ms), 0, 1, 3600000, NULL,
     "sequencer period (no empty blocks)"},
    {"base_fee", CFG_T_INT, 0, OFF(base_fee), 0, 0, INT64_MAX, NULL, "fixed base fee, wei per gas"},
    {"genesis_timestamp", CFG_T_INT, 0, OFF(genesis_timestamp), 0, 0, INT64_MAX, NULL,
     "timestamp of block 0 (seconds)"},
    {"operator", CFG_T_HEX, 1, OFF(operator_addr), 20, 0, 0, NULL, "fee recipient address"},
    {"max_block_txs", CFG_T_INT, 0, OFF(max_block_txs), 0, 1, LEDGER_MAX_BLOCK_TXS, NULL,
     "transactions per block"},
    {"batch_blocks", CFG_T_INT, 0, OFF(batch_blocks), 0, 1, 1000, NULL,
     "blocks per batch (chain_getBatch)"},
    {"pool", CFG_T_OBJECT, 0, 0, 0, 0, 0, k_pool, "mempool limits"},
    {"log", CFG_T_OBJECT, 0, 0, 0, 0, 0, k_log, "logging"},
    {"rpc", CFG_T_OBJECT, 0, 0, 0, 0, 0, k_rpc, "JSON-RPC endpoint"},
    {"auth", CFG_T_OBJECT, 0, 0, 0, 0, 0, k_auth, "who may call the JSON-RPC"},
    CFG_END,
};

void chain_config_defaults(chain_config *c)
{
    *c = (chain_config){.chain_id = 31337,
                        .block_time_ms = 1000,
                        .base_fee = 1000000000,
                        .max_block_txs = 1000,
                        .batch_blocks = 10,
                        .pool = {.max_txs = 8192, .max_per_sender = 64, .max_nonce_gap = 64},
                        .rpc = {.max_body_bytes = 1 << 20, .timeout_s = 30}};
    snprintf(c->kind, sizeof c->kind, "chain");
    snprintf(c->data_dir, sizeof c->data_dir, "chain-data");
    snprintf(c->log.level, sizeof c->log.level, "info");
    snprintf(c->log.format, sizeof c->log.format, "text");
    snprintf(c->rpc.addr, sizeof c->rpc.addr, "127.0.0.1:8545");
    snprintf(c->auth.mode, sizeof c->auth.mode, "public");
}

void chain_config_free(chain_config *c)
{
    if (!c)
        return;
    free(c->alloc);
    c->alloc = NULL;
    c->n_alloc = 0;
    free(c->auth.tokens);
    c->auth.tokens = NULL;
    c->auth.n_tokens = 0;
    free(c->peers);
    c->peers = NULL;
    c->n_peers = 0;
    free(c->auditors);
    c->auditors = NULL;
    c->n_auditors = 0;
}

/* A public key from a config string: 0x and the hex of 33, 64 or 65 bytes, on
 * the curve. */
static int parse_pubkey(const json_t *v, uint8_t out[ECIES_PUBKEY_LEN])
{
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    uint8_t raw[ECIES_PUBKEY_LEN];
    size_t n = s ? strlen(s) : 0;
    if (!s || n < 2 || strncmp(s, "0x", 2) || (n - 2) % 2 || (n - 2) / 2 > sizeof raw ||
        zk_hex_decode_exact(raw, (n - 2) / 2, s, n))
        return zk_err_set(ZK_ERR_CONFIG, "expected 0x and the hex of a secp256k1 public key "
                                         "(65 bytes 04.., as `zkgate chain pubkey` prints)");
    if (ecies_pubkey_parse(out, raw, (n - 2) / 2))
        return zk_err_set(ZK_ERR_CONFIG, "not a public key on secp256k1");
    return ZK_OK;
}

static int load_peers(chain_config *c, const json_t *a, const char *path)
{
    if (!json_is_array(a))
        return zk_err_set(ZK_ERR_CONFIG, "%s: key 'peers': expected an array", path);
    size_t n = json_array_size(a);
    if (n > LEDGER_MAX_PEERS)
        return zk_err_set(ZK_ERR_CONFIG, "%s: key 'peers': %zu entries, at most %u", path, n,
                          LEDGER_MAX_PEERS);
    c->peers = calloc(n ? n : 1, sizeof *c->peers);
    if (!c->peers)
        return zk_err_set(ZK_ERR_NOMEM, "%s: peers of %zu", path, n);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(a, i), *v;
        const char *key;
        json_t *id = NULL, *pk = NULL;
        if (!json_is_object(e))
            return zk_err_set(ZK_ERR_CONFIG, "%s: key 'peers[%zu]': expected an object", path, i);
        json_object_foreach((json_t *)e, key, v)
        {
            if (!strcmp(key, "chain_id"))
                id = (json_t *)v;
            else if (!strcmp(key, "public_key"))
                pk = (json_t *)v;
            else
                return zk_err_set(ZK_ERR_CONFIG,
                                  "%s: key 'peers[%zu].%s' is not known (chain_id, public_key)",
                                  path, i, key);
        }
        if (!id || !pk)
            return zk_err_set(ZK_ERR_CONFIG, "%s: key 'peers[%zu]': needs chain_id and public_key",
                              path, i);
        if (!json_is_integer(id) || json_integer_value(id) < 1)
            return zk_err_set(ZK_ERR_CONFIG,
                              "%s: key 'peers[%zu].chain_id': expected an integer "
                              ">= 1",
                              path, i);
        uint64_t cid = (uint64_t)json_integer_value(id);
        if (cid == (uint64_t)c->chain_id)
            return zk_err_set(ZK_ERR_CONFIG, "%s: key 'peers[%zu].chain_id': %llu is this chain",
                              path, i, (unsigned long long)cid);
        for (size_t j = 0; j < i; j++)
            if (c->peers[j].chain_id == cid)
                return zk_err_set(ZK_ERR_CONFIG,
                                  "%s: key 'peers[%zu].chain_id': chain %llu is also peers[%zu]",
                                  path, i, (unsigned long long)cid, j);
        c->peers[i].chain_id = cid;
        if (parse_pubkey(pk, c->peers[i].public_key))
            return zk_err_wrap(ZK_ERR_CONFIG, "%s: key 'peers[%zu].public_key': ", path, i);
        c->n_peers = i + 1;
    }
    return ZK_OK;
}

static int load_auditors(chain_config *c, const json_t *a, const char *path)
{
    if (!json_is_array(a))
        return zk_err_set(ZK_ERR_CONFIG, "%s: key 'auditors': expected an array", path);
    size_t n = json_array_size(a);
    if (n > LEDGER_MAX_AUDITORS)
        return zk_err_set(ZK_ERR_CONFIG,
                          "%s: key 'auditors': %zu keys, at most %d (an envelope has %d slots, "
                          "one is the destination's)",
                          path, n, LEDGER_MAX_AUDITORS, ENV_MAX_RECIPIENTS);
    c->auditors = calloc(n ? n : 1, sizeof *c->auditors);
    if (!c->auditors)
        return zk_err_set(ZK_ERR_NOMEM, "%s: auditors of %zu", path, n);
    for (size_t i = 0; i < n; i++) {
        if (parse_pubkey(json_array_get(a, i), c->auditors[i]))
            return zk_err_wrap(ZK_ERR_CONFIG, "%s: key 'auditors[%zu]': ", path, i);
        for (size_t j = 0; j < i; j++)
            if (!memcmp(c->auditors[j], c->auditors[i], ECIES_PUBKEY_LEN))
                return zk_err_set(ZK_ERR_CONFIG,
                                  "%s: key 'auditors[%zu]': the key of auditors[%zu]", path, i, j);
        c->n_auditors = i + 1;
    }
    return ZK_OK;
}

static int load_alloc(chain_config *c, const json_t *a, const char *path)
{
    if (!json_is_array(a))
        return zk_err_set(ZK_ERR_CONFIG, "%s: key 'alloc': expected an array", path);
    size_t n = json_array_size(a);
    if (n > LEDGER_MAX_ALLOC)
        return zk_err_set(ZK_ERR_CONFIG, "%s: key 'alloc': %zu entries, at most %u", path, n,
                          LEDGER_MAX_ALLOC);
    c->alloc = calloc(n ? n : 1, sizeof *c->alloc);
    if (!c->alloc)
        return zk_err_set(ZK_ERR_NOMEM, "%s: alloc of %zu", path, n);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(a, i);
        const char *addr = NULL, *bal = NULL, *key;
        json_t *v;
        if (!json_is_object(e))
            return zk_err_set(ZK_ERR_CONFIG, "%s: key 'alloc[%zu]': expected an object", path, i);
        json_object_foreach((json_t *)e, key, v)
        {
            if (!strcmp(key, "address") && json_is_string(v))
                addr = json_string_value(v);
            else if (!strcmp(key, "balance") && json_is_string(v))
                bal = json_string_value(v);
            else
                return zk_err_set(ZK_ERR_CONFIG,
                                  "%s: key 'alloc[%zu].%s': not known or not a string "
                                  "(address, balance)",
                                  path, i, key);
        }
        if (!addr || !bal)
            return zk_err_set(ZK_ERR_CONFIG, "%s: key 'alloc[%zu]': needs address and balance",
                              path, i);
        if (eth_address_parse(addr, c->alloc[i].address))
            return zk_err_wrap(ZK_ERR_CONFIG, "%s: key 'alloc[%zu].address': ", path, i);
        if (u256_parse(bal, &c->alloc[i].balance))
            return zk_err_wrap(ZK_ERR_CONFIG, "%s: key 'alloc[%zu].balance': ", path, i);
        c->n_alloc = i + 1;
    }
    return ZK_OK;
}

/* Copies one string member of auth.tokens[i] into a fixed-size field. */
static int token_field(char *dst, size_t cap, const json_t *v, const char *path, size_t i,
                       const char *key)
{
    size_t n = json_string_length(v);
    if (n >= cap)
        return zk_err_set(ZK_ERR_CONFIG, "%s: key 'auth.tokens[%zu].%s': longer than %zu chars",
                          path, i, key, cap - 1);
    memcpy(dst, json_string_value(v), n + 1);
    return ZK_OK;
}

static int load_tokens(chain_config *c, const json_t *a, const char *path)
{
    if (!json_is_array(a))
        return zk_err_set(ZK_ERR_CONFIG, "%s: key 'auth.tokens': expected an array", path);
    size_t n = json_array_size(a);
    if (n > CAUTH_MAX_TOKENS)
        return zk_err_set(ZK_ERR_CONFIG, "%s: key 'auth.tokens': %zu entries, at most %d", path, n,
                          CAUTH_MAX_TOKENS);
    c->auth.tokens = calloc(n ? n : 1, sizeof *c->auth.tokens);
    if (!c->auth.tokens)
        return zk_err_set(ZK_ERR_NOMEM, "%s: auth.tokens of %zu", path, n);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(a, i);
        cauth_token *t = &c->auth.tokens[i];
        int have = 0, rc = ZK_OK;
        const char *key;
        json_t *v;
        if (!json_is_object(e))
            return zk_err_set(ZK_ERR_CONFIG, "%s: key 'auth.tokens[%zu]': expected an object", path,
                              i);
        json_object_foreach((json_t *)e, key, v)
        {
            if (!json_is_string(v))
                rc = zk_err_set(ZK_ERR_CONFIG, "%s: key 'auth.tokens[%zu].%s': expected a string",
                                path, i, key);
            else if (!strcmp(key, "name"))
                rc = token_field(t->name, sizeof t->name, v, path, i, key);
            else if (!strcmp(key, "role"))
                rc = token_field(t->role, sizeof t->role, v, path, i, key);
            else if (!strcmp(key, "sha256"))
                rc = token_field(t->sha256, sizeof t->sha256, v, path, i, key);
            else
                rc = zk_err_set(ZK_ERR_CONFIG,
                                "%s: key 'auth.tokens[%zu].%s' is not known (name, role, sha256)",
                                path, i, key);
            if (rc)
                return rc;
            have++;
        }
        if (have != 3)
            return zk_err_set(ZK_ERR_CONFIG,
                              "%s: key 'auth.tokens[%zu]': needs name, role and sha256", path, i);
        c->auth.n_tokens = i + 1;
    }
    return ZK_OK;
}

/* The policy's own checks, so that `zkgate config check` reports what the node
 * would refuse at start. */
static int check_auth(const chain_config *c, const char *path)
{
    cauth_config ac = {.tokens = c->auth.tokens, .n_tokens = c->auth.n_tokens};
    memcpy(ac.mode, c->auth.mode, sizeof ac.mode);
    cauth *a = NULL;
    int rc = cauth_new(&a, &ac);
    cauth_free(a);
    return rc ? zk_err_wrap(rc, "%s: key 'auth': ", path) : ZK_OK;
}

int chain_config_load(chain_config *c, const char *path)
{
    zk_buf b;
    zk_buf_init(&b, CFG_MAX_FILE);
    int rc = zk_read_file(&b, path);
    if (rc) {
        zk_buf_free(&b);
        return zk_err_wrap(rc, "%s: ", path);
    }
    json_error_t e;
    json_t *root =
        json_loadb(b.data ? (const char *)b.data : "", b.len, JSON_REJECT_DUPLICATES, &e);
    zk_buf_free(&b);
    if (!root)
        return zk_err_set(ZK_ERR_CONFIG, "%s:%d:%d: not valid JSON: %s", path, e.line, e.column,
                          e.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return zk_err_set(ZK_ERR_CONFIG, "%s: expected a JSON object", path);
    }
    json_t *alloc = json_object_get(root, "alloc");
    if (alloc) {
        json_incref(alloc);
        json_object_del(root, "alloc");
    }
    json_t *auth = json_object_get(root, "auth");
    json_t *tokens = json_is_object(auth) ? json_object_get(auth, "tokens") : NULL;
    if (tokens) {
        json_incref(tokens);
        json_object_del(auth, "tokens");
    }
    json_t *peers = json_object_get(root, "peers"), *auditors = json_object_get(root, "auditors");
    json_incref(peers);
    json_incref(auditors);
    json_object_del(root, "peers");
    json_object_del(root, "auditors");
    char *rest = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!rest) {
        json_decref(alloc);
        json_decref(tokens);
        json_decref(peers);
        json_decref(auditors);
        return zk_err_set(ZK_ERR_NOMEM, "%s", path);
    }
    /* The cfg loader names the origin in its errors, so they read as the file's. */
    rc = cfg_load_string(chain_config_spec, c, rest, strlen(rest), path);
    free(rest);
    chain_config_free(c);
    if (!rc && alloc)
        rc = load_alloc(c, alloc, path);
    json_decref(alloc);
    if (!rc && tokens)
        rc = load_tokens(c, tokens, path);
    json_decref(tokens);
    if (!rc && peers)
        rc = load_peers(c, peers, path);
    if (!rc && auditors)
        rc = load_auditors(c, auditors, path);
    json_decref(peers);
    json_decref(auditors);
    if (!rc)
        rc = check_auth(c, path);
    if (!rc && strcmp(c->kind, "chain") != 0)
        rc = zk_err_set(ZK_ERR_CONFIG, "%s: key 'kind': '%s' is not \"chain\"", path, c->kind);
    if (rc)
        chain_config_free(c);
    return rc;
}
