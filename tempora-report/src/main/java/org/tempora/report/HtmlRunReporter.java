package org.tempora.report;

import java.nio.file.Path;

/** The {@link RunReporter} of this module: {@code report.html} with its PNG plots ({@link ReportWriter}). */
public final class HtmlRunReporter implements RunReporter {
    @Override
    public void write(Path runDir, ReportData data) {
        ReportWriter.write(runDir, data);
    }
}
