package org.tempora.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of a run's learning curve (metrics.csv / metrics.json): epoch (1-based), phase, losses, the
 * validation metric, learning rate, time, and any extra values (guide loss, activeness, tokens, …).
 */
public record EpochRecord(int epoch, int phase, double trainLoss, double validLoss, double validMetric, String metricName,
                          double lr, double seconds, double examplesPerSecond, Map<String, Double> extra) {

    /** Flat, ordered view (the CSV columns). */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("phase", phase);
        m.put("train_loss", trainLoss);
        m.put("valid_loss", validLoss);
        m.put("valid_" + metricName, validMetric);
        m.put("lr", lr);
        m.put("seconds", seconds);
        m.put("examples_per_s", examplesPerSecond);
        extra.forEach(m::put);
        return m;
    }
}
