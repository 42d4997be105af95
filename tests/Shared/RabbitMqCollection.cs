namespace Updraft.Tests.Shared;

/// <summary>
/// Test classes in this collection share one RabbitMQ broker (each creates its own virtual host), and a PostgreSQL
/// server for the tests that run on both databases (each creates its own database).
/// </summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqServer>, ICollectionFixture<PostgresServer>
{
    public const string Name = "rabbitmq";
}
