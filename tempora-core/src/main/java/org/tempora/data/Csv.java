package org.tempora.data;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.tempora.InvalidInputException;

/** One CSV line (RFC 4180: commas, double-quoted fields with "" escapes) through Jackson's CSV reader. */
final class Csv {
    private static final CsvMapper MAPPER = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY).build();

    private Csv() {}

    /**
     * The fields of line {@code lineNumber} (1-based) of {@code file}.
     *
     * @throws InvalidInputException naming the file and line when it is not valid CSV (an unclosed quote, say)
     */
    static List<String> parse(String line, Path file, int lineNumber) {
        try (MappingIterator<List<String>> it = MAPPER.readerForListOf(String.class).readValues(line)) {
            return it.hasNextValue() ? it.nextValue() : List.of("");
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidInputException(file + " line " + lineNumber, "not valid CSV: " + why);
        }
    }
}
