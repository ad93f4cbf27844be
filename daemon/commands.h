/* The command table: one const table feeds dispatch, --list-commands and query-commands. */
#ifndef IRQCHIPD_COMMANDS_H
#define IRQCHIPD_COMMANDS_H

#include "args.h"
#include "server.h"

#define CMD_BEFORE_NEGOTIATE	0x1	/* allowed before negotiate */
#define CMD_EXTRA_ARGS		0x2	/* handler validates keys beyond the schema */
#define CMD_EFFECTS		0x4	/* the reply carries "effects" */

struct command {
	const char *name;
	int (*handler)(struct server *, struct args *, struct reply *);
	const struct arg_spec *args;
	size_t nargs;
	int flags;
	const char *help;
};

extern const struct command commands[];
extern const size_t ncommands;
const struct command *command_find(const char *name);
/* Fills the negotiated client's session answer (commands.c knows the capabilities). */
json_object *server_capabilities(const struct server *);
json_object *server_limits(void);

#endif
