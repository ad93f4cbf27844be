# The man pages, and the check that keeps them in step with the programs:
# mandoc -Tlint is silent, and every command, command argument and long flag
# is documented (tests/check-manpages.sh says which conventions it relies on).
dist_man_MANS += man/irqchipd.8 man/irqchipctl.1 man/irqchipd-protocol.7
TESTS += tests/check-manpages.sh
EXTRA_DIST += tests/check-manpages.sh
