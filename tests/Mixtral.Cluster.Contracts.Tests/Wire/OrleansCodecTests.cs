using Microsoft.Extensions.DependencyInjection;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Wire;
using Orleans.Serialization;

namespace Mixtral.Cluster.Contracts.Tests.Wire;

/// <summary>The wire records through Orleans' own serializer and copier, as a grain call would carry them.</summary>
public sealed class OrleansCodecTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(HiddenStateBatch).Assembly))
        .BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Theory]
    [InlineData(WireDType.BFloat16)]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.Float32)]
    public void Hidden_state_batch_survives_the_orleans_codec(WireDType dtype)
    {
        float[] rows = Enumerable.Range(0, 3 * 40).Select(i => MathF.Sin(i) * 7).ToArray();
        var batch = HiddenStateBatch.Encode(rows, 3, 40, dtype);

        var serializer = _services.GetRequiredService<Serializer<HiddenStateBatch>>();
        var back = serializer.Deserialize(serializer.SerializeToArray(batch))!;

        Assert.Equal((3, 40, dtype), (back.Rows, back.HiddenSize, back.DType));
        Assert.Equal(batch.Payload.ToArray(), back.Payload.ToArray());
        Assert.Equal(batch.Decode(), back.Decode());
    }

    [Fact]
    public void Immutable_batch_is_not_copied_between_grains_in_one_silo()
    {
        var batch = HiddenStateBatch.Encode(new float[64], 1, 64, WireDType.BFloat16);
        var copier = _services.GetRequiredService<DeepCopier<HiddenStateBatch>>();
        Assert.Same(batch, copier.Copy(batch));
    }

    [Fact]
    public void Expert_key_and_residency_survive_the_orleans_codec()
    {
        var residency = new ExpertResidency("node-b", new ExpertKey(31, 7, 2), 352_321_536, 3);
        var serializer = _services.GetRequiredService<Serializer<ExpertResidency>>();
        Assert.Equal(residency, serializer.Deserialize(serializer.SerializeToArray(residency)));
    }
}
