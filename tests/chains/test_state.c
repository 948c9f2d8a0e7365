/* State-tree leaf encodings: each leaf against element arrays built here by hand
 * (canonical integers written out from the PROTOCOL.md rules, then p2_hash), range
 * checks, injectivity on pairs that differ in one field, and the account index. */
#include "chains/state.h"
#include "common/error.h"
#include "tests/test.h"

static int digest_eq(const p2_digest *a, const p2_digest *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static void hash_canon(p2_digest *out, unsigned dom, const uint32_t *c, size_t n)
{
    kb el[128];
    for (size_t i = 0; i < n; i++)
        el[i] = kb_from_canonical(c[i]);
    p2_hash(out, dom, el, n);
}

/* The reference splits, written independently of state.c: a byte string read as a
 * little-endian number, 24 bits at a time; an integer 16 bits at a time. */
static size_t ref_bytes(uint32_t *c, const uint8_t *b, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 3 == 0)
            c[k++] = 0;
        c[k - 1] += (uint32_t)b[i] << (8 * (i % 3));
    }
    return k;
}

static size_t ref_u64(uint32_t *c, uint64_t v)
{
    for (int i = 0; i < 4; i++, v /= 65536)
        c[i] = (uint32_t)(v % 65536);
    return 4;
}

/* A big-endian u256 below 2^128 as 16-bit limbs, least significant first. */
static size_t ref_u128(uint32_t *c, const u256 *v)
{
    for (int i = 0; i < 8; i++)
        c[i] = (uint32_t)v->b[30 - 2 * i] * 256u + v->b[31 - 2 * i];
    return 8;
}

static size_t ref_digest(uint32_t *c, const p2_digest *d)
{
    for (int i = 0; i < 8; i++)
        c[i] = kb_to_canonical(d->v[i]);
    return 8;
}

static void rand_u128(u256 *v)
{
    memset(v, 0, sizeof *v);
    t_rand_bytes(v->b + 16, 16);
}

static void rand_digest(p2_digest *d)
{
    for (int i = 0; i < 8; i++)
        d->v[i] = kb_from_u32((uint32_t)t_rand());
}

static void rand_account(st_account *a)
{
    t_rand_bytes(a->address, 20);
    a->asset.origin_chain = t_rand();
    t_rand_bytes(a->asset.token, 32);
    rand_u128(&a->balance);
    a->nonce = t_rand();
}

static void rand_message(st_message *m)
{
    m->version = ST_MESSAGE_VERSION;
    m->source_chain = t_rand();
    m->dest_chain = t_rand();
    m->sequence = t_rand();
    t_rand_bytes(m->sender, 20);
    t_rand_bytes(m->recipient, 20);
    m->asset.origin_chain = t_rand();
    t_rand_bytes(m->asset.token, 32);
    rand_u128(&m->amount);
    t_rand_bytes(m->payload_hash, 32);
    for (int i = 0; i < PC_SALT_LEN; i++)
        m->salt.v[i] = kb_from_u32((uint32_t)t_rand());
}

static void rand_interop(st_interop *r)
{
    r->chain_id = t_rand();
    rand_digest(&r->exit_root);
    r->exit_count = t_rand() % ((1ull << 32) + 1);
    r->last_batch = t_rand();
    rand_digest(&r->state_commitment);
}

static void test_account(void)
{
    /* a fixed vector: the address of the development account of ethereum.json */
    st_account a;
    memset(&a, 0, sizeof a);
    static const uint8_t addr[20] = {0xf3, 0x9f, 0xd6, 0xe5, 0x1a, 0xad, 0x88, 0xf6, 0xf4, 0xce,
                                     0x6a, 0xb8, 0x82, 0x72, 0x79, 0xcf, 0xfb, 0x92, 0x22, 0x66};
    memcpy(a.address, addr, 20);
    a.asset.origin_chain = 0x0102030405060708ull;
    a.asset.token[31] = 0x77;
    a.balance.b[15] = 0; /* 2^128 - 1 is the largest allowed */
    memset(a.balance.b + 16, 0xff, 16);
    a.nonce = 0x1234;
    uint32_t c[ST_ACCOUNT_ELEMS] = {
        0xd69ff3, 0xad1ae5, 0xf4f688, 0xb86ace, 0x797282, 0x92fbcf, 0x006622, /* address */
        0x0708,   0x0506,   0x0304,   0x0102,                                 /* origin */
        0,        0,        0,        0,        0,        0,        0,        0,
        0,        0,        0x007700,                                                 /* token */
        0xffff,   0xffff,   0xffff,   0xffff,   0xffff,   0xffff,   0xffff,   0xffff, /* balance */
        0x1234,   0,        0,        0,                                              /* nonce */
    };
    p2_digest want, got;
    hash_canon(&want, P2_DOM_ACCOUNT, c, ST_ACCOUNT_ELEMS);
    CHECK_OK(st_account_leaf(&got, &a));
    CHECK(digest_eq(&got, &want));
    a.balance.b[15] = 1; /* 2^128 */
    CHECK_ERR(st_account_leaf(&got, &a), ZK_ERR_RANGE);
    a.balance.b[15] = 0;
    a.balance.b[0] = 0x80;
    CHECK_ERR(st_account_leaf(&got, &a), ZK_ERR_RANGE);

    for (int it = 0; it < 200; it++) {
        rand_account(&a);
        uint32_t r[ST_ACCOUNT_ELEMS];
        size_t k = ref_bytes(r, a.address, 20);
        k += ref_u64(r + k, a.asset.origin_chain);
        k += ref_bytes(r + k, a.asset.token, 32);
        k += ref_u128(r + k, &a.balance);
        k += ref_u64(r + k, a.nonce);
        CHECK_EQ(k, ST_ACCOUNT_ELEMS);
        hash_canon(&want, P2_DOM_ACCOUNT, r, k);
        CHECK_OK(st_account_leaf(&got, &a));
        CHECK(digest_eq(&got, &want));
        /* the same elements under another domain give another digest */
        hash_canon(&want, P2_DOM_MESSAGE, r, k);
        CHECK(!digest_eq(&got, &want));

        /* change one field (one bit of it) and the leaf changes */
        st_account b = a;
        int field = (int)(t_rand() % 5);
        unsigned bit = (unsigned)(t_rand() % 64);
        switch (field) {
        case 0: b.address[t_rand() % 20] ^= (uint8_t)(1u << (bit % 8)); break;
        case 1: b.asset.origin_chain ^= 1ull << bit; break;
        case 2: b.asset.token[t_rand() % 32] ^= (uint8_t)(1u << (bit % 8)); break;
        case 3: b.balance.b[16 + t_rand() % 16] ^= (uint8_t)(1u << (bit % 8)); break;
        default: b.nonce ^= 1ull << bit; break;
        }
        p2_digest other;
        CHECK_OK(st_account_leaf(&other, &b));
        CHECK_MSG(!digest_eq(&got, &other), "field %d", field);
    }
}

static void test_message(void)
{
    st_message m;
    p2_digest want, got;
    for (int it = 0; it < 200; it++) {
        rand_message(&m);
        uint32_t r[ST_MESSAGE_ELEMS];
        size_t k = 0;
        r[k++] = m.version;
        k += ref_u64(r + k, m.source_chain);
        k += ref_u64(r + k, m.dest_chain);
        k += ref_u64(r + k, m.sequence);
        k += ref_bytes(r + k, m.sender, 20);
        k += ref_bytes(r + k, m.recipient, 20);
        k += ref_u64(r + k, m.asset.origin_chain);
        k += ref_bytes(r + k, m.asset.token, 32);
        k += ref_u128(r + k, &m.amount);
        k += ref_bytes(r + k, m.payload_hash, 32);
        for (int i = 0; i < PC_SALT_LEN; i++)
            r[k++] = kb_to_canonical(m.salt.v[i]);
        CHECK_EQ(k, ST_MESSAGE_ELEMS);
        hash_canon(&want, P2_DOM_MESSAGE, r, k);
        CHECK_OK(st_message_leaf(&got, &m));
        CHECK(digest_eq(&got, &want));

        st_message b = m;
        int field = (int)(t_rand() % 11);
        unsigned bit = (unsigned)(t_rand() % 64);
        switch (field) {
        case 0: b.version ^= 1u << (bit % 16); break;
        case 1: b.source_chain ^= 1ull << bit; break;
        case 2: b.dest_chain ^= 1ull << bit; break;
        case 3: b.sequence ^= 1ull << bit; break;
        case 4: b.sender[t_rand() % 20] ^= (uint8_t)(1u << (bit % 8)); break;
        case 5: b.recipient[t_rand() % 20] ^= (uint8_t)(1u << (bit % 8)); break;
        case 6: b.asset.origin_chain ^= 1ull << bit; break;
        case 7: b.asset.token[t_rand() % 32] ^= (uint8_t)(1u << (bit % 8)); break;
        case 8: b.amount.b[16 + t_rand() % 16] ^= (uint8_t)(1u << (bit % 8)); break;
        case 9: b.payload_hash[t_rand() % 32] ^= (uint8_t)(1u << (bit % 8)); break;
        default: {
            int j = (int)(t_rand() % PC_SALT_LEN);
            b.salt.v[j] = kb_add(b.salt.v[j], KB_ONE);
            break;
        }
        }
        p2_digest other;
        CHECK_OK(st_message_leaf(&other, &b));
        CHECK_MSG(!digest_eq(&got, &other), "field %d", field);
    }
    /* sender and recipient swapped: a different message */
    rand_message(&m);
    st_message s = m;
    memcpy(s.sender, m.recipient, 20);
    memcpy(s.recipient, m.sender, 20);
    p2_digest other;
    CHECK_OK(st_message_leaf(&got, &m));
    CHECK_OK(st_message_leaf(&other, &s));
    CHECK(!digest_eq(&got, &other));

    m.version = 0x10000;
    CHECK_ERR(st_message_leaf(&got, &m), ZK_ERR_RANGE);
    m.version = 1;
    m.amount.b[3] = 1;
    CHECK_ERR(st_message_leaf(&got, &m), ZK_ERR_RANGE);
    m.amount.b[3] = 0;
    m.salt.v[2] = KB_P;
    CHECK_ERR(st_message_leaf(&got, &m), ZK_ERR_INVALID_ARG);
}

static void test_interop(void)
{
    st_interop r;
    p2_digest want, got;
    for (int it = 0; it < 200; it++) {
        rand_interop(&r);
        uint32_t c[ST_INTEROP_ELEMS];
        size_t k = ref_u64(c, r.chain_id);
        k += ref_digest(c + k, &r.exit_root);
        k += ref_u64(c + k, r.exit_count);
        k += ref_u64(c + k, r.last_batch);
        k += ref_digest(c + k, &r.state_commitment);
        CHECK_EQ(k, ST_INTEROP_ELEMS);
        hash_canon(&want, P2_DOM_INTEROP, c, k);
        CHECK_OK(st_interop_leaf(&got, &r));
        CHECK(digest_eq(&got, &want));

        st_interop b = r;
        int field = (int)(t_rand() % 5);
        unsigned bit = (unsigned)(t_rand() % 64);
        switch (field) {
        case 0: b.chain_id ^= 1ull << bit; break;
        case 1: b.exit_root.v[bit % 8] = kb_add(b.exit_root.v[bit % 8], KB_ONE); break;
        case 2: b.exit_count = (b.exit_count + 1) % ((1ull << 32) + 1); break;
        case 3: b.last_batch ^= 1ull << bit; break;
        default:
            b.state_commitment.v[bit % 8] = kb_add(b.state_commitment.v[bit % 8], KB_ONE);
            break;
        }
        p2_digest other;
        CHECK_OK(st_interop_leaf(&other, &b));
        CHECK_MSG(!digest_eq(&got, &other), "field %d", field);
    }
    /* exit root and state commitment swapped: a different record */
    rand_interop(&r);
    st_interop s = r;
    s.exit_root = r.state_commitment;
    s.state_commitment = r.exit_root;
    p2_digest other;
    CHECK_OK(st_interop_leaf(&got, &r));
    CHECK_OK(st_interop_leaf(&other, &s));
    CHECK(!digest_eq(&got, &other));
    r.exit_count = (1ull << 32) + 1;
    CHECK_ERR(st_interop_leaf(&got, &r), ZK_ERR_RANGE);
    r.exit_count = 1ull << 32;
    CHECK_OK(st_interop_leaf(&got, &r));
    r.exit_root.v[7] = KB_P;
    CHECK_ERR(st_interop_leaf(&got, &r), ZK_ERR_INVALID_ARG);
}

static void test_account_index(void)
{
    zk_db *db = NULL;
    smt *t = NULL, *lb = NULL;
    CHECK_OK(db_open(&db, NULL, DB_MEMORY, 0));
    if (db) {
        CHECK_OK(st_schema(db));
        CHECK_OK(smt_new(&t, db, ST_TREE_ACCOUNTS, 0));
        CHECK_OK(smt_new(&lb, db, ST_TREE_LOCAL_BALANCE, 0));
    }
    if (!t || !lb)
        goto out;
    uint8_t addr[3][20];
    st_asset as[2];
    t_rand_bytes(addr, sizeof addr);
    memset(as, 0, sizeof as);
    as[0].origin_chain = 7;
    as[1].origin_chain = 7;
    as[1].token[0] = 1;
    uint32_t idx = 0xdead;
    CHECK_ERR(st_account_index(db, t, addr[0], &as[0], 0, &idx), ZK_ERR_NOT_FOUND);
    CHECK_EQ(idx, 0xdead);
    /* first appearance order: (a0, s0) = 0, (a1, s0) = 1, (a0, s1) = 2, (a2, s1) = 3 */
    static const int order[4][2] = {{0, 0}, {1, 0}, {0, 1}, {2, 1}};
    for (int k = 0; k < 4; k++) {
        CHECK_OK(st_account_index(db, t, addr[order[k][0]], &as[order[k][1]], 1, &idx));
        CHECK_EQ(idx, k);
    }
    for (int k = 3; k >= 0; k--) {
        CHECK_OK(st_account_index(db, t, addr[order[k][0]], &as[order[k][1]], 0, &idx));
        CHECK_EQ(idx, k);
        CHECK_OK(st_account_index(db, t, addr[order[k][0]], &as[order[k][1]], 1, &idx));
        CHECK_EQ(idx, k);
    }
    CHECK_EQ(smt_count(t), 4);
    /* another tree numbers its own pairs from 0 */
    CHECK_OK(st_account_index(db, lb, addr[2], &as[1], 1, &idx));
    CHECK_EQ(idx, 0);
    /* a new pair in a rolled-back transaction is forgotten */
    CHECK_OK(db_begin(db));
    CHECK_OK(st_account_index(db, t, addr[2], &as[0], 1, &idx));
    CHECK_EQ(idx, 4);
    db_rollback(db);
    CHECK_OK(smt_reload(t));
    CHECK_ERR(st_account_index(db, t, addr[2], &as[0], 0, &idx), ZK_ERR_NOT_FOUND);
    CHECK_OK(st_account_index(db, t, addr[2], &as[0], 1, &idx));
    CHECK_EQ(idx, 4);
out:
    smt_free(t);
    smt_free(lb);
    db_close(db);
}

/* The batched leaves are the one-at-a-time ones, for every batch size (the vector
 * code has tails), and a bad balance is named. */
static void test_account_leaves(void)
{
    st_account a[ST_LEAVES_MAX];
    p2_digest got[ST_LEAVES_MAX], want;
    memset(a, 0, sizeof a);
    for (size_t n = 0; n <= ST_LEAVES_MAX; n++) {
        for (size_t i = 0; i < n; i++)
            rand_account(&a[i]);
        CHECK_OK(st_account_leaves(got, a, n));
        for (size_t i = 0; i < n; i++) {
            CHECK_OK(st_account_leaf(&want, &a[i]));
            CHECK_MSG(digest_eq(&got[i], &want), "batch of %zu, leaf %zu", n, i);
        }
    }
    a[5].balance.b[3] = 1;
    CHECK_ERR(st_account_leaves(got, a, 9), ZK_ERR_RANGE);
    CHECK(strstr(zk_err_detail(), "account 5") != NULL);
    CHECK_ERR(st_account_leaves(got, a, ST_LEAVES_MAX + 1), ZK_ERR_INVALID_ARG);
    CHECK_ERR(st_account_leaves(NULL, a, 1), ZK_ERR_INVALID_ARG);
}

int main(void)
{
    t_seed();
    test_account();
    test_account_leaves();
    test_message();
    test_interop();
    test_account_index();
    return t_report("test_state");
}
