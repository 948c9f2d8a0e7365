/* Placeholder while this group is written; replaced by the real benchmark. */
#include "bench/bench.h"
#include "common/error.h"

int bench_ntt(const bench_ctx *ctx)
{
    (void)ctx;
    return zk_err_set(ZK_ERR_UNSUPPORTED, "benchmark group 'ntt' is not written yet (issue 3)");
}
