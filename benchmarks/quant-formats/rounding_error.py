# Rounding error of 8-bit and 4-bit weight formats on N(0,1) weights (32,768 of them, seeded): RMS(w - q(w)) / RMS(w).
# Pure Python, no packages: `python3 benchmarks/quant-formats/rounding_error.py`. Output recorded in benchmarks/results/quantization-formats.md.
import random, math
random.seed(1)
NF4=[-1.0,-0.6961928009986877,-0.5250730514526367,-0.39491748809814453,-0.28444138169288635,-0.18477343022823334,-0.09105003625154495,0.0,0.07958029955625534,0.16093020141124725,0.24611230194568634,0.33791524171829224,0.44070982933044434,0.5626170039176941,0.7229568362236023,1.0]
def q40(g):
    m=max(g,key=abs); d=m/-8 if m else 0
    return [ (max(-8,min(7,round(v/d)))*d if d else 0) for v in g]
def sym7(g):
    a=max(abs(v) for v in g); d=a/7 if a else 0
    return [ (max(-7,min(7,round(v/d)))*d if d else 0) for v in g]
def asym(g):
    lo=min(g); hi=max(g); d=(hi-lo)/15
    return [lo+round((v-lo)/d)*d for v in g]
def nf4(g):
    a=max(abs(v) for v in g)
    return [a*min(NF4,key=lambda l:abs(l-v/a)) for v in g]
def int8(g):
    a=max(abs(v) for v in g); d=a/127
    return [round(v/d)*d for v in g]
def q40_blocks(block):
    # Q4_0's scale per group of 32, then each an 8-bit multiple s of one scale D per 256 weights (ours since 2026-11-30)
    groups=[block[i:i+32] for i in range(0,len(block),32)]
    d0=[(max(g,key=abs)/-8) for g in groups]
    D=max(abs(d) for d in d0)/127
    out=[]
    for g,d in zip(groups,d0):
        d=(max(-127,min(127,round(d/D)))*D) if D else 0
        out+=[(max(-8,min(7,round(v/d)))*d if d else 0) for v in g]
    return out
N=4096*8
vals=[random.gauss(0,1) for _ in range(N)]
def err(f,gs):
    e=0;s=0
    for i in range(0,N,gs):
        g=vals[i:i+gs]; q=f(g)
        e+=sum((a-b)**2 for a,b in zip(g,q)); s+=sum(a*a for a in g)
    return math.sqrt(e/s)
for name,f,gs in [("int8 absmax/127, g32",int8,32),("Q4_0 rule, g32, float32 scales",q40,32),("Q4_0 rule, g32, 8-bit scales under one per 256 (ours)",q40_blocks,256),("Q4_0 rule, g64",q40,64),("symmetric absmax/7, g32",sym7,32),("asymmetric min/max (Q4_1 / Q4_K-like, unquantized scales), g32",asym,32),("NF4 absmax, g64",nf4,64),("NF4 absmax, g32",nf4,32)]:
    print(f"{name}: {err(f,gs)*100:.2f}%")
