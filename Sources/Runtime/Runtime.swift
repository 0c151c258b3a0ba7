/// Namespace for the Runtime module; see README.md beside this file.
public enum RuntimeModule {}
