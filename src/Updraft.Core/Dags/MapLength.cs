namespace Updraft.Core.Dags;

/// <summary>How many instances a mapped task's input gives, and which element of each list an instance takes.</summary>
public static class MapLength
{
    /// <summary>The number of instances: the list's length, the product of the lengths, or the shortest (zip).</summary>
    public static long Of(MapMode mode, IReadOnlyList<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        return mode switch
        {
            MapMode.Product => lengths.Aggregate(1L, (total, n) => total * n),
            MapMode.Zip => lengths.Count == 0 ? 0 : lengths.Min(),
            _ => lengths.Count == 0 ? 0 : lengths[0],
        };
    }

    /// <summary>The position in each list that instance <paramref name="mapIndex"/> takes; null when it is past the end.</summary>
    public static int[]? Positions(MapMode mode, IReadOnlyList<int> lengths, int mapIndex)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (mapIndex < 0 || mapIndex >= Of(mode, lengths))
        {
            return null;
        }

        var positions = new int[lengths.Count];
        if (mode != MapMode.Product)
        {
            Array.Fill(positions, mapIndex);
            return positions;
        }

        // The first list varies slowest, as itertools.product.
        var rest = mapIndex;
        for (var p = lengths.Count - 1; p >= 0; p--)
        {
            positions[p] = rest % lengths[p];
            rest /= lengths[p];
        }

        return positions;
    }
}
