/* The prover's 16-lane paths (the permutation argument's rows, the quotient's
 * points, AVX-512) on zk_par_for ranges that end inside a 16-row block, against the
 * scalar code: the same proof bytes.
 *
 * zk_par_for cuts n rows into chunks of n / (4 threads), threads capped at the
 * online cores. On a machine with 2 or 4 cores every chunk of a power-of-two n is a
 * multiple of 16, so the 16-lane loops' scalar tails never run in the other tests.
 * This test is linked with -Wl,--wrap=sysconf (tests/prover/CMakeLists.txt) so that
 * the pool sees 12 cores: 3 threads then give 2^13 / 12 = 682-row ranges
 * (permutation) and 2^15 / 12 = 2730-point ranges (quotient), 7 threads 1170-point
 * ones, on any machine. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../test.h"
#include "common/error.h"
#include "common/par.h"
#include "prover/circuit.h"
#include "prover/examples.h"
#include "prover/plonk_prove.h"
#include "verifier/kb_simd.h"

long __real_sysconf(int name);
long __wrap_sysconf(int name);

long __wrap_sysconf(int name)
{
    if (name == _SC_NPROCESSORS_ONLN)
        return 12;
    return __real_sysconf(name);
}

static void first_range(void *ctx, size_t begin, size_t end)
{
    if (begin == 0)
        *(size_t *)ctx = end;
}

static void test_split(unsigned size, unsigned log_n)
{
    fri_params fri;
    CHECK_OK(fri_preset("test", &fri));
    ex_instance *e = NULL;
    CHECK_OK(ex_build(&e, "hashchain", size, &fri, 0));
    if (!e)
        return;
    CHECK(cb_circuit_log_rows(ex_circuit(e)) == log_n);
    int top = kb_simd_force(-1);
    for (int th = 3; th <= 7; th += 4) {
        zk_par_set_threads(th);
        /* the wrap took effect: the quotient's 4n points in ranges that split blocks */
        size_t r = 0, nq = (size_t)4 << log_n;
        zk_par_for(nq, 256, first_range, &r);
        CHECK(r % 16 != 0 || nq <= 256);
        zk_buf ref;
        zk_buf_init(&ref, ZP_MAX_PROOF_BYTES);
        for (int level = top; level >= 0; level--) {
            kb_simd_force(level);
            uint64_t seed = 9;
            zp_prove_opts o = {.rand = t_rand_source, .rand_ctx = &seed};
            zk_buf p;
            zk_buf_init(&p, ZP_MAX_PROOF_BYTES);
            kb pi[16];
            CHECK_OK(ex_prove(e, &o, level == top ? &ref : &p, pi));
            if (level != top)
                CHECK(p.len == ref.len && memcmp(p.data, ref.data, p.len) == 0);
            zk_buf_free(&p);
        }
        printf("hashchain %u (2^%u rows), %d threads: vector levels 0..%d agree\n", size, log_n, th,
               top);
        zk_buf_free(&ref);
    }
    kb_simd_force(-1);
    zk_par_set_threads(0);
    ex_free(e);
}

int main(void)
{
    t_seed();
    test_split(8000, 13);
    test_split(20, 5); /* fewer rows than one range's minimum */
    return t_report("test_split_ranges");
}
