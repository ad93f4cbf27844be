#!/bin/sh
# The systemd units (systemd/irqchipd@.socket, irqchipd@.service) against
# systemd's own tools, on a host whose PID 1 need not be systemd:
#
#  1. systemd-analyze verify, on the units instantiated as irqchipd@vm1, with
#     ExecStart pointing at the built daemon and this tree's man pages on
#     MANPATH (Documentation= is checked too): exit 0 and nothing to say,
#     since an unknown directive is only a warning;
#  2. the hardening the service promises: each directive irqchipd(8) names
#     is set, and systemd-analyze security --offline rates the service's
#     exposure at most 0.5 (of 10; 0.4 when this was written);
#  3. socket activation as the units set it up: systemd-socket-activate
#     listens on the path of ListenSequentialPacket= (moved from /run into a
#     private directory) and runs the service's ExecStart= only when a client
#     connects; irqchipctl then talks to that daemon, which stops on SIGTERM.
#  4. as root, the same under an approximation of the unit's sandbox that
#     needs no systemd: a user that is not root (nobody, as a dynamic user
#     would be), no_new_privs, a network namespace of its own
#     (PrivateNetwork=), and the socket mode of the .socket unit. Root gets
#     in through the unit's --allow-uid 0, the VMM's user through the
#     --allow-uid that IRQCHIPD_OPTIONS adds (irqchipd/VM.conf), and any
#     other user, the daemon's own too, is refused with PermissionDenied.
#     The rest of the sandbox (ProtectSystem=, the system call filter, ...)
#     needs systemd as PID 1 and is not applied here.
#
# Exit 77 (skip) only when systemd-analyze or systemd-socket-activate is not
# installed (Debian package systemd), and only if what could run passed.
set -u

b=${IRQCHIPD_BUILDDIR:-.}
s=${IRQCHIPD_SRCDIR:-.}
run=${IRQCHIPD_TEST_EXEC:-}
daemon=$(cd "$b/daemon" && pwd)/irqchipd
ctl=$b/proto/irqchipctl
socket_unit=$b/systemd/irqchipd@.socket
service_unit=$b/systemd/irqchipd@.service
failed=0
skipped=

fail() {
	echo "check-systemd: $*" >&2
	failed=1
}

for f in "$daemon" "$ctl" "$socket_unit" "$service_unit"; do
	if [ ! -e "$f" ]; then
		echo "check-systemd: $f is not built" >&2
		exit 99
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-systemd.XXXXXX") || exit 99
act=
cleanup() {
	[ -n "$act" ] && kill "$act" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup 0

# The units as installed, but starting the daemon of this build.
mkdir -p "$tmp/units" "$tmp/man/man7" "$tmp/man/man8"
cp "$socket_unit" "$tmp/units/"
sed -e "s|^ExecStart=[^ ]*irqchipd |ExecStart=$daemon |" "$service_unit" \
	> "$tmp/units/irqchipd@.service"
grep -q "^ExecStart=$daemon " "$tmp/units/irqchipd@.service" ||
	fail "irqchipd@.service: no ExecStart= that runs irqchipd"
ln -s "$(cd "$s/man" && pwd)/irqchipd.8" "$tmp/man/man8/irqchipd.8"
ln -s "$(cd "$s/man" && pwd)/irqchipd-protocol.7" "$tmp/man/man7/irqchipd-protocol.7"

# 1. and 2.
if command -v systemd-analyze > /dev/null 2>&1; then
	man=--man=yes
	if ! command -v man > /dev/null 2>&1; then
		echo "check-systemd: man is not installed: Documentation= not checked" >&2
		man=--man=no
	fi
	out=$(cd "$tmp/units" && MANPATH=$tmp/man systemd-analyze verify "$man" \
		./irqchipd@vm1.socket ./irqchipd@vm1.service 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
		fail "systemd-analyze verify (exit $rc):"
		printf '%s\n' "$out" >&2
	fi
	out=$(cd "$tmp/units" && systemd-analyze security --offline=yes --threshold=5 \
		./irqchipd@vm1.service 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep 'Overall exposure' >&2
	if [ "$rc" -ne 0 ]; then
		fail "systemd-analyze security: exposure above 0.5 (exit $rc):"
		printf '%s\n' "$out" | grep -v '✓' >&2
	fi
else
	skipped="$skipped systemd-analyze"
fi

for d in PrivateNetwork=yes ProtectSystem=strict NoNewPrivileges=yes DynamicUser=yes \
    RestrictAddressFamilies=AF_UNIX SystemCallFilter=@system-service \
    'SystemCallFilter=~@privileged @resources' Type=notify; do
	grep -qx "$d" "$service_unit" || fail "irqchipd@.service lacks $d"
done

# 3.
listen=$(sed -n 's/^ListenSequentialPacket=//p' "$socket_unit")
case $listen in
/run/irqchipd/%i.sock) ;;
*) fail "irqchipd@.socket: ListenSequentialPacket=$listen, not /run/irqchipd/%i.sock" ;;
esac
if command -v systemd-socket-activate > /dev/null 2>&1; then
	sock=$tmp/run/irqchipd/vm1.sock
	mkdir -p "$tmp/run/irqchipd"
	# ExecStart= with its $IRQCHIPD_OPTIONS, as irqchipd/vm1.conf would set it
	# for a VMM of our uid (root is on the command line already).
	set -- $(sed -n "s/^ExecStart=//p" "$tmp/units/irqchipd@.service")
	shift
	opts=
	for a in "$@"; do
		case $a in
		'$IRQCHIPD_OPTIONS') opts="$opts --allow-uid $(id -u)" ;;
		*) opts="$opts $a" ;;
		esac
	done
	systemd-socket-activate --seqpacket -l "$sock" $run "$daemon" $opts \
		--log-file "$tmp/log" > "$tmp/activate.out" 2>&1 &
	act=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if [ ! -S "$sock" ]; then
		fail "systemd-socket-activate did not listen on $sock"
		cat "$tmp/activate.out" >&2
	else
		# Nothing runs the daemon before a client comes.
		before=$(cat "/proc/$act/comm" 2> /dev/null)
		[ -e "$tmp/log" ] && fail "irqchipd started before any client connected"
		out=$($run "$ctl" -s "$sock" query-version 2>&1)
		rc=$?
		after=$(cat "/proc/$act/comm" 2> /dev/null)
		if [ "$rc" -ne 0 ] || ! printf '%s\n' "$out" | grep -q '^protocol: 1$'; then
			fail "irqchipctl query-version through the activated socket (exit $rc):"
			printf '%s\n' "$out" >&2
			cat "$tmp/activate.out" "$tmp/log" >&2 2> /dev/null
		fi
		[ "$before" != "$after" ] ||
			fail "the activated process is still $before after a client connected"
		grep -q 'listening on an inherited socket' "$tmp/log" 2> /dev/null ||
			fail "irqchipd did not log that it serves the inherited socket"
		# It keeps the socket across clients, and stops cleanly.
		$run "$ctl" -s "$sock" query-status > /dev/null 2>&1 ||
			fail "a second client could not connect after the first left"
		kill -TERM "$act"
		wait "$act"
		rc=$?
		act=
		[ "$rc" -eq 0 ] || fail "irqchipd exited with status $rc on SIGTERM"
	fi
else
	skipped="$skipped systemd-socket-activate"
fi

# 4.
if [ "$(id -u)" -ne 0 ]; then
	echo "check-systemd: not root: the sandboxed run (4.) was not tried" >&2
elif ! command -v systemd-socket-activate > /dev/null 2>&1; then
	:
elif ! command -v setpriv > /dev/null 2>&1 || ! command -v unshare > /dev/null 2>&1 ||
    ! unshare -n true 2> /dev/null; then
	echo "check-systemd: no setpriv, or unshare -n fails: the sandboxed run (4.) was not tried" >&2
elif ! setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
    'test -x "$1" && test -r "$1" && test -r "$2"' sh "$daemon" "$ctl" 2> /dev/null; then
	echo "check-systemd: uid 65534 cannot reach the build tree: the sandboxed run (4.) was not tried" >&2
else
	sock=$tmp/run/irqchipd/vm2.sock
	mode=$(sed -n 's/^SocketMode=//p' "$socket_unit")
	nobody=65534
	set -- $(sed -n "s/^ExecStart=//p" "$tmp/units/irqchipd@.service")
	shift
	opts=
	vmm=4242	# the VMM's user, let in by irqchipd/vm2.conf
	for a in "$@"; do
		case $a in
		'$IRQCHIPD_OPTIONS') opts="$opts --allow-uid $vmm" ;;
		*) opts="$opts $a" ;;
		esac
	done
	systemd-socket-activate --seqpacket -l "$sock" unshare -n setpriv --reuid=$nobody \
		--regid=$nobody --clear-groups --no-new-privs $run "$daemon" $opts \
		> "$tmp/sandbox.out" 2>&1 &
	act=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	# As under /run: the way to the socket is open, the socket has the unit's mode.
	chmod 0755 "$tmp" "$tmp/run" "$tmp/run/irqchipd"
	chmod "$mode" "$sock"
	out=$($run "$ctl" -s "$sock" query-version 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] || ! printf '%s\n' "$out" | grep -q '^protocol: 1$'; then
		fail "sandboxed: root could not use the daemon (exit $rc): $out"
		cat "$tmp/sandbox.out" >&2
	fi
	status=/proc/$act/status
	grep -q "^Uid:[[:space:]]*$nobody[[:space:]]" "$status" ||
		fail "sandboxed: the daemon does not run as uid $nobody"
	grep -q '^NoNewPrivs:[[:space:]]*1' "$status" ||
		fail "sandboxed: the daemon runs without no_new_privs"
	[ "$(readlink "/proc/$act/ns/net")" != "$(readlink /proc/self/ns/net)" ] ||
		fail "sandboxed: the daemon shares the host's network namespace"
	out=$(setpriv --reuid=$vmm --regid=$vmm --clear-groups $run "$ctl" -s "$sock" \
		query-version 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] || ! printf '%s\n' "$out" | grep -q '^protocol: 1$'; then
		fail "sandboxed: the VMM's uid $vmm, given in IRQCHIPD_OPTIONS, was refused (exit $rc): $out"
	fi
	# Not even the daemon's own user: the unit's list is explicit.
	out=$(setpriv --reuid=$nobody --regid=$nobody --clear-groups $run "$ctl" -s "$sock" \
		query-version 2>&1)
	rc=$?
	if [ "$rc" -ne 1 ] || ! printf '%s\n' "$out" | grep -q 'PermissionDenied\|may not connect'; then
		fail "sandboxed: uid $nobody, not in --allow-uid, was not refused (exit $rc): $out"
	fi
	kill -TERM "$act"
	wait "$act"
	rc=$?
	act=
	[ "$rc" -eq 0 ] || fail "sandboxed: irqchipd exited with status $rc on SIGTERM"
fi

if [ -n "$skipped" ]; then
	[ "$failed" -ne 0 ] && exit 1
	echo "check-systemd: not installed:$skipped (apt-get install systemd); not checked" >&2
	exit 77
fi
exit "$failed"
