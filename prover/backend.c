/* Backend choice (prover/backend.h). */
#include "prover/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/sysmem.h"

struct zp_backend {
    zp_backend_kind used;
    gpu_ctx *gpu;
    zp_hostpool *pool; /* host buffers kept between proofs */
    char why[512];
};

int zp_backend_parse(const char *s, zp_backend_kind *out)
{
    static const zp_backend_kind kinds[] = {ZP_BACKEND_AUTO, ZP_BACKEND_CPU, ZP_BACKEND_CUDA};
    for (size_t i = 0; s && out && i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(s, zp_backend_kind_name(kinds[i])) == 0) {
            *out = kinds[i];
            return ZK_OK;
        }
    }
    return zk_err_set(ZK_ERR_INVALID_ARG, "unknown backend '%s': want auto, cpu or cuda",
                      s ? s : "(null)");
}

const char *zp_backend_kind_name(zp_backend_kind k)
{
    switch (k) {
    case ZP_BACKEND_AUTO: return "auto";
    case ZP_BACKEND_CPU: return "cpu";
    case ZP_BACKEND_CUDA: return "cuda";
    }
    return "unknown";
}

#define MIB ((size_t)1 << 20)

/* The arena to reserve when the caller did not say: most of what is free, with
 * room left for the CUDA runtime's own allocations. */
static size_t default_arena(const gpu_info *g)
{
    size_t free_b = (size_t)g->free_mem, keep = 256 * MIB;
    if (free_b <= 2 * keep)
        return free_b / 2;
    return (free_b - keep) / 10 * 9;
}

int zp_backend_open(zp_backend **out, zp_backend_kind want, unsigned max_log_lde,
                    size_t arena_bytes)
{
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zp_backend_open: NULL out");
    *out = NULL;
    if (want != ZP_BACKEND_AUTO && want != ZP_BACKEND_CPU && want != ZP_BACKEND_CUDA)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zp_backend_open: backend %d", (int)want);
    zp_backend *b = calloc(1, sizeof *b);
    if (!b)
        return zk_err_set(ZK_ERR_NOMEM, "zp_backend_open");
    b->used = ZP_BACKEND_CPU;
    size_t avail = zk_mem_available();
    if (zp_hostpool_new(&b->pool, avail ? avail / 2 : (size_t)4 << 30)) {
        free(b);
        return zk_err_set(ZK_ERR_NOMEM, "zp_backend_open");
    }
    if (want == ZP_BACKEND_CPU) {
        snprintf(b->why, sizeof b->why, "cpu (as asked)");
        *out = b;
        return ZK_OK;
    }
    gpu_info g;
    int rc = gpu_probe(&g);
    size_t arena = arena_bytes;
    if (rc == ZK_OK) {
        if (arena == 0)
            arena = default_arena(&g);
        rc = gpu_ctx_new(&b->gpu, arena, max_log_lde);
    }
    if (rc == ZK_OK) {
        b->used = ZP_BACKEND_CUDA;
        snprintf(b->why, sizeof b->why, "cuda: %s (sm_%d%d, %.1f GiB, arena %.1f GiB)", g.name,
                 g.cc_major, g.cc_minor, (double)g.total_mem / (double)(1u << 30),
                 (double)arena / (double)(1u << 30));
        *out = b;
        return ZK_OK;
    }
    if (want == ZP_BACKEND_CUDA) {
        zp_backend_free(b);
        return zk_err_wrap(rc, "--backend cuda: ");
    }
    snprintf(b->why, sizeof b->why, "cpu (auto: %s)", zk_err_detail());
    *out = b;
    return ZK_OK;
}

zp_backend_kind zp_backend_used(const zp_backend *b)
{
    return b ? b->used : ZP_BACKEND_CPU;
}

const char *zp_backend_describe(const zp_backend *b)
{
    return b ? b->why : "cpu";
}

gpu_ctx *zp_backend_gpu(const zp_backend *b)
{
    return b ? b->gpu : NULL;
}

zp_hostpool *zp_backend_pool(const zp_backend *b)
{
    return b ? b->pool : NULL;
}

void zp_backend_free(zp_backend *b)
{
    if (!b)
        return;
    gpu_ctx_free(b->gpu);
    zp_hostpool_free(b->pool);
    free(b);
}
