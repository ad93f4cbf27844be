/*
 * irqchipd(8): parse flags, open the listening socket (a path, an inherited
 * fd, or systemd socket activation), run the event loop until SIGTERM/SIGINT
 * or, with --exit-on-disconnect, until the client leaves.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"

#define EXIT_USAGE 2

enum {
	OPT_SOCKET_MODE = 256, OPT_ALLOW_UID, OPT_PRINT_CAPS, OPT_LOG_LEVEL, OPT_LOG_FILE,
	OPT_SYSLOG, OPT_EXIT_ON_DISCONNECT, OPT_LIST_COMMANDS, OPT_FD, OPT_SEND_QUEUE,
	OPT_NEGOTIATE_TIMEOUT, OPT_NO_SECCOMP, OPT_USER, OPT_GROUP,
	OPT_POLL_US,
};

static const struct option long_options[] = {
	{ "socket-path", required_argument, NULL, 's' },
	{ "fd", required_argument, NULL, OPT_FD },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "allow-uid", required_argument, NULL, OPT_ALLOW_UID },
	{ "print-capabilities", no_argument, NULL, OPT_PRINT_CAPS },
	{ "list-commands", no_argument, NULL, OPT_LIST_COMMANDS },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "exit-on-disconnect", no_argument, NULL, OPT_EXIT_ON_DISCONNECT },
	{ "send-queue", required_argument, NULL, OPT_SEND_QUEUE },
	{ "negotiate-timeout", required_argument, NULL, OPT_NEGOTIATE_TIMEOUT },
	{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
	{ "user", required_argument, NULL, OPT_USER },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "poll-us", required_argument, NULL, OPT_POLL_US },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: irqchipd (--socket-path PATH | --fd N | systemd socket activation) [options]\n"
	    "Interrupt-controller emulation daemon for VMMs (see irqchipd(8)).\n"
	    "\n"
	    "  -s, --socket-path PATH   create and listen on a unix SOCK_SEQPACKET socket\n"
	    "      --fd N               listen on inherited listening socket N\n"
	    "                           (LISTEN_FDS/LISTEN_PID are honoured when neither is given)\n"
	    "      --socket-mode MODE   permissions of the created socket, octal (default 0600)\n"
	    "      --allow-uid UID      accept clients of this uid or user name; repeatable\n"
	    "                           (default: root and irqchipd's own uid)\n"
	    "      --exit-on-disconnect exit when the client disconnects\n"
	    "      --send-queue N       messages that may wait for a client that does not\n"
	    "                           read before it is disconnected (default 4096)\n"
	    "      --negotiate-timeout SECONDS\n"
	    "                           close a connection that has not negotiated by then\n"
	    "                           (default 10)\n"
	    "      --poll-us N          rings: keep polling N microseconds after the last\n"
	    "                           record before sleeping; 0 never polls (default 50)\n"
	    "      --user USER          run as USER once the socket is bound (from root)\n"
	    "      --group GROUP        and as GROUP (default: USER's group)\n"
	    "      --no-seccomp         no system call filter (for debugging)\n"
	    "      --log-level LEVEL    error, warn, info (default) or debug\n"
	    "      --log-file PATH      log to PATH instead of stderr (SIGHUP reopens it)\n"
	    "      --syslog             also log to syslog (daemon facility)\n"
	    "      --print-capabilities print one JSON object describing irqchipd, then exit\n"
	    "      --list-commands      print the protocol's commands, then exit\n"
	    "  -V, --version            print the version, then exit\n"
	    "  -h, --help               print this help, then exit\n");
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("irqchipd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try --help)\n", stderr);
	exit(EXIT_USAGE);
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out, int base)
{
	char *end;
	unsigned long v;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static void
print_capabilities(void)
{
	json_object *o = json_object_new_object(), *cmds = json_object_new_array();
	const struct command *cmd;

	for (size_t i = 0; (cmd = command_at(i)) != NULL; i++)
		json_object_array_add(cmds, json_object_new_string(cmd->name));
	json_object_object_add(o, "type", json_object_new_string("irqchipd"));
	json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "protocol", json_object_new_int(1));
	json_object_object_add(o, "capabilities", server_capabilities(NULL));
	json_object_object_add(o, "chip-types", chip_types_json());
	json_object_object_add(o, "commands", cmds);
	json_object_object_add(o, "limits", server_limits());
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static void
list_commands(void)
{
	const struct command *cmd;
	char what[256];

	for (size_t i = 0; (cmd = command_at(i)) != NULL; i++) {
		printf("%-20s %s\n", cmd->name, cmd->help);
		for (size_t j = 0; j < cmd->nargs; j++) {
			const struct arg_spec *s = &cmd->args[j];

			arg_describe(s, what, sizeof what);
			printf("    %s%-14s%s %s\n", (s->flags & ARG_REQUIRED) ? "" : "[",
			    s->name, (s->flags & ARG_REQUIRED) ? " " : "]", what);
		}
	}
}

/* Checks that fd is a listening AF_UNIX SOCK_SEQPACKET socket and makes it non-blocking. */
static int
check_listener(int fd, char **cause)
{
	int type = 0, listening = 0, domain = 0;
	socklen_t len = sizeof type;
	int flags;

	if (fcntl(fd, F_GETFD) < 0) {
		xasprintf(cause, "fd %d is not open", fd);
		return -EBADF;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
		xasprintf(cause, "fd %d is not a socket", fd);
		return -ENOTSOCK;
	}
	len = sizeof domain;
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
	len = sizeof listening;
	getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
	if (domain != AF_UNIX || type != SOCK_SEQPACKET || !listening) {
		xasprintf(cause, "fd %d must be a listening AF_UNIX SOCK_SEQPACKET socket", fd);
		return -EINVAL;
	}
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Is a daemon answering on path? A stale socket file refuses the connection. */
static int
socket_in_use(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, rc;

	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	rc = rc == 0 ? 1 : (errno == ECONNREFUSED ? 0 : -errno);
	close(fd);
	return rc;
}

/*
 * PATH.lock, locked with flock(2) for the daemon's life: of two daemons
 * started at once on one path, the second fails here instead of racing the
 * first to the socket. The file stays: removing it would let a third
 * daemon lock a new file while the second still holds the old one.
 */
static int
take_lock(const char *path, char **cause)
{
	char lock[PATH_MAX];
	int fd;

	if ((size_t)snprintf(lock, sizeof lock, "%s.lock", path) >= sizeof lock) {
		xasprintf(cause, "%s.lock: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		xasprintf(cause, "cannot open lock file %s: %s", lock, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		xasprintf(cause, "%s is in use: another irqchipd holds its lock %s", path,
		    lock);
		close(fd);
		return -EADDRINUSE;
	}
	return fd;
}

/* The socket file this daemon bound, so that exit removes only that one. */
struct bound_path {
	const char *path;
	dev_t dev;
	ino_t ino;
};

static void
remember_socket(struct bound_path *b, const char *path)
{
	struct stat st;

	b->path = NULL;
	if (lstat(path, &st) == 0) {
		b->path = path;
		b->dev = st.st_dev;
		b->ino = st.st_ino;
	}
}

/* Unlinks the socket if the path still names the one this daemon bound. */
static void
remove_socket(const struct bound_path *b)
{
	struct stat st;

	if (b->path == NULL || lstat(b->path, &st) < 0)
		return;
	if (st.st_dev != b->dev || st.st_ino != b->ino) {
		log_info("%s is no longer this daemon's socket; leaving it", b->path);
		return;
	}
	unlink(b->path);
}

static int
create_socket(const char *path, mode_t mode, char **cause)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char tmp[sizeof sun.sun_path + 16];
	struct stat st;
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "--socket-path is %zu bytes long; at most %zu fit in sun_path",
		    strlen(path), sizeof sun.sun_path - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			xasprintf(cause, "%s exists and is not a socket; not touching it", path);
			return -EEXIST;
		}
		rc = socket_in_use(path);
		if (rc != 0) {
			if (rc > 0)
				xasprintf(cause, "%s: another daemon is answering there", path);
			else
				xasprintf(cause, "%s: cannot tell whether it is in use: %s", path,
				    strerror(-rc));
			return -EADDRINUSE;
		}
		log_info("removing stale socket %s", path);
		if (unlink(path) < 0) {
			xasprintf(cause, "cannot remove stale socket %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return -errno;
	}
	/*
	 * Bind under a temporary name and rename once listening, so the path only
	 * ever names a ready socket; nobody but us may touch it before the chmod.
	 */
	snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
	if (strlen(tmp) < sizeof sun.sun_path)
		strcpy(sun.sun_path, tmp);
	unlink(sun.sun_path);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc < 0 || chmod(sun.sun_path, mode) < 0 || listen(fd, 8) < 0 ||
	    (strcmp(sun.sun_path, path) != 0 && rename(sun.sun_path, path) < 0)) {
		rc = -errno;
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(sun.sun_path);
		return rc;
	}
	return fd;
}

/* systemd socket activation: LISTEN_PID names us and LISTEN_FDS=1 (fd 3). */
static int
activation_fd(char **cause)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	unsigned long p, n;

	if (pid == NULL || fds == NULL)
		return -ENOENT;
	if (parse_uint(pid, ULONG_MAX, &p, 10) < 0 || (pid_t)p != getpid())
		return -ENOENT;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (parse_uint(fds, 1024, &n, 10) < 0 || n != 1) {
		xasprintf(cause, "socket activation passed LISTEN_FDS=%s; exactly 1 is supported",
		    fds);
		return -EINVAL;
	}
	return 3;
}

/*
 * The soft fd limit up to the hard one (getrlimit(2)): the daemon holds an
 * fd per irqfd, notifier and connection, and a VM may have thousands.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("cannot raise RLIMIT_NOFILE to %llu: %s",
		    (unsigned long long)rl.rlim_max, strerror(errno));
}

/* A start-up failure: say why, release what start-up holds, exit status 1. */
static int
startup_failed(char *cause, struct server_options *opts)
{
	log_error("%s", cause != NULL ? cause : "start-up failed");
	free(cause);
	free(opts->allow_uids);
	log_close();
	return 1;
}

static void
libevent_log(int severity, const char *msg)
{
	enum log_level l = severity >= EVENT_LOG_ERR ? LOG_LEVEL_ERROR :
	    severity == EVENT_LOG_WARN ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG;

	log_msg(l, "libevent", "%s", msg);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;
	char *cause = NULL;

	if (sig == SIGHUP) {
		if (log_reopen(&cause) < 0) {
			log_error("%s", cause);
			free(cause);
		} else {
			log_info("log reopened");
		}
		return;
	}
	log_info("%s: exiting", strsignal((int)sig));
	event_base_loopbreak(base);
}

/* Type=notify: tell the service manager, if one asked ($NOTIFY_SOCKET). */
static void __attribute__((format(printf, 1, 2)))
manager_notify(const char *fmt, ...)
{
	char state[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(state, sizeof state, fmt, ap);
	va_end(ap);
	if ((rc = notify_send(state)) < 0)
		log_warn("$NOTIFY_SOCKET: %s", strerror(-rc));
}

static void
exit_on_disconnect(void *arg)
{
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	const char *socket_path = NULL, *log_file = NULL, *user = NULL, *group = NULL;
	bool no_seccomp = false;
	struct server_options opts = { .allow_uids = NULL, .poll_us = POLL_US_DEFAULT };
	enum log_level level = LOG_LEVEL_INFO;
	unsigned long v;
	mode_t mode = 0600;
	int inherited_fd = -1, use_syslog = 0, opt, lfd, lock_fd = -1, rc;
	struct bound_path bound = { NULL, 0, 0 };
	struct event_base *base;
	struct event *sigs[3];
	struct server *srv;
	char *cause = NULL;
	const int signals[3] = { SIGTERM, SIGINT, SIGHUP };
	sigset_t held, unheld;

	/* Bad flags get one line of ours, not getopt's and then ours. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:Vh", long_options, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (*optarg == '\0')
				usage_error("--socket-path: the path is empty");
			socket_path = optarg;
			break;
		case OPT_FD:
			if (parse_uint(optarg, INT_MAX, &v, 10) < 0)
				usage_error("--fd: '%s' is not a file descriptor number", optarg);
			inherited_fd = (int)v;
			break;
		case OPT_SOCKET_MODE:
			if (parse_uint(optarg, 0777, &v, 8) < 0)
				usage_error("--socket-mode: '%s' is not an octal mode in 0..0777",
				    optarg);
			mode = (mode_t)v;
			break;
		case OPT_ALLOW_UID: {
			struct passwd *pw;
			uid_t uid;

			if (parse_uint(optarg, UINT_MAX - 1, &v, 10) == 0) {
				uid = (uid_t)v;
			} else if ((pw = getpwnam(optarg)) != NULL) {
				uid = pw->pw_uid;
			} else {
				usage_error("--allow-uid: '%s' is neither a uid nor a user name",
				    optarg);
			}
			opts.allow_uids = xreallocarray(opts.allow_uids, opts.nallow_uids + 1,
			    sizeof *opts.allow_uids);
			opts.allow_uids[opts.nallow_uids++] = uid;
			break;
		}
		case OPT_PRINT_CAPS:
			print_capabilities();
			return 0;
		case OPT_LIST_COMMANDS:
			list_commands();
			return 0;
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &level) < 0)
				usage_error("--log-level: '%s' is not one of error, warn, info, debug",
				    optarg);
			break;
		case OPT_LOG_FILE:
			log_file = optarg;
			break;
		case OPT_SYSLOG:
			use_syslog = 1;
			break;
		case OPT_EXIT_ON_DISCONNECT:
			opts.exit_on_disconnect = true;
			break;
		case OPT_SEND_QUEUE:
			if (parse_uint(optarg, SEND_QUEUE_MAX, &v, 10) < 0 || v == 0)
				usage_error("--send-queue: '%s' is not a number of messages in "
				    "1..%d", optarg, SEND_QUEUE_MAX);
			opts.send_queue = (unsigned)v;
			break;
		case OPT_NO_SECCOMP:
			no_seccomp = true;
			break;
		case OPT_USER:
			user = optarg;
			break;
		case OPT_GROUP:
			group = optarg;
			break;
		case OPT_NEGOTIATE_TIMEOUT:
			if (parse_uint(optarg, 3600, &v, 10) < 0 || v == 0)
				usage_error("--negotiate-timeout: '%s' is not a number of seconds "
				    "in 1..3600", optarg);
			opts.negotiate_timeout_ms = (unsigned)v * 1000;
			break;
		case OPT_POLL_US:
			if (parse_uint(optarg, POLL_US_MAX, &v, 10) < 0)
				usage_error("--poll-us: '%s' is not a number of microseconds in "
				    "0..%d", optarg, POLL_US_MAX);
			opts.poll_us = (unsigned)v;
			break;
		case 'V':
			printf("irqchipd %s (protocol 1)\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			usage_error("%s needs a value", argv[optind - 1]);
		default:
			/*
			 * An unknown short option is in optopt. A long one (unknown,
			 * ambiguous, or --help=x: optopt is then 0, its val, or h/V,
			 * which are never wrong as short options) is behind optind.
			 */
			if (optopt > 0 && optopt < 256 && optopt != 'h' && optopt != 'V')
				usage_error("unknown option '-%c'", optopt);
			usage_error("invalid option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (socket_path != NULL && inherited_fd >= 0)
		usage_error("--socket-path and --fd exclude each other");

	/*
	 * Nothing the daemon creates is for others (the socket gets its own
	 * --socket-mode), and no fd it did not ask for stays open: only stdio
	 * and the listening socket it was given survive.
	 */
	umask(0077);
	if ((rc = sandbox_close_inherited(inherited_fd >= 0 ? inherited_fd :
	    socket_path == NULL ? 3 : -1)) < 0) {
		fprintf(stderr, "irqchipd: cannot close inherited fds: %s\n", strerror(-rc));
		free(opts.allow_uids);
		return 1;
	}
	if (log_open(level, log_file, use_syslog, &cause) < 0) {
		fprintf(stderr, "irqchipd: %s\n", cause);
		free(cause);
		free(opts.allow_uids);
		return EXIT_USAGE;
	}
	event_set_log_callback(libevent_log);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	/*
	 * Once the socket exists a supervisor may stop us: hold SIGTERM, SIGINT
	 * and SIGHUP until the loop handles them, so that the default action
	 * cannot kill us in between and leave the socket file behind.
	 */
	sigemptyset(&held);
	for (int i = 0; i < 3; i++)
		sigaddset(&held, signals[i]);
	sigprocmask(SIG_BLOCK, &held, &unheld);

	if (socket_path != NULL) {
		lock_fd = take_lock(socket_path, &cause);
		lfd = lock_fd < 0 ? -1 : create_socket(socket_path, mode, &cause);
		if (lfd >= 0)
			remember_socket(&bound, socket_path);
	} else if (inherited_fd >= 0) {
		lfd = check_listener(inherited_fd, &cause) < 0 ? -1 : inherited_fd;
	} else {
		lfd = activation_fd(&cause);
		if (lfd == -ENOENT)
			usage_error("give --socket-path, --fd, or start under socket activation");
		if (lfd >= 0 && check_listener(lfd, &cause) < 0)
			lfd = -1;
	}
	if (lfd < 0)
		return startup_failed(cause, &opts);

	base = server_event_base_new();
	if (base == NULL) {
		close(lfd);
		return startup_failed(xstrdup("cannot create the event loop"), &opts);
	}
	opts.on_exit = exit_on_disconnect;
	opts.on_exit_arg = base;
	srv = server_create(base, &opts, &cause);
	if (server_listen(srv, lfd, &cause) < 0) {
		close(lfd);
		server_free(srv);
		event_base_free(base);
		return startup_failed(cause, &opts);
	}
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(base, signals[i], signal_cb, base);
		event_add(sigs[i], NULL);
	}
	if ((user != NULL || group != NULL) &&
	    sandbox_drop_privileges(user, group, &cause) < 0) {
		remove_socket(&bound);
		server_free(srv);
		for (int i = 0; i < 3; i++)
			event_free(sigs[i]);
		event_base_free(base);
		return startup_failed(cause, &opts);
	}
	/*
	 * Setup is done: from here on, only what serving needs (seccomp(2)).
	 * A kernel without seccomp filters (ENOSYS, EINVAL: also what qemu-user
	 * answers) cannot have one: say so and serve, as OpenSSH's sandbox does;
	 * any other failure is fatal.
	 */
	if (!no_seccomp && (rc = sandbox_seccomp(&cause)) < 0 &&
	    (rc == -ENOSYS || rc == -EINVAL)) {
		log_warn("%s: this kernel offers no seccomp filters; running without one",
		    cause);
		free(cause);
		cause = NULL;
		no_seccomp = true;
	} else if (!no_seccomp && rc < 0) {
		remove_socket(&bound);
		server_free(srv);
		for (int i = 0; i < 3; i++)
			event_free(sigs[i]);
		event_base_free(base);
		return startup_failed(cause, &opts);
	}
	sigprocmask(SIG_SETMASK, &unheld, NULL);
	log_info("irqchipd %s listening on %s%s", PACKAGE_VERSION,
	    socket_path != NULL ? socket_path : "an inherited socket",
	    no_seccomp ? " (no seccomp filter)" : "");
	manager_notify("READY=1\nSTATUS=listening on %s",
	    socket_path != NULL ? socket_path : "an inherited socket");

	server_run(srv);
	manager_notify("STOPPING=1\nSTATUS=stopping");

	server_free(srv);
	remove_socket(&bound);
	if (lock_fd >= 0)
		close(lock_fd);
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_base_free(base);
	free(opts.allow_uids);
	log_close();
	return 0;
}
