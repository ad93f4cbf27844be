/*
 * The commands of protocol v1, as one list made of each noun's table
 * (cmd-session.c, cmd-chip.c, cmd-fd.c, cmd-memory.c, cmd-ring.c). Dispatch,
 * `irqchipd --list-commands`, query-commands and the man-page check all
 * read it.
 */
#include "config.h"

#include <string.h>

#include "compiler.h"
#include "daemon.h"

static const struct command_table *const tables[] = {
	&cmd_session_table, &cmd_chip_table, &cmd_fd_table, &cmd_memory_table,
	&cmd_ring_table,
};

const struct command *
command_at(size_t i)
{
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		if (i < tables[t]->n)
			return &tables[t]->commands[i];
		i -= tables[t]->n;
	}
	return NULL;
}

const struct command *
command_find(const char *name)
{
	const struct command *c;

	for (size_t i = 0; (c = command_at(i)) != NULL; i++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}
