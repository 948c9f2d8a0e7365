/* Merkle path checks over matrices of mixed heights; see merkle.h and
 * docs/PROTOCOL.md, "Merkle trees". */
#include "verifier/merkle.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

int mk_shape_check(const mk_shape *shape, unsigned *log_height)
{
    if (!shape || !shape->mats)
        return zk_err_set(ZK_ERR_INVALID_ARG, "merkle shape: NULL");
    if (shape->nmats == 0 || shape->nmats > MK_MAX_MATRICES)
        return zk_err_set(ZK_ERR_INVALID_ARG, "merkle shape: %zu matrices, want 1..%u",
                          shape->nmats, (unsigned)MK_MAX_MATRICES);
    unsigned d = 0;
    for (size_t k = 0; k < shape->nmats; k++) {
        const mk_dims *m = &shape->mats[k];
        if (m->log_height > MK_MAX_LOG_HEIGHT || m->log_height < shape->cap_log)
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "merkle shape: matrix %zu has 2^%u rows, want 2^%u..2^%u", k,
                              m->log_height, shape->cap_log, (unsigned)MK_MAX_LOG_HEIGHT);
        if (m->width == 0 || m->width > MK_MAX_WIDTH)
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "merkle shape: matrix %zu has width %zu, want 1..%u", k, m->width,
                              (unsigned)MK_MAX_WIDTH);
        if (m->log_height > d)
            d = m->log_height;
    }
    if (log_height)
        *log_height = d;
    return ZK_OK;
}

void mk_hash_rows(p2_digest *out, const mk_row *rows, size_t nrows)
{
    p2_sponge s;
    p2_sponge_init(&s, P2_DOM_MERKLE_LEAF);
    for (size_t k = 0; k < nrows; k++)
        p2_sponge_absorb(&s, rows[k].v, rows[k].len);
    p2_sponge_finish(&s, out);
}

/* Hash of the rows of the matrices of height 2^l from one query's rows; *any is
 * set when there are such matrices. */
static void hash_level(p2_digest *out, int *any, const mk_shape *shape, const mk_row *rows,
                       unsigned l)
{
    p2_sponge s;
    *any = 0;
    for (size_t k = 0; k < shape->nmats; k++) {
        if (shape->mats[k].log_height != l)
            continue;
        if (!*any)
            p2_sponge_init(&s, P2_DOM_MERKLE_LEAF);
        *any = 1;
        p2_sponge_absorb(&s, rows[k].v, rows[k].len);
    }
    if (*any)
        p2_sponge_finish(&s, out);
}

static int has_level(const mk_shape *shape, unsigned l)
{
    for (size_t k = 0; k < shape->nmats; k++)
        if (shape->mats[k].log_height == l)
            return 1;
    return 0;
}

static int digest_reduced(const p2_digest *d)
{
    for (int i = 0; i < P2_DIGEST_LEN; i++)
        if (d->v[i] >= KB_P)
            return 0;
    return 1;
}

/* Rows of one query: count, widths, reduced values. what names the query. */
static int check_rows(const mk_shape *shape, const mk_row *rows, size_t q)
{
    for (size_t k = 0; k < shape->nmats; k++) {
        if (rows[k].len != shape->mats[k].width)
            return zk_err_set(ZK_ERR_PROOF,
                              "merkle opening %zu: row of matrix %zu has %zu elements, want %zu", q,
                              k, rows[k].len, shape->mats[k].width);
        if (!rows[k].v)
            return zk_err_set(ZK_ERR_PROOF, "merkle opening %zu: row of matrix %zu is NULL", q, k);
        for (size_t j = 0; j < rows[k].len; j++)
            if (rows[k].v[j] >= KB_P)
                return zk_err_set(ZK_ERR_PROOF,
                                  "merkle opening %zu: matrix %zu element %zu is not reduced", q, k,
                                  j);
    }
    return ZK_OK;
}

static int check_cap(const mk_shape *shape, const p2_digest *cap, size_t cap_len)
{
    if (!cap)
        return zk_err_set(ZK_ERR_INVALID_ARG, "merkle: NULL cap");
    if (cap_len != (size_t)1 << shape->cap_log)
        return zk_err_set(ZK_ERR_PROOF, "merkle: cap has %zu digests, want %zu", cap_len,
                          (size_t)1 << shape->cap_log);
    for (size_t i = 0; i < cap_len; i++)
        if (!digest_reduced(&cap[i]))
            return zk_err_set(ZK_ERR_PROOF, "merkle: cap digest %zu is not reduced", i);
    return ZK_OK;
}

int mk_verify(const mk_shape *shape, const p2_digest *cap, size_t cap_len, size_t index,
              const mk_row *rows, size_t nrows, const p2_digest *path, size_t path_len)
{
    unsigned d;
    int rc = mk_shape_check(shape, &d);
    if (rc)
        return rc;
    if ((rc = check_cap(shape, cap, cap_len)))
        return rc;
    if ((uint64_t)index >> d != 0)
        return zk_err_set(ZK_ERR_PROOF, "merkle opening: index %zu out of range (2^%u leaves)",
                          index, d);
    if (!rows || nrows != shape->nmats)
        return zk_err_set(ZK_ERR_PROOF, "merkle opening: %zu rows, want one per matrix (%zu)",
                          rows ? nrows : 0, shape->nmats);
    if ((rc = check_rows(shape, rows, 0)))
        return rc;
    if (path_len != d - shape->cap_log || (path_len && !path))
        return zk_err_set(ZK_ERR_PROOF, "merkle opening: path has %zu siblings, want %u",
                          path ? path_len : 0, d - shape->cap_log);
    p2_digest node, inj;
    int any;
    hash_level(&node, &any, shape, rows, d);
    size_t pos = index;
    for (unsigned l = d; l > shape->cap_log; l--) {
        const p2_digest *s = &path[d - l];
        if (!digest_reduced(s))
            return zk_err_set(ZK_ERR_PROOF, "merkle opening: sibling %u is not reduced", d - l);
        if (pos & 1)
            p2_compress(&node, s, &node);
        else
            p2_compress(&node, &node, s);
        pos >>= 1;
        hash_level(&inj, &any, shape, rows, l - 1);
        if (any)
            p2_compress(&node, &node, &inj);
    }
    if (memcmp(&node, &cap[pos], sizeof node) != 0)
        return zk_err_set(ZK_ERR_PROOF, "merkle opening: index %zu does not hash to cap digest %zu",
                          index, pos);
    return ZK_OK;
}

static int check_indices(const size_t *indices, size_t n, unsigned d)
{
    if (!indices || n == 0)
        return zk_err_set(ZK_ERR_PROOF, "merkle batch: no indices");
    if (n > MK_MAX_QUERIES)
        return zk_err_set(ZK_ERR_PROOF, "merkle batch: %zu indices, at most %u", n,
                          (unsigned)MK_MAX_QUERIES);
    for (size_t q = 0; q < n; q++) {
        if ((uint64_t)indices[q] >> d != 0)
            return zk_err_set(ZK_ERR_PROOF, "merkle batch: index %zu (%zu) out of range (2^%u)", q,
                              indices[q], d);
        if (q && indices[q] <= indices[q - 1])
            return zk_err_set(ZK_ERR_PROOF,
                              "merkle batch: index %zu (%zu) not above the one before", q,
                              indices[q]);
    }
    return ZK_OK;
}

int mk_batch_sibling_count(const mk_shape *shape, const size_t *indices, size_t n, size_t *count)
{
    unsigned d;
    int rc = mk_shape_check(shape, &d);
    if (rc)
        return rc;
    if (!count)
        return zk_err_set(ZK_ERR_INVALID_ARG, "mk_batch_sibling_count: NULL count");
    if ((rc = check_indices(indices, n, d)))
        return rc;
    /* Positions stay sorted as they move up, so a node's sibling is known exactly
     * when it is the neighbour in the list; parents of equal positions merge. */
    size_t total = 0;
    for (unsigned l = d; l > shape->cap_log; l--) {
        size_t j = 0;
        while (j < n) {
            size_t p = (indices[j] >> (d - l));
            size_t next = j + 1;
            while (next < n && (indices[next] >> (d - l)) == p)
                next++;
            if (next < n && (p & 1) == 0 && (indices[next] >> (d - l)) == (p | 1)) {
                next++;
                while (next < n && (indices[next] >> (d - l)) == (p | 1))
                    next++;
            } else {
                total++;
            }
            j = next;
        }
    }
    *count = total;
    return ZK_OK;
}

int mk_verify_batch(const mk_shape *shape, const p2_digest *cap, size_t cap_len,
                    const size_t *indices, size_t n, const mk_row *rows, size_t nrows,
                    const p2_digest *sib, size_t nsib)
{
    unsigned d;
    size_t want;
    int rc = mk_shape_check(shape, &d);
    if (rc)
        return rc;
    if ((rc = check_cap(shape, cap, cap_len)))
        return rc;
    if ((rc = mk_batch_sibling_count(shape, indices, n, &want)))
        return rc;
    size_t m = shape->nmats;
    if (!rows || nrows != n * m)
        return zk_err_set(ZK_ERR_PROOF, "merkle batch: %zu rows, want %zu (%zu indices x %zu)",
                          rows ? nrows : 0, n * m, n, m);
    for (size_t q = 0; q < n; q++)
        if ((rc = check_rows(shape, rows + q * m, q)))
            return rc;
    if (nsib != want || (nsib && !sib))
        return zk_err_set(ZK_ERR_PROOF, "merkle batch: %zu siblings, want %zu", sib ? nsib : 0,
                          want);
    for (size_t i = 0; i < nsib; i++)
        if (!digest_reduced(&sib[i]))
            return zk_err_set(ZK_ERR_PROOF, "merkle batch: sibling %zu is not reduced", i);

    /* The known nodes of the current level: position, digest and the first query
     * under them (queries under one node are contiguous because indices are
     * sorted). */
    size_t *pos = malloc(n * sizeof *pos), *first = malloc(n * sizeof *first);
    p2_digest *val = malloc(n * sizeof *val);
    if (!pos || !first || !val) {
        free(pos);
        free(first);
        free(val);
        return zk_err_set(ZK_ERR_NOMEM, "merkle batch: %zu indices", n);
    }
    int any;
    for (size_t q = 0; q < n; q++) {
        pos[q] = indices[q];
        first[q] = q;
        hash_level(&val[q], &any, shape, rows + q * m, d);
    }
    size_t cnt = n, used = 0;
    rc = ZK_OK;
    for (unsigned l = d; l > shape->cap_log && rc == ZK_OK; l--) {
        size_t out = 0;
        for (size_t j = 0; j < cnt;) {
            size_t p = pos[j], f = first[j];
            p2_digest parent;
            if ((p & 1) == 0 && j + 1 < cnt && pos[j + 1] == (p | 1)) {
                p2_compress(&parent, &val[j], &val[j + 1]);
                j += 2;
            } else {
                if (p & 1)
                    p2_compress(&parent, &sib[used], &val[j]);
                else
                    p2_compress(&parent, &val[j], &sib[used]);
                used++;
                j += 1;
            }
            pos[out] = p >> 1;
            first[out] = f;
            val[out] = parent;
            out++;
        }
        cnt = out;
        if (!has_level(shape, l - 1))
            continue;
        /* Inject the rows of height-2^(l-1) matrices: every query under a node must
         * open the same rows, so hash the first and compare the others to it. */
        for (size_t j = 0; j < cnt && rc == ZK_OK; j++) {
            size_t f = first[j], e = j + 1 < cnt ? first[j + 1] : n;
            for (size_t q = f + 1; q < e && rc == ZK_OK; q++)
                for (size_t k = 0; k < m; k++)
                    if (shape->mats[k].log_height == l - 1 &&
                        memcmp(rows[q * m + k].v, rows[f * m + k].v,
                               shape->mats[k].width * sizeof(kb)) != 0) {
                        rc = zk_err_set(ZK_ERR_PROOF,
                                        "merkle batch: indices %zu and %zu share row %zu of "
                                        "matrix %zu but open different values",
                                        f, q, pos[j], k);
                        break;
                    }
            p2_digest inj;
            hash_level(&inj, &any, shape, rows + f * m, l - 1);
            p2_compress(&val[j], &val[j], &inj);
        }
    }
    for (size_t j = 0; j < cnt && rc == ZK_OK; j++)
        if (memcmp(&val[j], &cap[pos[j]], sizeof val[j]) != 0)
            rc = zk_err_set(ZK_ERR_PROOF,
                            "merkle batch: indices from %zu do not hash to cap digest %zu",
                            first[j], pos[j]);
    free(pos);
    free(first);
    free(val);
    return rc;
}
