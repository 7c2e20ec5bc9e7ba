
namespace Krypton.Output;

/// <summary>One image on the gallery page of a folder run.</summary>
/// <param name="Image">The image's file name.</param>
/// <param name="Folder">Its output folder, relative to the page.</param>
/// <param name="Overlay">Its overlay's file name in <paramref name="Folder"/>, or null when there is none.</param>
/// <param name="Caption">What the map shows (target, probability, range, time), or null when it failed.</param>
/// <param name="Error">Why it failed, or null.</param>
public sealed record GalleryEntry(string Image, string Folder, string? Overlay, string? Caption, string? Error);
