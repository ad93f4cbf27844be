/*
 * irqchipd client library: the VMM side of protocol v1.
 *
 * Connect, negotiate, execute commands with file descriptors, receive events.
 * Every function returns 0 or a negative errno; where a person needs a reason,
 * *cause receives a malloc'ed sentence (free it). Calls are serialised by an
 * internal lock, so vCPU threads and device threads may share one client.
 * Reference: irqchipd-protocol(7).
 */
#ifndef IRQCHIP_H
#define IRQCHIP_H

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IRQCHIP_PROTOCOL_VERSION	1
#define IRQCHIP_MAX_MESSAGE		65536	/* bytes in one packet */
#define IRQCHIP_MAX_FDS			16	/* fds in one packet */
/*
 * How long a call waits for irqchipd: to take the request, then for each
 * message of the reply. Long, because one request may run thousands of
 * guest commands (an ITS queue, a chip-load); short of for ever, because a
 * stalled daemon must not hold the caller (and a VM lock) for good.
 */
#define IRQCHIP_DEFAULT_TIMEOUT_MS	30000
/* Events received but not yet taken with irqchip_client_next_event. */
#define IRQCHIP_DEFAULT_MAX_EVENTS	65536

struct irqchip_client;

/* Connect to the daemon's socket and read its greeting. */
int irqchip_client_connect(const char *path, struct irqchip_client **out, char **cause);
/* Same over an already connected SOCK_SEQPACKET socket; takes ownership of fd. */
int irqchip_client_open_fd(int fd, struct irqchip_client **out, char **cause);
void irqchip_client_close(struct irqchip_client *);

/*
 * The call timeout (IRQCHIP_DEFAULT_TIMEOUT_MS; < 0 waits for ever). A call
 * that runs out fails with -ETIMEDOUT and a sentence that says so; a reply
 * that arrives later is skipped by the next call.
 */
void irqchip_client_set_timeout(struct irqchip_client *, int timeout_ms);
/*
 * The bound on queued events (IRQCHIP_DEFAULT_MAX_EVENTS). When it would be
 * passed, the library closes the connection and every call, and
 * irqchip_client_next_event once the queue is empty, fails with -ENOBUFS:
 * the daemon keeps the session, and a new connection resumes it with the
 * greeting's token (routes and pending interrupts are announced again).
 */
void irqchip_client_set_max_events(struct irqchip_client *, unsigned max);

/* The socket, for poll(2) while waiting for events. */
int irqchip_client_fd(const struct irqchip_client *);
/* The greeting's "greeting" object (borrowed; valid until close). */
json_object *irqchip_client_greeting(const struct irqchip_client *);

/*
 * negotiate: caps is a NULL-terminated list of capability names (may be NULL);
 * resume is a session token or NULL. *ret (may be NULL) receives the return
 * object.
 */
int irqchip_client_negotiate(struct irqchip_client *, const char *const *caps,
    const char *resume, json_object **ret, char **cause);

/*
 * Execute one command and wait for its reply. args (may be NULL) is borrowed;
 * fds are sent with the packet and stay owned by the caller. On a "return"
 * reply: 0 and *ret is the return object (a new reference). On an "error"
 * reply: -EREMOTEIO, *cause is "Class: description", and *err (if not NULL) the
 * error object. Transport failures: other negative errnos.
 */
int irqchip_client_call(struct irqchip_client *, const char *command, json_object *args,
    const int *fds, unsigned nfds, json_object **ret, json_object **err, char **cause);

/* Send raw bytes as one packet (tests and the CLI's raw mode). */
int irqchip_client_send_raw(struct irqchip_client *, const void *buf, size_t len,
    const int *fds, unsigned nfds);
/* Receive the next non-event message (a reply); events are queued. */
int irqchip_client_recv_reply(struct irqchip_client *, int timeout_ms, json_object **msg);

/* Next event: 0 and *event (new reference), or -ETIMEDOUT; timeout_ms < 0 waits. */
int irqchip_client_next_event(struct irqchip_client *, int timeout_ms, json_object **event);

/* Reads a 64-bit value given as a JSON integer or a "0x..."/decimal string. */
int irqchip_json_u64(json_object *, uint64_t *);

#ifdef __cplusplus
}
#endif

#endif
