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
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "vsockzc.h"
#define CLOSE_EXIT_CODE 7	/* VC_EXIT_OUTPUT */
#include "../common/cli.h"
#include "../common/sockpath.h"

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
	VC_EXIT_SIGTERM = 143,
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
	P_SPLICE_SOCK,	/* socket -> pipe -> socket (two endpoints) */
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
	[P_SPLICE_SOCK] = "splice through a pipe",
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
	atomic_bool ended;	/* the thread is done */
	atomic_ullong bytes;
	enum side side;		/* S_NONE, or where it failed */
	int err;		/* errno of the failure */
	const char *what;	/* the operation that failed */
};

/* What an address names: one end of the data. */
enum ep_kind {
	EP_VSOCK,	/* CID:PORT; with --listen [CID:]PORT */
	EP_HYBRID,	/* unix:PATH:PORT; with --listen, PATH_PORT */
	EP_UNIX,	/* unix:PATH */
	EP_TCP,		/* tcp:HOST:PORT, tcp-listen:[HOST:]PORT */
	EP_STDIO,	/* standard input and output */
	EP_EXEC,	/* -e, -c: a command for each connection */
};

struct ep {
	const char *arg;	/* as the user typed it, for messages */
	enum ep_kind kind;
	bool listen;
	struct sockaddr_vm vm;		/* EP_VSOCK */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint32_t port;			/* EP_HYBRID: the vsock port */
	uint32_t hostport;		/* EP_HYBRID: from "OK HOSTPORT" */
	char host[256], serv[16];	/* EP_TCP */
	int lfd;			/* listening socket, or -1 */
	pid_t owner;			/* who unlinks path at exit */
	struct sockpath_id id;		/* the file bound there */
};

struct ctl {
	struct ep a;		/* the first address */
	struct ep b;		/* the second: stdio, a command or an address */
	char **cmd;		/* EP_EXEC: argv */
	int timeout_ms;		/* -1: none */
	int idle_ms;		/* -i; -1: none */
	int retries;		/* --retry; -1: none */
	int retry_ms;		/* --retry-for; -1: none */
	unsigned int max_conns;	/* -k: at most this many at once */
	enum zc_mode zc;
	int sock;		/* the connection on a */
	int peer;		/* b's connection, a pty or a socketpair; -1: stdio */
	int vsock_fd;		/* the vsock one of them, for --stats; -1: none */
	const char *in_name, *out_name;	/* for messages: "stdin", b.arg... */
	int stop[2];		/* tells the send thread to stop */
	int done[2];		/* a thread writes here when it ends */
	bool zc_kernel;		/* SO_VM_SOCKETS_ZC_STATS answers */
	off_t in_size;		/* for the progress bar; 0: unknown */
	struct dir send, recv;

	unsigned int keep:1,
		     sequential:1,
		     send_only:1,
		     recv_only:1,
		     seqpacket:1,
		     stats:1,
		     progress:1,
		     verbose:1,
		     probe:1,
		     pty:1,
		     peer_pty:1,	/* peer is a pty master */
		     peer_exec:1;	/* peer is a command's */
};

static volatile sig_atomic_t progress_shown;

static void __attribute__((__noreturn__)) usage(void)
{
	FILE *out = stdout;

	fputs("\nUsage:\n", out);
	fprintf(out, " %s [options] <address> [<address>]\n", program_invocation_short_name);
	fprintf(out, " %s [options] --listen <address> [<address>]\n", program_invocation_short_name);
	fprintf(out, " %s [options] [--listen] <address> --exec <command>\n", program_invocation_short_name);

	fputs("\nMove data between standard input and output, a command or a second\n"
	      "address and an AF_VSOCK connection (or UNIX or TCP), without copying\n"
	      "it where the kernel allows.\n", out);

	fputs("\nAddresses:\n", out);
	fputs(" <cid>:<port>             vsock; with --listen [<cid>:]<port>\n", out);
	fputs(" unix:<path>              a UNIX socket\n", out);
	fputs(" unix:<path>:<port>       hybrid vsock: CONNECT <port> through <path>;\n"
	      "                            with --listen, listen on <path>_<port>\n", out);
	fputs(" tcp:<host>:<port>        TCP; with --listen tcp:[<host>:]<port>\n", out);
	fputs(" tcp-listen:[<host>:]<port>  listen on TCP\n", out);
	fputs(" -, stdio                 standard input and output (the default)\n", out);

	fputs("\nOptions:\n", out);
	fputs(" -l, --listen             wait for a connection on the first address\n", out);
	fputs(" -k, --keep-open          with --listen, serve connections at once, a process\n"
	      "                            for each\n", out);
	fputs("     --max-conns <n>      with -k, at most <n> connections at once (100)\n", out);
	fputs("     --sequential         with -k, one connection after another\n", out);
	fputs(" -e, --exec <command>     run <command> for each connection (split at blanks)\n", out);
	fputs(" -c, --sh-exec <command>  run <command> with /bin/sh -c\n", out);
	fputs("     --pty                give the command a terminal\n", out);
	fputs("     --send-only          only send standard input; end when it is sent\n", out);
	fputs("     --recv-only          only receive; do not read standard input\n", out);
	fputs("     --seqpacket          use SOCK_SEQPACKET instead of SOCK_STREAM\n", out);
	fputs(" -w, --timeout <seconds>  limit the wait for a connection (0: no limit)\n", out);
	fputs(" -i, --idle-timeout <seconds>  close a connection idle that long\n", out);
	fputs("     --retry <n>          try to connect <n> more times while refused\n", out);
	fputs("     --retry-for <seconds>  try to connect for that long while refused\n", out);
	fputs(" -z, --probe              connect, send nothing, close: is it listening?\n", out);
	fputs(" -Z, --zerocopy <mode>    data paths: auto (default), on or off\n", out);
	fputs("     --stats              print transfer statistics on standard error\n", out);
	fputs("     --progress           show progress on standard error even if not a terminal\n", out);
	fputs("     --no-progress        never show progress\n", out);
	fputs(" -v, --verbose            print the local CID, the addresses and the data paths\n", out);

	fputs("\n", out);
	fputs(" -h, --help               display this help\n", out);
	fputs(" -V, --version            display version\n", out);

	fputs("\nCIDs and ports are decimal; a CID may also be any, hypervisor, local or\n"
	      "host, and a port any. any is for --listen: connecting to it is refused.\n", out);
	fprintf(out, "\nFor more details see %s(1).\n", program_invocation_short_name);
	exit(EXIT_SUCCESS);
}

/* The UNIX sockets this process made, to unlink when it ends. */
static struct ep *unix_listeners[2];

static void unlink_listeners(void)
{
	size_t i;

	for (i = 0; i < sizeof(unix_listeners) / sizeof(unix_listeners[0]); i++)
		if (unix_listeners[i] && unix_listeners[i]->owner == getpid())
			sockpath_unlink(unix_listeners[i]->path,
					&unix_listeners[i]->id);
}

/* SIGINT and SIGTERM: exit 130 or 143, as a shell reports them. */
static void on_sigint(int sig)
{
	static const char intr[] = "vsock-cat: interrupted\n";
	static const char term[] = "vsock-cat: terminated\n";

	if (progress_shown)
		(void)!write(STDERR_FILENO, "\n", 1);
	if (sig == SIGTERM)
		(void)!write(STDERR_FILENO, term, sizeof(term) - 1);
	else
		(void)!write(STDERR_FILENO, intr, sizeof(intr) - 1);
	unlink_listeners();
	_exit(sig == SIGTERM ? VC_EXIT_SIGTERM : VC_EXIT_SIGINT);
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

	if ((d->path == P_SPLICE_FILE || d->path == P_GIFT ||
	     d->path == P_SPLICE_SOCK) &&
	    (ret = vsockzc_pipe_open(&pipe, CHUNK)) < 0) {
		dir_fail(d, S_INPUT, ret, "pipe");
		return;
	}

	for (;;) {
		if (!wait_input(ctl, d->in))
			break;
		switch (d->path) {
		case P_SPLICE_SOCK:
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
			/* a pty master: the command and all it started
			 * have closed the terminal
			 */
			if (n < 0 && errno == EIO && ctl->peer_pty)
				n = 0;
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
		/* The next fill gives these pages back. */
		if (d->side != S_NONE)
			break;
	}
	vsockzc_ring_unmap(&ring);
	return true;
}

/*
 * The end of what the connection sent: pass it on to the other end. A
 * socket (or a command's socketpair) is shut down for writing; a
 * command on a pty gets the end-of-file character, which ends its input
 * at the start of a line. Standard output stays open.
 */
static void end_peer(struct dir *d)
{
	struct ctl *ctl = d->ctl;
	struct termios tio;
	char eof = 4;	/* ^D */

	if (ctl->peer < 0)
		return;
	if (ctl->peer_pty) {
		if (tcgetattr(ctl->peer, &tio) == 0 && tio.c_cc[VEOF])
			eof = (char)tio.c_cc[VEOF];
		(void)!write(ctl->peer, &eof, 1);
		return;
	}
	if (shutdown(ctl->peer, SHUT_WR) < 0 && errno != ENOTCONN &&
	    errno != ENOTSOCK)
		dir_fail(d, S_OUTPUT, errno, "shutdown");
}

static void recv_loop(struct dir *d, char *buf)
{
	struct vsockzc_pipe pipe = { .fd = { -1, -1 } };
	ssize_t n = 0;
	int ret;

	if (d->path == P_MAP_RX) {
		if (recv_ring(d))
			return;
		d->path = P_COPY;
	}
	if ((d->path == P_SPLICE_TO_FILE || d->path == P_SPLICE_TO_NULL ||
	     d->path == P_SPLICE_SOCK) &&
	    vsockzc_pipe_open(&pipe, CHUNK) < 0)
		d->path = P_COPY;
	for (;;) {
		if (d->path == P_SPLICE_OUT || d->path == P_SPLICE_TO_FILE ||
		    d->path == P_SPLICE_TO_NULL || d->path == P_SPLICE_SOCK) {
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
	if (n == 0 && d->side == S_NONE)
		end_peer(d);
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
	atomic_store(&d->ended, true);
	(void)!write(d->ctl->done[1], "x", 1);
	return NULL;
}

static bool is_vsock(const struct ctl *ctl)
{
	return ctl->a.kind == EP_VSOCK;
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
		errx(VC_EXIT_NOTSUPP, "--zerocopy=on: %s: no zero-copy path "
		     "between standard input and output and a socket that "
		     "is not vsock", ctl->a.arg);

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

/*
 * Between two sockets: splice through a pipe each way; a socket that
 * cannot splice falls back at the first call. A pty is copied.
 */
static void choose_peer_paths(struct ctl *ctl)
{
	enum path p = P_SPLICE_SOCK;

	if (ctl->seqpacket)
		p = P_SEQPACKET;
	else if (ctl->zc == ZC_OFF || ctl->peer_pty)
		p = P_COPY;
	if (ctl->zc == ZC_ON && p != P_SPLICE_SOCK)
		notsupp(ctl->seqpacket ? "no zero-copy path for SOCK_SEQPACKET" :
			"no zero-copy path to a pty");
	ctl->send.path = ctl->recv.path = p;
	ctl->in_size = 0;
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

/*
 * VSOCKZC_NO_VSOCK=1: never open an AF_VSOCK socket. The host tests
 * run with it, on machines whose vsock reaches a real hypervisor.
 */
static bool vsock_forbidden(void)
{
	const char *v = getenv("VSOCKZC_NO_VSOCK");

	return v && *v && strcmp(v, "0") != 0;
}

static int vsock_socket(struct ctl *ctl, uint32_t cid)
{
	int fd;

	if (vsock_forbidden())
		errx(VC_EXIT_NODEV, "AF_VSOCK sockets are disabled "
		     "(VSOCKZC_NO_VSOCK is set)");
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

/*
 * Is there a loopback transport? Without one, the kernel sends a
 * connection to CID 1 to the host, where it times out or is refused.
 * Asked only after that: a socket bound to CID 1 gets EADDRNOTAVAIL.
 */
static bool have_loopback(void)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_LOCAL,
		.svm_port = VMADDR_PORT_ANY,
	};
	bool ret = true;
	int fd;

	if (vsock_forbidden())
		return true;
	fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno == EADDRNOTAVAIL)
		ret = false;
	close(fd);
	return ret;
}

/* Exit with the right code for a failed connect() to @what. */
static void __attribute__((__noreturn__)) connect_failed(struct ctl *ctl,
							 struct ep *ep, int e,
							 const char *what)
{
	if (ep->kind == EP_VSOCK && (e == ENODEV || e == ENETUNREACH))
		no_transport(ep->vm.svm_cid, e, what);
	if (ctl->seqpacket && (e == EOPNOTSUPP || e == ESOCKTNOSUPPORT))
		errx(VC_EXIT_NOTSUPP, "%s: SOCK_SEQPACKET is not supported by "
		     "this transport", what);
	/* a vsock peer with no listener answers with a reset */
	if (e == ECONNRESET)
		e = ECONNREFUSED;
	/* without loopback the host gets it: it times out (vhost_vsock
	 * drops it) or is reset (vsock-zc-vhostd answers RST)
	 */
	if ((e == ETIMEDOUT || e == ECONNREFUSED) && ep->kind == EP_VSOCK &&
	    ep->vm.svm_cid == VMADDR_CID_LOCAL && !have_loopback())
		errx(VC_EXIT_CONNECT, "%s: %s: there is no loopback transport; "
		     "CID 1 (local) needs the vsock_loopback module, without it "
		     "the connection goes to the host", what, strerror(e));
	if (e == ENOENT && (ep->kind == EP_HYBRID || ep->kind == EP_UNIX))
		errx(VC_EXIT_CONNECT, "%s: no such UNIX socket", what);
	/* a UNIX socket of the other type: a usage mistake, say which */
	if (e == EPROTOTYPE && ctl->seqpacket &&
	    (ep->kind == EP_HYBRID || ep->kind == EP_UNIX))
		errx(VC_EXIT_NOTSUPP, "%s: %s is not a SOCK_SEQPACKET socket",
		     what, ep->path);
	if (e == EPROTOTYPE && (ep->kind == EP_HYBRID || ep->kind == EP_UNIX))
		errx(VC_EXIT_NOTSUPP, "%s: %s is a SOCK_SEQPACKET socket; use "
		     "--seqpacket", what, ep->path);
	errno = e;
	err(VC_EXIT_CONNECT, "%s", what);
}

/* connect(); with -w, a non-blocking @fd waits at most that long. */
static int connect_wait(struct ctl *ctl, int fd, const struct sockaddr *sa,
			socklen_t len)
{
	socklen_t sl = sizeof(int);
	int e;

	if (connect(fd, sa, len) == 0)
		return 0;
	e = errno;
	if (e != EINPROGRESS)
		return e;
	e = wait_timeout(ctl, fd, POLLOUT);
	if (!e && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
		e = errno;
	return e;
}

/*
 * --seqpacket to unix:PATH:PORT: PATH.seqpacket, where vsock-zc-vhostd
 * has its SOCK_SEQPACKET endpoint, if it is there; else PATH itself.
 */
static int hybrid_seqpacket(struct ctl *ctl, struct ep *ep, const char *what)
{
	char path[sizeof(ep->path) + 16];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s.seqpacket", ep->path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		fd = vsockzc_hybrid_connect_seqpacket(path, ep->port,
						      ctl->timeout_ms,
						      &ep->hostport);
		if (fd >= 0 && ctl->verbose)
			warnx("%s: SOCK_SEQPACKET through %s", what, path);
		return fd;
	}
	fd = vsockzc_hybrid_connect_seqpacket(ep->path, ep->port,
					      ctl->timeout_ms, &ep->hostport);
	if (fd == -EPROTOTYPE)
		errx(VC_EXIT_NOTSUPP, "%s: no SOCK_SEQPACKET endpoint: %s is "
		     "a SOCK_STREAM socket and there is no %s", what,
		     ep->path, path);
	return fd;
}

static int vsock_connect_once(struct ctl *ctl, struct ep *ep)
{
	struct timeval tv;
	int fd, e;

	fd = vsock_socket(ctl, ep->vm.svm_cid);
	if (ctl->timeout_ms >= 0) {
		/* the transport's own limit (2 s by default) must not cut it */
		tv.tv_sec = ctl->timeout_ms / 1000;
		tv.tv_usec = (ctl->timeout_ms % 1000) * 1000;
		(void)setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT,
				 &tv, sizeof(tv));
		set_blocking(fd, false);
	}
	e = connect_wait(ctl, fd, (struct sockaddr *)&ep->vm, sizeof(ep->vm));
	if (e) {
		close(fd);
		return -e;
	}
	if (ctl->timeout_ms >= 0)
		set_blocking(fd, true);
	return fd;
}

static int unix_connect_once(struct ctl *ctl, struct ep *ep)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { 0 };
	int fd, e = 0;

	fd = socket(AF_UNIX, (ctl->seqpacket ? SOCK_SEQPACKET : SOCK_STREAM) |
		    SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(EXIT_FAILURE, "socket");
	strcpy(sun.sun_path, ep->path);
	/* a UNIX connect() waits for room in the backlog, SO_SNDTIMEO long */
	if (ctl->timeout_ms >= 0) {
		tv.tv_sec = ctl->timeout_ms / 1000;
		tv.tv_usec = (ctl->timeout_ms % 1000) * 1000;
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		e = errno == EAGAIN ? ETIMEDOUT : errno;
	if (e) {
		close(fd);
		return -e;
	}
	if (ctl->timeout_ms >= 0) {
		tv.tv_sec = tv.tv_usec = 0;
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

static int tcp_connect_once(struct ctl *ctl, struct ep *ep)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	}, *res, *ai;
	int fd = -1, e = ECONNREFUSED, ret;

	ret = getaddrinfo(ep->host, ep->serv, &hints, &res);
	if (ret)
		errx(VC_EXIT_CONNECT, "%s: %s", ep->arg, ret == EAI_SYSTEM ?
		     strerror(errno) : gai_strerror(ret));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
			    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		e = connect_wait(ctl, fd, ai->ai_addr, ai->ai_addrlen);
		if (!e)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -e;
	set_blocking(fd, true);
	return fd;
}

/* One try at connecting @ep: a connected socket, or -errno. */
static int connect_once(struct ctl *ctl, struct ep *ep, const char *what)
{
	switch (ep->kind) {
	case EP_VSOCK:
		return vsock_connect_once(ctl, ep);
	case EP_HYBRID:
		return ctl->seqpacket ? hybrid_seqpacket(ctl, ep, what) :
		       vsockzc_hybrid_connect(ep->path, ep->port,
					      ctl->timeout_ms, &ep->hostport);
	case EP_UNIX:
		return unix_connect_once(ctl, ep);
	case EP_TCP:
		return tcp_connect_once(ctl, ep);
	default:
		return -EINVAL;
	}
}

/* Refused or reset: nobody listens yet, and --retry may try again. */
static bool retryable(const struct ep *ep, int e)
{
	if (e == ECONNREFUSED || e == ECONNRESET)
		return true;
	/* a UNIX socket appears when its server starts */
	return e == ENOENT && (ep->kind == EP_HYBRID || ep->kind == EP_UNIX);
}

/*
 * Connect to @ep; with --retry N or --retry-for SECS, try again while
 * the connection is refused, after 0.1 s, then twice as long each time
 * up to 1 s. Exits on failure.
 */
static int ep_connect(struct ctl *ctl, struct ep *ep)
{
	char what[sizeof(ep->path) + 64], secs[32];
	struct timespec ts;
	double start = now(), left;
	int fd, tries = 0, delay = 100;

	if (ep->kind == EP_VSOCK)
		snprintf(what, sizeof(what), "connect to %s", ep->arg);
	else
		snprintf(what, sizeof(what), "%s", ep->arg);
	for (;;) {
		fd = connect_once(ctl, ep, what);
		if (fd >= 0)
			return fd;
		if (!retryable(ep, -fd) ||
		    (ctl->retries < 0 && ctl->retry_ms < 0) ||
		    (ctl->retries >= 0 && tries >= ctl->retries))
			connect_failed(ctl, ep, -fd, what);
		if (ctl->retry_ms >= 0) {
			left = start + ctl->retry_ms / 1000.0 - now();
			if (left <= 0)
				connect_failed(ctl, ep, -fd, what);
			if (delay > left * 1000)
				delay = (int)(left * 1000) + 1;
		}
		tries++;
		if (ctl->verbose) {
			seconds_str(delay, secs, sizeof(secs));
			warnx("%s: %s; retrying in %s s", what,
			      strerror(-fd == ECONNRESET ? ECONNREFUSED : -fd),
			      secs);
		}
		ts.tv_sec = delay / 1000;
		ts.tv_nsec = (delay % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
	}
}

/* Is a server alive behind the UNIX socket @path? */
static bool unix_alive(const char *path, int type)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	bool alive;
	int fd;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return true;
	strcpy(sun.sun_path, path);
	alive = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
		errno != ECONNREFUSED;
	close(fd);
	return alive;
}

/*
 * unix:PATH, or unix:PATH:PORT's PATH_PORT: a stale socket left by a
 * server that is gone is replaced; one a live server has is refused.
 */
static int unix_listen(struct ctl *ctl, struct ep *ep)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int type = ctl->seqpacket ? SOCK_SEQPACKET : SOCK_STREAM;
	struct stat st;
	size_t i;
	int fd;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(EXIT_FAILURE, "socket");
	strcpy(sun.sun_path, ep->path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EADDRINUSE)
			err(EXIT_FAILURE, "bind %s", ep->path);
		if (lstat(ep->path, &st) == 0 && !S_ISSOCK(st.st_mode))
			errx(EXIT_FAILURE, "bind %s: %s exists and is not a "
			     "socket", ep->arg, ep->path);
		if (unix_alive(ep->path, type))
			errx(VC_EXIT_INUSE, "bind %s: %s is in use by a running "
			     "server", ep->arg, ep->path);
		if (unlink(ep->path) < 0 ||
		    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			err(EXIT_FAILURE, "bind %s", ep->path);
	}
	ep->owner = getpid();
	sockpath_remember(ep->path, &ep->id);
	for (i = 0; i < sizeof(unix_listeners) / sizeof(unix_listeners[0]); i++)
		if (!unix_listeners[i]) {
			unix_listeners[i] = ep;
			break;
		}
	return fd;
}

static int tcp_listen(struct ep *ep)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	}, *res, *ai;
	int fd = -1, e = EADDRNOTAVAIL, ret, one = 1, zero = 0;

	/* no HOST: every address, IPv6 and IPv4 on one socket */
	hints.ai_family = ep->host[0] ? AF_UNSPEC : AF_INET6;
	ret = getaddrinfo(ep->host[0] ? ep->host : NULL, ep->serv, &hints, &res);
	if (ret && !ep->host[0]) {
		hints.ai_family = AF_INET;
		ret = getaddrinfo(NULL, ep->serv, &hints, &res);
	}
	if (ret)
		errx(EXIT_FAILURE, "%s: %s", ep->arg, ret == EAI_SYSTEM ?
		     strerror(errno) : gai_strerror(ret));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6 && !ep->host[0])
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
					 sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	if (e == EADDRINUSE)
		errx(VC_EXIT_INUSE, "bind %s: port %s is in use", ep->arg,
		     ep->serv);
	errno = e;
	err(EXIT_FAILURE, "bind %s", ep->arg);
}

static int vsock_listen(struct ctl *ctl, struct ep *ep)
{
	char what[128];
	uint32_t cid = ep->vm.svm_cid, local;
	int fd;

	snprintf(what, sizeof(what), "bind %s", ep->arg);
	fd = vsock_socket(ctl, cid);
	if (bind(fd, (struct sockaddr *)&ep->vm, sizeof(ep->vm)) == 0)
		return fd;
	if (errno == EADDRINUSE)
		errx(VC_EXIT_INUSE, "%s: port %u is in use", what,
		     ep->vm.svm_port);
	/* a CID that names another machine (in a guest, the host's 2) */
	if (errno == EADDRNOTAVAIL && cid != VMADDR_CID_LOCAL &&
	    vsockzc_local_cid(&local) == 0 && local != cid)
		errx(EXIT_FAILURE, "%s: CID %u is not local (local CID %u)",
		     what, cid, local);
	if (errno == EADDRNOTAVAIL || errno == ENODEV)
		no_transport(cid, errno, what);
	err(EXIT_FAILURE, "%s", what);
}

/* "CID:PORT", "tcp:HOST:PORT" or "unix:PATH" of a local or peer name. */
static void sock_name(int fd, bool peer, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;
	int ret;

	ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &sl) :
		     getsockname(fd, (struct sockaddr *)&ss, &sl);
	snprintf(buf, len, "?");
	if (ret < 0)
		return;
	switch (ss.ss_family) {
	case AF_VSOCK:
		vsockzc_format_addr((struct sockaddr_vm *)&ss, buf, len, 0);
		break;
	case AF_INET:
	case AF_INET6:
		if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host),
				serv, sizeof(serv),
				NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			snprintf(buf, len, ss.ss_family == AF_INET6 ?
				 "tcp:[%s]:%s" : "tcp:%s:%s", host, serv);
		break;
	case AF_UNIX:
		if (sl > offsetof(struct sockaddr_un, sun_path) &&
		    sun->sun_path[0])
			snprintf(buf, len, "unix:%.*s",
				 (int)(sl - offsetof(struct sockaddr_un, sun_path)),
				 sun->sun_path);
		else
			snprintf(buf, len, "unix:(unnamed)");
		break;
	}
}

/*
 * Listen on @ep. The address goes to standard error with -v, and
 * always when the port was left to the kernel (port any, or 0).
 */
static void ep_listen(struct ctl *ctl, struct ep *ep)
{
	char name[sizeof(ep->path) + 64];
	bool any = false;
	int fd;

	switch (ep->kind) {
	case EP_VSOCK:
		fd = vsock_listen(ctl, ep);
		any = ep->vm.svm_port == VMADDR_PORT_ANY;
		break;
	case EP_HYBRID:
	case EP_UNIX:
		fd = unix_listen(ctl, ep);
		break;
	case EP_TCP:
		fd = tcp_listen(ep);
		any = strcmp(ep->serv, "0") == 0;
		break;
	default:
		errx(EXIT_FAILURE, "'%s': cannot listen here", ep->arg);
	}
	if (listen(fd, 128) < 0) {
		if (ctl->seqpacket && errno == EOPNOTSUPP)
			errx(VC_EXIT_NOTSUPP, "listen %s: SOCK_SEQPACKET is "
			     "not supported by this transport", ep->arg);
		err(EXIT_FAILURE, "listen %s", ep->arg);
	}
	ep->lfd = fd;
	if (!ctl->verbose && !any)
		return;
	if (ep->kind == EP_VSOCK) {
		struct sockaddr_vm sa;
		socklen_t sl = sizeof(sa);

		if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0 ||
		    vsockzc_format_addr(&sa, name, sizeof(name),
					VSOCKZC_FMT_NAMES) < 0)
			strcpy(name, "?");
	} else {
		sock_name(fd, false, name, sizeof(name));
	}
	if (ep->kind == EP_HYBRID)
		warnx("listening on %s (hybrid vsock: connections to host "
		      "port %u)", name, ep->port);
	else
		warnx("listening on %s", name);
}

/* Accept one connection on @ep; -1 when -w ran out. */
static int ep_accept(struct ctl *ctl, struct ep *ep)
{
	int fd, e;

	for (;;) {
		e = wait_timeout(ctl, ep->lfd, POLLIN);
		if (e == ETIMEDOUT)
			return -1;
		fd = accept4(ep->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
			err(EXIT_FAILURE, "accept");
	}
}

static void print_conn(struct ctl *ctl, struct ep *ep, int fd)
{
	char local[sizeof(ep->path) + 64], peer[sizeof(ep->path) + 64];
	const char *type = ctl->seqpacket ? "SOCK_SEQPACKET" : "SOCK_STREAM";

	if (ep->kind == EP_HYBRID && !ep->listen) {
		warnx("connected to %s (%s, host port %u)", ep->arg, type,
		      ep->hostport);
		return;
	}
	sock_name(fd, false, local, sizeof(local));
	sock_name(fd, true, peer, sizeof(peer));
	warnx("connected: %s <-> %s (%s)", local, peer, type);
}

static void print_endpoints(struct ctl *ctl, int fd)
{
	if (!ctl->verbose)
		return;
	print_conn(ctl, &ctl->a, fd);
	if (ctl->b.kind != EP_STDIO && ctl->b.kind != EP_EXEC)
		print_conn(ctl, &ctl->b, ctl->peer);
	if (!ctl->recv_only)
		warnx("send path: %s", path_names[ctl->send.path]);
	if (!ctl->send_only)
		warnx("receive path: %s", path_names[ctl->recv.path]);
	if (ctl->vsock_fd >= 0 && ctl->zc != ZC_OFF && !ctl->seqpacket)
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

	if (ctl->vsock_fd >= 0)
		ret = vsockzc_get_stats(ctl->vsock_fd, &st);
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
	} else if (ctl->vsock_fd < 0) {
		add_row(tb, "kernel zero-copy counters", "none: no vsock socket");
	} else {
		add_row(tb, "kernel zero-copy counters", "unavailable (%s)",
			vsockzc_is_unsupported(ret) ?
			"this kernel has no SO_VM_SOCKETS_ZC_STATS" :
			strerror(-ret));
	}
	scols_print_table(tb);
	scols_unref_table(tb);
}

static int dir_status(struct ctl *ctl, struct dir *d)
{
	const char *who = ctl->a.listen ? "connection" : "peer";

	switch (d->side) {
	case S_NONE:
		return EXIT_SUCCESS;
	case S_NOTSUPP:
		warnx("%s: %s: the zero-copy path is not supported: %s",
		      d->name, d->what, strerror(d->err));
		return VC_EXIT_NOTSUPP;
	case S_OUTPUT:
		if (d->err == EPIPE)
			warnx("%s: %s: %s (the reader went away)",
			      ctl->out_name, d->what, strerror(d->err));
		else
			warnx("%s: %s: %s", ctl->out_name, d->what,
			      strerror(d->err));
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
		warnx("%s: %s: %s", ctl->in_name, d->what, strerror(d->err));
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

/*
 * Move data both ways between @fd and the other end (standard input and
 * output, or ctl->peer) until done. Returns an exit code.
 */
static int run_connection(struct ctl *ctl, int fd)
{
	int in = ctl->peer >= 0 ? ctl->peer : STDIN_FILENO;
	int out = ctl->peer >= 0 ? ctl->peer : STDOUT_FILENO;
	double start = now(), active = start, t;
	unsigned long long seen = 0, cur;
	int live = 0, rc = EXIT_SUCCESS, ret, wait_ms;
	struct pollfd pfd;
	bool idle = false;
	char c, secs[32];

	ctl->sock = fd;
	if (ctl->a.kind == EP_VSOCK)
		ctl->vsock_fd = fd;
	else if (ctl->b.kind == EP_VSOCK)
		ctl->vsock_fd = ctl->peer;
	if (pipe2(ctl->stop, O_CLOEXEC) < 0 || pipe2(ctl->done, O_CLOEXEC) < 0)
		err(EXIT_FAILURE, "pipe");
	print_endpoints(ctl, fd);

	if (ctl->recv_only) {
		shutdown(fd, SHUT_WR);
	} else {
		start_dir(ctl, &ctl->send, in, fd);
		live++;
	}
	/* --send-only: nothing is read, and the end of sending is the end */
	if (!ctl->send_only) {
		start_dir(ctl, &ctl->recv, fd, out);
		live++;
	}

	pfd.fd = ctl->done[0];
	pfd.events = POLLIN;
	while (live) {
		wait_ms = ctl->progress ? 250 : -1;
		if (ctl->idle_ms >= 0) {
			t = ctl->idle_ms - (now() - active) * 1000;
			if (t < 0)
				t = 0;
			if (wait_ms < 0 || t < wait_ms)
				wait_ms = (int)t + 1;
		}
		ret = poll(&pfd, 1, wait_ms);
		if (ret < 0 && errno != EINTR)
			err(EXIT_FAILURE, "poll");
		if (ctl->progress)
			show_progress(ctl, start, false);
		if (ctl->idle_ms >= 0) {
			cur = atomic_load(&ctl->send.bytes) +
			      atomic_load(&ctl->recv.bytes);
			if (cur != seen) {
				seen = cur;
				active = now();
			} else if ((now() - active) * 1000 >= ctl->idle_ms) {
				idle = true;
				break;
			}
		}
		if (ret <= 0 || read(ctl->done[0], &c, 1) != 1)
			continue;
		live--;
		/* a failure on one side ends the connection */
		if (ctl->send.side != S_NONE || ctl->recv.side != S_NONE)
			break;
		/* a command on a pty has ended when its output has */
		if (ctl->peer_pty && atomic_load(&ctl->send.ended))
			break;
	}
	if (live) {
		shutdown(fd, SHUT_RDWR);
		if (ctl->peer >= 0)
			shutdown(ctl->peer, SHUT_RDWR);
		(void)!write(ctl->stop[1], "x", 1);
	}
	if (ctl->progress)
		show_progress(ctl, start, true);

	if (idle) {
		seconds_str(ctl->idle_ms, secs, sizeof(secs));
		warnx("no data for %s s: closing the connection", secs);
		rc = VC_EXIT_CONNECT;
	}
	/* Report the first failure; a clean end of both sides is 0. */
	if (!rc && ctl->send.running && ctl->send.side != S_NONE)
		rc = dir_status(ctl, &ctl->send);
	if (!rc && ctl->recv.running && ctl->recv.side != S_NONE)
		rc = dir_status(ctl, &ctl->recv);
	if (ctl->stats)
		print_stats(ctl, now() - start);
	/* Threads that are still running may be stuck on a write; each
	 * connection is served by a process of its own, whose exit ends
	 * them.
	 */
	if (live)
		return rc;
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

/* A command's wait status as an exit code: its own, or 128 + signal. */
static int child_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return EXIT_FAILURE;
}

static int wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			err(EXIT_FAILURE, "waitpid");
	return child_status(st);
}

/* In the child: run the command; 127 if it is not found, else 126. */
static void __attribute__((__noreturn__)) exec_child(struct ctl *ctl)
{
	int e;

	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execvp(ctl->cmd[0], ctl->cmd);
	e = errno;
	warn("exec %s", ctl->cmd[0]);
	_exit(e == ENOENT ? 127 : 126);
}

/* The child's end of a pty: its session, its controlling terminal. */
static void pty_child(const char *name)
{
	int fd;

	if (setsid() < 0)
		err(126, "setsid");
	fd = open(name, O_RDWR);
	if (fd < 0)
		err(126, "%s", name);
	(void)ioctl(fd, TIOCSCTTY, 0);
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0)
		err(126, "dup2");
	if (fd > STDERR_FILENO)
		close(fd);
}

/*
 * -e, -c: run the command for the connection @fd. Without --pty and
 * -i it gets the socket itself as standard input and output; with
 * --pty a terminal and with -i a socketpair, which vsock-cat relays.
 * Returns the command's exit code, or vsock-cat's when the connection
 * failed.
 */
static int run_exec(struct ctl *ctl, int fd)
{
	int sv[2] = { -1, -1 }, m = -1, rc, crc, st;
	const char *name = NULL;
	pid_t pid;

	if (ctl->pty) {
		m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (m < 0 && errno == ENOENT)
			errx(EXIT_FAILURE, "--pty: no /dev/ptmx: is devpts "
			     "mounted on /dev/pts?");
		if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 ||
		    !(name = ptsname(m)))
			err(EXIT_FAILURE, "--pty: pseudo-terminal");
	} else if (ctl->idle_ms >= 0 &&
		   socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err(EXIT_FAILURE, "socketpair");
	}
	if (ctl->verbose && m < 0 && sv[0] < 0)
		print_conn(ctl, &ctl->a, fd);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		err(EXIT_FAILURE, "fork");
	if (pid == 0) {
		if (name) {
			pty_child(name);
		} else {
			if (sv[1] >= 0)
				fd = sv[1];
			if (dup2(fd, STDIN_FILENO) < 0 ||
			    dup2(fd, STDOUT_FILENO) < 0)
				err(126, "dup2");
		}
		exec_child(ctl);
	}
	if (m < 0 && sv[0] < 0) {
		close(fd);
		return wait_child(pid);
	}
	if (sv[1] >= 0)
		close(sv[1]);
	ctl->peer = m >= 0 ? m : sv[0];
	ctl->peer_pty = m >= 0;
	choose_peer_paths(ctl);
	rc = run_connection(ctl, fd);
	/* a command still running after a failure or -i: hang up on it */
	if (waitpid(pid, &st, WNOHANG) == 0) {
		if (rc)
			kill(ctl->peer_pty ? -pid : pid, SIGHUP);
		crc = wait_child(pid);
	} else {
		crc = child_status(st);
	}
	return rc ? rc : crc;
}

/* Serve the connection @fd on the first address. Returns an exit code. */
static int serve(struct ctl *ctl, int fd)
{
	int bfd;

	if (ctl->b.kind == EP_EXEC)
		return run_exec(ctl, fd);
	if (ctl->b.kind == EP_STDIO)
		return run_connection(ctl, fd);	/* paths chosen in main() */
	if (ctl->b.listen) {
		bfd = ep_accept(ctl, &ctl->b);
		if (bfd < 0)
			errx(VC_EXIT_CONNECT, "%s: no connection in time",
			     ctl->b.arg);
	} else {
		bfd = ep_connect(ctl, &ctl->b);
	}
	ctl->peer = bfd;
	choose_peer_paths(ctl);
	return run_connection(ctl, fd);
}

/*
 * -k: a process for each connection, at most --max-conns at once
 * (--sequential: one). Standard input goes to the first connection
 * only. Ends when -w runs out, or when standard output fails.
 */
static int serve_forever(struct ctl *ctl)
{
	unsigned int live = 0, count = 0;
	char secs[32];
	bool stop = false;
	pid_t pid;
	int fd, st, rc;

	for (;;) {
		while (live && (pid = waitpid(-1, &st, live >= ctl->max_conns ?
					       0 : WNOHANG)) > 0) {
			live--;
			rc = child_status(st);
			if (ctl->verbose)
				warnx("connection %d ended: exit status %d",
				      (int)pid, rc);
			if (rc == VC_EXIT_OUTPUT && ctl->b.kind == EP_STDIO)
				stop = true;
		}
		if (stop)
			break;
		fd = ep_accept(ctl, &ctl->a);
		if (fd < 0) {
			seconds_str(ctl->timeout_ms, secs, sizeof(secs));
			errx(VC_EXIT_CONNECT, "no connection within %s s", secs);
		}
		fflush(stderr);
		pid = fork();
		if (pid < 0) {
			warn("fork");
			close(fd);
			continue;
		}
		if (pid == 0) {
			close(ctl->a.lfd);
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			if (count && ctl->b.kind == EP_STDIO)
				ctl->recv_only = 1;
			exit(serve(ctl, fd));
		}
		close(fd);
		live++;
		count++;
	}
	while (live && waitpid(-1, &st, 0) > 0)
		live--;
	return VC_EXIT_OUTPUT;
}

/* "[HOST:]PORT" of a tcp: address; TCP ports are at most 65535. */
static int parse_tcp(const char *s, struct ep *ep, bool listen)
{
	const char *colon = strrchr(s, ':'), *port = colon ? colon + 1 : s;
	size_t hlen = colon ? (size_t)(colon - s) : 0;
	unsigned long v;
	char *end;

	if (!colon && !listen)
		return -EINVAL;
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if ((!hlen && !listen) || hlen >= sizeof(ep->host) ||
	    !*port || strspn(port, "0123456789") != strlen(port))
		return -EINVAL;
	errno = 0;
	v = strtoul(port, &end, 10);
	if (errno || v > 65535)
		return -ERANGE;
	if (v == 0 && !listen)
		return -EINVAL;
	memcpy(ep->host, s, hlen);
	ep->host[hlen] = '\0';
	snprintf(ep->serv, sizeof(ep->serv), "%lu", v);
	ep->kind = EP_TCP;
	return 0;
}

/* Parse an address the user gave; exit with a message if it is bad. */
static void parse_ep(const char *s, bool listen, struct ep *ep)
{
	struct vsockzc_endpoint v;
	const char *p;
	int ret = 0;

	memset(ep, 0, sizeof(*ep));
	ep->arg = s;
	ep->lfd = -1;
	ep->listen = listen;
	if (strcmp(s, "-") == 0 || strcmp(s, "stdio") == 0) {
		ep->kind = EP_STDIO;
		ret = listen ? -EINVAL : 0;
	} else if (strncmp(s, "tcp-listen:", 11) == 0) {
		ep->listen = true;
		ep->kind = EP_TCP;
		ret = parse_tcp(s + 11, ep, true);
	} else if (strncmp(s, "tcp:", 4) == 0) {
		ep->kind = EP_TCP;
		ret = parse_tcp(s + 4, ep, listen);
	} else if (strncmp(s, "unix:", 5) == 0 && !strchr(s + 5, ':')) {
		p = s + 5;
		ep->kind = EP_UNIX;
		if (!*p)
			ret = -EINVAL;
		else if (strlen(p) >= sizeof(ep->path))
			ret = -ENAMETOOLONG;
		else
			strcpy(ep->path, p);
	} else if (strncmp(s, "unix:", 5) == 0) {
		ret = vsockzc_parse_endpoint(s, &v);
		ep->kind = EP_HYBRID;
		if (!ret) {
			ep->port = v.port;
			/* the daemon connects guests' connections to PATH_PORT */
			if (listen && (size_t)snprintf(ep->path, sizeof(ep->path),
						       "%s_%u", v.path, v.port) >=
			    sizeof(ep->path))
				ret = -ENAMETOOLONG;
			else if (!listen)
				strcpy(ep->path, v.path);
		}
	} else {
		ep->kind = EP_VSOCK;
		ret = listen ? vsockzc_parse_listen_addr(s, &ep->vm) :
			       vsockzc_parse_addr(s, &ep->vm);
	}
	if (ret == -ERANGE && ep->kind == EP_TCP)
		errx(EXIT_FAILURE, "'%s': number out of range (TCP ports are "
		     "at most 65535)", s);
	if (ret == -ERANGE)
		errx(EXIT_FAILURE, "'%s': number out of range (CIDs and ports "
		     "are at most 4294967295)", s);
	if (ret == -ENAMETOOLONG)
		errx(EXIT_FAILURE, "'%s': UNIX socket path too long", s);
	if (ret)
		errx(EXIT_FAILURE, "'%s': invalid address; expected %s", s,
		     listen ? "[CID:]PORT, unix:PATH, unix:PATH:PORT or "
		     "tcp:[HOST:]PORT" :
		     "CID:PORT, unix:PATH, unix:PATH:PORT, tcp:HOST:PORT, "
		     "tcp-listen:[HOST:]PORT or -");
	/* CID or port any (4294967295) names no peer: connect() would try it */
	if (ep->kind == EP_VSOCK && !listen && ep->vm.svm_cid == VMADDR_CID_ANY)
		errx(VC_EXIT_NOTSUPP, "'%s': cannot connect to CID any; give "
		     "the peer's CID (a number, host, local or hypervisor)", s);
	if (ep->kind == EP_VSOCK && !listen && ep->vm.svm_port == VMADDR_PORT_ANY)
		errx(VC_EXIT_NOTSUPP, "'%s': cannot connect to port any; give "
		     "the peer's port", s);
}

/* -e CMD: the words of CMD, split at blanks, no quoting. */
static char **split_cmd(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL, **argv;
	size_t n = 0;

	argv = calloc(strlen(s) / 2 + 2, sizeof(*argv));
	if (!copy || !argv)
		err(EXIT_FAILURE, "malloc");
	for (tok = strtok_r(copy, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save))
		argv[n++] = tok;
	if (!n)
		errx(EXIT_FAILURE, "--exec: empty command");
	return argv;
}

static char **sh_cmd(const char *s)
{
	char **argv = calloc(4, sizeof(*argv));

	if (!argv)
		err(EXIT_FAILURE, "malloc");
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)s;
	return argv;
}

/* A whole number for @opt, from @min up. */
static int parse_count(const char *s, const char *opt, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > INT_MAX)
		errx(EXIT_FAILURE, "invalid %s: '%s'", opt, s);
	return (int)v;
}

/*
 * Seconds for @what ("timeout": -w) in ms; 0 is no limit (-1), as
 * timeout(1). Any other value is at least 1 ms: never "at once".
 */
static int parse_seconds(const char *s, const char *what)
{
	char *end;
	double v;
	long ms;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < 0 || v > INT_MAX / 1000)
		errx(EXIT_FAILURE, "invalid %s: '%s'", what, s);
	if (v == 0)
		return -1;
	ms = lround(v * 1000);
	return ms < 1 ? 1 : (int)ms;
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
		OPT_PTY,
		OPT_SEQUENTIAL,
		OPT_MAX_CONNS,
		OPT_RETRY,
		OPT_RETRY_FOR,
	};
	static const struct option longopts[] = {
		{ "listen",	no_argument,		NULL, 'l' },
		{ "keep-open",	no_argument,		NULL, 'k' },
		{ "sequential",	no_argument,		NULL, OPT_SEQUENTIAL },
		{ "max-conns",	required_argument,	NULL, OPT_MAX_CONNS },
		{ "exec",	required_argument,	NULL, 'e' },
		{ "sh-exec",	required_argument,	NULL, 'c' },
		{ "pty",	no_argument,		NULL, OPT_PTY },
		{ "send-only",	no_argument,		NULL, OPT_SEND_ONLY },
		{ "recv-only",	no_argument,		NULL, OPT_RECV_ONLY },
		{ "seqpacket",	no_argument,		NULL, OPT_SEQPACKET },
		{ "timeout",	required_argument,	NULL, 'w' },
		{ "idle-timeout", required_argument,	NULL, 'i' },
		{ "retry",	required_argument,	NULL, OPT_RETRY },
		{ "retry-for",	required_argument,	NULL, OPT_RETRY_FOR },
		{ "probe",	no_argument,		NULL, 'z' },
		{ "zerocopy",	required_argument,	NULL, 'Z' },
		{ "stats",	no_argument,		NULL, OPT_STATS },
		{ "progress",	no_argument,		NULL, OPT_PROGRESS },
		{ "no-progress", no_argument,		NULL, OPT_NO_PROGRESS },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct ctl ctl = {	/* static: atexit() unlinks its sockets */
		.timeout_ms = -1,
		.idle_ms = -1,
		.retries = -1,
		.retry_ms = -1,
		.max_conns = 100,
		.peer = -1,
		.vsock_fd = -1,
		.in_name = "stdin",
		.out_name = "stdout",
		.send = { .name = "send" },
		.recv = { .name = "receive" },
	};
	struct sigaction sa = { .sa_handler = on_sigint };
	bool listen = false, max_conns = false;
	int c, fd, progress = -1;
	struct ep tmp;

	setlocale(LC_ALL, "");
	atexit(close_stdout);

	while ((c = getopt_long(argc, argv, "lke:c:w:i:zZ:vhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = true;
			break;
		case 'k':
			ctl.keep = 1;
			break;
		case OPT_SEQUENTIAL:
			ctl.sequential = 1;
			break;
		case OPT_MAX_CONNS:
			ctl.max_conns = (unsigned int)parse_count(optarg,
							"--max-conns", 1);
			max_conns = true;
			break;
		case 'e':
		case 'c':
			if (ctl.cmd)
				errx(EXIT_FAILURE, "give one --exec or --sh-exec");
			ctl.cmd = c == 'e' ? split_cmd(optarg) : sh_cmd(optarg);
			break;
		case OPT_PTY:
			ctl.pty = 1;
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
			ctl.timeout_ms = parse_seconds(optarg, "timeout");
			break;
		case 'i':
			ctl.idle_ms = parse_seconds(optarg, "idle timeout");
			break;
		case OPT_RETRY:
			ctl.retries = parse_count(optarg, "--retry", 0);
			break;
		case OPT_RETRY_FOR:
			ctl.retry_ms = parse_seconds(optarg, "--retry-for");
			break;
		case 'z':
			ctl.probe = 1;
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

	if (optind == argc)
		cli_usage_error("no address given");
	if (argc - optind > 2)
		cli_usage_error("too many arguments");
	if (ctl.send_only && ctl.recv_only)
		errx(EXIT_FAILURE, "--send-only and --recv-only are exclusive");
	if (ctl.cmd && argc - optind == 2)
		errx(EXIT_FAILURE, "--exec or --sh-exec takes the place of a "
		     "second address: give one of them");
	if (ctl.pty && !ctl.cmd)
		errx(EXIT_FAILURE, "--pty needs --exec or --sh-exec");
	if (ctl.pty && ctl.seqpacket)
		errx(EXIT_FAILURE, "--pty and --seqpacket are exclusive");

	parse_ep(argv[optind], listen, &ctl.a);
	if (argc - optind == 2) {
		parse_ep(argv[optind + 1], false, &ctl.b);
		/* "- ADDR" is "ADDR -" */
		if (ctl.a.kind == EP_STDIO) {
			tmp = ctl.a;
			ctl.a = ctl.b;
			ctl.b = tmp;
		}
		if (ctl.a.kind == EP_STDIO)
			errx(EXIT_FAILURE, "two standard inputs and outputs: "
			     "give an address");
		if (ctl.b.kind != EP_STDIO) {
			ctl.in_name = ctl.out_name = ctl.b.arg;
		}
	} else if (ctl.a.kind == EP_STDIO) {
		errx(EXIT_FAILURE, "'%s': give an address to connect or "
		     "listen on", ctl.a.arg);
	} else {
		ctl.b.kind = ctl.cmd ? EP_EXEC : EP_STDIO;
		ctl.b.arg = ctl.cmd ? ctl.cmd[0] : "-";
		ctl.b.lfd = -1;
		if (ctl.cmd) {
			ctl.in_name = ctl.out_name = ctl.cmd[0];
			ctl.peer_exec = 1;
		}
	}
	if (ctl.keep && !ctl.a.listen)
		errx(EXIT_FAILURE, "--keep-open needs --listen or tcp-listen:");
	if ((ctl.sequential || max_conns) && !ctl.keep)
		errx(EXIT_FAILURE, "--sequential and --max-conns go with "
		     "--keep-open");
	if (ctl.sequential)
		ctl.max_conns = 1;
	if (ctl.probe && (ctl.a.listen || ctl.b.kind != EP_STDIO))
		errx(EXIT_FAILURE, "--probe connects to one address and moves "
		     "no data: no --listen, second address or --exec");
	if (ctl.seqpacket && (ctl.a.kind == EP_TCP || ctl.b.kind == EP_TCP))
		errx(VC_EXIT_NOTSUPP, "--seqpacket: TCP has no SOCK_SEQPACKET");
	if (ctl.seqpacket && ((ctl.a.kind == EP_HYBRID && ctl.a.listen) ||
			      (ctl.b.kind == EP_HYBRID && ctl.b.listen)))
		errx(VC_EXIT_NOTSUPP, "--seqpacket: no SOCK_SEQPACKET for a "
		     "hybrid vsock listener");

	ctl.progress = progress < 0 ? progress_default() && !ctl.keep &&
				      ctl.b.kind == EP_STDIO : progress;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	atexit(unlink_listeners);

	if (ctl.verbose && (ctl.a.kind == EP_VSOCK || ctl.b.kind == EP_VSOCK))
		print_local_cid();
	if (ctl.b.kind == EP_STDIO)
		choose_paths(&ctl);	/* refuses --zerocopy=on early */

	if (ctl.b.listen)
		ep_listen(&ctl, &ctl.b);
	if (!ctl.a.listen) {
		fd = ep_connect(&ctl, &ctl.a);
		if (ctl.probe) {
			if (ctl.verbose)
				print_conn(&ctl, &ctl.a, fd);
			close(fd);
			return EXIT_SUCCESS;
		}
		return serve(&ctl, fd);
	}

	ep_listen(&ctl, &ctl.a);
	if (ctl.keep)
		return serve_forever(&ctl);
	fd = ep_accept(&ctl, &ctl.a);
	if (fd < 0) {
		char secs[32];

		seconds_str(ctl.timeout_ms, secs, sizeof(secs));
		errx(VC_EXIT_CONNECT, "no connection within %s s", secs);
	}
	close(ctl.a.lfd);
	return serve(&ctl, fd);
}
