using Krypton.Onnx.Proto;

namespace Krypton.Onnx.Import;

/// <summary>An ONNX node's attributes by name, with the defaults the operator's schema gives.</summary>
internal static class NodeAttributes
{
    public static AttributeProto? AttributeNamed(this NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    public static long IntAttribute(this NodeProto node, string name, long fallback) => node.AttributeNamed(name) is { } a ? a.I : fallback;

    public static float FloatAttribute(this NodeProto node, string name, float fallback) => node.AttributeNamed(name) is { } a ? a.F : fallback;

    public static string StringAttribute(this NodeProto node, string name, string fallback) => node.AttributeNamed(name) is { } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>An integer list attribute, or null when the node has none of that name.</summary>
    public static long[]? IntsAttribute(this NodeProto node, string name) => node.AttributeNamed(name)?.Ints.ToArray();
}
