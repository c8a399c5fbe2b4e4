// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the libvsockzc parsers: addresses, endpoints,
 * hybrid-vsock replies and the receive ring. Formatting must parse back
 * to the same address, and no parser may read outside its input.
 * Built with libFuzzer by 'make fuzz'; without it, main() below replays
 * the corpus and fixed-seed mutations of it (make check).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
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

#ifndef VSOCKZC_LIBFUZZER
#define MAX_IN	1024

/* xorshift64: the same mutations on every run */
static uint64_t rnd(void)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/*
 * One mutation of @in (@len bytes) into @out: change, insert or delete
 * a few bytes, or cut it short. Bytes are drawn mostly from those the
 * parsers look for. Returns the new length.
 */
static size_t mutate(const uint8_t *in, size_t len, uint8_t *out)
{
	static const char dict[] = "0123456789:unix/OK \n\r\0x-+";
	size_t n = len, at;
	int k, edits = 1 + rnd() % 4;
	uint64_t r;

	memcpy(out, in, len);
	for (k = 0; k < edits; k++) {
		r = rnd();
		at = n ? (r >> 8) % (n + 1) : 0;
		switch (r % 4) {
		case 0:		/* change a byte */
			if (at < n && r & 0x10000)
				out[at] = dict[(r >> 40) % (sizeof(dict) - 1)];
			else if (at < n)
				out[at] = r >> 48;
			break;
		case 1:		/* insert one */
			if (n < MAX_IN) {
				memmove(out + at + 1, out + at, n - at);
				out[at] = dict[(r >> 40) % (sizeof(dict) - 1)];
				n++;
			}
			break;
		case 2:		/* delete one */
			if (at < n) {
				memmove(out + at, out + at + 1, n - at - 1);
				n--;
			}
			break;
		default:	/* cut short */
			n = at;
			break;
		}
	}
	return n;
}

/* Usage: fuzz_parse [CORPUS_DIR [MUTATIONS_PER_FILE]]; TAP on stdout. */
int main(int argc, char **argv)
{
	static uint8_t in[MAX_IN], out[MAX_IN + 8];
	char def[4096], path[4352];
	const char *dir = argc > 1 ? argv[1] : NULL;
	unsigned long runs = argc > 2 ? strtoul(argv[2], NULL, 0) : 1000;
	unsigned long r, files = 0, inputs = 0;
	struct dirent **names;
	size_t len;
	FILE *f;
	int i, n;

	if (!dir) {
		snprintf(def, sizeof(def), "%s/tests/fuzz/corpus",
			 getenv("srcdir") ? getenv("srcdir") : ".");
		dir = def;
	}
	/* sorted, so that the mutations follow the same inputs each run */
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		perror(dir);
		return 99;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		f = fopen(path, "r");
		if (!f) {
			perror(path);
			return 99;
		}
		len = fread(in, 1, sizeof(in), f);
		fclose(f);
		files++;
		LLVMFuzzerTestOneInput(in, len);
		for (r = 0; r < runs; r++)
			LLVMFuzzerTestOneInput(out, mutate(in, len, out));
		inputs += 1 + runs;
	}
	free(names);
	if (!files) {
		printf("1..1\nnot ok 1 - no corpus in %s\n", dir);
		return 1;
	}
	printf("1..1\nok 1 - %lu corpus files and %lu mutations of them, no crash\n",
	       files, inputs - files);
	return 0;
}
#endif
