#include <stddef.h>
#include <stdio.h>

#include "cli/devnet.h"

#define SZ(member) sizeof(((devnet_config *)0)->member)

static const cfg_field k_log[] = {
    {"level", CFG_T_STRING, 0, offsetof(devnet_config, log.level), SZ(log.level), 0, 0, NULL,
     "least level logged: trace, debug, info, warn, error, off"},
    {"format", CFG_T_STRING, 0, offsetof(devnet_config, log.format), SZ(log.format), 0, 0, NULL,
     "text or json lines"},
    CFG_END,
};

static const cfg_field k_rpc[] = {
    {"addr", CFG_T_STRING, 0, offsetof(devnet_config, rpc.addr), SZ(rpc.addr), 0, 0, NULL,
     "host:port of the devnet status endpoint (loopback by default)"},
    {"max_body_bytes", CFG_T_INT, 0, offsetof(devnet_config, rpc.max_body_bytes), 0, 1024, 64 << 20,
     NULL, "largest request body accepted"},
    {"timeout_s", CFG_T_INT, 0, offsetof(devnet_config, rpc.timeout_s), 0, 1, 3600, NULL,
     "idle connection timeout in seconds"},
    CFG_END,
};

const cfg_field devnet_config_spec[] = {
    {"kind", CFG_T_STRING, 1, offsetof(devnet_config, kind), SZ(kind), 0, 0, NULL, "\"devnet\""},
    {"data_dir", CFG_T_STRING, 0, offsetof(devnet_config, data_dir), SZ(data_dir), 0, 0, NULL,
     "folder for the devnet's files"},
    {"log", CFG_T_OBJECT, 0, 0, 0, 0, 0, k_log, "logging"},
    {"rpc", CFG_T_OBJECT, 0, 0, 0, 0, 0, k_rpc, "status endpoint"},
    CFG_END,
};

void devnet_config_defaults(devnet_config *c)
{
    *c = (devnet_config){.rpc.max_body_bytes = 1 << 20, .rpc.timeout_s = 30};
    snprintf(c->kind, sizeof c->kind, "devnet");
    snprintf(c->data_dir, sizeof c->data_dir, "devnet-data");
    snprintf(c->log.level, sizeof c->log.level, "info");
    snprintf(c->log.format, sizeof c->log.format, "text");
    snprintf(c->rpc.addr, sizeof c->rpc.addr, "127.0.0.1:8640");
}
