using System.Text.Json;
using Krypton.Imaging;
using SkiaSharp;

namespace Krypton.Tests;

/// <summary>Pictures brought to the model's size as torchvision's Resize and CenterCrop do, with notes for what a user may not expect.</summary>
public class FramingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A colour picture whose red channel runs along x and green along y.</summary>
    private static LoadedImage Gradient(int width, int height)
    {
        var pixels = new float[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                pixels[(y * width + x) * 3] = x / (float)(width - 1);
                pixels[(y * width + x) * 3 + 1] = y / (float)(height - 1);
            }
        return new LoadedImage("gradient", width, height, 3, 8, pixels);
    }

    private static string Notes(FramedImage f) => string.Join(" | ", f.Notes.Select(n => Term.Text(n)));

    [Fact]
    public void Resize_and_centre_crop_follow_torchvision()
    {
        // torchvision: Resize(256) on 400x300 gives 341x256 (int(256 * 400 / 300)); CenterCrop(224) takes
        // top int(round((256 - 224) / 2)) = 16 and left int(round((341 - 224) / 2)) = round(58.5) = 58 (half to even).
        var framed = Framing.Apply(Gradient(400, 300), Framing.ResizeAndCrop(256, 224), 224, 224);
        Assert.Equal((224, 224), (framed.Image.Width, framed.Image.Height));
        Assert.Equal("resized from 400x300 to 341x256 (shorter side 256), then centre-cropped to 224x224 at (58, 16)", framed.Steps);
        Assert.Equal((400, 300), (framed.OriginalWidth, framed.OriginalHeight));
        // The crop's first column is the resized picture's column 58 of 341: red ≈ 58.5 / 341 of the way across.
        Assert.Equal((58 + 0.5) * 400 / 341 - 0.5, framed.Image[100, 0, 0] * 399, 1.0);
        Assert.Equal((16 + 0.5) * 300 / 256 - 0.5, framed.Image[0, 100, 1] * 299, 1.0);
        Assert.Empty(framed.Notes);   // stated: nothing to point out

        // Portrait: the width is the shorter side.
        var tall = Framing.Apply(Gradient(300, 500), new Framing(Resize: 128, CropHeight: 200, CropWidth: 128), 200, 128);
        Assert.Equal("resized from 300x500 to 128x213 (shorter side 128), then centre-cropped to 128x200 at (0, 6)", tall.Steps);
    }

    [Fact]
    public void A_photo_for_a_square_model_is_resized_and_cropped_by_default_and_says_so()
    {
        var framed = Framing.Apply(Gradient(4000, 3000), null, 224, 224);
        Assert.Equal(Framing.ResizeAndCrop(256, 224), framed.Framing);
        Assert.StartsWith("resized from 4000x3000 to 341x256", framed.Steps);
        Assert.Equal("a 4000x3000 photo was resized from 4000x3000 to 341x256 (shorter side 256) and centre-cropped to 224x224 at (58, 16), as torchvision's ImageNet preprocessing does (the resize and the centre crop change it)", Notes(framed));
    }

    [Theory]
    [InlineData(28, 28, 224, 224, "a 28x28 picture was upscaled 8x to 224x224: the model sees a blurred enlargement")]
    [InlineData(8, 8, 224, 224, "a 8x8 picture was upscaled 28x to 224x224: the model sees a blurred enlargement")]
    [InlineData(100, 50, 64, 64, "the 100x50 picture was stretched to 64x64 (aspect 2 to 1); the resize and the centre crop keep its proportions")]
    [InlineData(60, 60, 64, 64, "")]
    public void Small_pictures_are_resized_to_the_input_with_a_note_when_it_matters(int w, int h, int mw, int mh, string notes)
    {
        var framed = Framing.Apply(Gradient(w, h), null, mh, mw);
        Assert.Null(framed.Framing);
        Assert.Equal((mw, mh), (framed.Image.Width, framed.Image.Height));
        Assert.Equal(notes, Notes(framed));
    }

    [Fact]
    public void A_framing_that_misses_the_model_size_or_the_picture_is_one_clear_line()
    {
        var e = Assert.Throws<KryptonException>(() => Framing.Apply(Gradient(400, 300), Framing.ResizeAndCrop(256, 200), 224, 224));
        Assert.Equal("after resized from 400x300 to 341x256 (shorter side 256) and centre-cropped to 200x200 at (70, 28) the picture is 200x200, but the model takes 224x224: give the centre crop 224x224, or the resize and the centre crop that end there", e.Message);
        Assert.Equal("after resized from 400x300 to 341x256 (shorter side 256) and centre-cropped to 200x200 at (70, 28) the picture is 200x200, but the model takes 224x224: give --crop 224x224, or --resize and --crop that end there",
            e.Describe(t => t == Term.Crop ? "--crop" : t == Term.Resize ? "--resize" : null));
        e = Assert.Throws<KryptonException>(() => Framing.Apply(Gradient(100, 80), new Framing(CropHeight: 90, CropWidth: 90), 90, 90));
        Assert.Contains("is larger than the 100x80 picture", e.Message);
        Assert.Throws<KryptonException>(() => new Framing(Resize: 0).Check());
    }

    [Fact]
    public void Transparent_pixels_are_composited_on_white_and_said_to_be()
    {
        string path = _temp.File("alpha.png");
        using (var bitmap = new SKBitmap(new SKImageInfo(4, 4, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
        {
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                    bitmap.SetPixel(x, y, x < 2 ? new SKColor(0, 0, 0, 0) : new SKColor(255, 0, 0, 255));
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, data.ToArray());
        }
        var image = ImageLoader.Load(path);
        Assert.True(image.HadAlpha);
        Assert.Equal([1f, 1f, 1f], Enumerable.Range(0, 3).Select(c => image[0, 0, c]));   // transparent black: white
        Assert.Equal([1f, 0f, 0f], Enumerable.Range(0, 3).Select(c => image[0, 3, c]));   // opaque red stays red
        Assert.StartsWith("the picture's transparent pixels were composited on white", Notes(Framing.Apply(image, null, 4, 4)));
        Assert.False(ImageLoader.Load(Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist", "t10k-00000-ankle-boot.png")).HadAlpha);
    }

    [Fact]
    public void Shrinking_averages_instead_of_sampling()
    {
        // Stripes two pixels wide every eight, shrunk 8x: bilinear sampling lands between columns 3
        // and 4 of each period and sees only stripe (1); averaging sees a quarter of it (0.25).
        var pixels = new float[256 * 256];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = i % 256 % 8 is 3 or 4 ? 1 : 0;
        var small = new LoadedImage("stripes", 256, 256, 1, 8, pixels).Resize(32, 32);
        Assert.All(small.Pixels, v => Assert.InRange(v, 0.15f, 0.35f));
    }

    [Fact]
    public void A_map_goes_back_onto_the_original_picture_through_the_resize_and_the_crop()
    {
        // 8x6 -> Resize(4): 5x4 -> CenterCrop(4): left round(0.5) = 0, top 0.
        var framed = Framing.Apply(Gradient(8, 6), Framing.ResizeAndCrop(4, 4), 4, 4);
        Assert.Equal((5, 4, 0, 0), (framed.ResizedWidth, framed.ResizedHeight, framed.CropLeft, framed.CropTop));
        var map = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        var back = framed.ToOriginal(map, 8, 6);
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 8; x++)
            {
                // Original pixel centre (x + 0.5) lands at (x + 0.5) * 5 / 8 in the resized picture.
                int fx = (int)Math.Floor((x + 0.5) * 5 / 8), fy = (int)Math.Floor((y + 0.5) * 4 / 6);
                if (fx < 4) Assert.Equal(map[fy * 4 + fx], back[y * 8 + x]);
                else Assert.True(float.IsNaN(back[y * 8 + x]), $"pixel ({x}, {y}) was cropped away");
            }
        Assert.True(float.IsNaN(back[7]));
    }

    [Fact]
    public void The_cli_frames_a_photo_notes_it_and_records_it()
    {
        string photo = _temp.File("photo.png");
        using (var bitmap = new SKBitmap(new SKImageInfo(300, 200)))
        {
            using (var canvas = new SKCanvas(bitmap)) canvas.Clear(new SKColor(120, 160, 200));
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(photo, data.ToArray());
        }
        string outDir = _temp.File("out");
        var (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", photo, "--patch", "16", "--stride", "16", "--out", outDir, "--quiet");
        Assert.True(code == 0, stderr);
        // tiny_mixed takes 64x64: the shorter side goes to round(64 / 0.875) = 73, then the centre 64x64.
        Assert.Contains("note: a 300x200 photo was resized from 300x200 to 109x73 (shorter side 73) and centre-cropped to 64x64 at (22, 4), as torchvision's ImageNet preprocessing does (--resize and --crop change it)", stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "explanation.json")));
        var framing = doc.RootElement.GetProperty("input").GetProperty("framing");
        Assert.Equal(73, framing.GetProperty("resize").GetInt32());
        Assert.Equal([64, 64], framing.GetProperty("crop").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal([200, 300], framing.GetProperty("original_size").EnumerateArray().Select(v => v.GetInt32()));

        // Back onto the photo: the per-pixel map at 300x200, NaN in the strips the crop cut away.
        (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", photo, "--patch", "16", "--stride", "16", "--on-original", "--out", outDir, "--quiet");
        Assert.True(code == 0, stderr);
        var back = Krypton.IO.NpyFile.Read(_temp.File("out/heatmap-original.npy"));
        Assert.Equal([200, 300], back.Shape);
        Assert.True(float.IsNaN(back.Data[0]) && float.IsNaN(back.Data[299]), "the left and right strips were cropped away");
        Assert.True(float.IsFinite(back.Data[100 * 300 + 150]));
        using (var overlay = SKBitmap.Decode(_temp.File("out/overlay-original.png")))
            Assert.True(overlay.Width > 300 && overlay.Height > 200);
        (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", TestFiles.Path_("zoo_tiny_vit_input.npy"), "--on-original", "--out", outDir, "--quiet");
        Assert.Equal(2, code);
        Assert.Equal("krypton: error: --on-original maps the heat map back onto a picture; a tensor input (.npy) has none", stderr.Trim());

        (code, _, stderr) = CliTests.Krypton("explain", "--model", TestFiles.TinyMixed, "--input", photo, "--resize", "64", "--out", outDir, "--quiet");
        Assert.Equal(2, code);
        Assert.Equal("krypton: error: after resized from 300x200 to 96x64 (shorter side 64) the picture is 96x64, but the model takes 64x64: give --crop 64x64, or --resize and --crop that end there", stderr.Trim());
    }
}
