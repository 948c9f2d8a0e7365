/* The ledger's messaging: system-address calls (bridged-asset transfers,
 * cross-chain sends), the exit, channel and local balance trees, imports with
 * inclusion proofs, and the state root over all trees. Rules: docs/CHAIN.md,
 * "System addresses" and "Messages and imports"; leaf encodings: docs/PROTOCOL.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/abi.h"
#include "chains/ledger.h"
#include "chains/ledger_internal.h"
#include "common/error.h"
#include "common/keccak.h"
#include "privacy/commit.h"

#include <openssl/crypto.h>

#define SYS_ADDR(last)                                                                             \
    {                                                                                              \
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x5a, 0x4b, 0x00, (last)                   \
    }
const uint8_t LEDGER_ADDR_ASSETS[20] = SYS_ADDR(1);
const uint8_t LEDGER_ADDR_OUTBOX[20] = SYS_ADDR(2);
const uint8_t LEDGER_ADDR_INBOX[20] = SYS_ADDR(3);

/* The most imports one ledger_import_messages call takes. */
#define IMPORT_MAX_CALL 1024u
/* Stored message: ledger_msg_encode (ledger.h). */
#define MSG_BYTES LEDGER_MSG_BYTES

static const char *const SIGS[LM_SEL_COUNT] = {
    [LM_SEL_SEND] = "send(uint64,address,uint64,bytes32,uint256,bytes)",
    [LM_SEL_TRANSFER] = "transfer(uint64,bytes32,address,uint256)",
    [LM_SEL_BALANCE_OF] = "balanceOf(uint64,bytes32,address)",
    [LM_SEL_EXIT_COUNT] = "exitCount()",
    [LM_SEL_EXIT_ROOT] = "exitRoot()",
    [LM_SEL_NEXT_SEQ] = "nextSequence(uint64)",
    [LM_SEL_EXPECTED_SEQ] = "expectedSequence(uint64)",
    [LM_SEL_LOCAL_BALANCE] = "localBalance(uint64,bytes32)",
};

static const char SQL_ASSET_GET[] =
    "SELECT balance, leaf FROM ledger_asset WHERE address = ? AND origin = ? AND token = ?";
static const char SQL_ASSET_PUT[] =
    "INSERT INTO ledger_asset (address, origin, token, balance, leaf) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (address, origin, token) DO UPDATE SET balance = excluded.balance";
static const char SQL_LOCAL_GET[] =
    "SELECT amount, leaf FROM ledger_local WHERE origin = ? AND token = ?";
static const char SQL_LOCAL_PUT[] =
    "INSERT INTO ledger_local (origin, token, amount, leaf) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (origin, token) DO UPDATE SET amount = excluded.amount";
static const char SQL_CHAN_GET[] =
    "SELECT next, leaf FROM ledger_channel WHERE dir = ? AND peer = ?";
static const char SQL_CHAN_PUT[] =
    "INSERT INTO ledger_channel (dir, peer, next, leaf) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (dir, peer) DO UPDATE SET next = excluded.next";
static const char SQL_OUT_PUT[] = "INSERT INTO ledger_outbox (idx, block, tx_hash, dest, seq, msg,"
                                  " payload, leaf, envelope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_OUT_ENV[] = "SELECT envelope FROM ledger_outbox WHERE idx = ?";
static const char SQL_OUT_GET[] =
    "SELECT block, tx_hash, msg, payload, leaf FROM ledger_outbox WHERE idx = ?";
static const char SQL_ROOT_KNOWN[] = "SELECT 1 FROM ledger_interop_root WHERE root = ?";
static const char SQL_ROOT_PUT[] =
    "INSERT INTO ledger_interop_root (root, added) VALUES (?, ?) ON CONFLICT (root) DO NOTHING";
static const char SQL_Q_PUT[] = "INSERT INTO ledger_import_queue (source, seq, msg, payload, leaf,"
                                " root) VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_Q_MAX[] = "SELECT max(seq) FROM ledger_import_queue WHERE source = ?";
static const char SQL_Q_COUNT[] = "SELECT count(*) FROM ledger_import_queue";
static const char SQL_Q_NATIVE[] = "SELECT msg FROM ledger_import_queue";
static const char SQL_Q_LIST[] =
    "SELECT qid, source, seq, msg FROM ledger_import_queue ORDER BY qid LIMIT ?";
static const char SQL_Q_DONE[] = "DELETE FROM ledger_import_queue WHERE qid <= ?";
static const char SQL_IN_PUT[] =
    "INSERT INTO ledger_inbox (source, seq, block, pos, msg, payload, leaf, root)"
    " SELECT source, seq, ?, ?, msg, payload, leaf, root FROM ledger_import_queue WHERE qid = ?";
static const char SQL_SEEN[] =
    "SELECT leaf, 1, block FROM ledger_inbox WHERE source = ?1 AND seq = ?2"
    " UNION ALL SELECT leaf, 0, 0 FROM ledger_import_queue WHERE source = ?1 AND seq = ?2";
static const char SQL_RECV_GET[] =
    "SELECT msg, payload, leaf, 1, block FROM ledger_inbox WHERE source = ?1 AND seq = ?2"
    " UNION ALL SELECT msg, payload, leaf, 0, 0 FROM ledger_import_queue"
    " WHERE source = ?1 AND seq = ?2";
static const char SQL_BSTATE_PUT[] =
    "INSERT INTO ledger_block_state (number, account_root, local_root, channel_root, exit_root,"
    " exit_count) VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_BSTATE_GET[] = "SELECT account_root, local_root, channel_root, exit_root,"
                                     " exit_count FROM ledger_block_state WHERE number = ?";
static const char SQL_INBOX_OF_BLOCK[] =
    "SELECT source, seq, msg, payload, leaf, root FROM ledger_inbox WHERE block = ? ORDER BY pos";
static const char SQL_Q_RAW[] = "INSERT INTO ledger_import_queue (source, seq, msg, payload, leaf,"
                                " root) VALUES (?, ?, ?, ?, ?, ?)";

static const uint8_t ZERO32[32];

/* ---- encodings ---- */

static void digest_bytes(uint8_t out[32], const p2_digest *d)
{
    pc_encode8(out, d->v);
}

static int digest_col(sqlite3_stmt *st, int col, p2_digest *d, const char *what)
{
    uint8_t b[32];
    int e = lg_blob_fixed(st, col, b, 32, what);
    if (!e && pc_decode8(d->v, b))
        e = zk_err_set(ZK_ERR_DB, "ledger: stored %s is not a digest", what);
    return e;
}

void ledger_msg_encode(uint8_t out[MSG_BYTES], const st_message *m)
{
    uint8_t *p = out;
    zk_store_le32(p, m->version);
    zk_store_le64(p + 4, m->source_chain);
    zk_store_le64(p + 12, m->dest_chain);
    zk_store_le64(p + 20, m->sequence);
    memcpy(p + 28, m->sender, 20);
    memcpy(p + 48, m->recipient, 20);
    zk_store_le64(p + 68, m->asset.origin_chain);
    memcpy(p + 76, m->asset.token, 32);
    memcpy(p + 108, m->amount.b, 32);
    memcpy(p + 140, m->payload_hash, 32);
    pc_encode8(p + 172, m->salt.v);
}

int ledger_msg_decode(st_message *m, const uint8_t b[MSG_BYTES])
{
    memset(m, 0, sizeof *m);
    m->version = zk_load_le32(b);
    m->source_chain = zk_load_le64(b + 4);
    m->dest_chain = zk_load_le64(b + 12);
    m->sequence = zk_load_le64(b + 20);
    memcpy(m->sender, b + 28, 20);
    memcpy(m->recipient, b + 48, 20);
    m->asset.origin_chain = zk_load_le64(b + 68);
    memcpy(m->asset.token, b + 76, 32);
    memcpy(m->amount.b, b + 108, 32);
    memcpy(m->payload_hash, b + 140, 32);
    if (pc_decode8(m->salt.v, b + 172))
        return zk_err_set(ZK_ERR_PARSE, "message salt: an element is not below p");
    return ZK_OK;
}

static int msg_col(sqlite3_stmt *st, int col, st_message *m)
{
    uint8_t b[MSG_BYTES];
    int e = lg_blob_fixed(st, col, b, sizeof b, "message");
    if (!e && ledger_msg_decode(m, b))
        e = zk_err_set(ZK_ERR_DB, "ledger: stored message salt is not canonical");
    OPENSSL_cleanse(b, sizeof b);
    return e;
}

static int is_native(const ledger *l, const st_asset *a)
{
    return a->origin_chain == l->chain_id && memcmp(a->token, ZERO32, 32) == 0;
}

static int is_system(const uint8_t a[20])
{
    return !memcmp(a, LEDGER_ADDR_ASSETS, 20) || !memcmp(a, LEDGER_ADDR_OUTBOX, 20) ||
           !memcmp(a, LEDGER_ADDR_INBOX, 20);
}

/* ---- trees and tables ---- */

int lm_open(ledger *l)
{
    for (int i = 0; i < LM_SEL_COUNT; i++)
        abi_selector(l->sel[i], SIGS[i]);
    int e = smt_new(&l->exit, l->db, ST_TREE_EXIT, 0);
    if (!e)
        e = smt_new(&l->local, l->db, ST_TREE_LOCAL_BALANCE, 0);
    if (!e)
        e = smt_new(&l->chan, l->db, ST_TREE_CHANNEL, 0);
    return e ? e : lm_reload(l);
}

void lm_free(ledger *l)
{
    smt_free(l->exit);
    smt_free(l->local);
    smt_free(l->chan);
    l->exit = l->local = l->chan = NULL;
}

int lm_reload(ledger *l)
{
    int e = ZK_OK;
    smt *trees[3] = {l->exit, l->local, l->chan};
    for (int i = 0; !e && i < 3; i++)
        if (trees[i])
            e = smt_reload(trees[i]);
    sqlite3_stmt *st;
    int row = 0;
    if (!e)
        e = db_stmt(l->db, SQL_Q_COUNT, &st);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && row)
        l->queued = (uint64_t)sqlite3_column_int64(st, 0);
    if (!e)
        sqlite3_reset(st);
    return e;
}

uint64_t ledger_queued_imports(const ledger *l)
{
    return l ? l->queued : 0;
}

static int asset_get(ledger *l, const uint8_t addr[20], const st_asset *a, u128 *bal,
                     uint32_t *leaf, int *exists)
{
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_ASSET_GET, &st);
    *bal = 0;
    *exists = 0;
    if (!e)
        e = db_bind(st, "bub", addr, (size_t)20, a->origin_chain, a->token, (size_t)32);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && row) {
        uint8_t be[16];
        e = lg_blob_fixed(st, 0, be, 16, "asset balance");
        *bal = lg_u128_from_be16(be);
        *leaf = (uint32_t)sqlite3_column_int64(st, 1);
        *exists = 1;
    }
    sqlite3_reset(st);
    return e ? zk_err_wrap(e, "ledger: reading an asset balance: ") : ZK_OK;
}

/* Stores a bridged-asset balance and queues its account-tree leaf. */
static int asset_put(ledger *l, const uint8_t addr[20], const st_asset *a, u128 bal, uint32_t leaf,
                     int exists)
{
    int e = exists ? ZK_OK : st_account_index(l->db, l->tree, addr, a, 1, &leaf);
    st_account acc = {.asset = *a};
    memcpy(acc.address, addr, 20);
    lg_u256_from_u128(&acc.balance, bal);
    p2_digest d;
    if (!e)
        e = st_account_leaf(&d, &acc);
    if (!e)
        e = lg_touch(l, leaf, &d);
    uint8_t be[16];
    lg_be16_from_u128(be, bal);
    sqlite3_stmt *st;
    if (!e)
        e = db_stmt(l->db, SQL_ASSET_PUT, &st);
    if (!e)
        e = db_bind(st, "bubbi", addr, (size_t)20, a->origin_chain, a->token, (size_t)32, be,
                    sizeof be, (int64_t)leaf);
    if (!e)
        e = db_step(l->db, st, NULL);
    return e ? zk_err_wrap(e, "ledger: writing an asset balance: ") : ZK_OK;
}

static int local_get(ledger *l, const st_asset *a, u128 *amt, uint32_t *leaf, int *exists)
{
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_LOCAL_GET, &st);
    *amt = 0;
    *exists = 0;
    if (!e)
        e = db_bind(st, "ub", a->origin_chain, a->token, (size_t)32);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && row) {
        uint8_t be[16];
        e = lg_blob_fixed(st, 0, be, 16, "local balance");
        *amt = lg_u128_from_be16(be);
        *leaf = (uint32_t)sqlite3_column_int64(st, 1);
        *exists = 1;
    }
    sqlite3_reset(st);
    return e ? zk_err_wrap(e, "ledger: reading a local balance: ") : ZK_OK;
}

static int local_put(ledger *l, const st_asset *a, u128 amt, uint32_t leaf, int exists)
{
    int e = exists ? ZK_OK : smt_alloc_index(l->local, &leaf);
    u256 v;
    lg_u256_from_u128(&v, amt);
    p2_digest d;
    if (!e)
        e = st_local_leaf(&d, a, &v);
    if (!e)
        e = smt_set(l->local, leaf, &d);
    uint8_t be[16];
    lg_be16_from_u128(be, amt);
    sqlite3_stmt *st;
    if (!e)
        e = db_stmt(l->db, SQL_LOCAL_PUT, &st);
    if (!e)
        e = db_bind(st, "ubbi", a->origin_chain, a->token, (size_t)32, be, sizeof be,
                    (int64_t)leaf);
    if (!e)
        e = db_step(l->db, st, NULL);
    return e ? zk_err_wrap(e, "ledger: writing a local balance: ") : ZK_OK;
}

static int chan_get(ledger *l, unsigned dir, uint64_t peer, uint64_t *next, uint32_t *leaf,
                    int *exists)
{
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_CHAN_GET, &st);
    *next = 0;
    *exists = 0;
    if (!e)
        e = db_bind(st, "uu", (uint64_t)dir, peer);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && row) {
        *next = (uint64_t)sqlite3_column_int64(st, 0);
        *leaf = (uint32_t)sqlite3_column_int64(st, 1);
        *exists = 1;
    }
    sqlite3_reset(st);
    return e ? zk_err_wrap(e, "ledger: reading a channel: ") : ZK_OK;
}

static int chan_put(ledger *l, unsigned dir, uint64_t peer, uint64_t next, uint32_t leaf,
                    int exists)
{
    int e = exists ? ZK_OK : smt_alloc_index(l->chan, &leaf);
    p2_digest d;
    if (!e)
        e = st_channel_leaf(&d, dir, peer, next);
    if (!e)
        e = smt_set(l->chan, leaf, &d);
    sqlite3_stmt *st;
    if (!e)
        e = db_stmt(l->db, SQL_CHAN_PUT, &st);
    if (!e)
        e = db_bind(st, "uuui", (uint64_t)dir, peer, next, (int64_t)leaf);
    if (!e)
        e = db_step(l->db, st, NULL);
    return e ? zk_err_wrap(e, "ledger: writing a channel: ") : ZK_OK;
}

/* ---- state ---- */

int lm_state(const ledger *l, st_state *s, p2_digest *root)
{
    smt_root(l->tree, &s->account_root);
    smt_root(l->local, &s->local_root);
    smt_root(l->chan, &s->channel_root);
    smt_root(l->exit, &s->exit_root);
    s->exit_count = smt_count(l->exit);
    return st_state_root(root, s);
}

int lm_block_state_put(ledger *l, uint64_t number, const st_state *s)
{
    uint8_t r[4][32];
    digest_bytes(r[0], &s->account_root);
    digest_bytes(r[1], &s->local_root);
    digest_bytes(r[2], &s->channel_root);
    digest_bytes(r[3], &s->exit_root);
    sqlite3_stmt *st;
    int e = db_stmt(l->db, SQL_BSTATE_PUT, &st);
    if (!e)
        e = db_bind(st, "ubbbbu", number, r[0], (size_t)32, r[1], (size_t)32, r[2], (size_t)32,
                    r[3], (size_t)32, s->exit_count);
    if (!e)
        e = db_step(l->db, st, NULL);
    return e ? zk_err_wrap(e, "ledger: storing block %llu's roots: ", (unsigned long long)number)
             : ZK_OK;
}

int ledger_state_at(ledger *l, uint64_t number, ledger_state *out)
{
    if (!l || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_state_at: NULL argument");
    if (number > INT64_MAX)
        return zk_err_set(ZK_ERR_NOT_FOUND, "ledger: no block %llu", (unsigned long long)number);
    memset(out, 0, sizeof *out);
    out->block = number;
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_BSTATE_GET, &st);
    if (!e)
        e = db_bind(st, "u", number);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && !row)
        e = zk_err_set(ZK_ERR_NOT_FOUND, "ledger: no block %llu", (unsigned long long)number);
    if (!e)
        e = digest_col(st, 0, &out->roots.account_root, "account root");
    if (!e)
        e = digest_col(st, 1, &out->roots.local_root, "local balance root");
    if (!e)
        e = digest_col(st, 2, &out->roots.channel_root, "channel root");
    if (!e)
        e = digest_col(st, 3, &out->roots.exit_root, "exit root");
    if (!e)
        out->roots.exit_count = (uint64_t)sqlite3_column_int64(st, 4);
    sqlite3_reset(st);
    if (!e)
        e = st_state_root(&out->state_root, &out->roots);
    /* A public chain has nothing to hide: its commitment uses the zero salt, so
     * the circuit and the interop leaf treat both kinds of chain alike. A private
     * chain's salt is secret and changes with every block (ledger_state_salt). */
    pc_salt salt;
    if (!e)
        e = ledger_state_salt(l, number, &salt);
    if (!e)
        e = pc_state_commit(&out->commitment, &out->state_root, &salt);
    pc_salt_wipe(&salt);
    return e;
}

/* ---- system calls ---- */

static int refuse(const char **reason, const char *why)
{
    *reason = why;
    return zk_err_set(ZK_ERR_UNSUPPORTED, "%s", why);
}

int lm_parse(const ledger *l, const eth_tx *tx, lm_call *c, const char **reason)
{
    memset(c, 0, sizeof *c);
    *reason = NULL;
    if (!tx->has_to || !is_system(tx->to)) {
        /* Calldata means something only to system addresses: without an EVM,
         * accepting it would tell a wallet that a contract call ran. */
        if (tx->data_len)
            return refuse(reason, "transaction type not supported");
        return ZK_OK;
    }
    if (tx->data_len < 4)
        return refuse(reason, "execution reverted: a system address takes a call, not a transfer");
    const uint8_t *sel = tx->data, *args = tx->data + 4;
    size_t alen = tx->data_len - 4;
    int outbox = !memcmp(tx->to, LEDGER_ADDR_OUTBOX, 20);
    int assets = !memcmp(tx->to, LEDGER_ADDR_ASSETS, 20);
    u128 value = 0;
    int value_ok = lg_u128_from_u256(&tx->value, &value);
    abi_value v[6];
    if (outbox && !memcmp(sel, l->sel[LM_SEL_SEND], 4)) {
        static const abi_type t[6] = {ABI_UINT64,  ABI_ADDRESS, ABI_UINT64,
                                      ABI_BYTES32, ABI_UINT256, ABI_BYTES};
        if (abi_decode(v, t, 6, args, alen, LEDGER_MAX_PAYLOAD))
            return refuse(reason, "execution reverted: malformed send call");
        c->kind = LM_SEND;
        c->dest = v[0].u64;
        memcpy(c->to, v[1].addr, 20);
        c->asset.origin_chain = v[2].u64;
        memcpy(c->asset.token, v[3].b32, 32);
        c->payload = v[5].bytes;
        c->payload_len = v[5].bytes_len;
        if (!lg_u128_from_u256(&v[4].u256, &c->amount))
            return refuse(reason, "execution reverted: amount at or above 2^128");
        if (c->dest == 0 || c->dest == l->chain_id)
            return refuse(reason, "execution reverted: bad destination chain");
        if (!memcmp(c->to, ZERO32, 20))
            return refuse(reason, "execution reverted: recipient is the zero address");
        if (c->asset.origin_chain == 0)
            return refuse(reason, "execution reverted: asset origin chain 0");
        c->native = is_native(l, &c->asset);
        if (c->asset.origin_chain == l->chain_id && !c->native)
            return refuse(reason, "execution reverted: unknown asset");
        if (c->native && (!value_ok || value != c->amount))
            return refuse(reason, "execution reverted: value must equal the amount sent");
        if (!c->native && (!value_ok || value))
            return refuse(reason,
                          "execution reverted: value must be 0 when sending a bridged asset");
        if (!c->native && !c->amount)
            return refuse(reason, "execution reverted: zero amount of a bridged asset");
        return ZK_OK;
    }
    if (assets && !memcmp(sel, l->sel[LM_SEL_TRANSFER], 4)) {
        static const abi_type t[4] = {ABI_UINT64, ABI_BYTES32, ABI_ADDRESS, ABI_UINT256};
        if (abi_decode(v, t, 4, args, alen, 0))
            return refuse(reason, "execution reverted: malformed transfer call");
        c->kind = LM_TRANSFER;
        c->asset.origin_chain = v[0].u64;
        memcpy(c->asset.token, v[1].b32, 32);
        memcpy(c->to, v[2].addr, 20);
        if (!lg_u128_from_u256(&v[3].u256, &c->amount))
            return refuse(reason, "execution reverted: amount at or above 2^128");
        if (c->asset.origin_chain == l->chain_id)
            return refuse(reason, "execution reverted: the native coin moves by value transfer");
        if (c->asset.origin_chain == 0)
            return refuse(reason, "execution reverted: asset origin chain 0");
        if (!value_ok || value)
            return refuse(reason, "execution reverted: value must be 0");
        if (!c->amount)
            return refuse(reason, "execution reverted: zero amount");
        if (!memcmp(c->to, ZERO32, 20) || is_system(c->to))
            return refuse(reason, "execution reverted: bad recipient");
        return ZK_OK;
    }
    for (int i = LM_SEL_BALANCE_OF; i < LM_SEL_COUNT; i++)
        if (!memcmp(sel, l->sel[i], 4))
            return refuse(reason, "execution reverted: a read function (use eth_call)");
    return refuse(reason, "execution reverted: unknown function");
}

uint64_t lm_call_gas(const lm_call *c)
{
    return c->kind == LM_SEND ? LEDGER_SEND_GAS : c->kind == LM_TRANSFER ? LEDGER_TRANSFER_GAS : 0;
}

static int exec_send(ledger *l, const eth_tx *tx, const lm_call *c, uint64_t block,
                     const char **revert)
{
    u128 bal = 0, local = 0;
    uint32_t leaf = 0, lleaf = 0;
    int exists = 0, lexists = 0, e;
    if (!c->native) {
        if ((e = asset_get(l, tx->sender, &c->asset, &bal, &leaf, &exists)))
            return e;
        if (bal < c->amount) {
            *revert = "insufficient balance of the asset";
            return ZK_OK;
        }
        if ((e = local_get(l, &c->asset, &local, &lleaf, &lexists)))
            return e;
        /* The solvency rule: never send out more than the chain holds. Holders'
         * balances add up to the local balance, so this fails only on a bug. */
        if (local < c->amount) {
            *revert = "local balance of the asset is short";
            return ZK_OK;
        }
    }
    if (smt_count(l->exit) >= ((uint64_t)1 << SMT_DEPTH)) {
        *revert = "exit tree is full";
        return ZK_OK;
    }
    uint64_t seq;
    uint32_t cleaf = 0;
    int cexists;
    if ((e = chan_get(l, ST_CHANNEL_OUT, c->dest, &seq, &cleaf, &cexists)))
        return e;
    /* Before any write: on a private chain a destination without a key reverts. */
    pc_salt salt;
    if ((e = lp_send_salt(l, tx, c->dest, smt_count(l->exit), &salt, revert)) || *revert)
        return e;
    if (!c->native) {
        if ((e = asset_put(l, tx->sender, &c->asset, bal - c->amount, leaf, exists)))
            return e;
        if ((e = local_put(l, &c->asset, local - c->amount, lleaf, lexists)))
            return e;
    }
    st_message m = {.version = ST_MESSAGE_VERSION,
                    .source_chain = l->chain_id,
                    .dest_chain = c->dest,
                    .sequence = seq,
                    .asset = c->asset,
                    .salt = salt};
    pc_salt_wipe(&salt);
    memcpy(m.sender, tx->sender, 20);
    memcpy(m.recipient, c->to, 20);
    lg_u256_from_u128(&m.amount, c->amount);
    zk_keccak256(m.payload_hash, c->payload, c->payload_len);
    p2_digest d;
    uint32_t idx;
    uint8_t mb[MSG_BYTES], lb[32];
    zk_buf env;
    zk_buf_init(&env, ENV_MAX_LEN);
    if ((e = st_message_leaf(&d, &m)) || (e = smt_append(l->exit, &d, &idx)))
        e = zk_err_wrap(e, "ledger: appending a message: ");
    if (!e)
        e = chan_put(l, ST_CHANNEL_OUT, c->dest, seq + 1, cleaf, cexists);
    if (!e)
        e = lp_seal(l, &m, &d, c->payload, c->payload_len, &env);
    if (e) {
        pc_salt_wipe(&m.salt);
        zk_buf_free(&env);
        return e;
    }
    ledger_msg_encode(mb, &m);
    pc_salt_wipe(&m.salt);
    digest_bytes(lb, &d);
    sqlite3_stmt *st;
    e = db_stmt(l->db, SQL_OUT_PUT, &st);
    /* A public chain seals nothing: its envelope stays NULL. */
    if (!e)
        e = env.len ? db_bind(st, "uubuubbbb", (uint64_t)idx, block, tx->hash, (size_t)32, c->dest,
                              seq, mb, sizeof mb, c->payload ? c->payload : ZERO32, c->payload_len,
                              lb, sizeof lb, env.data, env.len)
                    : db_bind(st, "uubuubbbn", (uint64_t)idx, block, tx->hash, (size_t)32, c->dest,
                              seq, mb, sizeof mb, c->payload ? c->payload : ZERO32, c->payload_len,
                              lb, sizeof lb);
    OPENSSL_cleanse(mb, sizeof mb);
    zk_buf_free(&env);
    if (!e)
        e = db_step(l->db, st, NULL);
    return e ? zk_err_wrap(e, "ledger: storing sent message %u: ", idx) : ZK_OK;
}

static int exec_transfer(ledger *l, const eth_tx *tx, const lm_call *c, const char **revert)
{
    u128 sb, rb;
    uint32_t sl = 0, rl = 0;
    int se, re;
    int e = asset_get(l, tx->sender, &c->asset, &sb, &sl, &se);
    if (e)
        return e;
    if (sb < c->amount) {
        *revert = "insufficient balance of the asset";
        return ZK_OK;
    }
    if (!memcmp(tx->sender, c->to, 20))
        return ZK_OK; /* to oneself: nothing moves */
    if ((e = asset_get(l, c->to, &c->asset, &rb, &rl, &re)))
        return e;
    if (rb + c->amount < rb)
        return zk_err_set(ZK_ERR_INTERNAL, "ledger: an asset balance passed its supply");
    if ((e = asset_put(l, tx->sender, &c->asset, sb - c->amount, sl, se)))
        return e;
    return asset_put(l, c->to, &c->asset, rb + c->amount, rl, re);
}

int lm_exec(ledger *l, const eth_tx *tx, const lm_call *c, uint64_t block, const char **revert)
{
    *revert = NULL;
    if (c->kind == LM_SEND)
        return exec_send(l, tx, c, block, revert);
    if (c->kind == LM_TRANSFER)
        return exec_transfer(l, tx, c, revert);
    return ZK_OK;
}

uint64_t ledger_call_gas(const uint8_t to[20], const uint8_t *data, size_t len)
{
    uint8_t sel[4];
    if (!to || !data || len < 4)
        return 0;
    if (!memcmp(to, LEDGER_ADDR_OUTBOX, 20)) {
        abi_selector(sel, SIGS[LM_SEL_SEND]);
        return memcmp(sel, data, 4) ? 0 : LEDGER_SEND_GAS;
    }
    if (!memcmp(to, LEDGER_ADDR_ASSETS, 20)) {
        abi_selector(sel, SIGS[LM_SEL_TRANSFER]);
        return memcmp(sel, data, 4) ? 0 : LEDGER_TRANSFER_GAS;
    }
    return 0;
}

/* ---- reads ---- */

int ledger_asset_balance(ledger *l, const uint8_t addr[20], const st_asset *asset, u256 *balance)
{
    if (!l || !addr || !asset || !balance)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_asset_balance: NULL argument");
    if (is_native(l, asset))
        return ledger_account(l, addr, balance, NULL);
    u128 b;
    uint32_t leaf;
    int exists, e = asset_get(l, addr, asset, &b, &leaf, &exists);
    if (!e)
        lg_u256_from_u128(balance, b);
    return e;
}

int ledger_local_balance(ledger *l, const st_asset *asset, u256 *amount)
{
    if (!l || !asset || !amount)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_local_balance: NULL argument");
    u128 a;
    uint32_t leaf;
    int exists, e = local_get(l, asset, &a, &leaf, &exists);
    if (!e)
        lg_u256_from_u128(amount, a);
    return e;
}

/* Next sequence from source counting queued imports. */
static int expected_seq(ledger *l, uint64_t source, uint64_t *next)
{
    uint32_t leaf;
    int exists, row = 0;
    int e = chan_get(l, ST_CHANNEL_IN, source, next, &leaf, &exists);
    sqlite3_stmt *st;
    if (!e)
        e = db_stmt(l->db, SQL_Q_MAX, &st);
    if (!e)
        e = db_bind(st, "u", source);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && row && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        uint64_t q = (uint64_t)sqlite3_column_int64(st, 0) + 1;
        if (q > *next)
            *next = q;
    }
    if (!e)
        sqlite3_reset(st);
    return e;
}

int ledger_channel_next(ledger *l, unsigned dir, uint64_t peer, int with_queued, uint64_t *next)
{
    if (!l || !next || (dir != ST_CHANNEL_IN && dir != ST_CHANNEL_OUT))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_channel_next: bad argument");
    if (dir == ST_CHANNEL_IN && with_queued)
        return expected_seq(l, peer, next);
    uint32_t leaf;
    int exists;
    return chan_get(l, dir, peer, next, &leaf, &exists);
}

int ledger_sent_message(ledger *l, uint64_t index, ledger_sent *out, zk_buf *payload,
                        p2_digest path[SMT_DEPTH])
{
    if (!l || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_sent_message: NULL argument");
    if (index >= smt_count(l->exit))
        return zk_err_set(ZK_ERR_NOT_FOUND, "ledger: no sent message %llu (%llu sent)",
                          (unsigned long long)index, (unsigned long long)smt_count(l->exit));
    memset(out, 0, sizeof *out);
    out->index = index;
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_OUT_GET, &st);
    if (!e)
        e = db_bind(st, "u", index);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && !row)
        e = zk_err_set(ZK_ERR_DB, "ledger: sent message %llu has no row",
                       (unsigned long long)index);
    if (!e) {
        out->block = (uint64_t)sqlite3_column_int64(st, 0);
        e = lg_blob_fixed(st, 1, out->tx_hash, 32, "tx hash");
    }
    if (!e)
        e = msg_col(st, 2, &out->msg);
    if (!e)
        e = digest_col(st, 4, &out->leaf, "message leaf");
    if (!e && payload) {
        int len = sqlite3_column_bytes(st, 3);
        const void *p = sqlite3_column_blob(st, 3);
        if (len > 0 && p)
            e = zk_buf_append(payload, p, (size_t)len);
    }
    sqlite3_reset(st);
    if (!e && path)
        e = smt_path(l->exit, (uint32_t)index, path);
    return e;
}

int ledger_sent_envelope(ledger *l, uint64_t index, zk_buf *env)
{
    if (!l || !env)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_sent_envelope: NULL argument");
    if (index >= smt_count(l->exit))
        return zk_err_set(ZK_ERR_NOT_FOUND, "ledger: no sent message %llu",
                          (unsigned long long)index);
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_OUT_ENV, &st);
    if (!e)
        e = db_bind(st, "u", index);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && !row)
        e = zk_err_set(ZK_ERR_DB, "ledger: sent message %llu has no row",
                       (unsigned long long)index);
    if (!e && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
        int len = sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        if (len > 0 && p)
            e = zk_buf_append(env, p, (size_t)len);
    }
    sqlite3_reset(st);
    return e;
}

int ledger_received_message(ledger *l, uint64_t source, uint64_t sequence, ledger_received *out,
                            zk_buf *payload)
{
    if (!l || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_received_message: NULL argument");
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_RECV_GET, &st);
    if (!e)
        e = db_bind(st, "uu", source, sequence);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && !row)
        e = zk_err_set(ZK_ERR_NOT_FOUND, "ledger: no message %llu from chain %llu imported",
                       (unsigned long long)sequence, (unsigned long long)source);
    if (!e)
        e = msg_col(st, 0, &out->msg);
    if (!e)
        e = digest_col(st, 2, &out->leaf, "message leaf");
    if (!e) {
        out->delivered = sqlite3_column_int(st, 3);
        out->block = (uint64_t)sqlite3_column_int64(st, 4);
    }
    if (!e && payload) {
        int len = sqlite3_column_bytes(st, 1);
        const void *p = sqlite3_column_blob(st, 1);
        if (len > 0 && p)
            e = zk_buf_append(payload, p, (size_t)len);
    }
    sqlite3_reset(st);
    return e;
}

static int ret_u64(zk_buf *ret, uint64_t x)
{
    abi_value v = {.type = ABI_UINT64, .u64 = x};
    return abi_encode(ret, &v, 1);
}

static int ret_u256(zk_buf *ret, const u256 *x)
{
    abi_value v = {.type = ABI_UINT256, .u256 = *x};
    return abi_encode(ret, &v, 1);
}

int ledger_call(ledger *l, const uint8_t to[20], const uint8_t *data, size_t len, zk_buf *ret,
                const char **reason)
{
    if (!l || !to || !ret || !reason || (len && !data))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_call: NULL argument");
    *reason = NULL;
    if (!is_system(to))
        return ZK_OK; /* no code at any other address: empty return data */
    if (len < 4)
        return refuse(reason, "execution reverted: no function selector");
    const uint8_t *sel = data, *args = data + 4;
    size_t alen = len - 4;
    abi_value v[3];
    int which = -1;
    for (int i = 0; i < LM_SEL_COUNT; i++)
        if (!memcmp(sel, l->sel[i], 4))
            which = i;
    int assets = !memcmp(to, LEDGER_ADDR_ASSETS, 20), outbox = !memcmp(to, LEDGER_ADDR_OUTBOX, 20);
    int inbox = !memcmp(to, LEDGER_ADDR_INBOX, 20);
    int e;
    if (assets && which == LM_SEL_BALANCE_OF) {
        static const abi_type t[3] = {ABI_UINT64, ABI_BYTES32, ABI_ADDRESS};
        if (abi_decode(v, t, 3, args, alen, 0))
            return refuse(reason, "execution reverted: malformed balanceOf call");
        st_asset a = {.origin_chain = v[0].u64};
        memcpy(a.token, v[1].b32, 32);
        u256 b;
        if ((e = ledger_asset_balance(l, v[2].addr, &a, &b)))
            return e;
        return ret_u256(ret, &b);
    }
    if (outbox && (which == LM_SEL_EXIT_COUNT || which == LM_SEL_EXIT_ROOT)) {
        if (abi_decode(v, NULL, 0, args, alen, 0))
            return refuse(reason, "execution reverted: malformed call");
        if (which == LM_SEL_EXIT_COUNT)
            return ret_u64(ret, smt_count(l->exit));
        p2_digest r;
        smt_root(l->exit, &r);
        abi_value rv = {.type = ABI_BYTES32};
        digest_bytes(rv.b32, &r);
        return abi_encode(ret, &rv, 1);
    }
    if ((outbox && which == LM_SEL_NEXT_SEQ) || (inbox && which == LM_SEL_EXPECTED_SEQ)) {
        static const abi_type t[1] = {ABI_UINT64};
        if (abi_decode(v, t, 1, args, alen, 0))
            return refuse(reason, "execution reverted: malformed call");
        uint64_t next;
        if ((e = ledger_channel_next(l, outbox ? ST_CHANNEL_OUT : ST_CHANNEL_IN, v[0].u64, 0,
                                     &next)))
            return e;
        return ret_u64(ret, next);
    }
    if (inbox && which == LM_SEL_LOCAL_BALANCE) {
        static const abi_type t[2] = {ABI_UINT64, ABI_BYTES32};
        if (abi_decode(v, t, 2, args, alen, 0))
            return refuse(reason, "execution reverted: malformed localBalance call");
        st_asset a = {.origin_chain = v[0].u64};
        memcpy(a.token, v[1].b32, 32);
        u256 b;
        if ((e = ledger_local_balance(l, &a, &b)))
            return e;
        return ret_u256(ret, &b);
    }
    return refuse(reason, "execution reverted: unknown function");
}

/* ---- imports ---- */

int ledger_add_interop_root(ledger *l, const p2_digest *root)
{
    if (!l || !root)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_add_interop_root: NULL argument");
    uint8_t b[32];
    int zero = 1;
    for (int i = 0; i < 8; i++) {
        if (root->v[i] >= KB_P)
            return zk_err_set(ZK_ERR_INVALID_ARG, "interop root element %d is not below p", i);
        zero &= root->v[i] == 0;
    }
    if (zero)
        return zk_err_set(ZK_ERR_INVALID_ARG, "the zero digest is never an interop root");
    digest_bytes(b, root);
    sqlite3_stmt *st;
    int e = db_stmt(l->db, SQL_ROOT_PUT, &st);
    if (!e)
        e = db_bind(st, "bu", b, sizeof b, l->head.number);
    if (!e)
        e = db_step(l->db, st, NULL);
    return e ? zk_err_wrap(e, "ledger: storing an interop root: ") : ZK_OK;
}

static int root_known(ledger *l, const p2_digest *root, int *known)
{
    uint8_t b[32];
    digest_bytes(b, root);
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_ROOT_KNOWN, &st);
    if (!e)
        e = db_bind(st, "b", b, sizeof b);
    if (!e)
        e = db_step(l->db, st, &row);
    sqlite3_reset(st);
    *known = row;
    return e;
}

/* The native coin the queue will release from the escrow. */
static int queued_native(ledger *l, u128 *sum)
{
    *sum = 0;
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_Q_NATIVE, &st);
    while (!e && !(e = db_step(l->db, st, &row)) && row) {
        st_message m;
        u128 a;
        if ((e = msg_col(st, 0, &m)))
            break;
        if (is_native(l, &m.asset) && lg_u128_from_u256(&m.amount, &a))
            *sum += a;
    }
    sqlite3_reset(st);
    return e;
}

static int rej(ledger_tx_result *r, int code, const char *why)
{
    r->code = code;
    r->reason = why;
    return ZK_OK;
}

/* Checks one import; on acceptance queues it. Only store errors are returned. */
static int import_one(ledger *l, const ledger_import *im, ledger_tx_result *r)
{
    const st_message *m = &im->msg;
    r->code = ZK_OK;
    r->reason = NULL;
    r->revert = NULL;
    int known = 0, e = root_known(l, &im->interop_root, &known);
    if (e)
        return e;
    if (!known)
        return rej(r, ZK_ERR_NOT_FOUND, "unknown interop root");
    if (im->interop.chain_id != m->source_chain)
        return rej(r, ZK_ERR_PROOF, "the interop record is another chain's");
    if (im->exit_index >= im->interop.exit_count)
        return rej(r, ZK_ERR_PROOF, "exit index beyond the source's exit count");
    p2_digest leaf, ileaf;
    if (st_message_leaf(&leaf, m))
        return rej(r, ZK_ERR_RANGE, "message field out of range");
    if (st_interop_leaf(&ileaf, &im->interop))
        return rej(r, ZK_ERR_RANGE, "interop record field out of range");
    if (smt_verify_path(&leaf, im->exit_index, im->exit_path, SMT_DEPTH, &im->interop.exit_root))
        return rej(r, ZK_ERR_PROOF, "bad exit-tree proof");
    if (smt_verify_path(&ileaf, im->interop_index, im->interop_path, SMT_DEPTH, &im->interop_root))
        return rej(r, ZK_ERR_PROOF, "bad interop-tree proof");
    if (m->dest_chain != l->chain_id)
        return rej(r, ZK_ERR_RANGE, "wrong destination chain");
    if (m->source_chain == l->chain_id || m->source_chain == 0)
        return rej(r, ZK_ERR_RANGE, "bad source chain");
    if (m->version != ST_MESSAGE_VERSION)
        return rej(r, ZK_ERR_UNSUPPORTED, "unsupported message version");
    uint8_t ph[32];
    if (im->payload_len > LEDGER_MAX_PAYLOAD || (im->payload_len && !im->payload))
        return rej(r, ZK_ERR_TOO_LARGE, "payload too large");
    zk_keccak256(ph, im->payload, im->payload_len);
    if (memcmp(ph, m->payload_hash, 32))
        return rej(r, ZK_ERR_PROOF, "payload does not match its hash");
    if (m->asset.origin_chain == 0 ||
        (m->asset.origin_chain == l->chain_id && !is_native(l, &m->asset)))
        return rej(r, ZK_ERR_RANGE, "unknown asset");
    uint64_t next;
    if ((e = expected_seq(l, m->source_chain, &next)))
        return e;
    if (m->sequence < next) {
        sqlite3_stmt *st;
        int row = 0;
        p2_digest had;
        e = db_stmt(l->db, SQL_SEEN, &st);
        if (!e)
            e = db_bind(st, "uu", m->source_chain, m->sequence);
        if (!e)
            e = db_step(l->db, st, &row);
        if (!e && row)
            e = digest_col(st, 0, &had, "message leaf");
        sqlite3_reset(st);
        if (e)
            return e;
        if (row && !memcmp(had.v, leaf.v, sizeof leaf.v))
            return rej(r, ZK_ERR_EXISTS, "already imported");
        return rej(r, ZK_ERR_STATE, "sequence already used by another message");
    }
    if (m->sequence > next)
        return rej(r, ZK_ERR_RANGE, "sequence gap: an earlier message is missing");
    u128 amount;
    if (!lg_u128_from_u256(&m->amount, &amount))
        return rej(r, ZK_ERR_RANGE, "message field out of range");
    if (is_native(l, &m->asset) && amount) {
        u256 esc;
        u128 escrow, queued;
        if ((e = ledger_account(l, LEDGER_ADDR_OUTBOX, &esc, NULL)) ||
            (e = queued_native(l, &queued)))
            return e;
        if (!lg_u128_from_u256(&esc, &escrow))
            escrow = ~(u128)0; /* 2^128 or more: more than any amount */
        if (escrow < queued || escrow - queued < amount)
            return rej(r, ZK_ERR_STATE, "the escrow holds less than the amount");
    }
    uint8_t mb[MSG_BYTES], lb[32], rb[32];
    ledger_msg_encode(mb, m);
    digest_bytes(lb, &leaf);
    digest_bytes(rb, &im->interop_root);
    sqlite3_stmt *st;
    e = db_stmt(l->db, SQL_Q_PUT, &st);
    if (!e)
        e = db_bind(st, "uubbbb", m->source_chain, m->sequence, mb, sizeof mb,
                    im->payload ? im->payload : ZERO32, im->payload_len, lb, sizeof lb, rb,
                    sizeof rb);
    if (!e)
        e = db_step(l->db, st, NULL);
    if (!e)
        l->queued++;
    return e;
}

int ledger_import_messages(ledger *l, const ledger_import *m, size_t n, ledger_tx_result *res)
{
    if (!l || (n && (!m || !res)))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_import_messages: NULL argument");
    if (n > IMPORT_MAX_CALL)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_import_messages: %zu messages, at most %u", n,
                          IMPORT_MAX_CALL);
    int e = db_begin(l->db);
    for (size_t k = 0; !e && k < n; k++)
        e = import_one(l, &m[k], &res[k]);
    if (!e)
        e = db_commit(l->db);
    if (e) {
        db_rollback(l->db);
        char keep[512];
        snprintf(keep, sizeof keep, "%s", zk_err_detail());
        if (lm_reload(l))
            zk_err_set(e, "%s", keep);
        return zk_err_wrap(e, "ledger: importing messages: ");
    }
    return ZK_OK;
}

/* Applies one queued message (channel checked by the caller). */
static int deliver(ledger *l, const st_message *m)
{
    u128 amount;
    if (!lg_u128_from_u256(&m->amount, &amount))
        return zk_err_set(ZK_ERR_STATE, "ledger: a queued message's amount is out of range");
    if (!amount)
        return ZK_OK;
    int e;
    if (is_native(l, &m->asset)) {
        lacct esc, rcp;
        if ((e = lg_acct_get(l, LEDGER_ADDR_OUTBOX, &esc)))
            return e;
        if (esc.bal < amount)
            return zk_err_set(ZK_ERR_STATE, "ledger: the escrow cannot release a queued message");
        esc.bal -= amount;
        if ((e = lg_acct_put(l, LEDGER_ADDR_OUTBOX, &esc)) ||
            (e = lg_acct_get(l, m->recipient, &rcp)))
            return e;
        rcp.bal += amount; /* below the supply, which is below 2^128 */
        return lg_acct_put(l, m->recipient, &rcp);
    }
    u128 bal, local;
    uint32_t leaf = 0, lleaf = 0;
    int exists, lexists;
    if ((e = asset_get(l, m->recipient, &m->asset, &bal, &leaf, &exists)) ||
        (e = local_get(l, &m->asset, &local, &lleaf, &lexists)))
        return e;
    if (local + amount < local)
        return zk_err_set(ZK_ERR_STATE, "ledger: a local balance would pass 2^128");
    if ((e = asset_put(l, m->recipient, &m->asset, bal + amount, leaf, exists)))
        return e;
    return local_put(l, &m->asset, local + amount, lleaf, lexists);
}

int lm_apply_imports(ledger *l, uint64_t block, uint32_t *count)
{
    *count = 0;
    if (!l->queued)
        return ZK_OK;
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_Q_LIST, &st);
    int64_t last = -1;
    if (!e)
        e = db_bind(st, "i", (int64_t)LEDGER_MAX_BLOCK_IMPORTS);
    while (!e && !(e = db_step(l->db, st, &row)) && row) {
        int64_t qid = sqlite3_column_int64(st, 0);
        uint64_t source = (uint64_t)sqlite3_column_int64(st, 1);
        uint64_t seq = (uint64_t)sqlite3_column_int64(st, 2);
        st_message m;
        uint64_t next;
        uint32_t cleaf = 0;
        int cexists;
        if ((e = msg_col(st, 3, &m)) ||
            (e = chan_get(l, ST_CHANNEL_IN, source, &next, &cleaf, &cexists)))
            break;
        if (seq != next || m.source_chain != source || m.sequence != seq) {
            e = zk_err_set(ZK_ERR_STATE,
                           "ledger: queued message %llu from chain %llu is out of order",
                           (unsigned long long)seq, (unsigned long long)source);
            break;
        }
        if ((e = deliver(l, &m)) ||
            (e = chan_put(l, ST_CHANNEL_IN, source, seq + 1, cleaf, cexists)))
            break;
        sqlite3_stmt *in;
        if ((e = db_stmt(l->db, SQL_IN_PUT, &in)) ||
            (e = db_bind(in, "uui", block, (uint64_t)*count, qid)) ||
            (e = db_step(l->db, in, NULL)))
            break;
        last = qid;
        ++*count;
    }
    sqlite3_reset(st);
    if (!e && last >= 0) {
        sqlite3_stmt *del;
        e = db_stmt(l->db, SQL_Q_DONE, &del);
        if (!e)
            e = db_bind(del, "i", last);
        if (!e)
            e = db_step(l->db, del, NULL);
    }
    if (!e)
        l->queued -= *count;
    return e ? zk_err_wrap(e, "ledger: applying imports: ") : ZK_OK;
}

int lm_replay_imports(zk_db *src, ledger *scratch, uint64_t number)
{
    sqlite3_stmt *st, *put;
    int row = 0, e = db_stmt(src, SQL_INBOX_OF_BLOCK, &st);
    if (!e)
        e = db_bind(st, "u", number);
    if (!e)
        e = db_begin(scratch->db);
    while (!e && !(e = db_step(src, st, &row)) && row) {
        e = db_stmt(scratch->db, SQL_Q_RAW, &put);
        /* Binding the values as they are keeps an empty payload an empty blob
         * (a NULL pointer would bind SQL NULL, which the column refuses). */
        for (int c = 0; !e && c < 6; c++)
            if (sqlite3_bind_value(put, c + 1, sqlite3_column_value(st, c)) != SQLITE_OK)
                e = zk_err_set(ZK_ERR_DB, "replay: binding an import");
        if (!e)
            e = db_step(scratch->db, put, NULL);
        if (!e)
            scratch->queued++;
    }
    sqlite3_reset(st);
    if (!e)
        e = db_commit(scratch->db);
    if (e) {
        db_rollback(scratch->db);
        return zk_err_wrap(e, "replay: block %llu's imports: ", (unsigned long long)number);
    }
    return ZK_OK;
}
