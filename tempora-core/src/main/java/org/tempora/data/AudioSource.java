package org.tempora.data;

import org.tempora.audio.ChannelMode;
import org.tempora.audio.SampleSource;
import org.tempora.audio.Waveform;

/**
 * Where a clip's audio comes from: a file (optionally a segment of it), or a deterministic generator (the
 * built-in synthetic set). {@link #describe()} names it in error messages; {@link #fingerprint()} changes
 * whenever the audio may have changed (it keys the feature cache).
 */
public interface AudioSource {
    /** Decodes (or generates) the mono waveform from channel 0. @throws org.tempora.InvalidInputException naming the source */
    default Waveform load() {
        return load(ChannelMode.FIRST);
    }

    /**
     * Decodes (or generates) the mono waveform the front-end's channel mode selects (generated audio is mono and
     * ignores it). @throws org.tempora.InvalidInputException naming the source
     */
    Waveform load(ChannelMode channel);

    /**
     * The same audio as a re-readable stream, for the streaming front-end: a file is decoded block by block on each
     * pass instead of being held in memory. The default wraps {@link #load(ChannelMode)} (generated audio is short).
     */
    default SampleSource samples(ChannelMode channel) {
        return SampleSource.of(load(channel));
    }

    /** Human-readable origin, e.g. the file path. */
    String describe();

    /** A string that changes when the audio may have changed (path + size + mtime, or generator + seed). */
    String fingerprint();
}
