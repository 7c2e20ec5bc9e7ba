namespace Krypton.Model;

/// <summary>
/// The spatial window of a sliding-window layer (convolution or pooling): kernel, stride,
/// padding on each side and dilation, for the height (first) and width (second) axes.
/// </summary>
public sealed record Window2D(
    int KernelH, int KernelW,
    int StrideH = 1, int StrideW = 1,
    int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0,
    int DilationH = 1, int DilationW = 1)
{
    /// <summary>A square window with equal padding on every side.</summary>
    public static Window2D Square(int kernel, int stride = 1, int pad = 0, int dilation = 1) =>
        new(kernel, kernel, stride, stride, pad, pad, pad, pad, dilation, dilation);

    /// <summary>The kernel's extent on the input along the height axis, dilation included.</summary>
    public int EffectiveKernelH => DilationH * (KernelH - 1) + 1;

    /// <summary>The kernel's extent on the input along the width axis, dilation included.</summary>
    public int EffectiveKernelW => DilationW * (KernelW - 1) + 1;

    /// <summary>True when the window has no padding on any side.</summary>
    public bool Unpadded => PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    /// <summary>
    /// This window padded so that the output is ⌈input / stride⌉ long on each axis ("same"
    /// padding, as ONNX's auto_pad SAME_UPPER and SAME_LOWER and TensorFlow define it). An odd
    /// total padding puts the extra cell at the end, or at the start when <paramref name="extraAtStart"/>
    /// (SAME_LOWER); the padding the window had is replaced.
    /// </summary>
    public Window2D SamePadded(int inputHeight, int inputWidth, bool extraAtStart = false)
    {
        var (top, bottom) = SamePadding(inputHeight, EffectiveKernelH, StrideH, extraAtStart);
        var (left, right) = SamePadding(inputWidth, EffectiveKernelW, StrideW, extraAtStart);
        return this with { PadTop = top, PadLeft = left, PadBottom = bottom, PadRight = right };
    }

    private static (int Begin, int End) SamePadding(int input, int effectiveKernel, int stride, bool extraAtStart)
    {
        int output = (input + stride - 1) / stride;
        int total = Math.Max(0, (output - 1) * stride + effectiveKernel - input);
        int half = total / 2;
        return extraAtStart ? (total - half, half) : (half, total - half);
    }

    /// <summary>Output height for an input of the given height.</summary>
    public int OutputHeight(int inputHeight, bool ceilMode = false) =>
        OutputLength(inputHeight, EffectiveKernelH, StrideH, PadTop, PadBottom, ceilMode);

    /// <summary>Output width for an input of the given width.</summary>
    public int OutputWidth(int inputWidth, bool ceilMode = false) =>
        OutputLength(inputWidth, EffectiveKernelW, StrideW, PadLeft, PadRight, ceilMode);

    /// <summary>
    /// Output length along one axis, as ONNX defines it; in ceil mode the last window must start
    /// inside the input or its leading padding (the rule PyTorch and ONNX Runtime apply).
    /// </summary>
    public static int OutputLength(int input, int effectiveKernel, int stride, int padBegin, int padEnd, bool ceilMode)
    {
        int span = input + padBegin + padEnd - effectiveKernel;
        if (span < 0)
            throw new KryptonException($"window of extent {effectiveKernel} does not fit an input of length {input} with padding {padBegin}+{padEnd}");
        if (!ceilMode)
            return span / stride + 1;
        int n = (span + stride - 1) / stride + 1;
        if ((n - 1) * stride >= input + padBegin)
            n--;
        return n;
    }
}
