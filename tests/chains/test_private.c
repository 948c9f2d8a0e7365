/* Private chains (chains/ledger_private.c, chains/chainkey.h): a private ledger A
 * (chain 100) sends to a public ledger B (chain 200), which imports the message by
 * its envelope alone (opened with B's chain key, leaf rebuilt, then the normal
 * import checks). Checks secret message salts, envelopes that open only with the
 * right key and only unaltered, routes bound to the message, replay and reopen
 * reproducing the same leaves, salted commitments that change per block, refusal
 * and revert of a send to a chain without a key, and the upgrade of a store made
 * before envelopes existed. */
#define T_SHARED_MAIN /* chain_fixture.c counts in this test's report */

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chains/chainkey.h"
#include "chains/ledger.h"
#include "chains/state.h"
#include "common/error.h"
#include "privacy/commit.h"
#include "privacy/envelope.h"
#include "tests/chains/chain_fixture.h"
#include "tests/test.h"
#include "verifier/kb.h"

#define CHAIN_A 100u
#define CHAIN_B 200u
#define CHAIN_C 300u /* has no key in A's config */
#define NKEYS   3

static uint8_t sk_b[32], pub_b[65];     /* B's chain key */
static uint8_t sk_aud[32], pub_aud[65]; /* an auditor of A */
static const uint8_t PAYLOAD[5] = {'h', 'e', 'l', 'l', 'o'};

static void setup(void)
{
    (void)make_accounts(NKEYS, 0); /* 2^80 each */
    CHECK_OK(ecies_keygen(sk_b, pub_b));
    CHECK_OK(ecies_keygen(sk_aud, pub_aud));
}

/* open_chain, then private (priv: with B's key as its peer and one auditor) or
 * public. */
static ledger *open_private(uint64_t chain, const char *path, int priv)
{
    ledger *l = open_chain(chain, path);
    ledger_peer peer = {.chain_id = CHAIN_B};
    memcpy(peer.public_key, pub_b, 65);
    const uint8_t(*aud)[65] = (const uint8_t(*)[65])pub_aud;
    ledger_privacy p = {.private_chain = priv,
                        .peers = priv ? &peer : NULL,
                        .n_peers = priv ? 1 : 0,
                        .auditors = priv ? aud : NULL,
                        .n_auditors = priv ? 1 : 0};
    CHECK_OK(ledger_set_privacy(l, &p));
    CHECK_EQ(ledger_is_private(l), priv);
    return l;
}

/* A native send of amount from key 0 to addrs[2] on dest, in a block of its own. */
static ledger_tx_result send_native(ledger *l, uint64_t dest, u128 amount)
{
    zk_buf d;
    send_call(&d, dest, addrs[2], ledger_chain_id(l), NULL, amount, PAYLOAD, sizeof PAYLOAD);
    ledger_tx_result r = one_tx(l, 0, LEDGER_ADDR_OUTBOX, amount, &d, NULL);
    zk_buf_free(&d);
    return r;
}

static int salt_zero(const pc_salt *s)
{
    for (int i = 0; i < PC_SALT_LEN; i++)
        if (kb_to_canonical(s->v[i]))
            return 0;
    return 1;
}

/* The proofs of A's sent message index (an interop tree of A's record alone),
 * and the interop root added at B. p->im's message and payload are left empty:
 * the test fills them from the envelope alone. */
static void position_of(imp *p, ledger *A, ledger *B, uint64_t index)
{
    ledger_state s;
    CHECK_OK(ledger_state_at(A, ledger_head(A), &s));
    st_interop rec = record_of(A, &s, 1);
    imp_alone(p, A, index, &rec);
    memset(&p->im.msg, 0, sizeof p->im.msg);
    p->im.payload = NULL;
    p->im.payload_len = 0;
    CHECK_OK(ledger_add_interop_root(B, &p->im.interop_root));
}

/* Opens env with sk as B would; wants reason (NULL: opens). */
static int open_as(const uint8_t sk[32], const zk_buf *env, const uint64_t *seq,
                   const p2_digest *leaf, st_message *m, zk_buf *payload, char *why, size_t wl)
{
    zk_buf_reset(payload);
    return ck_open_message(sk, env->data, env->len, CHAIN_A, CHAIN_B, seq, leaf, m, payload, NULL,
                           why, wl);
}

#define WANT_REASON(rc, why, want)                                                                 \
    CHECK_MSG((rc) != ZK_OK && strcmp((why), (want)) == 0, "got %d (%s), wanted %s", (rc), (why),  \
              (want))

static void test_private_to_public(void)
{
    ledger *A = open_private(CHAIN_A, NULL, 1), *B = open_private(CHAIN_B, NULL, 0);

    /* Salted commitments on A, the zero salt on B. */
    ledger_state sa0, sb0;
    CHECK_OK(ledger_state_at(A, 0, &sa0));
    CHECK_OK(ledger_state_at(B, 0, &sb0));
    pc_salt zero, salt;
    memset(&zero, 0, sizeof zero);
    p2_digest c;
    CHECK_OK(pc_state_commit(&c, &sa0.state_root, &zero));
    CHECK(!dig_eq(&c, &sa0.commitment));
    CHECK_OK(ledger_state_salt(A, 0, &salt));
    CHECK(!salt_zero(&salt));
    CHECK_OK(pc_state_commit(&c, &sa0.state_root, &salt));
    CHECK(dig_eq(&c, &sa0.commitment)); /* the salt is the opening */
    CHECK_OK(pc_state_commit(&c, &sb0.state_root, &zero));
    CHECK(dig_eq(&c, &sb0.commitment));
    CHECK_OK(ledger_state_salt(B, 5, &salt));
    CHECK(salt_zero(&salt));

    /* Two sends with identical fields: fresh, nonzero, different salts. */
    ledger_tx_result r = send_native(A, CHAIN_B, 1000);
    CHECK_MSG(r.code == ZK_OK && !r.reason && !r.revert, "send 0: %s / %s",
              r.reason ? r.reason : "-", r.revert ? r.revert : "-");
    r = send_native(A, CHAIN_B, 1000);
    CHECK(r.code == ZK_OK && !r.reason && !r.revert);
    ledger_sent s0, s1;
    CHECK_OK(ledger_sent_message(A, 0, &s0, NULL, NULL));
    CHECK_OK(ledger_sent_message(A, 1, &s1, NULL, NULL));
    CHECK(!salt_zero(&s0.msg.salt) && !salt_zero(&s1.msg.salt));
    CHECK(memcmp(s0.msg.salt.v, s1.msg.salt.v, sizeof s0.msg.salt.v) != 0);
    CHECK(!dig_eq(&s0.leaf, &s1.leaf));
    p2_digest leaf;
    CHECK_OK(st_message_leaf(&leaf, &s0.msg));
    CHECK(dig_eq(&leaf, &s0.leaf));

    /* The commitment of one state root differs from block to block. */
    pc_salt s_1, s_2;
    p2_digest c1, c2;
    CHECK_OK(ledger_state_salt(A, 1, &s_1));
    CHECK_OK(ledger_state_salt(A, 2, &s_2));
    CHECK(memcmp(s_1.v, s_2.v, sizeof s_1.v) != 0);
    CHECK_OK(pc_state_commit(&c1, &sa0.state_root, &s_1));
    CHECK_OK(pc_state_commit(&c2, &sa0.state_root, &s_2));
    CHECK(!dig_eq(&c1, &c2));

    /* The envelope: route (1, A, B, 0, leaf), opens with B's key and the
     * auditor's, with nothing else. */
    zk_buf env, pl;
    zk_buf_init(&env, ENV_MAX_LEN);
    zk_buf_init(&pl, LEDGER_MAX_PAYLOAD);
    CHECK_OK(ledger_sent_envelope(A, 0, &env));
    ecies_route route;
    size_t slots = 0;
    CHECK_OK(env_parse(env.data, env.len, &route, &slots));
    CHECK_EQ(slots, 2);
    CHECK_EQ(route.src_chain, CHAIN_A);
    CHECK_EQ(route.dst_chain, CHAIN_B);
    CHECK_EQ(route.sequence, 0);
    uint8_t lb[32];
    pc_encode8(lb, s0.leaf.v);
    CHECK_MEM(route.leaf, lb, 32);
    st_message m;
    char why[200] = "";
    CHECK_OK(open_as(sk_b, &env, NULL, NULL, &m, &pl, why, sizeof why));
    CHECK(pl.len == sizeof PAYLOAD && memcmp(pl.data, PAYLOAD, sizeof PAYLOAD) == 0);
    CHECK_MEM(m.salt.v, s0.msg.salt.v, sizeof m.salt.v);
    CHECK_OK(open_as(sk_aud, &env, NULL, NULL, &m, &pl, why, sizeof why));
    uint8_t sk_x[32], pub_x[65];
    CHECK_OK(ecies_keygen(sk_x, pub_x));
    int rc = open_as(sk_x, &env, NULL, NULL, &m, &pl, why, sizeof why);
    WANT_REASON(rc, why, "envelope does not open with this chain's key");

    /* Every flipped byte is rejected. */
    size_t opened = 0;
    for (size_t i = 0; i < env.len; i++) {
        env.data[i] ^= 0x01;
        if (open_as(sk_b, &env, NULL, NULL, &m, &pl, why, sizeof why) == ZK_OK)
            opened++;
        env.data[i] ^= 0x01;
    }
    CHECK_EQ(opened, 0);
    CHECK_OK(open_as(sk_b, &env, NULL, NULL, &m, &pl, why, sizeof why));

    /* A position other than the envelope's route. */
    uint64_t seq1 = 1;
    rc = open_as(sk_b, &env, &seq1, NULL, &m, &pl, why, sizeof why);
    WANT_REASON(rc, why, "envelope route does not match the message position");
    rc = open_as(sk_b, &env, NULL, &s1.leaf, &m, &pl, why, sizeof why);
    WANT_REASON(rc, why, "envelope route does not match the message position");
    rc = ck_open_message(sk_b, env.data, env.len, CHAIN_C, CHAIN_B, NULL, NULL, &m, &pl, NULL, why,
                         sizeof why);
    WANT_REASON(rc, why, "envelope route does not match the message position");

    /* Sealed for the right key, but the route names another leaf or sequence. */
    uint8_t pt[LEDGER_MSG_BYTES + sizeof PAYLOAD];
    ledger_msg_encode(pt, &s0.msg);
    memcpy(pt + LEDGER_MSG_BYTES, PAYLOAD, sizeof PAYLOAD);
    const uint8_t(*to_b)[65] = (const uint8_t(*)[65])pub_b;
    ecies_route bad = route;
    pc_encode8(bad.leaf, s1.leaf.v);
    zk_buf forged;
    zk_buf_init(&forged, ENV_MAX_LEN);
    CHECK_OK(env_seal(&forged, &bad, to_b, 1, pt, sizeof pt));
    rc = open_as(sk_b, &forged, NULL, NULL, &m, &pl, why, sizeof why);
    WANT_REASON(rc, why, "decrypted message does not hash to its leaf");
    bad = route;
    bad.sequence = 7;
    zk_buf_reset(&forged);
    CHECK_OK(env_seal(&forged, &bad, to_b, 1, pt, sizeof pt));
    rc = open_as(sk_b, &forged, NULL, NULL, &m, &pl, why, sizeof why);
    WANT_REASON(rc, why, "envelope route does not match the message position");
    zk_buf_reset(&forged);
    CHECK_OK(zk_buf_append(&forged, env.data, 40));
    rc = open_as(sk_b, &forged, NULL, NULL, &m, &pl, why, sizeof why);
    CHECK_MSG(rc == ZK_ERR_PARSE && strncmp(why, "malformed envelope: ", 20) == 0, "%d %s", rc,
              why);
    /* The plaintext must be a message: too short. */
    zk_buf_reset(&forged);
    CHECK_OK(env_seal(&forged, &route, to_b, 1, pt, LEDGER_MSG_BYTES - 1));
    rc = open_as(sk_b, &forged, NULL, NULL, &m, &pl, why, sizeof why);
    WANT_REASON(rc, why, "decrypted message is malformed");
    zk_buf_free(&forged);

    /* B imports message 0 by its envelope; a valid envelope of message 1 at
     * message 0's position fails the exit-tree proof. */
    imp p;
    position_of(&p, A, B, 0);
    zk_buf env1;
    zk_buf_init(&env1, ENV_MAX_LEN);
    CHECK_OK(ledger_sent_envelope(A, 1, &env1));
    CHECK_OK(open_as(sk_b, &env1, NULL, NULL, &p.im.msg, &pl, why, sizeof why));
    p.im.payload = pl.data;
    p.im.payload_len = pl.len;
    ledger_tx_result ir = {-1, "unset", NULL};
    CHECK_OK(ledger_import_messages(B, &p.im, 1, &ir));
    CHECK_MSG(ir.code != ZK_OK && ir.reason && !strcmp(ir.reason, "bad exit-tree proof"), "%s",
              ir.reason ? ir.reason : "queued");
    CHECK_OK(open_as(sk_b, &env, NULL, NULL, &p.im.msg, &pl, why, sizeof why));
    p.im.payload = pl.data;
    p.im.payload_len = pl.len;
    CHECK_OK(ledger_import_messages(B, &p.im, 1, &ir));
    CHECK_MSG(ir.code == ZK_OK, "import: %s", ir.reason ? ir.reason : "-");
    CHECK_OK(ledger_apply_block(B, NULL, 0, TS0 + 1, NULL, NULL));
    st_asset a_coin = {.origin_chain = CHAIN_A};
    u256 got;
    CHECK_OK(ledger_asset_balance(B, addrs[2], &a_coin, &got));
    CHECK(u128_of(&got) == 1000);
    ledger_received rcv;
    CHECK_OK(ledger_received_message(B, CHAIN_A, 0, &rcv, NULL));
    CHECK(rcv.delivered && dig_eq(&rcv.leaf, &s0.leaf));
    zk_buf_free(&p.payload);

    /* A public chain's messages: zero salt, no envelope. */
    r = send_native(B, CHAIN_A, 0);
    CHECK(r.code == ZK_OK && !r.revert);
    ledger_sent sb;
    CHECK_OK(ledger_sent_message(B, 0, &sb, NULL, NULL));
    CHECK(salt_zero(&sb.msg.salt));
    zk_buf_reset(&env);
    CHECK_OK(ledger_sent_envelope(B, 0, &env));
    CHECK_EQ(env.len, 0);

    zk_buf_free(&env);
    zk_buf_free(&env1);
    zk_buf_free(&pl);
    ledger_free(A);
    ledger_free(B);
}

/* A send to a chain without a key: refused at admission, reverted in a block. */
static void test_no_key(void)
{
    ledger *A = open_private(CHAIN_A, NULL, 1);
    zk_buf d;
    send_call(&d, CHAIN_C, addrs[2], CHAIN_A, NULL, 5, NULL, 0);
    stx s;
    sign_tx(&s, 1, CHAIN_A, 0, GAS, LEDGER_ADDR_OUTBOX, 5, d.data, d.len);
    const char *why = NULL;
    CHECK_ERR(ledger_check_tx(A, &s.tx, &why), ZK_ERR_UNSUPPORTED);
    CHECK(why && !strcmp(why, "execution reverted: destination chain 300 has no public key in "
                              "this chain's config"));
    u256 bal;
    CHECK_OK(ledger_account(A, addrs[1], &bal, NULL));
    why = NULL;
    CHECK_ERR(ledger_check_tx_at(A, &s.tx, &bal, 0, &why), ZK_ERR_UNSUPPORTED);
    CHECK(why && strstr(why, "destination chain 300 has no public key"));
    ledger_item it = item(&s);
    ledger_tx_result r = {-1, "unset", NULL};
    CHECK_OK(ledger_apply_block(A, &it, 1, TS0 + 1, &r, NULL));
    CHECK(r.code == ZK_OK && r.revert &&
          !strcmp(r.revert, "destination chain 300 has no public key in this chain's config"));
    ledger_receipt rc;
    CHECK_OK(ledger_tx_by_hash(A, s.tx.hash, &rc, NULL));
    CHECK_EQ(rc.status, 0);
    ledger_state st;
    CHECK_OK(ledger_state_at(A, 1, &st));
    CHECK_EQ(st.roots.exit_count, 0);
    CHECK_EQ(nonce_of(A, addrs[1]), 1);
    zk_buf_free(&s.raw);
    zk_buf_free(&d);

    /* A public ledger has no such rule. */
    ledger *P = open_private(CHAIN_B, NULL, 0);
    send_call(&d, CHAIN_C, addrs[2], CHAIN_B, NULL, 5, NULL, 0);
    sign_tx(&s, 1, CHAIN_B, 0, GAS, LEDGER_ADDR_OUTBOX, 5, d.data, d.len);
    why = "x";
    CHECK_OK(ledger_check_tx(P, &s.tx, &why));
    CHECK(why == NULL);
    zk_buf_free(&s.raw);
    zk_buf_free(&d);

    /* Bad privacy settings. */
    ledger_peer pe = {.chain_id = 0};
    memcpy(pe.public_key, pub_b, 65);
    ledger_privacy pp = {.private_chain = 1, .peers = &pe, .n_peers = 1};
    CHECK_ERR(ledger_set_privacy(P, &pp), ZK_ERR_INVALID_ARG);
    pe.chain_id = CHAIN_B; /* itself */
    CHECK_ERR(ledger_set_privacy(P, &pp), ZK_ERR_INVALID_ARG);
    pe.chain_id = CHAIN_C;
    pe.public_key[64] ^= 1; /* off the curve */
    CHECK_ERR(ledger_set_privacy(P, &pp), ZK_ERR_INVALID_ARG);
    ledger_peer two[2] = {{.chain_id = CHAIN_C}, {.chain_id = CHAIN_C}};
    memcpy(two[0].public_key, pub_b, 65);
    memcpy(two[1].public_key, pub_b, 65);
    pp.peers = two;
    pp.n_peers = 2;
    CHECK_ERR(ledger_set_privacy(P, &pp), ZK_ERR_INVALID_ARG);
    CHECK_EQ(ledger_is_private(P), 0);
    ledger_privacy pub = {0};
    CHECK_ERR(ledger_set_privacy(A, &pub), ZK_ERR_CONFIG);
    ledger_free(P);
    ledger_free(A);
}

/* Restart and replay of a private chain reproduce its leaves, exit root and
 * commitments; a public reopen is refused. */
static void test_replay(void)
{
    tmp_store store;
    mk_store(&store, "private", "a.db");
    const char *path = store.path;
    ledger *A = open_private(CHAIN_A, path, 1);
    for (int i = 0; i < 3; i++)
        CHECK(send_native(A, CHAIN_B, 10 + (u128)i).revert == NULL);
    CHECK(send_native(A, CHAIN_C, 1).revert != NULL); /* a revert replays too */
    CHECK(send_native(A, CHAIN_B, 20).revert == NULL);
    ledger_state before;
    CHECK_OK(ledger_state_at(A, ledger_head(A), &before));
    p2_digest leaves[4];
    for (uint64_t i = 0; i < 4; i++) {
        ledger_sent s;
        CHECK_OK(ledger_sent_message(A, i, &s, NULL, NULL));
        leaves[i] = s.leaf;
    }
    ledger_free(A);
    CHECK_OK(ledger_verify_replay(path));

    A = open_private(CHAIN_A, path, 1);
    ledger_state after;
    CHECK_OK(ledger_state_at(A, ledger_head(A), &after));
    CHECK(dig_eq(&before.roots.exit_root, &after.roots.exit_root));
    CHECK(dig_eq(&before.commitment, &after.commitment));
    for (uint64_t i = 0; i < 4; i++) {
        ledger_sent s;
        CHECK_OK(ledger_sent_message(A, i, &s, NULL, NULL));
        CHECK(dig_eq(&s.leaf, &leaves[i]));
    }
    ledger_free(A);

    /* The store remembers it is private. */
    ledger_genesis g = genesis(CHAIN_A);
    CHECK_OK(ledger_open(&A, path, &g));
    CHECK_EQ(ledger_is_private(A), 1);
    ledger_privacy pub = {0};
    CHECK_ERR(ledger_set_privacy(A, &pub), ZK_ERR_CONFIG);
    ledger_free(A);

    /* Tampering with a stored salt breaks the replay. */
    store_sql(path, "UPDATE ledger_outbox SET msg = substr(msg, 1, 172) || zeroblob(32)"
                    " WHERE idx = 1");
    CHECK_ERR(ledger_verify_replay(path), ZK_ERR_STATE);
    rm_store(&store);
}

/* A store made before envelopes (schema version 2) upgrades in place. */
static void test_upgrade(void)
{
    tmp_store store;
    mk_store(&store, "private", "a.db");
    const char *path = store.path;
    ledger *A = open_private(CHAIN_A, path, 0);
    CHECK(send_native(A, CHAIN_B, 3).revert == NULL);
    ledger_free(A);
    store_sql(path, "ALTER TABLE ledger_outbox DROP COLUMN envelope; DROP TABLE ledger_secret;"
                    " PRAGMA user_version = 2");
    A = open_private(CHAIN_A, path, 1); /* upgrades, then becomes private */
    CHECK(send_native(A, CHAIN_B, 4).revert == NULL);
    zk_buf env;
    zk_buf_init(&env, ENV_MAX_LEN);
    CHECK_OK(ledger_sent_envelope(A, 0, &env));
    CHECK_EQ(env.len, 0); /* sent while public */
    CHECK_OK(ledger_sent_envelope(A, 1, &env));
    CHECK(env.len > 0);
    zk_buf_free(&env);
    ledger_free(A);
    CHECK_OK(ledger_verify_replay(path));
    rm_store(&store);
}

/* The chain key file: made once with mode 0600, read back, refused when others
 * may read it or it is not a key. */
static void test_chain_key(void)
{
    tmp_store store;
    mk_store(&store, "private", CK_FILE);
    const char *path = store.path;
    uint8_t sk[32], pub[65], sk2[32], pub2[65], want[65];
    int created = -1;
    CHECK_ERR(ck_load(path, 0, sk, pub, &created), ZK_ERR_NOT_FOUND);
    CHECK_OK(ck_load(path, 1, sk, pub, &created));
    CHECK_EQ(created, 1);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_OK(ecies_pubkey(want, sk));
    CHECK_MEM(pub, want, 65);
    CHECK_OK(ck_load(path, 1, sk2, pub2, &created));
    CHECK_EQ(created, 0);
    CHECK_MEM(sk2, sk, 32);
    CHECK_MEM(pub2, pub, 65);
    CHECK(chmod(path, 0644) == 0);
    CHECK_ERR(ck_load(path, 1, sk2, pub2, NULL), ZK_ERR_PERMISSION);
    CHECK(strstr(zk_err_detail(), path) != NULL);
    unlink(path);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("0000000000000000000000000000000000000000000000000000000000000000\n", f);
        fclose(f);
    }
    CHECK(chmod(path, 0600) == 0);
    CHECK_ERR(ck_load(path, 1, sk2, pub2, NULL), ZK_ERR_PARSE);
    rm_store(&store);
}

int main(void)
{
    t_seed();
    setup();
    test_private_to_public();
    test_no_key();
    test_replay();
    test_upgrade();
    test_chain_key();
    return t_report("test_private");
}
