/* Unit tests for common/rpc_server: a real server on 127.0.0.1 (port 0), driven
 * through rpcc_client for well-formed calls and through raw sockets for what a
 * well-behaved client never sends. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "common/rpc_client.h"
#include "common/rpc_server.h"
#include "tests/test.h"

#define BODY_LIMIT  (64 * 1024)
#define BATCH_LIMIT 10

static atomic_int g_count;
static atomic_int g_healthy = 1;

/* ---- handlers ------------------------------------------------------------------------ */

static json_t *h_add(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    uint64_t a, b;
    if (rpcs_param_count(params, 2, 2, err) || rpcs_param_uint64(params, 0, "a", &a, err) ||
        rpcs_param_uint64(params, 1, "b", &b, err))
        return NULL;
    if (a > INT64_MAX / 2 || b > INT64_MAX / 2)
        return rpcs_param_error(err, 0, "a", "operands must be below 2^62");
    return json_integer((json_int_t)(a + b));
}

static json_t *h_echo(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    return params ? json_deep_copy(params) : json_null();
}

static json_t *h_count(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    return json_integer(atomic_fetch_add(&g_count, 1) + 1);
}

static json_t *h_fail(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    rpcs_error_set(err, -32010, "custom failure %d", 7);
    err->data = json_pack("{s:s}", "why", "because");
    return NULL;
}

/* A message whose cut falls inside a UTF-8 sequence. */
static json_t *h_utf8(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    char msg[400];
    size_t n = 0;
    while (n + 2 < sizeof msg) {
        msg[n++] = '\xc3';
        msg[n++] = '\xa9';
    }
    msg[n] = 0;
    return rpcs_error_set(err, -32011, "xy%s", msg);
}

static json_t *h_internal(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    return rpcs_error_set(err, RPCS_INTERNAL_ERROR, "open /var/lib/secret-store.db failed");
}

static json_t *h_nullret(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    return NULL;
}

static json_t *h_big(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    uint64_t n;
    if (rpcs_param_uint64(params, 0, "n", &n, err))
        return NULL;
    if (n > (4u << 20))
        return rpcs_param_error(err, 0, "n", "at most 4 MiB");
    char *s = malloc(n + 1);
    if (!s)
        return rpcs_error_set(err, RPCS_INTERNAL_ERROR, "oom");
    memset(s, 'x', n);
    s[n] = 0;
    json_t *r = json_string(s);
    free(s);
    return r;
}

static json_t *h_hex4(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    uint8_t b[4];
    int flag;
    if (rpcs_param_hex(params, 0, "data", b, sizeof b, err) ||
        rpcs_param_bool(params, 1, "reverse", &flag, err))
        return NULL;
    uint32_t v = flag ? zk_load_le32(b) : (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
    return json_integer(v);
}

static json_t *h_hexbuf(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    zk_buf b;
    zk_buf_init(&b, 8);
    const char *tag;
    if (rpcs_param_string(params, RPCS_NAMED, "tag", &tag, err) ||
        rpcs_param_hex_buf(params, RPCS_NAMED, "data", &b, err)) {
        zk_buf_free(&b);
        return NULL;
    }
    json_t *r = json_pack("{s:s,s:i}", "tag", tag, "len", (int)b.len);
    zk_buf_free(&b);
    return r;
}

static json_t *h_whoami(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    return json_pack("{s:s,s:I}", "subject", auth->subject, "roles", (json_int_t)auth->roles);
}

static int health_cb(void *ctx, json_t *h)
{
    json_object_set_new(h, "chain", json_string("test"));
    return atomic_load(&g_healthy) ? 0 : 1;
}

static int metrics_cb(void *ctx, zk_buf *out)
{
    return zk_buf_puts(out, "# TYPE test_custom_total counter\ntest_custom_total 42\n");
}

static void register_all(rpcs_server *s)
{
    CHECK_OK(rpcs_register(s, "add", h_add, NULL));
    CHECK_OK(rpcs_register(s, "echo", h_echo, NULL));
    CHECK_OK(rpcs_register(s, "count", h_count, NULL));
    CHECK_OK(rpcs_register(s, "fail", h_fail, NULL));
    CHECK_OK(rpcs_register(s, "internal", h_internal, NULL));
    CHECK_OK(rpcs_register(s, "nullret", h_nullret, NULL));
    CHECK_OK(rpcs_register(s, "big", h_big, NULL));
    CHECK_OK(rpcs_register(s, "hex4", h_hex4, NULL));
    CHECK_OK(rpcs_register(s, "hexbuf", h_hexbuf, NULL));
    CHECK_OK(rpcs_register(s, "whoami", h_whoami, NULL));
    CHECK_OK(rpcs_register(s, "utf8", h_utf8, NULL));
}

static rpcs_server *start_server(unsigned threads)
{
    rpcs_config cfg;
    rpcs_config_default(&cfg);
    cfg.max_body_bytes = BODY_LIMIT;
    cfg.max_batch = BATCH_LIMIT;
    cfg.threads = threads;
    cfg.timeout_s = 2;
    rpcs_server *s = NULL;
    CHECK_OK(rpcs_new(&s, &cfg));
    if (!s)
        exit(1);
    register_all(s);
    CHECK_OK(rpcs_set_health(s, health_cb, NULL));
    CHECK_OK(rpcs_set_metrics(s, metrics_cb, NULL));
    CHECK_OK(rpcs_start(s));
    CHECK(rpcs_port(s) != 0);
    return s;
}

/* ---- raw HTTP -------------------------------------------------------------------------- */

typedef struct http_resp {
    int status;
    char head[4096]; /* status line and headers */
    char *body;      /* NUL-terminated, malloc'd */
    size_t body_len;
} http_resp;

static int connect_local(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends data as is and reads until the server closes. Returns 0 or -1. */
static int http_raw(uint16_t port, const char *data, size_t len, http_resp *out)
{
    memset(out, 0, sizeof *out);
    int fd = connect_local(port);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer and close before reading everything */
        off += (size_t)n;
    }
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (used == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t n = recv(fd, buf + used, cap - used, 0);
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    buf[used] = 0;
    char *sep = strstr(buf, "\r\n\r\n");
    if (!sep || sscanf(buf, "HTTP/1.%*d %d", &out->status) != 1) {
        free(buf);
        return -1;
    }
    size_t hl = (size_t)(sep - buf);
    if (hl >= sizeof out->head)
        hl = sizeof out->head - 1;
    memcpy(out->head, buf, hl);
    out->head[hl] = 0;
    out->body_len = used - (size_t)(sep + 4 - buf);
    out->body = malloc(out->body_len + 1);
    memcpy(out->body, sep + 4, out->body_len);
    out->body[out->body_len] = 0;
    free(buf);
    return 0;
}

static int http_req(uint16_t port, const char *method, const char *path, const char *ctype,
                    const char *body, size_t body_len, const char *extra, http_resp *out)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s"
                     "Content-Length: %zu\r\n%s\r\n",
                     method, path, ctype ? "Content-Type: " : "", ctype ? ctype : "",
                     ctype ? "\r\n" : "", body_len, extra ? extra : "");
    char *all = malloc((size_t)n + body_len);
    memcpy(all, head, (size_t)n);
    if (body_len)
        memcpy(all + n, body, body_len);
    int rc = http_raw(port, all, (size_t)n + body_len, out);
    free(all);
    return rc;
}

static int post(uint16_t port, const char *body, http_resp *out)
{
    return http_req(port, "POST", "/", "application/json", body, strlen(body), NULL, out);
}

static json_t *body_json(const http_resp *r)
{
    return json_loadb(r->body ? r->body : "", r->body_len, JSON_DECODE_ANY, NULL);
}

static int err_code(const json_t *resp)
{
    return (int)json_integer_value(json_object_get(json_object_get(resp, "error"), "code"));
}

static const char *err_msg(const json_t *resp)
{
    const char *m = json_string_value(json_object_get(json_object_get(resp, "error"), "message"));
    return m ? m : "";
}

/* A valid call still works: used after every bad request. */
static void check_alive(uint16_t port)
{
    http_resp r;
    CHECK_EQ(post(port, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[40,2],\"id\":9}", &r),
             0);
    CHECK_EQ(r.status, 200);
    CHECK_MSG(strcmp(r.body ? r.body : "", "{\"jsonrpc\":\"2.0\",\"result\":42,\"id\":9}") == 0,
              "alive body %s", r.body ? r.body : "(none)");
    free(r.body);
}

/* Posts body and checks a single JSON-RPC error answer with code and HTTP status. */
static void check_post_error(uint16_t port, const char *body, int want_status, int want_code)
{
    http_resp r;
    CHECK_EQ(post(port, body, &r), 0);
    CHECK_EQ(r.status, want_status);
    json_t *j = body_json(&r);
    CHECK_MSG(json_is_object(j) && err_code(j) == want_code, "body %s: got %s", body,
              r.body ? r.body : "(none)");
    CHECK(json_is_null(json_object_get(j, "id")));
    json_decref(j);
    free(r.body);
    check_alive(port);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_config(void)
{
    rpcs_config cfg;
    rpcs_config_default(&cfg);
    CHECK(strcmp(cfg.bind_addr, "127.0.0.1") == 0);
    CHECK_EQ(cfg.max_body_bytes, 1 << 20);
    CHECK_EQ(cfg.max_batch, 100);
    rpcs_server *s = NULL;

    cfg.bind_addr = "0.0.0.0";
    CHECK_ERR(rpcs_new(&s, &cfg), ZK_ERR_CONFIG);
    CHECK(strstr(zk_err_detail(), "allow_non_loopback") != NULL);
    CHECK(s == NULL);
    cfg.bind_addr = "10.1.2.3";
    CHECK_ERR(rpcs_new(&s, &cfg), ZK_ERR_CONFIG);
    cfg.bind_addr = "::";
    CHECK_ERR(rpcs_new(&s, &cfg), ZK_ERR_CONFIG);
    cfg.bind_addr = "localhost";
    CHECK_ERR(rpcs_new(&s, &cfg), ZK_ERR_CONFIG);
    cfg.bind_addr = "0.0.0.0";
    cfg.allow_non_loopback = 1;
    CHECK_OK(rpcs_new(&s, &cfg));
    rpcs_free(s);
    s = NULL;

    rpcs_config_default(&cfg);
    cfg.max_body_bytes = 0;
    CHECK_ERR(rpcs_new(&s, &cfg), ZK_ERR_CONFIG);
    rpcs_config_default(&cfg);
    cfg.max_batch = 0;
    CHECK_ERR(rpcs_new(&s, &cfg), ZK_ERR_CONFIG);

    rpcs_config_default(&cfg);
    cfg.bind_addr = "::1";
    CHECK_OK(rpcs_new(&s, &cfg));
    CHECK_EQ(rpcs_port(s), 0);
    CHECK_ERR(rpcs_register(s, "rpc.discover", h_echo, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(rpcs_register(s, "", h_echo, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(rpcs_register(s, "has space", h_echo, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(rpcs_register(s, "x\"y", h_echo, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(rpcs_register(s, "echo", NULL, NULL), ZK_ERR_INVALID_ARG);
    CHECK_OK(rpcs_register(s, "gw_status.v1", h_echo, NULL));
    CHECK_ERR(rpcs_register(s, "gw_status.v1", h_echo, NULL), ZK_ERR_EXISTS);
    /* ::1 may be missing in a container; only then is a start failure fine */
    int rc = rpcs_start(s);
    if (rc == ZK_OK) {
        CHECK(rpcs_port(s) != 0);
        CHECK_ERR(rpcs_register(s, "late", h_echo, NULL), ZK_ERR_STATE);
        CHECK_ERR(rpcs_set_auth(s, NULL, NULL), ZK_ERR_STATE);
        CHECK_ERR(rpcs_start(s), ZK_ERR_STATE);
        rpcs_stop(s);
        CHECK_EQ(rpcs_port(s), 0);
        rpcs_stop(s);
    } else {
        CHECK_EQ(rc, ZK_ERR_IO);
    }
    rpcs_free(s);
    rpcs_free(NULL);

    /* a port in use is an I/O error with a detail, not a crash */
    rpcs_server *a = start_server(0), *b = NULL;
    rpcs_config_default(&cfg);
    cfg.port = rpcs_port(a);
    CHECK_OK(rpcs_new(&b, &cfg));
    CHECK_ERR(rpcs_start(b), ZK_ERR_IO);
    CHECK(strstr(zk_err_detail(), "cannot listen") != NULL);
    rpcs_free(b);
    rpcs_free(a);
}

static void test_valid_calls(uint16_t port)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    rpcc_client *c = NULL;
    CHECK_OK(rpcc_new(&c, url, NULL));
    json_t *res = NULL;
    rpcc_error e = {0};

    json_t *p = json_pack("[i,i]", 2, 3);
    CHECK_OK(rpcc_call(c, "add", p, &res, &e));
    CHECK_EQ(json_integer_value(res), 5);
    json_decref(res);
    json_decref(p);

    p = json_pack("{s:s,s:i}", "b", "0x10", "a", 1);
    CHECK_OK(rpcc_call(c, "add", p, &res, &e));
    CHECK_EQ(json_integer_value(res), 17);
    json_decref(res);
    json_decref(p);

    CHECK_OK(rpcc_call(c, "echo", NULL, &res, &e));
    CHECK(json_is_null(res));
    json_decref(res);

    p = json_pack("[s,b]", "0x01020304", 1);
    CHECK_OK(rpcc_call(c, "hex4", p, &res, &e));
    CHECK_EQ(json_integer_value(res), 0x04030201);
    json_decref(res);
    json_decref(p);

    p = json_pack("{s:s,s:s}", "tag", "t", "data", "abcdef");
    CHECK_OK(rpcc_call(c, "hexbuf", p, &res, &e));
    CHECK_EQ(json_integer_value(json_object_get(res, "len")), 3);
    json_decref(res);
    json_decref(p);

    /* a JSON-RPC error answer carries its code, message and data */
    CHECK_ERR(rpcc_call(c, "fail", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, -32010);
    CHECK(strcmp(e.message, "custom failure 7") == 0);
    CHECK(json_is_string(json_object_get(e.data, "why")));
    CHECK_EQ(e.http_status, 200);
    CHECK(res == NULL);

    /* internal errors never leak the handler's text */
    CHECK_ERR(rpcc_call(c, "internal", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, RPCS_INTERNAL_ERROR);
    CHECK(strcmp(e.message, "Internal error") == 0);
    CHECK(strstr(zk_err_detail(), "secret") == NULL);
    CHECK_ERR(rpcc_call(c, "nullret", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, RPCS_INTERNAL_ERROR);

    CHECK_ERR(rpcc_call(c, "utf8", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, -32011);
    CHECK_EQ(e.http_status, 200);
    CHECK(e.message[0] == 'x');

    CHECK_ERR(rpcc_call(c, "no_such_method", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, RPCS_METHOD_NOT_FOUND);
    CHECK(strstr(e.message, "no_such_method") != NULL);
    rpcc_error_clear(&e);
    rpcc_free(c);
    check_alive(port);
}

/* The message of a -32602 names the parameter. */
static void check_param_error(uint16_t port, const char *body, const char *want)
{
    http_resp r;
    CHECK_EQ(post(port, body, &r), 0);
    json_t *j = body_json(&r);
    CHECK_MSG(err_code(j) == RPCS_INVALID_PARAMS && strstr(err_msg(j), want),
              "%s -> %s (wanted '%s')", body, r.body ? r.body : "", want);
    CHECK_EQ(json_integer_value(json_object_get(j, "id")), 1);
    json_decref(j);
    free(r.body);
    check_alive(port);
}

static void test_params(uint16_t port)
{
#define CALL(m, p) "{\"jsonrpc\":\"2.0\",\"method\":\"" m "\",\"params\":" p ",\"id\":1}"
    check_param_error(port, CALL("add", "[1,\"x\"]"), "param 1 (b)");
    check_param_error(port, CALL("add", "[-1,2]"), "param 0 (a): expected a non-negative");
    check_param_error(port, CALL("add", "[1,2,3]"), "expected 2 to 2 params, got 3");
    check_param_error(port, CALL("add", "[1]"), "got 1");
    check_param_error(port, CALL("add", "{\"a\":1}"), "param 'b': missing");
    check_param_error(port, CALL("add", "{\"a\":1,\"b\":true}"), "param 'b'");
    check_param_error(port, CALL("add", "[\"0x\",1]"), "param 0 (a)");
    check_param_error(port, CALL("add", "[\"0x12345678901234567\",1]"), "param 0 (a)");
    check_param_error(port, CALL("add", "[\"0xzz\",1]"), "not a hex digit");
    check_param_error(port, CALL("add", "[1.5,1]"), "param 0 (a)");
    check_param_error(port, CALL("hex4", "[\"0x010203\",true]"),
                      "param 0 (data): expected hex of 4");
    check_param_error(port, CALL("hex4", "[\"0x01020304\",1]"), "param 1 (reverse)");
    check_param_error(port, CALL("hexbuf", "[\"t\",\"00\"]"), "named params only");
    check_param_error(port, CALL("hexbuf", "{\"tag\":\"t\",\"data\":\"0x001\"}"), "param 'data'");
    check_param_error(port, CALL("hexbuf", "{\"tag\":\"t\",\"data\":\"001122334455667788\"}"),
                      "longer than 8 bytes");
    check_param_error(port, CALL("hexbuf", "{\"tag\":5,\"data\":\"00\"}"),
                      "param 'tag': expected a string");
    check_param_error(port, CALL("big", "[4194305]"), "param 0 (n)");
#undef CALL
}

/* The getters called directly, on both params shapes. */
static void test_getters(void)
{
    rpcs_error e = {0};
    uint64_t u;
    json_t *arr =
        json_pack("[s,I,s,b,s]", "0xffffffffffffffff", (json_int_t)INT64_MAX, "0X1aB", 0, "0x00ff");
    CHECK_OK(rpcs_param_uint64(arr, 0, NULL, &u, &e));
    CHECK(u == UINT64_MAX);
    CHECK_OK(rpcs_param_uint64(arr, 1, NULL, &u, &e));
    CHECK(u == (uint64_t)INT64_MAX);
    CHECK_OK(rpcs_param_uint64(arr, 2, NULL, &u, &e));
    CHECK_EQ(u, 0x1ab);
    int flag = 1;
    CHECK_OK(rpcs_param_bool(arr, 3, NULL, &flag, &e));
    CHECK_EQ(flag, 0);
    uint8_t two[2];
    CHECK_OK(rpcs_param_hex(arr, 4, NULL, two, 2, &e));
    CHECK(two[0] == 0 && two[1] == 0xff);
    CHECK_EQ(e.code, 0);
    CHECK_ERR(rpcs_param_uint64(arr, 5, NULL, &u, &e), ZK_ERR_INVALID_ARG);
    CHECK_EQ(e.code, RPCS_INVALID_PARAMS);
    CHECK(strcmp(e.message, "Invalid params: param 5: missing") == 0);
    CHECK_ERR(rpcs_param_count(arr, 1, 4, &e), ZK_ERR_INVALID_ARG);
    CHECK_OK(rpcs_param_count(arr, 5, 5, &e));
    CHECK_ERR(rpcs_param_count(NULL, 1, 1, &e), ZK_ERR_INVALID_ARG);
    CHECK_OK(rpcs_param_count(NULL, 0, 1, &e));
    json_t *obj = json_pack("{s:s}", "who", "me");
    const char *str;
    CHECK_OK(rpcs_param_string(obj, 0, "who", &str, &e));
    CHECK(strcmp(str, "me") == 0);
    CHECK_ERR(rpcs_param_string(obj, 0, NULL, &str, &e), ZK_ERR_INVALID_ARG);
    CHECK(strstr(e.message, "positional params only") != NULL);
    CHECK_ERR(rpcs_param_string(NULL, 0, "who", &str, &e), ZK_ERR_INVALID_ARG);
    CHECK(strstr(e.message, "missing") != NULL);
    json_t *dummy;
    CHECK_ERR(rpcs_param_get(obj, RPCS_NAMED, "nobody", &dummy, &e), ZK_ERR_INVALID_ARG);
    CHECK(strcmp(e.message, "Invalid params: param 'nobody': missing") == 0);
    /* a long message is cut, never overflowed */
    char longname[400];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    rpcs_param_error(&e, 3, longname, "%s", longname);
    CHECK(strlen(e.message) < sizeof e.message);
    CHECK(rpcs_error_set(NULL, 1, "x") == NULL);
    json_decref(arr);
    json_decref(obj);
}

static void test_ids_and_notifications(uint16_t port)
{
    struct {
        const char *id, *want;
    } ids[] = {
        {"\"abc\"", "\"abc\""},
        {"null", "null"},
        {"0", "0"},
        {"-7", "-7"},
        {"1.5", "1.5"},
        {"9007199254740993", "9007199254740993"},
        {"\"\\u00e9\\n\"", "\"\\u00e9\\n\""},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char body[256], want[256];
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":%s}",
                 ids[i].id);
        http_resp r;
        CHECK_EQ(post(port, body, &r), 0);
        CHECK_EQ(r.status, 200);
        json_t *got = body_json(&r);
        json_t *w = json_loads(ids[i].want, JSON_DECODE_ANY, NULL);
        snprintf(want, sizeof want, "%s", ids[i].want);
        CHECK_MSG(json_equal(json_object_get(got, "id"), w), "id %s echoed as %s", ids[i].id,
                  r.body);
        CHECK(json_is_null(json_object_get(got, "result")));
        CHECK(json_object_get(got, "error") == NULL);
        json_decref(got);
        json_decref(w);
        free(r.body);
    }

    /* a notification runs but gets no answer: 204, empty body */
    int before = atomic_load(&g_count);
    http_resp r;
    CHECK_EQ(post(port, "{\"jsonrpc\":\"2.0\",\"method\":\"count\"}", &r), 0);
    CHECK_EQ(r.status, 204);
    CHECK_EQ(r.body_len, 0);
    free(r.body);
    CHECK_EQ(atomic_load(&g_count), before + 1);
    /* notifications are never answered, not even with an error */
    CHECK_EQ(post(port, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}", &r), 0);
    CHECK_EQ(r.status, 204);
    free(r.body);
    CHECK_EQ(post(port, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[\"q\"]}", &r), 0);
    CHECK_EQ(r.status, 204);
    free(r.body);
    check_alive(port);
}

static const json_t *by_id(const json_t *arr, json_int_t id)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *x = json_array_get(arr, i);
        if (json_integer_value(json_object_get(x, "id")) == id)
            return x;
    }
    return NULL;
}

static void test_batch(uint16_t port)
{
    int before = atomic_load(&g_count);
    const char *batch = "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"count\"},"
                        "1,"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":3},"
                        "{\"jsonrpc\":\"1.0\",\"method\":\"add\",\"params\":[1,2],\"id\":4},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1],\"id\":5},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"fail\",\"id\":6},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[5,5],\"id\":7}]";
    http_resp r;
    CHECK_EQ(post(port, batch, &r), 0);
    CHECK_EQ(r.status, 200);
    json_t *j = body_json(&r);
    CHECK(json_is_array(j));
    CHECK_EQ(json_array_size(j), 7); /* 8 members minus one notification */
    CHECK_EQ(json_integer_value(json_object_get(by_id(j, 1), "result")), 3);
    CHECK_EQ(err_code(by_id(j, 3)), RPCS_METHOD_NOT_FOUND);
    CHECK_EQ(err_code(by_id(j, 4)), RPCS_INVALID_REQUEST);
    CHECK_EQ(err_code(by_id(j, 5)), RPCS_INVALID_PARAMS);
    CHECK_EQ(err_code(by_id(j, 6)), -32010);
    CHECK_EQ(json_integer_value(json_object_get(by_id(j, 7), "result")), 10);
    int null_ids = 0;
    for (size_t i = 0; i < json_array_size(j); i++) {
        json_t *x = json_array_get(j, i);
        if (json_is_null(json_object_get(x, "id"))) {
            null_ids++;
            CHECK_EQ(err_code(x), RPCS_INVALID_REQUEST); /* the bare "1" */
        }
    }
    CHECK_EQ(null_ids, 1);
    json_decref(j);
    free(r.body);
    CHECK_EQ(atomic_load(&g_count), before + 1);

    /* only notifications: nothing to answer */
    CHECK_EQ(post(port,
                  "[{\"jsonrpc\":\"2.0\",\"method\":\"count\"},"
                  "{\"jsonrpc\":\"2.0\",\"method\":\"count\"}]",
                  &r),
             0);
    CHECK_EQ(r.status, 204);
    CHECK_EQ(r.body_len, 0);
    free(r.body);
    CHECK_EQ(atomic_load(&g_count), before + 3);

    /* an empty batch is one Invalid Request, not an empty array */
    check_post_error(port, "[]", 200, RPCS_INVALID_REQUEST);
    /* a batch of invalid members: one error each */
    CHECK_EQ(post(port, "[1,2,3]", &r), 0);
    j = body_json(&r);
    CHECK_EQ(json_array_size(j), 3);
    for (size_t i = 0; i < 3; i++)
        CHECK_EQ(err_code(json_array_get(j, i)), RPCS_INVALID_REQUEST);
    json_decref(j);
    free(r.body);

    /* over the limit: one error, nothing runs */
    char big[4096] = "[";
    for (int i = 0; i <= BATCH_LIMIT; i++)
        strcat(big, "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":1},");
    big[strlen(big) - 1] = ']';
    check_post_error(port, big, 200, RPCS_LIMIT_EXCEEDED);
    CHECK_EQ(atomic_load(&g_count), before + 3);
    /* exactly at the limit is fine */
    big[1] = 0;
    for (int i = 0; i < BATCH_LIMIT; i++)
        strcat(big, "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":1},");
    big[strlen(big) - 1] = ']';
    CHECK_EQ(post(port, big, &r), 0);
    j = body_json(&r);
    CHECK_EQ(json_array_size(j), BATCH_LIMIT);
    json_decref(j);
    free(r.body);
    check_alive(port);
}

/* ---- batch handlers ----------------------------------------------------------------- */

/* "sq": x squared, an error for a negative x. The batch form records how many calls
 * each batch run held and which auth subject it saw. */
static atomic_int g_sq_single;
static size_t g_sq_runs[16], g_sq_n_runs;

static json_t *sq_one(const json_t *params, rpcs_error *err)
{
    uint64_t x;
    json_t *v;
    if (rpcs_param_count(params, 1, 1, err) || rpcs_param_get(params, 0, "x", &v, err))
        return NULL;
    if (json_is_integer(v) && json_integer_value(v) < 0)
        return rpcs_error_set(err, -32012, "negative %lld", (long long)json_integer_value(v));
    if (rpcs_param_uint64(params, 0, "x", &x, err))
        return NULL;
    return json_integer((json_int_t)(x * x));
}

static json_t *h_sq(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    atomic_fetch_add(&g_sq_single, 1);
    return sq_one(params, err);
}

static void h_sq_batch(void *ctx, rpcs_call *calls, size_t n)
{
    CHECK(n >= 2);
    if (g_sq_n_runs < 16)
        g_sq_runs[g_sq_n_runs++] = n;
    for (size_t i = 0; i < n; i++) {
        CHECK(calls[i].result == NULL && calls[i].err.code == 0 && calls[i].auth != NULL);
        calls[i].result = sq_one(calls[i].params, &calls[i].err);
    }
}

static void test_batch_handler(void)
{
    rpcs_config cfg;
    rpcs_config_default(&cfg);
    rpcs_server *s = NULL;
    CHECK_OK(rpcs_new(&s, &cfg));
    register_all(s);
    CHECK_ERR(rpcs_set_batch(s, "sq", h_sq_batch), ZK_ERR_NOT_FOUND);
    CHECK_OK(rpcs_register(s, "sq", h_sq, NULL));
    CHECK_OK(rpcs_set_batch(s, "sq", h_sq_batch));
    CHECK_OK(rpcs_start(s));
    CHECK_ERR(rpcs_set_batch(s, "sq", NULL), ZK_ERR_STATE);
    uint16_t port = rpcs_port(s);

    /* a single request runs the plain handler */
    http_resp r;
    CHECK_EQ(post(port, "{\"jsonrpc\":\"2.0\",\"method\":\"sq\",\"params\":[3],\"id\":1}", &r), 0);
    CHECK(r.body && strcmp(r.body, "{\"jsonrpc\":\"2.0\",\"result\":9,\"id\":1}") == 0);
    free(r.body);
    CHECK_EQ(atomic_load(&g_sq_single), 1);

    /* Runs of consecutive sq calls go to the batch form: [1,2,-3,4(notification),"x"],
     * then add runs alone, a lone sq(5) runs the plain handler, a malformed call
     * breaks the run, then [6,7]. Answers keep the batch's order; the notification
     * runs but is not answered. */
    const char *batch = "[{\"jsonrpc\":\"2.0\",\"method\":\"sq\",\"params\":[1],\"id\":1},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"sq\",\"params\":[2],\"id\":2},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"sq\",\"params\":[-3],\"id\":3},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"sq\",\"params\":[4]},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"sq\",\"params\":[\"x\"],\"id\":4},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":5},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"sq\",\"params\":[5],\"id\":6},"
                        "{\"jsonrpc\":\"1.0\",\"method\":\"sq\",\"params\":[9],\"id\":7},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"sq\",\"params\":[6],\"id\":8},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"sq\",\"params\":[7],\"id\":9}]";
    CHECK_EQ(post(port, batch, &r), 0);
    CHECK_EQ(r.status, 200);
    json_t *j = body_json(&r);
    CHECK(json_is_array(j));
    CHECK_EQ(json_array_size(j), 9);
    for (size_t i = 0; i < json_array_size(j); i++)
        CHECK_EQ(json_integer_value(json_object_get(json_array_get(j, i), "id")),
                 (json_int_t)i + 1);
    static const json_int_t want[] = {1, 4, 0, 0, 3, 25, 0, 36, 49};
    for (size_t i = 0; i < 9; i++)
        if (want[i])
            CHECK_EQ(json_integer_value(json_object_get(json_array_get(j, i), "result")), want[i]);
    CHECK_EQ(err_code(json_array_get(j, 2)), -32012);
    CHECK(strcmp(err_msg(json_array_get(j, 2)), "negative -3") == 0);
    CHECK_EQ(err_code(json_array_get(j, 3)), RPCS_INVALID_PARAMS);
    CHECK_EQ(err_code(json_array_get(j, 6)), RPCS_INVALID_REQUEST);
    json_decref(j);
    free(r.body);
    CHECK_EQ(g_sq_n_runs, 2);
    CHECK_EQ(g_sq_runs[0], 5);
    CHECK_EQ(g_sq_runs[1], 2);
    CHECK_EQ(atomic_load(&g_sq_single), 2);
    check_alive(port);
    rpcs_free(s);
}

static void test_malformed(uint16_t port)
{
    const char *parse_errors[] = {
        "",           "{",
        "[1,",        "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"id\":1",
        "nul",        "\"abc",
        "{]",         "{\"a\":1,\"a\":2}", /* duplicate keys are refused */
        "\xff\xfe{}", "{\"jsonrpc\":\"2.0\",\"method\":\"a\xc3\x28\",\"id\":1}",
        "[1]x",       "{\"x\":\"\\u0000\"}",
    };
    for (size_t i = 0; i < sizeof parse_errors / sizeof parse_errors[0]; i++)
        check_post_error(port, parse_errors[i], 200, RPCS_PARSE_ERROR);

    const char *invalid[] = {
        "1",
        "\"x\"",
        "null",
        "true",
        "{}",
        "{\"method\":\"add\",\"params\":[1,2],\"id\":1}",
        "{\"jsonrpc\":\"2.1\",\"method\":\"add\",\"params\":[1,2],\"id\":1}",
        "{\"jsonrpc\":2.0,\"method\":\"add\",\"params\":[1,2],\"id\":1}",
        "{\"jsonrpc\":\"2.0\",\"method\":1,\"id\":1}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":{}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":[1]}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":true}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":\"1,2\"}",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        http_resp r;
        CHECK_EQ(post(port, invalid[i], &r), 0);
        CHECK_EQ(r.status, 200);
        json_t *j = body_json(&r);
        CHECK_MSG(err_code(j) == RPCS_INVALID_REQUEST, "%s -> %s", invalid[i], r.body);
        json_decref(j);
        free(r.body);
        check_alive(port);
    }
    /* when the id is valid it is echoed even for an invalid request */
    http_resp r;
    CHECK_EQ(post(port, "{\"jsonrpc\":\"2.0\",\"method\":7,\"id\":\"k\"}", &r), 0);
    json_t *j = body_json(&r);
    CHECK(json_is_string(json_object_get(j, "id")));
    json_decref(j);
    free(r.body);

    /* garbage that is not HTTP at all */
    http_raw(port, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", 22, &r);
    free(r.body);
    check_alive(port);
    /* a body that never completes is dropped after the idle timeout */
    http_raw(port,
             "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 100\r\n\r\n{\"jsonrpc\"",
             strlen("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 100\r\n\r\n{\"jsonrpc\""),
             &r);
    free(r.body);
    check_alive(port);
    /* HEAD of the health page has headers only */
    CHECK_EQ(http_req(port, "HEAD", "/health", NULL, "", 0, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK_EQ(r.body_len, 0);
    free(r.body);
    /* a request line without a version, headers never finished */
    http_raw(port, "POST /\r\n", 8, &r);
    free(r.body);
    check_alive(port);
}

static void test_random_bodies(uint16_t port)
{
    const char *valid = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}";
    size_t vl = strlen(valid);
    for (int iter = 0; iter < 300; iter++) {
        char body[128];
        size_t n;
        if (iter % 2) {
            n = t_rand() % sizeof body;
            t_rand_bytes(body, n);
        } else {
            n = vl;
            memcpy(body, valid, vl);
            for (int k = 0, m = 1 + (int)(t_rand() % 3); k < m; k++)
                body[t_rand() % vl] = (char)t_rand();
        }
        http_resp r;
        int rc = http_req(port, "POST", "/", "application/json", body, n, NULL, &r);
        CHECK_EQ(rc, 0);
        /* every answer is 200 (JSON-RPC answer) or 204 (it became a notification) */
        CHECK_MSG(r.status == 200 || r.status == 204, "iteration %d: status %d", iter, r.status);
        if (r.status == 200) {
            json_t *j = body_json(&r);
            CHECK_MSG(json_is_object(j) || json_is_array(j), "iteration %d: body %s", iter, r.body);
            json_decref(j);
        }
        free(r.body);
    }
    check_alive(port);
}

static void test_http_level(uint16_t port)
{
    const char *call = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}";
    size_t cl = strlen(call);
    http_resp r;
    /* content types */
    const char *bad_ct[] = {"text/plain", "application/jsonx", "application/x-www-form-urlencoded",
                            NULL};
    for (size_t i = 0; i < sizeof bad_ct / sizeof bad_ct[0]; i++) {
        CHECK_EQ(http_req(port, "POST", "/", bad_ct[i], call, cl, NULL, &r), 0);
        CHECK_MSG(r.status == 415, "content type %s: %d", bad_ct[i] ? bad_ct[i] : "(none)",
                  r.status);
        json_t *j = body_json(&r);
        CHECK_EQ(err_code(j), RPCS_INVALID_REQUEST);
        CHECK(strstr(err_msg(j), "Content-Type") != NULL);
        json_decref(j);
        free(r.body);
        check_alive(port);
    }
    const char *good_ct[] = {"application/json; charset=utf-8", "Application/JSON",
                             "application/json;charset=UTF-8"};
    for (size_t i = 0; i < sizeof good_ct / sizeof good_ct[0]; i++) {
        CHECK_EQ(http_req(port, "POST", "/", good_ct[i], call, cl, NULL, &r), 0);
        CHECK_EQ(r.status, 200);
        CHECK(strstr(r.body, "\"result\":3") != NULL);
        free(r.body);
    }
    /* wrong HTTP method */
    const char *methods[] = {"GET", "PUT", "DELETE", "PATCH"};
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ(http_req(port, methods[i], "/", "application/json", call, cl, NULL, &r), 0);
        CHECK_EQ(r.status, 405);
        CHECK(strstr(r.head, "Allow: POST") != NULL);
        json_t *j = body_json(&r);
        CHECK_EQ(err_code(j), RPCS_INVALID_REQUEST);
        json_decref(j);
        free(r.body);
        check_alive(port);
    }
    CHECK_EQ(http_req(port, "POST", "/health", "application/json", call, cl, NULL, &r), 0);
    CHECK_EQ(r.status, 405);
    free(r.body);
    /* unknown paths */
    const char *paths[] = {"/nope", "/rpc", "//", "/health/x", "/metricsx"};
    for (size_t i = 0; i < 5; i++) {
        CHECK_EQ(http_req(port, "POST", paths[i], "application/json", call, cl, NULL, &r), 0);
        CHECK_MSG(r.status == 404, "%s: %d", paths[i], r.status);
        free(r.body);
        CHECK_EQ(http_req(port, "GET", paths[i], NULL, "", 0, NULL, &r), 0);
        CHECK_EQ(r.status, 404);
        free(r.body);
    }
    check_alive(port);
}

static void test_body_limit(uint16_t port)
{
    http_resp r;
    /* an announced oversized body is refused before it is sent */
    char head[256];
    snprintf(head, sizeof head,
             "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json"
             "\r\nContent-Length: %d\r\n\r\n",
             BODY_LIMIT + 1);
    CHECK_EQ(http_raw(port, head, strlen(head), &r), 0);
    CHECK_EQ(r.status, 413);
    json_t *j = body_json(&r);
    CHECK_EQ(err_code(j), RPCS_LIMIT_EXCEEDED);
    json_decref(j);
    free(r.body);
    check_alive(port);

    /* a body that really is too large */
    size_t n = BODY_LIMIT + 100;
    char *body = malloc(n + 1);
    memset(body, ' ', n);
    const char *call = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}";
    memcpy(body, call, strlen(call));
    CHECK_EQ(http_req(port, "POST", "/", "application/json", body, n, NULL, &r), 0);
    CHECK_EQ(r.status, 413);
    free(r.body);
    check_alive(port);

    /* chunked, so the size is only found while reading */
    char *chunked = malloc(n + 512);
    int hl = snprintf(chunked, 512,
                      "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                      "application/json\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n",
                      n);
    memcpy(chunked + hl, body, n);
    memcpy(chunked + hl + n, "\r\n0\r\n\r\n", 7);
    CHECK_EQ(http_raw(port, chunked, (size_t)hl + n + 7, &r), 0);
    CHECK_EQ(r.status, 413);
    j = body_json(&r);
    CHECK_EQ(err_code(j), RPCS_LIMIT_EXCEEDED);
    json_decref(j);
    free(r.body);
    check_alive(port);

    /* exactly at the limit is accepted */
    CHECK_EQ(http_req(port, "POST", "/", "application/json", body, BODY_LIMIT, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, "\"result\":3") != NULL);
    free(r.body);
    /* a nonsense Content-Length */
    CHECK_EQ(http_raw(port,
                      "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                      "application/json\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                      strlen("POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                             "application/json\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
                      &r),
             0);
    CHECK(r.status == 413 || r.status == 400);
    free(r.body);
    free(chunked);
    free(body);
    check_alive(port);
}

static void test_health(uint16_t port)
{
    http_resp r;
    CHECK_EQ(http_req(port, "GET", "/health", NULL, "", 0, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    json_t *j = body_json(&r);
    CHECK(strcmp(json_string_value(json_object_get(j, "status")), "ok") == 0);
    CHECK(strcmp(json_string_value(json_object_get(j, "chain")), "test") == 0);
    json_decref(j);
    free(r.body);
    atomic_store(&g_healthy, 0);
    CHECK_EQ(http_req(port, "GET", "/health", NULL, "", 0, NULL, &r), 0);
    CHECK_EQ(r.status, 503);
    j = body_json(&r);
    CHECK(strcmp(json_string_value(json_object_get(j, "status")), "unavailable") == 0);
    json_decref(j);
    free(r.body);
    atomic_store(&g_healthy, 1);
}

/* Returns the value of the sample whose line starts with name_labels, or -1. */
static long long metric(const char *text, const char *name_labels)
{
    size_t n = strlen(name_labels);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name_labels, n) == 0 && p[n] == ' ')
            return strtoll(p + n + 1, NULL, 10);
    }
    return -1;
}

/* Every line is a comment or "name{labels} value" with a number. */
static int exposition_ok(const char *text)
{
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        if (!e)
            return 0; /* the format ends every line with \n */
        if (*p != '#') {
            const char *sp = memchr(p, ' ', (size_t)(e - p));
            if (!sp || sp == p)
                return 0;
            char *end;
            strtod(sp + 1, &end);
            if (end != e)
                return 0;
        }
        p = e + 1;
    }
    return 1;
}

static void test_metrics(void)
{
    rpcs_server *s = start_server(2);
    uint16_t port = rpcs_port(s);
    http_resp r;
    for (int i = 0; i < 3; i++)
        check_alive(port);
    CHECK_EQ(post(port, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1],\"id\":1}", &r), 0);
    free(r.body);
    CHECK_EQ(post(port, "{\"jsonrpc\":\"2.0\",\"method\":\"zz\",\"id\":1}", &r), 0);
    free(r.body);
    CHECK_EQ(post(port, "{", &r), 0);
    free(r.body);
    CHECK_EQ(http_req(port, "POST", "/", "text/plain", "{}", 2, NULL, &r), 0);
    free(r.body);

    CHECK_EQ(http_req(port, "GET", "/metrics", NULL, "", 0, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.head, "Content-Type: text/plain; version=0.0.4") != NULL);
    CHECK_MSG(exposition_ok(r.body), "bad exposition:\n%s", r.body);
    CHECK_EQ(metric(r.body, "zkgate_rpc_calls_total{method=\"add\",outcome=\"ok\"}"), 3);
    CHECK_EQ(metric(r.body, "zkgate_rpc_calls_total{method=\"add\",outcome=\"error\"}"), 1);
    CHECK_EQ(metric(r.body, "zkgate_rpc_calls_total{method=\"echo\",outcome=\"ok\"}"), 0);
    CHECK_EQ(metric(r.body, "zkgate_rpc_calls_total{method=\"(unknown)\",outcome=\"error\"}"), 1);
    CHECK_EQ(metric(r.body, "zkgate_rpc_calls_total{method=\"(invalid)\",outcome=\"error\"}"), 1);
    CHECK_EQ(metric(r.body, "zkgate_rpc_errors_total{code=\"-32602\"}"), 1);
    CHECK_EQ(metric(r.body, "zkgate_rpc_errors_total{code=\"-32601\"}"), 1);
    CHECK_EQ(metric(r.body, "zkgate_rpc_errors_total{code=\"-32700\"}"), 1);
    CHECK_EQ(metric(r.body, "zkgate_rpc_errors_total{code=\"-32600\"}"), 1);
    CHECK_EQ(metric(r.body, "zkgate_rpc_http_responses_total{status=\"200\"}"), 6);
    CHECK_EQ(metric(r.body, "zkgate_rpc_http_responses_total{status=\"415\"}"), 1);
    CHECK(metric(r.body, "zkgate_rpc_bytes_in_total") > 100);
    CHECK(metric(r.body, "zkgate_rpc_bytes_out_total") > 100);
    CHECK_EQ(metric(r.body, "zkgate_rpc_in_flight"), 1); /* this scrape */
    CHECK_EQ(metric(r.body, "test_custom_total"), 42);
    CHECK(strstr(r.body, "# TYPE zkgate_rpc_calls_total counter") != NULL);
    CHECK(strstr(r.body, "# TYPE zkgate_rpc_in_flight gauge") != NULL);
    free(r.body);
    rpcs_free(s);
}

/* ---- auth ------------------------------------------------------------------------------- */

static int auth_cb(void *ctx, const char *authz, const char *method, rpcs_auth *out)
{
    if (authz && strcmp(authz, "Bearer admin-s3cret") == 0) {
        strcpy(out->subject, "admin");
        out->roles = 3;
        return RPCS_AUTH_ALLOW;
    }
    if (authz && strcmp(authz, "Bearer reader-s3cret") == 0) {
        if (strcmp(method, "add") && strcmp(method, "whoami"))
            return RPCS_AUTH_DENY;
        strcpy(out->subject, "reader");
        out->roles = 1;
        return RPCS_AUTH_ALLOW;
    }
    return RPCS_AUTH_UNAUTHENTICATED;
}

static char g_logpath[] = "/tmp/zk_rpc_test_log_XXXXXX";
static int g_logfd = -1;

static void test_auth(void)
{
    rpcs_config cfg;
    rpcs_config_default(&cfg);
    rpcs_server *s = NULL;
    CHECK_OK(rpcs_new(&s, &cfg));
    register_all(s);
    CHECK_OK(rpcs_set_auth(s, auth_cb, NULL));
    CHECK_OK(rpcs_start(s));
    uint16_t port = rpcs_port(s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    int before = atomic_load(&g_count);

    /* no credentials: HTTP 401, nothing runs */
    http_resp r;
    CHECK_EQ(post(port, "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":1}", &r), 0);
    CHECK_EQ(r.status, 401);
    CHECK(strstr(r.head, "WWW-Authenticate: Bearer") != NULL);
    json_t *j = body_json(&r);
    CHECK_EQ(err_code(j), RPCS_UNAUTHORIZED);
    CHECK(strcmp(err_msg(j), "unauthorized") == 0);
    json_decref(j);
    free(r.body);
    CHECK_EQ(atomic_load(&g_count), before);

    /* a wrong token: the client sees -32001 with HTTP 401 */
    rpcc_options o;
    rpcc_options_default(&o);
    o.bearer_token = "wrong-token";
    rpcc_client *c = NULL;
    CHECK_OK(rpcc_new(&c, url, &o));
    json_t *res = NULL;
    rpcc_error e = {0};
    CHECK_ERR(rpcc_call(c, "whoami", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, RPCS_UNAUTHORIZED);
    CHECK_EQ(e.http_status, 401);
    rpcc_free(c);

    /* a reader may call some methods and not others */
    o.bearer_token = "reader-s3cret";
    CHECK_OK(rpcc_new(&c, url, &o));
    CHECK_OK(rpcc_call(c, "whoami", NULL, &res, &e));
    CHECK(strcmp(json_string_value(json_object_get(res, "subject")), "reader") == 0);
    CHECK_EQ(json_integer_value(json_object_get(res, "roles")), 1);
    json_decref(res);
    CHECK_ERR(rpcc_call(c, "count", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, RPCS_UNAUTHORIZED);
    CHECK_EQ(e.http_status, 200);
    CHECK_EQ(atomic_load(&g_count), before);
    /* even an unknown method is refused rather than revealed */
    CHECK_ERR(rpcc_call(c, "secret_admin_thing", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, RPCS_UNAUTHORIZED);
    rpcc_free(c);

    /* in a batch each call gets its own verdict */
    CHECK_EQ(http_req(port, "POST", "/", "application/json",
                      "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,1],\"id\":1},"
                      "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":2}]",
                      strlen("[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,1],\"id\":1},"
                             "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":2}]"),
                      "Authorization: Bearer reader-s3cret\r\n", &r),
             0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK_EQ(json_integer_value(json_object_get(by_id(j, 1), "result")), 2);
    CHECK_EQ(err_code(by_id(j, 2)), RPCS_UNAUTHORIZED);
    json_decref(j);
    free(r.body);
    CHECK_EQ(atomic_load(&g_count), before);

    o.bearer_token = "admin-s3cret";
    CHECK_OK(rpcc_new(&c, url, &o));
    CHECK_OK(rpcc_call(c, "count", NULL, &res, &e));
    json_decref(res);
    CHECK_OK(rpcc_call(c, "whoami", NULL, &res, &e));
    CHECK(strcmp(json_string_value(json_object_get(res, "subject")), "admin") == 0);
    json_decref(res);
    rpcc_free(c);
    CHECK_EQ(atomic_load(&g_count), before + 1);
    rpcs_free(s);

    /* every denial was logged, and no token reached the log */
    zk_buf log;
    zk_buf_init(&log, 1 << 24);
    CHECK_OK(zk_read_file(&log, g_logpath));
    CHECK_OK(zk_buf_push(&log, 0));
    const char *text = (const char *)log.data;
    int denials = 0;
    for (const char *p = text; (p = strstr(p, "rpc.auth_denied")); p++)
        denials++;
    CHECK_EQ(denials, 5);
    CHECK(strstr(text, "WARN rpc.auth_denied method=count reason=unauthenticated") != NULL);
    CHECK(strstr(text, "reason=forbidden") != NULL);
    CHECK(strstr(text, "s3cret") == NULL);
    CHECK(strstr(text, "wrong-token") == NULL);
    zk_buf_free(&log);
}

/* ---- concurrency ------------------------------------------------------------------------ */

typedef struct worker {
    uint16_t port;
    uint64_t seed;
    int ok;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", w->port);
    rpcc_client *c = NULL;
    if (rpcc_new(&c, url, NULL) != ZK_OK)
        return NULL;
    uint64_t x = w->seed;
    for (int i = 0; i < 200; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        json_int_t a = (json_int_t)(x >> 34), b = (json_int_t)((x >> 4) & 0x3fffffff);
        json_t *p = json_pack("[I,I]", a, b);
        json_t *res = NULL;
        rpcc_error e = {0};
        if (rpcc_call(c, "add", p, &res, &e) == ZK_OK && json_integer_value(res) == a + b)
            w->ok++;
        json_decref(res);
        json_decref(p);
        rpcc_error_clear(&e);
    }
    rpcc_free(c);
    return NULL;
}

static void test_concurrent(unsigned threads)
{
    rpcs_server *s = start_server(threads);
    worker w[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){.port = rpcs_port(s), .seed = t_rand(), .ok = 0};
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        total += w[i].ok;
    }
    CHECK_EQ(total, 8 * 200);
    rpcs_free(s);
}

/* A client that sends half a request is cut off after the idle timeout, and the
 * server goes on serving. */
static void test_idle_timeout(uint16_t port)
{
    int fd = connect_local(port);
    CHECK(fd >= 0);
    const char *partial = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: appl";
    CHECK(send(fd, partial, strlen(partial), MSG_NOSIGNAL) > 0);
    check_alive(port);
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf, 0); /* returns when the server closes (2 s) */
    CHECK(n <= 0 || (n > 0 && strncmp(buf, "HTTP/1.1 4", 10) == 0));
    close(fd);
    check_alive(port);
}

int main(void)
{
    t_seed();
    g_logfd = mkstemp(g_logpath);
    if (g_logfd < 0)
        return 1;
    zk_log_set_fd(g_logfd);
    zk_log_set_level(ZK_LOG_INFO);

    test_config();
    test_getters();
    rpcs_server *s = start_server(0);
    uint16_t port = rpcs_port(s);
    test_valid_calls(port);
    test_params(port);
    test_ids_and_notifications(port);
    test_batch(port);
    test_malformed(port);
    test_random_bodies(port);
    test_http_level(port);
    test_body_limit(port);
    test_health(port);
    test_idle_timeout(port);
    rpcs_free(s);
    test_metrics();
    test_auth();
    test_batch_handler();
    test_concurrent(0);
    test_concurrent(4);

    zk_log_set_fd(2);
    close(g_logfd);
    unlink(g_logpath);
    return t_report("test_rpc_server");
}
