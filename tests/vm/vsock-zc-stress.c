// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsock-zc-stress: load on the series' paths over vsock loopback, every
 * byte checked against the pattern the sender sent.
 *
 *   vsock-zc-stress conns [-n CONNS] [-m MIB]
 *	CONNS connections at once (default 32), each moving MIB MiB
 *	(default 8) one way. Connection i takes the i-th of the mixes of
 *	sender (write(), splice() from a memfd's page cache, vmsplice()
 *	gift then splice() with SPLICE_F_MOVE), receiver (read(), mapped
 *	receive, splice() into a pipe) and type (SOCK_STREAM,
 *	SOCK_SEQPACKET; SOCK_SEQPACKET has no splice receiver, and a
 *	write() sender's message bounds are checked too).
 *   vsock-zc-stress short [-n CONNS] [-j THREADS]
 *	CONNS short connections (default 10000) from THREADS threads
 *	(default 4): connect, send up to 16 KiB by a random sender, check
 *	it, close.
 *   vsock-zc-stress slow [-t SECONDS] [-n CONNS]
 *	CONNS (default 4) zero-copy senders as fast as they can (splice of
 *	1 to 4096 bytes of page cache, and gifts) against readers that
 *	take 4 KiB every 10 ms, for SECONDS (default 20).
 *   vsock-zc-stress hoard [-m MIB]
 *	a mapped receiver with a MIB MiB mapping (default 64) that maps
 *	ever further into it and never gives a page back, against a fast
 *	sender; then the sender's last send must block (credit), and
 *	munmap() gives every page back.
 *
 * Each prints what it moved and the greatest drop of MemFree below the
 * start it saw during the run ("peak_kib N"), and its SO_VM_SOCKETS_ZC_STATS
 * sums. Exit 0 when every byte matched, 1 on a mismatch, 2 on a failed
 * call.
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
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "vsockzc.h"

#define PAGE		4096UL
#define PERIOD		(257 * PAGE)	/* the pattern repeats */
#define MAX_MSG		32768U			/* SOCK_SEQPACKET */
#define RECV_BUF	(128 * 1024)
#define MAP_PAGES	64

enum sender { S_WRITE, S_SPLICE, S_GIFT, NSENDERS };
enum receiver { R_READ, R_MAPPED, R_SPLICE, NRECEIVERS };
static const char *const sender_name[] = { "write", "splice", "gift" };
static const char *const receiver_name[] = { "read", "mapped", "splice" };

struct conn {
	unsigned int no;
	int a, b, type;
	enum sender snd;
	enum receiver rcv;
	uint32_t id;
	uint64_t size;		/* bytes to move */
	uint64_t sent;		/* slow mode: bytes sent */
	uint8_t *tab;		/* the pattern, tab_len bytes from offset 0 */
	size_t tab_len;
	uint64_t rx_off;
	uint64_t msgs;		/* SOCK_SEQPACKET messages checked */
	uint64_t rng;
	int memfd;		/* S_SPLICE: 2 * PERIOD of the pattern */
	pthread_t tx, rx;
};

static volatile bool failed;
static volatile long peak_kib;
static long free_start_kib;
static struct vsock_zc_stats zc_sum;
static pthread_mutex_t sum_lock = PTHREAD_MUTEX_INITIALIZER;

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	fprintf(stderr, "vsock-zc-stress: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(2);
}

static void __attribute__((format(printf, 2, 3))) mismatch(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vsock-zc-stress: MISMATCH conn %u (%s, %s -> %s): ",
		c->no, c->type == SOCK_STREAM ? "stream" : "seqpacket",
		sender_name[c->snd], receiver_name[c->rcv]);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed = true;
	exit(1);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static uint8_t pat(uint32_t id, uint64_t off)
{
	uint64_t x = (off % PERIOD) * 0x9E3779B97F4A7C15ULL + id;

	return (uint8_t)(x >> 29 ^ off % PERIOD >> 11);
}

/* The connection's pattern from OFF on, LEN bytes (at most PERIOD). */
static const uint8_t *pat_at(const struct conn *c, uint64_t off, size_t len)
{
	size_t o = c->tab_len == 2 * PERIOD ? off % PERIOD : off;

	if (o + len > c->tab_len)
		abort();
	return c->tab + o;
}

/* Message k's size on a SOCK_SEQPACKET write() connection. */
static size_t msg_size(uint32_t id, uint64_t k)
{
	uint64_t s = (id + 1) * 0x9E3779B97F4A7C15ULL ^ (k + 1) * 0xD6E8FEB86659FD93ULL;

	return 1 + rnd(&s) % MAX_MSG;
}

static long meminfo_kib(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Samples MemFree every 20 ms; the greatest drop below the start. */
static void *sampler(void *arg)
{
	(void)arg;
	for (;;) {
		long d = free_start_kib - meminfo_kib("MemFree");

		if (d > peak_kib)
			peak_kib = d;
		usleep(20000);
	}
	return NULL;
}

static void add_stats(int fd)
{
	struct vsock_zc_stats st;
	socklen_t len = sizeof(st);

	if (getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_ZC_STATS, &st, &len))
		die("getsockopt(SO_VM_SOCKETS_ZC_STATS)");
	pthread_mutex_lock(&sum_lock);
	zc_sum.tx_ref_bytes += st.tx_ref_bytes;
	zc_sum.tx_stolen_bytes += st.tx_stolen_bytes;
	zc_sum.tx_copied_bytes += st.tx_copied_bytes;
	zc_sum.rx_spliced_bytes += st.rx_spliced_bytes;
	zc_sum.rx_mapped_bytes += st.rx_mapped_bytes;
	zc_sum.rx_copied_bytes += st.rx_copied_bytes;
	pthread_mutex_unlock(&sum_lock);
}

static void print_stats(void)
{
	printf("zc_stats tx_ref %" PRIu64 " tx_stolen %" PRIu64 " tx_copied %" PRIu64
	       " rx_spliced %" PRIu64 " rx_mapped %" PRIu64 " rx_copied %" PRIu64 "\n",
	       (uint64_t)zc_sum.tx_ref_bytes, (uint64_t)zc_sum.tx_stolen_bytes,
	       (uint64_t)zc_sum.tx_copied_bytes, (uint64_t)zc_sum.rx_spliced_bytes,
	       (uint64_t)zc_sum.rx_mapped_bytes, (uint64_t)zc_sum.rx_copied_bytes);
}

/* A connected pair over loopback: a connects, b is accepted. */
static void pair_open(struct conn *c, bool zc)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
				  .svm_port = VMADDR_PORT_ANY };
	socklen_t len = sizeof(sa);
	int one = 1, lfd;

	lfd = socket(AF_VSOCK, c->type | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	if (zc && setsockopt(lfd, AF_VSOCK, SO_VM_SOCKETS_ZEROCOPY, &one, sizeof(one)))
		die("setsockopt(SO_VM_SOCKETS_ZEROCOPY)");
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len))
		die("bind/listen");
	sa.svm_cid = VMADDR_CID_LOCAL;
	c->a = socket(AF_VSOCK, c->type | SOCK_CLOEXEC, 0);
	if (c->a < 0)
		die("socket");
	if (connect(c->a, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect to port %u over loopback", sa.svm_port);
	c->b = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c->b < 0)
		die("accept");
	close(lfd);
}

/* ---- senders ------------------------------------------------------------ */

static void write_all(struct conn *c, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = send(c->a, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("conn %u: send", c->no);
		}
		if (c->type == SOCK_SEQPACKET && (size_t)n != len)
			mismatch(c, "send() of a %zu-byte message returned %zd", len, n);
		buf += n;
		len -= (size_t)n;
	}
}

/* Move LEN bytes from the pipe into the socket. */
static void pipe_to_sock(struct conn *c, int rd, size_t len, unsigned int flags)
{
	while (len) {
		ssize_t n = splice(rd, NULL, c->a, NULL, len, flags);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			die("conn %u: splice into the socket (%s)", c->no, sender_name[c->snd]);
		}
		len -= (size_t)n;
	}
}

/* Send LEN bytes of the pattern from offset OFF, the connection's way. */
static void send_chunk(struct conn *c, int pp[2], uint8_t *buf, uint64_t off, size_t len)
{
	loff_t foff = (loff_t)(off % PERIOD);
	size_t done = 0;
	bool unmap;
	uint8_t *g;

	switch (c->snd) {
	case S_WRITE:
		(void)buf;
		write_all(c, pat_at(c, off, len), len);
		break;
	case S_SPLICE:
		while (done < len) {
			ssize_t n = splice(c->memfd, &foff, pp[1], NULL, len - done, 0);

			if (n <= 0)
				die("conn %u: splice from the memfd", c->no);
			pipe_to_sock(c, pp[0], (size_t)n, 0);
			done += (size_t)n;
		}
		break;
	case S_GIFT:
		/*
		 * SOCK_STREAM takes SPLICE_F_MOVE (vsock.rst): a gift whose
		 * mapping is gone is stolen; one still mapped is copied, so
		 * writing it after the splice changes nothing that arrives.
		 * SOCK_SEQPACKET ignores the flag: its gifts go by reference,
		 * and the sender leaves them alone.
		 */
		unmap = c->type == SOCK_SEQPACKET || rnd(&c->rng) % 2;
		g = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (g == MAP_FAILED)
			die("mmap");
		memcpy(g, pat_at(c, off, len), len);
		while (done < len) {
			struct iovec iov = { g + done, len - done };
			ssize_t n = vmsplice(pp[1], &iov, 1, SPLICE_F_GIFT);

			if (n <= 0)
				die("conn %u: vmsplice", c->no);
			if (unmap) {
				munmap(g, len);
				g = NULL;
			}
			pipe_to_sock(c, pp[0], (size_t)n, SPLICE_F_MOVE);
			if (unmap) {
				/* the rest in a mapping of its own */
				done += (size_t)n;
				if (done < len)
					send_chunk(c, pp, buf, off + done, len - done);
				return;
			}
			memset(g + done, 0x5a, (size_t)n);
			done += (size_t)n;
		}
		munmap(g, len);
		break;
	default:
		break;
	}
}

static void *sender_main(void *arg)
{
	struct conn *c = arg;
	uint8_t *buf = malloc(RECV_BUF);
	uint64_t off = 0, k = 0;
	int pp[2];

	if (!buf || pipe2(pp, O_CLOEXEC))
		die("pipe2");
	fcntl(pp[1], F_SETPIPE_SZ, 256 * 1024);
	while (off < c->size && !failed) {
		size_t len;

		if (c->type == SOCK_SEQPACKET && c->snd == S_WRITE)
			len = msg_size(c->id, k++);
		else if (off % PAGE)
			len = PAGE - off % PAGE;	/* back to page-aligned */
		else if (rnd(&c->rng) % 4)
			len = (1 + rnd(&c->rng) % 16) * PAGE;	/* whole pages */
		else
			len = 1 + rnd(&c->rng) % (c->type == SOCK_SEQPACKET ? MAX_MSG : 65536);
		if (len > c->size - off)
			len = c->size - off;
		send_chunk(c, pp, buf, off, len);
		off += len;
	}
	add_stats(c->a);
	if (shutdown(c->a, SHUT_WR))
		die("conn %u: shutdown", c->no);
	close(pp[0]);
	close(pp[1]);
	free(buf);
	return NULL;
}

/* ---- receivers ---------------------------------------------------------- */

static void check(struct conn *c, const uint8_t *buf, size_t len, const char *how)
{
	const uint8_t *want;

	if (c->rx_off + len > c->size)
		mismatch(c, "%s: %" PRIu64 " bytes received, %" PRIu64 " sent", how,
			 c->rx_off + len, c->size);
	want = pat_at(c, c->rx_off, len);
	if (memcmp(buf, want, len))
		for (size_t i = 0; i < len; i++)
			if (buf[i] != want[i])
				mismatch(c, "%s: byte %" PRIu64 " is 0x%02x, want 0x%02x%s", how,
					 c->rx_off + i, buf[i], want[i],
					 buf[i] == 0xaa ? " (the page-poison pattern)" : "");
	c->rx_off += len;
	if (c->rx_off > c->size)
		mismatch(c, "%s: %" PRIu64 " bytes received, %" PRIu64 " sent", how,
			 c->rx_off, c->size);
}

/*
 * A whole SOCK_SEQPACKET message of LEN bytes from a write() sender,
 * just checked by check(); the last one is cut to the stream's size.
 */
static void check_msg(struct conn *c, size_t len, const char *how)
{
	uint64_t left = c->size - (c->rx_off - len);
	size_t want = msg_size(c->id, c->msgs);

	if (want > left)
		want = (size_t)left;

	if (len != want)
		mismatch(c, "%s: message %" PRIu64 " has %zu bytes, want %zu", how,
			 c->msgs, len, want);
	c->msgs++;
}

static volatile bool slow_stop;

/* read() to the end; SLOW: 4 KiB every 10 ms until slow_stop. */
static void recv_read(struct conn *c, bool slow)
{
	uint8_t *buf = malloc(RECV_BUF);

	if (!buf)
		die("malloc");
	for (;;) {
		bool wait = slow && !slow_stop;
		ssize_t n = recv(c->b, buf, wait ? 4096 : RECV_BUF, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("conn %u: recv", c->no);
		}
		if (!n)
			break;
		check(c, buf, (size_t)n, "read()");
		if (c->type == SOCK_SEQPACKET && c->snd == S_WRITE)
			check_msg(c, (size_t)n, "read()");
		if (wait)
			usleep(10000);
	}
	free(buf);
}

static void recv_splice(struct conn *c)
{
	uint8_t *buf = malloc(RECV_BUF);
	int pp[2];

	if (!buf || pipe2(pp, O_CLOEXEC))
		die("pipe2");
	for (;;) {
		ssize_t n = splice(c->b, NULL, pp[1], NULL, 65536, 0), got = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("conn %u: splice from the socket", c->no);
		}
		if (!n)
			break;
		while (got < n) {
			ssize_t r = read(pp[0], buf, (size_t)(n - got));

			if (r <= 0)
				die("conn %u: read from the pipe", c->no);
			check(c, buf, (size_t)r, "splice()");
			got += r;
		}
	}
	close(pp[0]);
	close(pp[1]);
	free(buf);
}

/*
 * Mapped receive into a MAP_PAGES ring, each call giving back what the
 * last one mapped. Returns when the stream ends.
 */
static void recv_mapped(struct conn *c)
{
	size_t map_len = MAP_PAGES * PAGE, msg = 0;
	uint8_t *map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, c->b, 0);

	if (map == MAP_FAILED)
		die("conn %u: mmap", c->no);
	for (;;) {
		struct vsock_map_rx m = { .addr = (uintptr_t)map, .len = (uint32_t)map_len,
					  .flags = VSOCK_MAP_RX_F_RELEASE };
		socklen_t ml = sizeof(m);
		const struct virtio_vsock_usr_hdr *h = (const void *)map;
		size_t page = 1;

		if (getsockopt(c->b, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml)) {
			if (errno == EINTR)
				continue;
			die("conn %u: getsockopt(SO_VM_SOCKETS_MAP_RX)", c->no);
		}
		if (!m.len)
			break;
		for (size_t i = 0; i < PAGE / sizeof(*h) && h[i].length; i++) {
			size_t left = h[i].length;

			while (left) {
				size_t n = left > PAGE ? PAGE : left;

				if (page >= MAP_PAGES)
					mismatch(c, "mapped receive: record %zu runs past the mapping", i);
				check(c, map + page * PAGE, n, "mapped receive");
				for (size_t z = n; z < PAGE; z++)
					if (map[page * PAGE + z])
						mismatch(c, "mapped receive: byte %zu of a page past its payload is 0x%02x",
							 z, map[page * PAGE + z]);
				page++;
				left -= n;
			}
			msg += h[i].length;
			if (c->type == SOCK_SEQPACKET && c->snd == S_WRITE &&
			    (h[i].flags & VIRTIO_VSOCK_USR_HDR_F_EOM)) {
				check_msg(c, msg, "mapped receive");
				msg = 0;
			}
		}
	}
	munmap(map, map_len);
}

static void *receiver_main(void *arg)
{
	struct conn *c = arg;

	switch (c->rcv) {
	case R_READ: recv_read(c, false); break;
	case R_MAPPED: recv_mapped(c); break;
	case R_SPLICE: recv_splice(c); break;
	default: break;
	}
	if (c->rx_off != c->size)
		mismatch(c, "the stream ended after %" PRIu64 " of %" PRIu64 " bytes",
			 c->rx_off, c->size);
	add_stats(c->b);
	return NULL;
}

static void conn_setup(struct conn *c, unsigned int no, unsigned int mix, uint64_t size)
{
	memset(c, 0, sizeof(*c));
	c->no = no;
	c->snd = mix % NSENDERS;
	c->rcv = mix / NSENDERS % NRECEIVERS;
	c->type = mix / (NSENDERS * NRECEIVERS) % 2 ? SOCK_SEQPACKET : SOCK_STREAM;
	if (c->type == SOCK_SEQPACKET && c->rcv == R_SPLICE)
		c->rcv = R_READ;
	c->id = 0x51ed + no * 2654435761U;
	c->rng = c->id * 0x9E3779B97F4A7C15ULL + 1;
	c->size = size;
	c->memfd = -1;
	/* a stream shorter than PERIOD needs only its own bytes */
	c->tab_len = size < PERIOD ? size : 2 * PERIOD;
	c->tab = malloc(c->tab_len);
	if (!c->tab)
		die("malloc");
	for (size_t i = 0; i < c->tab_len; i++)
		c->tab[i] = pat(c->id, i);
	pair_open(c, c->rcv == R_MAPPED);
	if (c->snd == S_SPLICE) {
		c->memfd = memfd_create("vsock-zc-stress", MFD_CLOEXEC);
		if (c->memfd < 0 || pwrite(c->memfd, c->tab, c->tab_len, 0) != (ssize_t)c->tab_len)
			die("memfd");
	}
}

static void conn_close(struct conn *c)
{
	close(c->a);
	close(c->b);
	if (c->memfd >= 0)
		close(c->memfd);
	free(c->tab);
}

static void start_sampler(void)
{
	pthread_t t;

	free_start_kib = meminfo_kib("MemFree");
	if (pthread_create(&t, NULL, sampler, NULL))
		die("pthread_create");
	pthread_detach(t);
}

/* ---- the modes ---------------------------------------------------------- */

/*
 * N connections, connection i of mix MIX(i), each with a receiver and a
 * sender thread; after SECS seconds (0: none), slow_stop is set. Returns
 * them once all threads are done.
 */
static struct conn *run_threads(unsigned int n, unsigned int (*mix)(unsigned int),
				uint64_t size, void *(*rx)(void *), void *(*tx)(void *),
				unsigned int secs)
{
	struct conn *cs = calloc(n, sizeof(*cs));
	unsigned int i;

	if (!cs)
		die("calloc");
	for (i = 0; i < n; i++)
		conn_setup(&cs[i], i, mix(i), size);
	start_sampler();
	for (i = 0; i < n; i++)
		if (pthread_create(&cs[i].rx, NULL, rx, &cs[i]) ||
		    pthread_create(&cs[i].tx, NULL, tx, &cs[i]))
			die("pthread_create");
	if (secs) {
		sleep(secs);
		slow_stop = true;
	}
	for (i = 0; i < n; i++) {
		pthread_join(cs[i].tx, NULL);
		pthread_join(cs[i].rx, NULL);
	}
	return cs;
}

static unsigned int every_mix(unsigned int i)
{
	return i;
}

static int run_conns(unsigned int n, unsigned int mib)
{
	struct conn *cs = run_threads(n, every_mix, (uint64_t)mib << 20,
				      receiver_main, sender_main, 0);
	uint64_t total = 0;

	for (unsigned int i = 0; i < n; i++) {
		total += cs[i].rx_off;
		conn_close(&cs[i]);
	}
	free(cs);
	printf("conns %u bytes %" PRIu64 " peak_kib %ld\n", n, total, peak_kib);
	print_stats();
	return 0;
}

struct short_arg {
	unsigned int first, count;
	uint64_t bytes;
};

static void *short_main(void *arg)
{
	struct short_arg *s = arg;

	for (unsigned int i = 0; i < s->count; i++) {
		struct conn c;
		unsigned int no = s->first + i;
		uint64_t r = no * 0x9E3779B97F4A7C15ULL + 7;
		unsigned int mix = (unsigned int)(rnd(&r) % (NSENDERS * NRECEIVERS * 2));
		uint64_t size = 1 + rnd(&r) % 16384;

		conn_setup(&c, no, mix, size);
		if (pthread_create(&c.tx, NULL, sender_main, &c))
			die("pthread_create");
		receiver_main(&c);
		pthread_join(c.tx, NULL);
		conn_close(&c);
		s->bytes += size;
	}
	return NULL;
}

static int run_short(unsigned int n, unsigned int nthreads)
{
	struct short_arg *s = calloc(nthreads, sizeof(*s));
	pthread_t *t = calloc(nthreads, sizeof(*t));
	uint64_t bytes = 0;
	unsigned int i;

	if (!s || !t)
		die("calloc");
	start_sampler();
	for (i = 0; i < nthreads; i++) {
		s[i].first = n / nthreads * i;
		s[i].count = i == nthreads - 1 ? n - s[i].first : n / nthreads;
		if (pthread_create(&t[i], NULL, short_main, &s[i]))
			die("pthread_create");
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		bytes += s[i].bytes;
	}
	printf("short %u bytes %" PRIu64 " peak_kib %ld\n", n, bytes, peak_kib);
	print_stats();
	return 0;
}

/* Slow mode's sender: small zero-copy sends until told to stop. */
static void *slow_sender(void *arg)
{
	struct conn *c = arg;
	uint64_t off = 0;
	int pp[2];

	if (pipe2(pp, O_CLOEXEC))
		die("pipe2");
	while (!slow_stop) {
		size_t len = 1 + rnd(&c->rng) % (rnd(&c->rng) % 2 ? 64 : 4096);

		send_chunk(c, pp, NULL, off, len);
		off += len;
	}
	c->sent = off;
	add_stats(c->a);
	if (shutdown(c->a, SHUT_WR))
		die("conn %u: shutdown", c->no);
	close(pp[0]);
	close(pp[1]);
	return NULL;
}

/* Slow mode's reader: 4 KiB every 10 ms, then the rest at full speed. */
static void *slow_reader(void *arg)
{
	recv_read(arg, true);
	return NULL;
}

/* Slow mode's senders: splice and gifts, by turns. */
static unsigned int slow_mix(unsigned int i)
{
	return i % 2 ? S_GIFT : S_SPLICE;
}

static int run_slow(unsigned int n, unsigned int secs)
{
	struct conn *cs = run_threads(n, slow_mix, UINT64_MAX, slow_reader,
				      slow_sender, secs);
	uint64_t total = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (cs[i].rx_off != cs[i].sent)
			mismatch(&cs[i], "the slow reader got %" PRIu64 " of %" PRIu64 " bytes",
				 cs[i].rx_off, cs[i].sent);
		total += cs[i].rx_off;
		add_stats(cs[i].b);
		conn_close(&cs[i]);
	}
	free(cs);
	printf("slow %u bytes %" PRIu64 " peak_kib %ld\n", n, total, peak_kib);
	print_stats();
	return 0;
}

static int run_hoard(unsigned int mib)
{
	struct conn c;
	size_t map_len = (size_t)mib << 20, first = 0, pages = 34;
	uint64_t mapped = 0;
	long held_kib;
	uint8_t *map;

	/* gifts: each mapped page a page of its own */
	conn_setup(&c, 0, S_GIFT + R_MAPPED * NSENDERS, UINT64_MAX);
	map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, c.b, 0);
	if (map == MAP_FAILED)
		die("mmap");
	start_sampler();
	if (pthread_create(&c.tx, NULL, sender_main, &c))
		die("pthread_create");
	/* map ever further in, giving nothing back */
	while ((first + pages) * PAGE <= map_len) {
		struct vsock_map_rx m = { .addr = (uintptr_t)(map + first * PAGE),
					  .len = (uint32_t)(pages * PAGE) };
		socklen_t ml = sizeof(m);
		const struct virtio_vsock_usr_hdr *h = (const void *)(map + first * PAGE);
		size_t page = 1;

		if (getsockopt(c.b, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml))
			die("getsockopt(SO_VM_SOCKETS_MAP_RX)");
		for (size_t i = 0; i < PAGE / sizeof(*h) && h[i].length; i++) {
			for (size_t left = h[i].length; left; page++) {
				size_t n = left > PAGE ? PAGE : left;

				check(&c, map + (first + page) * PAGE, n, "hoarding mapped receive");
				left -= n;
			}
		}
		mapped += m.len;
		first += pages;
	}
	/* The mapping is full: the range just used must still be busy. */
	{
		struct vsock_map_rx m = { .addr = (uintptr_t)map, .len = (uint32_t)(pages * PAGE) };
		socklen_t ml = sizeof(m);

		if (!getsockopt(c.b, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml) || errno != EBUSY)
			mismatch(&c, "MAP_RX over pages never given back: want EBUSY, got %s",
				 strerror(errno));
	}
	usleep(500000);		/* the sender fills its credit, then waits */
	held_kib = free_start_kib - meminfo_kib("MemFree");
	munmap(map, map_len);
	usleep(200000);
	printf("hoard map_kib %zu mapped %" PRIu64 " held_kib %ld peak_kib %ld after_munmap_kib %ld\n",
	       map_len / 1024, mapped, held_kib, peak_kib,
	       free_start_kib - meminfo_kib("MemFree"));
	fflush(stdout);
	/* the sender waits for credit for ever: the exit ends it */
	_exit(0);
}

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
		"Usage: vsock-zc-stress conns [-n CONNS] [-m MIB]\n"
		"       vsock-zc-stress short [-n CONNS] [-j THREADS]\n"
		"       vsock-zc-stress slow [-n CONNS] [-t SECONDS]\n"
		"       vsock-zc-stress hoard [-m MIB]\n"
		"Load on vsock loopback, every byte checked; exit 0 clean, 1 on a\n"
		"mismatch, 2 on a failed call.\n");
	exit(status);
}

static unsigned int num(const char *s, unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || !v || v > max)
		usage(2);
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	unsigned int n = 0, mib = 0, threads = 4, secs = 20;
	const char *mode;
	int opt;

	if (argc < 2)
		usage(2);
	mode = argv[1];
	if (!strcmp(mode, "-h") || !strcmp(mode, "--help"))
		usage(0);
	optind = 2;
	while ((opt = getopt(argc, argv, "n:m:j:t:h")) != -1) {
		switch (opt) {
		case 'n': n = num(optarg, 1000000); break;
		case 'm': mib = num(optarg, 65536); break;
		case 'j': threads = num(optarg, 64); break;
		case 't': secs = num(optarg, 86400); break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "conns"))
		return run_conns(n ? n : 32, mib ? mib : 8);
	if (!strcmp(mode, "short"))
		return run_short(n ? n : 10000, threads);
	if (!strcmp(mode, "slow"))
		return run_slow(n ? n : 4, secs);
	if (!strcmp(mode, "hoard"))
		return run_hoard(mib ? mib : 64);
	usage(2);
}
