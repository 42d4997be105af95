namespace Updraft.Storage.Queries;

/// <summary>A list query that cannot be run as asked (an unknown sort field, a negative offset); its message says why.</summary>
public sealed class InvalidQueryException(string message) : ArgumentException(message);
