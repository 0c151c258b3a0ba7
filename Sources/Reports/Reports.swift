/// Namespace for the Reports module; see README.md beside this file.
public enum ReportsModule {}
