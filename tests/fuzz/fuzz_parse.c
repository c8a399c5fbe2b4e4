// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the libvsockzc parsers: addresses, endpoints,
 * hybrid-vsock replies and the receive ring. Formatting must parse back
 * to the same address, and no parser may read outside its input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vsockzc.h"

static void check_addr(const char *str)
{
	char buf[VSOCKZC_ADDRSTRLEN];
	struct sockaddr_vm sa, back;
	unsigned int flags;

	if (vsockzc_parse_addr(str, &sa))
		return;
	for (flags = 0; flags <= VSOCKZC_FMT_NAMES; flags += VSOCKZC_FMT_NAMES) {
		if (vsockzc_format_addr(&sa, buf, sizeof(buf), flags) < 0)
			abort();
		if (vsockzc_parse_addr(buf, &back) ||
		    back.svm_cid != sa.svm_cid || back.svm_port != sa.svm_port)
			abort();
	}
}

static void check_ring(const uint8_t *data, size_t size)
{
	struct vsockzc_ring_iter it;
	struct vsockzc_pkt pkt;
	size_t total = 0;
	int ret;

	/* 64-byte "pages": page 0 holds eight records */
	if (vsockzc_ring_iter_init(&it, data, size, 64))
		return;
	while ((ret = vsockzc_ring_next(&it, &pkt)) == 1) {
		if ((const uint8_t *)pkt.data < data ||
		    (const uint8_t *)pkt.data + pkt.len > data + size)
			abort();
		total += pkt.len;
	}
	if (ret > 0 || total > size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsockzc_endpoint ep;
	struct sockaddr_vm sa;
	uint32_t port;
	uint8_t *copy;
	char *str;

	/* exact-size copies, so that the sanitizer sees any overread */
	str = malloc(size + 1);
	copy = malloc(size ? size : 1);
	if (!str || !copy)
		abort();
	memcpy(str, data, size);
	str[size] = '\0';
	memcpy(copy, data, size);

	check_addr(str);
	vsockzc_parse_listen_addr(str, &sa);
	vsockzc_parse_endpoint(str, &ep);
	vsockzc_parse_hybrid_reply((const char *)copy, size, &port);
	check_ring(copy, size);

	free(copy);
	free(str);
	return 0;
}
