namespace Updraft.Core.Configuration;

/// <summary>One effective configuration value and where it came from.</summary>
public sealed record ConfigEntry(string Section, string Key, string Value, string Source, bool Sensitive);
