#include "common/rpc_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/log.h"

#define URL_MAX 2048

struct rpcc_client {
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    char url_log[256]; /* url without user:password@, for messages */
    rpcc_options opt;
    char *token;
    uint64_t next_id;
    uint64_t rng;
    unsigned attempts;
    zk_buf resp;
    int resp_too_large;
    long retry_after_s; /* from the last answer's Retry-After, -1 when absent */
    char curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc;

static void curl_init_once(void)
{
    g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void rpcc_options_default(rpcc_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->timeout_ms = 30000;
    opt->connect_timeout_ms = 5000;
    opt->max_retries = 2;
    opt->backoff_base_ms = 100;
    opt->backoff_max_ms = 5000;
    opt->max_response_bytes = 16u << 20;
    opt->bearer_token = NULL;
}

void rpcc_error_clear(rpcc_error *err)
{
    if (!err)
        return;
    json_decref(err->data);
    memset(err, 0, sizeof *err);
}

/* Credentials in a URL must not reach logs or error details. */
static void redact_url(char *out, size_t cap, const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *host = scheme ? scheme + 3 : url;
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    if (at && (!slash || at < slash))
        snprintf(out, cap, "%.*s%s", (int)(host - url), url, at + 1);
    else
        snprintf(out, cap, "%s", url);
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    rpcc_client *c = ud;
    size_t len = size * n;
    if (zk_buf_append(&c->resp, p, len) != ZK_OK) {
        c->resp_too_large = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    rpcc_client *c = ud;
    size_t len = size * n;
    static const char k_name[] = "retry-after:";
    if (len > sizeof k_name && strncasecmp(p, k_name, sizeof k_name - 1) == 0) {
        char tmp[32];
        size_t m = len - (sizeof k_name - 1);
        if (m >= sizeof tmp)
            m = sizeof tmp - 1;
        memcpy(tmp, p + sizeof k_name - 1, m);
        tmp[m] = '\0';
        char *end;
        long v = strtol(tmp, &end, 10);
        /* Only the delta-seconds form; an HTTP date falls back to our own backoff. */
        if (end != tmp && v >= 0)
            c->retry_after_s = v;
    }
    return len;
}

static void free_headers(rpcc_client *c)
{
    /* The Authorization line holds the token: wipe curl's copy too. */
    for (struct curl_slist *h = c->headers; h; h = h->next)
        OPENSSL_cleanse(h->data, strlen(h->data));
    curl_slist_free_all(c->headers);
    c->headers = NULL;
}

void rpcc_free(rpcc_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free_headers(c);
    if (c->token) {
        OPENSSL_cleanse(c->token, strlen(c->token));
        free(c->token);
    }
    free(c->url);
    zk_buf_free(&c->resp);
    free(c);
}

int rpcc_new(rpcc_client **out, const char *url, const rpcc_options *opt)
{
    if (!out || !url)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rpcc_new: out and url must not be NULL");
    *out = NULL;
    rpcc_options o;
    if (opt)
        o = *opt;
    else
        rpcc_options_default(&o);
    if (o.timeout_ms <= 0 || o.connect_timeout_ms <= 0 || o.backoff_base_ms <= 0 ||
        o.backoff_max_ms < o.backoff_base_ms || o.max_response_bytes == 0 || o.max_retries > 100)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "rpcc_new: timeouts, backoff and max_response_bytes must be positive, "
                          "backoff_max_ms >= backoff_base_ms, max_retries <= 100");
    if (strlen(url) > URL_MAX ||
        (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "rpcc_new: url must start with http:// or https:// and be at most %d "
                          "chars",
                          URL_MAX);
    pthread_once(&g_curl_once, curl_init_once);
    if (g_curl_init_rc != CURLE_OK)
        return zk_err_set(ZK_ERR_NETWORK, "curl_global_init failed: %s",
                          curl_easy_strerror(g_curl_init_rc));

    rpcc_client *c = calloc(1, sizeof *c);
    if (!c)
        return zk_err_set(ZK_ERR_NOMEM, "rpcc_new: out of memory");
    c->opt = o;
    c->opt.bearer_token = NULL;
    c->url = strdup(url);
    c->curl = curl_easy_init();
    if (!c->url || !c->curl)
        goto nomem;
    redact_url(c->url_log, sizeof c->url_log, url);
    zk_buf_init(&c->resp, o.max_response_bytes);

    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (h)
        c->headers = h;
    /* Without this, curl waits for "100 Continue" on larger bodies. */
    if (!h || !(h = curl_slist_append(c->headers, "Expect:")))
        goto nomem;
    if (!(h = curl_slist_append(c->headers, "Accept: application/json")))
        goto nomem;
    if (o.bearer_token) {
        size_t tl = strlen(o.bearer_token);
        if (tl == 0 || tl > 4096 || strpbrk(o.bearer_token, "\r\n")) {
            rpcc_free(c);
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "rpcc_new: bearer token must be 1-4096 chars without line breaks");
        }
        c->token = strdup(o.bearer_token);
        char *line = malloc(tl + 32);
        if (!c->token || !line) {
            free(line);
            goto nomem;
        }
        snprintf(line, tl + 32, "Authorization: Bearer %s", o.bearer_token);
        h = curl_slist_append(c->headers, line);
        OPENSSL_cleanse(line, strlen(line));
        free(line);
        if (!h)
            goto nomem;
    }

    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    c->rng = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)c;
    c->next_id = 1;

    CURL *k = c->curl;
    int bad = 0;
    bad |= curl_easy_setopt(k, CURLOPT_URL, c->url) != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_HTTPHEADER, c->headers) != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, o.timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT_MS, o.connect_timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_WRITEDATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_HEADERDATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_ERRORBUFFER, c->curl_err) != CURLE_OK;
    /* Refuse early when the server announces a larger body. */
    bad |= curl_easy_setopt(k, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o.max_response_bytes) !=
           CURLE_OK;
    bad |= curl_easy_setopt(k, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    if (bad) {
        rpcc_free(c);
        return zk_err_set(ZK_ERR_NETWORK, "rpcc_new: libcurl refused an option");
    }
    *out = c;
    return ZK_OK;

nomem:
    rpcc_free(c);
    return zk_err_set(ZK_ERR_NOMEM, "rpcc_new: out of memory");
}

unsigned rpcc_last_attempts(const rpcc_client *c)
{
    return c ? c->attempts : 0;
}

static uint64_t next_rand(rpcc_client *c)
{
    uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Delay before retry number `retry` (0-based): base * 2^retry capped at max, then
 * "equal jitter" (half fixed, half random) so that clients that failed together do
 * not come back together. A server's Retry-After wins when present (capped). */
static long backoff_ms(rpcc_client *c, unsigned retry)
{
    if (c->retry_after_s >= 0) {
        long ra = c->retry_after_s > c->opt.backoff_max_ms / 1000 ? c->opt.backoff_max_ms
                                                                  : c->retry_after_s * 1000;
        return ra;
    }
    long d = c->opt.backoff_base_ms;
    for (unsigned i = 0; i < retry && d < c->opt.backoff_max_ms; i++)
        d *= 2;
    if (d > c->opt.backoff_max_ms)
        d = c->opt.backoff_max_ms;
    long half = d / 2;
    return half + (long)(next_rand(c) % (uint64_t)(d - half + 1));
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Some servers send JSON-RPC errors with HTTP 500 (the "JSON-RPC over HTTP" draft
 * asks for it): such an answer is the application's verdict, not a transient
 * failure, so it is reported rather than retried. */
static int is_rpc_error(const rpcc_client *c)
{
    if (!c->resp.len)
        return 0;
    json_t *doc = json_loadb((const char *)c->resp.data, c->resp.len, 0, NULL);
    int yes = json_is_object(json_object_get(doc, "error"));
    json_decref(doc);
    return yes;
}

enum attempt_outcome { A_DONE, A_RETRY };

/* One HTTP exchange. Returns A_RETRY with *rc set to the error to report if no
 * retry is left, or A_DONE with *rc ZK_OK (an HTTP answer is in c->resp) or a
 * final error. */
static enum attempt_outcome attempt(rpcc_client *c, const char *method, long *status, int *rc)
{
    zk_buf_reset(&c->resp);
    c->resp_too_large = 0;
    c->retry_after_s = -1;
    c->curl_err[0] = '\0';
    *status = 0;
    CURLcode cc = curl_easy_perform(c->curl);
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
    const char *why = c->curl_err[0] ? c->curl_err : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_OK: break;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (cc == CURLE_FILESIZE_EXCEEDED || c->resp_too_large) {
            *rc = zk_err_set(ZK_ERR_TOO_LARGE, "rpc %.64s to %s: response exceeds %zu bytes",
                             method, c->url_log, c->opt.max_response_bytes);
            return A_DONE;
        }
        *rc = zk_err_set(ZK_ERR_NETWORK, "rpc %.64s to %s: %s", method, c->url_log, why);
        return A_DONE;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connect_us = 0;
        curl_easy_getinfo(c->curl, CURLINFO_CONNECT_TIME_T, &connect_us);
        *rc = zk_err_set(ZK_ERR_TIMEOUT, "rpc %.64s to %s: %s", method, c->url_log, why);
        /* Not connected yet: the server never saw the request, so retrying is safe. */
        return connect_us == 0 ? A_RETRY : A_DONE;
    }
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        *rc = zk_err_set(ZK_ERR_NETWORK, "rpc %.64s to %s: %s", method, c->url_log, why);
        return A_RETRY;
    default:
        *rc = zk_err_set(ZK_ERR_NETWORK, "rpc %.64s to %s: %s", method, c->url_log, why);
        return A_DONE;
    }
    if (*status == 429) {
        *rc = zk_err_set(ZK_ERR_BUSY, "rpc %.64s to %s: HTTP 429 (too many requests)", method,
                         c->url_log);
        return A_RETRY;
    }
    if (*status >= 500 && !is_rpc_error(c)) {
        *rc = zk_err_set(ZK_ERR_NETWORK, "rpc %.64s to %s: HTTP %ld", method, c->url_log, *status);
        return A_RETRY;
    }
    *rc = ZK_OK;
    return A_DONE;
}

/* Reads the answer in c->resp. Returns ZK_OK with *result, ZK_ERR_RPC with err
 * filled, ZK_ERR_NETWORK (an HTTP error without a JSON-RPC error body) or
 * ZK_ERR_PARSE. */
static int read_answer(rpcc_client *c, const char *method, uint64_t id, long status,
                       json_t **result, rpcc_error *err)
{
    json_error_t jerr;
    json_t *doc = c->resp.len ? json_loadb((const char *)c->resp.data, c->resp.len,
                                           JSON_REJECT_DUPLICATES, &jerr)
                              : NULL;
    json_t *e = json_is_object(doc) ? json_object_get(doc, "error") : NULL;
    int rc;
    if (json_is_object(e)) {
        json_t *code = json_object_get(e, "code");
        json_t *msg = json_object_get(e, "message");
        json_t *rid = json_object_get(doc, "id");
        if (!json_is_integer(code) || json_integer_value(code) < INT32_MIN ||
            json_integer_value(code) > INT32_MAX || !json_is_string(msg)) {
            rc = zk_err_set(ZK_ERR_PARSE,
                            "rpc %.64s to %s: error answer without an integer code and a "
                            "message",
                            method, c->url_log);
        } else if (rid && !json_is_null(rid) &&
                   !(json_is_integer(rid) && (uint64_t)json_integer_value(rid) == id)) {
            rc = zk_err_set(ZK_ERR_PARSE, "rpc %.64s to %s: answer id does not match request",
                            method, c->url_log);
        } else {
            if (err) {
                err->code = (int)json_integer_value(code);
                snprintf(err->message, sizeof err->message, "%s", json_string_value(msg));
                json_t *data = json_object_get(e, "data");
                err->data = data ? json_incref(data) : NULL;
            }
            rc = zk_err_set(ZK_ERR_RPC, "rpc %.64s to %s: error %d: %.200s", method, c->url_log,
                            (int)json_integer_value(code), json_string_value(msg));
        }
    } else if (status != 200) {
        rc = zk_err_set(ZK_ERR_NETWORK, "rpc %.64s to %s: HTTP %ld", method, c->url_log, status);
    } else if (!json_is_object(doc)) {
        rc = zk_err_set(ZK_ERR_PARSE, "rpc %.64s to %s: answer is not a JSON object", method,
                        c->url_log);
    } else {
        json_t *ver = json_object_get(doc, "jsonrpc");
        json_t *rid = json_object_get(doc, "id");
        json_t *res = json_object_get(doc, "result");
        if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
            rc = zk_err_set(ZK_ERR_PARSE, "rpc %.64s to %s: answer lacks \"jsonrpc\":\"2.0\"",
                            method, c->url_log);
        else if (!json_is_integer(rid) || (uint64_t)json_integer_value(rid) != id)
            rc = zk_err_set(ZK_ERR_PARSE, "rpc %.64s to %s: answer id does not match request",
                            method, c->url_log);
        else if (!res)
            rc = zk_err_set(ZK_ERR_PARSE, "rpc %.64s to %s: answer has neither result nor error",
                            method, c->url_log);
        else {
            *result = json_incref(res);
            rc = ZK_OK;
        }
    }
    json_decref(doc);
    return rc;
}

int rpcc_call(rpcc_client *c, const char *method, const json_t *params, json_t **result,
              rpcc_error *err)
{
    if (result)
        *result = NULL;
    rpcc_error_clear(err);
    if (!c || !method || !result)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rpcc_call: c, method and result are required");
    if (params && !json_is_array(params) && !json_is_object(params))
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "rpcc_call %.64s: params must be an array, an object or NULL", method);
    c->attempts = 0;
    uint64_t id = c->next_id++;
    json_t *req =
        json_pack("{s:s,s:I,s:s}", "jsonrpc", "2.0", "id", (json_int_t)id, "method", method);
    if (req && params && json_object_set(req, "params", (json_t *)params) != 0) {
        json_decref(req);
        req = NULL;
    }
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body)
        return zk_err_set(ZK_ERR_NOMEM, "rpcc_call %.64s: cannot encode the request", method);
    int rc = ZK_OK;
    long status = 0;
    if (curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body)) !=
            CURLE_OK) {
        free(body);
        return zk_err_set(ZK_ERR_NETWORK, "rpcc_call %.64s: libcurl refused the body", method);
    }
    for (unsigned retry = 0;; retry++) {
        c->attempts++;
        enum attempt_outcome o = attempt(c, method, &status, &rc);
        if (o == A_DONE || retry >= c->opt.max_retries)
            break;
        long d = backoff_ms(c, retry);
        ZK_DEBUG("rpcc.retry", ZKF_STR("method", method), ZKF_STR("url", c->url_log),
                 ZKF_UINT("attempt", c->attempts), ZKF_INT("delay_ms", d),
                 ZKF_STR("error", zk_err_detail()));
        sleep_ms(d);
    }
    /* The body buffer must outlive the transfer; drop curl's pointer to it. */
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
    free(body);
    if (err)
        err->http_status = status;
    if (rc == ZK_OK)
        rc = read_answer(c, method, id, status, result, err);
    if (rc != ZK_OK && rc != ZK_ERR_RPC)
        ZK_DEBUG("rpcc.failed", ZKF_STR("method", method), ZKF_STR("url", c->url_log),
                 ZKF_STR("error", zk_errname(rc)), ZKF_UINT("attempts", c->attempts));
    return rc;
}
