#include "chains/auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/log.h"

typedef struct entry {
    char name[64];
    uint64_t roles;
    uint8_t hash[32];
} entry;

struct cauth {
    int private_mode;
    size_t n;
    entry *e;
};

/* The characters of RFC 6750's b64token; '=' only as trailing padding. A token
 * that could not travel in the header is refused when hashed, so an operator
 * never configures one that no client can present. */
static int b64token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* Returns: the token's length when s[0..len) is a valid b64token, else 0. */
static size_t b64token_len(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && b64token_char(s[i]))
        i++;
    if (i == 0)
        return 0;
    while (i < len && s[i] == '=')
        i++;
    return i == len ? len : 0;
}

static int sha256(uint8_t out[32], const char *p, size_t n)
{
    unsigned int len = 0;
    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32)
        return zk_err_set(ZK_ERR_CRYPTO, "SHA-256 failed");
    return ZK_OK;
}

int cauth_hash_token(char hex[65], const char *token)
{
    if (!hex || !token)
        return zk_err_set(ZK_ERR_INVALID_ARG, "cauth_hash_token: hex and token are required");
    size_t n = strnlen(token, CAUTH_MAX_TOKEN_LEN + 1);
    if (n == 0 || n > CAUTH_MAX_TOKEN_LEN)
        return zk_err_set(ZK_ERR_INVALID_ARG, "token: length must be 1-%d chars",
                          CAUTH_MAX_TOKEN_LEN);
    if (b64token_len(token, n) != n)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "token: only letters, digits and -._~+/ (then '=' padding) fit in "
                          "an Authorization: Bearer header");
    uint8_t h[32];
    int rc = sha256(h, token, n);
    if (!rc)
        zk_hex_encode(hex, h, sizeof h, 0);
    return rc;
}

static int valid_name(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return 0;
    return 1;
}

/* Fixed-size fields from a caller may lack their NUL; never read past them. */
#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static int load_token(entry *e, const cauth_token *t, size_t i)
{
    if (!TERMINATED(t->name) || !TERMINATED(t->role) || !TERMINATED(t->sha256))
        return zk_err_set(ZK_ERR_CONFIG, "tokens[%zu]: a field is not NUL-terminated", i);
    size_t nl = strlen(t->name);
    if (nl == 0)
        return zk_err_set(ZK_ERR_CONFIG, "tokens[%zu]: name is empty", i);
    if (!valid_name(t->name))
        return zk_err_set(ZK_ERR_CONFIG,
                          "tokens[%zu]: name: only letters, digits, '_', '.' and '-' are allowed",
                          i);
    memcpy(e->name, t->name, nl + 1);
    if (strcmp(t->role, "user") == 0)
        e->roles = CAUTH_ROLE_USER;
    else if (strcmp(t->role, "admin") == 0)
        e->roles = CAUTH_ROLE_USER | CAUTH_ROLE_ADMIN;
    else if (strcmp(t->role, "relay") == 0)
        e->roles = CAUTH_ROLE_RELAY;
    else
        return zk_err_set(ZK_ERR_CONFIG, "tokens[%zu] (%s): role '%s' is not user, relay or admin",
                          i, e->name, t->role);
    size_t hl = strlen(t->sha256);
    if (hl != 64 || zk_hex_decode_exact(e->hash, sizeof e->hash, t->sha256, hl) != ZK_OK)
        return zk_err_set(ZK_ERR_CONFIG,
                          "tokens[%zu] (%s): sha256: expected 64 hex digits (the SHA-256 of the "
                          "token, see `zkgate chain token`), got %zu chars",
                          i, e->name, hl);
    return ZK_OK;
}

int cauth_new(cauth **out, const cauth_config *cfg)
{
    if (out)
        *out = NULL;
    if (!out || !cfg)
        return zk_err_set(ZK_ERR_INVALID_ARG, "cauth_new: out and cfg are required");
    if (!cfg->tokens && cfg->n_tokens)
        return zk_err_set(ZK_ERR_INVALID_ARG, "cauth_new: tokens is NULL but n_tokens is %zu",
                          cfg->n_tokens);
    int private_mode;
    if (!TERMINATED(cfg->mode))
        return zk_err_set(ZK_ERR_CONFIG, "mode: not NUL-terminated");
    if (strcmp(cfg->mode, "public") == 0)
        private_mode = 0;
    else if (strcmp(cfg->mode, "private") == 0)
        private_mode = 1;
    else
        return zk_err_set(ZK_ERR_CONFIG, "mode: '%s' is not public or private", cfg->mode);
    if (cfg->n_tokens > CAUTH_MAX_TOKENS)
        return zk_err_set(ZK_ERR_CONFIG, "tokens: %zu entries, at most %d", cfg->n_tokens,
                          CAUTH_MAX_TOKENS);
    if (private_mode && cfg->n_tokens == 0)
        return zk_err_set(ZK_ERR_CONFIG, "private mode needs at least one token");

    cauth *a = calloc(1, sizeof *a);
    entry *e = calloc(cfg->n_tokens ? cfg->n_tokens : 1, sizeof *e);
    if (!a || !e) {
        free(a);
        free(e);
        return zk_err_set(ZK_ERR_NOMEM, "cauth_new: %zu tokens", cfg->n_tokens);
    }
    a->private_mode = private_mode;
    a->e = e;
    for (size_t i = 0; i < cfg->n_tokens; i++) {
        int rc = load_token(&e[i], &cfg->tokens[i], i);
        for (size_t j = 0; !rc && j < i; j++) {
            if (strcmp(e[j].name, e[i].name) == 0)
                rc = zk_err_set(ZK_ERR_CONFIG, "tokens[%zu]: name '%s' is used by tokens[%zu]", i,
                                e[i].name, j);
            else if (memcmp(e[j].hash, e[i].hash, sizeof e[i].hash) == 0)
                /* One token for two names would make the subject ambiguous. */
                rc = zk_err_set(ZK_ERR_CONFIG,
                                "tokens[%zu] (%s): sha256 is the same as tokens[%zu] (%s)'s", i,
                                e[i].name, j, e[j].name);
        }
        if (rc) {
            cauth_free(a);
            return rc;
        }
        a->n = i + 1;
    }
    *out = a;
    return ZK_OK;
}

void cauth_free(cauth *a)
{
    if (!a)
        return;
    free(a->e);
    free(a);
}

/* The roles that may call method (the classes of auth.h). */
static uint64_t method_roles(const char *m)
{
    static const char *const relay_writes[] = {"chain_importMessages", "chain_addInteropRoot"};
    static const char *const shared_reads[] = {"chain_getMessage", "chain_getStateCommitment",
                                               "chain_getBatch",   "chain_getPublicKey",
                                               "eth_chainId",      "net_version",
                                               "eth_blockNumber"};
    if (strncmp(m, "chain_admin", strlen("chain_admin")) == 0)
        return CAUTH_ROLE_ADMIN;
    for (size_t i = 0; i < sizeof relay_writes / sizeof *relay_writes; i++)
        if (strcmp(m, relay_writes[i]) == 0)
            return CAUTH_ROLE_ADMIN | CAUTH_ROLE_RELAY;
    for (size_t i = 0; i < sizeof shared_reads / sizeof *shared_reads; i++)
        if (strcmp(m, shared_reads[i]) == 0)
            return CAUTH_ROLE_USER | CAUTH_ROLE_ADMIN | CAUTH_ROLE_RELAY;
    return CAUTH_ROLE_USER | CAUTH_ROLE_ADMIN;
}

/* Finds the configured token the header presents.
 * Returns: its entry, or NULL when the header is not "Bearer <b64token>" or
 * names no configured token. Every entry is compared, so the time taken does
 * not tell an attacker which one was close. */
static const entry *lookup(const cauth *a, const char *authz)
{
    static const char scheme[] = "Bearer";
    const size_t sl = sizeof scheme - 1;
    /* RFC 7235: the scheme is case-insensitive, one or more spaces follow it. */
    if (strncasecmp(authz, scheme, sl) != 0 || authz[sl] != ' ')
        return NULL;
    const char *tok = authz + sl;
    while (*tok == ' ')
        tok++;
    size_t n = strnlen(tok, CAUTH_MAX_TOKEN_LEN + 1);
    /* Trailing whitespace is HTTP's optional whitespace, not the token's. */
    while (n > 0 && n <= CAUTH_MAX_TOKEN_LEN && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
        n--;
    if (n == 0 || n > CAUTH_MAX_TOKEN_LEN || b64token_len(tok, n) != n)
        return NULL;
    uint8_t h[32];
    if (sha256(h, tok, n)) {
        ZK_WARN("chain.auth_hash_failed", ZKF_STR("detail", zk_err_detail()));
        return NULL;
    }
    size_t found = 0; /* index + 1 of the match; hashes are unique (cauth_new) */
    for (size_t i = 0; i < a->n; i++) {
        size_t hit = (size_t)(CRYPTO_memcmp(h, a->e[i].hash, sizeof h) == 0);
        found |= (i + 1) & ((size_t)0 - hit);
    }
    OPENSSL_cleanse(h, sizeof h);
    return found ? &a->e[found - 1] : NULL;
}

int cauth_check(const cauth *a, const char *authorization, const char *method, rpcs_auth *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!a || !method || !out)
        return RPCS_AUTH_UNAUTHENTICATED;
    uint64_t may = method_roles(method);
    /* What a public chain lets anyone call, any valid token may call too. */
    int open = !a->private_mode && (may & CAUTH_ROLE_USER);
    if (!authorization)
        return open ? RPCS_AUTH_ALLOW : RPCS_AUTH_UNAUTHENTICATED;
    /* A client that sends credentials wants them checked, even where none are
     * needed: a mistyped token should fail loudly, not pass as anonymous. */
    const entry *e = lookup(a, authorization);
    if (!e)
        return RPCS_AUTH_UNAUTHENTICATED;
    if (!(e->roles & may) && !open)
        return RPCS_AUTH_DENY;
    memcpy(out->subject, e->name, sizeof out->subject);
    out->roles = e->roles;
    return RPCS_AUTH_ALLOW;
}

static int hook(void *ctx, const char *authorization, const char *method, rpcs_auth *out)
{
    return cauth_check(ctx, authorization, method, out);
}

int cauth_install(cauth *a, rpcs_server *srv)
{
    if (!a || !srv)
        return zk_err_set(ZK_ERR_INVALID_ARG, "cauth_install: a and srv are required");
    int rc = rpcs_set_auth(srv, hook, a);
    if (rc)
        return rc;
    ZK_INFO("chain.auth", ZKF_STR("mode", a->private_mode ? "private" : "public"),
            ZKF_UINT("tokens", a->n));
    return ZK_OK;
}
