/* The chain ledger (see ledger.h and docs/CHAIN.md).
 *
 * Balances and nonces live twice: in table ledger_account, which queries read,
 * and as leaves of the account tree, which the batch circuit proves. Both change
 * only inside ledger_apply_block's one SQLite transaction, so they cannot drift
 * apart short of a bug, and ledger_open cross-checks the tree root against the
 * head block.
 */
#include "chains/ledger.h"
#include "chains/ledger_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "chains/smt.h"
#include "chains/state.h"
#include "common/db.h"
#include "common/error.h"
#include "common/keccak.h"
#include "common/rlp.h"

static const db_migration MIGRATIONS[] = {
    {1, "CREATE TABLE ledger_meta (id INTEGER PRIMARY KEY CHECK (id = 1),"
        " chain_id INTEGER NOT NULL, operator BLOB NOT NULL, base_fee INTEGER NOT NULL,"
        " genesis_time INTEGER NOT NULL, alloc_hash BLOB NOT NULL);"
        "CREATE TABLE ledger_alloc (pos INTEGER PRIMARY KEY, address BLOB NOT NULL,"
        " balance BLOB NOT NULL);"
        "CREATE TABLE ledger_account (address BLOB PRIMARY KEY, balance BLOB NOT NULL,"
        " nonce INTEGER NOT NULL, leaf INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE ledger_block (number INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE,"
        " parent BLOB NOT NULL, timestamp INTEGER NOT NULL, state_root BLOB NOT NULL,"
        " tx_root BLOB NOT NULL, gas_used INTEGER NOT NULL, base_fee INTEGER NOT NULL,"
        " tx_count INTEGER NOT NULL);"
        "CREATE TABLE ledger_tx (hash BLOB PRIMARY KEY, block INTEGER NOT NULL"
        " REFERENCES ledger_block (number) DEFERRABLE INITIALLY DEFERRED,"
        " idx INTEGER NOT NULL, sender BLOB NOT NULL, recipient BLOB, raw BLOB NOT NULL,"
        " status INTEGER NOT NULL, gas_used INTEGER NOT NULL, price BLOB NOT NULL,"
        " cum_gas INTEGER NOT NULL, UNIQUE (block, idx)) WITHOUT ROWID;"},
    /* Messaging: bridged assets, channels, sent and imported messages, the roots
     * of every block (the state root covers four trees from this version on). */
    {2, "ALTER TABLE ledger_tx ADD COLUMN revert TEXT;"
        "CREATE TABLE ledger_asset (address BLOB NOT NULL, origin INTEGER NOT NULL,"
        " token BLOB NOT NULL, balance BLOB NOT NULL, leaf INTEGER NOT NULL,"
        " PRIMARY KEY (address, origin, token)) WITHOUT ROWID;"
        "CREATE TABLE ledger_local (origin INTEGER NOT NULL, token BLOB NOT NULL,"
        " amount BLOB NOT NULL, leaf INTEGER NOT NULL, PRIMARY KEY (origin, token)) WITHOUT ROWID;"
        "CREATE TABLE ledger_channel (dir INTEGER NOT NULL, peer INTEGER NOT NULL,"
        " next INTEGER NOT NULL, leaf INTEGER NOT NULL, PRIMARY KEY (dir, peer)) WITHOUT ROWID;"
        "CREATE TABLE ledger_outbox (idx INTEGER PRIMARY KEY, block INTEGER NOT NULL,"
        " tx_hash BLOB NOT NULL, dest INTEGER NOT NULL, seq INTEGER NOT NULL, msg BLOB NOT NULL,"
        " payload BLOB NOT NULL, leaf BLOB NOT NULL);"
        "CREATE TABLE ledger_inbox (source INTEGER NOT NULL, seq INTEGER NOT NULL,"
        " block INTEGER NOT NULL, pos INTEGER NOT NULL, msg BLOB NOT NULL, payload BLOB NOT NULL,"
        " leaf BLOB NOT NULL, root BLOB NOT NULL, PRIMARY KEY (source, seq)) WITHOUT ROWID;"
        "CREATE INDEX ledger_inbox_block ON ledger_inbox (block, pos);"
        "CREATE TABLE ledger_import_queue (qid INTEGER PRIMARY KEY, source INTEGER NOT NULL,"
        " seq INTEGER NOT NULL, msg BLOB NOT NULL, payload BLOB NOT NULL, leaf BLOB NOT NULL,"
        " root BLOB NOT NULL, UNIQUE (source, seq));"
        "CREATE TABLE ledger_interop_root (root BLOB PRIMARY KEY, added INTEGER NOT NULL)"
        " WITHOUT ROWID;"
        "CREATE TABLE ledger_block_state (number INTEGER PRIMARY KEY, account_root BLOB NOT NULL,"
        " local_root BLOB NOT NULL, channel_root BLOB NOT NULL, exit_root BLOB NOT NULL,"
        " exit_count INTEGER NOT NULL);"},
    /* Private chains (ledger_private.c): each sent message's envelope (NULL on a
     * public chain), and the state secret the commitment salts derive from (a row
     * only on a private chain). A store of version 2 upgrades in place. */
    {3, "ALTER TABLE ledger_outbox ADD COLUMN envelope BLOB;"
        "CREATE TABLE ledger_secret (id INTEGER PRIMARY KEY CHECK (id = 1),"
        " state_secret BLOB NOT NULL);"},
    /* Transactions in a rowid table, in the order blocks store them, with the hash
     * in an index of its own: keyed by hash, every row landed on a random page of a
     * table that holds the raw bytes, so a block of 1428 transfers rewrote most of
     * the table's pages (2.5 MB of WAL a block, growing with the chain); now the
     * rows are appended and only the small index entries land at random. */
    {4, "CREATE TABLE ledger_tx4 (id INTEGER PRIMARY KEY, hash BLOB NOT NULL,"
        " block INTEGER NOT NULL REFERENCES ledger_block (number) DEFERRABLE INITIALLY DEFERRED,"
        " idx INTEGER NOT NULL, sender BLOB NOT NULL, recipient BLOB, raw BLOB NOT NULL,"
        " status INTEGER NOT NULL, gas_used INTEGER NOT NULL, price BLOB NOT NULL,"
        " cum_gas INTEGER NOT NULL, revert TEXT);"
        "INSERT INTO ledger_tx4 (hash, block, idx, sender, recipient, raw, status, gas_used,"
        " price, cum_gas, revert) SELECT hash, block, idx, sender, recipient, raw, status,"
        " gas_used, price, cum_gas, revert FROM ledger_tx ORDER BY block, idx;"
        "DROP TABLE ledger_tx;"
        "ALTER TABLE ledger_tx4 RENAME TO ledger_tx;"
        "CREATE UNIQUE INDEX ledger_tx_hash ON ledger_tx (hash);"
        "CREATE UNIQUE INDEX ledger_tx_pos ON ledger_tx (block, idx);"},
};

static const char SQL_ACCT_GET[] =
    "SELECT balance, nonce, leaf FROM ledger_account WHERE address = ?";
static const char SQL_ACCT_PUT[] =
    "INSERT INTO ledger_account (address, balance, nonce, leaf) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (address) DO UPDATE SET balance = excluded.balance, nonce = excluded.nonce";
static const char SQL_TX_KNOWN[] = "SELECT 1 FROM ledger_tx WHERE hash = ?";
static const char SQL_TX_PUT[] =
    "INSERT INTO ledger_tx (hash, block, idx, sender, recipient, raw, status, gas_used, price,"
    " cum_gas, revert) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_TX_GET[] =
    "SELECT t.block, t.idx, t.sender, t.recipient, t.raw, t.status, t.gas_used, t.price,"
    " t.cum_gas, b.hash, t.revert FROM ledger_tx t JOIN ledger_block b ON b.number = t.block"
    " WHERE t.hash = ?";
static const char SQL_BLOCK_TX[] = "SELECT hash FROM ledger_tx WHERE block = ? AND idx = ?";
static const char SQL_BLOCK_PUT[] =
    "INSERT INTO ledger_block (number, hash, parent, timestamp, state_root, tx_root, gas_used,"
    " base_fee, tx_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
#define BLOCK_COLS                                                                                 \
    "SELECT number, hash, parent, timestamp, state_root, tx_root, gas_used, base_fee, tx_count"    \
    " FROM ledger_block "
static const char SQL_BLOCK_BY_NUM[] = BLOCK_COLS "WHERE number = ?";
static const char SQL_BLOCK_BY_HASH[] = BLOCK_COLS "WHERE hash = ?";
static const char SQL_BLOCK_HEAD[] = BLOCK_COLS "ORDER BY number DESC LIMIT 1";
static const char SQL_META_GET[] =
    "SELECT chain_id, operator, base_fee, genesis_time, alloc_hash FROM ledger_meta WHERE id = 1";
static const char SQL_META_PUT[] = "INSERT INTO ledger_meta (id, chain_id, operator, base_fee,"
                                   " genesis_time, alloc_hash) VALUES (1, ?, ?, ?, ?, ?)";
static const char SQL_ALLOC_PUT[] =
    "INSERT INTO ledger_alloc (pos, address, balance) VALUES (?, ?, ?)";
static const char SQL_ALLOC_ALL[] = "SELECT address, balance FROM ledger_alloc ORDER BY pos";
static const char SQL_TXS_OF_BLOCK[] =
    "SELECT hash, raw FROM ledger_tx WHERE block = ? ORDER BY idx";

/* ---- numbers ---- */

/* The state root (st_state_root over every tree) as 32 bytes, and its parts. */
static int root_bytes(const ledger *l, uint8_t out[32], st_state *parts)
{
    st_state s;
    p2_digest r;
    int e = lm_state(l, parts ? parts : &s, &r);
    for (int i = 0; !e && i < 8; i++)
        zk_store_le32(out + 4 * i, kb_to_canonical(r.v[i]));
    return e;
}

/* ---- blocks ---- */

/* Block hash = Keccak-256(rlp([number, parent, timestamp, state_root, tx_root,
 * gas_used, base_fee])), integers minimal big-endian as RLP has them. */
static int block_hash(ledger_block *b)
{
    zk_buf buf;
    zk_buf_init(&buf, 256);
    size_t mark;
    int e = rlp_list_begin(&buf, &mark);
    if (!e)
        e = rlp_put_uint(&buf, b->number);
    if (!e)
        e = rlp_put_bytes(&buf, b->parent_hash, 32);
    if (!e)
        e = rlp_put_uint(&buf, b->timestamp);
    if (!e)
        e = rlp_put_bytes(&buf, b->state_root, 32);
    if (!e)
        e = rlp_put_bytes(&buf, b->tx_root, 32);
    if (!e)
        e = rlp_put_uint(&buf, b->gas_used);
    if (!e)
        e = rlp_put_uint(&buf, b->base_fee);
    if (!e)
        e = rlp_list_end(&buf, mark);
    if (!e)
        zk_keccak256(b->hash, buf.data, buf.len);
    zk_buf_free(&buf);
    return e ? zk_err_wrap(e, "ledger: encoding block %llu header: ", (unsigned long long)b->number)
             : ZK_OK;
}

int lg_blob_fixed(sqlite3_stmt *st, int col, uint8_t *out, size_t n, const char *what)
{
    const void *p = sqlite3_column_blob(st, col);
    if ((size_t)sqlite3_column_bytes(st, col) != n || (!p && n))
        return zk_err_set(ZK_ERR_DB, "ledger: stored %s is not %zu bytes", what, n);
    memcpy(out, p, n);
    return ZK_OK;
}

static int block_row(sqlite3_stmt *st, ledger_block *b)
{
    memset(b, 0, sizeof *b);
    b->number = (uint64_t)sqlite3_column_int64(st, 0);
    int e = lg_blob_fixed(st, 1, b->hash, 32, "block hash");
    if (!e)
        e = lg_blob_fixed(st, 2, b->parent_hash, 32, "parent hash");
    b->timestamp = (uint64_t)sqlite3_column_int64(st, 3);
    if (!e)
        e = lg_blob_fixed(st, 4, b->state_root, 32, "state root");
    if (!e)
        e = lg_blob_fixed(st, 5, b->tx_root, 32, "transactions root");
    b->gas_used = (uint64_t)sqlite3_column_int64(st, 6);
    b->base_fee = (uint64_t)sqlite3_column_int64(st, 7);
    b->tx_count = (uint32_t)sqlite3_column_int64(st, 8);
    return e;
}

static int block_query(ledger *l, const char *sql, const char *fmt, const void *a, size_t alen,
                       uint64_t num, ledger_block *out)
{
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, sql, &st);
    if (!e)
        e = fmt[0] == 'u' ? db_bind(st, "u", num) : fmt[0] == 'b' ? db_bind(st, "b", a, alen) : 0;
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && !row)
        e = zk_err_set(ZK_ERR_NOT_FOUND, "ledger: no such block");
    if (!e)
        e = block_row(st, out);
    sqlite3_reset(st);
    return e;
}

static int block_put(ledger *l, const ledger_block *b)
{
    sqlite3_stmt *st;
    int e = db_stmt(l->db, SQL_BLOCK_PUT, &st);
    if (!e)
        e = db_bind(st, "ubbubbuuu", b->number, b->hash, (size_t)32, b->parent_hash, (size_t)32,
                    b->timestamp, b->state_root, (size_t)32, b->tx_root, (size_t)32, b->gas_used,
                    b->base_fee, (uint64_t)b->tx_count);
    if (!e)
        e = db_step(l->db, st, NULL);
    return e ? zk_err_wrap(e, "ledger: storing block %llu: ", (unsigned long long)b->number)
             : ZK_OK;
}

/* ---- accounts ---- */

static int acct_read(ledger *l, const uint8_t addr[20], lacct *a)
{
    memset(a, 0, sizeof *a);
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_ACCT_GET, &st);
    if (!e)
        e = db_bind(st, "b", addr, (size_t)20);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && row) {
        uint8_t be[16];
        e = lg_blob_fixed(st, 0, be, 16, "balance");
        a->bal = lg_u128_from_be16(be);
        a->nonce = (uint64_t)sqlite3_column_int64(st, 1);
        a->leaf = (uint32_t)sqlite3_column_int64(st, 2);
        a->exists = 1;
    }
    sqlite3_reset(st);
    return e ? zk_err_wrap(e, "ledger: reading an account: ") : ZK_OK;
}

static size_t bc_hash(const ledger *l, const uint8_t a[20])
{
    uint64_t w[3] = {0, 0, 0};
    memcpy(&w[0], a, 8);
    memcpy(&w[1], a + 8, 8);
    memcpy(&w[2], a + 16, 4);
    uint64_t h = (w[0] ^ l->bc_key[0]) * 0x9e3779b97f4a7c15ull;
    h = (h ^ (h >> 29) ^ w[1] ^ l->bc_key[1]) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 31) ^ w[2]) * 0x94d049bb133111ebull;
    return (size_t)(h ^ (h >> 32));
}

static bacct *bc_find(ledger *l, const uint8_t addr[20], size_t *slot)
{
    size_t mask = l->bc_cap - 1, i = bc_hash(l, addr) & mask;
    for (; l->bc[i].used; i = (i + 1) & mask)
        if (memcmp(l->bc[i].addr, addr, 20) == 0)
            return &l->bc[i];
    *slot = i;
    return NULL;
}

/* Makes room for one more account in the block's table. */
static int bc_reserve(ledger *l)
{
    if (2 * (l->bc_n + 1) <= l->bc_cap)
        return ZK_OK;
    size_t nc = l->bc_cap ? 2 * l->bc_cap : 1024;
    bacct *nb = calloc(nc, sizeof *nb);
    uint32_t *no = malloc(nc / 2 * sizeof *no);
    if (!nb || !no) {
        free(nb);
        free(no);
        return zk_err_set(ZK_ERR_NOMEM, "ledger: block account table of %zu", nc);
    }
    bacct *old = l->bc;
    uint32_t *old_order = l->bc_order;
    l->bc = nb;
    l->bc_order = no;
    l->bc_cap = nc;
    for (size_t k = 0; k < l->bc_n; k++) {
        size_t slot;
        (void)bc_find(l, old[old_order[k]].addr, &slot);
        l->bc[slot] = old[old_order[k]];
        l->bc_order[k] = (uint32_t)slot;
    }
    free(old);
    free(old_order);
    return ZK_OK;
}

/* Forgets the block's accounts (after it is stored or abandoned). */
static void bc_clear(ledger *l)
{
    for (size_t k = 0; k < l->bc_n; k++)
        memset(&l->bc[l->bc_order[k]], 0, sizeof l->bc[0]);
    l->bc_n = 0;
}

/* The block's view of an account: read from the store on first use. */
int lg_acct_get(ledger *l, const uint8_t addr[20], lacct *a)
{
    size_t slot;
    int e = bc_reserve(l);
    if (e)
        return e;
    bacct *b = bc_find(l, addr, &slot);
    if (b) {
        *a = b->a;
        return ZK_OK;
    }
    if ((e = acct_read(l, addr, a)))
        return e;
    b = &l->bc[slot];
    memcpy(b->addr, addr, 20);
    b->used = 1;
    b->dirty = 0;
    b->a = *a;
    l->bc_order[l->bc_n++] = (uint32_t)slot;
    return ZK_OK;
}

/* Records a's new state for the block (acct_get read it first); a new account gets
 * its leaf index here, so indices follow the order accounts first receive. */
int lg_acct_put(ledger *l, const uint8_t addr[20], lacct *a)
{
    size_t slot;
    bacct *b = bc_find(l, addr, &slot);
    if (!b)
        return zk_err_set(ZK_ERR_INTERNAL, "ledger: an account written before it was read");
    if (!a->exists) {
        st_asset native = {.origin_chain = l->chain_id};
        int e = st_account_index(l->db, l->tree, addr, &native, 1, &a->leaf);
        if (e)
            return e;
        a->exists = 1;
    }
    b->a = *a;
    b->dirty = 1;
    return ZK_OK;
}

/* Queues the leaves of the batch of accounts st_account_leaves hashes at once. */
static int leaves_flush(ledger *l, const st_account *sa, const uint32_t *idx, size_t n)
{
    if (l->touch_n + n > l->touch_cap)
        return zk_err_set(ZK_ERR_INTERNAL, "ledger: more leaf writes than a block can make");
    int e = st_account_leaves(&l->touch_leaf[l->touch_n], sa, n);
    if (e)
        return e;
    memcpy(&l->touch_idx[l->touch_n], idx, n * sizeof *idx);
    l->touch_n += n;
    return ZK_OK;
}

/* Stores the row and queues the leaf of every account the block wrote, and records
 * them for ledger_last_changes. */
static int accts_flush(ledger *l)
{
    st_asset native = {.origin_chain = l->chain_id};
    if (l->bc_n > l->cap_changes) {
        ledger_change *nc = realloc(l->changes, l->bc_n * sizeof *nc);
        if (!nc)
            return zk_err_set(ZK_ERR_NOMEM, "ledger: %zu changed accounts", l->bc_n);
        l->changes = nc;
        l->cap_changes = l->bc_n;
    }
    l->n_changes = 0;
    st_account sa[ST_LEAVES_MAX];
    uint32_t idx[ST_LEAVES_MAX];
    size_t nb = 0;
    int e = ZK_OK;
    for (size_t k = 0; !e && k < l->bc_n; k++) {
        const bacct *b = &l->bc[l->bc_order[k]];
        if (!b->dirty)
            continue;
        sa[nb] = (st_account){.asset = native, .nonce = b->a.nonce};
        memcpy(sa[nb].address, b->addr, 20);
        lg_u256_from_u128(&sa[nb].balance, b->a.bal);
        idx[nb] = b->a.leaf;
        ledger_change *c = &l->changes[l->n_changes++];
        memcpy(c->address, b->addr, 20);
        c->balance = sa[nb].balance;
        c->nonce = b->a.nonce;
        if (++nb == ST_LEAVES_MAX) {
            e = leaves_flush(l, sa, idx, nb);
            nb = 0;
        }

        uint8_t be[16];
        lg_be16_from_u128(be, b->a.bal);
        sqlite3_stmt *st;
        if (!e)
            e = db_stmt(l->db, SQL_ACCT_PUT, &st);
        if (!e)
            e = db_bind(st, "bbui", b->addr, (size_t)20, be, sizeof be, b->a.nonce,
                        (int64_t)b->a.leaf);
        if (!e)
            e = db_step(l->db, st, NULL);
    }
    if (!e)
        e = leaves_flush(l, sa, idx, nb);
    return e ? zk_err_wrap(e, "ledger: writing an account: ") : ZK_OK;
}

static int tx_known(ledger *l, const uint8_t hash[32], int *known)
{
    sqlite3_stmt *st;
    int e = db_stmt(l->db, SQL_TX_KNOWN, &st);
    if (!e)
        e = db_bind(st, "b", hash, (size_t)32);
    if (!e)
        e = db_step(l->db, st, known);
    sqlite3_reset(st);
    return e;
}

/* ---- checks ---- */

/* What a valid transaction costs. */
typedef struct tx_cost {
    uint64_t gas; /* intrinsic gas = gas used */
    u128 price;   /* effective gas price */
    u128 fee;     /* gas * price, to the operator */
    u128 value;
    lm_call call; /* what a system call asks for */
} tx_cost;

static uint64_t intrinsic_gas(const eth_tx *tx)
{
    uint64_t g = LEDGER_TX_GAS;
    for (size_t i = 0; i < tx->data_len; i++)
        g += tx->data[i] ? LEDGER_DATA_NONZERO_GAS : LEDGER_DATA_ZERO_GAS;
    return g;
}

static int reject(const char **reason, int code, const char *why)
{
    *reason = why;
    return zk_err_set(code, "%s", why);
}

/* The checks of ledger_check_tx that need no store, against sender account s
 * (everything but "already known"). Reads only what ledger_open fixed. */
static int check_state(const ledger *l, const eth_tx *tx, const lacct *s, tx_cost *c,
                       const char **reason)
{
    *reason = NULL;
    if (!tx->has_to)
        return reject(reason, ZK_ERR_UNSUPPORTED, "transaction type not supported");
    if (tx->chain_id != l->chain_id)
        return reject(reason, ZK_ERR_RANGE, "invalid chain id");
    c->gas = intrinsic_gas(tx);
    if (tx->gas_limit < c->gas)
        return reject(reason, ZK_ERR_RANGE, "intrinsic gas too low");
    int e = lm_parse(l, tx, &c->call, reason);
    if (*reason)
        return e;
    c->gas += lm_call_gas(&c->call);
    if (tx->gas_limit < c->gas)
        return reject(reason, ZK_ERR_RANGE, "intrinsic gas too low");
    u128 cap = lg_u128_sat(&tx->gas_price), tip = lg_u128_sat(&tx->max_priority_fee);
    if (tx->type == TX_EIP1559 && u256_cmp(&tx->max_priority_fee, &tx->gas_price) > 0)
        return reject(reason, ZK_ERR_RANGE, "max priority fee per gas higher than max fee per gas");
    if (cap < l->base_fee)
        return reject(reason, ZK_ERR_RANGE, "max fee per gas less than block base fee");
    if (tx->nonce < s->nonce)
        return reject(reason, ZK_ERR_RANGE, "nonce too low");
    if (tx->nonce > s->nonce)
        return reject(reason, ZK_ERR_RANGE, "nonce too high");
    /* As geth: the sender must cover the whole gas limit at the fee cap, though it
     * pays only the gas used at the effective price. */
    u128 need, value = lg_u128_sat(&tx->value);
    if (__builtin_mul_overflow((u128)tx->gas_limit, cap, &need) ||
        __builtin_add_overflow(need, value, &need) || need > s->bal)
        return reject(reason, ZK_ERR_RANGE, "insufficient funds for gas * price + value");
    u128 sum;
    c->price = __builtin_add_overflow((u128)l->base_fee, tip, &sum) || sum > cap ? cap : sum;
    c->fee = (u128)c->gas * c->price; /* <= gas_limit * cap, checked above */
    c->value = value;
    return ZK_OK;
}

/* The checks of ledger_check_tx against sender account s. On rejection returns the
 * code with *reason set; other errors leave *reason NULL. */
static int check(ledger *l, const eth_tx *tx, const lacct *s, tx_cost *c, const char **reason)
{
    int e = check_state(l, tx, s, c, reason);
    /* A stored tx moved its sender's nonce past its own, so only a tx whose nonce
     * is below the account's can be in a block: the store is asked only then
     * (once per tx otherwise), and "already known" still comes before any other
     * reason. */
    if (!*reason || tx->nonce >= s->nonce)
        return e;
    int known = 0, e2 = tx_known(l, tx->hash, &known);
    if (e2) {
        *reason = NULL;
        return zk_err_wrap(e2, "ledger: looking up a tx hash: ");
    }
    if (known)
        return reject(reason, ZK_ERR_EXISTS, "already known");
    return zk_err_set(e, "%s", *reason);
}

/* ---- open ---- */

static void alloc_hash(const ledger_genesis *g, uint8_t out[32])
{
    zk_keccak k;
    zk_keccak_init(&k);
    for (size_t i = 0; i < g->n_alloc; i++) {
        zk_keccak_update(&k, g->alloc[i].address, 20);
        zk_keccak_update(&k, g->alloc[i].balance.b, 32);
    }
    zk_keccak_final(&k, out);
}

static int genesis_check(const ledger_genesis *g)
{
    if (!g->chain_id)
        return zk_err_set(ZK_ERR_CONFIG, "genesis: chain id 0");
    if (g->n_alloc > LEDGER_MAX_ALLOC)
        return zk_err_set(ZK_ERR_CONFIG, "genesis: %zu allocations, at most %u", g->n_alloc,
                          LEDGER_MAX_ALLOC);
    if (g->n_alloc && !g->alloc)
        return zk_err_set(ZK_ERR_INVALID_ARG, "genesis: NULL allocations");
    if (g->timestamp > INT64_MAX || g->base_fee > INT64_MAX)
        return zk_err_set(ZK_ERR_CONFIG, "genesis: timestamp or base fee above 2^63 - 1");
    u128 supply = 0, v;
    for (size_t i = 0; i < g->n_alloc; i++) {
        if (!lg_u128_from_u256(&g->alloc[i].balance, &v) ||
            __builtin_add_overflow(supply, v, &supply))
            return zk_err_set(ZK_ERR_RANGE,
                              "genesis: allocation %zu: balance or total supply at or above "
                              "2^128",
                              i);
    }
    return ZK_OK;
}

int lg_touch(ledger *l, uint32_t index, const p2_digest *leaf)
{
    if (l->touch_n == l->touch_cap)
        return zk_err_set(ZK_ERR_INTERNAL, "ledger: more leaf writes than a block can make");
    l->touch_idx[l->touch_n] = index;
    l->touch_leaf[l->touch_n++] = *leaf;
    return ZK_OK;
}

static int touch_flush(ledger *l)
{
    int e = smt_update(l->tree, l->touch_idx, l->touch_leaf, l->touch_n);
    l->touch_n = 0;
    return e ? zk_err_wrap(e, "ledger: updating the account tree: ") : ZK_OK;
}

/* Creates block 0 from g in a fresh store, in one transaction. */
static int genesis_apply(ledger *l, const ledger_genesis *g)
{
    uint8_t ah[32];
    alloc_hash(g, ah);
    int e = db_begin(l->db);
    if (e)
        return e;
    sqlite3_stmt *st;
    e = db_stmt(l->db, SQL_META_PUT, &st);
    if (!e)
        e = db_bind(st, "ubuub", g->chain_id, g->operator_addr, (size_t)20, g->base_fee,
                    g->timestamp, ah, sizeof ah);
    if (!e)
        e = db_step(l->db, st, NULL);
    for (size_t i = 0; !e && i < g->n_alloc; i++) {
        const ledger_alloc *a = &g->alloc[i];
        lacct ac;
        e = lg_acct_get(l, a->address, &ac);
        if (!e && ac.exists)
            e = zk_err_set(ZK_ERR_CONFIG, "genesis: allocation %zu: address listed twice", i);
        if (!e && !lg_u128_from_u256(&a->balance, &ac.bal))
            e = zk_err_set(ZK_ERR_INTERNAL, "genesis: allocation %zu unchecked", i);
        if (!e)
            e = lg_acct_put(l, a->address, &ac);
        if (!e)
            e = db_stmt(l->db, SQL_ALLOC_PUT, &st);
        if (!e)
            e = db_bind(st, "ibb", (int64_t)i, a->address, (size_t)20, a->balance.b, (size_t)32);
        if (!e)
            e = db_step(l->db, st, NULL);
    }
    if (!e)
        e = accts_flush(l);
    bc_clear(l);
    if (!e)
        e = touch_flush(l);
    ledger_block b = {.number = 0, .timestamp = g->timestamp, .base_fee = g->base_fee};
    zk_keccak256(b.tx_root, NULL, 0);
    st_state parts;
    if (!e)
        e = root_bytes(l, b.state_root, &parts);
    if (!e)
        e = lm_block_state_put(l, 0, &parts);
    if (!e)
        e = block_hash(&b);
    if (!e)
        e = block_put(l, &b);
    if (!e)
        e = db_commit(l->db);
    if (e) {
        db_rollback(l->db);
        l->touch_n = 0;
        return e;
    }
    l->head = b;
    return ZK_OK;
}

/* Compares g with the genesis the store holds. */
static int genesis_match(ledger *l, const ledger_genesis *g, int *fresh)
{
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_META_GET, &st);
    if (!e)
        e = db_step(l->db, st, &row);
    if (e || !row) {
        *fresh = !e;
        sqlite3_reset(st);
        return e;
    }
    *fresh = 0;
    uint8_t op[20], ah[32], want[32];
    uint64_t chain = (uint64_t)sqlite3_column_int64(st, 0);
    uint64_t fee = (uint64_t)sqlite3_column_int64(st, 2);
    uint64_t ts = (uint64_t)sqlite3_column_int64(st, 3);
    e = lg_blob_fixed(st, 1, op, 20, "operator");
    if (!e)
        e = lg_blob_fixed(st, 4, ah, 32, "allocation hash");
    sqlite3_reset(st);
    if (e)
        return e;
    alloc_hash(g, want);
    if (chain != g->chain_id)
        return zk_err_set(ZK_ERR_CONFIG,
                          "genesis differs from the store's: chain id %llu, store has %llu",
                          (unsigned long long)g->chain_id, (unsigned long long)chain);
    if (memcmp(op, g->operator_addr, 20))
        return zk_err_set(ZK_ERR_CONFIG, "genesis differs from the store's: operator address");
    if (fee != g->base_fee)
        return zk_err_set(ZK_ERR_CONFIG,
                          "genesis differs from the store's: base fee %llu, store has %llu",
                          (unsigned long long)g->base_fee, (unsigned long long)fee);
    if (ts != g->timestamp)
        return zk_err_set(ZK_ERR_CONFIG, "genesis differs from the store's: timestamp");
    if (memcmp(ah, want, 32))
        return zk_err_set(ZK_ERR_CONFIG, "genesis differs from the store's: allocations");
    return ZK_OK;
}

static int open_db(ledger **out, const char *path, unsigned flags, const ledger_genesis *g)
{
    *out = NULL;
    int e = genesis_check(g);
    if (e)
        return e;
    ledger *l = calloc(1, sizeof *l);
    if (!l)
        return zk_err_set(ZK_ERR_NOMEM, "ledger: allocating the handle");
    l->chain_id = g->chain_id;
    l->base_fee = g->base_fee;
    memcpy(l->op, g->operator_addr, 20);
    l->touch_cap = TOUCH_MAX;
    if (RAND_bytes((unsigned char *)l->bc_key, sizeof l->bc_key) != 1) {
        free(l);
        return zk_err_set(ZK_ERR_CRYPTO, "ledger: no randomness for the account table key");
    }
    l->touch_idx = malloc(l->touch_cap * sizeof *l->touch_idx);
    l->touch_leaf = malloc(l->touch_cap * sizeof *l->touch_leaf);
    if (!l->touch_idx || !l->touch_leaf) {
        ledger_free(l);
        return zk_err_set(ZK_ERR_NOMEM, "ledger: allocating the write queue");
    }
    e = db_open(&l->db, path ? path : ":memory:", path ? flags : DB_MEMORY, 0);
    /* Every block reads and writes account rows, tx rows and tree nodes all over
     * the file: SQLite's default 2 MiB page cache sent most of those to pread. */
    if (!e)
        e = db_exec(l->db, "PRAGMA cache_size=-65536");
    /* Blocks rewrite the same pages (accounts, tree nodes, the newest tx rows);
     * checkpointing every 8192 WAL pages instead of SQLite's 1000 copies each of
     * them back to the file once for many blocks. */
    if (!e)
        e = db_exec(l->db, "PRAGMA wal_autocheckpoint=8192");
    if (!e)
        e = db_migrate(l->db, MIGRATIONS, sizeof MIGRATIONS / sizeof MIGRATIONS[0]);
    if (!e)
        e = st_schema(l->db);
    if (!e)
        e = smt_new(&l->tree, l->db, ST_TREE_ACCOUNTS, 0);
    if (!e)
        e = lm_open(l);
    if (!e)
        e = lp_open(l);
    int fresh = 0;
    if (!e)
        e = genesis_match(l, g, &fresh);
    if (!e && fresh)
        e = genesis_apply(l, g);
    else if (!e) {
        e = block_query(l, SQL_BLOCK_HEAD, "", NULL, 0, 0, &l->head);
        uint8_t root[32];
        ledger_state hs;
        int he = e ? e : ledger_state_at(l, l->head.number, &hs);
        /* A store of the first format has blocks but no per-block roots: its
         * state root covered the account tree alone. */
        if (!e && he == ZK_ERR_NOT_FOUND)
            e = zk_err_set(ZK_ERR_CONFIG,
                           "ledger: the store was made by an older zkgate (state root of format "
                           "1, without message trees); re-create the chain's data directory");
        if (!e)
            e = he;
        if (!e)
            e = root_bytes(l, root, NULL);
        if (!e && memcmp(root, l->head.state_root, 32))
            e = zk_err_set(ZK_ERR_STATE, "ledger: state root is not block %llu's",
                           (unsigned long long)l->head.number);
    }
    if (e) {
        ledger_free(l);
        return zk_err_wrap(e, "%s: ", path ? path : "in-memory ledger");
    }
    *out = l;
    return ZK_OK;
}

int ledger_open(ledger **out, const char *path, const ledger_genesis *g)
{
    if (!out || !g)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_open: NULL argument");
    return open_db(out, path, DB_DURABLE, g);
}

void ledger_free(ledger *l)
{
    if (!l)
        return;
    lm_free(l);
    lp_free(l);
    smt_free(l->tree);
    db_close(l->db);
    free(l->touch_idx);
    free(l->touch_leaf);
    free(l->bc);
    free(l->bc_order);
    free(l->changes);
    free(l);
}

void ledger_set_fault(ledger *l, ledger_fault_fn fn, void *arg)
{
    l->fault = fn;
    l->fault_arg = arg;
}

uint64_t ledger_chain_id(const ledger *l)
{
    return l->chain_id;
}

uint64_t ledger_base_fee(const ledger *l)
{
    return l->base_fee;
}

void ledger_operator(const ledger *l, uint8_t addr[20])
{
    memcpy(addr, l->op, 20);
}

uint64_t ledger_head(const ledger *l)
{
    return l->head.number;
}

void ledger_state_root(const ledger *l, uint8_t root[32])
{
    memcpy(root, l->head.state_root, 32);
}

int ledger_account(ledger *l, const uint8_t addr[20], u256 *balance, uint64_t *nonce)
{
    if (!l || !addr)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_account: NULL argument");
    lacct a;
    int e = acct_read(l, addr, &a);
    if (e)
        return e;
    if (balance)
        lg_u256_from_u128(balance, a.bal);
    if (nonce)
        *nonce = a.nonce;
    return ZK_OK;
}

int ledger_check_tx(ledger *l, const eth_tx *tx, const char **reason)
{
    if (!l || !tx || !reason)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_check_tx: NULL argument");
    lacct s;
    tx_cost c;
    int e = acct_read(l, tx->sender, &s);
    *reason = NULL;
    if (!e)
        e = check(l, tx, &s, &c, reason);
    return e || *reason ? e : lp_check_send(l, tx, reason);
}

int ledger_check_tx_at(const ledger *l, const eth_tx *tx, const u256 *balance, uint64_t nonce,
                       const char **reason)
{
    if (!l || !tx || !balance || !reason)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_check_tx_at: NULL argument");
    lacct s = {.bal = lg_u128_sat(balance), .nonce = nonce};
    tx_cost c;
    int e = check_state(l, tx, &s, &c, reason);
    return e || *reason ? e : lp_check_send(l, tx, reason);
}

void ledger_last_changes(const ledger *l, const ledger_change **changes, size_t *n)
{
    *changes = l->changes;
    *n = l->n_changes;
}

/* ---- blocks ---- */

static int fault(ledger *l, const char *step)
{
    int e = l->fault ? l->fault(l->fault_arg, step) : 0;
    return e ? zk_err_set(e, "ledger: fault injected at step %s", step) : ZK_OK;
}

/* Applies one checked-or-skipped transaction inside the block's transaction.
 * Returns ZK_OK with *reason set when it was skipped; an error fails the block. */
static int apply_one(ledger *l, const ledger_item *it, uint64_t number, uint32_t idx,
                     uint64_t *cum_gas, const char **reason, int *rcode, const char **revert)
{
    const eth_tx *tx = it->tx;
    lacct s, r, o;
    tx_cost c;
    int e = lg_acct_get(l, tx->sender, &s);
    if (e)
        return e;
    e = check(l, tx, &s, &c, reason);
    if (*reason) {
        *rcode = e;
        return ZK_OK;
    }
    if (e || (e = fault(l, "tx")))
        return e;
    /* A system call that fails on the state (an asset balance short) is stored
     * as reverted, as Ethereum does: the fee is paid, the nonce moves, nothing
     * else does. */
    if ((e = lm_exec(l, tx, &c.call, number, revert)))
        return e;
    if (*revert)
        c.value = 0;
    s.bal -= c.fee + c.value;
    s.nonce++;
    if ((e = lg_acct_put(l, tx->sender, &s)))
        return e;
    /* A zero-value transfer changes nothing for the recipient, and creating an
     * empty leaf for it would let anyone grow the tree for the price of gas. A
     * native send's value goes to the outbox, which holds the escrow. */
    if (c.value) {
        if ((e = lg_acct_get(l, tx->to, &r)))
            return e;
        if (__builtin_add_overflow(r.bal, c.value, &r.bal))
            return zk_err_set(ZK_ERR_INTERNAL, "ledger: a balance passed the supply");
        if ((e = lg_acct_put(l, tx->to, &r)))
            return e;
    }
    if ((e = lg_acct_get(l, l->op, &o)))
        return e;
    if (__builtin_add_overflow(o.bal, c.fee, &o.bal))
        return zk_err_set(ZK_ERR_INTERNAL, "ledger: the operator's balance passed the supply");
    if ((e = lg_acct_put(l, l->op, &o)))
        return e;
    *cum_gas += c.gas;
    u256 price;
    lg_u256_from_u128(&price, c.price);
    sqlite3_stmt *st;
    e = db_stmt(l->db, SQL_TX_PUT, &st);
    if (!e)
        e = db_bind(st, "buibbbiubut", tx->hash, (size_t)32, number, (int64_t)idx, tx->sender,
                    (size_t)20, tx->to, (size_t)20, it->raw, it->raw_len, (int64_t) !*revert, c.gas,
                    price.b, (size_t)32, *cum_gas, *revert);
    if (!e)
        e = db_step(l->db, st, NULL);
    return e ? zk_err_wrap(e, "ledger: storing tx %u of block %llu: ", idx,
                           (unsigned long long)number)
             : ZK_OK;
}

int ledger_apply_block(ledger *l, const ledger_item *items, size_t n, uint64_t timestamp,
                       ledger_tx_result *res, ledger_block *block)
{
    if (!l || (n && !items))
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_apply_block: NULL argument");
    if (n > LEDGER_MAX_BLOCK_TXS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_apply_block: %zu transactions, at most %u", n,
                          LEDGER_MAX_BLOCK_TXS);
    if (timestamp < l->head.timestamp || timestamp > INT64_MAX)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "ledger_apply_block: timestamp %llu is before the parent's %llu",
                          (unsigned long long)timestamp, (unsigned long long)l->head.timestamp);
    for (size_t k = 0; k < n; k++) {
        uint8_t h[32];
        if (!items[k].tx || (!items[k].raw && items[k].raw_len) || items[k].raw_len > TX_MAX_RAW)
            return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_apply_block: item %zu is malformed", k);
        zk_keccak256(h, items[k].raw, items[k].raw_len);
        if (memcmp(h, items[k].tx->hash, 32))
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "ledger_apply_block: item %zu: raw bytes are not its tx's", k);
    }
    ledger_block b = {
        .number = l->head.number + 1, .timestamp = timestamp, .base_fee = l->base_fee};
    memcpy(b.parent_hash, l->head.hash, 32);
    zk_keccak troot;
    zk_keccak_init(&troot);
    int e = db_begin(l->db);
    if (e)
        return zk_err_wrap(e, "ledger: block %llu: ", (unsigned long long)b.number);
    uint32_t n_imports = 0;
    /* Imports first: a message delivered in this block can fund its txs. */
    e = lm_apply_imports(l, b.number, &n_imports);
    for (size_t k = 0; !e && k < n; k++) {
        const char *reason = NULL, *revert = NULL;
        int rcode = ZK_OK;
        e = apply_one(l, &items[k], b.number, b.tx_count, &b.gas_used, &reason, &rcode, &revert);
        if (res) {
            res[k].code = rcode;
            res[k].reason = reason;
            res[k].revert = revert;
        }
        if (!e && !reason) {
            zk_keccak_update(&troot, items[k].tx->hash, 32);
            b.tx_count++;
        }
    }
    if (!e)
        e = accts_flush(l);
    bc_clear(l);
    if (!e)
        e = fault(l, "tree");
    if (!e)
        e = touch_flush(l);
    st_state parts;
    if (!e) {
        zk_keccak_final(&troot, b.tx_root);
        e = root_bytes(l, b.state_root, &parts);
    }
    if (!e)
        e = lm_block_state_put(l, b.number, &parts);
    if (!e)
        e = block_hash(&b);
    if (!e)
        e = block_put(l, &b);
    if (!e)
        e = fault(l, "commit");
    if (!e)
        e = db_commit(l->db);
    if (e) {
        db_rollback(l->db);
        bc_clear(l);
        l->touch_n = 0;
        l->n_changes = 0;
        char keep[512];
        snprintf(keep, sizeof keep, "%s", zk_err_detail());
        if (smt_reload(l->tree) | lm_reload(l))
            zk_err_set(e, "%s", keep);
        return zk_err_wrap(e, "ledger: block %llu not applied: ", (unsigned long long)b.number);
    }
    l->head = b;
    if (block)
        *block = b;
    return ZK_OK;
}

int ledger_block_by_number(ledger *l, uint64_t number, ledger_block *out)
{
    if (!l || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_block_by_number: NULL argument");
    if (number > INT64_MAX)
        return zk_err_set(ZK_ERR_NOT_FOUND, "ledger: no block %llu", (unsigned long long)number);
    return block_query(l, SQL_BLOCK_BY_NUM, "u", NULL, 0, number, out);
}

int ledger_block_by_hash(ledger *l, const uint8_t hash[32], ledger_block *out)
{
    if (!l || !hash || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_block_by_hash: NULL argument");
    return block_query(l, SQL_BLOCK_BY_HASH, "b", hash, 32, 0, out);
}

int ledger_block_tx(ledger *l, uint64_t number, uint32_t index, uint8_t hash[32])
{
    if (!l || !hash)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_block_tx: NULL argument");
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_BLOCK_TX, &st);
    if (!e)
        e = db_bind(st, "ui", number, (int64_t)index);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && !row)
        e = zk_err_set(ZK_ERR_NOT_FOUND, "ledger: block %llu has no tx %u",
                       (unsigned long long)number, index);
    if (!e)
        e = lg_blob_fixed(st, 0, hash, 32, "tx hash");
    sqlite3_reset(st);
    return e;
}

int ledger_tx_by_hash(ledger *l, const uint8_t hash[32], ledger_receipt *rc, zk_buf *raw)
{
    if (!l || !hash)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_tx_by_hash: NULL argument");
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(l->db, SQL_TX_GET, &st);
    if (!e)
        e = db_bind(st, "b", hash, (size_t)32);
    if (!e)
        e = db_step(l->db, st, &row);
    if (!e && !row)
        e = zk_err_set(ZK_ERR_NOT_FOUND, "ledger: unknown transaction");
    if (!e && rc) {
        memset(rc, 0, sizeof *rc);
        memcpy(rc->tx_hash, hash, 32);
        rc->block_number = (uint64_t)sqlite3_column_int64(st, 0);
        rc->index = (uint32_t)sqlite3_column_int64(st, 1);
        e = lg_blob_fixed(st, 2, rc->sender, 20, "sender");
        if (!e && sqlite3_column_type(st, 3) != SQLITE_NULL) {
            rc->has_to = 1;
            e = lg_blob_fixed(st, 3, rc->to, 20, "recipient");
        }
        rc->status = sqlite3_column_int(st, 5);
        rc->gas_used = (uint64_t)sqlite3_column_int64(st, 6);
        if (!e)
            e = lg_blob_fixed(st, 7, rc->effective_gas_price.b, 32, "gas price");
        rc->cumulative_gas = (uint64_t)sqlite3_column_int64(st, 8);
        if (!e)
            e = lg_blob_fixed(st, 9, rc->block_hash, 32, "block hash");
        if (!e && sqlite3_column_type(st, 10) == SQLITE_TEXT)
            snprintf(rc->revert, sizeof rc->revert, "%s",
                     (const char *)sqlite3_column_text(st, 10));
    }
    if (!e && raw) {
        int len = sqlite3_column_bytes(st, 4);
        const void *p = sqlite3_column_blob(st, 4);
        e = (len > 0 && !p) ? zk_err_set(ZK_ERR_NOMEM, "ledger: reading raw tx")
                            : zk_buf_append(raw, p, (size_t)len);
    }
    sqlite3_reset(st);
    return e;
}

/* ---- replay ---- */

/* Reads the genesis of the store in src; allocations go to *alloc (caller frees). */
static int read_genesis(zk_db *src, ledger_genesis *g, ledger_alloc **alloc)
{
    memset(g, 0, sizeof *g);
    *alloc = NULL;
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(src, SQL_META_GET, &st);
    if (!e)
        e = db_step(src, st, &row);
    if (!e && !row)
        e = zk_err_set(ZK_ERR_STATE, "replay: the store has no genesis");
    if (!e) {
        g->chain_id = (uint64_t)sqlite3_column_int64(st, 0);
        g->base_fee = (uint64_t)sqlite3_column_int64(st, 2);
        g->timestamp = (uint64_t)sqlite3_column_int64(st, 3);
        e = lg_blob_fixed(st, 1, g->operator_addr, 20, "operator");
    }
    sqlite3_reset(st);
    size_t cap = 0;
    if (!e)
        e = db_stmt(src, SQL_ALLOC_ALL, &st);
    while (!e && !(e = db_step(src, st, &row)) && row) {
        if (g->n_alloc == LEDGER_MAX_ALLOC) {
            e = zk_err_set(ZK_ERR_STATE, "replay: more than %u genesis allocations",
                           LEDGER_MAX_ALLOC);
            break;
        }
        if (g->n_alloc == cap) {
            cap = cap ? 2 * cap : 64;
            ledger_alloc *na = realloc(*alloc, cap * sizeof *na);
            if (!na) {
                e = zk_err_set(ZK_ERR_NOMEM, "replay: reading genesis allocations");
                break;
            }
            *alloc = na;
        }
        ledger_alloc *a = &(*alloc)[g->n_alloc++];
        e = lg_blob_fixed(st, 0, a->address, 20, "genesis address");
        if (!e)
            e = lg_blob_fixed(st, 1, a->balance.b, 32, "genesis balance");
    }
    sqlite3_reset(st);
    g->alloc = *alloc;
    return e;
}

/* Compares a replayed block with the stored one. */
static int block_same(uint64_t n, const ledger_block *want, const ledger_block *got)
{
    if (memcmp(want->state_root, got->state_root, 32))
        return zk_err_set(ZK_ERR_STATE, "replay: block %llu: state root differs",
                          (unsigned long long)n);
    if (memcmp(want->tx_root, got->tx_root, 32) || want->tx_count != got->tx_count)
        return zk_err_set(ZK_ERR_STATE, "replay: block %llu: transactions differ",
                          (unsigned long long)n);
    if (memcmp(want->parent_hash, got->parent_hash, 32) || want->gas_used != got->gas_used ||
        want->base_fee != got->base_fee || want->timestamp != got->timestamp)
        return zk_err_set(ZK_ERR_STATE, "replay: block %llu: header differs",
                          (unsigned long long)n);
    if (memcmp(want->hash, got->hash, 32))
        return zk_err_set(ZK_ERR_STATE, "replay: block %llu: hash differs", (unsigned long long)n);
    return ZK_OK;
}

/* Replays stored block n into scratch. */
static int replay_block(zk_db *src, ledger *scratch, const ledger_block *want)
{
    uint64_t n = want->number;
    if (want->tx_count > LEDGER_MAX_BLOCK_TXS)
        return zk_err_set(ZK_ERR_STATE, "replay: block %llu: %u transactions",
                          (unsigned long long)n, want->tx_count);
    size_t cnt = want->tx_count ? want->tx_count : 1;
    zk_buf *raws = calloc(cnt, sizeof *raws);
    eth_tx *txs = calloc(cnt, sizeof *txs);
    ledger_item *items = calloc(cnt, sizeof *items);
    ledger_tx_result *res = calloc(cnt, sizeof *res);
    int e = (raws && txs && items && res)
                ? ZK_OK
                : zk_err_set(ZK_ERR_NOMEM, "replay: block %llu", (unsigned long long)n);
    size_t k = 0;
    sqlite3_stmt *st = NULL;
    int row = 0;
    if (!e)
        e = db_stmt(src, SQL_TXS_OF_BLOCK, &st);
    if (!e)
        e = db_bind(st, "u", n);
    while (!e && !(e = db_step(src, st, &row)) && row) {
        if (k == want->tx_count) {
            e = zk_err_set(ZK_ERR_STATE, "replay: block %llu: more transactions than it says",
                           (unsigned long long)n);
            break;
        }
        uint8_t h[32];
        int len = sqlite3_column_bytes(st, 1);
        const void *p = sqlite3_column_blob(st, 1);
        zk_buf_init(&raws[k], TX_MAX_RAW);
        e = lg_blob_fixed(st, 0, h, 32, "tx hash");
        if (!e && len > 0 && p)
            e = zk_buf_append(&raws[k], p, (size_t)len);
        if (e)
            break;
        if (tx_decode(raws[k].data, raws[k].len, &txs[k]))
            e = zk_err_set(ZK_ERR_STATE, "replay: block %llu tx %zu: stored bytes do not decode",
                           (unsigned long long)n, k);
        else if (memcmp(h, txs[k].hash, 32))
            e = zk_err_set(ZK_ERR_STATE,
                           "replay: block %llu tx %zu: stored bytes do not hash to its hash",
                           (unsigned long long)n, k);
        items[k] = (ledger_item){raws[k].data, raws[k].len, &txs[k]};
        k++;
    }
    if (!e && k != want->tx_count)
        e = zk_err_set(ZK_ERR_STATE, "replay: block %llu: %zu transactions stored, header says %u",
                       (unsigned long long)n, k, want->tx_count);
    if (st)
        sqlite3_reset(st);
    ledger_block got;
    if (!e && (e = ledger_apply_block(scratch, items, k, want->timestamp, res, &got)))
        e = zk_err_wrap(ZK_ERR_STATE, "replay: block %llu: ", (unsigned long long)n);
    for (size_t i = 0; !e && i < k; i++)
        if (res[i].reason)
            e = zk_err_set(ZK_ERR_STATE, "replay: block %llu tx %zu: rejected (%s)",
                           (unsigned long long)n, i, res[i].reason);
    if (!e)
        e = block_same(n, want, &got);
    for (size_t i = 0; raws && i < cnt; i++)
        zk_buf_free(&raws[i]);
    free(raws);
    free(txs);
    free(items);
    free(res);
    return e;
}

int ledger_verify_replay(const char *path)
{
    if (!path)
        return zk_err_set(ZK_ERR_INVALID_ARG, "ledger_verify_replay: NULL path");
    if (access(path, F_OK))
        return zk_err_set(ZK_ERR_NOT_FOUND, "replay: %s does not exist", path);
    zk_db *src = NULL;
    ledger *scratch = NULL;
    ledger_alloc *alloc = NULL;
    ledger_genesis g;
    int e = db_open(&src, path, 0, 0);
    if (!e)
        e = read_genesis(src, &g, &alloc);
    if (!e && (e = open_db(&scratch, NULL, 0, &g)))
        e = zk_err_wrap(ZK_ERR_STATE, "replay: genesis: ");
    /* Sends take the salts the store gave their messages (ledger_private.c). */
    if (!e)
        scratch->replay_src = src;
    uint64_t n = 0;
    for (;; n++) {
        if (e)
            break;
        ledger_block want;
        sqlite3_stmt *st;
        int row = 0;
        e = db_stmt(src, SQL_BLOCK_BY_NUM, &st);
        if (!e)
            e = db_bind(st, "u", n);
        if (!e)
            e = db_step(src, st, &row);
        if (!e && row)
            e = block_row(st, &want);
        sqlite3_reset(st);
        if (e || !row)
            break;
        if (n == 0)
            e = block_same(0, &want, &scratch->head);
        else if (!(e = lm_replay_imports(src, scratch, n)))
            e = replay_block(src, scratch, &want);
    }
    if (!e && n == 0)
        e = zk_err_set(ZK_ERR_STATE, "replay: the store has no block 0");
    if (!e) {
        /* A block past a gap would otherwise go unchecked. */
        sqlite3_stmt *st;
        int row = 0;
        e = db_stmt(src, "SELECT count(*) FROM ledger_block", &st);
        if (!e)
            e = db_step(src, st, &row);
        if (!e && row && (uint64_t)sqlite3_column_int64(st, 0) != n)
            e = zk_err_set(ZK_ERR_STATE, "replay: block %llu is missing", (unsigned long long)n);
        sqlite3_reset(st);
    }
    ledger_free(scratch);
    db_close(src);
    free(alloc);
    return e ? zk_err_wrap(e, "%s: ", path) : ZK_OK;
}
