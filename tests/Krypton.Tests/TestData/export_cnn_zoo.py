#!/usr/bin/env python3
"""Exports small random-weight CNNs of common families to ONNX, for the exact-vs-naive tests
(ExactModeZooTests.cs). Run from this folder with PyTorch 1.13 / torchvision 0.14 (Debian's
python3-torch, python3-torchvision):

    python3 export_cnn_zoo.py

Each model gets random weights (He initialization over the fan-in, so that the signal neither
vanishes nor explodes: torchvision's fan-out initialization of depthwise convolutions makes a
random MobileNetV2 blind to its input), batch-norm statistics measured on random inputs (so that
batch norm normalizes, as trained ones do) with a random affine part, is put in eval mode and
exported with a dynamic batch axis. The files are committed; CI does not need PyTorch.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def randomize(model, gen, size):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.weight[0].numel()
            m.weight.data = torch.randn(m.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5
            if m.bias is not None:
                m.bias.data = 0.1 * torch.randn(m.bias.shape, generator=gen)
        elif isinstance(m, nn.Linear):
            bound = 1.0 / m.in_features ** 0.5
            m.weight.data = (2 * torch.rand(m.weight.shape, generator=gen) - 1) * bound
            if m.bias is not None:
                m.bias.data = (2 * torch.rand(m.bias.shape, generator=gen) - 1) * bound
        elif isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # a cumulative average over the calibration batches
            m.weight.data = 0.5 + torch.rand(m.num_features, generator=gen)
            m.bias.data = 0.2 * torch.randn(m.num_features, generator=gen)
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(2 * torch.rand(8, 3, size, size, generator=gen) - 1)
    return model.eval()


class Bottleneck(nn.Module):
    """ResNet-50's bottleneck block (1x1 reduce, 3x3 with stride, 1x1 expand, projection shortcut), narrow."""

    def __init__(self, cin, mid, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class NarrowResNet(nn.Module):
    """ResNet-50's layout ([1, 1, 1, 1] bottlenecks, 7x7/2 stem, 3x3/2 max pool) at a tenth of its width."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.MaxPool2d(3, stride=2, padding=1))
        self.layers = nn.Sequential(Bottleneck(8, 4, 16, 1), Bottleneck(16, 8, 32, 2),
                                    Bottleneck(32, 8, 48, 2), Bottleneck(48, 16, 64, 2))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class DilatedNet(nn.Module):
    """Dilated convolutions, asymmetric explicit padding, non-square kernels and strides."""

    def __init__(self, classes=10):
        super().__init__()
        self.pad = nn.ZeroPad2d((1, 0, 2, 1))  # left, right, top, bottom
        self.conv1 = nn.Conv2d(3, 8, (3, 5), stride=(1, 2), padding=(1, 2))
        self.conv2 = nn.Conv2d(8, 8, 3, padding=2, dilation=2)
        self.conv3 = nn.Conv2d(8, 12, (5, 1), stride=(2, 1), padding=(2, 0), dilation=(1, 1))
        self.conv4 = nn.Conv2d(12, 12, 3, stride=2, padding=(2, 1), dilation=(2, 1), groups=3)
        self.conv5 = nn.Conv2d(12, 16, (1, 3), padding=(0, 3), dilation=(1, 3))
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = F.relu(self.conv1(self.pad(x)))
        x = F.relu(self.conv2(x))
        x = F.leaky_relu(self.conv3(x), 0.1)
        x = F.relu(self.conv4(x))
        x = torch.tanh(self.conv5(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class PoolNet(nn.Module):
    """Padded average pooling without the padding in the divisor, and ceil-mode padded max pooling."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.avg1 = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.conv2 = nn.Conv2d(8, 12, 3)
        self.max1 = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.conv3 = nn.Conv2d(12, 16, 3, padding=1)
        self.avg2 = nn.AvgPool2d(2, stride=2, padding=1, count_include_pad=False, ceil_mode=True)
        self.max2 = nn.MaxPool2d((2, 3), stride=(2, 1), ceil_mode=True)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.avg1(F.relu(self.conv1(x)))
        x = self.max1(F.relu(self.conv2(x)))
        x = self.max2(self.avg2(F.relu(self.conv3(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class ViewNet(nn.Module):
    """A tutorial-style head: x.view(x.size(0), -1) (shape arithmetic under a dynamic batch), then log_softmax."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 8 * 8, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.log_softmax(self.fc(x.view(x.size(0), -1)), dim=1)


class CbamNet(nn.Module):
    """Attention from the mean and the maximum over the channels (ReduceMean, ReduceMax over axis 1
    with keepdims), concatenated, a 7x7 convolution and a sigmoid that scales the map: a spatial
    attention block early, then a whole CBAM block (channel attention from global average and max
    pooling through a shared MLP, then spatial attention)."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.spatial1 = nn.Conv2d(2, 1, 7, padding=3)
        self.conv2 = nn.Conv2d(16, 24, 3, padding=1, stride=2)
        self.mlp = nn.Sequential(nn.Conv2d(24, 6, 1), nn.ReLU(), nn.Conv2d(6, 24, 1))
        self.spatial2 = nn.Conv2d(2, 1, 7, padding=3)
        self.fc = nn.Linear(24, classes)

    @staticmethod
    def spatial(x, conv):
        return x * torch.sigmoid(conv(torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)))

    def forward(self, x):
        x = self.spatial(F.relu(self.conv1(x)), self.spatial1)
        x = F.relu(self.conv2(x))
        x = x * torch.sigmoid(self.mlp(F.adaptive_avg_pool2d(x, 1)) + self.mlp(F.adaptive_max_pool2d(x, 1)))
        x = self.spatial(x, self.spatial2)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class HandSeNet(nn.Module):
    """Squeeze-and-excitation written as tutorials write it: pooled, viewed to (b, c), two linear
    layers, viewed to (b, c, 1, 1) and y.expand_as(x) (Shape and Expand in the export)."""

    def __init__(self, classes=10, c=16):
        super().__init__()
        self.conv1 = nn.Conv2d(3, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.fc = nn.Sequential(nn.Linear(c, c // 4), nn.ReLU(inplace=True), nn.Linear(c // 4, c), nn.Sigmoid())
        self.conv3 = nn.Conv2d(c, c, 3, padding=1)
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        b, c, _, _ = x.size()
        y = self.fc(F.adaptive_avg_pool2d(x, 1).view(b, c)).view(b, c, 1, 1)
        x = F.relu(self.conv3(x * y.expand_as(x)))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def export(name, model, size, opset):
    gen = torch.Generator().manual_seed(sum(map(ord, name)))
    randomize(model, gen, size)
    x = 2 * torch.rand(1, 3, size, size, generator=gen) - 1
    torch.onnx.export(model, x, f"{name}.onnx", opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)
    print(name, size, opset)


def main(only=None):
    def out(name, model, size, opset):
        if not only or name in only:
            export(name, model, size, opset)

    torch.manual_seed(0)
    out("zoo_squeezenet1_1", torchvision.models.squeezenet1_1(num_classes=10), 96, 11)
    out("zoo_mobilenet_v2", torchvision.models.mobilenet_v2(width_mult=0.35, num_classes=10), 96, 13)
    out("zoo_densenet", torchvision.models.DenseNet(growth_rate=8, block_config=(2, 2, 2), num_init_features=16,
                                                       num_classes=10), 64, 13)
    out("zoo_bottleneck_resnet", NarrowResNet(), 64, 13)
    out("zoo_dilated", DilatedNet(), 48, 9)
    out("zoo_pools", PoolNet(), 45, 13)
    # Split and channel shuffle (reshape, transpose, reshape) with shape arithmetic; HardSwish (as
    # HardSigmoid times input at opset 13) and squeeze-and-excitation; SiLU (sigmoid times input);
    # view and log_softmax.
    out("zoo_shufflenet_v2", torchvision.models.ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 128], num_classes=10), 64, 13)
    out("zoo_mobilenet_v3", torchvision.models.mobilenet_v3_small(width_mult=0.25, num_classes=10), 64, 13)
    efficient = torchvision.models.efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.25)[0]
    out("zoo_efficientnet", torchvision.models.EfficientNet(efficient, 0.2, num_classes=10), 64, 13)
    out("zoo_view_logsoftmax", ViewNet(), 32, 13)
    # ConvNeXt: layer norm (decomposed at opset 13), a GELU MLP as MatMuls on a channels-last permutation.
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt
    out("zoo_convnext", ConvNeXt([CNBlockConfig(8, 16, 1), CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)], num_classes=10), 64, 13)
    # CBAM-style attention: mean and max over the channels.
    out("zoo_cbam", CbamNet(), 48, 13)
    # Hand-written squeeze-and-excitation: view and expand_as.
    out("zoo_se_expand", HandSeNet(), 32, 13)


if __name__ == "__main__":
    import sys
    main(sys.argv[1:] or None)   # names to export (default: all)
