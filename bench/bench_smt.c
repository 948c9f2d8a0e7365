/* State-tree (chains/smt) update benchmarks: what the chain's ledger pays per
 * account-leaf write, on a durable SQLite file (synchronous=FULL), as the node
 * runs it.
 *
 * Bounds:
 * - batched updates: the Poseidon2 compressions the batch needs (every distinct
 *   ancestor of the updated leaves, counted exactly), at the one-thread
 *   p2_permute_many rate. The ratio is what storage and bookkeeping add.
 * - one update per transaction: the measured rate of write + fdatasync on the same
 *   file system, since each commit must reach the disk before it returns.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "chains/smt.h"
#include "common/db.h"
#include "common/error.h"

#define BATCH 2048u

static uint64_t g_rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static void rand_digest(p2_digest *d)
{
    for (int i = 0; i < P2_DIGEST_LEN; i++)
        d->v[i] = kb_from_u32((uint32_t)rnd());
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Distinct inner nodes above the given leaves: the compressions a batch needs. */
static uint64_t compressions(const uint32_t *idx, size_t n)
{
    uint32_t *v = malloc(n * sizeof *v);
    if (!v)
        return 0;
    memcpy(v, idx, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_u32);
    uint64_t total = 0;
    for (int level = 0; level < SMT_DEPTH; level++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t p = v[i] >> 1;
            if (m == 0 || v[m - 1] != p)
                v[m++] = p;
        }
        n = m;
        total += n;
    }
    free(v);
    return total;
}

/* write(4 KiB) + fdatasync per second on the folder's file system. */
static double fsync_rate(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/zk_bench_fsync_%d", dir, (int)getpid());
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    char block[4096];
    memset(block, 0xab, sizeof block);
    int n = 200;
    double t0 = bench_now();
    for (int i = 0; i < n; i++) {
        if (pwrite(fd, block, sizeof block, (off_t)(i % 16) * 4096) != (ssize_t)sizeof block ||
            fdatasync(fd) != 0) {
            n = i;
            break;
        }
    }
    double t = bench_now() - t0;
    close(fd);
    unlink(path);
    return n > 0 ? n / t : 0;
}

static void remove_db(const char *path)
{
    char p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static int run_size(const bench_ctx *ctx, size_t nleaves, double p2_rate, double sync_rate,
                    const char *dir)
{
    char path[256], size[32];
    snprintf(path, sizeof path, "%s/zk_bench_smt_%d.db", dir, (int)getpid());
    snprintf(size, sizeof size, "2^%d leaves", __builtin_ctzll(nleaves));
    remove_db(path);
    zk_db *db = NULL;
    smt *t = NULL;
    uint32_t *idx = malloc(BATCH * sizeof *idx);
    p2_digest *lv = malloc(BATCH * sizeof *lv);
    int rc = (idx && lv) ? ZK_OK : zk_err_set(ZK_ERR_NOMEM, "bench smt buffers");
    if (!rc)
        rc = db_open(&db, path, DB_DURABLE, 0);
    if (!rc)
        rc = smt_schema(db);
    if (!rc)
        rc = smt_new(&t, db, 1, 0);

    /* fill in index order, as the sequencer hands out indices */
    for (size_t base = 0; !rc && base < nleaves; base += BATCH) {
        for (size_t k = 0; k < BATCH; k++) {
            idx[k] = (uint32_t)(base + k);
            rand_digest(&lv[k]);
        }
        rc = smt_update(t, idx, lv, BATCH);
    }

    /* random updates of existing leaves, BATCH per transaction */
    int rounds = ctx->quick ? 2 : 8;
    uint64_t comps = 0;
    double best = 1e300;
    for (int r = 0; !rc && r < rounds; r++) {
        for (size_t k = 0; k < BATCH; k++) {
            idx[k] = (uint32_t)(rnd() % nleaves);
            rand_digest(&lv[k]);
        }
        uint64_t c = compressions(idx, BATCH);
        double t0 = bench_now();
        rc = smt_update(t, idx, lv, BATCH);
        double dt = bench_now() - t0;
        if (dt < best) {
            best = dt;
            comps = c;
        }
    }
    if (!rc) {
        bench_result res = {.group = "smt",
                            .name = "update_batch2048",
                            .size = size,
                            .items = BATCH,
                            .threads = 1,
                            .seconds = best,
                            .throughput = BATCH / best,
                            .unit = "upd/s",
                            .bound = p2_rate > 0 ? BATCH * p2_rate / (double)comps : 0,
                            .bound_what = "its distinct compressions at the 1-thread p2 rate"};
        bench_emit(ctx, &res);
    }

    /* one update per durable transaction */
    int singles = ctx->quick ? 50 : 400;
    double t0 = bench_now();
    for (int k = 0; !rc && k < singles; k++) {
        rand_digest(&lv[0]);
        rc = smt_set(t, (uint32_t)(rnd() % nleaves), &lv[0]);
    }
    double dt = bench_now() - t0;
    if (!rc) {
        bench_result res = {.group = "smt",
                            .name = "update_single_tx",
                            .size = size,
                            .items = (uint64_t)singles,
                            .threads = 1,
                            .seconds = dt / singles,
                            .throughput = singles / dt,
                            .unit = "upd/s",
                            .bound = sync_rate,
                            .bound_what = "measured write+fdatasync rate"};
        bench_emit(ctx, &res);
    }
    smt_free(t);
    db_close(db);
    remove_db(path);
    free(idx);
    free(lv);
    return rc;
}

int bench_smt(const bench_ctx *ctx)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = "/tmp";
    double p2_rate = bench_p2_rate(1);
    double sync_rate = fsync_rate(dir);
    int rc = run_size(ctx, ctx->quick ? (1u << 12) : (1u << 14), p2_rate, sync_rate, dir);
    if (!rc && !ctx->quick)
        rc = run_size(ctx, 1u << 20, p2_rate, sync_rate, dir);
    return rc;
}
