using Updraft.Storage.Stores;

namespace Updraft.Tests.Shared;

/// <summary>A trigger-arguments cipher under a key made up for the test run, for tests that use the stores directly.</summary>
public static class TestTriggerKwargs
{
    public static TriggerKwargsCipher Cipher { get; } = new(new Core.Secrets.MultiFernet(Core.Configuration.UpdraftConfig.GenerateFernetKey()), TimeProvider.System);
}
