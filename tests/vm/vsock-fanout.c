// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsock-fanout FILE FIRST_CID NGUESTS NCONNS PORT DIR: both ends of many
 * connections at once, in one process, for vhost-vsock.test's scale
 * case (a shell would fork hundreds of processes, which takes minutes
 * under TCG). The guests' end: a UNIX listener at DIR/gCID_PORT for
 * each of NGUESTS simulated guests from FIRST_CID (vhost-vsock-sim's
 * convention). The host's end: NCONNS AF_VSOCK connections to each
 * guest's PORT. Every connection sends FILE both ways, then shuts down
 * its sending side; each end compares what it gets with FILE byte for
 * byte. Exit 0 when all 2 * NGUESTS * NCONNS ends got FILE exactly.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

struct end {
	int fd;
	bool listener, vsock, connected, shut, eof, bad;
	size_t sent, got;
};

static const unsigned char *data;
static size_t size;
static int epfd;

static struct end *end_new(int fd, bool listener, bool vsock)
{
	struct end *e = calloc(1, sizeof(*e));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = e };

	if (!e)
		err(99, "calloc");
	e->fd = fd;
	e->listener = listener;
	e->vsock = vsock;
	e->connected = !vsock;
	if (listener)
		ev.events = EPOLLIN;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		err(99, "epoll_ctl");
	return e;
}

static bool end_done(const struct end *e)
{
	return e->shut && e->eof;
}

/* Move what can move; false when the end failed. */
static bool end_step(struct end *e)
{
	unsigned char buf[65536];
	ssize_t r;

	if (!e->connected) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		getsockopt(e->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr) {
			warnx("connect: %s", strerror(soerr));
			return false;
		}
		e->connected = true;
	}
	while (!e->shut) {
		r = send(e->fd, data + e->sent, size - e->sent,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0) {
			warn("send");
			return false;
		}
		e->sent += r;
		if (e->sent == size) {
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = e };

			shutdown(e->fd, SHUT_WR);
			e->shut = true;
			/* nothing more to send: no more EPOLLOUT */
			epoll_ctl(epfd, EPOLL_CTL_MOD, e->fd, &ev);
		}
	}
	while (!e->eof) {
		r = recv(e->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0) {
			warn("recv");
			return false;
		}
		if (r == 0) {
			e->eof = true;
			if (e->got != size)
				e->bad = true;
			break;
		}
		if (e->got + r > size || memcmp(buf, data + e->got, r))
			e->bad = true;
		e->got += r;
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned int first, nguests, nconns, port, i, c, open_ends = 0;
	unsigned int good[2] = { 0, 0 }, failed[2] = { 0, 0 };
	/* short: a pending connect timeout holds the socket after close() */
	struct timeval tmo = { .tv_sec = 10 };
	time_t deadline;
	struct stat st;
	int fd;

	if (argc != 7)
		errx(99, "usage: vsock-fanout FILE FIRST_CID NGUESTS NCONNS PORT DIR");
	first = atoi(argv[2]);
	nguests = atoi(argv[3]);
	nconns = atoi(argv[4]);
	port = atoi(argv[5]);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 || !st.st_size)
		err(99, "%s", argv[1]);
	size = st.st_size;
	data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED)
		err(99, "mmap");
	epfd = epoll_create1(0);
	if (epfd < 0)
		err(99, "epoll_create1");

	for (i = 0; i < nguests; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/g%u_%u",
			 argv[6], first + i, port);
		unlink(sa.sun_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(fd, 64))
			err(99, "%s", sa.sun_path);
		end_new(fd, true, false);
	}
	for (i = 0; i < nguests; i++) {
		for (c = 0; c < nconns; c++) {
			struct sockaddr_vm vm = {
				.svm_family = AF_VSOCK,
				.svm_cid = first + i,
				.svm_port = port,
			};

			fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (fd < 0)
				err(99, "socket(AF_VSOCK)");
			setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT,
				   &tmo, sizeof(tmo));
			if (connect(fd, (struct sockaddr *)&vm, sizeof(vm)) &&
			    errno != EINPROGRESS)
				err(99, "connect to %u:%u", first + i, port);
			end_new(fd, false, true);
			open_ends++;
		}
	}
	open_ends += nguests * nconns;	/* the guests' ends, to accept */

	deadline = time(NULL) + 240;
	while (open_ends && time(NULL) < deadline) {
		struct epoll_event evs[64];
		int n = epoll_wait(epfd, evs, 64, 1000), k;

		for (k = 0; k < n; k++) {
			struct end *e = evs[k].data.ptr;

			if (e->listener) {
				fd = accept4(e->fd, NULL, NULL, SOCK_NONBLOCK);
				if (fd >= 0)
					end_step(end_new(fd, false, false));
				continue;
			}
			if (!end_step(e) || end_done(e)) {
				bool ok = end_done(e) && !e->bad;

				good[e->vsock] += ok;
				failed[e->vsock] += !ok;
				epoll_ctl(epfd, EPOLL_CTL_DEL, e->fd, NULL);
				close(e->fd);
				free(e);
				open_ends--;
			}
		}
	}
	printf("vsock-fanout: %u guests x %u connections, %zu bytes each way: host ends %u right, %u wrong; guest ends %u right, %u wrong; %u unfinished\n",
	       nguests, nconns, size, good[1], failed[1], good[0], failed[0],
	       open_ends);
	return good[0] == nguests * nconns && good[1] == nguests * nconns ?
	       0 : 1;
}
