/// Namespace for the StrategyCompiler module; see README.md beside this file.
public enum StrategyCompilerModule {}
