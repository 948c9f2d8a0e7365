/* Tests for common/secp: ethereum.json key-to-address vectors (EIP-55 exact), the
 * EIP-55 examples, sign/recover round trips, tampered signatures, invalid keys. */
#include <jansson.h>
#include <pthread.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/keccak.h"
#include "common/secp.h"
#include "tests/test.h"

/* The group order n of secp256k1 (SEC 2, section 2.4.1) and n/2 rounded down. */
static const uint8_t k_n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
static const uint8_t k_half_n[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

/* out = a - b for 256-bit big-endian numbers (a >= b). */
static void sub256(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = a[i] - b[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

static void test_vectors_file(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/ethereum.json", t_vectors_dir());
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    CHECK_MSG(root != NULL, "%s: %s", path, jerr.text);
    if (!root)
        return;
    json_t *list = json_object_get(root, "secp256k1_private_key_to_address");
    CHECK(json_is_array(list) && json_array_size(list) >= 3);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *key = json_string_value(json_object_get(v, "private_key"));
        const char *want = json_string_value(json_object_get(v, "address"));
        CHECK(key && want);
        if (!key || !want)
            continue;
        uint8_t priv[32], addr[20], parsed[20];
        char got[ETH_ADDRESS_STR_LEN];
        CHECK_OK(zk_hex_decode_exact(priv, 32, key, strlen(key)));
        CHECK_OK(eth_address_from_priv(priv, addr));
        eth_address_checksum(addr, got);
        CHECK_MSG(strcmp(got, want) == 0, "key %zu: got %s, want %s", i, got, want);
        CHECK_OK(eth_address_parse(want, parsed));
        CHECK_MEM(parsed, addr, 20);
        /* the same address through the public key, both encodings */
        uint8_t pub64[64], pub33[33], back[64];
        CHECK_OK(ecc_pubkey(priv, pub64, pub33));
        CHECK_OK(ecc_pubkey_parse(pub33, 33, back));
        CHECK_MEM(back, pub64, 64);
        CHECK(pub33[0] == (uint8_t)(2 + (pub64[63] & 1)));
        CHECK_MEM(pub33 + 1, pub64, 32);
        uint8_t h[32];
        zk_keccak256(h, pub64, 64);
        CHECK_MEM(h + 12, addr, 20);
    }
    json_decref(root);
}

/* Test cases listed in EIP-55 itself: each is its own checksummed form. */
static void test_eip55_examples(void)
{
    static const char *const ex[] = {
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        uint8_t a[20];
        char out[ETH_ADDRESS_STR_LEN];
        CHECK_OK(eth_address_parse(ex[i], a));
        eth_address_checksum(a, out);
        CHECK_MSG(strcmp(out, ex[i]) == 0, "%s became %s", ex[i], out);
    }
    /* mixed case with one letter's case flipped fails, naming the position */
    char bad[ETH_ADDRESS_STR_LEN];
    strcpy(bad, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    bad[3] = 'A';
    uint8_t a[20];
    CHECK_ERR(eth_address_parse(bad, a), ZK_ERR_PARSE);
    CHECK(strstr(zk_err_detail(), "checksum mismatch at position 3") != NULL);
    /* the same address all lower or all upper is accepted */
    char low[ETH_ADDRESS_STR_LEN], up[ETH_ADDRESS_STR_LEN];
    strcpy(low, bad);
    strcpy(up, bad);
    for (int i = 2; i < 42; i++) {
        if (low[i] >= 'A' && low[i] <= 'F')
            low[i] = (char)(low[i] - 'A' + 'a');
        if (up[i] >= 'a' && up[i] <= 'f')
            up[i] = (char)(up[i] - 'a' + 'A');
    }
    uint8_t a1[20], a2[20];
    CHECK_OK(eth_address_parse(low, a1));
    CHECK_OK(eth_address_parse(up, a2));
    CHECK_MEM(a1, a2, 20);
    /* shape errors */
    CHECK_ERR(eth_address_parse("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00", a), ZK_ERR_PARSE);
    CHECK_ERR(eth_address_parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae", a), ZK_ERR_PARSE);
    CHECK_ERR(eth_address_parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed0", a), ZK_ERR_PARSE);
    CHECK_ERR(eth_address_parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", a), ZK_ERR_PARSE);
    CHECK(strstr(zk_err_detail(), "position 41") != NULL);
    CHECK_ERR(eth_address_parse("", a), ZK_ERR_PARSE);
}

static void test_invalid_keys(void)
{
    uint8_t k[32], pub[64], sig[65], h[32] = {1};
    memset(k, 0, 32);
    CHECK_ERR(ecc_seckey_check(k), ZK_ERR_RANGE);
    CHECK_ERR(ecc_pubkey(k, pub, NULL), ZK_ERR_RANGE);
    CHECK_ERR(ecc_sign_recoverable(k, h, sig), ZK_ERR_RANGE);
    memcpy(k, k_n, 32); /* n */
    CHECK_ERR(ecc_seckey_check(k), ZK_ERR_RANGE);
    CHECK_ERR(ecc_pubkey(k, pub, NULL), ZK_ERR_RANGE);
    CHECK_ERR(ecc_sign_recoverable(k, h, sig), ZK_ERR_RANGE);
    k[31]++; /* n + 1 */
    CHECK_ERR(ecc_seckey_check(k), ZK_ERR_RANGE);
    memset(k, 0xff, 32);
    CHECK_ERR(ecc_seckey_check(k), ZK_ERR_RANGE);
    uint8_t addr[20];
    CHECK_ERR(eth_address_from_priv(k, addr), ZK_ERR_RANGE);
    memcpy(k, k_n, 32);
    k[31]--; /* n - 1 is the largest valid key */
    CHECK_OK(ecc_seckey_check(k));
    CHECK_OK(ecc_pubkey(k, pub, NULL));
    /* n - 1 = -1, so its public key is -G: G's x with the other y parity */
    uint8_t one[32] = {0}, g[64];
    one[31] = 1;
    CHECK_OK(ecc_pubkey(one, g, NULL));
    CHECK_MEM(pub, g, 32);
    CHECK(memcmp(pub + 32, g + 32, 32) != 0);
    /* public key parsing */
    uint8_t bad[65];
    memset(bad, 0, sizeof bad);
    bad[0] = 4;
    CHECK_ERR(ecc_pubkey_parse(bad, 65, pub), ZK_ERR_PARSE);
    CHECK_ERR(ecc_pubkey_parse(bad, 64, pub), ZK_ERR_PARSE);
    CHECK_ERR(ecc_pubkey_parse(bad, 32, pub), ZK_ERR_PARSE);
    bad[0] = 6;
    memcpy(bad + 1, g, 64);
    CHECK_ERR(ecc_pubkey_parse(bad, 65, pub), ZK_ERR_PARSE);
    bad[0] = 4;
    CHECK_OK(ecc_pubkey_parse(bad, 65, pub));
    CHECK_MEM(pub, g, 64);
    CHECK_OK(ecc_pubkey_parse(g, 64, pub));
}

static void test_sign_recover(void)
{
    for (int iter = 0; iter < 200; iter++) {
        uint8_t priv[32], pub[64], hash[32], sig[65], rec[64], sig2[65];
        if (iter % 2) {
            CHECK_OK(ecc_keygen(priv));
        } else {
            t_rand_bytes(priv, 32);
            if (ecc_seckey_check(priv) != ZK_OK)
                continue;
        }
        t_rand_bytes(hash, 32);
        CHECK_OK(ecc_pubkey(priv, pub, NULL));
        CHECK_OK(ecc_sign_recoverable(priv, hash, sig));
        CHECK(sig[64] <= 1);
        CHECK(memcmp(sig + 32, k_half_n, 32) <= 0); /* low s */
        CHECK_OK(ecc_recover(hash, sig, rec));
        CHECK_MEM(rec, pub, 64);
        /* deterministic nonces: the same input signs the same way */
        CHECK_OK(ecc_sign_recoverable(priv, hash, sig2));
        CHECK_MEM(sig, sig2, 65);

        /* the wrong v recovers another key (or nothing) */
        memcpy(sig2, sig, 65);
        sig2[64] ^= 1;
        int rc = ecc_recover(hash, sig2, rec);
        CHECK(rc == ZK_ERR_SIGNATURE || (rc == ZK_OK && memcmp(rec, pub, 64) != 0));
        /* v outside {0, 1} is refused */
        sig2[64] = (uint8_t)(2 + t_rand() % 254);
        CHECK_ERR(ecc_recover(hash, sig2, rec), ZK_ERR_SIGNATURE);
        /* any flipped bit of r or s, or of the hash, never recovers the signer */
        memcpy(sig2, sig, 65);
        size_t pos = t_rand() % 64;
        sig2[pos] ^= (uint8_t)(1u << (t_rand() % 8));
        rc = ecc_recover(hash, sig2, rec);
        CHECK_MSG(rc == ZK_ERR_SIGNATURE || (rc == ZK_OK && memcmp(rec, pub, 64) != 0),
                  "flip at byte %zu", pos);
        uint8_t h2[32];
        memcpy(h2, hash, 32);
        h2[t_rand() % 32] ^= (uint8_t)(1u << (t_rand() % 8));
        rc = ecc_recover(h2, sig, rec);
        CHECK(rc == ZK_ERR_SIGNATURE || (rc == ZK_OK && memcmp(rec, pub, 64) != 0));
        /* the malleated twin (r, n - s, 1 - v) is valid ECDSA but refused */
        memcpy(sig2, sig, 65);
        sub256(sig2 + 32, k_n, sig + 32);
        sig2[64] ^= 1;
        CHECK_ERR(ecc_recover(hash, sig2, rec), ZK_ERR_SIGNATURE);
        CHECK(strstr(zk_err_detail(), "upper half") != NULL);
    }
    /* r or s out of range, and zero */
    uint8_t sig[65] = {0}, hash[32] = {7}, rec[64];
    CHECK_ERR(ecc_recover(hash, sig, rec), ZK_ERR_SIGNATURE);
    memcpy(sig, k_n, 32);
    sig[63] = 1;
    CHECK_ERR(ecc_recover(hash, sig, rec), ZK_ERR_SIGNATURE);
    /* random junk never crashes */
    for (int i = 0; i < 500; i++) {
        t_rand_bytes(sig, 65);
        sig[64] &= 1;
        int rc = ecc_recover(hash, sig, rec);
        CHECK(rc == ZK_OK || rc == ZK_ERR_SIGNATURE);
    }
}

/* Several threads make the first calls at once: the shared context must be
 * created exactly once and then be safe to use concurrently. */
static void *thread_body(void *arg)
{
    int *bad = arg;
    for (int i = 0; i < 50; i++) {
        uint8_t priv[32], pub[64], rec[64], sig[65], hash[32];
        memset(hash, i, sizeof hash);
        if (ecc_keygen(priv) || ecc_pubkey(priv, pub, NULL) ||
            ecc_sign_recoverable(priv, hash, sig) || ecc_recover(hash, sig, rec) ||
            memcmp(pub, rec, 64) != 0)
            (*bad)++;
    }
    return NULL;
}

static void test_threads_first_use(void)
{
    pthread_t th[4];
    int bad[4] = {0};
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&th[i], NULL, thread_body, &bad[i]) == 0);
    for (int i = 0; i < 4; i++) {
        CHECK(pthread_join(th[i], NULL) == 0);
        CHECK_EQ(bad[i], 0);
    }
}

int main(void)
{
    t_seed();
    test_threads_first_use();
    test_vectors_file();
    test_eip55_examples();
    test_invalid_keys();
    test_sign_recover();
    return t_report("test_secp");
}
