// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging and epoll helpers for vsock-zc-vhostd.
 */
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>

#include "vhostd.h"

void vhd_log(const struct vhd *d, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > d->verbose)
		return;
	va_start(ap, fmt);
	fputs("vsock-zc-vhostd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int epoll_op(struct vhd *d, int op, int fd, uint32_t events,
		    struct vhd_ev *ev)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	return epoll_ctl(d->epfd, op, fd, &e);
}

int vhd_epoll_add(struct vhd *d, int fd, uint32_t events, struct vhd_ev *ev)
{
	return epoll_op(d, EPOLL_CTL_ADD, fd, events, ev);
}

int vhd_epoll_mod(struct vhd *d, int fd, uint32_t events, struct vhd_ev *ev)
{
	return epoll_op(d, EPOLL_CTL_MOD, fd, events, ev);
}

void vhd_epoll_del(struct vhd *d, int fd)
{
	epoll_op(d, EPOLL_CTL_DEL, fd, 0, NULL);
}
