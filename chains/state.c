#include "chains/state.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/error.h"

/* Fixed-length bytes as 3-byte little-endian chunks; writes ceil(n/3) elements. */
static size_t put_bytes(kb *out, const uint8_t *b, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3, k++) {
        uint32_t c = b[i];
        if (i + 1 < n)
            c |= (uint32_t)b[i + 1] << 8;
        if (i + 2 < n)
            c |= (uint32_t)b[i + 2] << 16;
        out[k] = kb_from_canonical(c);
    }
    return k;
}

static size_t put_u64(kb *out, uint64_t v)
{
    for (int i = 0; i < 4; i++)
        out[i] = kb_from_canonical((uint32_t)(v >> (16 * i)) & 0xffffu);
    return 4;
}

/* A big-endian u256 below 2^128 as 8 16-bit limbs, least significant first. */
static int put_u128(kb *out, const u256 *v, const char *what)
{
    for (int i = 0; i < 16; i++)
        if (v->b[i])
            return zk_err_set(ZK_ERR_RANGE, "%s is not below 2^128", what);
    for (int i = 0; i < 8; i++) {
        uint32_t limb = (uint32_t)v->b[31 - 2 * i] | (uint32_t)v->b[30 - 2 * i] << 8;
        out[i] = kb_from_canonical(limb);
    }
    return ZK_OK;
}

static size_t put_asset(kb *out, const st_asset *a)
{
    size_t k = put_u64(out, a->origin_chain);
    return k + put_bytes(out + k, a->token, sizeof a->token);
}

static int put_digest(kb *out, const kb *d, const char *what)
{
    for (int i = 0; i < P2_DIGEST_LEN; i++) {
        if (d[i] >= KB_P)
            return zk_err_set(ZK_ERR_INVALID_ARG, "%s element %d is not below p", what, i);
        out[i] = d[i];
    }
    return ZK_OK;
}

int st_account_elems(kb out[ST_ACCOUNT_ELEMS], const st_account *a)
{
    if (!out || !a)
        return zk_err_set(ZK_ERR_INVALID_ARG, "account leaf: NULL argument");
    size_t k = put_bytes(out, a->address, sizeof a->address);
    k += put_asset(out + k, &a->asset);
    int e = put_u128(out + k, &a->balance, "account balance");
    if (e)
        return e;
    k += 8;
    k += put_u64(out + k, a->nonce);
    return k == ST_ACCOUNT_ELEMS ? ZK_OK
                                 : zk_err_set(ZK_ERR_INTERNAL, "account leaf: %zu elements", k);
}

int st_account_leaf(p2_digest *out, const st_account *a)
{
    kb el[ST_ACCOUNT_ELEMS];
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "account leaf: NULL output");
    int e = st_account_elems(el, a);
    if (!e)
        p2_hash(out, P2_DOM_ACCOUNT, el, ST_ACCOUNT_ELEMS);
    return e;
}

/* The sponge of p2_hash (verifier/p2.c: domain tag in the first capacity element,
 * input added into the rate and permuted per full block, then a 1 added after the
 * input and a last permutation), over n inputs at once. */
int st_account_leaves(p2_digest *out, const st_account *a, size_t n)
{
    if ((!out || !a) && n)
        return zk_err_set(ZK_ERR_INVALID_ARG, "account leaves: NULL argument");
    if (n > ST_LEAVES_MAX)
        return zk_err_set(ZK_ERR_INVALID_ARG, "account leaves: %zu accounts, at most %u", n,
                          ST_LEAVES_MAX);
    kb el[ST_LEAVES_MAX][ST_ACCOUNT_ELEMS];
    kb st[ST_LEAVES_MAX * P2_WIDTH];
    for (size_t i = 0; i < n; i++) {
        int e = st_account_elems(el[i], &a[i]);
        if (e)
            return zk_err_wrap(e, "account leaves: account %zu: ", i);
    }
    memset(st, 0, n * P2_WIDTH * sizeof st[0]);
    for (size_t i = 0; i < n; i++)
        st[i * P2_WIDTH + P2_RATE] = kb_from_u32(P2_DOM_ACCOUNT);
    size_t pos = 0;
    for (size_t j = 0; j < ST_ACCOUNT_ELEMS; j++) {
        for (size_t i = 0; i < n; i++)
            st[i * P2_WIDTH + pos] = kb_add(st[i * P2_WIDTH + pos], el[i][j]);
        if (++pos == P2_RATE) {
            p2_permute_many(st, n);
            pos = 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        st[i * P2_WIDTH + pos] = kb_add(st[i * P2_WIDTH + pos], KB_ONE);
    p2_permute_many(st, n);
    for (size_t i = 0; i < n; i++)
        memcpy(out[i].v, &st[i * P2_WIDTH], sizeof out[i].v);
    return ZK_OK;
}

int st_message_elems(kb out[ST_MESSAGE_ELEMS], const st_message *m)
{
    if (!out || !m)
        return zk_err_set(ZK_ERR_INVALID_ARG, "message leaf: NULL argument");
    if (m->version > 0xffffu)
        return zk_err_set(ZK_ERR_RANGE, "message version %u is not below 2^16", m->version);
    size_t k = 0;
    out[k++] = kb_from_canonical(m->version);
    k += put_u64(out + k, m->source_chain);
    k += put_u64(out + k, m->dest_chain);
    k += put_u64(out + k, m->sequence);
    k += put_bytes(out + k, m->sender, sizeof m->sender);
    k += put_bytes(out + k, m->recipient, sizeof m->recipient);
    k += put_asset(out + k, &m->asset);
    int e = put_u128(out + k, &m->amount, "message amount");
    if (e)
        return e;
    k += 8;
    k += put_bytes(out + k, m->payload_hash, sizeof m->payload_hash);
    e = put_digest(out + k, m->salt.v, "message salt");
    if (e) {
        OPENSSL_cleanse(out, ST_MESSAGE_ELEMS * sizeof *out);
        return e;
    }
    k += PC_SALT_LEN;
    return k == ST_MESSAGE_ELEMS ? ZK_OK
                                 : zk_err_set(ZK_ERR_INTERNAL, "message leaf: %zu elements", k);
}

int st_message_leaf(p2_digest *out, const st_message *m)
{
    kb el[ST_MESSAGE_ELEMS];
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "message leaf: NULL output");
    int e = st_message_elems(el, m);
    if (!e)
        p2_hash(out, P2_DOM_MESSAGE, el, ST_MESSAGE_ELEMS);
    OPENSSL_cleanse(el, sizeof el);
    return e;
}

int st_interop_elems(kb out[ST_INTEROP_ELEMS], const st_interop *r)
{
    if (!out || !r)
        return zk_err_set(ZK_ERR_INVALID_ARG, "interop leaf: NULL argument");
    if (r->exit_count > ((uint64_t)1 << SMT_DEPTH))
        return zk_err_set(ZK_ERR_RANGE, "interop leaf: exit count %llu exceeds 2^32",
                          (unsigned long long)r->exit_count);
    size_t k = put_u64(out, r->chain_id);
    int e = put_digest(out + k, r->exit_root.v, "interop exit root");
    if (e)
        return e;
    k += P2_DIGEST_LEN;
    k += put_u64(out + k, r->exit_count);
    k += put_u64(out + k, r->last_batch);
    e = put_digest(out + k, r->state_commitment.v, "interop state commitment");
    if (e)
        return e;
    k += P2_DIGEST_LEN;
    return k == ST_INTEROP_ELEMS ? ZK_OK
                                 : zk_err_set(ZK_ERR_INTERNAL, "interop leaf: %zu elements", k);
}

int st_interop_leaf(p2_digest *out, const st_interop *r)
{
    kb el[ST_INTEROP_ELEMS];
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "interop leaf: NULL output");
    int e = st_interop_elems(el, r);
    if (!e)
        p2_hash(out, P2_DOM_INTEROP, el, ST_INTEROP_ELEMS);
    return e;
}

int st_channel_leaf(p2_digest *out, unsigned dir, uint64_t peer, uint64_t next)
{
    if (!out || (dir != ST_CHANNEL_IN && dir != ST_CHANNEL_OUT))
        return zk_err_set(ZK_ERR_INVALID_ARG, "channel leaf: NULL output or bad direction");
    kb el[ST_CHANNEL_ELEMS];
    el[0] = kb_from_canonical(dir);
    size_t k = 1 + put_u64(el + 1, peer);
    k += put_u64(el + k, next);
    p2_hash(out, P2_DOM_CHANNEL, el, k);
    return ZK_OK;
}

int st_local_leaf(p2_digest *out, const st_asset *asset, const u256 *amount)
{
    if (!out || !asset || !amount)
        return zk_err_set(ZK_ERR_INVALID_ARG, "local balance leaf: NULL argument");
    kb el[ST_LOCAL_ELEMS];
    size_t k = put_asset(el, asset);
    int e = put_u128(el + k, amount, "local balance");
    if (e)
        return e;
    p2_hash(out, P2_DOM_LOCAL_BALANCE, el, k + 8);
    return ZK_OK;
}

int st_state_root(p2_digest *out, const st_state *s)
{
    if (!out || !s)
        return zk_err_set(ZK_ERR_INVALID_ARG, "state root: NULL argument");
    if (s->exit_count > ((uint64_t)1 << SMT_DEPTH))
        return zk_err_set(ZK_ERR_RANGE, "state root: exit count %llu exceeds 2^32",
                          (unsigned long long)s->exit_count);
    kb el[ST_STATE_ELEMS];
    const p2_digest *roots[4] = {&s->account_root, &s->local_root, &s->channel_root, &s->exit_root};
    static const char *const names[4] = {"account root", "local balance root", "channel root",
                                         "exit root"};
    for (int i = 0; i < 4; i++) {
        int e = put_digest(el + 8 * i, roots[i]->v, names[i]);
        if (e)
            return e;
    }
    put_u64(el + 32, s->exit_count);
    p2_hash(out, P2_DOM_STATE, el, ST_STATE_ELEMS);
    return ZK_OK;
}

/* ---- account index ---- */

static const char SQL_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS st_account_index (tree INTEGER NOT NULL,"
    " address BLOB NOT NULL, origin INTEGER NOT NULL, token BLOB NOT NULL,"
    " idx INTEGER NOT NULL, PRIMARY KEY (tree, address, origin, token),"
    " UNIQUE (tree, idx)) WITHOUT ROWID;";
static const char SQL_IDX_GET[] = "SELECT idx FROM st_account_index WHERE tree = ? AND address = ?"
                                  " AND origin = ? AND token = ?";
static const char SQL_IDX_PUT[] =
    "INSERT INTO st_account_index (tree, address, origin, token, idx) VALUES (?, ?, ?, ?, ?)";

int st_schema(zk_db *db)
{
    if (!db)
        return zk_err_set(ZK_ERR_INVALID_ARG, "st_schema: NULL database");
    int e = db_exec(db, SQL_SCHEMA);
    return e ? zk_err_wrap(e, "state: creating tables: ") : ZK_OK;
}

static int index_lookup(zk_db *db, uint32_t tree, const uint8_t address[20], const st_asset *asset,
                        int *found, uint32_t *index)
{
    sqlite3_stmt *st;
    int row = 0, e = db_stmt(db, SQL_IDX_GET, &st);
    if (!e)
        e = db_bind(st, "ibub", (int64_t)tree, address, (size_t)20, asset->origin_chain,
                    asset->token, sizeof asset->token);
    if (!e)
        e = db_step(db, st, &row);
    if (e)
        return zk_err_wrap(e, "account index of tree %u: ", tree);
    *found = row;
    if (row) {
        int64_t v = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (v < 0 || v > (int64_t)UINT32_MAX)
            return zk_err_set(ZK_ERR_DB, "account index of tree %u: stored index %lld", tree,
                              (long long)v);
        *index = (uint32_t)v;
    }
    return ZK_OK;
}

int st_account_index(zk_db *db, smt *tree, const uint8_t address[20], const st_asset *asset,
                     int create, uint32_t *index)
{
    if (!db || !tree || !address || !asset || !index)
        return zk_err_set(ZK_ERR_INVALID_ARG, "st_account_index: NULL argument");
    uint32_t tid = smt_tree_id(tree);
    int found = 0, e = index_lookup(db, tid, address, asset, &found, index);
    if (e || found)
        return e;
    if (!create)
        return zk_err_set(ZK_ERR_NOT_FOUND, "account index of tree %u: no leaf for this pair", tid);
    int own = sqlite3_get_autocommit(db_handle(db)) != 0;
    if (own && (e = db_begin(db)))
        return zk_err_wrap(e, "account index of tree %u: begin: ", tid);
    uint32_t idx;
    e = smt_alloc_index(tree, &idx);
    if (!e) {
        sqlite3_stmt *st;
        e = db_stmt(db, SQL_IDX_PUT, &st);
        if (!e)
            e = db_bind(st, "ibubi", (int64_t)tid, address, (size_t)20, asset->origin_chain,
                        asset->token, sizeof asset->token, (int64_t)idx);
        if (!e)
            e = db_step(db, st, NULL);
        if (e)
            e = zk_err_wrap(e, "account index of tree %u: storing index %u: ", tid, idx);
    }
    if (!e && own && (e = db_commit(db)))
        e = zk_err_wrap(e, "account index of tree %u: commit: ", tid);
    if (e) {
        if (own) {
            db_rollback(db);
            /* The handle advanced its count in memory with the rolled-back write.
             * Should re-reading fail too, the stale count only skips an index,
             * and the error the caller needs is the first one, so it is kept. */
            char keep[512];
            snprintf(keep, sizeof keep, "%s", zk_err_detail());
            if (smt_reload(tree))
                zk_err_set(e, "%s", keep);
        }
        return e;
    }
    *index = idx;
    return ZK_OK;
}
