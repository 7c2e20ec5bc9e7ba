using Google.Protobuf;
using Krypton.Model;
using Krypton.Onnx;
using Krypton.Onnx.Proto;

namespace Krypton.Compilation;

/// <summary>
/// Emits the masked-image graph: for a batch of boolean masks it fills the masked pixels of the
/// image with the fill (Where, inside the graph), runs the whole model and returns every logit and
/// probability. It evaluates occlusions that are not one patch, such as the growing unions of
/// patches of a deletion curve; the masks are per-step data made on the host, the image and the
/// fill go up once per call.
/// </summary>
public static class MaskedGraph
{
    /// <summary>Masks [n, 1, H, W] bool: true where the pixel is replaced by the fill.</summary>
    public const string MasksInput = "masks";

    /// <summary>Estimated working memory of one mask in a batch: every activation, the masked copy and its mask.</summary>
    public static long BytesPerMask(ModelGraph model) => model.ActivationBytes + 5L * model.Channels * model.Height * model.Width;

    /// <summary>
    /// Emits the graph. Inputs: <see cref="ScoreHead.ImageInput"/> [1, C, H, W],
    /// <see cref="ScoreHead.FillInput"/> [1, C, H, W], <see cref="MasksInput"/> [n, 1, H, W] bool.
    /// Outputs: <see cref="ScoreHead.LogitsOutput"/> and <see cref="ScoreHead.ProbabilitiesOutput"/>, [n, K].
    /// </summary>
    public static byte[] Emit(ModelGraph model)
    {
        var network = ScoreHead.Logits(model);
        var b = new OnnxGraphBuilder(weightFiles: true);
        ScoreHead.ReserveNames(b);
        b.Reserve(MasksInput);
        int c = model.Channels, h = model.Height, w = model.Width;
        string image = b.Input(ScoreHead.ImageInput, [1, c, h, w]);
        string fill = b.Input(ScoreHead.FillInput, [1, c, h, w]);
        string masks = b.Input(MasksInput, [-1, 1, h, w], TensorProto.Types.DataType.Bool);
        string occluded = b.Node("Where", [masks, fill, image], null, "occlude");
        string output = OnnxExporter.EmitNodes(network, b, occluded, "model/");
        ScoreHead.Emit(b, output, network, Krypton.Spec.ValueKind.Probability, null);
        return b.Build($"masked images of {model.Name}").ToByteArray();
    }
}
