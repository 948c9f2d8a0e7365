/* zkgate hash keccak: Keccak-256 of hex bytes or of a text string. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/keccak.h"

static void usage(void)
{
    printf("usage: zkgate hash keccak HEX\n"
           "       zkgate hash keccak --text STRING\n\n"
           "Prints 0x and the 64 hex digits of Keccak-256 as Ethereum uses it (the original\n"
           "Keccak padding, not FIPS 202 SHA3-256).\n\n"
           "  HEX            the bytes to hash, as hex digits with an optional 0x (an empty\n"
           "                 string or 0x alone hashes no bytes)\n"
           "  --text STRING  hash the bytes of STRING as given (UTF-8, no newline added)\n");
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int cmd_hash_keccak(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage();
        return CLI_EXIT_OK;
    }
    uint8_t d[ZK_KECCAK256_LEN];
    char out[2 * ZK_KECCAK256_LEN + 3];
    if (argc == 3 && strcmp(argv[1], "--text") == 0) {
        zk_keccak256(d, argv[2], strlen(argv[2]));
    } else if (argc == 2 && strncmp(argv[1], "--", 2) != 0) {
        const char *hex = argv[1];
        size_t len = strlen(hex);
        size_t start = (len >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) ? 2 : 0;
        /* name the offending character by its offset in the argument as typed */
        for (size_t i = start; i < len; i++)
            if (!is_hex(hex[i]))
                return cli_usage("hash keccak", "not a hex digit at position %zu of '%s'", i, hex);
        if ((len - start) % 2)
            return cli_usage("hash keccak", "odd number of hex digits (%zu) in '%s'", len - start,
                             hex);
        zk_buf b;
        zk_buf_init(&b, len / 2 + 1);
        int rc = zk_hex_decode_buf(&b, hex, len);
        if (rc) {
            zk_buf_free(&b);
            return cli_fail("hash keccak", rc);
        }
        zk_keccak256(d, b.data, b.len);
        zk_buf_free(&b);
    } else if (argc == 2 && strcmp(argv[1], "--text") == 0) {
        return cli_usage("hash keccak", "--text needs a STRING");
    } else if (argc < 2) {
        return cli_usage("hash keccak", "give HEX or --text STRING");
    } else if (argc == 2) {
        return cli_usage("hash keccak", "unknown option '%s'", argv[1]);
    } else {
        int extra = strcmp(argv[1], "--text") == 0 ? 3 : 2;
        return cli_usage("hash keccak", "unexpected argument '%s'", argv[extra]);
    }
    zk_hex_encode(out, d, sizeof d, 1);
    printf("%s\n", out);
    return CLI_EXIT_OK;
}
