#!/usr/bin/env bash
# Installs the test-only npm packages of package.json (the llama.cpp oracle, the openai and ollama
# clients, the reference Jinja) when any of them is missing from node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f package.json ] || exit 0
missing=$(node -e '
  const deps = Object.keys(require("./package.json").dependencies || {});
  const fs = require("fs");
  console.log(deps.filter(d => !fs.existsSync("node_modules/" + d + "/package.json")).join(" "));')
if [ -n "$missing" ]; then
  echo "npustack: installing the test-only npm packages ($missing)"
  npm install --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error
fi
