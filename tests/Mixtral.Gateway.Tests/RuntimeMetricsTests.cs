namespace Mixtral.Gateway.Tests;

/// <summary>
/// /metrics carries the .NET runtime's meter too: the GC heap after the last collection is how an operator (and the
/// failover soak) tells objects kept alive from native memory when a node's resident memory grows.
/// </summary>
[Collection(GatewayServerGroup.Name)]
public sealed class RuntimeMetricsTests(GatewayFixture server)
{
    [Fact]
    public async Task Metrics_report_the_managed_heap_after_the_last_collection_and_the_bytes_allocated()
    {
        GC.Collect(); // the server runs in this process: a collection has happened before the scrape
        double? heap = await server.MetricAsync("dotnet_gc_last_collection_heap_size_bytes");
        Assert.NotNull(heap);
        Assert.InRange(heap.Value, 1024 * 1024, 64.0 * 1024 * 1024 * 1024); // this process' heap: more than a MiB, less than the machine
        double? allocatedBefore = await server.MetricAsync("dotnet_gc_heap_total_allocated_bytes_total");
        Assert.NotNull(allocatedBefore);
        _ = new byte[4 * 1024 * 1024];
        Assert.True(await server.MetricAsync("dotnet_gc_heap_total_allocated_bytes_total") > allocatedBefore, "allocation should show in the counter");
    }
}
