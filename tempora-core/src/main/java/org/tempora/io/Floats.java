package org.tempora.io;

/** Conversions of the 16-bit float formats checkpoints store to float32 (exact: both widen without rounding). */
final class Floats {
    private Floats() {}

    /** IEEE 754 binary16 → float32, including subnormals, infinities and NaN. */
    static float halfToFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        int bits;
        if (exp == 0x1f) {
            bits = sign | 0x7f800000 | (mant << 13); // inf or NaN (payload kept)
        } else if (exp != 0) {
            bits = sign | ((exp + 112) << 23) | (mant << 13); // rebias 15 → 127
        } else if (mant == 0) {
            bits = sign; // ±0
        } else {
            // subnormal: value = mant · 2^-24; normalise it
            int e = 113; // exponent of 2^-14 in float32 (127 - 14)
            while ((mant & 0x400) == 0) {
                mant <<= 1;
                e--;
            }
            bits = sign | (e << 23) | ((mant & 0x3ff) << 13);
        }
        return Float.intBitsToFloat(bits);
    }

    /** bfloat16 (the upper half of a float32) → float32. */
    static float bfloat16ToFloat(int b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** Element width in bytes of a checkpoint dtype tempora reads. */
    static int width(Dtype d) {
        return d == Dtype.F32 ? 4 : 2;
    }

    /** The float types tempora reads from checkpoints. */
    enum Dtype { F32, F16, BF16 }

    /** Element {@code index} of little-endian {@code bytes} of type {@code d}, as float32. */
    static float get(byte[] bytes, long index, Dtype d) {
        int i = Math.toIntExact(index * width(d));
        return switch (d) {
            case F32 -> Float.intBitsToFloat((bytes[i] & 0xff) | (bytes[i + 1] & 0xff) << 8 | (bytes[i + 2] & 0xff) << 16 | (bytes[i + 3] & 0xff) << 24);
            case F16 -> halfToFloat((bytes[i] & 0xff) | (bytes[i + 1] & 0xff) << 8);
            case BF16 -> bfloat16ToFloat((bytes[i] & 0xff) | (bytes[i + 1] & 0xff) << 8);
        };
    }
}
