/* GPU discovery for the prover's CUDA backend.
 *
 * The CUDA code lives in prover/cuda/ (CUDA C++ behind extern "C" functions that
 * return zk_err codes). This header is what the rest of zkgate sees: whether a
 * usable device is present, and what it is. Builds without CUDA answer
 * ZK_ERR_NO_DEVICE with a detail saying the backend was not built.
 */
#ifndef ZKGATE_PROVER_GPU_H
#define ZKGATE_PROVER_GPU_H

#include <stddef.h>
#include <stdint.h>

typedef struct gpu_info {
    char name[256]; /* e.g. "NVIDIA H100 80GB HBM3" */
    int ordinal;    /* CUDA device number */
    int cc_major;   /* compute capability */
    int cc_minor;
    uint64_t total_mem;  /* bytes of device memory */
    uint64_t free_mem;   /* bytes free when probed */
    int multiprocessors; /* SM count */
    int driver_version;  /* as cudaDriverGetVersion reports (e.g. 13000) */
    int runtime_version; /* as cudaRuntimeGetVersion reports */
} gpu_info;

/* Returns: non-zero when this build contains the CUDA backend. */
int gpu_backend_built(void);

/* Finds the first usable device (compute capability 8.0 or newer, as the kernels
 * are built for sm_80, sm_89 and sm_90).
 * Returns: ZK_OK and *out; ZK_ERR_NO_DEVICE when the backend is not built, no
 * driver or device is present, or no device is new enough (the detail says which);
 * ZK_ERR_DEVICE when a CUDA call fails otherwise. */
int gpu_probe(gpu_info *out) __attribute__((warn_unused_result));

#endif
