namespace Convey.Bird.Control;

/// <summary>Reads one line of a BIRD reply: <c>dddd-text</c> (more lines follow), <c>dddd text</c> (the last line), or <c> text</c> (a continuation).</summary>
internal static class BirdReplyLine
{
    /// <summary>Parses a coded line; false for a continuation line (or a line that is neither).</summary>
    public static bool TryParse(string line, out int code, out bool last, out string text)
    {
        code = 0;
        last = false;
        text = "";
        if (line.Length < 5 || (line[4] != ' ' && line[4] != '-'))
        {
            return false;
        }

        for (var i = 0; i < 4; i++)
        {
            if (!char.IsAsciiDigit(line[i]))
            {
                return false;
            }

            code = (code * 10) + (line[i] - '0');
        }

        last = line[4] == ' ';
        text = line[5..];
        return true;
    }
}
