package org.tempora.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Set;
import org.tempora.run.RunListener;
import org.tempora.train.EpochRecord;

/**
 * Renders an experiment's progress: a progress bar for feature extraction and for each epoch's steps (loss,
 * lr, examples/s, ETA) on an interactive terminal, and one line per stage and per epoch in every case.
 */
final class CliRunListener implements RunListener {
    private final PrintWriter out;
    private final boolean quiet;
    private Progress bar;
    private int stepsPerEpoch;
    private int epochs;

    CliRunListener(PrintWriter out, boolean quiet) {
        this.out = out;
        this.quiet = quiet;
    }

    @Override
    public void onStage(String message) {
        closeBar();
        if (!quiet) {
            out.println("• " + message);
            out.flush();
        }
    }

    @Override
    public void onProgress(int done, int total) {
        if (bar == null) bar = Progress.start("features", total, quiet);
        bar.stepTo(done);
        if (done >= total) closeBar();
    }

    @Override
    public void onNote(String message) {
        closeBar();
        out.println("  " + message);
        out.flush();
    }

    @Override
    public void onStart(int epochs, int stepsPerEpoch, int firstEpoch) {
        this.epochs = epochs;
        this.stepsPerEpoch = stepsPerEpoch;
        if (firstEpoch > 0 && !quiet) out.printf("  resuming after epoch %d of %d%n", firstEpoch, epochs);
    }

    @Override
    public void onStep(int epoch, int step, double loss, double lr, double examplesPerSecond) {
        if (bar == null) bar = Progress.start(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs), stepsPerEpoch, quiet);
        bar.stepTo(step + 1);
        bar.extra(String.format(Locale.ROOT, "loss %.4f lr %.2e %.1f ex/s", loss, lr, examplesPerSecond));
        if (step + 1 >= stepsPerEpoch) closeBar();
    }

    @Override
    public void onEpoch(EpochRecord r) {
        closeBar();
        if (quiet) return;
        StringBuilder extra = new StringBuilder();
        r.extra().forEach((k, v) -> {
            if (!Set.of("valid_seconds", "tokens", "train_flops").contains(k)) {
                extra.append(String.format(Locale.ROOT, " %s %.4f", k, v));
            }
        });
        out.printf(Locale.ROOT, "  epoch %3d  train loss %.4f  valid loss %.4f  valid %s %.4f  lr %.2e  %.1f s (%.1f ex/s)%s%n",
                r.epoch(), r.trainLoss(), r.validLoss(), r.metricName(), r.validMetric(), r.lr(), r.seconds(),
                r.examplesPerSecond(), extra);
        out.flush();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
