/* Tests for chains/interop: the in-memory interop tree against chains/smt's
 * stored tree (same root, same paths, for several sizes, odd ones included),
 * every path checked by smt_verify_path and refused once altered, and the JSON
 * form of a record both ways with every malformed field refused. */
#include "chains/interop.h"

#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/error.h"
#include "tests/test.h"

static p2_digest rand_digest(void)
{
    p2_digest d;
    for (int i = 0; i < 8; i++)
        d.v[i] = kb_from_canonical((uint32_t)(t_rand() % KB_P));
    return d;
}

static st_interop rand_record(uint64_t chain)
{
    st_interop r = {.chain_id = chain,
                    .exit_root = rand_digest(),
                    .exit_count = t_rand() % 1000,
                    .last_batch = 1 + t_rand() % 100,
                    .state_commitment = rand_digest()};
    return r;
}

static int dig_eq(const p2_digest *a, const p2_digest *b)
{
    return memcmp(a->v, b->v, sizeof a->v) == 0;
}

static void test_against_smt(void)
{
    static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 31, 33, 100};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        st_interop *r = calloc(n, sizeof *r);
        p2_digest(*paths)[SMT_DEPTH] = calloc(n, sizeof *paths);
        CHECK(r && paths);
        if (!r || !paths)
            return;
        for (size_t i = 0; i < n; i++)
            r[i] = rand_record(1000 + i);
        p2_digest root;
        CHECK_OK(interop_build(r, n, &root, paths));

        zk_db *db = NULL;
        smt *t = NULL;
        CHECK_OK(db_open(&db, ":memory:", DB_MEMORY, 0));
        CHECK_OK(smt_new(&t, db, 9, 0));
        for (size_t i = 0; i < n; i++) {
            p2_digest leaf;
            CHECK_OK(st_interop_leaf(&leaf, &r[i]));
            CHECK_OK(smt_set(t, (uint32_t)i, &leaf));
        }
        p2_digest want;
        smt_root(t, &want);
        CHECK_MSG(dig_eq(&root, &want), "root of %zu records differs from smt's", n);
        for (size_t i = 0; i < n; i++) {
            p2_digest sp[SMT_DEPTH], leaf;
            CHECK_OK(smt_path(t, (uint32_t)i, sp));
            CHECK_MSG(memcmp(sp, paths[i], sizeof sp) == 0, "path %zu of %zu differs", i, n);
            CHECK_OK(st_interop_leaf(&leaf, &r[i]));
            CHECK_OK(smt_verify_path(&leaf, i, paths[i], SMT_DEPTH, &root));
            /* Another index, another record, a changed sibling: refused. */
            CHECK_ERR(smt_verify_path(&leaf, i ^ 1, paths[i], SMT_DEPTH, &root), ZK_ERR_PROOF);
            st_interop other = r[i];
            other.last_batch++;
            p2_digest bad;
            CHECK_OK(st_interop_leaf(&bad, &other));
            CHECK_ERR(smt_verify_path(&bad, i, paths[i], SMT_DEPTH, &root), ZK_ERR_PROOF);
            unsigned k = (unsigned)(t_rand() % SMT_DEPTH);
            p2_digest keep = paths[i][k];
            unsigned j = (unsigned)(t_rand() % 8);
            paths[i][k].v[j] = kb_add(paths[i][k].v[j], kb_from_canonical(1));
            CHECK_ERR(smt_verify_path(&leaf, i, paths[i], SMT_DEPTH, &root), ZK_ERR_PROOF);
            paths[i][k] = keep;
        }
        /* Without paths: the same root. */
        p2_digest again;
        CHECK_OK(interop_build(r, n, &again, NULL));
        CHECK(dig_eq(&again, &root));
        smt_free(t);
        db_close(db);
        free(r);
        free(paths);
    }
}

static void test_build_errors(void)
{
    st_interop r = rand_record(7);
    p2_digest root;
    CHECK_ERR(interop_build(NULL, 1, &root, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(interop_build(&r, 0, &root, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(interop_build(&r, 1, NULL, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(interop_build(&r, INTEROP_MAX_RECORDS + 1, &root, NULL), ZK_ERR_TOO_LARGE);
    st_interop two[2] = {rand_record(1), rand_record(2)};
    two[1].exit_count = (UINT64_C(1) << 32) + 1; /* more than an exit tree holds */
    CHECK_ERR(interop_build(two, 2, &root, NULL), ZK_ERR_INVALID_ARG);
    CHECK(strstr(zk_err_detail(), "interop record 1") != NULL);
}

static void test_json(void)
{
    for (int round = 0; round < 50; round++) {
        st_interop r = rand_record(t_rand()), back;
        json_t *o = interop_to_json(&r);
        CHECK(o != NULL);
        char why[160] = "";
        CHECK_OK(interop_from_json(o, &back, why, sizeof why));
        CHECK(memcmp(&r, &back, sizeof r) == 0);
        json_decref(o);
    }
    /* Integers as JSON numbers too. */
    char why[160] = "";
    st_interop r;
    const char *zero = "0x0000000000000000000000000000000000000000000000000000000000000000";
    json_t *o = json_pack("{s:i, s:s, s:i, s:s, s:s}", "chainId", 5, "exitRoot", zero, "exitCount",
                          3, "lastBatch", "0x2", "stateCommitment", zero);
    CHECK_OK(interop_from_json(o, &r, why, sizeof why));
    CHECK(r.chain_id == 5 && r.exit_count == 3 && r.last_batch == 2);
    /* Each field malformed in turn: refused, naming the field. */
    static const struct {
        const char *key;
        const char *bad;
    } k_bad[] = {
        {"chainId", "-1"},
        {"chainId", "0x10000000000000000"},
        {"exitRoot", "0x00"},
        {"exitRoot", "0xff000000000000000000000000000000000000000000000000000000000000ff"},
        {"exitCount", "ten"},
        {"lastBatch", ""},
        {"stateCommitment", "0x00000000ffffffff000000000000000000000000000000000000000000000000"},
        {"stateCommitment", "0xzz00000000000000000000000000000000000000000000000000000000000000"},
    };
    for (size_t i = 0; i < sizeof k_bad / sizeof *k_bad; i++) {
        json_t *c = json_deep_copy(o);
        json_object_set_new(c, k_bad[i].key, json_string(k_bad[i].bad));
        CHECK_ERR(interop_from_json(c, &r, why, sizeof why), ZK_ERR_PARSE);
        CHECK_MSG(strncmp(why, k_bad[i].key, strlen(k_bad[i].key)) == 0, "%s: why '%s'",
                  k_bad[i].key, why);
        json_object_del(c, k_bad[i].key);
        CHECK_ERR(interop_from_json(c, &r, why, sizeof why), ZK_ERR_PARSE);
        json_decref(c);
    }
    json_t *neg = json_deep_copy(o);
    json_object_set_new(neg, "exitCount", json_integer(-3));
    CHECK_ERR(interop_from_json(neg, &r, why, sizeof why), ZK_ERR_PARSE);
    json_decref(neg);
    json_t *arr = json_array();
    CHECK_ERR(interop_from_json(arr, &r, why, sizeof why), ZK_ERR_PARSE);
    CHECK_ERR(interop_from_json(NULL, &r, why, sizeof why), ZK_ERR_PARSE);
    json_decref(arr);
    json_decref(o);
}

int main(void)
{
    t_seed();
    test_against_smt();
    test_build_errors();
    test_json();
    return t_report("test_interop");
}
