#!/usr/bin/env bash
# Rewrites tests/constraints.txt with the newest versions the dependency ranges allow.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet '.[test]'
{
  sed -n '1,/^[^#]/{/^#/p}' tests/constraints.txt
  "$venv/bin/pip" freeze --exclude-editable | grep -v -E '^(meshgen|-e)( |=|@)'
  echo "tomli==$("$venv/bin/pip" index versions tomli 2>/dev/null | sed -n '1s/.*(\(.*\))/\1/p')"
} > tests/constraints.txt.new
mv tests/constraints.txt.new tests/constraints.txt
