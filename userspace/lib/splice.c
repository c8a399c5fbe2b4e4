// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvsockzc: splice and vmsplice helpers.
 */
#include <errno.h>
#include <stdint.h>
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
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *pos = buf, *end = (char *)buf + len;
	char *mapped = buf;	/* what is still mapped starts here */
	ssize_t n;
	int ret = 0;

	/* The pipe may take less than all: gift, unmap, drain, repeat. */
	while (pos < end) {
		struct iovec iov = {
			.iov_base = pos,
			.iov_len = (size_t)(end - pos) < p->size ?
				   (size_t)(end - pos) : p->size,
		};
		char *cut;

		do {
			n = vmsplice(p->fd[1], &iov, 1, SPLICE_F_GIFT);
		} while (n < 0 && errno == EINTR);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		pos += n;
		/*
		 * The kernel steals a gifted page only if nobody else
		 * holds it: unmap the whole pages just gifted before the
		 * splice, or SPLICE_F_MOVE falls back to copying them.
		 */
		cut = pos == end ? (char *)buf + page_round(size) :
		      (char *)((uintptr_t)pos & ~(uintptr_t)(page - 1));
		if (cut > mapped) {
			munmap(mapped, (size_t)(cut - mapped));
			mapped = cut;
		}
		ret = drain(p->fd[0], out, (size_t)n, SPLICE_F_MOVE);
		if (ret)
			break;
	}
	/* The pages belong to the kernel now: forget them. */
	if ((char *)buf + page_round(size) > mapped)
		munmap(mapped, (size_t)((char *)buf + page_round(size) - mapped));
	return ret ? ret : (ssize_t)len;
}
