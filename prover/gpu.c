#include "prover/gpu.h"

#include <string.h>

#include "common/error.h"

#ifdef ZKGATE_HAVE_CUDA
#include "prover/cuda/zkc.h"
#endif

int gpu_backend_built(void)
{
#ifdef ZKGATE_HAVE_CUDA
    return 1;
#else
    return 0;
#endif
}

int gpu_probe(gpu_info *out)
{
    memset(out, 0, sizeof *out);
#ifdef ZKGATE_HAVE_CUDA
    return zkc_probe(out);
#else
    return zk_err_set(
        ZK_ERR_NO_DEVICE,
        "this zkgate was built without the CUDA backend (ZKGATE_CUDA=OFF or no nvcc)");
#endif
}
