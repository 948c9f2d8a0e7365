/* The GPU probe: reports SKIPPED (77) when no usable device is present, which is
 * the path every CI machine without a GPU takes; on a GPU machine it checks that
 * what the probe says is plausible. */
#include "common/error.h"
#include "prover/gpu.h"
#include "tests/test.h"

int main(void)
{
    gpu_info g;
    int rc = gpu_probe(&g);
    if (rc == ZK_ERR_NO_DEVICE) {
        printf("SKIPPED: %s\n", zk_err_detail());
        CHECK(strlen(zk_err_detail()) > 0);
        return t_failures ? 1 : TEST_SKIP;
    }
    CHECK_OK(rc);
    printf("device %d: %s, sm_%d%d, %d SMs, %.1f GiB (%.1f free), driver %d, runtime %d\n",
           g.ordinal, g.name, g.cc_major, g.cc_minor, g.multiprocessors,
           (double)g.total_mem / (1 << 30), (double)g.free_mem / (1 << 30), g.driver_version,
           g.runtime_version);
    CHECK(gpu_backend_built());
    CHECK(g.cc_major >= 8);
    CHECK(g.total_mem > 0 && g.free_mem <= g.total_mem);
    CHECK(g.multiprocessors > 0);
    CHECK(g.name[0] != 0);
    return t_report("test_gpu_probe");
}
