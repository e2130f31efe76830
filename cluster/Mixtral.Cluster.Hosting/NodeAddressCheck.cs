using System.Net;
using System.Net.NetworkInformation;

namespace Mixtral.Cluster.Hosting;

/// <summary>
/// The address a node advertises must be one other nodes can reach <em>this</em> machine at. An address of another
/// machine (a typo, a copied config) would be written to Redis and every call to it would go elsewhere; so, unless the
/// operator opted in to listening on every interface (a container behind NAT advertises its host's address), the
/// address must belong to one of this machine's interfaces, and the node binds only that address.
/// </summary>
public static class NodeAddressCheck
{
    /// <summary>Throws a <see cref="NodeConfigurationException"/> naming --address when it is not usable here.</summary>
    public static IPAddress Check(string address, bool listenAny) => Check(address, listenAny, LocalAddresses());

    /// <summary>The check against a given set of local addresses (tests pass their own).</summary>
    public static IPAddress Check(string address, bool listenAny, IReadOnlyCollection<IPAddress> local)
    {
        IPAddress resolved;
        try
        {
            resolved = NodeHost.ResolveAddress(address);
        }
        catch (Exception e) when (e is ArgumentException or System.Net.Sockets.SocketException)
        {
            throw new NodeConfigurationException(e is ArgumentException ? e.Message : $"--address {address}: {e.Message}");
        }
        if (listenAny || IPAddress.IsLoopback(resolved) || local.Contains(resolved)) return resolved;
        throw new NodeConfigurationException(
            $"--address {address}{(address == resolved.ToString() ? "" : $" ({resolved})")} is not an address of this machine " +
            $"(its interfaces: {string.Join(", ", local.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))}); " +
            "give one of them, or add --listen-any to listen on every interface and advertise this address (a container behind NAT)");
    }

    /// <summary>Every unicast address of every interface that is up.</summary>
    public static IReadOnlyCollection<IPAddress> LocalAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .ToHashSet();
}
