/* The devnet's configuration (config/devnet.json): what `zkgate devnet` runs on one
 * machine. Sections for chain nodes and the gateway are added as those land. */
#ifndef ZKGATE_CLI_DEVNET_H
#define ZKGATE_CLI_DEVNET_H

#include <stdint.h>

#include "common/config.h"

typedef struct devnet_config {
    char kind[16];      /* always "devnet": says which schema a file follows */
    char data_dir[512]; /* where every service of the devnet keeps its files */
    struct {
        char level[8];  /* trace|debug|info|warn|error|off */
        char format[8]; /* text|json */
    } log;
    struct {
        char addr[128];         /* host:port of the devnet's status endpoint */
        int64_t max_body_bytes; /* largest request body accepted */
        int64_t timeout_s;      /* idle connection timeout */
    } rpc;
} devnet_config;

/* The schema of devnet_config. */
extern const cfg_field devnet_config_spec[];

/* The embedded defaults, used when no file is given (`make run` on a fresh clone). */
void devnet_config_defaults(devnet_config *c);

#endif
