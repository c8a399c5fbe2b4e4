/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line bits shared by the vsock-zc tools, as util-linux's c.h
 * and closestream.h have them: the --version line, usage errors with
 * the hint after them, and close_stdout() for atexit(), with which a
 * failed write to standard output is an error (exit CLOSE_EXIT_CODE).
 */
#ifndef VSOCKZC_CLI_H
#define VSOCKZC_CLI_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <err.h>
#include <unistd.h>

#ifndef CLOSE_EXIT_CODE
# define CLOSE_EXIT_CODE EXIT_FAILURE
#endif

/* Print "PROG from vsock-zc VERSION" and exit successfully. */
static inline void __attribute__((__noreturn__)) cli_print_version(void)
{
	printf("%s from %s\n", program_invocation_short_name, PACKAGE_STRING);
	exit(EXIT_SUCCESS);
}

/* Point at --help on standard error and exit with EXIT_FAILURE. */
static inline void __attribute__((__noreturn__)) cli_try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n",
		program_invocation_short_name);
	exit(EXIT_FAILURE);
}

/* A usage error: "PROG: MESSAGE", then the --help hint; exit EXIT_FAILURE. */
static inline void __attribute__((__noreturn__, __format__(__printf__, 1, 2)))
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	cli_try_help();
}

/* After getopt_long(): a usage error if an operand is left. */
static inline void cli_no_more_args(int argc, char **argv)
{
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
}

/* Close @stream; EOF if it or an earlier write to it failed. */
static inline int close_stream(FILE *stream)
{
	const int some_pending = (__fpending(stream) != 0);
	const int prev_fail = (ferror(stream) != 0);
	const int fclose_fail = (fclose(stream) != 0);

	if (prev_fail || (fclose_fail && (some_pending || errno != EBADF))) {
		if (!fclose_fail && !(errno == EPIPE))
			errno = 0;
		return EOF;
	}
	return 0;
}

/* For atexit(): a failed write to stdout, other than EPIPE, is an error. */
static inline void close_stdout(void)
{
	if (close_stream(stdout) != 0 && errno != EPIPE) {
		if (errno)
			warn("write error");
		else
			warnx("write error");
		_exit(CLOSE_EXIT_CODE);
	}
	if (close_stream(stderr) != 0)
		_exit(CLOSE_EXIT_CODE);
}

#endif /* VSOCKZC_CLI_H */
