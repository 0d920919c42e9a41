#!/bin/sh
# hcc offline installer: installs hcc-edge and/or hcc-cloud with every Debian package they need from
# this bundle, without any network. Run as root on Debian 12 (bookworm), from the unpacked bundle:
#   ./install.sh edge | cloud | all   [--postgresql]
# --postgresql also installs PostgreSQL 15 (recommended for the cloud; both services default to an
# embedded database). The bundle's checksums are verified first.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
what=${1:-}
shift || true
extra=
for arg in "$@"; do
	case $arg in
	--postgresql) extra=postgresql ;;
	*) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
	esac
done
case $what in
edge) pkgs=hcc-edge ;;
cloud) pkgs=hcc-cloud ;;
all) pkgs="hcc-edge hcc-cloud" ;;
*) echo "usage: $0 edge|cloud|all [--postgresql]" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }

cd "$here"
echo "verifying the bundle (SHA256SUMS)"
sha256sum --quiet --strict -c SHA256SUMS

# A throwaway apt configuration whose only source is this bundle: the system's sources, lists and
# cache are not touched, and nothing is fetched from a network.
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
chmod 0755 "$state"
mkdir -p "$state/lists/partial" "$state/archives/partial"
echo "deb [trusted=yes] file:$here/debs ./" >"$state/sources.list"
set -- -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o Dir::State::Lists="$state/lists" -o Dir::Cache::Archives="$state/archives" \
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Install-Recommends=false \
	-o Acquire::Languages=none
apt-get "$@" -q update
DEBIAN_FRONTEND=noninteractive apt-get "$@" -q -y install $pkgs $extra
echo "installed: $pkgs $extra"
