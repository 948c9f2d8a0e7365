/* What the tests of the CUDA backend in tests/prover share (test_cuda_*, test_gpu_*,
 * test_prove_backends): allocation that never returns NULL, random field and
 * extension elements drawn from tests/test.h's seeded generator, the Poseidon2
 * constants in the form the device code takes, kb4 <-> zkc_kb4, and the start of
 * a gpu test's main() (skip without a device, name the device, seed).
 *
 * Static inline, like tests/test.h: each test is one executable, and a helper it
 * does not use costs nothing. Every value comes from t_rand(), so a run replays
 * with the seed it prints (ZK_TEST_SEED=...). Only the device-independent headers
 * are included (.cuh files are C11 too), so a build without CUDA compiles it. */
#ifndef ZKGATE_TESTS_PROVER_CUDA_TEST_H
#define ZKGATE_TESTS_PROVER_CUDA_TEST_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/cuda/kb.cuh"
#include "prover/cuda/p2.cuh"
#include "prover/gpu.h"
#include "tests/test.h"
#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/kb_simd.h" /* the Poseidon2 round constants */

/* malloc that a test need not check: bytes == 0 still gives a pointer to free;
 * out of memory prints so and exits 1 (a failed test, not a crash). */
static inline void *ct_xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* A uniform field element (a value in [0, p), read as Montgomery form). */
static inline kb ct_rand_kb(void)
{
    return (kb)(t_rand() % KB_P);
}

/* Four uniform field elements as an extension element. */
static inline kb4 ct_rand_kb4(void)
{
    kb4 a = {{ct_rand_kb(), ct_rand_kb(), ct_rand_kb(), ct_rand_kb()}};
    return a;
}

/* n uniform field elements in a new array (ct_xmalloc; the caller frees it). kb is
 * uint32_t, so it serves the device functions' uint32_t arguments as well. */
static inline kb *ct_rand_vec(size_t n)
{
    kb *x = ct_xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = ct_rand_kb();
    return x;
}

/* Out: k, verifier/'s Poseidon2 round constants and diagonal, as the device code
 * (prover/cuda/p2.cuh) takes them. */
static inline void ct_load_p2_consts(zkc_p2_consts *k)
{
    memcpy(k->ext_init, p2_rc_ext_init, sizeof k->ext_init);
    memcpy(k->internal, p2_rc_int, sizeof k->internal);
    memcpy(k->ext_final, p2_rc_ext_final, sizeof k->ext_final);
    memcpy(k->diag, p2_diag, sizeof k->diag);
}

/* The CPU's extension element in the device code's type (the same four words). */
static inline zkc_kb4 ct_to_z(kb4 a)
{
    zkc_kb4 r;
    memcpy(&r, &a, sizeof r);
    return r;
}

/* Returns: 1 when the device code's z and the CPU's c are the same element. */
static inline int ct_same4(zkc_kb4 z, kb4 c)
{
    return memcmp(&z, &c, sizeof z) == 0;
}

/* ct_device_gate's answer when there is a device and main() goes on. */
#define CT_GO_ON (-1)

/* The start of a gpu test's main(), given rc, what its probe for a device
 * returned (gpu_probe, zp_backend_open):
 *   ZK_ERR_NO_DEVICE  prints "SKIPPED: <reason>" and returns TEST_SKIP (77);
 *   another error     fails a check, as CHECK_OK(rc) would, and returns
 *                     t_report(name) (1);
 *   0                 counts the passed check and returns CT_GO_ON.
 * main() returns any other answer than CT_GO_ON as its exit code:
 *     int code = ct_device_gate(rc, "test_x");
 *     if (code != CT_GO_ON)
 *         return code;
 * A macro so that a failure names the test's line and expression, as CHECK_OK
 * written there would. */
#define ct_device_gate(rc, name) ct_device_gate_at((rc), #rc, (name), __FILE__, __LINE__)

static inline int ct_device_gate_at(int rc, const char *expr, const char *name, const char *file,
                                    int line)
{
    if (rc == ZK_ERR_NO_DEVICE) {
        printf("SKIPPED: %s\n", zk_err_detail());
        return TEST_SKIP;
    }
    /* CHECK_OK(rc), with the caller's file, line and expression */
    t_checks++;
    if (rc != 0) {
        t_failures++;
        fprintf(stderr, "%s:%d: %s returned %d: %s\n", file, line, expr, rc, zk_err_detail());
        return t_report(name);
    }
    return CT_GO_ON;
}

/* The start of the main() of a gpu test on gpu_probe's device: probes and answers
 * as ct_device_gate; with a device, first prints "device: <name> (sm_XY, N SMs)"
 * and seeds the generator (t_seed), so a run names where and how it ran. Used as
 * ct_device_gate is; a macro for the same reason. */
#define ct_gpu_start(name) ct_gpu_start_at((name), __FILE__, __LINE__)

static inline int ct_gpu_start_at(const char *name, const char *file, int line)
{
    gpu_info g;
    int rc = gpu_probe(&g);
    int code = ct_device_gate_at(rc, "rc", name, file, line);
    if (code == CT_GO_ON) {
        printf("device: %s (sm_%d%d, %d SMs)\n", g.name, g.cc_major, g.cc_minor, g.multiprocessors);
        t_seed();
    }
    return code;
}

#endif
