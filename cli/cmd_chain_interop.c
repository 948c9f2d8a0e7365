/* zkgate chain interop-root: builds an interop tree (chains/interop.h) from the
 * chains' records and prints its root with each record's index and path, the
 * fields chain_importMessages and chain_addInteropRoot take. This is the
 * gateway's job each round; until the gateway service runs it, devnets and
 * tests make their roots with this command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chains/interop.h"
#include "cli/cli.h"
#include "common/error.h"

/* Reads the records: a JSON array of them, or {"records": [...]}. */
static int read_records(const char *path, st_interop **out, size_t *n) {
  json_error_t e;
  json_t *root = strcmp(path, "-") == 0
                     ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &e)
                     : json_load_file(path, JSON_REJECT_DUPLICATES, &e);
  if (!root)
    return zk_err_set(ZK_ERR_PARSE, "%s:%d:%d: %s",
                      strcmp(path, "-") ? path : "stdin", e.line, e.column,
                      e.text);
  json_t *a = json_is_object(root) ? json_object_get(root, "records") : root;
  int rc = ZK_OK;
  if (!json_is_array(a) || json_array_size(a) == 0 ||
      json_array_size(a) > INTEROP_MAX_RECORDS)
    rc = zk_err_set(
        ZK_ERR_PARSE,
        "expected an array of 1..%u interop records (or {\"records\": [...]})",
        INTEROP_MAX_RECORDS);
  size_t k = rc ? 0 : json_array_size(a);
  st_interop *r = k ? calloc(k, sizeof *r) : NULL;
  if (!rc && !r)
    rc = zk_err_set(ZK_ERR_NOMEM, "%zu interop records", k);
  for (size_t i = 0; !rc && i < k; i++) {
    char why[160];
    if (interop_from_json(json_array_get(a, i), &r[i], why, sizeof why))
      rc = zk_err_set(ZK_ERR_PARSE, "records[%zu]: %s", i, why);
    for (size_t j = 0; !rc && j < i; j++)
      if (r[j].chain_id == r[i].chain_id)
        rc = zk_err_set(ZK_ERR_PARSE,
                        "records[%zu]: chain %llu is also records[%zu]", i,
                        (unsigned long long)r[i].chain_id, j);
  }
  json_decref(root);
  if (rc) {
    free(r);
    return rc;
  }
  *out = r;
  *n = k;
  return ZK_OK;
}

static json_t *result_json(const st_interop *r, size_t n, const p2_digest *root,
                           p2_digest (*paths)[SMT_DEPTH]) {
  json_t *o = json_object(), *list = json_array();
  int bad = !o || !list;
  for (size_t i = 0; !bad && i < n; i++) {
    json_t *e = json_object();
    bad = !e || json_object_set_new(e, "interop", interop_to_json(&r[i])) ||
          json_object_set_new(e, "interopIndex", json_integer((json_int_t)i)) ||
          json_object_set_new(e, "interopPath", interop_path_json(paths[i])) ||
          json_array_append_new(list, e);
  }
  if (!bad)
    bad = json_object_set_new(o, "interopRoot", interop_digest_json(root)) ||
          json_object_set(o, "records", list);
  json_decref(list);
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

int cmd_chain_interop_root(int argc, char **argv) {
  if (argc != 3)
    return cli_usage("chain",
                     "expected: chain interop-root FILE (or - for stdin)");
  st_interop *r = NULL;
  size_t n = 0;
  int rc = read_records(argv[2], &r, &n);
  p2_digest root;
  p2_digest(*paths)[SMT_DEPTH] = NULL;
  if (!rc && !(paths = calloc(n, sizeof *paths)))
    rc = zk_err_set(ZK_ERR_NOMEM, "paths of %zu records", n);
  if (!rc)
    rc = interop_build(r, n, &root, paths);
  json_t *o = rc ? NULL : result_json(r, n, &root, paths);
  if (!rc && !o)
    rc = zk_err_set(ZK_ERR_NOMEM, "the answer");
  free(r);
  free(paths);
  if (rc)
    return cli_fail("chain interop-root", rc);
  char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(o);
  if (!s)
    return cli_fail("chain interop-root",
                    zk_err_set(ZK_ERR_NOMEM, "the answer"));
  printf("%s\n", s);
  free(s);
  return CLI_EXIT_OK;
}
