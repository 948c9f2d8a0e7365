#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cli/cli.h"
#include "common/error.h"
#include "common/par.h"
#include "prover/gpu.h"

static const struct {
    const char *name;
    int (*run)(const bench_ctx *ctx);
    int (*run_cuda)(const bench_ctx *ctx); /* --backend cuda; NULL: CPU only */
} k_groups[] = {
    {"field", bench_field, NULL},
    {"ntt", bench_ntt, bench_ntt_cuda},
    {"poseidon2", bench_poseidon2, bench_poseidon2_cuda},
    {"merkle", bench_merkle, bench_merkle_cuda},
    {"smt", bench_smt, NULL},
    {"chain", bench_chain, NULL},
    {"prove", bench_prove, bench_prove_cuda},
    {"recursion", bench_recursion, NULL},
};
#define N_GROUPS (sizeof k_groups / sizeof k_groups[0])

static void usage(void)
{
    printf("usage: zkgate bench GROUP... [--json] [--quick] [--threads N] [--backend cpu|cuda]\n\n"
           "groups: field, ntt, poseidon2, merkle, smt, chain, prove, recursion, all\n"
           "Each case prints its size, best time, throughput, the bound it is compared\n"
           "with and the ratio bound/achieved (1.0 = at the bound).\n"
           "  --json       one JSON object per line\n"
           "  --quick      small sizes (a smoke run; not for figures)\n"
           "  --threads N  threads for the all-cores cases (default: every core)\n"
           "  --backend B  cpu (default) or cuda: the device kernels on resident data\n"
           "               (groups ntt, poseidon2, merkle), against device bounds\n");
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
            if (strcmp(ctx.backend, "cpu") != 0 && strcmp(ctx.backend, "cuda") != 0)
                return cli_usage("bench", "unknown backend '%s' (cpu or cuda)", ctx.backend);
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
    int cuda = strcmp(ctx.backend, "cuda") == 0;
    if (cuda) {
        for (size_t g = 0; g < N_GROUPS; g++) {
            int named = 0;
            for (int k = 0; k < ngroups; k++)
                named |= strcmp(groups[k], k_groups[g].name) == 0;
            if (named && !k_groups[g].run_cuda)
                return cli_usage("bench",
                                 "group '%s' has no cuda benchmark (ntt, poseidon2, "
                                 "merkle and prove have)",
                                 k_groups[g].name);
        }
        gpu_info gi;
        int rc = gpu_probe(&gi);
        if (rc)
            return cli_fail("bench", zk_err_wrap(rc, "--backend cuda: "));
    }
    if (ctx.threads)
        zk_par_set_threads(ctx.threads);
    ctx.threads = zk_par_threads();
    if (!ctx.json)
        printf("# cpu: %s, %d threads%s\n", bench_cpu_name(), ctx.threads,
               cuda ? "; backend cuda" : "");
    for (size_t g = 0; g < N_GROUPS; g++) {
        int wanted = all;
        for (int k = 0; k < ngroups; k++)
            wanted |= strcmp(groups[k], k_groups[g].name) == 0;
        if (!wanted || (cuda && !k_groups[g].run_cuda))
            continue;
        int rc = cuda ? k_groups[g].run_cuda(&ctx) : k_groups[g].run(&ctx);
        if (rc)
            return cli_fail("bench", rc);
    }
    return CLI_EXIT_OK;
}
