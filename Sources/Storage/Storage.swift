/// Namespace for the Storage module; see README.md beside this file.
public enum StorageModule {}
