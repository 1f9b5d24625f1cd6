#!/bin/sh
# Runs the unit tier and the namespace tier; prints each tier's count and
# the total last.  Exit status 0 only if nothing failed.
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
RESULTS=$(mktemp /tmp/l2nq-results.XXXXXX)
export RESULTS
total_p=0 total_f=0 total_s=0

out=$("${BUILD:-build}/unit-tests")
echo "$out"
up=$(echo "$out" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
uf=$(echo "$out" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
[ -n "$up" ] || { up=0; uf=1; }
total_p=$up total_f=$uf

if [ "$(id -u)" != 0 ]; then
	echo "namespace: 0 passed, 0 failed, 1 skipped (not root)"
	total_s=1
else
	for t in tests/ns/*.sh; do
		[ -n "$TESTS" ] && ! echo "$t" | grep -q "$TESTS" && continue
		timeout 300 sh "$t"
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 77 ] &&
		   ! grep -q "^fail $(basename "$t" .sh):" "$RESULTS"; then
			echo "fail $(basename "$t" .sh): exited $rc" >>"$RESULTS"
		fi
	done
	np=$(grep -c '^pass' "$RESULTS")
	nf=$(grep -c '^fail' "$RESULTS")
	ns=$(grep -c '^skip' "$RESULTS")
	echo "namespace: $np passed, $nf failed, $ns skipped"
	grep '^fail' "$RESULTS"
	total_p=$((total_p + np)) total_f=$((total_f + nf)) total_s=$ns
fi
rm -f "$RESULTS"
echo "total: $total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
