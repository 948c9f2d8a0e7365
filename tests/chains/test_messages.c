/* chains/ledger messaging: two ledgers (chains A = 100 and B = 200) exchanging
 * native coin and messages through exit trees and an interop tree built here,
 * every import rejection (exact reason) and a sweep of single-field mutations of
 * a valid import, stateless refusals and reverts of system calls, bridged-asset
 * transfers, replay and reopen of a file-backed ledger, and state-root changes
 * exactly when something happened. Expected values come from the rules in
 * chains/ledger.h and chains/state.h, computed here (leaves, gas, fees, trees). */
#define T_SHARED_MAIN /* chain_fixture.c counts in this test's report */

#include <stdlib.h>

#include "chains/abi.h"
#include "chains/ledger.h"
#include "chains/smt.h"
#include "chains/state.h"
#include "common/db.h"
#include "common/error.h"
#include "common/keccak.h"
#include "privacy/commit.h"
#include "tests/chains/chain_fixture.h"
#include "tests/test.h"
#include "verifier/kb.h"

#define CHAIN_A 100u
#define CHAIN_B 200u
#define CHAIN_C 300u /* a third chain: only a record in the interop tree */
#define CHAIN_F 400u /* a chain whose exit tree the test writes by hand */
#define NKEYS   6

static u128 supply;
static const uint8_t ZERO32[32];

/* ---- numbers, accounts ---- */

static st_asset asset_of(uint64_t origin, const uint8_t *token)
{
    st_asset a = {.origin_chain = origin};
    if (token)
        memcpy(a.token, token, 32);
    return a;
}

static u128 asset_bal(ledger *l, const uint8_t a[20], uint64_t origin, const uint8_t *token)
{
    st_asset as = asset_of(origin, token);
    u256 b;
    memset(&b, 0xff, sizeof b);
    CHECK_OK(ledger_asset_balance(l, a, &as, &b));
    return u128_of(&b);
}

static u128 local_bal(ledger *l, uint64_t origin, const uint8_t *token)
{
    st_asset as = asset_of(origin, token);
    u256 b;
    memset(&b, 0xff, sizeof b);
    CHECK_OK(ledger_local_balance(l, &as, &b));
    return u128_of(&b);
}

static void rand_digest(p2_digest *d)
{
    for (int i = 0; i < 8; i++)
        d->v[i] = kb_from_canonical((uint32_t)(t_rand() % KB_P));
}

static void setup(void)
{
    supply = make_accounts(NKEYS, 32);
}

/* Every native balance there can be on these chains: the keys, the operator and
 * the system addresses (the OUTBOX holds the escrow). */
static u128 native_supply(ledger *l)
{
    uint8_t op[20];
    ledger_operator(l, op);
    u128 s = balance(l, op) + balance(l, LEDGER_ADDR_OUTBOX) + balance(l, LEDGER_ADDR_ASSETS) +
             balance(l, LEDGER_ADDR_INBOX);
    for (int i = 0; i < NKEYS; i++)
        s += balance(l, addrs[i]);
    return s;
}

/* ---- transactions ---- */

/* Intrinsic gas by the documented rule, plus what the system call adds. */
static uint64_t gas_for(const uint8_t *d, size_t n, uint64_t extra)
{
    uint64_t g = 21000 + extra;
    for (size_t i = 0; i < n; i++)
        g += d[i] ? 16 : 4;
    return g;
}

static void transfer_call(zk_buf *d, uint64_t origin, const uint8_t *token, const uint8_t to[20],
                          u128 amount)
{
    zk_buf_init(d, 1024);
    put_sel(d, "transfer(uint64,bytes32,address,uint256)");
    abi_value v[4] = {{.type = ABI_UINT64, .u64 = origin},
                      {.type = ABI_BYTES32},
                      {.type = ABI_ADDRESS},
                      {.type = ABI_UINT256}};
    if (token)
        memcpy(v[1].b32, token, 32);
    memcpy(v[2].addr, to, 20);
    u256_of(&v[3].u256, amount);
    CHECK_OK(abi_encode(d, v, 4));
}

static int applied_ok(const ledger_tx_result *r)
{
    return r->code == ZK_OK && r->reason == NULL && r->revert == NULL;
}

/* ---- reads through ledger_call ---- */

static void call(ledger *l, const uint8_t to[20], const char *sig, const abi_value *args, size_t n,
                 zk_buf *ret)
{
    zk_buf d;
    zk_buf_init(&d, 1024);
    put_sel(&d, sig);
    CHECK_OK(abi_encode(&d, args, n));
    zk_buf_init(ret, 1024);
    const char *why = "x";
    CHECK_OK(ledger_call(l, to, d.data, d.len, ret, &why));
    CHECK(why == NULL);
    zk_buf_free(&d);
}

static uint64_t read_u64(ledger *l, const uint8_t to[20], const char *sig, int nargs, uint64_t arg)
{
    abi_value a = {.type = ABI_UINT64, .u64 = arg}, v;
    zk_buf ret;
    call(l, to, sig, &a, (size_t)nargs, &ret);
    static const abi_type t = ABI_UINT64;
    v.u64 = ~0ull;
    CHECK_OK(abi_decode(&v, &t, 1, ret.data, ret.len, 0));
    zk_buf_free(&ret);
    return v.u64;
}

static u128 read_u256(ledger *l, const uint8_t to[20], const char *sig, const abi_value *args,
                      size_t n)
{
    abi_value v;
    zk_buf ret;
    call(l, to, sig, args, n, &ret);
    static const abi_type t = ABI_UINT256;
    memset(&v, 0, sizeof v);
    CHECK_OK(abi_decode(&v, &t, 1, ret.data, ret.len, 0));
    zk_buf_free(&ret);
    for (int i = 0; i < 16; i++)
        CHECK(v.u256.b[i] == 0);
    return u128_of(&v.u256);
}

static u128 call_balance_of(ledger *l, uint64_t origin, const uint8_t *token, const uint8_t a[20])
{
    abi_value v[3] = {
        {.type = ABI_UINT64, .u64 = origin}, {.type = ABI_BYTES32}, {.type = ABI_ADDRESS}};
    if (token)
        memcpy(v[1].b32, token, 32);
    memcpy(v[2].addr, a, 20);
    return read_u256(l, LEDGER_ADDR_ASSETS, "balanceOf(uint64,bytes32,address)", v, 3);
}

static u128 call_local(ledger *l, uint64_t origin, const uint8_t *token)
{
    abi_value v[2] = {{.type = ABI_UINT64, .u64 = origin}, {.type = ABI_BYTES32}};
    if (token)
        memcpy(v[1].b32, token, 32);
    return read_u256(l, LEDGER_ADDR_INBOX, "localBalance(uint64,bytes32)", v, 2);
}

static uint64_t expected_seq(ledger *l, uint64_t peer)
{
    return read_u64(l, LEDGER_ADDR_INBOX, "expectedSequence(uint64)", 1, peer);
}

/* ---- state roots ---- */

static void root_bytes(const p2_digest *d, uint8_t out[32])
{
    for (int i = 0; i < 8; i++) {
        uint32_t c = kb_to_canonical(d->v[i]);
        out[4 * i] = (uint8_t)c;
        out[4 * i + 1] = (uint8_t)(c >> 8);
        out[4 * i + 2] = (uint8_t)(c >> 16);
        out[4 * i + 3] = (uint8_t)(c >> 24);
    }
}

/* The head's roots; checks that the header's state root is st_state_root of
 * them and ledger_state_root agrees. */
static ledger_state head_state(ledger *l)
{
    ledger_state s;
    memset(&s, 0, sizeof s);
    CHECK_OK(ledger_state_at(l, ledger_head(l), &s));
    CHECK_EQ(s.block, ledger_head(l));
    p2_digest r;
    CHECK_OK(st_state_root(&r, &s.roots));
    CHECK(memcmp(r.v, s.state_root.v, sizeof r.v) == 0);
    uint8_t want[32], got[32];
    root_bytes(&r, want);
    ledger_block b;
    CHECK_OK(ledger_block_by_number(l, ledger_head(l), &b));
    CHECK_MEM(b.state_root, want, 32);
    ledger_state_root(l, got);
    CHECK_MEM(got, want, 32);
    p2_digest c;
    pc_salt zero;
    memset(&zero, 0, sizeof zero);
    CHECK_OK(pc_state_commit(&c, &r, &zero));
    CHECK(memcmp(c.v, s.commitment.v, sizeof c.v) == 0);
    return s;
}

/* ---- trees built here ---- */

/* An exit tree written by hand, in memory (interop trees are itrees). */
typedef struct tree {
    zk_db *db;
    smt *t;
} tree;

static void tree_open(tree *t, uint32_t id)
{
    CHECK_OK(db_open(&t->db, ":memory:", DB_MEMORY, 0));
    CHECK_OK(smt_new(&t->t, t->db, id, 0));
}

static void tree_close(tree *t)
{
    smt_free(t->t);
    db_close(t->db);
}

static uint32_t tree_append_msg(tree *t, const st_message *m)
{
    p2_digest d;
    uint32_t i = 0;
    CHECK_OK(st_message_leaf(&d, m));
    CHECK_OK(smt_append(t->t, &d, &i));
    return i;
}

/* l's interop record at its head, whose state head_state checks. */
static st_interop head_record(ledger *l, uint64_t batch)
{
    ledger_state s = head_state(l);
    return record_of(l, &s, batch);
}

static st_interop record_of_tree(tree *t, uint64_t chain)
{
    st_interop r = {.chain_id = chain, .exit_count = smt_count(t->t), .last_batch = 1};
    smt_root(t->t, &r.exit_root);
    rand_digest(&r.state_commitment);
    return r;
}

static st_interop random_record(uint64_t chain)
{
    st_interop r = {.chain_id = chain, .exit_count = 5, .last_batch = 3};
    rand_digest(&r.exit_root);
    rand_digest(&r.state_commitment);
    return r;
}

/* The import of msg at index of the hand-made exit tree ex, proven by record ii
 * of it. */
static void imp_from_tree(imp *m, tree *ex, uint32_t index, const st_message *msg,
                          const uint8_t *payload, size_t plen, const itree *it, size_t ii)
{
    memset(&m->im, 0, sizeof m->im);
    zk_buf_init(&m->payload, 2 * LEDGER_MAX_PAYLOAD);
    if (plen)
        CHECK_OK(zk_buf_append(&m->payload, payload, plen));
    CHECK_OK(smt_path(ex->t, index, m->im.exit_path));
    m->im.msg = *msg;
    m->im.payload = m->payload.data;
    m->im.payload_len = m->payload.len;
    m->im.exit_index = index;
    itree_place(&m->im, it, ii);
}

static ledger_tx_result import1(ledger *l, const ledger_import *im)
{
    ledger_tx_result r = {-1, "unset", NULL};
    CHECK_OK(ledger_import_messages(l, im, 1, &r));
    return r;
}

/* Imports im and wants reason (NULL: queued). Nothing queued on a rejection. */
static void want_import(ledger *l, const ledger_import *im, int code, const char *reason, int line)
{
    uint64_t q = ledger_queued_imports(l);
    ledger_tx_result r = import1(l, im);
    int ok = r.code == code && ((reason == NULL && r.reason == NULL) ||
                                (reason && r.reason && strcmp(r.reason, reason) == 0));
    CHECK_MSG(ok, "line %d: import got %d (%s), wanted %d (%s)", line, r.code,
              r.reason ? r.reason : "queued", code, reason ? reason : "queued");
    CHECK_EQ(ledger_queued_imports(l), q + (code == ZK_OK));
}
#define WANT_IMPORT(l, im, code, reason) want_import((l), (im), (code), (reason), __LINE__)

/* A message of the hand-made chain F (or another source) to dest. */
static st_message mk_msg(uint64_t src, uint64_t dest, uint64_t seq, uint64_t origin,
                         const uint8_t *token, u128 amount, const uint8_t *payload, size_t plen)
{
    st_message m;
    memset(&m, 0, sizeof m);
    m.version = ST_MESSAGE_VERSION;
    m.source_chain = src;
    m.dest_chain = dest;
    m.sequence = seq;
    t_rand_bytes(m.sender, 20);
    memcpy(m.recipient, addrs[5], 20);
    m.asset = asset_of(origin, token);
    u256_of(&m.amount, amount);
    zk_keccak256(m.payload_hash, payload, plen);
    return m;
}

/* Proves src's sent message idx to dst: an interop tree with src's record at
 * index 0 and another chain's at 1, its root added at dst, the import queued. */
static void prove_to(ledger *src, ledger *dst, uint64_t idx)
{
    st_interop recs[2];
    recs[0] = head_record(src, ledger_head(src));
    recs[1] = random_record(CHAIN_C);
    itree it;
    itree_build(&it, recs, 2);
    imp m;
    imp_from_ledger(&m, src, idx, &it, 0);
    CHECK_OK(ledger_add_interop_root(dst, &m.im.interop_root));
    WANT_IMPORT(dst, &m.im, ZK_OK, NULL);
    zk_buf_free(&m.payload);
}

/* Sends from src (a block of one tx) and queues the sent message at dst
 * (prove_to). Returns the message's exit index. */
static uint64_t bridge_p(ledger *src, ledger *dst, int key, const uint8_t rcp[20], uint64_t origin,
                         const uint8_t *token, u128 amount, u128 value, const uint8_t *payload,
                         size_t plen)
{
    zk_buf d;
    send_call(&d, ledger_chain_id(dst), rcp, origin, token, amount, payload, plen);
    ledger_tx_result r = one_tx(src, key, LEDGER_ADDR_OUTBOX, value, &d, NULL);
    CHECK_MSG(applied_ok(&r), "bridge send: %s / %s", r.reason ? r.reason : "-",
              r.revert ? r.revert : "-");
    zk_buf_free(&d);
    uint64_t idx = head_state(src).roots.exit_count - 1;
    prove_to(src, dst, idx);
    return idx;
}

static uint64_t bridge(ledger *src, ledger *dst, int key, const uint8_t rcp[20], uint64_t origin,
                       const uint8_t *token, u128 amount, u128 value)
{
    return bridge_p(src, dst, key, rcp, origin, token, amount, value, NULL, 0);
}

/* ---- 1. end to end ---- */

static void check_sent(ledger *l, uint64_t idx, const st_message *want, const uint8_t *payload,
                       size_t plen, const uint8_t tx_hash[32], uint64_t block,
                       const p2_digest *exit_root)
{
    ledger_sent s;
    zk_buf pl;
    zk_buf_init(&pl, LEDGER_MAX_PAYLOAD);
    p2_digest path[SMT_DEPTH];
    CHECK_OK(ledger_sent_message(l, idx, &s, &pl, path));
    CHECK_EQ(s.index, idx);
    CHECK_EQ(s.msg.version, want->version);
    CHECK_EQ(s.msg.source_chain, want->source_chain);
    CHECK_EQ(s.msg.dest_chain, want->dest_chain);
    CHECK_EQ(s.msg.sequence, want->sequence);
    CHECK_MEM(s.msg.sender, want->sender, 20);
    CHECK_MEM(s.msg.recipient, want->recipient, 20);
    CHECK_EQ(s.msg.asset.origin_chain, want->asset.origin_chain);
    CHECK_MEM(s.msg.asset.token, want->asset.token, 32);
    CHECK_MEM(s.msg.amount.b, want->amount.b, 32);
    CHECK_MEM(s.msg.payload_hash, want->payload_hash, 32);
    CHECK_MEM(s.msg.salt.v, want->salt.v, sizeof want->salt.v);
    p2_digest leaf;
    CHECK_OK(st_message_leaf(&leaf, want));
    CHECK(dig_eq(&leaf, &s.leaf));
    CHECK_EQ(s.block, block);
    CHECK_MEM(s.tx_hash, tx_hash, 32);
    CHECK(pl.len == plen && (!plen || memcmp(pl.data, payload, plen) == 0));
    CHECK_OK(smt_verify_path(&leaf, idx, path, SMT_DEPTH, exit_root));
    CHECK_ERR(smt_verify_path(&leaf, idx ^ 1, path, SMT_DEPTH, exit_root), ZK_ERR_PROOF);
    zk_buf_free(&pl);
}

static void test_end_to_end(void)
{
    ledger *A = open_chain(CHAIN_A, NULL), *B = open_chain(CHAIN_B, NULL);
    CHECK(native_supply(A) == supply);
    CHECK(native_supply(B) == supply);
    uint8_t opA[20], opB[20];
    ledger_operator(A, opA);
    ledger_operator(B, opB);
    CHECK_EQ(read_u64(A, LEDGER_ADDR_OUTBOX, "exitCount()", 0, 0), 0);

    /* A: key 0 sends V native to addrs[1] on B, and a pure message to addrs[2]. */
    u128 V = ((u128)1 << 60) + t_rand() % 100000;
    uint8_t payload[100];
    t_rand_bytes(payload, sizeof payload);
    zk_buf d1, d2;
    send_call(&d1, CHAIN_B, addrs[1], CHAIN_A, NULL, V, NULL, 0);
    send_call(&d2, CHAIN_B, addrs[2], CHAIN_A, NULL, 0, payload, sizeof payload);
    stx t1, t2;
    sign_tx(&t1, 0, CHAIN_A, 0, GAS, LEDGER_ADDR_OUTBOX, V, d1.data, d1.len);
    sign_tx(&t2, 0, CHAIN_A, 1, GAS, LEDGER_ADDR_OUTBOX, 0, d2.data, d2.len);
    const char *why = "x";
    CHECK_OK(ledger_check_tx(A, &t1.tx, &why));
    CHECK(why == NULL);
    u128 b0 = balance(A, addrs[0]);
    ledger_item it[2] = {item(&t1), item(&t2)};
    ledger_tx_result res[2];
    ledger_block blk;
    CHECK_OK(apply(A, it, 2, res, &blk));
    CHECK(applied_ok(&res[0]) && applied_ok(&res[1]));
    uint64_t g1 = gas_for(d1.data, d1.len, LEDGER_SEND_GAS);
    uint64_t g2 = gas_for(d2.data, d2.len, LEDGER_SEND_GAS);
    CHECK_EQ(blk.tx_count, 2);
    CHECK_EQ(blk.gas_used, g1 + g2);
    u128 fees = (u128)(g1 + g2) * BASE_FEE;
    CHECK(balance(A, addrs[0]) == b0 - V - fees);
    CHECK(balance(A, LEDGER_ADDR_OUTBOX) == V);
    CHECK(balance(A, opA) == fees);
    CHECK_EQ(nonce_of(A, addrs[0]), 2);
    CHECK(native_supply(A) == supply);
    ledger_receipt rc;
    CHECK_OK(ledger_tx_by_hash(A, t1.tx.hash, &rc, NULL));
    CHECK_EQ(rc.status, 1);
    CHECK_EQ(rc.gas_used, g1);
    CHECK(rc.revert[0] == 0);
    CHECK_OK(ledger_tx_by_hash(A, t2.tx.hash, &rc, NULL));
    CHECK_EQ(rc.status, 1);
    CHECK_EQ(rc.gas_used, g2);

    ledger_state sA = head_state(A);
    CHECK_EQ(sA.roots.exit_count, 2);
    CHECK_EQ(read_u64(A, LEDGER_ADDR_OUTBOX, "exitCount()", 0, 0), 2);
    CHECK_EQ(read_u64(A, LEDGER_ADDR_OUTBOX, "nextSequence(uint64)", 1, CHAIN_B), 2);
    CHECK_EQ(read_u64(A, LEDGER_ADDR_OUTBOX, "nextSequence(uint64)", 1, CHAIN_C), 0);
    uint64_t nq = 9;
    CHECK_OK(ledger_channel_next(A, ST_CHANNEL_OUT, CHAIN_B, 0, &nq));
    CHECK_EQ(nq, 2);
    {
        zk_buf ret;
        call(A, LEDGER_ADDR_OUTBOX, "exitRoot()", NULL, 0, &ret);
        uint8_t want[32];
        pc_encode8(want, sA.roots.exit_root.v);
        CHECK(ret.len == 32 && memcmp(ret.data, want, 32) == 0);
        zk_buf_free(&ret);
    }
    st_message em[2];
    memset(em, 0, sizeof em);
    for (int i = 0; i < 2; i++) {
        em[i].version = 1;
        em[i].source_chain = CHAIN_A;
        em[i].dest_chain = CHAIN_B;
        em[i].sequence = (uint64_t)i;
        memcpy(em[i].sender, addrs[0], 20);
        memcpy(em[i].recipient, addrs[1 + i], 20);
        em[i].asset.origin_chain = CHAIN_A;
    }
    u256_of(&em[0].amount, V);
    zk_keccak256(em[0].payload_hash, NULL, 0);
    zk_keccak256(em[1].payload_hash, payload, sizeof payload);
    check_sent(A, 0, &em[0], NULL, 0, t1.tx.hash, 1, &sA.roots.exit_root);
    check_sent(A, 1, &em[1], payload, sizeof payload, t2.tx.hash, 1, &sA.roots.exit_root);
    ledger_sent none;
    CHECK_ERR(ledger_sent_message(A, 2, &none, NULL, NULL), ZK_ERR_NOT_FOUND);
    /* The exit tree rebuilt here from the expected leaves has A's exit root. */
    {
        tree ex;
        tree_open(&ex, 3);
        CHECK_EQ(tree_append_msg(&ex, &em[0]), 0);
        CHECK_EQ(tree_append_msg(&ex, &em[1]), 1);
        p2_digest r;
        smt_root(ex.t, &r);
        CHECK(dig_eq(&r, &sA.roots.exit_root));
        tree_close(&ex);
    }

    /* Round 1: A's record at 0, another chain's at 1. */
    itree T;
    st_interop r1[2];
    r1[0] = head_record(A, 1);
    r1[1] = random_record(CHAIN_C);
    itree_build(&T, r1, 2);
    imp m[2];
    imp_from_ledger(&m[0], A, 0, &T, 0);
    imp_from_ledger(&m[1], A, 1, &T, 0);
    CHECK(m[1].im.payload_len == sizeof payload);
    ledger_state sB0 = head_state(B);
    WANT_IMPORT(B, &m[0].im, ZK_ERR_NOT_FOUND, "unknown interop root");
    CHECK_OK(ledger_add_interop_root(B, &m[0].im.interop_root));
    CHECK_OK(ledger_add_interop_root(B, &m[0].im.interop_root));
    p2_digest zero;
    memset(&zero, 0, sizeof zero);
    CHECK_ERR(ledger_add_interop_root(B, &zero), ZK_ERR_INVALID_ARG);
    ledger_import both[2] = {m[0].im, m[1].im};
    ledger_tx_result ir[2] = {{-1, "unset", NULL}, {-1, "unset", NULL}};
    CHECK_OK(ledger_import_messages(B, both, 2, ir));
    CHECK(ir[0].code == ZK_OK && ir[0].reason == NULL);
    CHECK(ir[1].code == ZK_OK && ir[1].reason == NULL);
    CHECK_EQ(ledger_queued_imports(B), 2);
    /* Queued is not delivered: the state is as it was. */
    ledger_state sB1 = head_state(B);
    CHECK(dig_eq(&sB0.state_root, &sB1.state_root));
    ledger_received rv;
    CHECK_OK(ledger_received_message(B, CHAIN_A, 0, &rv, NULL));
    CHECK_EQ(rv.delivered, 0);
    CHECK_ERR(ledger_received_message(B, CHAIN_A, 2, &rv, NULL), ZK_ERR_NOT_FOUND);
    CHECK_EQ(expected_seq(B, CHAIN_A), 0);
    CHECK_OK(ledger_channel_next(B, ST_CHANNEL_IN, CHAIN_A, 1, &nq));
    CHECK_EQ(nq, 2);
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == 0);

    u128 n1 = balance(B, addrs[1]), n2 = balance(B, addrs[2]);
    CHECK_OK(apply(B, NULL, 0, NULL, &blk));
    CHECK_EQ(blk.tx_count, 0);
    CHECK_EQ(ledger_queued_imports(B), 0);
    ledger_state sB2 = head_state(B);
    CHECK(!dig_eq(&sB1.state_root, &sB2.state_root));
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == V);
    CHECK(call_balance_of(B, CHAIN_A, NULL, addrs[1]) == V);
    CHECK(asset_bal(B, addrs[2], CHAIN_A, NULL) == 0);
    CHECK(local_bal(B, CHAIN_A, NULL) == V);
    CHECK(call_local(B, CHAIN_A, NULL) == V);
    CHECK_EQ(expected_seq(B, CHAIN_A), 2);
    CHECK(balance(B, addrs[1]) == n1);
    CHECK(balance(B, addrs[2]) == n2);
    CHECK(native_supply(B) == supply);
    for (int i = 0; i < 2; i++) {
        zk_buf pl;
        zk_buf_init(&pl, LEDGER_MAX_PAYLOAD);
        CHECK_OK(ledger_received_message(B, CHAIN_A, (uint64_t)i, &rv, &pl));
        CHECK_EQ(rv.delivered, 1);
        CHECK_EQ(rv.block, ledger_head(B));
        p2_digest leaf;
        CHECK_OK(st_message_leaf(&leaf, &em[i]));
        CHECK(dig_eq(&leaf, &rv.leaf));
        CHECK_EQ(rv.msg.sequence, (uint64_t)i);
        CHECK(pl.len == (i ? sizeof payload : 0));
        CHECK(!i || memcmp(pl.data, payload, sizeof payload) == 0);
        zk_buf_free(&pl);
    }
    /* Delivered messages again: already imported, nothing queued. */
    WANT_IMPORT(B, &m[0].im, ZK_ERR_EXISTS, "already imported");
    WANT_IMPORT(B, &m[1].im, ZK_ERR_EXISTS, "already imported");

    /* B -> A: addrs[1] sends W of A's coin back to addrs[3] on A. */
    u128 W = V / 3 + 1;
    zk_buf d3;
    send_call(&d3, CHAIN_A, addrs[3], CHAIN_A, NULL, W, NULL, 0);
    stx t3;
    u128 nb1 = balance(B, addrs[1]);
    ledger_tx_result r3 = one_tx(B, 1, LEDGER_ADDR_OUTBOX, 0, &d3, &t3);
    CHECK(applied_ok(&r3));
    uint64_t g3 = gas_for(d3.data, d3.len, LEDGER_SEND_GAS);
    CHECK(balance(B, addrs[1]) == nb1 - (u128)g3 * BASE_FEE);
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == V - W);
    CHECK(local_bal(B, CHAIN_A, NULL) == V - W);
    CHECK(balance(B, LEDGER_ADDR_OUTBOX) == 0);
    CHECK(native_supply(B) == supply);
    ledger_state sB3 = head_state(B);
    CHECK_EQ(sB3.roots.exit_count, 1);
    st_message back;
    memset(&back, 0, sizeof back);
    back.version = 1;
    back.source_chain = CHAIN_B;
    back.dest_chain = CHAIN_A;
    memcpy(back.sender, addrs[1], 20);
    memcpy(back.recipient, addrs[3], 20);
    back.asset.origin_chain = CHAIN_A;
    u256_of(&back.amount, W);
    zk_keccak256(back.payload_hash, NULL, 0);
    check_sent(B, 0, &back, NULL, 0, t3.tx.hash, ledger_head(B), &sB3.roots.exit_root);

    /* Round 2: A's newer record at 0, B's at 1. */
    itree T2;
    st_interop r2[2];
    r2[0] = head_record(A, 2);
    r2[1] = head_record(B, 1);
    itree_build(&T2, r2, 2);
    imp mb;
    imp_from_ledger(&mb, B, 0, &T2, 1);
    CHECK_OK(ledger_add_interop_root(A, &mb.im.interop_root));
    u128 a3 = balance(A, addrs[3]);
    WANT_IMPORT(A, &mb.im, ZK_OK, NULL);
    CHECK(balance(A, addrs[3]) == a3);
    CHECK_OK(apply(A, NULL, 0, NULL, NULL));
    CHECK(balance(A, addrs[3]) == a3 + W);
    {
        /* the release changed the recipient and the escrow, and they are listed */
        const ledger_change *ch;
        size_t nch, seen = 0;
        ledger_last_changes(A, &ch, &nch);
        for (size_t i = 0; i < nch; i++) {
            if (!memcmp(ch[i].address, addrs[3], 20))
                seen += u128_of(&ch[i].balance) == a3 + W;
            if (!memcmp(ch[i].address, LEDGER_ADDR_OUTBOX, 20))
                seen += u128_of(&ch[i].balance) == V - W;
        }
        CHECK_EQ(seen, 2);
    }
    CHECK(balance(A, LEDGER_ADDR_OUTBOX) == V - W);
    CHECK(asset_bal(A, addrs[3], CHAIN_A, NULL) == a3 + W); /* native: the account balance */
    CHECK(local_bal(A, CHAIN_A, NULL) == 0);
    CHECK_EQ(expected_seq(A, CHAIN_B), 1);
    CHECK(native_supply(A) == supply);
    /* What A escrows is what B holds of A's coin. */
    CHECK(balance(A, LEDGER_ADDR_OUTBOX) == local_bal(B, CHAIN_A, NULL));
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == local_bal(B, CHAIN_A, NULL));

    /* Reads of other addresses return nothing; unknown reads revert. */
    zk_buf ret;
    zk_buf_init(&ret, 64);
    uint8_t sel[4];
    abi_selector(sel, "exitCount()");
    why = "x";
    CHECK_OK(ledger_call(A, addrs[0], sel, 4, &ret, &why));
    CHECK(ret.len == 0);
    CHECK_ERR(ledger_call(A, LEDGER_ADDR_INBOX, sel, 4, &ret, &why), ZK_ERR_UNSUPPORTED);
    CHECK(why && strcmp(why, "execution reverted: unknown function") == 0);
    CHECK(ret.len == 0);
    zk_buf_free(&ret);

    zk_buf_free(&d1);
    zk_buf_free(&d2);
    zk_buf_free(&d3);
    zk_buf_free(&t1.raw);
    zk_buf_free(&t2.raw);
    zk_buf_free(&t3.raw);
    zk_buf_free(&m[0].payload);
    zk_buf_free(&m[1].payload);
    zk_buf_free(&mb.payload);
    ledger_free(A);
    ledger_free(B);
}

/* ---- 2. import rejections ---- */

static int rejected(const ledger_tx_result *r)
{
    return r->code != ZK_OK && r->code != ZK_ERR_EXISTS && r->code != -1 && r->reason != NULL;
}

/* Every single-field change of a valid import is rejected and queues nothing. */
static void mutation_sweep(ledger *B, const ledger_import *valid)
{
    uint64_t q = ledger_queued_imports(B);
    int bad = 0, n = 0;
#define TRY(stmt)                                                                                  \
    do {                                                                                           \
        ledger_import x = *valid;                                                                  \
        stmt;                                                                                      \
        /* some changes are none (a sibling that equals another) */                                \
        if (!memcmp(&x, valid, sizeof x))                                                          \
            break;                                                                                 \
        ledger_tx_result r = import1(B, &x);                                                       \
        n++;                                                                                       \
        if (!rejected(&r)) {                                                                       \
            bad++;                                                                                 \
            fprintf(stderr, "mutation not rejected: %s (%d)\n", #stmt, r.code);                    \
        }                                                                                          \
    } while (0)
    for (int k = 0; k < SMT_DEPTH; k++)
        for (int e = 0; e < 8; e++) {
            TRY(x.exit_path[k].v[e] ^= 1u << (t_rand() % 31));
            TRY(x.interop_path[k].v[e] ^= 1u << (t_rand() % 31));
            TRY(x.exit_path[k].v[e] = KB_P);
        }
    for (int e = 0; e < 8; e++) {
        TRY(x.interop_root.v[e] ^= 1);
        TRY(x.interop.exit_root.v[e] ^= 1);
        TRY(x.interop.state_commitment.v[e] ^= 1);
        TRY(x.msg.salt.v[e] ^= 1);
    }
    for (int b = 0; b < 32; b++) {
        TRY(x.exit_index ^= 1ull << b);
        TRY(x.interop_index ^= 1ull << b);
    }
    TRY(x.exit_index += 1ull << 32);
    TRY(x.interop_index += 1ull << 32);
    TRY(x.interop.chain_id ^= 1);
    TRY(x.interop.exit_count ^= 1);
    TRY(x.interop.exit_count += 1);
    TRY(x.interop.last_batch ^= 1);
    TRY(x.msg.version ^= 1);
    TRY(x.msg.source_chain ^= 1);
    TRY(x.msg.dest_chain ^= 1);
    TRY(x.msg.sequence ^= 1);
    TRY(x.msg.asset.origin_chain ^= 1);
    for (int b = 0; b < 20; b++) {
        TRY(x.msg.sender[b] ^= 1);
        TRY(x.msg.recipient[b] ^= 0x80);
    }
    for (int b = 0; b < 32; b++) {
        TRY(x.msg.asset.token[b] ^= 1);
        TRY(x.msg.amount.b[b] ^= 1);
        TRY(x.msg.payload_hash[b] ^= 1);
    }
    static const uint8_t one = 1;
    TRY((x.payload = &one, x.payload_len = 1));
    for (int k = 0; k < SMT_DEPTH; k++)
        TRY(x.exit_path[k] = x.interop_path[k]);
#undef TRY
    CHECK_MSG(bad == 0, "%d of %d mutations accepted", bad, n);
    CHECK_EQ(ledger_queued_imports(B), q);
}

static void test_import_rejections(void)
{
    ledger *A = open_chain(CHAIN_A, NULL), *B = open_chain(CHAIN_B, NULL);
    /* A: X to addrs[1] on B (seq 0), Y to addrs[2] on B (seq 1), and a pure
     * message to chain C (index 2). */
    u128 X = 1000 + t_rand() % 1000, Y = 5000 + t_rand() % 1000;
    zk_buf d[3];
    send_call(&d[0], CHAIN_B, addrs[1], CHAIN_A, NULL, X, NULL, 0);
    send_call(&d[1], CHAIN_B, addrs[2], CHAIN_A, NULL, Y, NULL, 0);
    send_call(&d[2], CHAIN_C, addrs[2], CHAIN_A, NULL, 0, (const uint8_t *)"hi", 2);
    stx s[3];
    ledger_item it[3];
    ledger_tx_result res[3];
    u128 vals[3] = {X, Y, 0};
    for (int i = 0; i < 3; i++) {
        sign_tx(&s[i], 0, CHAIN_A, (uint64_t)i, GAS, LEDGER_ADDR_OUTBOX, vals[i], d[i].data,
                d[i].len);
        it[i] = item(&s[i]);
    }
    CHECK_OK(apply(A, it, 3, res, NULL));
    for (int i = 0; i < 3; i++)
        CHECK(applied_ok(&res[i]));
    {
        /* sequences count per destination */
        ledger_sent sent;
        for (uint64_t i = 0; i < 3; i++) {
            CHECK_OK(ledger_sent_message(A, i, &sent, NULL, NULL));
            CHECK_EQ(sent.msg.sequence, i == 2 ? 0 : i);
            CHECK_EQ(sent.msg.dest_chain, i == 2 ? CHAIN_C : CHAIN_B);
        }
    }

    /* F's exit tree, written here: messages ledger A could never send. */
    uint8_t tok[32], P[20], big[LEDGER_MAX_PAYLOAD + 1];
    t_rand_bytes(tok, 32);
    tok[0] |= 1;
    t_rand_bytes(P, sizeof P);
    t_rand_bytes(big, sizeof big);
    u128 E = 70000 + t_rand() % 1000; /* what B escrows below */
    st_message f[11];
    f[0] = mk_msg(CHAIN_F, CHAIN_B, 0, CHAIN_F, tok, 5, NULL, 0);
    f[0].version = 2;
    f[1] = mk_msg(CHAIN_F, CHAIN_B, 0, CHAIN_B, tok, 5, NULL, 0);
    f[2] = mk_msg(CHAIN_F, CHAIN_B, 0, 0, NULL, 5, NULL, 0);
    f[3] = mk_msg(CHAIN_F, CHAIN_B, 0, CHAIN_B, NULL, 1000, NULL, 0);
    f[4] = mk_msg(CHAIN_F, CHAIN_B, 0, CHAIN_F, tok, 5, P, sizeof P);
    f[5] = mk_msg(CHAIN_F, CHAIN_B, 0, CHAIN_F, tok, 6, NULL, 0);
    f[6] = mk_msg(CHAIN_F, CHAIN_B, 1, CHAIN_B, NULL, E + 1, NULL, 0);
    f[7] = mk_msg(CHAIN_F, CHAIN_B, 1, CHAIN_B, NULL, E, NULL, 0);
    f[8] = mk_msg(CHAIN_F, CHAIN_B, 2, CHAIN_B, NULL, 1, NULL, 0);
    f[9] = mk_msg(CHAIN_F, CHAIN_B, 2, CHAIN_B, NULL, 0, P, sizeof P);
    f[10] = mk_msg(CHAIN_F, CHAIN_B, 3, CHAIN_F, tok, 1, big, sizeof big);
    memcpy(f[7].recipient, addrs[4], 20);
    tree F;
    tree_open(&F, 2);
    for (int i = 0; i < 11; i++)
        CHECK_EQ(tree_append_msg(&F, &f[i]), (uint32_t)i);
    /* A tree whose record claims chain B itself as the source. */
    tree G;
    tree_open(&G, 2);
    st_message g0 = mk_msg(CHAIN_B, CHAIN_B, 0, CHAIN_B, NULL, 0, NULL, 0);
    tree_append_msg(&G, &g0);

    /* the interop tree: A's record, F's, C's and G's */
    itree T;
    st_interop rec[4];
    rec[0] = head_record(A, 1);
    rec[1] = record_of_tree(&F, CHAIN_F);
    rec[2] = random_record(CHAIN_C);
    rec[3] = record_of_tree(&G, CHAIN_B);
    itree_build(&T, rec, 4);
    imp a[3], fi[11], gi;
    for (int i = 0; i < 3; i++)
        imp_from_ledger(&a[i], A, (uint64_t)i, &T, 0);
    const uint8_t *pl[11] = {[4] = P, [9] = P, [10] = big};
    size_t pn[11] = {[4] = sizeof P, [9] = sizeof P, [10] = sizeof big};
    for (int i = 0; i < 11; i++)
        imp_from_tree(&fi[i], &F, (uint32_t)i, &f[i], pl[i], pn[i], &T, 1);
    imp_from_tree(&gi, &G, 0, &g0, NULL, 0, &T, 3);

    WANT_IMPORT(B, &a[0].im, ZK_ERR_NOT_FOUND, "unknown interop root");
    CHECK_OK(ledger_add_interop_root(B, &a[0].im.interop_root));
    ledger_import x;
    x = a[0].im;
    x.interop_root.v[3] ^= 1;
    WANT_IMPORT(B, &x, ZK_ERR_NOT_FOUND, "unknown interop root");
    /* C's genuine record and path, for A's message. */
    x = a[0].im;
    itree_place(&x, &T, 2);
    WANT_IMPORT(B, &x, ZK_ERR_PROOF, "the interop record is another chain's");
    x = a[0].im;
    x.exit_index = rec[0].exit_count;
    WANT_IMPORT(B, &x, ZK_ERR_PROOF, "exit index beyond the source's exit count");
    x.exit_index = 1; /* within the count, another leaf's place */
    WANT_IMPORT(B, &x, ZK_ERR_PROOF, "bad exit-tree proof");
    x = a[0].im;
    x.exit_path[5].v[2] ^= 4;
    WANT_IMPORT(B, &x, ZK_ERR_PROOF, "bad exit-tree proof");
    x = a[0].im;
    x.interop_index = 1;
    WANT_IMPORT(B, &x, ZK_ERR_PROOF, "bad interop-tree proof");
    x = a[0].im;
    x.interop_path[31].v[7] ^= 4;
    WANT_IMPORT(B, &x, ZK_ERR_PROOF, "bad interop-tree proof");
    x = a[0].im;
    x.interop.last_batch++;
    WANT_IMPORT(B, &x, ZK_ERR_PROOF, "bad interop-tree proof");
    WANT_IMPORT(B, &a[2].im, ZK_ERR_RANGE, "wrong destination chain");
    WANT_IMPORT(B, &fi[0].im, ZK_ERR_UNSUPPORTED, "unsupported message version");
    WANT_IMPORT(B, &gi.im, ZK_ERR_RANGE, "bad source chain");
    x = fi[4].im;
    x.payload_len--;
    WANT_IMPORT(B, &x, ZK_ERR_PROOF, "payload does not match its hash");
    uint8_t P2[sizeof P];
    memcpy(P2, P, sizeof P);
    P2[t_rand() % sizeof P] ^= 0x20;
    x.payload = P2;
    x.payload_len = sizeof P2;
    WANT_IMPORT(B, &x, ZK_ERR_PROOF, "payload does not match its hash");
    WANT_IMPORT(B, &fi[10].im, ZK_ERR_TOO_LARGE, "payload too large");
    WANT_IMPORT(B, &fi[1].im, ZK_ERR_RANGE, "unknown asset");
    WANT_IMPORT(B, &fi[2].im, ZK_ERR_RANGE, "unknown asset");
    WANT_IMPORT(B, &fi[3].im, ZK_ERR_STATE, "the escrow holds less than the amount");
    x = fi[4].im;
    x.msg.amount.b[0] = 1; /* >= 2^128: no leaf at all */
    WANT_IMPORT(B, &x, ZK_ERR_RANGE, "message field out of range");
    mutation_sweep(B, &a[0].im);
    mutation_sweep(B, &fi[4].im);

    /* Gap: A's seq 1 before its seq 0; then in one call the gap again, a bad copy
     * of seq 0, seq 0, seq 0 again and seq 1: each judged on its own. */
    WANT_IMPORT(B, &a[1].im, ZK_ERR_RANGE, "sequence gap: an earlier message is missing");
    ledger_import batch[5] = {a[1].im, a[0].im, a[0].im, a[0].im, a[1].im};
    batch[1].exit_path[0].v[0] ^= 1;
    ledger_tx_result br[5];
    CHECK_OK(ledger_import_messages(B, batch, 5, br));
    CHECK(br[0].code == ZK_ERR_RANGE && br[0].reason &&
          strcmp(br[0].reason, "sequence gap: an earlier message is missing") == 0);
    CHECK(br[1].code == ZK_ERR_PROOF && br[1].reason &&
          strcmp(br[1].reason, "bad exit-tree proof") == 0);
    CHECK(br[2].code == ZK_OK && br[2].reason == NULL);
    CHECK(br[3].code == ZK_ERR_EXISTS && br[3].reason &&
          strcmp(br[3].reason, "already imported") == 0);
    CHECK(br[4].code == ZK_OK && br[4].reason == NULL);
    CHECK_EQ(ledger_queued_imports(B), 2);

    /* F: seq 0 taken by f[4]; f[5] claims it too. */
    WANT_IMPORT(B, &fi[4].im, ZK_OK, NULL);
    WANT_IMPORT(B, &fi[5].im, ZK_ERR_STATE, "sequence already used by another message");
    WANT_IMPORT(B, &fi[4].im, ZK_ERR_EXISTS, "already imported");
    /* B escrows E (a send to C), then F's native messages are judged against it,
     * counting what is already queued. */
    zk_buf de;
    send_call(&de, CHAIN_C, addrs[0], CHAIN_B, NULL, E, NULL, 0);
    ledger_tx_result re = one_tx(B, 3, LEDGER_ADDR_OUTBOX, E, &de, NULL);
    CHECK(applied_ok(&re));
    zk_buf_free(&de);
    /* that block delivered A's two messages and f[4] */
    CHECK_EQ(ledger_queued_imports(B), 0);
    CHECK(balance(B, LEDGER_ADDR_OUTBOX) == E);
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == X);
    CHECK(asset_bal(B, addrs[2], CHAIN_A, NULL) == Y);
    CHECK(local_bal(B, CHAIN_A, NULL) == X + Y);
    CHECK(asset_bal(B, addrs[5], CHAIN_F, tok) == 5);
    CHECK(local_bal(B, CHAIN_F, tok) == 5);
    WANT_IMPORT(B, &a[0].im, ZK_ERR_EXISTS, "already imported");
    WANT_IMPORT(B, &fi[4].im, ZK_ERR_EXISTS, "already imported");
    WANT_IMPORT(B, &fi[5].im, ZK_ERR_STATE, "sequence already used by another message");
    WANT_IMPORT(B, &fi[6].im, ZK_ERR_STATE, "the escrow holds less than the amount");
    WANT_IMPORT(B, &fi[7].im, ZK_OK, NULL);
    WANT_IMPORT(B, &fi[8].im, ZK_ERR_STATE, "the escrow holds less than the amount");
    WANT_IMPORT(B, &fi[9].im, ZK_OK, NULL); /* amount 0: no escrow needed */
    u128 r4 = balance(B, addrs[4]);
    CHECK_OK(apply(B, NULL, 0, NULL, NULL));
    CHECK(balance(B, addrs[4]) == r4 + E);
    CHECK(balance(B, LEDGER_ADDR_OUTBOX) == 0);
    CHECK_EQ(expected_seq(B, CHAIN_F), 3);
    CHECK_EQ(expected_seq(B, CHAIN_A), 2);
    CHECK(native_supply(B) == supply);
    ledger_received rv;
    CHECK_OK(ledger_received_message(B, CHAIN_F, 2, &rv, NULL));
    CHECK_EQ(rv.delivered, 1);
    CHECK_ERR(ledger_received_message(B, CHAIN_F, 3, &rv, NULL), ZK_ERR_NOT_FOUND);

    for (int i = 0; i < 3; i++) {
        zk_buf_free(&d[i]);
        zk_buf_free(&s[i].raw);
        zk_buf_free(&a[i].payload);
    }
    for (int i = 0; i < 11; i++)
        zk_buf_free(&fi[i].payload);
    zk_buf_free(&gi.payload);
    tree_close(&F);
    tree_close(&G);
    ledger_free(A);
    ledger_free(B);
}

/* ---- 3. refusals and reverts ---- */

static void test_refusals(void)
{
    ledger *A = open_chain(CHAIN_A, NULL);
    uint8_t tok[32];
    t_rand_bytes(tok, 32);
    tok[31] |= 1;
    enum { NC = 40 };
    struct {
        const uint8_t *to;
        u128 value;
        zk_buf d;
        const char *why;
    } c[NC];
    int n = 0;
#define CASE(TO, VALUE, WHY) (c[n].to = (TO), c[n].value = (VALUE), c[n].why = (WHY), &c[n++].d)
    zk_buf *b;
    b = CASE(LEDGER_ADDR_OUTBOX, 0, "execution reverted: malformed send call");
    send_call(b, CHAIN_B, addrs[1], CHAIN_A, NULL, 0, NULL, 0);
    b->len -= 1;
    b = CASE(LEDGER_ADDR_OUTBOX, 0, "execution reverted: malformed send call");
    send_call(b, CHAIN_B, addrs[1], CHAIN_A, NULL, 0, NULL, 0);
    b->data[4 + 32 + 2] = 1; /* address padding */
    b = CASE(LEDGER_ADDR_ASSETS, 0, "execution reverted: malformed transfer call");
    transfer_call(b, CHAIN_B, NULL, addrs[1], 5);
    CHECK_OK(zk_buf_push(b, 0));
    b = CASE(LEDGER_ADDR_OUTBOX, 0, "execution reverted: unknown function");
    transfer_call(b, CHAIN_B, NULL, addrs[1], 5);
    b = CASE(LEDGER_ADDR_ASSETS, 0, "execution reverted: unknown function");
    send_call(b, CHAIN_B, addrs[1], CHAIN_A, NULL, 0, NULL, 0);
    b = CASE(LEDGER_ADDR_INBOX, 0, "execution reverted: unknown function");
    send_call(b, CHAIN_B, addrs[1], CHAIN_A, NULL, 0, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 0, "execution reverted: unknown function");
    zk_buf_init(b, 64);
    put_sel(b, "frobnicate()");
    static const char *const reads[] = {"exitCount()",
                                        "exitRoot()",
                                        "nextSequence(uint64)",
                                        "expectedSequence(uint64)",
                                        "balanceOf(uint64,bytes32,address)",
                                        "localBalance(uint64,bytes32)"};
    for (int i = 0; i < 6; i++) {
        b = CASE(i < 3    ? LEDGER_ADDR_OUTBOX
                 : i == 4 ? LEDGER_ADDR_ASSETS
                          : LEDGER_ADDR_INBOX,
                 0, "execution reverted: a read function (use eth_call)");
        zk_buf_init(b, 64);
        put_sel(b, reads[i]);
    }
    for (int len = 1; len <= 3; len++) {
        b = CASE(LEDGER_ADDR_OUTBOX, 0,
                 "execution reverted: a system address takes a call, not a transfer");
        zk_buf_init(b, 64);
        put_sel(b, "exitCount()");
        b->len = (size_t)len;
    }
    const uint8_t *sys[3] = {LEDGER_ADDR_ASSETS, LEDGER_ADDR_OUTBOX, LEDGER_ADDR_INBOX};
    for (int i = 0; i < 3; i++) {
        b = CASE(sys[i], 1 + (u128)i,
                 "execution reverted: a system address takes a call, not a transfer");
        zk_buf_init(b, 1);
    }
    b = CASE(LEDGER_ADDR_OUTBOX, 5, "execution reverted: bad destination chain");
    send_call(b, CHAIN_A, addrs[1], CHAIN_A, NULL, 5, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 5, "execution reverted: bad destination chain");
    send_call(b, 0, addrs[1], CHAIN_A, NULL, 5, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 5, "execution reverted: recipient is the zero address");
    send_call(b, CHAIN_B, ZERO32, CHAIN_A, NULL, 5, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 6, "execution reverted: value must equal the amount sent");
    send_call(b, CHAIN_B, addrs[1], CHAIN_A, NULL, 5, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 4, "execution reverted: value must equal the amount sent");
    send_call(b, CHAIN_B, addrs[1], CHAIN_A, NULL, 5, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 1, "execution reverted: value must equal the amount sent");
    send_call(b, CHAIN_B, addrs[1], CHAIN_A, NULL, 0, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 5,
             "execution reverted: value must be 0 when sending a bridged asset");
    send_call(b, CHAIN_B, addrs[1], CHAIN_B, NULL, 5, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 0, "execution reverted: zero amount of a bridged asset");
    send_call(b, CHAIN_B, addrs[1], CHAIN_F, tok, 0, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 0, "execution reverted: asset origin chain 0");
    send_call(b, CHAIN_B, addrs[1], 0, NULL, 5, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 0, "execution reverted: unknown asset");
    send_call(b, CHAIN_B, addrs[1], CHAIN_A, tok, 5, NULL, 0);
    b = CASE(LEDGER_ADDR_OUTBOX, 0, "execution reverted: amount at or above 2^128");
    send_call(b, CHAIN_B, addrs[1], CHAIN_F, tok, 5, NULL, 0);
    b->data[4 + 4 * 32 + 15] = 1;
    b = CASE(LEDGER_ADDR_ASSETS, 0, "execution reverted: the native coin moves by value transfer");
    transfer_call(b, CHAIN_A, NULL, addrs[1], 5);
    b = CASE(LEDGER_ADDR_ASSETS, 5, "execution reverted: value must be 0");
    transfer_call(b, CHAIN_B, NULL, addrs[1], 5);
    b = CASE(LEDGER_ADDR_ASSETS, 0, "execution reverted: zero amount");
    transfer_call(b, CHAIN_B, NULL, addrs[1], 0);
    b = CASE(LEDGER_ADDR_ASSETS, 0, "execution reverted: bad recipient");
    transfer_call(b, CHAIN_B, NULL, ZERO32, 5);
    b = CASE(LEDGER_ADDR_ASSETS, 0, "execution reverted: bad recipient");
    transfer_call(b, CHAIN_B, NULL, LEDGER_ADDR_OUTBOX, 5);
    b = CASE(LEDGER_ADDR_ASSETS, 0, "execution reverted: asset origin chain 0");
    transfer_call(b, 0, tok, addrs[1], 5);
    b = CASE(LEDGER_ADDR_ASSETS, 0, "execution reverted: amount at or above 2^128");
    transfer_call(b, CHAIN_B, NULL, addrs[1], 5);
    b->data[4 + 3 * 32 + 15] = 1;
    b = CASE(addrs[1], 0, "transaction type not supported");
    send_call(b, CHAIN_B, addrs[1], CHAIN_A, NULL, 0, NULL, 0);
    b = CASE(addrs[1], 3, "transaction type not supported");
    zk_buf_init(b, 8);
    CHECK_OK(zk_buf_push(b, 0));
#undef CASE
    CHECK(n <= NC);

    uint8_t root[32], root2[32];
    ledger_state_root(A, root);
    u128 b0 = balance(A, addrs[0]);
    for (int i = 0; i < n; i++) {
        stx s;
        sign_tx(&s, 0, CHAIN_A, 0, GAS, c[i].to, c[i].value, c[i].d.data, c[i].d.len);
        const char *why = NULL;
        CHECK_ERR(ledger_check_tx(A, &s.tx, &why), ZK_ERR_UNSUPPORTED);
        CHECK_MSG(why && strcmp(why, c[i].why) == 0, "case %d: got %s, want %s", i,
                  why ? why : "(null)", c[i].why);
        u256 bal;
        uint64_t nonce;
        CHECK_OK(ledger_account(A, addrs[0], &bal, &nonce));
        why = NULL;
        CHECK_ERR(ledger_check_tx_at(A, &s.tx, &bal, nonce, &why), ZK_ERR_UNSUPPORTED);
        CHECK_MSG(why && strcmp(why, c[i].why) == 0, "case %d (at): got %s", i,
                  why ? why : "(null)");
        ledger_item it = item(&s);
        ledger_tx_result r = {-1, NULL, NULL};
        ledger_block blk;
        CHECK_OK(apply(A, &it, 1, &r, &blk));
        CHECK_EQ(r.code, ZK_ERR_UNSUPPORTED);
        CHECK_MSG(r.reason && strcmp(r.reason, c[i].why) == 0, "case %d (block): got %s", i,
                  r.reason ? r.reason : "(null)");
        CHECK(r.revert == NULL);
        CHECK_EQ(blk.tx_count, 0);
        CHECK_ERR(ledger_tx_by_hash(A, s.tx.hash, NULL, NULL), ZK_ERR_NOT_FOUND);
        zk_buf_free(&s.raw);
        zk_buf_free(&c[i].d);
    }
    ledger_state_root(A, root2);
    CHECK_MEM(root, root2, 32);
    CHECK(balance(A, addrs[0]) == b0);
    CHECK_EQ(nonce_of(A, addrs[0]), 0);

    /* The send's gas: one short of 21000 + calldata + LEDGER_SEND_GAS is too low. */
    zk_buf d;
    send_call(&d, CHAIN_B, addrs[1], CHAIN_A, NULL, 9, NULL, 0);
    uint64_t g = gas_for(d.data, d.len, LEDGER_SEND_GAS);
    stx s;
    sign_tx(&s, 0, CHAIN_A, 0, g - 1, LEDGER_ADDR_OUTBOX, 9, d.data, d.len);
    const char *why = NULL;
    CHECK_ERR(ledger_check_tx(A, &s.tx, &why), ZK_ERR_RANGE);
    CHECK(why && strcmp(why, "intrinsic gas too low") == 0);
    zk_buf_free(&s.raw);
    sign_tx(&s, 0, CHAIN_A, 0, g, LEDGER_ADDR_OUTBOX, 9, d.data, d.len);
    CHECK_OK(ledger_check_tx(A, &s.tx, &why));
    ledger_item it = item(&s);
    ledger_tx_result r;
    CHECK_OK(apply(A, &it, 1, &r, NULL));
    CHECK(applied_ok(&r));
    CHECK(balance(A, addrs[0]) == b0 - 9 - (u128)g * BASE_FEE);
    zk_buf_free(&s.raw);
    zk_buf_free(&d);

    /* Reverts: a bridged send and a transfer with no balance of the asset. */
    struct {
        int transfer;
        const char *why;
    } rv[2] = {{0, "insufficient balance of the asset"}, {1, "insufficient balance of the asset"}};
    for (int i = 0; i < 2; i++) {
        if (rv[i].transfer)
            transfer_call(&d, CHAIN_F, tok, addrs[2], 3);
        else
            send_call(&d, CHAIN_B, addrs[2], CHAIN_F, tok, 3, NULL, 0);
        g = gas_for(d.data, d.len, rv[i].transfer ? LEDGER_TRANSFER_GAS : LEDGER_SEND_GAS);
        u128 bal = balance(A, addrs[0]);
        uint64_t nonce = nonce_of(A, addrs[0]);
        ledger_state st0 = head_state(A);
        ledger_block blk;
        sign_tx(&s, 0, CHAIN_A, nonce, GAS,
                rv[i].transfer ? LEDGER_ADDR_ASSETS : LEDGER_ADDR_OUTBOX, 0, d.data, d.len);
        CHECK_OK(ledger_check_tx(A, &s.tx, &why));
        it = item(&s);
        r = (ledger_tx_result){-1, "unset", NULL};
        CHECK_OK(apply(A, &it, 1, &r, &blk));
        CHECK(r.code == ZK_OK && r.reason == NULL);
        CHECK(r.revert && strcmp(r.revert, rv[i].why) == 0);
        CHECK_EQ(blk.tx_count, 1);
        CHECK_EQ(blk.gas_used, g);
        ledger_receipt rc;
        CHECK_OK(ledger_tx_by_hash(A, s.tx.hash, &rc, NULL));
        CHECK_EQ(rc.status, 0);
        CHECK(strcmp(rc.revert, rv[i].why) == 0);
        CHECK_EQ(rc.gas_used, g);
        CHECK(balance(A, addrs[0]) == bal - (u128)g * BASE_FEE);
        CHECK_EQ(nonce_of(A, addrs[0]), nonce + 1);
        CHECK(asset_bal(A, addrs[2], CHAIN_F, tok) == 0);
        ledger_state st1 = head_state(A);
        CHECK_EQ(st1.roots.exit_count, st0.roots.exit_count);
        CHECK(dig_eq(&st1.roots.exit_root, &st0.roots.exit_root));
        CHECK(dig_eq(&st1.roots.local_root, &st0.roots.local_root));
        CHECK(dig_eq(&st1.roots.channel_root, &st0.roots.channel_root));
        CHECK(!dig_eq(&st1.roots.account_root, &st0.roots.account_root)); /* fee, nonce */
        CHECK(native_supply(A) == supply);
        /* and the same tx again is known */
        CHECK_ERR(ledger_check_tx(A, &s.tx, &why), ZK_ERR_EXISTS);
        zk_buf_free(&s.raw);
        zk_buf_free(&d);
    }
    ledger_free(A);
}

/* ---- 4. transfers of a bridged asset ---- */

static void test_transfers(void)
{
    ledger *A = open_chain(CHAIN_A, NULL), *B = open_chain(CHAIN_B, NULL);
    u128 V = 1000000 + t_rand() % 1000;
    bridge(A, B, 0, addrs[1], CHAIN_A, NULL, V, V);
    CHECK_OK(apply(B, NULL, 0, NULL, NULL));
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == V);

    u128 T = V / 4 + 7;
    zk_buf d;
    transfer_call(&d, CHAIN_A, NULL, addrs[4], T);
    u128 n1 = balance(B, addrs[1]), n4 = balance(B, addrs[4]);
    ledger_state s0 = head_state(B);
    stx keep;
    ledger_tx_result r = one_tx(B, 1, LEDGER_ADDR_ASSETS, 0, &d, &keep);
    CHECK(applied_ok(&r));
    uint64_t g = gas_for(d.data, d.len, LEDGER_TRANSFER_GAS);
    ledger_receipt rc;
    CHECK_OK(ledger_tx_by_hash(B, keep.tx.hash, &rc, NULL));
    CHECK_EQ(rc.status, 1);
    CHECK_EQ(rc.gas_used, g);
    zk_buf_free(&keep.raw);
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == V - T);
    CHECK(asset_bal(B, addrs[4], CHAIN_A, NULL) == T);
    CHECK(call_balance_of(B, CHAIN_A, NULL, addrs[4]) == T);
    CHECK(balance(B, addrs[1]) == n1 - (u128)g * BASE_FEE);
    CHECK(balance(B, addrs[4]) == n4);
    CHECK(local_bal(B, CHAIN_A, NULL) == V);
    ledger_state s1 = head_state(B);
    CHECK(dig_eq(&s0.roots.local_root, &s1.roots.local_root));
    CHECK(dig_eq(&s0.roots.exit_root, &s1.roots.exit_root));
    CHECK(dig_eq(&s0.roots.channel_root, &s1.roots.channel_root));
    zk_buf_free(&d);

    /* More than the balance: reverted, nothing moves but the fee and nonce. */
    transfer_call(&d, CHAIN_A, NULL, addrs[1], T + 1);
    n4 = balance(B, addrs[4]);
    r = one_tx(B, 4, LEDGER_ADDR_ASSETS, 0, &d, &keep);
    CHECK(r.code == ZK_OK && r.reason == NULL && r.revert &&
          strcmp(r.revert, "insufficient balance of the asset") == 0);
    CHECK_OK(ledger_tx_by_hash(B, keep.tx.hash, &rc, NULL));
    CHECK_EQ(rc.status, 0);
    zk_buf_free(&keep.raw);
    g = gas_for(d.data, d.len, LEDGER_TRANSFER_GAS);
    CHECK(balance(B, addrs[4]) == n4 - (u128)g * BASE_FEE);
    CHECK_EQ(nonce_of(B, addrs[4]), 1);
    CHECK(asset_bal(B, addrs[4], CHAIN_A, NULL) == T);
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == V - T);
    zk_buf_free(&d);
    /* Exactly the balance: all of it moves. */
    transfer_call(&d, CHAIN_A, NULL, addrs[1], T);
    r = one_tx(B, 4, LEDGER_ADDR_ASSETS, 0, &d, NULL);
    CHECK(applied_ok(&r));
    CHECK(asset_bal(B, addrs[4], CHAIN_A, NULL) == 0);
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == V);
    zk_buf_free(&d);
    /* To oneself: applied, the balance stays. */
    transfer_call(&d, CHAIN_A, NULL, addrs[1], V);
    r = one_tx(B, 1, LEDGER_ADDR_ASSETS, 0, &d, NULL);
    CHECK(applied_ok(&r));
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == V);
    zk_buf_free(&d);
    /* An asset never held: reverted. */
    uint8_t tok[32];
    t_rand_bytes(tok, 32);
    transfer_call(&d, CHAIN_F, tok, addrs[1], 1);
    r = one_tx(B, 5, LEDGER_ADDR_ASSETS, 0, &d, NULL);
    CHECK(r.reason == NULL && r.revert &&
          strcmp(r.revert, "insufficient balance of the asset") == 0);
    zk_buf_free(&d);
    /* Two transfers of one holder in one block, the second one short. */
    zk_buf d1, d2;
    transfer_call(&d1, CHAIN_A, NULL, addrs[2], V - 10);
    transfer_call(&d2, CHAIN_A, NULL, addrs[3], 11);
    stx x1, x2;
    uint64_t nn = nonce_of(B, addrs[1]);
    sign_tx(&x1, 1, CHAIN_B, nn, GAS, LEDGER_ADDR_ASSETS, 0, d1.data, d1.len);
    sign_tx(&x2, 1, CHAIN_B, nn + 1, GAS, LEDGER_ADDR_ASSETS, 0, d2.data, d2.len);
    ledger_item its[2] = {item(&x1), item(&x2)};
    ledger_tx_result rs[2];
    CHECK_OK(apply(B, its, 2, rs, NULL));
    CHECK(applied_ok(&rs[0]));
    CHECK(rs[1].reason == NULL && rs[1].revert);
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == 10);
    CHECK(asset_bal(B, addrs[2], CHAIN_A, NULL) == V - 10);
    CHECK(asset_bal(B, addrs[3], CHAIN_A, NULL) == 0);
    u128 sum = 0;
    for (int i = 0; i < NKEYS; i++)
        sum += asset_bal(B, addrs[i], CHAIN_A, NULL);
    CHECK(sum == local_bal(B, CHAIN_A, NULL));
    CHECK(native_supply(B) == supply);
    zk_buf_free(&d1);
    zk_buf_free(&d2);
    zk_buf_free(&x1.raw);
    zk_buf_free(&x2.raw);
    ledger_free(A);
    ledger_free(B);
}

/* ---- 5. replay and reopen ---- */

static const uint8_t MEMO[4] = {'m', 'e', 'm', 'o'};

/* A delivered message with an empty payload (any plain bridge transfer) replays. */
static void test_replay_empty_payload(void)
{
    tmp_store store;
    mk_store(&store, "messages", "b.db");
    const char *path = store.path;
    ledger *A = open_chain(CHAIN_A, NULL), *B = open_chain(CHAIN_B, path);
    bridge(A, B, 0, addrs[1], CHAIN_A, NULL, 1000, 1000);
    CHECK_OK(apply(B, NULL, 0, NULL, NULL));
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == 1000);
    ledger_free(B);
    CHECK_OK(ledger_verify_replay(path));
    rm_store(&store);
    ledger_free(A);
}

static void test_replay(void)
{
    tmp_store store;
    mk_store(&store, "messages", "b.db");
    const char *path = store.path;
    ledger *A = open_chain(CHAIN_A, NULL), *B = open_chain(CHAIN_B, path);
    /* block 1: nothing; then imports, transfers, sends, reverts over blocks */
    CHECK_OK(apply(B, NULL, 0, NULL, NULL));
    u128 V = 50000 + t_rand() % 1000;
    bridge_p(A, B, 0, addrs[1], CHAIN_A, NULL, V, V, MEMO, 4);
    bridge_p(A, B, 0, addrs[2], CHAIN_A, NULL, V + 1, V + 1, MEMO, 3);
    zk_buf d;
    transfer_call(&d, CHAIN_A, NULL, addrs[3], 77);
    ledger_tx_result r = one_tx(B, 1, LEDGER_ADDR_ASSETS, 0, &d, NULL); /* with the imports */
    CHECK(applied_ok(&r));
    zk_buf_free(&d);
    send_call(&d, CHAIN_A, addrs[4], CHAIN_A, NULL, 100, (const uint8_t *)"back", 4);
    r = one_tx(B, 2, LEDGER_ADDR_OUTBOX, 0, &d, NULL);
    CHECK(applied_ok(&r));
    zk_buf_free(&d);
    send_call(&d, CHAIN_A, addrs[4], CHAIN_B, NULL, 1234, NULL, 0);
    r = one_tx(B, 5, LEDGER_ADDR_OUTBOX, 1234, &d, NULL);
    CHECK(applied_ok(&r));
    zk_buf_free(&d);
    transfer_call(&d, CHAIN_A, NULL, addrs[3], 1);
    r = one_tx(B, 5, LEDGER_ADDR_ASSETS, 0, &d, NULL); /* reverted */
    CHECK(r.revert != NULL);
    zk_buf_free(&d);
    bridge_p(A, B, 1, addrs[5], CHAIN_A, NULL, 0, 0, MEMO, 2); /* a pure message */
    CHECK_OK(apply(B, NULL, 0, NULL, NULL));
    bridge_p(A, B, 1, addrs[5], CHAIN_A, NULL, 9, 9, MEMO, 1); /* left queued at close */
    CHECK_EQ(ledger_queued_imports(B), 1);
    ledger_state s = head_state(B);
    head_snap snap;
    snap_head(&snap, B);
    ledger_free(B);

    CHECK_OK(ledger_verify_replay(path));
    B = open_chain(CHAIN_B, path);
    check_head(B, &snap);
    ledger_state s2 = head_state(B);
    CHECK(dig_eq(&s.state_root, &s2.state_root));
    CHECK_EQ(s2.roots.exit_count, 2);
    CHECK_EQ(ledger_queued_imports(B), 1);
    CHECK(asset_bal(B, addrs[1], CHAIN_A, NULL) == V - 77);
    CHECK(asset_bal(B, addrs[2], CHAIN_A, NULL) == V + 1 - 100);
    CHECK(asset_bal(B, addrs[3], CHAIN_A, NULL) == 77);
    CHECK(local_bal(B, CHAIN_A, NULL) == 2 * V + 1 - 100);
    CHECK(balance(B, LEDGER_ADDR_OUTBOX) == 1234);
    CHECK_EQ(expected_seq(B, CHAIN_A), 3);
    /* the queued import survives and is delivered */
    CHECK_OK(apply(B, NULL, 0, NULL, NULL));
    CHECK_EQ(ledger_queued_imports(B), 0);
    CHECK(asset_bal(B, addrs[5], CHAIN_A, NULL) == 9);
    CHECK_EQ(expected_seq(B, CHAIN_A), 4);
    ledger_free(B);
    CHECK_OK(ledger_verify_replay(path));

    /* A delivered message's amount changed in the file: replay notices. */
    CHECK_EQ(store_sql(path, "UPDATE ledger_inbox SET msg = substr(msg, 1, 139) || CASE WHEN"
                             " substr(msg, 140, 1) = x'07' THEN x'08' ELSE x'07' END ||"
                             " substr(msg, 141) WHERE seq = 0 AND source = 100"),
             1);
    CHECK_ERR(ledger_verify_replay(path), ZK_ERR_STATE);

    rm_store(&store);
    ledger_free(A);
}

/* ---- 6. the state root moves exactly when something happened ---- */

static void test_determinism(void)
{
    ledger *A = open_chain(CHAIN_A, NULL);
    ledger *B[2] = {open_chain(CHAIN_B, NULL), open_chain(CHAIN_B, NULL)};
    ledger_state prev = head_state(B[0]);
#define STEP(changed, what)                                                                        \
    do {                                                                                           \
        ledger_state now = head_state(B[0]), twin = head_state(B[1]);                              \
        CHECK_MSG(dig_eq(&now.state_root, &twin.state_root), "twins differ after %s", what);       \
        ledger_block b0, b1;                                                                       \
        CHECK_OK(ledger_block_by_number(B[0], ledger_head(B[0]), &b0));                            \
        CHECK_OK(ledger_block_by_number(B[1], ledger_head(B[1]), &b1));                            \
        CHECK(memcmp(&b0, &b1, sizeof b0) == 0);                                                   \
        CHECK_MSG(dig_eq(&now.state_root, &prev.state_root) == !(changed),                         \
                  "state root after %s: changed %d", what,                                         \
                  !dig_eq(&now.state_root, &prev.state_root));                                     \
        last = prev;                                                                               \
        prev = now;                                                                                \
    } while (0)
    ledger_state last;
    for (int k = 0; k < 2; k++)
        CHECK_OK(apply(B[k], NULL, 0, NULL, NULL));
    STEP(0, "an empty block");
    /* A root added, a skipped tx: nothing. */
    zk_buf d;
    send_call(&d, CHAIN_B, addrs[1], CHAIN_A, NULL, 0, NULL, 0);
    for (int k = 0; k < 2; k++) {
        ledger_tx_result r = one_tx(B[k], 0, LEDGER_ADDR_OUTBOX, 0, &d, NULL);
        CHECK(r.reason != NULL);
    }
    zk_buf_free(&d);
    STEP(0, "a block of a skipped tx");
    /* An import queued: nothing until a block applies it. */
    for (int k = 0; k < 2; k++) {
        if (k == 0)
            bridge(A, B[0], 0, addrs[1], CHAIN_A, NULL, 4321, 4321);
        else
            prove_to(A, B[1], 0); /* the same message, proven again for the twin */
    }
    STEP(0, "an import queued");
    for (int k = 0; k < 2; k++)
        CHECK_OK(apply(B[k], NULL, 0, NULL, NULL));
    STEP(1, "an import applied");
    CHECK(!dig_eq(&prev.roots.local_root, &last.roots.local_root));
    CHECK(!dig_eq(&prev.roots.channel_root, &last.roots.channel_root));
    CHECK(!dig_eq(&prev.roots.account_root, &last.roots.account_root));
    CHECK(dig_eq(&prev.roots.exit_root, &last.roots.exit_root));
    for (int k = 0; k < 2; k++)
        CHECK_OK(apply(B[k], NULL, 0, NULL, NULL));
    STEP(0, "an empty block after an import");
    /* A pure message: the exit tree, the channel, the sender's fee. */
    send_call(&d, CHAIN_A, addrs[2], CHAIN_B, NULL, 0, (const uint8_t *)"ping", 4);
    for (int k = 0; k < 2; k++)
        CHECK(applied_ok((ledger_tx_result[]){one_tx(B[k], 2, LEDGER_ADDR_OUTBOX, 0, &d, NULL)}));
    zk_buf_free(&d);
    STEP(1, "a pure message sent");
    CHECK(!dig_eq(&prev.roots.exit_root, &last.roots.exit_root));
    CHECK_EQ(prev.roots.exit_count, last.roots.exit_count + 1);
    CHECK(!dig_eq(&prev.roots.channel_root, &last.roots.channel_root));
    CHECK(dig_eq(&prev.roots.local_root, &last.roots.local_root));
    /* A reverted transfer: fee and nonce only. */
    transfer_call(&d, CHAIN_A, NULL, addrs[2], 1);
    for (int k = 0; k < 2; k++) {
        ledger_tx_result r = one_tx(B[k], 3, LEDGER_ADDR_ASSETS, 0, &d, NULL);
        CHECK(r.revert != NULL);
    }
    zk_buf_free(&d);
    STEP(1, "a reverted transfer");
    CHECK(dig_eq(&prev.roots.local_root, &last.roots.local_root));
    CHECK(dig_eq(&prev.roots.exit_root, &last.roots.exit_root));
    CHECK(dig_eq(&prev.roots.channel_root, &last.roots.channel_root));
    /* A pure message delivered from A: only the channel. */
    for (int k = 0; k < 2; k++) {
        if (k == 0) {
            zk_buf d2;
            send_call(&d2, CHAIN_B, addrs[3], CHAIN_A, NULL, 0, (const uint8_t *)"x", 1);
            CHECK(applied_ok((ledger_tx_result[]){one_tx(A, 4, LEDGER_ADDR_OUTBOX, 0, &d2, NULL)}));
            zk_buf_free(&d2);
        }
        st_interop rec = head_record(A, 7);
        imp m;
        imp_alone(&m, A, 1, &rec);
        CHECK_OK(ledger_add_interop_root(B[k], &m.im.interop_root));
        WANT_IMPORT(B[k], &m.im, ZK_OK, NULL);
        CHECK_OK(apply(B[k], NULL, 0, NULL, NULL));
        zk_buf_free(&m.payload);
    }
    STEP(1, "a pure message delivered");
    CHECK(!dig_eq(&prev.roots.channel_root, &last.roots.channel_root));
    CHECK(dig_eq(&prev.roots.account_root, &last.roots.account_root));
    CHECK(dig_eq(&prev.roots.local_root, &last.roots.local_root));
    CHECK(dig_eq(&prev.roots.exit_root, &last.roots.exit_root));
    for (int k = 0; k < 2; k++)
        CHECK_OK(apply(B[k], NULL, 0, NULL, NULL));
    STEP(0, "another empty block");
#undef STEP
    ledger_free(A);
    ledger_free(B[0]);
    ledger_free(B[1]);
}

/* ---- 7. a failed block leaves imports queued and the trees as they were ---- */

typedef struct fault_ctx {
    int calls, fail_at;
} fault_ctx;

static int fail_nth(void *arg, const char *step)
{
    fault_ctx *c = arg;
    (void)step;
    return ++c->calls == c->fail_at ? ZK_ERR_IO : 0;
}

static void test_atomicity(void)
{
    ledger *A = open_chain(CHAIN_A, NULL);
    ledger *B[2] = {open_chain(CHAIN_B, NULL), open_chain(CHAIN_B, NULL)};
    u128 V = 3000 + t_rand() % 100;
    zk_buf d;
    send_call(&d, CHAIN_B, addrs[1], CHAIN_A, NULL, V, MEMO, 4);
    ledger_tx_result r = one_tx(A, 0, LEDGER_ADDR_OUTBOX, V, &d, NULL);
    CHECK(applied_ok(&r));
    zk_buf_free(&d);
    st_interop rec = head_record(A, 1);
    imp m;
    imp_alone(&m, A, 0, &rec);
    /* B: the import, and in the same block a send of what it mints */
    send_call(&d, CHAIN_A, addrs[2], CHAIN_A, NULL, V - 1, NULL, 0);
    stx s;
    sign_tx(&s, 1, CHAIN_B, 0, GAS, LEDGER_ADDR_OUTBOX, 0, d.data, d.len);
    ledger_item li = item(&s);
    for (int k = 0; k < 2; k++) {
        CHECK_OK(ledger_add_interop_root(B[k], &m.im.interop_root));
        WANT_IMPORT(B[k], &m.im, ZK_OK, NULL);
    }
    ledger_state s0 = head_state(B[0]);
    for (int at = 1; at <= 3; at++) { /* "tx", "tree", "commit" */
        fault_ctx c = {0, at};
        ledger_set_fault(B[0], fail_nth, &c);
        CHECK_ERR(apply(B[0], &li, 1, NULL, NULL), ZK_ERR_IO);
        ledger_set_fault(B[0], NULL, NULL);
        CHECK_EQ(ledger_head(B[0]), 0);
        ledger_state s1 = head_state(B[0]);
        CHECK(dig_eq(&s0.state_root, &s1.state_root));
        CHECK_EQ(ledger_queued_imports(B[0]), 1);
        ledger_received rv;
        CHECK_OK(ledger_received_message(B[0], CHAIN_A, 0, &rv, NULL));
        CHECK_EQ(rv.delivered, 0);
        CHECK(asset_bal(B[0], addrs[1], CHAIN_A, NULL) == 0);
        CHECK(local_bal(B[0], CHAIN_A, NULL) == 0);
        CHECK_EQ(expected_seq(B[0], CHAIN_A), 0);
        CHECK_EQ(read_u64(B[0], LEDGER_ADDR_OUTBOX, "exitCount()", 0, 0), 0);
        CHECK_EQ(read_u64(B[0], LEDGER_ADDR_OUTBOX, "nextSequence(uint64)", 1, CHAIN_A), 0);
        ledger_sent none;
        CHECK_ERR(ledger_sent_message(B[0], 0, &none, NULL, NULL), ZK_ERR_NOT_FOUND);
        WANT_IMPORT(B[0], &m.im, ZK_ERR_EXISTS, "already imported");
    }
    ledger_block b[2];
    ledger_tx_result res[2];
    for (int k = 0; k < 2; k++) {
        CHECK_OK(apply(B[k], &li, 1, &res[k], &b[k]));
        CHECK(applied_ok(&res[k]));
    }
    CHECK(memcmp(&b[0], &b[1], sizeof b[0]) == 0);
    CHECK(asset_bal(B[0], addrs[1], CHAIN_A, NULL) == 1);
    CHECK(local_bal(B[0], CHAIN_A, NULL) == 1);
    CHECK_EQ(head_state(B[0]).roots.exit_count, 1);
    zk_buf_free(&d);
    zk_buf_free(&s.raw);
    zk_buf_free(&m.payload);
    ledger_free(A);
    ledger_free(B[0]);
    ledger_free(B[1]);
}

int main(void)
{
    t_seed();
    setup();
    test_end_to_end();
    test_import_rejections();
    test_refusals();
    test_transfers();
    test_replay();
    test_replay_empty_payload();
    test_determinism();
    test_atomicity();
    return t_report("test_messages");
}
