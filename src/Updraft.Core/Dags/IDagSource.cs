namespace Updraft.Core.Dags;

/// <summary>
/// What a DAG file provides: every public, non-abstract class implementing this interface with a
/// parameterless constructor is instantiated and asked for its DAGs.
/// </summary>
public interface IDagSource
{
    IEnumerable<Dag> Build();
}
