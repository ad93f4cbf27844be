/*
 * The daemon process's hardening, in the order main.c applies it: close
 * what was inherited, drop privileges once the socket is bound, and confine
 * the process to the system calls it needs with a seccomp filter once setup
 * is done. Embedded mode (a thread in the VMM) never comes here: the VMM's
 * process, its fds and its limits are not the daemon's to change.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "daemon.h"
#include "xmalloc.h"

int
sandbox_close_inherited(int keep)
{
	/* close_range(2): everything above stdio but keep. */
	if (keep < 3)
		return syscall(SYS_close_range, 3U, ~0U, 0U) < 0 ? -errno : 0;
	if (keep > 3 && syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) < 0)
		return -errno;
	return syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) < 0 ? -errno : 0;
}

int
sandbox_drop_privileges(const char *user, const char *group, char **cause)
{
	struct passwd *pw = NULL;
	struct group *gr;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0) {
		xasprintf(cause, "--user and --group need irqchipd to start as root");
		return -EPERM;
	}
	if (user != NULL && (pw = getpwnam(user)) == NULL) {
		xasprintf(cause, "--user: no user '%s'", user);
		return -ENOENT;
	}
	uid = pw != NULL ? pw->pw_uid : 0;
	gid = pw != NULL ? pw->pw_gid : 0;
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			xasprintf(cause, "--group: no group '%s'", group);
			return -ENOENT;
		}
		gid = gr->gr_gid;
	}
	/* As OpenBSD daemons do: groups, then gid, then uid; and check it holds. */
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    (pw != NULL && setresuid(uid, uid, uid) < 0)) {
		xasprintf(cause, "cannot drop privileges: %s", strerror(errno));
		return -errno;
	}
	if (pw != NULL && uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		xasprintf(cause, "privileges could be regained after dropping them");
		return -EPERM;
	}
	return 0;
}

/* The arch this build's syscall numbers belong to (seccomp_data.arch). */
#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SANDBOX_ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define SANDBOX_ARCH	AUDIT_ARCH_S390X
#endif

#ifdef SANDBOX_ARCH
/*
 * What the daemon calls once it serves: the loop, sockets and eventfds,
 * guest memory, the clock and the IOAPIC's throttle timerfd, the log (and
 * syslog's reconnect), /proc/self/fd for query-status, getrandom for a new
 * session token, unlink at exit.
 */
static const int allowed[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64,
	SYS_close, SYS_lseek, SYS_fcntl, SYS_ftruncate, SYS_fstat, SYS_newfstatat,
	SYS_recvmsg, SYS_sendmsg, SYS_sendto, SYS_recvfrom, SYS_accept4,
	SYS_getsockopt, SYS_setsockopt, SYS_shutdown, SYS_connect,
	SYS_epoll_ctl, SYS_epoll_pwait, SYS_ppoll,
	SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday, SYS_clock_nanosleep,
	SYS_mmap, SYS_munmap, SYS_mprotect, SYS_mremap, SYS_brk, SYS_madvise,
	SYS_openat, SYS_getdents64, SYS_readlinkat, SYS_unlinkat,
	SYS_getrandom, SYS_exit, SYS_exit_group, SYS_rt_sigreturn, SYS_rt_sigprocmask,
	SYS_rt_sigaction, SYS_restart_syscall, SYS_futex, SYS_getpid, SYS_gettid,
	SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid, SYS_tgkill, SYS_prlimit64,
	SYS_sched_yield, SYS_statx, SYS_timerfd_create, SYS_timerfd_settime,
	SYS_timerfd_gettime,
#ifdef SYS_epoll_wait
	SYS_epoll_wait,
#endif
#ifdef SYS_epoll_pwait2
	SYS_epoll_pwait2,
#endif
#ifdef SYS_poll
	SYS_poll,
#endif
#ifdef SYS_open
	SYS_open,
#endif
#ifdef SYS_readlink
	SYS_readlink,
#endif
#ifdef SYS_unlink
	SYS_unlink,
#endif
#ifdef SYS_stat
	SYS_stat, SYS_lstat,
#endif
#ifdef SYS_getrlimit
	SYS_getrlimit,
#endif
#ifdef SYS_time
	SYS_time,
#endif
#ifdef SYS_nanosleep
	SYS_nanosleep,
#endif
#ifdef SYS_rseq
	SYS_rseq,
#endif
#ifdef SYS_send
	SYS_send, SYS_recv,
#endif
#ifdef __SANITIZE_ADDRESS__
	/*
	 * AddressSanitizer's leak check at exit stops the world with a
	 * ptrace'd clone, and a report may run the symbolizer.
	 */
	SYS_clone, SYS_wait4, SYS_ptrace, SYS_prctl, SYS_sched_getaffinity,
	SYS_sigaltstack, SYS_getppid, SYS_pipe2, SYS_dup3, SYS_execve, SYS_kill,
	SYS_set_robust_list, SYS_setrlimit, SYS_mincore, SYS_waitid,
#ifdef SYS_getdents
	SYS_getdents,
#endif
#ifdef SYS_clone3
	SYS_clone3,
#endif
#ifdef SYS_dup2
	SYS_dup2,
#endif
#ifdef SYS_pipe
	SYS_pipe,
#endif
#ifdef SYS_fork
	SYS_fork, SYS_vfork,
#endif
#ifdef SYS_arch_prctl
	SYS_arch_prctl,
#endif
#endif
};

/* socket(2) only for AF_UNIX: syslog(3) reconnecting to /dev/log. */
#define FILTER_LEN	(4 + 2 * ARRAY_LEN(allowed) + 5 + 1)
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

int
sandbox_seccomp(char **cause)
{
	struct sock_filter f[FILTER_LEN];
	struct sock_fprog prog;
	size_t n = 0, i;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	for (i = 0; i < ARRAY_LEN(allowed); i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (unsigned)allowed[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, args[0]));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	prog.len = (unsigned short)n;
	prog.filter = f;
	/* seccomp(2): without CAP_SYS_ADMIN a filter needs no_new_privs first. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		xasprintf(cause, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -errno;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		xasprintf(cause, "seccomp: %s", strerror(errno));
		return -errno;
	}
	return 0;
}
#else
int
sandbox_seccomp(char **cause)
{
	xasprintf(cause, "no seccomp filter for this architecture (use --no-seccomp)");
	return -EOPNOTSUPP;
}
#endif
