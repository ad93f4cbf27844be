# bash completion for irqchipctl: generated from the command and chip-class
# tables' source (so a cross build needs no target program to run), then the
# hand-written completion function; installed as bash-completion looks for it.
noinst_DATA += completion/irqchipctl
if INSTALL_BASH_COMPLETION
bashcompletion_DATA = completion/irqchipctl
endif
EXTRA_DIST += completion/gen-completion.awk completion/irqchipctl.bash
CLEANFILES += completion/irqchipctl

completion_sources = $(srcdir)/daemon/cmd-*.c $(srcdir)/daemon/chip_*.c
completion/irqchipctl: completion/gen-completion.awk completion/irqchipctl.bash \
    daemon/cmd-session.c daemon/cmd-chip.c daemon/cmd-fd.c daemon/cmd-memory.c \
    daemon/cmd-ring.c \
    daemon/chip_ioapic.c daemon/chip_gicv3_its.c daemon/chip_xics.c daemon/chip_xive.c
	$(AM_V_GEN)$(MKDIR_P) completion && \
	$(AWK) -f $(srcdir)/completion/gen-completion.awk $(completion_sources) > $@.tmp && \
	cat $(srcdir)/completion/irqchipctl.bash >> $@.tmp && mv $@.tmp $@

TESTS += tests/check-completion.sh
EXTRA_DIST += tests/check-completion.sh
