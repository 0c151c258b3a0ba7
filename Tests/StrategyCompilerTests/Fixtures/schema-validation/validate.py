#!/usr/bin/env python3
"""Validates strategy files against docs/strategy.schema.json with the `jsonschema` package
(an implementation independent of Stratum), and writes what it found to results.json beside
this script, in a fixture folder that SwiftPM leaves alone. StrategyDSLTests reads that file:
the shipped strategies must be valid, and the invalid fixtures whose errors are structural
must be refused by the schema too.

YAML is read as YAML 1.2 with the JSON schema's scalars, close to how Stratum reads it: only
true/false are booleans and only decimal numbers are numbers, so `NO`, `yes`, timestamps and
`.inf` (JSON has no infinity) stay strings. A version written `1.10` becomes the number 1.1
here, which the schema accepts as Stratum accepts the text.

Run from the repository root: python3 Tests/StrategyCompilerTests/Fixtures/schema-validation/validate.py
"""
import json
from importlib.metadata import version
import re
import sys
from pathlib import Path

import jsonschema
import yaml
import zlib

ROOT = Path(__file__).resolve().parents[4]
SCHEMA = ROOT / "docs" / "strategy.schema.json"
FIXTURES = ROOT / "Tests" / "StrategyCompilerTests" / "Fixtures" / "invalid"
# Codes of structural problems: shape, types, ranges, spellings. The rest (references, the
# feature graph, the registry, YAML syntax, file limits) are beyond what a JSON Schema sees.
STRUCTURAL = ("e101", "e102", "e103", "e105", "e106", "e107", "e108", "e109", "e110", "e111", "e301", "e602")


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 JSON-schema scalars instead of YAML 1.1's."""


Yaml12Loader.yaml_implicit_resolvers = {}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), list("~nN") + [""])
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def validate(validator, path: Path) -> dict:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12Loader)
    except Exception as error:  # the fixture is not loadable YAML at all
        return {"valid": False, "errors": [f"yaml: {type(error).__name__}"]}
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return {
        "valid": not errors,
        "errors": [f"/{'/'.join(map(str, e.absolute_path))}: {e.validator}" for e in errors],
    }


def main() -> int:
    schema_bytes = SCHEMA.read_bytes()
    schema = json.loads(schema_bytes)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted((ROOT / "strategies").glob("*.yaml")) + sorted(
        p for p in FIXTURES.glob("*.yaml") if p.name.startswith(STRUCTURAL)
    )
    results = {
        "validator": f"jsonschema {version('jsonschema')} Draft202012Validator",
        "schema_crc32": zlib.crc32(schema_bytes),
        "files": {str(p.relative_to(ROOT)): validate(validator, p) for p in files},
    }
    out = Path(__file__).resolve().parent / "results.json"
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    for name, result in results["files"].items():
        print(("valid  " if result["valid"] else "invalid") + "  " + name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
