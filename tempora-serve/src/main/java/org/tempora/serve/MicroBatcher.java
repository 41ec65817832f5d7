package org.tempora.serve;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.tempora.TemporaException;
import org.tempora.api.AudioClassifier;

/**
 * Gathers concurrent requests for one model into one forward pass. Request threads prepare their clip (decode, resample,
 * fbank: no model needed) and hand the input over; each of {@code runners} threads takes the first waiting input and
 * everything queued behind it, up to {@code maxBatch}, waiting at most {@code maxWait} from the first input for more,
 * and scores them together.
 *
 * <p>This is TorchServe's {@code batch_size}/{@code max_batch_delay} rule. Our default wait is 0: requests that arrive
 * while a batch is being scored queue up and form the next batch by themselves, so a lone caller pays nothing but the
 * hand-over, and under load the batch grows with the queue (measured in BENCHMARKS.md §11).
 */
final class MicroBatcher implements AutoCloseable {
    private record Job(AudioClassifier.Input input, CompletableFuture<AudioClassifier.Prediction> done) {}

    private static final Job POISON = new Job(null, null);

    private final AudioClassifier model;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final List<Thread> runners = new ArrayList<>();
    private final DistributionSummary batchSizes;

    MicroBatcher(String name, AudioClassifier model, int runners, int maxBatch, double maxWaitMs, MeterRegistry metrics) {
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = (long) (maxWaitMs * 1e6);
        this.batchSizes = DistributionSummary.builder("tempora_batch_size").description("requests scored per forward pass")
                .tag("model", name).register(metrics);
        for (int i = 0; i < runners; i++) {
            Thread t = new Thread(this::run, "tempora-batch-" + name + "-" + i);
            t.setDaemon(true);
            t.start();
            this.runners.add(t);
        }
    }

    /** Scores one prepared clip with whatever else is waiting; blocks until its labels are known. */
    AudioClassifier.Prediction classify(AudioClassifier.Input input) {
        CompletableFuture<AudioClassifier.Prediction> f = new CompletableFuture<>();
        queue.add(new Job(input, f));
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TemporaException("interrupted while waiting for a batch");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new TemporaException("scoring a batch failed: " + e.getCause(), e.getCause());
        }
    }

    private void run() {
        List<Job> batch = new ArrayList<>(maxBatch);
        while (true) {
            batch.clear();
            try {
                Job first = queue.take();
                if (first == POISON) return;
                batch.add(first);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    Job next = queue.poll();
                    if (next == null) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) break;
                        next = queue.poll(left, TimeUnit.NANOSECONDS);
                        if (next == null) break;
                    }
                    if (next == POISON) {
                        queue.add(POISON);   // for this runner's next round, after the batch in hand
                        break;
                    }
                    batch.add(next);
                }
            } catch (InterruptedException e) {
                batch.forEach(j -> j.done().completeExceptionally(new TemporaException("the server is stopping")));
                return;
            }
            try {
                List<AudioClassifier.Prediction> out = model.classifyAll(batch.stream().map(Job::input).toList());
                for (int i = 0; i < batch.size(); i++) batch.get(i).done().complete(out.get(i));
                batchSizes.record(batch.size());
            } catch (RuntimeException e) {
                batch.forEach(j -> j.done().completeExceptionally(e));
            }
        }
    }

    /** Lets the runners score what is queued, then stops them. */
    @Override
    public void close() {
        for (int i = 0; i < runners.size(); i++) queue.add(POISON);
        for (Thread t : runners) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
