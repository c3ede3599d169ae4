#!/bin/sh
# bench.sh [run|compare]: the benchmarks of BENCHMARKS.md (`make bench`,
# `make bench-compare`). Run by the GNUmakefile after it has built
# $O/fairnotice; by hand: O=build tests/tools/bench.sh run.
#
#   run      for each size of BENCH_N (default "10000 100000"), a batch from
#            tests/tools/gen-bench-batch.sh (seed BENCH_SEED, default 1),
#            `fairnotice run --date 2026-11-23` on it BENCH_RUNS times
#            (default 3 below 100,000 accounts, 1 from there on), each with
#            a fresh --out and --state; with --jobs 1 and --jobs $(nproc)
#            when the program has --jobs. Reports letters, pages, wall time,
#            letters/s, pages/s, CPU time per letter (medians of the runs)
#            and peak RSS (the largest of the runs).
#   compare  BENCH_K (default 500) two-page validation notices, rendered by
#            fairnotice (a batch) and by Apache FOP (one .fo document, one
#            JVM), BENCH_RUNS times each (default 3): letters per
#            core-second (user + sys CPU of the process and all its threads
#            and children), their ratio, and the peak RSS of each.
#
# The machine is described in the report (cores, CPU model, memory) and
# the commit measured. Results go to stdout and, as a markdown table, are
# appended to $O/bench/results.md. Scratch data lives in $O/bench/ (batches
# are kept between runs, keyed by size, seed and generator; each run's
# output and ledger are removed as soon as it is measured: 100,000
# accounts write about 1 GB).
#
# Times come from GNU time (/usr/bin/time, Debian package `time`); the
# GNUmakefile installs it. Everything is measured on a machine that may be
# shared: the medians damp the noise, they do not remove it.
set -eu
# awk and sort read and print decimal points, whatever the caller's locale.
LC_ALL=C.UTF-8
export LC_ALL

mode=${1:-run}
top=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case $O in /*) obj=$O ;; *) obj=$top/$O ;; esac
bin=$obj/fairnotice
scratch=$obj/bench
results=$scratch/results.md
date_arg=2026-11-23
seed=${BENCH_SEED:-1}
TIME=/usr/bin/time

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$bin" ] || die "no $bin: run 'make all' first"
[ -x "$TIME" ] || die "no $TIME (Debian package 'time'): run 'make bench'"
mkdir -p "$scratch"

# ---- the machine and the commit ----

cores=$(nproc)
cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1)
[ -n "$cpu" ] || cpu=$(uname -m)
ram=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
commit=$(git -C "$top" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git -C "$top" diff-index --quiet HEAD -- 2>/dev/null; then
	commit="$commit + uncommitted changes"
fi
when=$(date -u '+%Y-%m-%d %H:%M UTC')
machine="$cores cores ($cpu), $ram RAM, $(uname -sr)"

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { sort -g | tail -1; }

# timed OUTFILE CMD...: run CMD under GNU time; OUTFILE gets
# "wall user sys maxrss_kib"; CMD's own output goes to OUTFILE.log.
# Returns CMD's exit status.
timed() {
	out=$1; shift
	rc=0
	"$TIME" -f '%e %U %S %M' -o "$out" "$@" >"$out.log" 2>&1 || rc=$?
	# GNU time writes "Command exited with non-zero status N" first.
	tail -1 "$out" >"$out.tmp" && mv "$out.tmp" "$out"
	return $rc
}

# ---- make bench ----

# batch_for N: generate (or reuse) the batch of N accounts; prints its dir.
batch_for() {
	n=$1
	dir=$scratch/batch-$n-seed$seed
	key="$n $seed $(cksum <"$top/tests/tools/gen-bench-batch.sh") $(cksum <"$top/fixtures/demo/agency.xml")"
	if [ ! -f "$dir/.key" ] || [ "$(cat "$dir/.key")" != "$key" ]; then
		rm -rf "$dir"
		echo "bench: generating $n accounts (seed $seed) in $dir" >&2
		"$top/tests/tools/gen-bench-batch.sh" "$n" "$dir" "$seed"
		echo "$key" >"$dir/.key"
	fi
	echo "$dir"
}

# one_run BATCH TAG [ARGS...]: one timed `fairnotice run`; prints
# "letters pages wall cpu rss_kib" and removes the output.
one_run() {
	batch=$1; tag=$2; shift 2
	work=$scratch/run-$tag
	rm -rf "$work"
	mkdir -p "$work/out" "$work/state"
	rc=0
	timed "$work/time" "$bin" run --batch "$batch" --out "$work/out" \
		--state "$work/state" --date "$date_arg" "$@" || rc=$?
	if [ $rc -gt 1 ]; then
		cat "$work/time.log" >&2
		die "fairnotice run failed (exit $rc) on $batch"
	fi
	summary=$(ls -d "$work"/out/*/audit/summary.txt 2>/dev/null | head -1)
	[ -n "$summary" ] || die "no audit/summary.txt under $work/out"
	letters=$(awk '$1 == "letters:" { print $2; exit }' "$summary")
	pages=$(awk '$1 == "pages:" { print $2; exit }' "$summary")
	set -- $(cat "$work/time")
	echo "$letters $pages $1 $(echo "$2 $3" | awk '{ print $1 + $2 }') $4"
	rm -rf "$work"
}

bench_run() {
	sizes=${BENCH_N:-10000 100000}
	if "$bin" help 2>&1 | grep -q -- '--jobs'; then
		job_modes="1 $cores"
		[ "$cores" -gt 1 ] || job_modes=1
	else
		job_modes=default
	fi
	rows=$scratch/rows.$$
	: >"$rows"
	echo "bench: fairnotice run on $machine; commit $commit" >&2
	for n in $sizes; do
		case $n in *[!0-9]*|'') die "BENCH_N: '$n' is not a number" ;; esac
		batch=$(batch_for "$n")
		if [ -n "${BENCH_RUNS:-}" ]; then runs=$BENCH_RUNS
		elif [ "$n" -lt 100000 ]; then runs=3
		else runs=1
		fi
		for jobs in $job_modes; do
			if [ "$jobs" = default ]; then set --; else set -- --jobs "$jobs"; fi
			per=$scratch/per.$$
			: >"$per"
			r=1
			while [ $r -le "$runs" ]; do
				line=$(one_run "$batch" "$n-$jobs-$r" "$@")
				echo "$line" >>"$per"
				echo "$line" | awk -v n="$n" -v j="$jobs" -v r="$r" \
					'{ printf "bench:   %s accounts, jobs %s, run %d: %d letters, %d pages, %.1f s wall, %.1f s CPU, %.0f MiB peak\n", n, j, r, $1, $2, $3, $4, $5 / 1024 }' >&2
				r=$((r + 1))
			done
			letters=$(awk 'NR == 1 { print $1 }' "$per")
			pages=$(awk 'NR == 1 { print $2 }' "$per")
			wall=$(awk '{ print $3 }' "$per" | median)
			lps=$(awk '{ print $1 / $3 }' "$per" | median)
			pps=$(awk '{ print $2 / $3 }' "$per" | median)
			cpl=$(awk '{ print $4 / $1 * 1000 }' "$per" | median)
			rss=$(awk '{ print $5 }' "$per" | maximum)
			echo "$n $jobs $runs $letters $pages $wall $lps $pps $cpl $rss" >>"$rows"
			rm -f "$per"
		done
	done

	echo
	echo "fairnotice run --date $date_arg, seed $seed; $when; commit $commit"
	echo "machine: $machine"
	awk 'BEGIN { printf "%10s %7s %4s %8s %8s %9s %9s %9s %12s %9s\n", "accounts", "jobs", "runs", "letters", "pages", "wall s", "letters/s", "pages/s", "CPU ms/lttr", "peak RSS" }
	     { printf "%10d %7s %4d %8d %8d %9.1f %9.0f %9.0f %12.2f %5.1f MiB\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 / 1024 }' "$rows"
	{
		echo
		echo "### make bench, $when"
		echo
		echo "Commit $commit; $machine; \`fairnotice run --date $date_arg\`, batches from \`gen-bench-batch.sh N DIR $seed\`; wall time, rates and CPU per letter are medians of the runs, peak RSS the largest."
		echo
		echo "| accounts | jobs | runs | letters | pages | wall (s) | letters/s | pages/s | CPU ms/letter | peak RSS (MiB) |"
		echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		awk '{ printf "| %d | %s | %d | %d | %d | %.1f | %.0f | %.0f | %.2f | %.1f |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 / 1024 }' "$rows"
	} >>"$results"
	rm -f "$rows"
	echo "(appended to $results)"
}

# ---- make bench-compare ----

bench_compare() {
	k=${BENCH_K:-500}
	runs=${BENCH_RUNS:-3}
	case $k$runs in *[!0-9]*|'') die "BENCH_K and BENCH_RUNS are whole numbers" ;; esac
	command -v fop >/dev/null || die "no fop (Debian package 'fop'): run 'make bench-compare'"
	dir=$scratch/compare-$k-seed$seed
	rm -rf "$dir"
	echo "bench: $k validation notices for fairnotice and for FOP in $dir" >&2
	"$top/bench/gen-compare.sh" "$k" "$dir" "$seed"
	# one worker when the program has --jobs: the figure is per core
	jobs_arg=
	"$bin" help 2>&1 | grep -q -- '--jobs' && jobs_arg='--jobs 1'
	fn=$dir/fairnotice.runs
	fo=$dir/fop.runs
	: >"$fn"
	: >"$fo"
	r=1
	while [ $r -le "$runs" ]; do
		line=$(one_run "$dir/batch" "compare-$r" $jobs_arg)
		set -- $line
		[ "$1" = "$k" ] || die "fairnotice made $1 letters of $k accounts"
		echo "$line" >>"$fn"
		echo "bench:   fairnotice run $r: $1 letters, $2 pages, $3 s wall, $4 s CPU, $(($5 / 1024)) MiB peak" >&2

		rm -f "$dir/fop.pdf"
		rc=0
		timed "$dir/fop.time" fop -c "$top/bench/fop.xconf" -fo "$dir/letters.fo" -pdf "$dir/fop.pdf" || rc=$?
		if [ $rc -ne 0 ] || [ ! -s "$dir/fop.pdf" ]; then
			tail -20 "$dir/fop.time.log" >&2
			die "fop failed (exit $rc)"
		fi
		pages=$(pdfinfo "$dir/fop.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
		[ -n "$pages" ] || pages=0
		set -- $(cat "$dir/fop.time")
		echo "$k $pages $1 $(echo "$2 $3" | awk '{ print $1 + $2 }') $4" >>"$fo"
		echo "bench:   fop run $r: $k letters, $pages pages, $1 s wall, $(echo "$2 $3" | awk '{ print $1 + $2 }') s CPU, $(($4 / 1024)) MiB peak" >&2
		r=$((r + 1))
	done
	rm -f "$dir/fop.pdf"

	summarise() {	# FILE -> "pages wall cpu letters_per_core_s rss_kib"
		pages=$(awk 'NR == 1 { print $2 }' "$1")
		wall=$(awk '{ print $3 }' "$1" | median)
		cpu=$(awk '{ print $4 }' "$1" | median)
		lpcs=$(awk '{ print $1 / ($4 > 0 ? $4 : 0.001) }' "$1" | median)
		rss=$(awk '{ print $5 }' "$1" | maximum)
		echo "$pages $wall $cpu $lpcs $rss"
	}
	set -- $(summarise "$fn")
	f_pages=$1 f_wall=$2 f_cpu=$3 f_lpcs=$4 f_rss=$5
	set -- $(summarise "$fo")
	o_pages=$1 o_wall=$2 o_cpu=$3 o_lpcs=$4 o_rss=$5
	ratio=$(echo "$f_lpcs $o_lpcs" | awk '{ printf "%.1f", $1 / $2 }')

	echo
	echo "$k two-page validation notices, $runs runs each (medians; peak RSS the largest); $when; commit $commit"
	echo "machine: $machine; $(fop -version 2>/dev/null | tail -1), $(java -version 2>&1 | head -1)"
	printf '%-28s %7s %7s %8s %8s %16s %10s\n' renderer letters pages "wall s" "CPU s" "letters/core-s" "peak RSS"
	printf '%-28s %7d %7d %8.2f %8.2f %16.1f %6.1f MiB\n' "fairnotice run (end to end)" "$k" "$f_pages" "$f_wall" "$f_cpu" "$f_lpcs" "$(echo "$f_rss" | awk '{ print $1 / 1024 }')"
	printf '%-28s %7d %7d %8.2f %8.2f %16.1f %6.1f MiB\n' "Apache FOP (one JVM)" "$k" "$o_pages" "$o_wall" "$o_cpu" "$o_lpcs" "$(echo "$o_rss" | awk '{ print $1 / 1024 }')"
	echo "ratio fairnotice / FOP, letters per core-second: $ratio x"
	{
		echo
		echo "### make bench-compare, $when"
		echo
		echo "Commit $commit; $machine; $k two-page validation notices (\`bench/gen-compare.sh $k DIR $seed\`), $runs runs each; medians, peak RSS the largest; CPU = user + sys of the process, its threads and children."
		echo
		echo "| renderer | letters | pages | wall (s) | CPU (s) | letters per core-second | peak RSS (MiB) |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
		printf '| fairnotice run (end to end) | %d | %d | %.2f | %.2f | %.1f | %.1f |\n' "$k" "$f_pages" "$f_wall" "$f_cpu" "$f_lpcs" "$(echo "$f_rss" | awk '{ print $1 / 1024 }')"
		printf '| Apache FOP (one JVM) | %d | %d | %.2f | %.2f | %.1f | %.1f |\n' "$k" "$o_pages" "$o_wall" "$o_cpu" "$o_lpcs" "$(echo "$o_rss" | awk '{ print $1 / 1024 }')"
		echo
		echo "Ratio fairnotice / FOP, letters per core-second: **$ratio x**."
	} >>"$results"
	echo "(appended to $results)"
}

case $mode in
run) bench_run ;;
compare) bench_compare ;;
*) die "usage: bench.sh [run|compare]" ;;
esac
