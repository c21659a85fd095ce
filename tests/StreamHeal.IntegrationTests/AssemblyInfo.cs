using Xunit;

// Integration tests start clusters, servers and child processes on 2 shared cores: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
