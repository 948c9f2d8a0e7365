/* common/log (text and JSON lines, escaping, levels) and common/par (every index
 * visited exactly once, nested calls, thread counts). */
#include <jansson.h>
#include <stdatomic.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "common/par.h"
#include "tests/test.h"

/* Captures what the logger writes through a pipe. */
static int g_pipe[2];

static size_t drain(char *out, size_t cap)
{
    ssize_t n = read(g_pipe[0], out, cap - 1);
    out[n > 0 ? n : 0] = 0;
    return n > 0 ? (size_t)n : 0;
}

static void test_log(void)
{
    char buf[8192];
    CHECK(pipe(g_pipe) == 0);
    zk_log_set_fd(g_pipe[1]);

    zk_log_set_format(ZK_LOG_TEXT);
    zk_log_set_level(ZK_LOG_INFO);
    ZK_INFO("rpc.listen", ZKF_STR("addr", "127.0.0.1"), ZKF_INT("port", 8545),
            ZKF_STR("note", "two words"), ZKF_BOOL("tls", 0), ZKF_UINT("n", 7));
    drain(buf, sizeof buf);
    CHECK(strstr(buf, " INFO rpc.listen addr=127.0.0.1 port=8545 note=\"two words\" tls=false "
                      "n=7\n") != NULL);
    CHECK_EQ(strchr(buf, '\n') - buf + 1, (long long)strlen(buf)); /* one line */

    ZK_DEBUG("hidden", ZKF_INT("x", 1));
    ZK_INFO("no.fields");
    drain(buf, sizeof buf);
    CHECK(strstr(buf, "hidden") == NULL);
    CHECK(strstr(buf, "INFO no.fields\n") != NULL);

    /* a value with a newline cannot forge a second line */
    ZK_WARN("evil", ZKF_STR("v", "a\nERROR forged=1"));
    drain(buf, sizeof buf);
    CHECK(strchr(buf, '\n') == buf + strlen(buf) - 1);

    zk_log_set_format(ZK_LOG_JSON);
    ZK_ERROR("x.y", ZKF_STR("q", "say \"hi\"\n"), ZKF_DBL("r", 0.5), ZKF_STR("nul", NULL),
             ZKF_INT("neg", -3));
    drain(buf, sizeof buf);
    json_error_t e;
    json_t *j = json_loads(buf, 0, &e);
    CHECK_MSG(j != NULL, "log line is JSON: %s", buf);
    if (j) {
        CHECK(strcmp(json_string_value(json_object_get(j, "level")), "error") == 0);
        CHECK(strcmp(json_string_value(json_object_get(j, "event")), "x.y") == 0);
        CHECK(strcmp(json_string_value(json_object_get(j, "q")), "say \"hi\"\n") == 0);
        CHECK(json_real_value(json_object_get(j, "r")) == 0.5);
        CHECK(json_is_null(json_object_get(j, "nul")));
        CHECK_EQ(json_integer_value(json_object_get(j, "neg")), -3);
        CHECK(json_is_string(json_object_get(j, "ts")));
        json_decref(j);
    }
    /* an overlong line is cut, still one line */
    char big[6000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = 0;
    zk_log_set_format(ZK_LOG_TEXT);
    ZK_INFO("big", ZKF_STR("v", big));
    size_t n = drain(buf, sizeof buf);
    CHECK(n <= 4096 && buf[n - 1] == '\n');

    zk_log_level l;
    zk_log_format f;
    CHECK_OK(zk_log_parse_level("debug", &l));
    CHECK_EQ(l, ZK_LOG_DEBUG);
    CHECK_OK(zk_log_parse_level("WARN", &l));
    CHECK_ERR(zk_log_parse_level("loud", &l), ZK_ERR_INVALID_ARG);
    CHECK(strstr(zk_err_detail(), "loud") != NULL);
    CHECK_OK(zk_log_parse_format("json", &f));
    CHECK_ERR(zk_log_parse_format("xml", &f), ZK_ERR_INVALID_ARG);
    zk_log_set_fd(2);
    close(g_pipe[0]);
    close(g_pipe[1]);
}

typedef struct visit {
    atomic_uchar *seen;
    atomic_int inner_calls;
} visit;

static void mark(void *ctx, size_t b, size_t e)
{
    visit *v = ctx;
    for (size_t i = b; i < e; i++)
        atomic_fetch_add(&v->seen[i], 1);
}

static void inner(void *ctx, size_t b, size_t e)
{
    (void)b;
    (void)e;
    atomic_fetch_add(&((visit *)ctx)->inner_calls, 1);
}

static void outer(void *ctx, size_t b, size_t e)
{
    mark(ctx, b, e);
    /* nested: runs serially on this thread, in one call */
    zk_par_for(10, 1, inner, ctx);
}

static void test_par(void)
{
    size_t sizes[] = {0, 1, 2, 7, 1000, 100003};
    for (int threads = 1; threads <= 4; threads++) {
        zk_par_set_threads(threads);
        CHECK(zk_par_threads() >= 1);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            visit v = {.seen = calloc(n + 1, 1)};
            zk_par_for(n, 1 + t_rand() % 64, mark, &v);
            int ok = 1;
            for (size_t i = 0; i < n; i++)
                ok &= v.seen[i] == 1;
            CHECK_MSG(ok, "n=%zu threads=%d: every index once", n, threads);
            free(v.seen);
        }
        visit v = {.seen = calloc(5000, 1)};
        zk_par_for(5000, 100, outer, &v);
        int ok = 1;
        for (size_t i = 0; i < 5000; i++)
            ok &= v.seen[i] == 1;
        CHECK(ok);
        CHECK(atomic_load(&v.inner_calls) >= 1);
        free(v.seen);
    }
    zk_par_set_threads(0);
}

int main(void)
{
    t_seed();
    test_log();
    test_par();
    return t_report("test_log_par");
}
