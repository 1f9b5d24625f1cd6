#!/bin/sh
# Replays the seed corpus, then fuzzes for SECONDS; prints the number of
# executions and the tier line.  Findings are kept in build-fuzz/.
FUZZER=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SECONDS_=${2:-60}
TOP=$(cd "$(dirname "$0")/.." && pwd)
work=$TOP/build-fuzz/corpus
mkdir -p "$work"
pass=0 fail=0

if "$FUZZER" -runs=0 "$TOP"/tests/fuzz-corpus/* >"$TOP/build-fuzz/replay.log" 2>&1
then
	echo "ok   fuzz: seed corpus replayed ($(ls "$TOP"/tests/fuzz-corpus | wc -l) inputs)"
	pass=$((pass + 1))
else
	echo "FAIL fuzz: seed corpus replay"; tail -20 "$TOP/build-fuzz/replay.log"
	fail=$((fail + 1))
fi

cd "$TOP/build-fuzz" || exit 1
if "$FUZZER" -max_total_time="$SECONDS_" -print_final_stats=1 \
	-max_len=2048 "$work" "$TOP/tests/fuzz-corpus" >fuzz.log 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' fuzz.log)
	echo "ok   fuzz: $runs executions in ${SECONDS_}s without a finding"
	pass=$((pass + 1))
else
	echo "FAIL fuzz: finding (build-fuzz/fuzz.log, crash-* files)"
	tail -40 fuzz.log
	fail=$((fail + 1))
fi
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
