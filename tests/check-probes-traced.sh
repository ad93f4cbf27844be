#!/bin/sh
# The USDT probes fire, with the arguments irqchipd(8) documents: bpftrace
# attaches to each probe of a running daemon, irqchipctl programs an IOAPIC
# entry, raises its line and EOIs its vector, and every probe reports what
# that did (the request and its answer, the guest register write, the route,
# the delivery and its backend, the EOI).
# Exit 77 (skip) only when that cannot happen here: the build has no probes,
# bpftrace is not installed or may not attach (it needs root or CAP_BPF and
# uprobes), or the daemon runs under an emulator ($IRQCHIPD_TEST_EXEC).
set -u

b=${IRQCHIPD_BUILDDIR:-.}
daemon=$(cd "$b/daemon" && pwd)/irqchipd
ctl=$b/proto/irqchipctl

skip() {
	echo "check-probes-traced: $*: not traced" >&2
	exit 77
}
grep -q '^#define HAVE_SYS_SDT_H 1' "$b/config.h" ||
	skip "built without sys/sdt.h (systemtap-sdt-dev)"
[ -z "${IRQCHIPD_TEST_EXEC:-}" ] ||
	skip "the daemon runs under $IRQCHIPD_TEST_EXEC, where uprobes cannot reach it"
command -v bpftrace > /dev/null 2>&1 || skip "bpftrace is not installed"
bpftrace -e 'BEGIN { exit(); }' > /dev/null 2>&1 || skip "bpftrace may not attach here"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-probes.XXXXXX") || exit 99
pid= tracer=
cleanup() {
	[ -n "$tracer" ] && kill -INT "$tracer" 2> /dev/null
	[ -n "$pid" ] && kill "$pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup 0

"$daemon" --socket-path "$tmp/sock" --log-level warn &
pid=$!
i=0
while [ ! -S "$tmp/sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$tmp/sock" ] || { echo "check-probes-traced: irqchipd did not start" >&2; exit 99; }

u="usdt:$daemon:irqchipd"
timeout 60 bpftrace -p "$pid" -e "
BEGIN { printf(\"ready\n\"); }
$u:request__received { printf(\"received %s\n\", str(arg0, arg1)); }
$u:request__answered { printf(\"answered %s ok=%d %s\n\", str(arg0), arg1, str(arg2)); }
$u:mmio { printf(\"mmio %s %s offset=%d size=%d value=0x%x write=%d\n\", str(arg0),
    str(arg1), arg2, arg3, arg4, arg5); }
$u:route { printf(\"route gsi=%d present=%d address=0x%x data=0x%x\n\", arg0, arg1,
    arg2, arg3); }
$u:deliver { printf(\"deliver %s line=%d %s %s gsi=%d value=0x%x\n\", str(arg0), arg1,
    str(arg2), str(arg3), arg4, arg5); }
$u:eoi { printf(\"eoi vector=%d\n\", arg0); }
" > "$tmp/trace" 2> "$tmp/trace.err" &
tracer=$!
i=0
while ! grep -q '^ready$' "$tmp/trace" && [ $i -lt 300 ]; do
	kill -0 "$tracer" 2> /dev/null || break
	sleep 0.1
	i=$((i + 1))
done
grep -q '^ready$' "$tmp/trace" || {
	cat "$tmp/trace.err" >&2
	skip "bpftrace did not attach to the daemon's probes"
}

ctl() {
	"$ctl" -s "$tmp/sock" "$@" > /dev/null 2>> "$tmp/ctl.err"
}
# Entry 0: vector 0x30, level-triggered, active low, unmasked; then the
# line rises, and the EOI of 0x30 re-delivers it while it stays high.
ctl chip-add type=ioapic id=io0
ctl mmio-write id=io0 offset=0 size=4 value=0x10
ctl mmio-write id=io0 offset=0x10 size=4 value=0xa030
ctl line-set id=io0 line=0 level=1
ctl eoi vector=0x30
ctl chip-del id=nope
sleep 0.5
kill -INT "$tracer"
wait "$tracer"
tracer=

failed=0
expect() {
	grep -qxF "$1" "$tmp/trace" || { echo "check-probes-traced: no '$1'" >&2; failed=1; }
}
expect 'answered chip-add ok=1 '
expect 'mmio io0 registers offset=16 size=4 value=0xa030 write=1'
expect 'route gsi=0 present=1 address=0xfee00000 data=0x8030'
expect 'deliver io0 line=0 x86-msi effect gsi=0 value=0x8030'
expect 'eoi vector=48'
expect 'answered chip-del ok=0 DeviceNotFound'
grep -q '^received {"execute":"line-set"' "$tmp/trace" ||
	{ echo "check-probes-traced: no request__received for line-set" >&2; failed=1; }
# The EOI re-delivers the line that is still high: a second delivery.
n=$(grep -c '^deliver io0 line=0 x86-msi effect' "$tmp/trace")
[ "$n" -eq 2 ] || { echo "check-probes-traced: $n deliveries, expected 2" >&2; failed=1; }
if [ "$failed" -ne 0 ]; then
	echo "--- trace:" >&2
	grep -v '^route gsi=[0-9]* present=0' "$tmp/trace" >&2
fi
exit "$failed"
