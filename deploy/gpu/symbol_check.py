"""Does this LibTorch export every symbol libLibTorchSharp.so (TorchSharp 0.107, built against LibTorch 2.10) needs?

usage: symbol_check.py TORCH_LIB_DIR NEEDS_FILE LIBTORCHSHARP_SO
Loads the folder's libc10, libtorch_cpu, (libc10_cuda, libtorch_cuda,) libtorch globally, looks every needed symbol
up, then loads libLibTorchSharp.so with immediate binding (RTLD_NOW), which fails on the first missing one. A missing
function symbol only breaks the TorchSharp calls that use it (.NET loads with lazy binding; the process dies with
"symbol lookup error" when such a call is made); a missing data symbol (vtable, typeinfo) stops the library loading.
Prints a summary and the missing symbols (demangled when c++filt is there); exit 0 either way.
"""
import ctypes
import os
import shutil
import subprocess
import sys

lib_dir, needs_file, torchsharp = sys.argv[1:4]
loaded = []
for name in ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"]:
    path = os.path.join(lib_dir, name)
    if os.path.exists(path):
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        loaded.append(name)
print(f"loaded from {lib_dir}: {', '.join(loaded)}")

process = ctypes.CDLL(None)
needed = [s.strip() for s in open(needs_file) if s.strip()]
missing = []
for symbol in needed:
    try:
        process[symbol]
    except AttributeError:
        missing.append(symbol)
print(f"libLibTorchSharp.so needs {len(needed)} LibTorch symbols; {len(missing)} missing here")

try:
    ctypes.CDLL(torchsharp, mode=os.RTLD_NOW | os.RTLD_LOCAL)
    print("libLibTorchSharp.so loads with immediate binding: every symbol resolves")
except OSError as e:
    print(f"libLibTorchSharp.so with immediate binding: {e}")

if missing:
    names = missing
    if shutil.which("c++filt"):
        names = subprocess.run(["c++filt"], input="\n".join(missing), capture_output=True, text=True).stdout.splitlines()
    print("missing:")
    for n in names:
        print("  " + n)
