package org.tempora.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tempora.InvalidInputException;

/** The CSV lines of ESC-50 and AudioSet metadata, through Jackson's reader. */
class CsvTest {
    private static final Path F = Path.of("meta/esc50.csv");

    @Test
    void quotedFieldsEscapesAndEmptyFields() {
        assertThat(Csv.parse("1-100-A-0.wav,1,0,\"dog, barking\",False", F, 2))
                .containsExactly("1-100-A-0.wav", "1", "0", "dog, barking", "False");
        assertThat(Csv.parse("a,\"say \"\"hi\"\"\",,c,", F, 3)).containsExactly("a", "say \"hi\"", "", "c", "");
        assertThat(Csv.parse("", F, 4)).containsExactly("");
    }

    @Test
    void aBrokenLineIsNamedInOneLine() {
        assertThatThrownBy(() -> Csv.parse("a,\"unclosed,b", F, 7)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("meta/esc50.csv line 7: not valid CSV: ").hasMessageNotContaining("\n");
    }
}
