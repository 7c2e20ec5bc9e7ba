namespace Krypton.Spec;

/// <summary>A constant in the model's input space, used as is.</summary>
public sealed record TensorFill(float Value) : Fill
{
    /// <inheritdoc/>
    public override string ToString() => $"tensor:{Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
