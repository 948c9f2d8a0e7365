/* `zkgate prove`: proves a built-in example circuit and writes a proof file
 * (docs/PROOF.md, "Proof files"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/proof_file.h"
#include "cli/prover_config.h"
#include "common/bytes.h"
#include "common/error.h"
#include "prover/backend.h"
#include "prover/examples.h"
#include "verifier/plonk.h"

#define CMD "prove"

static void help(void)
{
    printf("usage: zkgate prove --circuit NAME --size N [--zk] [--preset P]\n"
           "                    [--backend auto|cpu|cuda] [--gpu-memory MIB] [--config FILE]\n"
           "                    --out FILE\n\n"
           "Proves a built-in circuit with its fixed witness and writes a proof file\n"
           "(format version, circuit and parameters, verification-key digest, public\n"
           "inputs, proof). Check it with `zkgate verify FILE`.\n\n"
           "  --circuit NAME  hashchain (N Poseidon2 permutations in a chain) or merkle\n"
           "                  (N leaves proven members of a depth-%d tree)\n"
           "  --size N        1 to %u (merkle: to %u)\n"
           "  --zk            zero knowledge: blinded trace, salted commitments\n"
           "  --preset P      FRI parameters by purpose: batch (default, 100 bits),\n"
           "                  aggregate (100 bits, smaller proofs), settle (123 bits),\n"
           "                  test (8 bits: in-process tests only; verify rejects it\n"
           "                  unless given --min-bits 0)\n"
           "  --backend B     auto (default, or $%s): the GPU when the CUDA\n"
           "                  backend is built and a device is present, else the CPU;\n"
           "                  cpu; cuda (fails when there is no usable device). Both\n"
           "                  give the same proof bytes.\n"
           "  --gpu-memory M  MiB of device memory to reserve (default: what the proof\n"
           "                  needs)\n"
           "  --config FILE   a prover configuration (kind \"prover\": backend,\n"
           "                  gpu_memory_mib); the options above override it, and it\n"
           "                  overrides $%s\n"
           "  --out FILE      where to write the proof file\n",
           EX_MERKLE_DEPTH, EX_MAX_SIZE, 1u << EX_MERKLE_DEPTH, ZP_BACKEND_ENV, ZP_BACKEND_ENV);
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int write_file(const char *path, const zk_buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return zk_err_set(ZK_ERR_IO, "cannot create %s", path);
    size_t n = fwrite(b->data, 1, b->len, f);
    int bad = n != b->len;
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        remove(path);
        return zk_err_set(ZK_ERR_IO, "cannot write %s", path);
    }
    return ZK_OK;
}

int cmd_prove(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    const char *circuit = NULL, *out = NULL, *preset = "batch";
    const char *backend = NULL, *config = NULL;
    uint32_t size = 0, gpu_mib = 0;
    int zk = 0, have_size = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--zk") == 0) {
            zk = 1;
            continue;
        }
        if (i + 1 >= argc)
            return cli_usage(CMD, "%s needs a value or is not an option", a);
        const char *v = argv[++i];
        if (strcmp(a, "--circuit") == 0)
            circuit = v;
        else if (strcmp(a, "--out") == 0)
            out = v;
        else if (strcmp(a, "--preset") == 0)
            preset = v;
        else if (strcmp(a, "--backend") == 0)
            backend = v;
        else if (strcmp(a, "--config") == 0)
            config = v;
        else if (strcmp(a, "--gpu-memory") == 0) {
            if (parse_u32(v, &gpu_mib) || gpu_mib == 0)
                return cli_usage(CMD, "--gpu-memory %s is not a positive number of MiB", v);
        } else if (strcmp(a, "--size") == 0) {
            if (parse_u32(v, &size))
                return cli_usage(CMD, "--size %s is not a number", v);
            have_size = 1;
        } else
            return cli_usage(CMD, "unknown option %s", a);
    }
    if (!circuit || !have_size || !out)
        return cli_usage(CMD, "--circuit, --size and --out are required");
    /* --backend, else the configuration, else $ZKGATE_BACKEND, else auto */
    const char *from = "--backend";
    prover_config pc;
    prover_config_defaults(&pc);
    if (config) {
        int crc = prover_config_load(&pc, config);
        if (crc)
            return cli_fail(CMD, crc);
        if (!gpu_mib)
            gpu_mib = (uint32_t)pc.gpu_memory_mib;
    }
    if (!backend && config) {
        backend = pc.backend;
        from = config;
    }
    const char *env = getenv(ZP_BACKEND_ENV); /* set but empty: as if unset */
    if (!backend && env && *env) {
        backend = env;
        from = "$" ZP_BACKEND_ENV;
    }
    zp_backend_kind kind = ZP_BACKEND_AUTO;
    if (backend && zp_backend_parse(backend, &kind) != ZK_OK)
        return cli_usage(CMD, "%s (from %s)", zk_err_detail(), from);
    fri_params fri;
    int rc = fri_preset(preset, &fri);
    if (rc)
        return cli_usage(CMD, "%s", zk_err_detail());
    ex_instance *e;
    rc = ex_build(&e, circuit, size, &fri, zk);
    if (rc == ZK_ERR_NOT_FOUND || rc == ZK_ERR_RANGE)
        return cli_usage(CMD, "%s", zk_err_detail());
    if (rc)
        return cli_fail(CMD, rc);
    const zp_vk *vk = cb_circuit_vk(ex_circuit(e));
    /* the device memory this proof takes, unless told otherwise */
    size_t arena = gpu_mib ? (size_t)gpu_mib << 20 : zp_prove_device_bytes(ex_circuit(e));
    zp_backend *be = NULL;
    rc = zp_backend_open(&be, kind, vk->log_n + fri.log_blowup, arena);
    if (rc) {
        ex_free(e);
        return cli_fail(CMD, rc);
    }
    fprintf(stderr, "backend: %s\n", zp_backend_describe(be));
    zk_buf proof, file;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    zk_buf_init(&file, ZP_MAX_PROOF_BYTES + 4096);
    kb pi[16];
    zp_prove_stats st;
    zp_prove_opts o = {.stats = &st, .backend = be};
    rc = ex_prove(e, &o, &proof, pi);
    pf_file pf = {.size = size, .zk = zk, .fri = fri, .vk_digest = vk->digest};
    snprintf(pf.circuit, sizeof pf.circuit, "%s", circuit);
    if (!rc)
        rc = pf_write(&file, &pf, pi, (uint32_t)ex_num_public_inputs(e), proof.data, proof.len);
    if (!rc)
        rc = write_file(out, &file);
    if (!rc)
        printf("proved %s size %u%s: 2^%u rows, %zu-byte proof, %.1f conjectured bits, %.3f s "
               "on %s -> %s\n",
               circuit, size, zk ? " (zk)" : "", vk->log_n, proof.len, fri_conjectured_bits(&fri),
               st.total, zp_backend_kind_name(zp_backend_used(be)), out);
    zk_buf_free(&proof);
    zk_buf_free(&file);
    zp_backend_free(be);
    ex_free(e);
    return rc ? cli_fail(CMD, rc) : CLI_EXIT_OK;
}
