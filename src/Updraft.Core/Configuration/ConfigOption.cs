namespace Updraft.Core.Configuration;

/// <summary>One known configuration key with its default; <c>{UPDRAFT_HOME}</c> in a default is replaced by the home folder.</summary>
public sealed record ConfigOption(string Section, string Key, string Default, string Description, bool Sensitive = false);
