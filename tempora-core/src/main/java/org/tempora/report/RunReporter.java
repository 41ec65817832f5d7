package org.tempora.report;

import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Writes a finished run's report into its folder. The library builds the {@link ReportData}; how it is rendered lives
 * in a separate module (tempora-report: report.html with JFreeChart plots), found through {@link ServiceLoader}, so
 * that tempora-core carries no chart dependency. Without a reporter on the class path a run has no report.
 */
public interface RunReporter {
    /** Renders {@code data} into {@code runDir} (overwriting the previous report). */
    void write(Path runDir, ReportData data);

    /** Every reporter on the class path (none when only tempora-core is). */
    static List<RunReporter> available() {
        return ServiceLoader.load(RunReporter.class).stream().map(ServiceLoader.Provider::get).toList();
    }
}
