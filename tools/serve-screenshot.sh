#!/usr/bin/env bash
# Makes docs/images/serve.png, the README's picture of krypton serve: the real-browser test
# (WebBrowserTests: a real server, the page in Debian's headless chromium driven by Playwright)
# uploads the shirt sample, runs patch 16, stride 8, drop in probability, waits for the finished
# map, probes a cell, hovers over the map, and saves the screenshot where KRYPTON_SCREENSHOT says.
# Usage: tools/serve-screenshot.sh   (about a minute on 2 cores; needs chromium: apt-get install chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/images
KRYPTON_SCREENSHOT="$PWD/docs/images/serve.png" dotnet test tests/Krypton.Tests -c Release --filter "FullyQualifiedName~WebBrowserTests" --logger "console;verbosity=minimal"
echo "wrote docs/images/serve.png"
