/* A chain node's configuration (config/chain-public.json): what `zkgate chain`
 * runs. Everything but the genesis allocations and the auth tokens follows the
 * cfg_field schema; the "alloc" and "auth.tokens" arrays are read beside it (the
 * schema has no arrays). */
#ifndef ZKGATE_CLI_CHAIN_CONFIG_H
#define ZKGATE_CLI_CHAIN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "chains/auth.h"
#include "chains/ledger.h"
#include "common/config.h"

typedef struct chain_config {
    char kind[16];      /* always "chain" */
    char data_dir[512]; /* ledger.db and pool.db */
    int64_t chain_id;
    int64_t block_time_ms;
    int64_t base_fee;          /* wei per gas */
    int64_t genesis_timestamp; /* seconds */
    uint8_t operator_addr[20]; /* fee recipient */
    int64_t max_block_txs;
    int64_t batch_blocks; /* blocks per batch */
    struct {
        int64_t max_txs, max_per_sender, max_nonce_gap;
    } pool;
    struct {
        char level[8];
        char format[8];
    } log;
    struct {
        char addr[128];
        int64_t max_body_bytes;
        int64_t timeout_s;
    } rpc;
    struct {
        char mode[16];       /* "public" or "private" (chains/auth.h) */
        cauth_token *tokens; /* owned; chain_config_free */
        size_t n_tokens;
    } auth;
    ledger_alloc *alloc; /* owned; chain_config_free */
    size_t n_alloc;
    ledger_peer *peers; /* owned: chains a private chain may send to, with their keys */
    size_t n_peers;
    uint8_t (*auditors)[ECIES_PUBKEY_LEN]; /* owned: extra recipients of every envelope */
    size_t n_auditors;
} chain_config;

extern const cfg_field chain_config_spec[];

/* Defaults (no allocations, operator zero, public RPC without tokens). */
void chain_config_defaults(chain_config *c);

/* Loads path: the schema's keys, "alloc": [{"address": "0x..", "balance": "wei"}]
 * (decimal or 0x hex; at most LEDGER_MAX_ALLOC), "auth": {"mode": ..., "tokens":
 * [{"name", "role", "sha256"}]} (at most CAUTH_MAX_TOKENS, checked by cauth_new),
 * "peers": [{"chain_id": N, "public_key": "0x04.."}] (at most LEDGER_MAX_PEERS; a
 * key on secp256k1, in any form ecies_pubkey_parse reads; no chain twice, not
 * this chain) and "auditors": ["0x04.."] (at most LEDGER_MAX_AUDITORS, no key
 * twice).
 * Returns: ZK_OK; ZK_ERR_IO; ZK_ERR_TOO_LARGE; ZK_ERR_CONFIG naming the file and key. */
int chain_config_load(chain_config *c, const char *path) __attribute__((warn_unused_result));

/* Frees the allocations. NULL is fine. */
void chain_config_free(chain_config *c);

#endif
