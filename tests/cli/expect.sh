# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the host tests: compare output with the files under
# tests/expected/, as util-linux's tests do. Needs $tmp, $n, $failed.

# expect NAME FILE: FILE, with $tmp written as TMP, is
# tests/expected/NAME to the byte; a TAP line, and the diff if not.
# With EXPECT_WRITE=1 in the environment, FILE becomes the expected
# output instead (review the diff before committing it).
expect() {
	n=$((n + 1))
	if [ "${EXPECT_WRITE:-}" = 1 ]; then
		mkdir -p "${srcdir:-.}/tests/expected/${1%/*}"
		sed "s|$tmp|TMP|g" "$2" > "${srcdir:-.}/tests/expected/$1"
	fi
	if sed "s|$tmp|TMP|g" "$2" |
	   diff -u "${srcdir:-.}/tests/expected/$1" - > "$tmp/expect.diff"; then
		echo "ok $n - $1"
		return 0
	fi
	echo "not ok $n - $1 differs:"
	sed 's/^/# /' "$tmp/expect.diff"
	failed=$((failed + 1))
	return 1
}
