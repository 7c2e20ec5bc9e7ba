using Krypton.Explain;
using Krypton.Quality;

namespace Krypton.Jobs;

/// <summary>A finished job: the explanation and what was written.</summary>
/// <param name="Prepared">The job as it ran.</param>
/// <param name="Explanation">Its result.</param>
public sealed record JobResult(PreparedJob Prepared, Explanation Explanation)
{
    /// <summary>Files written by <see cref="ExplainJobRunner.Write"/>.</summary>
    public List<string> WrittenFiles { get; } = [];

    /// <summary>The deletion curve, when the job asked for it.</summary>
    public FaithfulnessResult? Faithfulness { get; init; }

    /// <summary>Time the deletion curve took (zero without one).</summary>
    public TimeSpan FaithfulnessTime { get; init; }
}
