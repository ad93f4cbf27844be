# tests/integration.mk: filled in by its suite
