# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the scripts that fetch from Debian's archive into the cache (stock kernels, the
# emulator, the Debian 13 build root): a private apt configuration over one Debian release
# ($apt_release, default bookworm), its updates, backports and security suites, so the host's
# sources and apt state stay untouched. Defines $cache, $apt_root and $apt_opts, takes the fetch
# lock on fd 9 (apt's lists and the unpack folders are shared) and refreshes the private lists at
# most once an hour. Needs a function 'die MESSAGE'.

cache=${XDG_CACHE_HOME:-$HOME/.cache}/causal
apt_release=${apt_release:-bookworm}
case "$apt_release" in
bookworm) apt_root=$cache/apt ;;
trixie) apt_root=$cache/apt-trixie ;;
*) die "apt-private.sh: unknown Debian release '$apt_release' (bookworm or trixie)" ;;
esac
mkdir -p "$apt_root/lists/partial" "$apt_root/archives/partial"
exec 9>"$apt_root/.lock"
flock 9
apt_keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$apt_root/sources.list" <<EOS
deb [signed-by=$apt_keyring] http://deb.debian.org/debian $apt_release main
deb [signed-by=$apt_keyring] http://deb.debian.org/debian $apt_release-updates main
deb [signed-by=$apt_keyring] http://deb.debian.org/debian $apt_release-backports main
deb [signed-by=$apt_keyring] http://deb.debian.org/debian-security $apt_release-security main
EOS
apt_opts=(-o Dir::Etc::sourcelist="$apt_root/sources.list" -o Dir::Etc::sourceparts=/nonexistent
	-o Dir::State::Lists="$apt_root/lists" -o Dir::Cache::Archives="$apt_root/archives"
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Get::List-Cleanup=0
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root)

# A stale list still names a fetchable version.
apt_stamp=$apt_root/lists/.updated
if [ ! -f "$apt_stamp" ] || [ -n "$(find "$apt_stamp" -mmin +60)" ]; then
	echo "apt: updating the private apt lists in $apt_root" >&2
	# apt-get update exits 0 when it cannot reach the archive at all: no lists is a failure too
	if apt-get "${apt_opts[@]}" update -q >"$apt_root/update.log" 2>&1 &&
		ls "$apt_root"/lists/*Packages* >/dev/null 2>&1; then
		touch "$apt_stamp"
	elif ! ls "$apt_root"/lists/*Packages* >/dev/null 2>&1; then
		cat "$apt_root/update.log" >&2
		die "cannot reach Debian's archive and have no cached package lists"
	else
		echo "apt: apt update failed; using the package lists cached earlier" >&2
	fi
fi
