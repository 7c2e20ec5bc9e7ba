using Krypton.Incremental;
using Krypton.Model;

namespace Krypton.Tests;

public class GeometryTests
{
    /// <summary>A random sliding window along one axis, with its input and output lengths.</summary>
    private sealed record AxisCase(int Kernel, int Dilation, int Stride, int PadBegin, int PadEnd, bool CeilMode, int InputLength, int OutputLength)
    {
        public int Extent => Dilation * (Kernel - 1) + 1;

        /// <summary>Input cells output <paramref name="j"/> really reads (dilated taps), padding included.</summary>
        public IEnumerable<int> Taps(int j) => Enumerable.Range(0, Kernel).Select(t => j * Stride - PadBegin + t * Dilation);

        public static AxisCase Random(Random rng)
        {
            while (true)
            {
                int k = rng.Next(1, 8), d = rng.Next(1, 4), s = rng.Next(1, 5);
                int ext = d * (k - 1) + 1;
                int pb = rng.Next(0, ext), pe = rng.Next(0, ext);
                int len = rng.Next(1, 48);
                bool ceil = rng.Next(2) == 0;
                if (len + pb + pe < ext) continue;
                int outLen = Window2D.OutputLength(len, ext, s, pb, pe, ceil);
                return new AxisCase(k, d, s, pb, pe, ceil, len, outLen);
            }
        }
    }

    private static AxisSpan RandomSpan(Random rng, int length)
    {
        int start = rng.Next(0, length);
        return new AxisSpan(start, rng.Next(1, length - start + 1));
    }

    private static int Ceil(int a, int b) => (int)Math.Ceiling(a / (double)b);

    [Fact]
    public void Output_span_covers_every_output_whose_window_reads_a_changed_cell()
    {
        var rng = new Random(20190630);
        for (int trial = 0; trial < 20000; trial++)
        {
            var c = AxisCase.Random(rng);
            var input = RandomSpan(rng, c.InputLength);
            var t = RegionGeometry.ThroughWindow(input, c.Extent, c.Stride, c.PadBegin, c.OutputLength);
            for (int j = 0; j < c.OutputLength; j++)
                if (c.Taps(j).Any(input.Contains))
                    Assert.True(t.Output.Contains(j), $"{c}, input {input}: output {j} is touched but outside {t.Output}");
            Assert.True(t.Output.Within(c.OutputLength), $"{c}, input {input}: {t.Output} leaves the output");
            Assert.False(t.Capped);
        }
    }

    [Fact]
    public void Output_length_is_the_papers_and_does_not_depend_on_the_position()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 3000; trial++)
        {
            var c = AxisCase.Random(rng);
            int w = rng.Next(1, c.InputLength + 1);
            int expected = Math.Min(Ceil(w + c.Extent - 1, c.Stride), c.OutputLength);
            for (int x = 0; x + w <= c.InputLength; x++)
                Assert.Equal(expected, RegionGeometry.ThroughWindow(new AxisSpan(x, w), c.Extent, c.Stride, c.PadBegin, c.OutputLength).Output.Length);
        }
    }

    [Fact]
    public void Read_window_is_exactly_the_union_of_the_output_spans_windows()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 5000; trial++)
        {
            var c = AxisCase.Random(rng);
            var t = RegionGeometry.ThroughWindow(RandomSpan(rng, c.InputLength), c.Extent, c.Stride, c.PadBegin, c.OutputLength);
            var cells = Enumerable.Range(t.Output.Start, t.Output.Length)
                .SelectMany(j => new[] { j * c.Stride - c.PadBegin, j * c.Stride - c.PadBegin + c.Extent - 1 }).ToList();
            Assert.Equal(new AxisSpan(cells.Min(), cells.Max() - cells.Min() + 1), t.Read);
            Assert.Equal(c.Extent + (t.Output.Length - 1) * c.Stride, t.Read.Length);
            // Beyond the input lies only declared padding (ceil mode may run up to a stride further).
            Assert.True(t.Read.End <= c.InputLength + c.PadEnd + (c.CeilMode ? c.Stride - 1 : 0), $"{c}: read {t.Read} runs past the padding");
        }
    }

    [Fact]
    public void Tau_cap_limits_the_output_and_tau_one_never_caps()
    {
        var rng = new Random(3);
        double[] taus = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.1];
        for (int trial = 0; trial < 5000; trial++)
        {
            var c = AxisCase.Random(rng);
            var input = RandomSpan(rng, c.InputLength);
            var exact = RegionGeometry.ThroughWindow(input, c.Extent, c.Stride, c.PadBegin, c.OutputLength);
            foreach (double tau in taus)
            {
                var t = RegionGeometry.ThroughWindow(input, c.Extent, c.Stride, c.PadBegin, c.OutputLength, tau);
                int cap = Math.Max(1, (int)Math.Round(tau * c.OutputLength, MidpointRounding.ToEven));
                Assert.Equal(Math.Min(exact.Output.Length, cap), t.Output.Length);
                Assert.Equal(exact.Output.Length > cap, t.Capped);
                if (!t.Capped) Assert.Equal(exact, t);
                Assert.True(t.Output.Within(c.OutputLength));
                Assert.Equal(c.Extent + (t.Output.Length - 1) * c.Stride, t.Read.Length);
                Assert.Equal(t.Output.Start * c.Stride - c.PadBegin, t.Read.Start);
            }
        }
    }

    [Fact]
    public void Tau_cap_keeps_the_region_centred_on_the_exact_one()
    {
        // Stride 1, kernel 3, pad 1 on 56 cells, 40 changed cells in the middle: exact region
        // [7, 49) (42 cells); τ = 0.5 caps at 28, the input shrinks to 26 cells centred:
        // x_in = 8 + (40 − 26)/2 = 15, so the output is [14, 42).
        var t = RegionGeometry.ThroughWindow(new AxisSpan(8, 40), 3, 1, 1, 56, 0.5);
        Assert.True(t.Capped);
        Assert.Equal(new AxisSpan(14, 28), t.Output);
        Assert.Equal(new AxisSpan(13, 30), t.Read);
    }

    [Theory]
    // VGG16 conv1_1 (3×3, pad 1) with a 16-pixel patch at 104 on 224: rows 103..120.
    [InlineData(104, 16, 3, 1, 1, 224, 103, 18, 102, 20)]
    // then its first max pool (2×2, stride 2) on 18 cells at 103: outputs 51..60.
    [InlineData(103, 18, 2, 2, 0, 112, 51, 10, 102, 20)]
    // Stride-2 window where the paper's count is one more than the outputs touched (kept for a fixed size).
    [InlineData(0, 2, 2, 2, 0, 4, 0, 2, 0, 4)]
    // At the far border the region slides left to keep its size: 3×3 pad 1 on 7 cells, change at 5..6.
    [InlineData(5, 2, 3, 1, 1, 7, 3, 4, 2, 6)]
    // At the near border x_out is clamped to 0 and the read window starts in the padding.
    [InlineData(0, 1, 7, 2, 3, 112, 0, 4, -3, 13)]
    public void Hand_checked_cases(int x, int w, int k, int s, int pad, int outLen, int xOut, int wOut, int xRead, int wRead)
    {
        var t = RegionGeometry.ThroughWindow(new AxisSpan(x, w), k, s, pad, outLen);
        Assert.Equal(new AxisSpan(xOut, wOut), t.Output);
        Assert.Equal(new AxisSpan(xRead, wRead), t.Read);
    }

    [Fact]
    public void Two_dimensional_window_uses_the_dilated_extent_per_axis()
    {
        // 3×3 dilation 2 → extent 5 on rows; 1×1 on columns with stride 2.
        var w = new Window2D(3, 1, StrideH: 1, StrideW: 2, PadTop: 2, PadBottom: 2, DilationH: 2);
        var t = RegionGeometry.ThroughWindow(new ChangedRegion(10, 10, 4, 4), w, 32, 16);
        Assert.Equal(new ChangedRegion(8, 5, 8, 2), t.Output);
        Assert.Equal(new ChangedRegion(6, 10, 12, 3), t.ReadWindow);
    }

    [Theory]
    [InlineData(PadMode.Constant)]
    [InlineData(PadMode.Edge)]
    [InlineData(PadMode.Reflect)]
    public void Pad_region_is_the_bounding_box_of_the_padded_cells_whose_source_changed(PadMode mode)
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 5000; trial++)
        {
            int len = rng.Next(2, 20);
            int lo = mode == PadMode.Constant ? -len + 1 : 0;
            int hi = mode == PadMode.Reflect ? len : 6;
            int pb = rng.Next(lo, hi), pe = rng.Next(lo, hi);
            if (len + pb + pe < 1) continue;
            var span = RandomSpan(rng, len);
            int Source(int p)
            {
                int q = p - pb;
                return mode switch
                {
                    PadMode.Constant => q,
                    PadMode.Edge => Math.Clamp(q, 0, len - 1),
                    _ => q < 0 ? -q : q >= len ? 2 * (len - 1) - q : q,
                };
            }
            var changed = Enumerable.Range(0, len + pb + pe).Where(p => span.Contains(Source(p))).ToList();
            var r = RegionGeometry.ThroughPad(span, len, pb, pe, mode);
            if (changed.Count == 0)
                Assert.Null(r);
            else
                Assert.Equal(new AxisSpan(changed.Min(), changed.Max() - changed.Min() + 1), r);
        }
    }

    [Fact]
    public void Constant_pad_of_a_feature_map_shifts_the_region()
    {
        var pad = new Pad([0, 0, 2, 3, 0, 0, 1, 1]);
        Assert.Equal(new ChangedRegion(7, 8, 4, 4), RegionGeometry.ThroughPad(new ChangedRegion(5, 5, 4, 4), 20, 20, pad));
    }

    [Theory]
    [InlineData(224, 16, 104)]
    [InlineData(224, 15, 104)]
    [InlineData(299, 16, 141)]
    [InlineData(299, 4, 147)]
    public void Centred_patch_starts_at_half_the_leftover_rounded_down(int image, int patch, int start)
    {
        var r = RegionGeometry.CentredPatch(image, image, patch, patch);
        Assert.Equal(new ChangedRegion(start, start, patch, patch), r);
    }

    [Theory]
    [InlineData(0, 0, 0, 4)]
    [InlineData(-1, 0, 4, 4)]
    [InlineData(0, 30, 4, 4)]
    [InlineData(0, 0, 33, 4)]
    public void Patch_outside_the_image_is_refused(int y, int x, int h, int w)
    {
        var e = Assert.Throws<KryptonException>(() => RegionGeometry.Patch(32, 32, y, x, h, w));
        Assert.Contains("patch", e.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Tau_outside_zero_to_one_is_refused(double tau) =>
        Assert.Throws<KryptonException>(() => RegionGeometry.ThroughWindow(new AxisSpan(0, 1), 3, 1, 1, 8, tau));

    [Theory]
    [InlineData(0.8, 14, 11)]
    [InlineData(0.5, 7, 4)]   // 3.5 rounds to even
    [InlineData(0.5, 5, 2)]   // 2.5 rounds to even
    [InlineData(0.4, 1, 1)]   // never below one cell
    [InlineData(1.0, 56, 56)]
    public void Projective_field_cap_rounds_half_to_even(double tau, int length, int cap) =>
        Assert.Equal(cap, RegionGeometry.ProjectiveFieldCap(tau, length));

    [Fact]
    public void Bounding_box_holds_both_regions()
    {
        var a = new ChangedRegion(2, 10, 3, 4);
        var b = new ChangedRegion(6, 1, 2, 2);
        Assert.Equal(new ChangedRegion(2, 1, 6, 13), ChangedRegion.BoundingBox(a, b));
    }
}
