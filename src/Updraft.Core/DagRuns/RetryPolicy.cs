using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;

namespace Updraft.Core.DagRuns;

/// <summary>Whether a failed try is retried, and after how long (Airflow's formula, exponential backoff included).</summary>
public static class RetryPolicy
{
    /// <summary>Whether try <paramref name="tryNumber"/> (1-based) failing leaves retries.</summary>
    public static bool CanRetry(SerializedTask task, int tryNumber)
    {
        ArgumentNullException.ThrowIfNull(task);
        return tryNumber <= task.Retries;
    }

    /// <summary>
    /// The wait before the next try after try <paramref name="tryNumber"/> failed. With exponential backoff it is
    /// between 1× and 2× of delay·2^(try−1), chosen by a hash of the task instance so it is stable, and capped by
    /// the task's max retry delay and <paramref name="maxRetryDelay"/> (<c>[core] max_task_retry_delay</c>).
    /// </summary>
    public static TimeSpan NextRetryDelay(SerializedTask task, string dagId, DateTimeOffset logicalDate, int tryNumber, TimeSpan maxRetryDelay)
    {
        ArgumentNullException.ThrowIfNull(task);
        var delay = task.RetryDelay;
        if (task.RetryExponentialBackoff)
        {
            var minBackoff = Math.Max(1, Math.Ceiling(delay.TotalSeconds * Math.Pow(2, tryNumber - 1)));
            var key = $"{dagId}#{task.TaskId}#{Iso.Format(logicalDate)}#{tryNumber.ToString(CultureInfo.InvariantCulture)}";
            // SHA-1 is not used for security here: it is Airflow's spread function, kept so retry times match.
#pragma warning disable CA5350
            var hash = new BigInteger(SHA1.HashData(Encoding.UTF8.GetBytes(key)), isUnsigned: true, isBigEndian: true);
#pragma warning restore CA5350
            var modulus = minBackoff >= (double)long.MaxValue ? long.MaxValue : (long)minBackoff;
            var seconds = minBackoff + (double)(hash % modulus);
            delay = seconds >= TimeSpan.MaxValue.TotalSeconds - 1 ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
        }

        if (task.MaxRetryDelay is { } taskMax && delay > taskMax)
        {
            delay = taskMax;
        }

        return delay > maxRetryDelay ? maxRetryDelay : delay;
    }
}
