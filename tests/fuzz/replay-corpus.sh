#!/bin/sh
# Replays each fuzz target's corpus through its standalone build.
set -eu
b=${IRQCHIPD_BUILDDIR:-.}
s=${IRQCHIPD_SRCDIR:-.}
# A cross build's programs run through the emulator the tests are given.
run=${IRQCHIPD_TEST_EXEC:-}
$run "$b/tests/fuzz/replay_protocol" "$s"/tests/fuzz/corpus/protocol/*
$run "$b/tests/fuzz/replay_ioapic" "$s"/tests/fuzz/corpus/ioapic/*
