#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cli/cli.h"
#include "common/error.h"
#include "common/par.h"

static const struct {
    const char *name;
    int (*run)(const bench_ctx *ctx);
} k_groups[] = {
    {"field", bench_field},
    {"ntt", bench_ntt},
    {"poseidon2", bench_poseidon2},
    {"merkle", bench_merkle},
    {"smt", bench_smt},
    {"chain", bench_chain},
    {"prove", bench_prove},
    {"recursion", bench_recursion},
};
#define N_GROUPS (sizeof k_groups / sizeof k_groups[0])

static void usage(void)
{
    printf("usage: zkgate bench GROUP... [--json] [--quick] [--threads N] [--backend cpu]\n\n"
           "groups: field, ntt, poseidon2, merkle, smt, chain, prove, recursion, all\n"
           "Each case prints its size, best time, throughput, the bound it is compared\n"
           "with and the ratio bound/achieved (1.0 = at the bound).\n"
           "  --json       one JSON object per line\n"
           "  --quick      small sizes (a smoke run; not for figures)\n"
           "  --threads N  threads for the all-cores cases (default: every core)\n"
           "  --backend B  cpu (cuda when the CUDA backend lands)\n");
}

int cmd_bench(int argc, char **argv)
{
    bench_ctx ctx = {.json = 0, .quick = 0, .threads = 0, .backend = "cpu"};
    const char *groups[N_GROUPS + 1];
    int ngroups = 0, all = 0;
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            ctx.json = 1;
        } else if (strcmp(a, "--quick") == 0) {
            ctx.quick = 1;
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 256)
                return cli_usage("bench", "--threads wants 1..256, got '%s'", argv[i]);
            ctx.threads = (int)t;
        } else if (strcmp(a, "--backend") == 0 && i + 1 < argc) {
            ctx.backend = argv[++i];
            if (strcmp(ctx.backend, "cpu") != 0)
                return cli_usage("bench",
                                 "backend '%s' is not available in this build "
                                 "(only cpu; the CUDA backend has not landed)",
                                 ctx.backend);
        } else if (strcmp(a, "all") == 0) {
            all = 1;
        } else if (a[0] == '-') {
            return cli_usage("bench", "unknown option '%s'", a);
        } else {
            size_t g;
            for (g = 0; g < N_GROUPS; g++)
                if (strcmp(a, k_groups[g].name) == 0)
                    break;
            if (g == N_GROUPS)
                return cli_usage("bench", "unknown group '%s'", a);
            if (ngroups < (int)N_GROUPS)
                groups[ngroups++] = k_groups[g].name;
        }
    }
    if (!ngroups && !all)
        return cli_usage("bench",
                         "name a group (field, ntt, poseidon2, merkle, smt, chain, prove or all)");
    if (ctx.threads)
        zk_par_set_threads(ctx.threads);
    ctx.threads = zk_par_threads();
    if (!ctx.json)
        printf("# cpu: %s, %d threads\n", bench_cpu_name(), ctx.threads);
    for (size_t g = 0; g < N_GROUPS; g++) {
        int wanted = all;
        for (int k = 0; k < ngroups; k++)
            wanted |= strcmp(groups[k], k_groups[g].name) == 0;
        if (!wanted)
            continue;
        int rc = k_groups[g].run(&ctx);
        if (rc)
            return cli_fail("bench", rc);
    }
    return CLI_EXIT_OK;
}
