#include "common/rpc_server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "common/error.h"
#include "common/log.h"

#define METHOD_NAME_MAX 64
#define METRICS_CAP     (1u << 20)
/* Distinct error codes counted by code; rarer ones go to code="other" so that a
 * handler inventing codes cannot grow the metrics without bound. */
#define ERR_CODE_SLOTS 32
/* A chunked upload past the body limit is drained (so the 413 can be sent) only
 * up to this many extra bytes; past it the connection is dropped. */
#define DRAIN_SLACK (64u * 1024)

typedef struct method_entry {
    char *name;
    rpcs_handler fn;
    rpcs_batch_handler batch_fn; /* NULL: a batch's calls run one by one */
    void *ctx;
    atomic_ullong ok;
    atomic_ullong err;
} method_entry;

static const unsigned k_statuses[] = {200, 204, 401, 404, 405, 413, 415, 500, 503};
#define N_STATUSES (sizeof k_statuses / sizeof k_statuses[0])

struct rpcs_server {
    rpcs_config cfg;
    char bind_addr[INET6_ADDRSTRLEN];
    int family;
    struct sockaddr_storage sa;
    struct MHD_Daemon *daemon;
    uint16_t port;

    method_entry *methods;
    size_t n_methods, cap_methods;

    rpcs_auth_fn auth_fn;
    void *auth_ctx;
    rpcs_health_fn health_fn;
    void *health_ctx;
    rpcs_metrics_fn metrics_fn;
    void *metrics_ctx;

    /* counters */
    atomic_ullong unknown_method_calls; /* answered -32601 */
    atomic_ullong invalid_calls;        /* answered before a method was known */
    atomic_ullong bytes_in, bytes_out;
    atomic_llong in_flight;
    atomic_ullong auth_denied;
    atomic_ullong http_status[N_STATUSES + 1]; /* last slot: any other status */
    pthread_mutex_t err_mu;
    int err_codes[ERR_CODE_SLOTS];
    unsigned long long err_counts[ERR_CODE_SLOTS];
    size_t n_err_codes;
    unsigned long long err_other;
};

/* Per-HTTP-request state, from the first access-handler call to completion. */
enum req_kind { REQ_RPC = 1, REQ_REJECTED };

typedef struct req {
    enum req_kind kind;
    zk_buf body;
    int too_large;
    size_t drained;
    char peer[INET6_ADDRSTRLEN];
} req;

/* ---- configuration ---------------------------------------------------------------- */

void rpcs_config_default(rpcs_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->bind_addr = "127.0.0.1";
    cfg->port = 0;
    cfg->max_body_bytes = 1u << 20;
    cfg->max_batch = 100;
    cfg->timeout_s = 30;
    cfg->threads = 0;
    cfg->max_connections = 256;
}

static int parse_bind(rpcs_server *s, const char *addr, int allow_non_loopback)
{
    memset(&s->sa, 0, sizeof s->sa);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&s->sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&s->sa;
    int loopback;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        s->family = AF_INET;
        v4->sin_family = AF_INET;
        v4->sin_port = htons(s->cfg.port);
        loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        s->family = AF_INET6;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(s->cfg.port);
        loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
    } else {
        return zk_err_set(ZK_ERR_CONFIG,
                          "rpc bind address '%.64s' is not a numeric IPv4 or IPv6 address", addr);
    }
    if (!loopback && !allow_non_loopback)
        return zk_err_set(ZK_ERR_CONFIG,
                          "rpc bind address %.64s is not loopback; set allow_non_loopback "
                          "to expose the server beyond this machine",
                          addr);
    snprintf(s->bind_addr, sizeof s->bind_addr, "%s", addr);
    return ZK_OK;
}

int rpcs_new(rpcs_server **out, const rpcs_config *cfg)
{
    if (!out || !cfg)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rpcs_new: out and cfg must not be NULL");
    *out = NULL;
    if (cfg->max_body_bytes == 0 || cfg->max_batch == 0 || cfg->timeout_s == 0 ||
        cfg->max_connections == 0)
        return zk_err_set(ZK_ERR_CONFIG, "rpc config: max_body_bytes, max_batch, timeout_s and "
                                         "max_connections must be non-zero");
    if (cfg->max_body_bytes > ((size_t)1 << 30))
        return zk_err_set(ZK_ERR_CONFIG, "rpc config: max_body_bytes %zu exceeds 1 GiB",
                          cfg->max_body_bytes);
    rpcs_server *s = calloc(1, sizeof *s);
    if (!s)
        return zk_err_set(ZK_ERR_NOMEM, "rpcs_new: out of memory");
    s->cfg = *cfg;
    int rc = parse_bind(s, cfg->bind_addr ? cfg->bind_addr : "127.0.0.1", cfg->allow_non_loopback);
    if (rc) {
        free(s);
        return rc;
    }
    s->cfg.bind_addr = s->bind_addr;
    pthread_mutex_init(&s->err_mu, NULL);
    *out = s;
    return ZK_OK;
}

void rpcs_free(rpcs_server *srv)
{
    if (!srv)
        return;
    rpcs_stop(srv);
    for (size_t i = 0; i < srv->n_methods; i++)
        free(srv->methods[i].name);
    free(srv->methods);
    pthread_mutex_destroy(&srv->err_mu);
    free(srv);
}

static int valid_method_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > METHOD_NAME_MAX || strncmp(name, "rpc.", 4) == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '_' && c != '.' && c != ':' && c != '-')
            return 0;
    }
    return 1;
}

static method_entry *find_method(const rpcs_server *s, const char *name)
{
    for (size_t i = 0; i < s->n_methods; i++)
        if (strcmp(s->methods[i].name, name) == 0)
            return &s->methods[i];
    return NULL;
}

int rpcs_register(rpcs_server *srv, const char *name, rpcs_handler fn, void *ctx)
{
    if (!srv || !name || !fn)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rpcs_register: srv, name and fn are required");
    if (srv->daemon)
        return zk_err_set(ZK_ERR_STATE, "rpcs_register '%.64s': server already started", name);
    if (!valid_method_name(name))
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "rpcs_register: method name '%.80s' must be 1-64 chars of "
                          "[A-Za-z0-9_.:-] and not start with 'rpc.'",
                          name);
    if (find_method(srv, name))
        return zk_err_set(ZK_ERR_EXISTS, "rpcs_register: method '%s' already registered", name);
    if (srv->n_methods == srv->cap_methods) {
        size_t nc = srv->cap_methods ? srv->cap_methods * 2 : 16;
        method_entry *m = realloc(srv->methods, nc * sizeof *m);
        if (!m)
            return zk_err_set(ZK_ERR_NOMEM, "rpcs_register: out of memory");
        srv->methods = m;
        srv->cap_methods = nc;
    }
    char *copy = strdup(name);
    if (!copy)
        return zk_err_set(ZK_ERR_NOMEM, "rpcs_register: out of memory");
    method_entry *e = &srv->methods[srv->n_methods++];
    e->name = copy;
    e->fn = fn;
    e->batch_fn = NULL;
    e->ctx = ctx;
    atomic_init(&e->ok, 0);
    atomic_init(&e->err, 0);
    return ZK_OK;
}

int rpcs_set_batch(rpcs_server *srv, const char *name, rpcs_batch_handler fn)
{
    if (!srv || !name)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rpcs_set_batch: srv and name are required");
    if (srv->daemon)
        return zk_err_set(ZK_ERR_STATE, "rpcs_set_batch '%.64s': server already started", name);
    method_entry *e = find_method(srv, name);
    if (!e)
        return zk_err_set(ZK_ERR_NOT_FOUND, "rpcs_set_batch: method '%.64s' is not registered",
                          name);
    e->batch_fn = fn;
    return ZK_OK;
}

#define SET_HOOK(fnfield, ctxfield, what)                                                          \
    do {                                                                                           \
        if (!srv)                                                                                  \
            return zk_err_set(ZK_ERR_INVALID_ARG, what ": srv must not be NULL");                  \
        if (srv->daemon)                                                                           \
            return zk_err_set(ZK_ERR_STATE, what ": server already started");                      \
        srv->fnfield = fn;                                                                         \
        srv->ctxfield = ctx;                                                                       \
        return ZK_OK;                                                                              \
    } while (0)

int rpcs_set_auth(rpcs_server *srv, rpcs_auth_fn fn, void *ctx)
{
    SET_HOOK(auth_fn, auth_ctx, "rpcs_set_auth");
}
int rpcs_set_health(rpcs_server *srv, rpcs_health_fn fn, void *ctx)
{
    SET_HOOK(health_fn, health_ctx, "rpcs_set_health");
}
int rpcs_set_metrics(rpcs_server *srv, rpcs_metrics_fn fn, void *ctx)
{
    SET_HOOK(metrics_fn, metrics_ctx, "rpcs_set_metrics");
}

/* ---- metrics bookkeeping --------------------------------------------------------- */

static void count_status(rpcs_server *s, unsigned status)
{
    size_t i = 0;
    while (i < N_STATUSES && k_statuses[i] != status)
        i++;
    atomic_fetch_add(&s->http_status[i], 1);
}

static void count_error_code(rpcs_server *s, int code)
{
    pthread_mutex_lock(&s->err_mu);
    size_t i = 0;
    while (i < s->n_err_codes && s->err_codes[i] != code)
        i++;
    if (i == s->n_err_codes && i < ERR_CODE_SLOTS) {
        s->err_codes[i] = code;
        s->err_counts[i] = 0;
        s->n_err_codes++;
    }
    if (i < s->n_err_codes)
        s->err_counts[i]++;
    else
        s->err_other++;
    pthread_mutex_unlock(&s->err_mu);
}

/* ---- responses -------------------------------------------------------------------- */

static json_t *make_error(json_t *id, int code, const char *message, json_t *data)
{
    json_t *msg = json_string(message);
    if (!msg) {
        /* A handler's message cut at the buffer size can end inside a UTF-8
         * sequence, which JSON cannot carry: fall back to its ASCII. */
        char ascii[sizeof((rpcs_error *)0)->message];
        size_t i = 0;
        for (; message[i] && i + 1 < sizeof ascii; i++)
            ascii[i] = (unsigned char)message[i] < 0x80 ? message[i] : '?';
        ascii[i] = '\0';
        msg = json_string(ascii);
    }
    json_t *e = json_pack("{s:i,s:o}", "code", code, "message", msg);
    if (e && data)
        json_object_set(e, "data", data);
    return json_pack("{s:s,s:o,s:O}", "jsonrpc", "2.0", "error", e, "id", id ? id : json_null());
}

static enum MHD_Result send_raw(rpcs_server *s, struct MHD_Connection *c, unsigned status,
                                const char *ctype, const char *body, size_t len, const char *hname,
                                const char *hvalue)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    if (ctype)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (hname)
        MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    if (ret == MHD_YES) {
        atomic_fetch_add(&s->bytes_out, len);
        count_status(s, status);
    }
    return ret;
}

static enum MHD_Result send_json(rpcs_server *s, struct MHD_Connection *c, unsigned status,
                                 json_t *doc, const char *hname, const char *hvalue)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        ZK_WARN("rpc.encode_failed", ZKF_UINT("status", status));
        static const char k_fallback[] = "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32603,"
                                         "\"message\":\"Internal error\"},\"id\":null}";
        return send_raw(s, c, 500, "application/json", k_fallback, sizeof k_fallback - 1, NULL,
                        NULL);
    }
    enum MHD_Result ret =
        send_raw(s, c, status, "application/json", text, strlen(text), hname, hvalue);
    free(text);
    return ret;
}

/* An HTTP-level refusal whose body is still a JSON-RPC error, so clients that only
 * read JSON see why. */
static enum MHD_Result send_http_error(rpcs_server *s, struct MHD_Connection *c, const req *r,
                                       unsigned status, int code, const char *message,
                                       const char *hname, const char *hvalue)
{
    count_error_code(s, code);
    ZK_WARN("rpc.http_error", ZKF_UINT("status", status), ZKF_INT("code", code),
            ZKF_STR("message", message), ZKF_STR("peer", r ? r->peer : ""));
    return send_json(s, c, status, make_error(NULL, code, message, NULL), hname, hvalue);
}

/* ---- one JSON-RPC call -------------------------------------------------------------- */

static int valid_id(const json_t *id)
{
    return json_is_string(id) || json_is_integer(id) || json_is_real(id) || json_is_null(id);
}

/* Copies an untrusted method name for logs: bounded, printable. */
static void log_name(char *dst, size_t cap, const json_t *m)
{
    const char *src = json_is_string(m) ? json_string_value(m) : "(none)";
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[i] = '\0';
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Answers a call that failed before reaching a handler, or after. NULL for a
 * notification (the specification forbids answering those, even with errors). */
static json_t *call_error(rpcs_server *s, const req *r, json_t *id, int notification,
                          const char *method, int code, const char *message, json_t *data)
{
    count_error_code(s, code);
    ZK_WARN("rpc.call_error", ZKF_STR("method", method), ZKF_INT("code", code),
            ZKF_STR("message", message), ZKF_STR("peer", r->peer));
    if (notification) {
        json_decref(data);
        return NULL;
    }
    json_t *resp = make_error(id, code, message, data);
    json_decref(data);
    return resp;
}

/* One call of a request on its way through: checked (prepare_call), run alone or
 * with the other calls of its method in the batch (run_calls), answered
 * (answer_call). */
typedef struct call_slot {
    int decided;      /* answered before running (malformed, denied, unknown) */
    json_t *answer;   /* that answer; NULL for a notification */
    method_entry *e;  /* the method to run when not decided */
    json_t *id;       /* borrowed from the request */
    int notification; /* no id: run, but never answered */
    double ms;        /* how long its handler (or its batch handler) ran */
} call_slot;

/* Checks one call of a request; verdict/auth are the auth hook's answer for it
 * (ALLOW when no hook). Fills slot; on success also the call's params and auth in
 * c, ready for its handler. */
static void prepare_call(rpcs_server *s, const req *r, json_t *call, int verdict,
                         const rpcs_auth *auth, call_slot *slot, rpcs_call *c)
{
    char mname[METHOD_NAME_MAX + 8];
    memset(slot, 0, sizeof *slot);
    slot->decided = 1;
    if (!json_is_object(call)) {
        atomic_fetch_add(&s->invalid_calls, 1);
        slot->answer = call_error(s, r, NULL, 0, "(none)", RPCS_INVALID_REQUEST,
                                  "Invalid Request: a call must be a JSON object", NULL);
        return;
    }
    json_t *id = json_object_get(call, "id");
    json_t *ver = json_object_get(call, "jsonrpc");
    json_t *method = json_object_get(call, "method");
    json_t *params = json_object_get(call, "params");
    log_name(mname, sizeof mname, method);

    const char *bad = NULL;
    if (id && !valid_id(id)) {
        bad = "Invalid Request: \"id\" must be a string, a number or null";
        id = NULL;
    } else if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0) {
        bad = "Invalid Request: \"jsonrpc\" must be \"2.0\"";
    } else if (!json_is_string(method)) {
        bad = "Invalid Request: \"method\" must be a string";
    } else if (params && !json_is_array(params) && !json_is_object(params)) {
        bad = "Invalid Request: \"params\" must be an array or an object";
    }
    if (bad) {
        atomic_fetch_add(&s->invalid_calls, 1);
        /* Not a valid Request, hence not a notification either: always answered. */
        slot->answer = call_error(s, r, id, 0, mname, RPCS_INVALID_REQUEST, bad, NULL);
        return;
    }
    int notification = id == NULL;

    if (verdict != RPCS_AUTH_ALLOW) {
        method_entry *e = find_method(s, json_string_value(method));
        if (e)
            atomic_fetch_add(&e->err, 1);
        else
            atomic_fetch_add(&s->unknown_method_calls, 1);
        slot->answer =
            call_error(s, r, id, notification, mname, RPCS_UNAUTHORIZED, "unauthorized", NULL);
        return;
    }

    method_entry *e = find_method(s, json_string_value(method));
    if (!e) {
        atomic_fetch_add(&s->unknown_method_calls, 1);
        char msg[128];
        snprintf(msg, sizeof msg, "Method not found: %s", mname);
        slot->answer = call_error(s, r, id, notification, mname, RPCS_METHOD_NOT_FOUND, msg, NULL);
        return;
    }
    slot->decided = 0;
    slot->e = e;
    slot->id = id;
    slot->notification = notification;
    c->params = params;
    c->auth = auth;
}

/* Runs the undecided calls of slots[0..n) in order. A run of consecutive calls of
 * one method that has a batch handler goes to it at once, so that the service can
 * share their work (the chain node admits a batch of transactions with one durable
 * commit and one wake-up instead of one per transaction). */
static void run_calls(call_slot *slots, rpcs_call *calls, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (slots[i].decided) {
            i++;
            continue;
        }
        method_entry *e = slots[i].e;
        size_t j = i + 1;
        if (e->batch_fn)
            while (j < n && !slots[j].decided && slots[j].e == e)
                j++;
        double t0 = now_ms();
        if (j - i > 1) {
            e->batch_fn(e->ctx, &calls[i], j - i);
        } else {
            calls[i].result = e->fn(e->ctx, calls[i].params, calls[i].auth, &calls[i].err);
        }
        double dt = now_ms() - t0;
        for (size_t k = i; k < j; k++)
            slots[k].ms = dt;
        i = j;
    }
}

/* The answer of a call that ran (NULL for a notification); takes over c's result
 * and error data. */
static json_t *answer_call(rpcs_server *s, const req *r, const call_slot *slot, rpcs_call *c)
{
    method_entry *e = slot->e;
    json_t *result = c->result;
    c->result = NULL;
    if (result) {
        json_decref(c->err.data);
        c->err.data = NULL;
        atomic_fetch_add(&e->ok, 1);
        ZK_DEBUG("rpc.call", ZKF_STR("method", e->name), ZKF_STR("outcome", "ok"),
                 ZKF_DBL("ms", slot->ms), ZKF_STR("peer", r->peer));
        if (slot->notification) {
            json_decref(result);
            return NULL;
        }
        return json_pack("{s:s,s:o,s:O}", "jsonrpc", "2.0", "result", result, "id", slot->id);
    }
    atomic_fetch_add(&e->err, 1);
    rpcs_error *err = &c->err;
    json_t *data = err->data;
    err->data = NULL;
    err->message[sizeof err->message - 1] = '\0';
    if (err->code == 0 || err->code == RPCS_INTERNAL_ERROR) {
        /* The handler's text may name files, SQL or state: log it, never send it. */
        ZK_WARN("rpc.internal_error", ZKF_STR("method", e->name), ZKF_STR("detail", err->message),
                ZKF_STR("peer", r->peer));
        json_decref(data);
        return call_error(s, r, slot->id, slot->notification, e->name, RPCS_INTERNAL_ERROR,
                          "Internal error", NULL);
    }
    return call_error(s, r, slot->id, slot->notification, e->name, err->code, err->message, data);
}

/* ---- POST / ------------------------------------------------------------------------- */

static int auth_verdict(rpcs_server *s, const req *r, const char *authz, json_t *call,
                        rpcs_auth *out)
{
    memset(out, 0, sizeof *out);
    if (!s->auth_fn)
        return RPCS_AUTH_ALLOW;
    json_t *m = json_is_object(call) ? json_object_get(call, "method") : NULL;
    if (!json_is_string(m))
        return RPCS_AUTH_ALLOW; /* answered -32600 anyway, no handler runs */
    int v = s->auth_fn(s->auth_ctx, authz, json_string_value(m), out);
    out->subject[sizeof out->subject - 1] = '\0';
    if (v != RPCS_AUTH_ALLOW) {
        char mname[METHOD_NAME_MAX + 8];
        log_name(mname, sizeof mname, m);
        atomic_fetch_add(&s->auth_denied, 1);
        ZK_WARN("rpc.auth_denied", ZKF_STR("method", mname),
                ZKF_STR("reason", v == RPCS_AUTH_DENY ? "forbidden" : "unauthenticated"),
                ZKF_BOOL("credentials", authz != NULL), ZKF_STR("peer", r->peer));
        if (v != RPCS_AUTH_DENY)
            v = RPCS_AUTH_UNAUTHENTICATED;
    }
    return v;
}

static enum MHD_Result finish_rpc(rpcs_server *s, struct MHD_Connection *c, req *r)
{
    if (r->too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "request body exceeds the limit of %zu bytes",
                 s->cfg.max_body_bytes);
        return send_http_error(s, c, r, MHD_HTTP_CONTENT_TOO_LARGE, RPCS_LIMIT_EXCEEDED, msg, NULL,
                               NULL);
    }
    json_error_t jerr;
    json_t *doc = json_loadb(r->body.data ? (const char *)r->body.data : "", r->body.len,
                             JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        char msg[128];
        snprintf(msg, sizeof msg, "Parse error: line %d column %d", jerr.line, jerr.column);
        count_error_code(s, RPCS_PARSE_ERROR);
        atomic_fetch_add(&s->invalid_calls, 1);
        ZK_WARN("rpc.parse_error", ZKF_INT("line", jerr.line), ZKF_INT("column", jerr.column),
                ZKF_STR("peer", r->peer));
        return send_json(s, c, 200, make_error(NULL, RPCS_PARSE_ERROR, msg, NULL), NULL, NULL);
    }

    int batch = json_is_array(doc);
    size_t n = batch ? json_array_size(doc) : 1;
    if (batch && n == 0) {
        json_decref(doc);
        count_error_code(s, RPCS_INVALID_REQUEST);
        atomic_fetch_add(&s->invalid_calls, 1);
        ZK_WARN("rpc.call_error", ZKF_INT("code", RPCS_INVALID_REQUEST),
                ZKF_STR("message", "empty batch"), ZKF_STR("peer", r->peer));
        return send_json(
            s, c, 200, make_error(NULL, RPCS_INVALID_REQUEST, "Invalid Request: empty batch", NULL),
            NULL, NULL);
    }
    if (n > s->cfg.max_batch) {
        json_decref(doc);
        char msg[96];
        snprintf(msg, sizeof msg, "batch of %zu calls exceeds the limit of %zu", n,
                 s->cfg.max_batch);
        count_error_code(s, RPCS_LIMIT_EXCEEDED);
        ZK_WARN("rpc.call_error", ZKF_INT("code", RPCS_LIMIT_EXCEEDED), ZKF_STR("message", msg),
                ZKF_STR("peer", r->peer));
        return send_json(s, c, 200, make_error(NULL, RPCS_LIMIT_EXCEEDED, msg, NULL), NULL, NULL);
    }

    /* Authorise every call before running any, so that a request without valid
     * credentials is refused as a whole (HTTP 401) and nothing in it runs. */
    const char *authz =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    int *verdicts = calloc(n, sizeof *verdicts);
    rpcs_auth *auths = calloc(n, sizeof *auths);
    if (!verdicts || !auths) {
        free(verdicts);
        free(auths);
        json_decref(doc);
        return send_http_error(s, c, r, 500, RPCS_INTERNAL_ERROR, "Internal error", NULL, NULL);
    }
    int unauthenticated = 0;
    for (size_t i = 0; i < n && !unauthenticated; i++) {
        verdicts[i] = auth_verdict(s, r, authz, batch ? json_array_get(doc, i) : doc, &auths[i]);
        unauthenticated = verdicts[i] == RPCS_AUTH_UNAUTHENTICATED;
    }
    if (unauthenticated) {
        free(verdicts);
        free(auths);
        json_decref(doc);
        return send_http_error(s, c, r, MHD_HTTP_UNAUTHORIZED, RPCS_UNAUTHORIZED, "unauthorized",
                               MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    }

    json_t *out = NULL;
    call_slot *slots = calloc(n, sizeof *slots);
    rpcs_call *calls = calloc(n, sizeof *calls);
    if (slots && calls) {
        for (size_t i = 0; i < n; i++)
            prepare_call(s, r, batch ? json_array_get(doc, i) : doc, verdicts[i], &auths[i],
                         &slots[i], &calls[i]);
        run_calls(slots, calls, n);
        out = batch ? json_array() : NULL;
        int failed = batch && !out;
        for (size_t i = 0; i < n; i++) {
            json_t *one =
                slots[i].decided ? slots[i].answer : answer_call(s, r, &slots[i], &calls[i]);
            slots[i].answer = NULL;
            if (!batch)
                out = one;
            else if (one && !failed)
                failed = json_array_append_new(out, one) != 0; /* it takes one either way */
            else
                json_decref(one);
        }
        if (failed) {
            json_decref(out);
            out = NULL;
        } else if (batch && json_array_size(out) == 0) {
            json_decref(out);
            out = NULL;
            batch = 2; /* all notifications */
        }
    } else if (!batch) {
        batch = 1; /* out of memory: answered 500 below */
    }
    free(slots);
    free(calls);
    free(auths);
    free(verdicts);
    json_decref(doc);
    if (!out) {
        if (batch == 1)
            return send_http_error(s, c, r, 500, RPCS_INTERNAL_ERROR, "Internal error", NULL, NULL);
        return send_raw(s, c, MHD_HTTP_NO_CONTENT, NULL, "", 0, NULL, NULL);
    }
    return send_json(s, c, 200, out, NULL, NULL);
}

/* ---- GET /health and /metrics ---------------------------------------------------------- */

static enum MHD_Result serve_health(rpcs_server *s, struct MHD_Connection *c)
{
    json_t *h = json_pack("{s:s}", "status", "ok");
    if (!h)
        return send_raw(s, c, 500, "text/plain", "", 0, NULL, NULL);
    unsigned status = 200;
    if (s->health_fn && s->health_fn(s->health_ctx, h) != 0) {
        json_object_set_new(h, "status", json_string("unavailable"));
        status = 503;
    }
    return send_json(s, c, status, h, NULL, NULL);
}

/* Prometheus label values escape backslash, quote and newline (exposition format,
 * prometheus.io/docs/instrumenting/exposition_formats). Method names are already
 * restricted to safe characters, so this is belt and braces. */
static int put_label(zk_buf *b, const char *v)
{
    int rc = ZK_OK;
    for (; *v && !rc; v++) {
        if (*v == '\\' || *v == '"')
            rc = zk_buf_printf(b, "\\%c", *v);
        else if (*v == '\n')
            rc = zk_buf_puts(b, "\\n");
        else
            rc = zk_buf_push(b, (uint8_t)*v);
    }
    return rc;
}

static int build_metrics(rpcs_server *s, zk_buf *b)
{
    int rc = zk_buf_puts(b, "# HELP zkgate_rpc_calls_total JSON-RPC calls handled, by method "
                            "and outcome.\n# TYPE zkgate_rpc_calls_total counter\n");
    for (size_t i = 0; i < s->n_methods && !rc; i++) {
        const method_entry *e = &s->methods[i];
        const char *outcome[2] = {"ok", "error"};
        unsigned long long v[2] = {atomic_load(&e->ok), atomic_load(&e->err)};
        for (int k = 0; k < 2 && !rc; k++) {
            rc = zk_buf_puts(b, "zkgate_rpc_calls_total{method=\"");
            if (!rc)
                rc = put_label(b, e->name);
            if (!rc)
                rc = zk_buf_printf(b, "\",outcome=\"%s\"} %llu\n", outcome[k], v[k]);
        }
    }
    if (!rc)
        rc = zk_buf_printf(b,
                           "zkgate_rpc_calls_total{method=\"(unknown)\",outcome=\"error\"} %llu\n"
                           "zkgate_rpc_calls_total{method=\"(invalid)\",outcome=\"error\"} %llu\n",
                           (unsigned long long)atomic_load(&s->unknown_method_calls),
                           (unsigned long long)atomic_load(&s->invalid_calls));
    if (!rc)
        rc = zk_buf_puts(b, "# HELP zkgate_rpc_errors_total JSON-RPC error answers, by code.\n"
                            "# TYPE zkgate_rpc_errors_total counter\n");
    pthread_mutex_lock(&s->err_mu);
    for (size_t i = 0; i < s->n_err_codes && !rc; i++)
        rc = zk_buf_printf(b, "zkgate_rpc_errors_total{code=\"%d\"} %llu\n", s->err_codes[i],
                           s->err_counts[i]);
    if (!rc && s->err_other)
        rc = zk_buf_printf(b, "zkgate_rpc_errors_total{code=\"other\"} %llu\n", s->err_other);
    pthread_mutex_unlock(&s->err_mu);
    if (!rc)
        rc = zk_buf_puts(b, "# HELP zkgate_rpc_http_responses_total HTTP responses, by status.\n"
                            "# TYPE zkgate_rpc_http_responses_total counter\n");
    for (size_t i = 0; i <= N_STATUSES && !rc; i++) {
        unsigned long long v = atomic_load(&s->http_status[i]);
        if (i < N_STATUSES)
            rc = zk_buf_printf(b, "zkgate_rpc_http_responses_total{status=\"%u\"} %llu\n",
                               k_statuses[i], v);
        else
            rc = zk_buf_printf(b, "zkgate_rpc_http_responses_total{status=\"other\"} %llu\n", v);
    }
    if (!rc)
        rc = zk_buf_printf(b,
                           "# HELP zkgate_rpc_bytes_in_total Request body bytes received.\n"
                           "# TYPE zkgate_rpc_bytes_in_total counter\n"
                           "zkgate_rpc_bytes_in_total %llu\n"
                           "# HELP zkgate_rpc_bytes_out_total Response body bytes sent.\n"
                           "# TYPE zkgate_rpc_bytes_out_total counter\n"
                           "zkgate_rpc_bytes_out_total %llu\n"
                           "# HELP zkgate_rpc_in_flight HTTP requests being handled now.\n"
                           "# TYPE zkgate_rpc_in_flight gauge\n"
                           "zkgate_rpc_in_flight %lld\n"
                           "# HELP zkgate_rpc_auth_denied_total Calls refused by the auth hook.\n"
                           "# TYPE zkgate_rpc_auth_denied_total counter\n"
                           "zkgate_rpc_auth_denied_total %llu\n",
                           (unsigned long long)atomic_load(&s->bytes_in),
                           (unsigned long long)atomic_load(&s->bytes_out),
                           (long long)atomic_load(&s->in_flight),
                           (unsigned long long)atomic_load(&s->auth_denied));
    if (!rc && s->metrics_fn)
        rc = s->metrics_fn(s->metrics_ctx, b);
    return rc;
}

static enum MHD_Result serve_metrics(rpcs_server *s, struct MHD_Connection *c)
{
    zk_buf b;
    zk_buf_init(&b, METRICS_CAP);
    int rc = build_metrics(s, &b);
    enum MHD_Result ret;
    if (rc) {
        ZK_WARN("rpc.metrics_failed", ZKF_STR("error", zk_errname(rc)));
        ret = send_raw(s, c, 500, "text/plain", "metrics unavailable\n", 20, NULL, NULL);
    } else {
        ret = send_raw(s, c, 200, "text/plain; version=0.0.4", (const char *)b.data, b.len, NULL,
                       NULL);
    }
    zk_buf_free(&b);
    return ret;
}

/* ---- the MHD access handler ------------------------------------------------------------ */

/* "application/json", any case, optionally followed by parameters (";charset=utf-8"). */
static int json_content_type(const char *v)
{
    static const char k_type[] = "application/json";
    if (!v)
        return 0;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strncasecmp(v, k_type, sizeof k_type - 1) != 0)
        return 0;
    v += sizeof k_type - 1;
    while (*v == ' ' || *v == '\t')
        v++;
    return *v == '\0' || *v == ';';
}

static void peer_of(struct MHD_Connection *c, char *out, size_t cap)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)cap);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    rpcs_server *s = cls;
    req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        atomic_fetch_add(&s->in_flight, 1);
        peer_of(c, r->peer, sizeof r->peer);
        ZK_DEBUG("rpc.http", ZKF_STR("method", method), ZKF_STR("path", url),
                 ZKF_STR("peer", r->peer));
        int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
        r->kind = REQ_REJECTED;
        if (strcmp(url, "/health") == 0 || strcmp(url, "/metrics") == 0) {
            if (!is_get)
                return send_http_error(s, c, r, MHD_HTTP_METHOD_NOT_ALLOWED, RPCS_INVALID_REQUEST,
                                       "method not allowed: use GET", MHD_HTTP_HEADER_ALLOW,
                                       "GET, HEAD");
            return url[1] == 'h' ? serve_health(s, c) : serve_metrics(s, c);
        }
        if (strcmp(url, "/") != 0)
            return send_http_error(s, c, r, MHD_HTTP_NOT_FOUND, RPCS_INVALID_REQUEST,
                                   "not found: JSON-RPC is served at POST /", NULL, NULL);
        if (strcmp(method, "POST") != 0)
            return send_http_error(s, c, r, MHD_HTTP_METHOD_NOT_ALLOWED, RPCS_INVALID_REQUEST,
                                   "method not allowed: use POST", MHD_HTTP_HEADER_ALLOW, "POST");
        const char *ct =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!json_content_type(ct))
            return send_http_error(s, c, r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, RPCS_INVALID_REQUEST,
                                   "unsupported media type: Content-Type must be "
                                   "application/json",
                                   NULL, NULL);
        /* Refuse an announced oversized body before reading any of it. */
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long announced = 0;
        if (cl) {
            char *end = NULL;
            errno = 0;
            announced = strtoull(cl, &end, 10);
            if (errno || end == cl || announced > s->cfg.max_body_bytes) {
                r->too_large = 1;
                return finish_rpc(s, c, r);
            }
        }
        r->kind = REQ_RPC;
        zk_buf_init(&r->body, s->cfg.max_body_bytes);
        if (announced && zk_buf_reserve(&r->body, (size_t)announced) != ZK_OK)
            return MHD_NO;
        return MHD_YES;
    }
    if (r->kind != REQ_RPC) {
        /* A refusal is already queued; swallow whatever body follows. */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        atomic_fetch_add(&s->bytes_in, n);
        *upload_size = 0;
        if (!r->too_large && zk_buf_append(&r->body, upload, n) != ZK_OK) {
            r->too_large = 1;
            zk_buf_free(&r->body);
        }
        if (r->too_large) {
            r->drained += n;
            if (r->drained > DRAIN_SLACK) {
                ZK_WARN("rpc.body_dropped", ZKF_UINT("limit", s->cfg.max_body_bytes),
                        ZKF_STR("peer", r->peer));
                return MHD_NO;
            }
        }
        return MHD_YES;
    }
    return finish_rpc(s, c, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    rpcs_server *s = cls;
    req *r = *con_cls;
    if (!r)
        return;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        ZK_DEBUG("rpc.http_aborted", ZKF_INT("reason", toe), ZKF_STR("peer", r->peer));
    zk_buf_free(&r->body);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    ZK_WARN("rpc.mhd", ZKF_STR("message", msg));
}

/* ---- start / stop ---------------------------------------------------------------------- */

int rpcs_start(rpcs_server *srv)
{
    if (!srv)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rpcs_start: srv must not be NULL");
    if (srv->daemon)
        return zk_err_set(ZK_ERR_STATE, "rpcs_start: already started");
    unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_INTERNAL_POLLING_THREAD;
    if (srv->family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (srv->cfg.threads == 0)
        flags |= MHD_USE_THREAD_PER_CONNECTION;
    else
        flags |= MHD_USE_AUTO;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &srv->sa},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)srv->cfg.timeout_s, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)srv->cfg.max_connections, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, srv},
        {srv->cfg.threads ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
         (intptr_t)srv->cfg.threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    errno = 0;
    srv->daemon = MHD_start_daemon(flags, srv->cfg.port, NULL, NULL, on_request, srv,
                                   MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!srv->daemon)
        return zk_err_set(ZK_ERR_IO, "rpc server: cannot listen on %s port %u: %s", srv->bind_addr,
                          (unsigned)srv->cfg.port,
                          errno ? strerror(errno) : "libmicrohttpd refused the options");
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : srv->cfg.port;
    ZK_INFO("rpc.listen", ZKF_STR("addr", srv->bind_addr), ZKF_UINT("port", srv->port),
            ZKF_UINT("threads", srv->cfg.threads), ZKF_UINT("max_body", srv->cfg.max_body_bytes),
            ZKF_UINT("max_batch", srv->cfg.max_batch));
    return ZK_OK;
}

void rpcs_stop(rpcs_server *srv)
{
    if (!srv || !srv->daemon)
        return;
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    ZK_INFO("rpc.stopped", ZKF_STR("addr", srv->bind_addr), ZKF_UINT("port", srv->port));
    srv->port = 0;
}

uint16_t rpcs_port(const rpcs_server *srv)
{
    return srv && srv->daemon ? srv->port : 0;
}

/* ---- handler helpers ------------------------------------------------------------------- */

json_t *rpcs_error_set(rpcs_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->code = code;
    return NULL;
}

/* Writes how a parameter is named in messages: "param 1 (amount)", "param 1" or
 * "param 'amount'". */
static void param_label(char *out, size_t cap, size_t index, const char *name)
{
    if (index == RPCS_NAMED)
        snprintf(out, cap, "param '%.64s'", name ? name : "?");
    else if (name)
        snprintf(out, cap, "param %zu (%.64s)", index, name);
    else
        snprintf(out, cap, "param %zu", index);
}

json_t *rpcs_param_error(rpcs_error *err, size_t index, const char *name, const char *fmt, ...)
{
    if (!err)
        return NULL;
    char label[96], what[160];
    param_label(label, sizeof label, index, name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(err->message, sizeof err->message, "Invalid params: %.90s: %.140s", label, what);
    err->code = RPCS_INVALID_PARAMS;
    zk_err_set(ZK_ERR_INVALID_ARG, "%s", err->message);
    return NULL;
}

int rpcs_param_count(const json_t *params, size_t min, size_t max, rpcs_error *err)
{
    if (!params || json_is_object(params)) {
        if (!params && min > 0) {
            rpcs_error_set(err, RPCS_INVALID_PARAMS,
                           "Invalid params: expected %zu to %zu params, got none", min, max);
            return zk_err_set(ZK_ERR_INVALID_ARG, "missing params");
        }
        return ZK_OK;
    }
    size_t n = json_is_array(params) ? json_array_size(params) : 0;
    if (n < min || n > max) {
        rpcs_error_set(err, RPCS_INVALID_PARAMS,
                       "Invalid params: expected %zu to %zu params, got %zu", min, max, n);
        return zk_err_set(ZK_ERR_INVALID_ARG, "expected %zu to %zu params, got %zu", min, max, n);
    }
    return ZK_OK;
}

/* The label to report is computed from how the value was looked up: by position for
 * an array, by name for an object. */
static size_t label_index(const json_t *params, size_t index)
{
    return json_is_object(params) ? RPCS_NAMED : index;
}

int rpcs_param_get(const json_t *params, size_t index, const char *name, json_t **out,
                   rpcs_error *err)
{
    *out = NULL;
    json_t *v = NULL;
    if (json_is_array(params)) {
        if (index == RPCS_NAMED) {
            rpcs_param_error(err, RPCS_NAMED, name, "this method takes named params only");
            return ZK_ERR_INVALID_ARG;
        }
        v = json_array_get(params, index);
    } else if (json_is_object(params)) {
        if (!name) {
            rpcs_param_error(err, index, NULL, "this method takes positional params only");
            return ZK_ERR_INVALID_ARG;
        }
        v = json_object_get(params, name);
    }
    if (!v) {
        rpcs_param_error(err, label_index(params, index), name, "missing");
        return ZK_ERR_INVALID_ARG;
    }
    *out = v;
    return ZK_OK;
}

int rpcs_param_string(const json_t *params, size_t index, const char *name, const char **out,
                      rpcs_error *err)
{
    json_t *v;
    *out = NULL;
    int rc = rpcs_param_get(params, index, name, &v, err);
    if (rc)
        return rc;
    if (!json_is_string(v)) {
        rpcs_param_error(err, label_index(params, index), name, "expected a string");
        return ZK_ERR_INVALID_ARG;
    }
    *out = json_string_value(v);
    return ZK_OK;
}

int rpcs_param_uint64(const json_t *params, size_t index, const char *name, uint64_t *out,
                      rpcs_error *err)
{
    json_t *v;
    *out = 0;
    int rc = rpcs_param_get(params, index, name, &v, err);
    if (rc)
        return rc;
    size_t li = label_index(params, index);
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x < 0) {
            rpcs_param_error(err, li, name, "expected a non-negative integer");
            return ZK_ERR_INVALID_ARG;
        }
        *out = (uint64_t)x;
        return ZK_OK;
    }
    if (!json_is_string(v)) {
        rpcs_param_error(err, li, name, "expected an unsigned integer or a 0x hex quantity");
        return ZK_ERR_INVALID_ARG;
    }
    const char *t = json_string_value(v);
    size_t n = json_string_length(v);
    if (n < 3 || n > 18 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X')) {
        rpcs_param_error(err, li, name, "expected a 0x hex quantity of 1 to 16 digits");
        return ZK_ERR_INVALID_ARG;
    }
    uint64_t x = 0;
    for (size_t i = 2; i < n; i++) {
        int d;
        char ch = t[i];
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            d = ch - 'A' + 10;
        else {
            rpcs_param_error(err, li, name, "character %zu is not a hex digit", i);
            return ZK_ERR_INVALID_ARG;
        }
        x = x << 4 | (uint64_t)d;
    }
    *out = x;
    return ZK_OK;
}

int rpcs_param_bool(const json_t *params, size_t index, const char *name, int *out, rpcs_error *err)
{
    json_t *v;
    *out = 0;
    int rc = rpcs_param_get(params, index, name, &v, err);
    if (rc)
        return rc;
    if (!json_is_boolean(v)) {
        rpcs_param_error(err, label_index(params, index), name, "expected true or false");
        return ZK_ERR_INVALID_ARG;
    }
    *out = json_is_true(v);
    return ZK_OK;
}

int rpcs_param_hex(const json_t *params, size_t index, const char *name, uint8_t *out, size_t len,
                   rpcs_error *err)
{
    json_t *v;
    int rc = rpcs_param_get(params, index, name, &v, err);
    if (rc)
        return rc;
    if (!json_is_string(v) ||
        zk_hex_decode_exact(out, len, json_string_value(v), json_string_length(v)) != ZK_OK) {
        rpcs_param_error(err, label_index(params, index), name, "expected hex of %zu bytes", len);
        return ZK_ERR_INVALID_ARG;
    }
    return ZK_OK;
}

int rpcs_param_hex_buf(const json_t *params, size_t index, const char *name, zk_buf *buf,
                       rpcs_error *err)
{
    json_t *v;
    int rc = rpcs_param_get(params, index, name, &v, err);
    if (rc)
        return rc;
    size_t li = label_index(params, index);
    if (!json_is_string(v)) {
        rpcs_param_error(err, li, name, "expected a hex string");
        return ZK_ERR_INVALID_ARG;
    }
    size_t before = buf->len;
    rc = zk_hex_decode_buf(buf, json_string_value(v), json_string_length(v));
    if (rc == ZK_ERR_TOO_LARGE) {
        buf->len = before;
        rpcs_param_error(err, li, name, "longer than %zu bytes", buf->cap - before);
        return ZK_ERR_INVALID_ARG;
    }
    if (rc) {
        buf->len = before;
        rpcs_param_error(err, li, name, "expected hex with an even number of digits");
        return ZK_ERR_INVALID_ARG;
    }
    return ZK_OK;
}
