/* zkgate chain: runs a chain node (chains/node.h) from a configuration file until
 * SIGINT or SIGTERM; `chain verify` replays a node's stored blocks; `chain token`
 * makes an RPC bearer token and the hash its config entry holds; `chain pubkey`
 * prints the chain key's public key (the key is made on first use); `chain
 * interop-root` (cmd_chain_interop.c) builds an interop root. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "chains/auth.h"
#include "chains/chainkey.h"
#include "chains/node.h"
#include "cli/chain_config.h"
#include "cli/cli.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/log.h"
#include "common/rpc_server.h"

#ifndef ZKGATE_VERSION
#define ZKGATE_VERSION "unknown"
#endif

static void usage(void)
{
    printf("usage: zkgate chain --config FILE [--data-dir DIR] [--rpc-addr HOST:PORT]\n"
           "       zkgate chain verify --data-dir DIR\n"
           "       zkgate chain token\n"
           "       zkgate chain pubkey --config FILE [--data-dir DIR]\n"
           "       zkgate chain interop-root FILE|-\n\n"
           "Runs a chain node: the native-coin ledger, a mempool, a sequencer making a\n"
           "block every block_time_ms when transactions wait, and Ethereum JSON-RPC on\n"
           "rpc.addr (see config/chain-public.json and docs/CHAIN.md), until SIGINT or\n"
           "SIGTERM. Flags override the file; port 0 lets the system pick and the node\n"
           "prints \"rpc: http://HOST:PORT\".\n\n"
           "verify re-applies every stored block of DIR/ledger.db from its genesis and\n"
           "checks each state root, header and hash.\n\n"
           "token prints a new random RPC bearer token and its SHA-256, the value an\n"
           "\"auth.tokens\" entry holds (docs/CHAIN.md, \"Authentication\").\n\n"
           "pubkey prints the public key (0x04.., 65 bytes) of the chain's key DIR/chain.key,\n"
           "making the key (mode 0600) if there is none: the value other chains put in\n"
           "their \"peers\" to send this chain encrypted messages (docs/CHAIN.md,\n"
           "\"Private chains\").\n\n"
           "interop-root reads chains' interop records (a JSON array of {chainId, exitRoot,\n"
           "exitCount, lastBatch, stateCommitment}, from FILE or stdin) and prints the\n"
           "interop tree's root and each record's interopIndex and interopPath: what\n"
           "chain_addInteropRoot and chain_importMessages take (docs/CHAIN.md, \"Messages\n"
           "and imports\"). The gateway makes these roots; this is for devnets and tests.\n");
}

static int verify(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[2], "--data-dir") != 0)
        return cli_usage("chain", "expected: chain verify --data-dir DIR");
    char p[600];
    snprintf(p, sizeof p, "%s/ledger.db", argv[3]);
    int rc = ledger_verify_replay(p);
    if (rc)
        return cli_fail("chain", zk_err_wrap(rc, "%s: ", p));
    printf("%s: replay ok\n", p);
    return CLI_EXIT_OK;
}

static int token(int argc, char **argv)
{
    if (argc != 2)
        return cli_usage("chain", "expected: chain token");
    uint8_t raw[32];
    char tok[65], hash[65];
    int rc = RAND_bytes(raw, sizeof raw) == 1
                 ? ZK_OK
                 : zk_err_set(ZK_ERR_CRYPTO, "RAND_bytes: no randomness for the token");
    if (!rc) {
        zk_hex_encode(tok, raw, sizeof raw, 0);
        rc = cauth_hash_token(hash, tok);
    }
    if (!rc)
        printf("token: %s\nsha256: %s\n", tok, hash);
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(tok, sizeof tok);
    return rc ? cli_fail("chain", rc) : CLI_EXIT_OK;
}

/* Loads DATA_DIR/chain.key, making it (and the folder) on first use. */
static int chain_key(const chain_config *c, uint8_t sk[32], uint8_t pub[65])
{
    char kp[600];
    int rc = cli_make_data_dir(c->data_dir);
    if (rc)
        return rc;
    snprintf(kp, sizeof kp, "%s/" CK_FILE, c->data_dir);
    int created = 0;
    rc = ck_load(kp, 1, sk, pub, &created);
    if (!rc && created)
        ZK_INFO("chain.key_created", ZKF_STR("path", kp));
    return rc;
}

static int load_config(chain_config *c, const char *config_path, const char *data_dir,
                       const char *rpc_addr)
{
    chain_config_defaults(c);
    int rc = chain_config_load(c, config_path);
    if (!rc && data_dir)
        rc = cfg_set(chain_config_spec, c, "data_dir", data_dir, "--data-dir");
    if (!rc && rpc_addr)
        rc = cfg_set(chain_config_spec, c, "rpc.addr", rpc_addr, "--rpc-addr");
    return rc;
}

static int pubkey(int argc, char **argv)
{
    const char *config_path = NULL, *data_dir = NULL, *rpc_addr = NULL;
    int urc = cli_service_flags("chain", argc, argv, 2, &config_path, &data_dir, &rpc_addr);
    if (urc)
        return urc;
    if (!config_path || rpc_addr)
        return cli_usage("chain", "expected: chain pubkey --config FILE [--data-dir DIR]");
    chain_config c;
    uint8_t sk[32], pub[65];
    char hex[2 * 65 + 3];
    int rc = load_config(&c, config_path, data_dir, NULL);
    if (!rc)
        rc = chain_key(&c, sk, pub);
    OPENSSL_cleanse(sk, sizeof sk);
    if (!rc) {
        zk_hex_encode(hex, pub, sizeof pub, 1);
        printf("%s\n", hex);
    }
    chain_config_free(&c);
    return rc ? cli_fail("chain", rc) : CLI_EXIT_OK;
}

static int run(chain_config *c)
{
    char host[64], lp[600], pp[600];
    uint16_t port;
    cli_block_stop_signals(); /* before any thread exists */
    int rc = cfg_parse_hostport(c->rpc.addr, host, sizeof host, &port);
    if (rc)
        return cli_fail("chain", zk_err_wrap(rc, "rpc.addr: "));
    uint8_t sk[32], pub[65];
    rc = chain_key(c, sk, pub);
    if (rc)
        return cli_fail("chain", rc);
    snprintf(lp, sizeof lp, "%s/ledger.db", c->data_dir);
    snprintf(pp, sizeof pp, "%s/pool.db", c->data_dir);

    ledger_genesis g = {.chain_id = (uint64_t)c->chain_id,
                        .base_fee = (uint64_t)c->base_fee,
                        .timestamp = (uint64_t)c->genesis_timestamp,
                        .alloc = c->alloc,
                        .n_alloc = c->n_alloc};
    memcpy(g.operator_addr, c->operator_addr, 20);
    node_config nc;
    node_config_default(&nc);
    nc.genesis = &g;
    nc.ledger_path = lp;
    nc.pool_path = pp;
    nc.block_time_ms = (uint32_t)c->block_time_ms;
    nc.max_block_txs = (uint32_t)c->max_block_txs;
    nc.batch_blocks = (uint32_t)c->batch_blocks;
    nc.private_mode = strcmp(c->auth.mode, "private") == 0;
    nc.pool_max_txs = (uint32_t)c->pool.max_txs;
    nc.pool_max_per_sender = (uint32_t)c->pool.max_per_sender;
    nc.pool_max_nonce_gap = (uint32_t)c->pool.max_nonce_gap;
    nc.client_version = "zkgate/" ZKGATE_VERSION;
    nc.chain_key = sk;
    nc.peers = c->peers;
    nc.n_peers = c->n_peers;
    nc.auditors = (const uint8_t(*)[ECIES_PUBKEY_LEN])c->auditors;
    nc.n_auditors = c->n_auditors;
    node *n = NULL;
    rc = node_open(&n, &nc);
    OPENSSL_cleanse(sk, sizeof sk); /* the node keeps its own copy */
    if (rc)
        return cli_fail("chain", zk_err_wrap(rc, "%s: ", c->data_dir));

    rpcs_config rcfg;
    rpcs_config_default(&rcfg);
    rcfg.bind_addr = host;
    rcfg.port = port;
    rcfg.max_body_bytes = (size_t)c->rpc.max_body_bytes;
    rcfg.timeout_s = (unsigned)c->rpc.timeout_s;
    rpcs_server *srv = NULL;
    cauth *auth = NULL;
    cauth_config acfg = {.tokens = c->auth.tokens, .n_tokens = c->auth.n_tokens};
    memcpy(acfg.mode, c->auth.mode, sizeof acfg.mode);
    rc = rpcs_new(&srv, &rcfg);
    if (!rc)
        rc = cauth_new(&auth, &acfg);
    if (!rc)
        rc = cauth_install(auth, srv);
    if (!rc)
        rc = node_register_rpc(n, srv);
    if (!rc)
        rc = node_start(n);
    if (!rc)
        rc = rpcs_start(srv);
    if (rc) {
        rpcs_free(srv);
        cauth_free(auth);
        node_free(n);
        return cli_fail("chain", zk_err_wrap(rc, "rpc on %s: ", c->rpc.addr));
    }
    printf("zkgate chain %s: chain id %lld, head %llu, data in %s\n", ZKGATE_VERSION,
           (long long)c->chain_id, (unsigned long long)node_head(n), c->data_dir);
    printf("rpc: http://%s:%u\n", host, (unsigned)rpcs_port(srv));
    fflush(stdout);
    ZK_INFO("chain.started", ZKF_STR("addr", host), ZKF_UINT("port", rpcs_port(srv)),
            ZKF_INT("chain_id", c->chain_id), ZKF_STR("data_dir", c->data_dir));

    cli_wait_for_stop();

    ZK_INFO("chain.stopping");
    /* The server first, so no call reaches a node that is going away. */
    rpcs_free(srv);
    cauth_free(auth);
    node_free(n);
    return CLI_EXIT_OK;
}

int cmd_chain(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return verify(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "token") == 0)
        return token(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "pubkey") == 0)
        return pubkey(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "interop-root") == 0)
        return cmd_chain_interop_root(argc, argv);
    const char *config_path = NULL, *data_dir = NULL, *rpc_addr = NULL;
    int urc = cli_service_flags("chain", argc, argv, 1, &config_path, &data_dir, &rpc_addr);
    if (urc)
        return urc;
    if (!config_path)
        return cli_usage("chain", "--config FILE is required (see config/chain-public.json)");
    chain_config c;
    int rc = load_config(&c, config_path, data_dir, rpc_addr);
    if (!rc)
        rc = cli_apply_log_config(c.log.level, c.log.format);
    if (rc) {
        chain_config_free(&c);
        return cli_fail("chain", rc);
    }
    int ex = run(&c);
    chain_config_free(&c);
    return ex;
}
