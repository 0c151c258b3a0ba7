/// Namespace for the Agents module; see README.md beside this file.
public enum AgentsModule {}
