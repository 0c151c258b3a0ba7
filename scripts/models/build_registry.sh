#!/usr/bin/env bash
# Builds the shipped registry/ from freshly trained artefacts, with Stratum's own commands.
#
#   scripts/models/build_registry.sh [REGISTRY_DIR]     (default: registry)
#
# 1. scripts/models/train.py writes the artefacts and their metrics to a staging folder.
# 2. `stratum registry add` adds each as a version (versions are immutable, so the models
#    must not exist yet in REGISTRY_DIR: remove registry/momentum and registry/trend first
#    to rebuild them).
# 3. `stratum registry promote` sets the tags. The first prod versions have no shadow
#    evaluation yet, so their promotion is forced, with the reason recorded in the history.
set -euo pipefail

cd "$(dirname "$0")/../.."
REGISTRY="${1:-registry}"
STAGING="${STAGING:-.build/model-staging}"
STRATUM="${STRATUM:-.build/debug/stratum}"

for model in momentum trend; do
    if [ -e "$REGISTRY/$model" ]; then
        echo "error: $REGISTRY/$model exists; versions are immutable. Remove it first to rebuild it." >&2
        exit 2
    fi
done

[ -x "$STRATUM" ] || swift build --product stratum
python3 scripts/models/train.py --staging "$STAGING"
mkdir -p "$REGISTRY"

registry() { "$STRATUM" registry "$@" --registry "$REGISTRY"; }

registry add momentum --version v261124 --from "$STAGING/momentum/v261124/model.json" \
    --metrics "$STAGING/momentum/v261124/metrics.json" \
    --notes "Logistic regression (scikit-learn, C=1.0) of next-day direction on rsi14, z, macd.hist; GOOG daily 2004-2013."
registry add momentum --version v261125 --from "$STAGING/momentum/v261125/model.json" \
    --metrics "$STAGING/momentum/v261125/metrics.json" \
    --notes "Second fit of v261124 with stronger regularisation (C=0.1); waits in staging for shadow evaluation."
registry add trend --version v261124 --from "$STAGING/trend/v261124/model.json" \
    --metrics "$STAGING/trend/v261124/metrics.json" \
    --notes "XGBoost binary:logistic, 20 trees of depth 3, on rsi14, z, macd.hist, roc10; trained with 5% of cells missing."

registry promote momentum@v261124 --tag prod --force --reason "first release: no earlier version to shadow against"
registry promote momentum@v261125 --tag staging
registry promote trend@v261124 --tag prod --force --reason "first release: no earlier version to shadow against"

registry verify
registry list
