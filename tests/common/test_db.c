/* common/db: pragmas, migrations (ordered, atomic, refusing newer schemas),
 * the statement cache and binding. */
#include <stdio.h>
#include <unistd.h>

#include "common/db.h"
#include "common/error.h"
#include "tests/test.h"

static const db_migration k_v2[] = {
    {1, "CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB NOT NULL)"},
    {2, "ALTER TABLE kv ADD COLUMN n INTEGER NOT NULL DEFAULT 0"},
};

static char g_path[64];

static int pragma_text(zk_db *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st;
    int row = 0;
    if (db_stmt(db, sql, &st) || db_step(db, st, &row) || !row)
        return -1;
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return 0;
}

static void test_open_and_migrate(void)
{
    zk_db *db;
    char v[32];
    CHECK_OK(db_open(&db, g_path, DB_DURABLE, 0));
    CHECK(pragma_text(db, "PRAGMA journal_mode", v, sizeof v) == 0 && strcmp(v, "wal") == 0);
    CHECK(pragma_text(db, "PRAGMA synchronous", v, sizeof v) == 0 && strcmp(v, "2") == 0);
    CHECK(pragma_text(db, "PRAGMA foreign_keys", v, sizeof v) == 0 && strcmp(v, "1") == 0);
    CHECK_EQ(db_schema_version(db), 0);
    CHECK_OK(db_migrate(db, k_v2, 1));
    CHECK_EQ(db_schema_version(db), 1);
    CHECK_OK(db_migrate(db, k_v2, 2));
    CHECK_EQ(db_schema_version(db), 2);
    CHECK_OK(db_migrate(db, k_v2, 2)); /* idempotent */
    /* a database newer than the software is refused */
    CHECK_ERR(db_migrate(db, k_v2, 1), ZK_ERR_UNSUPPORTED);
    CHECK(strstr(zk_err_detail(), "newer") != NULL);
    /* migrations out of order are a programming error */
    static const db_migration bad[] = {{2, "SELECT 1"}};
    CHECK_ERR(db_migrate(db, bad, 1), ZK_ERR_INVALID_ARG);
    db_close(db);
    db_close(NULL);
}

static void test_failed_migration_is_atomic(void)
{
    zk_db *db;
    CHECK_OK(db_open(&db, NULL, DB_MEMORY, 0));
    static const db_migration m[] = {
        {1, "CREATE TABLE a(x)"},
        {2, "CREATE TABLE b(y); INSERT INTO nope VALUES(1)"},
    };
    CHECK_ERR(db_migrate(db, m, 2), ZK_ERR_DB);
    CHECK(strstr(zk_err_detail(), "version 2") != NULL);
    CHECK_EQ(db_schema_version(db), 1);
    /* table b was rolled back with its step */
    CHECK(db_exec(db, "SELECT * FROM b") != ZK_OK);
    CHECK_OK(db_exec(db, "SELECT * FROM a"));
    db_close(db);
}

static const char *const k_ins = "INSERT INTO kv(k, v, n) VALUES(?, ?, ?)";
static const char *const k_sel = "SELECT v, n FROM kv WHERE k = ?";

static void test_statements(void)
{
    zk_db *db;
    CHECK_OK(db_open(&db, g_path, DB_DURABLE, 0));
    sqlite3_stmt *st, *st2;
    CHECK_OK(db_begin(db));
    for (int i = 0; i < 100; i++) {
        char k[16];
        uint8_t v[8];
        snprintf(k, sizeof k, "key%d", i);
        memset(v, i, sizeof v);
        CHECK_OK(db_stmt(db, k_ins, &st));
        CHECK_OK(db_bind(st, "tbi", k, v, sizeof v, (int64_t)i * 3));
        CHECK_OK(db_step(db, st, NULL));
    }
    CHECK_OK(db_commit(db));
    CHECK_OK(db_stmt(db, k_ins, &st2));
    CHECK(st == st2); /* cached */
    /* a duplicate key fails and says so; the store is unchanged */
    CHECK_OK(db_bind(st2, "tbi", "key5", "x", (size_t)1, (int64_t)0));
    CHECK_ERR(db_step(db, st2, NULL), ZK_ERR_DB);
    CHECK(strstr(zk_err_detail(), "UNIQUE") != NULL);

    int row;
    CHECK_OK(db_stmt(db, k_sel, &st));
    CHECK_OK(db_bind(st, "t", "key7"));
    CHECK_OK(db_step(db, st, &row));
    CHECK_EQ(row, 1);
    CHECK_EQ(sqlite3_column_int64(st, 1), 21);
    CHECK_EQ(sqlite3_column_bytes(st, 0), 8);
    CHECK_OK(db_step(db, st, &row));
    CHECK_EQ(row, 0);
    /* a row where none was expected is reported, not ignored */
    CHECK_OK(db_stmt(db, k_sel, &st));
    CHECK_OK(db_bind(st, "t", "key7"));
    CHECK_ERR(db_step(db, st, NULL), ZK_ERR_INTERNAL);
    CHECK_ERR(db_bind(st, "x", 1), ZK_ERR_INVALID_ARG);

    /* rollback discards */
    CHECK_OK(db_begin(db));
    CHECK_OK(db_exec(db, "DELETE FROM kv"));
    db_rollback(db);
    db_rollback(db); /* harmless with no transaction */
    CHECK_OK(db_stmt(db, "SELECT count(*) FROM kv", &st));
    CHECK_OK(db_step(db, st, &row));
    CHECK_EQ(sqlite3_column_int(st, 0), 100);
    sqlite3_reset(st);

    /* a second connection sees committed data; a writer waits for the lock and
     * then gives up with ZK_ERR_BUSY */
    zk_db *other;
    CHECK_OK(db_open(&other, g_path, DB_DURABLE, 50));
    CHECK_OK(db_begin(db));
    CHECK_ERR(db_begin(other), ZK_ERR_BUSY);
    db_rollback(db);
    CHECK_OK(db_begin(other));
    CHECK_OK(db_commit(other));
    db_close(other);
    db_close(db);
}

static void test_open_errors(void)
{
    zk_db *db;
    CHECK_ERR(db_open(&db, "/nonexistent-dir/x.db", DB_DURABLE, 0), ZK_ERR_DB);
    CHECK(strstr(zk_err_detail(), "/nonexistent-dir/x.db") != NULL);
    CHECK(db == NULL);
    CHECK(db_open(&db, "/tmp/zk-no-such-db-for-readonly.db", DB_READONLY, 0) != ZK_OK);
}

int main(void)
{
    t_seed();
    snprintf(g_path, sizeof g_path, "/tmp/zk_test_db_%d.db", (int)getpid());
    test_open_and_migrate();
    test_failed_migration_is_atomic();
    test_statements();
    test_open_errors();
    char p[96];
    unlink(g_path);
    snprintf(p, sizeof p, "%s-wal", g_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", g_path);
    unlink(p);
    return t_report("test_db");
}
