/* The prover's configuration (config/prover.json, kind "prover"): which backend
 * proves and how much device memory it reserves. `zkgate prove --config FILE`
 * reads it; `--backend` overrides it, and it overrides $ZKGATE_BACKEND. */
#ifndef ZKGATE_CLI_PROVER_CONFIG_H
#define ZKGATE_CLI_PROVER_CONFIG_H

#include <stdint.h>

#include "common/config.h"

typedef struct prover_config {
    char kind[16];          /* always "prover" */
    char backend[8];        /* auto|cpu|cuda */
    int64_t gpu_memory_mib; /* device memory to reserve; 0: what the proof needs */
} prover_config;

/* The schema of prover_config. */
extern const cfg_field prover_config_spec[];

/* Defaults: backend auto, gpu_memory_mib 0. */
void prover_config_defaults(prover_config *c);

/* Loads and checks path (kind "prover", a known backend name).
 * Returns ZK_OK, ZK_ERR_IO, ZK_ERR_TOO_LARGE or ZK_ERR_CONFIG naming the key. */
int prover_config_load(prover_config *c, const char *path) __attribute__((warn_unused_result));

#endif
