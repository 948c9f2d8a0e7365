/* The zkgate command line: one executable, one function per subcommand.
 *
 * Each cmd_* gets argv with argv[0] = the subcommand's name, the global options
 * (--log-level, --log-format) already removed, and returns the process exit
 * status: 0 success, 1 the operation failed, 2 bad usage.
 */
#ifndef ZKGATE_CLI_CLI_H
#define ZKGATE_CLI_CLI_H

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

int cmd_version(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_hash_keccak(int argc, char **argv);
int cmd_hash_poseidon2(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_privacy(int argc, char **argv);
int cmd_tx(int argc, char **argv);
int cmd_devnet(int argc, char **argv);
int cmd_chain(int argc, char **argv);
/* `zkgate chain interop-root` (cli/cmd_chain_interop.c), called by cmd_chain. */
int cmd_chain_interop_root(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* Prints "zkgate <cmd>: <detail of the last error>" to stderr and returns
 * CLI_EXIT_FAIL. */
int cli_fail(const char *cmd, int code);

/* Prints "zkgate <cmd>: <message>" and a hint to run --help; returns
 * CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Applies a service's configured log level and format, except those the user set
 * on the command line (--log-level / --log-format win). Either may be NULL or "".
 * Returns: ZK_OK or ZK_ERR_CONFIG naming the bad value. */
int cli_apply_log_config(const char *level, const char *format);

/* Parses the flags every service takes: --config FILE, --data-dir DIR and
 * --rpc-addr HOST:PORT, from argv[first..argc). Unset ones stay NULL.
 * Returns: 0, or CLI_EXIT_USAGE after printing what was wrong (as cmd). */
int cli_service_flags(const char *cmd, int argc, char **argv, int first, const char **config,
                      const char **data_dir, const char **rpc_addr);

/* Creates the folder path (mode 0700) unless it exists as a folder.
 * Returns: ZK_OK or ZK_ERR_IO naming the folder and the reason. */
int cli_make_data_dir(const char *path);

/* Blocks SIGINT and SIGTERM in the calling thread. Call it before a service starts
 * any thread: threads inherit the mask, so the signals stay pending for
 * cli_wait_for_stop instead of landing in a worker. */
void cli_block_stop_signals(void);

/* Waits until SIGINT or SIGTERM arrives (after cli_block_stop_signals) and
 * returns the signal number. */
int cli_wait_for_stop(void);

/* Non-zero when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

#endif
