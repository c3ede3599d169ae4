#!/bin/sh
# 3005: the Intelligent Mail barcode as printed: page 1 of a validation
# notice rendered at 600 dpi, each of the 65 bars read back from the
# pixels (ascender zone, tracker, descender zone: which are inked) and
# compared with the bars the layout dump says were drawn; the spaces
# between bars are blank; the bar width, pitch and heights are those of
# USPS-B-3200 (bar 0.020 +- 0.005 in, 22 +- 2 bars an inch, full bar
# 0.125-0.165 in, tracker 0.039-0.057 in), measured on the pixels.
. "$(dirname "$0")/../lib.sh"

for lang in en es; do
	tpl=$TOP/templates/validation-notice.$lang.xml
	csv=$FIXTURES/letters/validation-notice.csv
	[ "$lang" = es ] && csv=$FIXTURES/letters/validation-notice.es.csv
	$FAIRNOTICE preview "$tpl" --account "$csv" --date 2026-11-23 \
		--pdf "$TMP/$lang.pdf" --dump "$TMP/$lang.layout" >/dev/null 2>"$TMP/$lang.err"
	is "$lang: preview exit 0" "$?" 0
	imb=$(grep '^page 1 imb ' "$TMP/$lang.layout")
	val() { echo "$imb" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	x=$(val x) y=$(val y) w=$(val w) h=$(val h) bars=$(val bars)
	is "$lang: the dump has 65 bars" "${#bars}" 65
	# The crop, in 600-dpi pixels, with 12 px of margin all round.
	set -- $(awk -v x="$x" -v y="$y" -v w="$w" -v h="$h" 'BEGIN {
		s = 600 / 72; printf "%d %d %d %d\n", x * s - 12, y * s - 12, w * s + 24, h * s + 24 }')
	pdftoppm -gray -r 600 -f 1 -l 1 -x "$1" -y "$2" -W "$3" -H "$4" \
		"$TMP/$lang.pdf" "$TMP/$lang" 2>/dev/null
	pgm=$(ls "$TMP/$lang"*.pgm 2>/dev/null | head -1)
	ok "$lang: page 1 rendered at 600 dpi" test -s "$pgm"
	# perl: read the barcode back. Bar i's left edge is expected at
	# (x + i/22 in); its column is found by scanning the tracker row.
	perl -e '
		use strict; use warnings;
		my ($file, $x0, $y0, $cx, $cy) = @ARGV;
		open(my $f, "<:raw", $file) or die "cannot read $file\n";
		local $/; my $d = <$f>;
		$d =~ s/\AP5\s+(\d+)\s+(\d+)\s+255\s//s or die "not a PGM\n";
		my ($W, $H) = ($1, $2);
		my $dark = sub { my ($c, $r) = @_; return substr($d, $r * $W + $c, 1) lt chr(128) };
		my $s = 600 / 72;
		my $left = $x0 * $s - $cx;    # first bar, in crop pixels
		my $pitch = 600 / 22;
		# Rows: inked extent of the whole code.
		my ($top, $bot) = ($H, -1);
		for my $r (0 .. $H - 1) { for my $c (0 .. $W - 1) {
			if ($dark->($c, $r)) { $top = $r if $r < $top; $bot = $r if $r > $bot; last } } }
		die "no ink\n" if $bot < 0;
		my $full = $bot - $top + 1;
		my @zone = ($top + $full / 6, $top + $full / 2, $top + 5 * $full / 6);
		my ($read, @widths, @lefts, $spaces) = ("");
		$spaces = 0;
		for my $i (0 .. 64) {
			my $c = int($left + $i * $pitch + 0.3 * $pitch);    # inside the bar
			my @z = map { $dark->($c, int($_)) ? 1 : 0 } @zone;
			$read .= $z[1] == 0 ? "?" : $z[0] && $z[2] ? "F" : $z[0] ? "A" : $z[2] ? "D" : "T";
			# width of the bar along the tracker row
			my ($l, $r) = ($c, $c);
			$l-- while $l > 0 && $dark->($l - 1, int($zone[1]));
			$r++ while $r < $W - 1 && $dark->($r + 1, int($zone[1]));
			push @widths, $r - $l + 1; push @lefts, $l;
			if ($i < 64) {
				my $g = int($left + ($i + 0.75) * $pitch);
				$spaces++ if grep { $dark->($g, int($_)) } @zone;
			}
		}
		# the tracker: height of the inked run at a T bar, or any bar
		my $ti = index($read, "T"); $ti = 0 if $ti < 0;
		my $tc = int($left + $ti * $pitch + 0.3 * $pitch);
		my ($tt, $tb) = (int($zone[1]), int($zone[1]));
		$tt-- while $tt > 0 && $dark->($tc, $tt - 1);
		$tb++ while $tb < $H - 1 && $dark->($tc, $tb + 1);
		my ($wmin, $wmax) = (sort { $a <=> $b } @widths)[0, -1];
		my $span = ($lefts[64] - $lefts[0]) / 64;
		printf "bars=%s\nspaces=%d\nwidth_min=%.4f\nwidth_max=%.4f\npitch=%.3f\nfull=%.4f\ntracker=%.4f\n",
			$read, $spaces, $wmin / 600, $wmax / 600, 600 / $span, $full / 600,
			($tb - $tt + 1) / 600;
	' "$pgm" "$x" "$y" "$1" "$2" >"$TMP/$lang.read" 2>"$TMP/$lang.perl.err"
	got() { sed -n "s/^$1=//p" "$TMP/$lang.read"; }
	is "$lang: the bars read from the pixels are the bars encoded" "$(got bars)" "$bars"
	is "$lang: the space between every two bars is blank" "$(got spaces)" 0
	within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; }
	ok "$lang: narrowest bar $(got width_min) in >= 0.015" within "$(got width_min)" 0.015 0.025
	ok "$lang: widest bar $(got width_max) in <= 0.025" within "$(got width_max)" 0.015 0.025
	ok "$lang: $(got pitch) bars an inch, within 20-24" within "$(got pitch)" 20 24
	ok "$lang: full bar $(got full) in, within 0.125-0.165" within "$(got full)" 0.125 0.165
	ok "$lang: tracker $(got tracker) in, within 0.039-0.057" within "$(got tracker)" 0.039 0.057
done
done_testing
