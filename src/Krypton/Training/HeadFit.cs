using Krypton.Demo;

namespace Krypton.Training;

/// <summary>A fitted head and how well it does on held-out data.</summary>
/// <param name="Head">The head, its weights taken from the trainer's model parameters.</param>
/// <param name="TrainerAccuracy">Accuracy on the evaluation set as ML.NET's evaluator reports it.</param>
/// <param name="GraphAccuracy">Accuracy of the head as an emitted ONNX graph (Flatten, Gemm, Softmax) on the same set; it checks that the weights were carried over faithfully.</param>
/// <param name="TrainingTime">Time spent fitting.</param>
public sealed record HeadFit(ClassifierHead Head, double TrainerAccuracy, double GraphAccuracy, TimeSpan TrainingTime);
