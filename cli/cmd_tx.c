/* zkgate tx decode|sign: Ethereum transactions as the chain node will accept them.
 * decode shows what a raw transaction says and who signed it; sign makes one with
 * a key file (the devnet's accounts, tests, scripts). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chains/tx.h"
#include "cli/cli.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/keyfile.h"
#include "common/secp.h"

static void usage(void)
{
    printf("usage: zkgate tx decode RAWHEX\n"
           "       zkgate tx sign --key FILE --chain-id N --nonce N [--to ADDRESS]\n"
           "                      [--value WEI] [--type 2|0] [--gas N] [--max-fee WEI]\n"
           "                      [--tip WEI] [--data HEX]\n\n"
           "decode  checks a raw transaction (legacy with EIP-155, or EIP-1559) strictly,\n"
           "        recovers its sender and prints it as JSON.\n"
           "sign    signs a transaction with the key in FILE (see `zkgate keygen`) and\n"
           "        prints the raw transaction as 0x-hex. Defaults: type 2, gas 21000,\n"
           "        max fee 1 gwei, tip 0, value 0, no data; without --to it creates a\n"
           "        contract. For type 0, --max-fee is the gas price.\n"
           "Numbers are decimal or 0x hex; --value up to 2^256 - 1, the others up to\n"
           "2^64 - 1.\n");
}

static int decode(const char *hex)
{
    zk_buf raw;
    zk_buf_init(&raw, TX_MAX_RAW);
    int rc = zk_hex_decode_buf(&raw, hex, strlen(hex));
    if (rc) {
        zk_buf_free(&raw);
        return cli_usage("tx", "RAWHEX: %s", zk_err_detail());
    }
    eth_tx tx;
    rc = tx_decode(raw.data, raw.len, &tx);
    if (rc) {
        zk_buf_free(&raw);
        return cli_fail("tx", rc);
    }
    char from[ETH_ADDRESS_STR_LEN], to[ETH_ADDRESS_STR_LEN], hash[67], value[67], fee[67], tip[67];
    char *data = malloc(tx.data_len * 2 + 3);
    if (!data) {
        zk_buf_free(&raw);
        return cli_fail("tx", zk_err_set(ZK_ERR_NOMEM, "printing data"));
    }
    eth_address_checksum(tx.sender, from);
    if (tx.has_to)
        eth_address_checksum(tx.to, to);
    zk_hex_encode(hash, tx.hash, 32, 1);
    zk_hex_encode(data, tx.data, tx.data_len, 1);
    u256_to_quantity(&tx.value, value);
    u256_to_quantity(&tx.gas_price, fee);
    u256_to_quantity(&tx.max_priority_fee, tip);
    printf("{\"type\": %d, \"hash\": \"%s\", \"from\": \"%s\", \"to\": %s%s%s, "
           "\"chainId\": %llu, \"nonce\": %llu, \"gas\": %llu, \"%s\": \"%s\", "
           "\"maxPriorityFeePerGas\": \"%s\", \"value\": \"%s\", \"data\": \"%s\", "
           "\"accessListEntries\": %zu}\n",
           (int)tx.type, hash, from, tx.has_to ? "\"" : "", tx.has_to ? to : "null",
           tx.has_to ? "\"" : "", (unsigned long long)tx.chain_id, (unsigned long long)tx.nonce,
           (unsigned long long)tx.gas_limit, tx.type == TX_LEGACY ? "gasPrice" : "maxFeePerGas",
           fee, tip, value, data, tx.access_entries);
    free(data);
    zk_buf_free(&raw);
    return CLI_EXIT_OK;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (s[0] == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (!*s || *end || errno)
        return -1;
    *out = v;
    return 0;
}

static int sign(int argc, char **argv)
{
    tx_fields f = {.type = TX_EIP1559, .gas_limit = 21000, .gas_price = 1000000000ull};
    const char *key_path = NULL, *data_hex = NULL;
    int have_chain = 0, have_nonce = 0;
    const char *value = "0";
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            return cli_usage("tx", "%s needs a value", a);
        const char *v = argv[++i];
        uint64_t n = 0;
        int is_num =
            strcmp(a, "--key") && strcmp(a, "--to") && strcmp(a, "--data") && strcmp(a, "--value");
        if (is_num && parse_u64(v, &n))
            return cli_usage("tx", "%s: '%s' is not a number in 0..2^64-1", a, v);
        if (!strcmp(a, "--key")) {
            key_path = v;
        } else if (!strcmp(a, "--to")) {
            if (eth_address_parse(v, f.to))
                return cli_usage("tx", "--to: %s", zk_err_detail());
            f.has_to = 1;
        } else if (!strcmp(a, "--data")) {
            data_hex = v;
        } else if (!strcmp(a, "--chain-id")) {
            f.chain_id = n;
            have_chain = 1;
        } else if (!strcmp(a, "--nonce")) {
            f.nonce = n;
            have_nonce = 1;
        } else if (!strcmp(a, "--value")) {
            value = v;
        } else if (!strcmp(a, "--type")) {
            if (n != 0 && n != 2)
                return cli_usage("tx", "--type must be 0 (legacy) or 2 (EIP-1559)");
            f.type = n == 2 ? TX_EIP1559 : TX_LEGACY;
        } else if (!strcmp(a, "--gas")) {
            f.gas_limit = n;
        } else if (!strcmp(a, "--max-fee")) {
            f.gas_price = n;
        } else if (!strcmp(a, "--tip")) {
            f.max_priority_fee = n;
        } else {
            return cli_usage("tx", "unknown option '%s'", a);
        }
    }
    if (!key_path || !have_chain || !have_nonce)
        return cli_usage("tx", "sign needs --key, --chain-id and --nonce");
    if (u256_parse(value, &f.value))
        return cli_usage("tx", "--value: %s", zk_err_detail());
    zk_buf data, raw;
    zk_buf_init(&data, TX_MAX_RAW);
    zk_buf_init(&raw, TX_MAX_RAW + 1024);
    if (data_hex && zk_hex_decode_buf(&data, data_hex, strlen(data_hex))) {
        zk_buf_free(&data);
        return cli_usage("tx", "--data: %s", zk_err_detail());
    }
    f.data = data.data;
    f.data_len = data.len;
    uint8_t key[32];
    int rc = zk_keyfile_read(key_path, key);
    if (!rc)
        rc = tx_sign(&f, key, &raw);
    OPENSSL_cleanse(key, sizeof key);
    if (!rc) {
        char *out = malloc(raw.len * 2 + 3);
        if (!out) {
            rc = zk_err_set(ZK_ERR_NOMEM, "printing the transaction");
        } else {
            zk_hex_encode(out, raw.data, raw.len, 1);
            printf("%s\n", out);
            free(out);
        }
    }
    zk_buf_free(&data);
    zk_buf_free(&raw);
    return rc ? cli_fail("tx", rc) : CLI_EXIT_OK;
}

int cmd_tx(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    if (argc >= 2 && !strcmp(argv[1], "decode")) {
        if (argc != 3)
            return cli_usage("tx", "expected: tx decode RAWHEX");
        return decode(argv[2]);
    }
    if (argc >= 2 && !strcmp(argv[1], "sign"))
        return sign(argc, argv);
    return cli_usage("tx", "expected decode or sign");
}
