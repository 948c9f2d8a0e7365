#include "common/error.h"

#include <stdio.h>
#include <string.h>

#define DETAIL_CAP 512

static _Thread_local char g_detail[DETAIL_CAP];
static _Thread_local int g_code;

static const struct {
    const char *name;
    const char *text;
} k_errors[ZK_ERR__COUNT] = {
    [ZK_OK] = {"ZK_OK", "success"},
    [ZK_ERR_NOMEM] = {"ZK_ERR_NOMEM", "out of memory"},
    [ZK_ERR_INVALID_ARG] = {"ZK_ERR_INVALID_ARG", "invalid argument"},
    [ZK_ERR_PARSE] = {"ZK_ERR_PARSE", "malformed input"},
    [ZK_ERR_RANGE] = {"ZK_ERR_RANGE", "value out of range"},
    [ZK_ERR_TOO_LARGE] = {"ZK_ERR_TOO_LARGE", "size exceeds limit"},
    [ZK_ERR_IO] = {"ZK_ERR_IO", "input/output error"},
    [ZK_ERR_NOT_FOUND] = {"ZK_ERR_NOT_FOUND", "not found"},
    [ZK_ERR_EXISTS] = {"ZK_ERR_EXISTS", "already exists"},
    [ZK_ERR_PERMISSION] = {"ZK_ERR_PERMISSION", "permission denied"},
    [ZK_ERR_CONFIG] = {"ZK_ERR_CONFIG", "invalid configuration"},
    [ZK_ERR_CRYPTO] = {"ZK_ERR_CRYPTO", "cryptographic operation failed"},
    [ZK_ERR_SIGNATURE] = {"ZK_ERR_SIGNATURE", "invalid signature"},
    [ZK_ERR_DB] = {"ZK_ERR_DB", "database error"},
    [ZK_ERR_NETWORK] = {"ZK_ERR_NETWORK", "network error"},
    [ZK_ERR_TIMEOUT] = {"ZK_ERR_TIMEOUT", "timed out"},
    [ZK_ERR_RPC] = {"ZK_ERR_RPC", "remote procedure call failed"},
    [ZK_ERR_PROOF] = {"ZK_ERR_PROOF", "proof rejected"},
    [ZK_ERR_UNSUPPORTED] = {"ZK_ERR_UNSUPPORTED", "not supported"},
    [ZK_ERR_STATE] = {"ZK_ERR_STATE", "operation not allowed in this state"},
    [ZK_ERR_NO_DEVICE] = {"ZK_ERR_NO_DEVICE", "no usable GPU device"},
    [ZK_ERR_DEVICE] = {"ZK_ERR_DEVICE", "GPU operation failed"},
    [ZK_ERR_DECRYPT] = {"ZK_ERR_DECRYPT", "decryption failed"},
    [ZK_ERR_INTERNAL] = {"ZK_ERR_INTERNAL", "internal error"},
    [ZK_ERR_BUSY] = {"ZK_ERR_BUSY", "resource busy or limit reached"},
};

const char *zk_strerror(int code)
{
    if (code < 0 || code >= ZK_ERR__COUNT || !k_errors[code].text)
        return "unknown error";
    return k_errors[code].text;
}

const char *zk_errname(int code)
{
    if (code < 0 || code >= ZK_ERR__COUNT || !k_errors[code].name)
        return "ZK_ERR_UNKNOWN";
    return k_errors[code].name;
}

int zk_err_setv(int code, const char *fmt, va_list ap)
{
    g_code = code;
    if (fmt)
        vsnprintf(g_detail, sizeof g_detail, fmt, ap);
    else
        g_detail[0] = '\0';
    return code;
}

int zk_err_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zk_err_setv(code, fmt, ap);
    va_end(ap);
    return code;
}

int zk_err_wrap(int code, const char *fmt, ...)
{
    char old[DETAIL_CAP];
    va_list ap;

    memcpy(old, g_detail, sizeof old);
    if (!old[0] && g_code)
        snprintf(old, sizeof old, "%s", zk_strerror(g_code));
    va_start(ap, fmt);
    int n = vsnprintf(g_detail, sizeof g_detail, fmt, ap);
    va_end(ap);
    /* the prefix first, then as much of the old detail as fits */
    size_t used = n < 0 ? 0 : (size_t)n < sizeof g_detail ? (size_t)n : sizeof g_detail - 1;
    size_t room = sizeof g_detail - 1 - used;
    size_t len = strnlen(old, sizeof old - 1);
    if (len > room)
        len = room;
    memcpy(g_detail + used, old, len);
    g_detail[used + len] = '\0';
    g_code = code;
    return code;
}

const char *zk_err_detail(void)
{
    if (g_detail[0])
        return g_detail;
    return g_code ? zk_strerror(g_code) : "";
}

void zk_err_clear(void)
{
    g_code = 0;
    g_detail[0] = '\0';
}
