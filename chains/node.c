#include "chains/node.h"
#include "chains/node_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/db.h"
#include "common/error.h"
#include "common/log.h"
#include "common/secp.h"

/* How many senders (with an empty queue or not) the pool keeps an account for
 * before it forgets those with an empty queue, after a block. */
#define NODE_KEPT_ACCOUNTS 65536u

/* One pool transaction. raw is owned; tx.data points into it. */
typedef struct ptx {
    uint8_t *raw;
    size_t len;
    eth_tx tx;
    int durable; /* its pending row is committed; only then may a block take it */
    int inblock; /* taken by the block being applied: it may not be replaced */
    int64_t seq; /* its row in the pending table (arrival order) */
} ptx;

/* One sender's transactions, sorted by nonce, no nonce twice. */
typedef struct psender {
    uint8_t addr[20];
    size_t slot; /* index in node.senders */
    /* The account as of the last block the pool has seen finish: admission checks
     * against it without the ledger, which a block may be busy with. */
    u256 bal;
    uint64_t nonce;
    ptx **txs;
    size_t n, cap;
} psender;

/* One submitting thread waiting for the pending rows of its transactions (one
 * call, or every transaction of a JSON-RPC batch) to be committed: it sleeps once
 * for all of them, however many commits carry them. Lives on its stack. */
typedef struct pgroup {
    pthread_cond_t cv; /* all its rows are committed, or it is first in line to write */
    size_t left;       /* its waiters not done yet */
    int waiting;       /* it sleeps on cv (so a wake-up for the next writer reaches it) */
} pgroup;

/* One transaction waiting for its pending row to be committed; the group commit
 * (flush_locked) fills rc and done. */
typedef struct pwait {
    pgroup *g;     /* the thread that waits for it */
    ptx *p;        /* admitted, not yet durable */
    ptx *replaced; /* the tx p replaced: freed once the change is durable, put
                      back if it fails */
    int done, rc;
    struct pwait *next;
} pwait;

/* Two locks, always taken in this order when both are held: lmu guards the ledger
 * handle (a block is applied under lmu alone, so admission goes on meanwhile), mu
 * guards the pool, the group commit queue and every field below it. */
struct node {
    pthread_mutex_t lmu;
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* wakes the sequencer */
    pthread_cond_t cv_sync;  /* a group commit finished (for replacements waiting) */
    pthread_cond_t cv_block; /* a block's transactions left the pool */
    pthread_t thread;
    int running, stopping;
    ledger *l;
    uint64_t head; /* the ledger's head as the pool has seen it */
    uint64_t gen;  /* blocks finished since open: a stale account read shows here */
    zk_db *pool_db;
    node_config cfg;
    char client_version[64];
    int has_key;
    uint8_t chain_sk[32];  /* secret: wiped by node_free */
    uint8_t chain_pub[65]; /* uncompressed */
    psender **senders;     /* dense, for the sequencer's passes */
    size_t n_senders, cap_senders;
    psender **map;  /* open addressing on a keyed hash of the address; NULL = free */
    size_t map_cap; /* a power of two, at least twice n_senders */
    uint64_t map_key[3];
    size_t total;
    /* Group commit: every pending-row change since the last commit, written in one
     * SQLite transaction (one fsync) by whichever thread finds no commit running. */
    pwait *wq_head, **wq_tail;
    int64_t *dels; /* rows (seq) of txs that left the pool (blocks, pruning) */
    size_t n_dels, cap_dels;
    int writing;
    int64_t next_seq; /* arrival order of the next row; only the writer uses it */
};

/* Version 2 keys the rows by arrival order: rows are appended and deleted in
 * about the order they came, so a group commit dirties a few pages at the end of
 * one B-tree rather than pages all over a hash index. The pool never holds a hash
 * twice, so the hash needs no index (reload drops a repeated one). */
static const db_migration k_pool_migrations[] = {
    {1, "CREATE TABLE pending (hash BLOB PRIMARY KEY, raw BLOB NOT NULL, seq INTEGER NOT NULL);"},
    {2, "CREATE TABLE pending2 (seq INTEGER PRIMARY KEY, hash BLOB NOT NULL, raw BLOB NOT NULL);"
        "INSERT INTO pending2 (seq, hash, raw) SELECT seq, hash, raw FROM pending ORDER BY seq;"
        "DROP TABLE pending;"
        "ALTER TABLE pending2 RENAME TO pending;"},
};

void node_config_default(node_config *c)
{
    memset(c, 0, sizeof *c);
    c->block_time_ms = 1000;
    c->max_block_txs = 1000;
    c->pool_max_txs = 8192;
    c->pool_max_per_sender = 64;
    c->pool_max_nonce_gap = 64;
    c->batch_blocks = 10;
}

static void ptx_free(ptx *p)
{
    if (p) {
        free(p->raw);
        free(p);
    }
}

/* ---- the sender table ------------------------------------------------------------ */

/* Addresses are chosen by whoever makes keys, so they could be ground to collide
 * under a fixed hash; a key drawn per node keeps probe chains short regardless. */
static size_t addr_hash(const node *n, const uint8_t a[20])
{
    uint64_t w[3] = {0, 0, 0};
    memcpy(&w[0], a, 8);
    memcpy(&w[1], a + 8, 8);
    memcpy(&w[2], a + 16, 4);
    uint64_t h = (w[0] ^ n->map_key[0]) * 0x9e3779b97f4a7c15ull;
    h = (h ^ (h >> 29) ^ w[1] ^ n->map_key[1]) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 31) ^ w[2] ^ n->map_key[2]) * 0x94d049bb133111ebull;
    return (size_t)(h ^ (h >> 32));
}

static psender *find_sender(node *n, const uint8_t addr[20])
{
    if (!n->map_cap)
        return NULL;
    size_t mask = n->map_cap - 1;
    for (size_t i = addr_hash(n, addr) & mask; n->map[i]; i = (i + 1) & mask)
        if (memcmp(n->map[i]->addr, addr, 20) == 0)
            return n->map[i];
    return NULL;
}

static void map_put(node *n, psender *s)
{
    size_t mask = n->map_cap - 1, i = addr_hash(n, s->addr) & mask;
    while (n->map[i])
        i = (i + 1) & mask;
    n->map[i] = s;
}

/* Linear probing with backward-shift deletion, so no tombstones pile up. */
static void map_del(node *n, const psender *s)
{
    size_t mask = n->map_cap - 1, i = addr_hash(n, s->addr) & mask;
    while (n->map[i] != s)
        i = (i + 1) & mask;
    for (size_t j = (i + 1) & mask; n->map[j]; j = (j + 1) & mask) {
        size_t home = addr_hash(n, n->map[j]->addr) & mask;
        /* j's entry may move to the hole at i when its home is not in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            n->map[i] = n->map[j];
            i = j;
        }
    }
    n->map[i] = NULL;
}

/* Makes room for one more sender in both tables. */
static int senders_reserve(node *n)
{
    if (n->n_senders == n->cap_senders) {
        size_t nc = n->cap_senders ? n->cap_senders * 2 : 16;
        psender **ns = realloc(n->senders, nc * sizeof *ns);
        if (!ns)
            return zk_err_set(ZK_ERR_NOMEM, "pool: sender table of %zu", nc);
        n->senders = ns;
        n->cap_senders = nc;
    }
    if (2 * (n->n_senders + 1) > n->map_cap) {
        size_t nc = n->map_cap ? n->map_cap * 2 : 64;
        psender **nm = calloc(nc, sizeof *nm);
        if (!nm)
            return zk_err_set(ZK_ERR_NOMEM, "pool: sender map of %zu", nc);
        free(n->map);
        n->map = nm;
        n->map_cap = nc;
        for (size_t i = 0; i < n->n_senders; i++)
            map_put(n, n->senders[i]);
    }
    return ZK_OK;
}

static psender *sender_add(node *n, const uint8_t addr[20])
{
    psender *s = calloc(1, sizeof *s);
    if (!s || senders_reserve(n)) {
        free(s);
        if (!s)
            zk_err_set(ZK_ERR_NOMEM, "pool: sender");
        return NULL;
    }
    memcpy(s->addr, addr, 20);
    s->slot = n->n_senders;
    n->senders[n->n_senders++] = s;
    map_put(n, s);
    return s;
}

static void drop_sender_if_empty(node *n, psender *s)
{
    if (s->n)
        return;
    map_del(n, s);
    psender *last = n->senders[--n->n_senders];
    n->senders[s->slot] = last;
    last->slot = s->slot;
    free(s->txs);
    free(s);
}

/* Removes txs[k] of s (the caller frees it). */
static void sender_remove_at(node *n, psender *s, size_t k)
{
    memmove(&s->txs[k], &s->txs[k + 1], (s->n - k - 1) * sizeof s->txs[0]);
    s->n--;
    n->total--;
}

/* The position of nonce in s's queue (or where it would go). */
static size_t sender_pos(const psender *s, uint64_t nonce)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->txs[mid]->tx.nonce < nonce)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- the pending table: group commit ------------------------------------------------ */

static int pool_db_delete_one(node *n, int64_t seq)
{
    sqlite3_stmt *st;
    int rc = db_stmt(n->pool_db, "DELETE FROM pending WHERE seq = ?", &st);
    if (!rc)
        rc = db_bind(st, "i", seq);
    if (!rc)
        rc = db_step(n->pool_db, st, NULL);
    return rc;
}

/* Writes the deletions and the waiters' rows in one SQLite transaction: one fsync
 * however many there are. Runs without the node lock; the waiters' txs cannot leave
 * the pool meanwhile (a block takes only durable ones, a replacement of one waits). */
static int pool_db_write(node *n, pwait *list, const int64_t *dels, size_t n_dels)
{
    int rc = db_begin(n->pool_db);
    for (size_t i = 0; !rc && i < n_dels; i++)
        rc = pool_db_delete_one(n, dels[i]);
    int64_t seq = n->next_seq;
    for (pwait *w = list; !rc && w; w = w->next) {
        if (w->replaced)
            rc = pool_db_delete_one(n, w->replaced->seq);
        sqlite3_stmt *st;
        if (!rc)
            rc = db_stmt(n->pool_db, "INSERT INTO pending (seq, hash, raw) VALUES (?, ?, ?)", &st);
        if (!rc)
            rc = db_bind(st, "ibb", seq, w->p->tx.hash, (size_t)32, w->p->raw, w->p->len);
        if (!rc)
            rc = db_step(n->pool_db, st, NULL);
        /* Nobody reads it before the commit is done: a block takes only durable
         * txs and a replacement of this one waits for the commit. */
        w->p->seq = seq++;
    }
    if (!rc)
        rc = db_commit(n->pool_db);
    if (rc) {
        db_rollback(n->pool_db);
        return zk_err_wrap(rc, "pool: storing pending txs: ");
    }
    n->next_seq = seq;
    return ZK_OK;
}

/* Takes a failed waiter's tx out of the pool again (putting back what it replaced). */
static void pool_unadmit(node *n, pwait *w)
{
    psender *s = find_sender(n, w->p->tx.sender);
    if (!s)
        return;
    size_t pos = sender_pos(s, w->p->tx.nonce);
    if (pos >= s->n || s->txs[pos] != w->p)
        return;
    if (w->replaced) {
        s->txs[pos] = w->replaced;
        w->replaced = NULL;
    } else {
        sender_remove_at(n, s, pos);
        drop_sender_if_empty(n, s);
    }
    ptx_free(w->p);
    w->p = NULL;
}

/* One group commit of everything queued. Called with the lock held and no commit
 * running; drops the lock for the write and holds it again on return. */
static int flush_locked(node *n)
{
    pwait *list = n->wq_head;
    int64_t *dels = n->dels;
    size_t n_dels = n->n_dels;
    if (!list && !n_dels)
        return ZK_OK;
    n->wq_head = NULL;
    n->wq_tail = &n->wq_head;
    n->dels = NULL;
    n->n_dels = n->cap_dels = 0;
    n->writing = 1;
    pthread_mutex_unlock(&n->mu);
    int rc = n->pool_db ? pool_db_write(n, list, dels, n_dels) : ZK_OK;
    pthread_mutex_lock(&n->mu);
    for (pwait *w = list, *next; w; w = next) {
        next = w->next;
        if (!rc) {
            w->p->durable = 1;
            ptx_free(w->replaced);
            w->replaced = NULL;
        } else {
            pool_unadmit(n, w);
        }
        w->rc = rc;
        w->done = 1;
        if (--w->g->left == 0)
            pthread_cond_signal(&w->g->cv);
    }
    if (rc && n_dels) {
        /* Only cleanup: retried with the next commit, and a restart drops rows
         * whose transactions are in blocks anyway. */
        size_t k = n->n_dels + n_dels;
        int64_t *nd = realloc(dels, k * sizeof *nd);
        if (nd) {
            memcpy(nd + n_dels, n->dels, n->n_dels * sizeof *nd);
            free(n->dels);
            n->dels = nd;
            n->n_dels = n->cap_dels = k;
            dels = NULL;
        }
    }
    free(dels);
    n->writing = 0;
    /* Only one waiter wakes to write the next group, the first in line that sleeps
     * (a batch's thread may still be admitting the rest of its batch; it writes
     * itself when it comes to wait): waking every waiter for each commit made the
     * scheduler a large part of the cost. */
    for (pwait *w = n->wq_head; w; w = w->next)
        if (w->g->waiting) {
            pthread_cond_signal(&w->g->cv);
            break;
        }
    pthread_cond_broadcast(&n->cv_sync);
    if (rc)
        ZK_LOG(ZK_LOG_ERROR, "node.pool_write_failed", ZKF_STR("detail", zk_err_detail()));
    return rc;
}

/* Queues the pending row of a tx that left the pool for deletion with the next
 * group commit. */
static int queue_delete(node *n, int64_t seq)
{
    if (n->n_dels == n->cap_dels) {
        size_t nc = n->cap_dels ? n->cap_dels * 2 : 256;
        int64_t *nd = realloc(n->dels, nc * sizeof *nd);
        if (!nd)
            return zk_err_set(ZK_ERR_NOMEM, "pool: %zu row deletions", nc);
        n->dels = nd;
        n->cap_dels = nc;
    }
    n->dels[n->n_dels++] = seq;
    return ZK_OK;
}

/* ---- admission ---------------------------------------------------------------- */

/* What admission needs before it can decide. */
enum {
    ADMIT_DONE = 0,   /* decided: accepted or refused */
    ADMIT_WAIT_SYNC,  /* p would replace a tx whose row is not committed yet */
    ADMIT_WAIT_BLOCK, /* p would replace a tx the running block has taken */
    ADMIT_NEED_ACCT,  /* a sender the pool does not hold: read its account */
    ADMIT_NONCE_LOW,  /* below the account nonce: the ledger tells "already known" from
                         "nonce too low" */
};

/* An account read from the ledger for a sender the pool does not hold yet. */
typedef struct acct_view {
    u256 bal;
    uint64_t nonce;
} acct_view;

/* The admission rules of docs/CHAIN.md. Takes ownership of p on ZK_OK with *again
 * ADMIT_DONE. w: queue the pending row on w for the group commit; NULL when
 * reloading the table (the row is there already). fresh: the sender's account when
 * the caller read it (ADMIT_NEED_ACCT). Any other *again: nothing was done; the
 * caller gets what is missing and tries again. Called with mu held. */
static int pool_admit(node *n, ptx *p, pwait *w, const acct_view *fresh, int *again,
                      const char **reason)
{
    const eth_tx *tx = &p->tx;
    *again = ADMIT_DONE;
    psender *s = find_sender(n, tx->sender);
    if (!s && !fresh) {
        *again = ADMIT_NEED_ACCT;
        return ZK_OK;
    }
    uint64_t acct_nonce = s ? s->nonce : fresh->nonce;
    const u256 *acct_bal = s ? &s->bal : &fresh->bal;
    size_t pos = 0;
    ptx *same = NULL;
    if (s) {
        pos = sender_pos(s, tx->nonce);
        if (pos < s->n && s->txs[pos]->tx.nonce == tx->nonce)
            same = s->txs[pos];
    }
    if (same && memcmp(same->tx.hash, tx->hash, 32) == 0) {
        *reason = "already known";
        return zk_err_set(ZK_ERR_EXISTS, "already known");
    }
    if (tx->nonce > acct_nonce && tx->nonce - acct_nonce > n->cfg.pool_max_nonce_gap) {
        *reason = "nonce too high";
        return zk_err_set(ZK_ERR_RANGE, "nonce too high: %llu is more than %u past %llu",
                          (unsigned long long)tx->nonce, n->cfg.pool_max_nonce_gap,
                          (unsigned long long)acct_nonce);
    }
    if (tx->nonce < acct_nonce) {
        *again = ADMIT_NONCE_LOW;
        return ZK_OK;
    }
    /* The ledger wants the exact next nonce; for a future nonce the other checks
     * (chain id, fees, gas, balance now) are made on a copy that carries the account
     * nonce. A nonce at or past the account's cannot be in a block yet. */
    eth_tx probe = *tx;
    probe.nonce = acct_nonce;
    int rc = ledger_check_tx_at(n->l, &probe, acct_bal, acct_nonce, reason);
    if (rc)
        return rc;
    if (same) {
        if (u256_cmp(&tx->gas_price, &same->tx.gas_price) <= 0 ||
            u256_cmp(&tx->max_priority_fee, &same->tx.max_priority_fee) < 0) {
            *reason = "replacement transaction underpriced";
            return zk_err_set(ZK_ERR_RANGE, "replacement transaction underpriced");
        }
        if (same->inblock) {
            *again = ADMIT_WAIT_BLOCK;
            return ZK_OK;
        }
        if (!same->durable) {
            *again = ADMIT_WAIT_SYNC;
            return ZK_OK;
        }
        /* Reloading: both rows were in the table; the loser's goes. */
        if (!w && (rc = queue_delete(n, same->seq)) != ZK_OK)
            return rc;
        s->txs[pos] = p;
        if (w) {
            w->replaced = same;
        } else {
            p->durable = 1;
            ptx_free(same);
        }
        goto queued;
    }
    if (n->total >= n->cfg.pool_max_txs) {
        *reason = "txpool is full";
        return zk_err_set(ZK_ERR_BUSY, "txpool is full (%u txs)", n->cfg.pool_max_txs);
    }
    if (s && s->n >= n->cfg.pool_max_per_sender) {
        *reason = "account slot limit exceeded";
        return zk_err_set(ZK_ERR_BUSY, "account slot limit exceeded (%u txs)",
                          n->cfg.pool_max_per_sender);
    }
    if (!s) {
        if (!(s = sender_add(n, tx->sender)))
            return ZK_ERR_NOMEM;
        s->bal = fresh->bal;
        s->nonce = fresh->nonce;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 4;
        ptx **nt = realloc(s->txs, nc * sizeof *nt);
        if (!nt) {
            drop_sender_if_empty(n, s);
            return zk_err_set(ZK_ERR_NOMEM, "pool: sender queue of %zu", nc);
        }
        s->txs = nt;
        s->cap = nc;
    }
    memmove(&s->txs[pos + 1], &s->txs[pos], (s->n - pos) * sizeof s->txs[0]);
    s->txs[pos] = p;
    s->n++;
    n->total++;
    if (!w)
        p->durable = 1;
queued:
    if (w) {
        w->p = p;
        w->next = NULL;
        *n->wq_tail = w;
        n->wq_tail = &w->next;
    }
    return ZK_OK;
}

/* Runs pool_admit until it decides, getting what it asks for: the ledger is read
 * under lmu with mu dropped (lock order), so a block being applied delays only
 * the senders the pool does not hold yet. An account read that a finishing block
 * may have overtaken is read again. Called with mu held; holds it on return. */
static int admit_locked(node *n, ptx *p, pwait *w, const char **reason)
{
    acct_view fresh;
    int have = 0;
    for (;;) {
        int again;
        int rc = pool_admit(n, p, w, have ? &fresh : NULL, &again, reason);
        if (rc || again == ADMIT_DONE)
            return rc;
        if (again == ADMIT_WAIT_SYNC) {
            /* The row may be one this thread queued itself (a batch replacing its own
             * transaction) and nobody else may come to write it. */
            if (n->writing)
                pthread_cond_wait(&n->cv_sync, &n->mu);
            else
                (void)flush_locked(n);
            continue;
        }
        uint64_t g = n->gen;
        if (again == ADMIT_WAIT_BLOCK) {
            while (n->gen == g)
                pthread_cond_wait(&n->cv_block, &n->mu);
            continue;
        }
        pthread_mutex_unlock(&n->mu);
        pthread_mutex_lock(&n->lmu);
        if (again == ADMIT_NEED_ACCT) {
            rc = ledger_account(n->l, p->tx.sender, &fresh.bal, &fresh.nonce);
        } else {
            /* The ledger's nonce is at least the pool's, so this refuses. */
            rc = ledger_check_tx(n->l, &p->tx, reason);
            if (!rc) {
                *reason = "nonce too low";
                rc = zk_err_set(ZK_ERR_RANGE, "nonce too low");
            }
        }
        pthread_mutex_unlock(&n->lmu);
        pthread_mutex_lock(&n->mu);
        if (rc || again == ADMIT_NONCE_LOW)
            return rc;
        have = n->gen == g;
    }
}

static int ptx_make(const uint8_t *raw, size_t len, ptx **out, const char **reason)
{
    if (len > TX_MAX_RAW) {
        *reason = "oversized data";
        return zk_err_set(ZK_ERR_TOO_LARGE, "oversized data");
    }
    ptx *p = calloc(1, sizeof *p);
    if (!p)
        return zk_err_set(ZK_ERR_NOMEM, "pool: tx");
    p->raw = malloc(len ? len : 1);
    if (!p->raw) {
        free(p);
        return zk_err_set(ZK_ERR_NOMEM, "pool: tx of %zu bytes", len);
    }
    memcpy(p->raw, raw, len);
    p->len = len;
    int rc = tx_decode(p->raw, len, &p->tx);
    if (rc) {
        *reason = zk_err_detail();
        ptx_free(p);
        return rc;
    }
    *out = p;
    return ZK_OK;
}

/* Group commit: the first thread to find no commit running writes every row
 * queued so far; the others sleep until the commits that carry theirs are done.
 * Called with mu held; holds it on return. */
static void wait_durable(node *n, pgroup *g)
{
    while (g->left) {
        if (n->writing) {
            g->waiting = 1;
            pthread_cond_wait(&g->cv, &n->mu);
            g->waiting = 0;
        } else {
            (void)flush_locked(n);
        }
    }
}

int node_submit(node *n, const uint8_t *raw, size_t len, uint8_t hash[32], const char **reason)
{
    const char *dummy;
    if (!reason)
        reason = &dummy;
    *reason = NULL;
    if (!n || (!raw && len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "node_submit: NULL argument");
    ptx *p;
    int rc = ptx_make(raw, len, &p, reason);
    if (rc)
        return rc;
    uint8_t h[32];
    memcpy(h, p->tx.hash, 32);
    pgroup g = {.left = 1};
    pwait w = {.g = &g};
    pthread_cond_init(&g.cv, NULL);
    pthread_mutex_lock(&n->mu);
    rc = admit_locked(n, p, &w, reason);
    if (rc) {
        pthread_mutex_unlock(&n->mu);
        pthread_cond_destroy(&g.cv);
        ptx_free(p);
        return rc;
    }
    wait_durable(n, &g);
    pthread_mutex_unlock(&n->mu);
    pthread_cond_destroy(&g.cv);
    if (w.rc)
        return zk_err_set(w.rc, "pool: storing the pending tx failed; it was not accepted");
    if (hash)
        memcpy(hash, h, 32);
    return ZK_OK;
}

/* Copies a refusal's text (it may live in this thread's error detail, which the
 * next item overwrites). */
static void sub_refuse(node_sub *u, int rc, const char *reason)
{
    u->rc = rc;
    snprintf(u->reason, sizeof u->reason, "%s", reason ? reason : "");
}

int node_submit_many(node *n, node_sub *subs, size_t k)
{
    if (!n || (!subs && k))
        return zk_err_set(ZK_ERR_INVALID_ARG, "node_submit_many: NULL argument");
    for (size_t i = 0; i < k; i++) {
        subs[i].rc = ZK_OK;
        subs[i].reason[0] = '\0';
        if (!subs[i].raw && subs[i].len)
            return zk_err_set(ZK_ERR_INVALID_ARG, "node_submit_many: item %zu has no bytes", i);
    }
    if (!k)
        return ZK_OK;
    pwait *ws = calloc(k, sizeof *ws);
    ptx **ps = calloc(k, sizeof *ps);
    if (!ws || !ps) {
        free(ws);
        free(ps);
        return zk_err_set(ZK_ERR_NOMEM, "node_submit_many: %zu txs", k);
    }
    /* Decoding and sender recovery, the bulk of the work, need no lock. */
    for (size_t i = 0; i < k; i++) {
        const char *reason = NULL;
        int rc = ptx_make(subs[i].raw, subs[i].len, &ps[i], &reason);
        if (rc) {
            ps[i] = NULL;
            sub_refuse(&subs[i], rc, reason);
        }
    }
    pgroup g = {.left = 0};
    pthread_cond_init(&g.cv, NULL);
    pthread_mutex_lock(&n->mu);
    /* In the batch's order, so that nonces n, n+1, ... of one sender in one batch
     * are admitted as if they came one by one. */
    for (size_t i = 0; i < k; i++) {
        if (!ps[i])
            continue;
        const char *reason = NULL;
        ws[i].g = &g;
        g.left++;
        int rc = admit_locked(n, ps[i], &ws[i], &reason);
        if (rc) {
            g.left--;
            sub_refuse(&subs[i], rc, reason);
            ptx_free(ps[i]);
            ps[i] = NULL;
        } else {
            memcpy(subs[i].hash, ps[i]->tx.hash, 32);
        }
    }
    wait_durable(n, &g);
    pthread_mutex_unlock(&n->mu);
    pthread_cond_destroy(&g.cv);
    for (size_t i = 0; i < k; i++)
        if (ps[i] && ws[i].rc)
            sub_refuse(&subs[i], ws[i].rc, NULL);
    free(ws);
    free(ps);
    return ZK_OK;
}

/* The number of s's transactions executable from account nonce an. */
static size_t executable_run(const psender *s, uint64_t an)
{
    size_t k = 0;
    while (k < s->n && s->txs[k]->tx.nonce == an + k && s->txs[k]->durable)
        k++;
    return k;
}

/* Drops txs whose nonce the ledger has passed (mined elsewhere in the pool's life,
 * e.g. a replaced tx's twin) and queues their rows for deletion. */
static int prune_sender(node *n, psender *s, ptx **freed, size_t *n_freed, size_t cap)
{
    int rc = ZK_OK;
    while (!rc && s->n && s->txs[0]->tx.nonce < s->nonce && s->txs[0]->durable && *n_freed < cap) {
        rc = queue_delete(n, s->txs[0]->seq);
        freed[(*n_freed)++] = s->txs[0];
        sender_remove_at(n, s, 0);
    }
    return rc;
}

static uint64_t now_s(void)
{
    return (uint64_t)time(NULL);
}

/* A block in the making: chosen under mu, applied under lmu alone, then taken out
 * of the pool under mu again. */
typedef struct blk {
    size_t k;
    int full; /* stopped by max_block_txs or the gas limit with executable txs left */
    ledger_item *items;
    ptx **chosen;
    ledger_tx_result *res;
} blk;

static void blk_free(blk *b)
{
    free(b->items);
    free(b->chosen);
    free(b->res);
}

/* Takes executable transactions round-robin across senders (one per sender per
 * pass, so one busy sender cannot fill a block while others wait) and marks them,
 * so that none is replaced while the block is applied. Called with mu held. */
static int choose_locked(node *n, blk *b)
{
    size_t ns = n->n_senders, cap = n->cfg.max_block_txs;
    b->k = 0;
    if (!ns)
        return ZK_OK;
    size_t *run = calloc(ns, sizeof *run), *taken = calloc(ns, sizeof *taken);
    b->items = calloc(cap, sizeof *b->items);
    b->chosen = calloc(cap, sizeof *b->chosen);
    b->res = calloc(cap, sizeof *b->res);
    int rc = ZK_OK;
    if (!run || !taken || !b->items || !b->chosen || !b->res) {
        rc = zk_err_set(ZK_ERR_NOMEM, "sequencer: block of %zu txs", cap);
        goto out;
    }
    /* Only senders with something executable take part in the passes: the table
     * also keeps accounts of senders with an empty queue. */
    size_t *act = malloc(ns * sizeof *act), na = 0;
    if (!act) {
        rc = zk_err_set(ZK_ERR_NOMEM, "sequencer: %zu senders", ns);
        goto out;
    }
    for (size_t i = 0; i < ns; i++)
        if ((run[na] = executable_run(n->senders[i], n->senders[i]->nonce)) != 0)
            act[na++] = i;
    uint64_t gas = 0;
    int progress = 1;
    while (progress && b->k < cap) {
        progress = 0;
        for (size_t i = 0; i < na && b->k < cap; i++) {
            if (taken[i] >= run[i])
                continue;
            ptx *p = n->senders[act[i]]->txs[taken[i]];
            if (gas + p->tx.gas_limit > NODE_BLOCK_GAS_LIMIT) {
                b->full = 1;
                continue;
            }
            gas += p->tx.gas_limit;
            p->inblock = 1;
            b->chosen[b->k] = p;
            b->items[b->k++] = (ledger_item){.raw = p->raw, .raw_len = p->len, .tx = &p->tx};
            taken[i]++;
            progress = 1;
        }
    }
    for (size_t i = 0; i < na && !b->full; i++)
        b->full = taken[i] < run[i];
    free(act);
out:
    free(run);
    free(taken);
    return rc;
}

/* Takes a committed block's transactions (applied or skipped) out of the pool,
 * queues their rows for deletion with the next group commit (after the block's
 * own commit; a crash in between leaves rows that node_open finds in blocks), and
 * brings the pool's accounts up to the block. Called with mu held. */
static void finish_locked(node *n, blk *b, uint64_t number)
{
    size_t cap = b->k + n->total;
    ptx **freed = calloc(cap, sizeof *freed);
    size_t n_freed = 0, skipped = 0;
    int lost = !freed;
    for (size_t i = 0; i < b->k; i++) {
        ptx *p = b->chosen[i];
        psender *s = find_sender(n, p->tx.sender);
        size_t pos = s ? sender_pos(s, p->tx.nonce) : 0;
        /* A taken tx cannot be replaced or pruned, so it is still there. */
        if (!s || pos >= s->n || s->txs[pos] != p)
            continue;
        lost |= queue_delete(n, p->seq) != ZK_OK;
        sender_remove_at(n, s, pos);
        if (freed)
            freed[n_freed++] = p;
        else
            ptx_free(p);
    }
    const ledger_change *ch;
    size_t n_ch;
    ledger_last_changes(n->l, &ch, &n_ch);
    for (size_t i = 0; i < n_ch; i++) {
        psender *s = find_sender(n, ch[i].address);
        if (!s)
            continue;
        s->bal = ch[i].balance;
        s->nonce = ch[i].nonce;
        if (freed)
            lost |= prune_sender(n, s, freed, &n_freed, cap) != ZK_OK;
    }
    if (lost)
        ZK_LOG(ZK_LOG_WARN, "node.pool_cleanup_deferred",
               ZKF_STR("detail", "no memory for the row list; a restart drops the rows"));
    for (size_t i = 0; i < b->k; i++) {
        if (!b->res[i].code)
            continue;
        skipped++;
        char h[67];
        zk_hex_encode(h, b->items[i].tx->hash, 32, 1);
        ZK_LOG(ZK_LOG_WARN, "node.tx_skipped", ZKF_STR("hash", h),
               ZKF_STR("reason", b->res[i].reason ? b->res[i].reason : "?"));
    }
    for (size_t i = 0; i < n_freed; i++)
        ptx_free(freed[i]);
    free(freed);
    /* A sender whose queue is empty keeps its account, which the loop above keeps
     * current: its next tx, usually the very next one it sends, is then admitted
     * without waiting for the ledger, which the next block may hold. */
    if (n->n_senders > NODE_KEPT_ACCOUNTS)
        for (size_t i = n->n_senders; i-- > 0;)
            drop_sender_if_empty(n, n->senders[i]);
    n->head = number;
    ZK_LOG(ZK_LOG_INFO, "node.block", ZKF_UINT("number", number), ZKF_UINT("txs", b->k - skipped),
           ZKF_UINT("skipped", skipped), ZKF_UINT("pool", n->total));
}

/* Makes one block. The ledger is held (lmu) throughout, the pool (mu) only to
 * choose the transactions and to take them out again, so admission goes on while
 * the block is applied and written. use_now: the timestamp is max(now, parent's). */
static int produce(node *n, int use_now, uint64_t timestamp, int *made, int *full,
                   ledger_block *block)
{
    *made = 0;
    *full = 0;
    blk b = {0};
    ledger_block nb;
    pthread_mutex_lock(&n->lmu);
    int rc = ZK_OK;
    if (use_now) {
        ledger_block head;
        timestamp = now_s();
        if (!ledger_block_by_number(n->l, ledger_head(n->l), &head) && head.timestamp > timestamp)
            timestamp = head.timestamp;
    }
    if (!rc) {
        pthread_mutex_lock(&n->mu);
        rc = choose_locked(n, &b);
        pthread_mutex_unlock(&n->mu);
    }
    /* Queued imports make a block of their own when no transaction waits. */
    if (rc || (!b.k && !ledger_queued_imports(n->l))) {
        pthread_mutex_unlock(&n->lmu);
        blk_free(&b);
        return rc;
    }
    rc = ledger_apply_block(n->l, b.items, b.k, timestamp, b.res, &nb);
    pthread_mutex_lock(&n->mu);
    if (rc) {
        for (size_t i = 0; i < b.k; i++)
            b.chosen[i]->inblock = 0;
    } else {
        finish_locked(n, &b, nb.number);
        *made = 1;
        *full = b.full;
        if (block)
            *block = nb;
    }
    n->gen++;
    pthread_cond_broadcast(&n->cv_block);
    pthread_mutex_unlock(&n->mu);
    pthread_mutex_unlock(&n->lmu);
    blk_free(&b);
    return rc;
}

int node_produce_block(node *n, uint64_t timestamp, int *made, ledger_block *block)
{
    int m = 0;
    int full;
    int rc = produce(n, 0, timestamp, &m, &full, block);
    if (made)
        *made = m;
    return rc;
}

/* Reloads the pending table: rows already in a block are dropped, the rest are
 * admitted again in arrival order; refused ones are dropped with a log line. */
static int pool_reload(node *n)
{
    sqlite3_stmt *st;
    int rc = db_stmt(n->pool_db, "SELECT COALESCE(MAX(seq), 0) + 1 FROM pending", &st);
    int row = 0;
    if (!rc)
        rc = db_step(n->pool_db, st, &row);
    if (!rc && row)
        n->next_seq = sqlite3_column_int64(st, 0);
    if (!rc)
        sqlite3_reset(st);
    if (!rc)
        rc = db_stmt(n->pool_db, "SELECT seq, raw FROM pending ORDER BY seq", &st);
    if (rc)
        return rc;
    size_t n_rows = 0, cap = 0;
    int64_t *drop = NULL, *seqs = NULL;
    size_t n_drop = 0;
    zk_buf raws;
    zk_buf_init(&raws, (size_t)1 << 30);
    size_t *offs = NULL;
    for (;;) {
        int has;
        rc = db_step(n->pool_db, st, &has);
        if (rc || !has)
            break;
        const void *raw = sqlite3_column_blob(st, 1);
        int len = sqlite3_column_bytes(st, 1);
        if (n_rows == cap) {
            size_t nc = cap ? cap * 2 : 64;
            size_t *no = realloc(offs, (nc + 1) * sizeof *no);
            if (no)
                offs = no;
            int64_t *ns = no ? realloc(seqs, nc * sizeof *ns) : NULL;
            if (!ns) {
                rc = zk_err_set(ZK_ERR_NOMEM, "pool reload");
                break;
            }
            seqs = ns;
            cap = nc;
        }
        seqs[n_rows] = sqlite3_column_int64(st, 0);
        offs[n_rows] = raws.len;
        rc = len > 0 ? zk_buf_append(&raws, raw, (size_t)len) : ZK_OK;
        if (rc)
            break;
        offs[++n_rows] = raws.len;
    }
    sqlite3_reset(st);
    if (!rc && n_rows)
        drop = calloc(n_rows, sizeof *drop);
    if (!rc && n_rows && !drop)
        rc = zk_err_set(ZK_ERR_NOMEM, "pool reload");
    size_t kept = 0;
    for (size_t i = 0; !rc && i < n_rows; i++) {
        const char *reason = NULL;
        ptx *p;
        int r = ptx_make(raws.data + offs[i], offs[i + 1] - offs[i], &p, &reason);
        if (!r) {
            p->seq = seqs[i];
            pthread_mutex_lock(&n->mu);
            r = admit_locked(n, p, NULL, &reason);
            pthread_mutex_unlock(&n->mu);
            if (r == ZK_ERR_DB || r == ZK_ERR_NOMEM) {
                ptx_free(p);
                rc = r;
                break;
            }
            if (!r) {
                kept++;
                continue;
            }
            ptx_free(p);
        }
        drop[n_drop++] = seqs[i];
        ZK_LOG(ZK_LOG_INFO, "node.pending_dropped", ZKF_STR("reason", reason ? reason : "?"));
    }
    for (size_t i = 0; !rc && i < n_drop; i++)
        rc = queue_delete(n, drop[i]);
    if (!rc) {
        pthread_mutex_lock(&n->mu);
        rc = flush_locked(n);
        pthread_mutex_unlock(&n->mu);
    }
    if (!rc)
        ZK_INFO("node.pool_reloaded", ZKF_UINT("kept", kept), ZKF_UINT("dropped", n_drop));
    free(drop);
    free(offs);
    free(seqs);
    zk_buf_free(&raws);
    return rc;
}

int node_open(node **out, const node_config *cfg)
{
    if (!out || !cfg || !cfg->genesis)
        return zk_err_set(ZK_ERR_INVALID_ARG, "node_open: NULL argument");
    *out = NULL;
    if (!cfg->block_time_ms || !cfg->max_block_txs || cfg->max_block_txs > LEDGER_MAX_BLOCK_TXS ||
        !cfg->pool_max_txs || !cfg->pool_max_per_sender)
        return zk_err_set(ZK_ERR_CONFIG,
                          "node: block_time_ms, pool sizes must be >= 1 and max_block_txs "
                          "in 1..%u",
                          LEDGER_MAX_BLOCK_TXS);
    if (cfg->batch_blocks > 1000)
        return zk_err_set(ZK_ERR_CONFIG, "node: batch_blocks %u is above 1000", cfg->batch_blocks);
    node *n = calloc(1, sizeof *n);
    if (!n)
        return zk_err_set(ZK_ERR_NOMEM, "node");
    n->cfg = *cfg;
    if (!n->cfg.batch_blocks)
        n->cfg.batch_blocks = 10;
    n->cfg.genesis = NULL;
    n->cfg.ledger_path = n->cfg.pool_path = NULL;
    snprintf(n->client_version, sizeof n->client_version, "%s",
             cfg->client_version ? cfg->client_version : "zkgate");
    n->cfg.client_version = n->client_version;
    pthread_mutex_init(&n->lmu, NULL);
    pthread_mutex_init(&n->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&n->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&n->cv_sync, NULL);
    pthread_cond_init(&n->cv_block, NULL);
    n->wq_tail = &n->wq_head;
    if (RAND_bytes((unsigned char *)n->map_key, sizeof n->map_key) != 1) {
        node_free(n);
        return zk_err_set(ZK_ERR_CRYPTO, "node: no randomness for the sender table key");
    }
    n->cfg.chain_key = NULL;
    n->cfg.peers = NULL;
    n->cfg.auditors = NULL;
    n->cfg.n_peers = n->cfg.n_auditors = 0;
    int rc = ZK_OK;
    if (cfg->chain_key) {
        memcpy(n->chain_sk, cfg->chain_key, 32);
        if (ecies_pubkey(n->chain_pub, n->chain_sk))
            rc = zk_err_set(ZK_ERR_CONFIG, "node: the chain key is not a valid secret key");
        n->has_key = !rc;
    }
    if (!rc)
        rc = ledger_open(&n->l, cfg->ledger_path, cfg->genesis);
    /* Before the pool reloads: its checks refuse sends to chains without a key. */
    ledger_privacy priv = {.private_chain = cfg->private_mode,
                           .peers = cfg->peers,
                           .n_peers = cfg->n_peers,
                           .auditors = cfg->auditors,
                           .n_auditors = cfg->n_auditors};
    if (!rc)
        rc = ledger_set_privacy(n->l, &priv);
    if (!rc)
        n->head = ledger_head(n->l);
    if (!rc)
        rc = db_open(&n->pool_db, cfg->pool_path, DB_DURABLE | (cfg->pool_path ? 0 : DB_MEMORY), 0);
    if (!rc)
        rc = db_migrate(n->pool_db, k_pool_migrations,
                        sizeof k_pool_migrations / sizeof k_pool_migrations[0]);
    if (!rc)
        rc = pool_reload(n);
    if (rc) {
        node_free(n);
        return rc;
    }
    *out = n;
    return ZK_OK;
}

/* Blocks start every block_time_ms on a fixed schedule (n->cv runs on the
 * monotonic clock). Waiting a whole period after each block instead left the
 * ledger idle for that long while the pool filled: under load the node made blocks
 * at period + apply time and fell behind admission. A block that runs past its
 * period is followed at once, without catching up on the ones missed. */
static void *sequencer(void *arg)
{
    node *n = arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int full = 0;
    pthread_mutex_lock(&n->mu);
    while (!n->stopping) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (full) {
            /* A full block left executable transactions behind: the next starts at
             * once, so that a backlog drains at the speed blocks are applied rather
             * than at one gas limit per period (1428 transfers every 50 ms capped the
             * node at 28,560/s whatever the cores could do). The schedule restarts
             * from here. */
            ts = now;
        } else {
            uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)n->cfg.block_time_ms * 1000000u;
            ts.tv_sec += (time_t)(ns / 1000000000u);
            ts.tv_nsec = (long)(ns % 1000000000u);
            if (ts.tv_sec < now.tv_sec || (ts.tv_sec == now.tv_sec && ts.tv_nsec < now.tv_nsec))
                ts = now;
            while (!n->stopping && pthread_cond_timedwait(&n->cv, &n->mu, &ts) != ETIMEDOUT)
                ;
        }
        if (n->stopping)
            break;
        pthread_mutex_unlock(&n->mu);
        int made;
        int rc = produce(n, 1, 0, &made, &full, NULL);
        if (rc)
            ZK_LOG(ZK_LOG_ERROR, "node.block_failed", ZKF_STR("detail", zk_err_detail()),
                   ZKF_STR("code", zk_errname(rc)));
        pthread_mutex_lock(&n->mu);
        /* The block's pending rows go with the next submitter's commit; on a quiet
         * chain nobody submits, so the sequencer writes them. */
        if (n->n_dels && !n->writing)
            (void)flush_locked(n);
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

int node_start(node *n)
{
    pthread_mutex_lock(&n->mu);
    if (n->running) {
        pthread_mutex_unlock(&n->mu);
        return zk_err_set(ZK_ERR_STATE, "node: sequencer already running");
    }
    n->stopping = 0;
    int e = pthread_create(&n->thread, NULL, sequencer, n);
    if (!e)
        n->running = 1;
    pthread_mutex_unlock(&n->mu);
    return e ? zk_err_set(ZK_ERR_INTERNAL, "node: cannot start sequencer: %s", strerror(e)) : ZK_OK;
}

void node_stop(node *n)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    int was = n->running;
    n->stopping = 1;
    pthread_cond_broadcast(&n->cv);
    pthread_mutex_unlock(&n->mu);
    if (was)
        pthread_join(n->thread, NULL);
    n->running = 0;
}

void node_free(node *n)
{
    if (!n)
        return;
    node_stop(n);
    /* Rows of txs that left the pool: a last commit saves the restart from
     * dropping them. */
    pthread_mutex_lock(&n->mu);
    if (n->n_dels && n->pool_db && !n->writing)
        (void)flush_locked(n);
    pthread_mutex_unlock(&n->mu);
    for (size_t i = 0; i < n->n_senders; i++) {
        for (size_t j = 0; j < n->senders[i]->n; j++)
            ptx_free(n->senders[i]->txs[j]);
        free(n->senders[i]->txs);
        free(n->senders[i]);
    }
    free(n->senders);
    free(n->map);
    free(n->dels);
    ledger_free(n->l);
    db_close(n->pool_db);
    OPENSSL_cleanse(n->chain_sk, sizeof n->chain_sk);
    pthread_cond_destroy(&n->cv);
    pthread_cond_destroy(&n->cv_sync);
    pthread_cond_destroy(&n->cv_block);
    pthread_mutex_destroy(&n->mu);
    pthread_mutex_destroy(&n->lmu);
    free(n);
}

static size_t pending_run_locked(node *n, const uint8_t addr[20], uint64_t an)
{
    psender *s = find_sender(n, addr);
    return s ? executable_run(s, an) : 0;
}

void node_pool_counts(node *n, size_t *total, size_t *executable)
{
    pthread_mutex_lock(&n->mu);
    size_t ex = 0;
    for (size_t i = 0; i < n->n_senders; i++)
        ex += executable_run(n->senders[i], n->senders[i]->nonce);
    if (total)
        *total = n->total;
    if (executable)
        *executable = ex;
    pthread_mutex_unlock(&n->mu);
}

int node_account(node *n, const uint8_t addr[20], u256 *balance, uint64_t *nonce,
                 uint64_t *pending_nonce)
{
    uint64_t an;
    pthread_mutex_lock(&n->lmu);
    int rc = ledger_account(n->l, addr, balance, &an);
    if (!rc) {
        if (nonce)
            *nonce = an;
        if (pending_nonce) {
            pthread_mutex_lock(&n->mu);
            *pending_nonce = an + pending_run_locked(n, addr, an);
            pthread_mutex_unlock(&n->mu);
        }
    }
    pthread_mutex_unlock(&n->lmu);
    return rc;
}

uint64_t node_head(node *n)
{
    pthread_mutex_lock(&n->mu);
    uint64_t h = n->head;
    pthread_mutex_unlock(&n->mu);
    return h;
}

ledger *node_ledger_lock(node *n)
{
    pthread_mutex_lock(&n->lmu);
    return n->l;
}

void node_ledger_unlock(node *n)
{
    pthread_mutex_unlock(&n->lmu);
}

uint64_t node_batch_blocks(const node *n)
{
    return n->cfg.batch_blocks;
}

int node_is_public(const node *n)
{
    return !n->cfg.private_mode;
}

const uint8_t *node_chain_sk(const node *n)
{
    return n->has_key ? n->chain_sk : NULL;
}

const uint8_t *node_chain_pub(const node *n)
{
    return n->has_key ? n->chain_pub : NULL;
}

/* ---- JSON-RPC ------------------------------------------------------------------ */

/* geth answers transaction refusals with -32000 and the reason as the message. */
#define RPC_TX_ERROR (-32000)
/* geth's code for a call that reverted. */
#define RPC_REVERTED 3

json_t *j_qty(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "0x%llx", (unsigned long long)v);
    return json_string(s);
}

static json_t *j_u256(const u256 *v)
{
    char s[67];
    u256_to_quantity(v, s);
    return json_string(s);
}

json_t *j_hex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 3);
    if (!s)
        return NULL;
    zk_hex_encode(s, p, n, 1);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *j_zero_hex(size_t n)
{
    uint8_t z[256] = {0};
    return j_hex(z, n);
}

/* Sets key to val (a new reference, possibly NULL from a failed allocation). */
int jset(json_t *o, const char *key, json_t *val)
{
    return val ? json_object_set_new(o, key, val) : -1;
}

static json_t *internal(rpcs_error *err, const char *what)
{
    return rpcs_error_set(err, RPCS_INTERNAL_ERROR, "%s: %s", what, zk_err_detail());
}

/* A block tag or number: "latest", "pending", "safe", "finalized" (all the head),
 * "earliest" (0) or a hex quantity. */
static int block_param(node *n, const json_t *params, size_t idx, uint64_t *num, rpcs_error *err)
{
    json_t *v;
    if (rpcs_param_get(params, idx, "block", &v, err))
        return ZK_ERR_INVALID_ARG;
    if (json_is_string(v)) {
        const char *t = json_string_value(v);
        if (!strcmp(t, "latest") || !strcmp(t, "pending") || !strcmp(t, "safe") ||
            !strcmp(t, "finalized")) {
            *num = ledger_head(n->l);
            return ZK_OK;
        }
        if (!strcmp(t, "earliest")) {
            *num = 0;
            return ZK_OK;
        }
    }
    return rpcs_param_uint64(params, idx, "block", num, err);
}

/* The tx object of eth_getTransactionByHash; r NULL for a pool tx. */
static json_t *tx_json(const eth_tx *tx, const ledger_receipt *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    u256 ep = tx->gas_price;
    if (r)
        ep = r->effective_gas_price;
    bad |= jset(o, "hash", j_hex(tx->hash, 32));
    bad |= jset(o, "type", j_qty(tx->type));
    bad |= jset(o, "chainId", j_qty(tx->chain_id));
    bad |= jset(o, "nonce", j_qty(tx->nonce));
    bad |= jset(o, "from", j_hex(tx->sender, 20));
    bad |= jset(o, "to", tx->has_to ? j_hex(tx->to, 20) : json_null());
    bad |= jset(o, "value", j_u256(&tx->value));
    bad |= jset(o, "gas", j_qty(tx->gas_limit));
    bad |= jset(o, "gasPrice", j_u256(&ep));
    if (tx->type == TX_EIP1559) {
        bad |= jset(o, "maxFeePerGas", j_u256(&tx->gas_price));
        bad |= jset(o, "maxPriorityFeePerGas", j_u256(&tx->max_priority_fee));
        if (!tx->access_entries)
            bad |= jset(o, "accessList", json_array());
        bad |= jset(o, "yParity", j_qty(tx->y_parity));
        bad |= jset(o, "v", j_qty(tx->y_parity));
    } else {
        bad |= jset(o, "v", j_qty(tx->chain_id * 2 + 35 + tx->y_parity));
    }
    bad |= jset(o, "input", j_hex(tx->data, tx->data_len));
    u256 rr, ss;
    memcpy(rr.b, tx->r, 32);
    memcpy(ss.b, tx->s, 32);
    bad |= jset(o, "r", j_u256(&rr));
    bad |= jset(o, "s", j_u256(&ss));
    bad |= jset(o, "blockHash", r ? j_hex(r->block_hash, 32) : json_null());
    bad |= jset(o, "blockNumber", r ? j_qty(r->block_number) : json_null());
    bad |= jset(o, "transactionIndex", r ? j_qty(r->index) : json_null());
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static ptx *pool_find(node *n, const uint8_t hash[32])
{
    for (size_t i = 0; i < n->n_senders; i++)
        for (size_t j = 0; j < n->senders[i]->n; j++)
            if (memcmp(n->senders[i]->txs[j]->tx.hash, hash, 32) == 0)
                return n->senders[i]->txs[j];
    return NULL;
}

/* A mined tx, decoded again from its stored raw bytes. Returns ZK_ERR_NOT_FOUND,
 * ZK_OK with the JSON in *out, or another error. */
static int mined_tx_json(node *n, const uint8_t hash[32], int receipt, json_t **out)
{
    ledger_receipt r;
    zk_buf raw;
    zk_buf_init(&raw, TX_MAX_RAW);
    int rc = ledger_tx_by_hash(n->l, hash, &r, &raw);
    eth_tx tx;
    if (!rc)
        rc = tx_decode(raw.data, raw.len, &tx);
    if (rc) {
        zk_buf_free(&raw);
        return rc;
    }
    json_t *o;
    if (!receipt) {
        o = tx_json(&tx, &r);
    } else {
        o = json_object();
        int bad = !o;
        if (o) {
            bad |= jset(o, "transactionHash", j_hex(hash, 32));
            bad |= jset(o, "transactionIndex", j_qty(r.index));
            bad |= jset(o, "blockHash", j_hex(r.block_hash, 32));
            bad |= jset(o, "blockNumber", j_qty(r.block_number));
            bad |= jset(o, "from", j_hex(r.sender, 20));
            bad |= jset(o, "to", r.has_to ? j_hex(r.to, 20) : json_null());
            bad |= jset(o, "cumulativeGasUsed", j_qty(r.cumulative_gas));
            bad |= jset(o, "gasUsed", j_qty(r.gas_used));
            bad |= jset(o, "effectiveGasPrice", j_u256(&r.effective_gas_price));
            bad |= jset(o, "contractAddress", json_null());
            bad |= jset(o, "logs", json_array());
            bad |= jset(o, "logsBloom", j_zero_hex(256));
            bad |= jset(o, "type", j_qty(tx.type));
            bad |= jset(o, "status", j_qty(r.status ? 1 : 0));
            if (!r.status)
                bad |= jset(o, "revertReason", json_string(r.revert));
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
    }
    zk_buf_free(&raw);
    if (!o)
        return zk_err_set(ZK_ERR_NOMEM, "tx json");
    *out = o;
    return ZK_OK;
}

/* Keccak-256 of RLP([]): the uncles hash of a block without uncles. */
static const uint8_t k_empty_uncles[32] = {
    0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc, 0xd4, 0x1a,
    0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47};

static json_t *block_json(node *n, const ledger_block *b, int full, rpcs_error *err)
{
    json_t *o = json_object(), *txs = json_array();
    int bad = !o || !txs;
    uint8_t op[20];
    ledger_operator(n->l, op);
    for (uint32_t i = 0; !bad && i < b->tx_count; i++) {
        uint8_t h[32];
        json_t *t = NULL;
        if (ledger_block_tx(n->l, b->number, i, h) ||
            (full ? mined_tx_json(n, h, 0, &t) : ((t = j_hex(h, 32)) ? ZK_OK : ZK_ERR_NOMEM))) {
            bad = 1;
            break;
        }
        bad |= json_array_append_new(txs, t);
    }
    if (!bad) {
        bad |= jset(o, "number", j_qty(b->number));
        bad |= jset(o, "hash", j_hex(b->hash, 32));
        bad |= jset(o, "parentHash", j_hex(b->parent_hash, 32));
        bad |= jset(o, "timestamp", j_qty(b->timestamp));
        bad |= jset(o, "stateRoot", j_hex(b->state_root, 32));
        bad |= jset(o, "transactionsRoot", j_hex(b->tx_root, 32));
        bad |= jset(o, "receiptsRoot", j_zero_hex(32));
        bad |= jset(o, "sha3Uncles", j_hex(k_empty_uncles, 32));
        bad |= jset(o, "uncles", json_array());
        bad |= jset(o, "miner", j_hex(op, 20));
        bad |= jset(o, "logsBloom", j_zero_hex(256));
        bad |= jset(o, "difficulty", j_qty(0));
        bad |= jset(o, "totalDifficulty", j_qty(0));
        bad |= jset(o, "extraData", json_string("0x"));
        bad |= jset(o, "mixHash", j_zero_hex(32));
        bad |= jset(o, "nonce", j_zero_hex(8));
        bad |= jset(o, "gasLimit", j_qty(NODE_BLOCK_GAS_LIMIT));
        bad |= jset(o, "gasUsed", j_qty(b->gas_used));
        bad |= jset(o, "baseFeePerGas", j_qty(b->base_fee));
        bad |= jset(o, "size", j_qty(0));
        bad |= json_object_set(o, "transactions", txs);
    }
    json_decref(txs);
    if (bad) {
        json_decref(o);
        return internal(err, "block json");
    }
    return o;
}

#define RPC_FN(name)                                                                               \
    static json_t *name(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
#define RPC_PROLOGUE                                                                               \
    node *n = ctx;                                                                                 \
    (void)auth

RPC_FN(m_chain_id)
{
    RPC_PROLOGUE;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    return j_qty(ledger_chain_id(n->l));
}

RPC_FN(m_net_version)
{
    RPC_PROLOGUE;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    char s[24];
    snprintf(s, sizeof s, "%llu", (unsigned long long)ledger_chain_id(n->l));
    return json_string(s);
}

RPC_FN(m_client_version)
{
    RPC_PROLOGUE;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    return json_string(n->client_version);
}

RPC_FN(m_syncing)
{
    (void)ctx;
    (void)auth;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    return json_false();
}

RPC_FN(m_accounts)
{
    (void)ctx;
    (void)auth;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    return json_array();
}

RPC_FN(m_block_number)
{
    RPC_PROLOGUE;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    return j_qty(node_head(n));
}

RPC_FN(m_gas_price)
{
    RPC_PROLOGUE;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    return j_qty(ledger_base_fee(n->l));
}

RPC_FN(m_max_priority)
{
    (void)ctx;
    (void)auth;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    return j_qty(0);
}

/* The state is only kept at the head: older blocks cannot be asked about. */
static int head_only(node *n, const json_t *params, size_t idx, rpcs_error *err)
{
    uint64_t num = ledger_head(n->l);
    if (!json_is_array(params) || json_array_size(params) <= idx)
        return ZK_OK;
    if (block_param(n, params, idx, &num, err))
        return ZK_ERR_INVALID_ARG;
    if (num != ledger_head(n->l)) {
        rpcs_error_set(err, RPC_TX_ERROR, "historical state not available (block %llu)",
                       (unsigned long long)num);
        return ZK_ERR_UNSUPPORTED;
    }
    return ZK_OK;
}

static int addr_param(const json_t *params, uint8_t addr[20], rpcs_error *err)
{
    const char *s;
    if (rpcs_param_string(params, 0, "address", &s, err))
        return ZK_ERR_INVALID_ARG;
    if (eth_address_parse(s, addr)) {
        rpcs_param_error(err, 0, "address", "%s", zk_err_detail());
        return ZK_ERR_INVALID_ARG;
    }
    return ZK_OK;
}

RPC_FN(m_get_balance)
{
    RPC_PROLOGUE;
    uint8_t a[20];
    u256 bal;
    if (rpcs_param_count(params, 1, 2, err) || addr_param(params, a, err))
        return NULL;
    pthread_mutex_lock(&n->lmu);
    int rc = head_only(n, params, 1, err);
    if (!rc && (rc = ledger_account(n->l, a, &bal, NULL)) != 0)
        internal(err, "balance");
    pthread_mutex_unlock(&n->lmu);
    return rc ? NULL : j_u256(&bal);
}

RPC_FN(m_get_tx_count)
{
    RPC_PROLOGUE;
    uint8_t a[20];
    if (rpcs_param_count(params, 1, 2, err) || addr_param(params, a, err))
        return NULL;
    json_t *tag = NULL;
    int pending = 0;
    if (json_is_array(params) && json_array_size(params) > 1) {
        tag = json_array_get(params, 1);
        pending = json_is_string(tag) && !strcmp(json_string_value(tag), "pending");
    }
    uint64_t nonce, pnonce;
    pthread_mutex_lock(&n->lmu);
    int rc = pending ? ZK_OK : head_only(n, params, 1, err);
    if (!rc && (rc = ledger_account(n->l, a, NULL, &nonce)) != 0)
        internal(err, "nonce");
    if (!rc) {
        pthread_mutex_lock(&n->mu);
        pnonce = nonce + pending_run_locked(n, a, nonce);
        pthread_mutex_unlock(&n->mu);
    }
    pthread_mutex_unlock(&n->lmu);
    return rc ? NULL : j_qty(pending ? pnonce : nonce);
}

RPC_FN(m_estimate_gas)
{
    RPC_PROLOGUE;
    (void)n;
    json_t *call;
    if (rpcs_param_count(params, 1, 2, err) || rpcs_param_get(params, 0, "tx", &call, err))
        return NULL;
    if (!json_is_object(call))
        return rpcs_param_error(err, 0, "tx", "expected a call object");
    json_t *d = json_object_get(call, "input");
    if (!d)
        d = json_object_get(call, "data");
    uint64_t gas = LEDGER_TX_GAS;
    if (d && !json_is_null(d)) {
        zk_buf b;
        zk_buf_init(&b, TX_MAX_RAW);
        const char *s = json_is_string(d) ? json_string_value(d) : NULL;
        if (!s || zk_hex_decode_buf(&b, s, strlen(s))) {
            zk_buf_free(&b);
            return rpcs_param_error(err, 0, "tx", "input/data: expected hex of at most %u bytes",
                                    TX_MAX_RAW);
        }
        for (size_t i = 0; i < b.len; i++)
            gas += b.data[i] ? LEDGER_DATA_NONZERO_GAS : LEDGER_DATA_ZERO_GAS;
        json_t *to = json_object_get(call, "to");
        uint8_t a[20];
        if (json_is_string(to) && !eth_address_parse(json_string_value(to), a))
            gas += ledger_call_gas(a, b.data, b.len);
        zk_buf_free(&b);
    }
    return j_qty(gas);
}

RPC_FN(m_fee_history)
{
    RPC_PROLOGUE;
    uint64_t count, newest;
    json_t *pct = NULL;
    if (rpcs_param_count(params, 2, 3, err) ||
        rpcs_param_uint64(params, 0, "blockCount", &count, err))
        return NULL;
    pthread_mutex_lock(&n->lmu);
    int rc = block_param(n, params, 1, &newest, err);
    uint64_t head = ledger_head(n->l);
    pthread_mutex_unlock(&n->lmu);
    if (rc)
        return NULL;
    if (newest > head)
        return rpcs_param_error(err, 1, "newestBlock", "block %llu is past the head %llu",
                                (unsigned long long)newest, (unsigned long long)head);
    if (json_is_array(params) && json_array_size(params) > 2) {
        pct = json_array_get(params, 2);
        if (!json_is_array(pct) && !json_is_null(pct))
            return rpcs_param_error(err, 2, "rewardPercentiles", "expected an array");
        if (json_array_size(pct) > 100)
            return rpcs_param_error(err, 2, "rewardPercentiles", "at most 100 entries");
    }
    if (count > 1024)
        count = 1024; /* geth's cap */
    if (count > newest + 1)
        count = newest + 1;
    uint64_t oldest = newest + 1 - count;
    json_t *o = json_object(), *fees = json_array(), *ratio = json_array(), *rw = NULL;
    int bad = !o || !fees || !ratio;
    if (json_is_array(pct) && !bad)
        bad |= !(rw = json_array());
    for (uint64_t i = 0; !bad && i <= count; i++) {
        bad |= json_array_append_new(fees, j_qty(ledger_base_fee(n->l)));
        if (i == count)
            break;
        ledger_block b;
        pthread_mutex_lock(&n->lmu);
        int r = ledger_block_by_number(n->l, oldest + i, &b);
        pthread_mutex_unlock(&n->lmu);
        bad |= r != 0;
        if (!bad)
            bad |= json_array_append_new(
                ratio, json_real((double)b.gas_used / (double)NODE_BLOCK_GAS_LIMIT));
        if (rw && !bad) {
            json_t *row = json_array();
            for (size_t k = 0; row && k < json_array_size(pct); k++)
                bad |= json_array_append_new(row, j_qty(0));
            bad |= !row || json_array_append_new(rw, row);
        }
    }
    if (!bad) {
        bad |= jset(o, "oldestBlock", j_qty(oldest));
        bad |= json_object_set(o, "baseFeePerGas", fees);
        bad |= json_object_set(o, "gasUsedRatio", ratio);
        if (rw)
            bad |= json_object_set(o, "reward", rw);
    }
    json_decref(fees);
    json_decref(ratio);
    json_decref(rw);
    if (bad) {
        json_decref(o);
        return internal(err, "fee history");
    }
    return o;
}

/* A block parameter that names an existing block (the code and storage of every
 * address are the same in all of them). */
static int known_block(node *n, const json_t *params, size_t idx, rpcs_error *err)
{
    uint64_t num = 0;
    pthread_mutex_lock(&n->lmu);
    int rc = block_param(n, params, idx, &num, err);
    uint64_t head = ledger_head(n->l);
    pthread_mutex_unlock(&n->lmu);
    if (rc)
        return rc;
    if (num > head) {
        rpcs_param_error(err, idx, "block", "block %llu is past the head %llu",
                         (unsigned long long)num, (unsigned long long)head);
        return ZK_ERR_INVALID_ARG;
    }
    return ZK_OK;
}

/* There is no EVM, so no address holds code or storage: every account is what
 * Ethereum calls an externally owned account, and tools that ask (cast code,
 * wallets deciding whether "to" is a contract) get Ethereum's answer for one. */
RPC_FN(m_get_code)
{
    RPC_PROLOGUE;
    uint8_t a[20];
    if (rpcs_param_count(params, 1, 2, err) || addr_param(params, a, err))
        return NULL;
    if (json_is_array(params) && json_array_size(params) > 1 && known_block(n, params, 1, err))
        return NULL;
    return json_string("0x");
}

RPC_FN(m_get_storage)
{
    RPC_PROLOGUE;
    uint8_t a[20];
    const char *slot;
    u256 key;
    if (rpcs_param_count(params, 2, 3, err) || addr_param(params, a, err) ||
        rpcs_param_string(params, 1, "slot", &slot, err))
        return NULL;
    /* Clients send the slot as a quantity ("0x0") or as 32 bytes of hex. */
    if (strncmp(slot, "0x", 2) != 0 || u256_parse(slot, &key))
        return rpcs_param_error(err, 1, "slot", "expected a 0x quantity of at most 256 bits");
    if (json_is_array(params) && json_array_size(params) > 2 && known_block(n, params, 2, err))
        return NULL;
    return j_zero_hex(32);
}

/* eth_call runs the system addresses' read functions (docs/CHAIN.md); a call to
 * any other address succeeds with empty return data, as a call to an address
 * without code does on Ethereum. The call object's fields are checked as geth
 * would. The system addresses' state is the head's only. */
RPC_FN(m_call)
{
    RPC_PROLOGUE;
    json_t *call;
    if (rpcs_param_count(params, 1, 3, err) || rpcs_param_get(params, 0, "tx", &call, err))
        return NULL;
    if (!json_is_object(call))
        return rpcs_param_error(err, 0, "tx", "expected a call object");
    static const char *const k_addr_fields[] = {"to", "from"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(call, k_addr_fields[i]);
        uint8_t a[20];
        if (v && !json_is_null(v) &&
            (!json_is_string(v) || eth_address_parse(json_string_value(v), a)))
            return rpcs_param_error(err, 0, "tx", "%s: expected a 20-byte address",
                                    k_addr_fields[i]);
    }
    json_t *d = json_object_get(call, "input");
    if (!d)
        d = json_object_get(call, "data");
    zk_buf b;
    zk_buf_init(&b, TX_MAX_RAW);
    if (d && !json_is_null(d)) {
        const char *s = json_is_string(d) ? json_string_value(d) : NULL;
        if (!s || zk_hex_decode_buf(&b, s, strlen(s))) {
            zk_buf_free(&b);
            return rpcs_param_error(err, 0, "tx", "input/data: expected hex of at most %u bytes",
                                    TX_MAX_RAW);
        }
    }
    if (json_is_array(params) && json_array_size(params) > 1 && head_only(n, params, 1, err)) {
        zk_buf_free(&b);
        return NULL;
    }
    json_t *to = json_object_get(call, "to");
    uint8_t a[20];
    if (!json_is_string(to) || eth_address_parse(json_string_value(to), a)) {
        zk_buf_free(&b);
        return json_string("0x");
    }
    zk_buf ret;
    zk_buf_init(&ret, 4096);
    const char *reason = NULL;
    pthread_mutex_lock(&n->lmu);
    int rc = ledger_call(n->l, a, b.data, b.len, &ret, &reason);
    pthread_mutex_unlock(&n->lmu);
    json_t *res = NULL;
    if (reason)
        res = rpcs_error_set(err, RPC_REVERTED, "%s", reason);
    else if (rc)
        res = internal(err, "call");
    else
        res = j_hex(ret.data, ret.len);
    zk_buf_free(&b);
    zk_buf_free(&ret);
    return res;
}

/* The answer to a block lookup that returned rc: null when there is no such
 * block, the block otherwise. */
static json_t *block_answer(node *n, int rc, const ledger_block *b, int full, rpcs_error *err)
{
    if (rc == ZK_ERR_NOT_FOUND)
        return json_null();
    if (rc)
        return internal(err, "block");
    return block_json(n, b, full, err);
}

RPC_FN(m_block_by_number)
{
    RPC_PROLOGUE;
    uint64_t num;
    int full = 0;
    if (rpcs_param_count(params, 1, 2, err))
        return NULL;
    if (json_is_array(params) && json_array_size(params) > 1 &&
        rpcs_param_bool(params, 1, "full", &full, err))
        return NULL;
    pthread_mutex_lock(&n->lmu);
    json_t *res = NULL;
    if (!block_param(n, params, 0, &num, err)) {
        ledger_block b;
        res = block_answer(n, ledger_block_by_number(n->l, num, &b), &b, full, err);
    }
    pthread_mutex_unlock(&n->lmu);
    return res;
}

RPC_FN(m_block_by_hash)
{
    RPC_PROLOGUE;
    uint8_t h[32];
    int full = 0;
    if (rpcs_param_count(params, 1, 2, err) || rpcs_param_hex(params, 0, "hash", h, 32, err))
        return NULL;
    if (json_is_array(params) && json_array_size(params) > 1 &&
        rpcs_param_bool(params, 1, "full", &full, err))
        return NULL;
    pthread_mutex_lock(&n->lmu);
    json_t *res = NULL;
    ledger_block b;
    res = block_answer(n, ledger_block_by_hash(n->l, h, &b), &b, full, err);
    pthread_mutex_unlock(&n->lmu);
    return res;
}

/* Reads eth_sendRawTransaction's one parameter into raw (initialised here, freed
 * by the caller); raw's cap refuses an oversized transaction before it is decoded.
 * Returns: ZK_OK, or ZK_ERR_INVALID_ARG after filling err. */
static int send_raw_param(const json_t *params, zk_buf *raw, rpcs_error *err)
{
    zk_buf_init(raw, TX_MAX_RAW);
    const char *s;
    if (rpcs_param_count(params, 1, 1, err) || rpcs_param_string(params, 0, "data", &s, err))
        return ZK_ERR_INVALID_ARG;
    if (zk_hex_decode_buf(raw, s, strlen(s))) {
        int big = strlen(s) > 2 * (size_t)TX_MAX_RAW + 2;
        rpcs_error_set(err, RPC_TX_ERROR, "%s",
                       big ? "oversized data" : "rlp: expected 0x-prefixed hex bytes");
        return ZK_ERR_INVALID_ARG;
    }
    return ZK_OK;
}

/* The answer to one submission: the hash, or geth's -32000 with the reason. */
static json_t *send_raw_answer(int rc, const char *reason, const uint8_t h[32], rpcs_error *err)
{
    if (rc == ZK_ERR_DB || rc == ZK_ERR_NOMEM || (rc && (!reason || !reason[0])))
        return internal(err, "sendRawTransaction");
    if (rc)
        return rpcs_error_set(err, RPC_TX_ERROR, "%s", reason);
    return j_hex(h, 32);
}

RPC_FN(m_send_raw)
{
    RPC_PROLOGUE;
    zk_buf raw;
    if (send_raw_param(params, &raw, err)) {
        zk_buf_free(&raw);
        return NULL;
    }
    uint8_t h[32];
    const char *reason = NULL;
    int rc = node_submit(n, raw.data, raw.len, h, &reason);
    zk_buf_free(&raw);
    return send_raw_answer(rc, reason, h, err);
}

/* eth_sendRawTransaction for a run of calls in one batch request: the pool admits
 * them together and their thread sleeps once for the commit that makes them all
 * durable, instead of once per transaction. Answers are those of m_send_raw. */
static void m_send_raw_batch(void *ctx, rpcs_call *calls, size_t k)
{
    node *n = ctx;
    zk_buf *raws = calloc(k, sizeof *raws);
    node_sub *subs = calloc(k, sizeof *subs);
    size_t *at = calloc(k, sizeof *at);
    if (!raws || !subs || !at) {
        zk_err_set(ZK_ERR_NOMEM, "batch of %zu", k);
        for (size_t i = 0; i < k; i++)
            internal(&calls[i].err, "sendRawTransaction");
        free(raws);
        free(subs);
        free(at);
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (send_raw_param(calls[i].params, &raws[i], &calls[i].err))
            continue;
        subs[m].raw = raws[i].data;
        subs[m].len = raws[i].len;
        at[m++] = i;
    }
    int rc = node_submit_many(n, subs, m);
    for (size_t j = 0; j < m; j++) {
        rpcs_call *c = &calls[at[j]];
        if (rc)
            internal(&c->err, "sendRawTransaction");
        else
            c->result = send_raw_answer(subs[j].rc, subs[j].reason, subs[j].hash, &c->err);
    }
    for (size_t i = 0; i < k; i++)
        zk_buf_free(&raws[i]);
    free(raws);
    free(subs);
    free(at);
}

RPC_FN(m_tx_by_hash)
{
    RPC_PROLOGUE;
    uint8_t h[32];
    if (rpcs_param_count(params, 1, 1, err) || rpcs_param_hex(params, 0, "hash", h, 32, err))
        return NULL;
    pthread_mutex_lock(&n->lmu);
    pthread_mutex_lock(&n->mu);
    json_t *res = NULL;
    ptx *p = pool_find(n, h);
    if (p) {
        res = tx_json(&p->tx, NULL);
        if (!res)
            internal(err, "tx");
    }
    pthread_mutex_unlock(&n->mu);
    if (!p) {
        int rc = mined_tx_json(n, h, 0, &res);
        if (rc == ZK_ERR_NOT_FOUND)
            res = json_null();
        else if (rc)
            internal(err, "tx");
    }
    pthread_mutex_unlock(&n->lmu);
    return res;
}

RPC_FN(m_receipt)
{
    RPC_PROLOGUE;
    uint8_t h[32];
    if (rpcs_param_count(params, 1, 1, err) || rpcs_param_hex(params, 0, "hash", h, 32, err))
        return NULL;
    pthread_mutex_lock(&n->lmu);
    json_t *res = NULL;
    int rc = mined_tx_json(n, h, 1, &res);
    if (rc == ZK_ERR_NOT_FOUND)
        res = json_null();
    else if (rc)
        internal(err, "receipt");
    pthread_mutex_unlock(&n->lmu);
    return res;
}

static int node_health(void *ctx, json_t *h)
{
    node *n = ctx;
    size_t total, ex;
    node_pool_counts(n, &total, &ex);
    json_object_set_new(h, "service", json_string("chain"));
    json_object_set_new(h, "head", json_integer((json_int_t)node_head(n)));
    json_object_set_new(h, "pool", json_integer((json_int_t)total));
    return 0;
}

int node_register_rpc(node *n, rpcs_server *srv)
{
    static const struct {
        const char *name;
        rpcs_handler fn;
    } k_methods[] = {
        {"eth_chainId", m_chain_id},
        {"net_version", m_net_version},
        {"web3_clientVersion", m_client_version},
        {"eth_syncing", m_syncing},
        {"eth_accounts", m_accounts},
        {"eth_blockNumber", m_block_number},
        {"eth_gasPrice", m_gas_price},
        {"eth_maxPriorityFeePerGas", m_max_priority},
        {"eth_getBalance", m_get_balance},
        {"eth_getTransactionCount", m_get_tx_count},
        {"eth_estimateGas", m_estimate_gas},
        {"eth_feeHistory", m_fee_history},
        {"eth_getBlockByNumber", m_block_by_number},
        {"eth_getBlockByHash", m_block_by_hash},
        {"eth_sendRawTransaction", m_send_raw},
        {"eth_getTransactionByHash", m_tx_by_hash},
        {"eth_getTransactionReceipt", m_receipt},
        {"eth_getCode", m_get_code},
        {"eth_getStorageAt", m_get_storage},
        {"eth_call", m_call},
    };
    for (size_t i = 0; i < sizeof k_methods / sizeof k_methods[0]; i++) {
        int rc = rpcs_register(srv, k_methods[i].name, k_methods[i].fn, n);
        if (rc)
            return rc;
    }
    int rc = rpcs_set_batch(srv, "eth_sendRawTransaction", m_send_raw_batch);
    if (!rc)
        rc = node_register_chain_rpc(n, srv);
    if (!rc)
        rc = node_register_private_rpc(n, srv);
    return rc ? rc : rpcs_set_health(srv, node_health, n);
}
