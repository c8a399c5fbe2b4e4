// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit test: vsockzc_parse_addr() and friends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsockzc.h"

struct addr_case {
	const char *in;
	int ret;
	unsigned int cid;
	unsigned int port;
};

static const struct addr_case cases[] = {
	{ "2:5000", 0, 2, 5000 },
	{ "3:1", 0, 3, 1 },
	{ "0:0", 0, 0, 0 },
	{ "4294967295:4294967295", 0, 4294967295u, 4294967295u },
	{ "any:1234", 0, VMADDR_CID_ANY, 1234 },
	{ "host:22", 0, 2, 22 },
	{ "local:7", 0, 1, 7 },
	{ "hypervisor:9", 0, 0, 9 },
	{ "2:any", 0, 2, VMADDR_PORT_ANY },
	{ "", -EINVAL, 0, 0 },
	{ ":", -EINVAL, 0, 0 },
	{ "2", -EINVAL, 0, 0 },
	{ "2:", -EINVAL, 0, 0 },
	{ ":5000", -EINVAL, 0, 0 },
	{ "3abc:5000", -EINVAL, 0, 0 },
	{ "3:5000x", -EINVAL, 0, 0 },
	{ "-1:5000", -EINVAL, 0, 0 },
	{ "+3:5000", -EINVAL, 0, 0 },
	{ " 3:5000", -EINVAL, 0, 0 },
	{ "3: 5000", -EINVAL, 0, 0 },
	{ "0x10:5000", -EINVAL, 0, 0 },
	{ "2:5000:1", -EINVAL, 0, 0 },
	{ "Host:22", -EINVAL, 0, 0 },
	{ "4294967296:1", -ERANGE, 0, 0 },
	{ "2:4294967296", -ERANGE, 0, 0 },
	{ "99999999999999999999999:1", -ERANGE, 0, 0 },
};

int main(void)
{
	unsigned int i, failed = 0, n = sizeof(cases) / sizeof(cases[0]);

	printf("1..%u\n", n + 1);
	for (i = 0; i < n; i++) {
		const struct addr_case *c = &cases[i];
		struct sockaddr_vm sa;
		int ret;

		memset(&sa, 0xa5, sizeof(sa));
		ret = vsockzc_parse_addr(c->in, &sa);
		if (ret != c->ret ||
		    (ret == 0 && (sa.svm_family != AF_VSOCK ||
				  sa.svm_cid != c->cid ||
				  sa.svm_port != c->port))) {
			printf("not ok %u - \"%s\": got %d cid %u port %u\n",
			       i + 1, c->in, ret, sa.svm_cid, sa.svm_port);
			failed++;
		} else {
			printf("ok %u - \"%s\"\n", i + 1, c->in);
		}
	}
	if (vsockzc_parse_addr(NULL, NULL) != -EINVAL) {
		printf("not ok %u - NULL input\n", n + 1);
		failed++;
	} else {
		printf("ok %u - NULL input\n", n + 1);
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
