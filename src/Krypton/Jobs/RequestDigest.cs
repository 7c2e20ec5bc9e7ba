using Krypton.Planning;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Krypton.IO;
using Krypton.Output;
using Krypton.Spec;

namespace Krypton.Jobs;

/// <summary>
/// A digest of everything that decides a job's files: tool version, model, input and baseline
/// contents, normalization, spec, method settings, device and the faithfulness options. Recorded in
/// explanation.json, so that a folder run resumed with the same settings keeps an image's earlier
/// files exactly when they are what this job would write.
/// </summary>
public static class RequestDigest
{
    /// <summary>The digest of a prepared job, hex SHA-256.</summary>
    public static string Sha256(PreparedJob prepared)
    {
        var job = prepared.Job;
        var s = job.Spec;
        var m = job.Method;
        var inv = CultureInfo.InvariantCulture;
        string text = string.Join('\n',
            ToolVersions.Krypton, prepared.Model.Sha256 ?? prepared.Model.Description, prepared.Model.Graph.Name, prepared.InputSha256, prepared.InputKind,
            prepared.Normalization is { } n ? string.Join(',', n.Mean.Select(v => v.ToString("R", inv))) : "unknown",
            prepared.Normalization is { } d ? string.Join(',', d.Std.Select(v => v.ToString("R", inv))) : "unknown",
            s.Patch, s.Stride, GridKinds.Name(s.GridKind), s.Fill, s.Fill is BaselineFill b ? FileHash.Sha256(b.Path) : "", s.Target ?? TargetSelection.Predicted, s.Value, s.RegionOfInterest?.ToString() ?? "",
            s.Positions is { } list ? string.Join(';', list.Select(q => $"{q.Y},{q.X}")) : "",
            m.Mode.ToString().ToLowerInvariant(), m.Tau.ToString("R", inv), m.DrillDown?.ToString() ?? "", m.Quality?.ToString("R", inv) ?? "", m.Precision.Name(),
            prepared.ProfilePath is { } profile ? FileHash.Sha256(profile) : "", job.Resources.Execution.Device, job.Faithfulness?.ToString() ?? "", job.PerPixel, job.OnOriginal,
            job.Overlay, job.Framing?.ToString() ?? "", prepared.Labels is { } labels ? labels.Source + ":" + string.Join('|', labels.Names) : "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
