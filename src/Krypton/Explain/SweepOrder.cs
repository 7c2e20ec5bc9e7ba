using Krypton.Spec;

namespace Krypton.Explain;

/// <summary>The order in which a sweep evaluates the grid's cells; the map it assembles is the same in any order.</summary>
public enum SweepOrder
{
    /// <summary>Row by row, as the grid numbers its cells.</summary>
    RowMajor,

    /// <summary>
    /// Coarse to fine, for a map watched while it grows: every 8th row and column first, then the
    /// cells on every 4th, then every 2nd, then the rest (<see cref="SweepOrders.Arrange"/>).
    /// </summary>
    CoarseFirst,
}

/// <summary>Puts a grid's cells in a <see cref="SweepOrder"/>.</summary>
public static class SweepOrders
{
    /// <summary>The coarsest level first: the cells whose row and column are multiples of 8.</summary>
    public const int CoarsestStep = 8;

    /// <summary>
    /// The level of a cell: the largest step (8, 4, 2 or 1) that divides both its row and its column.
    /// A cell not yet computed can be drawn with the value of the cell at its row and column rounded
    /// down to a multiple of the next coarser step, which a coarse-first sweep has already computed.
    /// </summary>
    public static int Level(int row, int column)
    {
        for (int step = CoarsestStep; step > 1; step /= 2)
            if (row % step == 0 && column % step == 0) return step;
        return 1;
    }

    /// <summary>The cells in the given order (stable within a level).</summary>
    public static List<int> Arrange(IEnumerable<int> cells, OcclusionGrid grid, SweepOrder order) => order == SweepOrder.RowMajor
        ? cells.ToList()
        : cells.OrderByDescending(c => Level(c / grid.Columns, c % grid.Columns)).ToList();
}
