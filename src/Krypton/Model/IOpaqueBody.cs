namespace Krypton.Model;

/// <summary>
/// The inside of an <see cref="OpaqueNetwork"/>: the original operators in the format they were
/// read from. The model graph never looks inside; whoever read it writes it back.
/// </summary>
public interface IOpaqueBody;
