/* Sparse Merkle tree: roots against a naive reference that rebuilds the tree from
 * all of its leaves, paths and their rejection, persistence, rollback, appends. */
#include <time.h>
#include <unistd.h>

#include "chains/smt.h"
#include "common/db.h"
#include "common/error.h"
#include "tests/test.h"

/* ---- reference: a map of leaves and a root computed from it alone ---- */

#define REF_MAX 4096

typedef struct ref_tree {
    uint32_t idx[REF_MAX];
    p2_digest leaf[REF_MAX];
    size_t n;
} ref_tree;

static void ref_set(ref_tree *r, uint32_t idx, const p2_digest *leaf)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->idx[i] == idx) {
            r->leaf[i] = *leaf;
            return;
        }
    }
    if (r->n < REF_MAX) {
        r->idx[r->n] = idx;
        r->leaf[r->n++] = *leaf;
    }
}

static const p2_digest *ref_get(const ref_tree *r, uint32_t idx)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->idx[i] == idx)
            return &r->leaf[i];
    return NULL;
}

/* Empty nodes computed here, not taken from smt_empty. */
static p2_digest g_empty[33];

static void ref_empty_init(void)
{
    memset(&g_empty[32], 0, sizeof g_empty[32]);
    for (int l = 31; l >= 0; l--)
        p2_compress(&g_empty[l], &g_empty[l + 1], &g_empty[l + 1]);
}

/* Node (level, pos) of the reference tree, recursively: a subtree that holds no
 * leaf is the empty node of its level. */
static void ref_node(const ref_tree *r, unsigned level, uint64_t pos, p2_digest *out)
{
    uint64_t lo = pos << (32 - level), hi = (pos + 1) << (32 - level);
    int any = 0;
    for (size_t i = 0; i < r->n && !any; i++)
        any = r->idx[i] >= lo && r->idx[i] < hi;
    if (!any) {
        *out = g_empty[level];
        return;
    }
    if (level == 32) {
        *out = *ref_get(r, (uint32_t)pos);
        return;
    }
    p2_digest a, b;
    ref_node(r, level + 1, 2 * pos, &a);
    ref_node(r, level + 1, 2 * pos + 1, &b);
    p2_compress(out, &a, &b);
}

static void rand_digest(p2_digest *d)
{
    for (int i = 0; i < P2_DIGEST_LEN; i++)
        d->v[i] = kb_from_u32((uint32_t)t_rand());
    if (!d->v[0])
        d->v[0] = KB_ONE;
}

static int digest_eq(const p2_digest *a, const p2_digest *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static uint32_t rand_index(void)
{
    /* clustered and spread-out indices, so siblings that are both set occur */
    switch (t_rand() % 3) {
    case 0: return (uint32_t)(t_rand() % 64);
    case 1: return (uint32_t)(0xffffffc0u + t_rand() % 64);
    default: return (uint32_t)t_rand();
    }
}

/* ---- tests ---- */

static void test_empty(zk_db *db)
{
    smt *t = NULL;
    CHECK_OK(smt_new(&t, db, 10, 0));
    if (!t)
        return;
    p2_digest root, e, zero;
    memset(&zero, 0, sizeof zero);
    smt_root(t, &root);
    smt_empty(0, &e);
    CHECK(digest_eq(&root, &e));
    CHECK(digest_eq(&root, &g_empty[0]));
    smt_empty(32, &e);
    CHECK(digest_eq(&e, &zero));
    CHECK(!digest_eq(&g_empty[0], &zero));
    CHECK_EQ(smt_count(t), 0);
    p2_digest leaf;
    CHECK_OK(smt_get(t, 12345, &leaf));
    CHECK(digest_eq(&leaf, &zero));
    /* an empty tree's path is all empty siblings, and an empty leaf never verifies */
    p2_digest path[SMT_DEPTH];
    CHECK_OK(smt_path(t, 7, path));
    for (int k = 0; k < SMT_DEPTH; k++)
        CHECK(digest_eq(&path[k], &g_empty[32 - k]));
    CHECK_ERR(smt_verify_path(&leaf, 7, path, SMT_DEPTH, &root), ZK_ERR_PROOF);
    /* nothing is stored for an empty tree */
    sqlite3_stmt *st;
    int row = 0;
    CHECK_OK(db_stmt(db, "SELECT COUNT(*) FROM smt_page WHERE id >> 31 = 10", &st));
    CHECK_OK(db_step(db, st, &row));
    CHECK(row && sqlite3_column_int64(st, 0) == 0);
    sqlite3_reset(st);
    smt_free(t);
}

/* Every check of a path: the good one verifies; a flipped element of any sibling,
 * a wrong index, a wrong root and a wrong length all fail. */
static void check_paths(smt *t, const ref_tree *r, size_t max_mutate)
{
    p2_digest root;
    smt_root(t, &root);
    for (size_t i = 0; i < r->n; i++) {
        p2_digest path[SMT_DEPTH + 1], leaf;
        uint32_t idx = r->idx[i];
        CHECK_OK(smt_get(t, idx, &leaf));
        CHECK(digest_eq(&leaf, &r->leaf[i]));
        CHECK_OK(smt_path(t, idx, path));
        for (int k = 0; k < SMT_DEPTH; k++) {
            uint64_t pos = ((uint64_t)idx >> k) ^ 1u;
            p2_digest want;
            ref_node(r, 32 - (unsigned)k, pos, &want);
            if (i < max_mutate)
                CHECK(digest_eq(&path[k], &want));
        }
        if (digest_eq(&leaf, &g_empty[32])) {
            CHECK_ERR(smt_verify_path(&leaf, idx, path, SMT_DEPTH, &root), ZK_ERR_PROOF);
            continue;
        }
        CHECK_OK(smt_verify_path(&leaf, idx, path, SMT_DEPTH, &root));
        if (i >= max_mutate)
            continue;
        for (int k = 0; k < SMT_DEPTH; k++) {
            int el = (int)(t_rand() % P2_DIGEST_LEN);
            kb old = path[k].v[el];
            path[k].v[el] = kb_add(old, KB_ONE);
            CHECK_ERR(smt_verify_path(&leaf, idx, path, SMT_DEPTH, &root), ZK_ERR_PROOF);
            path[k].v[el] = KB_P; /* unreduced */
            CHECK_ERR(smt_verify_path(&leaf, idx, path, SMT_DEPTH, &root), ZK_ERR_PROOF);
            path[k].v[el] = old;
        }
        CHECK_ERR(smt_verify_path(&leaf, idx ^ (1u << (t_rand() % 32)), path, SMT_DEPTH, &root),
                  ZK_ERR_PROOF);
        CHECK_ERR(smt_verify_path(&leaf, (uint64_t)idx | (1ull << 32), path, SMT_DEPTH, &root),
                  ZK_ERR_PROOF);
        CHECK_ERR(smt_verify_path(&leaf, idx, path, SMT_DEPTH - 1, &root), ZK_ERR_PROOF);
        path[SMT_DEPTH] = g_empty[0];
        CHECK_ERR(smt_verify_path(&leaf, idx, path, SMT_DEPTH + 1, &root), ZK_ERR_PROOF);
        CHECK_ERR(smt_verify_path(&leaf, idx, path, 0, &root), ZK_ERR_PROOF);
        p2_digest bad = root;
        bad.v[t_rand() % P2_DIGEST_LEN] ^= 1;
        CHECK_ERR(smt_verify_path(&leaf, idx, path, SMT_DEPTH, &bad), ZK_ERR_PROOF);
        CHECK_ERR(smt_verify_path(&leaf, idx, path, SMT_DEPTH, &g_empty[32]), ZK_ERR_PROOF);
        bad = leaf;
        bad.v[t_rand() % P2_DIGEST_LEN] ^= 1;
        CHECK_ERR(smt_verify_path(&bad, idx, path, SMT_DEPTH, &root), ZK_ERR_PROOF);
    }
}

static void test_random_updates(zk_db *db)
{
    static ref_tree r;
    memset(&r, 0, sizeof r);
    smt *t = NULL;
    /* a cache far smaller than the tree, so eviction runs all the time */
    CHECK_OK(smt_new(&t, db, 1, 100));
    /* a second tree in the same database stays independent */
    smt *other = NULL;
    CHECK_OK(smt_new(&other, db, 2, 0));
    if (!t || !other)
        goto out;
    p2_digest d, root, want;
    rand_digest(&d);
    CHECK_OK(smt_set(other, 5, &d));
    for (int round = 0; round < 12; round++) {
        uint32_t idx[64];
        p2_digest lv[64];
        size_t n = 1 + t_rand() % 64;
        for (size_t k = 0; k < n; k++) {
            idx[k] = (k && t_rand() % 8 == 0) ? idx[t_rand() % k] : rand_index();
            if (t_rand() % 10 == 0)
                memset(&lv[k], 0, sizeof lv[k]); /* clear a leaf */
            else
                rand_digest(&lv[k]);
        }
        if (round % 3 == 0) {
            for (size_t k = 0; k < n; k++)
                CHECK_OK(smt_set(t, idx[k], &lv[k]));
        } else {
            CHECK_OK(smt_update(t, idx, lv, n));
        }
        for (size_t k = 0; k < n; k++)
            ref_set(&r, idx[k], &lv[k]);
        smt_root(t, &root);
        ref_node(&r, 0, 0, &want);
        CHECK_MSG(digest_eq(&root, &want), "round %d", round);
    }
    check_paths(t, &r, 40);
    /* clearing every leaf brings back the empty root and stores nothing */
    for (size_t i = 0; i < r.n; i++)
        CHECK_OK(smt_set(t, r.idx[i], &g_empty[32]));
    smt_root(t, &root);
    CHECK(digest_eq(&root, &g_empty[0]));
    sqlite3_stmt *st;
    int row = 0;
    CHECK_OK(db_stmt(db, "SELECT COUNT(*) FROM smt_page WHERE id >> 31 = 1", &st));
    CHECK_OK(db_step(db, st, &row));
    CHECK(row && sqlite3_column_int64(st, 0) == 0);
    sqlite3_reset(st);
    /* the other tree kept its leaf */
    p2_digest got;
    CHECK_OK(smt_get(other, 5, &got));
    CHECK(digest_eq(&got, &d));
    /* an unreduced leaf and an oversized batch are refused */
    p2_digest bad = d;
    bad.v[3] = KB_P;
    CHECK_ERR(smt_set(t, 1, &bad), ZK_ERR_INVALID_ARG);
    uint32_t one = 1; /* the size is checked before any leaf is read */
    CHECK_ERR(smt_update(t, &one, &d, SMT_MAX_BATCH + 1), ZK_ERR_TOO_LARGE);
    CHECK_ERR(smt_update(t, NULL, &d, 1), ZK_ERR_INVALID_ARG);
    CHECK_OK(smt_update(t, NULL, NULL, 0));
out:
    smt_free(t);
    smt_free(other);
}

static void test_persistence_and_rollback(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/zk_test_smt_%d.db", (int)getpid());
    unlink(path);
    static ref_tree r;
    memset(&r, 0, sizeof r);
    zk_db *db = NULL;
    smt *t = NULL;
    CHECK_OK(db_open(&db, path, DB_DURABLE, 0));
    if (db)
        CHECK_OK(smt_new(&t, db, 3, 0));
    if (!t)
        goto out;
    uint32_t idx[40];
    p2_digest lv[40], root, root2, leaf;
    for (int k = 0; k < 40; k++) {
        idx[k] = rand_index();
        rand_digest(&lv[k]);
    }
    CHECK_OK(smt_update(t, idx, lv, 40));
    for (int k = 0; k < 40; k++)
        ref_set(&r, idx[k], &lv[k]);
    uint32_t a0 = 99, a1 = 99;
    CHECK_OK(smt_alloc_index(t, &a0));
    CHECK_OK(smt_alloc_index(t, &a1));
    CHECK_EQ(a0, 0);
    CHECK_EQ(a1, 1);
    smt_root(t, &root);

    /* a batch in the caller's transaction, rolled back, leaves the root unchanged */
    CHECK_OK(db_begin(db));
    p2_digest nl[8];
    uint32_t ni[8];
    for (int k = 0; k < 8; k++) {
        ni[k] = k ? rand_index() : idx[0];
        rand_digest(&nl[k]);
    }
    CHECK_OK(smt_update(t, ni, nl, 8));
    uint32_t a2;
    CHECK_OK(smt_alloc_index(t, &a2));
    smt_root(t, &root2);
    CHECK(!digest_eq(&root, &root2));
    db_rollback(db);
    CHECK_OK(smt_reload(t));
    smt_root(t, &root2);
    CHECK(digest_eq(&root, &root2));
    CHECK_EQ(smt_count(t), 2);
    CHECK_OK(smt_get(t, idx[0], &leaf));
    CHECK(digest_eq(&leaf, ref_get(&r, idx[0])));

    /* the same batch committed by the caller moves the root */
    CHECK_OK(db_begin(db));
    CHECK_OK(smt_update(t, ni, nl, 8));
    CHECK_OK(db_commit(db));
    for (int k = 0; k < 8; k++)
        ref_set(&r, ni[k], &nl[k]);
    smt_root(t, &root);
    p2_digest want;
    ref_node(&r, 0, 0, &want);
    CHECK(digest_eq(&root, &want));

    p2_digest paths[48][SMT_DEPTH]; /* 40 + 8 leaves at most */
    for (size_t i = 0; i < r.n; i++)
        CHECK_OK(smt_path(t, r.idx[i], paths[i]));
    smt_free(t);
    t = NULL;
    db_close(db);
    db = NULL;

    /* reopen: the root, the count, the leaves and the paths are the same */
    CHECK_OK(db_open(&db, path, DB_DURABLE, 0));
    if (db)
        CHECK_OK(smt_new(&t, db, 3, 0));
    if (!t)
        goto out;
    smt_root(t, &root2);
    CHECK(digest_eq(&root, &root2));
    CHECK_EQ(smt_count(t), 2);
    for (size_t i = 0; i < r.n; i++) {
        p2_digest p[SMT_DEPTH];
        CHECK_OK(smt_get(t, r.idx[i], &leaf));
        CHECK(digest_eq(&leaf, &r.leaf[i]));
        CHECK_OK(smt_path(t, r.idx[i], p));
        CHECK_MEM(p, paths[i], sizeof p);
        CHECK_OK(smt_verify_path(&leaf, r.idx[i], p, SMT_DEPTH, &root2));
    }
    /* a corrupted stored page is reported, never used: a bottom page when a leaf
     * is read, the top page (which gives the root) when the tree is reloaded */
    {
        char sql[200];
        uint32_t leaf_page = r.idx[0] >> 4; /* page (28, idx >> 4) has code 7 */
        snprintf(sql, sizeof sql, "UPDATE smt_page SET nodes = x'01000000ffffffff' WHERE id = %lld",
                 (long long)((3ll << 31) | (7ll << 28) | leaf_page));
        CHECK_OK(db_exec(db, sql));
        CHECK_OK(smt_reload(t));
        CHECK_ERR(smt_get(t, r.idx[0], &leaf), ZK_ERR_DB);
        /* a mask with more digests than the row holds */
        snprintf(sql, sizeof sql, "UPDATE smt_page SET nodes = x'03000000' WHERE id = %lld",
                 (long long)((3ll << 31) | (7ll << 28) | leaf_page));
        CHECK_OK(db_exec(db, sql));
        CHECK_OK(smt_reload(t));
        CHECK_ERR(smt_get(t, r.idx[0], &leaf), ZK_ERR_DB);
    }
    CHECK_OK(db_exec(db, "UPDATE smt_page SET nodes = x'ffffffff' WHERE id = 3 << 31"));
    CHECK_ERR(smt_reload(t), ZK_ERR_DB);
out:
    smt_free(t);
    db_close(db);
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
}

static void test_append(zk_db *db)
{
    static ref_tree r;
    memset(&r, 0, sizeof r);
    smt *t = NULL;
    CHECK_OK(smt_new(&t, db, 4, 0));
    if (!t)
        return;
    p2_digest zero, root, want;
    memset(&zero, 0, sizeof zero);
    for (uint32_t k = 0; k < 37; k++) {
        p2_digest d;
        uint32_t at = 0xdead;
        rand_digest(&d);
        CHECK_OK(smt_append(t, &d, &at));
        CHECK_EQ(at, k);
        CHECK_EQ(smt_count(t), k + 1);
        ref_set(&r, k, &d);
    }
    uint32_t at = 0xdead;
    CHECK_ERR(smt_append(t, &zero, &at), ZK_ERR_INVALID_ARG);
    CHECK_EQ(at, 0xdead);
    CHECK_EQ(smt_count(t), 37);
    smt_root(t, &root);
    ref_node(&r, 0, 0, &want);
    CHECK(digest_eq(&root, &want));
    check_paths(t, &r, 3);
    smt_free(t);
}

/* A database in the first layout (one smt_node row per non-empty node, written
 * here from the reference) is moved into pages when a handle opens it: the same
 * root, leaves and paths, and the old table is gone. */
static void test_migrate_old_rows(void)
{
    static ref_tree r;
    memset(&r, 0, sizeof r);
    zk_db *db = NULL;
    smt *t = NULL;
    CHECK_OK(db_open(&db, NULL, DB_MEMORY, 0));
    if (!db)
        return;
    CHECK_OK(db_exec(db, "CREATE TABLE smt_tree (tree INTEGER PRIMARY KEY, next INTEGER NOT NULL);"
                         "CREATE TABLE smt_node (tree INTEGER NOT NULL, level INTEGER NOT NULL,"
                         " idx INTEGER NOT NULL, digest BLOB NOT NULL,"
                         " PRIMARY KEY (tree, level, idx)) WITHOUT ROWID;"
                         "INSERT INTO smt_tree VALUES (6, 9);"));
    for (int k = 0; k < 30; k++) {
        p2_digest d;
        rand_digest(&d);
        ref_set(&r, k < 10 ? (uint32_t)(100 + k) : rand_index(), &d);
    }
    /* every non-empty node above the leaves, in the old encoding */
    for (size_t i = 0; i < r.n; i++) {
        for (int level = 32; level >= 0; level--) {
            uint64_t pos = (uint64_t)r.idx[i] >> (32 - level);
            p2_digest d;
            ref_node(&r, (unsigned)level, pos, &d);
            uint8_t blob[32];
            for (int e = 0; e < P2_DIGEST_LEN; e++) {
                uint32_t c = kb_to_canonical(d.v[e]);
                memcpy(blob + 4 * e, &c, 4); /* little-endian hosts only, as the tree */
            }
            sqlite3_stmt *st;
            CHECK_OK(db_stmt(db, "INSERT OR REPLACE INTO smt_node VALUES (6, ?, ?, ?)", &st));
            CHECK_OK(db_bind(st, "iib", (int64_t)level, (int64_t)pos, blob, sizeof blob));
            CHECK_OK(db_step(db, st, NULL));
        }
    }
    CHECK_OK(smt_new(&t, db, 6, 0));
    if (!t)
        goto out;
    p2_digest root, want;
    smt_root(t, &root);
    ref_node(&r, 0, 0, &want);
    CHECK(digest_eq(&root, &want));
    CHECK_EQ(smt_count(t), 9);
    check_paths(t, &r, 4);
    sqlite3_stmt *st;
    int row = 1;
    CHECK_OK(db_stmt(db, "SELECT 1 FROM sqlite_master WHERE name = 'smt_node'", &st));
    CHECK_OK(db_step(db, st, &row));
    CHECK(!row);
    /* and it keeps working: an update matches the reference */
    p2_digest d;
    rand_digest(&d);
    CHECK_OK(smt_set(t, 101, &d));
    ref_set(&r, 101, &d);
    smt_root(t, &root);
    ref_node(&r, 0, 0, &want);
    CHECK(digest_eq(&root, &want));
out:
    smt_free(t);
    db_close(db);
}

int main(void)
{
    t_seed();
    ref_empty_init();
    zk_db *db = NULL;
    CHECK_OK(db_open(&db, NULL, DB_MEMORY, 0));
    if (db) {
        test_empty(db);
        test_random_updates(db);
        test_append(db);
    }
    db_close(db);
    test_persistence_and_rollback();
    test_migrate_old_rows();
    return t_report("test_smt");
}
