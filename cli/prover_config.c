/* The prover's configuration (cli/prover_config.h). */
#include "cli/prover_config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "prover/backend.h"

#define SZ(member) sizeof(((prover_config *)0)->member)

const cfg_field prover_config_spec[] = {
    {"kind", CFG_T_STRING, 1, offsetof(prover_config, kind), SZ(kind), 0, 0, NULL, "\"prover\""},
    {"backend", CFG_T_STRING, 0, offsetof(prover_config, backend), SZ(backend), 0, 0, NULL,
     "auto (the GPU when one is usable, else the CPU), cpu or cuda"},
    {"gpu_memory_mib", CFG_T_INT, 0, offsetof(prover_config, gpu_memory_mib), 0, 0, 1 << 24, NULL,
     "MiB of device memory to reserve for proofs; 0: what each proof needs"},
    CFG_END,
};

void prover_config_defaults(prover_config *c)
{
    *c = (prover_config){.gpu_memory_mib = 0};
    snprintf(c->kind, sizeof c->kind, "prover");
    snprintf(c->backend, sizeof c->backend, "auto");
}

int prover_config_load(prover_config *c, const char *path)
{
    prover_config_defaults(c);
    int rc = cfg_load_file(prover_config_spec, c, path);
    if (rc)
        return rc;
    if (strcmp(c->kind, "prover") != 0)
        return zk_err_set(ZK_ERR_CONFIG, "%s: kind: '%s', want \"prover\"", path, c->kind);
    zp_backend_kind k;
    if (zp_backend_parse(c->backend, &k) != ZK_OK)
        return zk_err_set(ZK_ERR_CONFIG, "%s: backend: '%s' is not auto, cpu or cuda", path,
                          c->backend);
    return ZK_OK;
}
