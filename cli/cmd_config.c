/* zkgate config check FILE: validates a configuration file against the schema its
 * "kind" names, and prints the effective configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/chain_config.h"
#include "cli/cli.h"
#include "cli/devnet.h"
#include "cli/prover_config.h"
#include "common/bytes.h"
#include "common/error.h"

static void usage(void)
{
    printf("usage: zkgate config check FILE [--quiet]\n\n"
           "Checks FILE strictly against the schema its \"kind\" names: an unknown key, a\n"
           "wrong type, a value out of range or a missing required key is an error naming\n"
           "the key path. On success prints the effective configuration (defaults filled\n"
           "in; secrets shown only by length).\n\n"
           "kinds: devnet, chain, prover (the gateway's configuration arrives with it)\n");
}

/* Reads only the "kind" key, so the right schema can be chosen. */
static int read_kind(const char *path, char *kind, size_t cap)
{
    zk_buf b;
    zk_buf_init(&b, CFG_MAX_FILE);
    int rc = zk_read_file(&b, path);
    if (rc) {
        zk_buf_free(&b);
        return rc;
    }
    json_error_t e;
    json_t *root = json_loadb(b.data ? (const char *)b.data : "", b.len, 0, &e);
    zk_buf_free(&b);
    if (!root)
        return zk_err_set(ZK_ERR_CONFIG, "%s:%d:%d: not valid JSON: %s", path, e.line, e.column,
                          e.text);
    json_t *k = json_is_object(root) ? json_object_get(root, "kind") : NULL;
    if (!json_is_string(k)) {
        json_decref(root);
        return zk_err_set(ZK_ERR_CONFIG,
                          "%s: key 'kind' is required and must be a string "
                          "(devnet, chain, prover)",
                          path);
    }
    snprintf(kind, cap, "%s", json_string_value(k));
    json_decref(root);
    return ZK_OK;
}

int cmd_config(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    if (argc < 3 || strcmp(argv[1], "check") != 0)
        return cli_usage("config", "expected: config check FILE");
    const char *path = argv[2];
    int quiet = argc > 3 && strcmp(argv[3], "--quiet") == 0;
    if (argc > 3 + quiet)
        return cli_usage("config", "unexpected argument '%s'", argv[3 + quiet]);

    char kind[32];
    int rc = read_kind(path, kind, sizeof kind);
    if (rc)
        return cli_fail("config", rc);
    char *dump = NULL;
    size_t n_alloc = 0;
    if (strcmp(kind, "devnet") == 0) {
        devnet_config c;
        devnet_config_defaults(&c);
        rc = cfg_load_file(devnet_config_spec, &c, path);
        if (!rc && !quiet)
            dump = cfg_dump(devnet_config_spec, &c);
    } else if (strcmp(kind, "chain") == 0) {
        chain_config c;
        chain_config_defaults(&c);
        rc = chain_config_load(&c, path);
        if (!rc && !quiet)
            dump = cfg_dump(chain_config_spec, &c);
        n_alloc = c.n_alloc;
        chain_config_free(&c);
    } else if (strcmp(kind, "prover") == 0) {
        prover_config c;
        rc = prover_config_load(&c, path);
        if (!rc && !quiet)
            dump = cfg_dump(prover_config_spec, &c);
    } else {
        zk_err_set(ZK_ERR_UNSUPPORTED,
                   "%s: kind '%s' is not known to this build (devnet, chain, prover)", path, kind);
        return cli_fail("config", ZK_ERR_UNSUPPORTED);
    }
    if (rc)
        return cli_fail("config", rc);
    printf("%s: ok (kind %s)\n", path, kind);
    if (!strcmp(kind, "chain"))
        printf("%s: %zu genesis allocations\n", path, n_alloc);
    if (!quiet) {
        if (!dump) {
            zk_err_set(ZK_ERR_NOMEM, "printing the configuration");
            return cli_fail("config", ZK_ERR_NOMEM);
        }
        printf("%s\n", dump);
        free(dump);
    }
    return CLI_EXIT_OK;
}
