// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvsockzc: sockets, feature detection, hybrid-vsock connect.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vsockzc.h"

int vsockzc_local_cid(uint32_t *cid)
{
	unsigned int val;
	int fd, ret = 0;

	fd = open("/dev/vsock", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &val) < 0)
		ret = -errno;
	else
		*cid = val;
	close(fd);
	return ret;
}

const char *vsockzc_transport_hint(uint32_t cid)
{
	switch (cid) {
	case VMADDR_CID_LOCAL:
		return "vsock_loopback";
	case VMADDR_CID_HYPERVISOR:
	case VMADDR_CID_HOST:
		return "virtio_vsock (in a guest; or vmw_vsock_vmci_transport, hv_sock)";
	default:
		return "vhost_vsock (/dev/vhost-vsock, on the host of that guest)";
	}
}

int vsockzc_is_unsupported(int err)
{
	if (err < 0)
		err = -err;
	return err == ENOPROTOOPT || err == EOPNOTSUPP || err == ENODEV;
}

int vsockzc_enable_map_rx(int fd)
{
	int one = 1;

	if (setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_ZEROCOPY, &one,
		       sizeof(one)) < 0)
		return -errno;
	return 0;
}

int vsockzc_get_stats(int fd, struct vsock_zc_stats *st)
{
	socklen_t len = sizeof(*st);

	memset(st, 0, sizeof(*st));
	if (getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_ZC_STATS, st, &len) < 0)
		return -errno;
	return 0;
}

int vsockzc_probe(int fd)
{
	struct vsock_zc_stats st;
	int ret, mask = 0;

	ret = vsockzc_get_stats(fd, &st);
	if (ret == 0)
		mask |= VSOCKZC_F_ZC_STATS;
	else if (!vsockzc_is_unsupported(ret))
		return ret;

	ret = vsockzc_enable_map_rx(fd);
	if (ret == 0)
		mask |= VSOCKZC_F_MAP_RX;
	else if (!vsockzc_is_unsupported(ret))
		return ret;
	return mask;
}

/* Milliseconds left until @end, or -1 for no limit. */
static int ms_left(const struct timespec *end)
{
	struct timespec now;
	long long ms;

	if (!end)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (end->tv_sec - now.tv_sec) * 1000LL +
	     (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* Wait for @events on @fd until @end. 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, const struct timespec *end)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&pfd, 1, ms_left(end));
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	return 0;
}

/* Read the reply line byte by byte: the stream follows right after it. */
static int hybrid_reply(int fd, const struct timespec *end, uint32_t *hostport)
{
	char line[32];
	size_t n = 0;
	ssize_t r;
	int ret;

	while (n < sizeof(line)) {
		ret = wait_fd(fd, POLLIN, end);
		if (ret)
			return ret;
		r = read(fd, line + n, 1);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNREFUSED;
		if (line[n++] == '\n')
			return vsockzc_parse_hybrid_reply(line, n, hostport);
	}
	return -ECONNREFUSED;
}

/* SOCK_SEQPACKET: the reply is one message. */
static int hybrid_reply_msg(int fd, const struct timespec *end,
			    uint32_t *hostport)
{
	char line[32];
	ssize_t r;
	int ret;

	for (;;) {
		ret = wait_fd(fd, POLLIN, end);
		if (ret)
			return ret;
		r = recv(fd, line, sizeof(line), MSG_TRUNC);
		if (r >= 0 || (errno != EINTR && errno != EAGAIN))
			break;
	}
	if (r < 0)
		return -errno;
	if (r == 0 || r > (ssize_t)sizeof(line))
		return -ECONNREFUSED;
	return vsockzc_parse_hybrid_reply(line, (size_t)r, hostport);
}

static int hybrid_connect(const char *path, int type, uint32_t port,
			  int timeout_ms, uint32_t *hostport)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timespec end, *endp = NULL;
	char req[32];
	int fd, len, ret, flags;
	socklen_t sl = sizeof(ret);

	if (!path || strlen(path) >= sizeof(sun.sun_path))
		return -EINVAL;
	strcpy(sun.sun_path, path);
	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += timeout_ms / 1000;
		end.tv_nsec += (timeout_ms % 1000) * 1000000L;
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
		endp = &end;
	}

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			ret = -errno;
			goto fail;
		}
		ret = wait_fd(fd, POLLOUT, endp);
		if (ret)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &ret, &sl) < 0) {
			ret = -errno;
			goto fail;
		}
		if (ret) {
			ret = -ret;
			goto fail;
		}
	}

	len = snprintf(req, sizeof(req), "CONNECT %" PRIu32 "\n", port);
	/* A fresh socket has room for a few bytes: this write is whole,
	 * and on SOCK_SEQPACKET one message.
	 */
	errno = 0;
	if (write(fd, req, (size_t)len) != len) {
		ret = errno ? -errno : -EIO;
		goto fail;
	}
	ret = type == SOCK_SEQPACKET ? hybrid_reply_msg(fd, endp, hostport) :
				       hybrid_reply(fd, endp, hostport);
	if (ret)
		goto fail;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		ret = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return ret;
}

int vsockzc_hybrid_connect(const char *path, uint32_t port, int timeout_ms,
			   uint32_t *hostport)
{
	return hybrid_connect(path, SOCK_STREAM, port, timeout_ms, hostport);
}

int vsockzc_hybrid_connect_seqpacket(const char *path, uint32_t port,
				     int timeout_ms, uint32_t *hostport)
{
	return hybrid_connect(path, SOCK_SEQPACKET, port, timeout_ms, hostport);
}
