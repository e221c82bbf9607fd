package org.infer4j.tensorrt.internal.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The protobuf reader's contract at its edges; OnnxBytesFuzzTest holds it for any bytes. */
class ProtobufTest {

    @Test
    void readingAFieldAsAValueOfAnotherWireTypeIsTheCallersBug() {
        byte[] varintField = {0x08, 0x05}; // field 1, wire type 0, value 5
        Protobuf p = new Protobuf(varintField, 0, varintField.length);
        p.next();

        assertThat(p.isVarint()).isTrue();
        assertThatThrownBy(p::message).isInstanceOf(IllegalStateException.class).hasMessageContaining("wire type 0");
        assertThatThrownBy(p::string).isInstanceOf(IllegalStateException.class);
        assertThat(p.varint()).isEqualTo(5);
    }

    @Test
    void aTagBeyondThirtyTwoBitsIsMalformedNotAFieldNumberCutToAnInt() {
        // tag (2^32 + 7) << 3 | 2: cut to an int, field 7 of a model, its graph
        byte[] tag = {(byte) 0xba, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        Protobuf p = new Protobuf(tag, 0, tag.length);

        assertThatThrownBy(p::next).isInstanceOf(Protobuf.MalformedException.class)
                .hasMessageContaining("tag 34359738426 at byte 0");
    }
}
