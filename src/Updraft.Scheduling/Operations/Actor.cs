namespace Updraft.Scheduling.Operations;

/// <summary>
/// Who asks for an operation and through what (<c>cli</c>, <c>api</c>): the event log records it as
/// <c>{Via}_{event}</c> with <see cref="User"/> as the owner, as Airflow's does.
/// </summary>
public sealed record Actor(string User, string Via)
{
    /// <summary>The operating-system user running the CLI.</summary>
    public static Actor Cli => new(Environment.UserName, "cli");
}
