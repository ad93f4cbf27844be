/*
 * The irqchipd server: one listening socket, at most one client, the chips,
 * and the fds the client gave us. Used by the daemon (main.c) and by embedded
 * mode (embedded.c); no file-scope state, so several servers may coexist.
 */
#ifndef IRQCHIPD_SERVER_H
#define IRQCHIPD_SERVER_H

#include <sys/queue.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <json-c/json.h>

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct server;
struct chip;
struct args;

/* Error classes of protocol v1, as they appear on the wire. */
enum error_class {
	ERR_GENERIC,
	ERR_PROTOCOL,
	ERR_COMMAND_NOT_FOUND,
	ERR_INVALID_PARAMETER,
	ERR_INVALID_FD,
	ERR_DEVICE_NOT_FOUND,
	ERR_ALREADY_EXISTS,
	ERR_SESSION,
	ERR_BUSY,
	ERR_PERMISSION_DENIED,
	ERR_UNSUPPORTED,
	ERR_CLASS_COUNT
};
const char *error_class_name(enum error_class);

/* A reply in construction: either a return object or an error. */
struct reply {
	json_object *ret;	/* the "return" object, created empty */
	enum error_class err_class;
	char *err_desc;		/* non-NULL: the reply is an error */
};
int reply_error(struct reply *, enum error_class, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What the request being handled has produced for the VMM to apply. */
struct request {
	json_object *effects;		/* array, in the order to apply */
	unsigned *routed_gsis;		/* GSIs whose route changed in this request */
	unsigned nrouted, routed_cap;
};

enum notifier_mode { NOTIFIER_EDGE, NOTIFIER_LEVEL };

struct notifier {
	struct server *srv;
	struct chip *chip;
	unsigned line;
	unsigned source;		/* the chip input source this notifier drives */
	enum notifier_mode mode;
	int fd, resample_fd;
	bool asserted;
	uint64_t triggers;
	struct event *ev;
	TAILQ_ENTRY(notifier) entry;
};

struct irqfd {
	unsigned gsi;
	int fd;
	uint64_t writes;
	TAILQ_ENTRY(irqfd) entry;
};

struct counters {
	uint64_t connections, rejected_connections;
	uint64_t messages, replies, errors, events;
	uint64_t errors_by_class[ERR_CLASS_COUNT];
	uint64_t guest_errors;
	uint64_t inject_irqfd, inject_kvm, inject_effect, inject_event, inject_lost;
	uint64_t notifier_triggers, resamples;
};

struct server_options {
	uid_t *allow_uids;		/* NULL: the server's own uid and root */
	unsigned nallow_uids;
	bool exit_on_disconnect;
	bool embedded;			/* running inside the VMM process */
	void (*on_exit)(void *);	/* asked to stop (exit-on-disconnect) */
	void *on_exit_arg;
};

TAILQ_HEAD(chip_list, chip);
TAILQ_HEAD(irqfd_list, irqfd);
TAILQ_HEAD(notifier_list, notifier);

struct client;

struct server {
	struct event_base *base;
	struct server_options opts;
	int listen_fd;
	struct event *listen_ev;
	struct client *client;		/* at most one */
	struct chip_list chips;
	struct irqfd_list irqfds;
	struct notifier_list notifiers;
	char token[33];			/* session token: 128 random bits, hex */
	struct request *req;		/* the request being handled, or NULL */
	int kvm_vm_fd;			/* embedded mode's kvm backend, or -1 */
	struct counters stats;
	struct timespec started;
	bool exiting;			/* --exit-on-disconnect has fired */
};

/* An event loop for a server: event_base_new() with precise timers. */
struct event_base *server_event_base_new(void);
struct server *server_create(struct event_base *, const struct server_options *, char **cause);
void server_free(struct server *);
/* Starts accepting on a listening SOCK_SEQPACKET socket (the server owns it). */
int server_listen(struct server *, int listen_fd, char **cause);
/* Adopts an already connected socket as the client (embedded mode). */
int server_attach(struct server *, int fd, uid_t uid, char **cause);

/* Whether a client is connected and has negotiated. */
bool server_client_negotiated(const struct server *);
void server_set_negotiated(struct server *);

/* Sends {"event": name, "data": data} to the client, if any; consumes data. */
void server_event(struct server *, const char *name, json_object *data);
/* Count, log (rate-limited) and announce a guest error on chip. */
void server_guest_error(struct server *, struct chip *, const char *kind, const char *msg);

/* Injection (inject.c): deliver an MSI for gsi; true if accepted. */
bool inject_msi(struct server *, struct chip *, unsigned line, unsigned gsi,
    uint64_t address, uint32_t data);
/* The route for gsi changed (address/data) or went away (present == false). */
void inject_route(struct server *, unsigned gsi, bool present, uint64_t address,
    uint32_t data);
struct irqfd *irqfd_find(struct server *, unsigned gsi);
void irqfd_free(struct server *, struct irqfd *);

/* Notifiers (notifier.c). */
struct notifier *notifier_find(struct server *, struct chip *, unsigned line);
int notifier_start(struct server *, struct notifier *, char **cause);
void notifier_free(struct server *, struct notifier *);
/* A level line's EOI: deassert its level notifiers and signal their resample fds. */
void notifier_resample(struct server *, struct chip *, unsigned line);

/* fd kinds the protocol checks (fdcheck.c). */
enum fd_kind { FD_EVENTFD, FD_MEMFD, FD_SOCKET, FD_KVM_VM };
const char *fd_kind_name(enum fd_kind);
int fd_check_kind(int fd, enum fd_kind, char **cause);
unsigned count_open_fds(void);

#endif
