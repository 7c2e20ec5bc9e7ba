using Krypton.Demo;
using Krypton.Model;
using Krypton.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Krypton.Runtime;

namespace Krypton.Training;

/// <summary>
/// Fits a softmax-regression head on backbone features with ML.NET's L-BFGS multiclass logistic
/// regression (maximum entropy): one thread and a fixed seed, so the same features give the same head.
/// </summary>
public static class HeadTrainer
{
    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    /// <summary>Fits on <paramref name="train"/> and measures accuracy on <paramref name="test"/>.</summary>
    public static HeadFit Fit(FeatureSet train, FeatureSet test, IReadOnlyList<string> classNames, int seed = 0)
    {
        int classes = classNames.Count, dim = train.Dimension;
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dim);
        var trainView = ml.Data.LoadFromEnumerable(Rows(train), schema);
        var testView = ml.Data.LoadFromEnumerable(Rows(test), schema);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Class indices become keys in order of value, so the trainer's class k is label k.
        const string key = "LabelKey";
        var pipeline = ml.Transforms.Conversion.MapValueToKey(key, nameof(Row.Label), keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = key,
                FeatureColumnName = nameof(Row.Features),
                NumberOfThreads = 1,
            }));
        var chain = pipeline.Fit(trainView);
        var time = clock.Elapsed;
        var metrics = ml.MulticlassClassification.Evaluate(chain.Transform(testView), labelColumnName: key);

        var parameters = chain.LastTransformer.Model;
        VBuffer<float>[] weights = [];
        parameters.GetWeights(ref weights, out int numClasses);
        if (numClasses != classes)
            throw new InvalidOperationException($"the trainer produced {numClasses} classes, expected {classes}");
        var w = new float[classes * dim];
        for (int k = 0; k < classes; k++)
            weights[k].DenseValues().ToArray().CopyTo(w, k * dim);
        var b = parameters.GetBiases().ToArray();
        var head = ClassifierHead.Create(new ConstantTensor([classes, dim], w), ConstantTensor.Vector(b), classNames);
        return new HeadFit(head, metrics.MicroAccuracy, GraphAccuracy(head, test), time);
    }

    /// <summary>Accuracy of the head run as an ONNX graph (features as [N, D, 1, 1], as the backbone gives them).</summary>
    public static double GraphAccuracy(ClassifierHead head, FeatureSet set)
    {
        var graph = HeadGraph(head);
        using var session = new OnnxSession(OnnxExporter.ToOnnx(graph));
        var (p, _) = session.RunSingle(graph.InputName, set.Features, [set.Count, set.Dimension, 1, 1]);
        int correct = 0, k = head.Classes;
        for (int i = 0; i < set.Count; i++)
        {
            int best = 0;
            for (int c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
            if (best == set.Labels[i]) correct++;
        }
        return (double)correct / set.Count;
    }

    /// <summary>The head alone as a model graph over [1, D, 1, 1] features: Flatten, Gemm, Softmax.</summary>
    public static ModelGraph HeadGraph(ClassifierHead head)
    {
        var features = new ModelGraph("features", [1, head.InFeatures, 1, 1], [], "features", "features");
        return DemoModel.Compose(features, head);
    }

    private static IEnumerable<Row> Rows(FeatureSet set)
    {
        for (int i = 0; i < set.Count; i++)
            yield return new Row { Features = set.Features.AsSpan(i * set.Dimension, set.Dimension).ToArray(), Label = (uint)set.Labels[i] };
    }
}
