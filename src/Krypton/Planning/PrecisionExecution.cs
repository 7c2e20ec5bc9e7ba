using Krypton.Runtime;
using Krypton.Spec;

namespace Krypton.Planning;

/// <summary>What a precision asks of the sessions that run it.</summary>
public static class PrecisionExecution
{
    /// <summary>The execution options for graphs of <paramref name="precision"/>: TF32 turns on the CUDA provider's TensorFloat-32, nothing else changes.</summary>
    public static ExecutionOptions For(this ExecutionOptions execution, Precision precision) => execution with { Tf32 = precision == Precision.Tf32 };

    /// <summary>Checks that the device runs the precision.</summary>
    /// <exception cref="KryptonException">TF32 asked on a CPU.</exception>
    public static void Check(this ExecutionOptions execution, Precision precision)
    {
        if (!precision.RunsOn(execution.IsCuda))
            throw new KryptonException($"precision {precision.Name()} is TensorFloat-32, a CUDA GPU's arithmetic; this run is on {execution.Device} (use fp32, or int8 for a CPU's fast path)");
    }
}
