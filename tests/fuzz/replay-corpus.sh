#!/bin/sh
# Replays each fuzz target's corpus through its standalone build.
set -eu
b=${IRQCHIPD_BUILDDIR:-.}
s=${IRQCHIPD_SRCDIR:-.}
"$b/tests/fuzz/replay_protocol" "$s"/tests/fuzz/corpus/protocol/*
"$b/tests/fuzz/replay_ioapic" "$s"/tests/fuzz/corpus/ioapic/*
"$b/tests/fuzz/replay_xive" "$s"/tests/fuzz/corpus/xive/*
