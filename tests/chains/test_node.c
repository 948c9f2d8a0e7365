/* The node's pool and sequencer through its C API (no HTTP): nonce ordering, the
 * gap and size caps, replacement, fairness across senders, and durability of
 * accepted transactions across a restart, including a crash between a block's
 * commit and the pending table's cleanup. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chains/node.h"
#include "common/db.h"
#include "common/error.h"
#include "common/keccak.h"
#include "common/secp.h"
#include "tests/test.h"

#define CHAIN_ID 31337u
#define GWEI     1000000000ull
#define N_KEYS   64

/* Removes a test's temporary folder and everything in it. */
static void rm_dir(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static uint8_t g_key[N_KEYS][32], g_addr[N_KEYS][20];
static ledger_alloc g_alloc[N_KEYS];
static ledger_genesis g_gen;
static uint8_t g_dest[20] = {0xde, 0xad};

static void setup(void)
{
    for (int i = 0; i < N_KEYS; i++) {
        do
            t_rand_bytes(g_key[i], 32);
        while (eth_address_from_priv(g_key[i], g_addr[i]));
        memcpy(g_alloc[i].address, g_addr[i], 20);
        /* 1 ether each: enough for many 21000-gas transfers at 1 gwei. */
        u256_from_u64(&g_alloc[i].balance, 1000000000000000000ull);
    }
    g_gen = (ledger_genesis){.chain_id = CHAIN_ID,
                             .base_fee = GWEI,
                             .timestamp = 1000,
                             .alloc = g_alloc,
                             .n_alloc = N_KEYS};
    g_gen.operator_addr[0] = 0x0f;
}

/* Signs a transfer of value wei from key k; fee is the fee cap in gwei. */
static void make_tx(zk_buf *out, int k, uint64_t nonce, uint64_t value, uint64_t fee,
                    uint64_t chain)
{
    tx_fields f = {.type = TX_EIP1559,
                   .chain_id = chain,
                   .nonce = nonce,
                   .gas_price = fee * GWEI,
                   .max_priority_fee = 0,
                   .gas_limit = 21000,
                   .has_to = 1};
    memcpy(f.to, g_dest, 20);
    u256_from_u64(&f.value, value);
    zk_buf_reset(out);
    CHECK_OK(tx_sign(&f, g_key[k], out));
}

static int submit(node *n, int k, uint64_t nonce, uint64_t value, uint64_t fee, const char **reason,
                  uint8_t hash[32])
{
    zk_buf b;
    zk_buf_init(&b, TX_MAX_RAW);
    make_tx(&b, k, nonce, value, fee, CHAIN_ID);
    const char *r = NULL;
    int rc = node_submit(n, b.data, b.len, hash, &r);
    if (reason)
        *reason = r;
    zk_buf_free(&b);
    return rc;
}

static node *open_node(const char *dir, uint32_t max_block, uint32_t max_txs, uint32_t per_sender)
{
    node_config c;
    node_config_default(&c);
    char lp[512], pp[512];
    c.genesis = &g_gen;
    if (dir) {
        snprintf(lp, sizeof lp, "%s/ledger.db", dir);
        snprintf(pp, sizeof pp, "%s/pool.db", dir);
        c.ledger_path = lp;
        c.pool_path = pp;
    }
    c.max_block_txs = max_block;
    c.pool_max_txs = max_txs;
    c.pool_max_per_sender = per_sender;
    c.pool_max_nonce_gap = 8;
    node *n = NULL;
    CHECK_OK(node_open(&n, &c));
    return n;
}

static void test_ordering_and_rules(void)
{
    node *n = open_node(NULL, 100, 16, 6);
    if (!n)
        return;
    const char *reason;
    uint8_t h[32];
    size_t total, ex;
    uint64_t nonce, pnonce;

    /* A future nonce waits; filling the gap makes the whole run executable. */
    CHECK_OK(submit(n, 0, 1, 5, 1, &reason, h));
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(total, 1);
    CHECK_EQ(ex, 0);
    CHECK_OK(node_account(n, g_addr[0], NULL, &nonce, &pnonce));
    CHECK_EQ(nonce, 0);
    CHECK_EQ(pnonce, 0);
    CHECK_OK(submit(n, 0, 0, 7, 1, &reason, h));
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(ex, 2);
    CHECK_OK(node_account(n, g_addr[0], NULL, NULL, &pnonce));
    CHECK_EQ(pnonce, 2);

    /* Duplicates, replacement, gap cap, wrong chain, funds. */
    CHECK_ERR(submit(n, 0, 0, 7, 1, &reason, NULL), ZK_ERR_EXISTS);
    CHECK(reason && !strcmp(reason, "already known"));
    CHECK_ERR(submit(n, 0, 0, 8, 1, &reason, NULL), ZK_ERR_RANGE);
    CHECK(reason && !strcmp(reason, "replacement transaction underpriced"));
    uint8_t repl[32];
    CHECK_OK(submit(n, 0, 0, 9, 2, &reason, repl));
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(total, 2);
    CHECK_ERR(submit(n, 0, 9, 1, 1, &reason, NULL), ZK_ERR_RANGE);
    CHECK(reason && !strcmp(reason, "nonce too high"));
    CHECK_OK(submit(n, 0, 8, 1, 1, &reason, NULL)); /* exactly at the gap cap */
    zk_buf b;
    zk_buf_init(&b, TX_MAX_RAW);
    make_tx(&b, 1, 0, 1, 1, 1);
    CHECK(node_submit(n, b.data, b.len, NULL, &reason) != ZK_OK);
    CHECK(reason && !strcmp(reason, "invalid chain id"));
    uint8_t junk[3] = {0xc0, 0x01, 0x02};
    CHECK(node_submit(n, junk, sizeof junk, NULL, &reason) != ZK_OK);
    CHECK(reason != NULL);
    zk_buf_free(&b);
    CHECK(submit(n, 1, 0, 2000000000000000000ull, 1, &reason, NULL) != ZK_OK);
    CHECK(reason && !strcmp(reason, "insufficient funds for gas * price + value"));

    /* Per-sender cap (6): sender 2 fills it; the total cap (16) is next. */
    for (uint64_t k = 0; k < 6; k++)
        CHECK_OK(submit(n, 2, k, 1, 1, &reason, NULL));
    CHECK_ERR(submit(n, 2, 6, 1, 1, &reason, NULL), ZK_ERR_BUSY);
    CHECK(reason && !strcmp(reason, "account slot limit exceeded"));
    for (uint64_t k = 0; k < 6; k++)
        CHECK_OK(submit(n, 3, k, 1, 1, &reason, NULL));
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(total, 15);
    CHECK_OK(submit(n, 1, 0, 1, 1, &reason, NULL));
    CHECK_ERR(submit(n, 1, 1, 1, 1, &reason, NULL), ZK_ERR_BUSY);
    CHECK(reason && !strcmp(reason, "txpool is full"));

    /* One block takes every executable tx; the future one (nonce 8) stays. */
    int made;
    ledger_block blk;
    CHECK_OK(node_produce_block(n, 2000, &made, &blk));
    CHECK_EQ(made, 1);
    CHECK_EQ(blk.tx_count, 2 + 6 + 6 + 1);
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(total, 1);
    CHECK_EQ(ex, 0);
    u256 bal, want;
    CHECK_OK(node_account(n, g_addr[0], &bal, &nonce, NULL));
    CHECK_EQ(nonce, 2);
    /* 1 ether - 9 - 5 - 2 transfers of 21000 gas at 1 gwei (the replacement's fee cap
     * is 2 gwei but the effective price is base fee + tip 0 = 1 gwei). */
    u256_from_u64(&want, 1000000000000000000ull - 14 - 2 * 21000 * GWEI);
    CHECK(u256_cmp(&bal, &want) == 0);
    CHECK_OK(node_produce_block(n, 2001, &made, NULL));
    CHECK_EQ(made, 0);
    CHECK_EQ(node_head(n), 1);
    node_free(n);
}

/* Signs and submits a transfer of value wei from key k to address to, fee cap 1 gwei. */
static int submit_to(node *n, int k, uint64_t nonce, uint64_t value, const uint8_t to[20],
                     const char **reason)
{
    tx_fields f = {.type = TX_EIP1559,
                   .chain_id = CHAIN_ID,
                   .nonce = nonce,
                   .gas_price = GWEI,
                   .gas_limit = 21000,
                   .has_to = 1};
    memcpy(f.to, to, 20);
    u256_from_u64(&f.value, value);
    zk_buf b;
    zk_buf_init(&b, TX_MAX_RAW);
    CHECK_OK(tx_sign(&f, g_key[k], &b));
    *reason = NULL;
    int rc = node_submit(n, b.data, b.len, NULL, reason);
    zk_buf_free(&b);
    return rc;
}

/* Admission checks a pooled sender against the account the pool keeps for it (the
 * ledger may be busy with a block), so after a block that account must follow
 * what the block did: the nonce and fee a sender paid, and a value it received. */
static void test_pool_accounts(void)
{
    node *n = open_node(NULL, 100, 64, 16);
    if (!n)
        return;
    const uint64_t ether = 1000000000000000000ull;
    const char *reason;
    /* Key 4 queues nonce 0 and, past a gap, nonce 2, so it stays in the pool;
     * key 5 sends it half an ether in the same block. */
    CHECK_OK(submit_to(n, 4, 0, 1, g_dest, &reason));
    CHECK_OK(submit_to(n, 4, 2, 1, g_dest, &reason));
    CHECK_OK(submit_to(n, 5, 0, ether / 2, g_addr[4], &reason));
    /* Before the block, 1.2 ether is more than key 4 holds. */
    CHECK_ERR(submit_to(n, 4, 1, ether / 10 * 12, g_dest, &reason), ZK_ERR_RANGE);
    CHECK(reason && !strcmp(reason, "insufficient funds for gas * price + value"));
    int made;
    CHECK_OK(node_produce_block(n, 2000, &made, NULL));
    CHECK_EQ(made, 1);
    size_t total, ex;
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(total, 1);
    CHECK_EQ(ex, 0);
    uint64_t nonce, pnonce;
    CHECK_OK(node_account(n, g_addr[4], NULL, &nonce, &pnonce));
    CHECK_EQ(nonce, 1);
    CHECK_EQ(pnonce, 1);
    /* The mined nonce 0: the same tx is known, another one is too late. */
    CHECK_ERR(submit_to(n, 4, 0, 1, g_dest, &reason), ZK_ERR_EXISTS);
    CHECK(reason && !strcmp(reason, "already known"));
    CHECK_ERR(submit_to(n, 4, 0, 2, g_dest, &reason), ZK_ERR_RANGE);
    CHECK(reason && !strcmp(reason, "nonce too low"));
    /* Now it holds 1.5 ether less a fee and 1 wei: 1.2 passes, 1.6 does not. */
    CHECK_ERR(submit_to(n, 4, 1, ether / 10 * 16, g_dest, &reason), ZK_ERR_RANGE);
    CHECK(reason && !strcmp(reason, "insufficient funds for gas * price + value"));
    CHECK_OK(submit_to(n, 4, 1, ether / 10 * 12, g_dest, &reason));
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(ex, 2);
    CHECK_OK(node_produce_block(n, 2001, &made, NULL));
    CHECK_EQ(made, 1);
    u256 bal, want;
    CHECK_OK(node_account(n, g_addr[4], &bal, &nonce, NULL));
    CHECK_EQ(nonce, 3);
    u256_from_u64(&want, ether + ether / 2 - 1 - ether / 10 * 12 - 1 - 3 * 21000 * GWEI);
    CHECK(u256_cmp(&bal, &want) == 0);
    node_pool_counts(n, &total, NULL);
    CHECK_EQ(total, 0);
    node_free(n);
}

static void test_fairness(void)
{
    node *n = open_node(NULL, 3, 64, 64);
    if (!n)
        return;
    for (uint64_t k = 0; k < 5; k++)
        CHECK_OK(submit(n, 0, k, 1, 1, NULL, NULL));
    CHECK_OK(submit(n, 1, 0, 1, 1, NULL, NULL));
    CHECK_OK(submit(n, 2, 0, 1, 1, NULL, NULL));
    int made;
    ledger_block blk;
    CHECK_OK(node_produce_block(n, 2000, &made, &blk));
    CHECK_EQ(blk.tx_count, 3);
    uint64_t n0, n1, n2;
    CHECK_OK(node_account(n, g_addr[0], NULL, &n0, NULL));
    CHECK_OK(node_account(n, g_addr[1], NULL, &n1, NULL));
    CHECK_OK(node_account(n, g_addr[2], NULL, &n2, NULL));
    CHECK_EQ(n0, 1);
    CHECK_EQ(n1, 1);
    CHECK_EQ(n2, 1);
    CHECK_OK(node_produce_block(n, 2001, &made, &blk));
    CHECK_OK(node_produce_block(n, 2002, &made, &blk));
    CHECK_OK(node_account(n, g_addr[0], NULL, &n0, NULL));
    CHECK_EQ(n0, 5);
    node_free(n);
}

static int copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int ok = a && b;
    char buf[4096];
    size_t k;
    while (ok && (k = fread(buf, 1, sizeof buf, a)) > 0)
        ok = fwrite(buf, 1, k, b) == k;
    if (a)
        fclose(a);
    if (b)
        ok &= fclose(b) == 0;
    return ok ? 0 : -1;
}

static void test_durability(void)
{
    char dir[] = "/tmp/zk_test_node_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char pool[600], saved[600], wal[600];
    snprintf(pool, sizeof pool, "%s/pool.db", dir);
    snprintf(saved, sizeof saved, "%s/pool.saved", dir);
    snprintf(wal, sizeof wal, "%s/pool.db-wal", dir);

    node *n = open_node(dir, 100, 64, 64);
    if (!n)
        return;
    uint8_t h[3][32];
    for (uint64_t k = 0; k < 3; k++)
        CHECK_OK(submit(n, 0, k, 1, 1, NULL, h[k]));
    CHECK_OK(submit(n, 1, 5, 1, 1, NULL, NULL)); /* future: kept, not executable */
    node_free(n);

    /* Restart: every accepted tx is back. Save the pending table as it is now. */
    n = open_node(dir, 100, 64, 64);
    if (!n)
        return;
    size_t total, ex;
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(total, 4);
    CHECK_EQ(ex, 3);
    node_free(n);
    CHECK(copy_file(pool, saved) == 0);
    CHECK(access(wal, F_OK) != 0); /* a clean close checkpoints the WAL */

    n = open_node(dir, 100, 64, 64);
    int made;
    CHECK_OK(node_produce_block(n, 2000, &made, NULL));
    CHECK_EQ(made, 1);
    node_free(n);

    /* Put back the pending table from before the block: as if the process died
     * after the block's commit and before the cleanup. The reload must drop the
     * mined txs, and no block may take them again. */
    CHECK(copy_file(saved, pool) == 0);
    n = open_node(dir, 100, 64, 64);
    if (!n)
        return;
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(total, 1);
    CHECK_EQ(ex, 0);
    CHECK_OK(node_produce_block(n, 2001, &made, NULL));
    CHECK_EQ(made, 0);
    const char *reason;
    CHECK_ERR(submit(n, 0, 0, 1, 1, &reason, NULL), ZK_ERR_EXISTS);
    CHECK(reason && !strcmp(reason, "already known"));
    uint64_t nonce;
    CHECK_OK(node_account(n, g_addr[0], NULL, &nonce, NULL));
    CHECK_EQ(nonce, 3);
    CHECK_EQ(node_head(n), 1);
    node_free(n);
    char lp[600];
    snprintf(lp, sizeof lp, "%s/ledger.db", dir);
    CHECK_OK(ledger_verify_replay(lp));

    rm_dir(dir);
}

static void test_sequencer_thread(void)
{
    node_config c;
    node_config_default(&c);
    c.genesis = &g_gen;
    c.block_time_ms = 20;
    node *n = NULL;
    CHECK_OK(node_open(&n, &c));
    if (!n)
        return;
    CHECK_OK(node_start(n));
    CHECK_ERR(node_start(n), ZK_ERR_STATE);
    CHECK_OK(submit(n, 0, 0, 1, 1, NULL, NULL));
    uint64_t nonce = 0;
    for (int i = 0; i < 200 && nonce == 0; i++) {
        usleep(10000);
        CHECK_OK(node_account(n, g_addr[0], NULL, &nonce, NULL));
    }
    CHECK_EQ(nonce, 1);
    node_stop(n);
    node_free(n);
}

/* Group commit: submitters on many threads, a sequencer making blocks meanwhile
 * (so deletions of mined rows ride on the same commits), a replacement racing its
 * own commit. Every acknowledged tx must be mined exactly once, the sender table
 * must survive senders coming and going, and a clean close leaves no pending row. */
#define GC_THREADS 8
#define GC_PER_THR (N_KEYS / GC_THREADS)
#define GC_NONCES  6

typedef struct gc_arg {
    node *n;
    int t;
    int acked, failed;
} gc_arg;

static void *gc_submitter(void *p)
{
    gc_arg *a = p;
    zk_buf raw;
    zk_buf_init(&raw, 4096);
    for (uint64_t nonce = 0; nonce < GC_NONCES; nonce++) {
        for (int j = 0; j < GC_PER_THR; j++) {
            int k = a->t * GC_PER_THR + j;
            /* key 0's nonce 3 is sent twice, the second time with a higher fee:
             * whichever is mined, one tx with that nonce is. */
            int reps = (k == 0 && nonce == 3) ? 2 : 1;
            for (int r = 0; r < reps; r++) {
                tx_fields f = {.type = TX_EIP1559,
                               .chain_id = CHAIN_ID,
                               .nonce = nonce,
                               .gas_price = (uint64_t)(2 + r) * GWEI,
                               .gas_limit = 21000,
                               .has_to = 1};
                memcpy(f.to, g_dest, 20);
                u256_from_u64(&f.value, 1);
                zk_buf_reset(&raw);
                if (tx_sign(&f, g_key[k], &raw)) {
                    a->failed++;
                    continue;
                }
                const char *reason = NULL;
                int rc = node_submit(a->n, raw.data, raw.len, NULL, &reason);
                /* The replacement may arrive after its twin was mined. */
                if (!rc)
                    a->acked++;
                else if (!(r == 1 && reason && !strcmp(reason, "nonce too low")))
                    a->failed++;
            }
        }
    }
    zk_buf_free(&raw);
    return NULL;
}

static void test_group_commit(void)
{
    char dir[] = "/tmp/zk_test_node_gc_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char lp[600], pp[600];
    snprintf(lp, sizeof lp, "%s/ledger.db", dir);
    snprintf(pp, sizeof pp, "%s/pool.db", dir);
    node_config c;
    node_config_default(&c);
    c.genesis = &g_gen;
    c.ledger_path = lp;
    c.pool_path = pp;
    c.block_time_ms = 3;
    c.max_block_txs = 50;
    node *n = NULL;
    CHECK_OK(node_open(&n, &c));
    if (!n)
        return;
    CHECK_OK(node_start(n));
    pthread_t th[GC_THREADS];
    gc_arg args[GC_THREADS];
    for (int t = 0; t < GC_THREADS; t++) {
        args[t] = (gc_arg){.n = n, .t = t};
        CHECK(pthread_create(&th[t], NULL, gc_submitter, &args[t]) == 0);
    }
    int acked = 0, failed = 0;
    for (int t = 0; t < GC_THREADS; t++) {
        pthread_join(th[t], NULL);
        acked += args[t].acked;
        failed += args[t].failed;
    }
    CHECK_EQ(failed, 0);
    CHECK(acked >= N_KEYS * GC_NONCES);
    size_t total = 1;
    for (int i = 0; i < 2000 && total; i++) {
        usleep(2000);
        node_pool_counts(n, &total, NULL);
    }
    CHECK_EQ(total, 0);
    for (int k = 0; k < N_KEYS; k++) {
        uint64_t nonce;
        CHECK_OK(node_account(n, g_addr[k], NULL, &nonce, NULL));
        CHECK_EQ(nonce, GC_NONCES);
    }
    node_free(n);

    zk_db *db = NULL;
    CHECK_OK(db_open(&db, pp, 0, 0));
    sqlite3_stmt *st;
    int row = 0;
    if (db && !db_stmt(db, "SELECT COUNT(*) FROM pending", &st) && !db_step(db, st, &row) && row)
        CHECK_EQ(sqlite3_column_int64(st, 0), 0);
    else
        CHECK(0);
    db_close(db);
    CHECK_OK(ledger_verify_replay(lp));
    rm_dir(dir);
}

/* ---- node_submit_many (one JSON-RPC batch) --------------------------------------- */

/* One batch item: key k (-1: garbage bytes), nonce, value, fee cap in gwei, chain. */
typedef struct many_item {
    int k;
    uint64_t nonce, value, fee, chain;
} many_item;

static void make_item(zk_buf *b, const many_item *it)
{
    if (it->k < 0) {
        static const uint8_t junk[3] = {0xc0, 0x01, 0x02};
        zk_buf_reset(b);
        CHECK_OK(zk_buf_append(b, junk, sizeof junk));
    } else {
        make_tx(b, it->k, it->nonce, it->value, it->fee, it->chain);
    }
}

/* A batch of good and bad transactions gets, item by item and in order, exactly what
 * node_submit gives them one after the other (a second node is the oracle); the
 * good ones are durable (they come back after a restart), the bad ones leave
 * nothing behind. The batch also replaces one of its own transactions, whose row
 * only this batch's thread can write. */
static void test_submit_many(void)
{
    static const many_item items[] = {
        {0, 0, 1, 1, CHAIN_ID},                      /* ok */
        {0, 1, 2, 1, CHAIN_ID},                      /* ok: next nonce, same batch */
        {1, 0, 1, 1, 1},                             /* invalid chain id */
        {-1, 0, 0, 0, 0},                            /* not RLP */
        {2, 20, 1, 1, CHAIN_ID},                     /* nonce too high (gap 8) */
        {0, 1, 3, 2, CHAIN_ID},                      /* replaces item 1 */
        {0, 1, 4, 2, CHAIN_ID},                      /* underpriced against item 5 */
        {3, 0, 2000000000000000000ull, 1, CHAIN_ID}, /* insufficient funds */
        {0, 0, 1, 1, CHAIN_ID},                      /* already known (item 0) */
        {4, 0, 5, 1, CHAIN_ID},                      /* ok */
        {5, 1, 5, 1, CHAIN_ID},                      /* ok: future nonce, kept */
    };
    enum { K = sizeof items / sizeof items[0] };
    char dir[] = "/tmp/zk_test_node_many_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    zk_buf raw[K];
    node_sub subs[K];
    memset(subs, 0, sizeof subs);
    for (size_t i = 0; i < K; i++) {
        zk_buf_init(&raw[i], TX_MAX_RAW);
        make_item(&raw[i], &items[i]);
        subs[i].raw = raw[i].data;
        subs[i].len = raw[i].len;
    }
    node *n = open_node(dir, 100, 64, 16);
    node *oracle = open_node(NULL, 100, 64, 16);
    if (!n || !oracle)
        return;
    CHECK_OK(node_submit_many(n, subs, 0));
    CHECK_OK(node_submit_many(n, subs, K));
    size_t accepted = 0;
    for (size_t i = 0; i < K; i++) {
        const char *reason = NULL;
        uint8_t h[32];
        int rc = node_submit(oracle, raw[i].data, raw[i].len, h, &reason);
        CHECK_MSG(subs[i].rc == rc, "item %zu: rc %d, one by one %d", i, subs[i].rc, rc);
        if (!rc) {
            accepted++;
            CHECK(memcmp(subs[i].hash, h, 32) == 0);
            CHECK(subs[i].reason[0] == '\0');
        } else {
            CHECK_MSG(reason && strcmp(subs[i].reason, reason) == 0, "item %zu: '%s' vs '%s'", i,
                      subs[i].reason, reason ? reason : "(null)");
        }
    }
    CHECK_EQ(accepted, 5);
    CHECK(!strcmp(subs[2].reason, "invalid chain id"));
    CHECK(!strcmp(subs[4].reason, "nonce too high"));
    CHECK(!strcmp(subs[6].reason, "replacement transaction underpriced"));
    CHECK(!strcmp(subs[7].reason, "insufficient funds for gas * price + value"));
    CHECK(!strcmp(subs[8].reason, "already known"));
    CHECK(subs[3].reason[0] != '\0');
    node_free(oracle);
    node_free(n);

    /* Durable: after a restart the pool holds the four live ones (item 1 was
     * replaced by item 5), and a block mines the three executable ones. */
    n = open_node(dir, 100, 64, 16);
    if (!n)
        return;
    size_t total, ex;
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(total, 4);
    CHECK_EQ(ex, 3);
    int made;
    ledger_block blk;
    CHECK_OK(node_produce_block(n, 2000, &made, &blk));
    CHECK_EQ(made, 1);
    CHECK_EQ(blk.tx_count, 3);
    u256 bal, want;
    uint64_t nonce;
    CHECK_OK(node_account(n, g_addr[0], &bal, &nonce, NULL));
    CHECK_EQ(nonce, 2);
    u256_from_u64(&want, 1000000000000000000ull - 1 - 3 - 2 * 21000 * GWEI);
    CHECK(u256_cmp(&bal, &want) == 0);
    node_free(n);
    for (size_t i = 0; i < K; i++)
        zk_buf_free(&raw[i]);
    rm_dir(dir);
}

/* Crash during a stream of batches: a child process submits batches (8 senders,
 * one nonce each, plus a refused one) to a node with its sequencer running and
 * reports every acknowledged hash on a pipe; it is killed with SIGKILL mid-stream.
 * After a restart every acknowledged transfer is in a block exactly once and the
 * state root is the replay's. */
#define CR_SENDERS 8
#define CR_NONCES  400
static void crash_child(const char *dir, int fd)
{
    char lp[600], pp[600];
    snprintf(lp, sizeof lp, "%s/ledger.db", dir);
    snprintf(pp, sizeof pp, "%s/pool.db", dir);
    node_config c;
    node_config_default(&c);
    c.genesis = &g_gen;
    c.ledger_path = lp;
    c.pool_path = pp;
    c.block_time_ms = 2;
    node *n = NULL;
    if (node_open(&n, &c) || node_start(n))
        _exit(2);
    zk_buf raw[CR_SENDERS + 1];
    node_sub subs[CR_SENDERS + 1];
    for (size_t i = 0; i <= CR_SENDERS; i++)
        zk_buf_init(&raw[i], TX_MAX_RAW);
    for (uint64_t nonce = 0; nonce < CR_NONCES; nonce++) {
        memset(subs, 0, sizeof subs);
        for (size_t i = 0; i <= CR_SENDERS; i++) {
            /* the last item is refused: a nonce far past the gap cap */
            make_tx(&raw[i], (int)(i % CR_SENDERS), i < CR_SENDERS ? nonce : nonce + 1000, 1, 1,
                    CHAIN_ID);
            subs[i].raw = raw[i].data;
            subs[i].len = raw[i].len;
        }
        if (node_submit_many(n, subs, CR_SENDERS + 1))
            _exit(3);
        for (size_t i = 0; i <= CR_SENDERS; i++) {
            if (i == CR_SENDERS ? subs[i].rc == ZK_OK : subs[i].rc != ZK_OK)
                _exit(4);
            if (!subs[i].rc && write(fd, subs[i].hash, 32) != 32)
                _exit(5);
        }
    }
    _exit(0);
}

static void test_batch_crash(void)
{
    char dir[] = "/tmp/zk_test_node_crash_XXXXXX";
    int fds[2];
    if (!mkdtemp(dir) || pipe(fds) != 0) {
        CHECK(0);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        crash_child(dir, fds[1]);
    }
    close(fds[1]);
    size_t cap = (size_t)CR_SENDERS * CR_NONCES, n_acked = 0;
    uint8_t(*acked)[32] = calloc(cap, 32);
    int killed = 0;
    for (;;) {
        ssize_t got = acked ? read(fds[0], acked[n_acked], 32) : -1;
        if (got != 32)
            break;
        /* Kill it a good way into the stream, while batches are in flight. */
        if (++n_acked == cap / 4 && !killed) {
            kill(pid, SIGKILL);
            killed = 1;
        }
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK_MSG(killed && WIFSIGNALED(status), "child killed mid-stream (status %d)", status);
    CHECK(n_acked >= cap / 4 && n_acked < cap);

    node *n = open_node(dir, 1000, 8192, 1024);
    if (!n || !acked)
        return;
    size_t total = 1;
    for (int i = 0; i < 100 && total; i++) {
        int made;
        /* after the child's blocks, which its sequencer stamped with the clock */
        CHECK_OK(node_produce_block(n, (uint64_t)time(NULL) + 10 + (uint64_t)i, &made, NULL));
        node_pool_counts(n, &total, NULL);
    }
    CHECK_EQ(total, 0);
    uint64_t mined = 0;
    for (int k = 0; k < CR_SENDERS; k++) {
        uint64_t nonce;
        CHECK_OK(node_account(n, g_addr[k], NULL, &nonce, NULL));
        mined += nonce;
    }
    node_free(n);
    /* More may be mined than acknowledged (a batch cut by the kill), never less. */
    CHECK(mined >= n_acked);

    char lp[600];
    snprintf(lp, sizeof lp, "%s/ledger.db", dir);
    ledger *l = NULL;
    CHECK_OK(ledger_open(&l, lp, &g_gen));
    size_t found = 0, in_blocks = 0;
    for (size_t i = 0; l && i < n_acked; i++) {
        ledger_receipt r;
        found += ledger_tx_by_hash(l, acked[i], &r, NULL) == ZK_OK;
    }
    /* Exactly once: the blocks hold one tx per nonce mined, no more. */
    for (uint64_t b = 1; l && b <= ledger_head(l); b++) {
        ledger_block blk;
        CHECK_OK(ledger_block_by_number(l, b, &blk));
        in_blocks += blk.tx_count;
    }
    CHECK_EQ(found, n_acked);
    CHECK_EQ(in_blocks, mined);
    ledger_free(l);
    CHECK_OK(ledger_verify_replay(lp));
    free(acked);
    rm_dir(dir);
}

/* A ledger of schema version 3 (transactions keyed by hash) is carried over to
 * version 4 (a rowid table in block order, the hash in an index) with its rows:
 * mined transactions are still found and known, new blocks append, and the store
 * replays. */
static void test_ledger_tx_migration(void)
{
    char dir[] = "/tmp/zk_test_node_ltx_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char lp[600];
    snprintf(lp, sizeof lp, "%s/ledger.db", dir);
    node *n = open_node(dir, 100, 64, 64);
    if (!n)
        return;
    uint8_t h[3][32];
    for (uint64_t k = 0; k < 3; k++)
        CHECK_OK(submit(n, 7, k, 1, 1, NULL, h[k]));
    int made;
    CHECK_OK(node_produce_block(n, 2000, &made, NULL));
    CHECK_EQ(made, 1);
    node_free(n);

    zk_db *db = NULL;
    CHECK_OK(db_open(&db, lp, DB_DURABLE, 0));
    if (!db)
        return;
    CHECK_EQ(db_schema_version(db), 4);
    CHECK_OK(db_exec(
        db, "CREATE TABLE old (hash BLOB PRIMARY KEY, block INTEGER NOT NULL"
            " REFERENCES ledger_block (number) DEFERRABLE INITIALLY DEFERRED,"
            " idx INTEGER NOT NULL, sender BLOB NOT NULL, recipient BLOB, raw BLOB NOT NULL,"
            " status INTEGER NOT NULL, gas_used INTEGER NOT NULL, price BLOB NOT NULL,"
            " cum_gas INTEGER NOT NULL, revert TEXT, UNIQUE (block, idx)) WITHOUT ROWID;"
            "INSERT INTO old SELECT hash, block, idx, sender, recipient, raw, status,"
            " gas_used, price, cum_gas, revert FROM ledger_tx;"
            "DROP TABLE ledger_tx; ALTER TABLE old RENAME TO ledger_tx;"
            "PRAGMA user_version = 3;"));
    db_close(db);

    n = open_node(dir, 100, 64, 64);
    if (!n)
        return;
    const char *reason = NULL;
    CHECK_ERR(submit(n, 7, 1, 1, 1, &reason, NULL), ZK_ERR_EXISTS);
    CHECK(reason && !strcmp(reason, "already known"));
    CHECK_OK(submit(n, 7, 3, 1, 1, NULL, NULL));
    CHECK_OK(node_produce_block(n, 2001, &made, NULL));
    CHECK_EQ(made, 1);
    node_free(n);
    ledger *l = NULL;
    CHECK_OK(ledger_open(&l, lp, &g_gen));
    for (int k = 0; l && k < 3; k++) {
        ledger_receipt r;
        CHECK_OK(ledger_tx_by_hash(l, h[k], &r, NULL));
    }
    uint8_t first[32];
    CHECK_OK(ledger_block_tx(l, 1, 0, first));
    CHECK(memcmp(first, h[0], 32) == 0);
    ledger_free(l);
    CHECK_OK(db_open(&db, lp, DB_DURABLE, 0));
    CHECK_EQ(db_schema_version(db), 4);
    db_close(db);
    CHECK_OK(ledger_verify_replay(lp));
    rm_dir(dir);
}

/* A pending table of schema version 1 (rows keyed by hash) is carried over to
 * version 2 (keyed by arrival order) with its rows, in their order. */
static void test_pool_migration(void)
{
    char dir[] = "/tmp/zk_test_node_mig_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char pp[600];
    snprintf(pp, sizeof pp, "%s/pool.db", dir);
    zk_db *db = NULL;
    CHECK_OK(db_open(&db, pp, DB_DURABLE, 0));
    if (!db)
        return;
    CHECK_OK(db_exec(db, "CREATE TABLE pending (hash BLOB PRIMARY KEY, raw BLOB NOT NULL,"
                         " seq INTEGER NOT NULL); PRAGMA user_version=1;"));
    /* nonce 1 arrived before nonce 0, and a replacement of nonce 0 (fee 2) after
     * it: as a crash between the two writes of a replacement could not leave it,
     * but the reload must still keep one tx per nonce and one row per tx */
    static const int64_t seq_of[3] = {9, 4, 12};
    static const uint64_t nonce_of[3] = {0, 1, 0}, fee_of[3] = {1, 1, 2};
    zk_buf b;
    zk_buf_init(&b, TX_MAX_RAW);
    uint8_t repl[32];
    for (int k = 0; k < 3; k++) {
        make_tx(&b, 6, nonce_of[k], 1, fee_of[k], CHAIN_ID);
        uint8_t h[32];
        zk_keccak256(h, b.data, b.len);
        memcpy(repl, h, 32);
        sqlite3_stmt *st;
        CHECK_OK(db_stmt(db, "INSERT INTO pending (hash, raw, seq) VALUES (?, ?, ?)", &st));
        CHECK_OK(db_bind(st, "bbi", h, (size_t)32, b.data, b.len, seq_of[k]));
        CHECK_OK(db_step(db, st, NULL));
    }
    zk_buf_free(&b);
    db_close(db);

    node *n = open_node(dir, 100, 64, 64);
    if (!n)
        return;
    size_t total, ex;
    node_pool_counts(n, &total, &ex);
    CHECK_EQ(total, 2);
    CHECK_EQ(ex, 2);
    CHECK_OK(submit(n, 6, 2, 1, 1, NULL, NULL));
    int made;
    ledger_block blk;
    CHECK_OK(node_produce_block(n, 2000, &made, &blk));
    CHECK_EQ(made, 1);
    CHECK_EQ(blk.tx_count, 3);
    node_free(n);

    CHECK_OK(db_open(&db, pp, 0, 0));
    if (db) {
        CHECK_EQ(db_schema_version(db), 2);
        sqlite3_stmt *st;
        int row = 0;
        CHECK_OK(db_stmt(db, "SELECT COUNT(*) FROM pending", &st));
        CHECK_OK(db_step(db, st, &row));
        CHECK(row && sqlite3_column_int64(st, 0) == 0);
        sqlite3_reset(st);
        db_close(db);
    }
    /* the block has the replacement */
    char lp[600];
    snprintf(lp, sizeof lp, "%s/ledger.db", dir);
    CHECK_OK(db_open(&db, lp, 0, 0));
    if (db) {
        sqlite3_stmt *st;
        int row = 0;
        CHECK_OK(db_stmt(db, "SELECT 1 FROM ledger_tx WHERE hash = ?", &st));
        CHECK_OK(db_bind(st, "b", repl, (size_t)32));
        CHECK_OK(db_step(db, st, &row));
        CHECK(row);
        sqlite3_reset(st);
        db_close(db);
    }
    rm_dir(dir);
}

int main(void)
{
    t_seed();
    setup();
    test_ordering_and_rules();
    test_pool_accounts();
    test_fairness();
    test_durability();
    test_pool_migration();
    test_sequencer_thread();
    test_group_commit();
    test_submit_many();
    test_batch_crash();
    test_ledger_tx_migration();
    return t_report("test_node");
}
