
namespace Krypton.Architectures;

/// <summary>What a parameter tensor is for; random weights are drawn to suit it.</summary>
internal enum ParameterRole
{
    /// <summary>Convolution or linear weight.</summary>
    Weight,
    /// <summary>Convolution or linear bias.</summary>
    Bias,
    /// <summary>Batch-norm scale (γ, torch's <c>weight</c>).</summary>
    NormScale,
    /// <summary>Batch-norm shift (β, torch's <c>bias</c>).</summary>
    NormShift,
    /// <summary>Batch-norm running mean.</summary>
    RunningMean,
    /// <summary>Batch-norm running variance.</summary>
    RunningVariance,
}
