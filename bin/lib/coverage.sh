#!/bin/sh
# Per-module and total coverage from the aggregate JaCoCo report, as the Markdown table of docs/COVERAGE.md:
#   bin/lib/coverage.sh [netext-coverage/target/site/jacoco-aggregate/jacoco.csv]
# Columns of jacoco.csv: GROUP (netext-coverage/MODULE), PACKAGE, CLASS, INSTRUCTION_MISSED, INSTRUCTION_COVERED,
# BRANCH_MISSED, BRANCH_COVERED, …
set -eu
csv=${1:-"$(dirname "$0")/../../netext-coverage/target/site/jacoco-aggregate/jacoco.csv"}
[ -f "$csv" ] || { echo "no $csv: run ./mvnw clean verify first" >&2; exit 1; }
awk -F, '
  function pct(c, m) { return (c + m) == 0 ? "–" : sprintf("%.1f%%", 100 * c / (c + m)) }
  NR > 1 {
    m = $1; sub(/^.*\//, "", m)
    if (!(m in im)) order[n++] = m
    im[m] += $4; ic[m] += $5; bm[m] += $6; bc[m] += $7
    IM += $4; IC += $5; BM += $6; BC += $7
  }
  END {
    print "| module | instructions | branches |"
    print "|---|---:|---:|"
    for (i = 0; i < n; i++) { m = order[i]; printf "| %s | %s of %d | %s of %d |\n", m, pct(ic[m], im[m]), ic[m] + im[m], pct(bc[m], bm[m]), bc[m] + bm[m] }
    printf "| **total** | **%s** of %d | **%s** of %d |\n", pct(IC, IM), IC + IM, pct(BC, BM), BC + BM
  }' "$csv"
