namespace Updraft.Core.Dags;

/// <summary>An upstream task whose result a callable task receives as an argument of <paramref name="Type"/>.</summary>
public sealed record TaskInput(Operator Task, Type Type);
