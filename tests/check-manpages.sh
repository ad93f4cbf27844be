#!/bin/sh
# The man pages against the programs: mandoc -Tlint has nothing to say, and
# every command, command argument and long flag is documented, and nothing
# that does not exist is.
#
# Conventions the pages keep for this check:
#   irqchipd-protocol.7  in the section ".Sh COMMANDS", each command is an item
#                        ".It Ic NAME" and each of its arguments an item
#                        ".It Ar NAME" after it (nowhere else in that section
#                        is .It Ic or .It Ar used);
#   irqchipd.8,          each long flag is an item ".It ... Fl -NAME ..." of
#   irqchipctl.1         the options list; "Fl -NAME" anywhere else must name
#                        a flag that exists.
# Exit 77 (skip) only when mandoc is missing, and only if everything else passed.
set -u

b=${IRQCHIPD_BUILDDIR:-.}
s=${IRQCHIPD_SRCDIR:-.}
daemon=$b/daemon/irqchipd
ctl=$b/proto/irqchipctl
proto7=$s/man/irqchipd-protocol.7
daemon8=$s/man/irqchipd.8
ctl1=$s/man/irqchipctl.1
# A cross build's programs run through the emulator the tests are given.
run=${IRQCHIPD_TEST_EXEC:-}
failed=0

fail() {
	echo "check-manpages: $*" >&2
	failed=1
}

for f in "$daemon" "$ctl"; do
	if [ ! -x "$f" ]; then
		echo "check-manpages: $f is not built" >&2
		exit 99
	fi
done
for f in "$proto7" "$daemon8" "$ctl1"; do
	if [ ! -r "$f" ]; then
		echo "check-manpages: $f is missing" >&2
		exit 99
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-manpages.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' 0

# Reports what only the program knows, what only the page documents, and
# what either lists twice.
compare() {
	what=$1 known=$2 documented=$3 page=$4
	sort "$known" | uniq -d > "$tmp/dup"
	while read -r x; do
		fail "$what '$x' appears twice in the program's own listing"
	done < "$tmp/dup"
	sort "$documented" | uniq -d > "$tmp/dup"
	while read -r x; do
		fail "$what '$x' is documented twice in $page"
	done < "$tmp/dup"
	sort -u "$known" > "$tmp/a"
	sort -u "$documented" > "$tmp/b"
	comm -23 "$tmp/a" "$tmp/b" > "$tmp/only"
	while read -r x; do
		fail "$what '$x' exists but is not documented in $page"
	done < "$tmp/only"
	comm -13 "$tmp/a" "$tmp/b" > "$tmp/only"
	while read -r x; do
		fail "$what '$x' is documented in $page but does not exist"
	done < "$tmp/only"
}

# Commands and their arguments: irqchipd --list-commands prints each command
# at the start of a line and each argument indented, optional ones in [ ].
if ! $run "$daemon" --list-commands > "$tmp/list"; then
	echo "check-manpages: irqchipd --list-commands failed" >&2
	exit 99
fi
awk '/^[^ ]/ { print $1 }' "$tmp/list" > "$tmp/cmds.known"
awk '/^[^ ]/ { cmd = $1; next }
    /^ / { a = $1; gsub(/^\[|\]$/, "", a); print cmd " " a }' "$tmp/list" > "$tmp/args.known"
if [ ! -s "$tmp/cmds.known" ]; then
	echo "check-manpages: irqchipd --list-commands printed no commands" >&2
	exit 99
fi
awk '/^\.Sh / { sec = substr($0, 5); next }
    sec == "COMMANDS" && /^\.It Ic / { print $3 }' "$proto7" > "$tmp/cmds.man"
awk '/^\.Sh / { sec = substr($0, 5); next }
    sec != "COMMANDS" { next }
    /^\.It Ic / { cmd = $3 }
    /^\.It Ar / { print (cmd == "" ? "(none)" : cmd) " " $3 }' "$proto7" > "$tmp/args.man"
compare command "$tmp/cmds.known" "$tmp/cmds.man" irqchipd-protocol.7
compare "argument (command, name)" "$tmp/args.known" "$tmp/args.man" irqchipd-protocol.7

# Long flags: those in --help against the .It items of the page, and every
# "Fl -name" anywhere in the page against --help.
# Chip types: the daemon's class list against the subsections of CHIP TYPES.
if ! $run "$daemon" --print-capabilities > "$tmp/caps"; then
	echo "check-manpages: irqchipd --print-capabilities failed" >&2
	exit 99
fi
sed -n 's/.*"chip-types":\[\([^]]*\)\].*/\1/p' "$tmp/caps" | tr ',' '\n' |
    tr -d '"' | sed '/^$/d' > "$tmp/types.known"
if [ ! -s "$tmp/types.known" ]; then
	echo "check-manpages: irqchipd --print-capabilities listed no chip types" >&2
	exit 99
fi
awk '/^\.Sh / { sec = substr($0, 5); next }
    sec == "CHIP TYPES" && /^\.Ss / { print $2 }' "$proto7" > "$tmp/types.man"
compare "chip type" "$tmp/types.known" "$tmp/types.man" irqchipd-protocol.7

flags_help() {
	$run "$1" --help | grep -oE -e '--[a-z][a-z0-9-]*' | sort -u
}
flags_man() {
	sed -n "$2" "$1" | grep -oE -e 'Fl (\\)?-[a-z][a-z0-9-]*' |
	    sed -e 's/^Fl \\*-/--/' | sort -u
}
check_flags() {
	prog=$1 page=$2 name=$3
	if ! flags_help "$prog" > "$tmp/flags.known" || [ ! -s "$tmp/flags.known" ]; then
		echo "check-manpages: $name --help printed no long flags" >&2
		exit 99
	fi
	flags_man "$page" '/^\.It /p' > "$tmp/flags.items"
	flags_man "$page" p > "$tmp/flags.all"
	comm -23 "$tmp/flags.known" "$tmp/flags.items" > "$tmp/only"
	while read -r x; do
		fail "$name flag $x is not documented (no .It Fl -${x#--}) in ${page##*/}"
	done < "$tmp/only"
	comm -13 "$tmp/flags.known" "$tmp/flags.all" > "$tmp/only"
	while read -r x; do
		fail "${page##*/} mentions $x, which $name --help does not list"
	done < "$tmp/only"
}
check_flags "$daemon" "$daemon8" irqchipd
check_flags "$ctl" "$ctl1" irqchipctl

if ! command -v mandoc > /dev/null 2>&1; then
	if [ "$failed" -ne 0 ]; then
		exit 1
	fi
	echo "check-manpages: mandoc is not installed (apt-get install mandoc):" \
	    "pages not linted" >&2
	exit 77
fi
for page in "$daemon8" "$ctl1" "$proto7"; do
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
		fail "mandoc -Tlint -W warning ${page##*/} (exit $rc):"
		printf '%s\n' "$out" >&2
	fi
done

exit "$failed"
