using System.Globalization;

namespace Krypton.Imaging;

/// <summary>
/// How a picture is brought to the model's input size, as torchvision's <c>Resize(N)</c> and
/// <c>CenterCrop(M)</c> do: the shorter side resized to <paramref name="Resize"/> keeping the
/// aspect (the longer side ⌊N · long / short⌋), then the centre <paramref name="CropHeight"/> ×
/// <paramref name="CropWidth"/> cut out (top ⌊(H − h) / 2⌉, rounded half to even as Python does).
/// Either may be left out; a stated framing must end at the model's input size.
/// </summary>
/// <param name="Resize">The shorter side's length after resizing; null for no resize.</param>
/// <param name="CropHeight">The centre crop's height; null for no crop.</param>
/// <param name="CropWidth">The centre crop's width; null for no crop.</param>
public sealed record Framing(int? Resize = null, int? CropHeight = null, int? CropWidth = null)
{
    /// <summary>torchvision's ImageNet evaluation ratio of crop to resize: 224 of 256.</summary>
    public const double ImageNetCropRatio = 0.875;

    /// <summary>An upscale beyond this factor gets a note: the model sees a blurred enlargement.</summary>
    public const double LargeUpscale = 4;

    /// <summary>A square centre crop of <paramref name="size"/> after resizing the shorter side to <paramref name="resize"/>.</summary>
    public static Framing ResizeAndCrop(int resize, int size) => new(resize, size, size);

    /// <summary>Checks the numbers: positive, a crop with both sides.</summary>
    /// <exception cref="KryptonException">One is not.</exception>
    public void Check()
    {
        if (Resize is <= 0)
            throw KryptonException.Naming($"{Term.Resize} {Resize} must be positive");
        if (CropHeight is <= 0 || CropWidth is <= 0 || CropHeight.HasValue != CropWidth.HasValue)
            throw KryptonException.Naming($"{Term.Crop} {CropHeight}x{CropWidth} must have two positive sides");
    }

    /// <summary>
    /// The framing used when none is stated: a photo larger than the input of a model with a square
    /// input is resized and centre-cropped as torchvision's ImageNet evaluation does (shorter side to
    /// size / 0.875, then the centre square), so that the model sees what the user's PyTorch pipeline
    /// shows it; anything else is resized to the input size as it is (null).
    /// </summary>
    public static Framing? DefaultFor(int imageWidth, int imageHeight, int height, int width) =>
        height == width && imageWidth > width && imageHeight > height
            ? ResizeAndCrop((int)Math.Round(height / ImageNetCropRatio), height)
            : null;

    /// <summary>
    /// Brings <paramref name="image"/> to <paramref name="width"/> × <paramref name="height"/>: by
    /// <paramref name="stated"/> when given (it must end at that size), else by <see cref="DefaultFor"/>,
    /// else by resizing it to that size. Says what it did, with notes for what a user may not expect.
    /// </summary>
    /// <exception cref="KryptonException">The stated framing does not fit the image or does not end at the model's size.</exception>
    public static FramedImage Apply(LoadedImage image, Framing? stated, int height, int width)
    {
        stated?.Check();
        var framing = stated ?? DefaultFor(image.Width, image.Height, height, width);
        var notes = new List<FormattableString>();
        var inv = CultureInfo.InvariantCulture;
        if (image.HadAlpha)
            notes.Add($"the picture's transparent pixels were composited on white (a model sees no alpha channel)");
        if (framing is null)
        {
            var resized = image.Resize(width, height);
            double scale = Math.Max(width / (double)image.Width, height / (double)image.Height);
            if (scale > LargeUpscale)
                notes.Add($"a {image.Width}x{image.Height} picture was upscaled {scale.ToString("0.#", inv)}x to {width}x{height}: the model sees a blurred enlargement");
            double aspect = image.Width / (double)image.Height, target = width / (double)height;
            if (Math.Abs(aspect / target - 1) > 0.01)
                notes.Add($"the {image.Width}x{image.Height} picture was stretched to {width}x{height} (aspect {aspect.ToString("0.##", inv)} to {target.ToString("0.##", inv)}); {Term.Resize} and {Term.Crop} keep its proportions");
            string steps = image.Width == width && image.Height == height ? "none (the picture has the model's size)" : $"resized from {image.Width}x{image.Height} to {width}x{height}";
            return new FramedImage(resized, image.Width, image.Height, null, steps, notes) { ResizedWidth = width, ResizedHeight = height };
        }

        var current = image;
        var parts = new List<string>();
        int left = 0, top = 0;
        if (framing.Resize is int n)
        {
            bool wide = current.Width >= current.Height;
            int shorter = wide ? current.Height : current.Width, longer = wide ? current.Width : current.Height;
            int newLonger = (int)((long)n * longer / shorter);
            var (w, h) = wide ? (newLonger, n) : (n, newLonger);
            parts.Add($"resized from {current.Width}x{current.Height} to {w}x{h} (shorter side {n})");
            if (n / (double)shorter > LargeUpscale)
                notes.Add($"a {current.Width}x{current.Height} picture was upscaled {(n / (double)shorter).ToString("0.#", inv)}x: the model sees a blurred enlargement");
            current = current.Resize(w, h);
        }
        var (resizedWidth, resizedHeight) = (current.Width, current.Height);
        if (framing.CropHeight is int ch && framing.CropWidth is int cw)
        {
            if (ch > current.Height || cw > current.Width)
                throw KryptonException.Naming($"{Term.Crop} {cw}x{ch} is larger than the {current.Width}x{current.Height} picture{(framing.Resize is null ? "" : " after resizing")}");
            top = (int)Math.Round((current.Height - ch) / 2.0, MidpointRounding.ToEven);
            left = (int)Math.Round((current.Width - cw) / 2.0, MidpointRounding.ToEven);
            parts.Add($"centre-cropped to {cw}x{ch} at ({left}, {top})");
            current = current.Crop(top, left, ch, cw);
        }
        if (current.Width != width || current.Height != height)
            throw KryptonException.Naming($"after {string.Join(" and ", parts.DefaultIfEmpty("no change"))} the picture is {current.Width}x{current.Height}, but the model takes {width}x{height}: give {Term.Crop} {width}x{height}, or {Term.Resize} and {Term.Crop} that end there");
        if (stated is null)
            notes.Add($"a {image.Width}x{image.Height} photo was {string.Join(" and ", parts)}, as torchvision's ImageNet preprocessing does ({Term.Resize} and {Term.Crop} change it)");
        return new FramedImage(current, image.Width, image.Height, framing, string.Join(", then ", parts), notes)
        {
            ResizedWidth = resizedWidth,
            ResizedHeight = resizedHeight,
            CropLeft = left,
            CropTop = top,
        };
    }
}

/// <summary>A picture brought to the model's size, and how.</summary>
/// <param name="Image">The picture as the model sees it.</param>
/// <param name="OriginalWidth">The picture's width before framing.</param>
/// <param name="OriginalHeight">Its height.</param>
/// <param name="Framing">The resize and crop applied; null when the picture was resized to the input size as it was.</param>
/// <param name="Steps">What was done, in words.</param>
/// <param name="Notes">What a user may not expect (an alpha channel composited, a large upscale, a stretch, a default crop), one sentence each, naming terms (<see cref="Term.Text"/>).</param>
public sealed record FramedImage(LoadedImage Image, int OriginalWidth, int OriginalHeight, Framing? Framing, string Steps, IReadOnlyList<FormattableString> Notes)
{
    /// <summary>The picture's width after resizing, before cropping.</summary>
    public int ResizedWidth { get; init; } = OriginalWidth;

    /// <summary>Its height after resizing.</summary>
    public int ResizedHeight { get; init; } = OriginalHeight;

    /// <summary>The crop's left column in the resized picture (0 without a crop).</summary>
    public int CropLeft { get; init; }

    /// <summary>The crop's top row in the resized picture.</summary>
    public int CropTop { get; init; }

    /// <summary>
    /// A map over the model's input (<see cref="Image"/>'s pixels, row-major) carried back onto a
    /// <paramref name="width"/> × <paramref name="height"/> version of the original picture (its
    /// own size, or a smaller one for display): each pixel takes the value of the input pixel it
    /// became (nearest, pixel centres mapped through the resize and the crop), NaN where the crop
    /// cut it away.
    /// </summary>
    public float[] ToOriginal(float[] map, int width, int height)
    {
        int w = Image.Width, h = Image.Height;
        if (map.Length != w * h)
            throw new ArgumentException($"a map over the {w}x{h} input has {w * h} values, not {map.Length}");
        double sx = ResizedWidth / (double)width, sy = ResizedHeight / (double)height;
        var result = new float[width * height];
        for (int y = 0; y < height; y++)
        {
            int fy = (int)Math.Floor((y + 0.5) * sy) - CropTop;
            for (int x = 0; x < width; x++)
            {
                int fx = (int)Math.Floor((x + 0.5) * sx) - CropLeft;
                result[y * width + x] = fy >= 0 && fy < h && fx >= 0 && fx < w ? map[fy * w + fx] : float.NaN;
            }
        }
        return result;
    }
}
