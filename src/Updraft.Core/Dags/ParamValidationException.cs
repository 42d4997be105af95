namespace Updraft.Core.Dags;

/// <summary>A param value (a default or one given in the run's conf) that breaks the param's rules.</summary>
public sealed class ParamValidationException(string message) : ArgumentException(message);
