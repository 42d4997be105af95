namespace Updraft.Tests.Shared;

/// <summary>Test classes in this collection share one MariaDB server (each creates its own database).</summary>
[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbServer>
{
    public const string Name = "mariadb";
}
