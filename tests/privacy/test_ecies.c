/* ECIES (eciesjs wire format), size padding, envelopes and per-message keys. */
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "privacy/ecies.h"
#include "privacy/envelope.h"
#include "privacy/viewkey.h"
#include "tests/test.h"

/* Made with the npm package eciesjs 0.5.0 in its default configuration:
 * encrypt(PrivateKey(KAT_SK).publicKey, "zkgate eciesjs known answer"). */
static const char KAT_SK[] = "b25e1d1c6a1d2bc8a3e5cf38ee0a7a1c5f3c8c2f64be8e2f8e6e3c5f2a7d9e11";
static const char KAT_PUB[] = "042a61e2e8db282d45f528039c27477905ce64af285dcbd90475373f20642bce8f"
                              "96455e3fa8e0bef2d3f5c846bd1a3985c5d506804e516a8698d8f17497a1bbae";
static const char KAT_CT[] =
    "046213a2aaab53b836b9f248ae98d006d92d6f313b2f7d4ec641ddc26a0253881bed93bf969cdbae6d807a601c0f"
    "03f2a586855c2831c8fa089307bbd111da3669084381934129bab1e0e695b72e415d614bcb3d029f1488907fa27a"
    "43fd1e84ad959329307b3f4a1d163b8e9cc9c1528b45c759847f3200c954312a";
static const char KAT_PT[] = "zkgate eciesjs known answer";

static void test_kat(void)
{
    uint8_t sk[32], pub[65], want_pub[65];
    zk_buf ct, pt;
    zk_buf_init(&ct, 4096);
    zk_buf_init(&pt, 4096);
    CHECK_OK(zk_hex_decode_exact(sk, 32, KAT_SK, strlen(KAT_SK)));
    CHECK_OK(zk_hex_decode_exact(want_pub, 65, KAT_PUB, strlen(KAT_PUB)));
    CHECK_OK(ecies_pubkey(pub, sk));
    CHECK_MEM(pub, want_pub, 65);
    CHECK_OK(zk_hex_decode_buf(&ct, KAT_CT, strlen(KAT_CT)));
    CHECK_OK(ecies_decrypt(&pt, sk, NULL, 0, ct.data, ct.len));
    CHECK(pt.len == strlen(KAT_PT) && memcmp(pt.data, KAT_PT, pt.len) == 0);
    /* The same bytes under AAD are not the same message. */
    zk_buf_reset(&pt);
    CHECK_ERR(ecies_decrypt(&pt, sk, (const uint8_t *)"x", 1, ct.data, ct.len), ZK_ERR_DECRYPT);
    CHECK(pt.len == 0);
    zk_buf_free(&ct);
    zk_buf_free_secret(&pt);
}

static void test_keys(void)
{
    uint8_t sk[32], pub[65], pub2[65], comp[33];
    CHECK_OK(ecies_keygen(sk, pub));
    CHECK(pub[0] == 0x04);
    CHECK_OK(ecies_pubkey(pub2, sk));
    CHECK_MEM(pub, pub2, 65);
    /* 64-byte (no prefix) and 33-byte (compressed) forms name the same key. */
    CHECK_OK(ecies_pubkey_parse(pub2, pub + 1, 64));
    CHECK_MEM(pub, pub2, 65);
    comp[0] = (uint8_t)(0x02 | (pub[64] & 1));
    memcpy(comp + 1, pub + 1, 32);
    memset(pub2, 0, sizeof pub2);
    CHECK_OK(ecies_pubkey_parse(pub2, comp, 33));
    CHECK_MEM(pub, pub2, 65);
    CHECK_ERR(ecies_pubkey_parse(pub2, pub, 64 + 2), ZK_ERR_PARSE);
    pub2[0] = 0x04;
    memset(pub2 + 1, 0x11, 64);
    CHECK_ERR(ecies_pubkey_parse(pub2, pub2, 65), ZK_ERR_PARSE);
    uint8_t zero[32] = {0};
    CHECK_ERR(ecies_pubkey(pub2, zero), ZK_ERR_INVALID_ARG);
    uint8_t order[32]; /* the group order n, secp256k1 (SEC 2, 2.4.1) */
    CHECK_OK(zk_hex_decode_exact(
        order, 32, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 64));
    CHECK_ERR(ecies_pubkey(pub2, order), ZK_ERR_INVALID_ARG);
}

static void test_round_trip(void)
{
    uint8_t sk[32], pub[65], sk2[32], pub2[65], aad[ECIES_ROUTE_LEN];
    CHECK_OK(ecies_keygen(sk, pub));
    CHECK_OK(ecies_keygen(sk2, pub2));
    ecies_route r = {.version = 1, .src_chain = 7, .dst_chain = 9, .sequence = 42};
    t_rand_bytes(r.leaf, 32);
    ecies_route_encode(aad, &r);
    ecies_route back;
    CHECK_OK(ecies_route_decode(&back, aad, sizeof aad));
    CHECK(back.src_chain == 7 && back.dst_chain == 9 && back.sequence == 42 &&
          memcmp(back.leaf, r.leaf, 32) == 0);
    CHECK_ERR(ecies_route_decode(&back, aad, sizeof aad - 1), ZK_ERR_PARSE);

    size_t sizes[] = {0, 1, 15, 16, 17, 255, 256, 4096, 70000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        uint8_t *msg = malloc(n + 1);
        t_rand_bytes(msg, n);
        for (int with_aad = 0; with_aad < 2; with_aad++) {
            const uint8_t *a = with_aad ? aad : NULL;
            size_t alen = with_aad ? sizeof aad : 0;
            zk_buf ct, pt;
            zk_buf_init(&ct, n + 200);
            zk_buf_init(&pt, n + 200);
            CHECK_OK(ecies_encrypt(&ct, pub, 65, a, alen, msg, n));
            CHECK_EQ(ct.len, n + ECIES_OVERHEAD);
            CHECK_OK(ecies_decrypt(&pt, sk, a, alen, ct.data, ct.len));
            CHECK(pt.len == n && (n == 0 || memcmp(pt.data, msg, n) == 0));
            zk_buf_reset(&pt);
            CHECK_ERR(ecies_decrypt(&pt, sk2, a, alen, ct.data, ct.len), ZK_ERR_DECRYPT);
            CHECK(strstr(zk_err_detail(), "does not authenticate") != NULL);
            if (with_aad) {
                uint8_t bad[ECIES_ROUTE_LEN];
                memcpy(bad, aad, sizeof bad);
                bad[t_rand() % sizeof bad] ^= 1;
                CHECK_ERR(ecies_decrypt(&pt, sk, bad, sizeof bad, ct.data, ct.len), ZK_ERR_DECRYPT);
                CHECK_ERR(ecies_decrypt(&pt, sk, NULL, 0, ct.data, ct.len), ZK_ERR_DECRYPT);
            } else {
                CHECK_ERR(ecies_decrypt(&pt, sk, aad, sizeof aad, ct.data, ct.len), ZK_ERR_DECRYPT);
            }
            CHECK(pt.len == 0);
            zk_buf_free(&ct);
            zk_buf_free_secret(&pt);
        }
        free(msg);
    }
    /* A compressed recipient key gives the same (uncompressed-ephemeral) format. */
    uint8_t comp[33];
    comp[0] = (uint8_t)(0x02 | (pub[64] & 1));
    memcpy(comp + 1, pub + 1, 32);
    zk_buf ct, pt;
    zk_buf_init(&ct, 1024);
    zk_buf_init(&pt, 1024);
    CHECK_OK(ecies_encrypt(&ct, comp, 33, NULL, 0, (const uint8_t *)"hi", 2));
    CHECK_OK(ecies_decrypt(&pt, sk, NULL, 0, ct.data, ct.len));
    CHECK(pt.len == 2 && memcmp(pt.data, "hi", 2) == 0);
    uint8_t zero[32] = {0};
    CHECK_ERR(ecies_decrypt(&pt, zero, NULL, 0, ct.data, ct.len), ZK_ERR_INVALID_ARG);
    zk_buf_free(&ct);
    zk_buf_free_secret(&pt);
}

/* Every single-bit flip, truncation and extension of a small ciphertext fails. */
static void test_mutations(void)
{
    uint8_t sk[32], pub[65], aad[5] = {1, 2, 3, 4, 5}, msg[9];
    t_rand_bytes(msg, sizeof msg);
    CHECK_OK(ecies_keygen(sk, pub));
    zk_buf ct, pt;
    zk_buf_init(&ct, 1024);
    zk_buf_init(&pt, 1024);
    CHECK_OK(ecies_encrypt(&ct, pub, 65, aad, sizeof aad, msg, sizeof msg));
    int all_fail = 1;
    for (size_t i = 0; i < ct.len; i++) {
        uint8_t bit = (uint8_t)(1u << (t_rand() % 8));
        ct.data[i] ^= bit;
        int rc = ecies_decrypt(&pt, sk, aad, sizeof aad, ct.data, ct.len);
        if (rc != ZK_ERR_DECRYPT || pt.len != 0 || zk_err_detail()[0] == 0) {
            all_fail = 0;
            fprintf(stderr, "flip of byte %zu: rc %d\n", i, rc);
        }
        ct.data[i] ^= bit;
    }
    CHECK(all_fail);
    for (size_t n = 0; n < ct.len; n++)
        CHECK_ERR(ecies_decrypt(&pt, sk, aad, sizeof aad, ct.data, n), ZK_ERR_DECRYPT);
    CHECK_OK(zk_buf_push(&ct, 0));
    CHECK_ERR(ecies_decrypt(&pt, sk, aad, sizeof aad, ct.data, ct.len), ZK_ERR_DECRYPT);
    CHECK_OK(ecies_decrypt(&pt, sk, aad, sizeof aad, ct.data, ct.len - 1));
    CHECK(pt.len == sizeof msg && memcmp(pt.data, msg, sizeof msg) == 0);
    zk_buf_free(&ct);
    zk_buf_free_secret(&pt);
}

static void test_padding(void)
{
    CHECK_EQ(env_bucket(0), 256);
    CHECK_EQ(env_bucket(252), 256);
    CHECK_EQ(env_bucket(253), 512);
    CHECK_EQ(env_bucket(508), 512);
    CHECK_EQ(env_bucket(509), 1024);
    CHECK_EQ(env_bucket(ENV_MAX_PAYLOAD), ENV_PAD_MAX);
    CHECK_EQ(env_bucket(ENV_MAX_PAYLOAD + 1), 0);
    zk_buf p, u;
    zk_buf_init(&p, ENV_PAD_MAX);
    zk_buf_init(&u, ENV_PAD_MAX);
    uint8_t msg[300];
    t_rand_bytes(msg, sizeof msg);
    CHECK_OK(env_pad(&p, msg, sizeof msg));
    CHECK_EQ(p.len, 512);
    CHECK_OK(env_unpad(&u, p.data, p.len));
    CHECK(u.len == sizeof msg && memcmp(u.data, msg, sizeof msg) == 0);
    zk_buf_reset(&u);
    CHECK_ERR(env_unpad(&u, p.data, 511), ZK_ERR_PARSE);
    p.data[511] = 1; /* padding must be zeros */
    CHECK_ERR(env_unpad(&u, p.data, p.len), ZK_ERR_PARSE);
    p.data[511] = 0;
    zk_store_le32(p.data, 100); /* 100 bytes belong in the 256 bucket */
    CHECK_ERR(env_unpad(&u, p.data, p.len), ZK_ERR_PARSE);
    zk_store_le32(p.data, 509);
    CHECK_ERR(env_unpad(&u, p.data, p.len), ZK_ERR_PARSE);
    CHECK(u.len == 0);
    CHECK_ERR(env_pad(&p, msg, ENV_MAX_PAYLOAD + 1), ZK_ERR_TOO_LARGE);
    zk_buf_free(&p);
    zk_buf_free(&u);
}

static void make_route(ecies_route *r)
{
    r->version = 1;
    r->src_chain = t_rand();
    r->dst_chain = t_rand();
    r->sequence = t_rand();
    t_rand_bytes(r->leaf, 32);
}

/* Two recipients, every bucket from ENV_PAD_MIN to ENV_PAD_MAX, both ends of each. */
static void test_envelope_buckets(void)
{
    uint8_t sk[2][32], pub[2][65];
    CHECK_OK(ecies_keygen(sk[0], pub[0]));
    CHECK_OK(ecies_keygen(sk[1], pub[1]));
    uint8_t *msg = malloc(ENV_MAX_PAYLOAD);
    t_rand_bytes(msg, ENV_MAX_PAYLOAD);
    int buckets = 0;
    for (size_t b = ENV_PAD_MIN; b <= ENV_PAD_MAX; b <<= 1, buckets++) {
        size_t lens[2] = {b == ENV_PAD_MIN ? 0 : b / 2 - 3, b - 4};
        for (int k = 0; k < 2; k++) {
            size_t n = lens[k];
            ecies_route r, got;
            make_route(&r);
            zk_buf env, pt;
            zk_buf_init(&env, ENV_MAX_LEN);
            zk_buf_init(&pt, ENV_MAX_PAYLOAD);
            CHECK_OK(env_seal(&env, &r, (const uint8_t(*)[65])pub, 2, msg, n));
            CHECK_EQ(env.len, ENV_HEADER_LEN + 2 * ENV_SLOT_LEN + ECIES_SEAL_OVERHEAD + b);
            for (size_t who = 0; who < 2; who++) {
                size_t slot = 99;
                zk_buf_reset(&pt);
                CHECK_OK(env_open(&pt, &got, &slot, sk[who], &r, env.data, env.len));
                CHECK(pt.len == n && (n == 0 || memcmp(pt.data, msg, n) == 0));
                CHECK_EQ(slot, who);
                CHECK(got.sequence == r.sequence && memcmp(got.leaf, r.leaf, 32) == 0);
            }
            zk_buf_free(&env);
            zk_buf_free_secret(&pt);
        }
    }
    CHECK_EQ(buckets, 13);
    free(msg);
}

static void test_envelope_failures(void)
{
    uint8_t sk[3][32], pub[3][65];
    for (int i = 0; i < 3; i++)
        CHECK_OK(ecies_keygen(sk[i], pub[i]));
    ecies_route r, other;
    make_route(&r);
    other = r;
    other.sequence ^= 1;
    uint8_t msg[40];
    t_rand_bytes(msg, sizeof msg);
    zk_buf env, pt;
    zk_buf_init(&env, ENV_MAX_LEN);
    zk_buf_init(&pt, ENV_MAX_PAYLOAD);
    CHECK_OK(env_seal(&env, &r, (const uint8_t(*)[65])pub, 2, msg, sizeof msg));
    CHECK_ERR(env_open(&pt, NULL, NULL, sk[2], NULL, env.data, env.len), ZK_ERR_DECRYPT);
    CHECK(strstr(zk_err_detail(), "no recipient slot") != NULL);
    CHECK_ERR(env_open(&pt, NULL, NULL, sk[0], &other, env.data, env.len), ZK_ERR_DECRYPT);
    CHECK(strstr(zk_err_detail(), "route") != NULL);
    CHECK(pt.len == 0);

    /* Every flipped byte: framing, route, slots and body are all covered. */
    int all_fail = 1;
    for (size_t i = 0; i < env.len; i++) {
        uint8_t bit = (uint8_t)(1u << (t_rand() % 8));
        env.data[i] ^= bit;
        int rc = env_open(&pt, NULL, NULL, sk[1], NULL, env.data, env.len);
        if (rc == ZK_OK || pt.len != 0 || zk_err_detail()[0] == 0) {
            all_fail = 0;
            fprintf(stderr, "flip of envelope byte %zu: rc %d\n", i, rc);
        }
        env.data[i] ^= bit;
    }
    CHECK(all_fail);
    for (size_t n = 0; n < env.len; n += 1 + n / 64)
        CHECK(env_open(&pt, NULL, NULL, sk[0], NULL, env.data, n) != ZK_OK);
    CHECK_ERR(env_open(&pt, NULL, NULL, sk[0], NULL, env.data, env.len - 1), ZK_ERR_PARSE);
    CHECK_OK(zk_buf_push(&env, 0));
    CHECK_ERR(env_open(&pt, NULL, NULL, sk[0], NULL, env.data, env.len), ZK_ERR_PARSE);
    env.len--;
    CHECK(pt.len == 0);

    /* Framing errors name what was wrong. */
    env.data[4] = 2;
    CHECK_ERR(env_parse(env.data, env.len, NULL, NULL), ZK_ERR_UNSUPPORTED);
    env.data[4] = ENV_VERSION;
    env.data[5] = 0;
    CHECK_ERR(env_parse(env.data, env.len, NULL, NULL), ZK_ERR_PARSE);
    env.data[5] = ENV_MAX_RECIPIENTS + 1;
    CHECK_ERR(env_parse(env.data, env.len, NULL, NULL), ZK_ERR_PARSE);
    env.data[5] = 2;
    CHECK_OK(env_parse(env.data, env.len, NULL, NULL));

    /* Recipients: 1..ENV_MAX_RECIPIENTS, each on the curve. */
    uint8_t many[ENV_MAX_RECIPIENTS + 1][65];
    for (int i = 0; i <= ENV_MAX_RECIPIENTS; i++)
        memcpy(many[i], pub[i % 3], 65);
    zk_buf e2;
    zk_buf_init(&e2, ENV_MAX_LEN);
    CHECK_ERR(env_seal(&e2, &r, (const uint8_t(*)[65])many, 0, msg, 1), ZK_ERR_INVALID_ARG);
    CHECK_ERR(env_seal(&e2, &r, (const uint8_t(*)[65])many, ENV_MAX_RECIPIENTS + 1, msg, 1),
              ZK_ERR_INVALID_ARG);
    CHECK_OK(env_seal(&e2, &r, (const uint8_t(*)[65])many, ENV_MAX_RECIPIENTS, msg, 1));
    many[0][10] ^= 1;
    zk_buf_reset(&e2);
    CHECK_ERR(env_seal(&e2, &r, (const uint8_t(*)[65])many, 1, msg, 1), ZK_ERR_INVALID_ARG);
    CHECK(e2.len == 0);
    zk_buf_free(&e2);
    zk_buf_free(&env);
    zk_buf_free_secret(&pt);
}

static void test_viewing_keys(void)
{
    uint8_t master[32], vsk[32], vpub[65], vsk2[32], vpub2[65];
    t_rand_bytes(master, sizeof master);
    CHECK_OK(vk_derive(vsk, vpub, master));
    CHECK_OK(vk_derive(vsk2, vpub2, master));
    CHECK_MEM(vsk, vsk2, 32);
    CHECK(memcmp(vsk, master, 32) != 0);
    master[0] ^= 1;
    CHECK_OK(vk_derive(vsk2, vpub2, master));
    CHECK(memcmp(vsk, vsk2, 32) != 0);

    uint8_t asks[32], apub[65];
    CHECK_OK(ecies_keygen(asks, apub));
    uint8_t pubs[2][65];
    memcpy(pubs[0], vpub, 65);
    memcpy(pubs[1], apub, 65);
    ecies_route r1, r2;
    make_route(&r1);
    make_route(&r2);
    zk_buf e1, e2, pt;
    zk_buf_init(&e1, ENV_MAX_LEN);
    zk_buf_init(&e2, ENV_MAX_LEN);
    zk_buf_init(&pt, ENV_MAX_PAYLOAD);
    CHECK_OK(env_seal(&e1, &r1, (const uint8_t(*)[65])pubs, 2, (const uint8_t *)"first", 5));
    CHECK_OK(env_seal(&e2, &r2, (const uint8_t(*)[65])pubs, 2, (const uint8_t *)"second", 6));

    /* The per-message key of slot 0 opens its own message only. */
    uint8_t k1[32], k2[32];
    CHECK_OK(vk_message_key(k1, vsk, e1.data, e1.len, 0));
    CHECK_OK(vk_message_key(k2, vsk, e2.data, e2.len, 0));
    CHECK(memcmp(k1, k2, 32) != 0);
    CHECK_OK(env_open_with_key(&pt, NULL, 0, k1, e1.data, e1.len));
    CHECK(pt.len == 5 && memcmp(pt.data, "first", 5) == 0);
    zk_buf_reset(&pt);
    CHECK_ERR(env_open_with_key(&pt, NULL, 0, k1, e2.data, e2.len), ZK_ERR_DECRYPT);
    CHECK_ERR(env_open_with_key(&pt, NULL, 1, k1, e1.data, e1.len), ZK_ERR_DECRYPT);
    CHECK_ERR(env_open_with_key(&pt, NULL, 2, k1, e1.data, e1.len), ZK_ERR_RANGE);
    CHECK_ERR(vk_message_key(k2, vsk, e1.data, e1.len, 2), ZK_ERR_RANGE);
    /* The auditor's slot opens with the auditor's key; the two slots differ. */
    CHECK_OK(vk_message_key(k2, asks, e1.data, e1.len, 1));
    CHECK(memcmp(k1, k2, 32) != 0);
    CHECK_OK(env_open_with_key(&pt, NULL, 1, k2, e1.data, e1.len));
    CHECK(pt.len == 5);
    /* A plain ECIES key of the same ephemeral point (eciesjs KDF, empty info) is not
     * the per-message key: the label and message id are bound in. */
    uint8_t plain[32];
    CHECK_OK(ecies_decapsulate(plain, e1.data + ENV_HEADER_LEN, vsk, NULL, 0));
    CHECK(memcmp(plain, k1, 32) != 0);
    zk_buf_free(&e1);
    zk_buf_free(&e2);
    zk_buf_free_secret(&pt);
}

int main(void)
{
    t_seed();
    test_kat();
    test_keys();
    test_round_trip();
    test_mutations();
    test_padding();
    test_envelope_buckets();
    test_envelope_failures();
    test_viewing_keys();
    return t_report("test_ecies");
}
