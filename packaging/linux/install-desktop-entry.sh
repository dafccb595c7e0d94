#!/bin/sh
# Register Gravitel Desk with the desktop (menu entry, icon) and as the handler of
# tel: and callto: links, for the current user. Run after `pip install .`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
mkdir -p "$apps" "$icons"
cp "$here/gravitel-desk.desktop" "$apps/"
cp "$here/../../desktop_app/resources/icons/tray-light.svg" "$icons/gravitel-desk.svg"
xdg-mime default gravitel-desk.desktop x-scheme-handler/tel
xdg-mime default gravitel-desk.desktop x-scheme-handler/callto
update-desktop-database "$apps" 2>/dev/null || true
echo "tel: and callto: links now open Gravitel Desk"
