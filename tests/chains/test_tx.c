/* chains/tx: the EIP-155 example from the EIP itself, sign/decode round trips of
 * both types, every kind of bad transaction, and a mutation loop (every byte of a
 * valid transaction flipped: rejected or a different transaction, never a crash). */
#include "chains/tx.h"
#include "common/error.h"
#include "common/secp.h"
#include "tests/test.h"

static void hex(zk_buf *b, const char *h)
{
    zk_buf_init(b, 1 << 20);
    int rc = zk_hex_decode_buf(b, h, strlen(h));
    CHECK_OK(rc);
}

/* EIP-155, "Example": private key 0x4646...46, nonce 9, gas price 20 gwei, gas
 * 21000, to 0x3535...35, value 10^18, chain id 1. The EIP gives the signing hash
 * and the signed transaction; RFC 6979 makes our signature the same bytes. */
static void test_eip155_example(void)
{
    uint8_t key[32];
    memset(key, 0x46, 32);
    tx_fields f = {.type = TX_LEGACY,
                   .chain_id = 1,
                   .nonce = 9,
                   .gas_price = 20000000000ull,
                   .gas_limit = 21000,
                   .has_to = 1};
    memset(f.to, 0x35, 20);
    u256_from_u64(&f.value, 1000000000000000000ull);
    zk_buf raw;
    zk_buf_init(&raw, 4096);
    CHECK_OK(tx_sign(&f, key, &raw));
    zk_buf want;
    hex(&want, "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640"
               "0008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9"
               "d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
    CHECK_EQ(raw.len, want.len);
    CHECK(raw.len == want.len && memcmp(raw.data, want.data, raw.len) == 0);

    eth_tx tx;
    CHECK_OK(tx_decode(want.data, want.len, &tx));
    zk_buf sh;
    hex(&sh, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    CHECK_MEM(tx.signing_hash, sh.data, 32);
    uint8_t addr[20];
    CHECK_OK(eth_address_from_priv(key, addr));
    CHECK_MEM(tx.sender, addr, 20);
    CHECK_EQ(tx.chain_id, 1);
    CHECK_EQ(tx.nonce, 9);
    CHECK_EQ(tx.gas_limit, 21000);
    CHECK_EQ(tx.type, TX_LEGACY);
    uint64_t v;
    CHECK(u256_to_u64(&tx.value, &v) && v == 1000000000000000000ull);
    char q[67];
    u256_to_quantity(&tx.gas_price, q);
    CHECK(strcmp(q, "0x4a817c800") == 0);
    zk_buf_free(&raw);
    zk_buf_free(&want);
    zk_buf_free(&sh);
}

static void random_fields(tx_fields *f, uint8_t *data, size_t cap)
{
    memset(f, 0, sizeof *f);
    f->type = (t_rand() & 1) ? TX_EIP1559 : TX_LEGACY;
    f->chain_id = 1 + t_rand() % 100000;
    f->nonce = t_rand() % 3 ? t_rand() % 1000 : t_rand();
    f->gas_price = 1 + t_rand() % 100000000000ull;
    f->max_priority_fee = t_rand() % (f->gas_price + 1);
    f->gas_limit = 21000 + t_rand() % 1000000;
    f->has_to = (t_rand() % 8) != 0;
    t_rand_bytes(f->to, 20);
    t_rand_bytes(f->value.b + 16, 16);
    f->data_len = t_rand() % cap;
    t_rand_bytes(data, f->data_len);
    f->data = data;
}

static void test_round_trips(void)
{
    uint8_t key[32], addr[20], data[300];
    for (int i = 0; i < 200; i++) {
        tx_fields f;
        random_fields(&f, data, sizeof data);
        CHECK_OK(ecc_keygen(key));
        CHECK_OK(eth_address_from_priv(key, addr));
        zk_buf raw;
        zk_buf_init(&raw, 4096);
        CHECK_OK(tx_sign(&f, key, &raw));
        eth_tx tx;
        CHECK_OK(tx_decode(raw.data, raw.len, &tx));
        CHECK_MEM(tx.sender, addr, 20);
        CHECK_EQ(tx.type, f.type);
        CHECK(tx.chain_id == f.chain_id && tx.nonce == f.nonce && tx.gas_limit == f.gas_limit);
        CHECK(tx.has_to == f.has_to && (!f.has_to || memcmp(tx.to, f.to, 20) == 0));
        CHECK_MEM(tx.value.b, f.value.b, 32);
        CHECK(tx.data_len == f.data_len && memcmp(tx.data, data, f.data_len) == 0);
        uint64_t fee;
        CHECK(u256_to_u64(&tx.gas_price, &fee) && fee == f.gas_price);
        if (f.type == TX_EIP1559)
            CHECK(u256_to_u64(&tx.max_priority_fee, &fee) && fee == f.max_priority_fee);
        zk_buf_free(&raw);
    }
}

static void test_mutations(void)
{
    uint8_t key[32], data[40];
    for (int type = 0; type < 2; type++) {
        tx_fields f;
        random_fields(&f, data, sizeof data);
        f.type = type ? TX_EIP1559 : TX_LEGACY;
        CHECK_OK(ecc_keygen(key));
        zk_buf raw;
        zk_buf_init(&raw, 4096);
        CHECK_OK(tx_sign(&f, key, &raw));
        eth_tx good;
        CHECK_OK(tx_decode(raw.data, raw.len, &good));
        size_t accepted = 0;
        for (size_t i = 0; i < raw.len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                raw.data[i] ^= (uint8_t)(1u << bit);
                eth_tx t;
                if (tx_decode(raw.data, raw.len, &t) == ZK_OK) {
                    /* a flip in a field may still decode, but never as the same
                     * transaction from the same sender */
                    accepted++;
                    CHECK(memcmp(t.hash, good.hash, 32) != 0);
                    CHECK(memcmp(t.sender, good.sender, 20) != 0 ||
                          memcmp(t.signing_hash, good.signing_hash, 32) != 0);
                }
                raw.data[i] ^= (uint8_t)(1u << bit);
            }
        }
        printf("type %d: %zu of %zu single-bit flips decoded (to other senders)\n", type, accepted,
               raw.len * 8);
        /* every truncation and every extension is rejected */
        for (size_t n = 0; n < raw.len; n++) {
            eth_tx t;
            CHECK(tx_decode(raw.data, n, &t) != ZK_OK);
        }
        CHECK_OK(zk_buf_push(&raw, 0));
        eth_tx t;
        CHECK_ERR(tx_decode(raw.data, raw.len, &t), ZK_ERR_PARSE);
        zk_buf_free(&raw);
    }
}

static void expect(const char *hexraw, int code, const char *want)
{
    zk_buf b;
    hex(&b, hexraw);
    eth_tx t;
    int rc = tx_decode(b.data, b.len, &t);
    CHECK_MSG(rc == code, "%s: rc %d want %d (%s)", hexraw, rc, code, zk_err_detail());
    CHECK_MSG(strstr(zk_err_detail(), want) != NULL, "detail '%s' lacks '%s'", zk_err_detail(),
              want);
    zk_buf_free(&b);
}

static void test_bad(void)
{
    /* the EIP-155 example with v = 27 (no replay protection) */
    expect("f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
           "801ba028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f"
           "761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83",
           ZK_ERR_UNSUPPORTED, "EIP-155");
    expect("01c0", ZK_ERR_UNSUPPORTED, "transaction type not supported");
    expect("03c0", ZK_ERR_UNSUPPORTED, "transaction type not supported");
    expect("", ZK_ERR_PARSE, "too short");
    expect("02", ZK_ERR_PARSE, "too short");
    expect("8180", ZK_ERR_PARSE, "byte string");
    expect("c0", ZK_ERR_PARSE, "0 fields, expected 9");
    expect("02c0", ZK_ERR_PARSE, "0 fields, expected 12");
    /* a nonce with a leading zero byte */
    expect("cb8200018080808080258080", ZK_ERR_PARSE, "nonce");
    /* a 19-byte "to" */
    expect("dc80808093000000000000000000000000000000000000008080258080", ZK_ERR_PARSE, "'to'");
    /* r = 0 */
    expect("c9808080808080258080", ZK_ERR_SIGNATURE, "invalid sender");
    /* high s: the EIP-155 example with s replaced by n - s */
    expect("f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
           "8025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a0983416276680"
           "89e51348fccfb4c7ff33c564e8f2d3ec7f7b905ddef66a6b93be",
           ZK_ERR_SIGNATURE, "invalid sender");
    /* tip above fee cap */
    uint8_t key[32];
    memset(key, 7, 32);
    tx_fields f = {.type = TX_EIP1559,
                   .chain_id = 5,
                   .gas_price = 10,
                   .max_priority_fee = 11,
                   .gas_limit = 21000};
    zk_buf raw;
    zk_buf_init(&raw, 1024);
    CHECK_OK(tx_sign(&f, key, &raw));
    eth_tx t;
    CHECK_ERR(tx_decode(raw.data, raw.len, &t), ZK_ERR_PARSE);
    CHECK(strstr(zk_err_detail(), "max priority fee per gas higher") != NULL);
    zk_buf_free(&raw);
    /* oversized */
    uint8_t *big = calloc(TX_MAX_RAW + 1, 1);
    CHECK_ERR(tx_decode(big, TX_MAX_RAW + 1, &t), ZK_ERR_TOO_LARGE);
    CHECK(strstr(zk_err_detail(), "oversized data") != NULL);
    free(big);
}

static void test_u256(void)
{
    u256 a, b;
    char q[67];
    u256_from_u64(&a, 0);
    u256_to_quantity(&a, q);
    CHECK(strcmp(q, "0x0") == 0);
    u256_from_u64(&b, 255);
    u256_to_quantity(&b, q);
    CHECK(strcmp(q, "0xff") == 0);
    CHECK_EQ(u256_cmp(&a, &b), -1);
    CHECK_EQ(u256_cmp(&b, &a), 1);
    CHECK_EQ(u256_cmp(&a, &a), 0);
    memset(a.b, 0xff, 32);
    u256_to_quantity(&a, q);
    CHECK_EQ(strlen(q), 66);
    uint64_t v;
    CHECK(!u256_to_u64(&a, &v));

    /* parsing: decimal and hex agree, 2^256 - 1 fits, 2^256 does not */
    u256 x, y;
    CHECK_OK(u256_parse("1000000000000000000000", &x)); /* 1000 ether in wei */
    CHECK_OK(u256_parse("0x3635c9adc5dea00000", &y));
    CHECK_MEM(x.b, y.b, 32);
    u256_to_quantity(&x, q);
    CHECK(strcmp(q, "0x3635c9adc5dea00000") == 0);
    CHECK_OK(u256_parse(
        "115792089237316195423570985008687907853269984665640564039457584007913129639935", &x));
    CHECK_MEM(x.b, a.b, 32);
    CHECK_ERR(
        u256_parse("115792089237316195423570985008687907853269984665640564039457584007913129639936",
                   &x),
        ZK_ERR_RANGE);
    CHECK_ERR(u256_parse("0x1"
                         "0000000000000000000000000000000000000000000000000000000000000000",
                         &x),
              ZK_ERR_RANGE);
    CHECK_ERR(u256_parse("", &x), ZK_ERR_PARSE);
    CHECK_ERR(u256_parse("0x", &x), ZK_ERR_PARSE);
    CHECK_ERR(u256_parse("12a", &x), ZK_ERR_PARSE);
    CHECK_ERR(u256_parse("-1", &x), ZK_ERR_PARSE);
    CHECK_ERR(u256_parse("0xfg", &x), ZK_ERR_PARSE);
    for (int i = 0; i < 100; i++) {
        uint64_t r = t_rand();
        char d[32];
        snprintf(d, sizeof d, "%llu", (unsigned long long)r);
        CHECK_OK(u256_parse(d, &x));
        CHECK(u256_to_u64(&x, &v) && v == r);
    }
}

int main(void)
{
    t_seed();
    test_eip155_example();
    test_round_trips();
    test_mutations();
    test_bad();
    test_u256();
    return t_report("test_tx");
}
