using Updraft.Core.Dags;

namespace Updraft.Core.Tests.Dags;

public sealed class SensorBackoffTests
{
    private static readonly DateTimeOffset Started = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void WithoutBackoff_TheIntervalEveryTime_NeverPastTheTimeLeft()
    {
        var sensor = new Dag("d").Sensor("s", _ => false).With(s => s.PokeInterval = TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(30), sensor.NextPokeInterval("d", -1, Started, 5, TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromSeconds(7), sensor.NextPokeInterval("d", -1, Started, 1, TimeSpan.FromSeconds(7)));
    }

    [Fact]
    public void WithBackoff_DoublesWithJitterUpToAsMuchAgain_BoundedByMaxWait()
    {
        var sensor = new Dag("d").Sensor("s", _ => false).With(s =>
        {
            s.PokeInterval = TimeSpan.FromSeconds(10);
            s.ExponentialBackoff = true;
        });

        // Airflow's rule: at least poke_interval × 2^(n−2) (and 1 s), less than twice that.
        for (var poke = 1; poke <= 8; poke++)
        {
            var minimum = Math.Max(10 * Math.Pow(2, poke - 2), 1);
            var wait = sensor.NextPokeInterval("d", -1, Started, poke, TimeSpan.FromDays(1)).TotalSeconds;
            Assert.InRange(wait, minimum, 2 * minimum);
        }

        Assert.Equal(
            sensor.NextPokeInterval("d", -1, Started, 4, TimeSpan.FromDays(1)),
            sensor.NextPokeInterval("d", -1, Started, 4, TimeSpan.FromDays(1)));
        sensor.MaxWait = TimeSpan.FromSeconds(45);
        Assert.Equal(TimeSpan.FromSeconds(45), sensor.NextPokeInterval("d", -1, Started, 8, TimeSpan.FromDays(1)));
    }
}
