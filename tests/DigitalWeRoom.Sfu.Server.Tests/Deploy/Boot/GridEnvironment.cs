using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// The environment a grid VM gets: <c>env_vars</c> of main.tf's <c>grid_deployment.sfu</c>, evaluated the way
/// Terraform would for a bundle's terraform.tfvars. The files are read with HashiCorp's parser (<see cref="HclReader"/>);
/// the expressions in them are evaluated here for the small part of the HCL language they use (references,
/// templates, and the functions below). What the grid supplies at apply time is made by the test as the files
/// describe it: <c>random_password</c> results of the declared length and alphabet, and the gateway's
/// <c>fqdn</c> (<c>&lt;name&gt;.&lt;domain&gt;</c>, what main.tf's precondition requires). Anything else fails
/// loudly, so a change to main.tf that this cannot follow shows up here instead of booting something else.
/// </summary>
internal sealed class GridEnvironment
{
    private readonly JsonElement _main;
    private readonly Dictionary<string, object> _variables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _locals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);

    private GridEnvironment(JsonElement main, JsonElement variables, JsonElement tfvars)
    {
        _main = main;
        foreach (var variable in variables.GetProperty("variable").EnumerateObject())
        {
            if (variable.Value[0].TryGetProperty("default", out var value))
            {
                _variables[variable.Name] = FromJson(value);
            }
        }

        foreach (var assignment in tfvars.EnumerateObject())
        {
            _variables[assignment.Name] = FromJson(assignment.Value);
        }
    }

    /// <summary>The generated <c>random_password</c> results, by resource name (api_key, api_secret).</summary>
    public IReadOnlyDictionary<string, string> Passwords => _passwords;

    /// <summary>main.tf's VM <c>env_vars</c> for the answers in <paramref name="tfvarsPath"/> (a bundle's terraform.tfvars).</summary>
    public static (Dictionary<string, string> Env, GridEnvironment Grid) VmEnvironment(string tfvarsPath)
    {
        var main = RepoPaths.Path("deploy", "tfgrid", "main.tf");
        var variables = RepoPaths.Path("deploy", "tfgrid", "variables.tf");
        var parsed = HclReader.ParseAll(main, variables, tfvarsPath);
        var grid = new GridEnvironment(parsed[main], parsed[variables], parsed[tfvarsPath]);
        var vm = parsed[main].GetProperty("resource").GetProperty("grid_deployment").GetProperty("sfu")[0].GetProperty("vms")[0];
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in vm.GetProperty("env_vars").EnumerateObject())
        {
            env[entry.Name] = AsString(grid.Evaluate(entry.Value));
        }

        return (env, grid);
    }

    private object Evaluate(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? Template(value.GetString()!) : FromJson(value);

    /// <summary>A quoted template: literal text with <c>${expression}</c> parts; exactly one part keeps its type.</summary>
    private object Template(string text)
    {
        var parts = new List<object>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                if (literal.Length > 0)
                {
                    parts.Add(literal.ToString());
                    literal.Clear();
                }

                var parser = new Parser(this, text, i + 2);
                parts.Add(parser.Expression());
                i = parser.Expect('}') - 1;
                continue;
            }

            literal.Append(text[i]);
        }

        if (literal.Length > 0)
        {
            parts.Add(literal.ToString());
        }

        return parts.Count == 1 ? parts[0] : string.Concat(parts.Select(AsString));
    }

    private object Reference(IReadOnlyList<string> path)
    {
        switch (path[0])
        {
            case "var":
                return _variables.TryGetValue(path[1], out var variable) ? variable : throw Unknown("var." + path[1] + " (no value)");
            case "local":
                if (!_locals.TryGetValue(path[1], out var local))
                {
                    _locals[path[1]] = local = Evaluate(_main.GetProperty("locals")[0].GetProperty(path[1]));
                }

                return local;
            case "random_password" when path.Count >= 3 && path[2] == "result":
                return Password(path[1]);
            case "data" when path.Count >= 4 && path[1] == "grid_gateway_domain" && path[3] == "fqdn":
                var name = AsString(Evaluate(_main.GetProperty("data").GetProperty("grid_gateway_domain").GetProperty(path[2])[0].GetProperty("name")));
                return $"{name}.{AsString(_variables["domain"])}";
            default:
                throw Unknown(string.Join('.', path));
        }
    }

    /// <summary>random_password: <c>length</c> characters; <c>special = false</c> means letters and digits only.</summary>
    private string Password(string resource)
    {
        if (!_passwords.TryGetValue(resource, out var password))
        {
            var args = _main.GetProperty("resource").GetProperty("random_password").GetProperty(resource)[0];
            var special = args.TryGetProperty("special", out var s) && s.GetBoolean();
            var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + (special ? "!@#$%&*()-_=+[]{}<>:?" : "");
            _passwords[resource] = password = RandomNumberGenerator.GetString(alphabet, args.GetProperty("length").GetInt32());
        }

        return password;
    }

    private static object Call(string function, List<object> args) => function switch
    {
        "tostring" => AsString(args[0]),
        "lower" => AsString(args[0]).ToLowerInvariant(),
        "replace" => AsString(args[0]).Replace(AsString(args[1]), AsString(args[2]), StringComparison.Ordinal),
        "join" => string.Join(AsString(args[0]), ((List<object>)args[1]).Select(AsString)),
        "concat" => args.SelectMany(a => (List<object>)a).ToList(),
        "split" => AsString(args[1]).Split(AsString(args[0])).Cast<object>().ToList(),
        "lookup" => ((Dictionary<string, object>)args[0]).TryGetValue(AsString(args[1]), out var found) ? found : args[2],
        _ => throw Unknown(function + "()"),
    };

    private static string AsString(object value) => value switch
    {
        string s => s,
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => throw new InvalidOperationException($"main.tf: a {value.GetType().Name} where a string is needed"),
    };

    private static object FromJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => value.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value), StringComparer.Ordinal),
        _ => throw new InvalidOperationException("main.tf: null value"),
    };

    private static InvalidOperationException Unknown(string what) =>
        new($"the grid boot test does not know how to evaluate {what} from main.tf; teach GridEnvironment what the grid gives there");

    /// <summary>Expressions: references with <c>.attr</c> and <c>[index]</c>, calls, strings, numbers, lists.</summary>
    private sealed class Parser(GridEnvironment grid, string text, int position)
    {
        public object Expression()
        {
            var value = Primary();
            while (true)
            {
                Skip();
                if (Peek('['))
                {
                    position++;
                    var index = Expression();
                    Expect(']');
                    value = value switch
                    {
                        List<object> list => list[(int)(double)index],
                        Dictionary<string, object> map => map[AsString(index)],
                        _ => throw Unknown("an index into " + value.GetType().Name),
                    };
                }
                else if (Peek('.') && value is Dictionary<string, object> map)
                {
                    position++;
                    value = map[Identifier()];
                }
                else
                {
                    return value;
                }
            }
        }

        public int Expect(char c)
        {
            Skip();
            if (!Peek(c))
            {
                throw new InvalidOperationException($"main.tf: expected '{c}' at {position} in {text}");
            }

            return ++position;
        }

        private object Primary()
        {
            Skip();
            if (Peek('"'))
            {
                var sb = new StringBuilder();
                for (position++; text[position] != '"'; position++)
                {
                    sb.Append(text[position] == '\\' ? text[++position] : text[position]);
                }

                position++;
                return sb.ToString();
            }

            if (Peek('['))
            {
                position++;
                return Items(']');
            }

            if (char.IsDigit(text[position]))
            {
                var start = position;
                while (position < text.Length && (char.IsDigit(text[position]) || text[position] == '.'))
                {
                    position++;
                }

                return double.Parse(text[start..position], CultureInfo.InvariantCulture);
            }

            var name = Identifier();
            if (PeekAfterSpace('('))
            {
                position++;
                return Call(name, Items(')'));
            }

            var path = new List<string> { name };
            while (Peek('.') && position + 1 < text.Length && char.IsLetter(text[position + 1]) && (path.Count < 2 || path[0] is "random_password" or "data"))
            {
                position++;
                path.Add(Identifier());
                if (path[0] is "var" or "local" || (path[0] == "random_password" && path.Count == 3) || (path[0] == "data" && path.Count == 4))
                {
                    break;
                }
            }

            return grid.Reference(path);
        }

        /// <summary>Comma-separated expressions up to <paramref name="close"/> (a list literal or call arguments).</summary>
        private List<object> Items(char close)
        {
            var items = new List<object>();
            while (!PeekAfterSpace(close))
            {
                items.Add(Expression());
                if (PeekAfterSpace(','))
                {
                    position++;
                }
            }

            Expect(close);
            return items;
        }

        private string Identifier()
        {
            Skip();
            var start = position;
            while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] is '_' or '-'))
            {
                position++;
            }

            return start == position ? throw new InvalidOperationException($"main.tf: expected a name at {position} in {text}") : text[start..position];
        }

        private bool Peek(char c) => position < text.Length && text[position] == c;

        private bool PeekAfterSpace(char c)
        {
            Skip();
            return Peek(c);
        }

        private void Skip()
        {
            while (position < text.Length && char.IsWhiteSpace(text[position]))
            {
                position++;
            }
        }
    }
}
