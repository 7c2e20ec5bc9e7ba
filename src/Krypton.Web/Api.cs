using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Krypton.Jobs;
using Krypton.Output;
using Krypton.Planning;
using Krypton.Quality;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.ML.OnnxRuntime;

namespace Krypton.Web;

/// <summary>The JSON API (which the page uses too) and the page itself.</summary>
public static class Api
{
    /// <summary>The API's JSON: snake_case names, as explanation.json.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        // Apostrophes and the like as themselves: the answers are JSON for scripts and people, never inlined into HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The cookie a page opened with ?token= carries the token in (HttpOnly, SameSite strict).</summary>
    public const string TokenCookie = "krypton_token";

    /// <summary>Every endpoint.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Page("index.html"));
        app.MapGet("/{file:regex(^[a-z]+\\.(js|css)$)}", (string file) => Page(file));

        var api = app.MapGroup("/api");
        api.MapGet("/models", (ModelCatalog models) => models.List());
        api.MapGet("/samples", (ImageCatalog images) => images.List());
        api.MapGet("/palette", Palette);
        api.MapGet("/input", (string? model, string? image, ModelCatalog models, ImageCatalog images) => InputPicture(model ?? "demo", image, models, images));
        api.MapPost("/uploads", UploadAsync);
        api.MapPost("/plan", (JobSettings settings, ProbeService probes, CancellationToken ct) => probes.PlanAsync(settings, ct));
        api.MapPost("/probe", (ProbeRequest request, ProbeService probes, CancellationToken ct) => probes.ProbeAsync(request.Settings ?? new JobSettings(), request.Y, request.X, ct));
        api.MapGet("/jobs", (JobQueue queue) => queue.All().Select(j => StatusOf(queue, j)));
        api.MapPost("/jobs", (JobSettings settings, JobQueue queue) =>
        {
            var job = queue.Submit(settings);
            return Results.Accepted($"/api/jobs/{job.Id}", StatusOf(queue, job));
        });
        api.MapGet("/jobs/{id}", (string id, JobQueue queue) => StatusOf(queue, queue.Get(id)));
        api.MapGet("/jobs/{id}/events", EventsAsync);
        api.MapDelete("/jobs/{id}", (string id, JobQueue queue) =>
        {
            var job = queue.Get(id);
            queue.Cancel(job);
            return Results.Accepted($"/api/jobs/{id}", StatusOf(queue, job));
        });
        api.MapGet("/jobs/{id}/files/{name}", (string id, string name, JobQueue queue) => FileOf(queue.Get(id), name));
        api.MapGet("/compare", (string a, string b, JobQueue queue) => Compare(queue.Get(a), queue.Get(b)));
    }

    /// <summary>A probe: the settings of the map it belongs to and the patch's top-left corner.</summary>
    public sealed record ProbeRequest(JobSettings? Settings, int Y, int X);

    /// <summary>One line for a client, never a stack trace: the message of a problem with the request, or what failed.</summary>
    public static string Describe(Exception e) => e switch
    {
        KryptonException k => k.Message,
        OnnxRuntimeException o => "ONNX Runtime: " + o.Message.Split('\n')[0],
        IOException or UnauthorizedAccessException => e.Message,
        _ => $"internal error: {e.GetType().Name}: {e.Message}",
    };

    /// <summary>The status code of an exception: 404 unknown ids, 413 too large, 503 full queue, 400 other problems with the request, 500 the rest.</summary>
    public static int StatusOf(Exception e) => e switch
    {
        NotFoundException => StatusCodes.Status404NotFound,
        UploadTooLargeException => StatusCodes.Status413PayloadTooLarge,
        QueueFullException => StatusCodes.Status503ServiceUnavailable,
        BadHttpRequestException b => b.StatusCode,
        KryptonException or OnnxRuntimeException or JsonException or InvalidDataException => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Answers every failure with {"error": "one line"} and its status.</summary>
    public static async Task Errors(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // A body too large for the form reader comes as InvalidDataException or BadHttpRequestException(413).
            bool tooLarge = e is InvalidDataException && e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase);
            context.Response.Clear();
            context.Response.StatusCode = tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusOf(e);
            await context.Response.WriteAsJsonAsync(new { error = tooLarge ? "the upload is larger than this server takes (see --max-upload)" : Describe(e) }, Json);
        }
    }

    /// <summary>
    /// Refuses requests without the server's token (when it has one): an Authorization: Bearer header,
    /// the X-Krypton-Token header, or the cookie a page opened with ?token=TOKEN receives.
    /// </summary>
    public static RequestDelegate RequireToken(RequestDelegate next, string? token) => async context =>
    {
        if (token is null)
        {
            await next(context);
            return;
        }
        string? given = context.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..]
            : context.Request.Headers["X-Krypton-Token"].FirstOrDefault()
            ?? context.Request.Query["token"].FirstOrDefault()
            ?? context.Request.Cookies[TokenCookie];
        if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token)))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsJsonAsync(new { error = "this server needs its token: open the URL it printed (…/?token=TOKEN), or send Authorization: Bearer TOKEN" }, Json);
            return;
        }
        if (context.Request.Query.ContainsKey("token"))
            context.Response.Cookies.Append(TokenCookie, given, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
        await next(context);
    };

    private static IResult Page(string file)
    {
        var stream = typeof(Api).Assembly.GetManifestResourceStream("wwwroot/" + file);
        if (stream is null)
            return Results.NotFound();
        string type = Path.GetExtension(file) switch { ".js" => "text/javascript", ".css" => "text/css", _ => "text/html" };
        return Results.Stream(stream, type + "; charset=utf-8");
    }

    private static async Task<IResult> UploadAsync(HttpRequest request, UploadStore uploads, ModelCatalog models, CancellationToken cancellation)
    {
        if (!request.HasFormContentType)
            throw new KryptonException("send the file as multipart/form-data, in a field named 'file' (curl -F file=@picture.png)");
        var form = await request.ReadFormAsync(cancellation);
        var file = form.Files.GetFile("file") ?? form.Files.FirstOrDefault()
            ?? throw new KryptonException("the upload holds no file: send it in a field named 'file' (curl -F file=@picture.png)");
        if (file.Length > uploads.MaxBytes)
            throw new UploadTooLargeException($"'{Path.GetFileName(file.FileName)}' is larger than this server takes ({Sizes.Describe(uploads.MaxBytes)}; see --max-upload)");
        await using var content = file.OpenReadStream();
        var upload = await uploads.SaveAsync(content, file.FileName, models.LoadUpload, cancellation);
        return Results.Created($"/api/uploads/{upload.Id}", new { id = upload.Id, kind = upload.Kind.ToString().ToLowerInvariant(), name = upload.Name, bytes = upload.Bytes });
    }

    /// <summary>The picture the map lies on: the image as the model sees it (resized and cropped), as PNG.</summary>
    private static IResult InputPicture(string model, string? image, ModelCatalog models, ImageCatalog images)
    {
        var (path, name) = images.Resolve(image);
        var g = models.Load(model).Graph;
        if (Imaging.ModelInput.IsTensorFile(path))
            throw new KryptonException($"{name} is a tensor: it has no picture to show");
        var input = Imaging.ModelInput.Load(path, g.Channels, g.Height, g.Width, Imaging.Preprocessing.None);
        return Results.Bytes(HtmlReport.ImagePng(input.Display!), "image/png");
    }

    /// <summary>The overlay's colours (as overlay.png draws them), 256 steps of a change from 0 to the scale: drops, and raises on a diverging scale; [r, g, b, alpha 0–255].</summary>
    private static object Palette()
    {
        var style = new OverlayStyle();
        int[][] Table(bool raise) => Enumerable.Range(0, 256).Select(i =>
        {
            double t = i / 255.0;
            var (c, a) = OverlayRenderer.ColourOf(raise ? -t : t, new OverlayScale(1, Diverging: true), style);
            return new[] { (int)c.R, c.G, c.B, (int)Math.Round(a * 255) };
        }).ToArray();
        return new { drop = Table(false), raise = Table(true) };
    }

    private static async Task EventsAsync(string id, HttpContext context, JobQueue queue)
    {
        var job = queue.Get(id);
        var response = context.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        int after = int.TryParse(context.Request.Headers["Last-Event-ID"], out int last) ? last : 0;
        var cancellation = context.RequestAborted;
        await response.WriteAsync(": krypton job " + job.Id + "\n\n", cancellation);
        await response.Body.FlushAsync(cancellation);
        while (!cancellation.IsCancellationRequested)
        {
            var events = await job.EventsAfterAsync(after, TimeSpan.FromSeconds(15), cancellation);
            if (events.Count == 0)
            {
                if (job.Finished) break;
                await response.WriteAsync(": still here\n\n", cancellation);   // keeps proxies from closing an idle stream
            }
            foreach (var e in events)
            {
                await response.WriteAsync($"id: {e.Id}\nevent: {e.Name}\ndata: {e.Data}\n\n", cancellation);
                after = e.Id;
            }
            await response.Body.FlushAsync(cancellation);
            if (job.Finished && events.Count > 0 && events[^1].Name is "done" or "failed" or "cancelled")
                break;
        }
    }

    private static IResult FileOf(WebJob job, string name)
    {
        // Only the names the job wrote: a request never becomes a path.
        if (job.State != JobState.Done || !job.Files.Contains(name))
            throw new NotFoundException($"job {job.Id} has no file '{name}'" + (job.State == JobState.Done ? $" (it wrote {string.Join(", ", job.Files)})" : $" (it is {job.State.ToString().ToLowerInvariant()})"));
        string type = Path.GetExtension(name) switch
        {
            ".png" => "image/png",
            ".json" => "application/json",
            ".csv" => "text/csv",
            ".html" => "text/html",
            _ => "application/octet-stream",
        };
        return Results.File(Path.Combine(job.Folder, name), type, fileDownloadName: type == "text/html" || type == "image/png" ? null : name);
    }

    private static object Compare(WebJob a, WebJob b)
    {
        if (a.Map is null || b.Map is null)
            throw new KryptonException($"job {(a.Map is null ? a.Id : b.Id)} has not finished: only finished maps can be compared");
        var (ga, gb) = (a.Prepared.Grid, b.Prepared.Grid);
        if (ga.Rows != gb.Rows || ga.Columns != gb.Columns)
            throw new KryptonException($"the maps have different grids ({ga.Rows}x{ga.Columns} and {gb.Rows}x{gb.Columns}): SSIM compares maps cell by cell");
        if (a.Map.Any(float.IsNaN) || b.Map.Any(float.IsNaN))
            throw new KryptonException("a map with a region of interest has cells without values: SSIM needs whole maps");
        return new { a = a.Id, b = b.Id, ssim = Ssim.Compute(a.Map, b.Map, ga.Rows, ga.Columns), rows = ga.Rows, columns = ga.Columns };
    }

    /// <summary>Where a job is, for the API.</summary>
    public static object StatusOf(JobQueue queue, WebJob job) => new
    {
        id = job.Id,
        state = job.State.ToString().ToLowerInvariant(),
        place = queue.PlaceOf(job),
        settings = job.Settings,
        events = $"/api/jobs/{job.Id}/events",
        files = job.Files.Select(f => new { name = f, url = $"/api/jobs/{job.Id}/files/{f}" }),
    };

    /// <summary>A plan before its run: the plan as explanation.json records it, in words as --dry-run prints it, and the grid the map will have.</summary>
    public static object PlanOf(PreparedJob prepared, OcclusionPlan plan)
    {
        var g = prepared.Grid;
        var json = ProvenanceJson.PlanJson(plan, prepared.Job.Method.Mode, prepared.ProfilePath is { } p ? Path.GetFileName(p) : null, prepared.Job.Resources.MemoryBudgetBytes);
        return new
        {
            plan = json,
            text = plan.Describe(),
            grid = new
            {
                rows = g.Rows,
                columns = g.Columns,
                patch = new[] { g.Patch.Height, g.Patch.Width },
                stride = new[] { g.Stride.Height, g.Stride.Width },
                height = g.ImageHeight,
                width = g.ImageWidth,
            },
            value = Spec.ValueKinds.Name(prepared.Job.Spec.Value),
            is_drop = Spec.ValueKinds.IsDrop(prepared.Job.Spec.Value),
            roi = prepared.Job.Spec.RegionOfInterest is { } r ? new[] { r.Y, r.X, r.Height, r.Width } : null,
        };
    }

    /// <summary>A finished job: the map, its scale as overlay.png draws it, the prediction, the timings and the files.</summary>
    public static object ResultOf(WebJob job, JobResult result)
    {
        var e = result.Explanation;
        var output = ExplainJobRunner.OutputOf(result);
        double? shared = ExplanationFiles.SharedScale(output);
        var scale = ExplanationFiles.ScaleOf(e, e.Primary, output.Overlay, shared);
        // Several targets from one sweep: the most likely ones' maps too (as many as get an overlay file), each with its scale.
        var maps = e.Maps.Count == 1 ? null : e.MostLikely(ExplanationFiles.MaxTargetOverlays).Select(m =>
        {
            var s = ExplanationFiles.ScaleOf(e, m, output.Overlay, shared);
            return new
            {
                target = m.Target,
                target_name = e.ClassName(m.Target),
                map = Finite(m.HeatMap),
                unoccluded = m.UnoccludedValue,
                unoccluded_probability = m.UnoccludedProbability,
                scale = new { max = s.Max, diverging = s.Diverging },
            };
        }).ToList();
        return new
        {
            map = Finite(e.HeatMap),
            rows = e.Grid.Rows,
            columns = e.Grid.Columns,
            target = e.Target,
            target_name = e.ClassName(e.Target),
            unoccluded = e.UnoccludedValue,
            unoccluded_probability = e.UnoccludedProbability,
            scale = new { max = scale.Max, diverging = scale.Diverging },
            value_label = ExplanationFiles.ValueLabel(e, e.Target),
            top = e.TopClasses.Select(c => new { index = c.Index, name = e.ClassName(c.Index), probability = c.Probability }),
            mode = e.Mode,
            method = e.Plan.Method,
            fallback_reason = e.FallbackReason,
            positions = e.Positions,
            sweep_seconds = e.Timings.Sweep.TotalSeconds,
            total_seconds = e.Timings.Total.TotalSeconds,
            files = job.Files.Select(f => new { name = f, url = $"/api/jobs/{job.Id}/files/{f}" }),
            maps,
        };
    }

    /// <summary>Values for JSON: NaN (no value, outside a region of interest) as null.</summary>
    public static float?[] Finite(float[] values) => Array.ConvertAll(values, v => float.IsNaN(v) ? (float?)null : v);
}
