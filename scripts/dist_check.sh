#!/usr/bin/env bash
# Release check: build the wheel, install it into a clean virtual environment
# outside the repository, and run its console script there, so a packaging
# mistake (a missing module, data file or licence) fails CI rather than a user.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/wildside-valkey-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT

.venv/bin/uv build --wheel --quiet --out-dir "$work/dist"
wheel=$(ls "$work"/dist/wildside_valkey-*.whl)
python3 - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
licence = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
rego = [n for n in names if n.endswith(".rego")]
if not licence:
    sys.exit(f"dist check: no LICENSE in {sys.argv[1]}")
if not rego:
    sys.exit(f"dist check: no Rego policies in {sys.argv[1]}")
print(f"dist check: wheel has {licence[0]} and {len(rego)} policy files")
PY

# A clean environment: the wheel and its runtime dependencies only, at the versions uv.lock pins.
.venv/bin/uv export --frozen --no-dev --no-emit-project --quiet -o "$work/requirements.txt"
.venv/bin/uv venv --quiet --python "$(.venv/bin/python -c 'import sys; print(sys.executable)')" "$work/venv"
VIRTUAL_ENV="$work/venv" .venv/bin/uv pip install --quiet -r "$work/requirements.txt" "$wheel"
cd "$work"
"$work/venv/bin/wildside-valkey" --help >/dev/null
"$work/venv/bin/wildside-valkey" render --out "$work/out" >"$work/contract.json" 2>"$work/render.log"
test -f "$work/out/contract.json"
cmp "$work/contract.json" "$work/out/contract.json" >/dev/null \
  || python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); sys.exit(a!=b)' "$work/contract.json" "$work/out/contract.json"
"$work/venv/bin/wildside-valkey" policy "$work/out" >/dev/null
echo "dist check: installed wheel rendered the defaults and passed its own policies outside the repository"
