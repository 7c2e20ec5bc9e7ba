using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Krypton.Web;

/// <summary>
/// <c>krypton serve</c>: the page and the JSON API on ASP.NET Core. <see cref="CreateHostBuilder"/>
/// is the whole app without a server (tests put an in-memory one under it); <see cref="RunAsync"/>
/// adds Kestrel on the stated address and runs until cancelled.
/// </summary>
public sealed class KryptonServer
{
    private KryptonServer() { }

    /// <summary>The app: its services (catalogs, uploads, the queue and its workers, probes) and its endpoints; no server yet.</summary>
    public static IHostBuilder CreateHostBuilder(ServeOptions options) =>
        new HostBuilder().ConfigureWebHost(web => web
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureServices(services =>
            {
                services.AddSingleton(options);
                services.AddSingleton(_ => new UploadStore(options.MaxUploadBytes));
                services.AddSingleton<ModelCatalog>();
                services.AddSingleton<ImageCatalog>();
                services.AddSingleton<JobQueue>();
                services.AddHostedService(provider => provider.GetRequiredService<JobQueue>());
                services.AddSingleton<ProbeService>();
                services.AddRouting();
                // A body that is not the JSON an endpoint takes becomes an exception, which Api.Errors answers in one line.
                services.Configure<RouteHandlerOptions>(handlers => handlers.ThrowOnBadRequest = true);
                services.ConfigureHttpJsonOptions(json =>
                {
                    json.SerializerOptions.PropertyNamingPolicy = Api.Json.PropertyNamingPolicy;
                    json.SerializerOptions.NumberHandling = Api.Json.NumberHandling;
                    json.SerializerOptions.Encoder = Api.Json.Encoder;
                });
                // The form reader's own limit, a little above the file's (the form's other bytes).
                services.Configure<FormOptions>(form => form.MultipartBodyLengthLimit = options.MaxUploadBytes + (1 << 20));
            })
            .Configure(app =>
            {
                app.Use(next => Api.RequireToken(next, options.Token));
                app.Use(Api.Errors);
                app.UseRouting();
                app.UseEndpoints(Api.Map);
            }));

    /// <summary>
    /// Checks the options, starts the server, tells <paramref name="started"/> its URL, and serves
    /// until <paramref name="cancellation"/> (Ctrl+C); then stops: running sweeps are cancelled, the
    /// temporary folder is deleted.
    /// </summary>
    /// <exception cref="KryptonException">The options are wrong.</exception>
    /// <exception cref="IOException">The address cannot be bound (the port is taken, say).</exception>
    public static async Task RunAsync(ServeOptions options, Action<string> started, CancellationToken cancellation)
    {
        options.Check();
        IPAddress? address = options.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? null
            : IPAddress.TryParse(options.Host.Trim('[', ']'), out var parsed) ? parsed
            : throw new KryptonException($"--host {options.Host} is not an IP address or localhost");
        using var host = CreateHostBuilder(options)
            .ConfigureWebHost(web => web.UseKestrel(kestrel =>
            {
                kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes + (1 << 20);
                if (address is null) kestrel.ListenLocalhost(options.Port);
                else kestrel.Listen(address, options.Port);
            }))
            .Build();
        await host.StartAsync(cancellation);
        var bound = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        int port = bound is not null && Uri.TryCreate(bound.Replace("[::]", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri.Port : options.Port;
        started(options.Url(port) + (options.Token is { } token ? $"?token={Uri.EscapeDataString(token)}" : ""));
        try
        {
            await Task.Delay(Timeout.Infinite, cancellation);
        }
        catch (OperationCanceledException) { }
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await host.StopAsync(grace.Token);
    }
}
