package org.tempora.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import org.tempora.ConfigException;
import org.tempora.TemporaException;
import org.tempora.audio.SampleSource;
import org.tempora.audio.Waveform;
import org.tempora.features.FrontEnd;
import org.tempora.run.Inference;
import org.tempora.run.ModelBundle;

/**
 * A trained tempora model, loaded once, for a JVM service: classify a file, or a waveform in memory at any sample
 * rate, from as many threads as you like. The front-end the model was trained with travels in its bundle and is
 * applied here (resampling to its rate, its channel, its fbank), so the service sees exactly what training saw.
 *
 * <pre>{@code
 * try (AudioClassifier model = AudioClassifier.load(Path.of("runs/demo"))) {
 *     AudioClassifier.Prediction p = model.classify(Path.of("clip.wav"));
 *     System.out.println(p.top().get(0).name() + " " + p.top().get(0).score());
 * }
 * }</pre>
 *
 * <p>Thread safety: the weights are shared read-only; every call computes in arrays of its own (a child NDManager
 * per batch), and at most {@link Options#maxConcurrent()} calls run the model at once (the others wait), so native
 * memory stays bounded however many threads call. Errors are typed: {@link org.tempora.InvalidInputException} for
 * audio the model cannot take (naming it), {@link ConfigException} for a bad argument.
 */
public final class AudioClassifier implements AutoCloseable {
    /**
     * @param threads       intra-op threads of the engine (0 = all cores)
     * @param maxConcurrent calls that may run the model at the same time
     * @param topK          labels per prediction
     * @param hopSeconds    window hop for audio longer than the model's input (≤ 0: half a window)
     */
    public record Options(int threads, int maxConcurrent, int topK, double hopSeconds) {
        public Options {
            if (threads < 0) throw new ConfigException("threads must be >= 0, got " + threads);
            if (maxConcurrent < 1) throw new ConfigException("maxConcurrent must be >= 1, got " + maxConcurrent);
            if (topK < 1) throw new ConfigException("topK must be >= 1, got " + topK);
            if (!Double.isFinite(hopSeconds)) throw new ConfigException("hopSeconds must be finite, got " + hopSeconds);
        }

        /** All cores, two concurrent calls (one per core), the top 5 labels, a half-window hop. */
        public static Options defaults() {
            return new Options(0, 2, 5, 0);
        }
    }

    /** One label and its probability (softmax, or sigmoid for a multi-label model). */
    public record Label(String name, int index, double score) {}

    /** One window of a long clip's timeline. */
    public record Segment(double startSeconds, double endSeconds, List<Label> top) {}

    /** The labels of a clip (the mean over its windows when it is longer than the model's input) and its timeline. */
    public record Prediction(double durationSeconds, List<Label> top, List<Segment> timeline) {}

    private final ModelBundle bundle;
    private final Options options;
    private final Semaphore running;
    private volatile boolean closed;

    private AudioClassifier(ModelBundle bundle, Options options) {
        this.bundle = bundle;
        this.options = options;
        this.running = new Semaphore(options.maxConcurrent(), true);
    }

    /** Loads a run folder or model bundle (model.npz + model.json) with the default options. */
    public static AudioClassifier load(Path run) {
        return load(run, Options.defaults());
    }

    public static AudioClassifier load(Path run, Options options) {
        Objects.requireNonNull(options, "options");
        return new AudioClassifier(ModelBundle.load(run, options.threads()), options);
    }

    /** The labels, in the order of the model's outputs. */
    public List<String> labels() {
        return bundle.classes;
    }

    /** Whether scores are independent sigmoids (multi-label) rather than a softmax. */
    public boolean multiLabel() {
        return bundle.multiLabel;
    }

    /** The front-end the model was trained with (sample rate, channel, fbank options, input frames). */
    public FrontEnd frontEnd() {
        return bundle.frontEnd;
    }

    /** The folder the model was loaded from (its model.json, and run.json for a trained run). */
    public Path source() {
        return bundle.dir;
    }

    /** Analytic forward FLOPs per clip of the model's input length (docs/flops.md). */
    public double flopsPerClip() {
        return bundle.model.flopsPerExample();
    }

    /** Classifies an audio file (WAV or FLAC, any rate: resampled to the model's; long files in sliding windows). */
    public Prediction classify(Path file) {
        return run(bundle.frontEnd.source(file), file);
    }

    /**
     * Classifies mono samples in [-1, 1] at {@code sampleRate} (resampled to the model's rate).
     *
     * @throws org.tempora.InvalidInputException for non-finite samples or a clip shorter than one analysis window
     */
    public Prediction classify(float[] samples, int sampleRate) {
        Objects.requireNonNull(samples, "samples");
        if (sampleRate < 1) throw new ConfigException("sampleRate must be >= 1, got " + sampleRate);
        return run(SampleSource.of(new Waveform(samples, sampleRate, "samples")), null);
    }

    /**
     * Classifies a live or endless stream of raw PCM (16-bit signed little-endian, mono, {@code sampleRate} Hz) in
     * sliding windows of the model's input length, one result per hop as soon as its window is complete, in memory
     * bounded by one window whatever the stream's length. Each window is scored as a clip of its own (as
     * {@link #classify(float[], int)}). A stream shorter than one window is scored once, padded, when it ends.
     *
     * @param onWindow called with each window's labels, in order
     * @return the number of windows scored
     */
    public long stream(java.io.InputStream pcm16, int sampleRate, java.util.function.Consumer<Segment> onWindow) {
        Objects.requireNonNull(pcm16, "pcm16");
        if (sampleRate < 1) throw new ConfigException("sampleRate must be >= 1, got " + sampleRate);
        var fb = bundle.frontEnd.fbank();
        double windowSeconds = ((bundle.frontEnd.targetFrames() - 1) * (double) fb.windowShift() + fb.windowSize()) / bundle.frontEnd.sampleRate();
        int window = (int) Math.round(windowSeconds * sampleRate);
        int hop = options.hopSeconds() > 0 ? Math.max(1, (int) Math.round(options.hopSeconds() * sampleRate)) : Math.max(1, window / 2);
        float[] buf = new float[window];
        int held = 0;
        long consumed = 0;   // samples dropped from the front of the buffer so far
        long windows = 0;
        byte[] bytes = new byte[8192];
        int carry = -1;      // an odd byte left from the last read
        try {
            for (int got; (got = pcm16.read(bytes)) >= 0; ) {
                int i = 0;
                if (carry >= 0 && got > 0) {
                    held = push(buf, held, (short) ((bytes[0] << 8) | carry));
                    i = 1;
                    carry = -1;
                }
                for (; i + 1 < got; i += 2) {
                    held = push(buf, held, (short) ((bytes[i + 1] << 8) | (bytes[i] & 0xff)));
                    if (held == window) {
                        emit(buf, window, sampleRate, consumed, onWindow);
                        windows++;
                        System.arraycopy(buf, hop, buf, 0, window - hop);
                        held = window - hop;
                        consumed += hop;
                    }
                }
                if (i < got) carry = bytes[i] & 0xff;
            }
        } catch (java.io.IOException e) {
            throw new org.tempora.InvalidInputException("the stream", "cannot read: " + e.getMessage(), e);
        }
        if (windows == 0 && held > 0) {
            emit(buf, held, sampleRate, consumed, onWindow);
            windows++;
        }
        return windows;
    }

    private static int push(float[] buf, int held, short v) {
        buf[held] = v / 32768f;
        return held + 1;
    }

    private void emit(float[] buf, int n, int rate, long offset, java.util.function.Consumer<Segment> onWindow) {
        Prediction p = classify(java.util.Arrays.copyOf(buf, n), rate);
        onWindow.accept(new Segment(offset / (double) rate, (offset + n) / (double) rate, p.top()));
    }

    /**
     * A clip turned into the model's input, ready to be scored together with others ({@link #classifyAll}). Preparing
     * (decoding, resampling, fbank) runs in the caller's thread and needs no model; only scoring takes a model slot.
     */
    public static final class Input {
        private final Inference.ClipInput clip;

        private Input(Inference.ClipInput clip) {
            this.clip = clip;
        }

        /** The clip's duration in seconds. */
        public double durationSeconds() {
            return clip.durationSeconds();
        }
    }

    /**
     * The model input of an audio file that fits in one window of the model (the common case of a short clip), or
     * {@code null} when it is longer: classify such a file with {@link #classify(Path)}, which windows it.
     */
    public Input prepare(Path file) {
        Inference.ClipInput c = Inference.clipInput(bundle, bundle.frontEnd.source(file));
        return c == null ? null : new Input(c);
    }

    /** {@link #prepare(Path)} for mono samples in [-1, 1] at {@code sampleRate}. */
    public Input prepare(float[] samples, int sampleRate) {
        Objects.requireNonNull(samples, "samples");
        if (sampleRate < 1) throw new ConfigException("sampleRate must be >= 1, got " + sampleRate);
        Inference.ClipInput c = Inference.clipInput(bundle, SampleSource.of(new Waveform(samples, sampleRate, "samples")));
        return c == null ? null : new Input(c);
    }

    /**
     * Classifies prepared clips in one forward pass (micro-batching: a server gathers concurrent requests into one
     * call). Each clip gets the labels {@link #classify(Path)} gives it, up to float rounding of the batched arithmetic.
     */
    public List<Prediction> classifyAll(List<Input> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.isEmpty()) return List.of();
        acquire("a batch of " + inputs.size());
        try {
            return Inference.scoreInputs(bundle, inputs.stream().map(i -> i.clip).toList(), options.topK()).stream()
                    .map(r -> new Prediction(r.durationSeconds(), labels(r.top()), List.<Segment>of())).toList();
        } finally {
            running.release();
        }
    }

    /**
     * What the model sees of a clip: the log-mel of its first window (the model's input, padded, before the model's own
     * normalisation), and for a model with a DiffRes stage where that stage spends its output frames.
     *
     * @param validFrames frames that hold audio (the rest is padding)
     * @param diffres     the DiffRes explanation, or null for a model without that stage
     */
    public record View(int frames, int bins, int validFrames, double frameShiftSeconds, double durationSeconds,
                       float[] logMel, org.tempora.explain.Explainer.Explanation diffres) {}

    /** {@link View} of an audio file (a long one over its first window). */
    public View view(Path file) {
        FrontEnd fe = bundle.frontEnd;
        int natural;
        double seconds;
        org.tempora.features.Spectrogram in;
        try (org.tempora.features.LogMelStream s = fe.openLogMel(fe.source(file), fe.targetFrames() > 0 ? fe.targetFrames() : Integer.MAX_VALUE)) {
            natural = s.naturalFrames();
            seconds = s.sourceSeconds();
            in = fe.finish(s.readAll());
        }
        double shift = fe.fbank().windowShift() / (double) fe.sampleRate();
        int valid = Math.min(natural, in.frames());
        org.tempora.explain.Explainer.Explanation e = null;
        if (bundle.model.resolution() instanceof org.tempora.resolution.DiffRes) {
            acquire(file.toString());
            try {
                e = org.tempora.explain.Explainer.explain(bundle.model, in.data(), in.frames(), in.bins(), valid, shift);
            } finally {
                running.release();
            }
        }
        return new View(in.frames(), in.bins(), valid, shift, seconds, in.data(), e);
    }

    private void acquire(String what) {
        if (closed) throw new TemporaException("this AudioClassifier is closed");
        try {
            running.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TemporaException("interrupted while waiting to classify " + what);
        }
    }

    private Prediction run(SampleSource audio, Path file) {
        acquire(audio.name());
        try {
            Inference.FileResult r = Inference.classify(bundle, audio, file, options.topK(), options.hopSeconds());
            return new Prediction(r.durationSeconds(), labels(r.top()),
                    r.windows().stream().map(w -> new Segment(w.startSeconds(), w.endSeconds(), labels(w.top()))).toList());
        } finally {
            running.release();
        }
    }

    private static List<Label> labels(List<Inference.Label> l) {
        return l.stream().map(x -> new Label(x.name(), x.index(), x.score())).toList();
    }

    /** Releases the model's native memory once every running call has finished. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        running.acquireUninterruptibly(options.maxConcurrent());
        try {
            bundle.close();
        } finally {
            running.release(options.maxConcurrent());
        }
    }
}
