package org.tempora.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;

/** Bit-exact comparison of long float arrays that reports the first difference (AssertJ's diff is quadratic). */
final class FloatArrays {
    private FloatArrays() {}

    static void assertBitExact(float[] actual, float[] expected) {
        assertThat(actual).as("length").hasSize(expected.length);
        int i = Arrays.mismatch(actual, expected);
        if (i >= 0) {
            fail("first difference at index %d: actual %s, expected %s (of %d values)", i, actual[i], expected[i],
                    expected.length);
        }
    }
}
