// Task groups: tasks grouped under a prefix (section_1.task_1), a group nested in another, default arguments per
// group, and whole groups wired to tasks and to each other.
public sealed class ExampleTaskGroup : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_task_group", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "task_group"],
        };

        var start = dag.Empty("start");

        var section1 = dag.Group("section_1", _ =>
        {
            var task1 = dag.Empty("task_1");
            task1.Then([dag.Bash("task_2", "echo 1"), dag.Bash("task_3", "echo 2")]);
        }, tooltip: "Tasks for section_1");

        var section2 = dag.Group("section_2", _ =>
        {
            var task1 = dag.Empty("task_1");
            using (dag.Group("inner_section_2", tooltip: "Tasks for inner_section2"))
            {
                var task2 = dag.Bash("task_2", "echo 1");
                var task3 = dag.Empty("task_3");
                var task4 = dag.Empty("task_4");
                new TaskSet { task2, task3 }.Then(task4);
            }

            task1.Then(dag.GetTask("section_2.inner_section_2.task_2"));
            task1.Then(dag.GetTask("section_2.inner_section_2.task_3"));
        }, tooltip: "Tasks for section_2", defaultArgs: new() { Retries = 1, RetryDelay = TimeSpan.FromSeconds(1) });

        start.Then(section1).Then(section2).Then(dag.Empty("end"));

        yield return dag;
    }
}
