/*
 * Protocol v1 as a client sees it (irqchipd-protocol(7)): the greeting,
 * negotiation, the envelope, every kind of bad input and the error class it
 * earns, fd passing and its hygiene (no side effect, no leak, the daemon's
 * copies really closed), events and the query commands.
 *
 * Each test runs its own daemon (the checked fixture) and stops it; the
 * daemon must exit 0, so a crash in any test fails that test.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static struct test_daemon D;

static void
setup(void)
{
	test_daemon_start(&D, NULL);
}

static void
teardown(void)
{
	ck_assert_int_eq(test_daemon_stop(&D), 0);
}

/* Asserts an error of class whose desc contains every needle (NULL-terminated). */
static void
expect_err_(struct irqchip_client *c, const char *cmd, const char *args, const int *fds,
    unsigned nfds, const char *cls, const char *const *needles)
{
	char *desc = test_call_err(c, cmd, args, fds, nfds, cls);

	for (size_t i = 0; needles[i] != NULL; i++)
		ck_assert_msg(test_contains(desc, needles[i]),
		    "%s %s: desc \"%s\" does not mention \"%s\"", cmd, args != NULL ? args : "",
		    desc, needles[i]);
	free(desc);
}

#define expect_err(c, cmd, args, fds, nfds, cls, ...) \
	expect_err_((c), (cmd), (args), (fds), (nfds), (cls), \
	    (const char *const[]){ __VA_ARGS__, NULL })

/* Sends raw text, asserts an error reply of class mentioning needle; returns the reply. */
static json_object *
raw_err(struct irqchip_client *c, const char *text, size_t len, const char *cls,
    const char *needle)
{
	json_object *msg = test_raw(c, text, len, NULL, 0), *e;
	const char *desc;

	ck_assert_msg(json_object_object_get_ex(msg, "error", &e), "%.60s: no error: %s", text,
	    json_object_to_json_string(msg));
	ck_assert_str_eq(json_object_get_string(test_get(e, "class")), cls);
	desc = json_object_get_string(test_get(e, "desc"));
	ck_assert_msg(needle == NULL || test_contains(desc, needle),
	    "%.60s: desc \"%s\" does not mention \"%s\"", text, desc, needle);
	return msg;
}

static void
raw_err_put(struct irqchip_client *c, const char *text, const char *cls, const char *needle)
{
	json_object_put(raw_err(c, text, strlen(text), cls, needle));
}

/* The connection still works: a plain query succeeds. */
static void
still_serves(struct irqchip_client *c)
{
	json_object_put(test_call_ok(c, "query-version", NULL, NULL, 0));
}

/* Whether fd reports POLLHUP within timeout_ms (0: right now). */
static bool
hung_up(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = 0 };
	int64_t deadline = test_now_ms() + timeout_ms;

	for (;;) {
		int left = (int)(deadline - test_now_ms());

		if (poll(&p, 1, left > 0 ? left : 0) > 0 && (p.revents & POLLHUP))
			return true;
		if (left <= 0)
			return false;
	}
}

/*
 * fds to send, and for those with a peer (a pipe's read end, a socketpair's
 * other end) the peer: it hangs up once every copy of the sent end is closed,
 * which is how a test sees that the daemon closed its copy.
 */
struct fdset {
	int send[20];
	unsigned nsend;
	int watch[20];
	unsigned nwatch;
	struct stat file[20];	/* files with an inode of their own (memfds) */
	unsigned nfile;
};

/* Whether the daemon has an fd open on the file st describes (/proc/PID/fd). */
static bool
daemon_holds(const struct stat *st)
{
	char dir[64], path[384];
	struct dirent *de;
	struct stat other;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)D.pid);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.' && stat(path, &other) == 0 &&
		    other.st_dev == st->st_dev && other.st_ino == st->st_ino)
			found = true;
	}
	closedir(d);
	return found;
}

static int
add_eventfd(struct fdset *fs)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	fs->send[fs->nsend++] = fd;
	return fd;
}

static void
add_pipe(struct fdset *fs)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fs->send[fs->nsend++] = p[1];
	fs->watch[fs->nwatch++] = p[0];
}

static void
add_socket(struct fdset *fs)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fs->send[fs->nsend++] = sv[0];
	fs->watch[fs->nwatch++] = sv[1];
}

static void
add_memfd(struct fdset *fs)
{
	int fd = memfd_create("check_proto", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 4096), 0);
	ck_assert_int_eq(fstat(fd, &fs->file[fs->nfile++]), 0);
	fs->send[fs->nsend++] = fd;
}

/*
 * After a refused message carrying fs: the daemon is back to its open-fd
 * baseline with no irqfd or notifier, and once we close our copies every peer
 * hangs up (before that, none has: the check means something).
 */
static void
expect_fds_released(struct irqchip_client *c, int64_t base_fds, struct fdset *fs)
{
	json_object *st = test_call_ok(c, "query-status", NULL, NULL, 0);

	ck_assert_int_eq(test_get_int(st, "open-fds"), base_fds);
	ck_assert_int_eq(test_get_int(st, "irqfds"), 0);
	ck_assert_int_eq(test_get_int(st, "notifiers"), 0);
	json_object_put(st);
	for (unsigned i = 0; i < fs->nwatch; i++)
		ck_assert_msg(!hung_up(fs->watch[i], 0), "peer %u hung up while we hold the fd", i);
	for (unsigned i = 0; i < fs->nfile; i++)
		ck_assert_msg(!daemon_holds(&fs->file[i]), "the daemon kept memfd %u", i);
	for (unsigned i = 0; i < fs->nsend; i++)
		close(fs->send[i]);
	for (unsigned i = 0; i < fs->nwatch; i++) {
		ck_assert_msg(hung_up(fs->watch[i], 5000), "the daemon kept a copy of fd %u", i);
		close(fs->watch[i]);
	}
	fs->nsend = fs->nwatch = fs->nfile = 0;
}

/* A negotiated client with chip io0 (an IOAPIC of 24 pins at the default base). */
static struct irqchip_client *
connect_with_chip(void)
{
	struct irqchip_client *c = test_connect(&D);

	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	return c;
}

/* ---- greeting and negotiation ---- */

START_TEST(test_greeting)
{
	struct irqchip_client *c = test_connect_raw(&D);
	json_object *g = irqchip_client_greeting(c), *caps;
	const char *token;

	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(json_object_get_string(test_get(g, "version.irqchipd")),
	    PACKAGE_VERSION);
	ck_assert_int_eq(test_get_int(g, "version.protocol"), 1);
	caps = test_get(g, "capabilities");
	ck_assert(json_object_is_type(caps, json_type_array));
	ck_assert_uint_gt(json_object_array_length(caps), 0);
	for (size_t i = 0; i < json_object_array_length(caps); i++)
		ck_assert(json_object_is_type(json_object_array_get_idx(caps, i),
		    json_type_string));
	ck_assert_int_eq(test_get_int(g, "limits.max-message"), 65536);
	ck_assert_int_eq(test_get_int(g, "limits.max-fds"), 16);
	token = json_object_get_string(test_get(g, "session"));
	ck_assert_uint_eq(strlen(token), 32);
	ck_assert_uint_eq(strspn(token, "0123456789abcdef"), 32);
	ck_assert(json_object_is_type(test_get(g, "resumable"), json_type_boolean));
	ck_assert(!json_object_get_boolean(test_get(g, "resumable")));
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_negotiate_first)
{
	struct irqchip_client *c = test_connect_raw(&D);
	json_object *ret;
	char *cause = NULL;
	struct fdset fs = { .nsend = 0 };

	/* Nothing but negotiate is there yet, whatever the arguments. */
	for (size_t i = 0; test_all_commands[i] != NULL; i++) {
		if (strcmp(test_all_commands[i], "negotiate") != 0)
			expect_err(c, test_all_commands[i], NULL, NULL, 0, "CommandNotFound",
			    test_all_commands[i], "negotiate");
	}
	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}", NULL, 0,
	    "CommandNotFound", "negotiate");
	/* An fd sent with a refused command is closed all the same. */
	add_pipe(&fs);
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": 0}", fs.send, 1, "CommandNotFound",
	    "negotiate");
	close(fs.send[0]);
	ck_assert_msg(hung_up(fs.watch[0], 5000), "the daemon kept the fd");
	close(fs.watch[0]);

	/* Unknown capabilities are ignored, not an error. */
	ck_assert_int_eq(irqchip_client_negotiate(c, (const char *const[]){ "no-such-capability",
	    "effects", "x-future", NULL }, NULL, &ret, &cause), 0);
	ck_assert(json_object_is_type(test_get(ret, "capabilities"), json_type_array));
	ck_assert(!json_object_get_boolean(test_get(ret, "resumed")));
	json_object_put(ret);
	still_serves(c);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	expect_err(c, "negotiate", NULL, NULL, 0, "SessionError", "already");
	expect_err(c, "negotiate", "{\"capabilities\": [\"x\"]}", NULL, 0, "SessionError",
	    "already");
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

/* ---- the envelope ---- */

/* Sends text; the reply must be exactly {key: ..., "id": id} with id equal to want_id. */
static json_object *
envelope(struct irqchip_client *c, const char *text, const char *key, const char *want_id)
{
	json_object *msg = test_raw(c, text, strlen(text), NULL, 0), *id, *want, *body;

	ck_assert_msg(json_object_object_get_ex(msg, key, &body), "%s: no %s in %s", text, key,
	    json_object_to_json_string(msg));
	ck_assert_msg(json_object_object_get_ex(msg, "id", &id), "%s: id not echoed: %s", text,
	    json_object_to_json_string(msg));
	want = json_tokener_parse(want_id);
	ck_assert_msg(json_object_equal(id, want), "%s: id %s came back as %s", text, want_id,
	    json_object_to_json_string(id));
	json_object_put(want);
	ck_assert_int_eq(json_object_object_length(msg), 2);
	if (strcmp(key, "error") == 0) {
		ck_assert(json_object_is_type(test_get(body, "class"), json_type_string));
		ck_assert(json_object_is_type(test_get(body, "desc"), json_type_string));
		ck_assert_int_gt(json_object_get_string_len(test_get(body, "desc")), 0);
		ck_assert_int_eq(json_object_object_length(body), 2);
	} else {
		ck_assert(json_object_is_type(body, json_type_object));
	}
	return msg;
}

START_TEST(test_envelope_id)
{
	struct irqchip_client *c = test_connect(&D);
	static const char *const ids[] = { "7", "-3", "2.5", "\"abc\"", "{\"a\": [1, {\"b\": null}]}",
	    "[1, \"two\"]", "true", "null", NULL };
	char text[256];

	for (size_t i = 0; ids[i] != NULL; i++) {
		snprintf(text, sizeof text, "{\"execute\": \"query-version\", \"id\": %s}", ids[i]);
		json_object_put(envelope(c, text, "return", ids[i]));
		snprintf(text, sizeof text, "{\"id\": %s, \"execute\": \"no-such-command\"}", ids[i]);
		json_object_put(envelope(c, text, "error", ids[i]));
		snprintf(text, sizeof text, "{\"execute\": \"query-version\", \"id\": %s, "
		    "\"arguments\": {\"x\": 1}}", ids[i]);
		json_object_put(envelope(c, text, "error", ids[i]));
		snprintf(text, sizeof text, "{\"execute\": \"query-version\", \"id\": %s, "
		    "\"bogus\": 1}", ids[i]);
		json_object_put(envelope(c, text, "error", ids[i]));
	}
	/* Without an id, none comes back. */
	{
		const char *plain = "{\"execute\": \"query-version\"}";
		json_object *msg = test_raw(c, plain, strlen(plain), NULL, 0);

		ck_assert(json_object_object_get_ex(msg, "return", NULL));
		ck_assert(!json_object_object_get_ex(msg, "id", NULL));
		json_object_put(msg);
	}
	irqchip_client_close(c);
}
END_TEST

/* ---- bad input ---- */

START_TEST(test_bad_json)
{
	struct irqchip_client *c = test_connect(&D);

	raw_err_put(c, "{\"execute\": \"query-version\"", "ProtocolError", "JSON");
	raw_err_put(c, "{\"execute\": query-version}", "ProtocolError", "JSON");
	raw_err_put(c, "{'execute': 'query-version'}", "ProtocolError", "JSON");
	raw_err_put(c, "{\"execute\": \"query-version\",}", "ProtocolError", "JSON");
	raw_err_put(c, "", "ProtocolError", "empty");
	raw_err_put(c, "   ", "ProtocolError", "JSON");
	{
		static const char nul[] = "{\"execute\": \"query-version\"}\0";

		json_object_put(raw_err(c, nul, sizeof nul - 1, "ProtocolError", "NUL"));
	}
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_non_object)
{
	struct irqchip_client *c = test_connect(&D);

	raw_err_put(c, "[{\"execute\": \"query-version\"}]", "ProtocolError", "object");
	raw_err_put(c, "[]", "ProtocolError", "object");
	raw_err_put(c, "42", "ProtocolError", "object");
	raw_err_put(c, "-1.5", "ProtocolError", "object");
	raw_err_put(c, "\"query-version\"", "ProtocolError", "object");
	raw_err_put(c, "true", "ProtocolError", "object");
	raw_err_put(c, "null", "ProtocolError", "object");
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

/* {"execute": "query-version", "id": [[...]]}: depth levels in all, the envelope included. */
static char *
nested(unsigned depth)
{
	size_t n = depth - 1, len = 64 + 2 * n;
	char *s = malloc(len), *p;

	p = s + sprintf(s, "{\"execute\": \"query-version\", \"id\": ");
	memset(p, '[', n);
	memset(p + n, ']', n);
	strcpy(p + 2 * n, "}");
	return s;
}

START_TEST(test_deep_nesting)
{
	struct irqchip_client *c = test_connect(&D);
	char *ok = nested(16), *deep = nested(17), *deeper = nested(2000);
	json_object *msg;

	/* The limit the greeting announces is allowed... */
	msg = test_raw(c, ok, strlen(ok), NULL, 0);
	ck_assert_msg(json_object_object_get_ex(msg, "return", NULL), "16 levels refused: %s",
	    json_object_to_json_string(msg));
	json_object_put(msg);
	/* ...one more is not, and neither is a stack-eating flood. */
	raw_err_put(c, deep, "ProtocolError", "nesting");
	raw_err_put(c, deeper, "ProtocolError", "nesting");
	/* Objects count as arrays do: state's value nests 17 deep. */
	raw_err_put(c, "{\"execute\": \"chip-load\", \"arguments\": {\"id\": \"x\", \"state\": "
	    "{\"a\": {\"b\": {\"c\": {\"d\": {\"e\": {\"f\": {\"g\": {\"h\": {\"i\": {\"j\": {\"k\": "
	    "{\"l\": {\"m\": {\"n\": {\"o\": 1}}}}}}}}}}}}}}}}}", "ProtocolError", "16");
	free(ok);
	free(deep);
	free(deeper);
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

/* Sends one packet with fds (any number: no library limit) on sock. */
static void
send_packet(int sock, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 32)];
	} control;
	char *copy = malloc(len + 1);
	struct iovec iov = { .iov_base = copy, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	ck_assert_ptr_nonnull(copy);
	ck_assert_uint_le(nfds, 32);
	memcpy(copy, buf, len);
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof control);
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&msg);
		ck_assert_ptr_nonnull(cm);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	ck_assert_int_eq(sendmsg(sock, &msg, MSG_NOSIGNAL), (ssize_t)len);
	free(copy);
}

/* Sends len bytes (a valid request padded with spaces) plus fds on c's socket. */
static void
send_big(struct irqchip_client *c, size_t len, const int *fds, unsigned nfds)
{
	int sock = irqchip_client_fd(c), sndbuf = 4 * 1024 * 1024;
	char *buf = malloc(len);
	const char *req = "{\"execute\": \"query-version\", \"id\": \"big\"}";

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf), 0);
	memset(buf, ' ', len);
	memcpy(buf, req, strlen(req));
	send_packet(sock, buf, len, fds, nfds);
	free(buf);
}

static json_object *
reply_of(struct irqchip_client *c)
{
	json_object *msg = NULL;

	ck_assert_int_eq(irqchip_client_recv_reply(c, 5000, &msg), 0);
	return msg;
}

START_TEST(test_oversize)
{
	struct irqchip_client *c = test_connect(&D);
	int64_t base = test_status_int(c, "open-fds");
	struct fdset fs = { .nsend = 0 };
	json_object *msg;

	/* Exactly the limit is a message... */
	send_big(c, 65536, NULL, 0);
	msg = reply_of(c);
	ck_assert_msg(json_object_object_get_ex(msg, "return", NULL), "65536 bytes refused: %s",
	    json_object_to_json_string(msg));
	ck_assert_str_eq(json_object_get_string(test_get(msg, "id")), "big");
	json_object_put(msg);
	/* ...one byte more is not, and the fds that came with it are closed. */
	add_pipe(&fs);
	add_eventfd(&fs);
	send_big(c, 65537, fs.send, fs.nsend);
	msg = reply_of(c);
	ck_assert_str_eq(json_object_get_string(test_get(msg, "error.class")), "ProtocolError");
	ck_assert(test_contains(json_object_get_string(test_get(msg, "error.desc")), "65536"));
	json_object_put(msg);
	expect_fds_released(c, base, &fs);
	send_big(c, 1 << 20, NULL, 0);
	msg = reply_of(c);
	ck_assert_str_eq(json_object_get_string(test_get(msg, "error.class")), "ProtocolError");
	json_object_put(msg);
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	struct irqchip_client *c = test_connect(&D);

	raw_err_put(c, "{\"execute\": \"query-\xff version\"}", "ProtocolError", "utf-8");
	raw_err_put(c, "{\"execute\": \"query-version\", \"id\": \"\xc3\x28\"}", "ProtocolError",
	    "utf-8");
	raw_err_put(c, "{\"execute\": \"query-version\", \"id\": \"\xed\xa0\x80\"}", "ProtocolError",
	    "utf-8");
	/* Valid UTF-8 is fine, even in an id. */
	json_object_put(envelope(c, "{\"execute\": \"query-version\", \"id\": \"\xc3\xa9t\xc3\xa9\"}",
	    "return", "\"\xc3\xa9t\xc3\xa9\""));
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_trailing_data)
{
	struct irqchip_client *c = test_connect(&D);
	json_object *msg;

	raw_err_put(c, "{\"execute\": \"query-version\"} x", "ProtocolError", "JSON");
	raw_err_put(c, "{\"execute\": \"query-version\"}{\"execute\": \"query-version\"}",
	    "ProtocolError", "JSON");
	raw_err_put(c, "{\"execute\": \"query-version\"} 1", "ProtocolError", "JSON");
	/* Whitespace after the value is not data. */
	msg = test_raw(c, "{\"execute\": \"query-version\"} \n", 30, NULL, 0);
	ck_assert(json_object_object_get_ex(msg, "return", NULL));
	json_object_put(msg);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_envelope_errors)
{
	struct irqchip_client *c = test_connect(&D);

	raw_err_put(c, "{\"execute\": \"query-version\", \"argumnets\": {}}", "ProtocolError",
	    "'argumnets'");
	raw_err_put(c, "{\"execute\": \"query-version\", \"arguments\": {}, \"x\": 1}",
	    "ProtocolError", "execute, arguments, id");
	raw_err_put(c, "{}", "ProtocolError", "'execute'");
	raw_err_put(c, "{\"arguments\": {}}", "ProtocolError", "'execute'");
	raw_err_put(c, "{\"execute\": 1}", "ProtocolError", "'execute'");
	raw_err_put(c, "{\"execute\": null}", "ProtocolError", "'execute'");
	raw_err_put(c, "{\"execute\": [\"query-version\"]}", "ProtocolError", "'execute'");
	raw_err_put(c, "{\"execute\": \"query-version\", \"arguments\": []}", "ProtocolError",
	    "'arguments'");
	raw_err_put(c, "{\"execute\": \"query-version\", \"arguments\": \"x\"}", "ProtocolError",
	    "'arguments'");
	raw_err_put(c, "{\"execute\": \"query-version\", \"arguments\": null}", "ProtocolError",
	    "'arguments'");
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_unknown_command)
{
	struct irqchip_client *c = test_connect(&D);

	expect_err(c, "no-such-command", NULL, NULL, 0, "CommandNotFound", "'no-such-command'");
	expect_err(c, "Query-Version", NULL, NULL, 0, "CommandNotFound", "'Query-Version'");
	expect_err(c, "", NULL, NULL, 0, "CommandNotFound", "''");
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_unknown_argument)
{
	struct irqchip_client *c = connect_with_chip();

	expect_err(c, "line-set", "{\"id\": \"io0\", \"line\": 1, \"level\": 1, \"lvl\": 1}", NULL,
	    0, "InvalidParameter", "'lvl'", "id, line, level");
	expect_err(c, "irqfd-del", "{\"gsi\": 1, \"fd\": 0}", NULL, 0, "InvalidParameter",
	    "'fd'", "gsi");
	expect_err(c, "query-version", "{\"verbose\": true}", NULL, 0, "InvalidParameter",
	    "'verbose'", "no arguments");
	/* chip-add's type-specific part is checked against the type's own schema. */
	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io1\", \"pin\": 8}", NULL, 0,
	    "InvalidParameter", "'pin'", "pins");
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_missing_argument)
{
	struct irqchip_client *c = connect_with_chip();

	expect_err(c, "line-set", "{\"id\": \"io0\", \"line\": 1}", NULL, 0, "InvalidParameter",
	    "missing", "'level'");
	expect_err(c, "mmio-read", "{\"id\": \"io0\", \"size\": 4}", NULL, 0, "InvalidParameter",
	    "missing", "'offset'");
	expect_err(c, "chip-add", "{\"type\": \"ioapic\"}", NULL, 0, "InvalidParameter",
	    "missing", "'id'");
	expect_err(c, "chip-query", NULL, NULL, 0, "InvalidParameter", "missing", "'id'");
	expect_err(c, "irqfd-add", "{\"gsi\": 3}", NULL, 0, "InvalidParameter", "missing",
	    "'fd'");
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_wrong_type)
{
	struct irqchip_client *c = connect_with_chip();

	expect_err(c, "line-set", "{\"id\": \"io0\", \"line\": \"x\", \"level\": 1}", NULL, 0,
	    "InvalidParameter", "'line'", "integer");
	expect_err(c, "line-set", "{\"id\": \"io0\", \"line\": 1.5, \"level\": 1}", NULL, 0,
	    "InvalidParameter", "'line'");
	expect_err(c, "line-set", "{\"id\": \"io0\", \"line\": 1, \"level\": \"high\"}", NULL, 0,
	    "InvalidParameter", "'level'");
	expect_err(c, "line-set", "{\"id\": 5, \"line\": 1, \"level\": 1}", NULL, 0,
	    "InvalidParameter", "'id'");
	expect_err(c, "chip-add", "{\"type\": \"8259\", \"id\": \"pic\"}", NULL, 0,
	    "InvalidParameter", "'type'", "ioapic");
	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"has space\"}", NULL, 0,
	    "InvalidParameter", "'id'");
	expect_err(c, "negotiate", "{\"capabilities\": [1]}", NULL, 0, "InvalidParameter",
	    "'capabilities'", "strings");
	expect_err(c, "chip-load", "{\"id\": \"io0\", \"state\": []}", NULL, 0,
	    "InvalidParameter", "'state'", "object");
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": \"0\"}", NULL, 0, "InvalidFd", "'fd'");
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_out_of_range)
{
	struct irqchip_client *c = connect_with_chip();

	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io1\", \"pins\": 300}", NULL, 0,
	    "InvalidParameter", "'pins'", "1..120");
	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io1\", \"pins\": 0}", NULL, 0,
	    "InvalidParameter", "'pins'", "1..120");
	expect_err(c, "eoi", "{\"vector\": 256}", NULL, 0, "InvalidParameter", "'vector'",
	    "0..255");
	expect_err(c, "irqfd-del", "{\"gsi\": 4096}", NULL, 0, "InvalidParameter", "'gsi'",
	    "0..4095");
	/* A line the chip does not have: the range is the chip's. */
	expect_err(c, "line-set", "{\"id\": \"io0\", \"line\": 24, \"level\": 1}", NULL, 0,
	    "InvalidParameter", "'line'", "0..23");
	expect_err(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, \"size\": 1, \"value\": 256}",
	    NULL, 0, "InvalidParameter", "'value'");
	expect_err(c, "mmio-read", "{\"id\": \"io0\", \"offset\": 4096, \"size\": 4}", NULL, 0,
	    "InvalidParameter", "'offset'");
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_u64_strings)
{
	struct irqchip_client *c = test_connect(&D);
	json_object *ret;

	/* Above 2^53 and above INT64_MAX, hex and decimal: strings carry them. */
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"hi\", "
	    "\"base\": \"0xfffffffffffff000\", \"gsi-base\": \"0x20\", \"pins\": \"8\"}", NULL, 0));
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"mid\", "
	    "\"base\": \"9007199254740992000\", \"gsi-base\": 64}", NULL, 0));
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"lo\", "
	    "\"base\": \"0XFEC01000\", \"gsi-base\": 128}", NULL, 0));
	ret = test_call_ok(c, "query-chips", NULL, NULL, 0);
	ck_assert_str_eq(json_object_get_string(test_get(ret, "chips.0.id")), "hi");
	ck_assert_str_eq(json_object_get_string(test_get(ret, "chips.0.base")),
	    "0xfffffffffffff000");
	ck_assert_int_eq(test_get_int(ret, "chips.0.gsi-base"), 32);
	ck_assert_int_eq(test_get_int(ret, "chips.0.pins"), 8);
	ck_assert_int_eq(test_get_int(ret, "chips.1.base"), 9007199254740992000LL);
	ck_assert_int_eq(test_get_int(ret, "chips.2.base"), 0xfec01000LL);
	json_object_put(ret);
	/* The window at the very top of the address space is taken now. */
	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"hi2\", \"base\": "
	    "\"18446744073709547520\", \"gsi-base\": 200}", NULL, 0, "AlreadyExists", "'hi'");
	/* A value above INT64_MAX reaches the handler intact through a string. */
	expect_err(c, "mmio-write", "{\"id\": \"lo\", \"offset\": 0, \"size\": 4, "
	    "\"value\": \"0xffffffffffffffff\"}", NULL, 0, "InvalidParameter", "'value'",
	    "0xffffffffffffffff");
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"lo\", \"offset\": \"0x0\", "
	    "\"size\": 4, \"value\": \"0x10\"}", NULL, 0));
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"lo\", \"offset\": \"16\", "
	    "\"size\": 4, \"value\": \"0x000000a5\"}", NULL, 0));
	ret = test_call_ok(c, "mmio-read", "{\"id\": \"lo\", \"offset\": 16, \"size\": 4}", NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "value") & 0xff, 0xa5);
	json_object_put(ret);
	/* Malformed numeric strings are wrong types, not zero. */
	expect_err(c, "eoi", "{\"vector\": \"0x\"}", NULL, 0, "InvalidParameter", "'vector'");
	expect_err(c, "eoi", "{\"vector\": \"12abc\"}", NULL, 0, "InvalidParameter", "'vector'");
	expect_err(c, "eoi", "{\"vector\": \"\"}", NULL, 0, "InvalidParameter", "'vector'");
	expect_err(c, "eoi", "{\"vector\": \" 1\"}", NULL, 0, "InvalidParameter", "'vector'");
	/* After the prefix only hex digits: no sign, space or second prefix. */
	expect_err(c, "eoi", "{\"vector\": \"0x-1\"}", NULL, 0, "InvalidParameter", "'vector'");
	expect_err(c, "eoi", "{\"vector\": \"0x 5\"}", NULL, 0, "InvalidParameter", "'vector'");
	expect_err(c, "eoi", "{\"vector\": \"0x+5\"}", NULL, 0, "InvalidParameter", "'vector'");
	expect_err(c, "eoi", "{\"vector\": \"0x0x5\"}", NULL, 0, "InvalidParameter",
	    "'vector'");
	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"x\", \"base\": "
	    "\"0x-1000\"}", NULL, 0, "InvalidParameter", "'base'");
	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"x\", \"base\": "
	    "\"0x10000000000000000\"}", NULL, 0, "InvalidParameter", "'base'");
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_negative_numbers)
{
	struct irqchip_client *c = connect_with_chip();

	expect_err(c, "line-set", "{\"id\": \"io0\", \"line\": -1, \"level\": 1}", NULL, 0,
	    "InvalidParameter", "'line'");
	expect_err(c, "line-set", "{\"id\": \"io0\", \"line\": \"-1\", \"level\": 1}", NULL, 0,
	    "InvalidParameter", "'line'");
	expect_err(c, "line-set", "{\"id\": \"io0\", \"line\": 1, \"level\": -1}", NULL, 0,
	    "InvalidParameter", "'level'");
	expect_err(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, \"size\": 4, \"value\": "
	    "-9223372036854775808}", NULL, 0, "InvalidParameter", "'value'");
	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io1\", \"gsi-base\": -24}",
	    NULL, 0, "InvalidParameter", "'gsi-base'");
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": -1}", NULL, 0, "InvalidFd", "'fd'");
	still_serves(c);
	irqchip_client_close(c);
}
END_TEST

/* ---- fds ---- */

START_TEST(test_fd_too_many)
{
	struct irqchip_client *c = test_connect(&D);
	int64_t base = test_status_int(c, "open-fds");
	struct fdset fs = { .nsend = 0 };
	const char *req = "{\"execute\": \"irqfd-add\", \"arguments\": {\"gsi\": 1, \"fd\": 0}}";
	json_object *reply;

	/* 17 fds, each with a peer: eventfds would not show who closed what. */
	for (int i = 0; i < 17; i++) {
		if (i % 2 == 0)
			add_pipe(&fs);
		else
			add_socket(&fs);
	}
	send_packet(irqchip_client_fd(c), req, strlen(req), fs.send, 17);
	reply = reply_of(c);
	ck_assert_str_eq(json_object_get_string(test_get(reply, "error.class")), "ProtocolError");
	ck_assert(test_contains(json_object_get_string(test_get(reply, "error.desc")), "16"));
	json_object_put(reply);
	expect_fds_released(c, base, &fs);

	/* 16 is the limit, not an error of its own (here: 15 unused ones are). */
	for (int i = 0; i < 16; i++)
		add_pipe(&fs);
	expect_err(c, "query-status", NULL, fs.send, 16, "InvalidFd", "16");
	expect_fds_released(c, base, &fs);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_fd_unexpected)
{
	struct irqchip_client *c = test_connect(&D);
	int64_t base = test_status_int(c, "open-fds");
	struct fdset fs = { .nsend = 0 };

	add_eventfd(&fs);
	expect_err(c, "query-status", NULL, fs.send, fs.nsend, "InvalidFd", "query-status",
	    "no fds");
	expect_fds_released(c, base, &fs);
	add_pipe(&fs);
	add_socket(&fs);
	expect_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}", fs.send, fs.nsend,
	    "InvalidFd", "chip-add", "no fds");
	expect_fds_released(c, base, &fs);
	json_object_put(test_call_ok(c, "query-chips", NULL, NULL, 0));
	ck_assert_int_eq(test_status_int(c, "chips"), 0);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_fd_index_range)
{
	struct irqchip_client *c = test_connect(&D);
	int64_t base = test_status_int(c, "open-fds");
	struct fdset fs = { .nsend = 0 };

	add_pipe(&fs);
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": 1}", fs.send, fs.nsend, "InvalidFd",
	    "'fd'", "0..0");
	expect_fds_released(c, base, &fs);
	add_pipe(&fs);
	add_socket(&fs);
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": 99}", fs.send, fs.nsend, "InvalidFd",
	    "'fd'", "0..1");
	expect_fds_released(c, base, &fs);
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": 0}", NULL, 0, "InvalidFd", "'fd'",
	    "none");
	ck_assert_int_eq(test_status_int(c, "irqfds"), 0);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_fd_index_twice)
{
	struct irqchip_client *c = connect_with_chip();
	int64_t base = test_status_int(c, "open-fds");
	struct fdset fs = { .nsend = 0 };

	add_eventfd(&fs);
	expect_err(c, "notifier-add", "{\"id\": \"io0\", \"line\": 1, \"mode\": \"level\", "
	    "\"fd\": 0, \"resample-fd\": 0}", fs.send, fs.nsend, "InvalidFd", "'resample-fd'",
	    "already used");
	expect_fds_released(c, base, &fs);
	/* Two fds, as it should be, work. */
	add_eventfd(&fs);
	add_eventfd(&fs);
	json_object_put(test_call_ok(c, "notifier-add", "{\"id\": \"io0\", \"line\": 1, \"mode\": "
	    "\"level\", \"fd\": 0, \"resample-fd\": 1}", fs.send, fs.nsend));
	ck_assert_int_eq(test_status_int(c, "open-fds"), base + 2);
	ck_assert_int_eq(test_status_int(c, "notifiers"), 1);
	for (unsigned i = 0; i < fs.nsend; i++)
		close(fs.send[i]);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_fd_unused)
{
	struct irqchip_client *c = test_connect(&D);
	int64_t base = test_status_int(c, "open-fds");
	struct fdset fs = { .nsend = 0 };

	add_eventfd(&fs);
	add_pipe(&fs);
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": 0}", fs.send, fs.nsend, "InvalidFd",
	    "fd index 1", "irqfd-add");
	expect_fds_released(c, base, &fs);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_fd_wrong_kind)
{
	struct irqchip_client *c = test_connect(&D);
	int64_t base = test_status_int(c, "open-fds");
	struct fdset fs = { .nsend = 0 };

	add_pipe(&fs);
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": 0}", fs.send, fs.nsend, "InvalidFd",
	    "'fd'", "eventfd", "a pipe");
	expect_fds_released(c, base, &fs);
	/* The /proc check sees what the daemon holds: its log file, say. */
	{
		struct stat log;

		ck_assert_int_eq(stat(D.log, &log), 0);
		ck_assert(daemon_holds(&log));
	}
	add_memfd(&fs);
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": 0}", fs.send, fs.nsend, "InvalidFd",
	    "'fd'", "eventfd", "a memfd");
	expect_fds_released(c, base, &fs);
	add_socket(&fs);
	expect_err(c, "irqfd-add", "{\"gsi\": 1, \"fd\": 0}", fs.send, fs.nsend, "InvalidFd",
	    "'fd'", "eventfd", "a socket");
	expect_fds_released(c, base, &fs);
	/* A right fd and a wrong one: the wrong one names its argument, both are closed. */
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	add_eventfd(&fs);
	add_pipe(&fs);
	expect_err(c, "notifier-add", "{\"id\": \"io0\", \"line\": 2, \"mode\": \"level\", "
	    "\"fd\": 0, \"resample-fd\": 1}", fs.send, fs.nsend, "InvalidFd", "'resample-fd'",
	    "a pipe");
	expect_fds_released(c, base, &fs);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_fd_handler_error)
{
	struct irqchip_client *c = test_connect(&D);
	int64_t base = test_status_int(c, "open-fds");
	struct fdset fs = { .nsend = 0 };
	int keep;

	keep = add_eventfd(&fs);
	json_object_put(test_call_ok(c, "irqfd-add", "{\"gsi\": 5, \"fd\": 0}", fs.send, 1));
	fs.nsend = 0;
	/* A valid fd for a GSI that has one: refused by the handler, the fd closed. */
	add_eventfd(&fs);
	expect_err(c, "irqfd-add", "{\"gsi\": 5, \"fd\": 0}", fs.send, fs.nsend, "AlreadyExists",
	    "'gsi'");
	ck_assert_int_eq(test_status_int(c, "open-fds"), base + 1);
	ck_assert_int_eq(test_status_int(c, "irqfds"), 1);
	close(fs.send[0]);
	fs.nsend = 0;
	/* A notifier on a chip that does not exist. */
	add_eventfd(&fs);
	expect_err(c, "notifier-add", "{\"id\": \"nochip\", \"line\": 1, \"mode\": \"edge\", "
	    "\"fd\": 0}", fs.send, fs.nsend, "DeviceNotFound", "'nochip'");
	ck_assert_int_eq(test_status_int(c, "open-fds"), base + 1);
	ck_assert_int_eq(test_status_int(c, "notifiers"), 0);
	close(fs.send[0]);
	close(keep);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_fd_irqfd_keep_release)
{
	struct irqchip_client *c = connect_with_chip();
	int64_t base = test_status_int(c, "open-fds");
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t count = 0;
	json_object *ret;

	ck_assert_int_ge(efd, 0);
	json_object_put(test_call_ok(c, "irqfd-add", "{\"gsi\": 3, \"fd\": 0}", &efd, 1));
	ret = test_call_ok(c, "query-status", NULL, NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "open-fds"), base + 1);
	ck_assert_int_eq(test_get_int(ret, "irqfds"), 1);
	json_object_put(ret);
	/* It is the same eventfd: an edge on unmasked pin 3 writes it. */
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, "
	    "\"size\": 4, \"value\": 22}", NULL, 0));
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, "
	    "\"size\": 4, \"value\": 48}", NULL, 0));
	json_object_put(test_call_ok(c, "line-pulse", "{\"id\": \"io0\", \"line\": 3}", NULL, 0));
	ck_assert_int_eq(read(efd, &count, sizeof count), (ssize_t)sizeof count);
	ck_assert_uint_eq(test_efd_value(count), 1);

	json_object_put(test_call_ok(c, "irqfd-del", "{\"gsi\": 3}", NULL, 0));
	ret = test_call_ok(c, "query-status", NULL, NULL, 0);
	ck_assert_int_eq(test_get_int(ret, "open-fds"), base);
	ck_assert_int_eq(test_get_int(ret, "irqfds"), 0);
	json_object_put(ret);
	expect_err(c, "irqfd-del", "{\"gsi\": 3}", NULL, 0, "DeviceNotFound", "GSI 3");
	close(efd);
	irqchip_client_close(c);
}
END_TEST

/* ---- nothing changes on errors ---- */

START_TEST(test_no_change_chip_add)
{
	struct irqchip_client *c = test_connect(&D);
	static const char *const bad[] = {
		"{\"type\": \"ioapic\", \"id\": \"io0\", \"pins\": 300}",
		"{\"type\": \"ioapic\", \"id\": \"io0\", \"pins\": 8, \"bogus\": 1}",
		"{\"type\": \"ioapic\", \"id\": \"io0\", \"base\": \"0xfec00800\"}",
		"{\"type\": \"ioapic\", \"id\": \"io0\", \"version\": 18}",
		"{\"type\": \"ioapic\", \"id\": \"io0\", \"gsi-base\": 4090, \"pins\": 24}",
		"{\"type\": \"xyz\", \"id\": \"io0\"}",
		"{\"type\": \"ioapic\", \"id\": \"\"}",
		"{\"type\": \"ioapic\", \"id\": \"io0\", \"pins\": \"many\"}",
		NULL,
	};
	json_object *ret, *before;
	json_object *ev;

	for (size_t i = 0; bad[i] != NULL; i++) {
		free(test_call_err(c, "chip-add", bad[i], NULL, 0, "InvalidParameter"));
		ret = test_call_ok(c, "query-chips", NULL, NULL, 0);
		ck_assert_msg(json_object_array_length(test_get(ret, "chips")) == 0,
		    "%s left a chip: %s", bad[i], json_object_to_json_string(ret));
		json_object_put(ret);
	}
	/* No state-changed event for what did not happen. */
	ck_assert_int_eq(irqchip_client_next_event(c, 0, &ev), -ETIMEDOUT);

	/* With a chip there: a colliding or duplicate one leaves it as it was. */
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\", "
	    "\"pins\": 8}", NULL, 0));
	before = test_call_ok(c, "query-chips", NULL, NULL, 0);
	free(test_call_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\", \"pins\": 16, "
	    "\"base\": \"0xfec10000\", \"gsi-base\": 100}", NULL, 0, "AlreadyExists"));
	free(test_call_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io1\", \"gsi-base\": 4}",
	    NULL, 0, "AlreadyExists"));
	free(test_call_err(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io1\", \"gsi-base\": 40}",
	    NULL, 0, "AlreadyExists"));
	ret = test_call_ok(c, "query-chips", NULL, NULL, 0);
	ck_assert_msg(json_object_equal(before, ret), "%s became %s",
	    json_object_to_json_string(before), json_object_to_json_string(ret));
	json_object_put(ret);
	json_object_put(before);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_no_change_mmio_write)
{
	struct irqchip_client *c = connect_with_chip();
	static const char *const bad[] = {
		"{\"id\": \"io0\", \"offset\": 0, \"size\": 4, \"value\": \"0x1ffffffff\"}",
		"{\"id\": \"io0\", \"offset\": 0, \"size\": 3, \"value\": 20}",
		"{\"id\": \"io0\", \"offset\": 4094, \"size\": 4, \"value\": 20}",
		"{\"id\": \"io0\", \"offset\": 0, \"size\": 4, \"value\": 20, \"cpu\": 5000}",
		"{\"id\": \"io0\", \"offset\": 0, \"size\": 4}",
		"{\"id\": \"io0\", \"offset\": 0, \"size\": 4, \"value\": 20, \"extra\": 1}",
		"{\"id\": \"io9\", \"offset\": 0, \"size\": 4, \"value\": 20}",
		NULL,
	};
	json_object *before, *after;

	/* Select RTE 2's low word, so a write that slipped through would change it. */
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 0, "
	    "\"size\": 4, \"value\": 20}", NULL, 0));
	before = test_call_ok(c, "chip-query", "{\"id\": \"io0\"}", NULL, 0);
	for (size_t i = 0; bad[i] != NULL; i++) {
		json_object *ret = NULL, *err = NULL, *a = json_tokener_parse(bad[i]);

		ck_assert_int_eq(irqchip_client_call(c, "mmio-write", a, NULL, 0, &ret, &err, NULL),
		    -EREMOTEIO);
		json_object_put(err);
		json_object_put(a);
		after = test_call_ok(c, "chip-query", "{\"id\": \"io0\"}", NULL, 0);
		ck_assert_msg(json_object_equal(before, after), "%s changed the chip", bad[i]);
		json_object_put(after);
	}
	json_object_put(test_call_ok(c, "mmio-write", "{\"id\": \"io0\", \"offset\": 16, "
	    "\"size\": 4, \"value\": 52}", NULL, 0));
	after = test_call_ok(c, "chip-query", "{\"id\": \"io0\"}", NULL, 0);
	ck_assert_int_eq(test_get_int(after, "entries.2.vector"), 52);
	json_object_put(after);
	json_object_put(before);
	irqchip_client_close(c);
}
END_TEST

/* ---- odd clients ---- */

static int
raw_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(strlen(path), sizeof sun.sun_path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	return fd;
}

/* Receives one packet (5 s at most) as JSON. */
static json_object *
raw_recv(int fd)
{
	static char buf[65536];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	json_object *o;
	ssize_t n;

	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	n = recv(fd, buf, sizeof buf - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	ck_assert_msg(o != NULL, "not JSON: %s", buf);
	return o;
}

START_TEST(test_send_before_greeting)
{
	int fd = raw_socket(D.sock);
	const char *req = "{\"execute\": \"negotiate\", \"id\": \"early\"}";
	const char *req2 = "{\"execute\": \"query-version\", \"id\": \"second\"}";
	json_object *m;

	/* Two requests before reading anything. */
	ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	ck_assert_int_eq(send(fd, req2, strlen(req2), MSG_NOSIGNAL), (ssize_t)strlen(req2));
	m = raw_recv(fd);
	ck_assert_msg(json_object_object_get_ex(m, "greeting", NULL), "first came %s",
	    json_object_to_json_string(m));
	json_object_put(m);
	m = raw_recv(fd);
	ck_assert_str_eq(json_object_get_string(test_get(m, "id")), "early");
	ck_assert(json_object_object_get_ex(m, "return", NULL));
	json_object_put(m);
	m = raw_recv(fd);
	ck_assert_str_eq(json_object_get_string(test_get(m, "id")), "second");
	ck_assert_int_eq(test_get_int(m, "return.protocol"), 1);
	json_object_put(m);
	close(fd);
}
END_TEST

START_TEST(test_disconnect_mid_exchange)
{
	struct irqchip_client *a = test_connect(&D), *b;
	int64_t base = test_status_int(a, "open-fds");
	const char *req = "{\"execute\": \"irqfd-add\", \"arguments\": {\"gsi\": 7, \"fd\": 0}, "
	    "\"id\": 1}";
	int efd = eventfd(0, EFD_CLOEXEC);
	json_object *st;

	ck_assert_int_ge(efd, 0);
	ck_assert_int_eq(irqchip_client_send_raw(a, req, strlen(req), &efd, 1), 0);
	close(efd);
	irqchip_client_close(a);
	/* The daemon lives on and serves the next client at once, without the old fd. */
	b = test_connect(&D);
	st = test_call_ok(b, "query-status", NULL, NULL, 0);
	ck_assert_int_eq(test_get_int(st, "open-fds"), base);
	ck_assert_int_eq(test_get_int(st, "irqfds"), 0);
	ck_assert_int_ge(test_get_int(st, "counters.connections"), 2);
	json_object_put(st);
	irqchip_client_close(b);
	ck_assert_int_eq(kill(D.pid, 0), 0);
	/* And again: a client that leaves in the middle of a big burst. */
	a = test_connect(&D);
	for (int i = 0; i < 50; i++)
		ck_assert_int_eq(irqchip_client_send_raw(a, "{\"execute\": \"query-status\"}",
		    strlen("{\"execute\": \"query-status\"}"), NULL, 0), 0);
	irqchip_client_close(a);
	b = test_connect(&D);
	ck_assert_int_eq(test_status_int(b, "open-fds"), base);
	irqchip_client_close(b);
}
END_TEST

/* ---- events ---- */

START_TEST(test_event_state_changed)
{
	struct irqchip_client *c = test_connect(&D);
	time_t before = time(NULL), after;
	json_object *ev = NULL;

	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	after = time(NULL);
	ck_assert_int_eq(irqchip_client_next_event(c, 5000, &ev), 0);
	ck_assert_str_eq(json_object_get_string(test_get(ev, "event")), "state-changed");
	ck_assert_str_eq(json_object_get_string(test_get(ev, "data.id")), "io0");
	ck_assert_str_eq(json_object_get_string(test_get(ev, "data.change")), "added");
	/* Wall-clock time, as QMP's events carry it. */
	ck_assert_int_ge(test_get_int(ev, "timestamp.seconds"), before - 1);
	ck_assert_int_le(test_get_int(ev, "timestamp.seconds"), after + 1);
	ck_assert_int_ge(test_get_int(ev, "timestamp.microseconds"), 0);
	ck_assert_int_lt(test_get_int(ev, "timestamp.microseconds"), 1000000);
	ck_assert_int_eq(json_object_object_length(test_get(ev, "timestamp")), 2);
	json_object_put(ev);
	/* One change, one event. */
	ck_assert_int_eq(irqchip_client_next_event(c, 0, &ev), -ETIMEDOUT);
	json_object_put(test_call_ok(c, "chip-del", "{\"id\": \"io0\"}", NULL, 0));
	ck_assert_int_eq(irqchip_client_next_event(c, 5000, &ev), 0);
	ck_assert_str_eq(json_object_get_string(test_get(ev, "data.change")), "deleted");
	json_object_put(ev);
	irqchip_client_close(c);
}
END_TEST

/* ---- queries ---- */

START_TEST(test_query_version)
{
	struct irqchip_client *c = test_connect(&D);
	json_object *r = test_call_ok(c, "query-version", NULL, NULL, 0);

	ck_assert_str_eq(json_object_get_string(test_get(r, "irqchipd")), PACKAGE_VERSION);
	ck_assert_int_eq(test_get_int(r, "protocol"), 1);
	json_object_put(r);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_query_capabilities)
{
	struct irqchip_client *c = test_connect(&D);
	json_object *r = test_call_ok(c, "query-capabilities", NULL, NULL, 0), *types;
	bool ioapic = false;

	types = test_get(r, "chip-types");
	for (size_t i = 0; i < json_object_array_length(types); i++)
		ioapic |= strcmp(json_object_get_string(json_object_array_get_idx(types, i)),
		    "ioapic") == 0;
	ck_assert(ioapic);
	ck_assert(json_object_is_type(test_get(r, "capabilities"), json_type_array));
	ck_assert_int_eq(test_get_int(r, "limits.max-message"), 65536);
	ck_assert_int_eq(test_get_int(r, "limits.max-fds"), 16);
	/* The same capabilities as the greeting. */
	ck_assert(json_object_equal(test_get(r, "capabilities"),
	    test_get(irqchip_client_greeting(c), "capabilities")));
	json_object_put(r);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_query_status)
{
	struct irqchip_client *c = test_connect(&D);
	json_object *s1, *s2;
	int64_t fds;

	s1 = test_call_ok(c, "query-status", NULL, NULL, 0);
	ck_assert_int_ge(test_get_int(s1, "uptime-ms"), 0);
	fds = test_get_int(s1, "open-fds");
	ck_assert_int_gt(fds, 0);
	ck_assert_int_eq(test_get_int(s1, "chips"), 0);
	ck_assert_str_eq(json_object_get_string(test_get(s1, "session")),
	    json_object_get_string(test_get(irqchip_client_greeting(c), "session")));
	free(test_call_err(c, "no-such-command", NULL, NULL, 0, "CommandNotFound"));
	free(test_call_err(c, "eoi", "{\"vector\": 300}", NULL, 0, "InvalidParameter"));
	free(test_call_err(c, "chip-query", "{\"id\": \"nothere\"}", NULL, 0, "DeviceNotFound"));
	json_object_put(raw_err(c, "[", 1, "ProtocolError", NULL));
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	s2 = test_call_ok(c, "query-status", NULL, NULL, 0);
	/* 4 errors, one chip-add and this query: six messages. */
	ck_assert_int_eq(test_get_int(s2, "counters.messages") -
	    test_get_int(s1, "counters.messages"), 6);
	ck_assert_int_eq(test_get_int(s2, "counters.errors") -
	    test_get_int(s1, "counters.errors"), 4);
	/* s1's own reply and chip-add's. */
	ck_assert_int_eq(test_get_int(s2, "counters.replies") -
	    test_get_int(s1, "counters.replies"), 2);
	ck_assert_int_eq(test_get_int(s2, "counters.errors-by-class.CommandNotFound") -
	    test_get_int(s1, "counters.errors-by-class.CommandNotFound"), 1);
	ck_assert_int_eq(test_get_int(s2, "counters.errors-by-class.InvalidParameter") -
	    test_get_int(s1, "counters.errors-by-class.InvalidParameter"), 1);
	ck_assert_int_eq(test_get_int(s2, "counters.errors-by-class.DeviceNotFound") -
	    test_get_int(s1, "counters.errors-by-class.DeviceNotFound"), 1);
	ck_assert_int_eq(test_get_int(s2, "counters.errors-by-class.ProtocolError") -
	    test_get_int(s1, "counters.errors-by-class.ProtocolError"), 1);
	ck_assert_int_eq(test_get_int(s2, "counters.errors-by-class.InvalidFd") -
	    test_get_int(s1, "counters.errors-by-class.InvalidFd"), 0);
	ck_assert_int_eq(test_get_int(s2, "counters.events") -
	    test_get_int(s1, "counters.events"), 1);
	ck_assert_int_ge(test_get_int(s2, "uptime-ms"), test_get_int(s1, "uptime-ms"));
	ck_assert_int_eq(test_get_int(s2, "chips"), 1);
	ck_assert_int_eq(test_get_int(s2, "open-fds"), fds);
	json_object_put(s1);
	json_object_put(s2);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_query_chips)
{
	struct irqchip_client *c = test_connect(&D);
	json_object *r;

	r = test_call_ok(c, "query-chips", NULL, NULL, 0);
	ck_assert_uint_eq(json_object_array_length(test_get(r, "chips")), 0);
	json_object_put(r);
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io0\"}",
	    NULL, 0));
	json_object_put(test_call_ok(c, "chip-add", "{\"type\": \"ioapic\", \"id\": \"io1\", "
	    "\"pins\": 8, \"gsi-base\": 24, \"base\": \"0xfec01000\", \"version\": 17}", NULL, 0));
	r = test_call_ok(c, "query-chips", NULL, NULL, 0);
	ck_assert_uint_eq(json_object_array_length(test_get(r, "chips")), 2);
	ck_assert_str_eq(json_object_get_string(test_get(r, "chips.0.id")), "io0");
	ck_assert_str_eq(json_object_get_string(test_get(r, "chips.0.type")), "ioapic");
	ck_assert_int_eq(test_get_int(r, "chips.0.pins"), 24);
	ck_assert_int_eq(test_get_int(r, "chips.0.base"), 0xfec00000LL);
	ck_assert_str_eq(json_object_get_string(test_get(r, "chips.1.id")), "io1");
	ck_assert_int_eq(test_get_int(r, "chips.1.pins"), 8);
	ck_assert_int_eq(test_get_int(r, "chips.1.gsi-base"), 24);
	ck_assert_int_eq(test_get_int(r, "chips.1.base"), 0xfec01000LL);
	ck_assert_int_eq(test_get_int(r, "chips.1.version"), 17);
	json_object_put(r);
	json_object_put(test_call_ok(c, "chip-del", "{\"id\": \"io0\"}", NULL, 0));
	r = test_call_ok(c, "query-chips", NULL, NULL, 0);
	ck_assert_uint_eq(json_object_array_length(test_get(r, "chips")), 1);
	ck_assert_str_eq(json_object_get_string(test_get(r, "chips.0.id")), "io1");
	json_object_put(r);
	irqchip_client_close(c);
}
END_TEST

START_TEST(test_query_commands)
{
	struct irqchip_client *c = test_connect(&D);
	json_object *r = test_call_ok(c, "query-commands", NULL, NULL, 0), *list;
	size_t n, i, j;

	list = test_get(r, "commands");
	n = json_object_array_length(list);
	for (i = 0; test_all_commands[i] != NULL; i++) {
		for (j = 0; j < n; j++) {
			if (strcmp(json_object_get_string(test_get(json_object_array_get_idx(list,
			    j), "name")), test_all_commands[i]) == 0)
				break;
		}
		ck_assert_msg(j < n, "query-commands does not list %s", test_all_commands[i]);
	}
	for (j = 0; j < n; j++) {
		json_object *cmd = json_object_array_get_idx(list, j), *args, *ret = NULL, *err = NULL;
		const char *name = json_object_get_string(test_get(cmd, "name"));

		ck_assert_int_gt(json_object_get_string_len(test_get(cmd, "help")), 0);
		args = test_get(cmd, "arguments");
		ck_assert(json_object_is_type(args, json_type_array));
		for (i = 0; i < json_object_array_length(args); i++) {
			json_object *a = json_object_array_get_idx(args, i);

			ck_assert_int_gt(json_object_get_string_len(test_get(a, "name")), 0);
			ck_assert_int_gt(json_object_get_string_len(test_get(a, "type")), 0);
			ck_assert_int_gt(json_object_get_string_len(test_get(a, "help")), 0);
			ck_assert(json_object_is_type(test_get(a, "required"), json_type_boolean));
		}
		/* Whatever it lists exists (no arguments: at worst a parameter error). */
		if (irqchip_client_call(c, name, NULL, NULL, 0, &ret, &err, NULL) < 0)
			ck_assert_msg(strcmp(json_object_get_string(test_get(err, "class")),
			    "CommandNotFound") != 0, "%s is listed but not found", name);
		json_object_put(ret);
		json_object_put(err);
	}
	/* chip-add's type-specific arguments are described too. */
	ck_assert_str_eq(json_object_get_string(test_get(r, "chip-types.0.type")), "ioapic");
	ck_assert(json_object_is_type(test_get(r, "chip-types.0.arguments"), json_type_array));
	json_object_put(r);
	irqchip_client_close(c);
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc;

	tc = tcase_create("session");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_greeting);
	tcase_add_test(tc, test_negotiate_first);
	tcase_add_test(tc, test_send_before_greeting);
	tcase_add_test(tc, test_disconnect_mid_exchange);
	suite_add_tcase(s, tc);

	tc = tcase_create("envelope");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_envelope_id);
	tcase_add_test(tc, test_bad_json);
	tcase_add_test(tc, test_non_object);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_oversize);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_trailing_data);
	tcase_add_test(tc, test_envelope_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("arguments");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unknown_command);
	tcase_add_test(tc, test_unknown_argument);
	tcase_add_test(tc, test_missing_argument);
	tcase_add_test(tc, test_wrong_type);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_u64_strings);
	tcase_add_test(tc, test_negative_numbers);
	tcase_add_test(tc, test_no_change_chip_add);
	tcase_add_test(tc, test_no_change_mmio_write);
	suite_add_tcase(s, tc);

	tc = tcase_create("fds");
	tcase_add_checked_fixture(tc, setup, teardown);
	if (test_ctrunc_reported())
		tcase_add_test(tc, test_fd_too_many);
	else
		fprintf(stderr, "check_proto: SKIP test_fd_too_many: recvmsg here does not "
		    "report MSG_CTRUNC for a packet with more fds than room (qemu-user "
		    "drops them silently), so the daemon's answer to 17 fds cannot be "
		    "observed\n");
	tcase_add_test(tc, test_fd_unexpected);
	tcase_add_test(tc, test_fd_index_range);
	tcase_add_test(tc, test_fd_index_twice);
	tcase_add_test(tc, test_fd_unused);
	tcase_add_test(tc, test_fd_wrong_kind);
	tcase_add_test(tc, test_fd_handler_error);
	tcase_add_test(tc, test_fd_irqfd_keep_release);
	suite_add_tcase(s, tc);

	tc = tcase_create("queries");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_event_state_changed);
	tcase_add_test(tc, test_query_version);
	tcase_add_test(tc, test_query_capabilities);
	tcase_add_test(tc, test_query_status);
	tcase_add_test(tc, test_query_chips);
	tcase_add_test(tc, test_query_commands);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_main(proto_suite());
}
