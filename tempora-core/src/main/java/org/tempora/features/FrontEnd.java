package org.tempora.features;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.audio.AudioReader;
import org.tempora.audio.ChannelMode;
import org.tempora.audio.Resampler;
import org.tempora.audio.SampleSource;
import org.tempora.audio.Waveform;

/**
 * The whole audio front-end of an AST-style model, as AST's data loader runs it: decode (channel 0 by default),
 * resample to the front-end rate if needed, remove the clip mean, Kaldi fbank, pad with zeros or truncate to
 * the target frame count, normalise {@code (x − mean)/(2·std)}.
 *
 * <p>This is the one place the audio → log-mel path is written: training (through the feature cache), evaluation,
 * {@code classify}, {@code explain} and serving all call it, and a model bundle records it ({@link #describe()},
 * read back by {@link #fromDescription(Map)}) so that a deployed model sees exactly what it was trained on.
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

    /** The same front-end with these normalisation statistics (NaN: none). */
    public FrontEnd withStats(double mean, double std) {
        return new FrontEnd(fbank, channel, targetFrames, mean, std);
    }

    /** The same front-end without normalisation (what the feature cache stores and the model normalises itself). */
    public FrontEnd unnormalized() {
        return withStats(Double.NaN, Double.NaN);
    }

    /** The rate the fbank runs at. */
    public int sampleRate() {
        return (int) fbank.sampleRate();
    }

    /** Decodes a whole file into memory with this front-end's channel selection. */
    public Waveform read(Path file) {
        return AudioReader.read(file, channel);
    }

    /** A file as this front-end reads it (its channel selection), decoded block by block on each pass. */
    public SampleSource source(Path file) {
        return SampleSource.file(file, channel);
    }

    /** Processes one file, streaming: only the first {@code targetFrames} frames are computed (see {@link #compute(SampleSource)}). */
    public Spectrogram compute(Path file) {
        return compute(source(file));
    }

    /**
     * The model input of some audio, computed from a stream in bounded memory, bit for bit equal to
     * {@link #compute(Waveform)} of the whole waveform. With {@code targetFrames} set only those frames are
     * computed (the clip mean still takes one decoding pass over all of it).
     */
    public Spectrogram compute(SampleSource audio) {
        try (LogMelStream s = openInput(audio)) {
            return s.readAll();
        }
    }

    /** Processes a decoded waveform (resampled first if its rate differs). */
    public Spectrogram compute(Waveform wave) {
        return finish(logMel(wave));
    }

    /**
     * The model input as a stream of rows: {@link #compute(SampleSource)} a few hundred rows at a time, for
     * outputs too large to hold (a long file written as .npy).
     */
    public LogMelStream openInput(SampleSource audio) {
        return new LogMelStream(fbank, audio, targetFrames > 0 ? targetFrames : Integer.MAX_VALUE, targetFrames,
                normMean, normStd, LogMelStream.Tuning.DEFAULT);
    }

    /** The log-mel of the whole clip as a stream of rows (as {@link #logMel}: no padding or normalisation). */
    public LogMelStream openLogMel(SampleSource audio) {
        return openLogMel(audio, Integer.MAX_VALUE);
    }

    /** The first {@code maxFrames} rows of {@link #openLogMel(SampleSource)}; the others are never computed. */
    public LogMelStream openLogMel(SampleSource audio, int maxFrames) {
        return new LogMelStream(fbank, audio, maxFrames, 0, Double.NaN, Double.NaN, LogMelStream.Tuning.DEFAULT);
    }

    /**
     * The log-mel of the whole waveform: resample to the front-end rate, remove the clip mean, fbank; no padding,
     * truncation or normalisation (long audio is windowed from this).
     */
    public Spectrogram logMel(Waveform wave) {
        Waveform w = wave.sampleRate() == sampleRate() ? wave : Resampler.resample(wave, sampleRate());
        return KaldiFbank.of(fbank).compute(AstInput.removeMean(w));
    }

    /** Padding and normalisation, applied to fbank output. */
    public Spectrogram finish(Spectrogram s) {
        if (targetFrames > 0) s = AstInput.padOrTruncate(s, targetFrames);
        if (normalizes()) s = AstInput.normalize(s, normMean, normStd);
        return s;
    }

    /** The channel mode as written in configs and bundles: an index, or {@code mix}. */
    public static String channelName(ChannelMode c) {
        return c.isMix() ? "mix" : Integer.toString(c.index());
    }

    /** Parses {@link #channelName}'s form. @throws ConfigException for anything else */
    public static ChannelMode parseChannel(String s) {
        if (s == null) throw new ConfigException("channel must be a channel index or 'mix', got nothing");
        if (s.trim().equalsIgnoreCase("mix")) return ChannelMode.MIX;
        try {
            return ChannelMode.channel(Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            throw new ConfigException("channel must be a channel index or 'mix', got '" + s + "'");
        }
    }

    /**
     * Every option, by the names of {@code torchaudio.compliance.kaldi.fbank} (plus channel, target frames and the
     * normalisation statistics), for model bundles; {@link #fromDescription(Map)} reads it back exactly.
     */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sample_frequency", fbank.sampleRate());
        m.put("frame_length", fbank.frameLengthMs());
        m.put("frame_shift", fbank.frameShiftMs());
        m.put("num_mel_bins", fbank.numMelBins());
        m.put("window_type", fbank.window().kaldiName());
        m.put("blackman_coeff", fbank.blackmanCoeff());
        m.put("preemphasis_coefficient", fbank.preemphasis());
        m.put("remove_dc_offset", fbank.removeDcOffset());
        m.put("snip_edges", fbank.snipEdges());
        m.put("round_to_power_of_two", fbank.roundToPowerOfTwo());
        m.put("low_freq", fbank.lowFreq());
        m.put("high_freq", fbank.highFreq());
        m.put("dither", fbank.dither());
        m.put("dither_seed", fbank.ditherSeed());
        m.put("use_power", fbank.usePower());
        m.put("use_log_fbank", fbank.useLog());
        m.put("subtract_mean", fbank.subtractMean());
        m.put("channel", channelName(channel));
        m.put("remove_clip_mean", true);
        m.put("target_frames", targetFrames);
        m.put("norm_mean", normalizes() ? normMean : null);
        m.put("norm_std", normalizes() ? normStd : null);
        return m;
    }

    /** Reads {@link #describe()}'s map back. @throws ConfigException naming a missing or bad key */
    public static FrontEnd fromDescription(Map<String, ?> m) {
        FbankOptions o = new FbankOptions(num(m, "sample_frequency"), num(m, "frame_length"), num(m, "frame_shift"),
                (int) num(m, "num_mel_bins"), WindowType.parse(str(m, "window_type")), num(m, "blackman_coeff"),
                num(m, "preemphasis_coefficient"), bool(m, "remove_dc_offset"), bool(m, "snip_edges"),
                bool(m, "round_to_power_of_two"), num(m, "low_freq"), num(m, "high_freq"), num(m, "dither"),
                (long) num(m, "dither_seed"), bool(m, "use_power"), bool(m, "use_log_fbank"), bool(m, "subtract_mean"));
        Object mean = m.get("norm_mean");
        Object std = m.get("norm_std");
        return new FrontEnd(o, parseChannel(str(m, "channel")), (int) num(m, "target_frames"),
                mean == null ? Double.NaN : ((Number) mean).doubleValue(), std == null ? Double.NaN : ((Number) std).doubleValue());
    }

    private static Object need(Map<String, ?> m, String key) {
        if (!m.containsKey(key)) throw new ConfigException("front_end." + key + " is missing");
        return m.get(key);
    }

    private static double num(Map<String, ?> m, String key) {
        if (need(m, key) instanceof Number n) return n.doubleValue();
        throw new ConfigException("front_end." + key + " must be a number, got " + m.get(key));
    }

    private static boolean bool(Map<String, ?> m, String key) {
        if (need(m, key) instanceof Boolean b) return b;
        throw new ConfigException("front_end." + key + " must be true or false, got " + m.get(key));
    }

    private static String str(Map<String, ?> m, String key) {
        return String.valueOf(need(m, key));
    }
}
