public class HelloDagTests
{
    [Fact]
    public void Hello_RunsToSuccess_AndTotalsTheNumbers()
    {
        var dag = new HelloDag().Build().Single();

        var result = dag.Test(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(6, result.XComValue<int>("total"));
    }
}
