/* The chain's ledger: the state machine a sequencer drives. It keeps native-coin
 * balances and nonces (one leaf per address in the Poseidon2 account tree of
 * chains/state.h), blocks, transactions and receipts in one SQLite store, and
 * applies a block of decoded Ethereum transactions in one SQLite transaction, so a
 * crash leaves a whole block or none of it.
 *
 * The fee rule, the block header encoding and what is not supported are in
 * docs/CHAIN.md. In short: gas used = 21000 + calldata cost; the sender pays
 * gas used * effective gas price + value; the operator receives the whole fee, so
 * the sum of all balances never changes after genesis.
 *
 * A handle is used by one thread at a time (ledger_check_tx_at and the getters of
 * what ledger_open fixed excepted).
 */
#ifndef ZKGATE_CHAINS_LEDGER_H
#define ZKGATE_CHAINS_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "chains/smt.h"
#include "chains/state.h"
#include "chains/tx.h"
#include "common/bytes.h"
#include "privacy/ecies.h"
#include "privacy/envelope.h"

/* Gas of a plain transfer, and of each calldata byte (Ethereum, EIP-2028). */
#define LEDGER_TX_GAS           21000u
#define LEDGER_DATA_ZERO_GAS    4u
#define LEDGER_DATA_NONZERO_GAS 16u
/* The most genesis allocations, and the most transactions one block takes. */
#define LEDGER_MAX_ALLOC     65536u
#define LEDGER_MAX_BLOCK_TXS 65536u

/* System addresses (docs/CHAIN.md, "System addresses"): calls to them carry
 * ABI-encoded calldata; no other address takes calldata. */
extern const uint8_t LEDGER_ADDR_ASSETS[20]; /* 0x...5a4b0001: bridged-asset balances */
extern const uint8_t LEDGER_ADDR_OUTBOX[20]; /* 0x...5a4b0002: sends; holds the escrow */
extern const uint8_t LEDGER_ADDR_INBOX[20];  /* 0x...5a4b0003: imported channels (reads) */
/* Gas a system call adds to the intrinsic gas. */
#define LEDGER_SEND_GAS     40000u
#define LEDGER_TRANSFER_GAS 10000u
/* The longest message payload, and the most imports one block applies. */
#define LEDGER_MAX_PAYLOAD       16384u
#define LEDGER_MAX_BLOCK_IMPORTS 4096u

typedef struct ledger ledger;

/* One genesis allocation. */
typedef struct ledger_alloc {
    uint8_t address[20];
    u256 balance; /* below 2^128, and all of them together too */
} ledger_alloc;

/* What a chain starts from. A store remembers it; reopening it with another one is
 * refused. */
typedef struct ledger_genesis {
    uint64_t chain_id;         /* nonzero */
    uint8_t operator_addr[20]; /* receives every fee */
    uint64_t base_fee;         /* wei per gas, fixed */
    uint64_t timestamp;        /* of block 0 */
    const ledger_alloc *alloc; /* applied once, as block 0 */
    size_t n_alloc;            /* at most LEDGER_MAX_ALLOC; no address twice */
} ledger_genesis;

/* A block header and what the store knows about it. */
typedef struct ledger_block {
    uint64_t number;
    uint8_t parent_hash[32]; /* zero for block 0 */
    uint64_t timestamp;      /* seconds; never below the parent's */
    uint8_t state_root[32]; /* st_state_root of every tree: 8 canonical elements, 4 bytes LE each */
    uint8_t tx_root[32];    /* Keccak-256 of the applied tx hashes, in order */
    uint64_t gas_used;
    uint64_t base_fee;
    uint32_t tx_count;
    uint8_t hash[32]; /* Keccak-256 of the RLP of the header fields (docs/CHAIN.md) */
} ledger_block;

/* A stored transaction's place and its receipt. */
typedef struct ledger_receipt {
    uint8_t tx_hash[32];
    uint64_t block_number;
    uint8_t block_hash[32];
    uint32_t index; /* in its block */
    uint8_t sender[20];
    int has_to;
    uint8_t to[20];
    int status;      /* 1: success; 0: a system call that reverted (the fee was paid) */
    char revert[96]; /* why it reverted ("" when status is 1) */
    uint64_t gas_used;
    u256 effective_gas_price;
    uint64_t cumulative_gas; /* gas used by the block up to and including this tx */
} ledger_receipt;

/* One transaction of a block to apply: raw is what the sender signed and sent,
 * tx its decoding (tx_decode of raw). */
typedef struct ledger_item {
    const uint8_t *raw;
    size_t raw_len;
    const eth_tx *tx;
} ledger_item;

/* What became of one item of ledger_apply_block. */
typedef struct ledger_tx_result {
    int code;           /* ZK_OK: applied; otherwise why it was skipped */
    const char *reason; /* NULL when applied; else the Ethereum error string */
    const char *revert; /* applied but reverted (status 0): why; else NULL */
} ledger_tx_result;

/* An account a block changed, as it is after the block. */
typedef struct ledger_change {
    uint8_t address[20];
    u256 balance;
    uint64_t nonce;
} ledger_change;

/* A fault hook for tests: called at named steps of ledger_apply_block ("tx" before
 * each transaction's writes, "tree" before the tree update, "commit" before the
 * commit); a nonzero return makes the step fail with that code. */
typedef int (*ledger_fault_fn)(void *arg, const char *step);

/* Opens the store at path (NULL: in memory), creating it from g, or reopening it
 * and checking that g is the genesis it was created with.
 * Returns: ZK_OK and *out; ZK_ERR_INVALID_ARG; ZK_ERR_CONFIG (a bad genesis, or
 * one that differs from the store's: the detail says which field);
 * ZK_ERR_RANGE (a balance or the supply at or above 2^128); ZK_ERR_STATE (the
 * stored tree root is not the head block's); ZK_ERR_DB; ZK_ERR_NOMEM. */
int ledger_open(ledger **out, const char *path, const ledger_genesis *g)
    __attribute__((warn_unused_result));

/* NULL is fine. */
void ledger_free(ledger *l);

/* Installs (fn non-NULL) or removes the test fault hook. */
void ledger_set_fault(ledger *l, ledger_fault_fn fn, void *arg);

uint64_t ledger_chain_id(const ledger *l);
uint64_t ledger_base_fee(const ledger *l);
/* Out: the operator (fee recipient) address. */
void ledger_operator(const ledger *l, uint8_t addr[20]);
/* Returns: the number of the latest block (0 right after genesis). */
uint64_t ledger_head(const ledger *l);
/* Out: the head block's state root (st_state_root over the account, local
 * balance, channel and exit trees) as 32 bytes (canonical LE elements). */
void ledger_state_root(const ledger *l, uint8_t root[32]);

/* Reads an address's native balance and nonce (0 and 0 for an unknown address).
 * Either output may be NULL.
 * Returns: ZK_OK or ZK_ERR_DB. */
int ledger_account(ledger *l, const uint8_t addr[20], u256 *balance, uint64_t *nonce)
    __attribute__((warn_unused_result));

/* The checks a pool makes before accepting tx, against the current state (the
 * nonce must equal the account nonce; a pool that holds future nonces reads the
 * account nonce with ledger_account and calls this when a tx is next).
 * Out: *reason, when rejected: the string Ethereum clients give ("invalid chain
 * id", "nonce too low", "nonce too high", "insufficient funds for gas * price +
 * value", "intrinsic gas too low", "max fee per gas less than block base fee",
 * "max priority fee per gas higher than max fee per gas", "transaction type not
 * supported", "already known").
 * Returns: ZK_OK; ZK_ERR_UNSUPPORTED, ZK_ERR_EXISTS or ZK_ERR_RANGE with *reason;
 * ZK_ERR_DB. */
int ledger_check_tx(ledger *l, const eth_tx *tx, const char **reason)
    __attribute__((warn_unused_result));

/* The checks of ledger_check_tx against an account state the caller keeps
 * (balance, nonce as ledger_account gave them), without reading the store: for a
 * pool that answers from memory while a block is being applied. "already known"
 * is not checked: a transaction whose nonce is not below the account nonce cannot
 * be in a block, and one below it is refused ("nonce too low") either way. Reads
 * only what ledger_open fixed (chain id, base fee), so it may run on any thread
 * while another uses l.
 * Returns: as ledger_check_tx, without ZK_ERR_DB. */
int ledger_check_tx_at(const ledger *l, const eth_tx *tx, const u256 *balance, uint64_t nonce,
                       const char **reason) __attribute__((warn_unused_result));

/* Applies items in order as the next block, with timestamp. An item that fails
 * its checks at its turn is skipped (res[k].reason says why) and changes nothing;
 * the block (possibly with no transactions) is stored either way.
 * Args: res: n results, or NULL.
 * Out: *block (may be NULL): the new head.
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (n too large, an item whose raw bytes do not
 * hash to its tx hash, a timestamp below the parent's); ZK_ERR_DB or the fault
 * hook's code, with the store unchanged. */
int ledger_apply_block(ledger *l, const ledger_item *items, size_t n, uint64_t timestamp,
                       ledger_tx_result *res, ledger_block *block)
    __attribute__((warn_unused_result));

/* Out: every account the last ledger_apply_block changed (the operator, the
 * senders of applied transactions, recipients of a nonzero value), each once, with
 * its state after the block; valid until the next ledger_apply_block. None after
 * a failed one. */
void ledger_last_changes(const ledger *l, const ledger_change **changes, size_t *n);

/* Reads block number / the block with hash.
 * Returns: ZK_OK; ZK_ERR_NOT_FOUND; ZK_ERR_DB. */
int ledger_block_by_number(ledger *l, uint64_t number, ledger_block *out)
    __attribute__((warn_unused_result));
int ledger_block_by_hash(ledger *l, const uint8_t hash[32], ledger_block *out)
    __attribute__((warn_unused_result));

/* Out: hash of the index-th transaction of block number.
 * Returns: ZK_OK; ZK_ERR_NOT_FOUND; ZK_ERR_DB. */
int ledger_block_tx(ledger *l, uint64_t number, uint32_t index, uint8_t hash[32])
    __attribute__((warn_unused_result));

/* Reads the stored transaction with hash: its receipt (may be NULL) and its raw
 * bytes appended to raw (may be NULL; its cap bounds them).
 * Returns: ZK_OK; ZK_ERR_NOT_FOUND; ZK_ERR_DB; the errors of zk_buf_append. */
int ledger_tx_by_hash(ledger *l, const uint8_t hash[32], ledger_receipt *receipt, zk_buf *raw)
    __attribute__((warn_unused_result));

/* Rebuilds the state of the store at path from its genesis by re-applying every
 * stored block's raw transactions in a scratch in-memory ledger, and compares each
 * block's state root, header and hash with the stored one.
 * Returns: ZK_OK; ZK_ERR_STATE naming the first block that differs and how;
 * ZK_ERR_NOT_FOUND (no store); ZK_ERR_DB; ZK_ERR_NOMEM. */
int ledger_verify_replay(const char *path) __attribute__((warn_unused_result));

/* ---- messages (docs/CHAIN.md, "Messages and imports") ---- */

/* A chain's state as its state root covers it, after block number. */
typedef struct ledger_state {
    uint64_t block;
    st_state roots;
    p2_digest state_root;
    p2_digest commitment; /* pc_state_commit(state root, ledger_state_salt of the block) */
} ledger_state;

/* Reads the state after block number (the head: ledger_head).
 * Returns: ZK_OK; ZK_ERR_NOT_FOUND; ZK_ERR_DB. */
int ledger_state_at(ledger *l, uint64_t number, ledger_state *out)
    __attribute__((warn_unused_result));

/* A message this chain sent, by its exit-tree index. */
typedef struct ledger_sent {
    uint64_t index;
    st_message msg;
    p2_digest leaf;
    uint64_t block;
    uint8_t tx_hash[32];
} ledger_sent;

/* Reads sent message index, its payload (appended to payload, may be NULL) and its
 * path in the exit tree as it is now (path may be NULL; root and count of the
 * tree it leads to: ledger_state_at of the head).
 * Returns: ZK_OK; ZK_ERR_NOT_FOUND; ZK_ERR_DB; zk_buf_append's errors. */
int ledger_sent_message(ledger *l, uint64_t index, ledger_sent *out, zk_buf *payload,
                        p2_digest path[SMT_DEPTH]) __attribute__((warn_unused_result));

/* What became of an imported message. */
typedef struct ledger_received {
    st_message msg;
    p2_digest leaf;
    int delivered;  /* 1: applied in block; 0: queued for the next block */
    uint64_t block; /* when delivered */
} ledger_received;

/* Reads the message with sequence from source, imported here.
 * Returns: ZK_OK; ZK_ERR_NOT_FOUND; ZK_ERR_DB. */
int ledger_received_message(ledger *l, uint64_t source, uint64_t sequence, ledger_received *out,
                            zk_buf *payload) __attribute__((warn_unused_result));

/* Channel counters: the next sequence this chain assigns to messages for peer
 * (dir ST_CHANNEL_OUT) or expects from it (ST_CHANNEL_IN, counting queued imports
 * when with_queued). Returns: ZK_OK or ZK_ERR_DB. */
int ledger_channel_next(ledger *l, unsigned dir, uint64_t peer, int with_queued, uint64_t *next)
    __attribute__((warn_unused_result));

/* A bridged-asset balance (the native coin: ledger_account), and the chain's local
 * balance of a bridged asset. Returns: ZK_OK or ZK_ERR_DB. */
int ledger_asset_balance(ledger *l, const uint8_t addr[20], const st_asset *asset, u256 *balance)
    __attribute__((warn_unused_result));
int ledger_local_balance(ledger *l, const st_asset *asset, u256 *amount)
    __attribute__((warn_unused_result));

/* eth_call of a system address's read function (docs/CHAIN.md): ABI-encoded
 * return data appended to ret. A call to any other address returns nothing.
 * Out: *reason when refused ("execution reverted: ...").
 * Returns: ZK_OK; ZK_ERR_PARSE / ZK_ERR_UNSUPPORTED with *reason; ZK_ERR_DB. */
int ledger_call(ledger *l, const uint8_t to[20], const uint8_t *data, size_t len, zk_buf *ret,
                const char **reason) __attribute__((warn_unused_result));

/* Gas a call to to with data adds to the intrinsic gas (LEDGER_SEND_GAS for a
 * send, LEDGER_TRANSFER_GAS for an asset transfer, 0 otherwise), by address and
 * selector alone: what eth_estimateGas adds. */
uint64_t ledger_call_gas(const uint8_t to[20], const uint8_t *data, size_t len);

/* Makes root an interop root imports may be proven against (the gateway's, once it
 * produced it). Idempotent. Returns: ZK_OK; ZK_ERR_INVALID_ARG (the zero digest,
 * an element not below p); ZK_ERR_DB. */
int ledger_add_interop_root(ledger *l, const p2_digest *root) __attribute__((warn_unused_result));

/* One message offered for import, with its inclusion proof: the message leaf at
 * exit_index of the source's exit tree (exit_path, under interop.exit_root), and
 * the source's interop leaf at interop_index under interop_root. */
typedef struct ledger_import {
    st_message msg;
    const uint8_t *payload; /* hashes to msg.payload_hash */
    size_t payload_len;
    uint64_t exit_index;
    p2_digest exit_path[SMT_DEPTH];
    st_interop interop;
    uint64_t interop_index;
    p2_digest interop_path[SMT_DEPTH];
    p2_digest interop_root;
} ledger_import;

/* Checks each import (known root, both paths, destination, version, payload hash,
 * asset, channel sequence against the next expected one counting queued imports)
 * and queues the accepted ones, durably, for the next block; they are applied in
 * sequence order at the start of a block. A rejected import does not stop the
 * ones after it. res[k].code: ZK_OK (queued), ZK_ERR_EXISTS ("already imported":
 * the same message again, harmless), or the rejection with res[k].reason.
 * Returns: ZK_OK (whatever each result); ZK_ERR_INVALID_ARG (n too large); ZK_ERR_DB
 * (nothing queued). */
int ledger_import_messages(ledger *l, const ledger_import *m, size_t n, ledger_tx_result *res)
    __attribute__((warn_unused_result));

/* Returns: imports queued for the next block. */
uint64_t ledger_queued_imports(const ledger *l);

/* ---- privacy of a private chain (docs/PRIVACY.md, "Private chains") ---- */

/* The stored encoding of a message, which is also the start of an envelope's
 * plaintext (then the payload): version 4, source 8, destination 8, sequence 8
 * (LE), sender 20, recipient 20, asset origin 8 (LE), token 32, amount 32 (BE),
 * payload hash 32, salt 32 (8 canonical elements, 4 bytes LE each). */
#define LEDGER_MSG_BYTES 204u
/* The most peers (chains this one can send to when private), and auditors (extra
 * recipients of every envelope: one slot is the destination's). */
#define LEDGER_MAX_PEERS    1024u
#define LEDGER_MAX_AUDITORS (ENV_MAX_RECIPIENTS - 1)

void ledger_msg_encode(uint8_t out[LEDGER_MSG_BYTES], const st_message *m);
/* Returns: ZK_OK or ZK_ERR_PARSE (a salt element not below p). */
int ledger_msg_decode(st_message *m, const uint8_t in[LEDGER_MSG_BYTES])
    __attribute__((warn_unused_result));

/* A chain this one may send to, and the key its envelopes are sealed to. */
typedef struct ledger_peer {
    uint64_t chain_id;
    uint8_t public_key[ECIES_PUBKEY_LEN]; /* uncompressed, on the curve */
} ledger_peer;

/* How private a ledger is (docs/CHAIN.md, "Private chains"). */
typedef struct ledger_privacy {
    int private_chain;        /* 1: salted commitments, secret message salts, envelopes */
    const ledger_peer *peers; /* copied; at most LEDGER_MAX_PEERS, no chain twice */
    size_t n_peers;
    const uint8_t (*auditors)[ECIES_PUBKEY_LEN]; /* copied; at most LEDGER_MAX_AUDITORS */
    size_t n_auditors;
} ledger_privacy;

/* Sets the privacy of an open ledger, before any block is applied through it. A
 * private chain's store holds a 32-byte state secret (made with RAND_bytes when
 * first set private, kept for good): a store that has one is private whatever
 * the caller says, and setting it public is refused, since the zero salt would
 * publish its state root. On a private ledger, a send to a chain without a peer
 * key is refused by ledger_check_tx(_at) and reverts in a block.
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (too many peers or auditors, a chain twice,
 * this chain or chain 0 as a peer, a key not on the curve); ZK_ERR_CONFIG (public
 * asked of a private store); ZK_ERR_CRYPTO; ZK_ERR_DB; ZK_ERR_NOMEM. */
int ledger_set_privacy(ledger *l, const ledger_privacy *p) __attribute__((warn_unused_result));

/* Returns: 1 when the ledger is private (its store holds a state secret). */
int ledger_is_private(const ledger *l);

/* The salt of block number's state commitment: zero on a public chain; on a
 * private one 8 elements derived from the state secret and the block number
 * (docs/PRIVACY.md). Secret: wipe it (pc_salt_wipe).
 * Returns: ZK_OK; ZK_ERR_CRYPTO; ZK_ERR_INVALID_ARG. */
int ledger_state_salt(const ledger *l, uint64_t number, pc_salt *salt)
    __attribute__((warn_unused_result));

/* Appends the envelope of sent message index to env (nothing on a public chain,
 * where messages are not sealed). Returns: ZK_OK; ZK_ERR_NOT_FOUND; ZK_ERR_DB;
 * zk_buf_append's errors. */
int ledger_sent_envelope(ledger *l, uint64_t index, zk_buf *env)
    __attribute__((warn_unused_result));

#endif
