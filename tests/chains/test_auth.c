/* Tests for chains/auth: every cell of the policy (public/private x user/shared-read/relay/operator
 * method x no token, wrong token, user, admin and relay token, malformed header),
 * the SHA-256 known answer behind the configured hashes, random token sets that
 * each resolve to their own name, and every configuration error. */
#include "chains/auth.h"

#include <string.h>

#include "common/error.h"
#include "tests/test.h"

enum { ALLOW = RPCS_AUTH_ALLOW, DENY = RPCS_AUTH_DENY, UNAUTH = RPCS_AUTH_UNAUTHENTICATED };

static const char k_user_tok[] = "user-token-for-tests_0123";
static const char k_admin_tok[] = "AdminTokenForTests+/==";
static const char k_relay_tok[] = "relay.token~for~tests";

static cauth_token tok(const char *name, const char *role, const char *token)
{
    cauth_token t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.role, sizeof t.role, "%s", role);
    if (token && cauth_hash_token(t.sha256, token) != ZK_OK)
        fprintf(stderr, "cauth_hash_token(%s): %s\n", name, zk_err_detail());
    return t;
}

static cauth *make(const char *mode, const cauth_token *t, size_t n)
{
    cauth_config c = {.tokens = t, .n_tokens = n};
    snprintf(c.mode, sizeof c.mode, "%s", mode);
    cauth *a = NULL;
    CHECK_OK(cauth_new(&a, &c));
    return a;
}

static void test_hash(void)
{
    char hex[65];
    /* FIPS 180-2, appendix B.1: SHA-256("abc"). */
    CHECK_OK(cauth_hash_token(hex, "abc"));
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    CHECK_ERR(cauth_hash_token(hex, ""), ZK_ERR_INVALID_ARG);
    CHECK_ERR(cauth_hash_token(hex, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(cauth_hash_token(NULL, "abc"), ZK_ERR_INVALID_ARG);
    CHECK_ERR(cauth_hash_token(hex, "two words"), ZK_ERR_INVALID_ARG);
    CHECK(strstr(zk_err_detail(), "two") == NULL); /* a token is never in a detail */
    CHECK_ERR(cauth_hash_token(hex, "a=b"), ZK_ERR_INVALID_ARG);
    CHECK_ERR(cauth_hash_token(hex, "=="), ZK_ERR_INVALID_ARG);
    CHECK_OK(cauth_hash_token(hex, "a=="));
    char big[CAUTH_MAX_TOKEN_LEN + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_ERR(cauth_hash_token(hex, big), ZK_ERR_INVALID_ARG);
    big[CAUTH_MAX_TOKEN_LEN] = '\0';
    CHECK_OK(cauth_hash_token(hex, big));
}

/* Method classes (chains/auth.h). */
enum { M_USER, M_SHARED, M_RELAY, M_OPERATOR, M_CLASSES };

/* Expected verdict of one cell. cred: 0 none, 1 wrong token, 2 user, 3 admin,
 * 4 malformed header, 5 relay. */
static int expected(int private_mode, int cls, int cred)
{
    int open = !private_mode && (cls == M_USER || cls == M_SHARED);
    switch (cred) {
    case 0: return open ? ALLOW : UNAUTH;
    case 1:
    case 4: return UNAUTH;
    case 2: return cls == M_USER || cls == M_SHARED ? ALLOW : DENY;
    case 5: return open || cls == M_SHARED || cls == M_RELAY ? ALLOW : DENY;
    default: return ALLOW;
    }
}

static void test_policy_matrix(void)
{
    cauth_token t[3] = {tok("alice", "user", k_user_tok), tok("gateway", "admin", k_admin_tok),
                        tok("relay-1", "relay", k_relay_tok)};
    char h_user[300], h_admin[300], h_wrong[300], h_relay[300];
    snprintf(h_user, sizeof h_user, "Bearer %s", k_user_tok);
    snprintf(h_admin, sizeof h_admin, "Bearer %s", k_admin_tok);
    snprintf(h_wrong, sizeof h_wrong, "Bearer %sX", k_user_tok);
    snprintf(h_relay, sizeof h_relay, "Bearer %s", k_relay_tok);
    static const char *const malformed[] = {
        "",         "Bearer",    "Bearer ",    "Bearer    ",  "Basic x",   "Basic dXNlcjpwYXNz",
        "Bearer=x", "Token abc", "Bearer a b", "Bearer a\"b", "Bearer ==",
    };
    static const char *const user_methods[] = {
        "eth_sendRawTransaction", "eth_getBalance",   "eth_getTransactionByHash",
        "eth_getBlockByNumber",   "eth_call",         "chain_admi",
        "no_such_method",         "Chain_adminPause", "chain_getmessage"};
    static const char *const shared_methods[] = {
        "chain_getBatch", "chain_getMessage", "chain_getStateCommitment", "chain_getPublicKey",
        "eth_chainId",    "net_version",      "eth_blockNumber"};
    static const char *const relay_methods[] = {"chain_addInteropRoot", "chain_importMessages"};
    static const char *const operator_methods[] = {"chain_admin", "chain_adminPause",
                                                   "chain_admin_setLimits"};
    static const struct {
        const char *const *m;
        size_t n;
    } k_class[M_CLASSES] = {
        {user_methods, sizeof user_methods / sizeof *user_methods},
        {shared_methods, sizeof shared_methods / sizeof *shared_methods},
        {relay_methods, sizeof relay_methods / sizeof *relay_methods},
        {operator_methods, sizeof operator_methods / sizeof *operator_methods},
    };
    for (int pm = 0; pm < 2; pm++) {
        cauth *a = make(pm ? "private" : "public", t, 3);
        if (!a)
            return;
        for (int cls = 0; cls < M_CLASSES; cls++) {
            for (size_t mi = 0; mi < k_class[cls].n; mi++) {
                const char *m = k_class[cls].m[mi];
                for (int cred = 0; cred < 6; cred++) {
                    size_t nh = cred == 4 ? sizeof malformed / sizeof *malformed : 1;
                    for (size_t hi = 0; hi < nh; hi++) {
                        const char *h = cred == 0   ? NULL
                                        : cred == 1 ? h_wrong
                                        : cred == 2 ? h_user
                                        : cred == 3 ? h_admin
                                        : cred == 5 ? h_relay
                                                    : malformed[hi];
                        rpcs_auth out;
                        memset(&out, 0xa5, sizeof out);
                        int v = cauth_check(a, h, m, &out);
                        int want = expected(pm, cls, cred);
                        CHECK_MSG(v == want, "%s mode, %s, cred %d (%s): verdict %d, want %d",
                                  pm ? "private" : "public", m, cred,
                                  cred == 4 ? malformed[hi] : "-", v, want);
                        if (v == ALLOW && cred == 0)
                            CHECK(out.subject[0] == '\0' && out.roles == 0);
                        if (v == ALLOW && cred == 2)
                            CHECK(strcmp(out.subject, "alice") == 0 &&
                                  out.roles == CAUTH_ROLE_USER);
                        if (v == ALLOW && cred == 3)
                            CHECK(strcmp(out.subject, "gateway") == 0 &&
                                  out.roles == (CAUTH_ROLE_USER | CAUTH_ROLE_ADMIN));
                        /* A relay never holds the user or admin bit, so no
                         * handler shows it a member's or an operator's view. */
                        if (v == ALLOW && cred == 5)
                            CHECK(strcmp(out.subject, "relay-1") == 0 &&
                                  out.roles == CAUTH_ROLE_RELAY);
                    }
                }
            }
        }
        cauth_free(a);
    }
}

static void test_header_forms(void)
{
    cauth_token t[1] = {tok("alice", "user", k_user_tok)};
    cauth *a = make("private", t, 1);
    if (!a)
        return;
    char h[600];
    rpcs_auth out;
    /* The scheme is case-insensitive (RFC 7235); spaces around the token are not
     * part of it. */
    snprintf(h, sizeof h, "bearer %s", k_user_tok);
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), ALLOW);
    snprintf(h, sizeof h, "BEARER   %s \t", k_user_tok);
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), ALLOW);
    /* The token is compared whole: a prefix, an extension or a changed case
     * fails. */
    snprintf(h, sizeof h, "Bearer %.*s", (int)strlen(k_user_tok) - 1, k_user_tok);
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), UNAUTH);
    snprintf(h, sizeof h, "Bearer %s=", k_user_tok);
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), UNAUTH);
    snprintf(h, sizeof h, "Bearer %s", "USER-TOKEN-FOR-TESTS_0123");
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), UNAUTH);
    snprintf(h, sizeof h, "Bearer %s x", k_user_tok);
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), UNAUTH);
    snprintf(h, sizeof h, "Bearer\t%s", k_user_tok);
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), UNAUTH);
    /* The token's hash, presented as if it were the token, is not the token. */
    snprintf(h, sizeof h, "Bearer %s", t[0].sha256);
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), UNAUTH);
    /* Longer than any token: refused before hashing, whatever it holds. */
    memcpy(h, "Bearer ", 7);
    memset(h + 7, 'a', sizeof h - 8);
    h[sizeof h - 1] = '\0';
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), UNAUTH);
    CHECK_EQ(cauth_check(NULL, NULL, "eth_chainId", &out), UNAUTH);
    CHECK_EQ(cauth_check(a, NULL, NULL, &out), UNAUTH);
    CHECK_EQ(cauth_check(a, NULL, "eth_chainId", NULL), UNAUTH);
    cauth_free(a);

    /* Public mode without tokens: reads for anyone, admin methods for no one. */
    a = make("public", NULL, 0);
    if (!a)
        return;
    CHECK_EQ(cauth_check(a, NULL, "eth_chainId", &out), ALLOW);
    CHECK_EQ(cauth_check(a, NULL, "chain_addInteropRoot", &out), UNAUTH);
    snprintf(h, sizeof h, "Bearer %s", k_admin_tok);
    CHECK_EQ(cauth_check(a, h, "chain_addInteropRoot", &out), UNAUTH);
    CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), UNAUTH);
    cauth_free(a);
}

/* Random token sets: each token resolves to its own name and role, and a random
 * token that was not configured resolves to none. */
static void test_random_tokens(void)
{
    for (int round = 0; round < 20; round++) {
        size_t n = 1 + (size_t)(t_rand() % CAUTH_MAX_TOKENS);
        cauth_token t[CAUTH_MAX_TOKENS];
        char toks[CAUTH_MAX_TOKENS][65];
        for (size_t i = 0; i < n; i++) {
            uint8_t r[32];
            t_rand_bytes(r, sizeof r);
            zk_hex_encode(toks[i], r, sizeof r, 0);
            char name[32];
            snprintf(name, sizeof name, "tok-%zu", i);
            static const char *const roles[] = {"admin", "user", "relay"};
            t[i] = tok(name, roles[t_rand() % 3], toks[i]);
        }
        int pm = (int)(t_rand() & 1);
        cauth *a = make(pm ? "private" : "public", t, n);
        if (!a)
            return;
        for (size_t i = 0; i < n; i++) {
            char h[100];
            rpcs_auth out;
            snprintf(h, sizeof h, "Bearer %.64s", toks[i]);
            int admin = strcmp(t[i].role, "admin") == 0, relay = strcmp(t[i].role, "relay") == 0;
            CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), ALLOW);
            CHECK(strcmp(out.subject, t[i].name) == 0);
            CHECK_EQ(cauth_check(a, h, "eth_getBalance", &out), relay && pm ? DENY : ALLOW);
            CHECK_EQ(cauth_check(a, h, "chain_importMessages", &out),
                     admin || relay ? ALLOW : DENY);
            size_t at = 7 + (size_t)(t_rand() % 64);
            h[at] = h[at] == '0' ? '1' : '0';
            CHECK_EQ(cauth_check(a, h, "eth_getBalance", &out), UNAUTH);
        }
        cauth_free(a);
    }
}

static void expect_config_error(const char *mode, const cauth_token *t, size_t n, const char *want)
{
    cauth_config c = {.tokens = t, .n_tokens = n};
    memcpy(c.mode, mode, strnlen(mode, sizeof c.mode));
    cauth *a = (cauth *)&c; /* must come back NULL */
    CHECK_ERR(cauth_new(&a, &c), ZK_ERR_CONFIG);
    CHECK(a == NULL);
    CHECK_MSG(strstr(zk_err_detail(), want) != NULL, "detail '%s' lacks '%s'", zk_err_detail(),
              want);
    cauth_free(a);
}

static void test_config_errors(void)
{
    cauth_token ok[2] = {tok("alice", "user", k_user_tok), tok("gateway", "admin", k_admin_tok)};
    cauth_token t[2];

    expect_config_error("secret", ok, 2, "mode: 'secret' is not public or private");
    expect_config_error("", ok, 2, "mode: '' is not public or private");
    expect_config_error("Private", ok, 2, "is not public or private");
    expect_config_error("private", NULL, 0, "private mode needs at least one token");
    expect_config_error("publicpublicpublic", ok, 2, "mode: not NUL-terminated");

    memcpy(t, ok, sizeof t);
    t[1].name[0] = '\0';
    expect_config_error("public", t, 2, "tokens[1]: name is empty");
    memcpy(t, ok, sizeof t);
    snprintf(t[1].name, sizeof t[1].name, "alice");
    expect_config_error("private", t, 2, "tokens[1]: name 'alice' is used by tokens[0]");
    memcpy(t, ok, sizeof t);
    snprintf(t[0].name, sizeof t[0].name, "al ice");
    expect_config_error("public", t, 2, "tokens[0]: name: only letters");
    memcpy(t, ok, sizeof t);
    memset(t[0].name, 'n', sizeof t[0].name);
    expect_config_error("public", t, 2, "tokens[0]: a field is not NUL-terminated");

    memcpy(t, ok, sizeof t);
    snprintf(t[1].role, sizeof t[1].role, "root");
    expect_config_error("public", t, 2,
                        "tokens[1] (gateway): role 'root' is not user, relay or admin");
    memcpy(t, ok, sizeof t);
    t[0].role[0] = '\0';
    expect_config_error("public", t, 2, "tokens[0] (alice): role '' is not user, relay or admin");

    memcpy(t, ok, sizeof t);
    t[0].sha256[63] = '\0';
    expect_config_error("public", t, 2, "tokens[0] (alice): sha256: expected 64 hex digits");
    memcpy(t, ok, sizeof t);
    t[0].sha256[10] = 'g';
    expect_config_error("public", t, 2, "got 64 chars");
    memcpy(t, ok, sizeof t);
    memcpy(t[0].sha256, "0x", 2);
    expect_config_error("public", t, 2, "tokens[0] (alice): sha256");
    memcpy(t, ok, sizeof t);
    t[0].sha256[0] = '\0';
    expect_config_error("public", t, 2, "got 0 chars");
    memcpy(t, ok, sizeof t);
    memcpy(t[1].sha256, t[0].sha256, sizeof t[0].sha256);
    expect_config_error("public", t, 2, "tokens[1] (gateway): sha256 is the same as tokens[0]");

    cauth_token many[CAUTH_MAX_TOKENS + 1];
    for (size_t i = 0; i < CAUTH_MAX_TOKENS + 1; i++) {
        char name[16], token[16];
        snprintf(name, sizeof name, "t%zu", i);
        snprintf(token, sizeof token, "token%zu", i);
        many[i] = tok(name, "user", token);
    }
    expect_config_error("private", many, CAUTH_MAX_TOKENS + 1, "tokens: 65 entries, at most 64");
    cauth *a = make("private", many, CAUTH_MAX_TOKENS);
    cauth_free(a);

    /* Upper-case hex is the same hash. */
    memcpy(t, ok, sizeof t);
    for (char *p = t[0].sha256; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    a = make("private", t, 2);
    if (a) {
        char h[100];
        rpcs_auth out;
        snprintf(h, sizeof h, "Bearer %s", k_user_tok);
        CHECK_EQ(cauth_check(a, h, "eth_chainId", &out), ALLOW);
        cauth_free(a);
    }

    cauth_config c = {.mode = "public", .tokens = NULL, .n_tokens = 1};
    CHECK_ERR(cauth_new(&a, &c), ZK_ERR_INVALID_ARG);
    CHECK(a == NULL);
    CHECK_ERR(cauth_new(&a, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(cauth_new(NULL, &c), ZK_ERR_INVALID_ARG);
    cauth_free(NULL);
}

static void test_install(void)
{
    cauth *a = make("public", NULL, 0);
    rpcs_config rc;
    rpcs_config_default(&rc);
    rpcs_server *srv = NULL;
    CHECK_OK(rpcs_new(&srv, &rc));
    if (!a || !srv) {
        rpcs_free(srv);
        cauth_free(a);
        return;
    }
    CHECK_ERR(cauth_install(NULL, srv), ZK_ERR_INVALID_ARG);
    CHECK_ERR(cauth_install(a, NULL), ZK_ERR_INVALID_ARG);
    CHECK_OK(cauth_install(a, srv));
    if (rpcs_start(srv) == ZK_OK) {
        /* The hook is fixed once the server serves. */
        CHECK_ERR(cauth_install(a, srv), ZK_ERR_STATE);
    }
    rpcs_free(srv);
    cauth_free(a);
}

int main(void)
{
    t_seed();
    test_hash();
    test_policy_matrix();
    test_header_forms();
    test_random_tokens();
    test_config_errors();
    test_install();
    return t_report("test_auth");
}
