using Microsoft.AspNetCore.Http;

namespace Mixtral.Gateway.Http;

/// <summary>
/// Runs a handler and turns what the request or the cluster did wrong into the API's error shape. Anything else is
/// a bug: logged, and answered 500 in the API's shape without details (never a stack trace).
/// </summary>
public static class Guarded
{
    public static async Task<IResult> RunAsync(HttpContext http, Func<Task<IResult>> handler, Func<ApiProblem, ProblemResult> errors)
    {
        try
        {
            return await handler();
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return TypedResults.Empty; // the client is gone: nobody reads an answer
        }
        catch (Exception e) when (ApiProblem.From(e) is { } problem)
        {
            return errors(problem);
        }
        catch (Exception e)
        {
            GatewayLog.Unexpected(http, e);
            return errors(ApiProblem.Internal);
        }
    }
}
