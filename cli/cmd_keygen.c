/* zkgate keygen: create a secp256k1 key file, or show the address of one. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/keyfile.h"
#include "common/secp.h"

static void usage(void)
{
    printf("usage: zkgate keygen --out FILE\n"
           "       zkgate keygen --show-address FILE\n\n"
           "--out FILE           create a new secp256k1 private key in FILE (mode 0600; an\n"
           "                     existing file is never overwritten) and print its Ethereum\n"
           "                     address (EIP-55) and uncompressed public key\n"
           "--show-address FILE  print the address and public key of an existing key file\n"
           "                     (which must not be readable or writable by group or others)\n\n"
           "The private key itself is never printed. A key file holds 64 hex digits and a\n"
           "newline.\n");
}

static int print_identity(const uint8_t priv[ECC_SECKEY_LEN])
{
    uint8_t pub[ECC_PUB64_LEN], full[1 + ECC_PUB64_LEN], addr[ETH_ADDRESS_LEN];
    char addr_s[ETH_ADDRESS_STR_LEN], pub_s[2 * sizeof full + 3];
    int rc = ecc_pubkey(priv, pub, NULL);
    if (rc)
        return rc;
    eth_address_from_pub(pub, addr);
    eth_address_checksum(addr, addr_s);
    full[0] = 0x04;
    memcpy(full + 1, pub, ECC_PUB64_LEN);
    zk_hex_encode(pub_s, full, sizeof full, 1);
    printf("address: %s\npublic key: %s\n", addr_s, pub_s);
    return ZK_OK;
}

int cmd_keygen(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    const char *out = NULL, *show = NULL;
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        const char *a = argv[i];
        size_t nlen = 0;
        if (strncmp(a, "--out", 5) == 0 && (a[5] == '\0' || a[5] == '=')) {
            slot = &out;
            nlen = 5;
        } else if (strncmp(a, "--show-address", 14) == 0 && (a[14] == '\0' || a[14] == '=')) {
            slot = &show;
            nlen = 14;
        } else {
            return cli_usage("keygen", "unexpected argument '%s'", a);
        }
        if (*slot)
            return cli_usage("keygen", "%.*s given twice", (int)nlen, a);
        if (a[nlen] == '=')
            *slot = a + nlen + 1;
        else if (i + 1 < argc)
            *slot = argv[++i];
        else
            return cli_usage("keygen", "%s needs a FILE", a);
        if (!**slot)
            return cli_usage("keygen", "%.*s needs a non-empty FILE", (int)nlen, a);
    }
    if (!out == !show)
        return cli_usage("keygen", "give exactly one of --out FILE or --show-address FILE");

    uint8_t priv[ECC_SECKEY_LEN];
    int rc;
    if (out) {
        rc = ecc_keygen(priv);
        if (!rc)
            rc = zk_keyfile_write(out, priv);
    } else {
        rc = zk_keyfile_read(show, priv);
    }
    if (!rc)
        rc = print_identity(priv);
    OPENSSL_cleanse(priv, sizeof priv);
    if (rc)
        return cli_fail("keygen", rc);
    return CLI_EXIT_OK;
}
