using Krypton.Model;
using Krypton.Onnx.Proto;

namespace Krypton.Onnx;

/// <summary>
/// The inside of an <see cref="OpaqueNetwork"/> read from an ONNX file: its original nodes and
/// initializers, and the file's operator sets and IR version, which the nodes' meaning depends on.
/// </summary>
/// <param name="Graph">The original nodes and initializers.</param>
/// <param name="Opsets">The original file's operator sets.</param>
/// <param name="IrVersion">The original file's IR version.</param>
internal sealed record OnnxBody(GraphProto Graph, IReadOnlyList<OperatorSetIdProto> Opsets, long IrVersion) : IOpaqueBody;
