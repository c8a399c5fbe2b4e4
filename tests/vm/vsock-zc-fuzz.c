// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsock-zc-fuzz: random calls on the series' new surface, from several
 * threads and processes, reproducible from a seed.
 *
 *   vsock-zc-fuzz [-s SEED] [-t SECONDS] [-j THREADS] [-p PROCS]
 *                 [-c CID -P PORT] [-K KILLS]
 *
 * Each thread owns a few connected pairs (STREAM or SEQPACKET, opted in
 * to mapped receive or not) over CID (default 1, loopback) and sends a
 * pattern stream on them with write(), splice() from a memfd and
 * vmsplice() gifts with SPLICE_F_MOVE, reads it back with read(),
 * recv(MSG_PEEK), splice() into a pipe and mapped receive, and checks
 * every byte against the pattern, the bytes of a mapped page past its
 * payload and of the header page past its terminator (all zero), and
 * that a shut-down stream ends with all it was sent. Between these it
 * misuses the calls (each misuse must fail at once with the errno that
 * Documentation/networking/vsock.rst gives), and attacks the mappings:
 * mprotect(), mremap(), madvise(), fork(), process_vm_writev(),
 * /proc/self/mem, read() and O_DIRECT into them, vmsplice() out of
 * them. Other pairs are shared by all threads of a process and raced:
 * getsockopt(SO_VM_SOCKETS_MAP_RX) against munmap(), shutdown(),
 * splice() and each other.
 *
 * -c CID -P PORT fuzzes over a transport, not loopback: process N
 * listens on ports PORT + 2N (opted in) and PORT + 2N + 1 (not), and
 * connects to the same port of CID, where a relay must connect it back
 * to the listener (vsock-cat -k -l unix:PATH:P unix:PATH:P beside
 * vsock-zc-vhostd or vhost-vsock-sim). A UNIX stream relay keeps no
 * message bounds, so such pairs are SOCK_STREAM only.
 *
 * A byte of the stream that is 0xaa where the pattern has another value
 * is reported as the page-poison pattern reaching user space (a kernel
 * booted with page_poison=1 fills freed pages with it).
 *
 * A watchdog thread reports an operation that runs for more than 20 s.
 * A finding prints "vsock-zc-fuzz: FINDING seed S proc P thread T op N:
 * ..." and exits 1; a clean run prints one summary line and exits 0.
 *
 * -K KILLS runs one more fuzzing process at a time beside the others
 * and SIGKILLs it after a random lifetime, then starts the next, until
 * KILLS of them died mid-run: kills land in whatever its threads were
 * doing (a mapped receive with pages mapped, a splice, a vmsplice gift,
 * a connect). The run fails if fewer than KILLS were killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vsockzc.h"

#define PAGE		4096UL
#define NPAIRS		4	/* per thread, checked */
#define NRACE		3	/* per process, raced */
#define MAP_PAGES	32	/* a pair's mapping */
#define MAX_SEND	(96 * 1024)
#define MAX_SEQ_SEND	(32 * 1024)
#define RECV_BUF	(128 * 1024)
#define HANG_SECS	20
#define MAX_THREADS	16

static uint64_t seed = 1;
static unsigned int seconds = 30, nthreads = 4, nprocs = 2, kills;
static uint32_t peer_cid = VMADDR_CID_LOCAL;
static unsigned int relay_port;	/* -P: 0 over loopback */
static int relay_lfd[2] = { -1, -1 };	/* [1]: the opted-in listener */
static pthread_mutex_t relay_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int proc_no;
static double t_end;

/* What a thread did, for the summary and the watchdog. */
struct thread {
	pthread_t tid;
	unsigned int no;
	uint64_t rng;
	uint64_t ops, bytes_checked, misuses, attacks;
	volatile double op_start;	/* 0 between operations */
	volatile const char *op_name;
	volatile uint64_t op_no;
};
static struct thread threads[MAX_THREADS];
/*
 * A fork while a pair's mapping has MADV_DOFORK gives the child a copy,
 * and MAP_RX then fails with EBUSY (as documented) until the child
 * exits; such forks are exclusive of the checked MAP_RX calls.
 */
static pthread_rwlock_t fork_lock = PTHREAD_RWLOCK_INITIALIZER;

/* ---- findings ---------------------------------------------------------- */

static void __attribute__((format(printf, 2, 3), noreturn))
finding(struct thread *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vsock-zc-fuzz: FINDING seed %" PRIu64 " proc %u thread %u op %" PRIu64 ": %s\n",
		seed, proc_no, t ? t->no : 0, t ? t->op_no : 0, msg);
	fflush(stderr);
	_exit(1);
}

static void __attribute__((noreturn)) setup_failed(const char *what)
{
	fprintf(stderr, "vsock-zc-fuzz: %s: %s\n", what, strerror(errno));
	_exit(2);
}

/* errno of the last call must be one of the list, ended by 0. */
static void want_errno(struct thread *t, const char *call, int got, ...)
{
	va_list ap;
	int e;

	va_start(ap, got);
	while ((e = va_arg(ap, int)) != 0)
		if (e == got)
			break;
	va_end(ap);
	if (!e)
		finding(t, "%s: unexpected errno %d (%s)", call, got, strerror(got));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void op_begin(struct thread *t, const char *name)
{
	t->op_no++;
	t->op_name = name;
	t->op_start = now();
	t->ops++;
}

static void op_end(struct thread *t)
{
	t->op_start = 0;
}

/* xorshift64*: each thread's own sequence, from the seed. */
static uint64_t rnd(struct thread *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int pick(struct thread *t, unsigned int n)
{
	return (unsigned int)(rnd(t) % n);
}

/* ---- the pattern ------------------------------------------------------- */

static uint8_t pat(uint32_t id, uint64_t off)
{
	uint64_t x = off * 0x9E3779B97F4A7C15ULL + id;

	return (uint8_t)(x >> 29 ^ off >> 11);
}

static void pat_fill(uint8_t *buf, uint32_t id, uint64_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(id, off + i);
}

/* ---- checked pairs ----------------------------------------------------- */

struct pair {
	int a, b;		/* a sends, b receives */
	int type;
	bool zc;		/* b opted in to mapped receive */
	uint32_t id;
	uint64_t tx_off;	/* pattern bytes given to the kernel */
	uint64_t rx_off;	/* pattern bytes received and checked */
	int txp[2];		/* a's pipe for splice; txp_bytes still in it */
	size_t txp_bytes;
	bool shut;		/* a shut down its sending side */
	bool lost;		/* SEQPACKET: a send failed after queueing
				 * part of its message (see send_failed()) */
	uint8_t *map;		/* b's mapping, MAP_PAGES pages, or NULL */
	size_t map_len;
	bool map_dirty;		/* pages of it are mapped in */
};

static int listener(int type, bool zc, uint32_t *port)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK,
				  .svm_cid = VMADDR_CID_ANY,
				  .svm_port = *port };
	socklen_t len = sizeof(sa);
	int one = 1, fd;

	fd = socket(AF_VSOCK, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		setup_failed("socket");
	if (zc && setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_ZEROCOPY, &one, sizeof(one)))
		setup_failed("setsockopt(SO_VM_SOCKETS_ZEROCOPY) on a listener");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 4) || getsockname(fd, (struct sockaddr *)&sa, &len))
		setup_failed("bind/listen");
	*port = sa.svm_port;
	return fd;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_usec = 100000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A connected pair: a connects to a listener, b is what accept() gives. */
static void pair_open(struct thread *t, struct pair *p)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = peer_cid,
				  .svm_port = VMADDR_PORT_ANY };
	uint64_t size = 1 << 20;
	int lfd;

	op_begin(t, "open a pair");
	memset(p, 0, sizeof(*p));
	p->type = pick(t, 3) || relay_port ? SOCK_STREAM : SOCK_SEQPACKET;
	p->zc = pick(t, 3) != 0;
	p->id = (uint32_t)rnd(t);
	if (relay_port) {
		/* one connection at a time through the process's listener */
		pthread_mutex_lock(&relay_lock);
		lfd = relay_lfd[p->zc];
		sa.svm_port = relay_port + 2 * proc_no + !p->zc;
	} else {
		lfd = listener(p->type, p->zc, &sa.svm_port);
	}
	p->a = socket(AF_VSOCK, p->type | SOCK_CLOEXEC, 0);
	if (p->a < 0)
		setup_failed("socket");
	if (connect(p->a, (struct sockaddr *)&sa, sizeof(sa)))
		setup_failed(relay_port ? "connect to the relay" : "connect over the loopback");
	p->b = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (p->b < 0)
		setup_failed(relay_port ? "accept from the relay" : "accept");
	if (relay_port)
		pthread_mutex_unlock(&relay_lock);
	else
		close(lfd);
	/* room for several sends before the sender must wait */
	setsockopt(p->b, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &size, sizeof(size));
	set_timeouts(p->a);
	set_timeouts(p->b);
	if (pick(t, 2)) {
		fcntl(p->a, F_SETFL, O_NONBLOCK);
		fcntl(p->b, F_SETFL, O_NONBLOCK);
	}
	if (pipe2(p->txp, O_CLOEXEC | O_NONBLOCK))
		setup_failed("pipe2");
	if (p->zc) {
		p->map_len = MAP_PAGES * PAGE;
		p->map = mmap(NULL, p->map_len, PROT_READ, MAP_SHARED, p->b, 0);
		if (p->map == MAP_FAILED)
			finding(t, "mmap of an opted-in socket: %s", strerror(errno));
	}
	op_end(t);
}

static void pair_close(struct pair *p)
{
	if (p->map)
		munmap(p->map, p->map_len);
	close(p->a);
	close(p->b);
	close(p->txp[0]);
	close(p->txp[1]);
	p->a = p->b = -1;
}

/* Check LEN received bytes at the pair's receive offset; advance. */
static void check_rx(struct thread *t, struct pair *p, const uint8_t *buf,
		     size_t len, bool advance, const char *how)
{
	size_t i;

	if (p->lost)
		return;
	for (i = 0; i < len; i++) {
		if (buf[i] == pat(p->id, p->rx_off + i))
			continue;
		if (buf[i] == 0xaa && i + 1 < len && buf[i + 1] == 0xaa)
			finding(t, "%s: byte %" PRIu64 " of the stream: the page-poison pattern (0xaa) reached user space",
				how, p->rx_off + i);
		finding(t, "%s: byte %" PRIu64 " of the stream is 0x%02x, want 0x%02x (%s, %s)",
				how, p->rx_off + i, buf[i], pat(p->id, p->rx_off + i),
				p->type == SOCK_STREAM ? "stream" : "seqpacket",
				p->zc ? "opted in" : "plain");
	}
	t->bytes_checked += len;
	if (advance) {
		p->rx_off += len;
		if (p->rx_off > p->tx_off)
			finding(t, "%s: received %" PRIu64 " bytes, only %" PRIu64 " were sent",
				how, p->rx_off, p->tx_off);
	}
}

/*
 * A SOCK_SEQPACKET send that runs out of credit mid-message has queued
 * part of it and still returns an error (vsock_connectible_sendmsg()
 * reports a partial write only for SOCK_STREAM); the part is glued to
 * the next message, and a splice keeps it in the pipe and sends it
 * again. Where the stream stands is then unknown: the pair is only
 * fuzzed on, not checked, until it is replaced.
 */
static void send_failed(struct pair *p, int e)
{
	if (p->type == SOCK_SEQPACKET && (e == EAGAIN || e == EINTR))
		p->lost = true;
}

/* Flush what the splice pipe holds into a. True when it is empty. */
static bool flush_txp(struct thread *t, struct pair *p, unsigned int flags)
{
	while (p->txp_bytes) {
		ssize_t n = splice(p->txp[0], NULL, p->a, NULL, p->txp_bytes,
				   flags | SPLICE_F_NONBLOCK);

		if (n < 0) {
			want_errno(t, "splice into the socket", errno, EAGAIN,
				   EPIPE, ECONNRESET, ENOTCONN, EINTR, 0);
			send_failed(p, errno);
			return false;
		}
		if (n == 0)
			finding(t, "splice into the socket returned 0 with %zu bytes in the pipe",
				p->txp_bytes);
		p->txp_bytes -= n;
	}
	return true;
}

static void send_op(struct thread *t, struct pair *p)
{
	size_t max = p->type == SOCK_SEQPACKET ? MAX_SEQ_SEND : MAX_SEND;
	size_t len = 1 + pick(t, (unsigned int)max);
	unsigned int how = pick(t, 4);
	static __thread uint8_t buf[MAX_SEND];
	ssize_t n;

	if (p->shut || !flush_txp(t, p, how == 3 ? SPLICE_F_MOVE : 0))
		return;
	if (how == 0 || how == 1) {	/* write(), or send() with MSG_DONTWAIT */
		op_begin(t, "write");
		pat_fill(buf, p->id, p->tx_off, len);
		n = how ? send(p->a, buf, len, MSG_DONTWAIT) : write(p->a, buf, len);
		if (n < 0) {
			want_errno(t, "write", errno, EAGAIN, EPIPE, ECONNRESET,
				   ENOTCONN, EINTR, EMSGSIZE, ENOMEM, 0);
			send_failed(p, errno);
		} else
			p->tx_off += n;
	} else if (how == 2) {		/* page cache: a memfd, by reference */
		int mfd = memfd_create("vsock-zc-fuzz", MFD_CLOEXEC);
		loff_t off = 0;

		op_begin(t, "splice from a memfd");
		if (mfd < 0)
			setup_failed("memfd_create");
		pat_fill(buf, p->id, p->tx_off, len);
		if (write(mfd, buf, len) != (ssize_t)len)
			setup_failed("write to a memfd");
		len = len > 65536 ? 65536 : len;	/* the pipe's room */
		n = splice(mfd, &off, p->txp[1], NULL, len, SPLICE_F_NONBLOCK);
		if (n < 0)
			want_errno(t, "splice from a memfd", errno, EAGAIN, 0);
		else {
			/* by reference: the file stays as it is until read */
			p->tx_off += n;
			p->txp_bytes += n;
		}
		close(mfd);
		flush_txp(t, p, 0);
	} else {			/* vmsplice gift, then SPLICE_F_MOVE */
		size_t pages = 1 + pick(t, 16);
		uint8_t *g;
		struct iovec iov;

		op_begin(t, "vmsplice gift + SPLICE_F_MOVE");
		len = pages * PAGE;
		g = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (g == MAP_FAILED)
			setup_failed("mmap");
		pat_fill(g, p->id, p->tx_off, len);
		iov.iov_base = g;
		iov.iov_len = len;
		n = vmsplice(p->txp[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_NONBLOCK);
		if (n < 0) {
			want_errno(t, "vmsplice(SPLICE_F_GIFT)", errno, EAGAIN, 0);
			munmap(g, len);
		} else {
			bool keep = pick(t, 2);

			p->tx_off += n;
			p->txp_bytes += n;
			/*
			 * Unmapped first, the pages are stolen. Still mapped,
			 * a stream copies them: what the pipe held at the
			 * splice is sent, whatever the sender writes
			 * afterwards. (SOCK_SEQPACKET ignores SPLICE_F_MOVE
			 * and sends them by reference, as vsock.rst says.)
			 */
			if (!keep)
				munmap(g, len);
			if (flush_txp(t, p, SPLICE_F_MOVE) && keep &&
			    p->type == SOCK_STREAM)
				memset(g, 0xdd, len);
			if (keep)
				munmap(g, len);
		}
	}
	op_end(t);
}

/* Bytes of the mapping's page at P from OFF on are all zero. */
static void check_zero(struct thread *t, const uint8_t *p, size_t off,
		       const char *what)
{
	size_t i;

	for (i = off; i < PAGE; i++)
		if (p[i])
			finding(t, "mapped receive: %s: byte %zu of the page is 0x%02x, not 0",
				what, i, p[i]);
}

static void map_release(struct thread *t, struct pair *p)
{
	if (p->map && p->map_dirty) {
		if (madvise(p->map, p->map_len, MADV_DONTNEED))
			finding(t, "madvise(MADV_DONTNEED) of the mapping: %s",
				strerror(errno));
		p->map_dirty = false;
	}
}

static void recv_mapped(struct thread *t, struct pair *p)
{
	struct vsock_map_rx m = { 0 };
	socklen_t ml = sizeof(m);
	const struct virtio_vsock_usr_hdr *h;
	size_t pages = 2 + pick(t, MAP_PAGES - 1), first, page, i, total = 0;
	bool release = pick(t, 2);

	/* a range inside the mapping; SEQPACKET needs 17 data pages */
	if (p->type == SOCK_SEQPACKET && pages < 18)
		pages = 18;
	first = pick(t, (unsigned int)(MAP_PAGES - pages + 1));
	if (!release)
		map_release(t, p);
	m.addr = (uintptr_t)(p->map + first * PAGE);
	m.len = (uint32_t)(pages * PAGE);
	m.flags = release ? VSOCK_MAP_RX_F_RELEASE : 0;
	op_begin(t, "getsockopt(SO_VM_SOCKETS_MAP_RX)");
	pthread_rwlock_rdlock(&fork_lock);
	if (getsockopt(p->b, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml)) {
		int e = errno;

		pthread_rwlock_unlock(&fork_lock);
		want_errno(t, "getsockopt(SO_VM_SOCKETS_MAP_RX)", e, EAGAIN,
			   ECONNRESET, ENOTCONN, EINTR, 0);
		op_end(t);
		return;
	}
	pthread_rwlock_unlock(&fork_lock);
	op_end(t);
	if (m.len == 0) {	/* end of stream: nothing is mapped */
		if (m.pages)
			finding(t, "mapped receive: end of stream with map.pages %u", m.pages);
		if (!p->shut)
			finding(t, "mapped receive: end of stream, but the sender did not shut down");
		if (!p->lost && p->rx_off != p->tx_off)
			finding(t, "mapped receive: end of stream after %" PRIu64 " of %" PRIu64 " bytes",
				p->rx_off, p->tx_off);
		return;
	}
	p->map_dirty = true;
	h = (const void *)(p->map + first * PAGE);
	page = 1;
	for (i = 0; i < PAGE / sizeof(*h) && h[i].length; i++) {
		size_t np = (h[i].length + PAGE - 1) / PAGE, k;

		if (page + np > pages)
			finding(t, "mapped receive: record %zu (%u bytes) runs past the %zu pages",
				i, h[i].length, pages);
		for (k = 0; k < np; k++) {
			size_t n = h[i].length - k * PAGE;

			n = n > PAGE ? PAGE : n;
			check_rx(t, p, p->map + (first + page + k) * PAGE, n, true,
				 "mapped receive");
			check_zero(t, p->map + (first + page + k) * PAGE, n,
				   "past the payload");
		}
		page += np;
		total += h[i].length;
	}
	/* the terminator and all after it */
	check_zero(t, (const uint8_t *)h, i * sizeof(*h), "the header page");
	if (total != m.len)
		finding(t, "mapped receive: records add up to %zu bytes, map.len is %u",
			total, m.len);
	if (page - 1 != m.pages)
		finding(t, "mapped receive: records take %zu pages, map.pages is %u",
			page - 1, m.pages);
}

static void recv_op(struct thread *t, struct pair *p)
{
	static __thread uint8_t buf[RECV_BUF];
	unsigned int how = pick(t, p->map ? 4 : 3);
	size_t len = p->type == SOCK_SEQPACKET ? RECV_BUF : 1 + pick(t, RECV_BUF);
	ssize_t n;

	if (how == 3) {
		recv_mapped(t, p);
		return;
	}
	/*
	 * A SOCK_SEQPACKET message grows past any buffer when partial
	 * sends (no credit, a timeout) leave it open; read() would cut it.
	 * So recv() gets MSG_TRUNC, which gives the whole length, and a
	 * splice, which cannot tell, only takes a message known to fit.
	 */
	if (how == 2 && p->type == SOCK_SEQPACKET &&
	    recv(p->b, buf, 1, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT) > 65536)
		how = 0;
	if (how == 2) {			/* splice into a pipe, then read it */
		int pp[2];

		if (pipe2(pp, O_CLOEXEC))
			setup_failed("pipe2");
		op_begin(t, "splice from the socket");
		n = splice(p->b, NULL, pp[1], NULL,
			   p->type == SOCK_SEQPACKET ? 65536 : (len > 65536 ? 65536 : len),
			   SPLICE_F_NONBLOCK);
		op_end(t);
		if (n < 0) {
			want_errno(t, "splice from the socket", errno, EAGAIN,
				   ECONNRESET, ENOTCONN, EINTR, 0);
		} else if (n > 0) {
			if (read(pp[0], buf, n) != n)
				finding(t, "the pipe gave back less than the %zd bytes spliced", n);
			check_rx(t, p, buf, n, true, "splice");
		}
		close(pp[0]);
		close(pp[1]);
	} else {
		int flags = MSG_DONTWAIT | (how == 1 ? MSG_PEEK : 0);

		if (p->type == SOCK_SEQPACKET)
			flags |= MSG_TRUNC;
		op_begin(t, how ? "recv(MSG_PEEK)" : "recv");
		n = recv(p->b, buf, len, flags);
		op_end(t);
		if (n < 0) {
			want_errno(t, "recv", errno, EAGAIN, ECONNRESET, ENOTCONN,
				   EINTR, 0);
		} else if (n > 0) {
			size_t got = (size_t)n < len ? (size_t)n : len;

			check_rx(t, p, buf, got, how == 0, how ? "recv(MSG_PEEK)" : "read");
			if (how == 0)	/* the part cut off: gone, skip it */
				p->rx_off += n - got;
		}
	}
	if (n == 0 && how != 1 && p->type == SOCK_STREAM) {
		if (!p->shut)
			finding(t, "end of stream, but the sender did not shut down");
		if (p->rx_off != p->tx_off)
			finding(t, "end of stream after %" PRIu64 " of %" PRIu64 " bytes",
				p->rx_off, p->tx_off);
	}
}

/* Each misuse fails at once with its documented errno. */
static void misuse_op(struct thread *t, struct pair *p)
{
	struct vsock_map_rx m = { 0 };
	socklen_t ml = sizeof(m);
	int one = 1, r, fd;
	void *q;

	t->misuses++;
	switch (pick(t, 9)) {
	case 0:	/* after connect: EISCONN */
		op_begin(t, "SO_VM_SOCKETS_ZEROCOPY after connect");
		r = setsockopt(p->a, AF_VSOCK, SO_VM_SOCKETS_ZEROCOPY, &one, sizeof(one));
		if (!r)
			finding(t, "SO_VM_SOCKETS_ZEROCOPY after connect succeeded");
		want_errno(t, "SO_VM_SOCKETS_ZEROCOPY after connect", errno, EISCONN, 0);
		break;
	case 1:	/* a socket that did not opt in */
		op_begin(t, "mmap of a plain socket");
		fd = p->zc ? p->a : p->b;
		q = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (q != MAP_FAILED)
			finding(t, "mmap of a socket that did not opt in succeeded");
		want_errno(t, "mmap of a plain socket", errno, ENODEV, 0);
		break;
	case 2:	/* PROT_WRITE, PROT_EXEC */
		if (!p->zc)
			return;
		op_begin(t, "mmap PROT_WRITE");
		q = mmap(NULL, 2 * PAGE, pick(t, 2) ? PROT_READ | PROT_WRITE :
			 PROT_READ | PROT_EXEC, MAP_SHARED, p->b, 0);
		if (q != MAP_FAILED)
			finding(t, "a writable or executable mapping succeeded");
		want_errno(t, "mmap PROT_WRITE/PROT_EXEC", errno, EPERM, EBUSY, 0);
		break;
	case 3:	/* short, offset, second */
		if (!p->zc)
			return;
		op_begin(t, "mmap: short, offset or second");
		r = pick(t, 3);
		q = mmap(NULL, r == 0 ? PAGE : 2 * PAGE, PROT_READ, MAP_SHARED,
			 p->b, r == 1 ? PAGE : 0);
		if (q != MAP_FAILED)
			finding(t, "mmap case %d succeeded", r);
		if (p->map)
			want_errno(t, "mmap: short, offset or second", errno,
				   EINVAL, EBUSY, 0);
		else
			want_errno(t, "mmap: short or offset", errno, EINVAL, 0);
		break;
	case 4:	/* MAP_RX: bad ranges, flags, reserved */
		if (!p->map)
			return;
		op_begin(t, "MAP_RX: bad argument");
		m.addr = (uintptr_t)p->map;
		m.len = 2 * PAGE;
		switch (pick(t, 5)) {
		case 0: m.addr += 1 + pick(t, PAGE - 1); break;
		case 1: m.len = pick(t, 2) * PAGE + pick(t, 2) * 100; break;
		case 2: m.addr += p->map_len - PAGE; break;
		case 3: m.reserved = 1 + pick(t, 1000); break;
		case 4: m.flags = 2U << pick(t, 30); break;
		}
		r = getsockopt(p->b, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml);
		if (!r)
			finding(t, "MAP_RX with a bad argument succeeded");
		want_errno(t, "MAP_RX: bad argument", errno, EINVAL, 0);
		break;
	case 5:	/* MAP_RX outside any mapping of the socket */
		if (!p->zc)
			return;
		op_begin(t, "MAP_RX outside the mapping");
		q = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (q == MAP_FAILED)
			setup_failed("mmap");
		m.addr = (uintptr_t)q;
		m.len = 4 * PAGE;
		r = getsockopt(p->b, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml);
		munmap(q, 4 * PAGE);
		if (!r)
			finding(t, "MAP_RX into anonymous memory succeeded");
		want_errno(t, "MAP_RX outside the mapping", errno, EINVAL, 0);
		break;
	case 6:	/* MAP_RX on a socket that did not opt in */
		if (p->zc)
			return;
		op_begin(t, "MAP_RX without the opt-in");
		m.addr = (uintptr_t)t;
		m.len = 2 * PAGE;
		r = getsockopt(p->b, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml);
		if (!r)
			finding(t, "MAP_RX without the opt-in succeeded");
		want_errno(t, "MAP_RX without the opt-in", errno, EOPNOTSUPP, EINVAL, 0);
		break;
	case 7:	/* short option length */
		if (!p->map)
			return;
		op_begin(t, "MAP_RX: short optlen");
		ml = pick(t, sizeof(m));
		m.addr = (uintptr_t)p->map;
		m.len = 2 * PAGE;
		r = getsockopt(p->b, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml);
		if (!r)
			finding(t, "MAP_RX with optlen %u succeeded", ml);
		want_errno(t, "MAP_RX: short optlen", errno, EINVAL, 0);
		break;
	default: { /* ZC_STATS: counters only grow; a short buffer is refused */
		struct vsock_zc_stats s;
		socklen_t sl = sizeof(s);

		op_begin(t, "SO_VM_SOCKETS_ZC_STATS");
		if (getsockopt(p->b, AF_VSOCK, SO_VM_SOCKETS_ZC_STATS, &s, &sl))
			finding(t, "SO_VM_SOCKETS_ZC_STATS: %s", strerror(errno));
		if (s.rx_copied_bytes + s.rx_spliced_bytes + s.rx_mapped_bytes < p->rx_off &&
		    p->type == SOCK_STREAM)
			finding(t, "ZC_STATS: %llu + %llu + %llu bytes counted, %" PRIu64 " received",
				(unsigned long long)s.rx_copied_bytes,
				(unsigned long long)s.rx_spliced_bytes,
				(unsigned long long)s.rx_mapped_bytes, p->rx_off);
		sl = 8;
		r = getsockopt(p->b, AF_VSOCK, SO_VM_SOCKETS_ZC_STATS, &s, &sl);
		if (r == 0 && sl != 8)
			finding(t, "ZC_STATS with 8 bytes returned %u", sl);
		if (r)
			want_errno(t, "ZC_STATS, short", errno, EINVAL, 0);
		break;
	}
	}
	op_end(t);
}

/* Nothing may write through a mapping; reading from it is fine. */
static void attack_op(struct thread *t, struct pair *p)
{
	uint8_t *target;
	uint8_t junk[PAGE];
	int fd;
	ssize_t n;

	if (!p->map)
		return;
	t->attacks++;
	target = p->map + pick(t, MAP_PAGES) * PAGE;
	memset(junk, 0xa5, sizeof(junk));
	switch (pick(t, 9)) {
	case 0:
		op_begin(t, "mprotect PROT_WRITE");
		if (!mprotect(p->map, p->map_len, PROT_READ | PROT_WRITE))
			finding(t, "mprotect(PROT_WRITE) of the mapping succeeded");
		want_errno(t, "mprotect(PROT_WRITE)", errno, EACCES, 0);
		break;
	case 1: {
		struct iovec l = { junk, PAGE }, r = { target, PAGE };

		op_begin(t, "process_vm_writev into the mapping");
		n = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
		if (n > 0)
			finding(t, "process_vm_writev wrote %zd bytes into the mapping", n);
		/* ENOSYS: a kernel without CONFIG_CROSS_MEMORY_ATTACH */
		if (n < 0)
			want_errno(t, "process_vm_writev", errno, EFAULT, ENOSYS, 0);
		break;
	}
	case 2:
		op_begin(t, "write to /proc/self/mem");
		fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			setup_failed("/proc/self/mem");
		n = pwrite(fd, junk, 64, (off_t)(uintptr_t)target);
		close(fd);
		if (n > 0)
			finding(t, "/proc/self/mem wrote %zd bytes into the mapping", n);
		if (n < 0)
			want_errno(t, "write to /proc/self/mem", errno, EIO, EFAULT,
				   EACCES, EPERM, 0);
		break;
	case 3:
	case 4: {
		/* read() into it, buffered or O_DIRECT (GUP for writing) */
		char path[64];
		int flags = O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC;

		op_begin(t, "read() into the mapping");
		snprintf(path, sizeof(path), "/tmp/vsock-zc-fuzz.%d.%u", getpid(), t->no);
		fd = open(path, flags | (pick(t, 2) ? O_DIRECT : 0), 0600);
		if (fd < 0 && errno == EINVAL)
			fd = open(path, flags, 0600);
		if (fd < 0)
			setup_failed(path);
		unlink(path);
		if (pwrite(fd, junk, PAGE, 0) != PAGE)
			setup_failed("pwrite");
		n = pread(fd, target, PAGE, 0);
		close(fd);
		if (n > 0)
			finding(t, "read() put %zd bytes into the mapping", n);
		if (n < 0)
			want_errno(t, "read() into the mapping", errno, EFAULT, EINVAL, 0);
		break;
	}
	case 5: {
		/* the mapping as a vmsplice() and write() source: allowed */
		struct iovec iov = { p->map, p->map_len };
		int pp[2];

		op_begin(t, "vmsplice out of the mapping");
		if (pipe2(pp, O_CLOEXEC | O_NONBLOCK))
			setup_failed("pipe2");
		n = vmsplice(pp[1], &iov, 1, SPLICE_F_NONBLOCK);
		if (n < 0)
			want_errno(t, "vmsplice out of the mapping", errno, EFAULT,
				   EAGAIN, 0);
		/* the pipe holds the pages while the socket refills them */
		if (pick(t, 2))
			recv_mapped(t, p);
		close(pp[0]);
		close(pp[1]);
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (write(fd, p->map, p->map_len) < 0)
			want_errno(t, "write() from the mapping", errno, EFAULT, 0);
		close(fd);
		break;
	}
	case 6: {
		/* fork: the child has no copy unless MADV_DOFORK */
		pid_t pid;
		int st;
		bool dofork = pick(t, 2);

		op_begin(t, "fork with the mapping");
		pthread_rwlock_wrlock(&fork_lock);
		if (dofork && madvise(p->map, p->map_len, MADV_DOFORK))
			want_errno(t, "madvise(MADV_DOFORK)", errno, EINVAL, EPERM, 0);
		pid = fork();
		if (pid < 0)
			setup_failed("fork");
		if (pid == 0) {
			int mfd = open("/proc/self/mem", O_RDWR);
			struct iovec l = { junk, PAGE }, r = { target, PAGE };

			if (mfd >= 0 && pwrite(mfd, junk, 64, (off_t)(uintptr_t)target) > 0)
				_exit(3);
			if (process_vm_writev(getpid(), &l, 1, &r, 1, 0) > 0)
				_exit(4);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) != pid)
			setup_failed("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			finding(t, "the forked child wrote into the mapping (status 0x%x)", st);
		if (dofork)
			madvise(p->map, p->map_len, MADV_DONTFORK);
		pthread_rwlock_unlock(&fork_lock);
		break;
	}
	case 7: {
		/* madvise: any advice; none may make it writable or crash */
		static const int adv[] = { MADV_NORMAL, MADV_RANDOM,
			MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
			MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE,
			MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_COLD,
			MADV_PAGEOUT, MADV_POPULATE_READ, MADV_POPULATE_WRITE,
			MADV_WIPEONFORK };
		int a = adv[pick(t, sizeof(adv) / sizeof(adv[0]))];

		op_begin(t, "madvise");
		if (madvise(target, PAGE, a))
			want_errno(t, "madvise", errno, EINVAL, EPERM, EACCES,
				   EFAULT, ENOMEM, EAGAIN, EIO, EOPNOTSUPP, 0);
		break;
	}
	default: {
		/* mremap: move it, or shrink and grow back */
		void *q;

		op_begin(t, "mremap");
		map_release(t, p);
		q = mremap(p->map, p->map_len, p->map_len, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			want_errno(t, "mremap", errno, EINVAL, EFAULT, ENOMEM, 0);
		else
			p->map = q;
		break;
	}
	}
	op_end(t);
}

static void pair_step(struct thread *t, struct pair *p)
{
	unsigned int r = pick(t, 100);

	if (r < 35) {
		send_op(t, p);
	} else if (r < 75) {
		recv_op(t, p);
	} else if (r < 84) {
		misuse_op(t, p);
	} else if (r < 93) {
		attack_op(t, p);
	} else if (r < 96) {
		/* the sender is done: drain, and the stream must end whole */
		if (!p->shut && flush_txp(t, p, 0)) {
			op_begin(t, "shutdown(SHUT_WR)");
			if (shutdown(p->a, SHUT_WR))
				want_errno(t, "shutdown", errno, ENOTCONN, 0);
			op_end(t);
			p->shut = true;
		}
	} else if (r < 98) {
		int v = 1 + pick(t, 65536);

		op_begin(t, "SO_RCVLOWAT");
		if (setsockopt(p->b, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)))
			want_errno(t, "SO_RCVLOWAT", errno, EINVAL, 0);
		op_end(t);
	} else {
		/* close with data in flight, mapped pages and all */
		op_begin(t, "close and reopen");
		pair_close(p);
		pair_open(t, p);
		op_end(t);
	}
}

/* A stream that was shut down and read to its end is replaced. */
static void pair_maybe_done(struct thread *t, struct pair *p)
{
	if (p->lost && pick(t, 8) == 0) {
		pair_close(p);
		pair_open(t, p);
		return;
	}
	if (p->shut && !p->txp_bytes && p->rx_off == p->tx_off && pick(t, 4) == 0) {
		pair_close(p);
		pair_open(t, p);
	}
}

/* ---- raced pairs ------------------------------------------------------- */

struct race {
	int a, b;
	uint8_t *volatile map;
};
static struct race races[NRACE];
static pthread_rwlock_t race_lock = PTHREAD_RWLOCK_INITIALIZER;

static void race_open(struct thread *t, struct race *r)
{
	struct pair p;

	for (;;) {
		pair_open(t, &p);
		if (p.zc)
			break;
		pair_close(&p);
	}
	close(p.txp[0]);
	close(p.txp[1]);
	r->a = p.a;
	r->b = p.b;
	r->map = p.map;
}

static void race_step(struct thread *t)
{
	struct race *r = &races[pick(t, NRACE)];
	struct vsock_map_rx m = { 0 };
	socklen_t ml = sizeof(m);
	uint8_t buf[8192];
	uint8_t *map;
	int pp[2];

	if (pick(t, 50) == 0) {		/* now and then: all anew */
		op_begin(t, "race: reopen all");
		pthread_rwlock_wrlock(&race_lock);
		for (unsigned int i = 0; i < NRACE; i++) {
			if (races[i].map)
				munmap(races[i].map, MAP_PAGES * PAGE);
			close(races[i].a);
			close(races[i].b);
			race_open(t, &races[i]);
		}
		pthread_rwlock_unlock(&race_lock);
		op_end(t);
		return;
	}
	op_begin(t, "race: wait for the lock");
	pthread_rwlock_rdlock(&race_lock);
	map = r->map;
	switch (pick(t, 8)) {
	case 0:
	case 1:
		op_begin(t, "race: MAP_RX");
		m.addr = (uintptr_t)(map ? map : (uint8_t *)buf);
		m.len = (2 + pick(t, MAP_PAGES - 1)) * PAGE;
		m.flags = pick(t, 2) ? VSOCK_MAP_RX_F_RELEASE : 0;
		if (getsockopt(r->b, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml))
			want_errno(t, "race: MAP_RX", errno, EAGAIN, EBUSY, EINVAL,
				   ENOTCONN, ECONNRESET, EMSGSIZE, EINTR, 0);
		break;
	case 2:
		op_begin(t, "race: write");
		memset(buf, 0x3c, sizeof(buf));
		if (send(r->a, buf, 1 + pick(t, sizeof(buf)), MSG_DONTWAIT) < 0)
			want_errno(t, "race: write", errno, EAGAIN, EPIPE,
				   ECONNRESET, ENOTCONN, EMSGSIZE, 0);
		break;
	case 3:
		op_begin(t, "race: munmap and mmap again");
		if (map && __sync_bool_compare_and_swap(&r->map, map, NULL)) {
			munmap(map, MAP_PAGES * PAGE);
			map = mmap(NULL, MAP_PAGES * PAGE, PROT_READ, MAP_SHARED, r->b, 0);
			if (map == MAP_FAILED)
				want_errno(t, "race: mmap again", errno, EBUSY, 0);
			else
				r->map = map;
		}
		break;
	case 4:
		op_begin(t, "race: madvise");
		if (map && madvise(map, MAP_PAGES * PAGE,
				   pick(t, 2) ? MADV_DONTNEED : MADV_DOFORK))
			want_errno(t, "race: madvise", errno, EINVAL, ENOMEM, 0);
		break;
	case 5:
		op_begin(t, "race: splice from the socket");
		if (pipe2(pp, O_CLOEXEC | O_NONBLOCK))
			setup_failed("pipe2");
		if (splice(r->b, NULL, pp[1], NULL, 65536, SPLICE_F_NONBLOCK) < 0)
			want_errno(t, "race: splice", errno, EAGAIN, ECONNRESET,
				   ENOTCONN, 0);
		close(pp[0]);
		close(pp[1]);
		break;
	case 6:
		op_begin(t, "race: read");
		if (recv(r->b, buf, sizeof(buf), MSG_DONTWAIT) < 0)
			want_errno(t, "race: read", errno, EAGAIN, ECONNRESET,
				   ENOTCONN, 0);
		break;
	default:
		op_begin(t, "race: shutdown");
		if (shutdown(pick(t, 2) ? r->a : r->b, pick(t, 3)))
			want_errno(t, "race: shutdown", errno, ENOTCONN, 0);
		break;
	}
	op_end(t);
	pthread_rwlock_unlock(&race_lock);
}

/* ---- threads, processes ------------------------------------------------ */

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	static struct pair all_pairs[MAX_THREADS][NPAIRS];
	struct pair *pairs = all_pairs[t->no];
	unsigned int i;

	for (i = 0; i < NPAIRS; i++)
		pair_open(t, &pairs[i]);
	while (now() < t_end) {
		if (pick(t, 5) == 0) {
			race_step(t);
			continue;
		}
		i = pick(t, NPAIRS);
		pair_step(t, &pairs[i]);
		pair_maybe_done(t, &pairs[i]);
	}
	for (i = 0; i < NPAIRS; i++)
		pair_close(&pairs[i]);
	return NULL;
}

static void *watchdog(void *arg)
{
	unsigned int i;

	(void)arg;
	for (;;) {
		sleep(1);
		for (i = 0; i < nthreads; i++) {
			double s = threads[i].op_start;

			if (s && now() - s > HANG_SECS)
				finding(&threads[i], "%s has run for over %d s",
					threads[i].op_name, HANG_SECS);
		}
	}
	return NULL;
}

static int run_proc(void)
{
	pthread_t wd;
	uint64_t ops = 0, bytes = 0, mis = 0, att = 0;
	unsigned int i;

	threads[0].no = 0;
	threads[0].rng = seed * 0x100000001B3ULL + proc_no * 7919 + 1;
	if (relay_port) {
		struct timeval tv = { .tv_sec = 10 };

		for (i = 0; i < 2; i++) {
			uint32_t port = relay_port + 2 * proc_no + !i;

			relay_lfd[i] = listener(SOCK_STREAM, i, &port);
			/* a relay that never connects back fails the run */
			setsockopt(relay_lfd[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
	}
	for (i = 0; i < NRACE; i++)
		race_open(&threads[0], &races[i]);
	if (pthread_create(&wd, NULL, watchdog, NULL))
		setup_failed("pthread_create");
	for (i = 0; i < nthreads; i++) {
		threads[i].no = i;
		threads[i].rng = (seed + 1) * 0x9E3779B97F4A7C15ULL ^
				 ((uint64_t)proc_no << 32 | (i + 1));
		if (pthread_create(&threads[i].tid, NULL, thread_main, &threads[i]))
			setup_failed("pthread_create");
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(threads[i].tid, NULL);
		ops += threads[i].ops;
		bytes += threads[i].bytes_checked;
		mis += threads[i].misuses;
		att += threads[i].attacks;
	}
	printf("proc %u: ops %" PRIu64 " bytes_checked %" PRIu64 " misuses %" PRIu64 " attacks %" PRIu64 "\n",
	       proc_no, ops, bytes, mis, att);
	fflush(stdout);
	return 0;
}

/* -K: victims, one at a time, each SIGKILLed after a random lifetime.
 * The mean lifetime spreads the kills still to come over 80% of the
 * time left, less what starting and reaping a victim has cost so far.
 * Returns 0, 1 on a finding (or too few kills), 2 on a setup failure.
 */
static unsigned int kill_victims(void)
{
	struct thread t = { .rng = seed * 0x9E3779B97F4A7C15ULL ^ 0x4b494c4c };
	unsigned int killed = 0, n = 0, bad = 0;
	double overhead = 0;
	int st;

	while (killed < kills && now() < t_end && !bad) {
		double t0 = now(), life;
		pid_t v;

		life = (t_end - t0) * 0.8 / (kills - killed) - overhead;
		if (life < 0.001)
			life = 0.001;
		life *= pick(&t, 2000) / 1000.0;
		/* killed before its own threads stop at the end of the run */
		if (life > (t_end - t0) * 0.9)
			life = (t_end - t0) * 0.9;
		v = fork();
		if (v < 0)
			setup_failed("fork");
		if (v == 0) {
			proc_no = nprocs + n;
			_exit(run_proc());
		}
		n++;
		usleep((useconds_t)(life * 1e6));
		kill(v, SIGKILL);
		if (waitpid(v, &st, 0) != v)
			setup_failed("waitpid");
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			killed++;
		else if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad = WIFEXITED(st) && WEXITSTATUS(st) == 2 ? 2 : 1;
		overhead = (overhead * (n - 1) + (now() - t0 - life)) / n;
	}
	printf("kills %u of %u victims\n", killed, n);
	if (!bad && killed < kills) {
		fprintf(stderr, "vsock-zc-fuzz: only %u of %u kills in %u s\n",
			killed, kills, seconds);
		bad = 1;
	}
	return bad;
}

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
		"Usage: vsock-zc-fuzz [-s SEED] [-t SECONDS] [-j THREADS] [-p PROCS]\n"
		"                     [-c CID -P PORT] [-K KILLS]\n"
		"Random calls on the vsock-zc kernel interfaces over AF_VSOCK;\n"
		"-P: through a relay that connects CID's port P back to port P here.\n"
		"exit 0 clean, 1 on a finding, 2 on a setup failure.\n");
	exit(status);
}

static unsigned long num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max)
		usage(2);
	return v;
}

int main(int argc, char **argv)
{
	unsigned int i, bad = 0;
	int opt, st;
	pid_t *pids;

	seed = (uint64_t)time(NULL);
	while ((opt = getopt(argc, argv, "s:t:j:p:c:K:P:h")) != -1) {
		switch (opt) {
		case 's': seed = num(optarg, ~0UL); break;
		case 't': seconds = num(optarg, 1000000); break;
		case 'j': nthreads = num(optarg, MAX_THREADS); break;
		case 'p': nprocs = num(optarg, 64); break;
		case 'c': peer_cid = num(optarg, ~0U); break;
		case 'K': kills = num(optarg, 1000000); break;
		case 'P': relay_port = num(optarg, 0xfffff000); break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc || !nthreads || !nprocs)
		usage(2);
	/* a killed process's connection could reach its successor's listener */
	if (relay_port && (kills || peer_cid == VMADDR_CID_LOCAL)) {
		fprintf(stderr, "vsock-zc-fuzz: -P needs -c with another CID, and no -K\n");
		return 2;
	}
	printf("vsock-zc-fuzz: seed %" PRIu64 ", %u s, %u processes of %u threads, CID %u%s\n",
	       seed, seconds, nprocs, nthreads, peer_cid,
	       relay_port ? " through a relay" : "");
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	t_end = now() + seconds;
	pids = calloc(nprocs, sizeof(*pids));
	if (!pids)
		setup_failed("calloc");
	for (i = 0; i < nprocs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			setup_failed("fork");
		if (pids[i] == 0) {
			proc_no = i;
			_exit(run_proc());
		}
	}
	if (kills)
		bad = kill_victims();
	for (i = 0; i < nprocs; i++) {
		if (waitpid(pids[i], &st, 0) != pids[i])
			setup_failed("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "vsock-zc-fuzz: process %u %s %d\n", i,
				WIFEXITED(st) ? "exited with" : "killed by signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			bad = WIFEXITED(st) && WEXITSTATUS(st) == 2 ? 2 : 1;
		}
	}
	if (!bad)
		printf("vsock-zc-fuzz: seed %" PRIu64 ": no findings\n", seed);
	return (int)bad;
}
