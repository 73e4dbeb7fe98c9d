#!/bin/sh
# Starts Janus with this folder's configuration: the VideoRoom's admin_key from JANUS_ADMIN_KEY
# (Parley creates and destroys rooms with it; browsers never have it), and JANUS_PUBLIC_IP, when
# set, as the address in Janus's ICE candidates. JANUS_CONFIG_DIR (default /etc/parley-janus) is
# where the three .jcfg files are; the rendered copy goes to a temporary folder, the originals stay.
set -eu
: "${JANUS_ADMIN_KEY:?set JANUS_ADMIN_KEY to the same value as Parley's (8 characters at least)}"
src="${JANUS_CONFIG_DIR:-/etc/parley-janus}"
dir="$(mktemp -d)"
cp "$src"/*.jcfg "$dir"/
# The key may hold any character but a double quote or a backslash (it sits in a quoted string).
case "$JANUS_ADMIN_KEY" in *'"'* | *'\'*) echo "JANUS_ADMIN_KEY may not contain \" or \\" >&2; exit 2 ;; esac
escaped=$(printf '%s' "$JANUS_ADMIN_KEY" | sed 's/[&|]/\\&/g')
sed -i "s|@JANUS_ADMIN_KEY@|$escaped|" "$dir/janus.plugin.videoroom.jcfg"
if [ -n "${JANUS_PUBLIC_IP:-}" ]; then
  sed -i "s|^\t#nat_1_1_mapping = .*|\tnat_1_1_mapping = \"$JANUS_PUBLIC_IP\"|" "$dir/janus.jcfg"
fi
exec janus -F "$dir" -C "$dir/janus.jcfg" "$@"
