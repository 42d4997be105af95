namespace Updraft.Tests.Shared;

/// <summary>Test classes in this collection share one RabbitMQ broker (each creates its own virtual host).</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqServer>
{
    public const string Name = "rabbitmq";
}
