/*
 * libFuzzer target: one protocol message, after a negotiated session with an
 * IOAPIC, handled by a real server over a socketpair. Anything that crashes,
 * leaks or trips a sanitizer here is reachable by a client.
 */
#include "config.h"

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "daemon.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
drain(int fd)
{
	char buf[WIRE_MAX_MESSAGE];

	while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
}

static void
exchange(struct event_base *base, int fd, const void *msg, size_t len)
{
	if (send(fd, msg, len, MSG_NOSIGNAL) < 0)
		return;
	event_base_loop(base, EVLOOP_NONBLOCK);
	drain(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char negotiate[] = "{\"execute\":\"negotiate\"}";
	static const char add[] = "{\"execute\":\"chip-add\",\"arguments\":"
	    "{\"type\":\"ioapic\",\"id\":\"io0\"}}";
	struct server_options opts = { .exit_on_disconnect = false };
	struct event_base *base;
	struct server *srv;
	char *cause = NULL;
	int sv[2];

	if (size > WIRE_MAX_MESSAGE)
		return 0;
	log_set_level(LOG_LEVEL_ERROR);
	base = event_base_new();
	srv = server_create(base, &opts, &cause);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	server_attach(srv, sv[1], getuid(), &cause);
	drain(sv[0]);
	exchange(base, sv[0], negotiate, sizeof negotiate - 1);
	exchange(base, sv[0], add, sizeof add - 1);
	exchange(base, sv[0], data, size);
	close(sv[0]);
	event_base_loop(base, EVLOOP_NONBLOCK);
	server_free(srv);
	event_base_free(base);
	return 0;
}
