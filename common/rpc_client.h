/* JSON-RPC 2.0 client over HTTP (libcurl + jansson).
 *
 * rpcc_call returns ZK_OK with a result, ZK_ERR_RPC when the peer answered with a
 * JSON-RPC error (its code, message and data are in rpcc_error), or a transport
 * error: ZK_ERR_NETWORK (cannot connect, connection lost, an HTTP error without a
 * JSON-RPC body), ZK_ERR_TIMEOUT, ZK_ERR_TOO_LARGE (the response passed
 * max_response_bytes), ZK_ERR_BUSY (HTTP 429 after all retries) or ZK_ERR_PARSE
 * (the answer is not a JSON-RPC response to our request).
 *
 * Retries, with exponential backoff and jitter, happen only when the request did
 * not reach the server or the server said to come back later: connect failures
 * (including a connect timeout), a connection dropped before any answer, HTTP 5xx
 * without a JSON-RPC error body, and HTTP 429. A JSON-RPC error answer (with any
 * HTTP status but 429), another HTTP status, a timeout after the
 * request was sent and an oversized answer are never retried. Methods called through
 * a client with retries must therefore be idempotent, which zkgate's writes are.
 *
 * Threads: a client keeps one connection and is used by one thread at a time. Give
 * each thread its own client; clients on different threads share nothing.
 */
#ifndef ZKGATE_COMMON_RPC_CLIENT_H
#define ZKGATE_COMMON_RPC_CLIENT_H

#include <jansson.h>
#include <stddef.h>

typedef struct rpcc_client rpcc_client;

typedef struct rpcc_options {
    long timeout_ms;           /* whole exchange, per attempt (> 0) */
    long connect_timeout_ms;   /* TCP connect, per attempt (> 0) */
    unsigned max_retries;      /* attempts after the first; 0 = never retry */
    long backoff_base_ms;      /* delay before the first retry (> 0); doubles each time */
    long backoff_max_ms;       /* cap on one delay, and on a server's Retry-After */
    size_t max_response_bytes; /* larger answers abort with ZK_ERR_TOO_LARGE (> 0) */
    const char *bearer_token;  /* NULL = no Authorization header; copied, wiped on free */
} rpcc_options;

/* Fills opt with the defaults: 30 s timeout, 5 s connect timeout, 2 retries,
 * backoff 100 ms doubling up to 5 s, 16 MiB responses, no token. */
void rpcc_options_default(rpcc_options *opt);

/* A JSON-RPC error answer. Zero-initialise it before first use. */
typedef struct rpcc_error {
    int code;          /* the peer's error code; 0 when there was none */
    char message[256]; /* the peer's message, truncated */
    json_t *data;      /* the peer's "data" member (owned) or NULL */
    long http_status;  /* HTTP status of the last attempt, 0 if none */
} rpcc_error;

/* Frees err->data and zeroes err. NULL is fine. */
void rpcc_error_clear(rpcc_error *err);

/* Creates a client for url ("http://127.0.0.1:8545/").
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG (bad url or option) or ZK_ERR_NOMEM.
 * Out: *out. In: url (copied), opt (copied; NULL = defaults). */
int rpcc_new(rpcc_client **out, const char *url, const rpcc_options *opt)
    __attribute__((warn_unused_result));

/* Frees the client and wipes its token. NULL is fine. */
void rpcc_free(rpcc_client *c);

/* Calls method with params and waits for the answer.
 * Returns: ZK_OK, ZK_ERR_RPC or a transport error (see the top of this file);
 * zk_err_detail() says what went wrong.
 * Out: *result, a new reference on ZK_OK (NULL otherwise); err (may be NULL),
 * cleared first, filled on ZK_ERR_RPC, and http_status always.
 * In: method; params, an array or an object or NULL (omitted), BORROWED: the caller
 * keeps its reference. */
int rpcc_call(rpcc_client *c, const char *method, const json_t *params, json_t **result,
              rpcc_error *err) __attribute__((warn_unused_result));

/* Returns: how many HTTP attempts the last rpcc_call made (1 + retries). */
unsigned rpcc_last_attempts(const rpcc_client *c);

#endif
