package org.tempora.cli;

import org.tempora.ConfigException;
import org.tempora.audio.ChannelMode;
import org.tempora.features.FbankOptions;
import org.tempora.features.FrontEnd;
import org.tempora.features.WindowType;
import picocli.CommandLine.Option;

/** The front-end options shared by the feature commands; defaults are exactly AST's. */
final class FrontEndOptions {
    @Option(names = "--sample-rate", defaultValue = "16000", converter = OptionValues.Count.class, description = "Resample to this rate (Hz) before the fbank (default: ${DEFAULT-VALUE}).")
    int sampleRate;

    @Option(names = "--mel-bins", defaultValue = "128", converter = OptionValues.Count.class, description = "Number of mel bins (default: ${DEFAULT-VALUE}).")
    int melBins;

    @Option(names = "--frame-shift-ms", defaultValue = "10", converter = OptionValues.Positive.class, description = "Frame shift in ms, down to 1 (default: ${DEFAULT-VALUE}).")
    double frameShiftMs;

    @Option(names = "--frame-length-ms", defaultValue = "25", converter = OptionValues.Positive.class, description = "Frame (window) length in ms (default: ${DEFAULT-VALUE}).")
    double frameLengthMs;

    @Option(names = "--window", defaultValue = "hanning", description = "hanning, povey, hamming, rectangular or blackman (default: ${DEFAULT-VALUE}).")
    String window;

    @Option(names = "--low-freq", defaultValue = "20", converter = OptionValues.NonNegative.class, description = "Lowest mel filter edge in Hz (default: ${DEFAULT-VALUE}).")
    double lowFreq;

    @Option(names = "--high-freq", defaultValue = "0", converter = OptionValues.Finite.class, description = "Highest mel filter edge in Hz; <= 0 is relative to Nyquist (default: ${DEFAULT-VALUE}).")
    double highFreq;

    @Option(names = "--preemphasis", defaultValue = "0.97", converter = OptionValues.Finite.class, description = "Pre-emphasis coefficient (default: ${DEFAULT-VALUE}).")
    double preemphasis;

    @Option(names = "--dither", defaultValue = "0", converter = OptionValues.NonNegative.class, description = "Gaussian dither amplitude, seeded by --seed (default: ${DEFAULT-VALUE}).")
    double dither;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the dither (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-snip-edges", description = "Kaldi's reflected edges instead of only whole frames.")
    boolean noSnipEdges;

    @Option(names = "--no-dc-removal", description = "Do not subtract each frame's mean.")
    boolean noDcRemoval;

    @Option(names = "--magnitude", description = "Magnitude instead of power spectrum.")
    boolean magnitude;

    @Option(names = "--channel", defaultValue = "0", description = "Channel to use: an index, or 'mix' to average all (default: ${DEFAULT-VALUE}, as AST).")
    String channel;

    FbankOptions fbank() {
        return FbankOptions.ast(sampleRate)
                .withNumMelBins(melBins)
                .withFrameShiftMs(frameShiftMs)
                .withFrameLengthMs(frameLengthMs)
                .withWindow(WindowType.parse(window))
                .withFrequencyRange(lowFreq, highFreq)
                .withPreemphasis(preemphasis)
                .withDither(dither, seed)
                .withSnipEdges(!noSnipEdges)
                .withRemoveDcOffset(!noDcRemoval)
                .withUsePower(!magnitude);
    }

    ChannelMode channelMode() {
        return parseChannel(channel);
    }

    static ChannelMode parseChannel(String s) {
        try {
            return FrontEnd.parseChannel(s);
        } catch (ConfigException e) {
            throw new ConfigException("--" + e.getMessage());
        }
    }

    FrontEnd frontEnd(int targetFrames, Double normMean, Double normStd) {
        if ((normMean == null) != (normStd == null)) throw new ConfigException("--norm-mean and --norm-std must be given together");
        if (normStd != null && !(normStd > 0)) throw new ConfigException("--norm-std must be positive, got " + normStd);
        if (targetFrames < 0) throw new ConfigException("--target-frames must be positive, got " + targetFrames);
        if (sampleRate < 1000 || sampleRate > 768000) throw new ConfigException("--sample-rate must be in [1000, 768000] Hz, got " + sampleRate);
        return new FrontEnd(fbank(), channelMode(), targetFrames,
                normMean == null ? Double.NaN : normMean, normStd == null ? Double.NaN : normStd);
    }
}
