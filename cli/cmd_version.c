#include <stdio.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "cli/cli.h"
#include "common/error.h"
#include "prover/gpu.h"

#ifndef ZKGATE_VERSION
#define ZKGATE_VERSION "unknown"
#endif

int cmd_version(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: zkgate version\n\nPrints the version of zkgate and of the libraries it "
               "was built with.\n");
        return CLI_EXIT_OK;
    }
    printf("zkgate %s\n", ZKGATE_VERSION);
    printf("  openssl       %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
    printf("  sqlite        %s\n", sqlite3_libversion());
    printf("  jansson       %s\n", jansson_version_str());
    printf("  libmicrohttpd %s\n", MHD_get_version());
    printf("  libcurl       %s\n", curl_version_info(CURLVERSION_NOW)->version);
    gpu_info g;
    if (gpu_probe(&g) == 0)
        printf("  cuda backend  built; device %d: %s (sm_%d%d, %.0f GiB)\n", g.ordinal, g.name,
               g.cc_major, g.cc_minor, (double)g.total_mem / (1u << 30));
    else
        printf("  cuda backend  %s; %s\n", gpu_backend_built() ? "built" : "not built",
               zk_err_detail());
    return CLI_EXIT_OK;
}
