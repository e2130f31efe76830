using System.Text;
using Mixtral.Model.Sampling;

namespace Mixtral.Model.Tests.Sampling;

public class StopSequenceMatcherTests
{
    [Fact]
    public void A_stop_sequence_spanning_chunks_is_found_and_never_released()
    {
        var m = new StopSequenceMatcher(["###"]);
        Assert.Equal("Hello ", m.Append("Hello #"));
        Assert.Equal("", m.Append("#"));
        Assert.False(m.IsStopped);
        Assert.Equal("", m.Append("# world"));
        Assert.True(m.IsStopped);
        Assert.Equal("###", m.MatchedStop);
        Assert.Equal("Hello ", m.Text);
    }

    [Fact]
    public void Held_back_text_is_released_once_it_cannot_be_a_stop_sequence()
    {
        var m = new StopSequenceMatcher(["###"]);
        Assert.Equal("a", m.Append("a##"));
        Assert.Equal("##b", m.Append("b"));
        Assert.Equal("", m.Append("#"));
        Assert.Equal("#", m.Flush()); // generation ended (EOS or length): the tail is real text
        Assert.False(m.IsStopped);
        Assert.Equal("a##b#", m.Text);
    }

    [Fact]
    public void Text_after_the_stop_sequence_and_later_chunks_are_dropped()
    {
        var m = new StopSequenceMatcher(["</answer>"]);
        Assert.Equal("42", m.Append("42</answer> and more"));
        Assert.Equal("", m.Append("ignored"));
        Assert.Equal("", m.Flush());
        Assert.Equal("42", m.Text);
    }

    [Fact]
    public void Of_several_stop_sequences_the_first_completed_wins()
    {
        var m = new StopSequenceMatcher(["world", "lo w"]);
        Assert.Equal("hel", m.Append("hello world"));
        Assert.Equal("lo w", m.MatchedStop);
    }

    [Fact]
    public void Of_two_stop_sequences_ending_together_the_longer_wins()
    {
        var m = new StopSequenceMatcher(["b", "ab"]);
        Assert.Equal("x", m.Append("xab"));
        Assert.Equal("ab", m.MatchedStop);
    }

    [Fact]
    public void Near_misses_are_not_matches()
    {
        var m = new StopSequenceMatcher(["STOP", "\n\n"]);
        string text = "stop STO P ST\nOP\n";
        string released = m.Append(text) + m.Flush();
        Assert.False(m.IsStopped);
        Assert.Equal(text, released);
    }

    [Fact]
    public void Without_stop_sequences_every_chunk_is_released_at_once()
    {
        var m = new StopSequenceMatcher([]);
        Assert.Equal("any #text", m.Append("any #text"));
        Assert.Equal("", m.Flush());
    }

    [Fact]
    public void Non_ascii_stop_sequences_match()
    {
        var m = new StopSequenceMatcher(["。", "👋"]);
        Assert.Equal("你好", m.Append("你好。再见"));
        var wave = new StopSequenceMatcher(["👋"]);
        Assert.Equal("hi ", wave.Append("hi 👋 there"));
    }

    [Fact]
    public void An_empty_stop_sequence_is_refused_by_index()
    {
        var e = Assert.Throws<ArgumentException>(() => new StopSequenceMatcher(["ok", ""]));
        Assert.StartsWith("stop_sequences[1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_chunking_releases_exactly_the_text_before_the_first_completed_stop_and_holds_back_only_what_it_must()
    {
        string[] stops = ["abc", "bca", "cc", "abab"];
        var random = new Random(12);
        for (int trial = 0; trial < 2000; trial++)
        {
            string text = new([.. Enumerable.Range(0, random.Next(0, 16)).Select(_ => "abcx"[random.Next(4)])]);
            var m = new StopSequenceMatcher(stops);
            var released = new StringBuilder();
            var seen = new StringBuilder();
            for (int at = 0; at < text.Length && !m.IsStopped;)
            {
                int length = Math.Min(random.Next(1, 5), text.Length - at);
                seen.Append(text, at, length);
                at += length;
                released.Append(m.Append(text.Substring(at - length, length)));
                if (!m.IsStopped) // hold back exactly the longest tail that could still become a stop
                    Assert.Equal(seen.ToString()[..SafeLength(seen.ToString(), stops)], released.ToString());
            }
            released.Append(m.Flush());

            var (final, stop) = Oracle(text, stops);
            Assert.Equal(final, released.ToString());
            Assert.Equal(final, m.Text);
            Assert.Equal(stop, m.MatchedStop);
        }
    }

    /// <summary>The text up to the first end position at which a stop sequence ends (the longest there).</summary>
    private static (string Final, string? Stop) Oracle(string text, string[] stops)
    {
        for (int end = 1; end <= text.Length; end++)
        {
            string? stop = stops.Where(s => text[..end].EndsWith(s, StringComparison.Ordinal)).MaxBy(s => s.Length);
            if (stop is not null)
                return (text[..(end - stop.Length)], stop);
        }
        return (text, null);
    }

    /// <summary>How much of a stop-free text may be shown: up to its earliest suffix that begins some stop.</summary>
    private static int SafeLength(string text, string[] stops) =>
        Enumerable.Range(0, text.Length).FirstOrDefault(
            start => stops.Any(s => s.Length > text.Length - start && s.StartsWith(text[start..], StringComparison.Ordinal)),
            text.Length);
}
