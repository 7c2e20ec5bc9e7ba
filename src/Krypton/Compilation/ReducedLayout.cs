using Krypton.Model;
using Krypton.Spec;

namespace Krypton.Compilation;

/// <summary>
/// How a reduced-precision graph (int8 or float16) holds a model's values, decided from the graph
/// alone so that the naive, cache and incremental graphs of one model agree cell for cell. In int8,
/// convolutions read and write uint8 (QLinearConv); a convolution whose only reader is a ReLU
/// writes the ReLU's output (zero point 0 clamps what the ReLU would cut); max pooling, padding,
/// identities and ReLUs on zero-point-0 values keep uint8; every other op computes in float32 on
/// dequantized inputs. A float16 graph holds the same values in float16 (its ReLUs run as ReLUs,
/// the slots are not used): convolutions, and what passes their outputs on, in half precision.
/// Each value a convolution reads or writes has a slot: its scale is the graph input
/// <see cref="ScalesInput"/>[slot] and its zero point <see cref="ZeroPointsInput"/>[slot], both
/// calibrated per image (<see cref="CalibrationGraph"/>); a value that cannot be negative has
/// zero point 0 (so a ReLU is a clamp the quantization already does).
/// </summary>
internal sealed class ReducedLayout
{
    /// <summary>The graph input holding every slot's scale, [slots] float.</summary>
    public const string ScalesInput = "int8_scales";

    /// <summary>The graph input holding every slot's zero point, [slots] uint8.</summary>
    public const string ZeroPointsInput = "int8_zero_points";

    /// <summary>
    /// How far beyond the unoccluded image's range a slot's range reaches: an occluded copy may
    /// push an activation past it, and what goes beyond is clipped, while a wider range has
    /// coarser steps. On the demo's 10 sample images (stride 8) 1.25 gave int8 maps a mean SSIM
    /// of 0.862 against float32, 1.0 gave 0.844 (docs/design.md, "Precision").
    /// </summary>
    public const float Margin = 1.25f;

    /// <summary>
    /// Weights are quantized to ±63 (7 bits), not ±127: on x86 CPUs without VNNI ONNX Runtime's
    /// uint8×int8 kernel adds pairs of products in 16 bits, which 255·127·2 overflows and
    /// 255·63·2 does not (ONNX Runtime's own "reduce range" advice), so every CPU computes the same map.
    /// </summary>
    public const int WeightLimit = 63;

    private readonly Dictionary<string, int> _slots = [];
    private readonly Dictionary<string, bool> _signed = [];
    private readonly HashSet<string> _stored = [];
    private readonly List<(string Value, bool Signed)> _calibrated = [];

    private ReducedLayout(ModelGraph g)
    {
        var nonNegative = NonNegativeValues(g);
        int Slot(string value)
        {
            if (_slots.TryGetValue(value, out int slot)) return slot;
            bool signed = !nonNegative.Contains(value);
            _calibrated.Add((value, signed));
            _signed[value] = signed;
            return _slots[value] = _calibrated.Count - 1;
        }
        void Share(string value, string with)
        {
            _slots[value] = _slots[with];
            _signed[value] = _signed[with];
        }
        foreach (var n in g.Nodes)
        {
            switch (n.Op)
            {
                case Conv:
                {
                    Slot(n.Inputs[0]);
                    var readers = g.ConsumersOf(n.Output).ToList();
                    if (readers is [{ Op: Activation { Kind: ActivationKind.Relu } } relu] && n.Output != g.Output)
                    {
                        // The convolution writes the ReLU's output: quantizing with zero point 0 clamps at 0.
                        Slot(relu.Output);
                        Share(n.Output, relu.Output);
                    }
                    else Slot(n.Output);
                    _stored.Add(n.Output);
                    break;
                }
                case Pool { Kind: PoolKind.Max } or Identity or Pad when _stored.Contains(n.Inputs[0]):
                    Share(n.Output, n.Inputs[0]);
                    _stored.Add(n.Output);
                    break;
                case Activation { Kind: ActivationKind.Relu } when _stored.Contains(n.Inputs[0]) && !_signed[n.Inputs[0]]:
                    Share(n.Output, n.Inputs[0]);
                    _stored.Add(n.Output);
                    break;
            }
        }
    }

    /// <summary>The layout of a model's values in a precision: none for float32 and TF32 (float32 graphs).</summary>
    public static ReducedLayout? For(Precision precision, ModelGraph g) => precision is Precision.Int8 or Precision.Fp16 ? new(g) : null;

    /// <summary>Number of scale slots.</summary>
    public int Slots => _calibrated.Count;

    /// <summary>Each slot's value, as calibrated in the float model, and whether it can be negative (a calibrated zero point) or not (zero point 0).</summary>
    public IReadOnlyList<(string Value, bool Signed)> Calibrated => _calibrated;

    /// <summary>True when the value is held in the reduced precision (uint8 codes, or float16).</summary>
    public bool IsStored(string value) => _stored.Contains(value);

    /// <summary>The value's scale slot.</summary>
    public int SlotOf(string value) => _slots[value];

    /// <summary>True when the value can be negative: its zero point is calibrated (otherwise it is 0).</summary>
    public bool IsSigned(string value) => _signed[value];

    /// <summary>
    /// Values that cannot be negative, from the ops alone: ReLU (and Clip from 0, sigmoid,
    /// softmax) outputs, and pooling, padding with a non-negative constant, slicing, sums and
    /// concatenations of such values.
    /// </summary>
    private static HashSet<string> NonNegativeValues(ModelGraph g)
    {
        var set = new HashSet<string>();
        foreach (var n in g.Nodes)
        {
            bool inputs = n.Inputs.All(set.Contains);
            bool nonNegative = n.Op switch
            {
                Activation { Kind: ActivationKind.Relu or ActivationKind.Sigmoid } => true,
                Activation { Kind: ActivationKind.Clip } a => a.Alpha >= 0,
                Softmax { Log: false } => true,
                Pool or GlobalPool or Identity or ChannelSlice or ChannelPermutation or Concat or Flatten or Reshape or Squeeze or Unsqueeze => inputs,
                Pad p => inputs && p.Value >= 0,
                Binary { Kind: BinaryKind.Add, Constant: null } => inputs,
                _ => false,
            };
            if (nonNegative) set.Add(n.Output);
        }
        return set;
    }
}
