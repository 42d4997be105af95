using Dapper;
using Updraft.Storage.Database;
using Updraft.Tests.Shared;

namespace Updraft.Storage.Tests;

/// <summary>Connecting to a real MariaDB server: the errors a user meets and the schema the migrations leave.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbDatabaseTests(MariaDbServer server)
{
    [Fact]
    public async Task RetryDeadlocks_ATransactionInnoDbRollsBackAsADeadlocksVictim_RunsAgainAndCommits()
    {
        var database = MetadataDatabase.FromUri(server.CreateDatabase());
        await using (var setup = await database.OpenAsync())
        {
            await setup.ExecuteAsync("CREATE TABLE pair (id INT PRIMARY KEY, v INT NOT NULL)");
            await setup.ExecuteAsync("CREATE TABLE bulk (id INT PRIMARY KEY)");
            await setup.ExecuteAsync("INSERT INTO pair VALUES (1, 0), (2, 0)");
        }

        // The other transaction takes row 2 and writes 200 rows (InnoDB rolls back the transaction that changed
        // fewer), then wants row 1, which the first attempt holds while it wants row 2: a deadlock.
        var firstHoldsRow1 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var otherHoldsRow2 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var other = Task.Run(async () =>
        {
            await using var connection = await database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("UPDATE pair SET v = v + 10 WHERE id = 2", transaction: transaction);
            await connection.ExecuteAsync("INSERT INTO bulk (id) VALUES " + string.Join(", ", Enumerable.Range(1, 200).Select(i => $"({i})")), transaction: transaction);
            otherHoldsRow2.SetResult();
            await firstHoldsRow1.Task;
            await connection.ExecuteAsync("UPDATE pair SET v = v + 10 WHERE id = 1", transaction: transaction);
            await transaction.CommitAsync();
        });

        var attempts = 0;
        var deadlocks = 0;
        await MetadataDatabase.RetryDeadlocksAsync(async () =>
        {
            attempts++;
            await using var connection = await database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            try
            {
                await connection.ExecuteAsync("UPDATE pair SET v = v + 1 WHERE id = 1", transaction: transaction);
                if (attempts == 1)
                {
                    await otherHoldsRow2.Task;
                    firstHoldsRow1.SetResult();
                }

                await connection.ExecuteAsync("UPDATE pair SET v = v + 1 WHERE id = 2", transaction: transaction);
                await transaction.CommitAsync();
                return attempts;
            }
            catch (Exception e) when (MetadataDatabase.IsDeadlock(e))
            {
                deadlocks++;
                throw;
            }
        });
        await other;

        Assert.Equal((2, 1), (attempts, deadlocks));
        await using var check = await database.OpenAsync();
        Assert.Equal([11, 11], await check.QueryAsync<int>("SELECT v FROM pair ORDER BY id"));
        Assert.Equal(200, await check.ExecuteScalarAsync<int>("SELECT count(*) FROM bulk"));
    }

    [Fact]
    public async Task Open_WrongPassword_ClearErrorWithoutPassword()
    {
        var uri = server.CreateDatabase().Replace(MariaDbServer.Password, "not-the-s3cret", StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<DatabaseException>(() => MetadataDatabase.FromUri(uri).OpenAsync());
        Assert.StartsWith("Cannot connect to the metadata database at mysql://127.0.0.1:", error.Message);
        Assert.Contains("Access denied", error.Message);
        Assert.DoesNotContain("not-the-s3cret", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(MetadataDatabase.IsTransient(error));
    }

    [Fact]
    public async Task Open_Unreachable_ClearErrorWithoutPassword()
    {
        var database = MetadataDatabase.FromUri("mysql://updraft:s3cretpw@127.0.0.1:1/updraft");
        var error = await Assert.ThrowsAsync<DatabaseException>(() => database.OpenAsync());
        Assert.StartsWith("Cannot connect to the metadata database at mysql://127.0.0.1:1/updraft", error.Message);
        Assert.DoesNotContain("s3cretpw", error.Message);
    }

    [Fact]
    public async Task Open_Latin1Database_RefusedBeforeAnythingIsWritten()
    {
        var database = MetadataDatabase.FromUri(server.CreateDatabase("latin1"));
        var error = await Assert.ThrowsAsync<DatabaseException>(() => new Migrator(database, TimeProvider.System).MigrateAsync());
        Assert.Contains("uses character set latin1", error.Message);
        Assert.Contains("CHARACTER SET utf8mb4", error.Message);
        Assert.DoesNotContain(MariaDbServer.Password, error.Message);
    }

    [Fact]
    public async Task Migrate_CheckReset_OnMariaDb()
    {
        var database = MetadataDatabase.FromUri(server.CreateDatabase());
        var migrator = new Migrator(database, TimeProvider.System);
        var stale = await Assert.ThrowsAsync<DatabaseException>(() => migrator.CheckAsync());
        Assert.Contains("run 'updraft db migrate'", stale.Message);
        Assert.Equal(migrator.LatestVersion, await migrator.MigrateAsync());
        Assert.Equal(0, await migrator.MigrateAsync());
        await migrator.CheckAsync();

        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync("INSERT INTO variable (\"key\", val, description, is_encrypted) VALUES ('x', 'y', NULL, 0)");
        }

        await migrator.ResetAsync();
        await migrator.CheckAsync();
        await using var after = await database.OpenAsync();
        Assert.Equal(0, await after.ExecuteScalarAsync<long>("SELECT count(*) FROM variable"));
    }

    [Fact]
    public async Task Ids_CompareByCaseAccentAndTrailingSpace()
    {
        var database = MetadataDatabase.FromUri(server.CreateDatabase());
        await new Migrator(database, TimeProvider.System).MigrateAsync();
        await using var connection = await database.OpenAsync();
        foreach (var id in new[] { "etl", "ETL", "étl", "etl " })
        {
            await connection.ExecuteAsync(
                "INSERT INTO slot_pool (pool, slots, description) VALUES (@id, 1, '')", new { id });
        }

        Assert.Equal(4, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM slot_pool WHERE pool IN ('etl', 'ETL', 'étl', 'etl ')"));
        Assert.Equal("etl", await connection.ExecuteScalarAsync<string>("SELECT pool FROM slot_pool WHERE pool = 'etl'"));
        var collations = (await connection.QueryAsync<string>(
            "SELECT DISTINCT collation_name FROM information_schema.columns WHERE table_schema = DATABASE() AND collation_name IS NOT NULL")).ToList();
        Assert.Equal(["utf8mb4_nopad_bin"], collations);
    }

    [Fact]
    public async Task Session_QuotesPipesAndParametersAsOnPostgres()
    {
        var database = MetadataDatabase.FromUri(server.CreateDatabase());
        await using var connection = await database.OpenAsync();
        Assert.Equal("ab", await connection.ExecuteScalarAsync<string>("SELECT 'a' || \"b\" FROM (SELECT 'b' AS \"b\") AS \"t\""));
        Assert.Equal("it's \\ \"q\"", await connection.ExecuteScalarAsync<string>("SELECT @v", new { v = "it's \\ \"q\"" }));
        Assert.Equal("READ-COMMITTED", await connection.ExecuteScalarAsync<string>("SELECT @@tx_isolation"));

        // Mapping a task to thousands of instances numbers them with a recursive CTE: past the server's 1,000 default.
        Assert.Equal(10_000, await connection.ExecuteScalarAsync<long>(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 10000) SELECT count(*) FROM n"));
    }
}
