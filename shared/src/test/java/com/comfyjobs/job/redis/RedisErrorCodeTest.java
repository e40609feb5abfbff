package com.comfyjobs.job.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Error replies as Redis 6.2 and 7.0 write them, including errors raised inside scripts. */
class RedisErrorCodeTest {
    @Test
    void theCodeIsTheFirstWord() {
        assertEquals("OOM", RedisConnection.errorCode("OOM command not allowed when used memory > 'maxmemory'."));
        assertEquals("LOADING", RedisConnection.errorCode("LOADING Redis is loading the dataset in memory"));
        assertEquals("NOSCRIPT", RedisConnection.errorCode("NOSCRIPT No matching script. Please use EVAL."));
        assertEquals("ERR", RedisConnection.errorCode("ERR max request size exceeded"));
        assertEquals("CLUSTERDOWN", RedisConnection.errorCode("CLUSTERDOWN"));
        assertEquals("", RedisConnection.errorCode(null));
    }

    @Test
    void aScriptErrorIsClassifiedByTheCodeItCarries() {
        // Redis 7 keeps the code of an error raised by redis.call
        assertEquals("READONLY", RedisConnection.errorCode(
                "READONLY You can't write against a read only replica. script: 219bb33e, on @user_script:1."));
        // Redis 6 wraps it into ERR
        assertEquals("READONLY", RedisConnection.errorCode("ERR Error running script (call to f_219bb33e): @user_script:1: "
                + "@user_script: 1: -READONLY You can't write against a read only replica. "));
        assertEquals("OOM", RedisConnection.errorCode("ERR Error running script (call to f_219bb33e): @user_script:1: "
                + "@user_script: 1: -OOM command not allowed when used memory > 'maxmemory'. "));
        // a script's own runtime error stays ERR
        assertEquals("ERR", RedisConnection.errorCode("ERR Error running script (call to f_82903a04): @user_script:1: "
                + "user_script:1: attempt to perform arithmetic on a nil value"));
    }

    @Test
    void onlyPassingStatesAreOutages() {
        for (String code : new String[] {"LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS", "READONLY"}) {
            assertTrue(RedisConnection.PASSING_STATES.contains(code), code);
        }
        for (String code : new String[] {"ERR", "OOM", "MISCONF", "WRONGTYPE", "NOSCRIPT", "NOAUTH", "WRONGPASS", "NOPERM", "MOVED",
                "ASK", "CROSSSLOT", "EXECABORT"}) {
            assertFalse(RedisConnection.PASSING_STATES.contains(code), code);
        }
    }
}
