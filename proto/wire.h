/*
 * Protocol v1 framing, shared by the daemon and the client library:
 * AF_UNIX SOCK_SEQPACKET, one packet = one JSON message, fds as SCM_RIGHTS
 * in the same packet (irqchipd-protocol(7)).
 */
#ifndef IRQCHIPD_WIRE_H
#define IRQCHIPD_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define WIRE_MAX_MESSAGE	65536
#define WIRE_MAX_FDS		16
#define WIRE_MAX_DEPTH		16	/* JSON nesting a message may have */

/* Sends one packet; 0 or -errno. Never raises SIGPIPE. */
int wire_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds);
int wire_send_json(int sock, json_object *msg, const int *fds, unsigned nfds);

/*
 * Receives one packet into buf (size bytes). 0 with *len (0 = peer closed),
 * -EMSGSIZE if the packet was longer than size, -EPROTO if the control data
 * was truncated (too many fds, or the receiver at its fd limit: *len is the
 * whole message and *nfds how many fds arrived); on both errors every
 * received fd is closed (set to -1).
 * fds must have room for WIRE_MAX_FDS; received fds are close-on-exec.
 */
int wire_recv(int sock, char *buf, size_t size, size_t *len, int *fds, unsigned *nfds,
    int flags);

/*
 * Parses one JSON text strictly (UTF-8 checked, nesting limited, nothing after
 * the value). NULL and *cause set on failure.
 */
json_object *wire_parse(const char *buf, size_t len, char **cause);

/* A 64-bit value as JSON: an integer when exact, else a "0x..." string. */
json_object *wire_u64(uint64_t);
/* Reads a JSON integer >= 0 or a "0x..."/decimal string; -EINVAL otherwise. */
int wire_get_u64(json_object *, uint64_t *);

void wire_close_fds(int *fds, unsigned nfds);

/*
 * The library-side reason convention: *cause (when cause is not NULL) gets a
 * malloc'ed sentence; returns rc, so that `return wire_set_cause(...)` reads.
 */
int wire_set_cause(char **cause, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
