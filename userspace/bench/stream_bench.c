// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsockzc-stream-bench: one stream transfer with read()/write() of a
 * given buffer size, the same tool on every side of make bench-vhost:
 * in the guest over AF_VSOCK, and on the host over the UNIX sockets of
 * vsock-zc-vhostd (hybrid vsock).
 *
 *   vsockzc-stream-bench send ADDRESS [-b SIZE] [-n BYTES] [-p USEC] [-c COUNT]
 *   vsockzc-stream-bench recv ADDRESS [-b SIZE] [-z] [-B SIZE] [-q BYTES]
 *                              [-w FILE]
 *
 * ADDRESS: vsock:CID:PORT or unix:PATH (connect), vsock-listen:PORT or
 * unix-listen:PATH (accept one connection), hybrid:PATH:PORT (connect to
 * a hybrid vsock socket and ask for guest PORT with "CONNECT PORT\n").
 *
 * The sender writes BYTES, shuts down its side and waits for the peer to
 * close; the receiver reads to end of file and closes. Each prints one
 * line: "bytes N seconds S cpu_ms C" (wall clock from the connection to
 * the end; user + system CPU of the whole process). -c makes the sender
 * open COUNT connections one after another, each sending BYTES and
 * waiting for the peer's close (a server's cost per connection, with no
 * process start-up in it); its line then ends with "conns COUNT".
 *
 * For measuring what queued packets cost (make bench-vhost): -p pauses
 * after every write, so that each write goes out as a packet of its
 * own, and prints "sent BYTES" once the last write is done, before it
 * waits for the peer; -z opts a
 * vsock-listen socket in to mapped receive (SO_VM_SOCKETS_ZEROCOPY,
 * data is still read with read()); -B sets its receive buffer
 * (SO_VM_SOCKETS_BUFFER_SIZE); -q waits until BYTES are queued (by
 * MSG_PEEK, with a buffer it frees again) and prints "queued BYTES";
 * -w holds the received data in the socket until FILE exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "vsockzc.h"

static const char *prog = "vsockzc-stream-bench";
static int map_rx;	/* -z */
static unsigned long long rcvbuf;	/* -B */

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: %s send ADDRESS [-b SIZE] [-n BYTES] [-p USEC] [-c COUNT]\n"
		"       %s recv ADDRESS [-b SIZE] [-z] [-B SIZE] [-q BYTES] [-w FILE]\n"
		"ADDRESS: vsock:CID:PORT, vsock-listen:PORT, unix:PATH,\n"
		"         unix-listen:PATH, hybrid:PATH:PORT\n"
		"SIZE and BYTES take a K, M or G suffix.\n", prog, prog);
	exit(2);
}

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		usage();
	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; end++; break;
	}
	if (*end || !v)
		usage();
	return v;
}

/* Wait until @want bytes are queued on @fd, then say so. */
static void wait_queued(int fd, unsigned long long want)
{
	char *peek = malloc(want);
	ssize_t n;

	if (!peek)
		die("malloc");
	for (;;) {
		n = recv(fd, peek, want, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			die("recv(MSG_PEEK)");
		if (n >= 0 && (unsigned long long)n >= want)
			break;
		usleep(20000);
	}
	free(peek);
	printf("queued %llu\n", want);
	fflush(stdout);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

/* "CONNECT PORT\n", then the "OK ...\n" line, a byte at a time. */
static void hybrid_connect(int fd, const char *port)
{
	char line[64];
	size_t n = 0;
	int len = snprintf(line, sizeof(line), "CONNECT %s\n", port);

	if (write(fd, line, len) != len)
		die("hybrid CONNECT");
	while (n < sizeof(line) - 1 && read(fd, line + n, 1) == 1)
		if (line[n++] == '\n')
			break;
	if (n < 3 || memcmp(line, "OK ", 3) || line[n - 1] != '\n') {
		errno = ECONNREFUSED;
		die("hybrid CONNECT");
	}
}

static int open_addr(char *addr)
{
	struct sockaddr_un su;
	struct sockaddr_vm sv = { .svm_family = AF_VSOCK };
	char *colon;
	int fd, lfd;

	if (!strncmp(addr, "vsock:", 6)) {
		sv.svm_cid = strtoul(addr + 6, &colon, 10);
		if (*colon != ':')
			usage();
		sv.svm_port = strtoul(colon + 1, NULL, 10);
		fd = socket(AF_VSOCK, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sv, sizeof(sv)))
			die(addr);
		return fd;
	}
	if (!strncmp(addr, "vsock-listen:", 13)) {
		sv.svm_cid = VMADDR_CID_ANY;
		sv.svm_port = strtoul(addr + 13, NULL, 10);
		lfd = socket(AF_VSOCK, SOCK_STREAM, 0);
		if (lfd >= 0 && map_rx) {
			int ret = vsockzc_enable_map_rx(lfd);

			if (ret < 0) {
				errno = -ret;
				die("SO_VM_SOCKETS_ZEROCOPY");
			}
		}
		if (lfd >= 0 && rcvbuf &&
		    (setsockopt(lfd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE,
				&rcvbuf, sizeof(rcvbuf)) ||
		     setsockopt(lfd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE,
				&rcvbuf, sizeof(rcvbuf))))
			die("SO_VM_SOCKETS_BUFFER_SIZE");
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sv, sizeof(sv)) ||
		    listen(lfd, 1))
			die(addr);
	} else if (!strncmp(addr, "unix-listen:", 12)) {
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (lfd < 0 || unix_addr(&su, addr + 12))
			die(addr);
		unlink(su.sun_path);
		if (bind(lfd, (struct sockaddr *)&su, sizeof(su)) ||
		    listen(lfd, 1))
			die(addr);
	} else if (!strncmp(addr, "unix:", 5) || !strncmp(addr, "hybrid:", 7)) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		colon = addr[0] == 'h' ? strrchr(addr, ':') : NULL;
		if (colon == addr + 6)
			usage();
		if (colon)
			*colon = 0;
		if (fd < 0 || unix_addr(&su, strchr(addr, ':') + 1) ||
		    connect(fd, (struct sockaddr *)&su, sizeof(su)))
			die(addr);
		if (colon)
			hybrid_connect(fd, colon + 1);
		return fd;
	} else {
		usage();
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(lfd);
	return fd;
}

/*
 * Write @bytes in writes of at most @size, pausing @pause_us after each,
 * shut down and wait for the peer to read all and close. Returns @bytes.
 */
static unsigned long long send_stream(int fd, char *buf, size_t size,
				      unsigned long long bytes,
				      unsigned long long pause_us)
{
	unsigned long long done = 0;
	ssize_t r;

	while (done < bytes) {
		size_t n = bytes - done < size ? bytes - done : size;

		r = write(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("write");
		done += r;
		if (pause_us)
			usleep(pause_us);
	}
	shutdown(fd, SHUT_WR);
	if (pause_us) {	/* paced: say so before the peer is done */
		printf("sent %llu\n", done);
		fflush(stdout);
	}
	while ((r = read(fd, buf, size)) > 0 || (r < 0 && errno == EINTR))
		;
	return done;
}

int main(int argc, char **argv)
{
	unsigned long long size = 65536, bytes = 64ull << 20, done = 0;
	unsigned long long pause_us = 0, queued = 0, conns = 1, c;
	const char *hold = NULL;
	struct rusage ru;
	double t0, t1;
	int send_mode, fd = -1, opt;
	char *buf;
	ssize_t r;

	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "send"))
		send_mode = 1;
	else if (!strcmp(argv[1], "recv"))
		send_mode = 0;
	else
		usage();
	optind = 3;
	while ((opt = getopt(argc, argv, "b:n:p:zw:B:q:c:")) != -1) {
		switch (opt) {
		case 'b': size = parse_size(optarg); break;
		case 'n': bytes = parse_size(optarg); break;
		case 'p': pause_us = parse_size(optarg); break;
		case 'z': map_rx = 1; break;
		case 'w': hold = optarg; break;
		case 'B': rcvbuf = parse_size(optarg); break;
		case 'q': queued = parse_size(optarg); break;
		case 'c': conns = parse_size(optarg); break;
		default: usage();
		}
	}
	if (optind != argc ||
	    (send_mode && (map_rx || hold || rcvbuf || queued)) ||
	    (!send_mode && (pause_us || conns != 1)))
		usage();
	buf = malloc(size);
	if (!buf)
		die("malloc");
	memset(buf, 0x5a, size);
	if (send_mode) {
		t0 = now();
		for (c = 0; c < conns; c++) {
			char *addr = strdup(argv[2]);	/* open_addr() cuts it */

			if (!addr)
				die("strdup");
			fd = open_addr(addr);
			free(addr);
			if (conns == 1)	/* one stream: timed from its connection */
				t0 = now();
			done += send_stream(fd, buf, size, bytes, pause_us);
			if (c + 1 < conns)
				close(fd);
		}
	} else {
		fd = open_addr(argv[2]);
		t0 = now();
		if (queued)
			wait_queued(fd, queued);
		while (hold && access(hold, F_OK) != 0)
			usleep(10000);
		while ((r = read(fd, buf, size)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die("read");
			done += r;
		}
	}
	t1 = now();
	close(fd);
	getrusage(RUSAGE_SELF, &ru);
	printf("bytes %llu seconds %.3f cpu_ms %.0f", done, t1 - t0,
	       (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
	if (conns > 1)
		printf(" conns %llu", conns);
	putchar('\n');
	return 0;
}
