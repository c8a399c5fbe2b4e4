// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvsockzc: address parsing and formatting.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsockzc.h"

static const struct {
	const char *name;
	uint32_t cid;
} cid_names[] = {
	{ "any", VMADDR_CID_ANY },
	{ "hypervisor", VMADDR_CID_HYPERVISOR },
	{ "local", VMADDR_CID_LOCAL },
	{ "host", VMADDR_CID_HOST },
};

/* A base-10 number that fits in 32 bits, with nothing before or after. */
static int parse_u32(const char *str, uint32_t *val)
{
	unsigned long long v;
	char *end;

	if (!str || *str < '0' || *str > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(str, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v > UINT32_MAX)
		return -ERANGE;
	*val = (uint32_t)v;
	return 0;
}

int vsockzc_parse_cid(const char *str, uint32_t *cid)
{
	size_t i;

	if (!str)
		return -EINVAL;
	for (i = 0; i < sizeof(cid_names) / sizeof(cid_names[0]); i++) {
		if (strcmp(str, cid_names[i].name) == 0) {
			*cid = cid_names[i].cid;
			return 0;
		}
	}
	return parse_u32(str, cid);
}

int vsockzc_parse_port(const char *str, uint32_t *port)
{
	if (str && strcmp(str, "any") == 0) {
		*port = VMADDR_PORT_ANY;
		return 0;
	}
	return parse_u32(str, port);
}

static void set_addr(struct sockaddr_vm *addr, uint32_t cid, uint32_t port)
{
	memset(addr, 0, sizeof(*addr));
	addr->svm_family = AF_VSOCK;
	addr->svm_cid = cid;
	addr->svm_port = port;
}

int vsockzc_parse_addr(const char *str, struct sockaddr_vm *addr)
{
	char buf[64];
	const char *colon;
	uint32_t cid, port;
	size_t len;
	int ret;

	if (!str || !addr)
		return -EINVAL;
	colon = strchr(str, ':');
	if (!colon || strchr(colon + 1, ':'))
		return -EINVAL;
	len = (size_t)(colon - str);
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, str, len);
	buf[len] = '\0';

	ret = vsockzc_parse_cid(buf, &cid);
	if (ret)
		return ret;
	ret = vsockzc_parse_port(colon + 1, &port);
	if (ret)
		return ret;

	set_addr(addr, cid, port);
	return 0;
}

int vsockzc_parse_listen_addr(const char *str, struct sockaddr_vm *addr)
{
	uint32_t port;
	int ret;

	if (!str || !addr)
		return -EINVAL;
	if (strchr(str, ':'))
		return vsockzc_parse_addr(str, addr);
	ret = vsockzc_parse_port(str, &port);
	if (ret)
		return ret;
	set_addr(addr, VMADDR_CID_ANY, port);
	return 0;
}

/* snprintf() with the return values of the vsockzc_format_*() calls. */
static int fmt_ret(char *buf, size_t len, int n)
{
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return n;
}

int vsockzc_format_cid(uint32_t cid, char *buf, size_t len, unsigned int flags)
{
	size_t i;

	if (!buf && len)
		return -EINVAL;
	if (flags & VSOCKZC_FMT_NAMES) {
		for (i = 0; i < sizeof(cid_names) / sizeof(cid_names[0]); i++)
			if (cid_names[i].cid == cid)
				return fmt_ret(buf, len, snprintf(buf, len, "%s",
						cid_names[i].name));
	}
	return fmt_ret(buf, len, snprintf(buf, len, "%" PRIu32, cid));
}

int vsockzc_format_port(uint32_t port, char *buf, size_t len,
			unsigned int flags)
{
	if (!buf && len)
		return -EINVAL;
	if ((flags & VSOCKZC_FMT_NAMES) && port == VMADDR_PORT_ANY)
		return fmt_ret(buf, len, snprintf(buf, len, "any"));
	return fmt_ret(buf, len, snprintf(buf, len, "%" PRIu32, port));
}

int vsockzc_format_addr(const struct sockaddr_vm *addr, char *buf, size_t len,
			unsigned int flags)
{
	char cid[VSOCKZC_ADDRSTRLEN], port[VSOCKZC_ADDRSTRLEN];

	if (!addr || addr->svm_family != AF_VSOCK || (!buf && len))
		return -EINVAL;
	vsockzc_format_cid(addr->svm_cid, cid, sizeof(cid), flags);
	vsockzc_format_port(addr->svm_port, port, sizeof(port), flags);
	return fmt_ret(buf, len, snprintf(buf, len, "%s:%s", cid, port));
}

int vsockzc_parse_endpoint(const char *str, struct vsockzc_endpoint *ep)
{
	static const char prefix[] = "unix:";
	const char *path, *colon;
	size_t len;
	int ret;

	if (!str || !ep)
		return -EINVAL;
	memset(ep, 0, sizeof(*ep));
	if (strncmp(str, prefix, sizeof(prefix) - 1) != 0) {
		ep->type = VSOCKZC_EP_VSOCK;
		return vsockzc_parse_addr(str, &ep->vm);
	}

	path = str + sizeof(prefix) - 1;
	colon = strrchr(path, ':');
	if (!colon || colon == path)
		return -EINVAL;
	len = (size_t)(colon - path);
	if (len >= sizeof(ep->path))
		return -ENAMETOOLONG;
	ret = vsockzc_parse_port(colon + 1, &ep->port);
	if (ret)
		return ret;
	/* "any" means nothing to a hybrid-vsock multiplexer */
	if (ep->port == VMADDR_PORT_ANY)
		return -EINVAL;
	memcpy(ep->path, path, len);
	ep->path[len] = '\0';
	ep->type = VSOCKZC_EP_UNIX;
	return 0;
}

int vsockzc_parse_hybrid_reply(const char *line, size_t len,
			       uint32_t *hostport)
{
	char num[16];
	uint32_t port;
	size_t n;

	/* "OK " digits "\n" */
	if (!line || len < 5 || memcmp(line, "OK ", 3) != 0 ||
	    line[len - 1] != '\n')
		return -ECONNREFUSED;
	n = len - 4;
	if (n >= sizeof(num) || memchr(line + 3, '\0', n))
		return -ECONNREFUSED;
	memcpy(num, line + 3, n);
	num[n] = '\0';
	if (parse_u32(num, &port))
		return -ECONNREFUSED;
	if (hostport)
		*hostport = port;
	return 0;
}
