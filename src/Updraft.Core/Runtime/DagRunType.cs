namespace Updraft.Core.Runtime;

/// <summary>How a DAG run came about; the prefix of its run id.</summary>
public enum DagRunType
{
    Manual,
    Scheduled,
    Backfill,
    DatasetTriggered,
}
