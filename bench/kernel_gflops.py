"""PyTorch's side of bench/kernel-gflops.ts: the same kernels, best of several rounds.
   /usr/bin/python3 bench/kernel_gflops.py [threads] [rounds]"""
import os, sys, time
import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(threads)
a, b = torch.rand(1024, 1024), torch.rand(1024, 1024)
x56, w3, w1 = torch.rand(4, 64, 56, 56), torch.rand(64, 64, 3, 3), torch.rand(256, 64, 1, 1)
x28, w28 = torch.rand(64, 16, 28, 28), torch.rand(16, 16, 3, 3)
cases = [
    ("matMul 1024x1024x1024", 2 * 1024 ** 3, lambda: a @ b),
    ("conv 3x3 64→64 on [4,56,56,64] (ResNet50 stage 2)", 2 * 4 * 56 * 56 * 64 * 64 * 9, lambda: F.conv2d(x56, w3, padding=1)),
    ("conv 1x1 64→256 on [4,56,56,64] (ResNet50 stage 2)", 2 * 4 * 56 * 56 * 64 * 256, lambda: F.conv2d(x56, w1)),
    ("conv 3x3 16→16 on [64,28,28,16] (resnet-mini)", 2 * 64 * 28 * 28 * 16 * 16 * 9, lambda: F.conv2d(x28, w28, padding=1)),
]
print(f"torch {torch.__version__}, {threads} threads, load {os.getloadavg()[0]:.2f}; best of {rounds} rounds")
with torch.no_grad():
    for name, flops, f in cases:
        f()
        best = min((lambda t0: (f(), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(rounds))
        print(f"{flops / best / 1e9:7.1f} GFLOP/s  {name}")
