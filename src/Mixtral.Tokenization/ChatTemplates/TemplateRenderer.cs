using System.Text;

namespace Mixtral.Tokenization.ChatTemplates;

/// <summary>Runs the statements of a parsed template, appending the output.</summary>
internal static class TemplateRenderer
{
    public static string Render(IReadOnlyList<TemplateNode> template, Scope globals)
    {
        var output = new StringBuilder();
        RenderBody(template, new Scope(globals), output);
        return output.ToString();
    }

    private static void RenderBody(IReadOnlyList<TemplateNode> body, Scope scope, StringBuilder output)
    {
        foreach (TemplateNode node in body)
        {
            switch (node)
            {
                case TextNode text:
                    output.Append(text.Text);
                    break;
                case OutputNode value:
                    output.Append(JinjaValues.ToText(ExpressionEvaluator.Evaluate(value.Value, scope)));
                    break;
                case IfNode conditional:
                    IfBranch? taken = conditional.Branches.FirstOrDefault(b => JinjaValues.IsTrue(ExpressionEvaluator.Evaluate(b.Condition, scope)));
                    RenderBody(taken?.Body ?? conditional.Else, scope, output);
                    break;
                case ForNode loop:
                    RenderLoop(loop, scope, output);
                    break;
                case SetNode assignment:
                    scope.Set(assignment.Name, ExpressionEvaluator.Evaluate(assignment.Value, scope));
                    break;
                default:
                    throw new JinjaException($"cannot render {node.GetType().Name}", node.Position);
            }
        }
    }

    private static void RenderLoop(ForNode loop, Scope scope, StringBuilder output)
    {
        IReadOnlyList<object?> items = ExpressionEvaluator.Evaluate(loop.Iterable, scope) switch
        {
            IReadOnlyList<object?> list => list,
            IReadOnlyDictionary<string, object?> dict => dict.Keys.ToList<object?>(), // Python iterates a dict's keys
            string text => text.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
            Undefined => [], // Jinja's Undefined iterates as empty
            var other => throw new JinjaException($"cannot iterate over '{JinjaValues.TypeName(other)}'", loop.Iterable.Position),
        };
        if (items.Count == 0)
        {
            RenderBody(loop.Else, scope, output);
            return;
        }
        for (int i = 0; i < items.Count; i++)
        {
            var iteration = new Scope(scope);
            iteration.Set(loop.Variable, items[i]);
            iteration.Set("loop", new LoopContext(i, items.Count));
            RenderBody(loop.Body, iteration, output);
        }
    }
}
