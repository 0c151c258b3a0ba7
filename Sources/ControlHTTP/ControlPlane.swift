/// The control plane's namespace; see README.md beside this file.
public enum ControlPlane {}
