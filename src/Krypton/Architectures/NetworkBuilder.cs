using Krypton.Model;

namespace Krypton.Architectures;

/// <summary>
/// Builds a <see cref="ModelGraph"/> layer by layer, the way a PyTorch <c>forward</c> reads:
/// each method appends one node named like the torchvision module it stands for (e.g.
/// <c>layer1.0.conv1</c>) and returns the name of the value it produces. Parameters are taken
/// from a <see cref="WeightSource"/> under the module name plus torch's suffix
/// (<c>.weight</c>, <c>.bias</c>, <c>.running_mean</c>, <c>.running_var</c>), so a torchvision
/// state dict loads as is. Shapes are inferred as nodes are added, so each layer learns its
/// input channels from what feeds it, as a lazy PyTorch module would.
/// </summary>
public sealed class NetworkBuilder
{
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<string, int[]> _shapes = [];
    private readonly IParameterSupply _weights;

    /// <summary>Starts a network over an image input of shape [1, channels, height, width].</summary>
    public NetworkBuilder(string modelName, WeightSource weights, int channels, int height, int width, string inputName = "input")
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new KryptonException($"{modelName}: input size {channels}×{height}×{width} must be positive");
        ModelName = modelName;
        Input = inputName;
        _shapes[inputName] = [1, channels, height, width];
        _weights = weights.Open();
    }

    /// <summary>Name of the network, used in messages and as the graph's name.</summary>
    public string ModelName { get; }

    /// <summary>Name of the image input value.</summary>
    public string Input { get; }

    /// <summary>Shape of a value built so far (batch of one).</summary>
    public int[] ShapeOf(string value) =>
        _shapes.TryGetValue(value, out var s) ? s : throw new KryptonException($"{ModelName}: no value '{value}' has been built");

    /// <summary>Square convolution (torch <c>nn.Conv2d</c>); weight [out, in, k, k].</summary>
    public string Conv(string name, string x, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = true) =>
        Conv(name, x, outChannels, (kernel, kernel), (padding, padding), stride, bias);

    /// <summary>Convolution with a rectangular kernel and padding, given as (height, width).</summary>
    public string Conv(string name, string x, int outChannels, (int H, int W) kernel, (int H, int W) padding, int stride = 1, bool bias = true)
    {
        int inChannels = ShapeOf(x)[1];
        int fanIn = inChannels * kernel.H * kernel.W;
        var weight = Parameter(name + ".weight", [outChannels, inChannels, kernel.H, kernel.W], ParameterRole.Weight, fanIn);
        var b = bias ? Parameter(name + ".bias", [outChannels], ParameterRole.Bias, fanIn) : null;
        var window = new Window2D(kernel.H, kernel.W, stride, stride, padding.H, padding.W, padding.H, padding.W);
        return Layer(name, new Model.Conv(window, 1, weight, b), x);
    }

    /// <summary>Batch normalization in inference mode (torch <c>nn.BatchNorm2d</c>).</summary>
    public string BatchNorm(string name, string x, float epsilon = 1e-5f)
    {
        int c = ShapeOf(x)[1];
        return Layer(name, new Model.BatchNorm(
            Parameter(name + ".weight", [c], ParameterRole.NormScale, c),
            Parameter(name + ".bias", [c], ParameterRole.NormShift, c),
            Parameter(name + ".running_mean", [c], ParameterRole.RunningMean, c),
            Parameter(name + ".running_var", [c], ParameterRole.RunningVariance, c),
            epsilon), x);
    }

    /// <summary>max(x, 0).</summary>
    public string Relu(string name, string x) => Layer(name, new Activation(ActivationKind.Relu), x);

    /// <summary>Max pooling (torch <c>nn.MaxPool2d</c>; its stride defaults to the kernel size).</summary>
    public string MaxPool(string name, string x, int kernel, int stride, int padding = 0, bool ceilMode = false) =>
        Layer(name, new Pool(PoolKind.Max, Window2D.Square(kernel, stride, padding), ceilMode), x);

    /// <summary>Average pooling; PyTorch counts padded positions in the divisor by default.</summary>
    public string AvgPool(string name, string x, int kernel, int stride, int padding = 0, bool countIncludePad = true) =>
        Layer(name, new Pool(PoolKind.Average, Window2D.Square(kernel, stride, padding), CountIncludePad: countIncludePad), x);

    /// <summary>Average over all spatial positions: [N, C, H, W] → [N, C, 1, 1].</summary>
    public string GlobalAvgPool(string name, string x) => Layer(name, new GlobalPool(PoolKind.Average), x);

    /// <summary>
    /// torch <c>nn.AdaptiveAvgPool2d</c>, for the cases the op set expresses exactly: an input
    /// already of the target size (no node), a 1×1 target (global average), or an input whose size
    /// is a multiple of the target (non-overlapping windows). Other sizes are refused.
    /// </summary>
    public string AdaptiveAvgPool(string name, string x, int outHeight, int outWidth)
    {
        var s = ShapeOf(x);
        int h = s[2], w = s[3];
        if (h == outHeight && w == outWidth) return x;
        if (outHeight == 1 && outWidth == 1) return GlobalAvgPool(name, x);
        if (h % outHeight == 0 && w % outWidth == 0)
        {
            int kh = h / outHeight, kw = w / outWidth;
            return Layer(name, new Pool(PoolKind.Average, new Window2D(kh, kw, kh, kw)), x);
        }
        throw new KryptonException($"{ModelName}: '{name}' pools a {h}×{w} map to {outHeight}×{outWidth}, which is not a whole number of windows; choose an image size whose map there is a multiple of {outHeight}×{outWidth}");
    }

    /// <summary>Dropout is the identity at inference: no node is added.</summary>
    public string Dropout(string name, string x) => x;

    /// <summary>Flattens [N, …] to [N, features] (torch <c>torch.flatten(x, 1)</c>).</summary>
    public string Flatten(string name, string x) => Layer(name, new Model.Flatten(1), x);

    /// <summary>Fully connected layer (torch <c>nn.Linear</c>): weight stored [out, in] as torch does, so Gemm transposes it.</summary>
    public string Linear(string name, string x, int outFeatures, bool bias = true)
    {
        var s = ShapeOf(x);
        if (s.Length != 2)
            throw new KryptonException($"{ModelName}: '{name}' is a linear layer but its input has shape [{string.Join(",", s)}]; flatten first");
        int inFeatures = s[1];
        var weight = Parameter(name + ".weight", [outFeatures, inFeatures], ParameterRole.Weight, inFeatures);
        var b = bias ? Parameter(name + ".bias", [outFeatures], ParameterRole.Bias, inFeatures) : null;
        return Layer(name, new Gemm(weight, b, TransB: true), x);
    }

    /// <summary>Element-wise sum (a residual connection).</summary>
    public string Add(string name, string a, string b) => Layer(name, new Binary(BinaryKind.Add), a, b);

    /// <summary>Concatenation along the channel axis (torch <c>torch.cat(…, 1)</c>).</summary>
    public string Concat(string name, params string[] xs) => Layer(name, new Model.Concat(1, xs.Length), xs);

    /// <summary>Appends any op of the model graph; returns the name of its output value.</summary>
    public string Layer(string name, Op op, params string[] inputs)
    {
        var shapes = inputs.Select(ShapeOf).ToList();
        int[] shape;
        try { shape = op.InferShape(shapes); }
        catch (KryptonException e) { throw new KryptonException($"{ModelName}: layer '{name}' ({op.TypeName}): {e.Message}"); }
        // A torch module may run twice (ResNet's shared ReLU); its second use gets torch.fx's "_1" suffix.
        string output = name;
        for (int i = 1; _shapes.ContainsKey(output); i++) output = $"{name}_{i}";
        _nodes.Add(new Node(output, op, inputs, output));
        _shapes[output] = shape;
        return output;
    }

    /// <summary>Finishes the network with <paramref name="output"/> as its output.</summary>
    public ModelGraph Build(string output)
    {
        _weights.Finish(ModelName);
        return new ModelGraph(Input, _shapes[Input], _nodes.ToList(), output, ModelName);
    }

    private ConstantTensor Parameter(string name, int[] shape, ParameterRole role, int fanIn) =>
        new(shape, _weights.Take(name, shape, role, fanIn));
}
