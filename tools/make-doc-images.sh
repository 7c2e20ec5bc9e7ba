#!/usr/bin/env bash
# Regenerates the README's pictures from the shipped samples and the demo model:
#   docs/images/demo-overlay.png  the first command's overlay (krypton explain)
#   docs/images/gray-vs-blur.png  --fill gray and --fill blur side by side
#   docs/images/gallery.png       a folder run's index.html (the 10 shipped samples)
#   docs/images/report.png        an HTML report with --faithfulness (the sneaker sample)
# Usage: tools/make-doc-images.sh   (K="path to krypton" to use another build; CHROME for the browser)
# Takes about 8 minutes on a 2-core machine (13 demo sweeps).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${K:-}" ]; then
  dotnet build src/Krypton.Cli -c Release -o /tmp/krypton-doc-images-bin >/dev/null
  K=/tmp/krypton-doc-images-bin/krypton
fi
CHROME=${CHROME:-chromium}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shot() { # window size, output png, page
  "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$1" --screenshot="$2" "file://$3" 2>/dev/null
}

# 1. The demo: what the README's first command writes.
$K explain --out "$tmp/demo" --quiet
cp "$tmp/demo/overlay.png" docs/images/demo-overlay.png

# 2. Gray and blur fills on the same image, side by side.
$K explain --fill blur --out "$tmp/blur" --quiet
cat > "$tmp/fills.html" <<HTML
<!DOCTYPE html><html><body style="margin:8px;font-family:sans-serif;display:flex;gap:16px">
<figure style="margin:0"><img src="$tmp/demo/overlay.png" width="600"><figcaption>--fill gray (default)</figcaption></figure>
<figure style="margin:0"><img src="$tmp/blur/overlay.png" width="600"><figcaption>--fill blur (σ 8 px)</figcaption></figure>
</body></html>
HTML
shot 1240,600 docs/images/gray-vs-blur.png "$tmp/fills.html"

# 3. A folder of images: the gallery.
$K explain --input samples/fashion-mnist --out "$tmp/fm-folder" --quiet
shot 1280,1100 docs/images/gallery.png "$tmp/fm-folder/index.html"

# 4. A report with the faithfulness curves.
$K explain --input samples/fashion-mnist/t10k-00009-sneaker.png --report "$tmp/report.html" --faithfulness --out "$tmp/report-out" --quiet
shot 1200,2700 docs/images/report.png "$tmp/report.html"
echo "wrote docs/images/demo-overlay.png, gray-vs-blur.png, gallery.png, report.png"
