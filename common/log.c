#include "common/log.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

static atomic_int g_level = ZK_LOG_INFO;
static atomic_int g_format = ZK_LOG_TEXT;
static atomic_int g_fd = STDERR_FILENO;

static const char *const k_names[] = {"trace", "debug", "info", "warn", "error", "off"};
static const char *const k_upper[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"};

void zk_log_set_level(zk_log_level level)
{
    atomic_store(&g_level, (int)level);
}
void zk_log_set_format(zk_log_format format)
{
    atomic_store(&g_format, (int)format);
}
void zk_log_set_fd(int fd)
{
    atomic_store(&g_fd, fd);
}

int zk_log_enabled(zk_log_level level)
{
    return (int)level >= atomic_load(&g_level) && level < ZK_LOG_OFF;
}

int zk_log_parse_level(const char *s, zk_log_level *out)
{
    for (int i = 0; i <= ZK_LOG_OFF; i++) {
        if (strcasecmp(s, k_names[i]) == 0) {
            *out = (zk_log_level)i;
            return ZK_OK;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = ZK_LOG_WARN;
        return ZK_OK;
    }
    return zk_err_set(ZK_ERR_INVALID_ARG,
                      "log level '%.32s' is not one of trace, debug, info, warn, error, off", s);
}

int zk_log_parse_format(const char *s, zk_log_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = ZK_LOG_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = ZK_LOG_JSON;
    else
        return zk_err_set(ZK_ERR_INVALID_ARG, "log format '%.32s' is not text or json", s);
    return ZK_OK;
}

/* A fixed line buffer: a log line never allocates and is cut at LINE_CAP. */
#define LINE_CAP 4096
typedef struct line {
    char buf[LINE_CAP];
    size_t len;
} line;

static void put(line *l, const char *s, size_t n)
{
    if (l->len >= LINE_CAP - 2) /* keep room for "\n" */
        return;
    if (n > LINE_CAP - 2 - l->len)
        n = LINE_CAP - 2 - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}
static void puts_(line *l, const char *s)
{
    put(l, s, strlen(s));
}
static void putf(line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(line *l, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(l, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Escapes s for a JSON string or a quoted text value (the same escapes work for
 * both: \" \\ \n \r \t and \u00XX for other control bytes). */
static void put_escaped(line *l, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(l, e, 2);
        } else if (c == '\n') {
            put(l, "\\n", 2);
        } else if (c == '\r') {
            put(l, "\\r", 2);
        } else if (c == '\t') {
            put(l, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            putf(l, "\\u%04x", c);
        } else {
            put(l, (const char *)&c, 1);
        }
    }
}

static int needs_quotes(const char *s)
{
    if (!*s)
        return 1;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
            return 1;
    }
    return 0;
}

static void put_time(line *l)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char tmp[40];
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    put(l, tmp, n);
    putf(l, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void put_value_text(line *l, const zk_field *f)
{
    switch (f->type) {
    case ZKF_T_STR:
        if (!f->v.s) {
            puts_(l, "null");
        } else if (needs_quotes(f->v.s)) {
            puts_(l, "\"");
            put_escaped(l, f->v.s);
            puts_(l, "\"");
        } else {
            puts_(l, f->v.s);
        }
        break;
    case ZKF_T_INT: putf(l, "%lld", f->v.i); break;
    case ZKF_T_UINT: putf(l, "%llu", f->v.u); break;
    case ZKF_T_DBL: putf(l, "%.6g", f->v.d); break;
    case ZKF_T_BOOL: puts_(l, f->v.i ? "true" : "false"); break;
    case ZKF_T_END: break;
    }
}

static void put_value_json(line *l, const zk_field *f)
{
    switch (f->type) {
    case ZKF_T_STR:
        if (!f->v.s) {
            puts_(l, "null");
        } else {
            puts_(l, "\"");
            put_escaped(l, f->v.s);
            puts_(l, "\"");
        }
        break;
    case ZKF_T_DBL:
        if (isfinite(f->v.d))
            putf(l, "%.17g", f->v.d);
        else
            puts_(l, "null");
        break;
    default: put_value_text(l, f); break;
    }
}

void zk_log_fields(zk_log_level level, const char *event, const zk_field *fields)
{
    if (!zk_log_enabled(level))
        return;
    line l;
    l.len = 0;
    if (atomic_load(&g_format) == ZK_LOG_JSON) {
        puts_(&l, "{\"ts\":\"");
        put_time(&l);
        puts_(&l, "\",\"level\":\"");
        puts_(&l, k_names[level]);
        puts_(&l, "\",\"event\":\"");
        put_escaped(&l, event);
        puts_(&l, "\"");
        for (const zk_field *f = fields; f && f->type != ZKF_T_END; f++) {
            puts_(&l, ",\"");
            put_escaped(&l, f->key);
            puts_(&l, "\":");
            put_value_json(&l, f);
        }
        if (l.len >= LINE_CAP - 3) /* room for the closing brace */
            l.len = LINE_CAP - 3;
        puts_(&l, "}");
    } else {
        put_time(&l);
        puts_(&l, " ");
        puts_(&l, k_upper[level]);
        puts_(&l, " ");
        put_escaped(&l, event);
        for (const zk_field *f = fields; f && f->type != ZKF_T_END; f++) {
            puts_(&l, " ");
            puts_(&l, f->key);
            puts_(&l, "=");
            put_value_text(&l, f);
        }
    }
    l.buf[l.len++] = '\n';
    ssize_t off = 0;
    int fd = atomic_load(&g_fd);
    while ((size_t)off < l.len) {
        ssize_t w = write(fd, l.buf + off, l.len - (size_t)off);
        if (w <= 0)
            break;
        off += w;
    }
}
