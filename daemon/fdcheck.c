/* What kind of file an fd from a client is: eventfd, memfd, socket, KVM VM. */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

static const char *const kind_names[] = {
	[FD_EVENTFD] = "eventfd",
	[FD_MEMFD] = "memfd",
	[FD_SOCKET] = "socket",
	[FD_KVM_VM] = "KVM VM fd",
};

const char *
fd_kind_name(enum fd_kind k)
{
	return kind_names[k];
}

/* The fd's /proc/self/fd link target, which names anonymous inodes and memfds. */
static int
fd_target(int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static const char *
describe(int fd, const struct stat *st, const char *target)
{
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	if (strcmp(target, "anon_inode:[eventfd]") == 0)
		return "an eventfd";
	if (strncmp(target, "/memfd:", 7) == 0)
		return "a memfd";
	if (strcmp(target, "anon_inode:kvm-vm") == 0)
		return "a KVM VM fd";
	if (strncmp(target, "anon_inode:", 11) == 0)
		return "another anonymous-inode fd";
	if (S_ISFIFO(st->st_mode))
		return "a pipe";
	if (S_ISREG(st->st_mode))
		return "a regular file";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISDIR(st->st_mode))
		return "a directory";
	return "another kind of file";
}

int
fd_check_kind(int fd, enum fd_kind kind, char **cause)
{
	char target[256];
	struct stat st;
	bool ok;

	*cause = NULL;
	if (fstat(fd, &st) < 0 || fd_target(fd, target, sizeof target) < 0) {
		if (asprintf(cause, "an fd that cannot be inspected (%s)", strerror(errno)) < 0)
			*cause = NULL;
		return -EBADF;
	}
	switch (kind) {
	case FD_EVENTFD:
		ok = strcmp(target, "anon_inode:[eventfd]") == 0;
		break;
	case FD_MEMFD:
		ok = S_ISREG(st.st_mode) && strncmp(target, "/memfd:", 7) == 0;
		break;
	case FD_SOCKET:
		ok = S_ISSOCK(st.st_mode);
		break;
	case FD_KVM_VM:
		ok = strcmp(target, "anon_inode:kvm-vm") == 0;
		break;
	default:
		ok = false;
		break;
	}
	if (ok)
		return 0;
	*cause = strdup(describe(fd, &st, target));
	return -EINVAL;
}

int
fd_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

unsigned long
fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	return (unsigned long)rl.rlim_cur;
}

unsigned
fds_held(const struct server *srv)
{
	const struct client *c;
	const struct gsi_irqfd *f;
	const struct notifier *n;
	unsigned held = 0;

	TAILQ_FOREACH(c, &srv->clients, entry)
		held++;
	TAILQ_FOREACH(f, &srv->irqfds, entry)
		held++;
	TAILQ_FOREACH(n, &srv->notifiers, entry)
		held += n->resample_fd >= 0 ? 2 : 1;
	return held + ring_count(srv);	/* a doorbell each */
}

int
fd_budget_check(struct server *srv, unsigned more, struct reply *r, char *why,
    size_t whysize)
{
	unsigned long limit = fd_limit();
	unsigned held;

	if (srv->opts.embedded || limit == 0)
		return 0;
	held = fds_held(srv);
	if ((unsigned long)srv->fd_baseline + held + more + FD_SPARE <= limit)
		return 0;
	if (r != NULL)
		reply_error(r, ERR_GENERIC, "no room for %u more fds: irqchipd holds %u for its "
		    "clients and may hold at most %ld under RLIMIT_NOFILE %lu; delete irqfds or "
		    "notifiers, or raise the limit", more, held,
		    (long)limit - (long)srv->fd_baseline - FD_SPARE, limit);
	else
		reason(why, whysize, "irqchipd is at its fd limit (RLIMIT_NOFILE %lu, %u held "
		    "for clients); try again later", limit, held);
	return -EMFILE;
}

unsigned
count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	unsigned n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	/* opendir's own descriptor is not one of ours. */
	return n > 0 ? n - 1 : 0;
}
