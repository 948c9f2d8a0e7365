/* Structured logging: one line per event on stderr, with key=value fields.
 *
 *   ZK_LOG(ZK_LOG_INFO, "rpc.listen", ZKF_STR("addr", "127.0.0.1"), ZKF_INT("port", 8545));
 *
 * text:  2026-11-24T10:00:00.123Z INFO rpc.listen addr=127.0.0.1 port=8545
 * json:  {"ts":"2026-11-24T10:00:00.123Z","level":"info","event":"rpc.listen",
 *         "addr":"127.0.0.1","port":8545}
 *
 * Text values with spaces, quotes or '=' are quoted with C escapes. Never log a
 * secret (keys, salts, plaintexts): the logger cannot tell.
 */
#ifndef ZKGATE_COMMON_LOG_H
#define ZKGATE_COMMON_LOG_H

#include <stdint.h>

typedef enum zk_log_level {
    ZK_LOG_TRACE = 0,
    ZK_LOG_DEBUG = 1,
    ZK_LOG_INFO = 2,
    ZK_LOG_WARN = 3,
    ZK_LOG_ERROR = 4,
    ZK_LOG_OFF = 5
} zk_log_level;

typedef enum zk_log_format { ZK_LOG_TEXT = 0, ZK_LOG_JSON = 1 } zk_log_format;

typedef enum zk_field_type {
    ZKF_T_END = 0,
    ZKF_T_STR,
    ZKF_T_INT,
    ZKF_T_UINT,
    ZKF_T_DBL,
    ZKF_T_BOOL
} zk_field_type;

/* One key=value field of an event. Build them with the ZKF_* macros. */
typedef struct zk_field {
    const char *key;    /* field name: letters, digits, '_' and '.' */
    zk_field_type type; /* which member of the union holds the value */
    union {
        const char *s;        /* ZKF_T_STR; NULL prints as null */
        long long i;          /* ZKF_T_INT, ZKF_T_BOOL */
        unsigned long long u; /* ZKF_T_UINT */
        double d;             /* ZKF_T_DBL */
    } v;
} zk_field;

#define ZKF_STR(k, x)  ((zk_field){.key = (k), .type = ZKF_T_STR, .v.s = (x)})
#define ZKF_INT(k, x)  ((zk_field){.key = (k), .type = ZKF_T_INT, .v.i = (long long)(x)})
#define ZKF_UINT(k, x) ((zk_field){.key = (k), .type = ZKF_T_UINT, .v.u = (unsigned long long)(x)})
#define ZKF_DBL(k, x)  ((zk_field){.key = (k), .type = ZKF_T_DBL, .v.d = (double)(x)})
#define ZKF_BOOL(k, x) ((zk_field){.key = (k), .type = ZKF_T_BOOL, .v.i = !!(x)})
#define ZKF_END        ((zk_field){.key = NULL, .type = ZKF_T_END})

/* Logs an event if level is enabled. The field list may be empty. */
#define ZK_LOG(level, event, ...)                                                                  \
    do {                                                                                           \
        if (zk_log_enabled(level))                                                                 \
            zk_log_fields((level), (event),                                                        \
                          (const zk_field[]){__VA_ARGS__ __VA_OPT__(, ) ZKF_END});                 \
    } while (0)
#define ZK_INFO(event, ...)  ZK_LOG(ZK_LOG_INFO, event, __VA_ARGS__)
#define ZK_WARN(event, ...)  ZK_LOG(ZK_LOG_WARN, event, __VA_ARGS__)
#define ZK_ERROR(event, ...) ZK_LOG(ZK_LOG_ERROR, event, __VA_ARGS__)
#define ZK_DEBUG(event, ...) ZK_LOG(ZK_LOG_DEBUG, event, __VA_ARGS__)

/* Sets the least level that is written (default ZK_LOG_INFO). */
void zk_log_set_level(zk_log_level level);
/* Sets text or JSON lines (default text). */
void zk_log_set_format(zk_log_format format);

/* Parses "trace|debug|info|warn|error|off". Returns ZK_OK or ZK_ERR_INVALID_ARG. */
int zk_log_parse_level(const char *s, zk_log_level *out) __attribute__((warn_unused_result));
/* Parses "text|json". Returns ZK_OK or ZK_ERR_INVALID_ARG. */
int zk_log_parse_format(const char *s, zk_log_format *out) __attribute__((warn_unused_result));

/* Returns: non-zero when events at level are written. */
int zk_log_enabled(zk_log_level level);

/* Writes one event; fields ends with ZKF_END. Thread-safe: a line is written with
 * one write() so lines from threads never interleave. */
void zk_log_fields(zk_log_level level, const char *event, const zk_field *fields);

/* Sends log lines to fd instead of stderr (tests). */
void zk_log_set_fd(int fd);

#endif
