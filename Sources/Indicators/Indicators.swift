/// Namespace for the Indicators module; see README.md beside this file.
public enum IndicatorsModule {}
