using System.Text;

namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>Writes HCL string literals (HCL native syntax spec, "Template Expressions" and escapes).</summary>
internal static class HclWriter
{
    /// <summary>
    /// A quoted HCL string whose value is exactly <paramref name="value"/>: quotes, backslashes and control
    /// characters escaped, and <c>${</c> / <c>%{</c> doubled so no template sequence is interpreted.
    /// </summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '$' or '%' when i + 1 < value.Length && value[i + 1] == '{':
                    sb.Append(c).Append(c);
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
