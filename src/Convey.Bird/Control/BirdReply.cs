namespace Convey.Bird.Control;

/// <summary>
/// One reply of BIRD's control socket: its lines as BIRD wrote them, each a four-digit code then <c>-</c> (more
/// follow) or a space (the last), or a space-led continuation of the line before. Codes 0000-0999 end a command
/// that succeeded, 1000-2999 are table rows and headings, 8000-8999 run-time errors, 9000-9999 syntax errors.
/// </summary>
/// <param name="Code">The code of the last line, which ends the reply.</param>
/// <param name="Lines">Every line, the last one included.</param>
internal sealed record BirdReply(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>Whether BIRD refused the command (an 8xxx or 9xxx code).</summary>
    public bool IsError => Code >= 8000;

    /// <summary>
    /// The reply on one line for logs and <c>/stats</c>: its lines joined with <c> | </c>, without the empty
    /// <c>0000</c> that ends most replies.
    /// </summary>
    public string Text => string.Join(" | ", Lines.Where(l => l.Trim() != "0000").Select(l => l.TrimEnd()));

    /// <summary>The rows of table <paramref name="code"/> (for example 1002, the protocol list), without their code.</summary>
    public IEnumerable<string> Rows(int code)
    {
        var current = -1;
        foreach (var line in Lines)
        {
            if (BirdReplyLine.TryParse(line, out var lineCode, out _, out var text))
            {
                current = lineCode;
                if (lineCode == code)
                {
                    yield return text;
                }
            }
            else if (current == code)
            {
                yield return line[1..];
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
