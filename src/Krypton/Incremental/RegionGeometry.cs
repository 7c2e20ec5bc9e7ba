using Krypton.Model;

namespace Krypton.Incremental;

/// <summary>
/// The arithmetic of changed regions through layers (KRYPTON §2–3): where a change in a layer's
/// input shows up in its output, which input cells recomputing it reads, and how the
/// projective-field cap τ trims it. The analyzer, the planner and the incremental-graph compiler
/// all call this; nothing else does this arithmetic. Pure integers, no tensors.
/// </summary>
public static class RegionGeometry
{
    /// <summary>
    /// The patch's region on the input image: <paramref name="height"/>×<paramref name="width"/>
    /// cells with top-left corner (<paramref name="y"/>, <paramref name="x"/>), which must lie inside the image.
    /// </summary>
    public static ChangedRegion Patch(int imageHeight, int imageWidth, int y, int x, int height, int width)
    {
        if (height < 1 || width < 1)
            throw new KryptonException($"patch size {height}×{width} must be at least 1×1");
        if (height > imageHeight || width > imageWidth)
            throw new KryptonException($"patch {height}×{width} is larger than the {imageHeight}×{imageWidth} image");
        if (y < 0 || x < 0 || y + height > imageHeight || x + width > imageWidth)
            throw new KryptonException($"patch {height}×{width} at ({y}, {x}) does not fit the {imageHeight}×{imageWidth} image");
        return new ChangedRegion(y, x, height, width);
    }

    /// <summary>
    /// The patch at the image centre (the worst case for incremental inference): its start on
    /// each axis is ⌊(image − patch)/2⌋, so an odd leftover puts the extra cell after the patch.
    /// </summary>
    public static ChangedRegion CentredPatch(int imageHeight, int imageWidth, int height, int width) =>
        Patch(imageHeight, imageWidth, (imageHeight - height) / 2, (imageWidth - width) / 2, height, width);

    /// <summary>
    /// The projective-field cap for an output axis of <paramref name="outputLength"/> cells:
    /// round(τ·length), rounding halves to even as the reference scripts (Python's round) do,
    /// and at least one cell.
    /// </summary>
    public static int ProjectiveFieldCap(double tau, int outputLength)
    {
        CheckTau(tau);
        return Math.Max(1, (int)Math.Round(tau * outputLength, MidpointRounding.ToEven));
    }

    /// <summary>
    /// Carries a changed span through one axis of a sliding window (KRYPTON §2):
    /// x_out = max(⌈(Pd + x_in − K + 1)/S⌉, 0), w_out = min(⌈(w_in + K − 1)/S⌉, W_out);
    /// if x_out + w_out &gt; W_out then x_out = W_out − w_out (the size stays fixed, so every
    /// patch position of one experiment has regions of the same size per layer);
    /// x_read = x_out·S − Pd, w_read = K + (w_out − 1)·S (the read window follows the clamped x_out).
    /// With τ &lt; 1, when w_out exceeds the cap round(τ·W_out) the input span is first shrunk to
    /// w_in' = cap·S − K + 1 around its centre (x_in += ⌊(w_in − w_in')/2⌋), which yields exactly
    /// cap output cells (KRYPTON §3).
    /// </summary>
    /// <remarks>
    /// The formulas cover every output whose window meets the input span, in every alignment:
    /// the outputs touched are the j with j·S in [x_in + Pd − K + 1, x_in + Pd + w_in − 1], a run
    /// of w_in + K − 1 integers, which holds at most ⌈(w_in + K − 1)/S⌉ multiples of S. Starting
    /// at the first of them (or 0) and clamping only leftwards keeps them all inside. The count
    /// is sometimes one more than needed (when the run holds ⌊·⌋ multiples); that is the price
    /// of a size that does not depend on the patch position. Property-tested against a brute force.
    /// </remarks>
    /// <param name="input">The changed span of the layer's input (non-empty).</param>
    /// <param name="kernel">The kernel's extent on the input, dilation included (D·(K − 1) + 1).</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padBegin">Padding before the first input cell.</param>
    /// <param name="outputLength">Output length W_out along this axis.</param>
    /// <param name="tau">Projective-field threshold τ ∈ (0, 1]; 1 means no cap.</param>
    public static AxisTransfer ThroughWindow(AxisSpan input, int kernel, int stride, int padBegin, int outputLength, double tau = 1.0)
    {
        if (input.IsEmpty)
            throw new KryptonException($"changed span {input} is empty: an unchanged input has no region to carry");
        if (kernel < 1 || stride < 1 || padBegin < 0 || outputLength < 1)
            throw new KryptonException($"window with kernel {kernel}, stride {stride}, padding {padBegin} and output length {outputLength} is not valid");
        CheckTau(tau);

        int xIn = input.Start, wIn = input.Length;
        int wOut = Math.Min(CeilDiv(wIn + kernel - 1, stride), outputLength);
        bool capped = false;
        if (tau < 1.0)
        {
            int cap = ProjectiveFieldCap(tau, outputLength);
            if (wOut > cap)
            {
                int shrunk = cap * stride - kernel + 1;
                xIn += FloorDiv(wIn - shrunk, 2);
                wIn = shrunk;
                wOut = Math.Min(CeilDiv(wIn + kernel - 1, stride), outputLength);
                capped = true;
            }
        }
        int xOut = Math.Max(CeilDiv(padBegin + xIn - kernel + 1, stride), 0);
        if (xOut + wOut > outputLength)
            xOut = outputLength - wOut;
        var output = new AxisSpan(xOut, wOut);
        return new AxisTransfer(output, ReadSpan(output, kernel, stride, padBegin), capped);
    }

    /// <summary>
    /// The input cells that the outputs <paramref name="output"/> of a sliding window read:
    /// x_read = x_out·S − Pd, w_read = K + (w_out − 1)·S (may start before 0 or end past the input).
    /// </summary>
    public static AxisSpan ReadSpan(AxisSpan output, int kernel, int stride, int padBegin) =>
        new(output.Start * stride - padBegin, kernel + (output.Length - 1) * stride);

    /// <summary>
    /// Widens <paramref name="span"/> to exactly <paramref name="length"/> cells inside
    /// [0, <paramref name="dimension"/>), keeping every cell of it: batching positions needs one
    /// region size per layer, and where merges or borders make sizes differ, recomputing a few
    /// unchanged cells is cheaper than ragged shapes. Like the border clamp, it moves left only.
    /// </summary>
    public static AxisSpan Widen(AxisSpan span, int length, int dimension)
    {
        if (length < span.Length || length > dimension || !span.Within(dimension))
            throw new KryptonException($"cannot widen {span} to {length} cells within {dimension}");
        return new AxisSpan(Math.Min(span.Start, dimension - length), length);
    }

    /// <summary>
    /// Carries a changed region through a sliding-window layer (convolution or pooling) with
    /// the given window and output size; see <see cref="ThroughWindow(AxisSpan, int, int, int, int, double)"/>.
    /// </summary>
    public static WindowTransfer ThroughWindow(ChangedRegion input, Window2D window, int outputHeight, int outputWidth, double tau = 1.0)
    {
        var y = ThroughWindow(input.Y, window.EffectiveKernelH, window.StrideH, window.PadTop, outputHeight, tau);
        var x = ThroughWindow(input.X, window.EffectiveKernelW, window.StrideW, window.PadLeft, outputWidth, tau);
        return new WindowTransfer(new ChangedRegion(y.Output, x.Output), new ChangedRegion(y.Read, x.Read), y.Capped || x.Capped);
    }

    /// <summary>
    /// Carries a changed span through explicit padding of one axis: a constant pad shifts it
    /// (a negative pad crops, and a span cropped away entirely gives null: nothing changed);
    /// edge and reflect pads copy border cells outward, so a change at the border also changes
    /// the copies and the span grows to take them in.
    /// </summary>
    public static AxisSpan? ThroughPad(AxisSpan input, int inputLength, int padBegin, int padEnd, PadMode mode)
    {
        int outputLength = inputLength + padBegin + padEnd;
        if (mode == PadMode.Constant)
        {
            int start = Math.Max(input.Start + padBegin, 0);
            int end = Math.Min(input.End + padBegin, outputLength);
            return end > start ? new AxisSpan(start, end - start) : null;
        }
        if (padBegin < 0 || padEnd < 0)
            throw new KryptonException($"{mode} padding with negative pads ({padBegin}, {padEnd}) is not supported");
        int first = input.Start + padBegin, last = input.End - 1 + padBegin;
        if (mode == PadMode.Edge)
        {
            // Padding cells repeat the border cell, so they change exactly when it does.
            if (input.Start == 0) first = 0;
            if (input.End == inputLength) last = outputLength - 1;
        }
        else
        {
            // Reflect: pad cell padBegin − i mirrors input cell i (1 ≤ i ≤ padBegin), and pad cell
            // padBegin + L − 1 + i mirrors input cell L − 1 − i (1 ≤ i ≤ padEnd).
            int reach = Math.Min(input.End - 1, Math.Min(padBegin, inputLength - 1));
            if (Math.Max(input.Start, 1) <= reach)
                first = Math.Min(first, padBegin - reach);
            int far = Math.Min(inputLength - 1 - input.Start, Math.Min(padEnd, inputLength - 1));
            if (Math.Max(inputLength - input.End, 1) <= far)
                last = Math.Max(last, padBegin + inputLength - 1 + far);
        }
        return new AxisSpan(first, last - first + 1);
    }

    /// <summary>Carries a changed region through an explicit <see cref="Pad"/> of a 4-D (NCHW) value.</summary>
    public static ChangedRegion? ThroughPad(ChangedRegion input, int inputHeight, int inputWidth, Pad pad)
    {
        if (pad.Pads.Length != 8)
            throw new KryptonException($"Pad has {pad.Pads.Length} pads for a 4-D feature map");
        var y = ThroughPad(input.Y, inputHeight, pad.Pads[2], pad.Pads[6], pad.Mode);
        var x = ThroughPad(input.X, inputWidth, pad.Pads[3], pad.Pads[7], pad.Mode);
        return y is null || x is null ? null : new ChangedRegion(y.Value, x.Value);
    }

    private static void CheckTau(double tau)
    {
        if (!(tau > 0 && tau <= 1))
            throw new KryptonException($"projective-field threshold τ = {tau} must lie in (0, 1]");
    }

    private static int FloorDiv(int a, int b) => a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);

    private static int CeilDiv(int a, int b) => -FloorDiv(-a, b);
}
