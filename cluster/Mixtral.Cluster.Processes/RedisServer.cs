using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Mixtral.Cluster.Processes;

/// <summary>
/// A real redis-server (the Debian package) on a free loopback port, without persistence, for one test
/// class. Started and stopped by the tests themselves; `scripts/setup.sh` installs it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        string binary = FindRedis() ?? throw new InvalidOperationException("redis-server is not installed (scripts/setup.sh installs it)");
        int port = FreePort.Next();
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, port);
        await Wait.UntilAsync(server.PingsAsync, TimeSpan.FromSeconds(20), $"redis-server to answer PING on port {port}");
        return server;
    }

    private async Task<bool> PingsAsync()
    {
        if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode}");
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            int read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string? FindRedis() =>
        RedisLocations.FirstOrDefault(File.Exists);

    private static readonly string[] RedisLocations = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
