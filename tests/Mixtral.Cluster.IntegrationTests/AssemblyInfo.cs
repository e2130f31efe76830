// Each test here runs whole clusters of real processes, timed against membership probes (1 s, 2 misses): two of them at
// once on a 2-core CI machine starve each other's nodes into false "declared dead" verdicts. One at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
