namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// What <see cref="EarlyChecks"/> did so far: checks held because their transport did not exist yet, held checks
/// replayed to the transport once it was created, and held checks that expired unclaimed (overwritten by a newer
/// one, or older than <see cref="EarlyChecks.MaxAge"/> when their transport came). Held minus the other two are
/// still waiting.
/// </summary>
public readonly record struct EarlyCheckCounts(long Held, long Replayed, long Expired);
