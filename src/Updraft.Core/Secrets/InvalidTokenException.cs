namespace Updraft.Core.Secrets;

/// <summary>A Fernet token that is malformed, tampered with, expired, or made with none of the known keys.</summary>
public sealed class InvalidTokenException(string message) : Exception(message);
