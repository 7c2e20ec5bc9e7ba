using Krypton.Model;
using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>Turns what was asked (a mode with τ and drill-down, or a quality target) into the approximation a plan runs.</summary>
internal static class MethodChoice
{
    /// <summary>The approximation to run, why, and the profile's predicted SSIM.</summary>
    /// <exception cref="KryptonException">The settings contradict each other or the spec.</exception>
    /// <param name="model">The model.</param>
    /// <param name="spec">The experiment.</param>
    /// <param name="method">What was asked.</param>
    /// <param name="cuda">True on a CUDA device: a profile's choice of precision is limited to those fast there (int8 on a CPU; TF32 and float16 on CUDA).</param>
    public static (Approximation Approximation, string Reason, double? PredictedSsim) Choose(ModelGraph model, OcclusionSpec spec, MethodOptions method, bool cuda)
    {
        method.Check();
        if (method.Tau < 1 && method.Mode == OcclusionMode.Naive)
            throw new KryptonException("tau applies to incremental inference; it has no meaning in naive mode");
        bool gridOnly = spec.Positions is null && spec.RegionOfInterest is null;
        if (method.DrillDown is not null && !gridOnly)
            throw KryptonException.Naming($"drill-down refines the whole grid; it does not combine with {Term.Positions} or {Term.RegionOfInterest}");
        // Drill-down refines where one map matters; several maps would each want other cells.
        bool oneTarget = spec.Target?.IsSingle ?? true;
        if (method.DrillDown is not null && !oneTarget)
            throw new KryptonException($"drill-down refines where one target's map matters; it does not go with several targets ({spec.Target}): use tau, or one target");
        if (method.Quality is not double quality)
        {
            var asked = new Approximation(method.Tau, method.DrillDown, method.Precision);
            string why = method.Mode == OcclusionMode.Naive ? "naive mode was asked for"
                : asked.IsExact ? "exact incremental inference (the default)" : "the approximation was asked for";
            return (asked, why, null);
        }
        if (method.Tau < 1 || method.DrillDown is not null || method.Precision != Precision.Fp32)
            throw new KryptonException("give a quality target or tau/drill-down/precision settings, not both: with a quality target the planner chooses them");
        if (method.Mode == OcclusionMode.Naive)
            throw new KryptonException("a quality target lets the planner choose the method; it does not go with naive mode");
        if (quality >= 1)
            return (Approximation.None, "quality 1 asks for the exact map", 1.0);
        if (method.Profile is not { } profile)
            return (Approximation.None, "no tuning profile for this model (krypton tune makes one): exact inference, which meets any quality target", 1.0);
        profile.CheckApplies(model, spec);
        var choice = profile.Choose(quality, allowDrillDown: gridOnly && oneTarget, allowPrecision: p => p.IsFastOn(cuda));
        string reason = choice.Approximation.IsExact
            ? $"no approximation is predicted to reach SSIM {quality:0.###} for {profile.Confidence:P0} of images; exact inference"
            : $"the fastest settings predicted to reach SSIM {quality:0.###} for {profile.Confidence:P0} of images (there {choice.PredictedLowerSsim:0.###}; {choice.PredictedSpeedupVsExact:0.#}x faster than exact when tuned)";
        return (choice.Approximation, reason, choice.PredictedSsim);
    }
}
