/* SQLite helpers: every zkgate store opens through db_open, which sets WAL mode,
 * a busy timeout and foreign keys, and, for stores that must not lose an
 * acknowledged write, synchronous=FULL. Schemas are versioned with migrations
 * (PRAGMA user_version), and statements are prepared once and reused.
 *
 * A zk_db handle is used by one thread at a time (SQLite's serialized mode makes
 * misuse safe but slow); open one handle per thread when more are needed.
 */
#ifndef ZKGATE_COMMON_DB_H
#define ZKGATE_COMMON_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

typedef struct zk_db zk_db;

/* db_open flags */
#define DB_DURABLE  1u /* synchronous=FULL: a committed transaction survives power loss */
#define DB_READONLY 2u /* open read-only; the file must exist */
#define DB_MEMORY   4u /* an in-memory database (tests); path is ignored */

/* One schema step: the SQL that takes the schema from version-1 to version. */
typedef struct db_migration {
    int version;     /* 1, 2, 3, ... in order, no gaps */
    const char *sql; /* one or more statements, run in one transaction */
} db_migration;

/* Opens (creating if needed, unless DB_READONLY) the database at path.
 * busy_timeout_ms: how long to wait on a lock held by another connection
 * (0 means 5000). Returns ZK_OK and *out, or ZK_ERR_DB / ZK_ERR_IO with a detail
 * naming the file. */
int db_open(zk_db **out, const char *path, unsigned flags, int busy_timeout_ms)
    __attribute__((warn_unused_result));

/* Finalizes cached statements and closes. NULL is fine. */
void db_close(zk_db *db);

/* The underlying handle, for what these helpers do not cover. */
sqlite3 *db_handle(zk_db *db);

/* Brings the schema to the last version in migrations (each step in its own
 * transaction, with user_version bumped in the same transaction, so a crash leaves
 * a whole step or none). Refuses (ZK_ERR_UNSUPPORTED) a database whose version is
 * newer than this software knows, and a migration list out of order
 * (ZK_ERR_INVALID_ARG). Returns ZK_OK or ZK_ERR_DB naming the version that failed. */
int db_migrate(zk_db *db, const db_migration *migrations, size_t n)
    __attribute__((warn_unused_result));

/* Returns: the schema version (PRAGMA user_version), or -1 on error. */
int db_schema_version(zk_db *db);

/* Runs SQL that returns no rows. */
int db_exec(zk_db *db, const char *sql) __attribute__((warn_unused_result));

/* Returns a prepared statement for sql, reset and with bindings cleared, from a
 * per-handle cache (the SQL text is the key; keep it a constant). The statement
 * stays owned by db. */
int db_stmt(zk_db *db, const char *sql, sqlite3_stmt **out) __attribute__((warn_unused_result));

/* Binds parameters 1..n by a format string: 'i' int64_t, 'u' uint64_t (stored as
 * its int64 bit pattern), 't' const char * (text, NULL binds NULL), 'b' const void
 * *, size_t (blob), 'n' NULL. Returns ZK_OK or ZK_ERR_DB. */
int db_bind(sqlite3_stmt *st, const char *fmt, ...) __attribute__((warn_unused_result));

/* Steps a statement: ZK_OK with *row = 1 when a row is ready, *row = 0 when done;
 * ZK_ERR_DB (or ZK_ERR_BUSY when locked past the timeout) otherwise. row may be
 * NULL for statements that return no rows (a row is then an error). */
int db_step(zk_db *db, sqlite3_stmt *st, int *row) __attribute__((warn_unused_result));

/* Transactions. db_begin takes the write lock at once (BEGIN IMMEDIATE), so a
 * writer never fails halfway on a lock. */
int db_begin(zk_db *db) __attribute__((warn_unused_result));
int db_commit(zk_db *db) __attribute__((warn_unused_result));
/* Rolls back if a transaction is open; harmless otherwise. */
void db_rollback(zk_db *db);

#endif
