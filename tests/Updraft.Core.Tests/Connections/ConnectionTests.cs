using Updraft.Core.Connections;

namespace Updraft.Core.Tests.Connections;

public class ConnectionTests
{
    [Fact]
    public void FromUri_Full_ReadsEveryPart()
    {
        var conn = Connection.FromUri("c", "postgresql://user%40corp:p%40ss%2Fword@Db.Example.com:5432/my%20db?sslmode=require&application_name=up+draft");
        Assert.Equal("postgres", conn.ConnType);
        Assert.Equal("user@corp", conn.Login);
        Assert.Equal("p@ss/word", conn.Password);
        Assert.Equal("db.example.com", conn.Host);
        Assert.Equal(5432, conn.Port);
        Assert.Equal("my db", conn.Schema);
        Assert.Equal("require", conn.ExtraDejson["sslmode"]!.GetValue<string>());
        Assert.Equal("up draft", conn.ExtraDejson["application_name"]!.GetValue<string>());
    }

    [Fact]
    public void FromUri_ProtocolInHost_KeptInHost()
    {
        var conn = Connection.FromUri("c", "http://https://example.com:8443/api");
        Assert.Equal("http", conn.ConnType);
        Assert.Equal("https://example.com", conn.Host);
        Assert.Equal(8443, conn.Port);
    }

    [Fact]
    public void FromUri_EncodedSlashInHost_KeepsCase()
    {
        Assert.Equal("/tmp/My.sock", Connection.FromUri("c", "postgres://%2Ftmp%2FMy.sock/db").Host);
    }

    [Fact]
    public void FromUri_ExtraAsJson_TakenVerbatim()
    {
        var conn = Connection.FromUri("c", "aws://?__extra__=%7B%22region%22%3A+%22eu%22%2C+%22n%22%3A+%5B1%5D%7D");
        Assert.Equal("{\"region\": \"eu\", \"n\": [1]}", conn.Extra);
    }

    [Fact]
    public void FromUri_DashInScheme_BecomesUnderscore() => Assert.Equal("google_cloud_platform", Connection.FromUri("c", "google-cloud-platform://").ConnType);

    [Theory]
    [InlineData("a://b://c://d")]
    [InlineData("http://user@https://host")]
    [InlineData("http://user:x@https://host")]
    public void FromUri_InvalidForms_Rejected(string uri) =>
        Assert.StartsWith("Invalid connection string", Assert.Throws<InvalidConnectionException>(() => Connection.FromUri("c", uri)).Message);

    [Fact]
    public void FromUri_InvalidWithPassword_HidesPassword()
    {
        var error = Assert.Throws<InvalidConnectionException>(() => Connection.FromUri("c", "a://user:hunter2@b://c://d"));
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public void FromJson_ReadsFieldsAndStringPort()
    {
        var conn = Connection.FromString("c", "{\"conn_type\": \"mysql\", \"host\": \"h\", \"login\": \"l\", \"password\": \"p\", \"port\": \"3306\", \"extra\": {\"ssl\": true}}");
        Assert.Equal(("mysql", "h", 3306, "{\"ssl\":true}"), (conn.ConnType, conn.Host, conn.Port, conn.Extra));
    }

    [Theory]
    [InlineData("postgresql", "postgres")]
    [InlineData("google-cloud-platform", "google_cloud_platform")]
    [InlineData("postgres", "postgres")]
    public void FromJson_NormalisesTheTypeAsUrisDo(string written, string stored)
    {
        Assert.Equal(stored, Connection.FromJson("c", $"{{\"conn_type\": \"{written}\"}}").ConnType);
        Assert.Equal(stored, Connection.FromUri("c", $"{written}://h").ConnType);
    }

    [Fact]
    public void ToString_NeverShowsPassword() =>
        Assert.Equal("c", Connection.FromUri("c", "postgres://u:secret@h/db").ToString());

    [Theory]
    [InlineData("postgres://user:p%40ss@db.example.com:5432/analytics?sslmode=require")]
    [InlineData("google-cloud-platform://?__extra__=%7B%22nested%22%3A+%7B%22a%22%3A+1%7D%7D")]
    [InlineData("mysql://@:3306")]
    [InlineData("aws://")]
    [InlineData("http://user@host/path%20with%20space")]
    public void Uri_RoundTrip_ReadsBackTheSameConnection(string uri)
    {
        var first = Connection.FromUri("c", uri);
        var second = Connection.FromUri("c", first.ToUri());
        Assert.Equal(
            (first.ConnType, first.Host, first.Login, first.Password, first.Schema, first.Port, first.ExtraDejson.ToJsonString()),
            (second.ConnType, second.Host, second.Login, second.Password, second.Schema, second.Port, second.ExtraDejson.ToJsonString()));
    }

    [Fact]
    public void ToUri_WritesAirflowsForm() =>
        Assert.Equal("postgres://user:p%40ss@db:5432/my%20db?sslmode=require", Connection.FromUri("c", "postgresql://user:p%40ss@db:5432/my%20db?sslmode=require").ToUri());
}
