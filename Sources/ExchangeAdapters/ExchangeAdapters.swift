/// The exchange adapters' namespace; see README.md beside this file.
public enum ExchangeAdapters {}
