#!/bin/sh
# irqchipctl's bash completion (completion/irqchipctl, generated from the
# daemon's tables' source) against the daemon and against bash:
#
#  1. its commands, each command's arguments and the chip types are exactly
#     those `irqchipd --list-commands` and `--print-capabilities` print;
#  2. completing command lines in bash gives what irqchipctl(1) promises:
#     options, commands (with monitor, greeting and top), the key= arguments
#     not given yet, chip-add's by chip type, and enumerated values.
#
# Exit 77 (skip) only when bash is not installed.
set -u

b=${IRQCHIPD_BUILDDIR:-.}
run=${IRQCHIPD_TEST_EXEC:-}
daemon=$b/daemon/irqchipd
comp=$b/completion/irqchipctl
failed=0

fail() {
	echo "check-completion: $*" >&2
	failed=1
}

for f in "$daemon" "$comp"; do
	if [ ! -e "$f" ]; then
		echo "check-completion: $f is not built" >&2
		exit 99
	fi
done
if ! command -v bash > /dev/null 2>&1; then
	echo "check-completion: bash is not installed: nothing to complete with" >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-completion.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' 0

# 1.
if ! $run "$daemon" --list-commands > "$tmp/list" ||
    ! $run "$daemon" --print-capabilities > "$tmp/caps"; then
	echo "check-completion: irqchipd --list-commands or --print-capabilities failed" >&2
	exit 99
fi
awk '/^[^ ]/ { cmd = $1; print cmd; next }
    /^ / { a = $1; gsub(/^\[|\]$/, "", a); print cmd " " a }' "$tmp/list" |
	sort > "$tmp/daemon.args"
sed -n 's/.*"chip-types":\[\([^]]*\)\].*/\1/p' "$tmp/caps" | tr ',' '\n' | tr -d '"' |
	sed '/^$/d' | sort > "$tmp/daemon.types"
if ! bash -c '. "$1" || exit 1
	for c in $_irqchipctl_commands; do
		echo "$c"
		_irqchipctl_args "$c"
		for a in $REPLY; do echo "$c $a"; done
	done' sh "$comp" | sort > "$tmp/comp.args"; then
	fail "bash cannot source $comp"
fi
bash -c '. "$1"; printf "%s\n" $_irqchipctl_chip_types' sh "$comp" | sort > "$tmp/comp.types"
[ -s "$tmp/daemon.args" ] || fail "irqchipd --list-commands listed nothing"
if ! diff -u "$tmp/daemon.args" "$tmp/comp.args" > "$tmp/diff"; then
	fail "commands and arguments (- irqchipd --list-commands, + the completion):"
	cat "$tmp/diff" >&2
fi
if ! diff -u "$tmp/daemon.types" "$tmp/comp.types" > "$tmp/diff"; then
	fail "chip types (- irqchipd --print-capabilities, + the completion):"
	cat "$tmp/diff" >&2
fi

# 2. Each case: the command line up to the cursor, and the sorted candidates.
complete_line() {
	bash -c '. "$1"
		COMP_LINE=$2
		COMP_POINT=${#COMP_LINE}
		_irqchipctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' sh "$comp" "$1"
}
expect() {
	got=$(complete_line "$1")
	got=${got% }
	[ "$got" = "$2" ] || fail "completing '$1': got '$got', expected '$2'"
}
expect "irqchipctl chip-a" "chip-add"
expect "irqchipctl t" "top translate"
expect "irqchipctl mo" "monitor"
expect "irqchipctl --j" "--json"
expect "irqchipctl -s /run/vm1.sock line-" "line-pulse line-set"
expect "irqchipctl --json line-set " "id= level= line="
expect "irqchipctl line-set id=io0 l" "level= line="
expect "irqchipctl line-set id=io0 level=" "0 1"
expect "irqchipctl notifier-add mode=e" "edge"
expect "irqchipctl chip-add type=x" "xics xive"
expect "irqchipctl chip-add type=ioapic id=io0 " "base= gsi-base= pins= version="
expect "irqchipctl chip-add id=x type=xics mode=" "full kvm"
expect "irqchipctl query-version " ""
expect "irqchipctl top " "count= interval="
expect "irqchipctl top count=3 " "interval="

exit "$failed"
