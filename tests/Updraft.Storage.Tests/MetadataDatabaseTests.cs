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
    [InlineData("mysql://u@h/db", "must start with sqlite:/// or postgresql://")]
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
}
