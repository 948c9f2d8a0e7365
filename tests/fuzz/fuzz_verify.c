/* libFuzzer target for the PLONK verifier (verifier/plonk.h).
 *
 * Input: one selector byte (bit 0: the circuit without / with zero knowledge),
 * then proof bytes, checked with zp_verify against that circuit's key and fixed
 * public inputs. Besides crashes and sanitizer reports, the target aborts when
 *   - zp_verify returns a code the API does not document for it, or fails
 *     without a detail saying why;
 *   - it accepts bytes other than the honest proofs built at start-up (the
 *     circuits are small and their randomness fixed, so those are known): a
 *     mutated proof that verifies is a forgery or, at best, a malleable encoding.
 *
 * Built with ZK_FUZZ_STANDALONE, the same file gets a main that writes the seed
 * corpus (--make-corpus DIR) or replays files and folders through the target, so
 * that the corpus and the invariants are exercised by compilers without libFuzzer.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/bytes.h"
#include "common/error.h"
#include "prover/circuit.h"
#include "prover/plonk_prove.h"
#include "verifier/plonk.h"

#define FZ_NPI    3
#define FZ_PROOFS 2 /* honest proofs per circuit: zero-knowledge ones differ */

typedef struct fz_circuit {
    cb_circuit *c;
    kb pi[FZ_NPI];
    zk_buf proof[FZ_PROOFS];
    size_t nproofs;
} fz_circuit;

static fz_circuit fz[2];
static int fz_ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void fz_die(const char *what)
{
    fprintf(stderr, "fuzz_verify: %s (%s)\n", what, zk_err_detail());
    abort();
}

/* The fixed ZK randomness of the honest proofs: a counter-seeded LCG. */
static int fz_rand(void *ctx, uint8_t *buf, size_t n)
{
    uint64_t *s = ctx;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(*s >> 56);
    }
    return ZK_OK;
}

/* A small circuit reaching most gates: arithmetic, a range check, random
 * access, a Poseidon2 hash and the public-input row. */
static int fz_build(fz_circuit *f, int zk)
{
    fri_params fri;
    int rc = fri_preset("test", &fri);
    if (rc)
        return rc;
    cb_builder *b;
    rc = cb_new(&b, &fri, zk);
    if (rc)
        return rc;
    cb_target x = cb_virtual(b), y = cb_virtual(b), idx = cb_virtual(b);
    cb_target vals[4];
    for (int i = 0; i < 4; i++)
        vals[i] = cb_constant(b, kb_from_u32(40u + (uint32_t)i));
    cb_target s = cb_mul(b, cb_add(b, x, y), x);
    cb_range_check(b, y, 12, NULL);
    cb_target sel = cb_random_access(b, idx, vals, 4);
    cb_target in[2] = {s, sel}, h[8];
    cb_hash(b, P2_DOM_GENERIC, in, 2, h);
    cb_public_input(b, s);
    cb_public_input(b, h[0]);
    cb_public_input(b, h[1]);
    rc = cb_build(b, &f->c);
    for (size_t k = 0; k < FZ_PROOFS && !rc; k++) {
        cb_witness *w;
        rc = cb_witness_new(&w, f->c);
        if (rc)
            break;
        rc = cb_witness_set(w, x, kb_from_u32(7));
        if (!rc)
            rc = cb_witness_set(w, y, kb_from_u32(300));
        if (!rc)
            rc = cb_witness_set(w, idx, kb_from_u32(2));
        uint64_t seed = 1 + k;
        zp_prove_opts o = {.rand = fz_rand, .rand_ctx = &seed};
        zk_buf_init(&f->proof[k], ZP_MAX_PROOF_BYTES);
        if (!rc)
            rc = zp_prove(f->c, w, &o, &f->proof[k], f->pi);
        cb_witness_free(w);
        if (!rc)
            f->nproofs++;
        /* without zero knowledge every proof is the same bytes: keep one */
        if (!zk)
            break;
    }
    return rc;
}

static void fz_setup(void)
{
    if (fz_ready)
        return;
    for (int zk = 0; zk < 2; zk++) {
        if (fz_build(&fz[zk], zk))
            fz_die("building the circuit or its honest proofs failed");
        for (size_t k = 0; k < fz[zk].nproofs; k++)
            if (zp_verify(cb_circuit_vk(fz[zk].c), fz[zk].pi, FZ_NPI, fz[zk].proof[k].data,
                          fz[zk].proof[k].len, 0, NULL))
                fz_die("an honest proof does not verify");
    }
    fz_ready = 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_setup();
    if (size < 1)
        return 0;
    const fz_circuit *f = &fz[data[0] & 1];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    zk_err_clear();
    int rc = zp_verify(cb_circuit_vk(f->c), f->pi, FZ_NPI, p, n, 0, NULL);
    switch (rc) {
    case ZK_OK: {
        int honest = 0;
        for (size_t k = 0; k < f->nproofs; k++)
            if (f->proof[k].len == n && memcmp(f->proof[k].data, p, n) == 0)
                honest = 1;
        if (!honest)
            fz_die("zp_verify accepted bytes that are not an honest proof");
        break;
    }
    case ZK_ERR_PROOF:
    case ZK_ERR_PARSE:
    case ZK_ERR_RANGE:
    case ZK_ERR_TOO_LARGE:
    case ZK_ERR_UNSUPPORTED:
    case ZK_ERR_NOMEM:
        if (!zk_err_detail()[0])
            fz_die("zp_verify failed without a detail");
        break;
    default: fz_die("zp_verify returned an undocumented code");
    }
    return 0;
}

#ifdef ZK_FUZZ_STANDALONE

/* Caps a replayed file, as libFuzzer's -max_len would. */
#define FZ_MAX_FILE (8u << 20)

static int fz_write(const char *dir, const char *name, uint8_t sel, const zk_buf *proof)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        fprintf(stderr, "fuzz_verify: path too long: %s/%s\n", dir, name);
        return 1;
    }
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        return 1;
    }
    int bad = fwrite(&sel, 1, 1, fp) != 1 || fwrite(proof->data, 1, proof->len, fp) != proof->len;
    bad |= fclose(fp) != 0;
    if (bad)
        fprintf(stderr, "fuzz_verify: writing %s failed\n", path);
    return bad;
}

/* The seed corpus: every honest proof, and each also cut after its commitments
 * so that the fuzzer starts from short inputs too. */
static int fz_make_corpus(const char *dir)
{
    if (mkdir(dir, 0755) != 0) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            perror(dir);
            return 1;
        }
    }
    int bad = 0;
    for (int zk = 0; zk < 2; zk++)
        for (size_t k = 0; k < fz[zk].nproofs; k++) {
            char name[64];
            snprintf(name, sizeof name, "valid-zk%d-%zu", zk, k);
            bad |= fz_write(dir, name, (uint8_t)zk, &fz[zk].proof[k]);
            zp_proof_info info;
            if (zp_verify(cb_circuit_vk(fz[zk].c), fz[zk].pi, FZ_NPI, fz[zk].proof[k].data,
                          fz[zk].proof[k].len, 0, &info))
                fz_die("an honest proof does not verify");
            zk_buf cut = fz[zk].proof[k];
            cut.len = info.commit_bytes < cut.len ? info.commit_bytes : cut.len;
            snprintf(name, sizeof name, "commit-zk%d-%zu", zk, k);
            bad |= fz_write(dir, name, (uint8_t)zk, &cut);
            printf("fuzz_verify: zk=%d proof %zu: %zu bytes (%zu of commitments)\n", zk, k,
                   fz[zk].proof[k].len, info.commit_bytes);
        }
    return bad;
}

static int fz_replay_file(const char *path, size_t *count)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        return 1;
    }
    uint8_t *buf = malloc(FZ_MAX_FILE);
    if (!buf) {
        fclose(fp);
        fprintf(stderr, "fuzz_verify: out of memory\n");
        return 1;
    }
    size_t n = fread(buf, 1, FZ_MAX_FILE, fp);
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    (*count)++;
    return 0;
}

static int fz_replay(const char *path, size_t *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return fz_replay_file(path, count);
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return 1;
    }
    int bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096];
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub)
            continue;
        bad |= fz_replay(sub, count);
    }
    closedir(d);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s --make-corpus DIR | FILE-OR-DIR...\n", argv[0]);
        return 2;
    }
    fz_setup();
    if (strcmp(argv[1], "--make-corpus") == 0) {
        if (argc != 3) {
            fprintf(stderr, "usage: %s --make-corpus DIR\n", argv[0]);
            return 2;
        }
        return fz_make_corpus(argv[2]);
    }
    size_t count = 0;
    int bad = 0;
    for (int i = 1; i < argc; i++)
        bad |= fz_replay(argv[i], &count);
    printf("fuzz_verify: replayed %zu inputs\n", count);
    return bad || count == 0;
}

#endif
