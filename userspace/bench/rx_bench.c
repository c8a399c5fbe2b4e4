// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsockzc-rx-bench: the receive benchmark of the 2022 RFC "virtio/vsock:
 * experimental zerocopy receive" (its rx_zerocopy utility). The server
 * sends N MB from a tx buffer; the client receives them with read(),
 * with the mmap receive ring (--zerocopy) or with splice(2) (--splice),
 * checks count and checksum (or, with --no-check, counts the bytes
 * without reading them, as the RFC's client did), and prints one line
 * of figures.
 *
 * The stream starts with a 32-byte header: magic, payload bytes, and the
 * payload's checksum (rx_sum.h), all little-endian.
 */
#include <endian.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vsockzc.h"
#include "../common/cli.h"
#include "rx_sum.h"

#define EXIT_NOTSUPP	2	/* the kernel lacks the receive path */
#define MB		1000000ULL	/* the RFC's megabyte */
#define MAX_PAGES	65536
#define HDR_MAGIC	"VZCRXB1\n"

/* err() for libvsockzc's -errno returns */
#define fail_errno(e, ...) \
	do { errno = (e); err(EXIT_FAILURE, __VA_ARGS__); } while (0)

struct wire_hdr {
	char magic[8];
	uint64_t total, a, b;	/* little-endian */
};

enum rx_mode { RX_READ, RX_MAP, RX_SPLICE };
static const char *const mode_names[] = { "read", "mapped", "splice" };

struct ctl {
	bool server;
	enum rx_mode rx;
	bool check;		/* checksum the payload in user space */
	bool split_cpu;		/* time fills and releases */
	bool madvise;		/* madvise() each fill's pages back */
	bool tx_splice;		/* server: splice the tx buffer from a memfd */
	uint32_t cid, port;
	const char *unix_path;	/* server: listen here, not on a vsock port */
	unsigned long long mb, tx_pages, rx_pages, loop;
	size_t page;
};

/* What the client got so far. */
struct rx_state {
	struct wire_hdr hdr;
	size_t hdr_got;
	uint64_t bytes;		/* payload bytes, without the header */
	uint64_t calls;		/* receive calls: read, fill or splice */
	bool check;
	bool split_cpu;		/* --split-cpu: time fills and releases */
	double fill_cpu, release_cpu;
	struct rx_sum sum;
};

static void __attribute__((__noreturn__)) usage(void)
{
	const char *p = program_invocation_short_name;

	printf("\nUsage:\n"
	       " %s --mode server [--port P|--unix PATH] [--mb N] [--tx PAGES] [--loop K]\n"
	       "        [--tx-splice]\n"
	       " %s --mode client [--cid C] [--port P] [--rx PAGES] [--zerocopy|--splice]\n"
	       "        [--no-check]\n",
	       p, p);
	fputs("\nThe receive benchmark of the vsock zerocopy receive RFC. The server\n"
	      "sends N MB (10^6 bytes) to each client; the client receives them,\n"
	      "checks the byte count and a checksum, and prints one line:\n"
	      "mode=, rx_pages=, bytes=, secs= (from connect() to the end of the\n"
	      "stream), MBps=, and the socket's rx_mapped=, rx_spliced= and\n"
	      "rx_copied= byte counters (n/a without them), sum= (ok, or n/a\n"
	      "with --no-check or --splice), cpu= (the client's user and system\n"
	      "seconds) and calls= (read()s, mapping fills or splices).\n", stdout);
	fputs("\nOptions:\n"
	      " -m, --mode <mode>    server or client (required)\n"
	      " -p, --port <port>    vsock port (default 5001)\n"
	      " -u, --unix <path>    server: listen on this UNIX socket instead (the\n"
	      "                      guest end behind a vhost-vsock-sim or\n"
	      "                      vsock-zc-vhostd path)\n"
	      "     --mb <N>         server: megabytes to send (default 4000)\n"
	      "     --tx <pages>     server: write() buffer in pages (default 8)\n"
	      "     --loop <K>       server: serve K clients, one after another (default 1)\n"
	      "     --tx-splice      server: splice the buffer from a memfd instead of\n"
	      "                      write(); its pages go by reference on a kernel\n"
	      "                      with the series, so a mapped client maps them\n"
	      " -c, --cid <cid>      client: server's CID, a number or local, host,\n"
	      "                      hypervisor (default 1, loopback)\n"
	      "     --rx <pages>     client: read() buffer or mapped data pages (default 8)\n"
	      " -z, --zerocopy       client: mmap receive (SO_VM_SOCKETS_MAP_RX)\n"
	      " -s, --splice         client: splice(2) into a pipe, then to /dev/null;\n"
	      "                      checks the byte count only\n"
	      " -n, --no-check       client: count the bytes without reading them,\n"
	      "                      as the RFC's client did (mapped: walk page 0)\n"
	      "     --split-cpu      mapped client: also print fill_cpu= and\n"
	      "                      release_cpu=, the thread's CPU seconds in\n"
	      "                      SO_VM_SOCKETS_MAP_RX and in madvise(), on a\n"
	      "                      second line (costs two clock reads a call)\n"
	      "     --madvise        mapped client: give each fill's pages back with\n"
	      "                      madvise(), not with VSOCK_MAP_RX_F_RELEASE\n"
	      "\n"
	      " -h, --help           display this help\n"
	      " -V, --version        display version\n", stdout);
	fputs("\nExit status: 0 on success, 1 on failure, 2 when the kernel does not\n"
	      "support the receive path asked for.\n", stdout);
	exit(EXIT_SUCCESS);
}

/* A failed write to stdout (e.g. --help > /dev/full) is a failure. */
static void check_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		warn("write error");
		_exit(EXIT_FAILURE);
	}
}

static unsigned long long parse_num(const char *s, const char *opt,
				    unsigned long long min,
				    unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || *end || errno || v < min || v > max)
		errx(EXIT_FAILURE, "invalid %s value: '%s' (%llu to %llu)",
		     opt, s, min, max);
	return v;
}

/* Option @name's value, 1 to @max, into @v; note whose option it is. */
static void set_num(unsigned long long *v, const char **owner,
		    const char *name, unsigned long long max)
{
	*v = parse_num(optarg, name, 1, max);
	*owner = name;
}

/* CPU seconds, user and system, this process used so far. */
static double cpu_secs(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		err(EXIT_FAILURE, "getrusage");
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void __attribute__((__noreturn__)) no_map_rx(int e, const char *what)
{
	errx(EXIT_NOTSUPP, "mapped receive not supported by this kernel "
	     "(%s: %s)", what, strerror(e));
}

static int vsock_socket(void)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 && errno == EAFNOSUPPORT)
		errx(EXIT_FAILURE, "AF_VSOCK is not available: load the vsock "
		     "module and a transport");
	if (fd < 0)
		err(EXIT_FAILURE, "socket");
	return fd;
}

/* A UNIX stream socket bound to PATH; a stale socket file is replaced. */
static int unix_listener(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		errx(EXIT_FAILURE, "UNIX socket path too long: '%s'", path);
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			errx(EXIT_FAILURE, "%s exists and is not a socket", path);
		if (unlink(path) < 0)
			err(EXIT_FAILURE, "unlink %s", path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(EXIT_FAILURE, "socket");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		err(EXIT_FAILURE, "bind to %s", path);
	return fd;
}

/* One write() per buffer: a blocking vsock socket sends all or fails. */
static void send_buf(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		err(EXIT_FAILURE, "send to client");
	if ((size_t)n != len)
		errx(EXIT_FAILURE, "send to client: %zd of %zu bytes written",
		     n, len);
}

/*
 * Send @n bytes of the memfd @mfd (from its start) through @p: its
 * page-cache pages, which the vsock-zc series sends by reference.
 */
static void send_spliced(int fd, int mfd, struct vsockzc_pipe *p, size_t n)
{
	size_t done = 0;
	ssize_t m;

	if (lseek(mfd, 0, SEEK_SET) < 0)
		err(EXIT_FAILURE, "lseek");
	while (done < n) {
		m = vsockzc_splice_via_pipe(mfd, fd, p, n - done, 0);
		if (m < 0)
			fail_errno((int)-m, "splice to client");
		if (m == 0)
			errx(EXIT_FAILURE, "splice to client: the memfd ended");
		done += (size_t)m;
	}
}

static int run_server(const struct ctl *c)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = c->port,
	};
	size_t len = c->tx_pages * c->page;
	uint64_t total = c->mb * MB, left, n;
	struct wire_hdr hdr;
	struct rx_sum sum;
	struct vsockzc_pipe pipe = { { -1, -1 }, 0 };
	unsigned long long i;
	int lfd, fd, mfd = -1;
	void *buf;
	int ret;

	if (posix_memalign(&buf, c->page, len))
		errx(EXIT_FAILURE, "cannot allocate %zu bytes", len);
	rx_pattern_fill(buf, len);
	if (c->tx_splice) {
		mfd = memfd_create("vsockzc-rx-bench", MFD_CLOEXEC);
		if (mfd < 0)
			err(EXIT_FAILURE, "memfd_create");
		if (write(mfd, buf, len) != (ssize_t)len)
			err(EXIT_FAILURE, "write to memfd");
		ret = vsockzc_pipe_open(&pipe, len);
		if (ret < 0)
			fail_errno(-ret, "pipe");
	}
	rx_sum_stream(&sum, buf, len, total);
	memcpy(hdr.magic, HDR_MAGIC, sizeof(hdr.magic));
	hdr.total = htole64(total);
	hdr.a = htole64(sum.a);
	hdr.b = htole64(sum.b);

	lfd = c->unix_path ? unix_listener(c->unix_path) : vsock_socket();
	if (!c->unix_path &&
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno == EADDRINUSE)
			errx(EXIT_FAILURE, "port %" PRIu32 " is in use", c->port);
		err(EXIT_FAILURE, "bind to port %" PRIu32, c->port);
	}
	if (listen(lfd, 1) < 0)
		err(EXIT_FAILURE, "listen");

	for (i = 0; i < c->loop; i++) {
		do {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		} while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
		if (fd < 0)
			err(EXIT_FAILURE, "accept");
		send_buf(fd, &hdr, sizeof(hdr));
		/* the tx buffer again and again, as the RFC's server does */
		for (left = total; left; left -= n) {
			n = left < len ? left : len;
			if (c->tx_splice)
				send_spliced(fd, mfd, &pipe, (size_t)n);
			else
				send_buf(fd, buf, (size_t)n);
		}
		if (close(fd) < 0)
			err(EXIT_FAILURE, "close");
	}
	close(lfd);
	if (c->tx_splice) {
		vsockzc_pipe_close(&pipe);
		close(mfd);
	}
	free(buf);
	return EXIT_SUCCESS;
}

/* Take the header from the stream's first bytes. Returns bytes used. */
static size_t take_hdr(struct rx_state *st, const void *p, size_t len)
{
	size_t k = sizeof(st->hdr) - st->hdr_got;

	if (k > len)
		k = len;
	memcpy((char *)&st->hdr + st->hdr_got, p, k);
	st->hdr_got += k;
	if (st->hdr_got == sizeof(st->hdr) &&
	    memcmp(st->hdr.magic, HDR_MAGIC, sizeof(st->hdr.magic)) != 0)
		errx(EXIT_FAILURE, "the peer is not a vsockzc-rx-bench server");
	return k;
}

/* Payload seen by user space: header first, then count and checksum. */
static void consume(struct rx_state *st, const void *p, size_t len)
{
	size_t k = 0;

	if (st->hdr_got < sizeof(st->hdr))
		k = take_hdr(st, p, len);
	st->bytes += len - k;
	if (st->check)
		rx_sum_update(&st->sum, (const char *)p + k, len - k);
}

static void *xmalloc(size_t len)
{
	void *p = malloc(len);

	if (!p)
		errx(EXIT_FAILURE, "cannot allocate %zu bytes", len);
	return p;
}

/* One read() into @buf, consumed. Returns 0 at end of stream. */
static size_t read_once(int fd, char *buf, size_t len, struct rx_state *st)
{
	ssize_t n;

	do {
		n = read(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		err(EXIT_FAILURE, "read");
	st->calls++;
	consume(st, buf, (size_t)n);
	return (size_t)n;
}

static void recv_read(int fd, size_t len, struct rx_state *st)
{
	char *buf = xmalloc(len);

	while (read_once(fd, buf, len, st))
		;
	free(buf);
}

static double thread_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		err(EXIT_FAILURE, "clock_gettime");
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The RFC's loop: fill the mapping, walk page 0's headers, release. */
static void recv_map(int fd, size_t pages, size_t page, bool madvise_each,
		     struct rx_state *st)
{
	struct vsockzc_ring r;
	struct vsockzc_ring_iter it;
	struct vsockzc_pkt pkt;
	char *copy = NULL;
	uint64_t walked;
	ssize_t n;
	int ret;

	ret = vsockzc_ring_map(&r, fd, (pages + 1) * page);
	if (ret < 0 && vsockzc_is_unsupported(ret))
		no_map_rx(-ret, "mmap");
	if (ret < 0)
		fail_errno(-ret, "mmap of the socket");
	if (madvise_each)
		r.map_flags &= ~VSOCK_MAP_RX_F_RELEASE;
	for (;;) {
		double t = st->split_cpu ? thread_cpu() : 0;

		n = vsockzc_ring_fill(&r, fd);
		if (st->split_cpu)
			st->fill_cpu += thread_cpu() - t;
		if (n == 0)
			break;
		if (n == -EAGAIN) {
			/* data the kernel would not map: read it by copy */
			if (!copy)
				copy = xmalloc(pages * page);
			read_once(fd, copy, pages * page, st);
			continue;
		}
		if (n < 0 && vsockzc_is_unsupported((int)n))
			no_map_rx((int)-n, "SO_VM_SOCKETS_MAP_RX");
		if (n < 0)
			fail_errno((int)-n, "SO_VM_SOCKETS_MAP_RX");
		st->calls++;
		vsockzc_ring_iter_init(&it, r.map, r.filled, r.page_size);
		walked = 0;
		while ((ret = vsockzc_ring_next(&it, &pkt)) == 1) {
			consume(st, pkt.data, pkt.len);
			walked += pkt.len;
		}
		if (ret < 0)
			fail_errno(-ret, "bad receive mapping");
		if (walked != (uint64_t)n)
			errx(EXIT_FAILURE, "page 0 lists %" PRIu64 " bytes, the "
			     "kernel mapped %zd", walked, n);
		if (madvise_each) {
			/* as before VSOCK_MAP_RX_F_RELEASE */
			t = st->split_cpu ? thread_cpu() : 0;
			ret = vsockzc_ring_release(&r);
			if (st->split_cpu)
				st->release_cpu += thread_cpu() - t;
			if (ret < 0)
				fail_errno(-ret, "madvise(MADV_DONTNEED)");
		}
	}
	vsockzc_ring_unmap(&r);
	free(copy);
}

/* Socket to pipe to /dev/null; only the header is read from the pipe. */
static void recv_splice(int fd, size_t len, struct rx_state *st)
{
	struct vsockzc_pipe p;
	char hdr[sizeof(st->hdr)];
	ssize_t n, m;
	int null, ret;

	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0)
		err(EXIT_FAILURE, "/dev/null");
	ret = vsockzc_pipe_open(&p, len);
	if (ret < 0)
		fail_errno(-ret, "pipe");
	if (len > p.size)
		len = p.size;
	while ((n = vsockzc_splice_direct(fd, p.fd[1], len, 0)) != 0) {
		if (n < 0)
			fail_errno((int)-n, "splice from the socket");
		st->calls++;
		while (n && st->hdr_got < sizeof(st->hdr)) {
			m = read(p.fd[0], hdr, sizeof(hdr) - st->hdr_got);
			if (m <= 0)
				err(EXIT_FAILURE, "read from the pipe");
			take_hdr(st, hdr, (size_t)m);
			n -= m;
		}
		st->bytes += (uint64_t)n;
		for (; n; n -= m) {
			m = vsockzc_splice_direct(p.fd[0], null, (size_t)n, 0);
			if (m <= 0)
				fail_errno(m ? (int)-m : EIO,
					   "splice to /dev/null");
		}
	}
	vsockzc_pipe_close(&p);
	close(null);
}

/* A counter of the socket, or "n/a" (into @buf). */
static const char *counter(char *buf, size_t len, int ok, uint64_t v)
{
	if (!ok)
		return "n/a";
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static int run_client(const struct ctl *c)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = c->cid,
		.svm_port = c->port,
	};
	size_t len = c->rx_pages * c->page;
	char m[24], s[24], k[24];
	struct vsock_zc_stats zs;
	struct rx_state st;
	double t0, secs, cpu0, cpu;
	int fd, ret, have;

	memset(&st, 0, sizeof(st));
	rx_sum_init(&st.sum);
	st.check = c->check && c->rx != RX_SPLICE;
	st.split_cpu = c->split_cpu && c->rx == RX_MAP;
	fd = vsock_socket();
	/* the RFC: opt in before connect() */
	if (c->rx == RX_MAP && (ret = vsockzc_enable_map_rx(fd)) < 0) {
		if (vsockzc_is_unsupported(ret))
			no_map_rx(-ret, "SO_VM_SOCKETS_ZEROCOPY");
		fail_errno(-ret, "SO_VM_SOCKETS_ZEROCOPY");
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno == ECONNRESET)	/* no listener answers with a reset */
			errno = ECONNREFUSED;
		err(EXIT_FAILURE, "connect to %" PRIu32 ":%" PRIu32 " (%s)",
		    c->cid, c->port, vsockzc_transport_hint(c->cid));
	}

	cpu0 = cpu_secs();
	t0 = now();
	if (c->rx == RX_READ)
		recv_read(fd, len, &st);
	else if (c->rx == RX_MAP)
		recv_map(fd, c->rx_pages, c->page, c->madvise, &st);
	else
		recv_splice(fd, len, &st);
	secs = now() - t0;
	cpu = cpu_secs() - cpu0;

	ret = vsockzc_get_stats(fd, &zs);
	if (ret < 0 && !vsockzc_is_unsupported(ret))
		fail_errno(-ret, "SO_VM_SOCKETS_ZC_STATS");
	have = ret == 0;
	close(fd);

	if (st.hdr_got < sizeof(st.hdr))
		errx(EXIT_FAILURE, "connection closed after %zu of the header's "
		     "%zu bytes", st.hdr_got, sizeof(st.hdr));
	if (st.bytes != le64toh(st.hdr.total))
		errx(EXIT_FAILURE, "received %" PRIu64 " bytes, the server sent "
		     "%" PRIu64, st.bytes, le64toh(st.hdr.total));
	rx_sum_final(&st.sum);
	if (st.check && (st.sum.a != le64toh(st.hdr.a) ||
			 st.sum.b != le64toh(st.hdr.b)))
		errx(EXIT_FAILURE, "checksum mismatch: the data is corrupted");

	printf("mode=%s rx_pages=%llu bytes=%" PRIu64 " secs=%.3f MBps=%.1f "
	       "rx_mapped=%s rx_spliced=%s rx_copied=%s sum=%s cpu=%.3f "
	       "calls=%" PRIu64 "\n",
	       mode_names[c->rx], c->rx_pages, st.bytes, secs,
	       secs > 0 ? st.bytes / secs / MB : 0.0,
	       counter(m, sizeof(m), have, zs.rx_mapped_bytes),
	       counter(s, sizeof(s), have, zs.rx_spliced_bytes),
	       counter(k, sizeof(k), have, zs.rx_copied_bytes),
	       st.check ? "ok" : "n/a", cpu, st.calls);
	if (st.split_cpu)
		printf("fill_cpu=%.3f release_cpu=%.3f\n", st.fill_cpu,
		       st.release_cpu);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	enum { OPT_MB = CHAR_MAX + 1, OPT_TX, OPT_RX, OPT_LOOP, OPT_SPLIT_CPU,
	       OPT_MADVISE, OPT_TX_SPLICE };
	static const struct option longopts[] = {
		{ "mode",	required_argument,	NULL, 'm' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "unix",	required_argument,	NULL, 'u' },
		{ "mb",		required_argument,	NULL, OPT_MB },
		{ "tx",		required_argument,	NULL, OPT_TX },
		{ "loop",	required_argument,	NULL, OPT_LOOP },
		{ "tx-splice",	no_argument,		NULL, OPT_TX_SPLICE },
		{ "cid",	required_argument,	NULL, 'c' },
		{ "rx",		required_argument,	NULL, OPT_RX },
		{ "zerocopy",	no_argument,		NULL, 'z' },
		{ "splice",	no_argument,		NULL, 's' },
		{ "no-check",	no_argument,		NULL, 'n' },
		{ "split-cpu",	no_argument,		NULL, OPT_SPLIT_CPU },
		{ "madvise",	no_argument,		NULL, OPT_MADVISE },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl c = {
		.cid = VMADDR_CID_LOCAL, .port = 5001, .mb = 4000,
		.tx_pages = 8, .rx_pages = 8, .loop = 1, .check = true,
		.page = (size_t)sysconf(_SC_PAGESIZE),
	};
	const char *mode = NULL, *server_opt = NULL, *client_opt = NULL;
	bool port_set = false;
	int ch;

	atexit(check_stdout);
	while ((ch = getopt_long(argc, argv, "m:p:u:c:zsnhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		case 'p':
			port_set = true;
			c.port = (uint32_t)parse_num(optarg, "--port", 0,
						     VMADDR_PORT_ANY - 1);
			break;
		case 'u':
			if (!*optarg)
				errx(EXIT_FAILURE, "invalid --unix value: ''");
			c.unix_path = optarg;
			server_opt = "--unix";
			break;
		case OPT_MB:
			set_num(&c.mb, &server_opt, "--mb", 10000000);
			break;
		case OPT_TX:
			set_num(&c.tx_pages, &server_opt, "--tx", MAX_PAGES);
			break;
		case OPT_LOOP:
			set_num(&c.loop, &server_opt, "--loop", 1000000);
			break;
		case OPT_TX_SPLICE:
			c.tx_splice = true;
			server_opt = "--tx-splice";
			break;
		case 'c':
			if (vsockzc_parse_cid(optarg, &c.cid) < 0)
				errx(EXIT_FAILURE, "invalid --cid value: '%s'",
				     optarg);
			client_opt = "--cid";
			break;
		case OPT_RX:
			set_num(&c.rx_pages, &client_opt, "--rx", MAX_PAGES);
			break;
		case 'z':
		case 's':
			if (c.rx != RX_READ && c.rx != (ch == 'z' ? RX_MAP : RX_SPLICE))
				errx(EXIT_FAILURE, "--zerocopy and --splice are "
				     "exclusive");
			c.rx = ch == 'z' ? RX_MAP : RX_SPLICE;
			client_opt = ch == 'z' ? "--zerocopy" : "--splice";
			break;
		case 'n':
			c.check = false;
			client_opt = "--no-check";
			break;
		case OPT_SPLIT_CPU:
			c.split_cpu = true;
			client_opt = "--split-cpu";
			break;
		case OPT_MADVISE:
			c.madvise = true;
			client_opt = "--madvise";
			break;
		case 'h':
			usage();
		case 'V':
			cli_print_version();
		default:
			cli_try_help();
		}
	}
	cli_no_more_args(argc, argv);
	if (!mode)
		cli_usage_error("no --mode given (server or client)");
	if (strcmp(mode, "server") == 0)
		c.server = true;
	else if (strcmp(mode, "client") != 0)
		errx(EXIT_FAILURE, "invalid --mode value: '%s' (server or client)",
		     mode);
	if (c.unix_path && port_set)
		errx(EXIT_FAILURE, "--port and --unix are exclusive");
	if (c.server && client_opt)
		errx(EXIT_FAILURE, "%s is a client option", client_opt);
	if (!c.server && server_opt)
		errx(EXIT_FAILURE, "%s is a server option", server_opt);

	signal(SIGPIPE, SIG_IGN);
	return c.server ? run_server(&c) : run_client(&c);
}
