package org.tempora.run;

import java.util.List;
import java.util.Map;
import org.tempora.config.ExperimentConfig;
import org.tempora.eval.EvalResult;
import org.tempora.train.EpochRecord;
import org.tempora.train.RunFiles;

/** Builds the run report (report.html with plots) from a finished run. */
final class Reports {
    private Reports() {}

    static void write(RunFiles run, ExperimentConfig cfg, PreparedData data, List<EpochRecord> history, EvalResult test,
                      Map<String, Object> numbers, RunListener l) {
        // filled in when the report writer lands
    }
}
