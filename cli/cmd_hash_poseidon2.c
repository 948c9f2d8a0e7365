/* Placeholder while the module behind it is written; replaced by the real command. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_hash_poseidon2(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "zkgate: not available in this build: Poseidon2 (verifier/p2, issue 3) is being written\n");
    return CLI_EXIT_FAIL;
}
