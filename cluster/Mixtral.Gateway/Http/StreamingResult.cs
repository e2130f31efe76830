using Microsoft.AspNetCore.Http;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Gateway.Http;

/// <summary>
/// An opened generation written as server-sent events by <paramref name="write"/>. A failure after the first event
/// becomes a last event in the API's error shape; a closed connection cancels the generation (the token given to
/// <see cref="Generation.OpenAsync"/> is the request's) and ends quietly.
/// </summary>
public sealed class StreamingResult(Generation generation, Func<ServerSentEvents, IAsyncEnumerable<TokenEvent>, CancellationToken, Task> write,
    Func<ApiProblem, ProblemResult> errors) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var cancellationToken = httpContext.RequestAborted;
        var sse = new ServerSentEvents(httpContext.Response);
        await using (generation)
        {
            sse.Start();
            try
            {
                await write(sse, generation.EventsAsync(), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The client closed the connection; the generation was cancelled with it.
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                var problem = ApiProblem.From(e);
                if (problem is null) GatewayLog.Unexpected(httpContext, e);
                await sse.WriteDataAsync(errors(problem ?? ApiProblem.Internal).BodyJson, cancellationToken);
            }
        }
    }
}
