/* JSON-RPC 2.0 server over HTTP (libmicrohttpd + jansson).
 *
 * One server listens on one address. POST / carries JSON-RPC requests (single or
 * batch); GET /health and GET /metrics serve a health document and Prometheus text.
 * Every limit (body size, batch length, connection count, idle timeout) is fixed in
 * rpcs_config before the server starts. docs/RPC.md describes the wire behaviour.
 *
 * Life cycle: rpcs_new -> rpcs_register (any number) / rpcs_set_* -> rpcs_start ->
 * ... -> rpcs_stop -> rpcs_free. Registration and the rpcs_set_* hooks are only
 * accepted before rpcs_start, so the method table is read-only while serving.
 *
 * Threads: handlers and hooks run on the server's worker threads, several at a time;
 * whatever they share must be thread-safe.
 */
#ifndef ZKGATE_COMMON_RPC_SERVER_H
#define ZKGATE_COMMON_RPC_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

/* JSON-RPC 2.0 error codes (jsonrpc.org/specification, section 5.1), plus the
 * server-defined ones this project uses. -32005 "limit exceeded" follows EIP-1474. */
#define RPCS_PARSE_ERROR      (-32700)
#define RPCS_INVALID_REQUEST  (-32600)
#define RPCS_METHOD_NOT_FOUND (-32601)
#define RPCS_INVALID_PARAMS   (-32602)
#define RPCS_INTERNAL_ERROR   (-32603)
#define RPCS_UNAUTHORIZED     (-32001)
#define RPCS_LIMIT_EXCEEDED   (-32005)

typedef struct rpcs_server rpcs_server;

typedef struct rpcs_config {
    const char *bind_addr;    /* numeric IPv4/IPv6 address; copied by rpcs_new */
    int allow_non_loopback;   /* must be non-zero to bind anything but 127/8 or ::1 */
    uint16_t port;            /* 0 = let the kernel pick; see rpcs_port */
    size_t max_body_bytes;    /* larger request bodies get HTTP 413 */
    size_t max_batch;         /* longer batches get one -32005 error */
    unsigned timeout_s;       /* idle connection timeout (MHD_OPTION_CONNECTION_TIMEOUT) */
    unsigned threads;         /* 0 = one thread per connection, else a pool this size */
    unsigned max_connections; /* concurrent connections; more are refused */
} rpcs_config;

/* Fills cfg with the defaults: 127.0.0.1, port 0, 1 MiB body, batch 100, 30 s
 * timeout, thread per connection, 256 connections. */
void rpcs_config_default(rpcs_config *cfg);

/* What the auth hook learned about the caller; handed to the handler. */
typedef struct rpcs_auth {
    char subject[64]; /* who the caller is ("" when no auth hook is set) */
    uint64_t roles;   /* bit set the hook defines */
} rpcs_auth;

/* The error a handler returns. code 0 means "no error recorded". */
typedef struct rpcs_error {
    int code;          /* JSON-RPC error code */
    char message[256]; /* short text for the caller; never a secret or an internal path */
    json_t *data;      /* optional "data" member, owned (the server releases it) */
} rpcs_error;

/* A method. params is the request's "params" (NULL when absent, else an array or
 * an object), borrowed. Returns a new reference to the result (json_null() for a
 * null result) or NULL after filling err (rpcs_error_set, rpcs_param_error or a
 * getter). NULL with err->code == 0, or code RPCS_INTERNAL_ERROR, answers
 * -32603 "Internal error" and the message is only logged. */
typedef json_t *(*rpcs_handler)(void *ctx, const json_t *params, const rpcs_auth *auth,
                                rpcs_error *err);

/* One call handed to a batch handler: params and auth as rpcs_handler gets them
 * (borrowed); the handler fills result (a new reference) or err, exactly as
 * rpcs_handler's return value and err. */
typedef struct rpcs_call {
    const json_t *params;  /* the call's "params": NULL, an array or an object */
    const rpcs_auth *auth; /* what the auth hook learned about the caller */
    json_t *result;        /* out: the result, or NULL after filling err */
    rpcs_error err;        /* out: as for rpcs_handler; comes zeroed */
} rpcs_call;

/* The batch form of a method: runs calls[0..n) (n >= 2), consecutive calls of the
 * method in one batch request, in the batch's order, as if its rpcs_handler ran
 * each in turn, but at once, so that the service can share work between them
 * (one storage commit for all, one wait instead of n). */
typedef void (*rpcs_batch_handler)(void *ctx, rpcs_call *calls, size_t n);

/* Auth hook verdicts. */
enum {
    RPCS_AUTH_ALLOW = 0,           /* go ahead */
    RPCS_AUTH_DENY = 1,            /* known caller, not allowed this method: -32001 */
    RPCS_AUTH_UNAUTHENTICATED = 2, /* missing or bad credentials: HTTP 401 */
};

/* Called for every call of every POST before the handler. authorization is the
 * Authorization header value (NULL when absent; never log it), method the call's
 * method name. Fills out on RPCS_AUTH_ALLOW. Returns: an RPCS_AUTH_* verdict. */
typedef int (*rpcs_auth_fn)(void *ctx, const char *authorization, const char *method,
                            rpcs_auth *out);

/* Adds fields to the /health object (which already holds "status":"ok").
 * Returns: 0 when healthy; non-zero turns the answer into HTTP 503 with
 * "status":"unavailable". */
typedef int (*rpcs_health_fn)(void *ctx, json_t *health);

/* Appends the service's own metrics, in Prometheus text format, to out.
 * Returns: ZK_OK or an error (the scrape then gets HTTP 500). */
typedef int (*rpcs_metrics_fn)(void *ctx, zk_buf *out);

/* Creates a stopped server.
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG / ZK_ERR_CONFIG (a limit is zero, the address
 * does not parse, or a non-loopback address without allow_non_loopback) or
 * ZK_ERR_NOMEM.
 * Out: *out, the server. In: cfg (copied). */
int rpcs_new(rpcs_server **out, const rpcs_config *cfg) __attribute__((warn_unused_result));

/* Stops the server if it runs and frees it. NULL is fine. */
void rpcs_free(rpcs_server *srv);

/* Adds a method. Names are 1-64 chars of [A-Za-z0-9_.:-] and must not start with
 * "rpc." (reserved by the specification).
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG, ZK_ERR_EXISTS, ZK_ERR_STATE (already started)
 * or ZK_ERR_NOMEM. */
int rpcs_register(rpcs_server *srv, const char *name, rpcs_handler fn, void *ctx)
    __attribute__((warn_unused_result));

/* Gives the registered method name a batch form (same ctx; NULL removes it). In a
 * batch request, each run of consecutive calls of name that pass the checks (valid
 * request, allowed by the auth hook) goes to fn at once; a lone call and a single
 * request still run the rpcs_handler. Calls run in the batch's order either way,
 * and the answers keep it.
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG, ZK_ERR_NOT_FOUND (name not registered) or
 * ZK_ERR_STATE (already started). */
int rpcs_set_batch(rpcs_server *srv, const char *name, rpcs_batch_handler fn)
    __attribute__((warn_unused_result));

/* Installs the auth hook (NULL removes it). Returns: ZK_OK or ZK_ERR_STATE. */
int rpcs_set_auth(rpcs_server *srv, rpcs_auth_fn fn, void *ctx) __attribute__((warn_unused_result));
/* Installs the /health hook. Returns: ZK_OK or ZK_ERR_STATE. */
int rpcs_set_health(rpcs_server *srv, rpcs_health_fn fn, void *ctx)
    __attribute__((warn_unused_result));
/* Installs the /metrics hook. Returns: ZK_OK or ZK_ERR_STATE. */
int rpcs_set_metrics(rpcs_server *srv, rpcs_metrics_fn fn, void *ctx)
    __attribute__((warn_unused_result));

/* Starts listening and serving.
 * Returns: ZK_OK, ZK_ERR_STATE (already started) or ZK_ERR_IO (cannot listen). */
int rpcs_start(rpcs_server *srv) __attribute__((warn_unused_result));

/* Stops serving; waits for running handlers to return. Safe when not started. */
void rpcs_stop(rpcs_server *srv);

/* Returns: the port the server listens on (the kernel's pick for port 0), or 0
 * when it is not running. */
uint16_t rpcs_port(const rpcs_server *srv);

/* ---- helpers for handlers ----------------------------------------------------- */

/* Fills err with code and a formatted message. Returns NULL, so a handler reads
 * `return rpcs_error_set(err, -32010, "batch %llu unknown", n);`. */
json_t *rpcs_error_set(rpcs_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills err with -32602 and a message naming the parameter: by position
 * ("param 1 (amount): ...") or, when index is RPCS_NAMED, by name. Returns NULL. */
#define RPCS_NAMED SIZE_MAX
json_t *rpcs_param_error(rpcs_error *err, size_t index, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Typed parameter getters. Each looks up the parameter at position index when
 * params is an array, or the member name when params is an object, and checks its
 * type. On failure they fill err with -32602 naming the parameter and return
 * ZK_ERR_INVALID_ARG; the handler then returns NULL. name may be NULL for
 * positional-only methods.
 *
 * rpcs_param_count: Returns ZK_OK when params is absent/an object, or an array of
 * min..max entries.
 * rpcs_param_get: any JSON value (borrowed). Returns ZK_OK or ZK_ERR_INVALID_ARG
 * (missing).
 * rpcs_param_string: Out: *out, borrowed from params.
 * rpcs_param_uint64: accepts a non-negative JSON integer or an Ethereum-style hex
 * quantity "0x..." (at most 16 digits).
 * rpcs_param_bool: a JSON true/false.
 * rpcs_param_hex: hex text ("0x" optional) of exactly len bytes into out.
 * rpcs_param_hex_buf: hex text of any even length appended to buf (its cap applies,
 * exceeding it is a -32602). */
int rpcs_param_count(const json_t *params, size_t min, size_t max, rpcs_error *err)
    __attribute__((warn_unused_result));
int rpcs_param_get(const json_t *params, size_t index, const char *name, json_t **out,
                   rpcs_error *err) __attribute__((warn_unused_result));
int rpcs_param_string(const json_t *params, size_t index, const char *name, const char **out,
                      rpcs_error *err) __attribute__((warn_unused_result));
int rpcs_param_uint64(const json_t *params, size_t index, const char *name, uint64_t *out,
                      rpcs_error *err) __attribute__((warn_unused_result));
int rpcs_param_bool(const json_t *params, size_t index, const char *name, int *out, rpcs_error *err)
    __attribute__((warn_unused_result));
int rpcs_param_hex(const json_t *params, size_t index, const char *name, uint8_t *out, size_t len,
                   rpcs_error *err) __attribute__((warn_unused_result));
int rpcs_param_hex_buf(const json_t *params, size_t index, const char *name, zk_buf *buf,
                       rpcs_error *err) __attribute__((warn_unused_result));

#endif
