#!/usr/bin/env bash
# Shared first step of demo.sh and test.sh: system prerequisites, then the virtualenv.
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

has_java21() {
  local home
  for home in ${ES_JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -x "$home/bin/java" ] || continue
    "$home/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])' && return 0
  done
  return 1
}

missing=()
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ "${NEED_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null; then
  missing+=(chromium)  # browser tests drive Debian's chromium
fi
if [ "${NEED_BROWSER:-0}" = 1 ] && ! command -v npm >/dev/null; then
  missing+=(NPM)  # fetches axe-core, the accessibility checker the browser tests inject
fi
if [ -z "${ELASTICSEARCH_URL:-}" ]; then
  # Only the local development node needs Java and Maven.
  command -v mvn >/dev/null || missing+=(maven)
  has_java21 || missing+=(JAVA21)
fi
# OCR of scanned documents (indexer/ocr.py): Tesseract with the archive's languages
# (tesseract-ocr brings English and script detection); the fonts the demo and the
# tests render their scans in, and the text layout (raqm, fribidi) for Arabic ones.
command -v tesseract >/dev/null || missing+=(tesseract-ocr)
for language in ara deu fra; do
  [ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/$language.traineddata 2>/dev/null)" ] ||
    missing+=("tesseract-ocr-$language")
done
[ -e /usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf ] || missing+=(fonts-noto-core)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
ldconfig -p | grep -q libraqm || missing+=(libraqm0)
ldconfig -p | grep -q libfribidi || missing+=(libfribidi0)
if [ -z "${EVIDENCE_REDIS_URL:-}" ]; then
  # Only the local development Redis (docs/devnode.md) needs Debian's server.
  command -v redis-server >/dev/null || missing+=(redis-server redis-tools)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "missing: ${missing[*]}. Install them (Java 21 or newer for JAVA21), then run again."
    exit 1
  fi
  say "installing with apt-get: ${missing[*]}"
  apt-get update -qq
  packages=()
  for item in "${missing[@]}"; do
    if [ "$item" = JAVA21 ]; then
      java_package=""
      for candidate in openjdk-25-jre-headless openjdk-21-jre-headless; do
        if apt-cache policy "$candidate" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
          java_package=$candidate
          break
        fi
      done
      if [ -z "$java_package" ]; then
        say "no Java 21+ package in this apt source; install Temurin 21+ and set ES_JAVA_HOME."
        exit 1
      fi
      packages+=("$java_package")
    elif [ "$item" = NPM ]; then
      packages+=(nodejs npm)
    else
      packages+=("$item")
    fi
  done
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

python3 - <<'PY' || { say "Python 3.11 or newer is required."; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  say "installing Python packages into .venv"
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# The interface's message catalogs (docs/i18n.md): compiled here from the committed .po
# files, never committed as binaries. Cheap, so always redone.
.venv/bin/pybabel -q compile -d frontend/locale -D messages

# axe-core, from the npm registry, for the accessibility check of the browser tests
# (docs/i18n.md). Kept in the git-ignored .cache/npm; installed once per version.
AXE_VERSION=4.14.1
if [ "${NEED_BROWSER:-0}" = 1 ] &&
  ! grep -qs "\"version\": \"$AXE_VERSION\"" .cache/npm/node_modules/axe-core/package.json; then
  say "installing axe-core $AXE_VERSION from the npm registry"
  npm install --prefix .cache/npm --no-audit --no-fund --no-save --silent "axe-core@$AXE_VERSION"
fi
