// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvsockzc: splice and vmsplice helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vsockzc.h"

int vsockzc_pipe_open(struct vsockzc_pipe *p, size_t size)
{
	int ret;

	if (pipe2(p->fd, O_CLOEXEC) < 0)
		return -errno;
	ret = size ? fcntl(p->fd[1], F_SETPIPE_SZ, (int)size) : -1;
	if (ret < 0)
		ret = fcntl(p->fd[1], F_GETPIPE_SZ);
	if (ret < 0) {
		ret = -errno;
		vsockzc_pipe_close(p);
		return ret;
	}
	p->size = (size_t)ret;
	return 0;
}

void vsockzc_pipe_close(struct vsockzc_pipe *p)
{
	if (p->fd[0] >= 0)
		close(p->fd[0]);
	if (p->fd[1] >= 0)
		close(p->fd[1]);
	p->fd[0] = p->fd[1] = -1;
}

/* splice() that restarts after a signal. */
static ssize_t splice_once(int in, int out, size_t len, unsigned int flags)
{
	ssize_t n;

	do {
		n = splice(in, NULL, out, NULL, len, flags);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Splice exactly @len bytes out of the pipe @pfd into @out. */
static int drain(int pfd, int out, size_t len, unsigned int flags)
{
	ssize_t n;

	while (len) {
		n = splice_once(pfd, out, len, flags);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO;	/* the pipe had less than we put in */
		len -= (size_t)n;
	}
	return 0;
}

ssize_t vsockzc_splice_via_pipe(int in, int out, struct vsockzc_pipe *p,
				size_t len, unsigned int flags)
{
	ssize_t n;
	int ret;

	if (len > p->size)
		len = p->size;
	n = splice_once(in, p->fd[1], len, flags);
	if (n <= 0)
		return n;
	ret = drain(p->fd[0], out, (size_t)n, flags);
	return ret ? ret : n;
}

ssize_t vsockzc_splice_direct(int in, int out, size_t len, unsigned int flags)
{
	return splice_once(in, out, len, flags);
}

static size_t page_round(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (len + page - 1) & ~(page - 1);
}

void *vsockzc_gift_alloc(size_t len)
{
	void *buf;

	if (!len)
		return NULL;
	buf = mmap(NULL, page_round(len), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return buf == MAP_FAILED ? NULL : buf;
}

void vsockzc_gift_free(void *buf, size_t len)
{
	if (buf)
		munmap(buf, page_round(len));
}

ssize_t vsockzc_gift_send(int out, struct vsockzc_pipe *p, void *buf,
			  size_t len, size_t size)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	ssize_t n;
	int ret = 0;

	/* The pipe may take less than all: gift, drain, repeat. */
	while (iov.iov_len) {
		if (iov.iov_len > p->size)
			iov.iov_len = p->size;
		do {
			n = vmsplice(p->fd[1], &iov, 1, SPLICE_F_GIFT);
		} while (n < 0 && errno == EINTR);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		ret = drain(p->fd[0], out, (size_t)n, SPLICE_F_MOVE);
		if (ret)
			break;
		iov.iov_base = (char *)iov.iov_base + n;
		iov.iov_len = len - (size_t)((char *)iov.iov_base - (char *)buf);
	}
	/* The pages belong to the kernel now: forget them. */
	vsockzc_gift_free(buf, size);
	return ret ? ret : (ssize_t)len;
}
