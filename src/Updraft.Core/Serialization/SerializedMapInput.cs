namespace Updraft.Core.Serialization;

/// <summary>One list a mapped task expands over, as the scheduler needs it to count instances.</summary>
public sealed record SerializedMapInput
{
    /// <summary>The upstream task whose result (or, when it is mapped, whose collected results) is the list.</summary>
    public string? TaskId { get; init; }

    /// <summary>The length of a list written in the DAG file.</summary>
    public int? Length { get; init; }
}
