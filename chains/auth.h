/* Who may call what on a chain node's JSON-RPC: bearer tokens and a
 * deny-by-default policy, installed as the server's auth hook
 * (common/rpc_server.h).
 *
 * A token has a name (the caller's subject in rpcs_auth and in logs) and a
 * role. The configuration holds only the SHA-256 of each token, so a leaked
 * config file or log gives no caller's credentials away. Callers present the
 * token as "Authorization: Bearer <token>".
 *
 * Roles and method classes:
 *   user   a member of the chain: its wallets and tools (send transactions,
 *          every read);
 *   relay  the gateway's relay, an outsider with one job: import messages and
 *          add interop roots, read what DESIGN.md lets the gateway see of a
 *          private chain (commitments, routing fields, envelopes), nothing else;
 *   admin  the operator: everything.
 *
 *   class          methods                                     roles
 *   operator       every name starting with "chain_admin"      admin
 *   relay write    chain_importMessages, chain_addInteropRoot  admin, relay
 *   shared read    chain_getMessage, chain_getStateCommitment, user, admin, relay
 *                  chain_getBatch, chain_getPublicKey,
 *                  eth_chainId, net_version, eth_blockNumber
 *   user           every other method, known or not            user, admin
 *
 * In public mode anyone may call the shared-read and user methods (a token that
 * is sent must still be valid, and then any role may); in private mode every
 * call needs a token of a role the class lists. No token where one is needed,
 * or a token that is malformed or unknown, is RPCS_AUTH_UNAUTHENTICATED (HTTP
 * 401); a valid token without the role is RPCS_AUTH_DENY (-32001). The handlers
 * filter further by role (a private chain shows cleartext to admins only, and
 * its state root to members only). docs/CHAIN.md, "Authentication", has the
 * details.
 *
 * Threads: a cauth is read-only after cauth_new, so the hook runs on any number
 * of server threads at once.
 */
#ifndef ZKGATE_CHAINS_AUTH_H
#define ZKGATE_CHAINS_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/rpc_server.h"

/* Role bits in rpcs_auth.roles. A user token holds USER, an admin token USER and
 * ADMIN, a relay token RELAY alone; a caller without a token (public mode) holds
 * none. */
#define CAUTH_ROLE_USER  (UINT64_C(1) << 0)
#define CAUTH_ROLE_ADMIN (UINT64_C(1) << 1)
#define CAUTH_ROLE_RELAY (UINT64_C(1) << 2)

#define CAUTH_MAX_TOKENS    64  /* tokens in one configuration */
#define CAUTH_MAX_TOKEN_LEN 256 /* longest bearer token accepted, in chars */

/* One configured token. Fixed-size strings, so configurations copy safely. */
typedef struct cauth_token {
    char name[64];   /* 1-63 chars of [A-Za-z0-9_.-], unique: the caller's subject */
    char role[16];   /* "user", "relay" or "admin" */
    char sha256[65]; /* 64 hex digits: SHA-256 of the token (cauth_hash_token) */
} cauth_token;

typedef struct cauth_config {
    char mode[16];             /* "public" or "private" */
    const cauth_token *tokens; /* borrowed; cauth_new copies what it needs */
    size_t n_tokens;           /* at most CAUTH_MAX_TOKENS; private mode needs >= 1 */
} cauth_config;

typedef struct cauth cauth;

/* Checks cfg and builds the policy.
 * Returns: ZK_OK; ZK_ERR_CONFIG naming what is wrong ("tokens[1] (ops): role
 * 'root' is not user, relay or admin"; a bad mode; a name empty, too long, of other
 * characters or used twice; a sha256 that is not 64 hex digits or repeats
 * another; more than CAUTH_MAX_TOKENS; private mode without tokens);
 * ZK_ERR_INVALID_ARG (out or cfg NULL, tokens NULL with n_tokens > 0);
 * ZK_ERR_NOMEM. Out: *out, the policy (NULL on error). In: cfg. */
int cauth_new(cauth **out, const cauth_config *cfg) __attribute__((warn_unused_result));

/* Frees a. NULL is fine. The server a was installed on must be freed first. */
void cauth_free(cauth *a);

/* Makes a the auth hook of srv (rpcs_set_auth); a must outlive srv.
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG (NULL) or ZK_ERR_STATE (srv already
 * started). */
int cauth_install(cauth *a, rpcs_server *srv) __attribute__((warn_unused_result));

/* The policy itself, as the hook calls it: exposed so that it can be checked
 * without a server. Args as rpcs_auth_fn: authorization is the header value or
 * NULL, method the call's method name. Fills out on RPCS_AUTH_ALLOW.
 * Returns: an RPCS_AUTH_* verdict; RPCS_AUTH_UNAUTHENTICATED for NULL a or
 * method. */
int cauth_check(const cauth *a, const char *authorization, const char *method, rpcs_auth *out)
    __attribute__((warn_unused_result));

/* Hashes a token for the configuration.
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG (NULL, empty, longer than
 * CAUTH_MAX_TOKEN_LEN, or a character a bearer token cannot hold; the detail
 * never shows the token) or ZK_ERR_CRYPTO. Out: hex, 64 lowercase hex digits
 * and a NUL. In: token. */
int cauth_hash_token(char hex[65], const char *token) __attribute__((warn_unused_result));

#endif
