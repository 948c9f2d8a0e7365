/* Placeholder while this group is written; replaced by the real benchmark. */
#include "bench/bench.h"
#include "common/error.h"

int bench_merkle(const bench_ctx *ctx)
{
    (void)ctx;
    return zk_err_set(ZK_ERR_UNSUPPORTED, "benchmark group 'merkle' is not written yet (issue 3)");
}
