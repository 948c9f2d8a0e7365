#include "chains/interop.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "privacy/commit.h"

int interop_build(const st_interop *recs, size_t n, p2_digest *root, p2_digest (*paths)[SMT_DEPTH])
{
    if (!recs || !root || n == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "interop_build: records, a count and root needed");
    if (n > INTEROP_MAX_RECORDS)
        return zk_err_set(ZK_ERR_TOO_LARGE, "interop tree: %zu records, at most %u", n,
                          INTEROP_MAX_RECORDS);
    /* One level at a time, leaves first: level[j] for the nodes present, the
     * empty node of that level (smt_empty) beyond them. */
    p2_digest *level = malloc(n * sizeof *level);
    if (!level)
        return zk_err_set(ZK_ERR_NOMEM, "interop tree of %zu records", n);
    for (size_t i = 0; i < n; i++)
        if (st_interop_leaf(&level[i], &recs[i])) {
            free(level);
            return zk_err_set(ZK_ERR_INVALID_ARG, "interop record %zu: %s", i, zk_err_detail());
        }
    size_t m = n;
    for (unsigned k = 0; k < SMT_DEPTH; k++) {
        unsigned depth = SMT_DEPTH - k; /* of the nodes in level */
        p2_digest empty;
        smt_empty(depth, &empty);
        for (size_t i = 0; paths && i < n; i++) {
            size_t sib = (i >> k) ^ 1;
            paths[i][k] = sib < m ? level[sib] : empty;
        }
        size_t up = (m + 1) / 2;
        for (size_t j = 0; j < up; j++)
            p2_compress(&level[j], &level[2 * j], 2 * j + 1 < m ? &level[2 * j + 1] : &empty);
        m = up;
    }
    *root = level[0];
    free(level);
    return ZK_OK;
}

int interop_json_u64(const json_t *o, const char *key, uint64_t *out, char *why, size_t wl)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return ZK_OK;
    }
    u256 x;
    if (json_is_string(v) && !strncmp(json_string_value(v), "0x", 2) &&
        !u256_parse(json_string_value(v), &x) && u256_to_u64(&x, out))
        return ZK_OK;
    snprintf(why, wl, "%s: expected a non-negative integer below 2^64", key);
    return ZK_ERR_PARSE;
}

int interop_json_digest(const json_t *o, const char *key, p2_digest *d, char *why, size_t wl)
{
    json_t *v = json_object_get(o, key);
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    uint8_t b[32];
    if (!s || strlen(s) != 66 || zk_hex_decode_exact(b, 32, s, 66)) {
        snprintf(why, wl, "%s: expected 0x and 64 hex digits", key);
        return ZK_ERR_PARSE;
    }
    if (pc_decode8(d->v, b)) {
        snprintf(why, wl, "%s: an element is not below p", key);
        return ZK_ERR_PARSE;
    }
    return ZK_OK;
}

int interop_from_json(const json_t *o, st_interop *r, char *why, size_t wl)
{
    if (!json_is_object(o)) {
        snprintf(why, wl,
                 "interop: expected a record {chainId, exitRoot, exitCount, lastBatch, "
                 "stateCommitment}");
        return ZK_ERR_PARSE;
    }
    memset(r, 0, sizeof *r);
    int e = interop_json_u64(o, "chainId", &r->chain_id, why, wl);
    if (!e)
        e = interop_json_digest(o, "exitRoot", &r->exit_root, why, wl);
    if (!e)
        e = interop_json_u64(o, "exitCount", &r->exit_count, why, wl);
    if (!e)
        e = interop_json_u64(o, "lastBatch", &r->last_batch, why, wl);
    if (!e)
        e = interop_json_digest(o, "stateCommitment", &r->state_commitment, why, wl);
    return e;
}

static json_t *qty(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "0x%" PRIx64, v);
    return json_string(s);
}

json_t *interop_digest_json(const p2_digest *d)
{
    uint8_t b[32];
    char s[67];
    pc_encode8(b, d->v);
    zk_hex_encode(s, b, sizeof b, 1);
    return json_string(s);
}

json_t *interop_path_json(const p2_digest path[SMT_DEPTH])
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < SMT_DEPTH; i++)
        if (json_array_append_new(a, interop_digest_json(&path[i]))) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

json_t *interop_to_json(const st_interop *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "chainId", qty(r->chain_id));
    bad |= json_object_set_new(o, "exitRoot", interop_digest_json(&r->exit_root));
    bad |= json_object_set_new(o, "exitCount", qty(r->exit_count));
    bad |= json_object_set_new(o, "lastBatch", qty(r->last_batch));
    bad |= json_object_set_new(o, "stateCommitment", interop_digest_json(&r->state_commitment));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
