// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvsockzc: address parsing.
 */
#include <errno.h>
#include <stdint.h>
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

int vsockzc_parse_addr(const char *str, struct sockaddr_vm *addr)
{
	char buf[64];
	const char *colon;
	uint32_t cid, port;
	size_t len;
	int ret;

	if (!str)
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

	memset(addr, 0, sizeof(*addr));
	addr->svm_family = AF_VSOCK;
	addr->svm_cid = cid;
	addr->svm_port = port;
	return 0;
}
