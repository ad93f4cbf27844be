/*
 * libFuzzer target: one protocol message, after a negotiated session with one
 * chip of every type (an IOAPIC; a GICv3 ITS with guest RAM, enabled; a XICS
 * and a XIVE paired, with claimed sources), handled by a real server over a
 * socketpair. Anything that crashes, leaks or trips a sanitizer here is
 * reachable by a client.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <fcntl.h>
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
	static const char *const setup[] = {
		"{\"execute\":\"chip-add\",\"arguments\":{\"type\":\"ioapic\",\"id\":\"io0\"}}",
		"{\"execute\":\"chip-add\",\"arguments\":{\"type\":\"gicv3-its\",\"id\":\"its0\","
		    "\"cpus\":2}}",
		/* A device table, a queue, the enable: MSIs and CWRITER reach the tables. */
		"{\"execute\":\"mmio-write\",\"arguments\":{\"id\":\"its0\",\"offset\":256,"
		    "\"size\":8,\"value\":\"0x8107000040010001\"}}",
		"{\"execute\":\"mmio-write\",\"arguments\":{\"id\":\"its0\",\"offset\":264,"
		    "\"size\":8,\"value\":\"0x8407000040020000\"}}",
		"{\"execute\":\"mmio-write\",\"arguments\":{\"id\":\"its0\",\"offset\":128,"
		    "\"size\":8,\"value\":\"0x8000000040000000\"}}",
		"{\"execute\":\"mmio-write\",\"arguments\":{\"id\":\"its0\",\"offset\":0,"
		    "\"size\":4,\"value\":1}}",
		"{\"execute\":\"chip-add\",\"arguments\":{\"type\":\"xics\",\"id\":\"x0\","
		    "\"cpus\":2,\"sources\":64}}",
		"{\"execute\":\"chip-add\",\"arguments\":{\"type\":\"xive\",\"id\":\"v0\","
		    "\"cpus\":2,\"sources\":4224,\"pair-with\":\"x0\"}}",
		"{\"execute\":\"irq-claim\",\"arguments\":{\"id\":\"v0\",\"count\":4,"
		    "\"type\":\"msi\",\"irq\":4096}}",
		"{\"execute\":\"irq-claim\",\"arguments\":{\"id\":\"v0\",\"count\":2,"
		    "\"type\":\"lsi\",\"irq\":4100}}",
	};
	struct server_options opts = { .exit_on_disconnect = false };
	struct event_base *base;
	struct server *srv;
	char *cause = NULL;
	int sv[2], ramfd;

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
	/* 1 MiB of guest RAM for the ITS tables and the XIVE queues. */
	if ((ramfd = memfd_create("fuzz-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING)) >= 0) {
		struct reply r;

		reply_init(&r);
		if (ftruncate(ramfd, 1 << 20) == 0 &&
		    fcntl(ramfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0)
			(void)memory_add(srv, 0x40000000, 1 << 20, ramfd, 0, &r);
		else
			close(ramfd);
		reply_clear(&r);
	}
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
		exchange(base, sv[0], setup[i], strlen(setup[i]));
	exchange(base, sv[0], data, size);
	close(sv[0]);
	event_base_loop(base, EVLOOP_NONBLOCK);
	server_free(srv);
	event_base_free(base);
	return 0;
}
