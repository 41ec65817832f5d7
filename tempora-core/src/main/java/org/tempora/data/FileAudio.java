package org.tempora.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.tempora.InvalidInputException;
import org.tempora.audio.AudioReader;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.SampleSource;
import org.tempora.audio.Waveform;

/**
 * Audio from a file (channel 0 unless the front-end says otherwise, as AST), optionally a segment {@code [offset, offset + length)} in samples — used
 * for {@code _silence_} clips cut from Speech Commands' background-noise recordings.
 */
public record FileAudio(Path file, long offset, int length) implements AudioSource {
    public FileAudio(Path file) {
        this(file, 0, -1);
    }

    @Override
    public Waveform load(ChannelMode channel) {
        Waveform w = AudioReader.read(file, channel);
        if (length < 0) return w;
        float[] x = w.samples();
        if (offset < 0 || offset + length > x.length) {
            throw new InvalidInputException(file, "segment [" + offset + ", " + (offset + length)
                    + ") is outside the file's " + x.length + " samples");
        }
        return new Waveform(Arrays.copyOfRange(x, (int) offset, (int) offset + length), w.sampleRate(), describe());
    }

    /** The file (or segment) decoded block by block on each pass, never whole. */
    @Override
    public SampleSource samples(ChannelMode channel) {
        return SampleSource.segment(file, channel, offset, length);
    }

    @Override
    public String describe() {
        return length < 0 ? file.toString() : file + "[" + offset + ":" + (offset + length) + "]";
    }

    @Override
    public String fingerprint() {
        String stat;
        try {
            stat = Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            stat = "missing";
        }
        return describe() + "|" + stat;
    }
}
