#!/usr/bin/env bash
# Installs the Debian package as an operator would and checks what it ships, then purges it:
#   apt-get install ./convey_*.deb; the user, the conffile, the unit (systemd-analyze verify); convey --check on the
#   shipped configuration, as root and as the service's user; the man page; convey --demo answering through its proxy.
#
#   packaging/deb/test.sh artifacts/convey_<version>_<arch>.deb      (as root; CI runs it)
set -euo pipefail
deb="$(realpath "$1")"
fail() { echo "deb test: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (it installs and purges the package)"
if dpkg-query -W -f='${Status}' convey 2>/dev/null | grep -q "ok installed"; then
    fail "a convey package is installed already; this test would purge it"
fi

demo=""
cleanup() {
    if [ -n "$demo" ] && kill -0 "$demo" 2>/dev/null; then kill -KILL "$demo" 2>/dev/null || true; fi
    apt-get purge -y -qq convey >/dev/null 2>&1 || true
}
trap cleanup EXIT

apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
dpkg-query -W -f='${Status}\n' convey | grep -q "install ok installed" || fail "dpkg does not list convey as installed"

[ -x /usr/bin/convey ] || fail "/usr/bin/convey is missing"
getent passwd convey >/dev/null || fail "the user convey was not created"
[ "$(getent passwd convey | cut -d: -f7)" != /bin/bash ] || fail "the user convey has a login shell"
dpkg-query --control-show convey conffiles | grep -qx /etc/convey/convey.toml || fail "/etc/convey/convey.toml is not a conffile"
[ "$(stat -c '%U:%G %a' /etc/convey/convey.toml)" = "root:convey 640" ] || fail "/etc/convey/convey.toml is $(stat -c '%U:%G %a' /etc/convey/convey.toml)"

/usr/bin/convey --check --config /etc/convey/convey.toml
setpriv --reuid convey --regid convey --clear-groups --inh-caps=-all \
    /usr/bin/convey --check --config /etc/convey/convey.toml >/dev/null || fail "the service's user cannot check its configuration"
/usr/bin/convey --version | grep -q "$(dpkg-query -W -f='${Version}' convey)" || fail "convey --version is not the package's version"
zcat /usr/share/man/man1/convey.1.gz | grep -q -- 'check the configuration file' || fail "the man page lacks --check"

unit=/usr/lib/systemd/system/convey.service
grep -qx 'Type=notify' "$unit" || fail "the unit is not Type=notify"
grep -qx 'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE' "$unit" || fail "the unit's capabilities changed"
if command -v systemd-analyze >/dev/null; then
    # Offline: the unit's syntax, its executables and its user; no running systemd needed.
    systemd-analyze verify "$unit"
elif [ "${CI:-}" = true ]; then
    fail "systemd-analyze is missing (package systemd)"
fi

# The demo: a proxy on 127.0.0.1:8080 over two built-in backends; two requests reach both.
/usr/bin/convey --demo > /tmp/convey-deb-demo.log 2>&1 &
demo=$!
answers=""
for _ in $(seq 1 100); do
    if answers="$(curl -sf --max-time 2 http://127.0.0.1:8080/ && curl -sf --max-time 2 http://127.0.0.1:8080/)"; then break; fi
    kill -0 "$demo" 2>/dev/null || { cat /tmp/convey-deb-demo.log >&2; fail "convey --demo exited"; }
    sleep 0.2
done
echo "$answers" | grep -q demo-1 && echo "$answers" | grep -q demo-2 || { cat /tmp/convey-deb-demo.log >&2; fail "the demo did not answer from both backends: $answers"; }
kill -TERM "$demo"
wait "$demo" || fail "convey --demo exited $? after SIGTERM"
demo=""
rm -f /tmp/convey-deb-demo.log

apt-get purge -y -qq convey >/dev/null
! getent passwd convey >/dev/null || fail "purge left the user convey"
[ ! -e /etc/convey/convey.toml ] || fail "purge left /etc/convey/convey.toml"
echo "deb test: $(basename "$deb") installs, checks, runs the demo and purges cleanly"
