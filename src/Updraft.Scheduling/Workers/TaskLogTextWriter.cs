using System.Text;
using Updraft.Core.Runtime;

namespace Updraft.Scheduling.Workers;

/// <summary>A console writer that turns each line task code prints into a line of the task's log (masked like the rest).</summary>
internal sealed class TaskLogTextWriter(TaskLogger log) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            if (value == '\n')
            {
                log.Info(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }
    }

    public override void Flush()
    {
        lock (_line)
        {
            if (_line.Length > 0)
            {
                log.Info(_line.ToString());
                _line.Clear();
            }
        }
    }
}
