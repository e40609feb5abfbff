package com.comfyjobs.simulator.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class PyTest {

    @Test
    void floatsPrintLikePythonsRepr() {
        assertEquals("8.0", Py.floatRepr(8));
        assertEquals("0.01", Py.floatRepr(0.01));
        assertEquals("0.0001", Py.floatRepr(0.0001));
        assertEquals("1e-05", Py.floatRepr(0.00001));
        assertEquals("1.5e+16", Py.floatRepr(1.5e16));
        assertEquals("1000000000000000.0", Py.floatRepr(1e15));
        assertEquals("-0.0", Py.floatRepr(-0.0));
        assertEquals("inf", Py.floatRepr(Double.POSITIVE_INFINITY));
    }

    @Test
    void valuesPrintLikePythonsStrAndRepr() throws Exception {
        assertEquals("None", Py.str(Json.nodes().nullNode()));
        assertEquals("True", Py.str(Json.nodes().booleanNode(true)));
        assertEquals("['a', \"it's\"]", Py.str(Json.parse("[\"a\", \"it's\"]")));
        assertEquals("{'k': 1.0}", Py.str(Json.parse("{\"k\": 1.0}")));
        assertEquals("['x.safetensors']", Py.listRepr(List.of("x.safetensors")));
    }

    @Test
    void conversionsFollowPythonsIntAndFloat() {
        assertEquals(BigInteger.valueOf(7), assertDoesNotThrowInt("7"));
        assertEquals(BigInteger.valueOf(-3), assertDoesNotThrowInt(" -3 "));
        PyException error = assertThrows(PyException.class, () -> Py.toInt(Json.nodes().textNode("1.5")));
        assertEquals("ValueError", error.pythonType());
        assertEquals("invalid literal for int() with base 10: '1.5'", error.getMessage());
        assertEquals("int() argument must be a string, a bytes-like object or a real number, not 'NoneType'",
                assertThrows(PyException.class, () -> Py.toInt(Json.nodes().nullNode())).getMessage());
        assertEquals("could not convert string to float: 'abc'",
                assertThrows(PyException.class, () -> Py.toFloat(Json.nodes().textNode("abc"))).getMessage());
    }

    private static BigInteger assertDoesNotThrowInt(String text) {
        try {
            return Py.toInt(Json.nodes().textNode(text));
        } catch (PyException e) {
            throw new AssertionError(e);
        }
    }
}
