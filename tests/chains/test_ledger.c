/* chains/ledger: genesis, transfers signed with tx_sign, every rejection reason
 * (exact string, nothing changed), fees and supply conservation over random blocks
 * against a model written here, block hashes recomputed and chained, reopen,
 * replay (passes, and fails after tampering with the file), and atomicity of a
 * block under injected faults. */
#define T_SHARED_MAIN /* chain_fixture.c counts in this test's report */

#include <sqlite3.h>

#include "chains/ledger.h"
#include "common/error.h"
#include "common/keccak.h"
#include "common/rlp.h"
#include "common/secp.h"
#include "tests/chains/chain_fixture.h"
#include "tests/test.h"

#define CHAIN 31337u
#define NKEYS 6 /* and the dev account at allocs[NKEYS] */

static ledger_genesis gen;
static u128 supply;

/* Random funded keys, and the dev account with 10^24 wei (the figure the issue
 * gives for the devnet genesis). */
static void setup(void)
{
    supply = make_accounts(NKEYS, 80);
    CHECK_OK(
        eth_address_parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", allocs[NKEYS].address));
    CHECK_OK(u256_parse("1000000000000000000000000", &allocs[NKEYS].balance));
    supply += u128_of(&allocs[NKEYS].balance);
    memset(&gen, 0, sizeof gen);
    gen.chain_id = CHAIN;
    memset(gen.operator_addr, 0x0e, 20);
    gen.base_fee = BASE_FEE;
    gen.timestamp = 1700000000;
    gen.alloc = allocs;
    gen.n_alloc = NKEYS + 1;
}

static tx_fields fields(int type, uint64_t nonce, uint64_t fee, uint64_t tip, uint64_t gas,
                        const uint8_t to[20], u128 value)
{
    tx_fields f = {.type = type ? TX_EIP1559 : TX_LEGACY,
                   .chain_id = CHAIN,
                   .nonce = nonce,
                   .gas_price = fee,
                   .max_priority_fee = tip,
                   .gas_limit = gas,
                   .has_to = to != NULL};
    if (to)
        memcpy(f.to, to, 20);
    u256_of(&f.value, value);
    return f;
}

/* The header hash computed here from the documented encoding. */
static void ref_hash(const ledger_block *b, uint8_t out[32])
{
    zk_buf buf;
    zk_buf_init(&buf, 1024);
    size_t m;
    CHECK_OK(rlp_list_begin(&buf, &m));
    CHECK_OK(rlp_put_uint(&buf, b->number));
    CHECK_OK(rlp_put_bytes(&buf, b->parent_hash, 32));
    CHECK_OK(rlp_put_uint(&buf, b->timestamp));
    CHECK_OK(rlp_put_bytes(&buf, b->state_root, 32));
    CHECK_OK(rlp_put_bytes(&buf, b->tx_root, 32));
    CHECK_OK(rlp_put_uint(&buf, b->gas_used));
    CHECK_OK(rlp_put_uint(&buf, b->base_fee));
    CHECK_OK(rlp_list_end(&buf, m));
    zk_keccak256(out, buf.data, buf.len);
    zk_buf_free(&buf);
}

static void test_genesis(void)
{
    ledger *l;
    CHECK_OK(ledger_open(&l, NULL, &gen));
    if (!l)
        return;
    CHECK_EQ(ledger_head(l), 0);
    CHECK_EQ(ledger_chain_id(l), CHAIN);
    CHECK_EQ(ledger_base_fee(l), BASE_FEE);
    u128 sum = 0;
    for (size_t i = 0; i < gen.n_alloc; i++) {
        CHECK(balance(l, allocs[i].address) == u128_of(&allocs[i].balance));
        CHECK_EQ(nonce_of(l, allocs[i].address), 0);
        sum += balance(l, allocs[i].address);
    }
    CHECK(sum == supply);
    CHECK(balance(l, gen.operator_addr) == 0);
    ledger_block b0, b1;
    CHECK_OK(ledger_block_by_number(l, 0, &b0));
    CHECK_OK(ledger_block_by_hash(l, b0.hash, &b1));
    CHECK(memcmp(&b0, &b1, sizeof b0) == 0);
    uint8_t h[32], root[32], zero[32] = {0};
    ref_hash(&b0, h);
    CHECK_MEM(h, b0.hash, 32);
    CHECK_MEM(b0.parent_hash, zero, 32);
    CHECK_EQ(b0.timestamp, gen.timestamp);
    ledger_state_root(l, root);
    CHECK_MEM(root, b0.state_root, 32);
    zk_keccak256(h, NULL, 0);
    CHECK_MEM(b0.tx_root, h, 32);
    CHECK_ERR(ledger_block_by_number(l, 1, &b1), ZK_ERR_NOT_FOUND);

    /* The same allocations in another order give another tree (indices go by
     * first appearance) and so another root and hash. */
    ledger_alloc rev[NKEYS + 1];
    for (size_t i = 0; i < gen.n_alloc; i++)
        rev[i] = allocs[gen.n_alloc - 1 - i];
    ledger_genesis g2 = gen;
    g2.alloc = rev;
    ledger *l2;
    CHECK_OK(ledger_open(&l2, NULL, &g2));
    if (l2) {
        ledger_state_root(l2, h);
        CHECK(memcmp(h, root, 32) != 0);
    }
    ledger_free(l2);
    ledger_free(l);

    /* Bad genesis: address twice, supply past 2^128, a balance past it, chain 0. */
    ledger_alloc bad[2] = {allocs[0], allocs[0]};
    g2 = gen;
    g2.alloc = bad;
    g2.n_alloc = 2;
    CHECK_ERR(ledger_open(&l2, NULL, &g2), ZK_ERR_CONFIG);
    CHECK(l2 == NULL);
    memcpy(bad[1].address, allocs[1].address, 20);
    u256_of(&bad[0].balance, ~(u128)0);
    CHECK_ERR(ledger_open(&l2, NULL, &g2), ZK_ERR_RANGE);
    memset(&bad[0].balance, 0, sizeof bad[0].balance);
    bad[0].balance.b[15] = 1;
    g2.n_alloc = 1;
    CHECK_ERR(ledger_open(&l2, NULL, &g2), ZK_ERR_RANGE);
    g2 = gen;
    g2.chain_id = 0;
    CHECK_ERR(ledger_open(&l2, NULL, &g2), ZK_ERR_CONFIG);
}

static void test_transfer(void)
{
    ledger *l;
    CHECK_OK(ledger_open(&l, NULL, &gen));
    if (!l)
        return;
    u128 a0 = balance(l, addrs[0]), a1 = balance(l, addrs[1]);
    uint8_t fresh[20];
    t_rand_bytes(fresh, 20);
    /* type 2: fee cap base + 5, tip 2 -> price base + 2; legacy: price = gasPrice */
    stx t1, t2;
    tx_fields f = fields(1, 0, BASE_FEE + 5, 2, 30000, addrs[1], 1000);
    sign(&t1, 0, &f);
    f = fields(0, 1, BASE_FEE + 9, 0, 21000, fresh, 77);
    sign(&t2, 0, &f);
    const char *why = "x";
    CHECK_OK(ledger_check_tx(l, &t1.tx, &why));
    CHECK(why == NULL);
    ledger_item it[2] = {item(&t1), item(&t2)};
    ledger_tx_result res[2];
    ledger_block b;
    CHECK_OK(ledger_apply_block(l, it, 2, gen.timestamp + 1, res, &b));
    CHECK(res[0].code == ZK_OK && res[0].reason == NULL);
    CHECK(res[1].code == ZK_OK && res[1].reason == NULL);
    u128 fee1 = (u128)21000 * (BASE_FEE + 2), fee2 = (u128)21000 * (BASE_FEE + 9);
    CHECK(balance(l, addrs[0]) == a0 - fee1 - 1000 - fee2 - 77);
    CHECK(balance(l, addrs[1]) == a1 + 1000);
    CHECK(balance(l, fresh) == 77);
    CHECK(balance(l, gen.operator_addr) == fee1 + fee2);
    CHECK_EQ(nonce_of(l, addrs[0]), 2);
    CHECK_EQ(nonce_of(l, addrs[1]), 0);
    CHECK_EQ(b.number, 1);
    CHECK_EQ(b.tx_count, 2);
    CHECK_EQ(b.gas_used, 42000);
    CHECK_EQ(ledger_head(l), 1);

    ledger_receipt rc;
    zk_buf raw;
    zk_buf_init(&raw, TX_MAX_RAW);
    CHECK_OK(ledger_tx_by_hash(l, t2.tx.hash, &rc, &raw));
    CHECK(raw.len == t2.raw.len && memcmp(raw.data, t2.raw.data, raw.len) == 0);
    CHECK_EQ(rc.block_number, 1);
    CHECK_MEM(rc.block_hash, b.hash, 32);
    CHECK_EQ(rc.index, 1);
    CHECK_EQ(rc.status, 1);
    CHECK_EQ(rc.gas_used, 21000);
    CHECK_EQ(rc.cumulative_gas, 42000);
    CHECK_MEM(rc.sender, addrs[0], 20);
    CHECK(rc.has_to && memcmp(rc.to, fresh, 20) == 0);
    CHECK(u128_of(&rc.effective_gas_price) == BASE_FEE + 9);
    CHECK_OK(ledger_tx_by_hash(l, t1.tx.hash, &rc, NULL));
    CHECK(u128_of(&rc.effective_gas_price) == BASE_FEE + 2);
    CHECK_EQ(rc.index, 0);
    CHECK_EQ(rc.cumulative_gas, 21000);
    uint8_t h[32];
    CHECK_OK(ledger_block_tx(l, 1, 0, h));
    CHECK_MEM(h, t1.tx.hash, 32);
    CHECK_OK(ledger_block_tx(l, 1, 1, h));
    CHECK_MEM(h, t2.tx.hash, 32);
    CHECK_ERR(ledger_block_tx(l, 1, 2, h), ZK_ERR_NOT_FOUND);
    zk_keccak k;
    zk_keccak_init(&k);
    zk_keccak_update(&k, t1.tx.hash, 32);
    zk_keccak_update(&k, t2.tx.hash, 32);
    zk_keccak_final(&k, h);
    CHECK_MEM(h, b.tx_root, 32);
    uint8_t unknown[32] = {1};
    CHECK_ERR(ledger_tx_by_hash(l, unknown, &rc, NULL), ZK_ERR_NOT_FOUND);

    /* The same transaction again: known, and skipped without a trace. */
    CHECK_ERR(ledger_check_tx(l, &t1.tx, &why), ZK_ERR_EXISTS);
    CHECK(why && strcmp(why, "already known") == 0);
    ledger_block b2;
    CHECK_OK(ledger_apply_block(l, it, 1, gen.timestamp + 2, res, &b2));
    CHECK(res[0].reason && strcmp(res[0].reason, "already known") == 0);
    CHECK_EQ(res[0].code, ZK_ERR_EXISTS);
    CHECK_EQ(b2.tx_count, 0);
    CHECK_MEM(b2.state_root, b.state_root, 32);
    CHECK_MEM(b2.parent_hash, b.hash, 32);
    /* Within one block too: the second copy finds the first one stored. */
    stx t3;
    tx_fields f3 = fields(1, nonce_of(l, addrs[0]), BASE_FEE, 0, 21000, addrs[1], 3);
    sign(&t3, 0, &f3);
    ledger_item twice[2] = {item(&t3), item(&t3)};
    ledger_tx_result res2[2];
    ledger_block b3;
    CHECK_OK(ledger_apply_block(l, twice, 2, gen.timestamp + 2, res2, &b3));
    CHECK(res2[0].reason == NULL);
    CHECK(res2[1].reason && strcmp(res2[1].reason, "already known") == 0);
    CHECK_EQ(res2[1].code, ZK_ERR_EXISTS);
    CHECK_EQ(b3.tx_count, 1);
    zk_buf_free(&t3.raw);
    /* A timestamp before the parent's is refused. */
    CHECK_ERR(ledger_apply_block(l, NULL, 0, gen.timestamp, NULL, NULL), ZK_ERR_INVALID_ARG);
    /* Raw bytes that are not the decoded tx's. */
    ledger_item mism = {t2.raw.data, t2.raw.len, &t1.tx};
    CHECK_ERR(ledger_apply_block(l, &mism, 1, gen.timestamp + 3, NULL, NULL), ZK_ERR_INVALID_ARG);
    CHECK_EQ(ledger_head(l), 3);
    zk_buf_free(&raw);
    zk_buf_free(&t1.raw);
    zk_buf_free(&t2.raw);
    ledger_free(l);
}

/* Each reason, via ledger_check_tx and via a block: exact string, nothing changed. */
static void test_rejections(void)
{
    ledger *l;
    CHECK_OK(ledger_open(&l, NULL, &gen));
    if (!l)
        return;
    stx ok;
    tx_fields f = fields(1, 0, BASE_FEE, 0, 21000, addrs[1], 5);
    sign(&ok, 0, &f);
    ledger_item it = item(&ok);
    CHECK_OK(ledger_apply_block(l, &it, 1, gen.timestamp, NULL, NULL));
    u128 bal0 = balance(l, addrs[0]);
    static const uint8_t data_one[2] = {0, 1};
    struct {
        tx_fields f;
        const char *why;
        int code;
    } cases[] = {
        {fields(1, 1, BASE_FEE, 0, 21000, addrs[1], 5), "invalid chain id", ZK_ERR_RANGE},
        {fields(1, 0, BASE_FEE, 0, 21000, addrs[1], 6), "nonce too low", ZK_ERR_RANGE},
        {fields(0, 2, BASE_FEE, 0, 21000, addrs[1], 5), "nonce too high", ZK_ERR_RANGE},
        {fields(1, 1, BASE_FEE, 0, 21000, addrs[1], bal0 - (u128)21000 * BASE_FEE + 1),
         "insufficient funds for gas * price + value", ZK_ERR_RANGE},
        /* the whole gas limit at the fee cap must be covered, not just gas used */
        {fields(1, 1, BASE_FEE + 1, 0, 21000 + 1000, addrs[1],
                bal0 - (u128)22000 * (BASE_FEE + 1) + 1),
         "insufficient funds for gas * price + value", ZK_ERR_RANGE},
        {fields(1, 1, BASE_FEE, 0, 20999, addrs[1], 5), "intrinsic gas too low", ZK_ERR_RANGE},
        {fields(1, 1, BASE_FEE, 0, 21019, addrs[1], 5), "intrinsic gas too low", ZK_ERR_RANGE},
        {fields(1, 1, BASE_FEE, 0, 21020, addrs[1], 5), "transaction type not supported",
         ZK_ERR_UNSUPPORTED},
        {fields(1, 1, BASE_FEE - 1, 0, 21000, addrs[1], 5),
         "max fee per gas less than block base fee", ZK_ERR_RANGE},
        {fields(0, 1, BASE_FEE - 1, 0, 21000, addrs[1], 5),
         "max fee per gas less than block base fee", ZK_ERR_RANGE},
        /* tx_decode refuses this already; the ledger checks it for a tx built
         * by other means, so the decoded tx is edited below */
        {fields(1, 1, BASE_FEE + 1, BASE_FEE + 1, 21000, addrs[1], 5),
         "max priority fee per gas higher than max fee per gas", ZK_ERR_RANGE},
        {fields(1, 1, BASE_FEE, 0, 60000, NULL, 0), "transaction type not supported",
         ZK_ERR_UNSUPPORTED},
    };
    size_t nc = sizeof cases / sizeof cases[0];
    cases[0].f.chain_id = CHAIN + 1;
    cases[6].f.data = cases[7].f.data = data_one; /* 21000 + 4 + 16 = 21020 */
    cases[6].f.data_len = cases[7].f.data_len = 2;
    uint8_t root[32], root2[32];
    ledger_state_root(l, root);
    u128 op = balance(l, gen.operator_addr), bal1 = balance(l, addrs[1]);
    for (size_t i = 0; i < nc; i++) {
        stx s;
        sign(&s, 0, &cases[i].f);
        if (i == nc - 2)
            u256_from_u64(&s.tx.max_priority_fee, BASE_FEE + 2);
        const char *why = NULL;
        CHECK_ERR(ledger_check_tx(l, &s.tx, &why), cases[i].code);
        CHECK_MSG(why && strcmp(why, cases[i].why) == 0, "case %zu: got %s", i,
                  why ? why : "(null)");
        /* The same verdict from an account the caller keeps. */
        u256 bal;
        uint64_t nonce;
        CHECK_OK(ledger_account(l, addrs[0], &bal, &nonce));
        why = NULL;
        CHECK_ERR(ledger_check_tx_at(l, &s.tx, &bal, nonce, &why), cases[i].code);
        CHECK_MSG(why && strcmp(why, cases[i].why) == 0, "case %zu (at): got %s", i,
                  why ? why : "(null)");
        ledger_item bi[2] = {item(&s), item(&s)};
        ledger_tx_result res[2];
        ledger_block b;
        CHECK_OK(ledger_apply_block(l, bi, 1, gen.timestamp + i, res, &b));
        CHECK_EQ(res[0].code, cases[i].code);
        CHECK(res[0].reason && strcmp(res[0].reason, cases[i].why) == 0);
        CHECK_EQ(b.tx_count, 0);
        CHECK_EQ(b.gas_used, 0);
        CHECK_ERR(ledger_tx_by_hash(l, s.tx.hash, NULL, NULL), ZK_ERR_NOT_FOUND);
        zk_buf_free(&s.raw);
    }
    ledger_state_root(l, root2);
    CHECK_MEM(root, root2, 32);
    CHECK(balance(l, addrs[0]) == bal0);
    CHECK(balance(l, addrs[1]) == bal1);
    CHECK(balance(l, gen.operator_addr) == op);
    CHECK_EQ(nonce_of(l, addrs[0]), 1);
    /* The funds case just inside the limit passes. */
    stx edge;
    f = fields(1, 1, BASE_FEE, 0, 21000, addrs[1], bal0 - (u128)21000 * BASE_FEE);
    sign(&edge, 0, &f);
    const char *why = "x";
    CHECK_OK(ledger_check_tx(l, &edge.tx, &why));
    u256 edge_bal;
    uint64_t edge_nonce;
    CHECK_OK(ledger_account(l, addrs[0], &edge_bal, &edge_nonce));
    CHECK_OK(ledger_check_tx_at(l, &edge.tx, &edge_bal, edge_nonce, &why));
    /* One wei less and it is refused. */
    edge_bal.b[31] ^= 1;
    if (edge_bal.b[31] & 1)
        CHECK_OK(ledger_check_tx_at(l, &edge.tx, &edge_bal, edge_nonce, &why));
    else
        CHECK_ERR(ledger_check_tx_at(l, &edge.tx, &edge_bal, edge_nonce, &why), ZK_ERR_RANGE);
    it = item(&edge);
    CHECK_OK(ledger_apply_block(l, &it, 1, gen.timestamp + nc, NULL, NULL));
    CHECK(balance(l, addrs[0]) == 0);
    zk_buf_free(&edge.raw);
    zk_buf_free(&ok.raw);
    ledger_free(l);
}

/* Random blocks against a model: balances, nonces, reasons, fees, supply, hashes. */
static void run_random(ledger *l, int blocks, u128 *model, uint64_t *nonces, uint64_t *ts)
{
    const uint8_t *op = gen.operator_addr;
    for (int bi = 0; bi < blocks; bi++) {
        enum { MAXN = 24 };
        stx s[MAXN];
        ledger_item it[MAXN];
        ledger_tx_result res[MAXN];
        const char *want[MAXN];
        size_t n = t_rand() % MAXN;
        u128 opgain = 0;
        uint64_t gas = 0;
        ledger_block parent, b;
        CHECK_OK(ledger_block_by_number(l, ledger_head(l), &parent));
        for (size_t k = 0; k < n; k++) {
            int from = (int)(t_rand() % NKEYS), to = (int)(t_rand() % (NKEYS + 1));
            int type = (int)(t_rand() & 1);
            uint64_t cap = BASE_FEE + t_rand() % 10, tip = type ? t_rand() % (cap + 1) : cap;
            uint64_t glim = 21000 + (t_rand() % 3) * 500;
            uint64_t nonce = nonces[from];
            unsigned r = (unsigned)(t_rand() % 16);
            if (r == 0)
                nonce++;
            else if (r == 1 && nonce)
                nonce--;
            u128 value = t_rand() % 1000000;
            if (r == 2)
                value = model[from] + 1;
            const uint8_t *dst = to == NKEYS ? op : addrs[to];
            tx_fields f = fields(type, nonce, cap, tip, glim, dst, value);
            sign(&s[k], from, &f);
            it[k] = item(&s[k]);
            u128 price = BASE_FEE + tip < cap ? BASE_FEE + tip : cap;
            if (nonce < nonces[from])
                want[k] = "nonce too low";
            else if (nonce > nonces[from])
                want[k] = "nonce too high";
            else if ((u128)glim * cap + value > model[from])
                want[k] = "insufficient funds for gas * price + value";
            else {
                want[k] = NULL;
                u128 fee = (u128)21000 * price;
                model[from] -= fee + value;
                if (to < NKEYS)
                    model[to] += value;
                opgain += fee + (to == NKEYS ? value : 0);
                nonces[from]++;
                gas += 21000;
            }
        }
        *ts += t_rand() % 3;
        /* every account there is: the keys, the untouched genesis one, the operator */
        const uint8_t *acc[NKEYS + 2];
        u128 pre_bal[NKEYS + 2];
        uint64_t pre_nonce[NKEYS + 2];
        for (int i = 0; i < NKEYS + 2; i++) {
            acc[i] = i <= NKEYS ? allocs[i].address : op;
            pre_bal[i] = balance(l, acc[i]);
            pre_nonce[i] = nonce_of(l, acc[i]);
        }
        CHECK_OK(ledger_apply_block(l, it, n, *ts, res, &b));
        /* ledger_last_changes lists exactly the accounts whose state moved, once
         * each, as they are now. */
        const ledger_change *ch;
        size_t n_ch, moved = 0;
        ledger_last_changes(l, &ch, &n_ch);
        for (int i = 0; i < NKEYS + 2; i++) {
            u128 now = balance(l, acc[i]);
            uint64_t nn = nonce_of(l, acc[i]);
            int found = 0;
            for (size_t c = 0; c < n_ch; c++) {
                if (memcmp(ch[c].address, acc[i], 20))
                    continue;
                found++;
                CHECK(u128_of(&ch[c].balance) == now);
                CHECK_EQ(ch[c].nonce, nn);
            }
            int did = now != pre_bal[i] || nn != pre_nonce[i];
            CHECK_MSG(found == did, "block %d account %d: listed %d times, changed %d", bi, i,
                      found, did);
            moved += (size_t)did;
        }
        CHECK_EQ(n_ch, moved);
        model[NKEYS] += opgain;
        size_t applied = 0;
        for (size_t k = 0; k < n; k++) {
            CHECK_MSG((res[k].reason == NULL) == (want[k] == NULL) &&
                          (!want[k] || strcmp(res[k].reason, want[k]) == 0),
                      "block %d tx %zu: got %s, want %s", bi, k,
                      res[k].reason ? res[k].reason : "applied", want[k] ? want[k] : "applied");
            applied += res[k].reason == NULL;
            zk_buf_free(&s[k].raw);
        }
        CHECK_EQ(b.tx_count, applied);
        CHECK_EQ(b.gas_used, gas);
        CHECK_EQ(b.number, parent.number + 1);
        CHECK_MEM(b.parent_hash, parent.hash, 32);
        uint8_t h[32];
        ref_hash(&b, h);
        CHECK_MEM(h, b.hash, 32);
        u128 sum = balance(l, allocs[NKEYS].address);
        for (int i = 0; i < NKEYS; i++) {
            u128 got = balance(l, addrs[i]);
            CHECK(got == model[i]);
            CHECK_EQ(nonce_of(l, addrs[i]), nonces[i]);
            sum += got;
        }
        CHECK(balance(l, op) == model[NKEYS]);
        sum += balance(l, op);
        CHECK(sum == supply);
    }
}

static void model_init(u128 *model, uint64_t *nonces)
{
    for (int i = 0; i < NKEYS; i++) {
        model[i] = u128_of(&allocs[i].balance);
        nonces[i] = 0;
    }
    model[NKEYS] = 0;
}

static void test_random_blocks(void)
{
    ledger *l;
    CHECK_OK(ledger_open(&l, NULL, &gen));
    if (!l)
        return;
    u128 model[NKEYS + 1];
    uint64_t nonces[NKEYS], ts = gen.timestamp;
    model_init(model, nonces);
    run_random(l, 40, model, nonces, &ts);
    ledger_free(l);
}

static void test_reopen_and_replay(void)
{
    tmp_store store;
    mk_store(&store, "ledger", "reopen.db");
    const char *path = store.path;
    ledger *l;
    CHECK_OK(ledger_open(&l, path, &gen));
    if (!l)
        return;
    u128 model[NKEYS + 1];
    uint64_t nonces[NKEYS], ts = gen.timestamp;
    model_init(model, nonces);
    run_random(l, 6, model, nonces, &ts);
    head_snap snap;
    snap_head(&snap, l);
    ledger_free(l);

    CHECK_OK(ledger_open(&l, path, &gen));
    if (!l)
        return;
    check_head(l, &snap);
    for (int i = 0; i < NKEYS; i++) {
        CHECK(balance(l, addrs[i]) == model[i]);
        CHECK_EQ(nonce_of(l, addrs[i]), nonces[i]);
    }
    /* and it goes on from there */
    run_random(l, 4, model, nonces, &ts);
    ledger_free(l);

    ledger_genesis g2 = gen;
    g2.chain_id++;
    CHECK_ERR(ledger_open(&l, path, &g2), ZK_ERR_CONFIG);
    CHECK(strstr(zk_err_detail(), "chain id") != NULL);
    g2 = gen;
    g2.base_fee++;
    CHECK_ERR(ledger_open(&l, path, &g2), ZK_ERR_CONFIG);
    g2 = gen;
    g2.n_alloc--;
    CHECK_ERR(ledger_open(&l, path, &g2), ZK_ERR_CONFIG);
    CHECK(strstr(zk_err_detail(), "allocations") != NULL);
    g2 = gen;
    g2.operator_addr[3] ^= 1;
    CHECK_ERR(ledger_open(&l, path, &g2), ZK_ERR_CONFIG);

    CHECK_OK(ledger_verify_replay(path));

    /* Tampering: a stored state root, then a stored transaction's bytes. */
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *st;
    uint8_t saved[32], bad[32];
    CHECK(sqlite3_prepare_v2(db, "SELECT state_root FROM ledger_block WHERE number = 3", -1, &st,
                             NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    memcpy(saved, sqlite3_column_blob(st, 0), 32);
    sqlite3_finalize(st);
    memcpy(bad, saved, 32);
    bad[t_rand() % 32] ^= 1;
    CHECK(sqlite3_prepare_v2(db, "UPDATE ledger_block SET state_root = ? WHERE number = 3", -1, &st,
                             NULL) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, bad, 32, SQLITE_TRANSIENT);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_reset(st);
    CHECK_ERR(ledger_verify_replay(path), ZK_ERR_STATE);
    CHECK_MSG(strstr(zk_err_detail(), "block 3: state root differs") != NULL, "%s",
              zk_err_detail());
    sqlite3_bind_blob(st, 1, saved, 32, SQLITE_TRANSIENT);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    CHECK_OK(ledger_verify_replay(path));

    /* the first transaction of the first block that has one */
    CHECK(sqlite3_prepare_v2(db, "SELECT block, raw FROM ledger_tx ORDER BY block, idx LIMIT 1", -1,
                             &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    long long blk = sqlite3_column_int64(st, 0);
    int len = sqlite3_column_bytes(st, 1);
    uint8_t raw[4096];
    CHECK(len > 0 && len <= (int)sizeof raw);
    memcpy(raw, sqlite3_column_blob(st, 1), (size_t)len);
    sqlite3_finalize(st);
    raw[len - 40] ^= 0x10; /* inside s */
    CHECK(sqlite3_prepare_v2(db, "UPDATE ledger_tx SET raw = ? WHERE block = ? AND idx = 0", -1,
                             &st, NULL) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, raw, len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, blk);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK_ERR(ledger_verify_replay(path), ZK_ERR_STATE);
    char want[64];
    snprintf(want, sizeof want, "block %lld tx 0", blk);
    CHECK_MSG(strstr(zk_err_detail(), want) != NULL, "%s", zk_err_detail());
    CHECK_ERR(ledger_verify_replay("/nonexistent/zk_ledger.db"), ZK_ERR_NOT_FOUND);
    rm_store(&store);
}

/* The fault hook fails the nth call (counting from 1) with ZK_ERR_IO. */
typedef struct fault_ctx {
    int calls, fail_at;
    const char *step;
} fault_ctx;

static int fail_nth(void *arg, const char *step)
{
    fault_ctx *c = arg;
    if (++c->calls == c->fail_at) {
        c->step = step;
        return ZK_ERR_IO;
    }
    return 0;
}

static void test_atomicity(void)
{
    tmp_store store;
    mk_store(&store, "ledger", "atomic.db");
    const char *path = store.path;
    ledger *l, *twin;
    CHECK_OK(ledger_open(&l, path, &gen));
    CHECK_OK(ledger_open(&twin, NULL, &gen));
    if (!l || !twin)
        return;
    enum { N = 5 };
    stx s[N];
    ledger_item it[N];
    for (int k = 0; k < N; k++) {
        tx_fields f = fields(k & 1, (uint64_t)k, BASE_FEE + 3, 1, 21000,
                             k == 2 ? gen.operator_addr : addrs[(k + 1) % NKEYS], 1000 + k);
        sign(&s[k], 0, &f);
        it[k] = item(&s[k]);
    }
    uint8_t root[32], root2[32];
    ledger_state_root(l, root);
    u128 b0 = balance(l, addrs[0]), bop = balance(l, gen.operator_addr);
    /* N "tx" steps, then "tree" and "commit": fail each in turn. */
    for (int at = 1; at <= N + 2; at++) {
        fault_ctx c = {0, at, NULL};
        ledger_set_fault(l, fail_nth, &c);
        CHECK_ERR(ledger_apply_block(l, it, N, gen.timestamp + 1, NULL, NULL), ZK_ERR_IO);
        CHECK(c.step != NULL);
        CHECK_EQ(ledger_head(l), 0);
        ledger_state_root(l, root2);
        CHECK_MEM(root, root2, 32);
        CHECK(balance(l, addrs[0]) == b0);
        CHECK(balance(l, gen.operator_addr) == bop);
        CHECK_EQ(nonce_of(l, addrs[0]), 0);
        ledger_block b;
        CHECK_ERR(ledger_block_by_number(l, 1, &b), ZK_ERR_NOT_FOUND);
        for (int k = 0; k < N; k++) {
            const char *why = "x";
            CHECK_ERR(ledger_tx_by_hash(l, s[k].tx.hash, NULL, NULL), ZK_ERR_NOT_FOUND);
            if (k == 0)
                CHECK_OK(ledger_check_tx(l, &s[k].tx, &why));
        }
    }
    ledger_set_fault(l, NULL, NULL);
    /* After all the failures the block applies as on a ledger that never failed. */
    ledger_block b1, b2;
    CHECK_OK(ledger_apply_block(l, it, N, gen.timestamp + 1, NULL, &b1));
    CHECK_OK(ledger_apply_block(twin, it, N, gen.timestamp + 1, NULL, &b2));
    CHECK(memcmp(&b1, &b2, sizeof b1) == 0);
    CHECK_EQ(b1.tx_count, N);
    ledger_free(l);
    ledger_free(twin);
    /* and the file holds exactly that */
    CHECK_OK(ledger_verify_replay(path));
    CHECK_OK(ledger_open(&l, path, &gen));
    if (l) {
        CHECK_EQ(ledger_head(l), 1);
        ledger_state_root(l, root2);
        CHECK_MEM(root2, b1.state_root, 32);
    }
    ledger_free(l);
    for (int k = 0; k < N; k++)
        zk_buf_free(&s[k].raw);
    rm_store(&store);
}

int main(void)
{
    t_seed();
    setup();
    test_genesis();
    test_transfer();
    test_rejections();
    test_random_blocks();
    test_reopen_and_replay();
    test_atomicity();
    return t_report("test_ledger");
}
