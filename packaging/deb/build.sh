#!/usr/bin/env bash
# Builds the Debian package of the standalone balancer with dpkg-deb alone:
#   /usr/bin/convey                          the NativeAOT host (samples/Convey.Host)
#   /etc/convey/convey.toml                  a commented example that passes --check (a conffile)
#   /usr/lib/systemd/system/convey.service   Type=notify, --check before start, SIGHUP on reload, hardened
#   /usr/share/man/man1/convey.1.gz          the man page, made from the binary's --help
#
#   packaging/deb/build.sh [--binary PATH] [--output DIR]
#
# Without --binary the native host is published first (dotnet publish samples/Convey.Host -c Release
# -p:PublishAot=true). The version is the
# repository's one (<Version> in Directory.Build.props); the changelog is CHANGELOG.md. Writes
# DIR/convey_<version>_<arch>.deb (DIR defaults to artifacts/) and prints its path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
binary="" output="$root/artifacts"
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --output) output="$2"; shift 2 ;;
        *) echo "usage: $0 [--binary PATH] [--output DIR]" >&2; exit 2 ;;
    esac
done

version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n1)"
[ -n "$version" ] || { echo "build.sh: no <Version> in Directory.Build.props" >&2; exit 1; }
arch="$(dpkg --print-architecture)"
case "$arch" in
    amd64) rid=linux-x64 ;;
    arm64) rid=linux-arm64 ;;
    *) echo "build.sh: no .NET runtime identifier for Debian architecture $arch" >&2; exit 1 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -z "$binary" ]; then
    dotnet publish "$root/samples/Convey.Host" -c Release -r "$rid" -p:PublishAot=true -o "$work/publish" >&2
    binary="$work/publish/Convey.Host"
fi
[ -x "$binary" ] || { echo "build.sh: $binary is not an executable" >&2; exit 1; }
if ! head -c 4 "$binary" | grep -q ELF; then
    echo "build.sh: $binary is not a native binary (publish with -p:PublishAot=true)" >&2; exit 1
fi

pkg="$work/convey"
install -d "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/etc/convey" "$pkg/usr/lib/systemd/system" \
    "$pkg/usr/share/doc/convey" "$pkg/usr/share/man/man1"
install -m 0755 "$binary" "$pkg/usr/bin/convey"
install -m 0644 "$here/convey.toml" "$pkg/etc/convey/convey.toml"
install -m 0644 "$here/convey.service" "$pkg/usr/lib/systemd/system/convey.service"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$pkg/DEBIAN/"
echo /etc/convey/convey.toml > "$pkg/DEBIAN/conffiles"

cat > "$pkg/usr/share/doc/convey/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: convey
Source: https://github.com/convey-lb/convey

Files: *
Copyright: Convey contributors
License: MIT
$(sed '1,2d; s/^$/./; s/^/ /' "$root/LICENSE")
COPYRIGHT
gzip -9n < "$root/CHANGELOG.md" > "$pkg/usr/share/doc/convey/changelog.gz"

# The man page says what --help says, so the two cannot drift apart (and a test holds --help to docs/operations.md).
{
    echo ".TH CONVEY 1 \"\" \"convey $version\" \"User Commands\""
    echo ".SH NAME"
    echo "convey \\- Layer 4 (TCP) load balancer"
    echo ".SH SYNOPSIS"
    echo ".nf"
    "$binary" --help | sed -n '1p' | sed 's/^Usage: //; s/\\/\\\\/g; s/^-/\\-/'
    echo ".fi"
    echo ".SH DESCRIPTION"
    echo ".nf"
    "$binary" --help | sed '1,2d' | sed 's/\\/\\\\/g; s/^\./\\\&./; s/-/\\-/g'
    echo ".fi"
    echo ".SH FILES"
    echo ".TP"
    echo ".I /etc/convey/convey.toml"
    echo "the configuration the service reads; its keys: https://github.com/convey-lb/convey/blob/main/docs/configuration.md"
    echo ".SH SEE ALSO"
    echo "systemctl(1), journalctl(1); operations (signals, stats, log events): https://github.com/convey-lb/convey/blob/main/docs/operations.md"
} | gzip -9n > "$pkg/usr/share/man/man1/convey.1.gz"

size="$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)"
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: convey
Version: $version
Architecture: $arch
Maintainer: Convey contributors <convey@users.noreply.github.com>
Installed-Size: $size
Depends: libc6 (>= 2.36), adduser
Recommends: libssl3
Suggests: nftables, bird2
Section: net
Priority: optional
Homepage: https://github.com/convey-lb/convey
Description: Layer 4 (TCP) load balancer
 Convey balances TCP connections over pools of servers in three forwarding
 modes: proxy, passthrough NAT and direct server return. It has weighted
 balancing policies (round robin, least connections, Maglev), active and
 passive health checks, configuration reloads that never drop an established
 connection, a status page with JSON and Prometheus endpoints, and can
 announce its service address through BIRD.
 .
 This package runs it as the systemd service convey.service, configured by
 /etc/convey/convey.toml.
CONTROL

mkdir -p "$output"
deb="$output/convey_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >&2
echo "$deb"
