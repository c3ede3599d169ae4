#!/bin/sh
# ingest-stream.sh [N [M]]: peak memory of ingest at N and M generated
# canonical records, as CSV and as canonical XML (default 1,000,000 and
# 20,000). Each file is ingested in a child process and its peak resident
# set size read with wait4(); the batch's account_id set (about 15.5 MiB
# per million ids, grown a partition at a time) is reported apart,
# and the rest, the readers, should not grow with the count. Needs
# about 0.7 GB in $TMPDIR (or /tmp) for a million records. By hand, not in
# `make check` (tests/unit/u-ingest-stream.c runs 20,000 vs 200,000 there).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-1000000}
m=${2:-20000}
make -C "$top" --no-print-directory build/tests/u-ingest-stream >/dev/null
exec "$top/build/tests/u-ingest-stream" "$n" "$m"
