package org.tempora.audio;

import org.tempora.ConfigException;

/**
 * How a multi-channel file becomes the mono signal the models consume.
 *
 * <p>{@link #FIRST} is the default because AST's preprocessing (torchaudio {@code kaldi.fbank} on
 * {@code waveform[0]}) only ever looks at channel 0; {@link #MIX} averages all channels; {@link #channel(int)}
 * picks one channel by index.
 */
public final class ChannelMode {
    /** Channel 0 only, as AST / torchaudio fbank use it. */
    public static final ChannelMode FIRST = new ChannelMode(Kind.SINGLE, 0);
    /** The average of all channels (computed in double precision, then rounded to float). */
    public static final ChannelMode MIX = new ChannelMode(Kind.MIX, -1);

    enum Kind { SINGLE, MIX }

    private final Kind kind;
    private final int index;

    private ChannelMode(Kind kind, int index) {
        this.kind = kind;
        this.index = index;
    }

    /** Channel {@code k} (0-based) only. Asking for a channel the file does not have fails when it is opened. */
    public static ChannelMode channel(int k) {
        if (k < 0) throw new ConfigException("channel index must be >= 0, got " + k);
        return k == 0 ? FIRST : new ChannelMode(Kind.SINGLE, k);
    }

    /** True for {@link #MIX}. */
    public boolean isMix() {
        return kind == Kind.MIX;
    }

    /** The selected channel, or -1 for {@link #MIX}. */
    public int index() {
        return index;
    }

    /** Fails with a {@link ConfigException} if this mode selects a channel the file does not have. */
    void checkAgainst(int channels, String source) {
        if (kind == Kind.SINGLE && index >= channels) {
            throw new ConfigException(source + ": channel " + index + " requested but the file has "
                    + channels + (channels == 1 ? " channel" : " channels"));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelMode m && m.kind == kind && m.index == index;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + index;
    }

    @Override
    public String toString() {
        return kind == Kind.MIX ? "MIX" : index == 0 ? "FIRST" : "channel(" + index + ")";
    }
}
