/* Internals shared by the ledger's source files (ledger.c: accounts, blocks,
 * replay; ledger_msg.c: system calls, messages, imports). Not a public header. */
#ifndef ZKGATE_CHAINS_LEDGER_INTERNAL_H
#define ZKGATE_CHAINS_LEDGER_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "chains/ledger.h"
#include "chains/smt.h"
#include "chains/state.h"
#include "common/db.h"

typedef unsigned __int128 u128;
#define U128_MAX (~(u128)0)

/* The most account-tree writes one block queues: a transaction touches at most
 * five leaves (sender, recipient, operator, and a bridged asset's two), an import
 * three (escrow, recipient, or the recipient's asset leaf). */
#define TOUCH_MAX (5u * LEDGER_MAX_BLOCK_TXS + 3u * LEDGER_MAX_BLOCK_IMPORTS + LEDGER_MAX_ALLOC)

/* An account as the ledger works on it. */
typedef struct lacct {
    u128 bal;
    uint64_t nonce;
    uint32_t leaf;
    int exists; /* has a row and a leaf index */
} lacct;

/* An account the block being applied has read or written. */
typedef struct bacct {
    uint8_t addr[20];
    int used;  /* the slot holds an account */
    int dirty; /* written: its row and leaf are stored when the block ends */
    lacct a;
} bacct;

/* What a transaction to a system address asks for (docs/CHAIN.md, "System
 * addresses"). */
typedef enum lm_kind { LM_NONE = 0, LM_SEND, LM_TRANSFER } lm_kind;
typedef struct lm_call {
    lm_kind kind;
    uint64_t dest;  /* LM_SEND: destination chain */
    uint8_t to[20]; /* LM_SEND: recipient there; LM_TRANSFER: recipient here */
    st_asset asset;
    u128 amount;
    int native;             /* the asset is this chain's native coin */
    const uint8_t *payload; /* LM_SEND: points into the transaction's data */
    size_t payload_len;
} lm_call;

/* Selectors of the system addresses' functions (ledger_msg.c). */
enum {
    LM_SEL_SEND,
    LM_SEL_TRANSFER,
    LM_SEL_BALANCE_OF,
    LM_SEL_EXIT_COUNT,
    LM_SEL_EXIT_ROOT,
    LM_SEL_NEXT_SEQ,
    LM_SEL_EXPECTED_SEQ,
    LM_SEL_LOCAL_BALANCE,
    LM_SEL_COUNT
};

struct ledger {
    zk_db *db; /* owned */
    smt *tree; /* the account tree, owned */
    uint64_t chain_id;
    uint64_t base_fee;
    uint8_t op[20];
    ledger_block head; /* the latest stored block */
    ledger_fault_fn fault;
    void *fault_arg;
    /* Leaf writes queued for the block being applied (last one of an index wins). */
    uint32_t *touch_idx;
    p2_digest *touch_leaf;
    size_t touch_n, touch_cap;
    /* The accounts of the block being applied, so that each is read from the store
     * once and its row and leaf (a Poseidon2 hash) are written once per block however
     * many of the block's txs touch it (the operator: all of them). Open addressing
     * on a hash keyed per handle: addresses can be ground to collide under a fixed
     * one. */
    bacct *bc;
    size_t bc_cap;      /* a power of two, more than twice bc_n */
    uint32_t *bc_order; /* used slots, in first-use order */
    size_t bc_n;
    uint64_t bc_key[2];
    /* Message trees (ledger_msg.c), owned. */
    smt *exit;
    smt *local;
    smt *chan;
    uint64_t queued; /* imports waiting for a block */
    uint8_t sel[LM_SEL_COUNT][4];
    /* Privacy (ledger_private.c). */
    int priv;                 /* the store holds a state secret: a private chain */
    uint8_t state_secret[32]; /* secret; wiped by lp_free */
    ledger_peer *peers;       /* owned */
    size_t n_peers;
    uint8_t (*auditors)[ECIES_PUBKEY_LEN]; /* owned */
    size_t n_auditors;
    /* Replay only: the store being replayed, whose sent messages' salts a send
     * reuses (a fresh salt would give another leaf). Not owned. */
    zk_db *replay_src;
    /* What the last block changed (ledger_last_changes). */
    ledger_change *changes;
    size_t n_changes, cap_changes;
};

/* ---- numbers ---- */

/* Returns 1 and *v when x < 2^128. */
static inline int lg_u128_from_u256(const u256 *x, u128 *v)
{
    for (int i = 0; i < 16; i++)
        if (x->b[i])
            return 0;
    u128 r = 0;
    for (int i = 16; i < 32; i++)
        r = r << 8 | x->b[i];
    *v = r;
    return 1;
}

/* Values at or above 2^128 become U128_MAX: every comparison against a balance
 * (always below 2^128) then comes out as it would with the exact value. */
static inline u128 lg_u128_sat(const u256 *x)
{
    u128 v;
    return lg_u128_from_u256(x, &v) ? v : U128_MAX;
}

static inline void lg_u256_from_u128(u256 *out, u128 v)
{
    memset(out->b, 0, 16);
    for (int i = 31; i >= 16; i--, v >>= 8)
        out->b[i] = (uint8_t)v;
}

static inline void lg_be16_from_u128(uint8_t out[16], u128 v)
{
    for (int i = 15; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static inline u128 lg_u128_from_be16(const uint8_t in[16])
{
    u128 r = 0;
    for (int i = 0; i < 16; i++)
        r = r << 8 | in[i];
    return r;
}

/* The block's view of an account's native leaf: read from the store on first use. */
int lg_acct_get(ledger *l, const uint8_t addr[20], lacct *a) __attribute__((warn_unused_result));
/* Records a's new state for the block (lg_acct_get read it first). */
int lg_acct_put(ledger *l, const uint8_t addr[20], lacct *a) __attribute__((warn_unused_result));
/* Copies a blob column of exactly n bytes, or fails naming what. */
int lg_blob_fixed(sqlite3_stmt *st, int col, uint8_t *out, size_t n, const char *what)
    __attribute__((warn_unused_result));
/* Queues an account-tree leaf write for the block being applied. */
int lg_touch(ledger *l, uint32_t index, const p2_digest *leaf) __attribute__((warn_unused_result));

/* ---- ledger_msg.c ---- */

/* Opens the message trees and counts the queued imports. */
int lm_open(ledger *l) __attribute__((warn_unused_result));
void lm_free(ledger *l);
/* After a rolled-back block: forgets the trees' cached writes. */
int lm_reload(ledger *l) __attribute__((warn_unused_result));
/* The stateless checks of a transaction's call (NULL reason when it is not a
 * system call or a valid one; c->kind then says which). */
int lm_parse(const ledger *l, const eth_tx *tx, lm_call *c, const char **reason);
/* Gas a parsed call adds to the intrinsic gas. */
uint64_t lm_call_gas(const lm_call *c);
/* Runs a parsed system call inside the block's transaction: on a stateful failure
 * writes nothing and sets *revert. */
int lm_exec(ledger *l, const eth_tx *tx, const lm_call *c, uint64_t block, const char **revert)
    __attribute__((warn_unused_result));
/* Applies queued imports (in queue order, at most LEDGER_MAX_BLOCK_IMPORTS) as the
 * start of block number, inside its transaction. Out: *count applied. */
int lm_apply_imports(ledger *l, uint64_t block, uint32_t *count)
    __attribute__((warn_unused_result));
/* The roots the state root covers, and the state root. */
int lm_state(const ledger *l, st_state *s, p2_digest *root) __attribute__((warn_unused_result));
/* Stores the roots of block number (inside its transaction). */
int lm_block_state_put(ledger *l, uint64_t number, const st_state *s)
    __attribute__((warn_unused_result));
/* Replay: queues the imports block number of src applied, without their proofs. */
int lm_replay_imports(zk_db *src, ledger *scratch, uint64_t number)
    __attribute__((warn_unused_result));

/* ---- ledger_private.c ---- */

/* Reads the state secret if the store has one (the ledger is then private). */
int lp_open(ledger *l) __attribute__((warn_unused_result));
/* Wipes the secret, frees the peers and auditors. */
void lp_free(ledger *l);
/* Admission: on a private ledger, a send to a chain without a peer key is refused
 * ("execution reverted: destination chain N has no public key in this chain's
 * config"). Returns ZK_OK or ZK_ERR_UNSUPPORTED with *reason. */
int lp_check_send(const ledger *l, const eth_tx *tx, const char **reason);
/* In a block: the salt of the message a send creates at exit index idx, or a
 * revert (*revert set, salt zero): a fresh salt on a private chain (the revert
 * when the destination has no key), zero on a public one, the stored one in a
 * replay (the revert when the replayed store has no message of this tx there). */
int lp_send_salt(ledger *l, const eth_tx *tx, uint64_t dest, uint64_t idx, pc_salt *salt,
                 const char **revert) __attribute__((warn_unused_result));
/* Seals a sent message (plaintext: its encoding, then the payload) for its
 * destination's key and the auditors into env; nothing on a public chain or in a
 * replay. */
int lp_seal(ledger *l, const st_message *m, const p2_digest *leaf, const uint8_t *payload,
            size_t len, zk_buf *env) __attribute__((warn_unused_result));

#endif
