#!/usr/bin/env bash
# Regenerates the docs that come from the language's schema: docs/strategy.schema.json and the
# field reference inside docs/strategy-language.md. Tests fail until these match the generators.
set -euo pipefail
cd "$(dirname "$0")/.."
stratum=${STRATUM:-.build/debug/stratum}
"$stratum" schema > docs/strategy.schema.json
reference=$(mktemp)
"$stratum" schema --format markdown > "$reference"
python3 - "$reference" <<'PY'
import sys
doc = open("docs/strategy-language.md").read()
begin = doc.index("<!-- reference:begin")
begin = doc.index("-->", begin) + 3
end = doc.index("<!-- reference:end -->")
generated = open(sys.argv[1]).read()
open("docs/strategy-language.md", "w").write(doc[:begin] + "\n\n" + generated + doc[end:])
PY
rm -f "$reference"
echo "regenerated docs/strategy.schema.json and the reference in docs/strategy-language.md"
# The independent check of the schema (Python jsonschema) is keyed to the schema's bytes.
python3 Tests/StrategyCompilerTests/Fixtures/schema-validation/validate.py
