namespace Updraft.Server.Ui;

/// <summary>A task or a task group of <see cref="DagNodes"/>.</summary>
internal sealed record DagNode(string Id, string Label, string Kind, string? Parent, int Depth, bool Mapped)
{
    public bool IsGroup => Kind == "group";
}
