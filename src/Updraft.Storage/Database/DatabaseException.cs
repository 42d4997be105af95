namespace Updraft.Storage.Database;

/// <summary>The metadata database cannot be used: unreachable, misconfigured, or at the wrong schema version. Never carries a password.</summary>
public sealed class DatabaseException(string message, Exception? inner = null) : Exception(message, inner);
