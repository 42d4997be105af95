using System.Text;
using Updraft.Core.Secrets;

namespace Updraft.Core.Tests.Secrets;

public class FernetTests
{
    // The vector from the Fernet specification (generate.json / verify.json).
    private const string SpecKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
    private const string SpecToken = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";
    private static readonly DateTimeOffset SpecNow = DateTimeOffset.Parse("1985-10-26T01:20:00-07:00", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly byte[] SpecIv = [.. Enumerable.Range(0, 16).Select(i => (byte)i)];

    [Fact]
    public void Encrypt_SpecVector_ProducesSpecToken() =>
        Assert.Equal(SpecToken, new Fernet(SpecKey).Encrypt(Encoding.UTF8.GetBytes("hello"), SpecNow, SpecIv));

    [Fact]
    public void Decrypt_SpecVector_ReadsHello() => Assert.Equal("hello", new Fernet(SpecKey).Decrypt(SpecToken, SpecNow, TimeSpan.FromSeconds(60)));

    [Fact]
    public void Decrypt_TamperedToken_Rejected()
    {
        var bytes = Convert.FromBase64String(SpecToken.Replace('-', '+').Replace('_', '/'));
        bytes[20] ^= 1;
        var tampered = Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
        Assert.Contains("signature", Assert.Throws<InvalidTokenException>(() => new Fernet(SpecKey).Decrypt(tampered, SpecNow)).Message);
    }

    [Fact]
    public void Decrypt_ExpiredOrFutureToken_Rejected()
    {
        var fernet = new Fernet(SpecKey);
        Assert.Contains("expired", Assert.Throws<InvalidTokenException>(() => fernet.Decrypt(SpecToken, SpecNow.AddSeconds(61), TimeSpan.FromSeconds(60))).Message);
        Assert.Contains("future", Assert.Throws<InvalidTokenException>(() => fernet.Decrypt(SpecToken, SpecNow.AddSeconds(-61))).Message);
    }

    [Theory]
    [InlineData("%%%%")]
    [InlineData("gAAAAAAdwJ6w")]
    public void Decrypt_Malformed_Rejected(string token) => Assert.Throws<InvalidTokenException>(() => new Fernet(SpecKey).Decrypt(token, SpecNow));

    [Fact]
    public void Key_WrongLength_Rejected() => Assert.Throws<ArgumentException>(() => new Fernet("c2hvcnQ="));

    [Fact]
    public void MultiFernet_OldKeyDecryptsAndRotateMovesToNewKey()
    {
        var now = DateTimeOffset.UnixEpoch.AddYears(50);
        var oldKey = global::Updraft.Core.Configuration.UpdraftConfig.GenerateFernetKey();
        var newKey = global::Updraft.Core.Configuration.UpdraftConfig.GenerateFernetKey();
        var token = new MultiFernet(oldKey).Encrypt("secret", now);
        var both = new MultiFernet($"{newKey},{oldKey}");
        Assert.Equal("secret", both.Decrypt(token, now));
        var rotated = both.Rotate(token, now);
        Assert.Equal("secret", new MultiFernet(newKey).Decrypt(rotated, now));
        Assert.Throws<InvalidTokenException>(() => new MultiFernet(newKey).Decrypt(token, now));
    }
}
