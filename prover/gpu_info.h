/* What gpu_probe reports about a device: a plain value type, in its own header so
 * that the CUDA side (prover/cuda/zkc.h, compiled as C++) can fill it without
 * seeing the C headers gpu.h includes. */
#ifndef ZKGATE_PROVER_GPU_INFO_H
#define ZKGATE_PROVER_GPU_INFO_H

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

#endif
