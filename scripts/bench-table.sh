#!/usr/bin/env bash
# Turns `zkgate bench ... --json` output (one JSON object per line, files or stdin)
# into a Markdown table for docs/PERFORMANCE.md: group, case, size, backend,
# threads, time, throughput, bound, ratio (bound / achieved, or achieved / goal
# where the bench says so), and the CPU time and speedup when the line has them
# (the --backend cuda cases). Usage: bash scripts/bench-table.sh FILE.jsonl...
set -euo pipefail
command -v jq >/dev/null || { echo "bench-table: needs jq (scripts/install-deps.sh)" >&2; exit 2; }
echo "| group | case | size | backend | threads | time | throughput | bound | ratio | cpu time | speedup |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
cat "${@:--}" | grep -E '^\{' | jq -r '
  def t: if . == null then "-" elif . < 1e-3 then "\(. * 1e6 | . * 100 | round / 100) us"
         elif . < 1 then "\(. * 1e3 | . * 100 | round / 100) ms" else "\(. * 100 | round / 100) s" end;
  def g: if . == null then "-" else (. | tostring) end;
  def e: if . == null then "-" elif . == 0 then "0"
         else (log10 | floor) as $x | (. / pow(10; $x) * 100 | round / 100) as $m
              | "\($m)e\($x)" end;
  "| \(.group) | \(.case) | \(.size) | \(.backend // "cpu") | \(.threads // "-") | \(.seconds | t) | \(.throughput | e) \(.unit // "") | \(.bound | e) | \(.ratio | g) | \(.cpu_s | t) | \(.speedup_vs_cpu | g) |"'
