using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Gateway;

/// <summary>
/// What the cluster serves, asked once and kept (the model of a running cluster does not change); a failed
/// question is asked again by the next request rather than remembered.
/// </summary>
public sealed class ModelCatalog(MixtralClusterClient client)
{
    private readonly Lock _gate = new();
    private Task<ModelInfo>? _info;

    public Task<ModelInfo> GetAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_info is null || _info.IsFaulted || _info.IsCanceled) _info = client.ModelInfoAsync(CancellationToken.None);
            return _info.WaitAsync(cancellationToken);
        }
    }
}
