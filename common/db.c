#include "common/db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* Enough for the statements of one store; past it the least recently added entry
 * is replaced (finalized). */
#define STMT_CACHE 64

struct zk_db {
    sqlite3 *h; /* the connection */
    char *path; /* for error details */
    struct {
        const char *sql;  /* key: the caller's constant SQL text */
        sqlite3_stmt *st; /* prepared statement */
    } cache[STMT_CACHE];
    size_t ncache;     /* entries in use */
    size_t next_evict; /* round-robin victim when full */
};

static int db_fail(zk_db *db, const char *what)
{
    int ext = sqlite3_extended_errcode(db->h);
    int code =
        (ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED ? ZK_ERR_BUSY : ZK_ERR_DB;
    return zk_err_set(code, "%s: %s: %s (sqlite %d)", db->path, what, sqlite3_errmsg(db->h), ext);
}

int db_open(zk_db **out, const char *path, unsigned flags, int busy_timeout_ms)
{
    *out = NULL;
    zk_db *db = calloc(1, sizeof *db);
    if (!db)
        return zk_err_set(ZK_ERR_NOMEM, "opening %s", path);
    const char *name = (flags & DB_MEMORY) ? ":memory:" : path;
    db->path = strdup(name);
    if (!db->path) {
        free(db);
        return zk_err_set(ZK_ERR_NOMEM, "opening %s", path);
    }
    int of =
        (flags & DB_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    of |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(name, &db->h, of, NULL);
    if (rc != SQLITE_OK) {
        int e =
            db->h ? db_fail(db, "open") : zk_err_set(ZK_ERR_NOMEM, "%s: open: out of memory", name);
        sqlite3_close(db->h);
        free(db->path);
        free(db);
        return e;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, busy_timeout_ms > 0 ? busy_timeout_ms : 5000);
    int e = ZK_OK;
    if (!(flags & DB_READONLY) && !(flags & DB_MEMORY))
        e = db_exec(db, "PRAGMA journal_mode=WAL");
    if (!e)
        e = db_exec(db,
                    (flags & DB_DURABLE) ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    if (!e)
        e = db_exec(db, "PRAGMA foreign_keys=ON");
    if (e) {
        db_close(db);
        return e;
    }
    *out = db;
    return ZK_OK;
}

void db_close(zk_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->ncache; i++)
        sqlite3_finalize(db->cache[i].st);
    sqlite3_close(db->h);
    free(db->path);
    free(db);
}

sqlite3 *db_handle(zk_db *db)
{
    return db->h;
}

int db_exec(zk_db *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int code = (rc & 0xff) == SQLITE_BUSY ? ZK_ERR_BUSY : ZK_ERR_DB;
        zk_err_set(code, "%s: %s (sqlite %d)", db->path, msg ? msg : sqlite3_errstr(rc), rc);
        sqlite3_free(msg);
        return code;
    }
    return ZK_OK;
}

int db_schema_version(zk_db *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int db_migrate(zk_db *db, const db_migration *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].version != (int)i + 1)
            return zk_err_set(ZK_ERR_INVALID_ARG, "migration %zu has version %d, wanted %zu", i,
                              m[i].version, i + 1);
    int have = db_schema_version(db);
    if (have < 0)
        return db_fail(db, "reading the schema version");
    if ((size_t)have > n)
        return zk_err_set(ZK_ERR_UNSUPPORTED,
                          "%s: schema version %d is newer than this zkgate knows (%zu); "
                          "use a newer zkgate",
                          db->path, have, n);
    for (size_t i = (size_t)have; i < n; i++) {
        int rc = db_begin(db);
        if (rc)
            return rc;
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version=%d", m[i].version);
        rc = db_exec(db, m[i].sql);
        if (!rc)
            rc = db_exec(db, bump);
        if (!rc)
            rc = db_commit(db);
        if (rc) {
            db_rollback(db);
            return zk_err_wrap(rc, "schema migration to version %d: ", m[i].version);
        }
    }
    return ZK_OK;
}

int db_stmt(zk_db *db, const char *sql, sqlite3_stmt **out)
{
    for (size_t i = 0; i < db->ncache; i++) {
        if (db->cache[i].sql == sql) {
            sqlite3_reset(db->cache[i].st);
            sqlite3_clear_bindings(db->cache[i].st);
            *out = db->cache[i].st;
            return ZK_OK;
        }
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return db_fail(db, "prepare");
    size_t slot;
    if (db->ncache < STMT_CACHE) {
        slot = db->ncache++;
    } else {
        slot = db->next_evict;
        db->next_evict = (db->next_evict + 1) % STMT_CACHE;
        sqlite3_finalize(db->cache[slot].st);
    }
    db->cache[slot].sql = sql;
    db->cache[slot].st = st;
    *out = st;
    return ZK_OK;
}

int db_bind(sqlite3_stmt *st, const char *fmt, ...)
{
    va_list ap;
    int rc = SQLITE_OK;
    va_start(ap, fmt);
    for (int i = 1; *fmt && rc == SQLITE_OK; fmt++, i++) {
        switch (*fmt) {
        case 'i': rc = sqlite3_bind_int64(st, i, (sqlite3_int64)va_arg(ap, int64_t)); break;
        case 'u': rc = sqlite3_bind_int64(st, i, (sqlite3_int64)va_arg(ap, uint64_t)); break;
        case 't': {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
            break;
        }
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            if (n > INT32_MAX) {
                va_end(ap);
                return zk_err_set(ZK_ERR_TOO_LARGE, "blob parameter %d of %zu bytes", i, n);
            }
            rc = sqlite3_bind_blob(st, i, p ? p : "", (int)n, SQLITE_TRANSIENT);
            break;
        }
        case 'n': rc = sqlite3_bind_null(st, i); break;
        default:
            va_end(ap);
            return zk_err_set(ZK_ERR_INVALID_ARG, "db_bind: bad format character '%c'", *fmt);
        }
    }
    va_end(ap);
    if (rc != SQLITE_OK)
        return zk_err_set(ZK_ERR_DB, "bind: %s", sqlite3_errstr(rc));
    return ZK_OK;
}

int db_step(zk_db *db, sqlite3_stmt *st, int *row)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (!row) {
            sqlite3_reset(st);
            return zk_err_set(ZK_ERR_INTERNAL, "%s: statement returned a row unexpectedly",
                              db->path);
        }
        *row = 1;
        return ZK_OK;
    }
    if (rc == SQLITE_DONE) {
        if (row)
            *row = 0;
        sqlite3_reset(st);
        return ZK_OK;
    }
    int e = db_fail(db, "step");
    sqlite3_reset(st);
    return e;
}

int db_begin(zk_db *db)
{
    return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(zk_db *db)
{
    return db_exec(db, "COMMIT");
}

void db_rollback(zk_db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}
