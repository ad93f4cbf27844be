/*
 * irqchipd's one header (the tmux rule: one header for the whole program).
 * Every daemon/ module declares its functions here, in its own section, in
 * the order of the calls between them: a module calls only modules listed
 * below it (calls through a chip class's hooks aside, which are the seam).
 *
 *   server.c      listening socket, clients, sessions
 *   ring.c        shared-memory rings (ring-add): the adaptive polling loop
 *                 that drains them, running each record through dispatch_call
 *                 as its JSON twin (the one call upward besides server.c's)
 *   dispatch.c    one message: envelope, validation, dispatch, reply
 *   cmd-*.c       the commands, by noun (session, chip, fd, memory)
 *   cmdtab.c      the list of every command, made of each noun's table
 *   chip_*.c      one chip class each: an emulator behind the protocol
 *   notifier.c    device eventfds wired to chip inputs
 *   chip.c        the fabric: class registry, chips, their generic entries
 *   memory.c      guest RAM regions and the bounds-checked accessor
 *   inject.c      deliveries and route announcements: the backend choice
 *   outbound.c    what goes to clients: replies, events, per-client send queues
 *   state.c       declared chip state: save, checked load, raw query
 *   args.c        argument schemas and their validator
 *   fdcheck.c     what kind of file a received fd is
 *   reply.c       replies in construction, error classes, reason strings
 *   notify.c      readiness and status for a service manager ($NOTIFY_SOCKET)
 *   sandbox.c     the daemon process's hardening (main.c only, never embedded)
 *
 * No file-scope state: several servers may coexist (embedded mode, tests).
 */
#ifndef IRQCHIPD_DAEMON_H
#define IRQCHIPD_DAEMON_H

#include <sys/queue.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "log.h"

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
/* ---------------------------------------------------------------- sandbox.c */

/* Closes every fd above stdio but keep (-1: none). */
int sandbox_close_inherited(int keep);
/* setgroups, setresgid, setresuid to user (and group); must be root. */
int sandbox_drop_privileges(const char *user, const char *group, char **cause);
/*
 * PR_SET_NO_NEW_PRIVS and a seccomp allow-list: any other system call kills
 * the process (SECCOMP_RET_KILL_PROCESS, seccomp(2)).
 */
int sandbox_seccomp(char **cause);

#endif

struct server;
struct client;
struct chip;
struct request;

/* ----------------------------------------------------------------- notify.c */

/*
 * Sends state ("READY=1\nSTATUS=...") to the service manager named by
 * $NOTIFY_SOCKET: 0 when sent or when no manager asked (the variable is
 * unset), else a negative errno. Never blocks for long: a datagram.
 */
int notify_send(const char *state);

/* ------------------------------------------------------------------ reply.c */

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
void reply_init(struct reply *);
void reply_clear(struct reply *);
/*
 * The one way to build a reason a person reads: sets the reply's error (the
 * first one wins) and returns -EINVAL, so `return reply_error(...)` is a
 * handler's outcome.
 */
int reply_error(struct reply *, enum error_class, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same reason as a string for a caller's buffer (log lines, events). */
void reason(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- fdcheck.c */

/* fd kinds the protocol checks. */
enum fd_kind { FD_EVENTFD, FD_MEMFD, FD_SOCKET, FD_KVM_VM };
const char *fd_kind_name(enum fd_kind);
int fd_check_kind(int fd, enum fd_kind, char **cause);
unsigned count_open_fds(void);
/*
 * O_NONBLOCK on a received fd: a peer's eventfd filled to its maximum (or
 * drained under us) must fail a write or read with EAGAIN, never block the
 * loop (eventfd(2)). The flag lives in the open file description, which
 * the sender shares.
 */
int fd_set_nonblock(int fd);
/*
 * Room for more fds: the connections, irqfds and notifiers the daemon holds
 * must fit under RLIMIT_NOFILE with what it opened at start and room for
 * one packet's fds to spare. 0, or -EMFILE with a reason a person reads
 * (for r, or for why when r is NULL). Embedded mode shares the VMM's fd
 * table and does not count.
 */
#define FD_SPARE	32
int fd_budget_check(struct server *, unsigned more, struct reply *r, char *why,
    size_t whysize);
/* The soft RLIMIT_NOFILE now, or 0 if it cannot be read. */
unsigned long fd_limit(void);
/* How many fds the daemon holds for its peers. */
unsigned fds_held(const struct server *);

/* ------------------------------------------------------------------- args.c */

/*
 * Argument schemas: every command declares its arguments in a const table;
 * one validator checks a request against it (unknown and missing keys, types,
 * ranges, enum values, fd indexes and kinds) before any handler runs, so a bad
 * request changes nothing.
 */
enum arg_type {
	ARG_U64,	/* integer in [min, max]; also "0x..." or decimal strings */
	ARG_BOOL,
	ARG_LEVEL,	/* 0, 1, false or true */
	ARG_STRING,
	ARG_ID,		/* a chip id: 1..63 of [A-Za-z0-9_.-] */
	ARG_ENUM,	/* one of values[] */
	ARG_OBJECT,
	ARG_STRINGS,	/* array of strings */
	ARG_FD,		/* index into the packet's fd array, of kind fd_kind */
	ARG_U64S,	/* array of at most maxlen integers, each in [min, max] */
};

#define ARG_REQUIRED	0x1

struct arg_spec {
	const char *name;
	enum arg_type type;
	int flags;
	uint64_t min, max;		/* ARG_U64, ARG_U64S */
	const char *const *values;	/* ARG_ENUM, NULL-terminated */
	const char *const *(*values_fn)(void);	/* ARG_ENUM: values computed at run time */
	enum fd_kind fd_kind;		/* ARG_FD */
	const char *help;
	unsigned maxlen;		/* ARG_U64S */
};

#define ARGS_MAX	16
#define ARG_U64S_MAX	16

struct arg_value {
	bool present;
	uint64_t u;		/* U64, LEVEL, BOOL, ENUM (index) */
	const char *s;		/* STRING, ID, ENUM */
	json_object *o;		/* OBJECT, STRINGS */
	int fd;			/* FD: the fd itself; -1 once taken */
	int fd_index;		/* FD: its index in the packet */
	uint64_t list[ARG_U64S_MAX];	/* U64S */
	unsigned nlist;
};

struct args {
	json_object *raw;	/* the arguments object as received (may be NULL) */
	const struct arg_spec *specs;
	size_t nspecs;
	struct arg_value v[ARGS_MAX];
};

/*
 * Validates obj (may be NULL: no arguments) against specs. allow_extra lets
 * keys not in specs through (chip-add's type-specific part). fds/nfds are the
 * packet's fds; used[] marks the ones an FD argument claimed. Returns 0, or
 * -EINVAL with the reply's error set.
 */
int args_parse(struct args *, const struct arg_spec *, size_t nspecs, json_object *obj,
    bool allow_extra, int *fds, unsigned nfds, bool *used, struct reply *);

bool args_has(const struct args *, const char *name);
uint64_t args_u64(const struct args *, const char *name, uint64_t dflt);
const char *args_str(const struct args *, const char *name, const char *dflt);
json_object *args_obj(const struct args *, const char *name);
/* Whether the ARG_STRINGS argument name holds want. */
bool args_strings_has(const struct args *, const char *name, const char *want);
/* An ARG_U64S argument's values; returns their count (0 if absent). */
unsigned args_u64s(const struct args *, const char *name, const uint64_t **list);
/* Takes ownership of an FD argument's descriptor (-1 if absent). */
int args_take_fd(struct args *, const char *name);

/* The schema of one argument for people: "integer 0..255", "one of edge, level". */
void arg_describe(const struct arg_spec *, char *buf, size_t size);

/* ------------------------------------------------------------------ state.c */

enum state_type {
	STATE_U8, STATE_U16, STATE_U32, STATE_U64,
	STATE_HEX64,	/* a u64 written as a "0x%016x" string (registers) */
	STATE_BOOL,
	STATE_ARRAY,	/* of objects described by sub */
	STATE_OPTIONAL,	/* an object described by sub, or null: the bool at
			   count_offset says whether it is there */
};

#define STATE_MATCH		0x1	/* identity: on load, must equal the chip's */
#define STATE_INDIRECT		0x2	/* STATE_ARRAY: the member points to the array */
#define STATE_VARLEN		0x4	/* STATE_ARRAY: a load sets the length, up to count */
#define STATE_FIXED_COUNT	SIZE_MAX

/* One saved field: its JSON name, type, place in the state struct, range. */
struct state_field {
	const char *name;
	enum state_type type;
	size_t offset;
	uint64_t min, max;
	int flags;
	unsigned since;		/* the format version that added it (0: always there) */
	/* STATE_ARRAY: count elements at most, stride apart; the length is the
	 * uint32_t at count_offset (or count, with STATE_FIXED_COUNT). */
	unsigned count;
	size_t count_offset, stride;
	const struct state_field *sub;
	size_t nsub;
};

/* A chip's saved format: "format" and "version" wrap the declared fields. */
struct state_desc {
	const char *format;
	unsigned version, min_version;
	const struct state_field *fields;
	size_t nfields;
};

#define STATE_FIELD(name, type, st, member, min, max)				\
	{ name, type, offsetof(st, member), min, max, 0, 0, 0, 0, 0, NULL, 0 }
#define STATE_IDENTITY(name, type, st, member)					\
	{ name, type, offsetof(st, member), 0, UINT64_MAX, STATE_MATCH, 0, 0, 0, 0, \
	    NULL, 0 }
#define STATE_OBJECTS(name, st, member, max, countmember, sub)			\
	{ name, STATE_ARRAY, offsetof(st, member), 0, 0, 0, 0, max,		\
	    offsetof(st, countmember), sizeof(((st *)0)->member[0]), sub,		\
	    sizeof(sub) / sizeof((sub)[0]) }
/*
 * An array the state points to (member is a pointer to room for max
 * elements), whose length a load takes from the saved array: a sparse list.
 */
#define STATE_LIST(name, st, member, max, countmember, sub)			\
	{ name, STATE_ARRAY, offsetof(st, member), 0, 0,			\
	    STATE_INDIRECT | STATE_VARLEN, 0, max, offsetof(st, countmember),	\
	    sizeof(((st *)0)->member[0]), sub, sizeof(sub) / sizeof((sub)[0]) }
/* An object (member, a struct) that is null while the bool present is false. */
#define STATE_OPTIONAL_OBJECT(name, st, member, present, sub, since_version)	\
	{ name, STATE_OPTIONAL, offsetof(st, member), 0, 0, 0, since_version, 0,	\
	    offsetof(st, present), 0, sub, sizeof(sub) / sizeof((sub)[0]) }
/* The same for an array the state points to (member is a pointer). */
#define STATE_POINTED_OBJECTS(name, st, member, max, countmember, sub)		\
	{ name, STATE_ARRAY, offsetof(st, member), 0, 0, STATE_INDIRECT, 0, max,	\
	    offsetof(st, countmember), sizeof(((st *)0)->member[0]), sub,		\
	    sizeof(sub) / sizeof((sub)[0]) }

json_object *state_save(const struct state_desc *, const void *base);
/*
 * Reads st into base, which the caller filled with the chip's current state
 * (identity fields are compared against it, fields newer than st's version
 * keep it). Returns 0, or -EINVAL with the reply set; base may then be partly
 * written and must be thrown away.
 */
int state_load(const struct state_desc *, json_object *st, void *base, struct reply *);
/* A 64-bit register as people read it: "0x%016x". */
json_object *json_hex64(uint64_t);
/* The declared fields alone, for the raw part of chip-query. */
json_object *state_to_json(const struct state_field *, size_t n, const void *base);

/* --------------------------------------------------------------- outbound.c */

struct counters {
	uint64_t connections, rejected_connections;
	uint64_t messages, replies, errors, events;
	uint64_t errors_by_class[ERR_CLASS_COUNT];
	uint64_t guest_errors;
	uint64_t inject_irqfd, inject_kvm, inject_effect, inject_event, inject_lost;
	uint64_t notifier_triggers, resamples;
	/* Kernel bypass: bind and unbind effects issued. */
	uint64_t binds, unbinds;
	/* Route commits: acknowledgements received; deliveries held for one. */
	uint64_t route_commits, held, released;
	/* What reached a client's socket, what waited for it, what never got there. */
	uint64_t sent, queued, discarded, queue_overruns;
	uint64_t negotiate_timeouts, takeovers;
	uint64_t eventfd_write_failures;	/* irqfd and resample writes that failed */
	/* Rings (ring.c): records run, replies spilled to the socket, malformed
	 * records, doorbell wake-ups, times the loop went to sleep, time spun. */
	uint64_t ring_requests, ring_spills, ring_malformed, ring_doorbells;
	uint64_t ring_sleeps, ring_spin_ns;
};

/* One serialised message waiting for its client's socket to drain. */
struct outmsg {
	char *buf;
	size_t len;
	bool event;
	TAILQ_ENTRY(outmsg) entry;
};
TAILQ_HEAD(outmsg_list, outmsg);

/* A connection; server.c owns its life, outbound.c its sending. */
struct client {
	struct server *srv;
	int fd;
	uid_t uid;
	pid_t pid;
	bool negotiated;
	bool observer;		/* negotiated read-only: queries and events */
	bool route_commit;	/* acknowledges route changes with route-commit */
	bool closing;		/* to be freed from the loop: close_why says why */
	const char *close_why;
	struct event *ev;	/* readable: the next request */
	struct event *wev;	/* writable: the queue drains */
	struct event *close_ev;	/* the deferred close */
	struct event *timer;	/* the negotiate timeout */
	char *buf;
	struct outmsg_list outq;
	unsigned nqueued;
	TAILQ_ENTRY(client) entry;
};

/*
 * Queues msg for c: it goes out at once if the socket takes it, else when it
 * is writable. A client whose queue would pass the bound is closed (from the
 * loop, never under its caller) and the message discarded: -ENOBUFS.
 */
int client_send(struct client *, json_object *msg);
/* The writable callback's work, and what a client's end releases. */
void client_outbound_init(struct client *);
void client_outbound_free(struct client *);
/* Closes c once the current callback returns; the first reason wins. */
void client_close_later(struct client *, const char *why);
/* Sends {"event": name, "data": data} to every negotiated client; consumes data. */
void server_event(struct server *, const char *name, json_object *data);
/* Whether a controlling client is connected and has negotiated. */
bool server_client_negotiated(const struct server *);
/* Sends the reply (with the request's id, if it had one) to c and counts it. */
void send_reply(struct client *, struct reply *, bool has_id, json_object *id);

/* ----------------------------------------------------------------- inject.c */

/*
 * A request in progress: where its effects collect (in the order the VMM
 * applies them) and which GSIs' routes it changed. Handlers, chip hooks and
 * deliveries receive it as an argument; NULL means "outside any request" (a
 * device notifier fired, a timer ran), where effects travel as an event.
 */
struct request {
	struct server *srv;
	struct client *client;
	json_object *effects;
	unsigned *routed_gsis;
	unsigned nrouted, routed_cap;
};

/* What a chip asks to have delivered; inject() chooses how. */
enum delivery_kind {
	DELIVER_X86_MSI,	/* an x86 MSI, normally through the route of gsi */
	DELIVER_GSI_LINE,	/* a GSI's input line level (KVM_IRQ_LINE) */
	DELIVER_LPI,		/* an LPI for a redistributor the VMM owns */
	DELIVER_CPU_IRQ,	/* a CPU's external interrupt line (POWER presenters) */
};

#define DELIVERY_NO_GSI	UINT32_MAX

struct delivery {
	enum delivery_kind kind;
	struct chip *chip;		/* who delivers (events and logs name it) */
	unsigned line;			/* the chip input that caused it, if any */
	unsigned gsi;			/* X86_MSI, GSI_LINE; or DELIVERY_NO_GSI */
	uint64_t address;		/* X86_MSI */
	uint32_t data;			/* X86_MSI */
	int level;			/* GSI_LINE, CPU_IRQ: 0 or 1 */
	uint32_t intid, target;		/* LPI */
	uint32_t device, event;		/* LPI */
	unsigned cpu;			/* CPU_IRQ */
};

/* Delivers d by the one backend that applies; true if it was accepted. */
bool inject(struct server *, struct request *, const struct delivery *);
/* gsi's route is now (address, data); present false: it is withdrawn. */
void inject_route(struct server *, struct request *, unsigned gsi, bool present,
    uint64_t address, uint32_t data);
/*
 * At the end of a request that changed routes, for a controller that
 * negotiated "route-commit": holds irqfd deliveries on those GSIs and puts
 * the "commit" token the client acknowledges in ret.
 */
void inject_commit_token(struct server *, struct request *, json_object *ret);
/* route-commit: releases the GSIs held for tokens up to seq; how many it wrote. */
unsigned inject_route_commit(struct server *, uint64_t seq);
/*
 * A write to a client's eventfd failed (full: EAGAIN, or broken): count it,
 * log it (rate-limited) and tell every client with a client-error event.
 */
void inject_fd_failed(struct server *, const char *what, const char *chip, unsigned n,
    int err);
/* Adds an effect {kind: body} to the request, or sends it as an event. */
void inject_effect(struct server *, struct request *, const char *kind, json_object *body);

/* An eventfd the VMM bound to a GSI with KVM_IRQFD. */
struct gsi_irqfd {
	unsigned gsi;
	int fd;
	uint64_t writes;
	uint64_t held;		/* deliveries waiting for the GSI's route commit */
	TAILQ_ENTRY(gsi_irqfd) entry;
};
/* The widest GSI KVM routes (KVM_MAX_IRQ_ROUTES is 4096). */
#define GSI_MAX		4095

/* Registers fd for gsi (the caller checked it has none); it owns fd from now on. */
struct gsi_irqfd *gsi_irqfd_add(struct server *, unsigned gsi, int fd);
/* The irqfd of gsi, or NULL: a table lookup, whatever the number of irqfds. */
struct gsi_irqfd *gsi_irqfd_find(struct server *, unsigned gsi);
void gsi_irqfd_free(struct server *, struct gsi_irqfd *);

/* ----------------------------------------------------------------- memory.c */

/*
 * Guest RAM regions, mapped shared from sealed memfds the VMM passes. Chips
 * reach guest memory only through these copies: no pointer into guest RAM
 * ever leaves memory.c.
 */
struct mem_region {
	uint64_t gpa, size, offset;
	void *hva;
	TAILQ_ENTRY(mem_region) entry;
};

#define MEMORY_MAX_REGIONS	256

/* Adds [gpa, gpa+size) backed by fd at offset; the fd is closed either way. */
int memory_add(struct server *, uint64_t gpa, uint64_t size, int fd, uint64_t offset,
    struct reply *);
int memory_del(struct server *, uint64_t gpa, struct reply *);
void memory_free_all(struct server *);
json_object *memory_describe(const struct server *);
/* 0, or -EFAULT if [gpa, gpa+len) is not inside one region. */
int guest_read(struct server *, uint64_t gpa, void *buf, size_t len);
int guest_write(struct server *, uint64_t gpa, const void *buf, size_t len);
/* 0 if [gpa, gpa+len) is inside one region, else -EFAULT; copies nothing. */
int guest_check(struct server *, uint64_t gpa, uint64_t len);

/* ------------------------------------------------------------------- chip.c */

#define CHIP_ID_MAX		63
#define CHIP_MAX_CLASSES	16
#define CHIP_MAX_WINDOWS	4
#define MAX_CHIPS		64
/* The protocol's widest line number: POWER global interrupt numbers are 24-bit. */
#define LINE_MAX_GLOBAL		0xffffffU
/* Source 0 of every line is the protocol's own line-set/line-pulse input. */
#define SOURCE_PROTOCOL		0
#define SOURCE_NOTIFIER		1

/* One guest register access, as mmio-read/mmio-write carry it. */
struct mmio_access {
	unsigned window;	/* index into the chip's windows */
	uint64_t offset;	/* within that window */
	unsigned size;		/* 1, 2, 4 or 8 */
	unsigned cpu;		/* the accessing vCPU (or server number) */
	uint64_t value;		/* written, or read back */
};

/* An MSI write, as the msi command carries it. */
struct msi_write {
	uint64_t address;
	uint32_t data;
	bool has_source;
	uint32_t source;	/* device ID / requester ID */
};

/* A POWER hypervisor call. */
struct hcall {
	unsigned cpu;
	uint64_t opcode;
	const uint64_t *args;
	unsigned nargs;
	uint64_t timebase;
	/* Out: the return code, and the values returned in r4.. */
	int64_t ret;
	uint64_t values[ARG_U64S_MAX];
	unsigned nvalues;
};

/* An RTAS call. */
struct rtas_call {
	unsigned cpu;
	const char *name;
	const uint64_t *args;
	unsigned nargs;
	unsigned nret;
	/* Out: the status, then the other return values. */
	int64_t status;
	uint64_t values[ARG_U64S_MAX];
	unsigned nvalues;
};

/*
 * A chip class adapts one emulator (emul/<type>/) to the protocol. Every hook
 * but create, destroy, describe and query is optional: a NULL hook is a
 * command this class does not take, answered Unsupported by the fabric.
 * Hooks return 0, or a negative errno with the reply's error set.
 */
struct chip_class {
	const char *type;
	const char *help;
	/* Type-specific chip-add arguments, validated before create(). */
	const struct arg_spec *config_args;
	size_t nconfig_args;
	/* MMIO window names, in order; the first is the default window. */
	const char *const *window_names;
	/* Class-specific limits (query-capabilities "limits") and capabilities. */
	void (*limits)(json_object *limits);
	const char *const *capabilities;

	/*
	 * Fills the chip's windows, lines, GSIs and MSI window; the fabric then
	 * checks them against the other chips and destroys the chip on overlap.
	 */
	int (*create)(struct chip *, const struct args *, struct reply *);
	void (*destroy)(struct chip *);
	/* chip-del: withdraw every route the chip announced (as effects). */
	void (*unroute_all)(struct chip *, struct request *);
	/* Summary fields for query-chips. */
	void (*describe)(struct chip *, json_object *);
	int (*query)(struct chip *, const struct args *, struct reply *);
	/* query-status: the chip's counters into an object (NULL: none kept). */
	void (*counters)(struct chip *, json_object *);
	int (*save)(struct chip *, struct reply *);
	int (*load)(struct chip *, struct request *, json_object *state, struct reply *);
	void (*reset)(struct chip *, struct request *);
	/* Re-announce all routes, then deliver what is pending (resume, load). */
	void (*announce)(struct chip *, struct request *);

	int (*mmio_read)(struct chip *, struct request *, struct mmio_access *,
	    struct reply *);
	int (*mmio_write)(struct chip *, struct request *, const struct mmio_access *,
	    struct reply *);

	/* Input lines line_base .. line_base + nlines - 1 (chip fields). */
	int (*line_set)(struct chip *, struct request *, unsigned line, unsigned source,
	    bool level);
	int (*line_pulse)(struct chip *, struct request *, unsigned line, unsigned source);
	/*
	 * Kernel bypass: the GSI through whose route an edge on line from
	 * source is, as the chip stands, exactly one MSI and nothing else (no
	 * state of the chip changes, nothing else is delivered), or -1. A
	 * notifier on such an input is bound to that GSI with KVM_IRQFD by the
	 * library; the chip must call notifier_route_changing() before it
	 * announces a new route for the input.
	 */
	int (*edge_gsi)(struct chip *, unsigned line, unsigned source);
	/* x86: the LAPIC EOIed vector (broadcast to every chip that has the hook). */
	void (*eoi)(struct chip *, struct request *, uint8_t vector);
	/* An MSI write inside the chip's MSI window. */
	int (*msi)(struct chip *, struct request *, const struct msi_write *, struct reply *);
	/* What an MSI or (device, event) would become; changes nothing. */
	int (*translate)(struct chip *, const struct args *, struct reply *);
	/* POWER: hypervisor and RTAS calls, for the VM's active presenter chip. */
	int (*hcall)(struct chip *, struct request *, struct hcall *, struct reply *);
	int (*rtas)(struct chip *, struct request *, struct rtas_call *, struct reply *);
	/*
	 * POWER: claim a block of global interrupt numbers for a type ("lsi" or
	 * "msi"); *irq is the first (given, or allocated when has_irq is false,
	 * aligned to align). And give a block back.
	 */
	int (*irq_claim)(struct chip *, struct request *, bool has_irq, uint32_t *irq,
	    unsigned count, const char *type, unsigned align, struct reply *);
	int (*irq_free)(struct chip *, struct request *, uint32_t irq, unsigned count,
	    struct reply *);
	/*
	 * POWER: chip-select made this chip the active model of its pair
	 * (active true), or the other one (false: reset, claims kept).
	 */
	void (*select)(struct chip *, struct request *, bool active);
};

struct chip_window {
	uint64_t base, size;	/* size 0: the window is absent */
};

struct chip {
	char id[CHIP_ID_MAX + 1];
	const struct chip_class *cls;
	struct server *srv;
	void *priv;
	/*
	 * The request whose hook call is running, for the emulator's callbacks
	 * (NULL outside a request). Set and cleared by the fabric around each
	 * hook call; adapters read it, nothing else does.
	 */
	struct request *req;
	struct chip_window window[CHIP_MAX_WINDOWS];
	unsigned nwindows;
	unsigned line_base, nlines;	/* input lines, as the protocol numbers them */
	unsigned gsi_base, ngsi;	/* GSIs the chip's routes use */
	struct chip_window msi;		/* MSI doorbell range, or size 0 */
	/*
	 * POWER: the other model of a XICS/XIVE pair (pair-with at chip-add),
	 * which shares the claims; inputs go to whichever is active.
	 */
	struct chip *pair;
	uint64_t guest_errors;
	/* Guest-error log rate limit: a window start and what it let through. */
	int64_t log_window_ms;
	unsigned log_in_window;
	uint64_t log_suppressed;
	TAILQ_ENTRY(chip) entry;
};

/* The classes: the built-in ones, then any a test registered. */
const struct chip_class *chip_class_find(const char *type);
const struct chip_class *chip_class_at(size_t i);
/* The chip-add "type" values, NULL-terminated, from the class list. */
const char *const *chip_type_names(void);
/* For tests: adds a class (a test-only chip exercises every hook). */
int chip_class_register(const struct chip_class *);
/* ["ioapic", ...]: the chip types, for replies and --print-capabilities. */
json_object *chip_types_json(void);
json_object *server_capabilities(const struct server *);
json_object *server_limits(void);

struct chip *chip_find(struct server *, const char *id);
/* The chip named by args "id", or DeviceNotFound. */
struct chip *chip_need(struct server *, const struct args *, struct reply *);
int chip_add(struct server *, struct request *, const char *type, const char *id,
    json_object *raw, struct reply *);
/* Withdraws its routes (as effects) and frees it; notifiers must be gone. */
void chip_del(struct chip *, struct request *);
void chip_free(struct chip *);
unsigned chip_count(const struct server *);
/* Count, log (rate-limited) and announce a guest error on chip. */
void chip_guest_error(struct chip *, const char *kind, const char *msg);
void chip_announce_state(struct chip *, const char *what);

/* The generic entries, each checking what the protocol promises first. */
int chip_mmio(struct chip *, struct request *, const struct args *, bool write,
    uint64_t *value, struct reply *);
int chip_check_line(struct chip *, uint64_t line, struct reply *);
/* The chip named by args "id" whose lines include args "line", or an error. */
struct chip *chip_need_line(struct server *, const struct args *, struct reply *);
/* A {"address", "size"} object (chip-add's msi-window), naming arg in errors. */
int chip_parse_window(json_object *, const char *arg, uint64_t *base, uint64_t *size,
    struct reply *);
/* POWER kvm modes: a source's level or edge goes to the GSI of the same number. */
void chip_route_line(struct chip *, struct request *, unsigned line, int level);
/*
 * A line's inputs are wired-OR (bit n = protocol source n): sets or clears
 * source's bit and returns whether the OR of the inputs changed.
 */
bool chip_input_update(uint8_t *inputs, unsigned source, bool level);
int chip_line_set(struct chip *, struct request *, unsigned line, unsigned source,
    bool level);
int chip_line_pulse(struct chip *, struct request *, unsigned line, unsigned source);
void chip_eoi_all(struct server *, struct request *, uint8_t vector);
struct chip *chip_by_msi(struct server *, uint64_t address);
int chip_msi(struct chip *, struct request *, const struct msi_write *, struct reply *);
/* The chip that takes hcall/rtas: the only one with the hook, or the selected one. */
struct chip *chip_presenter(struct server *, struct reply *);
void chip_announce(struct chip *, struct request *);
void chip_reset(struct chip *, struct request *);
int chip_load(struct chip *, struct request *, json_object *state, struct reply *);

/* ------------------------------------------------------------- notifier.c */

enum notifier_mode { NOTIFIER_EDGE, NOTIFIER_LEVEL };

/* Where a bypass notifier's eventfd is, as far as the library was told. */
#define NOTIFIER_UNBOUND	(-1)	/* polled here; the library was told unbind */
#define NOTIFIER_UNKNOWN	(-2)	/* new: the library may still have it bound */

struct notifier {
	struct server *srv;
	struct chip *chip;
	unsigned line;
	unsigned source;		/* the chip input source this notifier drives */
	enum notifier_mode mode;
	int fd, resample_fd;
	bool asserted;
	bool bypass;			/* the library holds a copy and may bind it */
	int bound_gsi;			/* a GSI, NOTIFIER_UNBOUND or NOTIFIER_UNKNOWN */
	bool polled;			/* ev is added to the loop */
	uint64_t triggers;
	struct event *ev;
	TAILQ_ENTRY(notifier) entry;
};

struct notifier *notifier_find(struct server *, struct chip *, unsigned line);
int notifier_start(struct server *, struct notifier *, char **cause);
/* req: where an unbind effect goes (NULL: an effects event). */
void notifier_free(struct server *, struct request *, struct notifier *);
/* Frees every notifier of chip (before the chip goes). */
void notifier_free_chip(struct server *, struct request *, struct chip *);
/*
 * Kernel bypass. After every request (and notifier-add): binds each bypass
 * notifier whose input the chip's edge_gsi hook calls static, unbinds the
 * others, as bind/unbind effects in req.
 */
void notifier_reconcile(struct server *, struct request *);
/* Before a chip announces a new route for line: unbind a notifier bound there. */
void notifier_route_changing(struct chip *, struct request *, unsigned line);
/* A level line's EOI: deassert its level notifiers and signal their resample fds. */
void notifier_resample(struct server *, struct chip *, unsigned line);

/* ----------------------------------------------------------------- cmd-*.c */

#define CMD_BEFORE_NEGOTIATE	0x1	/* allowed before negotiate */
#define CMD_EXTRA_ARGS		0x2	/* handler validates keys beyond the schema */
#define CMD_EFFECTS		0x4	/* the reply carries "effects" */
#define CMD_OBSERVER		0x8	/* changes nothing: observers may run it */

/*
 * A handler runs after its arguments were validated. Its return value is its
 * outcome: 0, or a negative errno with the reply's error set (reply_error
 * returns -EINVAL for this). It checks everything else before it changes
 * anything.
 */
struct command {
	const char *name;
	int (*handler)(struct request *, struct args *, struct reply *);
	const struct arg_spec *args;
	size_t nargs;
	int flags;
	const char *help;
};

struct command_table {
	const struct command *commands;
	size_t n;
};

/* The controlling client's fds go: its notifiers, irqfds, the VM fd (cmd-session.c). */
void session_release(struct server *);

extern const struct command_table cmd_session_table, cmd_chip_table, cmd_fd_table,
    cmd_memory_table;
extern const struct command_table cmd_ring_table;

/* ----------------------------------------------------------------- cmdtab.c */

const struct command *command_find(const char *name);
/* Every command, noun by noun; returns NULL past the last. */
const struct command *command_at(size_t i);

/* --------------------------------------------------------------- dispatch.c */

/* Handles one received packet: parse, validate, run, reply; fds are always consumed. */
void dispatch_message(struct server *, struct client *, const char *buf, size_t len,
    int *fds, unsigned nfds);
/*
 * Runs command name with arguments (borrowed, may be NULL) for c as if it
 * had come in a message without fds: the same validation and handler, the
 * reply's "effects" attached. 0, or -EINVAL with r's error set. Rings use it
 * so that every record has exactly its JSON twin's meaning.
 */
int dispatch_call(struct server *, struct client *, const char *name,
    json_object *arguments, struct reply *r);

/* ------------------------------------------------------------------- ring.c */

struct ring;
TAILQ_HEAD(ring_list, ring);

/* Rings a server holds at most; the spin window's bounds (--poll-us). */
#define RING_MAX		256
#define POLL_US_DEFAULT		50
#define POLL_US_MAX		1000000

/*
 * Maps a sealed ring memfd and starts watching its doorbell eventfd for the
 * controlling client c; both fds are the ring's from here on (closed on
 * failure). The ring's id, or -EINVAL with r set and nothing kept.
 */
int ring_add(struct server *, struct client *, int memfd, int doorbell_fd, struct reply *r);
int ring_del(struct server *, unsigned id, struct reply *r);
/* Drops every ring (the controlling client's session ends). */
void ring_free_all(struct server *);
unsigned ring_count(const struct server *);
/* query-status: the rings, one object each. */
json_object *ring_describe(const struct server *);
/*
 * The event loop in place of event_base_dispatch: while rings are busy it
 * runs libevent without blocking and drains them, for poll_us after the
 * last record; then it tells every ring it sleeps and blocks in libevent,
 * where a doorbell wakes it. Returns when the loop is broken or exited.
 */
int server_run(struct server *);

/* ----------------------------------------------------------------- server.c */

struct server_options {
	uid_t *allow_uids;		/* NULL: the server's own uid and root */
	unsigned nallow_uids;
	unsigned send_queue;		/* messages a client may have waiting; 0: default */
	unsigned negotiate_timeout_ms;	/* 0: the default */
	bool exit_on_disconnect;
	bool embedded;			/* running inside the VMM process */
	unsigned poll_us;		/* rings: spin window after the last record */
	void (*on_exit)(void *);	/* asked to stop (exit-on-disconnect) */
	void *on_exit_arg;
};

TAILQ_HEAD(chip_list, chip);
TAILQ_HEAD(gsi_irqfd_list, gsi_irqfd);
TAILQ_HEAD(notifier_list, notifier);
TAILQ_HEAD(mem_region_list, mem_region);
TAILQ_HEAD(client_list, client);

#define SEND_QUEUE_DEFAULT		4096
#define SEND_QUEUE_MAX			1048576
#define NEGOTIATE_TIMEOUT_DEFAULT_MS	10000

struct server {
	struct event_base *base;
	struct server_options opts;
	int listen_fd;
	struct event *listen_ev;
	struct client *client;		/* the controlling client, at most one */
	struct client_list clients;	/* every connection, observers included */
	struct chip_list chips;
	struct chip *presenter;		/* chip-select's choice among hcall chips */
	struct gsi_irqfd_list irqfds;
	struct gsi_irqfd *irqfd_by_gsi[GSI_MAX + 1];	/* the same, by GSI */
	struct notifier_list notifiers;
	unsigned nbypass;		/* notifiers with bypass */
	/* Route commits: the last token issued, and per GSI the one it awaits (0: none). */
	uint64_t route_seq;
	uint64_t route_pending[GSI_MAX + 1];
	unsigned nroute_pending;
	struct mem_region_list memory;
	char token[33];			/* session token: 128 random bits, hex */
	int kvm_vm_fd;			/* embedded mode's kvm backend, or -1 */
	unsigned fd_baseline;		/* fds open when listening started */
	int reserve_fd;			/* spent to refuse a connect at EMFILE, or -1 */
	struct event *listen_pause_ev;	/* resumes accepting after an EMFILE pause */
	struct counters stats;
	struct timespec started;
	bool exiting;			/* --exit-on-disconnect has fired */
	/* Lines a peer can provoke, each kind rate-limited on its own. */
	struct log_limit log_send, log_refused, log_accept, log_fd;
	/* Shared-memory rings (ring.c), the controlling client's. */
	struct ring_list rings;
	unsigned ring_next_id;
	bool ring_spinning;		/* in the poll window: not blocking */
	int64_t ring_last_ns;		/* the last record's time */
	struct log_limit log_ring;
};

/* An event loop for a server: event_base_new() with precise timers. */
struct event_base *server_event_base_new(void);
struct server *server_create(struct event_base *, const struct server_options *, char **cause);
void server_free(struct server *);
/* Starts accepting on a listening SOCK_SEQPACKET socket (the server owns it). */
int server_listen(struct server *, int listen_fd, char **cause);
/* Adopts an already connected socket as the client (embedded mode). */
int server_attach(struct server *, int fd, uid_t uid, char **cause);

/* ---------------------------------------------------------------- sandbox.c */

/* Closes every fd above stdio but keep (-1: none). */
int sandbox_close_inherited(int keep);
/* setgroups, setresgid, setresuid to user (and group); must be root. */
int sandbox_drop_privileges(const char *user, const char *group, char **cause);
/*
 * PR_SET_NO_NEW_PRIVS and a seccomp allow-list: any other system call kills
 * the process (SECCOMP_RET_KILL_PROCESS, seccomp(2)).
 */
int sandbox_seccomp(char **cause);

#endif
