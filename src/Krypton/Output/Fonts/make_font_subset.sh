#!/bin/sh
# Makes the font the overlay's colour bar text is drawn with, so text renders on machines without
# any system fonts (Debian minimal, containers). Source: DejaVu Sans from Debian's fonts-dejavu-core;
# subset to Latin-1 plus a few punctuation marks; needs fonttools (apt-get install python3-fonttools).
set -eu
here=$(dirname "$0")
/usr/bin/python3 -m fontTools.subset /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
  --unicodes='U+0020-007E,U+00A0-00FF,U+2010-2015,U+2018-201D,U+2026,U+2030,U+2212,U+00B1,U+00D7,U+03B1-03C9,U+0394,U+03A3' \
  --no-hinting --desubroutinize --layout-features='' --output-file="$here/DejaVuSans-Latin1.ttf"
cp /usr/share/doc/fonts-dejavu-core/copyright "$here/DejaVuSans-LICENSE.txt"
