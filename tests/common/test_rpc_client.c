/* Unit tests for common/rpc_client: a scripted HTTP peer on 127.0.0.1 that answers
 * each connection as told (errors, delays, oversized or malformed answers), a socket
 * that listens but never answers, and the real rpc_server. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "common/rpc_client.h"
#include "common/rpc_server.h"
#include "tests/test.h"

/* ---- a scripted peer ------------------------------------------------------------------- */

enum { R_HTTP = 0, R_CLOSE }; /* answer, or close without a byte */

typedef struct reply {
    int kind;
    int status;
    const char *headers; /* extra header lines, each ending in \r\n */
    const char *body;    /* "%ID%" is replaced by the request's id */
    size_t pad;          /* bytes of spaces after the body */
    int no_length;       /* no Content-Length: the body ends when the connection closes */
} reply;

typedef struct peer {
    int lfd;
    uint16_t port;
    pthread_t th;
    const reply *script;
    size_t n_script; /* connection i gets script[min(i, n-1)] */
    atomic_int conns;
    char auth[256]; /* Authorization header of the last request */
    char last_body[1024];
} peer;

static int listen_local(uint16_t *port, int backlog)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

/* Reads one request; returns its body (NUL-terminated in buf) or NULL. */
static char *read_request(int fd, char *buf, size_t cap, peer *p)
{
    size_t used = 0;
    char *hend = NULL;
    while (!hend) {
        if (used + 1 >= cap)
            return NULL;
        ssize_t n = recv(fd, buf + used, cap - 1 - used, 0);
        if (n <= 0)
            return NULL;
        used += (size_t)n;
        buf[used] = 0;
        hend = strstr(buf, "\r\n\r\n");
    }
    size_t cl = 0;
    const char *h = strcasestr(buf, "\r\nContent-Length:");
    if (h)
        cl = strtoul(h + 17, NULL, 10);
    const char *a = strcasestr(buf, "\r\nAuthorization: ");
    if (a) {
        const char *e = strstr(a + 2, "\r\n");
        snprintf(p->auth, sizeof p->auth, "%.*s", (int)(e - a - 17), a + 17);
    }
    char *body = hend + 4;
    while ((size_t)(buf + used - body) < cl && used + 1 < cap) {
        ssize_t n = recv(fd, buf + used, cap - 1 - used, 0);
        if (n <= 0)
            return NULL;
        used += (size_t)n;
    }
    buf[used] = 0;
    snprintf(p->last_body, sizeof p->last_body, "%s", body);
    return body;
}

static void *peer_main(void *arg)
{
    peer *p = arg;
    for (;;) {
        int fd = accept(p->lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        int i = atomic_fetch_add(&p->conns, 1);
        const reply *r = &p->script[(size_t)i < p->n_script ? (size_t)i : p->n_script - 1];
        char req[8192];
        char *body = read_request(fd, req, sizeof req, p);
        if (!body || r->kind == R_CLOSE) {
            close(fd);
            continue;
        }
        json_t *j = json_loads(body, 0, NULL);
        char id[32] = "null";
        json_t *jid = json_object_get(j, "id");
        if (json_is_integer(jid))
            snprintf(id, sizeof id, "%lld", (long long)json_integer_value(jid));
        json_decref(j);
        char text[2048] = "";
        const char *b = r->body ? r->body : "";
        const char *ph = strstr(b, "%ID%");
        if (ph)
            snprintf(text, sizeof text, "%.*s%s%s", (int)(ph - b), b, id, ph + 4);
        else
            snprintf(text, sizeof text, "%s", b);
        size_t blen = strlen(text) + r->pad;
        char head[1024];
        int hl;
        if (r->no_length)
            hl = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nConnection: close\r\n%s\r\n",
                          r->status, r->headers ? r->headers : "");
        else
            hl = snprintf(head, sizeof head,
                          "HTTP/1.1 %d X\r\nConnection: close\r\nContent-Length: %zu\r\n%s\r\n",
                          r->status, blen, r->headers ? r->headers : "");
        send_all(fd, head, (size_t)hl);
        send_all(fd, text, strlen(text));
        char spaces[4096];
        memset(spaces, ' ', sizeof spaces);
        for (size_t left = r->pad; left;) {
            size_t k = left < sizeof spaces ? left : sizeof spaces;
            send_all(fd, spaces, k);
            left -= k;
        }
        close(fd);
    }
}

static void peer_start(peer *p, const reply *script, size_t n)
{
    memset(p, 0, sizeof *p);
    p->script = script;
    p->n_script = n;
    p->lfd = listen_local(&p->port, 16);
    if (p->lfd < 0)
        exit(1);
    pthread_create(&p->th, NULL, peer_main, p);
}

static void peer_stop(peer *p)
{
    shutdown(p->lfd, SHUT_RDWR); /* wakes the blocked accept */
    pthread_join(p->th, NULL);
    close(p->lfd);
}

static rpcc_client *client_for(uint16_t port, unsigned retries, long timeout_ms, size_t max_resp)
{
    rpcc_options o;
    rpcc_options_default(&o);
    o.max_retries = retries;
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 40;
    o.timeout_ms = timeout_ms;
    o.max_response_bytes = max_resp;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    rpcc_client *c = NULL;
    CHECK_OK(rpcc_new(&c, url, &o));
    if (!c)
        exit(1);
    return c;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define OK_BODY "{\"jsonrpc\":\"2.0\",\"result\":{\"v\":7},\"id\":%ID%}"

/* Runs one call against a scripted peer and checks the outcome. */
static void scripted(const char *what, const reply *script, size_t n, unsigned retries,
                     size_t max_resp, int want_rc, unsigned want_attempts)
{
    peer p;
    peer_start(&p, script, n);
    rpcc_client *c = client_for(p.port, retries, 5000, max_resp);
    json_t *res = NULL;
    rpcc_error e = {0};
    int rc = rpcc_call(c, "m", NULL, &res, &e);
    CHECK_MSG(rc == want_rc, "%s: rc %d (%s), wanted %d", what, rc, zk_err_detail(), want_rc);
    CHECK_MSG(rpcc_last_attempts(c) == want_attempts, "%s: %u attempts, wanted %u", what,
              rpcc_last_attempts(c), want_attempts);
    CHECK_EQ(atomic_load(&p.conns), (int)want_attempts);
    if (want_rc == ZK_OK)
        CHECK_EQ(json_integer_value(json_object_get(res, "v")), 7);
    else
        CHECK(res == NULL);
    json_decref(res);
    rpcc_error_clear(&e);
    rpcc_free(c);
    peer_stop(&p);
}

static void test_retries(void)
{
    const reply ok = {R_HTTP, 200, NULL, OK_BODY, 0, 0};
    const reply e503 = {R_HTTP, 503, NULL, "busy", 0, 0};
    const reply e502 = {R_HTTP, 502, NULL, "<html>bad gateway</html>", 0, 0};
    const reply e500j = {R_HTTP,
                         500,
                         NULL,
                         "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32603,\"message\":\"x\"},"
                         "\"id\":%ID%}",
                         0,
                         0};
    const reply e429 = {R_HTTP, 429, "Retry-After: 0\r\n", "", 0, 0};
    const reply hangup = {R_CLOSE, 0, NULL, NULL, 0, 0};
    const reply e404 = {R_HTTP, 404, NULL, "not here", 0, 0};
    const reply e400 = {R_HTTP, 400, NULL, "bad", 0, 0};
    const reply rpc_err = {R_HTTP,
                           200,
                           NULL,
                           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32050,\"message\":\"nope\","
                           "\"data\":[1,2]},\"id\":%ID%}",
                           0,
                           0};

    scripted("503 then ok", (reply[]){e503, e503, ok}, 3, 3, 1 << 20, ZK_OK, 3);
    scripted("502 then ok", (reply[]){e502, ok}, 2, 3, 1 << 20, ZK_OK, 2);
    /* a JSON-RPC error sent with HTTP 500 is an answer, not a transient failure */
    scripted("500 with a JSON-RPC error", (reply[]){e500j, ok}, 2, 3, 1 << 20, ZK_ERR_RPC, 1);
    scripted("503 until out of retries", (reply[]){e503}, 1, 2, 1 << 20, ZK_ERR_NETWORK, 3);
    scripted("429 then ok", (reply[]){e429, ok}, 2, 2, 1 << 20, ZK_OK, 2);
    scripted("429 until out of retries", (reply[]){e429}, 1, 1, 1 << 20, ZK_ERR_BUSY, 2);
    scripted("hang-up then ok", (reply[]){hangup, ok}, 2, 2, 1 << 20, ZK_OK, 2);
    scripted("no retries configured", (reply[]){e503, ok}, 2, 0, 1 << 20, ZK_ERR_NETWORK, 1);
    /* never retried */
    scripted("404", (reply[]){e404, ok}, 2, 3, 1 << 20, ZK_ERR_NETWORK, 1);
    scripted("400", (reply[]){e400, ok}, 2, 3, 1 << 20, ZK_ERR_NETWORK, 1);
    scripted("JSON-RPC error", (reply[]){rpc_err, ok}, 2, 3, 1 << 20, ZK_ERR_RPC, 1);
}

static void test_rpc_error_answer(void)
{
    const reply rpc_err = {R_HTTP,
                           200,
                           NULL,
                           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32050,\"message\":\"nope\","
                           "\"data\":[1,2]},\"id\":%ID%}",
                           0,
                           0};
    peer p;
    peer_start(&p, &rpc_err, 1);
    rpcc_client *c = client_for(p.port, 3, 5000, 1 << 20);
    json_t *res = NULL;
    rpcc_error e = {0};
    CHECK_ERR(rpcc_call(c, "m", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, -32050);
    CHECK(strcmp(e.message, "nope") == 0);
    CHECK_EQ(json_array_size(e.data), 2);
    CHECK_EQ(e.http_status, 200);
    CHECK(strstr(zk_err_detail(), "-32050") != NULL);
    /* err is cleared at the start of the next call */
    CHECK_ERR(rpcc_call(c, "m", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(json_array_size(e.data), 2);
    rpcc_error_clear(&e);
    CHECK(e.data == NULL && e.code == 0);
    /* err may be NULL: the code is still in the detail */
    CHECK_ERR(rpcc_call(c, "m", NULL, &res, NULL), ZK_ERR_RPC);
    rpcc_free(c);
    peer_stop(&p);
}

static void test_bad_answers(void)
{
    const reply wrong_id = {R_HTTP, 200, NULL, "{\"jsonrpc\":\"2.0\",\"result\":1,\"id\":99999}",
                            0,      0};
    const reply not_json = {R_HTTP, 200, NULL, "<html>", 0, 0};
    const reply no_ver = {R_HTTP, 200, NULL, "{\"result\":1,\"id\":%ID%}", 0, 0};
    const reply neither = {R_HTTP, 200, NULL, "{\"jsonrpc\":\"2.0\",\"id\":%ID%}", 0, 0};
    const reply bad_code = {R_HTTP,
                            200,
                            NULL,
                            "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":\"x\",\"message\":\"m\"},"
                            "\"id\":%ID%}",
                            0,
                            0};
    const reply array = {R_HTTP, 200, NULL, "[]", 0, 0};
    const reply dup = {
        R_HTTP, 200, NULL, "{\"jsonrpc\":\"2.0\",\"result\":1,\"result\":2,\"id\":%ID%}", 0, 0};
    scripted("wrong id", &wrong_id, 1, 2, 1 << 20, ZK_ERR_PARSE, 1);
    scripted("not JSON", &not_json, 1, 2, 1 << 20, ZK_ERR_PARSE, 1);
    scripted("no jsonrpc member", &no_ver, 1, 2, 1 << 20, ZK_ERR_PARSE, 1);
    scripted("neither result nor error", &neither, 1, 2, 1 << 20, ZK_ERR_PARSE, 1);
    scripted("non-integer error code", &bad_code, 1, 2, 1 << 20, ZK_ERR_PARSE, 1);
    scripted("array answer", &array, 1, 2, 1 << 20, ZK_ERR_PARSE, 1);
    scripted("duplicate keys", &dup, 1, 2, 1 << 20, ZK_ERR_PARSE, 1);
}

static void test_size_limit(void)
{
    /* announced by Content-Length */
    const reply big = {R_HTTP, 200, NULL, OK_BODY, 100000, 0};
    scripted("large with length", &big, 1, 2, 4096, ZK_ERR_TOO_LARGE, 1);
    /* only found while reading: the write callback stops the transfer */
    const reply big_nolen = {R_HTTP, 200, NULL, OK_BODY, 100000, 1};
    scripted("large without length", &big_nolen, 1, 2, 4096, ZK_ERR_TOO_LARGE, 1);
    /* just under the cap passes (JSON allows trailing spaces) */
    const reply fits = {R_HTTP, 200, NULL, OK_BODY, 1000, 1};
    scripted("fits", &fits, 1, 2, 4096, ZK_OK, 1);
}

static void test_timeout(void)
{
    /* listens, so connecting succeeds, but never accepts or answers */
    uint16_t port;
    int fd = listen_local(&port, 8);
    CHECK(fd >= 0);
    rpcc_client *c = client_for(port, 3, 300, 1 << 20);
    json_t *res = NULL;
    double t0 = now_s();
    CHECK_ERR(rpcc_call(c, "m", NULL, &res, NULL), ZK_ERR_TIMEOUT);
    double dt = now_s() - t0;
    CHECK_MSG(dt >= 0.25 && dt < 5.0, "timeout took %.3f s", dt); /* loose: shared CI machines */
    /* the request reached the server, so it is not retried */
    CHECK_EQ(rpcc_last_attempts(c), 1);
    CHECK(strstr(zk_err_detail(), "127.0.0.1") != NULL);
    rpcc_free(c);
    close(fd);
}

static void test_refused(void)
{
    uint16_t port;
    int fd = listen_local(&port, 1);
    close(fd); /* nobody listens there now */
    rpcc_client *c = client_for(port, 2, 1000, 1 << 20);
    json_t *res = NULL;
    CHECK_ERR(rpcc_call(c, "m", NULL, &res, NULL), ZK_ERR_NETWORK);
    CHECK_EQ(rpcc_last_attempts(c), 3);
    rpcc_free(c);
}

static void test_options_and_token(void)
{
    rpcc_client *c = NULL;
    rpcc_options o;
    rpcc_options_default(&o);
    CHECK_ERR(rpcc_new(&c, "ftp://127.0.0.1/", &o), ZK_ERR_INVALID_ARG);
    CHECK_ERR(rpcc_new(&c, "127.0.0.1:80", &o), ZK_ERR_INVALID_ARG);
    CHECK_ERR(rpcc_new(&c, NULL, &o), ZK_ERR_INVALID_ARG);
    o.timeout_ms = 0;
    CHECK_ERR(rpcc_new(&c, "http://127.0.0.1/", &o), ZK_ERR_INVALID_ARG);
    rpcc_options_default(&o);
    o.max_response_bytes = 0;
    CHECK_ERR(rpcc_new(&c, "http://127.0.0.1/", &o), ZK_ERR_INVALID_ARG);
    rpcc_options_default(&o);
    o.bearer_token = "a\r\nX-Injected: 1";
    CHECK_ERR(rpcc_new(&c, "http://127.0.0.1/", &o), ZK_ERR_INVALID_ARG);
    CHECK(c == NULL);
    rpcc_free(NULL);
    rpcc_error_clear(NULL);

    const reply ok = {R_HTTP, 200, NULL, OK_BODY, 0, 0};
    peer p;
    peer_start(&p, &ok, 1);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", p.port);
    rpcc_options_default(&o);
    char token[] = "tok-123";
    o.bearer_token = token;
    CHECK_OK(rpcc_new(&c, url, &o));
    memset(token, 'z', sizeof token - 1); /* the client keeps its own copy */
    json_t *res = NULL;
    json_t *params = json_pack("[s,i]", "x", 5);
    CHECK_OK(rpcc_call(c, "m.x", params, &res, NULL));
    CHECK(strcmp(p.auth, "Bearer tok-123") == 0);
    /* the request is well formed, and params were borrowed, not stolen */
    json_t *sent = json_loads(p.last_body, 0, NULL);
    CHECK(strcmp(json_string_value(json_object_get(sent, "jsonrpc")), "2.0") == 0);
    CHECK(strcmp(json_string_value(json_object_get(sent, "method")), "m.x") == 0);
    CHECK(json_equal(json_object_get(sent, "params"), params));
    CHECK(json_is_integer(json_object_get(sent, "id")));
    CHECK_EQ(params->refcount, 1);
    json_decref(sent);
    json_decref(res);
    /* bad params type is refused before anything is sent */
    json_t *scalar = json_integer(1);
    CHECK_ERR(rpcc_call(c, "m", scalar, &res, NULL), ZK_ERR_INVALID_ARG);
    json_decref(scalar);
    CHECK_ERR(rpcc_call(c, NULL, NULL, &res, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(rpcc_call(c, "m", NULL, NULL, NULL), ZK_ERR_INVALID_ARG);
    /* without params the member is left out */
    CHECK_OK(rpcc_call(c, "m", NULL, &res, NULL));
    sent = json_loads(p.last_body, 0, NULL);
    CHECK(json_object_get(sent, "params") == NULL);
    json_decref(sent);
    json_decref(res);
    json_decref(params);
    rpcc_free(c);
    peer_stop(&p);

    /* credentials in the URL never appear in error details */
    uint16_t port;
    int fd = listen_local(&port, 1);
    close(fd);
    snprintf(url, sizeof url, "http://user:pa55word@127.0.0.1:%u/", port);
    rpcc_options_default(&o);
    o.max_retries = 0;
    CHECK_OK(rpcc_new(&c, url, &o));
    CHECK_ERR(rpcc_call(c, "m", NULL, &res, NULL), ZK_ERR_NETWORK);
    CHECK(strstr(zk_err_detail(), "pa55word") == NULL);
    CHECK(strstr(zk_err_detail(), "127.0.0.1") != NULL);
    rpcc_free(c);
}

/* ---- against the real server ----------------------------------------------------------- */

static json_t *h_big(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    uint64_t n;
    if (rpcs_param_uint64(params, 0, "n", &n, err))
        return NULL;
    if (n > (1u << 20))
        return rpcs_param_error(err, 0, "n", "at most 1 MiB");
    char *s = malloc(n + 1);
    memset(s, 'y', n);
    s[n] = 0;
    json_t *r = json_string(s);
    free(s);
    return r;
}

static void test_real_server(void)
{
    rpcs_config cfg;
    rpcs_config_default(&cfg);
    rpcs_server *s = NULL;
    CHECK_OK(rpcs_new(&s, &cfg));
    CHECK_OK(rpcs_register(s, "big", h_big, NULL));
    CHECK_OK(rpcs_start(s));
    rpcc_client *c = client_for(rpcs_port(s), 2, 5000, 64 * 1024);
    json_t *res = NULL;
    rpcc_error e = {0};
    json_t *p = json_pack("[i]", 1000);
    CHECK_OK(rpcc_call(c, "big", p, &res, &e));
    CHECK_EQ(json_string_length(res), 1000);
    json_decref(res);
    json_decref(p);
    p = json_pack("[i]", 100000);
    CHECK_ERR(rpcc_call(c, "big", p, &res, &e), ZK_ERR_TOO_LARGE);
    CHECK_EQ(rpcc_last_attempts(c), 1);
    json_decref(p);
    /* the client recovers after an aborted transfer */
    p = json_pack("[i]", 10);
    CHECK_OK(rpcc_call(c, "big", p, &res, &e));
    json_decref(res);
    json_decref(p);
    CHECK_ERR(rpcc_call(c, "missing", NULL, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, RPCS_METHOD_NOT_FOUND);
    p = json_pack("{s:s}", "n", "many");
    CHECK_ERR(rpcc_call(c, "big", p, &res, &e), ZK_ERR_RPC);
    CHECK_EQ(e.code, RPCS_INVALID_PARAMS);
    CHECK(strstr(e.message, "param 'n'") != NULL);
    json_decref(p);
    rpcc_error_clear(&e);
    rpcc_free(c);
    rpcs_free(s);
}

int main(void)
{
    t_seed();
    zk_log_set_level(ZK_LOG_ERROR);
    test_retries();
    test_rpc_error_answer();
    test_bad_answers();
    test_size_limit();
    test_timeout();
    test_refused();
    test_options_and_token();
    test_real_server();
    return t_report("test_rpc_client");
}
