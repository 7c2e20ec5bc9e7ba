namespace Krypton.Spec;

/// <summary>
/// What an occluding patch is filled with. Pixel-space fills (gray, black, white, a value, the
/// image mean) are converted through the model's input normalization, so "black" means black
/// whatever the normalization; a tensor-space fill is used as is.
/// </summary>
public abstract record Fill
{
    /// <summary>Mid gray, pixel value 0.5.</summary>
    public static Fill Gray { get; } = new PixelFill(0.5f, "gray");

    /// <summary>Black, pixel value 0.</summary>
    public static Fill Black { get; } = new PixelFill(0f, "black");

    /// <summary>White, pixel value 1.</summary>
    public static Fill White { get; } = new PixelFill(1f, "white");

    /// <summary>The per-channel mean of the image being explained.</summary>
    public static Fill ImageMean { get; } = new MeanFill();

    /// <summary>The image itself, blurred with a Gaussian of σ = half the patch's longer side.</summary>
    public static Fill Blur { get; } = new BlurFill(null);

    /// <summary>True when the fill is one value per channel; false when it varies over the image (blur).</summary>
    public virtual bool IsUniform => true;

    /// <summary>
    /// Parses a fill: gray, black, white, mean, a pixel value in [0, 1], tensor:V for a value
    /// in the model's input space (after normalization), blur[:SIGMA] for the blurred image, or
    /// baseline:PATH for another picture or .npy tensor's pixels (prepared like the input).
    /// </summary>
    public static Fill Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "gray" or "grey": return Gray;
            case "black": return Black;
            case "white": return White;
            case "mean": return ImageMean;
            case "blur": return Blur;
        }
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (t.StartsWith("baseline:", StringComparison.Ordinal))
            return text.Trim()[9..] is { Length: > 0 } path ? new BaselineFill(path)
                : throw new KryptonException("fill baseline: needs a file, as in baseline:reference.png");
        if (t.StartsWith("blur:", StringComparison.Ordinal))
            return float.TryParse(t[5..], System.Globalization.NumberStyles.Float, inv, out float sigma) && sigma > 0 && float.IsFinite(sigma)
                ? new BlurFill(sigma)
                : throw new KryptonException($"fill {text}: the blur's sigma must be a positive number of pixels (blur:4)");
        if (t.StartsWith("tensor:", StringComparison.Ordinal) && float.TryParse(t[7..], System.Globalization.NumberStyles.Float, inv, out float tv))
            return new TensorFill(tv);
        if (float.TryParse(t, System.Globalization.NumberStyles.Float, inv, out float pv))
        {
            if (pv < 0f || pv > 1f)
                throw new KryptonException($"fill {text} is not a pixel value in [0, 1] (for 8-bit 128 write {128 / 255.0:0.###}; for a value after normalization write tensor:{text})");
            return new PixelFill(pv, t);
        }
        throw new KryptonException($"fill '{text}' is not gray, black, white, mean, blur[:SIGMA], baseline:FILE, a pixel value in [0, 1] or tensor:VALUE");
    }
}
