namespace Updraft.Core.Configuration;

/// <summary>A configuration that cannot be read or a value of the wrong kind. Never carries a sensitive value.</summary>
public sealed class ConfigException(string message) : Exception(message);
