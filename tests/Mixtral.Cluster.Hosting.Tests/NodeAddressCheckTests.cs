using System.Net;
using Mixtral.Cluster.Hosting;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>
/// A node advertises its --address in Redis; an address of another machine (issue 8: 8.8.8.8 was accepted) would send
/// every call to this node elsewhere. Checked against a given set of local addresses, and against this machine's.
/// </summary>
public sealed class NodeAddressCheckTests
{
    private static readonly IPAddress[] Local = [IPAddress.Parse("10.1.2.3"), IPAddress.Parse("fe80::1")];

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")] // all of 127/8 is loopback
    [InlineData("::1")]
    [InlineData("10.1.2.3")]
    [InlineData("fe80::1")]
    public void An_address_of_this_machine_is_accepted(string address) =>
        Assert.Equal(IPAddress.Parse(address), NodeAddressCheck.Check(address, listenAny: false, Local));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("10.1.2.4")]
    [InlineData("192.168.0.1")]
    [InlineData("2001:db8::1")]
    public void An_address_of_another_machine_is_refused_naming_the_flag_and_the_way_out(string address)
    {
        var error = Assert.Throws<NodeConfigurationException>(() => NodeAddressCheck.Check(address, listenAny: false, Local));
        Assert.StartsWith($"--address {address} is not an address of this machine (its interfaces: 10.1.2.3)", error.Message, StringComparison.Ordinal);
        Assert.Contains("--listen-any", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_any_accepts_an_address_advertised_for_a_container_behind_nat() =>
        Assert.Equal(IPAddress.Parse("8.8.8.8"), NodeAddressCheck.Check("8.8.8.8", listenAny: true, Local));

    [Theory]
    [InlineData("0.0.0.0", false)]
    [InlineData("::", false)]
    [InlineData("0.0.0.0", true)] // even listening everywhere, the wildcard is no address to advertise
    public void The_wildcard_is_refused(string address, bool listenAny)
    {
        var error = Assert.Throws<NodeConfigurationException>(() => NodeAddressCheck.Check(address, listenAny, Local));
        Assert.Equal($"--address {address}: give the address other nodes reach this one at, not the wildcard", error.Message);
    }

    [Fact]
    public void Localhost_by_name_resolves_to_loopback() =>
        Assert.True(IPAddress.IsLoopback(NodeAddressCheck.Check("localhost", listenAny: false, Local)));

    [Fact]
    public void This_machines_own_addresses_are_accepted_and_a_public_resolver_is_not()
    {
        var local = NodeAddressCheck.LocalAddresses();
        Assert.Contains(local, IPAddress.IsLoopback); // lo is up on every machine the tests run on
        foreach (var address in local.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
            Assert.Equal(address, NodeAddressCheck.Check(address.ToString(), listenAny: false));
        Assert.Throws<NodeConfigurationException>(() => NodeAddressCheck.Check("8.8.8.8", listenAny: false));
    }

    [Fact]
    public void Listen_any_is_a_configuration_key()
    {
        var options = NodeConfiguration.Load(null, new Dictionary<string, string?> { ["listen_any"] = "true" });
        Assert.True(options.ListenAny);
        Assert.False(NodeConfiguration.Load(null, new Dictionary<string, string?>()).ListenAny);
    }
}
