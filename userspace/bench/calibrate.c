// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsockzc-calibrate: what the operations the data paths are made of cost
 * on this CPU, so that a guest CPU model can be set beside real
 * hardware (make bench-calibrate). One line per operation:
 *
 *   NAME ns=N
 *
 * the median over ROUNDS rounds (default 7) of the mean time of one
 * operation in a round. The operations: a 4 KiB copy in user space and
 * in the kernel (pread() of a cached page, less a syscall), a 4 KiB
 * clear in both, a fault on fresh anonymous memory, mmap() plus munmap()
 * of a touched page (with its TLB flush), a syscall round trip, a pipe
 * splice of one page, and SO_VM_SOCKETS_MAP_RX: the call on an idle
 * socket, and the cost per page of a fill over vsock loopback (16
 * pages a call). --no-vsock leaves out the last two: no AF_VSOCK
 * socket is opened (for a machine whose vsock reaches a real host).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vsockzc.h"

#define PAGE	4096
#define ROUNDS	7

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "vsockzc-calibrate: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

/* Each measure returns the ns of one operation, averaged over a round. */
typedef double (*measure_fn)(void);

static char *src, *dst;
static int null_fd, file_fd;
static volatile long sink;

static double m_syscall(void)
{
	const int n = 20000;
	double t = now();

	for (int i = 0; i < n; i++)
		sink += syscall(SYS_getppid);
	return (now() - t) / n;
}

static double m_copy_user(void)
{
	const int n = 20000;
	double t = now();

	for (int i = 0; i < n; i++) {
		memcpy(dst, src, PAGE);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	return (now() - t) / n;
}

static double m_clear_user(void)
{
	const int n = 20000;
	double t = now();

	for (int i = 0; i < n; i++) {
		memset(dst, 0, PAGE);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	return (now() - t) / n;
}

/* pread() of a page in the page cache: a copy_to_user() and a syscall */
static double m_copy_kernel(void)
{
	const int n = 10000;
	double t = now();

	for (int i = 0; i < n; i++)
		if (pread(file_fd, dst, PAGE, 0) != PAGE)
			die("pread");
	return (now() - t) / n;
}

/* read() of /dev/zero: a clear_user() and a syscall */
static double m_clear_kernel(void)
{
	const int n = 10000;
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	double t;

	if (fd < 0)
		die("/dev/zero");
	t = now();
	for (int i = 0; i < n; i++)
		if (read(fd, dst, PAGE) != PAGE)
			die("read /dev/zero");
	t = (now() - t) / n;
	close(fd);
	return t;
}

static double m_fault(void)
{
	const size_t pages = 2048;
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t;

	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	t = now();
	for (size_t i = 0; i < pages; i++)
		p[i * PAGE] = 1;
	t = (now() - t) / pages;
	munmap(p, pages * PAGE);
	return t;
}

static double m_mmap_munmap(void)
{
	const int n = 2000;
	double t = now();

	for (int i = 0; i < n; i++) {
		char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		munmap(p, PAGE);
	}
	return (now() - t) / n;
}

/* vmsplice() a page into a pipe, splice() it on to /dev/null */
static double m_splice(void)
{
	const int n = 10000;
	struct iovec iov = { src, PAGE };
	int pp[2];
	double t;

	if (pipe(pp))
		die("pipe");
	t = now();
	for (int i = 0; i < n; i++) {
		if (vmsplice(pp[1], &iov, 1, 0) != PAGE)
			die("vmsplice");
		if (splice(pp[0], NULL, null_fd, NULL, PAGE, 0) != PAGE)
			die("splice");
	}
	t = (now() - t) / n;
	close(pp[0]);
	close(pp[1]);
	return t;
}

/* A connected loopback pair whose receiver opted in and is mapped. */
static int vs_tx = -1, vs_rx = -1;
static char *vs_map;
#define VS_PAGES 17

static void vsock_setup(void)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK,
				  .svm_cid = VMADDR_CID_ANY,
				  .svm_port = VMADDR_PORT_ANY };
	socklen_t len = sizeof(sa);
	int one = 1, lfd;

	lfd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("AF_VSOCK socket");
	if (setsockopt(lfd, AF_VSOCK, SO_VM_SOCKETS_ZEROCOPY, &one, sizeof(one)))
		die("SO_VM_SOCKETS_ZEROCOPY (a kernel without the series?)");
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len))
		die("bind/listen");
	sa.svm_cid = VMADDR_CID_LOCAL;
	vs_tx = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (vs_tx < 0 || connect(vs_tx, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect over vsock loopback");
	vs_rx = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (vs_rx < 0)
		die("accept");
	close(lfd);
	vs_map = mmap(NULL, VS_PAGES * PAGE, PROT_READ, MAP_SHARED, vs_rx, 0);
	if (vs_map == MAP_FAILED)
		die("mmap of the socket");
}

static double m_map_rx_idle(void)
{
	const int n = 5000;
	struct vsock_map_rx m;
	socklen_t ml;
	double t;

	fcntl(vs_rx, F_SETFL, O_NONBLOCK);
	t = now();
	for (int i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		m.addr = (uintptr_t)vs_map;
		m.len = VS_PAGES * PAGE;
		m.flags = VSOCK_MAP_RX_F_RELEASE;
		ml = sizeof(m);
		if (getsockopt(vs_rx, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml) == 0 ||
		    errno != EAGAIN)
			die("MAP_RX on an idle socket");
	}
	t = (now() - t) / n;
	fcntl(vs_rx, F_SETFL, 0);
	return t;
}

/* 64 KiB written (the sender's pages can be mapped), then one fill;
 * only the fill is timed, per data page mapped.
 */
static double m_map_rx_page(void)
{
	const int n = 300;
	static char buf[16 * PAGE];
	double total = 0, t;
	unsigned long pages = 0;
	struct vsock_map_rx m;
	socklen_t ml;

	for (int i = 0; i < n; i++) {
		struct pollfd pfd = { .fd = vs_rx, .events = POLLIN };
		int lowat = sizeof(buf), one = 1;

		if (write(vs_tx, buf, sizeof(buf)) != sizeof(buf))
			die("write");
		/* untimed: until all of it is queued */
		setsockopt(vs_rx, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));
		if (poll(&pfd, 1, 10000) != 1)
			die("poll");
		setsockopt(vs_rx, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof(one));
		for (size_t got = 0; got < sizeof(buf); ) {
			memset(&m, 0, sizeof(m));
			m.addr = (uintptr_t)vs_map;
			m.len = VS_PAGES * PAGE;
			m.flags = VSOCK_MAP_RX_F_RELEASE;
			ml = sizeof(m);
			t = now();
			if (getsockopt(vs_rx, AF_VSOCK, SO_VM_SOCKETS_MAP_RX, &m, &ml))
				die("MAP_RX");
			total += now() - t;
			pages += m.pages;
			got += m.len;
		}
	}
	return pages ? total / pages : 0;
}

struct op {
	const char *name;
	measure_fn fn;
	int vsock;
};

static const struct op ops[] = {
	{ "syscall_round_trip", m_syscall, 0 },
	{ "copy_4k_user", m_copy_user, 0 },
	{ "copy_4k_kernel_pread", m_copy_kernel, 0 },
	{ "clear_4k_user", m_clear_user, 0 },
	{ "clear_4k_kernel_read_zero", m_clear_kernel, 0 },
	{ "fault_fresh_anon_page", m_fault, 0 },
	{ "mmap_munmap_touched_page", m_mmap_munmap, 0 },
	{ "pipe_splice_page", m_splice, 0 },
	{ "map_rx_idle_call", m_map_rx_idle, 1 },
	{ "map_rx_per_page", m_map_rx_page, 1 },
};

int main(int argc, char **argv)
{
	int use_vsock = 1, rounds = ROUNDS;
	char path[] = "/tmp/vsockzc-calibrate.XXXXXX";
	double v[64];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-vsock"))
			use_vsock = 0;
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc &&
			 (rounds = atoi(argv[++i])) > 0 && rounds <= 64)
			;
		else {
			fprintf(stderr, "usage: vsockzc-calibrate [--no-vsock] [--rounds N]\n");
			return 2;
		}
	}
	if (posix_memalign((void **)&src, PAGE, PAGE) ||
	    posix_memalign((void **)&dst, PAGE, PAGE))
		die("posix_memalign");
	memset(src, 0x5a, PAGE);
	memset(dst, 0, PAGE);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	file_fd = mkstemp(path);
	if (null_fd < 0 || file_fd < 0)
		die("open");
	unlink(path);
	if (write(file_fd, src, PAGE) != PAGE)
		die("write");
	if (use_vsock)
		vsock_setup();
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		if (ops[k].vsock && !use_vsock)
			continue;
		ops[k].fn();	/* warm up */
		for (int r = 0; r < rounds; r++)
			v[r] = ops[k].fn();
		printf("%s ns=%.0f\n", ops[k].name, median(v, rounds));
		fflush(stdout);
	}
	return 0;
}
