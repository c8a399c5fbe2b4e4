// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsock-zc-errno: each error that Documentation/networking/vsock.rst
 * documents for the series' calls, provoked over vsock loopback.
 *
 *   vsock-zc-errno [--list]
 *
 * Every row holds the sentence of vsock.rst that documents the error, as
 * it stands there, and a case that provokes it. Run, it prints one TAP
 * line per row (unnumbered, as the VM harness numbers them): ok when the
 * call failed with that errno. With
 * --list it prints "ERRNO<TAB>SENTENCE" per row, for errno-docs.test,
 * which checks that every errno vsock.rst names is a row and every row's
 * sentence is in vsock.rst. Exit 0 when all rows pass, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>

#include "vsockzc.h"

#define PAGE		4096
#define MAP_PAGES	8
#define SKIP		-2	/* a case that cannot run here */

static unsigned int next_port = 6200;
static const char *why;	/* why a case could not run */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A call that should fail at once but waits instead gives up after 3 s
 * with EAGAIN, which fails its row, rather than hanging the run.
 */
static void rcv_timeout(int fd)
{
	struct timeval tv = { .tv_sec = 3 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int optin(int fd)
{
	int one = 1;

	return setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_ZEROCOPY, &one, sizeof(one));
}

/* A connected loopback pair: *c connects, *s is accepted; @zc opts the
 * listener (so *s) in. 0 or -1.
 */
static int pair(int type, bool zc, int *c, int *s)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = next_port++,
	};
	int l = socket(AF_VSOCK, type, 0);

	*c = *s = -1;
	if (l < 0 || (zc && optin(l)) ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1)) {
		why = "listening socket";
		goto fail;
	}
	*c = socket(AF_VSOCK, type, 0);
	sa.svm_cid = VMADDR_CID_LOCAL;
	if (*c < 0 || connect(*c, (struct sockaddr *)&sa, sizeof(sa))) {
		why = "connect to CID 1";
		goto fail;
	}
	*s = accept(l, NULL, NULL);
	if (*s < 0) {
		why = "accept";
		goto fail;
	}
	close(l);
	rcv_timeout(*c);
	rcv_timeout(*s);
	return 0;
fail:
	if (l >= 0)
		close(l);
	if (*c >= 0)
		close(*c);
	return -1;
}

static void close_pair(int c, int s)
{
	close(c);
	close(s);
}

/* errno of a call that returned @ret: 0 if it succeeded. */
static int err_of(long ret)
{
	return ret == -1 ? errno : 0;
}

static int map_rx(int fd, void *addr, size_t len, unsigned int flags,
		  unsigned int reserved)
{
	struct vsock_map_rx m = {
		.addr = (unsigned long)addr,
		.len = len,
		.flags = flags,
		.reserved = reserved,
	};
	socklen_t optlen = sizeof(m);

	return getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &optlen);
}

/* Wait until @fd has @n bytes queued (MSG_PEEK); false after 10 s. */
static bool queued(int fd, size_t n)
{
	static char buf[64 * 1024];
	double end = now() + 10;

	while (now() < end) {
		if (recv(fd, buf, n, MSG_PEEK | MSG_DONTWAIT) == (ssize_t)n)
			return true;
		poll(NULL, 0, 10);
	}
	why = "data did not arrive";
	return false;
}

/* ---- the cases: each returns the errno seen, 0 if the call worked,
 * -1 (with why set) if it could not be set up, or SKIP.
 */

static int zc_stats_short(void)
{
	struct vsock_zc_stats st;
	socklen_t len = sizeof(st) - 1;
	int c, s, e;

	if (pair(SOCK_STREAM, false, &c, &s))
		return -1;
	e = err_of(getsockopt(c, AF_VSOCK, SO_VM_SOCKETS_ZC_STATS, &st, &len));
	close_pair(c, s);
	return e;
}

static int splice_no_credit(void)
{
	static char buf[64 * 1024];
	int c, s, p[2], e = 0, i;

	if (pair(SOCK_STREAM, false, &c, &s))
		return -1;
	if (pipe(p)) {
		why = "pipe";
		close_pair(c, s);
		return -1;
	}
	fcntl(c, F_SETFL, O_NONBLOCK);
	/* The peer never reads: its buffer (256 KiB) fills up. */
	for (i = 0; i < 64 && !e; i++) {
		ssize_t n = 0;

		if (write(p[1], buf, sizeof(buf)) != sizeof(buf)) {
			why = "write to the pipe";
			e = -1;
			break;
		}
		while (n < (ssize_t)sizeof(buf)) {
			ssize_t r = splice(p[0], NULL, c, NULL, sizeof(buf) - n, 0);

			if (r < 0) {
				e = errno;
				break;
			}
			n += r;
		}
	}
	if (!e) {
		why = "4 MiB went into a peer that never reads";
		e = -1;
	}
	close(p[0]);
	close(p[1]);
	close_pair(c, s);
	return e;
}

static int splice_read_empty(int type)
{
	int c, s, p[2], e;

	if (pair(type, false, &c, &s))
		return -1;
	if (pipe(p)) {
		why = "pipe";
		close_pair(c, s);
		return -1;
	}
	e = err_of(splice(s, NULL, p[1], NULL, PAGE, SPLICE_F_NONBLOCK));
	close(p[0]);
	close(p[1]);
	close_pair(c, s);
	return e;
}

static int splice_read_empty_stream(void)
{
	return splice_read_empty(SOCK_STREAM);
}

static int splice_read_empty_seqpacket(void)
{
	return splice_read_empty(SOCK_SEQPACKET);
}

static int optin_connected(void)
{
	int c, s, e;

	if (pair(SOCK_STREAM, false, &c, &s))
		return -1;
	e = err_of(optin(c));
	close_pair(c, s);
	return e;
}

static int optin_dgram(void)
{
	int fd = socket(AF_VSOCK, SOCK_DGRAM, 0), e;

	if (fd < 0) {
		why = "no datagram transport (socket(SOCK_DGRAM) fails)";
		return SKIP;
	}
	e = err_of(optin(fd));
	close(fd);
	return e;
}

/* mmap() of a connected socket that opted in or not; the errno. */
static int mmap_err(bool zc, size_t len, int prot, off_t off)
{
	int c, s, e;
	void *m;

	if (pair(SOCK_STREAM, zc, &c, &s))
		return -1;
	m = mmap(NULL, len, prot, MAP_SHARED, s, off);
	e = m == MAP_FAILED ? errno : 0;
	if (m != MAP_FAILED)
		munmap(m, len);
	close_pair(c, s);
	return e;
}

static int mmap_not_opted_in(void)
{
	return mmap_err(false, MAP_PAGES * PAGE, PROT_READ, 0);
}

static int mmap_writable(void)
{
	int e = mmap_err(true, MAP_PAGES * PAGE, PROT_READ | PROT_WRITE, 0);

	/* Both must fail alike: report the first that does not. */
	return e == EPERM ? mmap_err(true, MAP_PAGES * PAGE,
				     PROT_READ | PROT_EXEC, 0) : e;
}

static int mmap_short_or_offset(void)
{
	int e = mmap_err(true, PAGE, PROT_READ, 0);

	return e == EINVAL ? mmap_err(true, MAP_PAGES * PAGE, PROT_READ, PAGE) : e;
}

static int mmap_twice(void)
{
	void *m1, *m2;
	int c, s, e;

	if (pair(SOCK_STREAM, true, &c, &s))
		return -1;
	m1 = mmap(NULL, MAP_PAGES * PAGE, PROT_READ, MAP_SHARED, s, 0);
	if (m1 == MAP_FAILED) {
		why = "first mmap()";
		close_pair(c, s);
		return -1;
	}
	m2 = mmap(NULL, MAP_PAGES * PAGE, PROT_READ, MAP_SHARED, s, 0);
	e = m2 == MAP_FAILED ? errno : 0;
	if (m2 != MAP_FAILED)
		munmap(m2, MAP_PAGES * PAGE);
	munmap(m1, MAP_PAGES * PAGE);
	close_pair(c, s);
	return e;
}

/* A connected pair whose accepted end opted in and is mapped. */
static int mapped_pair(int type, int *c, int *s, unsigned char **m)
{
	if (pair(type, true, c, s))
		return -1;
	*m = mmap(NULL, MAP_PAGES * PAGE, PROT_READ, MAP_SHARED, *s, 0);
	if (*m == MAP_FAILED) {
		why = "mmap() of an opted-in socket";
		close_pair(*c, *s);
		return -1;
	}
	return 0;
}

static void close_mapped(int c, int s, unsigned char *m)
{
	munmap(m, MAP_PAGES * PAGE);
	close_pair(c, s);
}

static int mprotect_writable(void)
{
	unsigned char *m;
	int c, s, e;

	if (mapped_pair(SOCK_STREAM, &c, &s, &m))
		return -1;
	e = err_of(mprotect(m, MAP_PAGES * PAGE, PROT_READ | PROT_WRITE));
	close_mapped(c, s, m);
	return e;
}

static int map_rx_bad_range(void)
{
	unsigned char *m;
	int c, s, e;

	if (mapped_pair(SOCK_STREAM, &c, &s, &m))
		return -1;
	/* unaligned, one page, and running past the mapping */
	e = err_of(map_rx(s, m + 1, 2 * PAGE, 0, 0));
	if (e == EINVAL)
		e = err_of(map_rx(s, m, PAGE, 0, 0));
	if (e == EINVAL)
		e = err_of(map_rx(s, m + PAGE, MAP_PAGES * PAGE, 0, 0));
	close_mapped(c, s, m);
	return e;
}

/* Map some data in, then call again on the range without giving the
 * pages back; @more: with data queued, else on an idle socket.
 */
static int map_rx_not_given_back(bool more)
{
	char buf[100] = "";
	unsigned char *m;
	int c, s, e;

	if (mapped_pair(SOCK_STREAM, &c, &s, &m))
		return -1;
	if (write(c, buf, sizeof(buf)) != sizeof(buf) || !queued(s, sizeof(buf)) ||
	    map_rx(s, m, MAP_PAGES * PAGE, 0, 0)) {
		why = why ? why : "first MAP_RX";
		close_mapped(c, s, m);
		return -1;
	}
	if (more && (write(c, buf, sizeof(buf)) != sizeof(buf) ||
		     !queued(s, sizeof(buf)))) {
		close_mapped(c, s, m);
		return -1;
	}
	e = err_of(map_rx(s, m, MAP_PAGES * PAGE, 0, 0));
	/* "dequeues nothing": the bytes are still there */
	if (more && e == EBUSY && !queued(s, sizeof(buf)))
		e = 0;
	close_mapped(c, s, m);
	return e;
}

static int map_rx_idle_not_given_back(void)
{
	return map_rx_not_given_back(false);
}

static int map_rx_queued_not_given_back(void)
{
	return map_rx_not_given_back(true);
}

static int map_rx_nonblock(void)
{
	unsigned char *m;
	int c, s, e;

	if (mapped_pair(SOCK_STREAM, &c, &s, &m))
		return -1;
	fcntl(s, F_SETFL, O_NONBLOCK);
	e = err_of(map_rx(s, m, MAP_PAGES * PAGE, 0, 0));
	close_mapped(c, s, m);
	return e;
}

static int map_rx_unconnected(void)
{
	static unsigned char area[2 * PAGE] __attribute__((aligned(PAGE)));
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0), e;

	if (fd < 0 || optin(fd)) {
		why = "an opted-in socket";
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rcv_timeout(fd);
	e = err_of(map_rx(fd, area, sizeof(area), 0, 0));
	close(fd);
	return e;
}

static int map_rx_not_opted_in(void)
{
	static unsigned char area[2 * PAGE] __attribute__((aligned(PAGE)));
	int c, s, e;

	if (pair(SOCK_STREAM, false, &c, &s))
		return -1;
	e = err_of(map_rx(s, area, sizeof(area), 0, 0));
	close_pair(c, s);
	return e;
}

static int map_rx_seqpacket_too_small(void)
{
	static char msg[3 * PAGE];
	unsigned char *m;
	int c, s, e;

	if (mapped_pair(SOCK_SEQPACKET, &c, &s, &m))
		return -1;
	if (send(c, msg, sizeof(msg), 0) != sizeof(msg) || !queued(s, 1)) {
		why = why ? why : "send";
		close_mapped(c, s, m);
		return -1;
	}
	/* the header page and one data page, for a three-page packet */
	e = err_of(map_rx(s, m, 2 * PAGE, 0, 0));
	close_mapped(c, s, m);
	return e;
}

static int map_rx_bad_flags(void)
{
	unsigned char *m;
	int c, s, e;

	if (mapped_pair(SOCK_STREAM, &c, &s, &m))
		return -1;
	e = err_of(map_rx(s, m, MAP_PAGES * PAGE, 1U << 31, 0));
	if (e == EINVAL)
		e = err_of(map_rx(s, m, MAP_PAGES * PAGE, VSOCK_MAP_RX_F_RELEASE, 1));
	close_mapped(c, s, m);
	return e;
}

static int map_rx_forked_copy(void)
{
	unsigned char *m;
	int c, s, e, p[2];
	pid_t pid;
	char x;

	if (mapped_pair(SOCK_STREAM, &c, &s, &m))
		return -1;
	if (madvise(m, MAP_PAGES * PAGE, MADV_DOFORK) || pipe(p)) {
		why = "madvise(MADV_DOFORK)";
		close_mapped(c, s, m);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		/* Holds the copy until the parent closes the pipe. */
		close(p[1]);
		if (read(p[0], &x, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[0]);
	fcntl(s, F_SETFL, O_NONBLOCK);
	e = pid < 0 ? -1 : err_of(map_rx(s, m, MAP_PAGES * PAGE, 0, 0));
	close(p[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	else
		why = "fork";
	close_mapped(c, s, m);
	return e;
}

struct row {
	int err;
	const char *call;
	const char *doc;	/* the sentence of vsock.rst, as it stands */
	int (*run)(void);
};

static const struct row rows[] = {
	{ EINVAL, "getsockopt(SO_VM_SOCKETS_ZC_STATS), short len",
	  "``len`` must be at least ``sizeof(struct vsock_zc_stats)``, or the call fails with ``EINVAL``",
	  zc_stats_short },
	{ EAGAIN, "splice() into a non-blocking socket without credit",
	  "Non-blocking sockets return ``EAGAIN`` when the peer has no credit left",
	  splice_no_credit },
	{ EAGAIN, "splice() from an empty SOCK_STREAM socket, SPLICE_F_NONBLOCK",
	  "``SPLICE_F_NONBLOCK`` or ``O_NONBLOCK`` make it return ``EAGAIN`` on an empty socket",
	  splice_read_empty_stream },
	{ EAGAIN, "splice() from an empty SOCK_SEQPACKET socket, SPLICE_F_NONBLOCK",
	  "``SPLICE_F_NONBLOCK`` makes it return ``EAGAIN`` when no message is queued",
	  splice_read_empty_seqpacket },
	{ EISCONN, "SO_VM_SOCKETS_ZEROCOPY on a connected socket",
	  "After that, the option fails with ``EISCONN``",
	  optin_connected },
	{ EOPNOTSUPP, "SO_VM_SOCKETS_ZEROCOPY on a SOCK_DGRAM socket",
	  "``SOCK_DGRAM`` sockets refuse it with ``EOPNOTSUPP``",
	  optin_dgram },
	{ ENODEV, "mmap() of a socket that did not opt in",
	  "A socket that did not opt in gives ``ENODEV``",
	  mmap_not_opted_in },
	{ EPERM, "mmap() with PROT_WRITE, then with PROT_EXEC",
	  "``PROT_WRITE`` or ``PROT_EXEC`` give ``EPERM``",
	  mmap_writable },
	{ EINVAL, "mmap() of one page, then at offset 4096",
	  "a shorter mapping or another offset ``EINVAL``",
	  mmap_short_or_offset },
	{ EBUSY, "a second mmap() of one socket",
	  "a second mapping of the same socket ``EBUSY``",
	  mmap_twice },
	{ EACCES, "mprotect(PROT_WRITE) of the mapping",
	  "(mprotect(2) fails with ``EACCES``)",
	  mprotect_writable },
	{ EINVAL, "MAP_RX with an unaligned, a one-page and an outside range",
	  "inside the mapping; otherwise ``EINVAL``)",
	  map_rx_bad_range },
	{ EBUSY, "MAP_RX on an idle socket, pages not given back",
	  "Every page of the range must have been given back (see below; otherwise ``EBUSY``)",
	  map_rx_idle_not_given_back },
	{ EAGAIN, "MAP_RX on an idle O_NONBLOCK socket",
	  "``O_NONBLOCK`` gives ``EAGAIN``",
	  map_rx_nonblock },
	{ ENOTCONN, "MAP_RX on an unconnected socket",
	  "A socket that is not connected gives ``ENOTCONN``",
	  map_rx_unconnected },
	{ EOPNOTSUPP, "MAP_RX on a socket that did not opt in",
	  "one that did not opt in ``EOPNOTSUPP``",
	  map_rx_not_opted_in },
	{ EMSGSIZE, "MAP_RX of two pages for a three-page SOCK_SEQPACKET packet",
	  "if the range cannot hold the next packet the call fails with ``EMSGSIZE``",
	  map_rx_seqpacket_too_small },
	{ EBUSY, "MAP_RX with data queued, pages not given back (nothing dequeued)",
	  "If a page the call would fill is still mapped, it fails with ``EBUSY`` at once and dequeues nothing",
	  map_rx_queued_not_given_back },
	{ EINVAL, "MAP_RX with an unknown flag, then with reserved bits",
	  "``map.reserved`` and unknown flags must be 0 (``EINVAL``)",
	  map_rx_bad_flags },
	{ EBUSY, "MAP_RX while a child holds a copy of the mapping",
	  "fails with ``EBUSY`` until that copy is unmapped",
	  map_rx_forked_copy },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

int main(int argc, char **argv)
{
	unsigned int i, failed = 0;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < NROWS; i++)
			printf("%s\t%s\n", strerrorname_np(rows[i].err), rows[i].doc);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "Usage: vsock-zc-errno [--list]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NROWS; i++) {
		const char *want = strerrorname_np(rows[i].err);
		int e;

		why = NULL;
		e = rows[i].run();
		if (e == SKIP) {
			printf("ok - errno: %s: %s # SKIP %s\n", rows[i].call,
			       want, why);
		} else if (e < 0) {
			printf("not ok - errno: %s: %s: could not set up: %s (%s)\n",
			       rows[i].call, want, why ? why : "?",
			       strerror(errno));
			failed++;
		} else if (e == rows[i].err) {
			printf("ok - errno: %s: %s\n", rows[i].call, want);
		} else {
			printf("not ok - errno: %s: %s, documented %s\n",
			       rows[i].call,
			       e ? strerrorname_np(e) : "no error", want);
			failed++;
		}
		fflush(stdout);
	}
	return failed ? 1 : 0;
}
