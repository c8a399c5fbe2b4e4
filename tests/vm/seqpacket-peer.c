// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * seqpacket-peer SEQPATH PORT RELAYPATH: the host side of the
 * vhost-user test's SOCK_SEQPACKET case (tests/vm/vhost-user.test).
 *
 * It listens with SOCK_SEQPACKET on RELAYPATH (the daemon's "<uds>_P"),
 * connects to guest PORT through the daemon's SOCK_SEQPACKET endpoint
 * SEQPATH ("CONNECT PORT"), and waits for the guest's relay to connect
 * back to RELAYPATH. Then it sends messages of several sizes one way and
 * checks that each arrives on the other connection as one message of the
 * same length and hash; then the other way. Prints one line; exit 0 when
 * every message matched.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define TIMEOUT_MS	60000
#define MAXMSG		(256 * 1024)

/* Several RX buffers, one, a page and a byte, the sizes around them. */
static const size_t sizes[] = {
	1, 100, 4052, 4053, 4096, 4097, 20000, 65536, 100000, 7,
};

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = x >> 16;
	}
}

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr, "seqpacket-peer: %s: path too long\n", path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

static int wait_in(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, TIMEOUT_MS);

	if (r == 0)
		errno = ETIMEDOUT;
	return r == 1 ? 0 : -1;
}

/* One message from fd: its length (MSG_TRUNC: the whole length), -1. */
static ssize_t recv_msg(int fd, uint8_t *buf, size_t max)
{
	if (wait_in(fd))
		return -1;
	return recv(fd, buf, max, MSG_TRUNC);
}

/* Send each size from a to b; 0 when all arrived whole. */
static int one_way(int a, int b, const char *dir, unsigned int seed,
		   uint8_t *out, uint8_t *in)
{
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		ssize_t r;

		fill(out, n, seed + i);
		if (send(a, out, n, MSG_EOR) != (ssize_t)n) {
			printf("seqpacket: %s: sending %zu bytes: %s\n", dir, n,
			       strerror(errno));
			return -1;
		}
		r = recv_msg(b, in, MAXMSG);
		if (r != (ssize_t)n || fnv1a(in, n) != fnv1a(out, n)) {
			printf("seqpacket: %s: message %u of %zu bytes came as %zd bytes%s%s\n",
			       dir, i, n, r, r < 0 ? ": " : "",
			       r < 0 ? strerror(errno) : ", hash differs");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	uint8_t *out, *in;
	char line[64];
	int lfd, a, b;
	ssize_t r;

	if (argc != 4) {
		fprintf(stderr, "usage: seqpacket-peer SEQPATH PORT RELAYPATH\n");
		return 2;
	}
	out = malloc(MAXMSG);
	in = malloc(MAXMSG);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	a = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (!out || !in || lfd < 0 || a < 0 || unix_addr(&sa, argv[3]))
		return 1;
	unlink(argv[3]);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1)) {
		printf("seqpacket: listen on %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	snprintf(line, sizeof(line), "CONNECT %s\n", argv[2]);
	if (unix_addr(&sa, argv[1]) ||
	    connect(a, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(a, line, strlen(line), 0) < 0) {
		printf("seqpacket: connect to %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	r = recv_msg(a, (uint8_t *)line, sizeof(line) - 1);
	if (r <= 3 || r >= (ssize_t)sizeof(line) || memcmp(line, "OK ", 3)) {
		printf("seqpacket: CONNECT %s: no OK (%zd)\n", argv[2], r);
		return 1;
	}
	if (wait_in(lfd) || (b = accept(lfd, NULL, NULL)) < 0) {
		printf("seqpacket: the guest's relay did not connect back: %s\n",
		       strerror(errno));
		return 1;
	}
	if (one_way(a, b, "host-initiated to relay", 1, out, in) ||
	    one_way(b, a, "relay to host-initiated", 100, out, in))
		return 1;
	printf("seqpacket: %zu messages each way, 1 to 100000 bytes, every length and hash matches\n",
	       sizeof(sizes) / sizeof(sizes[0]));
	close(a);
	close(b);
	unlink(argv[3]);
	return 0;
}
