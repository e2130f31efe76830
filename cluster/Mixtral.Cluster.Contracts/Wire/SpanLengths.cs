namespace Mixtral.Cluster.Contracts.Wire;

internal static class SpanLengths
{
    public static void RequireEqual(int source, int destination, string operation)
    {
        if (source != destination)
            throw new ArgumentException($"{operation}: source has {source} elements, destination {destination}");
    }
}
