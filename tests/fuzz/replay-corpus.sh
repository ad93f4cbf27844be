#!/bin/sh
# Replays each fuzz target's corpus through its standalone build: the corpus
# in tests/fuzz/corpus/NAME goes through tests/fuzz/replay_NAME (a '-' in
# NAME is a '_' in the program's name), so a new target needs no line here.
set -eu
b=${IRQCHIPD_BUILDDIR:-.}
s=${IRQCHIPD_SRCDIR:-.}
# A cross build's programs run through the emulator the tests are given.
run=${IRQCHIPD_TEST_EXEC:-}
n=0
for dir in "$s"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	prog="$b/tests/fuzz/replay_$(echo "$name" | tr - _)"
	if [ ! -x "$prog" ]; then
		echo "replay-corpus: $prog is not built for corpus $name" >&2
		exit 99
	fi
	$run "$prog" "$dir"*
	n=$((n + 1))
done
if [ "$n" -eq 0 ]; then
	echo "replay-corpus: no corpus under $s/tests/fuzz/corpus" >&2
	exit 99
fi
