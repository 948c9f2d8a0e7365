/* zkgate devnet: runs, on one machine, every zkgate service this build contains,
 * and says plainly which are not there yet. Today that is the devnet's status
 * endpoint only; chain nodes, the gateway and L1 settlement join as they land. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/devnet.h"
#include "common/config.h"
#include "common/error.h"
#include "common/log.h"
#include "common/rpc_server.h"

#ifndef ZKGATE_VERSION
#define ZKGATE_VERSION "unknown"
#endif

/* What a devnet is made of, and what of it this build can run. */
typedef struct component {
    const char *name;    /* what it is */
    int running;         /* started by this devnet */
    const char *missing; /* why not, when not running */
} component;

static const component k_components[] = {
    {"status endpoint (devnet_status, /health, /metrics)", 1, NULL},
    {"chain nodes (one public, one private)", 0,
     "the devnet does not start them yet (issue 7); a public node runs on its own with "
     "`zkgate chain --config config/chain-public.json`"},
    {"gateway (ingestion, verification, rounds, relay)", 0, "the gateway has not landed"},
    {"proof aggregation", 0, "the proof system has not landed (issue 4)"},
    {"L1 settlement (embedded adapter)", 0, "the gateway has not landed"},
};
#define N_COMPONENTS (sizeof k_components / sizeof k_components[0])

static json_t *components_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < N_COMPONENTS; i++) {
        json_t *c = json_pack("{s:s, s:s}", "name", k_components[i].name, "state",
                              k_components[i].running ? "running" : "not available");
        if (c && !k_components[i].running)
            json_object_set_new(c, "reason", json_string(k_components[i].missing));
        if (!c || json_array_append_new(a, c)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *m_status(void *ctx, const json_t *params, const rpcs_auth *auth, rpcs_error *err)
{
    (void)ctx;
    (void)auth;
    if (rpcs_param_count(params, 0, 0, err))
        return NULL;
    json_t *c = components_json();
    if (!c)
        return NULL;
    return json_pack("{s:s, s:o}", "version", ZKGATE_VERSION, "components", c);
}

static int health(void *ctx, json_t *h)
{
    (void)ctx;
    json_object_set_new(h, "service", json_string("devnet"));
    return 0;
}

static void usage(void)
{
    printf("usage: zkgate devnet [--config FILE] [--data-dir DIR] [--rpc-addr HOST:PORT]\n\n"
           "Runs every zkgate service this build contains on this machine, on the\n"
           "embedded defaults unless FILE is given (see config/devnet.json), until\n"
           "SIGINT or SIGTERM. Flags override the file.\n\n"
           "What runs today: the status endpoint (JSON-RPC devnet_status, GET /health,\n"
           "GET /metrics). Not there yet: chain nodes started by the devnet (run one\n"
           "with `zkgate chain`), the gateway, proof aggregation\n"
           "and L1 settlement; the devnet lists them when it starts.\n");
}

int cmd_devnet(int argc, char **argv)
{
    devnet_config c;
    const char *config_path = NULL, *data_dir = NULL, *rpc_addr = NULL;
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    int urc = cli_service_flags("devnet", argc, argv, 1, &config_path, &data_dir, &rpc_addr);
    if (urc)
        return urc;

    devnet_config_defaults(&c);
    if (config_path && cfg_load_file(devnet_config_spec, &c, config_path))
        return cli_fail("devnet", ZK_ERR_CONFIG);
    if (strcmp(c.kind, "devnet") != 0) {
        zk_err_set(ZK_ERR_CONFIG, "%s: key 'kind': '%s' is not \"devnet\"", config_path, c.kind);
        return cli_fail("devnet", ZK_ERR_CONFIG);
    }
    if (data_dir && cfg_set(devnet_config_spec, &c, "data_dir", data_dir, "--data-dir"))
        return cli_fail("devnet", ZK_ERR_CONFIG);
    if (rpc_addr && cfg_set(devnet_config_spec, &c, "rpc.addr", rpc_addr, "--rpc-addr"))
        return cli_fail("devnet", ZK_ERR_CONFIG);
    int rc = cli_apply_log_config(c.log.level, c.log.format);
    if (rc)
        return cli_fail("devnet", rc);

    char host[64];
    uint16_t port;
    rc = cfg_parse_hostport(c.rpc.addr, host, sizeof host, &port);
    if (rc)
        return cli_fail("devnet", zk_err_wrap(rc, "rpc.addr: "));
    rc = cli_make_data_dir(c.data_dir);
    if (rc)
        return cli_fail("devnet", rc);

    cli_block_stop_signals(); /* before any thread exists */
    rpcs_config rcfg;
    rpcs_config_default(&rcfg);
    rcfg.bind_addr = host;
    rcfg.port = port;
    rcfg.max_body_bytes = (size_t)c.rpc.max_body_bytes;
    rcfg.timeout_s = (unsigned)c.rpc.timeout_s;
    rpcs_server *srv = NULL;
    rc = rpcs_new(&srv, &rcfg);
    if (!rc)
        rc = rpcs_register(srv, "devnet_status", m_status, NULL);
    if (!rc)
        rc = rpcs_set_health(srv, health, NULL);
    if (!rc)
        rc = rpcs_start(srv);
    if (rc) {
        rpcs_free(srv);
        return cli_fail("devnet", zk_err_wrap(rc, "status endpoint on %s: ", c.rpc.addr));
    }

    printf("zkgate devnet %s (data in %s)\n", ZKGATE_VERSION, c.data_dir);
    for (size_t i = 0; i < N_COMPONENTS; i++) {
        if (k_components[i].running)
            printf("  running        %s\n", k_components[i].name);
        else
            printf("  NOT AVAILABLE  %s: %s\n", k_components[i].name, k_components[i].missing);
    }
    printf("status: http://%s:%u/health  (JSON-RPC devnet_status at http://%s:%u/)\n", host,
           (unsigned)rpcs_port(srv), host, (unsigned)rpcs_port(srv));
    printf("Ctrl-C stops the devnet.\n");
    fflush(stdout);
    ZK_INFO("devnet.started", ZKF_STR("addr", host), ZKF_UINT("port", rpcs_port(srv)),
            ZKF_STR("data_dir", c.data_dir));

    cli_wait_for_stop();

    ZK_INFO("devnet.stopping");
    rpcs_free(srv);
    return CLI_EXIT_OK;
}
