/* Placeholder while the module behind it is written; replaced by the real command. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_keygen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "zkgate: not available in this build: key generation (common/secp, issue 2) is being written\n");
    return CLI_EXIT_FAIL;
}
