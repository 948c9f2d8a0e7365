#include "chains/smt.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* Nodes are kept in pages: the 30 nodes of levels r+1..r+4 below node (r, p),
 * for r = 0, 4, ..., 28, so that an update rewrites one row per page it touches
 * instead of one per node, and a path or a sibling read costs one row. Inside a
 * page, node (r + d, (p << d) + o) for d = 1..4 sits at slot (1 << d) + o - 2. */
#define PAGE_LEVELS 4
#define PAGE_NODES  30
#define PAGE_CODES  (SMT_DEPTH / PAGE_LEVELS) /* page root levels 0, 4, ..., 28 */

/* key = (code << 28 | p) + 1 where code = r / 4; 0 is never a key. */
typedef struct smt_page {
    uint64_t key;
    uint32_t mask;           /* bit s: slot s differs from the empty node of its level */
    int dirty;               /* changed since it was last written */
    p2_digest n[PAGE_NODES]; /* every slot, empty nodes included */
} smt_page;

struct smt {
    zk_db *db;          /* borrowed */
    uint32_t tree;      /* tree id */
    p2_digest root;     /* current root (derived from page (0, 0), never stored) */
    uint64_t next;      /* next index smt_append / smt_alloc_index hands out */
    smt_page **slots;   /* open-addressing table of cached pages, power-of-two size */
    size_t nslots;      /* 0 before the first insert */
    size_t nused;       /* occupied slots */
    size_t cache_max;   /* most pages kept between updates */
    smt_page *last;     /* the page found last, since sorted updates hit it again */
    smt_page **dirty;   /* pages changed by the running update, not yet written */
    size_t ndirty;      /* ... */
    size_t dirty_cap;   /* ... */
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

/* ---- pages ---- */

static unsigned page_root_level(unsigned level)
{
    return (level - 1) / PAGE_LEVELS * PAGE_LEVELS;
}

/* The page holding node (level, index), 1 <= level <= SMT_DEPTH, and its slot. */
static uint64_t page_key(unsigned level, uint32_t index, unsigned *slot)
{
    unsigned r = page_root_level(level), d = level - r;
    uint32_t p = (uint32_t)((uint64_t)index >> d);
    *slot = (1u << d) + (index & ((1u << d) - 1)) - 2;
    return (((uint64_t)(r / PAGE_LEVELS) << 28) | p) + 1;
}

static unsigned key_code(uint64_t key)
{
    return (unsigned)((key - 1) >> 28);
}

/* Level of a slot below the page's root level r. */
static unsigned slot_level(unsigned r, unsigned s)
{
    return r + (unsigned)(31 - __builtin_clz(s + 2));
}

/* Row id of a page: tree in the high 32 bits, so each tree's pages are one range
 * of the table ordered by level and index; below 2^63. */
static int64_t page_row(uint32_t tree, uint64_t key)
{
    return (int64_t)(((uint64_t)tree << 31) | (key - 1));
}

static void page_set_empty(smt_page *pg)
{
    unsigned r = key_code(pg->key) * PAGE_LEVELS;
    pg->mask = 0;
    for (unsigned s = 0; s < PAGE_NODES; s++)
        pg->n[s] = *empty_at(slot_level(r, s));
}

static void page_set(smt_page *pg, unsigned level, unsigned s, const p2_digest *d)
{
    pg->n[s] = *d;
    if (digest_eq(d, empty_at(level)))
        pg->mask &= ~(1u << s);
    else
        pg->mask |= 1u << s;
    pg->dirty = 1;
}

/* Row format: the mask (4 bytes little-endian, bits 30 and 31 clear), then the
 * digest of every slot whose bit is set, in slot order. Returns the length. */
static size_t page_encode(uint8_t *out, const smt_page *pg)
{
    out[0] = (uint8_t)pg->mask;
    out[1] = (uint8_t)(pg->mask >> 8);
    out[2] = (uint8_t)(pg->mask >> 16);
    out[3] = (uint8_t)(pg->mask >> 24);
    size_t len = 4;
    for (unsigned s = 0; s < PAGE_NODES; s++) {
        if (pg->mask >> s & 1u) {
            digest_encode(out + len, &pg->n[s]);
            len += 32;
        }
    }
    return len;
}

static int page_decode(smt_page *pg, const uint8_t *b, int len)
{
    if (!b || len < 4)
        return -1;
    uint32_t mask =
        (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    if (mask >> PAGE_NODES || len != 4 + 32 * __builtin_popcount(mask))
        return -1;
    page_set_empty(pg);
    pg->mask = mask;
    const uint8_t *p = b + 4;
    for (unsigned s = 0; s < PAGE_NODES; s++) {
        if (mask >> s & 1u) {
            if (digest_decode(&pg->n[s], p, 32))
                return -1;
            p += 32;
        }
    }
    return 0;
}

/* ---- cache ---- */

static size_t slot_of(uint64_t key, size_t mask)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 17) & mask;
}

static void cache_clear(smt *t)
{
    for (size_t i = 0; i < t->nslots; i++)
        free(t->slots[i]);
    free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
    t->nused = 0;
    t->last = NULL;
    t->ndirty = 0;
}

static smt_page *cache_find(smt *t, uint64_t key)
{
    if (t->last && t->last->key == key)
        return t->last;
    if (!t->nslots)
        return NULL;
    size_t mask = t->nslots - 1;
    for (size_t s = slot_of(key, mask);; s = (s + 1) & mask) {
        if (!t->slots[s])
            return NULL;
        if (t->slots[s]->key == key)
            return t->last = t->slots[s];
    }
}

static void table_insert(smt_page **slots, size_t n, smt_page *pg)
{
    size_t s = slot_of(pg->key, n - 1);
    while (slots[s])
        s = (s + 1) & (n - 1);
    slots[s] = pg;
}

/* Over the cap, keeps the upper page levels (which every update reads) and drops
 * the deepest ones until at most half the cap is left. Only runs between writes,
 * when no page is dirty. */
static void cache_evict(smt *t)
{
    if (t->nused <= t->cache_max)
        return;
    size_t per_code[PAGE_CODES] = {0};
    for (size_t i = 0; i < t->nslots; i++)
        if (t->slots[i])
            per_code[key_code(t->slots[i]->key)]++;
    size_t kept = 0;
    unsigned keep = 0; /* codes < keep stay */
    while (keep < PAGE_CODES && kept + per_code[keep] <= t->cache_max / 2)
        kept += per_code[keep++];
    size_t want = 1024;
    while (want < 2 * (kept + 1))
        want *= 2;
    smt_page **ns = keep ? calloc(want, sizeof *ns) : NULL;
    for (size_t i = 0; i < t->nslots; i++) {
        smt_page *pg = t->slots[i];
        if (!pg)
            continue;
        if (ns && key_code(pg->key) < keep)
            table_insert(ns, want, pg);
        else
            free(pg);
    }
    free(t->slots);
    t->slots = ns;
    t->nslots = ns ? want : 0;
    t->nused = ns ? kept : 0;
    t->last = NULL;
}

static int cache_add(smt *t, smt_page *pg)
{
    if (2 * (t->nused + 1) > t->nslots) {
        size_t n = t->nslots ? 2 * t->nslots : 1024;
        smt_page **ns = calloc(n, sizeof *ns);
        if (!ns)
            return zk_err_set(ZK_ERR_NOMEM, "smt tree %u: page table of %zu slots", t->tree, n);
        for (size_t i = 0; i < t->nslots; i++)
            if (t->slots[i])
                table_insert(ns, n, t->slots[i]);
        free(t->slots);
        t->slots = ns;
        t->nslots = n;
    }
    table_insert(t->slots, t->nslots, pg);
    t->nused++;
    return ZK_OK;
}

/* ---- storage ---- */

static const char SQL_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS smt_tree (tree INTEGER PRIMARY KEY, next INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS smt_page (id INTEGER PRIMARY KEY, nodes BLOB NOT NULL);";
static const char SQL_OLD_EXISTS[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'smt_node'";
/* In page order, so that each page's nodes arrive together. */
static const char SQL_OLD_SCAN[] =
    "SELECT tree, level, idx, digest FROM smt_node WHERE level > 0"
    " ORDER BY tree, (level - 1) / 4, idx >> (level - (level - 1) / 4 * 4)";
static const char SQL_TREE_INS[] = "INSERT OR IGNORE INTO smt_tree (tree, next) VALUES (?, 0)";
static const char SQL_TREE_GET[] = "SELECT next FROM smt_tree WHERE tree = ?";
static const char SQL_TREE_SET[] = "UPDATE smt_tree SET next = ? WHERE tree = ?";
static const char SQL_PAGE_GET[] = "SELECT nodes FROM smt_page WHERE id = ?";
static const char SQL_PAGE_PUT[] = "INSERT OR REPLACE INTO smt_page (id, nodes) VALUES (?, ?)";
static const char SQL_PAGE_DEL[] = "DELETE FROM smt_page WHERE id = ?";

/* Writes a page: its row, or no row when every node in it is empty. */
static int page_write(zk_db *db, uint32_t tree, const smt_page *pg)
{
    sqlite3_stmt *st;
    int e;
    if (!pg->mask) {
        e = db_stmt(db, SQL_PAGE_DEL, &st);
        if (!e)
            e = db_bind(st, "i", page_row(tree, pg->key));
    } else {
        uint8_t blob[4 + 32 * PAGE_NODES];
        size_t len = page_encode(blob, pg);
        e = db_stmt(db, SQL_PAGE_PUT, &st);
        if (!e)
            e = db_bind(st, "ib", page_row(tree, pg->key), blob, len);
    }
    if (!e)
        e = db_step(db, st, NULL);
    if (e)
        return zk_err_wrap(e, "smt tree %u: writing page (%u, %u): ", tree,
                           key_code(pg->key) * PAGE_LEVELS, (unsigned)((pg->key - 1) & 0xfffffffu));
    return ZK_OK;
}

/* Reads page key into pg (all empty when it has no row). */
static int page_read(smt *t, uint64_t key, smt_page *pg)
{
    sqlite3_stmt *st;
    pg->key = key;
    pg->dirty = 0;
    int row, e = db_stmt(t->db, SQL_PAGE_GET, &st);
    if (!e)
        e = db_bind(st, "i", page_row(t->tree, key));
    if (!e)
        e = db_step(t->db, st, &row);
    unsigned r = key_code(key) * PAGE_LEVELS, p = (unsigned)((key - 1) & 0xfffffffu);
    if (e)
        return zk_err_wrap(e, "smt tree %u: reading page (%u, %u): ", t->tree, r, p);
    if (!row) {
        page_set_empty(pg);
        return ZK_OK;
    }
    int bad = page_decode(pg, sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0));
    sqlite3_reset(st);
    if (bad)
        return zk_err_set(ZK_ERR_DB, "smt tree %u: stored page (%u, %u) is malformed", t->tree, r,
                          p);
    return ZK_OK;
}

/* The cached page for key, read in on a miss. */
static int page_get(smt *t, uint64_t key, smt_page **out)
{
    smt_page *pg = cache_find(t, key);
    if (!pg) {
        pg = malloc(sizeof *pg);
        if (!pg)
            return zk_err_set(ZK_ERR_NOMEM, "smt tree %u: a page", t->tree);
        int e = page_read(t, key, pg);
        if (!e)
            e = cache_add(t, pg);
        if (e) {
            free(pg);
            return e;
        }
        t->last = pg;
    }
    *out = pg;
    return ZK_OK;
}

static int node_get(smt *t, unsigned level, uint32_t index, p2_digest *out)
{
    if (!level) {
        *out = t->root;
        return ZK_OK;
    }
    unsigned s;
    smt_page *pg;
    int e = page_get(t, page_key(level, index, &s), &pg);
    if (!e)
        *out = pg->n[s];
    return e;
}

/* Writes the pages the running update changed, in row order, and trims the cache. */
static int flush_dirty(smt *t)
{
    for (size_t i = 0; i < t->ndirty; i++) {
        int e = page_write(t->db, t->tree, t->dirty[i]);
        if (e)
            return e;
        t->dirty[i]->dirty = 0;
    }
    t->ndirty = 0;
    cache_evict(t);
    return ZK_OK;
}

static int mark_dirty(smt *t, smt_page *pg)
{
    if (t->ndirty == t->dirty_cap) {
        size_t n = t->dirty_cap ? 2 * t->dirty_cap : 256;
        smt_page **nd = realloc(t->dirty, n * sizeof *nd);
        if (!nd)
            return zk_err_set(ZK_ERR_NOMEM, "smt tree %u: list of %zu changed pages", t->tree, n);
        t->dirty = nd;
        t->dirty_cap = n;
    }
    t->dirty[t->ndirty++] = pg;
    return ZK_OK;
}

/* Moves the rows of the first layout (one row per node in smt_node) into pages. */
static int migrate_rows(zk_db *db, smt_page *pg)
{
    sqlite3_stmt *st;
    int row = 0, have = 0, e = db_stmt(db, SQL_OLD_SCAN, &st);
    uint32_t tree = 0;
    while (!e && !(e = db_step(db, st, &row)) && row) {
        int64_t tr = sqlite3_column_int64(st, 0), lv = sqlite3_column_int64(st, 1);
        int64_t ix = sqlite3_column_int64(st, 2);
        if (tr < 0 || tr > (int64_t)UINT32_MAX || lv < 1 || lv > SMT_DEPTH || ix < 0 ||
            ix >= ((int64_t)1 << lv)) {
            e = zk_err_set(ZK_ERR_DB,
                           "smt: old node row (tree %lld, level %lld, idx %lld) is out of range",
                           (long long)tr, (long long)lv, (long long)ix);
            break;
        }
        unsigned s;
        uint64_t key = page_key((unsigned)lv, (uint32_t)ix, &s);
        if (have && (tree != (uint32_t)tr || pg->key != key)) {
            if ((e = page_write(db, tree, pg)))
                break;
            have = 0;
        }
        if (!have) {
            pg->key = key;
            page_set_empty(pg);
            tree = (uint32_t)tr;
            have = 1;
        }
        p2_digest d;
        if (digest_decode(&d, sqlite3_column_blob(st, 3), sqlite3_column_bytes(st, 3))) {
            e = zk_err_set(ZK_ERR_DB, "smt tree %u: old node (%lld, %lld) is not a valid digest",
                           tree, (long long)lv, (long long)ix);
            break;
        }
        page_set(pg, (unsigned)lv, s, &d);
    }
    sqlite3_reset(st);
    if (!e && have)
        e = page_write(db, tree, pg);
    if (!e)
        e = db_exec(db, "DROP TABLE smt_node");
    return e;
}

/* A database from before pages has table smt_node: its nodes are moved into pages
 * in one transaction (the caller's, or one of its own), after which the old table
 * is gone. */
static int migrate_old(zk_db *db)
{
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(db, SQL_OLD_EXISTS, &st);
    if (!e)
        e = db_step(db, st, &row);
    if (e || !row) {
        sqlite3_reset(st);
        return e;
    }
    sqlite3_reset(st);
    smt_page *pg = malloc(sizeof *pg);
    if (!pg)
        return zk_err_set(ZK_ERR_NOMEM, "smt: migrating nodes to pages");
    int own = sqlite3_get_autocommit(db_handle(db)) != 0;
    e = own ? db_begin(db) : ZK_OK;
    if (!e)
        e = migrate_rows(db, pg);
    if (!e && own)
        e = db_commit(db);
    if (e && own)
        db_rollback(db);
    free(pg);
    return e;
}

int smt_schema(zk_db *db)
{
    if (!db)
        return zk_err_set(ZK_ERR_INVALID_ARG, "smt_schema: NULL database");
    int e = db_exec(db, SQL_SCHEMA);
    if (!e)
        e = migrate_old(db);
    return e ? zk_err_wrap(e, "smt: schema: ") : ZK_OK;
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
    smt_page *top;
    unsigned s;
    e = page_get(t, page_key(1, 0, &s), &top);
    if (e)
        return e;
    if (top->mask)
        p2_compress(&t->root, &top->n[0], &top->n[1]);
    else
        t->root = *empty_at(0);
    return ZK_OK;
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
    t->cache_max = (cache_nodes ? cache_nodes : SMT_CACHE_DEFAULT) / PAGE_NODES + 1;
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
    free(t->dirty);
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
 * is unchanged and sits in the same page. A page is written once, when the top
 * level of its page row is done, so at most one page level is dirty at a time. */
static int update_sorted(smt *t, size_t m)
{
    uint32_t *idx = t->idx_buf;
    p2_digest *dig = t->dig_buf;
    kb *st = t->st_buf;
    for (unsigned level = SMT_DEPTH; level >= 1; level--) {
        size_t k = 0;
        for (size_t j = 0; j < m; j++) {
            unsigned s;
            smt_page *pg;
            uint32_t i = idx[j];
            int e = page_get(t, page_key(level, i, &s), &pg);
            if (!e && !pg->dirty)
                e = mark_dirty(t, pg);
            if (e)
                return e;
            page_set(pg, level, s, &dig[j]);
            if (!(i & 1u) && j + 1 < m && idx[j + 1] == i + 1) {
                page_set(pg, level, s + 1, &dig[j + 1]);
                j++;
            }
            /* the pair's slots are s & ~1 and s | 1, since a pair starts even */
            unsigned s0 = (i & 1u) ? s - 1 : s;
            memcpy(st + P2_WIDTH * k, pg->n[s0].v, sizeof pg->n[s0].v);
            memcpy(st + P2_WIDTH * k + P2_DIGEST_LEN, pg->n[s0 + 1].v, sizeof pg->n[s0].v);
            idx[k] = i >> 1;
            k++;
        }
        if ((level - 1) % PAGE_LEVELS == 0) {
            int e = flush_dirty(t);
            if (e)
                return e;
        }
        p2_permute_many(st, k);
        for (size_t j = 0; j < k; j++)
            memcpy(dig[j].v, st + P2_WIDTH * j, sizeof dig[j].v);
        m = k;
    }
    t->root = dig[0];
    return ZK_OK;
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
