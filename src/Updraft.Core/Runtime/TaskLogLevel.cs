namespace Updraft.Core.Runtime;

public enum TaskLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}
