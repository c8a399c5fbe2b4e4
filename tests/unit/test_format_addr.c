// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit test: address formatting, listening addresses, endpoints and the
 * hybrid-vsock reply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsockzc.h"

static unsigned int n_test, n_failed;

/* One TAP line; control characters in @in are shown as \xNN. */
static void check(int ok, const char *what, const char *in)
{
	n_test++;
	if (!ok)
		n_failed++;
	printf("%sok %u - %s \"", ok ? "" : "not ", n_test, what);
	for (; *in; in++)
		printf((unsigned char)*in < 0x20 ? "\\x%02x" : "%c", *in);
	printf("\"\n");
}

struct fmt_case {
	unsigned int cid, port, flags;
	const char *out;
};

static const struct fmt_case fmt_cases[] = {
	{ 3, 1234, 0, "3:1234" },
	{ 2, 22, 0, "2:22" },
	{ 2, 22, VSOCKZC_FMT_NAMES, "host:22" },
	{ 1, 7, VSOCKZC_FMT_NAMES, "local:7" },
	{ 0, 9, VSOCKZC_FMT_NAMES, "hypervisor:9" },
	{ VMADDR_CID_ANY, VMADDR_PORT_ANY, VSOCKZC_FMT_NAMES, "any:any" },
	{ VMADDR_CID_ANY, VMADDR_PORT_ANY, 0, "4294967295:4294967295" },
	{ 4294967294u, 0, VSOCKZC_FMT_NAMES, "4294967294:0" },
};

static void test_format(void)
{
	char buf[VSOCKZC_ADDRSTRLEN];
	struct sockaddr_vm sa, back;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		const struct fmt_case *c = &fmt_cases[i];

		memset(&sa, 0, sizeof(sa));
		sa.svm_family = AF_VSOCK;
		sa.svm_cid = c->cid;
		sa.svm_port = c->port;
		ret = vsockzc_format_addr(&sa, buf, sizeof(buf), c->flags);
		check(ret == (int)strlen(c->out) && strcmp(buf, c->out) == 0,
		      "format", c->out);
		/* and back */
		ret = vsockzc_parse_addr(buf, &back);
		check(ret == 0 && back.svm_cid == c->cid &&
		      back.svm_port == c->port, "round trip", c->out);
	}

	memset(&sa, 0, sizeof(sa));
	sa.svm_family = AF_VSOCK;
	sa.svm_cid = 12345;
	sa.svm_port = 678;
	ret = vsockzc_format_addr(&sa, buf, 9, 0);	/* "12345:678" is 9 */
	check(ret == -ENOSPC && buf[0] == '\0', "format ENOSPC", "12345:678");
	ret = vsockzc_format_addr(&sa, buf, 10, 0);
	check(ret == 9 && strcmp(buf, "12345:678") == 0, "format exact fit",
	      "12345:678");
	ret = vsockzc_format_addr(&sa, NULL, 0, 0);
	check(ret == -ENOSPC, "format size query", "NULL, 0");
	sa.svm_family = AF_UNIX;
	check(vsockzc_format_addr(&sa, buf, sizeof(buf), 0) == -EINVAL,
	      "format rejects", "AF_UNIX");
	check(vsockzc_format_cid(2, buf, sizeof(buf), 0) == 1 &&
	      strcmp(buf, "2") == 0, "format cid", "2");
	check(vsockzc_format_port(VMADDR_PORT_ANY, buf, sizeof(buf),
				  VSOCKZC_FMT_NAMES) == 3 &&
	      strcmp(buf, "any") == 0, "format port", "any");
}

struct listen_case {
	const char *in;
	int ret;
	unsigned int cid, port;
};

static const struct listen_case listen_cases[] = {
	{ "1234", 0, VMADDR_CID_ANY, 1234 },
	{ "3:1234", 0, 3, 1234 },
	{ "local:1", 0, 1, 1 },
	{ "any", 0, VMADDR_CID_ANY, VMADDR_PORT_ANY },
	{ "", -EINVAL, 0, 0 },
	{ "12a", -EINVAL, 0, 0 },
	{ ":12", -EINVAL, 0, 0 },
	{ "4294967296", -ERANGE, 0, 0 },
};

static void test_listen(void)
{
	struct sockaddr_vm sa;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(listen_cases) / sizeof(listen_cases[0]); i++) {
		const struct listen_case *c = &listen_cases[i];

		ret = vsockzc_parse_listen_addr(c->in, &sa);
		check(ret == c->ret && (ret || (sa.svm_cid == c->cid &&
						sa.svm_port == c->port)),
		      "listen", c->in);
	}
}

struct ep_case {
	const char *in;
	int ret;
	int type;
	const char *path;
	unsigned int cid, port;
};

static const struct ep_case ep_cases[] = {
	{ "2:5000", 0, VSOCKZC_EP_VSOCK, NULL, 2, 5000 },
	{ "unix:/tmp/v.sock:52", 0, VSOCKZC_EP_UNIX, "/tmp/v.sock", 0, 52 },
	{ "unix:a:b:7", 0, VSOCKZC_EP_UNIX, "a:b", 0, 7 },
	{ "unix:rel:0", 0, VSOCKZC_EP_UNIX, "rel", 0, 0 },
	{ "unix::52", -EINVAL, 0, NULL, 0, 0 },
	{ "unix:/x", -EINVAL, 0, NULL, 0, 0 },
	{ "unix:/x:", -EINVAL, 0, NULL, 0, 0 },
	{ "unix:/x:3abc", -EINVAL, 0, NULL, 0, 0 },
	{ "unix:/x:any", -EINVAL, 0, NULL, 0, 0 },
	{ "unix:/x:4294967296", -ERANGE, 0, NULL, 0, 0 },
	{ "unix", -EINVAL, 0, NULL, 0, 0 },
	{ "3abc:1", -EINVAL, 0, NULL, 0, 0 },
};

static void test_endpoint(void)
{
	struct vsockzc_endpoint ep;
	char longpath[200];
	size_t i;
	int ret, ok;

	for (i = 0; i < sizeof(ep_cases) / sizeof(ep_cases[0]); i++) {
		const struct ep_case *c = &ep_cases[i];

		ret = vsockzc_parse_endpoint(c->in, &ep);
		ok = ret == c->ret;
		if (ok && ret == 0 && c->type == VSOCKZC_EP_UNIX)
			ok = ep.type == VSOCKZC_EP_UNIX &&
			     strcmp(ep.path, c->path) == 0 &&
			     ep.port == c->port;
		else if (ok && ret == 0)
			ok = ep.type == VSOCKZC_EP_VSOCK &&
			     ep.vm.svm_cid == c->cid &&
			     ep.vm.svm_port == c->port;
		check(ok, "endpoint", c->in);
	}

	memset(longpath, 'p', sizeof(longpath));
	memcpy(longpath, "unix:", 5);
	strcpy(longpath + sizeof(longpath) - 4, ":1");
	check(vsockzc_parse_endpoint(longpath, &ep) == -ENAMETOOLONG,
	      "endpoint", "unix:<long path>:1");
}

struct reply_case {
	const char *in;
	int ret;
	unsigned int port;
};

static const struct reply_case reply_cases[] = {
	{ "OK 1073741824\n", 0, 1073741824u },
	{ "OK 0\n", 0, 0 },
	{ "OK 4294967295\n", 0, 4294967295u },
	{ "OK 4294967296\n", -ECONNREFUSED, 0 },
	{ "OK \n", -ECONNREFUSED, 0 },
	{ "OK 12", -ECONNREFUSED, 0 },
	{ "OK 12x\n", -ECONNREFUSED, 0 },
	{ "ok 12\n", -ECONNREFUSED, 0 },
	{ "ERR\n", -ECONNREFUSED, 0 },
	{ "", -ECONNREFUSED, 0 },
};

static void test_reply(void)
{
	uint32_t port;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		const struct reply_case *c = &reply_cases[i];

		port = 0;
		ret = vsockzc_parse_hybrid_reply(c->in, strlen(c->in), &port);
		check(ret == c->ret && port == c->port, "reply", c->in);
	}
	check(vsockzc_parse_hybrid_reply("OK 1\0\n", 6, &port) ==
	      -ECONNREFUSED, "reply with NUL", "OK 1\\0\\n");
}

int main(void)
{
	test_format();
	test_listen();
	test_endpoint();
	test_reply();
	printf("1..%u\n", n_test);
	return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
