// One Chromium test class at a time: each starts up to eight browsers that encode and decode video, and two such
// classes on the two cores of the CI machine starve the encoders (frame stalls, bandwidth estimates collapsing to
// ~100 kbit/s), which measures the machine rather than the server. Serial costs about three minutes of CI time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
