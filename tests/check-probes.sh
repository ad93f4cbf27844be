#!/bin/sh
# The USDT probes are in the programs: `readelf -n` finds a .note.stapsdt
# note of provider irqchipd for each probe irqchipd(8) documents, in the
# daemon and in the embedded-mode library (which carries the same server).
# Exit 77 (skip) only when the build has no probes: configure found no
# sys/sdt.h (apt-get install systemtap-sdt-dev), as in the cross builds.
set -u

b=${IRQCHIPD_BUILDDIR:-.}
probes="request__received request__answered mmio deliver eoi route"
failed=0

if ! grep -q '^#define HAVE_SYS_SDT_H 1' "$b/config.h"; then
	echo "check-probes: built without sys/sdt.h (systemtap-sdt-dev): no probes to find" >&2
	exit 77
fi
readelf=${READELF:-readelf}
for f in "$b/daemon/irqchipd" "$b/daemon/.libs/libirqchip-embedded.so"; do
	if [ ! -f "$f" ]; then
		# A static build (--disable-shared) has no shared library to look in.
		case $f in *.so) continue ;; esac
		echo "check-probes: $f is not built" >&2
		exit 99
	fi
	notes=$("$readelf" -n "$f") || exit 99
	for p in $probes; do
		printf '%s\n' "$notes" | grep -A2 'stapsdt' | grep -q "Name: $p\$" ||
			{ echo "check-probes: $f has no probe irqchipd:$p" >&2; failed=1; }
	done
	n=$(printf '%s\n' "$notes" | grep -c 'Provider: irqchipd')
	[ "$n" -ge 6 ] || { echo "check-probes: $f: $n irqchipd probe sites" >&2; failed=1; }
done
exit "$failed"
