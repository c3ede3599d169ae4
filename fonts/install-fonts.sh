#!/bin/sh
# Copy the fonts named in fonts.list into DEST, checking each SHA-256.
# Usage: install-fonts.sh fonts/fonts.list DEST
set -eu
list=$1
dest=$2
mkdir -p "$dest"
grep -v '^#' "$list" | while read -r file sum src; do
	[ -n "$file" ] || continue
	if [ ! -f "$src" ]; then
		echo "fonts: '$src' is missing (install the Debian package fonts-liberation2)" >&2
		exit 1
	fi
	got=$(sha256sum "$src" | cut -d' ' -f1)
	if [ "$got" != "$sum" ]; then
		echo "fonts: '$src' has SHA-256 $got, fonts.list pins $sum" >&2
		exit 1
	fi
	cp "$src" "$dest/$file.tmp"
	mv "$dest/$file.tmp" "$dest/$file"
done
