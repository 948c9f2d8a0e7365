/* Placeholder while the module behind it is written; replaced by the real command. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_bench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "zkgate: not available in this build: benchmarks (bench/, issue 3) are being written\n");
    return CLI_EXIT_FAIL;
}
