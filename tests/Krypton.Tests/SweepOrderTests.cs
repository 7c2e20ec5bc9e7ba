using Krypton.Explain;
using Krypton.Imaging;
using Krypton.Planning;
using Krypton.Spec;

namespace Krypton.Tests;

/// <summary>
/// A sweep watched while it grows (what <c>krypton serve</c> streams): coarse cells first, every
/// cell reported once with the value the map ends with, the same map as a row-by-row sweep; and a
/// bound image's probes give the map's values at its cells.
/// </summary>
public class SweepOrderTests
{
    [Fact]
    public void Level_is_the_largest_power_of_two_step_dividing_row_and_column()
    {
        Assert.Equal(8, SweepOrders.Level(0, 0));
        Assert.Equal(8, SweepOrders.Level(16, 8));
        Assert.Equal(4, SweepOrders.Level(4, 8));
        Assert.Equal(2, SweepOrders.Level(6, 2));
        Assert.Equal(1, SweepOrders.Level(6, 3));
        Assert.Equal(1, SweepOrders.Level(1, 0));
    }

    [Theory]
    [InlineData(OcclusionMode.Exact, "drop")]
    [InlineData(OcclusionMode.Naive, "prob")]
    public void Coarse_first_sweep_reports_every_cell_once_and_ends_with_the_row_major_map(OcclusionMode mode, string value)
    {
        var (model, input) = ExactVsNaive.Builtin("resnet18", 64);
        var spec = new OcclusionSpec(Size2.Square(8), Size2.Square(4), new TensorFill(0.3f),
            Value: value == "drop" ? ValueKind.Drop : ValueKind.Probability);
        var request = new ExplainRequest(model, input, spec, Preprocessing.None) { Method = new(mode), Resources = new() { BatchSize = 7 } };
        using var engine = new OcclusionEngine();
        var rowMajor = engine.Explain(request);
        var seen = new List<MapValues>();
        var watched = engine.Explain(request with { Order = SweepOrder.CoarseFirst }, values: new SyncProgress<MapValues>(seen.Add));

        var grid = rowMajor.Grid;
        Assert.Equal(15, grid.Rows);
        var cells = seen.SelectMany(v => v.Cells).ToList();
        Assert.Equal(grid.Count, cells.Count);
        Assert.Equal(grid.Count, cells.Distinct().Count());
        // Levels never rise: all of every 8th row and column first (2x2 cells here), then 4, 2, 1.
        var levels = cells.Select(c => SweepOrders.Level(c / grid.Columns, c % grid.Columns)).ToList();
        Assert.Equal(levels.OrderByDescending(l => l), levels);
        Assert.Equal(4, levels.Count(l => l == 8));
        // What was reported is the finished map, which is the row-major sweep's.
        foreach (var batch in seen)
            for (int i = 0; i < batch.Cells.Length; i++)
                Assert.Equal(watched.HeatMap[batch.Cells[i]], batch.Values[i]);
        Assert.True(rowMajor.Range.Max - rowMajor.Range.Min > 1e-4, "the map is flat: the comparison could not fail");
        for (int c = 0; c < grid.Count; c++)
            Assert.True(Math.Abs(rowMajor.HeatMap[c] - watched.HeatMap[c]) <= 1e-6f, $"cell {c}: {rowMajor.HeatMap[c]} row-major, {watched.HeatMap[c]} coarse first");
    }

    [Fact]
    public void Probes_of_a_bound_image_are_the_maps_values_at_its_cells()
    {
        var (model, input) = ExactVsNaive.Builtin("resnet18", 64);
        var spec = new OcclusionSpec(Size2.Square(8), Size2.Square(8), new TensorFill(0.3f), Value: ValueKind.Drop);
        var request = new ExplainRequest(model, input, spec, Preprocessing.None);
        using var engine = new OcclusionEngine();
        var map = engine.Explain(request);
        using var bound = engine.Bind(request with { Method = new(OcclusionMode.Naive) });
        Assert.Equal(map.Target, bound.Primary);
        var cells = new[] { 0, 9, 20, map.Grid.Count - 1 };
        var probes = bound.Probe(cells.Select(c => map.Grid.Origin(c)).ToList());
        for (int i = 0; i < cells.Length; i++)
            Assert.True(Math.Abs(probes[0].PositionValues![i] - map.HeatMap[cells[i]]) <= 1e-5f, $"cell {cells[i]}: probe {probes[0].PositionValues![i]}, map {map.HeatMap[cells[i]]}");
        // Any pixel, not only the grid's, and again on the same binding.
        var off = bound.Probe([(3, 5)]);
        Assert.True(float.IsFinite(off[0].PositionValues![0]));
        Assert.Throws<KryptonException>(() => bound.Probe([(60, 60)]));
    }
}
