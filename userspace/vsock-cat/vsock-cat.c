// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsock-cat: move data between standard input/output and an AF_VSOCK
 * connection, with zero-copy data paths where the kernel has them.
 */
#include <errno.h>
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "vsockzc.h"
#define CLOSE_EXIT_CODE 7	/* VC_EXIT_OUTPUT */
#include "../common/cli.h"

#define CHUNK		(256 * 1024)
#define VSOCK_BUFFER	(4 * CHUNK)
#define SEQ_CHUNK	(64 * 1024)	/* one SEQPACKET message at most */

/* Exit codes; see vsock-cat(1). */
enum {
	VC_EXIT_NOTSUPP = 2,	/* zero-copy or SEQPACKET not supported */
	VC_EXIT_NODEV = 3,	/* no vsock transport */
	VC_EXIT_CONNECT = 4,	/* refused, timed out, unreachable */
	VC_EXIT_INUSE = 5,	/* port in use */
	VC_EXIT_CUT = 6,	/* connection reset or closed mid-transfer */
	VC_EXIT_OUTPUT = 7,	/* writing standard output failed */
	VC_EXIT_SIGINT = 130,
};
_Static_assert(VC_EXIT_OUTPUT == CLOSE_EXIT_CODE, "close_stdout()'s exit code");

enum zc_mode { ZC_AUTO, ZC_ON, ZC_OFF };

/* Data paths, one per direction. */
enum path {
	P_COPY,		/* read() and write() */
	P_SEQPACKET,	/* one message per read() */
	P_SPLICE_FILE,	/* file -> pipe -> socket */
	P_SPLICE_PIPE,	/* pipe -> socket, SPLICE_F_MOVE */
	P_GIFT,		/* vmsplice(SPLICE_F_GIFT) -> socket */
	P_SPLICE_OUT,	/* socket -> pipe */
	P_SPLICE_TO_FILE, /* socket -> pipe -> file */
	P_SPLICE_TO_NULL, /* socket -> pipe -> /dev/null */
	P_MAP_RX,	/* mmap receive ring -> write() */
};

static const char *const path_names[] = {
	[P_COPY] = "read/write",
	[P_SEQPACKET] = "read/write, one message per read",
	[P_SPLICE_FILE] = "splice from the page cache",
	[P_SPLICE_PIPE] = "splice from a pipe (SPLICE_F_MOVE)",
	[P_GIFT] = "vmsplice(SPLICE_F_GIFT) + splice(SPLICE_F_MOVE)",
	[P_SPLICE_OUT] = "splice into a pipe",
	[P_SPLICE_TO_FILE] = "splice into a file",
	[P_SPLICE_TO_NULL] = "splice to /dev/null",
	[P_MAP_RX] = "mmap receive ring",
};

/* Where a direction failed. */
enum side { S_NONE, S_INPUT, S_SOCKET, S_OUTPUT, S_NOTSUPP };

struct ctl;

/* One direction of a connection, run by its own thread. */
struct dir {
	struct ctl *ctl;
	const char *name;	/* "send" or "receive" */
	enum path path;
	int in, out;
	pthread_t thread;
	bool running;
	atomic_ullong bytes;
	enum side side;		/* S_NONE, or where it failed */
	int err;		/* errno of the failure */
	const char *what;	/* the operation that failed */
};

struct ctl {
	struct vsockzc_endpoint ep;
	struct sockaddr_vm laddr;
	int timeout_ms;		/* -1: none */
	enum zc_mode zc;
	int sock;
	int stop[2];		/* tells the send thread to stop */
	int done[2];		/* a thread writes here when it ends */
	bool zc_kernel;		/* SO_VM_SOCKETS_ZC_STATS answers */
	off_t in_size;		/* for the progress bar; 0: unknown */
	struct dir send, recv;

	unsigned int listen:1,
		     keep:1,
		     send_only:1,
		     recv_only:1,
		     seqpacket:1,
		     stats:1,
		     progress:1,
		     verbose:1;
};

static volatile sig_atomic_t progress_shown;

static void __attribute__((__noreturn__)) usage(void)
{
	FILE *out = stdout;

	fputs("\nUsage:\n", out);
	fprintf(out, " %s [options] <cid>:<port>\n", program_invocation_short_name);
	fprintf(out, " %s [options] unix:<path>:<port>\n", program_invocation_short_name);
	fprintf(out, " %s [options] --listen [<cid>:]<port>\n", program_invocation_short_name);

	fputs("\nMove data between standard input and output and an AF_VSOCK\n"
	      "connection, without copying it where the kernel allows.\n", out);

	fputs("\nOptions:\n", out);
	fputs(" -l, --listen             wait for a connection on [<cid>:]<port>\n", out);
	fputs(" -k, --keep-open          with --listen, accept one connection after another\n", out);
	fputs("     --send-only          only send standard input; end when it is sent\n", out);
	fputs("     --recv-only          only receive; do not read standard input\n", out);
	fputs("     --seqpacket          use SOCK_SEQPACKET instead of SOCK_STREAM\n", out);
	fputs(" -w, --timeout <seconds>  limit the wait for a connection\n", out);
	fputs(" -Z, --zerocopy <mode>    data paths: auto (default), on or off\n", out);
	fputs("     --stats              print transfer statistics on standard error\n", out);
	fputs("     --progress           show progress on standard error even if not a terminal\n", out);
	fputs("     --no-progress        never show progress\n", out);
	fputs(" -v, --verbose            print the local CID, the addresses and the data paths\n", out);

	fputs("\n", out);
	fputs(" -h, --help               display this help\n", out);
	fputs(" -V, --version            display version\n", out);

	fputs("\nAddresses are decimal; a CID may also be any, hypervisor, local or host.\n", out);
	fprintf(out, "\nFor more details see %s(1).\n", program_invocation_short_name);
	exit(EXIT_SUCCESS);
}

static void on_sigint(int sig)
{
	static const char msg[] = "vsock-cat: interrupted\n";

	(void)sig;
	if (progress_shown)
		(void)!write(STDERR_FILENO, "\n", 1);
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(VC_EXIT_SIGINT);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "1.5 MiB" */
static void size_str(unsigned long long n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u < sizeof(units) / sizeof(units[0]) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool is_sock_errno(int e)
{
	switch (e) {
	case ECONNRESET:
	case ECONNABORTED:
	case ENOTCONN:
	case ESHUTDOWN:
	case ETIMEDOUT:
	case EHOSTUNREACH:
	case ENETUNREACH:
		return true;
	}
	return false;
}

static void dir_fail(struct dir *d, enum side side, int err, const char *what)
{
	d->side = side;
	d->err = err < 0 ? -err : err;
	d->what = what;
}

static void dir_add(struct dir *d, size_t n)
{
	atomic_fetch_add(&d->bytes, n);
}

/*
 * A splice path refused at its first call (EINVAL: this file or socket
 * cannot be spliced): fall back to read/write, or fail with --zerocopy=on.
 */
static bool splice_refused(struct dir *d, ssize_t ret)
{
	if (ret != -EINVAL || atomic_load(&d->bytes))
		return false;
	if (d->ctl->zc == ZC_ON) {
		dir_fail(d, S_NOTSUPP, EINVAL, "splice");
		return false;
	}
	d->path = P_COPY;
	return true;
}

/* Wait until @fd is readable or the stop pipe is. false: stop. */
static bool wait_input(struct ctl *ctl, int fd)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = ctl->stop[0], .events = POLLIN },
	};

	while (poll(pfd, 2, -1) < 0)
		if (errno != EINTR)
			return true;	/* let the read report it */
	return !(pfd[1].revents & POLLIN);
}

static void send_loop(struct dir *d, char *buf)
{
	struct ctl *ctl = d->ctl;
	struct vsockzc_pipe pipe = { .fd = { -1, -1 } };
	ssize_t n;
	void *gift;
	int ret;

	if ((d->path == P_SPLICE_FILE || d->path == P_GIFT) &&
	    (ret = vsockzc_pipe_open(&pipe, CHUNK)) < 0) {
		dir_fail(d, S_INPUT, ret, "pipe");
		return;
	}

	for (;;) {
		if (!wait_input(ctl, d->in))
			break;
		switch (d->path) {
		case P_SPLICE_FILE:
			/* No SPLICE_F_MOVE: page-cache pages go by reference,
			 * as sendfile(2) sends them; with it the kernel would
			 * copy every page it cannot take from the file.
			 */
			n = vsockzc_splice_via_pipe(d->in, d->out, &pipe,
						    CHUNK, 0);
			if (n < 0 && splice_refused(d, n))
				continue;
			break;
		case P_SPLICE_PIPE:
			n = vsockzc_splice_direct(d->in, d->out, CHUNK,
						  SPLICE_F_MOVE);
			if (n < 0 && splice_refused(d, n))
				continue;
			break;
		case P_GIFT:
			gift = vsockzc_gift_alloc(CHUNK);
			if (!gift) {
				dir_fail(d, S_INPUT, errno, "mmap");
				goto out;
			}
			n = read(d->in, gift, CHUNK);
			if (n <= 0) {
				if (n < 0 && errno != EINTR)
					dir_fail(d, S_INPUT, errno, "read");
				vsockzc_gift_free(gift, CHUNK);
				if (n < 0 && errno == EINTR)
					continue;
				break;
			}
			ret = (int)vsockzc_gift_send(d->out, &pipe, gift,
						     (size_t)n, CHUNK);
			if (ret < 0)
				n = ret;
			break;
		default:
			n = read(d->in, buf, d->path == P_SEQPACKET ?
				 SEQ_CHUNK : CHUNK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				dir_fail(d, S_INPUT, errno, "read");
				goto out;
			}
			if (n > 0 && d->path == P_SEQPACKET) {
				if (send(d->out, buf, (size_t)n, 0) != n) {
					dir_fail(d, S_SOCKET, errno ? errno : EIO,
						 "send");
					goto out;
				}
			} else if (n > 0 &&
				   (ret = write_all(d->out, buf, (size_t)n))) {
				dir_fail(d, S_SOCKET, ret, "send");
				goto out;
			}
			break;
		}
		if (d->side != S_NONE)
			break;
		if (n < 0) {
			/* splice does not say which end failed: guess */
			dir_fail(d, is_sock_errno((int)-n) || n == -EPIPE ?
				 S_SOCKET : S_INPUT, (int)n, "splice");
			break;
		}
		if (n == 0) {
			if (shutdown(d->out, SHUT_WR) < 0 && errno != ENOTCONN)
				dir_fail(d, S_SOCKET, errno, "shutdown");
			break;
		}
		dir_add(d, (size_t)n);
	}
out:
	vsockzc_pipe_close(&pipe);
}

/* Receive through the mmap ring; false: fall back to read/write. */
static bool recv_ring(struct dir *d)
{
	struct vsockzc_ring ring;
	struct vsockzc_ring_iter it;
	struct vsockzc_pkt pkt;
	char buf[4096];
	ssize_t n;
	int ret;

	ret = vsockzc_ring_map(&ring, d->in, CHUNK + 4096);
	if (ret < 0) {
		if (!vsockzc_is_unsupported(ret) || d->ctl->zc == ZC_ON) {
			dir_fail(d, vsockzc_is_unsupported(ret) ? S_NOTSUPP :
				 S_SOCKET, ret, "mmap");
			return true;
		}
		return false;
	}
	for (;;) {
		n = vsockzc_ring_fill(&ring, d->in);
		if (n == -EAGAIN) {
			/* data the kernel would not map: copy it */
			n = recv(d->in, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0 && (ret = write_all(d->out, buf, (size_t)n))) {
				dir_fail(d, S_OUTPUT, ret, "write");
				break;
			}
			if (n > 0) {
				dir_add(d, (size_t)n);
				continue;
			}
			n = n < 0 ? -errno : -EIO;
			if (n == -EAGAIN)
				continue;
		}
		if (n < 0 && vsockzc_is_unsupported((int)n) &&
		    !atomic_load(&d->bytes) && d->ctl->zc != ZC_ON) {
			vsockzc_ring_unmap(&ring);
			return false;
		}
		if (n < 0) {
			dir_fail(d, vsockzc_is_unsupported((int)n) ? S_NOTSUPP :
				 S_SOCKET, (int)n, "receive ring");
			break;
		}
		if (n == 0)
			break;
		vsockzc_ring_iter_init(&it, ring.map, ring.filled,
				       ring.page_size);
		while ((ret = vsockzc_ring_next(&it, &pkt)) == 1) {
			ret = write_all(d->out, pkt.data, pkt.len);
			if (ret) {
				dir_fail(d, S_OUTPUT, ret, "write");
				break;
			}
			dir_add(d, pkt.len);
		}
		if (ret < 0 && d->side == S_NONE)
			dir_fail(d, S_SOCKET, ret, "receive ring");
		ret = vsockzc_ring_release(&ring);
		if (ret < 0 && d->side == S_NONE)
			dir_fail(d, S_SOCKET, ret, "madvise");
		if (d->side != S_NONE)
			break;
	}
	vsockzc_ring_unmap(&ring);
	return true;
}

static void recv_loop(struct dir *d, char *buf)
{
	struct vsockzc_pipe pipe = { .fd = { -1, -1 } };
	ssize_t n;
	int ret;

	if (d->path == P_MAP_RX) {
		if (recv_ring(d))
			return;
		d->path = P_COPY;
	}
	if ((d->path == P_SPLICE_TO_FILE || d->path == P_SPLICE_TO_NULL) &&
	    vsockzc_pipe_open(&pipe, CHUNK) < 0)
		d->path = P_COPY;
	for (;;) {
		if (d->path == P_SPLICE_OUT || d->path == P_SPLICE_TO_FILE ||
		    d->path == P_SPLICE_TO_NULL) {
			n = d->path == P_SPLICE_OUT ?
			    vsockzc_splice_direct(d->in, d->out, CHUNK, 0) :
			    vsockzc_splice_via_pipe(d->in, d->out, &pipe,
						    CHUNK, 0);
			if (n < 0 && splice_refused(d, n))
				continue;
			if (n < 0 && d->side == S_NONE)
				dir_fail(d, is_sock_errno((int)-n) ? S_SOCKET :
					 S_OUTPUT, (int)n, "splice");
		} else {
			n = recv(d->in, buf, CHUNK,
				 d->path == P_SEQPACKET ? MSG_TRUNC : 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				dir_fail(d, S_SOCKET, errno, "recv");
			} else if (n > CHUNK) {
				dir_fail(d, S_SOCKET, EMSGSIZE, "recv");
			} else if (n > 0 &&
				   (ret = write_all(d->out, buf, (size_t)n))) {
				dir_fail(d, S_OUTPUT, ret, "write");
			}
		}
		if (n <= 0 || d->side != S_NONE)
			break;
		dir_add(d, (size_t)n);
	}
	vsockzc_pipe_close(&pipe);
}

static void *dir_thread(void *arg)
{
	struct dir *d = arg;
	char *buf;

	buf = malloc(CHUNK);
	if (!buf)
		dir_fail(d, S_INPUT, ENOMEM, "malloc");
	else if (d == &d->ctl->send)
		send_loop(d, buf);
	else
		recv_loop(d, buf);
	free(buf);
	(void)!write(d->ctl->done[1], "x", 1);
	return NULL;
}

static bool is_vsock(const struct ctl *ctl)
{
	return ctl->listen || ctl->ep.type == VSOCKZC_EP_VSOCK;
}

static void __attribute__((__noreturn__)) notsupp(const char *what)
{
	errx(VC_EXIT_NOTSUPP, "--zerocopy=on: %s", what);
}

/* Pick the data paths from the kinds of stdin and stdout. */
static void choose_paths(struct ctl *ctl)
{
	bool copy = ctl->zc == ZC_OFF || ctl->seqpacket || !is_vsock(ctl);
	struct stat st;

	ctl->send.path = ctl->recv.path = ctl->seqpacket ? P_SEQPACKET : P_COPY;
	if (ctl->zc == ZC_ON && ctl->seqpacket)
		notsupp("no zero-copy path for SOCK_SEQPACKET");
	if (ctl->zc == ZC_ON && !is_vsock(ctl))
		notsupp("no zero-copy path for a hybrid-vsock UNIX socket");

	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
		ctl->in_size = st.st_size;
	if (!copy && !ctl->recv_only) {
		if (fstat(STDIN_FILENO, &st) < 0)
			err(EXIT_FAILURE, "stdin");
		if (S_ISREG(st.st_mode))
			ctl->send.path = P_SPLICE_FILE;
		else if (S_ISFIFO(st.st_mode))
			ctl->send.path = P_SPLICE_PIPE;
		else
			ctl->send.path = P_GIFT;
	}
	if (!copy && !ctl->send_only) {
		if (fstat(STDOUT_FILENO, &st) < 0)
			err(EXIT_FAILURE, "stdout");
		/* A file takes spliced pages with one copy, into its page
		 * cache; the ring would copy pages that cannot be mapped
		 * (a local sender's page cache) once more. splice(2)
		 * refuses O_APPEND files.
		 */
		if (S_ISFIFO(st.st_mode))
			ctl->recv.path = P_SPLICE_OUT;
		else if (S_ISREG(st.st_mode) &&
			 !(fcntl(STDOUT_FILENO, F_GETFL) & O_APPEND))
			ctl->recv.path = P_SPLICE_TO_FILE;
		/* /dev/null drops spliced pages untouched; other devices
		 * may not take splice(2) at all.
		 */
		else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
			ctl->recv.path = P_SPLICE_TO_NULL;
		else
			ctl->recv.path = P_MAP_RX;
	}
}

/* After socket(): kernel features decide the paths left open. */
static void probe_features(struct ctl *ctl, int fd)
{
	struct vsock_zc_stats st;
	int ret;

	if (ctl->zc == ZC_OFF || ctl->seqpacket)
		return;
	ret = vsockzc_get_stats(fd, &st);
	ctl->zc_kernel = ret == 0;
	if (ctl->zc == ZC_ON && !ctl->zc_kernel)
		errx(VC_EXIT_NOTSUPP, "--zerocopy=on: this kernel has no vsock "
		     "zero-copy (SO_VM_SOCKETS_ZC_STATS: %s)", strerror(-ret));

	if (ctl->recv.path != P_MAP_RX || ctl->send_only)
		return;
	ret = vsockzc_enable_map_rx(fd);
	if (ret == 0)
		return;
	if (!vsockzc_is_unsupported(ret) || ctl->zc == ZC_ON)
		errx(ctl->zc == ZC_ON ? VC_EXIT_NOTSUPP : EXIT_FAILURE,
		     "SO_VM_SOCKETS_ZEROCOPY: %s", strerror(-ret));
	ctl->recv.path = P_COPY;
}

static void __attribute__((__noreturn__)) no_transport(uint32_t cid, int e,
						       const char *what)
{
	errx(VC_EXIT_NODEV, "%s: %s: no vsock transport for CID %u; "
	     "is the module loaded and the device present? Needed: %s",
	     what, strerror(e), cid, vsockzc_transport_hint(cid));
}

/*
 * A receive buffer of several chunks lets the sender run ahead instead
 * of waiting for credit after each one (the default is one chunk,
 * 256 KiB). Best effort: without it the transfer is only slower.
 */
static void set_buffer(int fd)
{
	unsigned long long size = VSOCK_BUFFER;

	(void)setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE,
			 &size, sizeof(size));
	(void)setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE,
			 &size, sizeof(size));
}

static int vsock_socket(struct ctl *ctl, uint32_t cid)
{
	int fd;

	fd = socket(AF_VSOCK, (ctl->seqpacket ? SOCK_SEQPACKET : SOCK_STREAM) |
		    SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		probe_features(ctl, fd);
		set_buffer(fd);
		return fd;
	}
	if (errno == EAFNOSUPPORT)
		errx(VC_EXIT_NODEV, "AF_VSOCK is not available: "
		     "load the vsock module (and a transport: %s)",
		     vsockzc_transport_hint(cid));
	if (ctl->seqpacket && (errno == ESOCKTNOSUPPORT ||
			       errno == EPROTONOSUPPORT || errno == EINVAL))
		errx(VC_EXIT_NOTSUPP, "SOCK_SEQPACKET is not supported here");
	err(EXIT_FAILURE, "socket");
}

/* Exit with the right code for a failed connect() to @what. */
static void __attribute__((__noreturn__)) connect_failed(struct ctl *ctl,
							 int e, const char *what)
{
	if (e == ENODEV || e == ENETUNREACH)
		no_transport(ctl->ep.vm.svm_cid, e, what);
	if (ctl->seqpacket && (e == EOPNOTSUPP || e == ESOCKTNOSUPPORT))
		errx(VC_EXIT_NOTSUPP, "%s: SOCK_SEQPACKET is not supported by "
		     "this transport", what);
	/* a vsock peer with no listener answers with a reset */
	if (e == ECONNRESET)
		e = ECONNREFUSED;
	if (e == ENOENT && ctl->ep.type == VSOCKZC_EP_UNIX)
		errx(VC_EXIT_CONNECT, "%s: no such UNIX socket", what);
	errno = e;
	err(VC_EXIT_CONNECT, "%s", what);
}

/* Wait for @events on @fd for at most ctl->timeout_ms. */
static int wait_timeout(struct ctl *ctl, int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&pfd, 1, ctl->timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return errno;
	return ret ? 0 : ETIMEDOUT;
}

static void set_blocking(int fd, bool block)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, block ? fl & ~O_NONBLOCK :
			    fl | O_NONBLOCK) < 0)
		err(EXIT_FAILURE, "fcntl");
}

/*
 * --seqpacket to unix:PATH:PORT: PATH.seqpacket, where vsock-zc-vhostd
 * has its SOCK_SEQPACKET endpoint, if it is there; else PATH itself.
 */
static int hybrid_seqpacket(struct ctl *ctl, const char *what)
{
	char path[sizeof(ctl->ep.path) + 16];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s.seqpacket", ctl->ep.path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		fd = vsockzc_hybrid_connect_seqpacket(path, ctl->ep.port,
						      ctl->timeout_ms, NULL);
		if (fd >= 0 && ctl->verbose)
			warnx("%s: SOCK_SEQPACKET through %s", what, path);
		return fd;
	}
	fd = vsockzc_hybrid_connect_seqpacket(ctl->ep.path, ctl->ep.port,
					      ctl->timeout_ms, NULL);
	if (fd == -EPROTOTYPE)
		errx(VC_EXIT_NOTSUPP, "%s: no SOCK_SEQPACKET endpoint: %s is "
		     "a SOCK_STREAM socket and there is no %s", what,
		     ctl->ep.path, path);
	return fd;
}

static int do_connect(struct ctl *ctl)
{
	char what[sizeof(ctl->ep.path) + 64];
	char addr[VSOCKZC_ADDRSTRLEN];
	struct timeval tv;
	socklen_t sl = sizeof(int);
	int fd, e;

	if (ctl->ep.type == VSOCKZC_EP_UNIX) {
		snprintf(what, sizeof(what), "unix:%s:%u", ctl->ep.path,
			 ctl->ep.port);
		fd = ctl->seqpacket ? hybrid_seqpacket(ctl, what) :
		     vsockzc_hybrid_connect(ctl->ep.path, ctl->ep.port,
					    ctl->timeout_ms, NULL);
		if (fd < 0)
			connect_failed(ctl, -fd, what);
		return fd;
	}

	vsockzc_format_addr(&ctl->ep.vm, addr, sizeof(addr), 0);
	snprintf(what, sizeof(what), "connect to %s", addr);
	fd = vsock_socket(ctl, ctl->ep.vm.svm_cid);
	if (ctl->timeout_ms >= 0) {
		/* the transport's own limit (2 s by default) must not cut it */
		tv.tv_sec = ctl->timeout_ms / 1000;
		tv.tv_usec = (ctl->timeout_ms % 1000) * 1000;
		(void)setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT,
				 &tv, sizeof(tv));
		set_blocking(fd, false);
	}
	if (connect(fd, (struct sockaddr *)&ctl->ep.vm, sizeof(ctl->ep.vm)) < 0) {
		e = errno;
		if (e != EINPROGRESS || ctl->timeout_ms < 0)
			connect_failed(ctl, e, what);
		e = wait_timeout(ctl, fd, POLLOUT);
		if (!e && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
			e = errno;
		if (e)
			connect_failed(ctl, e, what);
	}
	if (ctl->timeout_ms >= 0)
		set_blocking(fd, true);
	return fd;
}

static int do_listen(struct ctl *ctl)
{
	char addr[VSOCKZC_ADDRSTRLEN];
	int fd;

	vsockzc_format_addr(&ctl->laddr, addr, sizeof(addr), VSOCKZC_FMT_NAMES);
	fd = vsock_socket(ctl, ctl->laddr.svm_cid);
	if (bind(fd, (struct sockaddr *)&ctl->laddr, sizeof(ctl->laddr)) < 0) {
		if (errno == EADDRINUSE)
			errx(VC_EXIT_INUSE, "bind %s: port %u is in use", addr,
			     ctl->laddr.svm_port);
		if (errno == EADDRNOTAVAIL || errno == ENODEV)
			no_transport(ctl->laddr.svm_cid, errno, addr);
		err(EXIT_FAILURE, "bind %s", addr);
	}
	if (listen(fd, 16) < 0) {
		if (ctl->seqpacket && errno == EOPNOTSUPP)
			errx(VC_EXIT_NOTSUPP, "listen %s: SOCK_SEQPACKET is "
			     "not supported by this transport", addr);
		err(EXIT_FAILURE, "listen %s", addr);
	}
	if (ctl->verbose)
		warnx("listening on %s", addr);
	return fd;
}

/* Accept one connection; -1 when -w ran out. */
static int do_accept(struct ctl *ctl, int lfd)
{
	int fd, e;

	for (;;) {
		e = wait_timeout(ctl, lfd, POLLIN);
		if (e == ETIMEDOUT)
			return -1;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
			err(EXIT_FAILURE, "accept");
	}
}

static void print_endpoints(struct ctl *ctl, int fd)
{
	char local[VSOCKZC_ADDRSTRLEN], peer[VSOCKZC_ADDRSTRLEN];
	struct sockaddr_vm sa;
	socklen_t sl;

	if (!ctl->verbose)
		return;
	if (ctl->ep.type == VSOCKZC_EP_UNIX && !ctl->listen) {
		warnx("connected to unix:%s:%u (%s)", ctl->ep.path,
		      ctl->ep.port,
		      ctl->seqpacket ? "SOCK_SEQPACKET" : "SOCK_STREAM");
	} else {
		sl = sizeof(sa);
		if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0 ||
		    vsockzc_format_addr(&sa, local, sizeof(local), 0) < 0)
			strcpy(local, "?");
		sl = sizeof(sa);
		if (getpeername(fd, (struct sockaddr *)&sa, &sl) < 0 ||
		    vsockzc_format_addr(&sa, peer, sizeof(peer), 0) < 0)
			strcpy(peer, "?");
		warnx("connected: %s <-> %s (%s)", local, peer,
		      ctl->seqpacket ? "SOCK_SEQPACKET" : "SOCK_STREAM");
	}
	if (!ctl->recv_only)
		warnx("send path: %s", path_names[ctl->send.path]);
	if (!ctl->send_only)
		warnx("receive path: %s", path_names[ctl->recv.path]);
	if (is_vsock(ctl) && ctl->zc != ZC_OFF && !ctl->seqpacket)
		warnx("kernel vsock zero-copy: %s", ctl->zc_kernel ?
		      "yes" : "no (splice copies; no mmap receive)");
}

static void show_progress(struct ctl *ctl, double start, bool last)
{
	unsigned long long tx = atomic_load(&ctl->send.bytes);
	unsigned long long rx = atomic_load(&ctl->recv.bytes);
	double secs = now() - start;
	char s_tx[32], s_rx[32], pct[16] = "";

	size_str(tx, s_tx, sizeof(s_tx));
	size_str(rx, s_rx, sizeof(s_rx));
	if (ctl->in_size > 0 && !ctl->recv_only)
		snprintf(pct, sizeof(pct), " (%3.0f%%)",
			 100.0 * (double)tx / (double)ctl->in_size);
	fprintf(stderr, "\rsent %s%s, received %s, %.1f MB/s   %s", s_tx, pct,
		s_rx, secs > 0 ? (double)(tx + rx) / secs / 1e6 : 0.0,
		last ? "\n" : "");
	fflush(stderr);
	progress_shown = !last;
}

static void add_row(struct libscols_table *tb, const char *field,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add_row(struct libscols_table *tb, const char *field,
		    const char *fmt, ...)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	char buf[128];
	va_list ap;

	if (!ln)
		err(EXIT_FAILURE, "libsmartcols");
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (scols_line_set_data(ln, 0, field) ||
	    scols_line_set_data(ln, 1, buf))
		err(EXIT_FAILURE, "libsmartcols");
}

static void print_stats(struct ctl *ctl, double secs)
{
	unsigned long long tx = atomic_load(&ctl->send.bytes);
	unsigned long long rx = atomic_load(&ctl->recv.bytes);
	struct libscols_table *tb;
	struct vsock_zc_stats st;
	int ret = -ENOPROTOOPT;

	if (is_vsock(ctl))
		ret = vsockzc_get_stats(ctl->sock, &st);
	tb = scols_new_table();
	if (!tb || scols_table_set_stream(tb, stderr) ||
	    !scols_table_new_column(tb, "STATISTIC", 0, 0) ||
	    !scols_table_new_column(tb, "VALUE", 0, 0))
		err(EXIT_FAILURE, "libsmartcols");
	add_row(tb, "bytes sent", "%llu", tx);
	add_row(tb, "bytes received", "%llu", rx);
	add_row(tb, "seconds", "%.3f", secs);
	add_row(tb, "MB/s", "%.1f", secs > 0 ? (double)(tx + rx) / secs / 1e6 : 0.0);
	if (!ctl->recv_only)
		add_row(tb, "send path", "%s", path_names[ctl->send.path]);
	if (!ctl->send_only)
		add_row(tb, "receive path", "%s", path_names[ctl->recv.path]);
	if (ret == 0) {
		add_row(tb, "tx bytes zero-copy", "%llu",
			(unsigned long long)(st.tx_ref_bytes + st.tx_stolen_bytes));
		add_row(tb, "tx bytes copied", "%llu",
			(unsigned long long)st.tx_copied_bytes);
		add_row(tb, "rx bytes zero-copy", "%llu",
			(unsigned long long)(st.rx_spliced_bytes + st.rx_mapped_bytes));
		add_row(tb, "rx bytes copied", "%llu",
			(unsigned long long)st.rx_copied_bytes);
	} else if (!is_vsock(ctl)) {
		add_row(tb, "kernel zero-copy counters", "none for UNIX sockets");
	} else {
		add_row(tb, "kernel zero-copy counters", "unavailable (%s)",
			vsockzc_is_unsupported(ret) ?
			"this kernel has no SO_VM_SOCKETS_ZC_STATS" :
			strerror(-ret));
	}
	scols_print_table(tb);
	scols_unref_table(tb);
}

/* The exit code for how direction @d ended, after saying why. */
static int dir_status(struct ctl *ctl, struct dir *d)
{
	const char *who = ctl->listen ? "connection" : "peer";

	switch (d->side) {
	case S_NONE:
		return EXIT_SUCCESS;
	case S_NOTSUPP:
		warnx("%s: %s: the zero-copy path is not supported: %s",
		      d->name, d->what, strerror(d->err));
		return VC_EXIT_NOTSUPP;
	case S_OUTPUT:
		if (d->err == EPIPE)
			warnx("stdout: %s: %s (the reader went away)", d->what,
			      strerror(d->err));
		else
			warnx("stdout: %s: %s", d->what, strerror(d->err));
		return VC_EXIT_OUTPUT;
	case S_SOCKET:
		if (d->err == ECONNRESET)
			warnx("%s: transfer cut short: %s reset the connection",
			      d->name, who);
		else if (d->err == EPIPE)
			warnx("%s: transfer cut short: %s closed the connection "
			      "(%s)", d->name, who, strerror(d->err));
		else
			warnx("%s: %s: %s", d->name, d->what, strerror(d->err));
		return VC_EXIT_CUT;
	case S_INPUT:
		warnx("stdin: %s: %s", d->what, strerror(d->err));
		return EXIT_FAILURE;
	}
	return EXIT_FAILURE;
}

static void start_dir(struct ctl *ctl, struct dir *d, int in, int out)
{
	int ret;

	d->ctl = ctl;
	d->in = in;
	d->out = out;
	d->side = S_NONE;
	atomic_store(&d->bytes, 0);
	ret = pthread_create(&d->thread, NULL, dir_thread, d);
	if (ret) {
		errno = ret;
		err(EXIT_FAILURE, "pthread_create");
	}
	d->running = true;
}

/* Move data both ways on @fd until done. Returns an exit code. */
static int run_connection(struct ctl *ctl, int fd)
{
	struct pollfd pfd;
	double start = now();
	int live = 0, rc = EXIT_SUCCESS, ret;
	char c;

	ctl->sock = fd;
	if (pipe2(ctl->stop, O_CLOEXEC) < 0 || pipe2(ctl->done, O_CLOEXEC) < 0)
		err(EXIT_FAILURE, "pipe");
	print_endpoints(ctl, fd);

	if (ctl->recv_only) {
		shutdown(fd, SHUT_WR);
	} else {
		start_dir(ctl, &ctl->send, STDIN_FILENO, fd);
		live++;
	}
	/* --send-only: nothing is read, and the end of sending is the end */
	if (!ctl->send_only) {
		start_dir(ctl, &ctl->recv, fd, STDOUT_FILENO);
		live++;
	}

	pfd.fd = ctl->done[0];
	pfd.events = POLLIN;
	while (live) {
		ret = poll(&pfd, 1, ctl->progress ? 250 : -1);
		if (ret < 0 && errno != EINTR)
			err(EXIT_FAILURE, "poll");
		if (ctl->progress)
			show_progress(ctl, start, false);
		if (ret <= 0 || read(ctl->done[0], &c, 1) != 1)
			continue;
		live--;
		/* a failure on one side ends the connection */
		if (ctl->send.side != S_NONE || ctl->recv.side != S_NONE)
			break;
	}
	if (live) {
		shutdown(fd, SHUT_RDWR);
		(void)!write(ctl->stop[1], "x", 1);
	}
	if (ctl->progress)
		show_progress(ctl, start, true);

	/* Report the first failure; a clean end of both sides is 0. */
	if (ctl->send.running && ctl->send.side != S_NONE)
		rc = dir_status(ctl, &ctl->send);
	if (!rc && ctl->recv.running && ctl->recv.side != S_NONE)
		rc = dir_status(ctl, &ctl->recv);
	if (ctl->stats)
		print_stats(ctl, now() - start);
	if (live && !ctl->keep)
		return rc;	/* threads may be stuck: exit() ends them */

	if (ctl->send.running)
		pthread_join(ctl->send.thread, NULL);
	if (ctl->recv.running)
		pthread_join(ctl->recv.thread, NULL);
	ctl->send.running = ctl->recv.running = false;
	close(ctl->stop[0]);
	close(ctl->stop[1]);
	close(ctl->done[0]);
	close(ctl->done[1]);
	close(fd);
	return rc;
}

static int parse_timeout(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < 0 || v > INT_MAX / 1000)
		errx(EXIT_FAILURE, "invalid timeout: '%s'", s);
	/* -w 0: no limit, as timeout(1) has it */
	return v == 0 ? -1 : (int)(v * 1000);
}

/* @ms as seconds, plainly: "1000", "0.5", "2.25". */
static void seconds_str(int ms, char *buf, size_t len)
{
	size_t n;

	if (ms % 1000 == 0) {
		snprintf(buf, len, "%d", ms / 1000);
		return;
	}
	snprintf(buf, len, "%d.%03d", ms / 1000, ms % 1000);
	n = strlen(buf);
	while (n && buf[n - 1] == '0')
		buf[--n] = '\0';
}

/* @fd is a terminal, the one @tty is. */
static bool on_tty(int fd, const struct stat *tty)
{
	struct stat st;

	return isatty(fd) && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == tty->st_rdev;
}

/*
 * Progress by default: on a terminal stderr, but not in an interactive
 * session, where standard input or output is that terminal too.
 */
static bool progress_default(void)
{
	struct stat tty;

	if (!isatty(STDERR_FILENO) || fstat(STDERR_FILENO, &tty) < 0)
		return false;
	return !on_tty(STDIN_FILENO, &tty) && !on_tty(STDOUT_FILENO, &tty);
}

static void print_local_cid(void)
{
	uint32_t cid;
	int ret = vsockzc_local_cid(&cid);

	if (ret == 0)
		warnx("local CID %u", cid);
	else if (ret == -ENOENT)
		warnx("local CID unknown: no /dev/vsock (load the vsock module)");
	else
		warnx("local CID unknown: /dev/vsock: %s", strerror(-ret));
}

int main(int argc, char **argv)
{
	enum {
		OPT_SEND_ONLY = CHAR_MAX + 1,
		OPT_RECV_ONLY,
		OPT_SEQPACKET,
		OPT_STATS,
		OPT_PROGRESS,
		OPT_NO_PROGRESS,
	};
	static const struct option longopts[] = {
		{ "listen",	no_argument,		NULL, 'l' },
		{ "keep-open",	no_argument,		NULL, 'k' },
		{ "send-only",	no_argument,		NULL, OPT_SEND_ONLY },
		{ "recv-only",	no_argument,		NULL, OPT_RECV_ONLY },
		{ "seqpacket",	no_argument,		NULL, OPT_SEQPACKET },
		{ "timeout",	required_argument,	NULL, 'w' },
		{ "zerocopy",	required_argument,	NULL, 'Z' },
		{ "stats",	no_argument,		NULL, OPT_STATS },
		{ "progress",	no_argument,		NULL, OPT_PROGRESS },
		{ "no-progress", no_argument,		NULL, OPT_NO_PROGRESS },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl ctl = {
		.timeout_ms = -1,
		.send = { .name = "send" },
		.recv = { .name = "receive" },
	};
	struct sigaction sa = { .sa_handler = on_sigint };
	int c, ret, lfd, rc, progress = -1;
	char secs[32];

	setlocale(LC_ALL, "");
	atexit(close_stdout);

	while ((c = getopt_long(argc, argv, "lkw:Z:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			ctl.listen = 1;
			break;
		case 'k':
			ctl.keep = 1;
			break;
		case OPT_SEND_ONLY:
			ctl.send_only = 1;
			break;
		case OPT_RECV_ONLY:
			ctl.recv_only = 1;
			break;
		case OPT_SEQPACKET:
			ctl.seqpacket = 1;
			break;
		case 'w':
			ctl.timeout_ms = parse_timeout(optarg);
			break;
		case 'Z':
			if (strcmp(optarg, "auto") == 0)
				ctl.zc = ZC_AUTO;
			else if (strcmp(optarg, "on") == 0)
				ctl.zc = ZC_ON;
			else if (strcmp(optarg, "off") == 0)
				ctl.zc = ZC_OFF;
			else
				errx(EXIT_FAILURE, "invalid --zerocopy mode: "
				     "'%s' (auto, on or off)", optarg);
			break;
		case OPT_STATS:
			ctl.stats = 1;
			break;
		case OPT_PROGRESS:
		case OPT_NO_PROGRESS:
			progress = c == OPT_PROGRESS;
			break;
		case 'v':
			ctl.verbose = 1;
			break;
		case 'h':
			usage();
		case 'V':
			cli_print_version();
		default:
			cli_try_help();
		}
	}

	if (optind != argc - 1) {
		warnx(optind == argc ? "no address given" : "too many arguments");
		cli_try_help();
	}
	if (ctl.send_only && ctl.recv_only)
		errx(EXIT_FAILURE, "--send-only and --recv-only are exclusive");
	if (ctl.keep && !ctl.listen)
		errx(EXIT_FAILURE, "--keep-open needs --listen");

	if (ctl.listen) {
		ret = vsockzc_parse_listen_addr(argv[optind], &ctl.laddr);
		ctl.ep.type = VSOCKZC_EP_VSOCK;
	} else {
		ret = vsockzc_parse_endpoint(argv[optind], &ctl.ep);
	}
	if (ret == -ERANGE)
		errx(EXIT_FAILURE, "'%s': number out of range (CIDs and ports "
		     "are at most 4294967295)", argv[optind]);
	if (ret == -ENAMETOOLONG)
		errx(EXIT_FAILURE, "'%s': UNIX socket path too long", argv[optind]);
	if (ret)
		errx(EXIT_FAILURE, "'%s': invalid address; expected %s",
		     argv[optind], ctl.listen ? "[CID:]PORT" :
		     "CID:PORT or unix:PATH:PORT");

	/* CID any (4294967295) names no peer: connect() would try it */
	if (!ctl.listen && ctl.ep.type == VSOCKZC_EP_VSOCK &&
	    ctl.ep.vm.svm_cid == VMADDR_CID_ANY)
		errx(VC_EXIT_NOTSUPP, "'%s': cannot connect to CID any; give "
		     "the peer's CID (a number, host, local or hypervisor)",
		     argv[optind]);
	ctl.progress = progress < 0 ? progress_default() : progress;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);

	if (ctl.verbose)
		print_local_cid();
	choose_paths(&ctl);

	if (!ctl.listen)
		return run_connection(&ctl, do_connect(&ctl));

	lfd = do_listen(&ctl);
	do {
		c = do_accept(&ctl, lfd);
		if (c < 0) {
			seconds_str(ctl.timeout_ms, secs, sizeof(secs));
			errx(VC_EXIT_CONNECT, "no connection within %s s", secs);
		}
		rc = run_connection(&ctl, c);
		/* with -k, only a broken stdout ends the loop */
		if (ctl.keep && rc != VC_EXIT_OUTPUT)
			choose_paths(&ctl);
	} while (ctl.keep && rc != VC_EXIT_OUTPUT);
	close(lfd);
	return rc;
}
