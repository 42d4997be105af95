namespace Updraft.Core.Runtime;

/// <summary>Identifies one XCom value: a task instance's key.</summary>
public sealed record XComKey(string DagId, string RunId, string TaskId, int MapIndex, string Key)
{
    public const string ReturnValue = "return_value";
}
