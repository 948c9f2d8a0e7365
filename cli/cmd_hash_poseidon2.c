/* `zkgate hash poseidon2`: the Poseidon2-16 permutation on 16 field elements, or
 * the sponge (domain P2_DOM_GENERIC) over bytes, for people who debug or audit
 * hashes by hand. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/bytes.h"
#include "common/error.h"
#include "verifier/p2.h"

#define CMD "hash poseidon2"
/* Input bytes for --sponge; the command is for inspection, not bulk hashing. */
#define SPONGE_MAX_BYTES (1u << 20)

static void help(void)
{
    printf("usage: zkgate hash poseidon2 X0 ... X15\n"
           "       zkgate hash poseidon2 --sponge HEX...\n\n"
           "X0 ... X15  sixteen decimal field elements, each below p = %u; prints the 16\n"
           "            outputs of the Poseidon2-16 permutation over KoalaBear (decimal,\n"
           "            canonical, one line)\n"
           "--sponge    hashes the bytes given as hex (optional 0x, an even number of\n"
           "            digits; several arguments are concatenated; at most %u bytes)\n"
           "            with the sponge under domain tag %d (generic) and prints the\n"
           "            8-element digest (decimal, one line).\n"
           "            Bytes become field elements as: first the byte count, then each\n"
           "            3-byte chunk as a little-endian integer (< 2^24 < p), the last\n"
           "            chunk padded with zero bytes. The count makes the mapping\n"
           "            injective (see docs/PROTOCOL.md, \"Hash domains\").\n",
           KB_P, SPONGE_MAX_BYTES, P2_DOM_GENERIC);
}

/* Strict decimal below p: digits only, no sign, no spaces, no overflow. */
static int parse_elem(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        v = v * 10 + (uint64_t)(*c - '0');
        if (v >= KB_P)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static void print_line(const kb *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%u", i ? " " : "", kb_to_canonical(v[i]));
    printf("\n");
}

static int sponge(int argc, char **argv)
{
    if (argc < 1)
        return cli_usage(CMD, "--sponge wants hex bytes (an empty input is written \"\")");
    zk_buf b;
    zk_buf_init(&b, SPONGE_MAX_BYTES);
    for (int i = 0; i < argc; i++) {
        int rc = zk_hex_decode_buf(&b, argv[i], strlen(argv[i]));
        if (rc) {
            zk_buf_free(&b);
            return cli_usage(CMD, "--sponge argument %d ('%.40s%s'): %s", i + 1, argv[i],
                             strlen(argv[i]) > 40 ? "..." : "", zk_err_detail());
        }
    }
    p2_sponge s;
    p2_sponge_init(&s, P2_DOM_GENERIC);
    kb len = kb_from_canonical((uint32_t)b.len);
    p2_sponge_absorb(&s, &len, 1);
    for (size_t i = 0; i < b.len; i += 3) {
        uint32_t w = 0;
        for (size_t k = 0; k < 3 && i + k < b.len; k++)
            w |= (uint32_t)b.data[i + k] << (8 * k);
        kb e = kb_from_canonical(w);
        p2_sponge_absorb(&s, &e, 1);
    }
    p2_digest d;
    p2_sponge_finish(&s, &d);
    zk_buf_free(&b);
    print_line(d.v, P2_DIGEST_LEN);
    return CLI_EXIT_OK;
}

int cmd_hash_poseidon2(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "--sponge") == 0)
        return sponge(argc - 2, argv + 2);
    if (argc >= 2 && argv[1][0] == '-' && argv[1][1] != '\0')
        return cli_usage(CMD, "unknown option '%s'", argv[1]);
    if (argc - 1 != P2_WIDTH)
        return cli_usage(CMD, "wants exactly %d field elements, got %d", P2_WIDTH, argc - 1);
    kb state[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) {
        uint32_t v;
        if (parse_elem(argv[i + 1], &v))
            return cli_usage(CMD, "argument X%d ('%.40s') is not a decimal integer below p = %u", i,
                             argv[i + 1], KB_P);
        state[i] = kb_from_canonical(v);
    }
    p2_permute(state);
    print_line(state, P2_WIDTH);
    return CLI_EXIT_OK;
}
