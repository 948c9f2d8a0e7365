#include "common/config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/bytes.h"
#include "common/error.h"

/* Key paths are short; a deeper or longer one is cut in messages, never overflowed. */
#define PATH_CAP 256

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "something else";
}

static const char *type_name(cfg_type t)
{
    switch (t) {
    case CFG_T_STRING: return "a string";
    case CFG_T_INT: return "an integer";
    case CFG_T_BOOL: return "a boolean";
    case CFG_T_DOUBLE: return "a number";
    case CFG_T_OBJECT: return "an object";
    case CFG_T_HEX: return "a hex string";
    case CFG_T_END: break;
    }
    return "?";
}

static void join(char *dst, const char *prefix, const char *key)
{
    if (prefix[0])
        snprintf(dst, PATH_CAP, "%s.%s", prefix, key);
    else
        snprintf(dst, PATH_CAP, "%s", key);
}

static int has_range(const cfg_field *f)
{
    return f->min != 0 || f->max != 0;
}

static int store_int(const cfg_field *f, void *out, int64_t v, const char *origin, const char *path)
{
    if (has_range(f) && (v < f->min || v > f->max))
        return zk_err_set(ZK_ERR_CONFIG,
                          "%s: key '%s': %" PRId64 " is out of range [%" PRId64 ", %" PRId64 "]",
                          origin, path, v, f->min, f->max);
    memcpy((char *)out + f->offset, &v, sizeof v);
    return ZK_OK;
}

static int store_double(const cfg_field *f, void *out, double v, const char *origin,
                        const char *path)
{
    if (!isfinite(v) || (f->min < f->max && (v < (double)f->min || v > (double)f->max)))
        return zk_err_set(ZK_ERR_CONFIG,
                          "%s: key '%s': %g is out of range [%" PRId64 ", %" PRId64 "]", origin,
                          path, v, f->min, f->max);
    memcpy((char *)out + f->offset, &v, sizeof v);
    return ZK_OK;
}

static int store_string(const cfg_field *f, void *out, const char *s, size_t len,
                        const char *origin, const char *path)
{
    if (len >= f->size)
        return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s': string of %zu bytes is longer than %zu",
                          origin, path, len, f->size - 1);
    if (memchr(s, '\0', len))
        return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s': string contains a NUL byte", origin, path);
    char *dst = (char *)out + f->offset;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return ZK_OK;
}

static int store_hex(const cfg_field *f, void *out, const char *s, size_t len, const char *origin,
                     const char *path)
{
    if (zk_hex_decode_exact((uint8_t *)out + f->offset, f->size, s, len))
        return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s': expected 0x and %zu hex bytes (%s)", origin,
                          path, f->size, zk_err_detail());
    return ZK_OK;
}

static int load_object(const cfg_field *spec, void *out, const json_t *obj, const char *origin,
                       const char *prefix);

static int load_value(const cfg_field *f, void *out, const json_t *v, const char *origin,
                      const char *path)
{
    switch (f->type) {
    case CFG_T_STRING:
    case CFG_T_HEX:
        if (!json_is_string(v))
            break;
        if (f->type == CFG_T_STRING)
            return store_string(f, out, json_string_value(v), json_string_length(v), origin, path);
        return store_hex(f, out, json_string_value(v), json_string_length(v), origin, path);
    case CFG_T_INT:
        if (!json_is_integer(v))
            break;
        return store_int(f, out, (int64_t)json_integer_value(v), origin, path);
    case CFG_T_BOOL:
        if (!json_is_boolean(v))
            break;
        *(int *)((char *)out + f->offset) = json_is_true(v);
        return ZK_OK;
    case CFG_T_DOUBLE:
        if (!json_is_number(v))
            break;
        return store_double(f, out, json_number_value(v), origin, path);
    case CFG_T_OBJECT:
        if (!json_is_object(v))
            break;
        return load_object(f->sub, out, v, origin, path);
    case CFG_T_END: break;
    }
    return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s': expected %s, got %s", origin, path,
                      type_name(f->type), json_kind(v));
}

static const cfg_field *find_field(const cfg_field *spec, const char *key, size_t keylen)
{
    for (const cfg_field *f = spec; f->key; f++)
        if (strlen(f->key) == keylen && memcmp(f->key, key, keylen) == 0)
            return f;
    return NULL;
}

static int load_object(const cfg_field *spec, void *out, const json_t *obj, const char *origin,
                       const char *prefix)
{
    const char *key;
    json_t *v;
    char path[PATH_CAP];

    json_object_foreach((json_t *)obj, key, v)
    {
        const cfg_field *f = find_field(spec, key, strlen(key));
        join(path, prefix, key);
        if (!f) {
            char known[200] = "";
            size_t n = 0;
            for (const cfg_field *k = spec; k->key && n < sizeof known - 1; k++)
                n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", n ? ", " : "", k->key);
            return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s' is not known here (known: %s)", origin,
                              path, known);
        }
        int rc = load_value(f, out, v, origin, path);
        if (rc)
            return rc;
    }
    for (const cfg_field *f = spec; f->key; f++) {
        if (f->required && !json_object_get(obj, f->key)) {
            join(path, prefix, f->key);
            return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s' is required but missing", origin, path);
        }
    }
    return ZK_OK;
}

int cfg_load_string(const cfg_field *spec, void *out, const char *json, size_t len,
                    const char *origin)
{
    json_error_t err;
    if (len > CFG_MAX_FILE)
        return zk_err_set(ZK_ERR_TOO_LARGE, "%s: larger than %u bytes", origin, CFG_MAX_FILE);
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return zk_err_set(ZK_ERR_CONFIG, "%s:%d:%d: not valid JSON: %s", origin, err.line,
                          err.column, err.text);
    int rc;
    if (!json_is_object(root))
        rc = zk_err_set(ZK_ERR_CONFIG, "%s: the top level must be an object, got %s", origin,
                        json_kind(root));
    else
        rc = load_object(spec, out, root, origin, "");
    json_decref(root);
    return rc;
}

int cfg_load_file(const cfg_field *spec, void *out, const char *path)
{
    zk_buf b;
    zk_buf_init(&b, CFG_MAX_FILE);
    int rc = zk_read_file(&b, path);
    if (rc == ZK_OK)
        rc = cfg_load_string(spec, out, b.data ? (const char *)b.data : "", b.len, path);
    zk_buf_free(&b);
    return rc;
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (!*s || *end || errno)
        return -1;
    *out = (int64_t)v;
    return 0;
}

int cfg_set(const cfg_field *spec, void *out, const char *key_path, const char *value,
            const char *origin)
{
    const cfg_field *fields = spec;
    const char *p = key_path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        const cfg_field *f = find_field(fields, p, n);
        if (!f)
            return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s' is not known", origin, key_path);
        if (dot) {
            if (f->type != CFG_T_OBJECT)
                return zk_err_set(ZK_ERR_CONFIG, "%s: key '%.*s' is not an object", origin,
                                  (int)(dot - key_path), key_path);
            fields = f->sub;
            p = dot + 1;
            continue;
        }
        switch (f->type) {
        case CFG_T_STRING: return store_string(f, out, value, strlen(value), origin, key_path);
        case CFG_T_HEX: return store_hex(f, out, value, strlen(value), origin, key_path);
        case CFG_T_INT: {
            int64_t v;
            if (parse_i64(value, &v))
                return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s': '%s' is not an integer", origin,
                                  key_path, value);
            return store_int(f, out, v, origin, key_path);
        }
        case CFG_T_BOOL:
            if (!strcmp(value, "true") || !strcmp(value, "1"))
                *(int *)((char *)out + f->offset) = 1;
            else if (!strcmp(value, "false") || !strcmp(value, "0"))
                *(int *)((char *)out + f->offset) = 0;
            else
                return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s': '%s' is not true or false", origin,
                                  key_path, value);
            return ZK_OK;
        case CFG_T_DOUBLE: {
            char *end;
            double d = strtod(value, &end);
            if (!*value || *end)
                return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s': '%s' is not a number", origin,
                                  key_path, value);
            return store_double(f, out, d, origin, key_path);
        }
        case CFG_T_OBJECT:
            return zk_err_set(ZK_ERR_CONFIG, "%s: key '%s' is an object; set its keys", origin,
                              key_path);
        case CFG_T_END: break;
        }
        return zk_err_set(ZK_ERR_INTERNAL, "%s: key '%s': bad schema", origin, key_path);
    }
}

static json_t *dump_object(const cfg_field *spec, const void *in)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (const cfg_field *f = spec; f->key; f++) {
        const char *p = (const char *)in + f->offset;
        json_t *v = NULL;
        switch (f->type) {
        case CFG_T_STRING: v = json_string(p); break;
        case CFG_T_INT: {
            int64_t x;
            memcpy(&x, p, sizeof x);
            v = json_integer((json_int_t)x);
            break;
        }
        case CFG_T_BOOL: v = json_boolean(*(const int *)p); break;
        case CFG_T_DOUBLE: {
            double d;
            memcpy(&d, p, sizeof d);
            v = json_real(d);
            break;
        }
        case CFG_T_OBJECT: v = dump_object(f->sub, in); break;
        case CFG_T_HEX: {
            char t[40];
            snprintf(t, sizeof t, "<%zu bytes>", f->size);
            v = json_string(t);
            break;
        }
        case CFG_T_END: break;
        }
        if (!v || json_object_set_new(o, f->key, v)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

char *cfg_dump(const cfg_field *spec, const void *in)
{
    json_t *o = dump_object(spec, in);
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

int cfg_parse_hostport(const char *s, char *host, size_t hostcap, uint16_t *port)
{
    const char *colon;
    const char *h = s;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return zk_err_set(ZK_ERR_CONFIG, "'%s' is not [v6-address]:port", s);
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return zk_err_set(ZK_ERR_CONFIG, "'%s' has no :port", s);
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= hostcap)
        return zk_err_set(ZK_ERR_CONFIG, "'%s': host is empty or too long", s);
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || p < 0 || p > 65535)
        return zk_err_set(ZK_ERR_CONFIG, "'%s': port must be 0..65535", s);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)p;
    return ZK_OK;
}
