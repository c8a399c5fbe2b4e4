#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The vsock-zc patch queue: a git work tree made from Debian's
# linux-source-6.12 tarball plus fs-splice/series and kernel/series.
#
#   tree.sh create        unpack, commit as tag "base", apply both series
#   tree.sh export        regenerate the patch files from the tree's commits
#   tree.sh check         apply-then-export is a no-op; checkpatch --strict
#   tree.sh check-builds  every commit of the series builds on its own
#   tree.sh build FLAVOUR build bzImage for "test" or "bench" (incremental)
#   tree.sh build-stock   the base without the series, bench config, for
#                         comparison (obj-stock)
#   tree.sh tools FLAVOUR build vsock_test, vsock_perf, vsock_diag_test
#   tree.sh dkms-source   the DKMS source tree of the vsock modules,
#                         from the tree's HEAD (dkms/vsock-zc-VERSION)
#   tree.sh dkms-image    those modules built for Debian's image of the
#                         base, with its brd, for mkinitramfs -m
#   tree.sh kernel-deb    Debian's config plus the series, as .debs
#   tree.sh kernel-deb-image  its vmlinuz and vsock modules, to boot
#   tree.sh debian-headers  unpack Debian's headers of the base; print
#                         the directory to build modules against
#   tree.sh debian-abi    the base's Debian ABI name (6.12.117+deb12)
#   tree.sh debian-image  fetch Debian's own build of the base (the cloud
#                         flavour) into debian-image/: vmlinuz and the
#                         vsock modules, for tests on a stock kernel
#
# Environment: SRCDIR (the vsock-zc checkout), BUILDDIR (default
# $SRCDIR/build), KERNEL_TARBALL, JOBS, BASE_DEB_VERSION.
set -eu -o pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
TREE=$BUILDDIR/linux
KERNEL_TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${JOBS:-$(nproc)}

# Commits whose subject starts with one of these go to fs-splice/.
FS_SUBJECTS='^(splice|fs|pipe)[:/ ]'

die() { echo "tree.sh: $*" >&2; exit 1; }
note() { echo "tree.sh: $*" >&2; }

git_tree() { git -C "$TREE" "$@"; }

check_base_version() {
	local want have
	want=$(cat "$SRCDIR/kernel/base-version")
	have=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
	if [ -z "$have" ]; then
		note "cannot tell the version of $KERNEL_TARBALL (linux-source-6.12 not installed as a package)"
	elif [ "$have" != "$want" ]; then
		cat >&2 <<EOF
tree.sh: ********************************************************
tree.sh: WARNING: kernel base is linux-source-6.12 $have,
tree.sh:          but kernel/base-version pins $want.
tree.sh:          The series is applied with git am --3way.
tree.sh: ********************************************************
EOF
	fi
}

apply_series() {
	local dir=$1 tree=$2 p
	[ -f "$dir/series" ] || return 0
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		[ -f "$dir/$p" ] || die "$dir/series names $p, which does not exist"
		git -C "$tree" am -q --3way "$dir/$p" ||
			die "$dir/$p does not apply; resolve in $tree (git am --continue), then run export"
	done < "$dir/series"
}

cmd_create() {
	[ -e "$TREE" ] && die "$TREE exists; remove it first to make it anew"
	[ -r "$KERNEL_TARBALL" ] || die "no kernel tarball at $KERNEL_TARBALL (apt-get install linux-source-6.12)"
	check_base_version
	mkdir -p "$BUILDDIR"
	local tmp=$BUILDDIR/linux.new
	rm -rf "$tmp"
	mkdir "$tmp"
	note "unpacking $KERNEL_TARBALL"
	tar -xJf "$KERNEL_TARBALL" -C "$tmp" --strip-components=1
	# Debian's block at the end of .gitignore ignores the whole tree.
	sed -i '/^# Debian packaging/,$d' "$tmp/.gitignore"
	sed -i '${/^#$/d}' "$tmp/.gitignore"
	git -C "$tmp" init -q
	git -C "$tmp" config user.name "$(git -C "$SRCDIR" config user.name || echo vsock-zc)"
	git -C "$tmp" config user.email "$(git -C "$SRCDIR" config user.email || echo vsock-zc@invalid)"
	git -C "$tmp" config gc.auto 0
	# Track everything the tarball holds, dotfiles (.gitattributes) too.
	git -C "$tmp" add -A -f
	git -C "$tmp" commit -q -m "Debian linux-source-6.12 $(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)"
	git -C "$tmp" tag base
	apply_series "$SRCDIR/fs-splice" "$tmp"
	apply_series "$SRCDIR/kernel" "$tmp"
	mv "$tmp" "$TREE"
	note "tree ready at $TREE ($(git_tree rev-list --count base..HEAD) patches on base)"
}

# export_from TREE FS_DIR KERNEL_DIR: write both series from TREE's commits
export_from() {
	local tree=$1 fsdir=$2 kdir=$3 c subj split=base in_fs=1
	for c in $(git -C "$tree" rev-list --reverse base..HEAD); do
		subj=$(git -C "$tree" log -1 --format=%s "$c")
		if [[ $subj =~ $FS_SUBJECTS ]]; then
			[ $in_fs = 1 ] || die "fs-splice commit \"$subj\" comes after a kernel/ commit; reorder the tree"
			split=$c
		else
			in_fs=0
		fi
	done
	write_series "$tree" base "$split" "$fsdir"
	write_series "$tree" "$split" HEAD "$kdir"
}

write_series() {
	local tree=$1 from=$2 to=$3 dir=$4 f
	mkdir -p "$dir"
	find "$dir" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-cover-letter.patch' -delete
	: > "$dir/series"
	[ "$(git -C "$tree" rev-parse "$from")" = "$(git -C "$tree" rev-parse "$to")" ] && return 0
	git -C "$tree" format-patch -q --zero-commit --no-signature -N \
		-o "$dir" "$from..$to"
	for f in "$dir"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "${f##*/}" = 0000-cover-letter.patch ] && continue
		echo "${f##*/}" >> "$dir/series"
	done
}

# kernel/0000-cover-letter.patch: format-patch's cover letter for the
# whole series (shortlog, diffstat), with the subject and text of
# kernel/cover-letter.txt (first line: subject).
write_cover_letter() {
	local tree=$1 dir=$2 txt=$2/cover-letter.txt tmp
	[ -f "$txt" ] || return 0
	tmp=$(mktemp -d)
	git -C "$tree" format-patch -q --zero-commit --no-signature --cover-letter \
		-o "$tmp" base..HEAD
	awk -v txt="$txt" '
	BEGIN {
		getline subject < txt
		while ((getline line < txt) > 0) body = body line "\n"
		sub(/^\n/, "", body)
	}
	/^Date: / { next }
	/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
	/^\*\*\* BLURB HERE \*\*\*$/ { printf "%s", body; next }
	{ print }' "$tmp/0000-cover-letter.patch" > "$dir/0000-cover-letter.patch"
	rm -rf "$tmp"
}

cmd_export() {
	[ -d "$TREE/.git" ] || die "no tree at $TREE; run 'make kernel-tree'"
	[ -z "$(git_tree status --porcelain --untracked-files=no)" ] ||
		die "$TREE has uncommitted changes; commit them first"
	export_from "$TREE" "$SRCDIR/fs-splice" "$SRCDIR/kernel"
	write_cover_letter "$TREE" "$SRCDIR/kernel"
	note "exported $(grep -c . "$SRCDIR/fs-splice/series" || true) fs-splice and $(grep -c . "$SRCDIR/kernel/series" || true) kernel patches"
}

# The files export writes in DIR: series and the numbered patches.
series_files() {
	(cd "$1" && ls series [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null |
		grep -v '^0000-cover-letter.patch$') || true
}

cmd_check() {
	[ -d "$TREE/.git" ] || die "no tree at $TREE; run 'make kernel-tree'"
	local wt=$BUILDDIR/check-tree out=$BUILDDIR/check-export rc=0 p dir
	rm -rf "$out"
	git_tree worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
	git_tree worktree prune
	git_tree worktree add -q --detach "$wt" base
	apply_series "$SRCDIR/fs-splice" "$wt"
	apply_series "$SRCDIR/kernel" "$wt"
	export_from "$wt" "$out/fs-splice" "$out/kernel"
	for dir in fs-splice kernel; do
		if ! diff -u <(series_files "$out/$dir") <(series_files "$SRCDIR/$dir") >&2; then
			note "FAIL: $dir/ holds other patch files than apply-then-export makes"
			rc=1
			continue
		fi
		for p in $(series_files "$out/$dir"); do
			diff -u "$SRCDIR/$dir/$p" "$out/$dir/$p" >&2 || {
				note "FAIL: apply-then-export changes $dir/$p"
				rc=1
			}
		done
	done
	[ $rc = 0 ] && note "ok: apply-then-export is a no-op"
	for dir in fs-splice kernel; do
		while read -r p; do
			case $p in ''|'#'*) continue ;; esac
			# The tree comes from a tarball: no upstream history in
			# which to find the commit a Fixes: tag names.
			if (cd "$wt" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict -q --no-summary \
				--ignore UNKNOWN_COMMIT_ID "$SRCDIR/$dir/$p"); then
				echo "ok checkpatch $dir/$p"
			else
				echo "not ok checkpatch $dir/$p"
				rc=1
			fi
		done < "$SRCDIR/$dir/series"
	done
	git_tree worktree remove --force "$wt"
	rm -rf "$out"
	return $rc
}

# The .config for FLAVOUR: tinyconfig plus kernel/config fragments.
configure_kernel() {
	local flavour=$1 obj=$2 src=${3:-$TREE} frags=() f opt line
	frags=("$SRCDIR/kernel/config/common.config" "$SRCDIR/kernel/config/$flavour.config")
	for f in "${frags[@]}"; do [ -f "$f" ] || die "no config fragment $f"; done
	local stamp=$obj/.vsockzc-config
	if [ -f "$obj/.config" ] && [ -f "$stamp" ] &&
	   [ "$(cat "${frags[@]}" | sha256sum)" = "$(cat "$stamp")" ]; then
		return 0
	fi
	note "configuring $flavour kernel in $obj"
	mkdir -p "$obj"
	make -s -C "$src" O="$obj" tinyconfig >/dev/null
	(cd "$src" && ./scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null)
	make -s -C "$src" O="$obj" olddefconfig >/dev/null
	# Every option the fragments ask for must have survived olddefconfig.
	for f in "${frags[@]}"; do
		while read -r line; do
			case $line in
			CONFIG_*=*)
				grep -qxF "$line" "$obj/.config" ||
					die "$flavour: '$line' from ${f##*/} did not stick (missing dependency?)" ;;
			'# CONFIG_'*' is not set')
				opt=${line#\# }; opt=${opt%% *}
				grep -q "^$opt=" "$obj/.config" &&
					die "$flavour: $opt is set, but ${f##*/} asks for it off" ;;
			esac
		done < "$f"
	done
	cat "${frags[@]}" | sha256sum > "$stamp"
}

cmd_build() {
	local flavour=${1:-test} obj
	[ -d "$TREE/.git" ] || die "no tree at $TREE; run 'make kernel-tree'"
	obj=$BUILDDIR/obj-$flavour
	configure_kernel "$flavour" "$obj"
	note "building $flavour bzImage (make -j$JOBS)"
	make -s -C "$TREE" O="$obj" -j"$JOBS" bzImage
	make -s -C "$TREE" O="$obj" headers_install >/dev/null
	note "ok: $obj/arch/x86/boot/bzImage"
}

# The unpatched base with the bench config, in a work tree of its own.
cmd_build_stock() {
	local wt=$BUILDDIR/stock-tree obj=$BUILDDIR/obj-stock
	[ -d "$TREE/.git" ] || die "no tree at $TREE; run 'make kernel-tree'"
	# A work tree left from another base (a reset tree) is made anew.
	if [ "$(git -C "$wt" rev-parse HEAD 2>/dev/null)" != "$(git_tree rev-parse base)" ]; then
		git_tree worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
		git_tree worktree prune
		git_tree worktree add -q --detach "$wt" base
	fi
	configure_kernel bench "$obj" "$wt"
	note "building the stock bzImage (make -j$JOBS)"
	make -s -C "$wt" O="$obj" -j"$JOBS" bzImage
	note "ok: $obj/arch/x86/boot/bzImage"
}

# Debian's unpatched build of the same linux-source-6.12 version, as the
# archive ships it: what users run, and what vsock-cat must fall back on.
DEBIAN_VSOCK_MODULES='vsock vmw_vsock_virtio_transport_common
	vmw_vsock_virtio_transport vsock_loopback vsock_diag'

# What debian-image/ holds; a change fetches the image anew.
DEBIAN_IMAGE_FORMAT=brd,config

# The Debian version of the base: linux-source-6.12's, or BASE_DEB_VERSION
# (check-versions sets it for other releases).
base_version() {
	[ -z "${BASE_DEB_VERSION:-}" ] || { echo "$BASE_DEB_VERSION"; return; }
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null ||
		die "linux-source-6.12 is not installed; run ./bootstrap"
}

# The ABI name of the base version: 6.12.117-1~deb12u1 is built as
# linux-image-6.12.117+deb12-*.
debian_abi() {
	local ver abi
	ver=$(base_version) || exit 1
	abi=${ver%%-*}
	case $ver in *~deb[0-9]*) abi=$abi+$(echo "$ver" | sed 's/.*~\(deb[0-9]*\).*/\1/') ;; esac
	echo "$abi"
}

# unpack_image DEB OUT MODULES: vmlinuz, config and MODULES (loaded in
# that order, listed in OUT/modules/load-order) from a linux-image
# package, and brd.ko beside them.
unpack_image() {
	local deb=$1 out=$2 mods=$3 x m f
	x=$(mktemp -d)
	dpkg-deb -x "$deb" "$x" || { rm -rf "$x"; die "cannot unpack $deb"; }
	mkdir -p "$out/modules"
	cp "$x"/boot/vmlinuz-* "$out/vmlinuz"
	cp "$x"/boot/config-* "$out/config"
	: > "$out/modules/load-order"
	for m in $mods brd; do
		f=$(find "$x/lib/modules" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || { rm -rf "$x"; die "${deb##*/} has no $m module"; }
		case $f in
		*.xz) xz -dc "$f" > "$out/modules/$m.ko" ;;
		*) cp "$f" "$out/modules/$m.ko" ;;
		esac
		[ "$m" = brd ] || echo "$m.ko" >> "$out/modules/load-order"
	done
	rm -rf "$x"
}

# The kernel make kernel-deb built, as the VM tests boot it: vmlinuz and
# its vsock modules (and brd, loaded: the page-cache cases need it).
cmd_kernel_deb_image() {
	local deb out=$BUILDDIR/kernel-deb-image
	deb=$(ls "$BUILDDIR"/kernel-deb/linux-image-*vsockzc*.deb 2>/dev/null | grep -v dbg | head -n 1 || :)
	[ -n "$deb" ] || die "no linux-image package in $BUILDDIR/kernel-deb; run 'make kernel-deb'"
	rm -rf "$out"
	unpack_image "$deb" "$out" "$DEBIAN_VSOCK_MODULES"
	echo brd.ko >> "$out/modules/load-order"
	note "ok: $out (${deb##*/})"
}

# fetch_debs DIR PKG=VERSION...: the packages from the archive, into DIR.
fetch_debs() {
	local dir=$1
	shift
	(cd "$dir" && apt-get download -q "$@") >/dev/null 2>"$dir/err" || {
		cat "$dir/err" >&2
		die "cannot fetch $* (run 'apt-get update' as root?)"
	}
}

cmd_debian_image() {
	local ver abi pkg out=$BUILDDIR/debian-image tmp
	ver=$(base_version) || exit 1
	abi=$(debian_abi)
	pkg=linux-image-$abi-cloud-amd64-unsigned
	if [ "$(cat "$out/version" 2>/dev/null)" = "$pkg=$ver $DEBIAN_IMAGE_FORMAT" ]; then
		note "ok: $out/vmlinuz ($pkg $ver, already fetched)"
		return 0
	fi
	rm -rf "$out"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"; trap - RETURN' RETURN
	note "fetching $pkg=$ver from the Debian archive"
	fetch_debs "$tmp" "$pkg=$ver"
	unpack_image "$tmp"/*.deb "$out" "$DEBIAN_VSOCK_MODULES"
	echo "$pkg=$ver $DEBIAN_IMAGE_FORMAT" > "$out/version"
	note "ok: $out/vmlinuz ($pkg $ver)"
}

# Debian's headers for its build of the base (linux-headers-ABI-cloud-
# amd64, its -common and linux-kbuild), unpacked into debian-headers/
# rather than installed: they would pull in a linux-image. Prints the
# directory to build modules against.
debian_headers() {
	local ver abi out=$BUILDDIR/debian-headers tmp p
	ver=$(base_version) || exit 1
	abi=$(debian_abi)
	if [ "$(cat "$out/version" 2>/dev/null)" != "$abi $ver" ]; then
		rm -rf "$out"
		tmp=$(mktemp -d)
		note "fetching Debian's $abi-cloud-amd64 headers from the archive"
		fetch_debs "$tmp" "linux-headers-$abi-cloud-amd64=$ver" \
			"linux-headers-$abi-common=$ver" "linux-kbuild-$abi=$ver"
		mkdir -p "$out/root"
		for p in "$tmp"/*.deb; do
			dpkg-deb -x "$p" "$out/root" || die "cannot unpack $p"
		done
		rm -rf "$tmp"
		# The flavour's Makefile includes the common one by its
		# installed path.
		sed -i "s|^include /usr/src/|include $out/root/usr/src/|" \
			"$out/root/usr/src/linux-headers-$abi-cloud-amd64/Makefile" &&
			grep -q "^include $out/root/" \
				"$out/root/usr/src/linux-headers-$abi-cloud-amd64/Makefile" ||
			die "cannot point Debian's $abi headers at their unpacked copy"
		echo "$abi $ver" > "$out/version"
	fi
	echo "$out/root/usr/src/linux-headers-$abi-cloud-amd64"
}

# The DKMS modules built against Debian's headers for the same version
# (linux-headers-ABI-cloud-amd64), beside that image's other modules:
# dkms-image/ for mkinitramfs -m. Loads ours; keeps the stock
# vsock_loopback.ko as stock-vsock_loopback.ko, for the ABI check.
cmd_dkms_image() {
	local ver=${VSOCK_ZC_VERSION:?} img=$BUILDDIR/debian-image
	local src=$BUILDDIR/dkms/vsock-zc-$ver out=$BUILDDIR/dkms-image kdir m
	[ -f "$img/version" ] || die "no $img; run 'make kernel-debian'"
	[ -f "$src/dkms.conf" ] || die "no $src; run 'make dkms-source'"
	kdir=$(debian_headers) && [ -f "$kdir/Makefile" ] ||
		die "no Debian headers to build the DKMS modules against"
	# Built in a copy: the source stays clean for make dkms-deb.
	rm -rf "$out" "$out.src"
	cp -a "$src" "$out.src"
	make -s -C "$out.src" KDIR="$kdir" -j"$JOBS" >/dev/null ||
		die "the DKMS modules do not build against $kdir"
	mkdir -p "$out"
	: > "$out/load-order"
	for m in $DEBIAN_VSOCK_MODULES; do
		cp "$out.src/$m.ko" "$out/"
		echo "$m.ko" >> "$out/load-order"
	done
	cp "$img/modules/brd.ko" "$out/"
	echo brd.ko >> "$out/load-order"
	cp "$img/modules/vsock_loopback.ko" "$out/stock-vsock_loopback.ko"
	note "ok: $out (vsock-zc-dkms $ver for $(debian_abi)-cloud-amd64)"
}

# The DKMS source: the vsock modules' files as the series leaves them (the
# tree's HEAD, not its work tree), flattened into one directory, with
# kernel/dkms/'s build files. VSOCK_ZC_VERSION names it.
DKMS_FILES='net/vmw_vsock drivers/net/vsockmon.c drivers/vhost/vhost.h'
DKMS_HEADERS='include/net/af_vsock.h include/net/vsock_addr.h
	include/linux/virtio_vsock.h include/uapi/linux/vm_sockets.h'

cmd_dkms_source() {
	[ -d "$TREE/.git" ] || die "no tree at $TREE; run 'make kernel-tree'"
	local ver=${VSOCK_ZC_VERSION:?} out f d
	out=$BUILDDIR/dkms/vsock-zc-$ver
	rm -rf "$out"
	mkdir -p "$out"
	for f in $(git_tree ls-tree -r --name-only HEAD -- $DKMS_FILES); do
		case $f in *.[ch]) git_tree show "HEAD:$f" > "$out/${f##*/}" ;; esac
	done
	git_tree show HEAD:drivers/vhost/vsock.c > "$out/vhost_vsock_dev.c"
	for f in $DKMS_HEADERS; do
		d=$out/${f%/*}
		mkdir -p "$d"
		git_tree show "HEAD:$f" > "$d/${f##*/}"
	done
	git_tree show HEAD:COPYING > "$out/COPYING"
	cp "$SRCDIR/kernel/dkms/Kbuild" "$SRCDIR/kernel/dkms/vsock-zc-compat.h" \
		"$SRCDIR/kernel/dkms/vsock_zc_dkms.c" "$out/"
	sed "s/@VERSION@/$ver/g" "$SRCDIR/kernel/dkms/Makefile" > "$out/Makefile"
	sed "s/@VERSION@/$ver/g" "$SRCDIR/kernel/dkms/dkms.conf.in" > "$out/dkms.conf"
	patch -s -p1 -d "$out" < "$SRCDIR/kernel/dkms/compat.patch" ||
		die "kernel/dkms/compat.patch does not apply to the series any more"
	echo "$(git_tree describe --always HEAD) $(git_tree rev-parse HEAD)" > "$out/SERIES"
	note "ok: $out"
}

cmd_tools() {
	local flavour=${1:-test} obj out vt src=${2:-$TREE}
	obj=${3:-$BUILDDIR/obj-$flavour}
	[ -d "$obj/usr/include" ] || die "no headers in $obj; run 'tree.sh build $flavour' first"
	vt=$src/tools/testing/vsock
	out=${4:-$BUILDDIR/vsock-tools-$flavour}
	mkdir -p "$out"
	make -s -C "$out" -f "$vt/Makefile" VPATH="$vt" \
		CFLAGS="-g -O2 -Wall -I$vt -I$src/tools/include -I$obj/usr/include -Wno-pointer-sign -fno-strict-overflow -fno-strict-aliasing -fno-common -MMD -MP -U_FORTIFY_SOURCE -D_GNU_SOURCE" \
		vsock_test vsock_perf vsock_diag_test || return 1
	note "ok: $out/{vsock_test,vsock_perf,vsock_diag_test}"
}

# make kernel-deb: the whole series in a kernel built from Debian's own
# config for the base (debian-image/config), as linux-image and
# linux-headers packages (bindeb-pkg) in kernel-deb/. Debian's signing
# keys and BTF are left out; debug info too, to keep the build short.
cmd_kernel_deb() {
	local obj=$BUILDDIR/obj-deb out=$BUILDDIR/kernel-deb
	[ -d "$TREE/.git" ] || die "no tree at $TREE; run 'make kernel-tree'"
	[ -f "$BUILDDIR/debian-image/config" ] || die "no Debian config; run 'make kernel-debian'"
	mkdir -p "$obj" "$out"
	cp "$BUILDDIR/debian-image/config" "$obj/.config"
	"$TREE/scripts/config" --file "$obj/.config" \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str MODULE_SIG_KEY "certs/signing_key.pem" \
		--disable DEBUG_INFO_BTF --disable DEBUG_INFO_DWARF5 \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --enable DEBUG_INFO_NONE \
		--set-str LOCALVERSION "-vsockzc"
	make -s -C "$TREE" O="$obj" olddefconfig
	note "building Debian's cloud config with the series (make -j$JOBS bindeb-pkg; hours on two cores)"
	make -s -C "$TREE" O="$obj" -j"$JOBS" bindeb-pkg \
		KDEB_PKGVERSION="$(git_tree describe --always HEAD | tr -c '[:alnum:].+~\n' '+')-1" \
		KDEB_SOURCENAME=linux-vsockzc
	mv "$BUILDDIR"/linux-image-*vsockzc*.deb "$BUILDDIR"/linux-headers-*vsockzc*.deb \
		"$BUILDDIR"/linux-libc-dev_*.deb "$out/" 2>/dev/null || :
	rm -f "$BUILDDIR"/linux-vsockzc_*.buildinfo "$BUILDDIR"/linux-vsockzc_*.changes
	ls "$out"/linux-image-*.deb >/dev/null 2>&1 || die "bindeb-pkg made no linux-image package"
	note "ok: $out"
}

# Build every commit of the series on its own (bench config: no KASAN),
# the kernel and, where a commit touches them, the vsock tests.
cmd_check_builds() {
	[ -d "$TREE/.git" ] || die "no tree at $TREE; run 'make kernel-tree'"
	local wt=$BUILDDIR/each-tree obj=$BUILDDIR/obj-each c subj rc=0
	git_tree worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
	git_tree worktree prune
	git_tree worktree add -q --detach "$wt" base
	configure_kernel bench "$obj" "$wt"
	for c in $(git_tree rev-list --reverse base..HEAD); do
		subj=$(git_tree log -1 --format=%s "$c")
		git -C "$wt" checkout -q "$c"
		if make -s -C "$wt" O="$obj" -j"$JOBS" bzImage headers_install >/dev/null 2>"$BUILDDIR/each.err" &&
		   { git -C "$wt" diff --quiet "$c^" "$c" -- tools/testing/vsock ||
		     cmd_tools bench "$wt" "$obj" "$BUILDDIR/each-tools" 2>>"$BUILDDIR/each.err"; }; then
			echo "ok build $subj"
		else
			echo "not ok build $subj"
			grep -E 'error|Error' "$BUILDDIR/each.err" | head -n 20 >&2
			rc=1
		fi
	done
	git_tree worktree remove --force "$wt"
	return $rc
}

case ${1:-} in
create) cmd_create ;;
export) cmd_export ;;
check) cmd_check ;;
check-builds) cmd_check_builds ;;
build) cmd_build "${2:-test}" ;;
build-stock) cmd_build_stock ;;
tools) cmd_tools "${2:-test}" ;;
debian-image) cmd_debian_image ;;
dkms-source) cmd_dkms_source ;;
dkms-image) cmd_dkms_image ;;
debian-abi) debian_abi ;;
debian-headers) debian_headers ;;
kernel-deb) cmd_kernel_deb ;;
kernel-deb-image) cmd_kernel_deb_image ;;
*) sed -n '4,/^# Environment/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
