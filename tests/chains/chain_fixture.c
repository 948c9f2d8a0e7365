/* The shared helpers of the ledger tests (see chain_fixture.h). */
#define T_SHARED

#include "tests/chains/chain_fixture.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "chains/abi.h"
#include "chains/interop.h"
#include "common/error.h"
#include "common/secp.h"
#include "tests/test.h"

uint8_t keys[FX_MAX_KEYS][32];
uint8_t addrs[FX_MAX_KEYS][20];
ledger_alloc allocs[FX_MAX_KEYS];
static size_t n_accounts; /* make_accounts' n: genesis() allocates that many */

static void misuse(const char *what)
{
    fprintf(stderr, "chain_fixture: %s\n", what);
    exit(1);
}

u128 make_accounts(size_t n, unsigned rand_bits)
{
    if (n > FX_MAX_KEYS || rand_bits > 128)
        misuse("make_accounts: n or rand_bits too large");
    u128 sum = 0;
    for (size_t i = 0; i < n; i++) {
        do
            t_rand_bytes(keys[i], 32);
        while (ecc_seckey_check(keys[i]));
        CHECK_OK(eth_address_from_priv(keys[i], addrs[i]));
        memcpy(allocs[i].address, addrs[i], 20);
        u128 v = 0;
        for (unsigned left = rand_bits; left > 0;) {
            unsigned take = left > 64 ? 64 : left;
            uint64_t r = t_rand();
            v = v << take | (take == 64 ? r : r & ((1ull << take) - 1));
            left -= take;
        }
        v += (u128)1 << 80;
        u256_of(&allocs[i].balance, v);
        sum += v;
    }
    n_accounts = n;
    return sum;
}

u128 u128_of(const u256 *v)
{
    u128 r = 0;
    for (int i = 16; i < 32; i++)
        r = r << 8 | v->b[i];
    return r;
}

void u256_of(u256 *out, u128 v)
{
    memset(out, 0, sizeof *out);
    for (int i = 31; i >= 16; i--, v >>= 8)
        out->b[i] = (uint8_t)v;
}

u128 balance(ledger *l, const uint8_t a[20])
{
    u256 b;
    memset(&b, 0xff, sizeof b); /* so that a balance never written shows */
    CHECK_OK(ledger_account(l, a, &b, NULL));
    for (int i = 0; i < 16; i++)
        CHECK(b.b[i] == 0);
    return u128_of(&b);
}

uint64_t nonce_of(ledger *l, const uint8_t a[20])
{
    uint64_t n = 0;
    CHECK_OK(ledger_account(l, a, NULL, &n));
    return n;
}

int dig_eq(const p2_digest *a, const p2_digest *b)
{
    return memcmp(a->v, b->v, sizeof a->v) == 0;
}

ledger_genesis genesis(uint64_t chain)
{
    ledger_genesis g = {.chain_id = chain,
                        .base_fee = BASE_FEE,
                        .timestamp = TS0,
                        .alloc = allocs,
                        .n_alloc = n_accounts};
    memset(g.operator_addr, (int)((chain & 0xff) | 1), 20);
    return g;
}

ledger *open_chain(uint64_t chain, const char *path)
{
    ledger_genesis g = genesis(chain);
    ledger *l = NULL;
    CHECK_OK(ledger_open(&l, path, &g));
    if (!l) {
        fprintf(stderr, "cannot open chain %llu\n", (unsigned long long)chain);
        exit(1);
    }
    return l;
}

void snap_head(head_snap *s, ledger *l)
{
    memset(s, 0, sizeof *s);
    s->head = ledger_head(l);
    ledger_state_root(l, s->root);
    CHECK_OK(ledger_block_by_number(l, s->head, &s->block));
}

void check_head(ledger *l, const head_snap *s)
{
    uint8_t root[32];
    ledger_block b;
    memset(&b, 0, sizeof b);
    CHECK_EQ(ledger_head(l), s->head);
    ledger_state_root(l, root);
    CHECK_MEM(root, s->root, 32);
    CHECK_OK(ledger_block_by_number(l, s->head, &b));
    CHECK(memcmp(&b, &s->block, sizeof b) == 0);
}

void sign(stx *s, int key, const tx_fields *f)
{
    zk_buf_init(&s->raw, TX_MAX_RAW);
    CHECK_OK(tx_sign(f, keys[key], &s->raw));
    CHECK_OK(tx_decode(s->raw.data, s->raw.len, &s->tx));
}

void sign_tx(stx *s, int key, uint64_t chain, uint64_t nonce, uint64_t gas, const uint8_t to[20],
             u128 value, const uint8_t *data, size_t len)
{
    tx_fields f = {.type = TX_EIP1559,
                   .chain_id = chain,
                   .nonce = nonce,
                   .gas_price = BASE_FEE,
                   .max_priority_fee = 0,
                   .gas_limit = gas,
                   .has_to = 1,
                   .data = data,
                   .data_len = len};
    memcpy(f.to, to, 20);
    u256_of(&f.value, value);
    sign(s, key, &f);
}

ledger_item item(const stx *s)
{
    return (ledger_item){s->raw.data, s->raw.len, &s->tx};
}

int apply(ledger *l, const ledger_item *it, size_t n, ledger_tx_result *res, ledger_block *b)
{
    return ledger_apply_block(l, it, n, TS0 + ledger_head(l) + 1, res, b);
}

ledger_tx_result one_tx(ledger *l, int key, const uint8_t to[20], u128 value, const zk_buf *data,
                        stx *keep)
{
    stx s;
    sign_tx(&s, key, ledger_chain_id(l), nonce_of(l, addrs[key]), GAS, to, value,
            data ? data->data : NULL, data ? data->len : 0);
    ledger_item it = item(&s);
    ledger_tx_result r = {-1, "unset", NULL};
    CHECK_OK(apply(l, &it, 1, &r, NULL));
    if (keep)
        *keep = s;
    else
        zk_buf_free(&s.raw);
    return r;
}

void put_sel(zk_buf *d, const char *sig)
{
    uint8_t sel[4];
    abi_selector(sel, sig);
    CHECK_OK(zk_buf_append(d, sel, 4));
}

void send_call(zk_buf *d, uint64_t dest, const uint8_t rcp[20], uint64_t origin,
               const uint8_t *token, u128 amount, const uint8_t *payload, size_t plen)
{
    zk_buf_init(d, 2 * LEDGER_MAX_PAYLOAD + 1024);
    put_sel(d, "send(uint64,address,uint64,bytes32,uint256,bytes)");
    abi_value v[6] = {{.type = ABI_UINT64, .u64 = dest},
                      {.type = ABI_ADDRESS},
                      {.type = ABI_UINT64, .u64 = origin},
                      {.type = ABI_BYTES32},
                      {.type = ABI_UINT256},
                      {.type = ABI_BYTES}};
    memcpy(v[1].addr, rcp, 20);
    if (token)
        memcpy(v[3].b32, token, 32);
    u256_of(&v[4].u256, amount);
    v[5].bytes = payload;
    v[5].bytes_len = plen;
    CHECK_OK(abi_encode(d, v, 6));
}

void mk_store(tmp_store *s, const char *tag, const char *file)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/zk_test_%s_XXXXXX", tag);
    CHECK(mkdtemp(s->dir) != NULL);
    snprintf(s->path, sizeof s->path, "%s/%s", s->dir, file);
}

int store_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    int n = sqlite3_changes(db);
    sqlite3_close(db);
    return n;
}

void rm_store(const tmp_store *s)
{
    char side[sizeof s->path + 8];
    unlink(s->path);
    snprintf(side, sizeof side, "%s-wal", s->path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", s->path);
    unlink(side);
    rmdir(s->dir);
}

void itree_build(itree *t, const st_interop *recs, size_t n)
{
    if (n > FX_MAX_RECORDS)
        misuse("itree_build: too many records");
    memset(t, 0, sizeof *t);
    memcpy(t->rec, recs, n * sizeof *recs);
    t->n = n;
    CHECK_OK(interop_build(t->rec, n, &t->root, t->path));
}

void itree_place(ledger_import *im, const itree *t, size_t i)
{
    if (i >= t->n)
        misuse("itree_place: no such record");
    im->interop = t->rec[i];
    im->interop_index = i;
    memcpy(im->interop_path, t->path[i], sizeof im->interop_path);
    im->interop_root = t->root;
}

st_interop record_of(ledger *l, const ledger_state *s, uint64_t batch)
{
    st_interop r = {.chain_id = ledger_chain_id(l),
                    .exit_root = s->roots.exit_root,
                    .exit_count = s->roots.exit_count,
                    .last_batch = batch,
                    .state_commitment = s->commitment};
    return r;
}

void imp_from_ledger(imp *m, ledger *src, uint64_t index, const itree *t, size_t ii)
{
    memset(&m->im, 0, sizeof m->im);
    zk_buf_init(&m->payload, LEDGER_MAX_PAYLOAD + 64);
    ledger_sent s;
    CHECK_OK(ledger_sent_message(src, index, &s, &m->payload, m->im.exit_path));
    m->im.msg = s.msg;
    m->im.payload = m->payload.data;
    m->im.payload_len = m->payload.len;
    m->im.exit_index = index;
    itree_place(&m->im, t, ii);
}

void imp_alone(imp *m, ledger *src, uint64_t index, const st_interop *rec)
{
    itree t;
    itree_build(&t, rec, 1);
    imp_from_ledger(m, src, index, &t, 0);
}
