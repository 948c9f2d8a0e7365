/* common/config: every kind of bad file gives an error naming the key. */
#include <stdio.h>
#include <unistd.h>

#include "common/config.h"
#include "common/error.h"
#include "tests/test.h"

typedef struct conf {
    char name[16];
    int64_t port;
    int verbose;
    double ratio;
    struct {
        char addr[32];
        int64_t timeout_s;
    } rpc;
    uint8_t salt[4];
} conf;

static const cfg_field k_rpc[] = {
    {"addr", CFG_T_STRING, 1, offsetof(conf, rpc.addr), sizeof(((conf *)0)->rpc.addr), 0, 0, NULL,
     "listen address"},
    {"timeout_s", CFG_T_INT, 0, offsetof(conf, rpc.timeout_s), 0, 1, 3600, NULL, "timeout"},
    CFG_END,
};
static const cfg_field k_spec[] = {
    {"name", CFG_T_STRING, 1, offsetof(conf, name), sizeof(((conf *)0)->name), 0, 0, NULL, ""},
    {"port", CFG_T_INT, 0, offsetof(conf, port), 0, 0, 65535, NULL, ""},
    {"verbose", CFG_T_BOOL, 0, offsetof(conf, verbose), 0, 0, 0, NULL, ""},
    {"ratio", CFG_T_DOUBLE, 0, offsetof(conf, ratio), 0, 0, 10, NULL, ""},
    {"rpc", CFG_T_OBJECT, 0, 0, 0, 0, 0, k_rpc, ""},
    {"salt", CFG_T_HEX, 0, offsetof(conf, salt), 4, 0, 0, NULL, ""},
    CFG_END,
};

static conf defaults(void)
{
    conf c = {.port = 8545, .ratio = 1.5, .rpc.timeout_s = 30};
    snprintf(c.rpc.addr, sizeof c.rpc.addr, "127.0.0.1:1");
    return c;
}

/* Loads text and expects an error whose detail contains want. */
static void expect_bad(const char *json, const char *want)
{
    conf c = defaults();
    int rc = cfg_load_string(k_spec, &c, json, strlen(json), "t.json");
    CHECK_MSG(rc == ZK_ERR_CONFIG || rc == ZK_ERR_TOO_LARGE, "%s -> rc %d", json, rc);
    CHECK_MSG(strstr(zk_err_detail(), want) != NULL, "%s: detail '%s' lacks '%s'", json,
              zk_err_detail(), want);
    CHECK_MSG(strstr(zk_err_detail(), "t.json") != NULL, "detail names the file: %s",
              zk_err_detail());
}

static void test_good(void)
{
    conf c = defaults();
    const char *j = "{\"name\":\"devnet\",\"verbose\":true,\"rpc\":{\"addr\":\"127.0.0.1:9\"},"
                    "\"salt\":\"0x01020304\",\"ratio\":2}";
    CHECK_OK(cfg_load_string(k_spec, &c, j, strlen(j), "t.json"));
    CHECK(strcmp(c.name, "devnet") == 0);
    CHECK_EQ(c.port, 8545); /* default kept */
    CHECK_EQ(c.verbose, 1);
    CHECK(c.ratio == 2.0);
    CHECK(strcmp(c.rpc.addr, "127.0.0.1:9") == 0);
    CHECK_EQ(c.rpc.timeout_s, 30);
    CHECK_EQ(c.salt[3], 4);

    /* flags override the file */
    CHECK_OK(cfg_set(k_spec, &c, "rpc.timeout_s", "99", "--timeout"));
    CHECK_EQ(c.rpc.timeout_s, 99);
    CHECK_OK(cfg_set(k_spec, &c, "port", "0x10", "--port"));
    CHECK_EQ(c.port, 16);
    CHECK_OK(cfg_set(k_spec, &c, "verbose", "false", "--verbose"));
    CHECK_EQ(c.verbose, 0);
    CHECK_ERR(cfg_set(k_spec, &c, "rpc.timeout_s", "0", "--timeout"), ZK_ERR_CONFIG);
    CHECK(strstr(zk_err_detail(), "out of range") && strstr(zk_err_detail(), "--timeout"));
    CHECK_ERR(cfg_set(k_spec, &c, "rpc.nope", "1", "--x"), ZK_ERR_CONFIG);
    CHECK(strstr(zk_err_detail(), "rpc.nope") != NULL);
    CHECK_ERR(cfg_set(k_spec, &c, "port", "12ab", "--port"), ZK_ERR_CONFIG);
    CHECK_ERR(cfg_set(k_spec, &c, "verbose", "yes", "--v"), ZK_ERR_CONFIG);
    CHECK_ERR(cfg_set(k_spec, &c, "name.x", "1", "--v"), ZK_ERR_CONFIG);
    CHECK_ERR(cfg_set(k_spec, &c, "rpc", "1", "--v"), ZK_ERR_CONFIG);
    CHECK_ERR(cfg_set(k_spec, &c, "ratio", "nan", "--r"), ZK_ERR_CONFIG);

    char *dump = cfg_dump(k_spec, &c);
    CHECK(dump && strstr(dump, "\"timeout_s\": 99") && strstr(dump, "<4 bytes>"));
    CHECK(dump && !strstr(dump, "01020304")); /* hex values are never printed */
    free(dump);
}

static void test_bad(void)
{
    expect_bad("{\"name\":\"x\",\"prot\":1}", "'prot' is not known");
    expect_bad("{\"name\":\"x\",\"rpc\":{\"addr\":\"a\",\"timeout\":1}}", "'rpc.timeout'");
    expect_bad("{\"name\":\"x\",\"port\":\"8545\"}", "'port': expected an integer, got a string");
    expect_bad("{\"name\":\"x\",\"port\":8545.5}", "'port': expected an integer");
    expect_bad("{\"name\":\"x\",\"port\":70000}", "'port': 70000 is out of range");
    expect_bad("{\"name\":\"x\",\"verbose\":1}", "'verbose': expected a boolean");
    expect_bad("{\"name\":\"x\",\"rpc\":[]}", "'rpc': expected an object, got an array");
    expect_bad("{\"name\":\"x\",\"rpc\":{}}", "'rpc.addr' is required");
    expect_bad("{\"port\":1}", "'name' is required");
    expect_bad("{\"name\":\"this name is far too long\"}", "'name': string of");
    expect_bad("{\"name\":\"x\",\"salt\":\"0x0102\"}", "'salt': expected 0x and 4 hex bytes");
    expect_bad("{\"name\":\"x\",\"ratio\":11}", "'ratio'");
    expect_bad("{\"name\":\"x\",\"name\":\"y\"}", "duplicate");
    expect_bad("{\"name\":\"x\",", "not valid JSON");
    expect_bad("[1,2]", "top level must be an object");
    expect_bad("", "not valid JSON");
    expect_bad("{\"name\":\"x\\u0000y\"}", "NUL");
}

static void test_file(void)
{
    char path[] = "/tmp/zk_cfg_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *j = "{\n  \"name\": \"f\",\n  \"port\": true\n}\n";
    CHECK(write(fd, j, strlen(j)) == (ssize_t)strlen(j));
    close(fd);
    conf c = defaults();
    CHECK_ERR(cfg_load_file(k_spec, &c, path), ZK_ERR_CONFIG);
    CHECK(strstr(zk_err_detail(), path) && strstr(zk_err_detail(), "'port'"));
    unlink(path);
    CHECK_ERR(cfg_load_file(k_spec, &c, path), ZK_ERR_IO);
    CHECK(strstr(zk_err_detail(), path) != NULL);
}

static void test_hostport(void)
{
    char h[64];
    uint16_t p;
    CHECK_OK(cfg_parse_hostport("127.0.0.1:8545", h, sizeof h, &p));
    CHECK(strcmp(h, "127.0.0.1") == 0 && p == 8545);
    CHECK_OK(cfg_parse_hostport("[::1]:80", h, sizeof h, &p));
    CHECK(strcmp(h, "::1") == 0 && p == 80);
    CHECK_ERR(cfg_parse_hostport("127.0.0.1", h, sizeof h, &p), ZK_ERR_CONFIG);
    CHECK_ERR(cfg_parse_hostport("127.0.0.1:", h, sizeof h, &p), ZK_ERR_CONFIG);
    CHECK_ERR(cfg_parse_hostport(":80", h, sizeof h, &p), ZK_ERR_CONFIG);
    CHECK_ERR(cfg_parse_hostport("h:65536", h, sizeof h, &p), ZK_ERR_CONFIG);
    CHECK_ERR(cfg_parse_hostport("h:-1", h, sizeof h, &p), ZK_ERR_CONFIG);
    CHECK_ERR(cfg_parse_hostport("[::1]80", h, sizeof h, &p), ZK_ERR_CONFIG);
}

int main(void)
{
    t_seed();
    test_good();
    test_bad();
    test_file();
    test_hostport();
    return t_report("test_config");
}
