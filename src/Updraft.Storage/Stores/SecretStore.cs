using Dapper;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;
using Updraft.Core.Secrets;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>
/// Connections and variables in the metadata database. Connection passwords and extras and variable values are
/// stored as Fernet tokens under <c>[core] fernet_key</c>; <see cref="RotateAsync"/> re-encrypts them with its first key,
/// and the triggers' arguments (<see cref="TriggerKwargsCipher"/>) with them.
/// </summary>
public sealed class SecretStore(MetadataDatabase database, MultiFernet fernet, TimeProvider timeProvider) : IVariableStore, IConnectionStore
{
    public Task SetConnectionAsync(Connection connection, CancellationToken cancellationToken = default) =>
        ImportConnectionsAsync([connection], overwrite: true, cancellationToken);

    /// <summary>
    /// Writes several connections in one transaction, all or none; ids are checked first. Without
    /// <paramref name="overwrite"/>, connections that exist are kept. Returns how many were written and skipped.
    /// </summary>
    public async Task<(int Written, int Skipped)> ImportConnectionsAsync(IReadOnlyList<Connection> connections, bool overwrite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connections);
        foreach (var connection in connections)
        {
            ArgumentNullException.ThrowIfNull(connection);
            Names.ConnectionId(connection.ConnId);
            if (connection.Port is < 1 or > 65535)
            {
                throw new ArgumentException($"Connection '{connection.ConnId}' has port {connection.Port}; a port is 1 to 65535.");
            }
        }

        var now = timeProvider.GetUtcNow();
        await using var db = await database.OpenAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        var written = 0;
        foreach (var connection in connections)
        {
            const string Insert = """
                INSERT INTO connection (conn_id, conn_type, description, host, "schema", login, password, port, extra, is_encrypted, is_extra_encrypted)
                VALUES (@ConnId, @ConnType, @Description, @Host, @Schema, @Login, @Password, @Port, @Extra, @IsEncrypted, @IsExtraEncrypted)
                """;
            var row = new
            {
                connection.ConnId,
                ConnType = connection.ConnType ?? "",
                connection.Description,
                connection.Host,
                connection.Schema,
                connection.Login,
                Password = connection.Password is null ? null : fernet.Encrypt(connection.Password, now),
                connection.Port,
                Extra = connection.Extra is null ? null : fernet.Encrypt(connection.Extra, now),
                IsEncrypted = connection.Password is null ? 0 : 1,
                IsExtraEncrypted = connection.Extra is null ? 0 : 1,
            };

            // One row each: an overwrite that changes a row counts once on every dialect (MySQL reports 2).
            written += overwrite
                ? Math.Min(1, await db.ExecuteAsync(
                    Insert + database.Overwrite(
                        "conn_id", "conn_type", "description", "host", "\"schema\"", "login", "password", "port", "extra", "is_encrypted", "is_extra_encrypted"),
                    row,
                    transaction))
                : await database.InsertUnlessExistsAsync(db, Insert, row, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return (written, connections.Count - written);
    }

    /// <summary>Whether a connection with this id exists.</summary>
    public async Task<bool> HasConnectionAsync(string connId, CancellationToken cancellationToken = default)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        return await db.ExecuteScalarAsync<long>("SELECT count(*) FROM connection WHERE conn_id = @connId", new { connId }) > 0;
    }

    async Task<Connection?> IConnectionStore.GetAsync(string connId, CancellationToken cancellationToken) =>
        (await ListConnectionsAsync(connId, cancellationToken)).SingleOrDefault();

    /// <summary>All connections (decrypted), or the one with <paramref name="connId"/>.</summary>
    public async Task<IReadOnlyList<Connection>> ListConnectionsAsync(string? connId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        var rows = await db.QueryAsync<ConnectionRow>(
            "SELECT conn_id AS ConnId, conn_type AS ConnType, description AS Description, host AS Host, \"schema\" AS Schema, login AS Login, " +
            "password AS Password, port AS Port, extra AS Extra, is_encrypted AS IsEncrypted, is_extra_encrypted AS IsExtraEncrypted FROM connection" +
            (connId is null ? " ORDER BY conn_id" : " WHERE conn_id = @connId"),
            new { connId });
        var now = timeProvider.GetUtcNow();
        return rows.Select(r => new Connection(r.ConnId, r.ConnType)
        {
            Description = r.Description,
            Host = r.Host,
            Schema = r.Schema,
            Login = r.Login,
            Password = r.Password is null ? null : r.IsEncrypted ? fernet.Decrypt(r.Password, now) : r.Password,
            Port = r.Port,
            Extra = r.Extra is null ? null : r.IsExtraEncrypted ? fernet.Decrypt(r.Extra, now) : r.Extra,
        }).ToList();
    }

    public async Task<bool> DeleteConnectionAsync(string connId, CancellationToken cancellationToken = default)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        return await db.ExecuteAsync("DELETE FROM connection WHERE conn_id = @connId", new { connId }) > 0;
    }

    public Task SetVariableAsync(string key, string value, string? description = null, CancellationToken cancellationToken = default) =>
        ImportVariablesAsync([(key, value, description)], cancellationToken);

    /// <summary>Creates or updates several variables in one transaction, all or none; keys are checked first.</summary>
    public async Task ImportVariablesAsync(IReadOnlyList<(string Key, string Value, string? Description)> variables, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variables);
        foreach (var (key, value, _) in variables)
        {
            Names.VariableKey(key);
            ArgumentNullException.ThrowIfNull(value);
        }

        var now = timeProvider.GetUtcNow();
        await using var db = await database.OpenAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        await db.ExecuteAsync(
            "INSERT INTO variable (\"key\", val, description, is_encrypted) VALUES (@Key, @Val, @Description, 1)" +
            database.Overwrite("\"key\"", "val", "description", "is_encrypted = 1"),
            variables.Select(v => new { v.Key, Val = fernet.Encrypt(v.Value, now), v.Description }).ToList(),
            transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        var row = await db.QuerySingleOrDefaultAsync<(string Val, int Encrypted)?>("SELECT val, is_encrypted FROM variable WHERE \"key\" = @key", new { key });
        return row is { } r ? r.Encrypted == 1 ? fernet.Decrypt(r.Val, timeProvider.GetUtcNow()) : r.Val : null;
    }

    public async Task<IReadOnlyList<(string Key, string Value, string? Description)>> ListVariablesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        return (await db.QueryAsync<(string Key, string Val, string? Description, int Encrypted)>("SELECT \"key\", val, description, is_encrypted FROM variable ORDER BY \"key\""))
            .Select(r => (r.Key, r.Encrypted == 1 ? fernet.Decrypt(r.Val, now) : r.Val, r.Description))
            .ToList();
    }

    public async Task<bool> DeleteVariableAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        return await db.ExecuteAsync("DELETE FROM variable WHERE \"key\" = @key", new { key }) > 0;
    }

    /// <summary>
    /// Re-encrypts every stored secret and every trigger's arguments with the first key (plain ones, stored before
    /// encryption, are encrypted), in one transaction; returns how many values were rotated.
    /// </summary>
    public async Task<int> RotateAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await database.OpenAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        var rotated = 0;
        var connections = await db.QueryAsync<(string ConnId, string? Password, string? Extra, int IsEncrypted, int IsExtraEncrypted)>(
            "SELECT conn_id, password, extra, is_encrypted, is_extra_encrypted FROM connection", transaction: transaction);
        foreach (var c in connections)
        {
            var password = c.Password is null ? null : c.IsEncrypted == 1 ? fernet.Rotate(c.Password, now) : fernet.Encrypt(c.Password, now);
            var extra = c.Extra is null ? null : c.IsExtraEncrypted == 1 ? fernet.Rotate(c.Extra, now) : fernet.Encrypt(c.Extra, now);
            rotated += (password is null ? 0 : 1) + (extra is null ? 0 : 1);
            await db.ExecuteAsync(
                "UPDATE connection SET password = @password, extra = @extra, is_encrypted = @pe, is_extra_encrypted = @ee WHERE conn_id = @ConnId",
                new { c.ConnId, password, extra, pe = password is null ? 0 : 1, ee = extra is null ? 0 : 1 },
                transaction);
        }

        var variables = await db.QueryAsync<(string Key, string Val, int Encrypted)>("SELECT \"key\", val, is_encrypted FROM variable", transaction: transaction);
        foreach (var v in variables)
        {
            var val = v.Encrypted == 1 ? fernet.Rotate(v.Val, now) : fernet.Encrypt(v.Val, now);
            await db.ExecuteAsync("UPDATE variable SET val = @val, is_encrypted = 1 WHERE \"key\" = @Key", new { v.Key, val }, transaction);
            rotated++;
        }

        var triggerKwargs = new TriggerKwargsCipher(fernet, timeProvider);
        var triggers = await db.QueryAsync<(long Id, string Kwargs)>("SELECT id, kwargs FROM triggers", transaction: transaction);
        foreach (var t in triggers)
        {
            await db.ExecuteAsync("UPDATE triggers SET kwargs = @kwargs WHERE id = @Id", new { t.Id, kwargs = triggerKwargs.Rotate(t.Kwargs) }, transaction);
            rotated++;
        }

        await transaction.CommitAsync(cancellationToken);
        return rotated;
    }

    private sealed class ConnectionRow
    {
        public string ConnId { get; init; } = "";

        public string ConnType { get; init; } = "";

        public string? Description { get; init; }

        public string? Host { get; init; }

        public string? Schema { get; init; }

        public string? Login { get; init; }

        public string? Password { get; init; }

        public int? Port { get; init; }

        public string? Extra { get; init; }

        public bool IsEncrypted { get; init; }

        public bool IsExtraEncrypted { get; init; }
    }
}
