#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cmd_hash(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        printf("usage: zkgate hash keccak HEX | --text STRING\n"
               "       zkgate hash poseidon2 X0 ... X15\n"
               "       zkgate hash poseidon2 --sponge HEX...\n\n"
               "keccak     Keccak-256 as Ethereum uses it (not SHA3-256); prints 0x + 64 hex\n"
               "poseidon2  the Poseidon2-16 permutation over KoalaBear on 16 decimal field\n"
               "           elements (prints the 16 outputs on one line), or the sponge\n");
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "keccak") == 0)
        return cmd_hash_keccak(argc - 1, argv + 1);
    if (strcmp(argv[1], "poseidon2") == 0)
        return cmd_hash_poseidon2(argc - 1, argv + 1);
    return cli_usage("hash", "unknown hash '%s' (keccak or poseidon2)", argv[1]);
}
