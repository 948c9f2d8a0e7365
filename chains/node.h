/* A chain node: the ledger (chains/ledger.h), a mempool, a sequencer thread that
 * turns the pool into blocks every block_time_ms, and the Ethereum JSON-RPC methods
 * wallets and tools use (registered on a common/rpc_server.h server).
 *
 * Durability: a transaction the pool accepts is written (synchronous=FULL) to the
 * pending table of pool_path before node_submit returns, so an acknowledged hash
 * survives kill -9. On open the pending table is reloaded: entries already in a
 * block are dropped (a crash between the block commit and the pool cleanup leaves
 * them), the rest are checked again. docs/CHAIN.md, "Node", has the pool rules.
 *
 * Threads: every function may be called from any thread. One lock guards the
 * ledger and another the pool; a block is applied holding only the ledger's, so
 * admission goes on meanwhile (docs/CHAIN.md, "Sequencer").
 */
#ifndef ZKGATE_CHAINS_NODE_H
#define ZKGATE_CHAINS_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "chains/ledger.h"
#include "common/rpc_server.h"

/* The gas limit every block reports and the sequencer fills up to. */
#define NODE_BLOCK_GAS_LIMIT 30000000u

typedef struct node node;

typedef struct node_config {
    const ledger_genesis *genesis; /* copied as needed by ledger_open */
    const char *ledger_path;       /* NULL: in memory */
    const char *pool_path;         /* pending table; NULL: in memory (not durable) */
    uint32_t block_time_ms;        /* sequencer period, >= 1 */
    uint32_t max_block_txs;        /* 1..LEDGER_MAX_BLOCK_TXS */
    uint32_t pool_max_txs;         /* whole pool, >= 1 */
    uint32_t pool_max_per_sender;  /* >= 1 */
    uint32_t pool_max_nonce_gap;   /* how far past the account nonce a tx may be */
    const char *client_version;    /* web3_clientVersion; NULL: "zkgate" */
    uint32_t batch_blocks;         /* blocks per batch (chain_getBatch), 1..1000 */
    int private_mode;              /* 1: a private chain (docs/CHAIN.md, "Private chains"):
                                      batches list no transactions, commitments and message
                                      salts are secret, sends are sealed to peer keys */
    const uint8_t *chain_key;      /* 32-byte secp256k1 secret key that opens envelopes sent
                                      to this chain (copied, wiped on free); NULL: none */
    const ledger_peer *peers;      /* keys of the chains this one sends to (copied) */
    size_t n_peers;
    const uint8_t (*auditors)[ECIES_PUBKEY_LEN]; /* extra envelope recipients (copied) */
    size_t n_auditors;
} node_config;

/* Fills the pool and sequencer fields with defaults (1000 ms, 1000 txs a block,
 * 8192 pool txs, 64 per sender, gap 64, 10 blocks a batch, public); genesis and
 * paths stay NULL. */
void node_config_default(node_config *c);

/* Opens the ledger (and sets its privacy: ledger_set_privacy) and the pending table
 * and reloads pending transactions. The sequencer does not run until node_start.
 * Returns: ZK_OK and *out; ZK_ERR_INVALID_ARG / ZK_ERR_CONFIG (a bad field, a bad
 * chain key); the errors of ledger_open and ledger_set_privacy; ZK_ERR_DB;
 * ZK_ERR_NOMEM. */
int node_open(node **out, const node_config *cfg) __attribute__((warn_unused_result));

/* Stops the sequencer if it runs and frees. NULL is fine. */
void node_free(node *n);

/* Offers a raw signed transaction to the pool; on acceptance it is durable.
 * Out: hash (may be NULL): the tx hash; *reason on refusal: the string Ethereum
 * clients give (the ledger's, plus "already known", "replacement transaction
 * underpriced", "txpool is full", "account slot limit exceeded", "nonce too
 * high" past the gap cap), or the decoder's detail.
 * Returns: ZK_OK; ZK_ERR_PARSE / ZK_ERR_TOO_LARGE / ZK_ERR_UNSUPPORTED /
 * ZK_ERR_SIGNATURE / ZK_ERR_EXISTS / ZK_ERR_RANGE / ZK_ERR_BUSY with *reason;
 * ZK_ERR_DB. */
int node_submit(node *n, const uint8_t *raw, size_t len, uint8_t hash[32], const char **reason)
    __attribute__((warn_unused_result));

/* One transaction of node_submit_many. */
typedef struct node_sub {
    const uint8_t *raw; /* in: the raw signed transaction */
    size_t len;         /* in: its length */
    int rc;             /* out: what node_submit would return for it */
    uint8_t hash[32];   /* out: the tx hash, when rc is ZK_OK */
    char reason[256];   /* out: node_submit's *reason when refused; "" for ZK_ERR_DB,
                           ZK_ERR_NOMEM and other failures that are not the caller's */
} node_sub;

/* Offers k raw signed transactions (one JSON-RPC batch) to the pool, in order, as
 * node_submit would one after the other, but sleeps once: every accepted one is
 * durable on return, in as few commits as the group commit makes of them.
 * Transactions refused (or not stored) do not stop the others.
 * Returns: ZK_OK with every subs[i].rc set; ZK_ERR_INVALID_ARG (a NULL argument) or
 * ZK_ERR_NOMEM, and then no transaction was offered. */
int node_submit_many(node *n, node_sub *subs, size_t k) __attribute__((warn_unused_result));

/* Makes one block now from the executable pool transactions (in nonce order per
 * sender, round-robin across senders, up to max_block_txs and the gas limit).
 * Does nothing (*made = 0) when no transaction is executable.
 * Out: *made (may be NULL); *block (may be NULL) when made.
 * Returns: ZK_OK; the errors of ledger_apply_block (the pool is then unchanged);
 * ZK_ERR_DB. */
int node_produce_block(node *n, uint64_t timestamp, int *made, ledger_block *block)
    __attribute__((warn_unused_result));

/* Starts / stops the sequencer thread (a block every block_time_ms when there are
 * executable transactions; no empty blocks).
 * Returns: ZK_OK; ZK_ERR_STATE (already running); ZK_ERR_INTERNAL (no thread). */
int node_start(node *n) __attribute__((warn_unused_result));
void node_stop(node *n);

/* Registers the eth_*, net_*, web3_* and chain_* methods (docs/CHAIN.md, "RPC") and the
 * /health hook on srv, which must not be started yet.
 * Returns: ZK_OK or the errors of rpcs_register. */
int node_register_rpc(node *n, rpcs_server *srv) __attribute__((warn_unused_result));

/* Pool counts: all transactions, and those executable now. */
void node_pool_counts(node *n, size_t *total, size_t *executable);

/* Reads an account: balance and nonce from the ledger, and the pending nonce
 * (the nonce after every executable pool transaction of addr). Any output may be
 * NULL. Returns: ZK_OK or ZK_ERR_DB. */
int node_account(node *n, const uint8_t addr[20], u256 *balance, uint64_t *nonce,
                 uint64_t *pending_nonce) __attribute__((warn_unused_result));

/* Returns: the ledger's head block number. */
uint64_t node_head(node *n);

#endif
