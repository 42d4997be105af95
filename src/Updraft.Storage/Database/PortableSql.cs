using System.Data.Common;
using Dapper;

namespace Updraft.Storage.Database;

/// <summary>
/// Statement shapes that PostgreSQL and SQLite share and MySQL writes another way, built from the same pieces so a
/// store keeps one statement per operation.
/// </summary>
internal static partial class PortableSql
{
    /// <summary>See <see cref="MetadataDatabase.SkipExisting"/>.</summary>
    internal static string SkipExisting(bool mySql, string keyColumn) =>
        mySql ? $" ON DUPLICATE KEY UPDATE {keyColumn} = {keyColumn}" : " ON CONFLICT DO NOTHING";

    /// <summary>See <see cref="MetadataDatabase.Overwrite"/>.</summary>
    internal static string Overwrite(bool mySql, string conflictColumns, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var sets = columns.Select(c => c.Contains('=', StringComparison.Ordinal) ? c : mySql ? $"{c} = VALUES({c})" : $"{c} = excluded.{c}");
        return mySql
            ? " ON DUPLICATE KEY UPDATE " + string.Join(", ", sets)
            : $" ON CONFLICT ({conflictColumns}) DO UPDATE SET " + string.Join(", ", sets);
    }

    /// <summary>
    /// An INSERT of one row that returns the row's generated id: <c>… RETURNING id</c>, on MySQL followed by
    /// <c>SELECT LAST_INSERT_ID()</c> in the same round trip.
    /// </summary>
    internal static string ReturningId(System.Data.Common.DbConnection connection, string insert) =>
        MetadataDatabase.IsMySql(connection) ? insert + "; SELECT LAST_INSERT_ID()" : insert + " RETURNING id";

    /// <summary>
    /// A list of row values for <c>(a, b) IN …</c>: <c>(VALUES (…), (…))</c>, on MySQL <c>((…), (…))</c> (SQLite only
    /// takes a subquery on the right of a row-value IN; MySQL has no bare VALUES there).
    /// </summary>
    internal static string RowList(bool mySql, IEnumerable<string> rows) =>
        mySql ? "(" + string.Join(", ", rows) + ")" : "(VALUES " + string.Join(", ", rows) + ")";

    /// <summary>
    /// <c>UPDATE <paramref name="table"/> SET … FROM v WHERE …</c> where <c>v</c> is the given rows (each <c>(@a, @b, …)</c>
    /// of plain parameters) named with <paramref name="columns"/>: a VALUES CTE on PostgreSQL and SQLite, a joined
    /// UNION ALL derived table on MySQL. MySQL assigns SET items left to right, each seeing the ones before it: write
    /// <paramref name="sets"/> so no item reads a column an earlier item changed (put <c>state = …</c> last).
    /// </summary>
    internal static string UpdateFromRows(bool mySql, string table, string columns, IReadOnlyList<string> rows, string sets, string where)
    {
        if (!mySql)
        {
            return $"WITH v ({columns}) AS (VALUES {string.Join(", ", rows)}) UPDATE {table} SET {sets} FROM v WHERE {where}";
        }

        return $"UPDATE {table} JOIN {DerivedTable(columns, rows)} ON {ForDerived(where)} SET {ForDerived(sets)}";
    }

    /// <summary>
    /// MySQL's stand-in for <see cref="UpdateFromRows"/> with <c>RETURNING <paramref name="returning"/></c>: in the caller's
    /// transaction, locks and reads the rows the update will change, then changes them (locked, they cannot change in
    /// between). Returns what was read.
    /// </summary>
    internal static async Task<List<T>> UpdateFromRowsReturningMySqlAsync<T>(
        DbConnection connection, DbTransaction transaction, string table, string columns, IReadOnlyList<string> rows, string sets, string where, string returning, object parameters)
    {
        var read = (await connection.QueryAsync<T>(
            $"SELECT {returning} FROM {table} JOIN {DerivedTable(columns, rows)} ON {ForDerived(where)} FOR UPDATE", parameters, transaction)).ToList();
        await connection.ExecuteAsync(UpdateFromRows(true, table, columns, rows, sets, where), parameters, transaction);
        return read;
    }

    /// <summary>
    /// <paramref name="sql"/> reading the rows of <see cref="DerivedTable"/>: its columns are named <c>v_…</c> on MySQL so
    /// an unqualified SET target never also names a column of <c>v</c> (MySQL calls that ambiguous; PostgreSQL refuses a
    /// qualified target), and <c>v.c</c> becomes <c>v.v_c</c>.
    /// </summary>
    private static string ForDerived(string sql) => ColumnOfV().Replace(sql, "v.v_$1");

    [System.Text.RegularExpressions.GeneratedRegex(@"\bv\.(\w+)")]
    private static partial System.Text.RegularExpressions.Regex ColumnOfV();

    /// <summary>The rows as a derived table <c>v</c> on MySQL: <c>(SELECT @a AS v_a, … UNION ALL SELECT @b, …) AS v</c>; read it through <see cref="ForDerived"/>.</summary>
    private static string DerivedTable(string columns, IReadOnlyList<string> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var names = columns.Split(',', StringSplitOptions.TrimEntries);
        var selects = rows.Select((row, i) =>
        {
            var values = row.Trim().TrimStart('(').TrimEnd(')').Split(',', StringSplitOptions.TrimEntries);
            if (values.Length != names.Length || values.Any(v => !v.StartsWith('@')))
            {
                throw new ArgumentException($"Row '{row}' is not {names.Length} plain parameters.", nameof(rows));
            }

            return "SELECT " + (i == 0 ? string.Join(", ", values.Zip(names, (v, n) => $"{v} AS v_{n}")) : string.Join(", ", values));
        });
        return "(" + string.Join(" UNION ALL ", selects) + ") AS v";
    }
}
