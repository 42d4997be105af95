using Updraft.Storage.Database;

namespace Updraft.Storage.Tests;

public class MetadataDatabaseTests
{
    [Fact]
    public async Task Open_UnreachablePostgres_ClearErrorWithoutPassword()
    {
        var database = MetadataDatabase.FromUri("postgresql://updraft:s3cretpw@127.0.0.1:1/updraft");
        var error = await Assert.ThrowsAsync<DatabaseException>(() => database.OpenAsync());
        Assert.StartsWith("Cannot connect to the metadata database at postgresql://127.0.0.1:1/updraft", error.Message);
        Assert.DoesNotContain("s3cretpw", error.Message);
    }

    [Theory]
    [InlineData("oracle://u@h/db", "must start with sqlite:///, postgresql:// or mysql://")]
    [InlineData("mysql://u@h:3306/", "names no MySQL database")]
    [InlineData("mysql://u@h/db?charset=latin1", "charset 'latin1'")]
    [InlineData("mysql://u@h/db?ssl_mode=SOMETIMES", "ssl_mode 'SOMETIMES'")]
    [InlineData("mysql://u@h/db?autocommit=1", "option 'autocommit'")]
    [InlineData("sqlite:///", "names no file")]
    [InlineData("postgresql://u@h:5432/", "names no PostgreSQL database")]
    public void FromUri_Bad_SaysWhy(string uri, string reason) =>
        Assert.Contains(reason, Assert.Throws<DatabaseException>(() => MetadataDatabase.FromUri(uri)).Message);

    [Theory]
    [InlineData("sqlite:///relative.db", "/home/u/relative.db")]
    [InlineData("sqlite:///sub/dir/m.db", "/home/u/sub/dir/m.db")]
    [InlineData("sqlite:////abs/m.db", "/abs/m.db")]
    public void FromUri_SqlitePath_RelativeToTheGivenFolder(string uri, string path) =>
        Assert.Equal("sqlite:///" + path, MetadataDatabase.FromUri(uri, "/home/u").Description);

    [Fact]
    public void FromUri_Postgres_DescriptionHidesPassword()
    {
        var database = MetadataDatabase.FromUri("postgresql+psycopg2://u:pw@db.example.com:6543/meta");
        Assert.Equal(SqlDialect.Postgres, database.Dialect);
        Assert.Equal("postgresql://db.example.com:6543/meta", database.Description);
    }

    [Theory]
    [InlineData("mysql://u:pw@db.example.com:3307/meta", "mysql://db.example.com:3307/meta")]
    [InlineData("mysql+mysqlconnector://u:pw@db.example.com/meta?charset=utf8mb4", "mysql://db.example.com:3306/meta")]
    [InlineData("mysql+mysqldb://u:p%40ss@10.0.0.5/airflow_db?ssl_mode=REQUIRED", "mysql://10.0.0.5:3306/airflow_db")]
    [InlineData("mariadb://u:pw@h:3306/db", "mysql://h:3306/db")]
    public void FromUri_MySql_AsAirflowUsersWriteIt(string uri, string description)
    {
        var database = MetadataDatabase.FromUri(uri);
        Assert.Equal(SqlDialect.MySql, database.Dialect);
        Assert.Equal(description, database.Description);
    }

    [Theory]
    [InlineData("10.11.19-MariaDB-0+deb12u1", "utf8mb4", null)]
    [InlineData("8.0.36", "utf8mb4", null)]
    [InlineData("11.4.2-MariaDB", "utf8mb4", null)]
    [InlineData("10.5.23-MariaDB", "utf8mb4", "runs MariaDB 10.5.23; Updraft needs MySQL 8.0 or MariaDB 10.6 or newer")]
    [InlineData("5.7.44-log", "utf8mb4", "runs MySQL 5.7.44; Updraft needs MySQL 8.0 or MariaDB 10.6 or newer")]
    [InlineData("8.0.36", "latin1", "uses character set latin1")]
    [InlineData("10.11.19-MariaDB", "utf8mb3", "uses character set utf8mb3")]
    public void MySqlServer_TooOldOrLossyCharset_SaysWhy(string version, string charset, string? problem)
    {
        var found = MySqlSupport.ServerProblem(version, charset, "mysql://h:3306/db");
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found);
        }
    }
}
