/* The CPU prover's memory guard: zp_prove_host_bytes against the peak resident
 * memory a proof really takes (Linux: VmHWM, reset through /proc/self/clear_refs),
 * the refusal of a proof above opts.mem_limit (a clear error, nothing appended,
 * before any work), and common/sysmem.h's /proc/meminfo parsing. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../test.h"
#include "common/error.h"
#include "common/sysmem.h"
#include "prover/backend.h"
#include "prover/examples.h"
#include "prover/hostpool.h"
#include "verifier/fri.h"
#include "verifier/plonk.h"

/* Returns: the "Key:  N kB" value of /proc/self/status in bytes, 0 if unreadable. */
static size_t status_bytes(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    size_t v = 0;
    return zk_meminfo_value(text, key, &v) ? v : 0;
}

/* Resets the peak-RSS counter. Returns: 1, or 0 when the kernel does not allow it. */
static int reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return 0;
    int ok = fputs("5", f) >= 0;
    if (fclose(f) != 0 || !ok)
        return 0;
    /* a kernel (or a sandbox's /proc) that takes the write and keeps the old peak
     * would have the next proof measured with an earlier, larger one's */
    size_t hwm = status_bytes("VmHWM"), rss = status_bytes("VmRSS");
    return hwm && rss && hwm <= rss + ((size_t)1 << 20);
}

static void test_meminfo_parse(void)
{
    const char *t = "MemTotal:       24567892 kB\nMemFree:  100 kB\nMemAvailable:   123 kB\n"
                    "SwapFree: 0 kB\nBad: 12 MB\nNeg: -4 kB\nHuge: 99999999999999999999 kB\n";
    size_t v = 7;
    CHECK(zk_meminfo_value(t, "MemAvailable", &v) == 1 && v == 123 * 1024);
    CHECK(zk_meminfo_value(t, "MemTotal", &v) == 1 && v == (size_t)24567892 * 1024);
    CHECK(zk_meminfo_value(t, "SwapFree", &v) == 1 && v == 0);
    v = 7;
    CHECK(zk_meminfo_value(t, "Mem", &v) == 0 && v == 7);     /* a prefix is not the key */
    CHECK(zk_meminfo_value(t, "Missing", &v) == 0 && v == 7); /* absent */
    CHECK(zk_meminfo_value(t, "Bad", &v) == 0 && v == 7);     /* not kB */
    CHECK(zk_meminfo_value(t, "Neg", &v) == 0 && v == 7);     /* a sign */
    CHECK(zk_meminfo_value(t, "Huge", &v) == 0 && v == 7);    /* overflows */
    CHECK(zk_meminfo_value("", "MemAvailable", &v) == 0 && v == 7);
    CHECK(zk_meminfo_value("MemAvailable:", "MemAvailable", &v) == 0 && v == 7);
    CHECK(zk_meminfo_value("X: 1 kB\nMemAvailable: 5 kB", "MemAvailable", &v) == 1 && v == 5120);
    size_t avail = zk_mem_available();
    CHECK_MSG(avail > ((size_t)16 << 20), "zk_mem_available says %zu bytes", avail);
    printf("available: %.2f GiB\n", (double)avail / (1 << 30));
}

static void test_peak(const char *name, uint32_t size, const char *preset, int zk)
{
    fri_params fri;
    CHECK_OK(fri_preset(preset, &fri));
    ex_instance *e = NULL;
    CHECK_OK(ex_build(&e, name, size, &fri, zk));
    if (!e)
        return;
    const cb_circuit *c = ex_circuit(e);
    size_t est = zp_prove_host_bytes(c, NULL);
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[16];
#if defined(__SANITIZE_ADDRESS__)
    int can = 0; /* ASan's quarantine and shadow memory are part of the peak */
    (void)reset_peak;
#else
    int can = reset_peak();
#endif
    size_t base = status_bytes("VmRSS");
    zp_prove_opts o = {.mem_limit = est};
    CHECK_OK(ex_prove(e, &o, &proof, pi));
    size_t peak = status_bytes("VmHWM");
    /* and a proof: these are the tests' largest (the quotient's Horner in pieces) */
    CHECK_OK(
        zp_verify(cb_circuit_vk(c), pi, ex_num_public_inputs(e), proof.data, proof.len, 0, NULL));
    if (can && base && peak) {
        size_t used = peak > base ? peak - base : 0;
        printf("%s %u %s zk=%d: 2^%u rows, peak %.1f MiB above the start, estimate %.1f MiB "
               "(%.3f)\n",
               name, size, preset, zk, cb_circuit_log_rows(c), used / 1048576.0, est / 1048576.0,
               (double)est / (double)used);
        /* an upper bound, and not a loose one */
        CHECK_MSG(used <= est, "peak %zu > estimate %zu", used, est);
        CHECK_MSG(est <= used + used / 4 + ((size_t)24 << 20), "estimate %zu, peak %zu", est, used);
        /* the fixed 16 MiB margin is for small proofs: a large one must be covered by
         * the proportional part (the witness left out once fell 4% short at blowup 4) */
        if (used >= ((size_t)128 << 20))
            CHECK_MSG(used + ((size_t)12 << 20) <= est,
                      "peak %zu, estimate %zu: covered only "
                      "by the fixed margin",
                      used, est);
    } else {
        printf("%s %u: peak RSS not measurable here (clear_refs %d), bound not checked\n", name,
               size, can);
    }
    /* one byte less than the estimate: refused at once, nothing appended */
    size_t len = proof.len;
    o.mem_limit = est - 1;
    CHECK_ERR(ex_prove(e, &o, &proof, pi), ZK_ERR_NOMEM);
    CHECK(strstr(zk_err_detail(), "needs about") && strstr(zk_err_detail(), "GiB"));
    CHECK_EQ(proof.len, len);
    zk_buf_free(&proof);
    ex_free(e);
}

/* A randomness source that fails at its call number `left` (0: the first). */
typedef struct fail_rand {
    long left;
    uint64_t seed;
} fail_rand;

static int failing_rand(void *ctx, uint8_t *buf, size_t n)
{
    fail_rand *f = ctx;
    if (f->left-- == 0)
        return zk_err_set(ZK_ERR_CRYPTO, "test: randomness refused");
    return t_rand_source(&f->seed, buf, n);
}

/* Proofs on a backend take their large buffers from its pool and give them all
 * back; the second proof reuses them and the bytes are those of a proof without a
 * pool (the same randomness). */
static void test_pool_proofs(void)
{
    fri_params fri;
    CHECK_OK(fri_preset("batch", &fri));
    ex_instance *e = NULL;
    CHECK_OK(ex_build(&e, "hashchain", 2048, &fri, 1));
    if (!e)
        return;
    zp_backend *be = NULL;
    CHECK_OK(zp_backend_open(&be, ZP_BACKEND_CPU, 24, 0));
    zp_hostpool *pool = zp_backend_pool(be);
    CHECK(pool != NULL);
    zk_buf ref, got;
    zk_buf_init(&ref, ZP_MAX_PROOF_BYTES);
    kb pi[16];
    uint64_t seed = 99;
    zp_prove_opts plain = {.rand = t_rand_source, .rand_ctx = &seed};
    CHECK_OK(ex_prove(e, &plain, &ref, pi));
    for (int i = 0; i < 3; i++) {
        zk_buf_init(&got, ZP_MAX_PROOF_BYTES);
        seed = 99;
        zp_prove_opts o = {.rand = t_rand_source, .rand_ctx = &seed, .backend = be};
        CHECK_OK(ex_prove(e, &o, &got, pi));
        CHECK(got.len == ref.len && memcmp(got.data, ref.data, ref.len) == 0);
        CHECK_EQ(zp_hostpool_busy(pool), 0); /* everything given back */
        size_t idle = zp_hostpool_idle(pool);
        CHECK_MSG(idle >= zp_prove_host_bytes(ex_circuit(e), be) / 2,
                  "after proof %d the pool keeps %zu bytes", i, idle);
        zk_buf_free(&got);
    }
    /* zk: the blocks that held the trace and its LDE go back to the pool wiped (the
     * pool keeps them in the process; best fit gives back these very blocks) */
    const cb_circuit *c = ex_circuit(e);
    size_t n = (size_t)1 << cb_circuit_log_rows(c), nl = n << fri.log_blowup;
    const size_t sizes[2] = {nl * ZP_WIRES * sizeof(kb), n * ZP_WIRES * sizeof(kb)};
    for (int i = 0; i < 2; i++) {
        const uint8_t *blk = zp_hostpool_take(pool, sizes[i]);
        size_t nz = 0;
        for (size_t k = 0; blk && k < sizes[i]; k++)
            nz += blk[k] != 0;
        CHECK_MSG(blk && nz == 0, "block %d (%zu bytes): %zu bytes not wiped", i, sizes[i], nz);
        zp_hostpool_give(pool, (void *)blk);
    }
    /* a failed proof gives its buffers back too */
    size_t idle = zp_hostpool_idle(pool);
    zp_prove_opts tight = {.backend = be, .mem_limit = 1};
    zk_buf_init(&got, ZP_MAX_PROOF_BYTES);
    CHECK_ERR(ex_prove(e, &tight, &got, pi), ZK_ERR_NOMEM);
    CHECK_EQ(got.len, 0);
    CHECK_EQ(zp_hostpool_busy(pool), 0);
    CHECK_EQ(zp_hostpool_idle(pool), idle);
    zk_buf_free(&got);
    /* proofs that fail halfway (the randomness fails at its k-th call: the zk rows,
     * then each tree's salt) give back everything they took, the trace wiped */
    fail_rand count = {.left = -1, .seed = 5}; /* never fails: counts the calls */
    zp_prove_opts oc = {.rand = failing_rand, .rand_ctx = &count, .backend = be};
    zk_buf_init(&got, ZP_MAX_PROOF_BYTES);
    CHECK_OK(ex_prove(e, &oc, &got, pi));
    zk_buf_free(&got);
    long calls = -1 - count.left;
    CHECK(calls >= 4);
    for (int k = 0; k < 5; k++) {
        long at = k == 4 ? calls - 1 : k * calls / 4;
        fail_rand fr = {.left = at, .seed = 5};
        zp_prove_opts o = {.rand = failing_rand, .rand_ctx = &fr, .backend = be};
        zk_buf_init(&got, ZP_MAX_PROOF_BYTES);
        CHECK_ERR(ex_prove(e, &o, &got, pi), ZK_ERR_CRYPTO);
        CHECK_EQ(got.len, 0);
        CHECK_MSG(zp_hostpool_busy(pool) == 0, "failure at call %ld: %zu bytes not given back", at,
                  zp_hostpool_busy(pool));
        zk_buf_free(&got);
    }
    zk_buf_free(&ref);
    zp_backend_free(be);
    ex_free(e);
}

int main(void)
{
    t_seed();
    /* Every block of 64 KiB or more its own mapping, unmapped when freed (glibc would
     * otherwise raise the threshold after the first large free and keep later blocks
     * in its heap, where freed memory stays resident and a peak cannot be told). */
    mallopt(M_MMAP_THRESHOLD, 64 << 10);
    mallopt(M_TRIM_THRESHOLD, 64 << 10);
    test_meminfo_parse();
    /* warm: the thread pool, the NTT plans' tables, malloc's arenas */
    test_peak("hashchain", 64, "test", 0);
    test_peak("hashchain", 4096, "batch", 0);
    test_peak("hashchain", 4096, "batch", 1);
    test_peak("hashchain", 16384, "batch", 0);
    test_peak("merkle", 64, "aggregate", 0);
    test_peak("hashchain", 4096, "settle", 1);
    test_peak("hashchain", 8192, "test", 0);  /* blowup 4: the quotient's peak is the higher */
    test_peak("hashchain", 20000, "test", 0); /* 2^15 rows at blowup 4 */
    test_pool_proofs();
    return t_report("test_prove_mem");
}
