namespace Updraft.Core.Connections;

/// <summary>A connection URI or JSON document that cannot be read. The message never includes a password.</summary>
public sealed class InvalidConnectionException(string message) : ArgumentException(message);
