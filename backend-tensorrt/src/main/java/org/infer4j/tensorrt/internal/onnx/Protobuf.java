package org.infer4j.tensorrt.internal.onnx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A protobuf wire-format reader over one message's bytes, for the few ONNX fields the backend
 * reads or rewrites itself (a protobuf library would be a large dependency for them). It also
 * says where each field starts and ends, so that a rewrite can copy untouched fields verbatim.
 *
 * <p>Callers read a field by its number and wire type together: a known number with another wire
 * type is an unknown field to {@link #skip()}, as protobuf's generated parsers treat it. Reading a
 * value of the wrong wire type ({@link #message()} of a varint, say) is a caller's bug and throws
 * {@link IllegalStateException}; bytes that are not protobuf throw {@link MalformedException}.
 * Not thread-safe: one reader per message and thread.
 */
final class Protobuf {
    static final int VARINT = 0;
    static final int LENGTH_DELIMITED = 2;

    private final byte[] bytes;
    private final int end;
    private int position;
    private int fieldStart;
    private int field;
    private int wireType;

    Protobuf(byte[] bytes, int start, int end) {
        this.bytes = bytes;
        this.position = start;
        this.end = end;
    }

    /** Reads the next field's tag; false at the end of the message. */
    boolean next() {
        if (position >= end) {
            return false;
        }
        fieldStart = position;
        long tag = rawVarint();
        // a tag is a 32-bit varint (protobuf rejects longer ones): cut to an int, it could turn into any field number
        if (tag >>> 32 != 0 || tag >>> 3 == 0) {
            throw new MalformedException("tag " + Long.toUnsignedString(tag) + " at byte " + fieldStart
                    + " has no field number of 1 to 2^29 - 1");
        }
        field = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        return true;
    }

    int field() {
        return field;
    }

    boolean isVarint() {
        return wireType == VARINT;
    }

    boolean isLengthDelimited() {
        return wireType == LENGTH_DELIMITED;
    }

    /** Where the current field's tag starts. */
    int fieldStart() {
        return fieldStart;
    }

    /** Where the reader is: after the current field once it was read or skipped. */
    int position() {
        return position;
    }

    /** The current varint field's value. */
    long varint() {
        requireWireType(VARINT);
        return rawVarint();
    }

    private long rawVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= end) {
                throw new MalformedException("truncated varint at byte " + position);
            }
            byte b = bytes[position++];
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new MalformedException("overlong varint at byte " + position);
    }

    /** The current length-delimited field as a message of its own. */
    Protobuf message() {
        requireWireType(LENGTH_DELIMITED);
        int length = length();
        Protobuf child = new Protobuf(bytes, position, position + length);
        position += length;
        return child;
    }

    /** The current length-delimited field as UTF-8 text. */
    String string() {
        requireWireType(LENGTH_DELIMITED);
        int length = length();
        String s = new String(bytes, position, length, StandardCharsets.UTF_8);
        position += length;
        return s;
    }

    /** Reads the rest of this message for string field {@code field}: its last value, or "" if it has none. */
    String readString(int field) {
        String value = "";
        while (next()) {
            if (this.field == field && isLengthDelimited()) {
                value = string();
            } else {
                skip();
            }
        }
        return value;
    }

    void skip() {
        switch (wireType) {
            case VARINT -> rawVarint();
            case 1 -> advance(8);
            case LENGTH_DELIMITED -> advance(length());
            case 5 -> advance(4);
            default -> throw new MalformedException("unsupported wire type " + wireType + " at byte " + position);
        }
    }

    private void requireWireType(int expected) {
        if (wireType != expected) {
            throw new IllegalStateException("field " + field + " at byte " + fieldStart + " has wire type " + wireType
                    + ", not " + expected + "; check the wire type before reading a value");
        }
    }

    private int length() {
        long length = rawVarint();
        if (length < 0 || length > end - position) {
            throw new MalformedException("a field of " + length + " bytes overruns its message at byte " + position);
        }
        return (int) length;
    }

    private void advance(int n) {
        if (n > end - position) {
            throw new MalformedException("truncated field at byte " + position);
        }
        position += n;
    }

    /** The encoding of a length-delimited field's tag and length, which its {@code length} bytes follow. */
    static byte[] lengthDelimitedHeader(int field, long length) {
        byte[] buffer = new byte[20];
        int n = putVarint(buffer, 0, ((long) field << 3) | LENGTH_DELIMITED);
        n = putVarint(buffer, n, length);
        return Arrays.copyOf(buffer, n);
    }

    /** A length-delimited field holding {@code text}. */
    static byte[] stringField(int field, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        byte[] header = lengthDelimitedHeader(field, utf8.length);
        byte[] all = Arrays.copyOf(header, header.length + utf8.length);
        System.arraycopy(utf8, 0, all, header.length, utf8.length);
        return all;
    }

    private static int putVarint(byte[] buffer, int at, long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            buffer[at++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buffer[at++] = (byte) v;
        return at;
    }

    /** Bytes that are not the protobuf they should be. */
    static final class MalformedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }
}
