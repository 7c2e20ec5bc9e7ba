using System.Text;

namespace Krypton.Output;

/// <summary>
/// The index page of a folder run: every image's overlay with what it shows, linked to its files.
/// Images are referenced, not inlined (a folder of images would make one huge page), so the page
/// stays beside the folders it shows; it has no scripts and asks for nothing outside the folder.
/// </summary>
public static class FolderGallery
{
    /// <summary>The page, as text. Pure: the same entries give the same page.</summary>
    public static string Render(string title, IReadOnlyList<string> facts, IReadOnlyList<GalleryEntry> entries, string summaryFile)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(HtmlReport.Esc(title)).Append("</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(HtmlReport.Esc(title)).Append("</h1>\n<ul class=\"facts\">\n");
        foreach (var fact in facts)
            html.Append("<li>").Append(HtmlReport.Esc(fact)).Append("</li>\n");
        html.Append("<li>every image's values: <a href=\"").Append(Href(summaryFile)).Append("\">").Append(HtmlReport.Esc(summaryFile)).Append("</a></li>\n</ul>\n")
            .Append("<div class=\"gallery\">\n");
        foreach (var e in entries)
        {
            html.Append("<figure").Append(e.Error is null ? "" : " class=\"failed\"").Append(">\n");
            if (e.Overlay is { } overlay)
                html.Append("<a href=\"").Append(Href(e.Folder)).Append("/\"><img src=\"").Append(Href(e.Folder)).Append('/').Append(Href(overlay))
                    .Append("\" alt=\"heat map of ").Append(HtmlReport.Esc(e.Image)).Append("\" loading=\"lazy\"></a>\n");
            html.Append("<figcaption><b>").Append(HtmlReport.Esc(e.Image)).Append("</b><br>")
                .Append(HtmlReport.Esc(e.Error is null ? e.Caption ?? "" : "not explained: " + e.Error)).Append("</figcaption>\n</figure>\n");
        }
        html.Append("</div>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>A relative URL for a file or folder name: every character a URL would misread escaped.</summary>
    /// <summary>A relative link to a file or folder under the page's folder: each path segment escaped, the '/' between them kept.</summary>
    private static string Href(string name) => string.Join('/', name.Split('/').Select(Uri.EscapeDataString));

    private const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px auto; max-width: 1400px; padding: 0 16px; color: #1d1d1f; background: #fff; }
        h1 { font-size: 1.5em; }
        ul.facts { color: #444; padding-left: 1.2em; }
        .gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 18px; }
        figure { margin: 0; }
        figure img { width: 100%; height: auto; display: block; border: 1px solid #ccc; }
        figcaption { font-size: 0.85em; color: #555; margin-top: 4px; }
        figure.failed figcaption { color: #a00; }
        """;
}
