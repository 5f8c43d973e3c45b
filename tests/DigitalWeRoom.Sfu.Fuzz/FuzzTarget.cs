namespace DigitalWeRoom.Sfu.Fuzz;

/// <summary>
/// One parser under fuzzing. <see cref="Execute"/> feeds it one input and throws only on a bug: an exception
/// escaping the parser, or a broken invariant (<see cref="FuzzInvariantException"/>).
/// </summary>
public abstract class FuzzTarget
{
    /// <summary>Name on the command line and folder under Corpus/.</summary>
    public abstract string Name { get; }

    /// <summary>Tokens the mutator may insert (field names, keywords); empty for binary formats.</summary>
    public virtual IReadOnlyList<byte[]> Dictionary => [];

    public abstract void Execute(ReadOnlySpan<byte> input);

    /// <summary>Valid inputs made with our writers (and fixtures): the seed corpus.</summary>
    public abstract IEnumerable<(string Name, byte[] Data)> CreateSeeds();

    protected static void Check(bool condition, string invariant)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(invariant);
        }
    }
}

/// <summary>A parser returned without exception but broke a stated invariant.</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);
