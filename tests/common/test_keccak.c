/* Tests for common/keccak: known answers from ethereum.json and the ERC-20 ABI,
 * the permutation checked against OpenSSL's SHA3-256 (same Keccak-f[1600] and rate,
 * different padding), and the library's block-wise sponge checked against a
 * byte-at-a-time sponge written here. */
#include <jansson.h>
#include <openssl/evp.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/keccak.h"
#include "tests/test.h"

/* A deliberately simple sponge over zk_keccak_f1600: one byte at a time, padding
 * byte chosen by the caller (0x01 Keccak-256, 0x06 SHA3-256). */
static void slow_sponge(uint8_t out[32], const uint8_t *p, size_t n, uint8_t pad)
{
    uint64_t s[25] = {0};
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        s[pos / 8] ^= (uint64_t)p[i] << (8 * (pos % 8));
        if (++pos == ZK_KECCAK256_RATE) {
            zk_keccak_f1600(s);
            pos = 0;
        }
    }
    s[pos / 8] ^= (uint64_t)pad << (8 * (pos % 8));
    s[(ZK_KECCAK256_RATE - 1) / 8] ^= (uint64_t)0x80 << (8 * ((ZK_KECCAK256_RATE - 1) % 8));
    zk_keccak_f1600(s);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

static void openssl_sha3_256(uint8_t out[32], const uint8_t *p, size_t n)
{
    unsigned int len = 0;
    int ok = EVP_Digest(p, n, out, &len, EVP_sha3_256(), NULL);
    CHECK(ok == 1 && len == 32);
}

static void check_hex_digest(const uint8_t d[32], const char *want, const char *what)
{
    uint8_t w[32];
    CHECK_OK(zk_hex_decode_exact(w, 32, want, strlen(want)));
    CHECK_MSG(memcmp(d, w, 32) == 0, "digest of %s", what);
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
    json_t *list = json_object_get(root, "keccak256");
    CHECK(json_is_array(list) && json_array_size(list) >= 2);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *in = json_string_value(json_object_get(v, "input_utf8"));
        const char *want = json_string_value(json_object_get(v, "hash"));
        CHECK(in && want);
        if (!in || !want)
            continue;
        uint8_t d[32];
        zk_keccak256(d, in, strlen(in));
        check_hex_digest(d, want, in);
        /* the same input through the incremental interface, byte by byte */
        zk_keccak k;
        zk_keccak_init(&k);
        for (size_t j = 0; in[j]; j++)
            zk_keccak_update(&k, in + j, 1);
        uint8_t d2[32];
        zk_keccak_final(&k, d2);
        CHECK_MEM(d, d2, 32);
    }
    json_decref(root);
}

/* Function selectors and event topics of the ERC-20 ABI (EIP-20), which every
 * Ethereum tool reproduces: keccak256 of the canonical signature. */
static void test_erc20_abi(void)
{
    uint8_t d[32];
    const char *t = "Transfer(address,address,uint256)";
    zk_keccak256(d, t, strlen(t));
    check_hex_digest(d, "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", t);
    static const struct {
        const char *sig;
        uint8_t sel[4];
    } sels[] = {
        {"transfer(address,uint256)", {0xa9, 0x05, 0x9c, 0xbb}},
        {"balanceOf(address)", {0x70, 0xa0, 0x82, 0x31}},
        {"approve(address,uint256)", {0x09, 0x5e, 0xa7, 0xb3}},
    };
    for (size_t i = 0; i < sizeof sels / sizeof sels[0]; i++) {
        zk_keccak256(d, sels[i].sig, strlen(sels[i].sig));
        CHECK_MSG(memcmp(d, sels[i].sel, 4) == 0, "selector of %s", sels[i].sig);
    }
}

/* SHA3-256 and Keccak-256 differ only in the padding byte, so a SHA3-256 built on
 * zk_keccak_f1600 that matches OpenSSL proves the permutation and the sponge's
 * block handling, including inputs of exactly one rate and of many blocks. */
static void test_permutation_against_openssl(uint8_t *big, size_t big_len)
{
    static const size_t lens[] = {0, 1, 135, 136, 137, 200, 271, 272, 273, 1000, 4096};
    uint8_t a[32], b[32];
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        slow_sponge(a, big, lens[i], 0x06);
        openssl_sha3_256(b, big, lens[i]);
        CHECK_MSG(memcmp(a, b, 32) == 0, "SHA3-256 of %zu bytes", lens[i]);
    }
    slow_sponge(a, big, big_len, 0x06);
    openssl_sha3_256(b, big, big_len);
    CHECK_MSG(memcmp(a, b, 32) == 0, "SHA3-256 of %zu bytes", big_len);
    /* and the Keccak-256 padding really differs from SHA3's */
    zk_keccak256(a, "", 0);
    openssl_sha3_256(b, (const uint8_t *)"", 0);
    CHECK(memcmp(a, b, 32) != 0);
}

static void test_long_inputs(uint8_t *big, size_t big_len)
{
    uint8_t a[32], b[32];
    /* 200 bytes of 'a' spans two blocks */
    uint8_t aa[200];
    memset(aa, 'a', sizeof aa);
    zk_keccak256(a, aa, sizeof aa);
    slow_sponge(b, aa, sizeof aa, 0x01);
    CHECK_MEM(a, b, 32);
    /* one million bytes (random) through the block-wise path */
    zk_keccak256(a, big, big_len);
    slow_sponge(b, big, big_len, 0x01);
    CHECK_MEM(a, b, 32);
    /* one million 'a' */
    memset(big, 'a', big_len);
    zk_keccak256(a, big, big_len);
    slow_sponge(b, big, big_len, 0x01);
    CHECK_MEM(a, b, 32);
}

static void test_incremental_random_splits(void)
{
    uint8_t buf[2000];
    for (int iter = 0; iter < 300; iter++) {
        size_t n = t_rand() % sizeof buf;
        t_rand_bytes(buf, n);
        uint8_t one[32], inc[32];
        zk_keccak256(one, buf, n);
        zk_keccak k;
        zk_keccak_init(&k);
        size_t off = 0;
        while (off < n) {
            size_t step = t_rand() % 300;
            if (step > n - off)
                step = n - off;
            zk_keccak_update(&k, buf + off, step);
            off += step;
        }
        zk_keccak_update(&k, NULL, 0);
        /* a copied state forks the computation */
        zk_keccak fork = k;
        zk_keccak_final(&k, inc);
        CHECK_MSG(memcmp(one, inc, 32) == 0, "length %zu", n);
        zk_keccak_final(&fork, inc);
        CHECK_MEM(one, inc, 32);
        /* final wipes the state */
        static const zk_keccak zero;
        CHECK(memcmp(&k, &zero, sizeof k) == 0);
    }
}

int main(void)
{
    t_seed();
    size_t big_len = 1000000;
    uint8_t *big = malloc(big_len);
    if (!big)
        return 1;
    t_rand_bytes(big, big_len);
    test_vectors_file();
    test_erc20_abi();
    test_permutation_against_openssl(big, big_len);
    test_long_inputs(big, big_len);
    test_incremental_random_splits();
    free(big);
    return t_report("test_keccak");
}
