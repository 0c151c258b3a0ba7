#!/usr/bin/env python3
"""Train the example models on data/GOOG.csv and write them with their reference predictions.

Two outputs:

* Tests/ModelRegistryTests/Fixtures/models/: every model file the Swift evaluators read, the
  feature matrix (with NaNs injected so that missing-value routing is exercised) and each
  library's own predictions at full precision. The Swift tests compare against these files;
  they never run Python.
* a staging folder (default .build/model-staging/): the artefacts of the shipped registry,
  which scripts/models/build_registry.sh adds with `stratum registry add`.

Features (TA-Lib): rsi14 = RSI(close, 14); z = (close - SMA(close, 20)) / STDDEV(close, 20, 1);
macd.hist = MACD(close, 12, 26, 9) histogram; roc10 = ROC(close, 10).
Label: the next close is above this close. Warm-up rows (any NaN feature) and the last row
(no next close) are dropped. Every random choice uses a fixed seed.

Usage: python3 scripts/models/train.py [--staging DIR]
"""

import argparse
import json
import os
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import talib
import xgboost as xgb
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "ModelRegistryTests" / "Fixtures" / "models"
SEED = 7
LINEAR_FEATURES = ["rsi14", "z", "macd.hist"]
TREE_FEATURES = ["rsi14", "z", "macd.hist", "roc10"]
# Fraction of feature cells replaced by NaN in the tree models' data.
MISSING_FRACTION = 0.05


def load_features() -> pd.DataFrame:
    """Features, binary label, next-day return and 3-class label for every usable day."""
    bars = pd.read_csv(ROOT / "data" / "GOOG.csv", index_col=0)
    close = bars["Close"].to_numpy(dtype=float)
    frame = pd.DataFrame(index=bars.index)
    frame.index.name = "timestamp"
    frame["rsi14"] = talib.RSI(close, timeperiod=14)
    sma = talib.SMA(close, timeperiod=20)
    std = talib.STDDEV(close, timeperiod=20, nbdev=1)
    frame["z"] = (close - sma) / std
    _, _, hist = talib.MACD(close, fastperiod=12, slowperiod=26, signalperiod=9)
    frame["macd.hist"] = hist
    frame["roc10"] = talib.ROC(close, timeperiod=10)
    next_close = np.append(close[1:], np.nan)
    frame["next_return"] = next_close / close - 1.0
    frame["label"] = (next_close > close).astype(int)
    # 0 = down (below -0.5%), 1 = flat, 2 = up (above +0.5%).
    frame["direction"] = np.where(frame["next_return"] < -0.005, 0, np.where(frame["next_return"] > 0.005, 2, 1))
    frame = frame.iloc[:-1]  # the last day has no next close
    return frame.dropna()


def inject_missing(features: pd.DataFrame) -> pd.DataFrame:
    """A copy with a fixed random subset of cells set to NaN."""
    rng = np.random.default_rng(SEED)
    values = features.to_numpy(copy=True)
    mask = rng.random(values.shape) < MISSING_FRACTION
    values[mask] = np.nan
    return pd.DataFrame(values, index=features.index, columns=features.columns)


def linear_json(kind: str, features: list[str], coefficients, intercept: float) -> dict:
    """The registry's `linear-json` format."""
    return {
        "format": "linear-json",
        "kind": kind,
        "feature_names": features,
        "coefficients": [float(c) for c in coefficients],
        "intercept": float(intercept),
    }


def write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")


def write_predictions(path: Path, index, columns: dict[str, np.ndarray]) -> None:
    """CSV of predictions; repr() gives the shortest string that round-trips the float64."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    with path.open("w") as out:
        out.write(",".join(["timestamp"] + names) + "\n")
        for row, stamp in enumerate(index):
            cells = [repr(float(columns[name][row])) for name in names]
            out.write(",".join([str(stamp)] + cells) + "\n")


def write_matrix(path: Path, matrix: pd.DataFrame) -> None:
    """Feature CSV: first column timestamp, empty cell for a missing value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        out.write(",".join(["timestamp"] + list(matrix.columns)) + "\n")
        for stamp, row in zip(matrix.index, matrix.to_numpy()):
            cells = ["" if np.isnan(v) else repr(float(v)) for v in row]
            out.write(",".join([str(stamp)] + cells) + "\n")


def classifier_metrics(labels, probabilities) -> dict:
    """In-sample metrics of a binary classifier, stored in the registry manifest."""
    return {
        "train_rows": float(len(labels)),
        "train_accuracy": float(accuracy_score(labels, probabilities > 0.5)),
        "train_auc": float(roc_auc_score(labels, probabilities)),
        "train_log_loss": float(log_loss(labels, probabilities)),
    }


def train_logistic(data: pd.DataFrame, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=1000, random_state=SEED)
    model.fit(data[LINEAR_FEATURES], data["label"])
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--staging", default=str(ROOT / ".build" / "model-staging"))
    args = parser.parse_args()
    staging = Path(args.staging)

    data = load_features()
    clean = data[TREE_FEATURES]
    holed = inject_missing(clean)
    write_matrix(FIXTURES / "features.csv", holed)
    write_matrix(FIXTURES / "features_clean.csv", clean)

    # Logistic regression (momentum): two fits that differ in regularisation.
    for name, c in [("logistic", 1.0), ("logistic_c01", 0.1)]:
        model = train_logistic(data, c)
        spec = linear_json("logistic", LINEAR_FEATURES, model.coef_[0], model.intercept_[0])
        write_json(FIXTURES / f"{name}.json", spec)
        write_predictions(FIXTURES / f"{name}_predictions.csv", clean.index,
                          {"prediction": model.predict_proba(clean[LINEAR_FEATURES])[:, 1]})
    for version, c in [("v261124", 1.0), ("v261125", 0.1)]:
        model = train_logistic(data, c)
        folder = staging / "momentum" / version
        write_json(folder / "model.json", linear_json("logistic", LINEAR_FEATURES, model.coef_[0], model.intercept_[0]))
        probabilities = model.predict_proba(data[LINEAR_FEATURES])[:, 1]
        write_json(folder / "metrics.json", classifier_metrics(data["label"], probabilities))

    # Linear regression of the next-day return.
    ols = LinearRegression().fit(data[LINEAR_FEATURES], data["next_return"])
    write_json(FIXTURES / "linear.json", linear_json("linear", LINEAR_FEATURES, ols.coef_, ols.intercept_))
    write_predictions(FIXTURES / "linear_predictions.csv", clean.index,
                      {"prediction": ols.predict(clean[LINEAR_FEATURES])})

    # XGBoost: trained on the matrix with NaNs, so default_left is learned from real missing values.
    common = dict(n_estimators=20, max_depth=3, learning_rate=0.3, random_state=SEED, tree_method="hist")
    classifier = xgb.XGBClassifier(objective="binary:logistic", **common).fit(holed, data["label"])
    classifier.save_model(FIXTURES / "xgb_binary.json")
    write_predictions(FIXTURES / "xgb_binary_predictions.csv", holed.index,
                      {"prediction": classifier.predict_proba(holed)[:, 1]})
    staged = staging / "trend" / "v261124"
    staged.mkdir(parents=True, exist_ok=True)
    classifier.save_model(staged / "model.json")
    write_json(staged / "metrics.json", classifier_metrics(data["label"], classifier.predict_proba(holed)[:, 1]))

    regressor = xgb.XGBRegressor(objective="reg:squarederror", **common).fit(holed, data["next_return"])
    regressor.save_model(FIXTURES / "xgb_regression.json")
    write_predictions(FIXTURES / "xgb_regression_predictions.csv", holed.index,
                      {"prediction": regressor.predict(holed)})

    multi = xgb.XGBClassifier(objective="multi:softprob", **common).fit(holed, data["direction"])
    multi.save_model(FIXTURES / "xgb_multiclass.json")
    probabilities = multi.predict_proba(holed)
    write_predictions(FIXTURES / "xgb_multiclass_predictions.csv", holed.index,
                      {f"prediction.{k}": probabilities[:, k] for k in range(probabilities.shape[1])})

    # LightGBM: the binary model learns NaN routing (missing type NaN); the regression model
    # treats zeros as missing (missing type Zero); a column with no missing values gets None.
    lgb_common = dict(n_estimators=20, num_leaves=7, learning_rate=0.1, random_state=SEED,
                      deterministic=True, force_row_wise=True, verbose=-1)
    lgb_binary = lgb.LGBMClassifier(objective="binary", **lgb_common)
    lgb_binary.fit(holed.assign(rsi14=clean["rsi14"]), data["label"])
    lgb_binary.booster_.save_model(FIXTURES / "lgb_binary.txt")
    write_predictions(FIXTURES / "lgb_binary_predictions.csv", holed.index,
                      {"prediction": lgb_binary.predict_proba(holed)[:, 1]})

    zeroed = holed.fillna(0.0)
    lgb_regression = lgb.LGBMRegressor(objective="regression", zero_as_missing=True, **lgb_common)
    lgb_regression.fit(zeroed, data["next_return"])
    lgb_regression.booster_.save_model(FIXTURES / "lgb_regression.txt")
    write_predictions(FIXTURES / "lgb_regression_predictions.csv", holed.index,
                      {"prediction": lgb_regression.predict(holed)})

    print(f"{len(data)} rows; fixtures in {os.path.relpath(FIXTURES, ROOT)}, staging in {staging}")


if __name__ == "__main__":
    main()
