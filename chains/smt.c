#include "chains/smt.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* One cache slot. key = ((level << 32) | index) + 1; 0 marks a free slot. */
typedef struct smt_slot {
    uint64_t key;
    p2_digest d;
} smt_slot;

struct smt {
    zk_db *db;          /* borrowed */
    uint32_t tree;      /* tree id */
    p2_digest root;     /* current root (also stored as node (0, 0) when not empty) */
    uint64_t next;      /* next index smt_append / smt_alloc_index hands out */
    smt_slot *slots;    /* open-addressing cache of nodes, power-of-two size */
    size_t nslots;      /* 0 before the first insert */
    size_t nused;       /* occupied slots */
    size_t cache_max;   /* most entries before the cache is dropped */
    uint32_t *idx_buf;  /* smt_update's working arrays, kept between calls */
    p2_digest *dig_buf; /* ... */
    kb *st_buf;         /* ... permutation states, 16 per node */
    size_t buf_cap;     /* entries each of the three holds */
};

static p2_digest g_empty[SMT_DEPTH + 1];
static pthread_once_t g_empty_once = PTHREAD_ONCE_INIT;

static void empty_init(void)
{
    memset(&g_empty[SMT_DEPTH], 0, sizeof g_empty[SMT_DEPTH]);
    for (int l = SMT_DEPTH - 1; l >= 0; l--)
        p2_compress(&g_empty[l], &g_empty[l + 1], &g_empty[l + 1]);
}

static const p2_digest *empty_at(unsigned level)
{
    pthread_once(&g_empty_once, empty_init);
    return &g_empty[level > SMT_DEPTH ? SMT_DEPTH : level];
}

void smt_empty(unsigned level, p2_digest *out)
{
    *out = *empty_at(level);
}

static int digest_eq(const p2_digest *a, const p2_digest *b)
{
    return memcmp(a->v, b->v, sizeof a->v) == 0;
}

static int digest_reduced(const p2_digest *d)
{
    for (int i = 0; i < P2_DIGEST_LEN; i++)
        if (d->v[i] >= KB_P)
            return 0;
    return 1;
}

static void digest_encode(uint8_t out[32], const p2_digest *d)
{
    for (int i = 0; i < P2_DIGEST_LEN; i++) {
        uint32_t c = kb_to_canonical(d->v[i]);
        out[4 * i] = (uint8_t)c;
        out[4 * i + 1] = (uint8_t)(c >> 8);
        out[4 * i + 2] = (uint8_t)(c >> 16);
        out[4 * i + 3] = (uint8_t)(c >> 24);
    }
}

static int digest_decode(p2_digest *d, const void *blob, int len)
{
    const uint8_t *b = blob;
    if (!b || len != 32)
        return -1;
    for (int i = 0; i < P2_DIGEST_LEN; i++) {
        uint32_t c = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
                     (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
        if (kb_decode(&d->v[i], c))
            return -1;
    }
    return 0;
}

/* ---- cache ---- */

static uint64_t node_key(unsigned level, uint32_t index)
{
    return (((uint64_t)level << 32) | index) + 1;
}

static size_t slot_of(uint64_t key, size_t mask)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 17) & mask;
}

static void cache_clear(smt *t)
{
    free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
    t->nused = 0;
}

static const p2_digest *cache_find(const smt *t, uint64_t key)
{
    if (!t->nslots)
        return NULL;
    size_t mask = t->nslots - 1;
    for (size_t s = slot_of(key, mask);; s = (s + 1) & mask) {
        if (t->slots[s].key == key)
            return &t->slots[s].d;
        if (!t->slots[s].key)
            return NULL;
    }
}

/* At the cap, keeps the upper levels (which every update reads) and drops the
 * deepest ones until at most half the cap is left: one pass to count per level,
 * one to rebuild the table in place of the old one. */
static void cache_evict(smt *t)
{
    size_t per_level[SMT_DEPTH + 1] = {0};
    for (size_t i = 0; i < t->nslots; i++)
        if (t->slots[i].key)
            per_level[(t->slots[i].key - 1) >> 32]++;
    size_t kept = 0;
    unsigned keep = 0; /* levels < keep stay */
    while (keep <= SMT_DEPTH && kept + per_level[keep] <= t->cache_max / 2)
        kept += per_level[keep++];
    smt_slot *old = t->slots;
    size_t n = t->nslots;
    t->slots = NULL;
    t->nslots = 0;
    t->nused = 0;
    if (!keep) {
        free(old);
        return;
    }
    size_t want = 4096;
    while (want < 2 * (kept + 1))
        want *= 2;
    t->slots = calloc(want, sizeof *t->slots);
    if (!t->slots) {
        free(old);
        return;
    }
    t->nslots = want;
    for (size_t i = 0; i < n; i++) {
        if (!old[i].key || ((old[i].key - 1) >> 32) >= keep)
            continue;
        size_t s = slot_of(old[i].key, want - 1);
        while (t->slots[s].key)
            s = (s + 1) & (want - 1);
        t->slots[s] = old[i];
        t->nused++;
    }
    free(old);
}

/* The cache only ever speeds things up, so when it cannot grow (memory) it is
 * dropped rather than failing the caller. */
static void cache_put(smt *t, uint64_t key, const p2_digest *d)
{
    if (t->nused + 1 > t->cache_max)
        cache_evict(t);
    if (2 * (t->nused + 1) > t->nslots) {
        size_t n = t->nslots ? 2 * t->nslots : 4096;
        smt_slot *ns = calloc(n, sizeof *ns);
        if (!ns) {
            cache_clear(t);
            return;
        }
        for (size_t i = 0; i < t->nslots; i++) {
            if (!t->slots[i].key)
                continue;
            size_t s = slot_of(t->slots[i].key, n - 1);
            while (ns[s].key)
                s = (s + 1) & (n - 1);
            ns[s] = t->slots[i];
        }
        free(t->slots);
        t->slots = ns;
        t->nslots = n;
    }
    size_t mask = t->nslots - 1;
    size_t s = slot_of(key, mask);
    while (t->slots[s].key && t->slots[s].key != key)
        s = (s + 1) & mask;
    if (!t->slots[s].key)
        t->nused++;
    t->slots[s].key = key;
    t->slots[s].d = *d;
}

/* ---- storage ---- */

static const char SQL_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS smt_tree (tree INTEGER PRIMARY KEY, next INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS smt_node (tree INTEGER NOT NULL, level INTEGER NOT NULL,"
    " idx INTEGER NOT NULL, digest BLOB NOT NULL, PRIMARY KEY (tree, level, idx))"
    " WITHOUT ROWID;";
static const char SQL_TREE_INS[] = "INSERT OR IGNORE INTO smt_tree (tree, next) VALUES (?, 0)";
static const char SQL_TREE_GET[] = "SELECT next FROM smt_tree WHERE tree = ?";
static const char SQL_TREE_SET[] = "UPDATE smt_tree SET next = ? WHERE tree = ?";
static const char SQL_NODE_GET[] =
    "SELECT digest FROM smt_node WHERE tree = ? AND level = ? AND idx = ?";
static const char SQL_NODE_PUT[] =
    "INSERT OR REPLACE INTO smt_node (tree, level, idx, digest) VALUES (?, ?, ?, ?)";
static const char SQL_NODE_DEL[] = "DELETE FROM smt_node WHERE tree = ? AND level = ? AND idx = ?";

int smt_schema(zk_db *db)
{
    if (!db)
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_schema: NULL database");
    int e = db_exec(db, SQL_SCHEMA);
    return e ? zk_err_wrap(e, "smt: creating tables: ") : ZK_OK;
}

static int node_read_db(smt *t, unsigned level, uint32_t index, p2_digest *out)
{
    sqlite3_stmt *st;
    int row, e = db_stmt(t->db, SQL_NODE_GET, &st);
    if (!e)
        e = db_bind(st, "iii", (int64_t)t->tree, (int64_t)level, (int64_t)index);
    if (!e)
        e = db_step(t->db, st, &row);
    if (e)
        return zk_err_wrap(e, "smt tree %u: reading node (%u, %u): ", t->tree, level, index);
    if (!row) {
        *out = *empty_at(level);
        return ZK_OK;
    }
    int bad = digest_decode(out, sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0));
    sqlite3_reset(st);
    if (bad)
        return zk_err_set(ZK_ERR_DB, "smt tree %u: node (%u, %u) is not a valid digest", t->tree,
                          level, index);
    return ZK_OK;
}

static int node_get(smt *t, unsigned level, uint32_t index, p2_digest *out)
{
    uint64_t key = node_key(level, index);
    const p2_digest *c = cache_find(t, key);
    if (c) {
        *out = *c;
        return ZK_OK;
    }
    int e = node_read_db(t, level, index, out);
    if (!e)
        cache_put(t, key, out);
    return e;
}

/* Writes a node (deleting it when it is the empty node of its level, since only
 * non-empty nodes are stored) and caches it. */
static int node_write(smt *t, unsigned level, uint32_t index, const p2_digest *d)
{
    sqlite3_stmt *st;
    int e;
    if (digest_eq(d, empty_at(level))) {
        e = db_stmt(t->db, SQL_NODE_DEL, &st);
        if (!e)
            e = db_bind(st, "iii", (int64_t)t->tree, (int64_t)level, (int64_t)index);
    } else {
        uint8_t blob[32];
        digest_encode(blob, d);
        e = db_stmt(t->db, SQL_NODE_PUT, &st);
        if (!e)
            e = db_bind(st, "iiib", (int64_t)t->tree, (int64_t)level, (int64_t)index, blob,
                        sizeof blob);
    }
    if (!e)
        e = db_step(t->db, st, NULL);
    if (e)
        return zk_err_wrap(e, "smt tree %u: writing node (%u, %u): ", t->tree, level, index);
    cache_put(t, node_key(level, index), d);
    return ZK_OK;
}

static int next_write(smt *t, uint64_t next)
{
    sqlite3_stmt *st;
    int e = db_stmt(t->db, SQL_TREE_SET, &st);
    if (!e)
        e = db_bind(st, "ii", (int64_t)next, (int64_t)t->tree);
    if (!e)
        e = db_step(t->db, st, NULL);
    return e ? zk_err_wrap(e, "smt tree %u: storing the next index: ", t->tree) : ZK_OK;
}

static int load_meta(smt *t)
{
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(t->db, SQL_TREE_INS, &st);
    if (!e)
        e = db_bind(st, "i", (int64_t)t->tree);
    if (!e)
        e = db_step(t->db, st, NULL);
    if (!e)
        e = db_stmt(t->db, SQL_TREE_GET, &st);
    if (!e)
        e = db_bind(st, "i", (int64_t)t->tree);
    if (!e)
        e = db_step(t->db, st, &row);
    if (e)
        return zk_err_wrap(e, "smt tree %u: reading its record: ", t->tree);
    if (!row)
        return zk_err_set(ZK_ERR_DB, "smt tree %u: record missing after insert", t->tree);
    int64_t next = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (next < 0 || next > ((int64_t)1 << SMT_DEPTH))
        return zk_err_set(ZK_ERR_DB, "smt tree %u: stored next index %lld is out of range", t->tree,
                          (long long)next);
    t->next = (uint64_t)next;
    return node_read_db(t, 0, 0, &t->root);
}

/* ---- handle ---- */

int smt_new(smt **out, zk_db *db, uint32_t tree_id, size_t cache_nodes)
{
    if (!out || !db)
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_new: NULL argument");
    *out = NULL;
    if (cache_nodes > SMT_CACHE_MAX)
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_new: cache of %zu nodes exceeds %u", cache_nodes,
                          SMT_CACHE_MAX);
    smt *t = calloc(1, sizeof *t);
    if (!t)
        return zk_err_set(ZK_ERR_NOMEM, "smt_new: tree %u", tree_id);
    t->db = db;
    t->tree = tree_id;
    t->cache_max = cache_nodes ? cache_nodes : SMT_CACHE_DEFAULT;
    int e = smt_schema(db);
    if (!e)
        e = load_meta(t);
    if (e) {
        smt_free(t);
        return e;
    }
    *out = t;
    return ZK_OK;
}

void smt_free(smt *t)
{
    if (!t)
        return;
    cache_clear(t);
    free(t->idx_buf);
    free(t->dig_buf);
    free(t->st_buf);
    free(t);
}

uint32_t smt_tree_id(const smt *t)
{
    return t->tree;
}

void smt_root(const smt *t, p2_digest *root)
{
    *root = t->root;
}

uint64_t smt_count(const smt *t)
{
    return t->next;
}

int smt_reload(smt *t)
{
    if (!t)
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_reload: NULL tree");
    cache_clear(t);
    return load_meta(t);
}

int smt_get(smt *t, uint32_t index, p2_digest *leaf)
{
    if (!t || !leaf)
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_get: NULL argument");
    return node_get(t, SMT_DEPTH, index, leaf);
}

int smt_path(smt *t, uint32_t index, p2_digest path[SMT_DEPTH])
{
    if (!t || !path)
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_path: NULL argument");
    for (unsigned l = SMT_DEPTH; l >= 1; l--) {
        uint32_t pos = (uint32_t)((uint64_t)index >> (SMT_DEPTH - l));
        int e = node_get(t, l, pos ^ 1u, &path[SMT_DEPTH - l]);
        if (e)
            return e;
    }
    return ZK_OK;
}

/* ---- updates ---- */

typedef struct upd_item {
    uint32_t idx;
    uint32_t ord; /* position in the caller's arrays: the later one wins */
} upd_item;

static int upd_cmp(const void *a, const void *b)
{
    const upd_item *x = a, *y = b;
    if (x->idx != y->idx)
        return x->idx < y->idx ? -1 : 1;
    return x->ord < y->ord ? -1 : (x->ord > y->ord);
}

static int reserve(smt *t, size_t n)
{
    if (n <= t->buf_cap)
        return ZK_OK;
    uint32_t *ib = realloc(t->idx_buf, n * sizeof *ib);
    if (ib)
        t->idx_buf = ib;
    p2_digest *db = realloc(t->dig_buf, n * sizeof *db);
    if (db)
        t->dig_buf = db;
    kb *sb = realloc(t->st_buf, n * P2_WIDTH * sizeof *sb);
    if (sb)
        t->st_buf = sb;
    if (!ib || !db || !sb)
        return zk_err_set(ZK_ERR_NOMEM, "smt tree %u: buffers for %zu leaves", t->tree, n);
    t->buf_cap = n;
    return ZK_OK;
}

/* Writes the m sorted, distinct leaves in t->idx_buf / t->dig_buf and every node
 * above them, level by level. Each level's new parents are computed with one
 * p2_permute_many over all of them; a sibling that is not itself being rewritten
 * is unchanged, so it comes from the cache or the database. */
static int update_sorted(smt *t, size_t m)
{
    uint32_t *idx = t->idx_buf;
    p2_digest *dig = t->dig_buf;
    kb *st = t->st_buf;
    for (unsigned level = SMT_DEPTH; level >= 1; level--) {
        size_t k = 0;
        for (size_t j = 0; j < m; j++) {
            int e = node_write(t, level, idx[j], &dig[j]);
            if (e)
                return e;
            p2_digest sib;
            const p2_digest *left, *right;
            uint32_t i = idx[j];
            if (!(i & 1u) && j + 1 < m && idx[j + 1] == i + 1) {
                left = &dig[j];
                right = &dig[j + 1];
                e = node_write(t, level, idx[j + 1], &dig[j + 1]);
                if (e)
                    return e;
                j++;
            } else {
                e = node_get(t, level, i ^ 1u, &sib);
                if (e)
                    return e;
                left = (i & 1u) ? &sib : &dig[j];
                right = (i & 1u) ? &dig[j] : &sib;
            }
            memcpy(st + P2_WIDTH * k, left->v, sizeof left->v);
            memcpy(st + P2_WIDTH * k + P2_DIGEST_LEN, right->v, sizeof right->v);
            idx[k] = i >> 1;
            k++;
        }
        p2_permute_many(st, k);
        for (size_t j = 0; j < k; j++)
            memcpy(dig[j].v, st + P2_WIDTH * j, sizeof dig[j].v);
        m = k;
    }
    int e = node_write(t, 0, 0, &dig[0]);
    if (!e)
        t->root = dig[0];
    return e;
}

/* Runs the writes of an update: in the caller's transaction when one is open,
 * otherwise in one of its own. On failure the handle forgets what it cached of
 * the failed writes and keeps its old root and count. */
typedef int (*write_fn)(smt *t, void *arg);

static int in_transaction(smt *t, write_fn fn, void *arg)
{
    int own = sqlite3_get_autocommit(db_handle(t->db)) != 0;
    p2_digest old_root = t->root;
    uint64_t old_next = t->next;
    int e = own ? db_begin(t->db) : ZK_OK;
    if (e)
        return zk_err_wrap(e, "smt tree %u: begin: ", t->tree);
    e = fn(t, arg);
    if (!e && own) {
        e = db_commit(t->db);
        if (e)
            e = zk_err_wrap(e, "smt tree %u: commit: ", t->tree);
    }
    if (e) {
        if (own)
            db_rollback(t->db);
        cache_clear(t);
        t->root = old_root;
        t->next = old_next;
    }
    return e;
}

typedef struct upd_arg {
    const uint32_t *idx;
    const p2_digest *leaves;
    size_t n;
} upd_arg;

static int do_update(smt *t, void *argp)
{
    const upd_arg *a = argp;
    int e = reserve(t, a->n);
    if (e)
        return e;
    upd_item *items = malloc(a->n * sizeof *items);
    if (!items)
        return zk_err_set(ZK_ERR_NOMEM, "smt tree %u: sorting %zu leaves", t->tree, a->n);
    for (size_t k = 0; k < a->n; k++) {
        items[k].idx = a->idx[k];
        items[k].ord = (uint32_t)k;
    }
    qsort(items, a->n, sizeof *items, upd_cmp);
    size_t m = 0;
    for (size_t k = 0; k < a->n; k++) {
        if (k + 1 < a->n && items[k + 1].idx == items[k].idx)
            continue;
        t->idx_buf[m] = items[k].idx;
        t->dig_buf[m] = a->leaves[items[k].ord];
        m++;
    }
    free(items);
    return update_sorted(t, m);
}

int smt_update(smt *t, const uint32_t *idx, const p2_digest *leaves, size_t n)
{
    if (!t || (n && (!idx || !leaves)))
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_update: NULL argument");
    if (n > SMT_MAX_BATCH)
        return zk_err_set(ZK_ERR_TOO_LARGE, "smt tree %u: batch of %zu leaves exceeds %u", t->tree,
                          n, SMT_MAX_BATCH);
    if (!n)
        return ZK_OK;
    for (size_t k = 0; k < n; k++)
        if (!digest_reduced(&leaves[k]))
            return zk_err_set(ZK_ERR_INVALID_ARG, "smt tree %u: leaf %zu (index %u) is not reduced",
                              t->tree, k, idx[k]);
    upd_arg a = {idx, leaves, n};
    return in_transaction(t, do_update, &a);
}

int smt_set(smt *t, uint32_t index, const p2_digest *leaf)
{
    return smt_update(t, &index, leaf, 1);
}

static int do_alloc(smt *t, void *arg)
{
    (void)arg;
    int e = next_write(t, t->next + 1);
    if (!e)
        t->next++;
    return e;
}

int smt_alloc_index(smt *t, uint32_t *index)
{
    if (!t || !index)
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_alloc_index: NULL argument");
    if (t->next >= ((uint64_t)1 << SMT_DEPTH))
        return zk_err_set(ZK_ERR_TOO_LARGE, "smt tree %u: all 2^32 indices are used", t->tree);
    uint32_t i = (uint32_t)t->next;
    int e = in_transaction(t, do_alloc, NULL);
    if (!e)
        *index = i;
    return e;
}

typedef struct append_arg {
    const p2_digest *leaf;
} append_arg;

static int do_append(smt *t, void *argp)
{
    const append_arg *a = argp;
    int e = reserve(t, 1);
    if (e)
        return e;
    t->idx_buf[0] = (uint32_t)t->next;
    t->dig_buf[0] = *a->leaf;
    e = update_sorted(t, 1);
    if (!e)
        e = do_alloc(t, NULL);
    return e;
}

int smt_append(smt *t, const p2_digest *leaf, uint32_t *index)
{
    if (!t || !leaf || !index)
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_append: NULL argument");
    if (!digest_reduced(leaf))
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt tree %u: appended leaf is not reduced", t->tree);
    if (digest_eq(leaf, empty_at(SMT_DEPTH)))
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "smt tree %u: appending the zero digest (an empty leaf)", t->tree);
    if (t->next >= ((uint64_t)1 << SMT_DEPTH))
        return zk_err_set(ZK_ERR_TOO_LARGE, "smt tree %u: append-only tree is full", t->tree);
    uint32_t i = (uint32_t)t->next;
    append_arg a = {leaf};
    int e = in_transaction(t, do_append, &a);
    if (!e)
        *index = i;
    return e;
}

/* ---- verification ---- */

int smt_verify_path(const p2_digest *leaf, uint64_t index, const p2_digest *path, size_t path_len,
                    const p2_digest *root)
{
    if (!leaf || !root || (!path && path_len))
        return zk_err_set(ZK_ERR_PROOF, "smt path: NULL argument");
    if (path_len != SMT_DEPTH)
        return zk_err_set(ZK_ERR_PROOF, "smt path: %zu siblings, expected %d", path_len, SMT_DEPTH);
    if (index >> SMT_DEPTH)
        return zk_err_set(ZK_ERR_PROOF, "smt path: index %llu is not below 2^%d",
                          (unsigned long long)index, SMT_DEPTH);
    if (!digest_reduced(leaf) || !digest_reduced(root))
        return zk_err_set(ZK_ERR_PROOF, "smt path: leaf or root element not below p");
    if (digest_eq(leaf, empty_at(SMT_DEPTH)))
        return zk_err_set(ZK_ERR_PROOF, "smt path: the leaf is the zero digest (empty)");
    if (digest_eq(root, empty_at(SMT_DEPTH)))
        return zk_err_set(ZK_ERR_PROOF, "smt path: the root is the zero digest");
    p2_digest cur = *leaf;
    for (unsigned k = 0; k < SMT_DEPTH; k++) {
        if (!digest_reduced(&path[k]))
            return zk_err_set(ZK_ERR_PROOF, "smt path: sibling %u has an element not below p", k);
        if ((index >> k) & 1u)
            p2_compress(&cur, &path[k], &cur);
        else
            p2_compress(&cur, &cur, &path[k]);
    }
    if (!digest_eq(&cur, root))
        return zk_err_set(ZK_ERR_PROOF, "smt path: leaf %llu does not lead to the root",
                          (unsigned long long)index);
    return ZK_OK;
}
