namespace Updraft.Tests.Shared;

/// <summary>Test classes in this collection share one PostgreSQL server (each creates its own database).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
