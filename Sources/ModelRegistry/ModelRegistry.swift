/// Namespace for the ModelRegistry module; see README.md beside this file.
public enum ModelRegistryModule {}
