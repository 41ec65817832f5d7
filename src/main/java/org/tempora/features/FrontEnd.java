package org.tempora.features;

import java.nio.file.Path;
import org.tempora.audio.AudioReader;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.Resampler;
import org.tempora.audio.Waveform;

/**
 * The whole audio front-end of an AST-style model, as AST's data loader runs it: decode (channel 0 by default),
 * resample to the front-end rate if needed, remove the clip mean, Kaldi fbank, pad with zeros or truncate to
 * the target frame count, normalise {@code (x − mean)/(2·std)}.
 *
 * @param fbank        fbank options (their sample rate is the rate audio is resampled to)
 * @param channel      which channel(s) to use
 * @param targetFrames pad/truncate to this many frames; 0 keeps the natural length
 * @param normMean     dataset mean for normalisation; NaN skips normalisation
 * @param normStd      dataset std (the divisor is 2·std, as in AST)
 */
public record FrontEnd(FbankOptions fbank, ChannelMode channel, int targetFrames, double normMean, double normStd) {

    /** AST's front-end at 16 kHz with the given target length and statistics. */
    public static FrontEnd ast(int targetFrames, double normMean, double normStd) {
        return new FrontEnd(FbankOptions.ast(16000), ChannelMode.FIRST, targetFrames, normMean, normStd);
    }

    /** Plain log-mel features without padding or normalisation. */
    public static FrontEnd raw(FbankOptions fbank, ChannelMode channel) {
        return new FrontEnd(fbank, channel, 0, Double.NaN, Double.NaN);
    }

    public boolean normalizes() {
        return !Double.isNaN(normMean);
    }

    /** The rate the fbank runs at. */
    public int sampleRate() {
        return (int) fbank.sampleRate();
    }

    /** Decodes and processes one file. */
    public Spectrogram compute(Path file) {
        return compute(AudioReader.read(file, channel));
    }

    /** Processes a decoded waveform (resampled first if its rate differs). */
    public Spectrogram compute(Waveform wave) {
        Waveform w = wave.sampleRate() == sampleRate() ? wave : Resampler.resample(wave, sampleRate());
        Spectrogram s = KaldiFbank.of(fbank).compute(AstInput.removeMean(w));
        return finish(s);
    }

    /** Padding and normalisation, applied to fbank output. */
    public Spectrogram finish(Spectrogram s) {
        if (targetFrames > 0) s = AstInput.padOrTruncate(s, targetFrames);
        if (normalizes()) s = AstInput.normalize(s, normMean, normStd);
        return s;
    }
}
