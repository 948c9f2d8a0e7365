/* zkgate: the one executable. Dispatches to a subcommand and handles the global
 * options every subcommand shares. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <pthread.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/log.h"

typedef struct subcommand {
    const char *name;                  /* as typed */
    int (*run)(int argc, char **argv); /* NULL: not built yet */
    const char *summary;               /* one line for `zkgate --help` */
    const char *pending;               /* for NULL run: what is missing and where it is tracked */
} subcommand;

static const subcommand k_commands[] = {
    {"version", cmd_version, "print the version and what this build contains", NULL},
    {"keygen", cmd_keygen, "create a secp256k1 key file and print its address", NULL},
    {"config", cmd_config, "check a configuration file (config check FILE)", NULL},
    {"hash", cmd_hash, "hash data: keccak (Ethereum), poseidon2", NULL},
    {"bench", cmd_bench, "run benchmarks: field, ntt, poseidon2, merkle, smt, chain, prove", NULL},
    {"tx", cmd_tx, "decode or sign Ethereum transactions (legacy EIP-155, EIP-1559)", NULL},
    {"privacy", cmd_privacy, "encrypt, decrypt, commit, open, disclose", NULL},
    {"devnet", cmd_devnet, "run a local devnet of what this build contains", NULL},
    {"prove", cmd_prove, "prove a built-in circuit (hashchain, merkle) into a proof file", NULL},
    {"verify", cmd_verify, "verify a proof file (exit 0 valid, 1 invalid, 2 malformed)", NULL},
    {"chain", cmd_chain, "run a chain node (chain --config FILE), or verify its blocks", NULL},
    {"gateway", NULL, "run the gateway", "the gateway service has not landed yet"},
};
#define N_COMMANDS (sizeof k_commands / sizeof k_commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: zkgate [--log-level LEVEL] [--log-format text|json] COMMAND [ARGS]\n\n"
               "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s%s\n", k_commands[i].name, k_commands[i].summary,
                k_commands[i].run ? "" : " (not built yet)");
    fprintf(f, "\nglobal options (anywhere on the line):\n"
               "  --log-level trace|debug|info|warn|error|off   (default info)\n"
               "  --log-format text|json                        (default text)\n"
               "`zkgate COMMAND --help` describes a command.\n");
}

int cli_fail(const char *cmd, int code)
{
    fprintf(stderr, "zkgate %s: %s (%s)\n", cmd, zk_err_detail(), zk_errname(code));
    return CLI_EXIT_FAIL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "zkgate %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(run `zkgate %s --help` for usage)\n", cmd);
    return CLI_EXIT_USAGE;
}

/* Set when the command line named a log level or format: they beat the config. */
static int g_level_from_flag, g_format_from_flag;

int cli_apply_log_config(const char *level, const char *format)
{
    if (level && level[0] && !g_level_from_flag) {
        zk_log_level l;
        if (zk_log_parse_level(level, &l))
            return zk_err_wrap(ZK_ERR_CONFIG, "key 'log.level': ");
        zk_log_set_level(l);
    }
    if (format && format[0] && !g_format_from_flag) {
        zk_log_format f;
        if (zk_log_parse_format(format, &f))
            return zk_err_wrap(ZK_ERR_CONFIG, "key 'log.format': ");
        zk_log_set_format(f);
    }
    return ZK_OK;
}

int cli_service_flags(const char *cmd, int argc, char **argv, int first, const char **config,
                      const char **data_dir, const char **rpc_addr)
{
    *config = *data_dir = *rpc_addr = NULL;
    for (int i = first; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--config") == 0)
            slot = config;
        else if (strcmp(argv[i], "--data-dir") == 0)
            slot = data_dir;
        else if (strcmp(argv[i], "--rpc-addr") == 0)
            slot = rpc_addr;
        else
            return cli_usage(cmd, "unknown argument '%s'", argv[i]);
        if (i + 1 >= argc)
            return cli_usage(cmd, "%s needs a value", argv[i]);
        *slot = argv[++i];
    }
    return 0;
}

int cli_make_data_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return ZK_OK;
        return zk_err_set(ZK_ERR_IO, "data_dir '%s' exists and is not a folder", path);
    }
    return zk_err_set(ZK_ERR_IO, "cannot create data_dir '%s': %s", path, strerror(errno));
}

static void stop_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void cli_block_stop_signals(void)
{
    sigset_t set;
    stop_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int cli_wait_for_stop(void)
{
    sigset_t set;
    int sig = 0;
    stop_set(&set);
    while (sigwait(&set, &sig) != 0)
        ;
    return sig;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

/* Removes the global options from argv (they may appear anywhere) and applies
 * them. Returns 0, or CLI_EXIT_USAGE after printing what was wrong. */
static int take_global_options(int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        int is_level = 0, is_format = 0;
        if (strcmp(a, "--") == 0) { /* the rest belongs to the subcommand */
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strncmp(a, "--log-level", 11) == 0 && (a[11] == '\0' || a[11] == '='))
            is_level = 1;
        else if (strncmp(a, "--log-format", 12) == 0 && (a[12] == '\0' || a[12] == '='))
            is_format = 1;
        if (!is_level && !is_format) {
            argv[out++] = argv[i];
            continue;
        }
        const char *eq = strchr(a, '=');
        if (eq) {
            val = eq + 1;
        } else if (i + 1 < *argc) {
            val = argv[++i];
        } else {
            fprintf(stderr, "zkgate: %s needs a value\n", a);
            return CLI_EXIT_USAGE;
        }
        if (is_level) {
            zk_log_level l;
            if (zk_log_parse_level(val, &l)) {
                fprintf(stderr, "zkgate: --log-level: %s\n", zk_err_detail());
                return CLI_EXIT_USAGE;
            }
            zk_log_set_level(l);
            g_level_from_flag = 1;
        } else {
            zk_log_format f;
            if (zk_log_parse_format(val, &f)) {
                fprintf(stderr, "zkgate: --log-format: %s\n", zk_err_detail());
                return CLI_EXIT_USAGE;
            }
            zk_log_set_format(f);
            g_format_from_flag = 1;
        }
    }
    argv[out] = NULL;
    *argc = out;
    return 0;
}

int main(int argc, char **argv)
{
    int rc = take_global_options(&argc, argv);
    if (rc)
        return rc;
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0)
        return cmd_version(1, argv + 1);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(name, k_commands[i].name) != 0)
            continue;
        if (!k_commands[i].run) {
            fprintf(stderr, "zkgate %s: not available in this build: %s\n", name,
                    k_commands[i].pending);
            return CLI_EXIT_FAIL;
        }
        return k_commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "zkgate: unknown command '%s'\n\n", name);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
