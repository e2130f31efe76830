using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement;

/// <summary>
/// A model's identity for plans: SHA-256 over the config fields that decide tensor shapes (not over the
/// config.json text, so that formatting or a changed generation default does not orphan a plan).
/// </summary>
public static class ModelFingerprint
{
    public static ModelIdentity Identify(MixtralConfig c)
    {
        string canonical = string.Create(CultureInfo.InvariantCulture,
            $"mixtral|vocab_size={c.VocabSize}|hidden_size={c.HiddenSize}|intermediate_size={c.IntermediateSize}" +
            $"|num_hidden_layers={c.NumHiddenLayers}|num_attention_heads={c.NumAttentionHeads}" +
            $"|num_key_value_heads={c.NumKeyValueHeads}|head_dim={c.HeadDim}|num_local_experts={c.NumLocalExperts}" +
            $"|tie_word_embeddings={c.TieWordEmbeddings}");
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical));
        return new ModelIdentity(Convert.ToHexStringLower(hash, 0, 8), c.NumHiddenLayers, c.NumLocalExperts);
    }
}
