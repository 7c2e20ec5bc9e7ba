namespace Krypton.Model;

/// <summary>A float32 constant of the model (weights, biases, normalization statistics).</summary>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Data">Values in row-major order; its length is the product of <paramref name="Shape"/>.</param>
public sealed record ConstantTensor(int[] Shape, float[] Data)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Data.LongLength;

    /// <summary>A constant of the given shape, checking that the data fits it.</summary>
    public static ConstantTensor Create(int[] shape, float[] data)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (count != data.LongLength)
            throw new KryptonException($"constant of shape [{string.Join(",", shape)}] has {data.LongLength} values, expected {count}");
        return new ConstantTensor(shape, data);
    }

    /// <summary>A one-dimensional constant.</summary>
    public static ConstantTensor Vector(float[] data) => new([data.Length], data);

    /// <summary>A scalar-shaped (rank 0) constant.</summary>
    public static ConstantTensor Scalar(float value) => new([], [value]);
}
