"""Where python torch's LibTorch lives on this machine, and the folders of the CUDA libraries it loads.

Prints one JSON object: torch's version and CUDA version, its lib/ folder, the GPU, and `library_dirs`: the folders of
every torch, CUDA (cuBLAS, cuDNN, NCCL, ...) and driver library that importing torch and touching the GPU mapped into
this process. gpu-check.sh puts lib/ and those folders on LD_LIBRARY_PATH, so the .NET process resolves the same
files python torch does (libtorch_cuda.so also finds them through its own RUNPATH; this makes it explicit).
"""
import json
import os
import sys

import torch

lib = os.path.join(os.path.dirname(torch.__file__), "lib")
info = {
    "python": sys.version.split()[0],
    "torch": torch.__version__,
    "cuda": torch.version.cuda,
    "cxx11_abi": bool(torch._C._GLIBCXX_USE_CXX11_ABI),
    "lib": lib,
    "lib_files": " ".join(sorted(f for f in os.listdir(lib) if ".so" in f)),
    "cuda_available": torch.cuda.is_available(),
}
if torch.cuda.is_available():
    a = torch.randn(64, 64, device="cuda")
    (a @ a).sum().item()  # loads cuBLAS too
    props = torch.cuda.get_device_properties(0)
    info["device"] = torch.cuda.get_device_name(0)
    info["capability"] = list(torch.cuda.get_device_capability(0))
    info["memory_gib"] = round(props.total_memory / 2**30, 1)
    info["multiprocessors"] = props.multi_processor_count

dirs = []
with open("/proc/self/maps") as maps:
    for line in maps:
        path = line.split()[-1] if "/" in line else ""
        name = os.path.basename(path)
        if ".so" not in name:
            continue
        wanted = (path.startswith(lib) or "/nvidia/" in path or name.startswith(("libcuda.", "libnvidia")))
        folder = os.path.dirname(path)
        if wanted and folder not in dirs:
            dirs.append(folder)
info["library_dirs"] = [lib] + [d for d in dirs if d != lib]
print(json.dumps(info, indent=1))
