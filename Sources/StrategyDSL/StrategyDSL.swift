/// Namespace for the StrategyDSL module; see README.md beside this file.
public enum StrategyDSLModule {}
