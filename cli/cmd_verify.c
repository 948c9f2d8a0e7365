/* `zkgate verify`: checks a proof file against the built-in circuit it names.
 * Exit 0: valid; 1: invalid (with the reason); 2: unreadable or malformed input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/proof_file.h"
#include "common/bytes.h"
#include "common/error.h"
#include "prover/examples.h"
#include "verifier/plonk.h"
#include "verifier/plonk_gates.h"

#define CMD "verify"

static void help(void)
{
    printf("usage: zkgate verify [--info] [--min-bits B] FILE\n\n"
           "Rebuilds the built-in circuit the proof file names, checks that its\n"
           "verification-key digest is the file's, and verifies the proof.\n"
           "Exit status: 0 valid, 1 invalid (the reason is printed), 2 the file is\n"
           "unreadable or malformed.\n\n"
           "  --info        also print sizes, parameters and security bits\n"
           "  --min-bits B  the least conjectured security accepted (default 100)\n");
}

static void info(const pf_file *f, const zp_vk *vk, const zp_proof_info *pi)
{
    fri_schedule s;
    if (fri_schedule_make(&s, &f->fri, vk->log_n) != ZK_OK)
        return;
    printf("circuit          %s, size %u%s\n", f->circuit, f->size,
           f->zk ? ", zero knowledge" : "");
    printf("trace            2^%u rows x %d wire columns (%d routed), %d constant, %d "
           "selector columns\n",
           vk->log_n, ZP_WIRES, ZP_ROUTED, ZP_CONSTS, ZP_NUM_SELECTORS);
    printf("committed        %d preprocessed + %d wire + %d permutation + %d quotient "
           "columns%s\n",
           ZP_NUM_PREPROCESSED, ZP_WIRES, ZP_NUM_PERM_COLS, ZP_NUM_QUOTIENT_COLS,
           f->zk ? " (+4 salt each)" : "");
    printf("FRI              blowup 2^%u, LDE 2^%u, folding arity 2^%u, %u layers, final "
           "polynomial 2^%u coefficients, cap 2^%u\n",
           f->fri.log_blowup, s.log_lde, f->fri.arity_bits, s.nlayers, f->fri.final_log,
           f->fri.cap_log);
    printf("queries          %u, proof of work %u bits\n", f->fri.num_queries, f->fri.pow_bits);
    printf("security         %.1f conjectured bits, %.1f proven bits (docs/SECURITY.md)\n",
           fri_conjectured_bits(&f->fri), fri_proven_bits(&f->fri, vk->log_n));
    printf("proof            %zu bytes (%zu commitments and openings, %zu queries)\n",
           pi->total_bytes, pi->commit_bytes, pi->query_bytes);
    printf("public inputs    %u:", f->npi);
    for (uint32_t i = 0; i < f->npi; i++)
        printf(" %u", kb_to_canonical(f->pi[i]));
    printf("\nkey digest      ");
    for (int i = 0; i < 8; i++)
        printf(" %u", kb_to_canonical(vk->digest.v[i]));
    printf("\n");
}

int cmd_verify(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    int want_info = 0;
    double min_bits = 100;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--info") == 0) {
            want_info = 1;
        } else if (strcmp(argv[i], "--min-bits") == 0 && i + 1 < argc) {
            char *end;
            min_bits = strtod(argv[++i], &end);
            if (*end || min_bits < 0 || min_bits > 1000)
                return cli_usage(CMD, "--min-bits %s is not a number of bits", argv[i]);
        } else if (argv[i][0] == '-') {
            return cli_usage(CMD, "unknown option %s", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_usage(CMD, "one proof file at a time");
        }
    }
    if (!path)
        return cli_usage(CMD, "name a proof file");
    zk_buf data;
    zk_buf_init(&data, ZP_MAX_PROOF_BYTES + 4096 + 4 * ZP_MAX_PUBLIC_INPUTS);
    int rc = zk_read_file(&data, path);
    if (rc) {
        fprintf(stderr, "zkgate %s: %s\n", CMD, zk_err_detail());
        zk_buf_free(&data);
        return CLI_EXIT_USAGE;
    }
    pf_file f;
    rc = pf_read(&f, data.data, data.len);
    ex_instance *e = NULL;
    int exit_code = CLI_EXIT_USAGE;
    if (!rc) {
        rc = ex_build(&e, f.circuit, f.size, &f.fri, f.zk);
        if (rc)
            zk_err_wrap(rc, "cannot rebuild the circuit the file names: ");
    }
    if (rc) {
        fprintf(stderr, "zkgate %s: %s: %s\n", CMD, path, zk_err_detail());
        goto out;
    }
    const zp_vk *vk = cb_circuit_vk(ex_circuit(e));
    zp_proof_info pinfo;
    memset(&pinfo, 0, sizeof pinfo);
    if (memcmp(vk->digest.v, f.vk_digest.v, sizeof vk->digest.v) != 0) {
        rc = zk_err_set(ZK_ERR_PROOF,
                        "the file's verification-key digest is not that of %s size %u with "
                        "these parameters",
                        f.circuit, f.size);
    } else {
        rc = zp_verify(vk, f.pi, f.npi, f.proof, f.proof_len, min_bits, &pinfo);
    }
    if (want_info)
        info(&f, vk, &pinfo);
    if (rc == ZK_OK) {
        printf("valid: %s size %u, %zu-byte proof\n", f.circuit, f.size, f.proof_len);
        exit_code = CLI_EXIT_OK;
    } else if (rc == ZK_ERR_PROOF) {
        printf("invalid: %s\n", zk_err_detail());
        exit_code = CLI_EXIT_FAIL;
    } else {
        fprintf(stderr, "zkgate %s: %s: malformed proof: %s\n", CMD, path, zk_err_detail());
        exit_code = CLI_EXIT_USAGE;
    }
out:
    ex_free(e);
    pf_free(&f);
    zk_buf_free(&data);
    return exit_code;
}
